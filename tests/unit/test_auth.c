/* Unit tests for keys, MACs, the clock window and the memory of departed
 * (name, link) timestamps (src/auth.c), and the TIMESTAMP/MAC TLVs of the
 * wire codec they rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "auth.h"
#include "wire.h"

#define KEY1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY2 "F0E1D2C3B4A5968778695A4B3C2D1E0FF0E1D2C3B4A5968778695A4B3C2D1E0F"

static struct in6_addr src1, src2;

static int setup(void **state)
{
	(void)state;
	inet_pton(AF_INET6, "fe80::1", &src1);
	inet_pton(AF_INET6, "fe80::2", &src2);
	return auth_init();
}

static void test_parse(void **state)
{
	const char *ok = "# current\n" KEY1 "\n\n  " KEY2 "  # previous\n";
	struct auth_keys k;
	char err[128];

	(void)state;
	assert_int_equal(auth_parse(ok, strlen(ok), &k, err, sizeof(err)), 0);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.key[0][0], 0x00);
	assert_int_equal(k.key[0][31], 0x1f);
	assert_int_equal(k.key[1][0], 0xf0);
	assert_int_equal(k.key[1][31], 0x0f);
	assert_int_equal(auth_parse(KEY1, 64, &k, err, sizeof(err)), 0);
	assert_int_equal(k.n, 1);
}

static void test_parse_refuses(void **state)
{
	static const char *bad[] = {
		"",					/* no key */
		"# only a comment\n",
		KEY1 "0\n",				/* 65 digits */
		"0102\n",				/* too short */
		KEY1 "\n" KEY1 "\n" KEY1 "\n",		/* three keys */
		"zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",
	};
	struct auth_keys k;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(auth_parse(bad[i], strlen(bad[i]), &k, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_int_equal(k.n, 0);
	}
}

static void test_load_checks_mode(void **state)
{
	char path[] = "/tmp/linkname-test-key-XXXXXX", err[256];
	struct auth_keys k;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, KEY1 "\n", 65), 65);
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), -1);
	unlink(path);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), -1);
}

/* The key file format of docs/SECURITY.md, form by form (issue 13,
 * point 12): what auth_parse accepts and what it refuses. */
static void test_key_file_forms(void **state)
{
	static const char *ok[] = {
		KEY1,					/* no newline at the end */
		KEY1 "\n",
		"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n",
		"  \t" KEY1 " \t\n",			/* surrounding blanks */
		KEY1 "\r\n",				/* CRLF */
		"# the key\r\n\r\n" KEY1 "\r\n# end\r\n",
		KEY1 "# no blank before the comment\n",
		KEY1 "   # current\n",
		"0001020304050607 08090a0b0c0d0e0f 1011121314151617 18191a1b1c1d1e1f\n",
		"\n\n\n" KEY1 "\n\n",
	};
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "", "no key in the file" },
		{ "\n  \n# x\n", "no key in the file" },
		{ KEY1 "\n" KEY1 "\n" KEY1 "\n", "line 3: at most 2 keys" },
		{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",
		  "line 1: expected 64 hex digits, got 63" },
		{ KEY1 "f\n", "line 1: expected 64 hex digits" },
		{ "0x" KEY1 "\n", "line 1: expected 64 hex digits" },
		{ "00010203040506070809#0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		  "line 1: expected 64 hex digits, got 20" },
		{ "\n" KEY1 ",\n", "line 2: expected 64 hex digits" },
		{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
		  "line 1: expected 64 hex digits" },
	};
	struct auth_keys k;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(auth_parse(ok[i], strlen(ok[i]), &k, err, sizeof(err)), 0);
		assert_int_equal(k.n, 1);
		assert_int_equal(k.key[0][0], 0x00);
		assert_int_equal(k.key[0][10], 0x0a);
		assert_int_equal(k.key[0][31], 0x1f);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(auth_parse(bad[i].text, strlen(bad[i].text), &k, err, sizeof(err)),
				 -1);
		if (strncmp(err, bad[i].why, strlen(bad[i].why)))
			fail_msg("form %zu: \"%s\", want \"%s\"", i, err, bad[i].why);
		assert_int_equal(k.n, 0);
	}
	/* A NUL is not a hex digit either. */
	assert_int_equal(auth_parse(KEY1 "\0", 65, &k, err, sizeof(err)), -1);
}

/* The first key signs; either verifies (rotation, SECURITY.md). */
static void test_first_key_signs(void **state)
{
	const char *two = KEY2 "\n" KEY1 "\n";
	struct auth_keys both, k1, k2;
	uint8_t buf[WIRE_MAX_PACKET];
	struct wire_msg m;
	char err[128];
	int n;

	(void)state;
	assert_int_equal(auth_parse(two, strlen(two), &both, err, sizeof(err)), 0);
	assert_int_equal(both.n, 2);
	assert_int_equal(auth_parse(KEY1, 64, &k1, err, sizeof(err)), 0);
	assert_int_equal(auth_parse(KEY2, 64, &k2, err, sizeof(err)), 0);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_SOLICIT;
	m.timestamp = 1700000000000ull;
	m.has_mac = 1;
	n = wire_encode(&m, buf, sizeof(buf));
	assert_true(n > 0);
	auth_sign(&both, &src1, buf, (size_t)n);
	assert_true(auth_verify(&k2, &src1, buf, (size_t)n));
	assert_false(auth_verify(&k1, &src1, buf, (size_t)n));
}

