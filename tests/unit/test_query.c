/* Unit tests for src/query.c: the query-socket request/response codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"

/* Copies into a heap buffer of exactly len octets, so valgrind sees any
 * read past the end. */
static uint8_t *exact(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

static int decode_req_exact(const uint8_t *buf, size_t len, struct query_request *req)
{
	uint8_t *p = exact(buf, len);
	int r = query_decode_request(p, len, req);

	free(p);
	return r;
}

static int decode_rec_exact(const uint8_t *buf, size_t len, struct query_record *r)
{
	uint8_t *p = exact(buf, len);
	int n = query_decode_record(p, len, r);

	free(p);
	return n;
}

static struct in6_addr ll(uint8_t a, uint8_t b)
{
	struct in6_addr x;

	memset(&x, 0, sizeof(x));
	x.s6_addr[0] = 0xfe;
	x.s6_addr[1] = 0x80;
	x.s6_addr[8] = 0x02;
	x.s6_addr[14] = a;
	x.s6_addr[15] = b;
	return x;
}

static void make_resolve(struct query_request *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->op = QUERY_RESOLVE;
	r->name_len = (uint8_t)strlen(name);
	memcpy(r->name, name, r->name_len);
}

/* Every strict prefix needs more; the whole is accepted at its length. */
static void check_prefixes(const uint8_t *buf, size_t n)
{
	struct query_request out;
	size_t k;

	for (k = 0; k < n; k++)
		assert_int_equal(decode_req_exact(buf, k, &out), 0);
	assert_int_equal(decode_req_exact(buf, n, &out), (int)n);
}

/* ---- requests ---- */

static void test_req_resolve_roundtrip(void **state)
{
	static const uint8_t expect[] = { 1, 1, 0, 6, 'H', 'o', 's', 't', '-', '1' };
	struct query_request in, out;
	uint8_t buf[QUERY_REQ_MAX + 64];
	char long_name[64];
	int n;

	(void)state;
	make_resolve(&in, "Host-1");
	n = query_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(n, 10);
	assert_memory_equal(buf, expect, sizeof(expect));
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(decode_req_exact(buf, (size_t)n, &out), 10);
	assert_int_equal(out.op, QUERY_RESOLVE);
	assert_int_equal(out.name_len, 6);
	assert_string_equal(out.name, "Host-1");
	check_prefixes(buf, (size_t)n);

	/* One octet and 63 octets. */
	make_resolve(&in, "x");
	n = query_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_int_equal(decode_req_exact(buf, 5, &out), 5);
	assert_string_equal(out.name, "x");

	memset(long_name, 'q', 63);
	long_name[63] = '\0';
	long_name[10] = '7';
	make_resolve(&in, long_name);
	n = query_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(n, 4 + 63);
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[3], 63);
	assert_int_equal(decode_req_exact(buf, (size_t)n, &out), n);
	assert_int_equal(out.name_len, 63);
	assert_string_equal(out.name, long_name);
	check_prefixes(buf, (size_t)n);
}

static void test_req_reverse_roundtrip(void **state)
{
	struct query_request in, out;
	uint8_t buf[QUERY_REQ_MAX];
	int n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.op = QUERY_REVERSE;
	in.addr = ll(0x12, 0x34);
	in.ifindex = 0x01020304;
	n = query_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(n, 24);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 2);
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[3], 20);
	assert_memory_equal(buf + 4, &in.addr, 16);
	assert_int_equal(buf[20], 1);
	assert_int_equal(buf[21], 2);
	assert_int_equal(buf[22], 3);
	assert_int_equal(buf[23], 4);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(decode_req_exact(buf, 24, &out), 24);
	assert_int_equal(out.op, QUERY_REVERSE);
	assert_memory_equal(&out.addr, &in.addr, 16);
	assert_int_equal(out.ifindex, 0x01020304);
	check_prefixes(buf, 24);

	/* ifindex 0 = any. */
	in.ifindex = 0;
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), 24);
	assert_int_equal(decode_req_exact(buf, 24, &out), 24);
	assert_int_equal(out.ifindex, 0);
	assert_memory_equal(&out.addr, &in.addr, 16);
}

