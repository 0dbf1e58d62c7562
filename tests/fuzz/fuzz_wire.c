/* fuzz_wire: wire_decode() on any datagram; whatever decodes is encoded
 * again and must decode to the same message, so encoder and decoder cannot
 * drift apart (something we would send and then refuse, or the reverse).
 * A datagram with a MAC TLV also goes through auth_verify(), as the daemon
 * does with a key configured, and is signed and verified again. */
#include <string.h>

#include "auth.h"
#include "fuzz.h"
#include "wire.h"

/* Equal in every field the message carries: the name up to its NUL and
 * addrs[0..naddrs). Octets past those are not part of the message (a
 * SOLICIT's ignored addresses stay in addrs[] with naddrs 0). */
static void same_msg(const struct wire_msg *a, const struct wire_msg *b)
{
	FUZZ_CHECK(a->type == b->type);
	FUZZ_CHECK(a->name_len == b->name_len);
	FUZZ_CHECK(memcmp(a->name, b->name, a->name_len + 1u) == 0);
	FUZZ_CHECK(a->naddrs == b->naddrs);
	FUZZ_CHECK(memcmp(a->addrs, b->addrs, a->naddrs * sizeof(a->addrs[0])) == 0);
	FUZZ_CHECK(a->lifetime == b->lifetime);
	FUZZ_CHECK(a->timestamp == b->timestamp);
	FUZZ_CHECK(a->has_mac == b->has_mac);
}

/* Nobody forges HMAC-SHA-512-256 by mutation: a MAC that verifies means the
 * wrong octets were covered. Signing with the key must verify, and one
 * changed octet anywhere before the MAC must not. */
static void check_mac(const uint8_t *data, size_t size)
{
	static struct auth_keys keys;
	static struct in6_addr src = { .s6_addr = { 0xfe, 0x80, [15] = 1 } };
	static int ready;
	uint8_t *copy;

	if (!ready) {
		FUZZ_CHECK(auth_init() == 0);
		keys.n = 2;
		memset(keys.key[0], 0x5a, AUTH_KEY_LEN);
		memset(keys.key[1], 0xa5, AUTH_KEY_LEN);
		ready = 1;
	}
	FUZZ_CHECK(!auth_verify(&keys, &src, data, size));
	copy = malloc(size);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	auth_sign(&keys, &src, copy, size);
	FUZZ_CHECK(auth_verify(&keys, &src, copy, size));
	/* The MAC covers the source address: from another it fails. */
	src.s6_addr[15] ^= 0x02;
	FUZZ_CHECK(!auth_verify(&keys, &src, copy, size));
	src.s6_addr[15] ^= 0x02;
	copy[size / 2 < size - WIRE_MAC_LEN ? size / 2 : 0] ^= 0x01;
	FUZZ_CHECK(!auth_verify(&keys, &src, copy, size));
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m, again;
	enum wire_err err;
	uint8_t *buf;
	int n;

	err = wire_decode(data, size, &m);
	FUZZ_CHECK(err < WIRE_ERR_COUNT);
	FUZZ_CHECK(wire_errname(err) != NULL && wire_strerror(err) != NULL);
	if (err != WIRE_OK)
		return 0;

	FUZZ_CHECK(m.type >= WIRE_ANNOUNCE && m.type <= WIRE_SOLICIT);
	FUZZ_CHECK(m.name_len <= WIRE_NAME_MAX && m.name[m.name_len] == '\0');
	FUZZ_CHECK(strlen(m.name) == m.name_len);
	FUZZ_CHECK(m.naddrs <= WIRE_MAX_ADDRS);
	/* Fields a type does not use read as absent. */
	if (m.has_mac) {
		FUZZ_CHECK(size >= WIRE_HDR_LEN + WIRE_TLV_HDR_LEN + WIRE_MAC_LEN);
		check_mac(data, size);
	}
	if (m.type == WIRE_SOLICIT)
		FUZZ_CHECK(m.naddrs == 0);
	if (m.type != WIRE_ANNOUNCE)
		FUZZ_CHECK(m.lifetime == 0);
	else
		FUZZ_CHECK(m.lifetime >= 1 && m.lifetime <= WIRE_LIFETIME_MAX);

	/* What was accepted can be sent: the encoder only drops what the
	 * decoder ignored (unknown TLVs, unused fields), so it is no longer. */
	buf = malloc(WIRE_MAX_PACKET);
	FUZZ_CHECK(buf != NULL);
	n = wire_encode(&m, buf, WIRE_MAX_PACKET);
	FUZZ_CHECK(n >= WIRE_HDR_LEN && (size_t)n <= size);
	FUZZ_CHECK(wire_decode(buf, (size_t)n, &again) == WIRE_OK);
	same_msg(&m, &again);
	free(buf);

	/* Exactly n octets are enough and n - 1 are not; the heap buffer of
	 * that size lets ASan see a write past the end. */
	buf = malloc((size_t)n);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(wire_encode(&m, buf, (size_t)n) == n);
	FUZZ_CHECK(wire_encode(&m, buf, (size_t)n - 1) == -1);
	FUZZ_CHECK(wire_decode(buf, (size_t)n, &again) == WIRE_OK);
	same_msg(&m, &again);
	free(buf);
	return 0;
}
