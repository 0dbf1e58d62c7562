/* Unit tests for the shared-memory snapshot (src/snap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "snap.h"

static struct in6_addr ll(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* A reader's view of h (asserting it is accepted). */
static struct snap_view view(const struct snap_header *h, size_t size)
{
	struct snap_view v;

	assert_true(snap_view_init(&v, h, size));
	return v;
}

static struct snap_header *mk(uint32_t nslots, size_t *size)
{
	void *mem;

	*size = snap_size(nslots);
	mem = malloc(*size);
	assert_non_null(mem);
	memset(mem, 0xa5, *size);
	snap_init(mem, *size, nslots);
	return mem;
}

static void test_empty_and_check(void **state)
{
	struct query_record r[4];
	struct snap_header *h;
	struct snap_view v;
	size_t size;

	(void)state;
	h = mk(8, &size);
	assert_true(snap_check(h, size));
	assert_false(snap_check(h, size - 1));
	assert_false(snap_check(h, sizeof(*h) - 1));
	v = view(h, size);
	assert_int_equal(snap_view_state(&v), SNAP_LIVE);
	assert_int_equal(snap_lookup(&v, "h1", 2, 1000, r, 4), 0);
	snap_set_state(h, SNAP_REPLACED);
	assert_int_equal(snap_view_state(&v), SNAP_REPLACED);
	h->magic ^= 1;
	assert_false(snap_check(h, size));
	h->magic ^= 1;
	h->nbuckets = 3;
	assert_false(snap_check(h, size));
	free(h);
}

static void test_publish_and_lookup(void **state)
{
	struct in6_addr a[2] = { ll("fe80::1"), ll("fe80::2") }, b = ll("fe80::b");
	struct query_record r[4];
	struct snap_header *h;
	struct snap_view v;
	size_t size;

	(void)state;
	h = mk(8, &size);
	snap_begin(h);
	assert_true(snap_add(h, "Host-A", 6, 2, a, 2, 5000, 0));
	assert_true(snap_add(h, "host-a", 6, 3, &b, 1, 5000, 0));
	assert_true(snap_add(h, "me", 2, 2, &b, 1, UINT64_MAX, QUERY_REC_SELF));
	snap_publish(h);
	v = view(h, size);
	/* Case-insensitive, one record per interface, shown as announced. */
	assert_int_equal(snap_lookup(&v, "HOST-a", 6, 1000, r, 4), 2);
	assert_true((r[0].ifindex == 2 && r[1].ifindex == 3) ||
		    (r[0].ifindex == 3 && r[1].ifindex == 2));
	if (r[0].ifindex == 3) {
		struct query_record t = r[0];

		r[0] = r[1];
		r[1] = t;
	}
	assert_string_equal(r[0].name, "Host-A");
	assert_int_equal(r[0].naddrs, 2);
	assert_memory_equal(&r[0].addrs[1], &a[1], 16);
	assert_int_equal(r[0].ttl, 4);
	assert_int_equal(snap_lookup(&v, "me", 2, 1000, r, 4), 1);
	assert_int_equal(r[0].flags, QUERY_REC_SELF);
	assert_int_equal(r[0].ttl, 86400);
	/* max bounds the answer. */
	assert_int_equal(snap_lookup(&v, "host-a", 6, 1000, r, 1), 1);
	/* Expired entries are not returned. */
	assert_int_equal(snap_lookup(&v, "host-a", 6, 5000, r, 4), 0);
	assert_int_equal(snap_lookup(&v, "nobody", 6, 1000, r, 4), 0);
	/* Reverse, any interface or one. */
	assert_int_equal(snap_reverse(&v, &a[1], 0, 1000, r), 1);
	assert_string_equal(r[0].name, "Host-A");
	assert_int_equal(snap_reverse(&v, &a[1], 3, 1000, r), 0);
	assert_int_equal(snap_reverse(&v, &a[1], 2, 5000, r), 0);
	free(h);
}