static void test_req_list_roundtrip(void **state)
{
	static const uint8_t expect[] = { 1, 3, 0, 0 };
	struct query_request in, out;
	uint8_t buf[QUERY_REQ_MAX];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.op = QUERY_LIST;
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, expect, 4);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(decode_req_exact(buf, 4, &out), 4);
	assert_int_equal(out.op, QUERY_LIST);
	check_prefixes(buf, 4);
}

/* The longest name fits the request buffer both sides use. */
static void test_req_longest_name_fits(void **state)
{
	struct query_request in, out;
	uint8_t buf[QUERY_REQ_MAX];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.op = QUERY_RESOLVE;
	memset(in.name, 'a', WIRE_NAME_MAX);
	in.name_len = WIRE_NAME_MAX;
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), 4 + WIRE_NAME_MAX);
	assert_int_equal(query_decode_request(buf, 4 + WIRE_NAME_MAX, &out), 4 + WIRE_NAME_MAX);
	assert_int_equal(out.name_len, WIRE_NAME_MAX);
	assert_memory_equal(out.name, in.name, WIRE_NAME_MAX);
}

/* STATS and ANNOUNCE carry no payload, like LIST. */
static void test_req_stats_announce_roundtrip(void **state)
{
	static const uint8_t ops[] = { QUERY_STATS, QUERY_ANNOUNCE, QUERY_SNAPSHOT };
	struct query_request in, out;
	uint8_t buf[QUERY_REQ_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ops); i++) {
		const uint8_t expect[] = { 1, ops[i], 0, 0 };

		memset(&in, 0, sizeof(in));
		in.op = ops[i];
		assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), 4);
		assert_memory_equal(buf, expect, 4);
		assert_int_equal(decode_req_exact(buf, 4, &out), 4);
		assert_int_equal(out.op, ops[i]);
		buf[3] = 1;	/* a payload is refused */
		assert_int_equal(decode_req_exact(buf, 5, &out), -1);
	}
}

static void test_req_bad_version(void **state)
{
	static const uint8_t versions[] = { 0, 2, 0x7f, 0xff };
	uint8_t buf[] = { 1, 3, 0, 0 };
	struct query_request out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(versions); i++) {
		buf[0] = versions[i];
		assert_int_equal(decode_req_exact(buf, 4, &out), -1);
		/* Known bad from the first octet. */
		assert_int_equal(decode_req_exact(buf, 1, &out), -1);
	}
}

static void test_req_bad_op(void **state)
{
	static const uint8_t ops[] = { 0, 8, 9, 0x80, 0xff };
	uint8_t buf[4 + 20];
	struct query_request out;
	size_t i;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	buf[0] = 1;
	for (i = 0; i < sizeof(ops); i++) {
		buf[1] = ops[i];
		buf[2] = 0;
		buf[3] = 0;
		assert_int_equal(decode_req_exact(buf, 4, &out), -1);
		buf[3] = 20;
		assert_int_equal(decode_req_exact(buf, 24, &out), -1);
		buf[3] = 1;
		assert_int_equal(decode_req_exact(buf, 5, &out), -1);
	}
}

static void test_req_bad_lengths(void **state)
{
	uint8_t buf[4 + 70];
	struct query_request out;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	buf[0] = 1;

	/* RESOLVE with 0 and 64 octets of name. */
	buf[1] = QUERY_RESOLVE;
	buf[2] = 0;
	buf[3] = 0;
	assert_int_equal(decode_req_exact(buf, 4, &out), -1);
	buf[3] = 64;
	assert_int_equal(decode_req_exact(buf, 4 + 64, &out), -1);
	assert_int_equal(decode_req_exact(buf, 4, &out), -1);
	buf[2] = 1;	/* 256 + 63 */
	buf[3] = 63;
	assert_int_equal(decode_req_exact(buf, 4 + 70, &out), -1);
	buf[2] = 0;
	assert_int_equal(decode_req_exact(buf, 4 + 63, &out), 4 + 63);

	/* REVERSE with 19 and 21. */
	buf[1] = QUERY_REVERSE;
	buf[3] = 19;
	assert_int_equal(decode_req_exact(buf, 4 + 19, &out), -1);
	assert_int_equal(decode_req_exact(buf, 4, &out), -1);
	buf[3] = 21;
	assert_int_equal(decode_req_exact(buf, 4 + 21, &out), -1);
	assert_int_equal(decode_req_exact(buf, 4, &out), -1);
	buf[3] = 0;
	assert_int_equal(decode_req_exact(buf, 4, &out), -1);
	buf[3] = 20;
	assert_int_equal(decode_req_exact(buf, 4 + 20, &out), 24);

	/* LIST with 1. */
	buf[1] = QUERY_LIST;
	buf[3] = 1;
	assert_int_equal(decode_req_exact(buf, 5, &out), -1);
	assert_int_equal(decode_req_exact(buf, 4, &out), -1);
	buf[2] = 0xff;
	buf[3] = 0xff;
	assert_int_equal(decode_req_exact(buf, 4, &out), -1);
}

