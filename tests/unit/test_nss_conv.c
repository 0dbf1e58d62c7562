/* Unit tests for src/nss_conv.c: flattening daemon answers, and filling
 * glibc's gaih_addrtuple chains and hostents inside a caller's buffer
 * without writing one byte past buflen. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nss_conv.h"
#include "query.h"

#define POISON 0xA5

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void rec_init(struct query_record *r, const char *name, uint32_t ifindex, uint32_t ttl)
{
	memset(r, 0, sizeof(*r));
	r->ifindex = ifindex;
	r->ttl = ttl;
	r->name_len = (uint8_t)strlen(name);
	memcpy(r->name, name, r->name_len + 1);
}

static void rec_add(struct query_record *r, const char *a)
{
	assert_true(r->naddrs < WIRE_MAX_ADDRS);
	r->addrs[r->naddrs++] = addr(a);
}

/* Encode recs back to back into buf; returns the length. */
static size_t encode(const struct query_record *recs, size_t n, uint8_t *buf, size_t len)
{
	size_t off = 0, i;
	int w;

	for (i = 0; i < n; i++) {
		w = query_encode_record(&recs[i], buf + off, len - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
	return off;
}

static struct query_response_hdr ok_hdr(uint32_t count, size_t len)
{
	struct query_response_hdr h;

	memset(&h, 0, sizeof(h));
	h.status = QUERY_OK;
	h.count = count;
	h.length = (uint32_t)len;
	return h;
}

static void test_flatten_one(void **state)
{
	struct query_record r;
	struct query_response_hdr h;
	struct nss_conv_result res;
	struct in6_addr a1 = addr("fe80::1"), a2 = addr("fe80::2:3");
	uint8_t buf[512];
	size_t len;

	(void)state;
	rec_init(&r, "Peer-1", 3, 100);
	rec_add(&r, "fe80::1");
	rec_add(&r, "fe80::2:3");
	len = encode(&r, 1, buf, sizeof(buf));
	h = ok_hdr(1, len);

	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), 0);
	assert_string_equal(res.name, "Peer-1");	/* as announced */
	assert_int_equal(res.name_len, 6);
	assert_int_equal(res.ttl, 100);
	assert_int_equal(res.naddrs, 2);
	assert_memory_equal(&res.addrs[0].addr, &a1, 16);
	assert_memory_equal(&res.addrs[1].addr, &a2, 16);
	assert_int_equal(res.addrs[0].scope, 3);
	assert_int_equal(res.addrs[1].scope, 3);
}

/* The same neighbour seen on two links: two pairs, two scope ids. */
static void test_flatten_two_interfaces(void **state)
{
	struct query_record r[2];
	struct query_response_hdr h;
	struct nss_conv_result res;
	struct in6_addr a = addr("fe80::aa");
	uint8_t buf[512];
	size_t len;

	(void)state;
	rec_init(&r[0], "peer", 2, 90);
	rec_add(&r[0], "fe80::aa");
	rec_init(&r[1], "PEER", 5, 40);
	rec_add(&r[1], "fe80::aa");
	len = encode(r, 2, buf, sizeof(buf));
	h = ok_hdr(2, len);

	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), 0);
	assert_string_equal(res.name, "peer");		/* from the first record */
	assert_int_equal(res.ttl, 40);			/* the smallest */
	assert_int_equal(res.naddrs, 2);
	assert_memory_equal(&res.addrs[0].addr, &a, 16);
	assert_memory_equal(&res.addrs[1].addr, &a, 16);
	assert_int_equal(res.addrs[0].scope, 2);
	assert_int_equal(res.addrs[1].scope, 5);
}

/* Only link-local addresses carry a scope id. */
static void test_flatten_scope_only_linklocal(void **state)
{
	struct query_record r;
	struct query_response_hdr h;
	struct nss_conv_result res;
	uint8_t buf[512];
	size_t len;

	(void)state;
	rec_init(&r, "peer", 7, 10);
	rec_add(&r, "2001:db8::1");
	rec_add(&r, "fe80::1");
	rec_add(&r, "febf:ffff::1");	/* last of fe80::/10 */
	rec_add(&r, "fec0::1");		/* just outside */
	len = encode(&r, 1, buf, sizeof(buf));
	h = ok_hdr(1, len);

	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), 0);
	assert_int_equal(res.naddrs, 4);
	assert_int_equal(res.addrs[0].scope, 0);
	assert_int_equal(res.addrs[1].scope, 7);
	assert_int_equal(res.addrs[2].scope, 7);
	assert_int_equal(res.addrs[3].scope, 0);
}

/* OK with no records: flattened, no addresses (the caller says NOTFOUND). */
static void test_flatten_empty(void **state)
{
	struct query_response_hdr h = ok_hdr(0, 0);
	struct nss_conv_result res;

	(void)state;
	assert_int_equal(nss_conv_flatten(&h, NULL, 0, &res), 0);
	assert_int_equal(res.naddrs, 0);
}

