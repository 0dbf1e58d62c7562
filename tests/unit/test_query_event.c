/* Unit tests for SUBSCRIBE in src/query.c: the request, and the event
 * records a monitor reads (docs/PROTOCOL.md 11.8). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* Decodes from a heap copy of exactly len octets (valgrind and ASan see
 * any read past the end). */
static int decode_exact(const uint8_t *buf, size_t len, struct query_event *ev)
{
	uint8_t *p = malloc(len ? len : 1);
	int n;

	assert_non_null(p);
	memcpy(p, buf, len);
	n = query_decode_event(p, len, ev);
	free(p);
	return n;
}

static struct query_event full_event(void)
{
	struct query_event ev;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	ev.kind = QUERY_EV_CHANGED;
	ev.flags = QUERY_EVF_TAKEN_OVER;
	ev.ifindex = 0x01020304;
	ev.ttl = 33;
	ev.src = addr("fe80::1");
	strcpy(ev.ifname, "abcdefghijklmno");	/* 15, the most */
	ev.ifname_len = 15;
	memset(ev.name, 'n', 63);
	ev.name_len = 63;
	ev.naddrs = 8;
	for (i = 0; i < 8; i++) {
		ev.addrs[i] = addr("fe80::a");
		ev.addrs[i].s6_addr[15] = (uint8_t)i;
	}
	return ev;
}

static void test_subscribe_request(void **state)
{
	struct query_request in = { .op = QUERY_SUBSCRIBE, .version = 1 }, out;
	const uint8_t expect[] = { 1, 7, 0, 1, 1 };
	uint8_t buf[QUERY_REQ_MAX];

	(void)state;
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, expect, sizeof(expect));
	assert_int_equal(query_decode_request(buf, 5, &out), 5);
	assert_int_equal(out.op, QUERY_SUBSCRIBE);
	assert_int_equal(out.version, 1);
	/* Incomplete, no payload, two octets, trailing octets. */
	assert_int_equal(query_decode_request(buf, 4, &out), 0);
	buf[3] = 0;
	assert_int_equal(query_decode_request(buf, 4, &out), -1);
	buf[3] = 2;
	buf[5] = 1;
	assert_int_equal(query_decode_request(buf, 6, &out), -1);
	buf[3] = 1;
	assert_int_equal(query_decode_request(buf, 6, &out), -1);
	/* A version the daemon may not speak still decodes (it answers BADREQ). */
	buf[4] = 9;
	assert_int_equal(query_decode_request(buf, 5, &out), 5);
	assert_int_equal(out.version, 9);
	/* Any version encodes as it decodes (found by fuzz_query: version 0
	 * decoded but did not encode back); the daemon refuses the ones it
	 * does not speak. */
	in.version = 0;
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), 5);
	assert_int_equal(buf[4], 0);
	in.version = 1;
	assert_int_equal(query_encode_request(&in, buf, 4), -1);
}

static void test_busy_status(void **state)
{
	struct query_response_hdr in = { .status = QUERY_BUSY }, out;
	uint8_t buf[QUERY_RESP_HDR_LEN];

	(void)state;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.status, QUERY_BUSY);
	in.count = 1;
	in.length = 13;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
}

static void test_event_roundtrip_full(void **state)
{
	struct query_event in = full_event(), out;
	uint8_t buf[QUERY_EVENT_MAX + 8];
	int n;

	(void)state;
	/* The largest record there can be, and QUERY_EVENT_MAX is it. */
	in.reason_len = 0;
	n = query_encode_event(&in, buf, sizeof(buf));
	assert_int_equal(n, 4 + 32 + 15 + 63 + 128);
	assert_int_equal((size_t)n, query_event_len(&in));
	assert_true((size_t)n <= QUERY_EVENT_MAX);
	assert_int_equal(buf[0], QUERY_EVENT_VERSION);
	assert_int_equal(buf[1], QUERY_EV_CHANGED);
	assert_int_equal(buf[2] << 8 | buf[3], n - 4);
	assert_int_equal(decode_exact(buf, (size_t)n, &out), n);
	assert_int_equal(out.kind, in.kind);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.ifindex, in.ifindex);
	assert_int_equal(out.ttl, 33);
	assert_memory_equal(&out.src, &in.src, 16);
	assert_string_equal(out.ifname, "abcdefghijklmno");
	assert_int_equal(out.name_len, 63);
	assert_memory_equal(out.name, in.name, 63);
	assert_int_equal(out.name[63], '\0');
	assert_int_equal(out.naddrs, 8);
	assert_memory_equal(out.addrs, in.addrs, sizeof(in.addrs));
	/* Every shorter prefix asks for more, never reads past the end. */
	for (int k = 0; k < n; k++)
		assert_int_equal(decode_exact(buf, (size_t)k, &out), 0);
	/* Too small a buffer to encode into. */
	assert_int_equal(query_encode_event(&in, buf, (size_t)n - 1), -1);
}

