/* Unit tests for src/table.c: the neighbour table. Time is passed in (ms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "name.h"
#include "table.h"

#define T0 1000000u	/* an arbitrary start time, ms */

/* fe80::N (with a distinguishing second octet pair from hi). */
static struct in6_addr ll(uint8_t hi, uint8_t lo)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0xfe;
	a.s6_addr[1] = 0x80;
	a.s6_addr[14] = hi;
	a.s6_addr[15] = lo;
	return a;
}

static enum table_result upd(struct table *t, const char *name, unsigned int ifindex,
			     const struct in6_addr *addrs, size_t naddrs,
			     uint32_t lifetime_s, uint64_t now)
{
	return table_update(t, name, strlen(name), ifindex, addrs, naddrs, lifetime_s, now);
}

/* Collects what a callback saw. */
struct seen {
	size_t n;
	struct table_entry e[16];
};

static void collect(const struct table_entry *e, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->e[s->n++] = *e;
}

static const struct table_entry *seen_find(const struct seen *s, const char *name,
					   unsigned int ifindex)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->e[i].ifindex == ifindex && strcmp(s->e[i].name, name) == 0)
			return &s->e[i];
	return NULL;
}

static const struct table_entry *find_one(const struct table *t, const char *name,
					  unsigned int ifindex, uint64_t now,
					  struct seen *s)
{
	memset(s, 0, sizeof(*s));
	table_lookup(t, name, strlen(name), now, collect, s);
	return seen_find(s, name, ifindex);
}

static void test_new_null(void **state)
{
	struct table *t;

	(void)state;
	assert_null(table_new(0));
	t = table_new(4);
	assert_non_null(t);
	assert_int_equal(table_capacity(t), 4);
	assert_int_equal(table_size(t), 0);
	assert_int_equal(table_next_expiry(t), UINT64_MAX);
	table_free(t);
	table_free(NULL);
}

static void test_insert(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[2] = { ll(1, 1), ll(1, 2) };
	struct seen s;
	const struct table_entry *e;

	(void)state;
	assert_int_equal(upd(t, "h1", 2, a, 2, 120, T0), TABLE_NEW);
	assert_int_equal(table_size(t), 1);
	e = find_one(t, "h1", 2, T0, &s);
	assert_int_equal(s.n, 1);
	assert_non_null(e);
	assert_string_equal(e->name, "h1");
	assert_int_equal(e->name_len, 2);
	assert_int_equal(e->naddrs, 2);
	assert_memory_equal(e->addrs, a, sizeof(a));
	assert_int_equal(e->expires, T0 + 120000);
	assert_int_equal(e->last_seen, T0);
	assert_int_equal(table_next_expiry(t), T0 + 120000);
	/* Not found under another name or interface. */
	assert_int_equal(table_lookup(t, "h2", 2, T0, collect, &s), 0);
	assert_int_equal(table_remove(t, "h1", 2, 3), 0);
	assert_int_equal(table_size(t), 1);
	table_free(t);
}

static void test_refresh(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[2] = { ll(1, 1), ll(1, 2) };
	struct in6_addr b[2] = { ll(1, 1), ll(1, 2) };
	struct seen s;
	const struct table_entry *e;

	(void)state;
	assert_int_equal(upd(t, "h1", 2, a, 2, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "h1", 2, b, 2, 120, T0 + 30000), TABLE_REFRESH);
	assert_int_equal(table_size(t), 1);
	e = find_one(t, "h1", 2, T0 + 30000, &s);
	assert_non_null(e);
	assert_int_equal(e->expires, T0 + 150000);
	assert_int_equal(e->last_seen, T0 + 30000);
	assert_int_equal(table_next_expiry(t), T0 + 150000);
	/* Still live after the first expiry would have passed. */
	assert_int_equal(table_lookup(t, "h1", 2, T0 + 120000, NULL, NULL), 1);
	assert_int_equal(table_expire(t, T0 + 120000, NULL, NULL), 0);
	/* A shorter lifetime moves expiry earlier too. */
	assert_int_equal(upd(t, "h1", 2, a, 2, 10, T0 + 40000), TABLE_REFRESH);
	assert_int_equal(table_next_expiry(t), T0 + 50000);
	table_free(t);
}