/* More than NSS_CONV_MAX_ADDRS pairs: bounded, the first ones kept. */
static void test_flatten_bounded(void **state)
{
	struct query_record r[9];
	struct query_response_hdr h;
	struct nss_conv_result res;
	uint8_t buf[4096];
	char a[64];
	size_t len, i, j;

	(void)state;
	for (i = 0; i < 9; i++) {
		rec_init(&r[i], "many", (uint32_t)(i + 1), 60);
		for (j = 0; j < WIRE_MAX_ADDRS; j++) {
			snprintf(a, sizeof(a), "fe80::%zx:%zx", i + 1, j + 1);
			rec_add(&r[i], a);
		}
	}
	len = encode(r, 9, buf, sizeof(buf));
	h = ok_hdr(9, len);

	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), 0);
	assert_int_equal(res.naddrs, NSS_CONV_MAX_ADDRS);
	assert_int_equal(res.addrs[0].scope, 1);
	assert_int_equal(res.addrs[NSS_CONV_MAX_ADDRS - 1].scope, 8);
}

static void test_flatten_malformed(void **state)
{
	struct query_record r[2];
	struct query_response_hdr h;
	struct nss_conv_result res;
	uint8_t buf[512], bad[512];
	size_t len, one;

	(void)state;
	rec_init(&r[0], "peer", 2, 90);
	rec_add(&r[0], "fe80::1");
	rec_init(&r[1], "peer", 3, 90);
	rec_add(&r[1], "fe80::2");
	one = query_record_len(&r[0]);
	len = encode(r, 2, buf, sizeof(buf));

	/* Truncated record: the header agrees with the (short) length. */
	h = ok_hdr(1, one - 1);
	assert_int_equal(nss_conv_flatten(&h, buf, one - 1, &res), -EPROTO);
	h = ok_hdr(2, len - 1);
	assert_int_equal(nss_conv_flatten(&h, buf, len - 1, &res), -EPROTO);
	h = ok_hdr(1, 5);
	assert_int_equal(nss_conv_flatten(&h, buf, 5, &res), -EPROTO);

	/* Count says more records than there are. */
	h = ok_hdr(3, len);
	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), -EPROTO);
	/* Count says fewer: bytes left over. */
	h = ok_hdr(1, len);
	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), -EPROTO);
	/* Length in the header disagrees with what was read. */
	h = ok_hdr(2, len + 1);
	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), -EPROTO);
	/* Records announced, none given. */
	h = ok_hdr(1, 0);
	assert_int_equal(nss_conv_flatten(&h, NULL, 0, &res), -EPROTO);

	/* Too many addresses in a record. */
	memcpy(bad, buf, len);
	bad[9] = WIRE_MAX_ADDRS + 1;
	h = ok_hdr(2, len);
	assert_int_equal(nss_conv_flatten(&h, bad, len, &res), -EPROTO);
	/* An invalid name in a record. */
	memcpy(bad, buf, len);
	bad[QUERY_REC_HDR_LEN] = '.';
	assert_int_equal(nss_conv_flatten(&h, bad, len, &res), -EPROTO);
	/* A zero-length name. */
	memcpy(bad, buf, len);
	bad[10] = 0;
	assert_int_equal(nss_conv_flatten(&h, bad, len, &res), -EPROTO);

	/* Not an OK answer. */
	h = ok_hdr(0, 0);
	h.status = QUERY_NOTFOUND;
	assert_int_equal(nss_conv_flatten(&h, NULL, 0, &res), -EPROTO);

	/* And the intact answer does flatten. */
	h = ok_hdr(2, len);
	assert_int_equal(nss_conv_flatten(&h, buf, len, &res), 0);
	assert_int_equal(res.naddrs, 2);
}

static const struct nss_conv_addr *two_links(void)
{
	static struct nss_conv_addr a[3];

	a[0].addr = addr("fe80::1");
	a[0].scope = 2;
	a[1].addr = addr("fe80::1");
	a[1].scope = 5;
	a[2].addr = addr("fe80::2");
	a[2].scope = 5;
	return a;
}