static void test_event_refused_and_lost(void **state)
{
	struct query_event in, out;
	uint8_t buf[QUERY_EVENT_MAX];
	int n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.kind = QUERY_EV_REFUSED;
	in.src = addr("fe80::bad");
	in.ifindex = 3;
	strcpy(in.ifname, "eth0");
	in.ifname_len = 4;
	strcpy(in.reason, "bad-mac");
	in.reason_len = 7;
	n = query_encode_event(&in, buf, sizeof(buf));
	assert_int_equal(n, 4 + 32 + 4 + 7);
	assert_int_equal(decode_exact(buf, (size_t)n, &out), n);
	assert_string_equal(out.reason, "bad-mac");
	assert_string_equal(out.name, "");
	assert_string_equal(out.ifname, "eth0");

	/* A refused datagram needs its reason; nothing else may have one. */
	in.reason_len = 0;
	assert_int_equal(query_encode_event(&in, buf, sizeof(buf)), -1);
	in.kind = QUERY_EV_NEW;
	strcpy(in.name, "h2");
	in.name_len = 2;
	in.reason_len = 7;
	assert_int_equal(query_encode_event(&in, buf, sizeof(buf)), -1);
	/* Every kind about a neighbour needs a name. */
	in.reason_len = 0;
	in.name_len = 0;
	assert_int_equal(query_encode_event(&in, buf, sizeof(buf)), -1);

	memset(&in, 0, sizeof(in));
	in.kind = QUERY_EV_LOST;
	n = query_encode_event(&in, buf, sizeof(buf));
	assert_int_equal(n, 36);
	assert_int_equal(decode_exact(buf, (size_t)n, &out), 36);
	assert_int_equal(out.kind, QUERY_EV_LOST);
}

static void test_event_back_to_back(void **state)
{
	struct query_event a = full_event(), b, out;
	uint8_t buf[2 * QUERY_EVENT_MAX];
	int n1, n2;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.kind = QUERY_EV_GOODBYE;
	strcpy(b.name, "h3");
	b.name_len = 2;
	n1 = query_encode_event(&a, buf, sizeof(buf));
	n2 = query_encode_event(&b, buf + n1, sizeof(buf) - (size_t)n1);
	assert_true(n1 > 0 && n2 > 0);
	assert_int_equal(query_decode_event(buf, (size_t)(n1 + n2), &out), n1);
	assert_int_equal(out.kind, QUERY_EV_CHANGED);
	assert_int_equal(query_decode_event(buf + n1, (size_t)n2, &out), n2);
	assert_int_equal(out.kind, QUERY_EV_GOODBYE);
	assert_string_equal(out.name, "h3");
}

static void test_event_unknown_kind_skipped(void **state)
{
	/* A later daemon's kind 42 with 5 octets the reader cannot know. */
	const uint8_t rec[] = { 1, 42, 0, 5, 'a', 'b', 'c', 'd', 'e' };
	struct query_event out;

	(void)state;
	assert_int_equal(decode_exact(rec, sizeof(rec), &out), (int)sizeof(rec));
	assert_int_equal(out.kind, 0);
	assert_int_equal(decode_exact(rec, sizeof(rec) - 1, &out), 0);
}

