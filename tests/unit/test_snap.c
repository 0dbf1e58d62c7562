/* Unit tests for the shared-memory snapshot (src/snap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

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
	size_t size, n;

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
	/* Full half: the extra entry is left out, not written past the end
	 * (room for 2 of the biggest holds more of these). */
	assert_true(snap_add(h, "three", 5, 2, &a, 1, 5000, 0));
	for (n = 0; snap_add(h, "filler", 6, 2, &a, 1, 5000, 0); n++)
		assert_true(n < 2 * SNAP_REC_MAX / snap_rec_size(6, 1));
	assert_true(n >= 2);
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
	struct snap_view v;
	uint32_t *b;
	size_t size, i, j;

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
	atomic_store(&h->count[0], 1u << 30);
	atomic_store(&h->count[1], 1u << 30);
	/* Every bucket out of range, then every record's next. */
	for (i = 0; i < 2; i++) {
		b = (uint32_t *)(void *)v.buckets[i];
		for (j = 0; j < v.nbuckets; j++)
			b[j] = 0xffffffffu;
	}
	assert_true(snap_lookup(&v, "x", 1, 1, r, 4) <= 4);
	assert_true(snap_reverse(&v, &a, 0, 1, r) <= 1);
	/* Then the whole area as records of 255-octet names and 255
	 * addresses, each chained to itself, every bucket to the first. */
	for (i = 0; i < 2; i++) {
		uint8_t *area = (uint8_t *)(void *)v.recs[i];

		b = (uint32_t *)(void *)v.buckets[i];
		for (j = 0; j < v.nbuckets; j++)
			b[j] = 1;
		memset(area, 'x', (size_t)v.units * SNAP_UNIT);
		for (j = 0; j + SNAP_REC_MAX <= (size_t)v.units * SNAP_UNIT; j += SNAP_REC_MAX) {
			struct snap_rec *e = (struct snap_rec *)(void *)(area + j);

			e->next = (uint32_t)(j / SNAP_UNIT) + 1;
			e->name_len = 255;
			e->naddrs = 255;
			e->expires = SNAP_NEVER;
			memset(area + j + SNAP_REC_HDR + WIRE_NAME_MAX, 0, WIRE_MAX_ADDRS * 16);
		}
	}
	/* Names of 255 octets are read as 63 and never match a 1-octet one;
	 * reverse lookups see naddrs 255 and read at most WIRE_MAX_ADDRS. */
	assert_true(snap_lookup(&v, "x", 1, 1, r, 4) <= 4);
	assert_int_equal(snap_reverse(&v, &a, 0, 1, r), 0);
	memcpy((uint8_t *)(void *)v.recs[0] + SNAP_REC_HDR + WIRE_NAME_MAX + (WIRE_MAX_ADDRS - 1) * 16,
	       &a, sizeof(a));
	atomic_store(&h->seq, 0);	/* half 0 current */
	assert_int_equal(snap_reverse(&v, &a, 0, 1, r), 1);
	/* The record copied out is bounded too. */
	assert_int_equal(r[0].naddrs, WIRE_MAX_ADDRS);
	assert_int_equal(r[0].name_len, WIRE_NAME_MAX);
	free(h);
}

/* Records are packed: a half holds nslots of the biggest, more of small
 * ones, and the idle half is the one readers left. */
static void test_packed(void **state)
{
	struct in6_addr a[WIRE_MAX_ADDRS];
	char big[WIRE_NAME_MAX + 1];
	struct query_record r[4];
	struct snap_header *h;
	struct snap_view v;
	uint64_t off, len;
	size_t size, i;

	(void)state;
	memset(a, 0, sizeof(a));
	memset(big, 'b', WIRE_NAME_MAX);
	big[WIRE_NAME_MAX] = '\0';
	assert_int_equal(snap_rec_size(2, 1), 36);
	assert_int_equal(snap_rec_size(WIRE_NAME_MAX, WIRE_MAX_ADDRS), SNAP_REC_MAX);
	h = mk(SNAP_MIN_SLOTS, &size);
	v = view(h, size);
	snap_begin(h);
	for (i = 0; i < SNAP_MIN_SLOTS; i++) {
		big[0] = (char)('a' + i);
		assert_true(snap_add(h, big, WIRE_NAME_MAX, 2, a, WIRE_MAX_ADDRS, 5000, 0));
	}
	assert_false(snap_add(h, "z", 1, 2, a, 1, 5000, 0));
	snap_publish(h);
	big[0] = 'c';
	assert_int_equal(snap_lookup(&v, big, WIRE_NAME_MAX, 1, r, 4), 1);
	assert_int_equal(r[0].naddrs, WIRE_MAX_ADDRS);
	snap_idle_half(h, &off, &len);
	assert_int_equal(off, h->half_off[0]);		/* half 1 is current */
	assert_true(len >= (size_t)SNAP_MIN_SLOTS * SNAP_REC_MAX);
	assert_true(off + len <= size);
	/* Small records: five times as many fit. */
	snap_begin(h);
	for (i = 0; i < 5 * SNAP_MIN_SLOTS; i++) {
		char n[8];

		snprintf(n, sizeof(n), "h%zu", i);
		assert_true(snap_add(h, n, strlen(n), 2, a, 1, 5000, 0));
	}
	snap_publish(h);
	assert_int_equal(snap_lookup(&v, "h39", 3, 1, r, 4), 1);
	assert_int_equal(snap_lookup(&v, big, WIRE_NAME_MAX, 1, r, 4), 0);
	snap_idle_half(h, &off, &len);
	assert_int_equal(off, h->half_off[1]);
	free(h);
}