static void test_addrtuple_fill(void **state)
{
	alignas(struct gaih_addrtuple) char buf[1024];
	const struct nss_conv_addr *a = two_links();
	struct gaih_addrtuple *pat = NULL, *t;
	size_t i;

	(void)state;
	assert_int_equal(nss_conv_addrtuple("Peer", a, 3, &pat, buf, sizeof(buf)), 0);
	assert_ptr_equal(pat, (void *)buf);
	for (t = pat, i = 0; t != NULL; t = t->next, i++) {
		assert_true(i < 3);
		assert_int_equal(t->family, AF_INET6);
		assert_memory_equal(t->addr, &a[i].addr, 16);
		assert_int_equal(t->scopeid, a[i].scope);
		assert_non_null(t->name);
		assert_string_equal(t->name, "Peer");
		/* Everything lives inside the buffer. */
		assert_true((char *)t >= buf && (char *)(t + 1) <= buf + sizeof(buf));
		assert_true(t->name >= buf && t->name + 5 <= buf + sizeof(buf));
		assert_int_equal((uintptr_t)t % alignof(struct gaih_addrtuple), 0);
	}
	assert_int_equal(i, 3);
	assert_int_equal(pat->scopeid, 2);
	assert_int_equal(pat->next->scopeid, 5);

	assert_int_equal(nss_conv_addrtuple("Peer", a, 0, &pat, buf, sizeof(buf)), EINVAL);
}

/* Older glibc and nscd pass a tuple of their own in *pat: it comes first. */
static void test_addrtuple_preallocated(void **state)
{
	alignas(struct gaih_addrtuple) char buf[1024];
	const struct nss_conv_addr *a = two_links();
	struct gaih_addrtuple mine, *pat = &mine;

	(void)state;
	memset(&mine, POISON, sizeof(mine));
	assert_int_equal(nss_conv_addrtuple_size(buf, "peer", 3, 1),
			 2 * sizeof(struct gaih_addrtuple) + 5);
	assert_int_equal(nss_conv_addrtuple("peer", a, 3, &pat, buf, sizeof(buf)), 0);
	assert_ptr_equal(pat, &mine);
	assert_int_equal(mine.family, AF_INET6);
	assert_int_equal(mine.scopeid, 2);
	assert_memory_equal(mine.addr, &a[0].addr, 16);
	assert_string_equal(mine.name, "peer");
	assert_ptr_equal(mine.next, (void *)buf);
	assert_int_equal(mine.next->scopeid, 5);
	assert_non_null(mine.next->next);
	assert_null(mine.next->next->next);

	/* A single address fits in the caller's tuple: only the name in buf. */
	pat = &mine;
	assert_int_equal(nss_conv_addrtuple_size(buf, "peer", 1, 1), 5);
	assert_int_equal(nss_conv_addrtuple("peer", a, 1, &pat, buf, 5), 0);
	assert_ptr_equal(pat, &mine);
	assert_null(mine.next);
	assert_ptr_equal(mine.name, (void *)buf);
}

/* The fill functions under test, behind one signature. */
struct fill_ctx {
	const char *name;
	const struct nss_conv_addr *addrs;
	size_t naddrs;
	int prealloc;			/* pass a caller's tuple in *pat */
	struct gaih_addrtuple first;
	struct gaih_addrtuple *pat;
	struct hostent he;
};

typedef int (*fill_fn)(char *buf, size_t buflen, struct fill_ctx *c);

static int fill_tuple(char *buf, size_t buflen, struct fill_ctx *c)
{
	c->pat = c->prealloc ? &c->first : NULL;
	return nss_conv_addrtuple(c->name, c->addrs, c->naddrs, &c->pat, buf, buflen);
}

static int fill_hostent(char *buf, size_t buflen, struct fill_ctx *c)
{
	return nss_conv_hostent(c->name, c->addrs, c->naddrs, &c->he, buf, buflen);
}

/* The nss-mdns style test. For every buflen from 0 to needed + 32: poison
 * a needed + 64 buffer (placed offset octets into an allocation, to vary
 * its alignment), call, and check ERANGE below needed and success from
 * needed on; that no byte at or past buflen (nor before the buffer) ever
 * changed; and that on ERANGE nothing changed at all. Success exactly at
 * needed and failure exactly below it also pins the size functions. */
static void check_buffer_bounds(fill_fn fn, struct fill_ctx *c, size_t offset, size_t needed)
{
	size_t total = offset + needed + 64, buflen, i;
	unsigned char *mem = malloc(total);
	char *buf;

	assert_non_null(mem);
	buf = (char *)mem + offset;
	for (buflen = 0; buflen <= needed + 32; buflen++) {
		struct gaih_addrtuple first_before;
		struct hostent he_before;

		memset(mem, POISON, total);
		memset(&c->first, POISON, sizeof(c->first));
		memset(&c->he, POISON, sizeof(c->he));
		first_before = c->first;
		he_before = c->he;
		if (buflen < needed) {
			assert_int_equal(fn(buf, buflen, c), ERANGE);
			for (i = 0; i < total; i++)
				assert_int_equal(mem[i], POISON);
			assert_memory_equal(&c->first, &first_before, sizeof(first_before));
			assert_memory_equal(&c->he, &he_before, sizeof(he_before));
			if (c->prealloc)
				assert_ptr_equal(c->pat, &c->first);
			else
				assert_null(c->pat);
		} else {
			assert_int_equal(fn(buf, buflen, c), 0);
			for (i = 0; i < offset; i++)
				assert_int_equal(mem[i], POISON);
			for (i = offset + buflen; i < total; i++)
				assert_int_equal(mem[i], POISON);
		}
	}
	free(mem);
}