static void test_event_malformed(void **state)
{
	struct query_event in = full_event(), out;
	uint8_t buf[QUERY_EVENT_MAX], bad[QUERY_EVENT_MAX + 1];
	int n;

	(void)state;
	in.naddrs = 1;
	in.flags = 0;
	n = query_encode_event(&in, buf, sizeof(buf));
	assert_true(n > 0);

	/* Another version, known from the first octet. */
	memcpy(bad, buf, (size_t)n);
	bad[0] = 2;
	assert_int_equal(decode_exact(bad, 1, &out), -1);
	assert_int_equal(decode_exact(bad, (size_t)n, &out), -1);

	/* The length field one more and one less than the fields add up to. */
	memcpy(bad, buf, (size_t)n);
	bad[3]++;
	bad[n] = 0;
	assert_int_equal(decode_exact(bad, (size_t)n + 1, &out), -1);
	memcpy(bad, buf, (size_t)n);
	bad[3]--;
	assert_int_equal(decode_exact(bad, (size_t)n - 1, &out), -1);

	/* Shorter than the fixed part. */
	{
		const uint8_t shorty[] = { 1, QUERY_EV_NEW, 0, 4, 0, 0, 0, 1 };

		assert_int_equal(decode_exact(shorty, sizeof(shorty), &out), -1);
	}

	/* Each count over its bound (the length field adjusted to match). */
	{
		static const struct { size_t off; uint8_t v; } over[] = {
			{ 4 + 9, WIRE_MAX_ADDRS + 1 },		/* naddrs */
			{ 4 + 10, WIRE_NAME_MAX + 1 },		/* name_len */
			{ 4 + 11, QUERY_EVENT_IFNAME_MAX + 1 },	/* ifname_len */
			{ 4 + 12, QUERY_EVENT_REASON_MAX + 1 },	/* reason_len */
		};
		uint8_t big[1024];

		for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
			size_t extra, len;

			memset(big, 'a', sizeof(big));
			memcpy(big, buf, (size_t)n);
			extra = (size_t)(over[i].v - big[over[i].off]) *
				(over[i].off == 4 + 9 ? 16 : 1);
			big[over[i].off] = over[i].v;
			len = (size_t)n + extra;
			big[2] = (uint8_t)((len - 4) >> 8);
			big[3] = (uint8_t)(len - 4);
			assert_int_equal(decode_exact(big, len, &out), -1);
		}
	}

	/* An invalid name, an interface name with a slash, a reason in capitals. */
	memcpy(bad, buf, (size_t)n);
	bad[4 + 32 + 15] = '_';
	assert_int_equal(decode_exact(bad, (size_t)n, &out), -1);
	memcpy(bad, buf, (size_t)n);
	bad[4 + 32 + 3] = '/';
	assert_int_equal(decode_exact(bad, (size_t)n, &out), -1);
	{
		struct query_event r;

		memset(&r, 0, sizeof(r));
		r.kind = QUERY_EV_REFUSED;
		strcpy(r.reason, "hop-limit");
		r.reason_len = 9;
		n = query_encode_event(&r, buf, sizeof(buf));
		assert_true(n > 0);
		buf[n - 1] = 'T';
		assert_int_equal(decode_exact(buf, (size_t)n, &out), -1);
		strcpy(r.reason, "Hop");
		r.reason_len = 3;
		assert_int_equal(query_encode_event(&r, buf, sizeof(buf)), -1);
	}

	/* Kinds 0 and past LOST cannot be encoded. */
	in.kind = 0;
	assert_int_equal(query_encode_event(&in, buf, sizeof(buf)), -1);
	in.kind = QUERY_EV_KIND_MAX + 1;
	assert_int_equal(query_encode_event(&in, buf, sizeof(buf)), -1);
}

/* docs/PROTOCOL.md 11.8's example, octet for octet. */
static void test_event_spec_example(void **state)
{
	static const uint8_t want[] = {
		0x01, 0x01, 0x00, 0x36, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x21,
		0x00, 0x01, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x1c, 0x2b, 0x3a, 0xff, 0xfe, 0x4d, 0x5e, 0x6f,
		'e', 't', 'h', '0', 'h', '2',
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x1c, 0x2b, 0x3a, 0xff, 0xfe, 0x4d, 0x5e, 0x6f,
	};
	struct query_event ev;
	uint8_t buf[QUERY_EVENT_MAX];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.kind = QUERY_EV_NEW;
	ev.ifindex = 2;
	ev.ttl = 33;
	ev.src = addr("fe80::1c2b:3aff:fe4d:5e6f");
	memcpy(ev.ifname, "eth0", ev.ifname_len = 4);
	memcpy(ev.name, "h2", ev.name_len = 2);
	ev.naddrs = 1;
	ev.addrs[0] = ev.src;
	assert_int_equal(query_encode_event(&ev, buf, sizeof(buf)), (int)sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subscribe_request),
		cmocka_unit_test(test_busy_status),
		cmocka_unit_test(test_event_roundtrip_full),
		cmocka_unit_test(test_event_refused_and_lost),
		cmocka_unit_test(test_event_back_to_back),
		cmocka_unit_test(test_event_unknown_kind_skipped),
		cmocka_unit_test(test_event_malformed),
		cmocka_unit_test(test_event_spec_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