/* A writer that publishes without pause and clears the half readers just
 * left, as the daemon releases it: a reader scanning a generation (all of
 * them hold the address looked for, in their last record) finds it every
 * time, never reads the cleared half as an answer: a read that overlapped
 * a publication is retried, not accepted. */
#define CHURN_RECS 1000

struct churn {
	struct snap_header *h;
	struct in6_addr target;
	atomic_bool stop;
};

static void churn_fill(struct churn *c, unsigned int gen)
{
	struct in6_addr a = ll("fe80::1");
	char n[16];
	size_t i;

	snap_begin(c->h);
	for (i = 0; i + 1 < CHURN_RECS; i++) {
		snprintf(n, sizeof(n), "g%uh%zu", gen & 1, i);
		snap_add(c->h, n, strlen(n), 2, &a, 1, 5000, 0);
	}
	snap_add(c->h, "last", 4, 2, &c->target, 1, 5000, 0);
	snap_publish(c->h);
}

static void *churn_writer(void *arg)
{
	struct churn *c = arg;
	unsigned int gen = 0;

	while (!atomic_load(&c->stop)) {
		uint64_t off, len;

		churn_fill(c, gen++);
		snap_idle_half(c->h, &off, &len);
		memset((char *)c->h + off, 0, len);
	}
	return NULL;
}

static void test_reader_never_sees_released_half(void **state)
{
	struct query_record r[4];
	struct churn c;
	struct snap_view v;
	pthread_t w;
	size_t size;
	int i, n, torn = 0, answered = 0;

	(void)state;
	c.h = mk(1024, &size);
	c.target = ll("fe80::7");
	atomic_init(&c.stop, false);
	churn_fill(&c, 0);
	v = view(c.h, size);
	assert_int_equal(pthread_create(&w, NULL, churn_writer, &c), 0);
	for (i = 0; i < 20000; i++) {
		n = snap_reverse(&v, &c.target, 0, 1, r);
		if (n == 0)
			torn++;
		else if (n == 1)
			answered++;
	}
	atomic_store(&c.stop, true);
	pthread_join(w, NULL);
	assert_int_equal(torn, 0);
	assert_true(answered > 0);
	free(c.h);
}

/* Expiries are stored as 32 bits from a base per half: any monotonic
 * time, a lifetime apart, reads back to the millisecond. */
static void test_expiry_encoding(void **state)
{
	const uint64_t now = 4000000000000ull;	/* 46 days of uptime, in ms */
	struct in6_addr a = ll("fe80::1");
	struct query_record r[4];
	struct snap_header *h;
	struct snap_view v;
	size_t size;

	(void)state;
	h = mk(8, &size);
	v = view(h, size);
	snap_begin(h);
	assert_true(snap_add(h, "soon", 4, 2, &a, 1, now + 30001, 0));
	assert_true(snap_add(h, "late", 4, 2, &a, 1, now + 86400000, 0));
	assert_true(snap_add(h, "me", 2, 2, &a, 1, UINT64_MAX, QUERY_REC_SELF));
	snap_publish(h);
	assert_int_equal(snap_lookup(&v, "soon", 4, now, r, 4), 1);
	assert_int_equal(r[0].ttl, 31);
	assert_int_equal(snap_lookup(&v, "soon", 4, now + 30000, r, 4), 1);
	assert_int_equal(r[0].ttl, 1);
	assert_int_equal(snap_lookup(&v, "soon", 4, now + 30001, r, 4), 0);
	assert_int_equal(snap_lookup(&v, "late", 4, now, r, 4), 1);
	assert_int_equal(r[0].ttl, 86400);
	assert_int_equal(snap_lookup(&v, "late", 4, now + 86399999, r, 4), 1);
	assert_int_equal(snap_lookup(&v, "late", 4, now + 86400000, r, 4), 0);
	assert_int_equal(snap_lookup(&v, "me", 2, now + 86400000, r, 4), 1);
	assert_int_equal(r[0].ttl, WIRE_LIFETIME_MAX);
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
		cmocka_unit_test(test_packed),
		cmocka_unit_test(test_reader_never_sees_released_half),
		cmocka_unit_test(test_expiry_encoding),
		cmocka_unit_test(test_slots_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