static void test_changed(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[3] = { ll(1, 1), ll(1, 2), ll(1, 3) };
	struct in6_addr b[2] = { ll(2, 1), ll(1, 2) };
	struct in6_addr c[1] = { ll(3, 3) };
	struct in6_addr reorder[3] = { ll(1, 3), ll(1, 2), ll(1, 1) };
	struct seen s;
	const struct table_entry *e;

	(void)state;
	assert_int_equal(upd(t, "h1", 2, a, 3, 120, T0), TABLE_NEW);
	/* Shrink and change. */
	assert_int_equal(upd(t, "h1", 2, b, 2, 120, T0 + 1000), TABLE_CHANGED);
	assert_int_equal(table_size(t), 1);
	e = find_one(t, "h1", 2, T0 + 1000, &s);
	assert_non_null(e);
	assert_int_equal(e->naddrs, 2);
	assert_memory_equal(e->addrs, b, sizeof(b));
	assert_int_equal(e->expires, T0 + 121000);
	/* The dropped addresses are no longer found. */
	assert_null(table_reverse(t, &a[0], 0, T0 + 1000));
	assert_null(table_reverse(t, &a[2], 0, T0 + 1000));
	assert_non_null(table_reverse(t, &b[0], 0, T0 + 1000));
	assert_non_null(table_reverse(t, &b[1], 0, T0 + 1000));

	/* Shrink to a prefix of the old set: still a change. */
	assert_int_equal(upd(t, "h1", 2, b, 1, 120, T0 + 2000), TABLE_CHANGED);
	e = find_one(t, "h1", 2, T0 + 2000, &s);
	assert_int_equal(e->naddrs, 1);
	assert_memory_equal(&e->addrs[0], &b[0], sizeof(b[0]));
	assert_null(table_reverse(t, &b[1], 0, T0 + 2000));

	/* Same count, different address. */
	assert_int_equal(upd(t, "h1", 2, c, 1, 120, T0 + 3000), TABLE_CHANGED);
	e = find_one(t, "h1", 2, T0 + 3000, &s);
	assert_int_equal(e->naddrs, 1);
	assert_memory_equal(&e->addrs[0], &c[0], sizeof(c[0]));
	assert_null(table_reverse(t, &b[0], 0, T0 + 3000));

	/* Grow. */
	assert_int_equal(upd(t, "h1", 2, a, 3, 120, T0 + 4000), TABLE_CHANGED);
	e = find_one(t, "h1", 2, T0 + 4000, &s);
	assert_int_equal(e->naddrs, 3);
	assert_memory_equal(e->addrs, a, sizeof(a));
	assert_null(table_reverse(t, &c[0], 0, T0 + 4000));

	/* Same set, other order: reported as changed, stored as announced. */
	assert_int_equal(upd(t, "h1", 2, reorder, 3, 120, T0 + 5000), TABLE_CHANGED);
	e = find_one(t, "h1", 2, T0 + 5000, &s);
	assert_memory_equal(e->addrs, reorder, sizeof(reorder));
	assert_int_equal(table_size(t), 1);
	table_free(t);
}

static void test_case_insensitive(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[1] = { ll(1, 1) };
	struct seen s;

	(void)state;
	assert_int_equal(upd(t, "Host-A", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "HOST-a", 2, a, 1, 120, T0 + 1000), TABLE_REFRESH);
	assert_int_equal(table_size(t), 1);
	/* Looked up in any case; shown as last announced. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_lookup(t, "host-A", 6, T0 + 1000, collect, &s), 1);
	assert_string_equal(s.e[0].name, "HOST-a");
	assert_int_equal(s.e[0].name_len, 6);
	/* Removed in any case. */
	assert_int_equal(table_remove(t, "hOsT-A", 6, 2), 1);
	assert_int_equal(table_size(t), 0);
	assert_null(find_one(t, "HOST-a", 2, T0 + 1000, &s));
	assert_int_equal(s.n, 0);
	table_free(t);
}