static void test_req_invalid_names(void **state)
{
	static const char *const bad[] = {
		"a_b", "-a", "a-", "-", "a.b", ".", "a b", "a\tb", "caf\xc3\xa9", "\x80",
	};
	uint8_t buf[4 + 16];
	struct query_request out;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = strlen(bad[i]);
		buf[0] = 1;
		buf[1] = QUERY_RESOLVE;
		buf[2] = 0;
		buf[3] = (uint8_t)len;
		memcpy(buf + 4, bad[i], len);
		assert_int_equal(decode_req_exact(buf, 4 + len, &out), -1);
	}
	/* NUL inside the name. */
	memcpy(buf + 4, "ab\0cd", 5);
	buf[3] = 5;
	assert_int_equal(decode_req_exact(buf, 9, &out), -1);
}

static void test_req_trailing(void **state)
{
	struct query_request in, out;
	uint8_t buf[QUERY_REQ_MAX + 8];
	int n;

	(void)state;
	make_resolve(&in, "h1");
	n = query_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(n, 6);
	buf[n] = 'x';
	assert_int_equal(decode_req_exact(buf, (size_t)n + 1, &out), -1);
	buf[n] = 0;
	assert_int_equal(decode_req_exact(buf, (size_t)n + 1, &out), -1);

	memset(&in, 0, sizeof(in));
	in.op = QUERY_REVERSE;
	in.addr = ll(1, 1);
	n = query_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(n, 24);
	buf[24] = 0;
	buf[25] = 0;
	assert_int_equal(decode_req_exact(buf, 25, &out), -1);
	assert_int_equal(decode_req_exact(buf, 26, &out), -1);

	in.op = QUERY_LIST;
	n = query_encode_request(&in, buf, sizeof(buf));
	assert_int_equal(n, 4);
	buf[4] = 1;
	assert_int_equal(decode_req_exact(buf, 5, &out), -1);
}

static void test_req_encode_refuses(void **state)
{
	struct query_request in;
	uint8_t buf[QUERY_REQ_MAX + 64];
	size_t i;
	static const uint8_t bad_ops[] = { 0, 8, 0xff };	/* 7 is SUBSCRIBE */

	(void)state;
	memset(&in, 0, sizeof(in));
	for (i = 0; i < sizeof(bad_ops); i++) {
		in.op = bad_ops[i];
		assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), -1);
	}

	make_resolve(&in, "h1");
	in.name_len = 0;
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), -1);
	make_resolve(&in, "bad_name");
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), -1);
	make_resolve(&in, "-h1");
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), -1);
	memset(&in, 0, sizeof(in));
	in.op = QUERY_RESOLVE;
	memset(in.name, 'a', sizeof(in.name));
	in.name_len = 64;
	assert_int_equal(query_encode_request(&in, buf, sizeof(buf)), -1);

	/* Too small a buffer, for each op; exactly enough works. */
	make_resolve(&in, "host");
	assert_int_equal(query_encode_request(&in, buf, 7), -1);
	assert_int_equal(query_encode_request(&in, buf, 0), -1);
	assert_int_equal(query_encode_request(&in, buf, 8), 8);
	memset(&in, 0, sizeof(in));
	in.op = QUERY_REVERSE;
	assert_int_equal(query_encode_request(&in, buf, 23), -1);
	assert_int_equal(query_encode_request(&in, buf, 24), 24);
	in.op = QUERY_LIST;
	assert_int_equal(query_encode_request(&in, buf, 3), -1);
	assert_int_equal(query_encode_request(&in, buf, 4), 4);
}

/* ---- response header ---- */