/* Padding from p up to the next multiple of align, computed plainly. */
static size_t pad(const void *p, size_t align)
{
	size_t rem = (size_t)((uintptr_t)p % align);

	return rem == 0 ? 0 : align - rem;
}

static void test_addrtuple_buffer_bounds(void **state)
{
	const struct nss_conv_addr *a = two_links();
	struct fill_ctx c;
	size_t off, needed, n;
	int pre;
	char *probe;

	(void)state;
	probe = malloc(64);
	assert_non_null(probe);
	for (n = 1; n <= 3; n++) {
		for (pre = 0; pre <= 1; pre++) {
			for (off = 0; off < 9; off++) {
				memset(&c, 0, sizeof(c));
				c.name = "a-neighbour";
				c.addrs = a;
				c.naddrs = n;
				c.prealloc = pre;
				/* malloc'd memory is at least 16-aligned, so
				 * probe + off is aligned like the test's buffer. */
				needed = pad(probe + off, alignof(struct gaih_addrtuple)) +
					 (n - (size_t)pre) * sizeof(struct gaih_addrtuple) +
					 strlen(c.name) + 1;
				assert_int_equal(nss_conv_addrtuple_size(probe + off, c.name, n, pre),
						 needed);
				check_buffer_bounds(fill_tuple, &c, off, needed);
			}
		}
	}
	free(probe);
}

static void test_hostent_fill(void **state)
{
	alignas(char *) char buf[512];
	const struct nss_conv_addr *a = two_links();
	struct in6_addr a1 = addr("fe80::1"), a2 = addr("fe80::2");
	struct hostent he;

	(void)state;
	assert_int_equal(nss_conv_hostent("Peer", a, 3, &he, buf, sizeof(buf)), 0);
	assert_string_equal(he.h_name, "Peer");
	assert_int_equal(he.h_addrtype, AF_INET6);
	assert_int_equal(he.h_length, 16);
	assert_non_null(he.h_aliases);
	assert_null(he.h_aliases[0]);
	/* fe80::1 on two links is one hostent address: no scope ids here. */
	assert_non_null(he.h_addr_list[0]);
	assert_non_null(he.h_addr_list[1]);
	assert_null(he.h_addr_list[2]);
	assert_memory_equal(he.h_addr_list[0], &a1, 16);
	assert_memory_equal(he.h_addr_list[1], &a2, 16);
	assert_int_equal((uintptr_t)he.h_aliases % alignof(char *), 0);
	assert_int_equal((uintptr_t)he.h_addr_list % alignof(char *), 0);
	assert_true(he.h_name >= buf && he.h_name + 5 <= buf + sizeof(buf));
	assert_true(he.h_addr_list[1] >= buf && he.h_addr_list[1] + 16 <= buf + sizeof(buf));

	assert_int_equal(nss_conv_hostent("Peer", a, 0, &he, buf, sizeof(buf)), EINVAL);
}

static void test_hostent_buffer_bounds(void **state)
{
	const struct nss_conv_addr *a = two_links();
	struct fill_ctx c;
	size_t off, needed, n, distinct;
	char *probe;

	(void)state;
	probe = malloc(64);
	assert_non_null(probe);
	for (n = 1; n <= 3; n++) {
		distinct = n == 3 ? 2 : 1;	/* a[0] and a[1] share an address */
		for (off = 0; off < 9; off++) {
			memset(&c, 0, sizeof(c));
			c.name = "host";
			c.addrs = a;
			c.naddrs = n;
			needed = pad(probe + off, alignof(char *)) +
				 (distinct + 2) * sizeof(char *) + distinct * 16 + 5;
			assert_int_equal(nss_conv_hostent_size(probe + off, c.name, a, n), needed);
			check_buffer_bounds(fill_hostent, &c, off, needed);
		}
	}
	free(probe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flatten_one),
		cmocka_unit_test(test_flatten_two_interfaces),
		cmocka_unit_test(test_flatten_scope_only_linklocal),
		cmocka_unit_test(test_flatten_empty),
		cmocka_unit_test(test_flatten_bounded),
		cmocka_unit_test(test_flatten_malformed),
		cmocka_unit_test(test_addrtuple_fill),
		cmocka_unit_test(test_addrtuple_preallocated),
		cmocka_unit_test(test_addrtuple_buffer_bounds),
		cmocka_unit_test(test_hostent_fill),
		cmocka_unit_test(test_hostent_buffer_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