static void test_two_interfaces(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[1] = { ll(1, 1) };
	struct in6_addr b[2] = { ll(2, 1), ll(2, 2) };
	struct seen s;
	const struct table_entry *e2, *e3;

	(void)state;
	assert_int_equal(upd(t, "h1", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "H1", 3, b, 2, 60, T0), TABLE_NEW);
	assert_int_equal(upd(t, "other", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(table_size(t), 3);
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_lookup(t, "h1", 2, T0, collect, &s), 2);
	assert_int_equal(s.n, 2);
	e2 = seen_find(&s, "h1", 2);
	e3 = seen_find(&s, "H1", 3);
	assert_non_null(e2);
	assert_non_null(e3);
	assert_int_equal(e2->naddrs, 1);
	assert_memory_equal(e2->addrs, a, sizeof(a));
	assert_int_equal(e3->naddrs, 2);
	assert_memory_equal(e3->addrs, b, sizeof(b));
	/* A lookup without a callback still counts. */
	assert_int_equal(table_lookup(t, "h1", 2, T0, NULL, NULL), 2);
	/* One expires first: the other remains. */
	assert_int_equal(table_lookup(t, "h1", 2, T0 + 60000, NULL, NULL), 1);
	/* Removing one interface leaves the other. */
	assert_int_equal(table_remove(t, "h1", 2, 3), 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_lookup(t, "h1", 2, T0, collect, &s), 1);
	assert_int_equal(s.e[0].ifindex, 2);
	assert_int_equal(table_remove(t, "h1", 2, 3), 0);
	table_free(t);
}

struct expired {
	size_t n;
	char names[8][WIRE_NAME_MAX + 1];
	uint64_t expires[8];
	unsigned int ifindex[8];
};

static void on_expire(const struct table_entry *e, void *arg)
{
	struct expired *x = arg;

	assert_true(x->n < 8);
	strcpy(x->names[x->n], e->name);
	x->expires[x->n] = e->expires;
	x->ifindex[x->n] = e->ifindex;
	x->n++;
}

static void test_expiry(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[1] = { ll(1, 1) };
	struct in6_addr b[1] = { ll(1, 2) };
	struct in6_addr c[1] = { ll(1, 3) };
	struct expired x;
	struct seen s;
	uint64_t exp_a = T0 + 10000, exp_b = T0 + 20000, exp_c = T0 + 30000;

	(void)state;
	assert_int_equal(upd(t, "c", 4, c, 1, 30, T0), TABLE_NEW);
	assert_int_equal(upd(t, "a", 2, a, 1, 10, T0), TABLE_NEW);
	assert_int_equal(upd(t, "b", 3, b, 1, 20, T0), TABLE_NEW);
	assert_int_equal(table_next_expiry(t), exp_a);

	/* Live at expires - 1 everywhere. */
	assert_int_equal(table_lookup(t, "a", 1, exp_a - 1, NULL, NULL), 1);
	assert_non_null(table_reverse(t, &a[0], 0, exp_a - 1));
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_foreach(t, exp_a - 1, collect, &s), 3);
	memset(&x, 0, sizeof(x));
	assert_int_equal(table_expire(t, exp_a - 1, on_expire, &x), 0);
	assert_int_equal(x.n, 0);
	assert_int_equal(table_size(t), 3);

	/* Gone at expires, even before the sweep. */
	assert_int_equal(table_lookup(t, "a", 1, exp_a, NULL, NULL), 0);
	assert_null(table_reverse(t, &a[0], 0, exp_a));
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_foreach(t, exp_a, collect, &s), 2);
	assert_null(seen_find(&s, "a", 2));

	/* The sweep calls back once, with that entry. */
	assert_int_equal(table_expire(t, exp_a, on_expire, &x), 1);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.names[0], "a");
	assert_int_equal(x.ifindex[0], 2);
	assert_int_equal(x.expires[0], exp_a);
	assert_int_equal(table_size(t), 2);
	assert_int_equal(table_next_expiry(t), exp_b);
	/* Nothing more to sweep at the same time. */
	assert_int_equal(table_expire(t, exp_a, on_expire, &x), 0);
	assert_int_equal(x.n, 1);

	/* Sweeping late removes both remaining, each once. */
	memset(&x, 0, sizeof(x));
	assert_int_equal(table_expire(t, exp_c + 5000, on_expire, &x), 2);
	assert_int_equal(x.n, 2);
	assert_true((strcmp(x.names[0], "b") == 0 && strcmp(x.names[1], "c") == 0) ||
		    (strcmp(x.names[0], "c") == 0 && strcmp(x.names[1], "b") == 0));
	if (strcmp(x.names[0], "b") == 0) {
		assert_int_equal(x.ifindex[0], 3);
		assert_int_equal(x.expires[1], exp_c);
	} else {
		assert_int_equal(x.ifindex[0], 4);
		assert_int_equal(x.expires[1], exp_b);
	}
	assert_int_equal(table_size(t), 0);
	assert_int_equal(table_next_expiry(t), UINT64_MAX);

	/* A NULL callback is allowed. */
	assert_int_equal(upd(t, "a", 2, a, 1, 1, T0), TABLE_NEW);
	assert_int_equal(table_expire(t, T0 + 1000, NULL, NULL), 1);
	assert_int_equal(table_size(t), 0);
	table_free(t);
}

static void test_expired_then_reannounced(void **state)
{
	struct table *t = table_new(4);
	struct in6_addr a[1] = { ll(1, 1) };
	struct seen s;
	const struct table_entry *e;

	(void)state;
	assert_int_equal(upd(t, "h1", 2, a, 1, 10, T0), TABLE_NEW);
	/* Expired but not swept: announcing again is new, not a refresh. */
	assert_int_equal(upd(t, "h1", 2, a, 1, 10, T0 + 10000), TABLE_NEW);
	assert_int_equal(table_size(t), 1);
	e = find_one(t, "h1", 2, T0 + 10000, &s);
	assert_non_null(e);
	assert_int_equal(e->refreshes, 0);
	assert_int_equal(e->expires, T0 + 20000);
	table_free(t);
}