static void test_resp_hdr_roundtrip(void **state)
{
	static const uint8_t expect[QUERY_RESP_HDR_LEN] = {
		1, 0, 0, 0, 0, 0, 0, 3, 0, 1, 0, 2,
	};
	struct query_response_hdr in, out;
	uint8_t buf[QUERY_RESP_HDR_LEN];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	in.status = QUERY_OK;
	in.count = 3;
	in.length = 0x10002;
	query_encode_response_hdr(&in, buf);
	assert_memory_equal(buf, expect, sizeof(expect));
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.status, QUERY_OK);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.length, 0x10002);

	in.status = QUERY_NOTFOUND;
	in.count = 0;
	in.length = 0;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(buf[1], 1);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.status, QUERY_NOTFOUND);
	assert_int_equal(out.count, 0);
	assert_int_equal(out.length, 0);

	in.status = QUERY_BADREQ;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.status, QUERY_BADREQ);

	in.status = QUERY_OK;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.status, QUERY_OK);
	assert_int_equal(out.count, 0);

	/* The biggest allowed. */
	in.count = QUERY_RESP_MAX / (QUERY_REC_HDR_LEN + 1);
	in.length = QUERY_RESP_MAX;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.length, QUERY_RESP_MAX);
	assert_int_equal(out.count, QUERY_RESP_MAX / (QUERY_REC_HDR_LEN + 1));
}

static void test_resp_hdr_refuses(void **state)
{
	struct query_response_hdr in, out;
	uint8_t buf[QUERY_RESP_HDR_LEN];
	size_t k;

	(void)state;
	in.status = QUERY_OK;
	in.count = 1;
	in.length = 40;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	/* Short. */
	for (k = 0; k < QUERY_RESP_HDR_LEN; k++) {
		uint8_t *p = exact(buf, k);

		assert_int_equal(query_decode_response_hdr(p, k, &out), -1);
		free(p);
	}
	/* Bad version. */
	buf[0] = 0;
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	buf[0] = 2;
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	buf[0] = 1;
	/* Bad status (4 is BUSY). */
	buf[1] = 5;
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	buf[1] = 0xff;
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);

	/* Oversized. */
	in.status = QUERY_OK;
	in.count = 0;
	in.length = QUERY_RESP_MAX + 1;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	in.length = 0xffffffffu;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);

	/* Count inconsistent with length: each record is >= 13 octets. */
	in.count = 1;
	in.length = 0;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	in.length = QUERY_REC_HDR_LEN;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	in.length = QUERY_REC_HDR_LEN + 1;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), 0);
	in.count = 2;
	in.length = 2 * (QUERY_REC_HDR_LEN + 1) - 1;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	/* A count so big that count * 13 overflows 32 bits. */
	in.count = 0xffffffffu;
	in.length = QUERY_RESP_MAX;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	in.count = 0x13b13b14u;	/* * 13 wraps to a small 32-bit number */
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);

	/* Non-OK with records. */
	in.status = QUERY_NOTFOUND;
	in.count = 1;
	in.length = 20;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	in.count = 0;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
	in.status = QUERY_BADREQ;
	in.count = 1;
	in.length = 13;
	query_encode_response_hdr(&in, buf);
	assert_int_equal(query_decode_response_hdr(buf, sizeof(buf), &out), -1);
}

/* ---- records ---- */

static void test_record_roundtrip_empty(void **state)
{
	static const uint8_t expect[] = {
		0, 0, 0, 7, 0, 0, 0, 0x78, QUERY_REC_SELF, 0, 2, 0, 'h', '1',
	};
	struct query_record in, out;
	uint8_t buf[256];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.ifindex = 7;
	in.ttl = 120;
	in.flags = QUERY_REC_SELF;
	in.naddrs = 0;
	in.name_len = 2;
	strcpy(in.name, "h1");
	assert_int_equal(query_record_len(&in), 14);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(query_encode_record(&in, buf, sizeof(buf)), 14);
	assert_memory_equal(buf, expect, sizeof(expect));
	assert_int_equal(buf[14], 0xee);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(decode_rec_exact(buf, 14, &out), 14);
	assert_int_equal(out.ifindex, 7);
	assert_int_equal(out.ttl, 120);
	assert_int_equal(out.flags, QUERY_REC_SELF);
	assert_int_equal(out.naddrs, 0);
	assert_int_equal(out.name_len, 2);
	assert_string_equal(out.name, "h1");
}