static void test_generations(void **state)
{
	struct in6_addr a = ll("fe80::1");
	struct query_record r[4];
	struct snap_header *h;
	struct snap_view v;
	size_t size;

	(void)state;
	h = mk(2, &size);
	v = view(h, size);
	snap_begin(h);
	assert_true(snap_add(h, "one", 3, 2, &a, 1, 5000, 0));
	snap_publish(h);
	/* While the next generation is being written, readers still see the
	 * last published one. */
	snap_begin(h);
	assert_true(snap_add(h, "two", 3, 2, &a, 1, 5000, 0));
	assert_int_equal(snap_lookup(&v, "one", 3, 1, r, 4), 1);
	assert_int_equal(snap_lookup(&v, "two", 3, 1, r, 4), 0);
	/* Full half: the extra entry is left out, not written past the end. */
	assert_true(snap_add(h, "three", 5, 2, &a, 1, 5000, 0));
	assert_false(snap_add(h, "four", 4, 2, &a, 1, 5000, 0));
	snap_publish(h);
	assert_int_equal(snap_lookup(&v, "one", 3, 1, r, 4), 0);
	assert_int_equal(snap_lookup(&v, "two", 3, 1, r, 4), 1);
	assert_int_equal(snap_lookup(&v, "three", 5, 1, r, 4), 1);
	assert_int_equal(snap_lookup(&v, "four", 4, 1, r, 4), 0);
	free(h);
}

/* While the writer rewrites the other half (seq odd), a reader starting
 * then reads the published half, never the one being written. */
static void test_reader_uses_published_half(void **state)
{
	struct in6_addr a = ll("fe80::1");
	struct query_record r[4];
	struct snap_header *h;
	struct snap_view v;
	size_t size;
	uint64_t s;

	(void)state;
	h = mk(4, &size);
	v = view(h, size);
	snap_begin(h);
	snap_add(h, "x", 1, 2, &a, 1, 5000, 0);
	snap_publish(h);
	/* Simulate: the reader read at seq s, the writer then published and
	 * started rewriting the reader's half (seq s + 3). */
	s = atomic_load(&h->seq);
	atomic_store(&h->seq, s + 3);
	/* A reader starting now reads the other half, which is consistent. */
	assert_int_equal(snap_lookup(&v, "x", 1, 1, r, 4), 0);
	free(h);
}

static void test_bad_inputs(void **state)
{
	struct in6_addr a[WIRE_MAX_ADDRS + 1];
	struct snap_header *h;
	char longname[80];
	size_t size;

	(void)state;
	memset(a, 0, sizeof(a));
	memset(longname, 'x', sizeof(longname));
	h = mk(4, &size);
	snap_begin(h);
	assert_false(snap_add(h, "x", 1, 2, a, WIRE_MAX_ADDRS + 1, 5000, 0));
	assert_false(snap_add(h, longname, WIRE_NAME_MAX + 1, 2, a, 1, 5000, 0));
	snap_publish(h);
	free(h);
}

/* Forged or corrupted headers are refused before anything is read. */
static void test_forged_headers(void **state)
{
	struct snap_header *h, saved;
	struct snap_view v;
	size_t size;

	(void)state;
	h = mk(8, &size);
	saved = *h;
#define REFUSED(change) do { change; assert_false(snap_view_init(&v, h, size)); *h = saved; } while (0)
	REFUSED(h->magic = 0);
	REFUSED(h->version = 1);
	REFUSED(h->size = size * 2);
	REFUSED(h->nslots = 0);
	REFUSED(h->nslots = SNAP_MAX_SLOTS + 1);
	REFUSED(h->nslots = 16);		/* the size is that of 8 */
	REFUSED(h->nbuckets = 1u << 20);
	REFUSED(h->nbuckets = 17);
	REFUSED(h->half_off[0] = 0);
	REFUSED(h->half_off[1] = size);
	REFUSED(h->half_off[1] = (uint64_t)-64);	/* wraps past the end */
	REFUSED(h->half_off[0] += 8);		/* misaligned */
#undef REFUSED
	assert_false(snap_view_init(&v, h, sizeof(*h) - 1));
	assert_false(snap_view_init(&v, h, size + 64));
	assert_true(snap_view_init(&v, h, size));
	free(h);
}