/* The file itself: a regular file (no symbolic link), no access for group
 * or others, owned by root or the daemon's user, under 1024 octets. */
static void test_key_file_checks(void **state)
{
	char dir[] = "/tmp/linkname-test-keys-XXXXXX", path[64], link[64], err[256];
	char big[1100];
	struct auth_keys k;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# lab key\n" KEY1 "\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0700), 0);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0660), 0);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode 660"));
	assert_int_equal(chmod(path, 0600), 0);
	/* A symbolic link is not followed. */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(auth_load(link, geteuid(), &k, err, sizeof(err)), -1);
	unlink(link);
	/* A directory is not a key file. */
	assert_int_equal(auth_load(dir, geteuid(), &k, err, sizeof(err)), -1);
	/* The owner: root, or the user the daemon runs as. */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 4242, 4242), 0);
		assert_int_equal(auth_load(path, 4242, &k, err, sizeof(err)), 0);
		assert_int_equal(auth_load(path, 4243, &k, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "owned by uid 4242"));
		assert_int_equal(chown(path, 0, 0), 0);
	}
	/* 1023 octets (the key and comments) is the most read. */
	memset(big, '#', sizeof(big));
	memcpy(big, KEY1 "\n", 65);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, 1023, f), 1023);
	fclose(f);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, 1024, f), 1024);
	fclose(f);
	assert_int_equal(auth_load(path, geteuid(), &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
	unlink(path);
	rmdir(dir);
}

/* A signed ANNOUNCE, as the daemon sends it. */
static int signed_announce(const struct auth_keys *k, uint8_t *buf, size_t len, uint64_t ts)
{
	struct wire_msg m;
	int n;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_ANNOUNCE;
	strcpy(m.name, "h1");
	m.name_len = 2;
	m.naddrs = 1;
	inet_pton(AF_INET6, "fe80::1", &m.addrs[0]);
	m.lifetime = 120;
	m.timestamp = ts;
	m.has_mac = 1;
	n = wire_encode(&m, buf, len);
	if (n > 0)
		auth_sign(k, &src1, buf, (size_t)n);
	return n;
}

static void test_sign_verify(void **state)
{
	struct auth_keys k1, k2, both, k;
	uint8_t buf[WIRE_MAX_PACKET];
	struct wire_msg m;
	char err[128];
	int n, i;

	(void)state;
	assert_int_equal(auth_parse(KEY1, 64, &k1, err, sizeof(err)), 0);
	assert_int_equal(auth_parse(KEY2, 64, &k2, err, sizeof(err)), 0);
	assert_int_equal(auth_parse(KEY2 "\n" KEY1, 129, &both, err, sizeof(err)), 0);

	n = signed_announce(&k1, buf, sizeof(buf), 1700000000123ull);
	assert_true(n > 0);
	/* The codec sees the TIMESTAMP and the MAC, MAC last. */
	assert_int_equal(wire_decode(buf, (size_t)n, &m), WIRE_OK);
	assert_int_equal(m.timestamp, 1700000000123ull);
	assert_int_equal(m.has_mac, 1);
	assert_true(auth_verify(&k1, &src1, buf, (size_t)n));
	assert_false(auth_verify(&k2, &src1, buf, (size_t)n));
	/* Rotation: a receiver holding new and old keys accepts both. */
	assert_true(auth_verify(&both, &src1, buf, (size_t)n));
	n = signed_announce(&k2, buf, sizeof(buf), 1700000000124ull);
	assert_true(auth_verify(&both, &src1, buf, (size_t)n));
	assert_false(auth_verify(&k1, &src1, buf, (size_t)n));

	/* Any flipped bit, in the body or the MAC, breaks it. */
	n = signed_announce(&k1, buf, sizeof(buf), 1700000000125ull);
	for (i = 0; i < n; i++) {
		buf[i] ^= 0x01;
		assert_false(auth_verify(&k1, &src1, buf, (size_t)n));
		buf[i] ^= 0x01;
	}
	assert_true(auth_verify(&k1, &src1, buf, (size_t)n));
	/* Too short to hold a MAC. */
	assert_false(auth_verify(&k1, &src1, buf, 10));
	memset(&k, 0, sizeof(k));
	assert_false(auth_verify(&k, &src1, buf, (size_t)n));
	/* The source address is covered too: from another, it fails. */
	assert_false(auth_verify(&k1, &src2, buf, (size_t)n));
}

static void test_mac_tlv_must_be_last(void **state)
{
	struct auth_keys k1;
	uint8_t buf[WIRE_MAX_PACKET];
	struct wire_msg m;
	char err[128];
	int n;

	(void)state;
	assert_int_equal(auth_parse(KEY1, 64, &k1, err, sizeof(err)), 0);
	n = signed_announce(&k1, buf, sizeof(buf) - 8, 42);
	/* Append an empty unknown optional TLV after the MAC. */
	memcpy(buf + n, "\x00\x40\x00\x00", 4);
	buf[5] = (uint8_t)(n + 4);
	assert_int_equal(wire_decode(buf, (size_t)n + 4, &m), WIRE_ERR_MAC_POS);
	/* A MAC of the wrong length. */
	n = signed_announce(&k1, buf, sizeof(buf), 42);
	buf[n - WIRE_MAC_LEN - 1] = WIRE_MAC_LEN - 1;
	buf[5] = (uint8_t)(n - 1);
	assert_int_equal(wire_decode(buf, (size_t)n - 1, &m), WIRE_ERR_MAC_POS);
}

static void test_timestamp_tlv(void **state)
{
	uint8_t buf[WIRE_MAX_PACKET];
	struct wire_msg m, out;
	int n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_SOLICIT;
	m.timestamp = 0x0102030405060708ull;
	n = wire_encode(&m, buf, sizeof(buf));
	assert_int_equal(n, WIRE_HDR_LEN + WIRE_TLV_HDR_LEN + 8);
	assert_int_equal(buf[8], 0);
	assert_int_equal(buf[9], WIRE_TLV_TIMESTAMP);
	assert_int_equal(buf[12], 0x01);
	assert_int_equal(buf[19], 0x08);
	assert_int_equal(wire_decode(buf, (size_t)n, &out), WIRE_OK);
	assert_int_equal(out.timestamp, m.timestamp);
	assert_int_equal(out.has_mac, 0);
	/* Wrong length and duplicates are refused. */
	buf[11] = 7;
	buf[5] = (uint8_t)(n - 1);
	assert_int_equal(wire_decode(buf, (size_t)n - 1, &out), WIRE_ERR_TLV);
	buf[11] = 8;
	memcpy(buf + n, buf + 8, 12);
	buf[5] = (uint8_t)(n + 12);
	assert_int_equal(wire_decode(buf, (size_t)n + 12, &out), WIRE_ERR_DUPLICATE);
}

static void test_window(void **state)
{
	const uint64_t now = 1700000000000ull;

	(void)state;
	assert_int_equal(auth_window(now, now), AUTH_FRESH);
	assert_int_equal(auth_window(now - AUTH_WINDOW_MS, now), AUTH_FRESH);
	assert_int_equal(auth_window(now + AUTH_WINDOW_MS, now), AUTH_FRESH);
	assert_int_equal(auth_window(now - AUTH_WINDOW_MS - 1, now), AUTH_STALE);
	assert_int_equal(auth_window(now + AUTH_WINDOW_MS + 1, now), AUTH_STALE);
	assert_int_equal(auth_window(0, now), AUTH_STALE);
}

/* Departed (name, link) pairs: remembered per pair, case-insensitively,
 * newest only; forgotten when live again; a floor when full. */
static void test_replay_memory(void **state)
{
	struct auth_replay *r = auth_replay_new(4);
	const uint64_t now = 1700000000000ull;
	char name[8];
	int i;

	(void)state;
	assert_non_null(r);
	assert_null(auth_replay_new(0));
	assert_int_equal(auth_replay_last(r, "h2", 2, 2), 0);
	auth_replay_remember(r, "h2", 2, 2, now - 10, now);
	assert_int_equal(auth_replay_last(r, "H2", 2, 2), now - 10);
	assert_int_equal(auth_replay_last(r, "h2", 2, 3), 0);
	auth_replay_remember(r, "h2", 2, 2, now - 20, now);	/* older: kept newest */
	assert_int_equal(auth_replay_last(r, "h2", 2, 2), now - 10);
	/* Outside the window, a record is not needed. */
	auth_replay_remember(r, "old", 3, 2, now - AUTH_WINDOW_MS - 1, now);
	assert_int_equal(auth_replay_count(r), 1);
	auth_replay_forget(r, "h2", 2, 2);
	assert_int_equal(auth_replay_count(r), 0);
	/* Full of recent records: the oldest goes, and the floor rises to it. */
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		auth_replay_remember(r, name, strlen(name), 2, now + (uint64_t)i, now);
	}
	assert_int_equal(auth_replay_count(r), 4);
	assert_int_equal(auth_replay_floor(r), now + 1);
	assert_int_equal(auth_replay_last(r, "n0", 2, 2), now + 1);
	assert_int_equal(auth_replay_last(r, "n5", 2, 2), now + 5);
	/* Records out of the window go first, the floor stays. */
	auth_replay_remember(r, "late", 4, 2, now + AUTH_WINDOW_MS + 10, now + AUTH_WINDOW_MS + 10);
	assert_int_equal(auth_replay_count(r), 1);
	assert_int_equal(auth_replay_floor(r), now + 1);
	auth_replay_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_key_file_forms, setup),
		cmocka_unit_test_setup(test_first_key_signs, setup),
		cmocka_unit_test_setup(test_key_file_checks, setup),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_load_checks_mode),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_mac_tlv_must_be_last),
		cmocka_unit_test(test_timestamp_tlv),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_replay_memory),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