static void make_full_record(struct query_record *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->ifindex = 0xfedcba98u;
	r->ttl = 0x01020304u;
	r->flags = QUERY_REC_CONFLICT | QUERY_REC_SELF;
	r->naddrs = 8;
	r->name_len = 63;
	memset(r->name, 'Z', 63);
	r->name[0] = '9';
	r->name[31] = '-';
	for (i = 0; i < 8; i++)
		r->addrs[i] = ll((uint8_t)i, (uint8_t)(0xa0 + i));
}

static void test_record_roundtrip_full(void **state)
{
	struct query_record in, out;
	uint8_t buf[512];
	size_t n = 12 + 63 + 8 * 16;

	(void)state;
	make_full_record(&in);
	assert_int_equal(query_record_len(&in), n);
	assert_int_equal(query_encode_record(&in, buf, sizeof(buf)), (int)n);
	assert_int_equal(buf[0], 0xfe);
	assert_int_equal(buf[3], 0x98);
	assert_int_equal(buf[4], 0x01);
	assert_int_equal(buf[7], 0x04);
	assert_int_equal(buf[8], 0x03);
	assert_int_equal(buf[9], 8);
	assert_int_equal(buf[10], 63);
	assert_int_equal(buf[11], 0);
	assert_memory_equal(buf + 12, in.name, 63);
	assert_memory_equal(buf + 12 + 63, in.addrs, 8 * 16);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(decode_rec_exact(buf, n, &out), (int)n);
	assert_int_equal(out.ifindex, in.ifindex);
	assert_int_equal(out.ttl, in.ttl);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.naddrs, 8);
	assert_int_equal(out.name_len, 63);
	assert_int_equal(strlen(out.name), 63);
	assert_memory_equal(out.name, in.name, 63);
	assert_memory_equal(out.addrs, in.addrs, sizeof(in.addrs));

	/* Exactly-sized buffer encodes; decoding consumes only the record. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(query_encode_record(&in, buf, n), (int)n);
	assert_int_equal(query_decode_record(buf, sizeof(buf), &out), (int)n);
}

static void test_record_back_to_back(void **state)
{
	struct query_record a, b, out;
	uint8_t buf[512];
	int na, nb;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.ifindex = 2;
	a.naddrs = 1;
	a.addrs[0] = ll(1, 1);
	a.name_len = 3;
	strcpy(a.name, "abc");
	make_full_record(&b);
	b.naddrs = 3;
	b.name_len = 5;
	b.name[5] = '\0';
	na = query_encode_record(&a, buf, sizeof(buf));
	assert_int_equal(na, 12 + 3 + 16);
	nb = query_encode_record(&b, buf + na, sizeof(buf) - (size_t)na);
	assert_int_equal(nb, 12 + 5 + 48);
	assert_int_equal(decode_rec_exact(buf, (size_t)(na + nb), &out), na);
	assert_string_equal(out.name, "abc");
	assert_int_equal(out.naddrs, 1);
	assert_memory_equal(&out.addrs[0], &a.addrs[0], 16);
	assert_int_equal(decode_rec_exact(buf + na, (size_t)nb, &out), nb);
	assert_int_equal(out.name_len, 5);
	assert_memory_equal(out.name, b.name, 6);
	assert_memory_equal(out.addrs, b.addrs, 3 * 16);
}

static void test_record_truncated(void **state)
{
	struct query_record in, out;
	uint8_t buf[512];
	int n;
	size_t k;

	(void)state;
	make_full_record(&in);
	n = query_encode_record(&in, buf, sizeof(buf));
	assert_true(n > 0);
	for (k = 0; k < (size_t)n; k++)
		assert_int_equal(decode_rec_exact(buf, k, &out), -1);
	assert_int_equal(decode_rec_exact(buf, (size_t)n, &out), n);

	memset(&in, 0, sizeof(in));
	in.name_len = 1;
	in.name[0] = 'a';
	n = query_encode_record(&in, buf, sizeof(buf));
	assert_int_equal(n, 13);
	for (k = 0; k < (size_t)n; k++)
		assert_int_equal(decode_rec_exact(buf, k, &out), -1);
	assert_int_equal(decode_rec_exact(buf, 13, &out), 13);
}

static void test_record_bad(void **state)
{
	struct query_record in, out;
	uint8_t buf[512];
	int n;

	(void)state;
	make_full_record(&in);
	n = query_encode_record(&in, buf, sizeof(buf));
	assert_true(n > 0);

	/* naddrs 9, with enough octets for 9 addresses. */
	memset(buf + n, 0, 16);
	buf[12 + 63 + 8 * 16] = 0xfe;
	buf[9] = 9;
	assert_int_equal(decode_rec_exact(buf, (size_t)n + 16, &out), -1);
	buf[9] = 0xff;
	assert_int_equal(decode_rec_exact(buf, sizeof(buf), &out), -1);
	buf[9] = 8;

	/* Invalid names. */
	buf[12] = '_';
	assert_int_equal(decode_rec_exact(buf, (size_t)n, &out), -1);
	buf[12] = '-';
	assert_int_equal(decode_rec_exact(buf, (size_t)n, &out), -1);
	buf[12] = 0;
	assert_int_equal(decode_rec_exact(buf, (size_t)n, &out), -1);
	buf[12] = 0xc3;
	assert_int_equal(decode_rec_exact(buf, (size_t)n, &out), -1);
	buf[12] = 'a';
	assert_int_equal(decode_rec_exact(buf, (size_t)n, &out), n);
	/* name_len 0 and 64. */
	buf[10] = 0;
	assert_int_equal(decode_rec_exact(buf, (size_t)n, &out), -1);
	buf[10] = 64;
	memset(buf + 12, 'a', 64);
	assert_int_equal(decode_rec_exact(buf, sizeof(buf), &out), -1);
	buf[10] = 0xff;
	memset(buf + 12, 'a', 255);
	assert_int_equal(decode_rec_exact(buf, sizeof(buf), &out), -1);
}