/* The geometry and the indices in shared memory change after the reader
 * checked them (a corrupted or hostile writer): lookups stay inside the
 * mapping, which ASan would catch (the unit tests run under it too). The
 * mapping is exactly size octets of heap here. */
static void test_geometry_changed_after_check(void **state)
{
	struct in6_addr a = ll("fe80::1");
	struct query_record r[4];
	struct snap_header *h;
	struct snap_entry *e;
	struct snap_view v;
	uint32_t *b;
	size_t size, i;

	(void)state;
	h = mk(4, &size);
	snap_begin(h);
	snap_add(h, "x", 1, 2, &a, 1, 5000, 0);
	snap_add(h, "y", 1, 2, &a, 1, 5000, 0);
	snap_publish(h);
	v = view(h, size);
	assert_int_equal(snap_lookup(&v, "x", 1, 1, r, 4), 1);
	h->nbuckets = 1u << 20;
	h->nslots = 1u << 20;
	h->half_off[0] = h->half_off[1] = size * 4;
	h->size = size * 4;
	atomic_store(&h->count[0], 1u << 20);
	atomic_store(&h->count[1], 1u << 20);
	/* Every bucket and next pointer out of range, then into a cycle. */
	for (i = 0; i < 2; i++) {
		size_t j;

		b = (uint32_t *)(void *)v.buckets[i];
		e = (struct snap_entry *)(void *)v.entries[i];
		for (j = 0; j < v.nbuckets; j++)
			b[j] = 0xffffffffu;
		for (j = 0; j < v.nslots; j++)
			e[j].next = 0x7fffffffu;
	}
	assert_true(snap_lookup(&v, "x", 1, 1, r, 4) <= 4);
	assert_true(snap_reverse(&v, &a, 0, 1, r) <= 1);
	for (i = 0; i < 2; i++) {
		size_t j;

		b = (uint32_t *)(void *)v.buckets[i];
		e = (struct snap_entry *)(void *)v.entries[i];
		for (j = 0; j < v.nbuckets; j++)
			b[j] = 1;
		for (j = 0; j < v.nslots; j++) {
			e[j].next = (uint32_t)j + 1;	/* each to itself */
			e[j].name_len = 255;
			e[j].naddrs = 255;
			e[j].expires = UINT64_MAX;
			memset(e[j].name, 'x', sizeof(e[j].name));
			memset(e[j].addrs, 0, sizeof(e[j].addrs));
		}
	}
	/* Names of 255 octets never match a 1-octet one; reverse lookups see
	 * naddrs 255 and read at most WIRE_MAX_ADDRS addresses. */
	assert_true(snap_lookup(&v, "x", 1, 1, r, 4) <= 4);
	assert_int_equal(snap_reverse(&v, &a, 0, 1, r), 0);
	e[0].addrs[WIRE_MAX_ADDRS - 1] = a;
	assert_int_equal(snap_reverse(&v, &a, 0, 1, r), 1);
	/* The record copied out is bounded too. */
	assert_int_equal(r[0].naddrs, WIRE_MAX_ADDRS);
	assert_int_equal(r[0].name_len, WIRE_NAME_MAX);
	free(h);
}

static void test_slots_for(void **state)
{
	(void)state;
	assert_int_equal(snap_slots_for(0), SNAP_MIN_SLOTS);
	assert_int_equal(snap_slots_for(2), SNAP_MIN_SLOTS);
	assert_int_equal(snap_slots_for(6), 16);	/* room to grow by half */
	assert_int_equal(snap_slots_for(1000), 2048);
	assert_int_equal(snap_slots_for((size_t)1 << 30), SNAP_MAX_SLOTS);
	/* A table of a few fits one page. */
	assert_true(snap_size(SNAP_MIN_SLOTS) <= 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_check),
		cmocka_unit_test(test_publish_and_lookup),
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_reader_uses_published_half),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_forged_headers),
		cmocka_unit_test(test_geometry_changed_after_check),
		cmocka_unit_test(test_slots_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