static void test_capacity(void **state)
{
	struct table *t = table_new(4);
	struct in6_addr a[1] = { ll(1, 1) };
	struct in6_addr b[2] = { ll(2, 1), ll(2, 2) };
	struct seen s;
	const struct table_entry *e;

	(void)state;
	assert_int_equal(upd(t, "n1", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "n2", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "n3", 2, a, 1, 10, T0), TABLE_NEW);
	assert_int_equal(upd(t, "n1", 3, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(table_size(t), 4);
	/* Refreshed neighbours are the ones worth keeping under a flood. */
	assert_int_equal(upd(t, "n1", 2, a, 1, 120, T0 + 500), TABLE_REFRESH);
	assert_int_equal(upd(t, "n2", 2, a, 1, 120, T0 + 500), TABLE_REFRESH);
	assert_int_equal(upd(t, "n1", 3, a, 1, 120, T0 + 500), TABLE_REFRESH);
	assert_int_equal(table_evictions(t), 0);

	/* Full: a new key takes the place of the never-refreshed n3. */
	assert_int_equal(upd(t, "n5", 2, b, 2, 120, T0 + 1000), TABLE_NEW);
	assert_int_equal(table_evictions(t), 1);
	assert_int_equal(table_size(t), 4);
	assert_int_equal(table_lookup(t, "n3", 2, T0 + 1000, NULL, NULL), 0);
	/* A flood of new names only churns among themselves. */
	assert_int_equal(upd(t, "n6", 2, a, 1, 120, T0 + 1001), TABLE_NEW);
	assert_int_equal(table_evictions(t), 2);
	assert_int_equal(table_lookup(t, "n5", 2, T0 + 1001, NULL, NULL), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_foreach(t, T0 + 1001, collect, &s), 4);
	assert_non_null(seen_find(&s, "n1", 2));
	assert_non_null(seen_find(&s, "n2", 2));
	assert_non_null(seen_find(&s, "n1", 3));
	assert_non_null(seen_find(&s, "n6", 2));
	e = seen_find(&s, "n2", 2);
	assert_int_equal(e->expires, T0 + 500 + 120000);
	assert_memory_equal(e->addrs, a, sizeof(a));

	/* Once every entry has been refreshed, newcomers are refused. */
	assert_int_equal(upd(t, "n6", 2, a, 1, 120, T0 + 2000), TABLE_REFRESH);
	assert_int_equal(upd(t, "n7", 2, b, 2, 120, T0 + 2000), TABLE_FULL);
	assert_int_equal(upd(t, "n1", 4, b, 2, 120, T0 + 2000), TABLE_FULL);
	assert_int_equal(table_size(t), 4);
	assert_int_equal(table_evictions(t), 2);
	assert_int_equal(table_lookup(t, "n7", 2, T0 + 2000, NULL, NULL), 0);
	assert_null(table_reverse(t, &b[0], 0, T0 + 2000));

	/* Existing keys still refresh and change when full. */
	assert_int_equal(upd(t, "n2", 2, a, 1, 120, T0 + 3000), TABLE_REFRESH);
	assert_int_equal(upd(t, "n1", 3, b, 2, 120, T0 + 3000), TABLE_CHANGED);
	assert_int_equal(table_size(t), 4);

	/* A removal frees room. */
	assert_int_equal(table_remove(t, "n2", 2, 2), 1);
	assert_int_equal(upd(t, "n7", 2, a, 1, 120, T0 + 3000), TABLE_NEW);
	assert_int_equal(table_size(t), 4);
	table_free(t);
}

/* An expired (unswept) entry frees its slot for a new key. */
static void test_capacity_expired(void **state)
{
	struct table *t = table_new(2);
	struct in6_addr a[1] = { ll(1, 1) };

	(void)state;
	assert_int_equal(upd(t, "n1", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "n2", 2, a, 1, 10, T0), TABLE_NEW);
	assert_int_equal(upd(t, "n1", 2, a, 1, 120, T0 + 1), TABLE_REFRESH);
	assert_int_equal(upd(t, "n2", 2, a, 1, 10, T0 + 1), TABLE_REFRESH);
	assert_int_equal(upd(t, "n3", 2, a, 1, 120, T0 + 10000), TABLE_FULL);
	assert_int_equal(upd(t, "n3", 2, a, 1, 120, T0 + 10001), TABLE_NEW);
	assert_int_equal(table_evictions(t), 0);
	assert_int_equal(table_lookup(t, "n2", 2, T0 + 10001, NULL, NULL), 0);
	table_free(t);
}

/* Only the holder of a live name on a link may change it. */
static void test_held_by_other(void **state)
{
	struct table *t = table_new(4);
	struct in6_addr a[2] = { ll(1, 1), ll(1, 2) };
	struct in6_addr x = ll(9, 9);

	(void)state;
	assert_int_equal(upd(t, "h2", 2, a, 2, 10, T0), TABLE_NEW);
	assert_false(table_held_by_other(t, "h2", 2, 2, &a[0], T0));
	assert_false(table_held_by_other(t, "H2", 2, 2, &a[1], T0));
	assert_true(table_held_by_other(t, "h2", 2, 2, &x, T0));
	/* Another link, an unknown name, or an expired entry: free to take. */
	assert_false(table_held_by_other(t, "h2", 2, 3, &x, T0));
	assert_false(table_held_by_other(t, "h3", 2, 2, &x, T0));
	assert_false(table_held_by_other(t, "h2", 2, 2, &x, T0 + 10000));
	table_free(t);
}

static void test_remove(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[1] = { ll(1, 1) };
	struct seen s;

	(void)state;
	assert_int_equal(upd(t, "a", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "b", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "c", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "a", 3, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "d", 3, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "e", 5, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(table_size(t), 6);

	assert_int_equal(table_remove(t, "a", 1, 2), 1);
	assert_int_equal(table_remove(t, "a", 1, 2), 0);
	assert_int_equal(table_remove(t, "zz", 2, 2), 0);
	assert_int_equal(table_size(t), 5);
	assert_int_equal(table_lookup(t, "a", 1, T0, NULL, NULL), 1);

	assert_int_equal(table_remove_ifindex(t, 2), 2);
	assert_int_equal(table_size(t), 3);
	assert_int_equal(table_remove_ifindex(t, 2), 0);
	assert_int_equal(table_remove_ifindex(t, 9), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_foreach(t, T0, collect, &s), 3);
	assert_non_null(seen_find(&s, "a", 3));
	assert_non_null(seen_find(&s, "d", 3));
	assert_non_null(seen_find(&s, "e", 5));

	assert_int_equal(table_remove_ifindex(t, 3), 2);
	assert_int_equal(table_size(t), 1);
	assert_int_equal(table_remove(t, "E", 1, 5), 1);
	assert_int_equal(table_size(t), 0);
	assert_int_equal(table_next_expiry(t), UINT64_MAX);
	table_free(t);
}

static void test_reverse(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[2] = { ll(1, 1), ll(1, 2) };
	struct in6_addr b[1] = { ll(2, 1) };
	struct in6_addr shared[1] = { ll(1, 2) };
	struct in6_addr none = ll(9, 9);
	const struct table_entry *e;

	(void)state;
	assert_int_equal(upd(t, "ha", 2, a, 2, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "hb", 3, b, 1, 60, T0), TABLE_NEW);
	/* The same address on another link (link-local addresses are per link). */
	assert_int_equal(upd(t, "hc", 4, shared, 1, 120, T0), TABLE_NEW);

	e = table_reverse(t, &a[0], 0, T0);
	assert_non_null(e);
	assert_string_equal(e->name, "ha");
	assert_int_equal(e->ifindex, 2);
	e = table_reverse(t, &b[0], 0, T0);
	assert_non_null(e);
	assert_string_equal(e->name, "hb");
	assert_null(table_reverse(t, &none, 0, T0));

	/* Interface filter. */
	e = table_reverse(t, &a[0], 2, T0);
	assert_non_null(e);
	assert_string_equal(e->name, "ha");
	assert_null(table_reverse(t, &a[0], 3, T0));
	e = table_reverse(t, &shared[0], 4, T0);
	assert_non_null(e);
	assert_string_equal(e->name, "hc");
	e = table_reverse(t, &shared[0], 2, T0);
	assert_non_null(e);
	assert_string_equal(e->name, "ha");
	e = table_reverse(t, &shared[0], 0, T0);
	assert_non_null(e);
	assert_true(strcmp(e->name, "ha") == 0 || strcmp(e->name, "hc") == 0);

	/* Expired: not found, by address or by address and interface. */
	assert_non_null(table_reverse(t, &b[0], 3, T0 + 60000 - 1));
	assert_null(table_reverse(t, &b[0], 0, T0 + 60000));
	assert_null(table_reverse(t, &b[0], 3, T0 + 60000));
	assert_non_null(table_reverse(t, &a[1], 0, T0 + 60000));
	table_free(t);
}

struct match {
	const char *name;
	size_t n;
};

static void match_cb(const struct table_entry *e, void *arg)
{
	struct match *m = arg;

	if (name_equal(e->name, e->name_len, m->name, strlen(m->name)))
		m->n++;
}

static void count_cb(const struct table_entry *e, void *arg)
{
	size_t *n = arg;

	assert_non_null(e);
	(*n)++;
}

static void test_foreach(void **state)
{
	struct table *t = table_new(8);
	struct in6_addr a[1] = { ll(1, 1) };
	size_t n = 0;

	(void)state;
	assert_int_equal(table_foreach(t, T0, count_cb, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(upd(t, "a", 2, a, 1, 10, T0), TABLE_NEW);
	assert_int_equal(upd(t, "b", 2, a, 1, 20, T0), TABLE_NEW);
	assert_int_equal(upd(t, "a", 3, a, 1, 30, T0), TABLE_NEW);
	assert_int_equal(table_foreach(t, T0, count_cb, &n), 3);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(table_foreach(t, T0 + 10000, count_cb, &n), 2);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(table_foreach(t, T0 + 20000, count_cb, &n), 1);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(table_foreach(t, T0 + 30000, count_cb, &n), 0);
	assert_int_equal(n, 0);
	/* foreach does not remove anything. */
	assert_int_equal(table_size(t), 3);
	table_free(t);
}

static void test_invalid(void **state)
{
	struct table *t = table_new(4);
	struct in6_addr a[9];
	char long_name[65];
	struct seen s;
	size_t i;

	(void)state;
	for (i = 0; i < 9; i++)
		a[i] = ll(1, (uint8_t)i);
	memset(long_name, 'x', 64);
	long_name[64] = '\0';

	assert_int_equal(upd(t, "h1", 2, a, 0, 120, T0), TABLE_INVALID);
	assert_int_equal(upd(t, "h1", 2, a, 9, 120, T0), TABLE_INVALID);
	assert_int_equal(upd(t, "bad_name", 2, a, 1, 120, T0), TABLE_INVALID);
	assert_int_equal(upd(t, "-h1", 2, a, 1, 120, T0), TABLE_INVALID);
	assert_int_equal(upd(t, long_name, 2, a, 1, 120, T0), TABLE_INVALID);
	assert_int_equal(table_update(t, "h1", 0, 2, a, 1, 120, T0), TABLE_INVALID);
	assert_int_equal(upd(t, "h1", 0, a, 1, 120, T0), TABLE_INVALID);
	assert_int_equal(upd(t, "h1", 2, a, 1, 0, T0), TABLE_INVALID);
	assert_int_equal(table_size(t), 0);
	assert_int_equal(table_lookup(t, "h1", 2, T0, NULL, NULL), 0);

	/* 8 addresses and a 63-octet name are fine. */
	long_name[63] = '\0';
	assert_int_equal(upd(t, long_name, 2, a, 8, 120, T0), TABLE_NEW);
	assert_int_equal(table_size(t), 1);

	/* Invalid input does not disturb an existing entry. */
	assert_int_equal(upd(t, "h1", 2, a, 1, 120, T0), TABLE_NEW);
	assert_int_equal(upd(t, "h1", 2, a, 9, 120, T0 + 1), TABLE_INVALID);
	assert_int_equal(upd(t, "h1", 2, a, 1, 0, T0 + 1), TABLE_INVALID);
	assert_int_equal(upd(t, "h1", 2, a, 0, 120, T0 + 1), TABLE_INVALID);
	assert_int_equal(table_size(t), 2);
	assert_int_equal(table_next_expiry(t), T0 + 120000);
	memset(&s, 0, sizeof(s));
	assert_int_equal(table_lookup(t, "h1", 2, T0 + 1, collect, &s), 1);
	assert_int_equal(s.e[0].naddrs, 1);
	assert_int_equal(s.e[0].expires, T0 + 120000);
	assert_int_equal(s.e[0].last_seen, T0);
	assert_int_equal(table_lookup(t, long_name, 63, T0 + 1, collect, &s), 1);
	assert_int_equal(s.e[1].naddrs, 8);
	assert_memory_equal(s.e[1].addrs, a, 8 * sizeof(a[0]));
	assert_string_equal(s.e[1].name, long_name);
	table_free(t);
}

/* The hash index agrees with the array through a long random mix of
 * inserts, refreshes, removals, evictions and expiry, names colliding in
 * case and spread over interfaces. */
static void test_index_consistency(void **state)
{
	struct table *t = table_new(64);
	struct in6_addr a[1] = { ll(1, 1) };
	uint32_t x = 12345;
	uint64_t now = T0;
	int step;

	(void)state;
	for (step = 0; step < 20000; step++) {
		char name[8];
		unsigned int ifindex, k;
		size_t want = 0, got;

		x = x * 1103515245u + 12345u;
		k = (x >> 8) % 100;
		ifindex = 1 + (x >> 16) % 3;
		snprintf(name, sizeof(name), "%c%u", (x & 1) ? 'N' : 'n', k);
		now += (x >> 24) % 50;
		switch ((x >> 4) % 5) {
		case 0:
		case 1:
		case 2:
			upd(t, name, ifindex, a, 1, 1 + (x >> 20) % 5, now);
			break;
		case 3:
			table_remove(t, name, strlen(name), ifindex);
			break;
		case 4:
			table_expire(t, now, NULL, NULL);
			break;
		}
		/* Brute force over the array, against the index. */
		{
			struct match m = { name, 0 };

			table_foreach(t, now, match_cb, &m);
			want = m.n;
		}
		got = 0;
		table_lookup(t, name, strlen(name), now, count_cb, &got);
		assert_int_equal(got, want);
		assert_true(table_size(t) <= 64);
	}
	table_free(t);
}

/* The drop hook sees every entry leave, whatever the way out. */
static void test_drop_hook(void **state)
{
	struct table *t = table_new(2);
	struct in6_addr a = ll(0, 1), b = ll(0, 2), c = ll(0, 3);
	struct seen s;

	(void)state;
	assert_non_null(t);
	memset(&s, 0, sizeof(s));
	table_set_drop_hook(t, collect, &s);
	assert_int_equal(upd(t, "a", 2, &a, 1, 10, T0), TABLE_NEW);
	assert_int_equal(upd(t, "b", 2, &b, 1, 10, T0 + 1), TABLE_NEW);
	table_set_timestamp(t, "A", 1, 2, 1234);
	table_set_contested(t, "a", 1, 2);
	assert_int_equal(table_stored(t, "a", 1, 2)->last_ts, 1234);
	assert_int_equal(table_stored(t, "a", 1, 2)->contested, 1);
	/* Eviction (b: never refreshed, the one seen least recently after a). */
	assert_int_equal(upd(t, "a", 2, &a, 1, 10, T0 + 2), TABLE_REFRESH);
	assert_int_equal(upd(t, "c", 2, &c, 1, 10, T0 + 3), TABLE_NEW);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.e[0].name, "b");
	/* Removal, then expiry; an expired entry is still stored until swept. */
	assert_int_equal(table_remove(t, "c", 1, 2), 1);
	assert_int_equal(s.n, 2);
	assert_null(table_get(t, "a", 1, 2, T0 + 20000));
	assert_non_null(table_stored(t, "a", 1, 2));
	assert_int_equal(table_expire(t, T0 + 20000, NULL, NULL), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.e[2].last_ts, 1234);
	assert_null(table_stored(t, "a", 1, 2));
	table_free(t);
}

/* A name of len octets: letters from seed, upper case where upper is set. */
static void make_name(char *buf, size_t len, unsigned int seed, bool upper)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)((upper ? 'A' : 'a') + (seed + i * 7) % 26);
	buf[len] = '\0';
}

/* Entries bigger than TABLE_ENTRY_OCTETS share a pool: they fit while it
 * lasts, take it from never-refreshed entries when it runs out, and are
 * refused (leaving a known entry as it was) once nothing can be evicted. */
static void test_big_entries(void **state)
{
	struct table *t = table_new(4);
	struct in6_addr a[8], one = ll(9, 9);
	char big1[64], big2[64], big1up[64], mid[64];
	const struct table_entry *e;
	struct seen s;
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++)
		a[i] = ll(3, (uint8_t)i);
	make_name(big1, 63, 1, false);
	make_name(big1up, 63, 1, true);
	make_name(big2, 63, 2, false);
	/* The biggest entry the wire allows: 63 octets, 8 addresses. */
	assert_int_equal(upd(t, big1, 2, a, 8, 120, T0), TABLE_NEW);
	e = find_one(t, big1up, 2, T0, &s);
	assert_non_null(e = seen_find(&s, big1, 2));
	assert_int_equal(e->name_len, 63);
	assert_int_equal(e->naddrs, 8);
	assert_memory_equal(e->addrs, a, sizeof(a));
	assert_non_null(table_reverse(t, &a[7], 2, T0));
	/* A second one takes the pool from the first, never refreshed. */
	assert_int_equal(upd(t, big2, 2, a, 8, 120, T0 + 1), TABLE_NEW);
	assert_int_equal(table_evictions(t), 1);
	assert_null(table_stored(t, big1, 63, 2));
	assert_string_equal(table_stored(t, big2, 63, 2)->name, big2);
	/* Refreshed, it stays: a third is refused, small ones still fit. */
	assert_int_equal(upd(t, big2, 2, a, 8, 120, T0 + 2), TABLE_REFRESH);
	assert_int_equal(upd(t, big1, 2, a, 8, 120, T0 + 3), TABLE_FULL);
	assert_int_equal(table_evictions(t), 1);
	assert_int_equal(upd(t, "s", 2, &one, 1, 120, T0 + 3), TABLE_NEW);
	assert_int_equal(upd(t, "s", 2, &one, 1, 120, T0 + 4), TABLE_REFRESH);
	/* A known entry that would outgrow the pool keeps what it had. */
	assert_int_equal(upd(t, "s", 2, a, 8, 120, T0 + 5), TABLE_FULL);
	e = table_stored(t, "s", 1, 2);
	assert_int_equal(e->naddrs, 1);
	assert_memory_equal(&e->addrs[0], &one, sizeof(one));
	assert_int_equal(e->expires, T0 + 4 + 120000);
	/* One that shrinks gives cells back: now it may grow. */
	assert_int_equal(upd(t, big2, 2, a, 1, 120, T0 + 6), TABLE_CHANGED);
	assert_int_equal(upd(t, "s", 2, a, 8, 120, T0 + 7), TABLE_CHANGED);
	assert_memory_equal(table_stored(t, "s", 1, 2)->addrs, a, sizeof(a));
	assert_memory_equal(table_stored(t, big2, 63, 2)->addrs, a, sizeof(a[0]));
	/* Names of every length around the slot's inline part compare and
	 * show as announced. */
	for (i = 30; i <= 40; i++) {
		make_name(mid, i, (unsigned int)i, true);
		assert_int_equal(upd(t, mid, 3, &one, 1, 120, T0 + 8), TABLE_NEW);
		assert_string_equal(table_get(t, mid, i, 3, T0 + 8)->name, mid);
		make_name(mid, i, (unsigned int)i, false);
		assert_non_null(table_get(t, mid, i, 3, T0 + 8));
		assert_int_equal(table_remove(t, mid, i, 3), 1);
	}
	table_free(t);
}

/* What the table holds, kept beside it: updates that succeeded add or
 * replace, the drop hook removes. */
struct model_entry {
	char name[WIRE_NAME_MAX + 1];
	unsigned int ifindex;
	size_t naddrs;
	struct in6_addr addrs[WIRE_MAX_ADDRS];
	bool used;
};

#define MODEL_N 64

static struct model_entry *model_find(struct model_entry *m, const char *name, unsigned int ifindex)
{
	size_t i;

	for (i = 0; i < MODEL_N; i++)
		if (m[i].used && m[i].ifindex == ifindex && name_equal(m[i].name, strlen(m[i].name),
								       name, strlen(name)))
			return &m[i];
	return NULL;
}

static void model_drop(const struct table_entry *e, void *arg)
{
	struct model_entry *me = model_find(arg, e->name, e->ifindex);

	assert_non_null(me);
	assert_string_equal(me->name, e->name);
	assert_int_equal(me->naddrs, e->naddrs);
	assert_memory_equal(me->addrs, e->addrs, e->naddrs * sizeof(e->addrs[0]));
	me->used = false;
}

/* A long random mix of entries of every size, against the model: every
 * entry reads back as stored, whatever moved or was evicted around it. */
static void test_packed_random(void **state)
{
	static struct model_entry m[MODEL_N];
	struct table *t = table_new(16);
	uint32_t x = 777;
	uint64_t now = T0;
	int step;

	(void)state;
	memset(m, 0, sizeof(m));
	table_set_drop_hook(t, model_drop, m);
	for (step = 0; step < 20000; step++) {
		struct in6_addr a[WIRE_MAX_ADDRS];
		char name[WIRE_NAME_MAX + 1];
		unsigned int ifindex, k;
		size_t naddrs, len, i, held = 0;
		struct model_entry *me;
		enum table_result r;

		x = x * 1103515245u + 12345u;
		k = (x >> 8) % 40;
		ifindex = 1 + (x >> 14) % 2;
		/* The name's length is the key's; its case varies. */
		len = 1 + (k * 13) % 63;
		make_name(name, len, k, (x >> 3) & 1);
		naddrs = 1 + (x >> 17) % WIRE_MAX_ADDRS;
		if ((x >> 20) % 4)
			naddrs = 1;	/* mostly small, as on a real link */
		for (i = 0; i < naddrs; i++)
			a[i] = ll((uint8_t)step, (uint8_t)i);
		now += (x >> 24) % 20;
		switch ((x >> 4) % 6) {
		case 4:
			table_remove(t, name, len, ifindex);
			break;
		case 5:
			table_expire(t, now, NULL, NULL);
			break;
		default:
			r = upd(t, name, ifindex, a, naddrs, 1 + (x >> 21) % 3, now);
			if (r == TABLE_FULL || r == TABLE_INVALID)
				break;
			me = model_find(m, name, ifindex);
			if (!me) {
				for (me = m; me->used; me++)
					;
				me->used = true;
				me->ifindex = ifindex;
			}
			strcpy(me->name, name);
			me->naddrs = naddrs;
			memcpy(me->addrs, a, naddrs * sizeof(a[0]));
			break;
		}
		for (i = 0; i < MODEL_N; i++) {
			const struct table_entry *e;

			if (!m[i].used)
				continue;
			held++;
			e = table_stored(t, m[i].name, strlen(m[i].name), m[i].ifindex);
			assert_non_null(e);
			assert_string_equal(e->name, m[i].name);
			assert_int_equal(e->naddrs, m[i].naddrs);
			assert_memory_equal(e->addrs, m[i].addrs, m[i].naddrs * sizeof(a[0]));
		}
		assert_int_equal(table_size(t), held);
	}
	table_set_drop_hook(t, NULL, NULL);
	table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_null),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_two_interfaces),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_expired_then_reannounced),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_index_consistency),
		cmocka_unit_test(test_capacity_expired),
		cmocka_unit_test(test_held_by_other),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_drop_hook),
		cmocka_unit_test(test_big_entries),
		cmocka_unit_test(test_packed_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