static void test_record_encode_refuses(void **state)
{
	struct query_record in;
	uint8_t buf[512];
	size_t n, k;

	(void)state;
	make_full_record(&in);
	n = query_record_len(&in);
	for (k = 0; k < n; k++) {
		uint8_t *p = malloc(k ? k : 1);

		assert_non_null(p);
		assert_int_equal(query_encode_record(&in, p, k), -1);
		free(p);
	}
	assert_int_equal(query_encode_record(&in, buf, n), (int)n);

	make_full_record(&in);
	in.naddrs = 9;
	assert_int_equal(query_encode_record(&in, buf, sizeof(buf)), -1);

	make_full_record(&in);
	in.name_len = 0;
	assert_int_equal(query_encode_record(&in, buf, sizeof(buf)), -1);
	make_full_record(&in);
	in.name_len = 64;
	assert_int_equal(query_encode_record(&in, buf, sizeof(buf)), -1);
	make_full_record(&in);
	in.name[0] = '-';
	assert_int_equal(query_encode_record(&in, buf, sizeof(buf)), -1);
	make_full_record(&in);
	in.name[5] = '.';
	assert_int_equal(query_encode_record(&in, buf, sizeof(buf)), -1);
}

static void test_record_len(void **state)
{
	struct query_record r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.name_len = 1;
	assert_int_equal(query_record_len(&r), 13);
	r.naddrs = 1;
	assert_int_equal(query_record_len(&r), 29);
	r.name_len = 63;
	r.naddrs = 8;
	assert_int_equal(query_record_len(&r), 12 + 63 + 128);
	r.name_len = 10;
	r.naddrs = 2;
	assert_int_equal(query_record_len(&r), 12 + 10 + 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_resolve_roundtrip),
		cmocka_unit_test(test_req_reverse_roundtrip),
		cmocka_unit_test(test_req_list_roundtrip),
		cmocka_unit_test(test_req_stats_announce_roundtrip),
		cmocka_unit_test(test_req_longest_name_fits),
		cmocka_unit_test(test_req_bad_version),
		cmocka_unit_test(test_req_bad_op),
		cmocka_unit_test(test_req_bad_lengths),
		cmocka_unit_test(test_req_invalid_names),
		cmocka_unit_test(test_req_trailing),
		cmocka_unit_test(test_req_encode_refuses),
		cmocka_unit_test(test_resp_hdr_roundtrip),
		cmocka_unit_test(test_resp_hdr_refuses),
		cmocka_unit_test(test_record_roundtrip_empty),
		cmocka_unit_test(test_record_roundtrip_full),
		cmocka_unit_test(test_record_back_to_back),
		cmocka_unit_test(test_record_truncated),
		cmocka_unit_test(test_record_bad),
		cmocka_unit_test(test_record_encode_refuses),
		cmocka_unit_test(test_record_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
