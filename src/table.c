/* table: the neighbour table. A fixed array (memory stays flat whatever
 * arrives on the wire) with a hash index on the name, so finding a name
 * costs the same at 100 entries as at 100,000. Expiry, reverse lookups and
 * eviction scan the array: they are rare or already O(n) by nature. */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "table.h"

struct table {
	size_t capacity;
	size_t used;			/* entries[0..used) are live */
	uint64_t evictions;
	struct table_entry *entries;
	uint32_t nbuckets;		/* a power of two, >= 2 * capacity */
	uint32_t *buckets;		/* index + 1 of a chain's first entry, 0: empty */
	uint32_t *next;			/* per entry: index + 1 of the next in its chain */
	table_cb on_drop;
	void *on_drop_arg;
};

static uint32_t *table_bucket(const struct table *t, const char *name, size_t len)
{
	return &t->buckets[name_hash(name, len) & (t->nbuckets - 1)];
}

static void table_link(struct table *t, size_t i)
{
	uint32_t *b = table_bucket(t, t->entries[i].name, t->entries[i].name_len);

	t->next[i] = *b;
	*b = (uint32_t)i + 1;
}

static void table_unlink(struct table *t, size_t i)
{
	uint32_t *p = table_bucket(t, t->entries[i].name, t->entries[i].name_len);

	while (*p && *p != i + 1)
		p = &t->next[*p - 1];
	if (*p)
		*p = t->next[i];
	t->next[i] = 0;
}

struct table *table_new(size_t capacity)
{
	struct table *t;

	if (capacity == 0 || capacity > (1u << 24))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	for (t->nbuckets = 16; t->nbuckets < 2 * capacity; t->nbuckets <<= 1)
		;
	t->entries = calloc(capacity, sizeof(*t->entries));
	t->next = calloc(capacity, sizeof(*t->next));
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->entries || !t->next || !t->buckets) {
		table_free(t);
		return NULL;
	}
	t->capacity = capacity;
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t->next);
	free(t->buckets);
	free(t);
}

void table_set_drop_hook(struct table *t, table_cb fn, void *arg)
{
	t->on_drop = fn;
	t->on_drop_arg = arg;
}

size_t table_size(const struct table *t)
{
	return t->used;
}

size_t table_capacity(const struct table *t)
{
	return t->capacity;
}

static struct table_entry *table_find(const struct table *t, const char *name,
				      size_t name_len, unsigned int ifindex)
{
	uint32_t i;

	for (i = *table_bucket(t, name, name_len); i; i = t->next[i - 1]) {
		struct table_entry *e = &t->entries[i - 1];

		if (e->ifindex == ifindex && name_equal(e->name, e->name_len, name, name_len))
			return e;
	}
	return NULL;
}

/* Order does not matter, so removal moves the last entry into the hole. */
static void table_drop(struct table *t, struct table_entry *e)
{
	size_t i = (size_t)(e - t->entries), last = t->used - 1;

	if (t->on_drop)
		t->on_drop(e, t->on_drop_arg);
	table_unlink(t, i);
	if (i != last) {
		table_unlink(t, last);
		*e = t->entries[last];
		table_link(t, i);
	}
	memset(&t->entries[last], 0, sizeof(t->entries[last]));
	t->used--;
}

/* The never-refreshed entry seen least recently, or NULL. */
static struct table_entry *table_victim(struct table *t)
{
	struct table_entry *v = NULL;
	size_t i;

	for (i = 0; i < t->used; i++) {
		struct table_entry *e = &t->entries[i];

		if (e->refreshes == 0 && (!v || e->last_seen < v->last_seen))
			v = e;
	}
	return v;
}

const struct table_entry *table_get(const struct table *t, const char *name, size_t name_len,
				    unsigned int ifindex, uint64_t now)
{
	const struct table_entry *e = table_find(t, name, name_len, ifindex);

	return e && e->expires > now ? e : NULL;
}

const struct table_entry *table_stored(const struct table *t, const char *name, size_t name_len,
				       unsigned int ifindex)
{
	return table_find(t, name, name_len, ifindex);
}

uint64_t table_evictions(const struct table *t)
{
	return t->evictions;
}

bool table_held_by_other(const struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex, const struct in6_addr *src, uint64_t now)
{
	const struct table_entry *e = table_find(t, name, name_len, ifindex);
	size_t i;

	if (!e || e->expires <= now)
		return false;
	for (i = 0; i < e->naddrs; i++)
		if (!memcmp(&e->addrs[i], src, sizeof(*src)))
			return false;
	return true;
}

enum table_result table_update(struct table *t, const char *name, size_t name_len,
			       unsigned int ifindex, const struct in6_addr *addrs,
			       size_t naddrs, uint32_t lifetime_s, uint64_t now)
{
	struct table_entry *e;
	enum table_result res;

	if (!name_valid(name, name_len) || naddrs == 0 || naddrs > WIRE_MAX_ADDRS ||
	    ifindex == 0 || lifetime_s == 0)
		return TABLE_INVALID;

	e = table_find(t, name, name_len, ifindex);
	if (e && e->expires <= now) {
		/* Expired but not yet swept: a fresh entry, not a refresh. */
		table_drop(t, e);
		e = NULL;
	}
	if (e) {
		e->refreshes++;
		res = (e->naddrs == naddrs &&
		       !memcmp(e->addrs, addrs, naddrs * sizeof(*addrs))) ?
		      TABLE_REFRESH : TABLE_CHANGED;
	} else {
		/* Make room from entries that expired but were not yet swept,
		 * else from one that was never refreshed. */
		if (t->used == t->capacity)
			table_expire(t, now, NULL, NULL);
		if (t->used == t->capacity) {
			struct table_entry *victim = table_victim(t);

			if (!victim)
				return TABLE_FULL;
			table_drop(t, victim);
			t->evictions++;
		}
		e = &t->entries[t->used++];
		memset(e, 0, sizeof(*e));
		e->ifindex = ifindex;
		e->first_seen = now;
		memcpy(e->name, name, name_len);
		e->name_len = (uint8_t)name_len;
		table_link(t, t->used - 1);
		res = TABLE_NEW;
	}
	/* Shown as last announced: a host may change the case of its name
	 * (the hash ignores case, so the entry stays in its chain). */
	memcpy(e->name, name, name_len);
	e->name[name_len] = '\0';
	e->name_len = (uint8_t)name_len;
	memcpy(e->addrs, addrs, naddrs * sizeof(*addrs));
	e->naddrs = (uint8_t)naddrs;
	e->expires = now + (uint64_t)lifetime_s * 1000;
	e->last_seen = now;
	return res;
}

void table_set_timestamp(struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex, uint64_t ts)
{
	struct table_entry *e = table_find(t, name, name_len, ifindex);

	if (e)
		e->last_ts = ts;
}

void table_set_contested(struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex)
{
	struct table_entry *e = table_find(t, name, name_len, ifindex);

	if (e)
		e->contested = 1;
}

int table_remove(struct table *t, const char *name, size_t name_len, unsigned int ifindex)
{
	struct table_entry *e = table_find(t, name, name_len, ifindex);

	if (!e)
		return 0;
	table_drop(t, e);
	return 1;
}

size_t table_remove_ifindex(struct table *t, unsigned int ifindex)
{
	size_t i = 0, n = 0;

	while (i < t->used) {
		if (t->entries[i].ifindex == ifindex) {
			table_drop(t, &t->entries[i]);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

size_t table_expire(struct table *t, uint64_t now, table_cb cb, void *arg)
{
	size_t i = 0, n = 0;

	while (i < t->used) {
		if (t->entries[i].expires <= now) {
			if (cb)
				cb(&t->entries[i], arg);
			table_drop(t, &t->entries[i]);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

uint64_t table_next_expiry(const struct table *t)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < t->used; i++)
		if (t->entries[i].expires < next)
			next = t->entries[i].expires;
	return next;
}

size_t table_lookup(const struct table *t, const char *name, size_t name_len,
		    uint64_t now, table_cb cb, void *arg)
{
	size_t n = 0;
	uint32_t i;

	for (i = *table_bucket(t, name, name_len); i; i = t->next[i - 1]) {
		const struct table_entry *e = &t->entries[i - 1];

		if (e->expires > now && name_equal(e->name, e->name_len, name, name_len)) {
			if (cb)
				cb(e, arg);
			n++;
		}
	}
	return n;
}

const struct table_entry *table_reverse(const struct table *t, const struct in6_addr *addr,
					unsigned int ifindex, uint64_t now)
{
	size_t i, j;

	for (i = 0; i < t->used; i++) {
		const struct table_entry *e = &t->entries[i];

		if (e->expires <= now || (ifindex && e->ifindex != ifindex))
			continue;
		for (j = 0; j < e->naddrs; j++)
			if (!memcmp(&e->addrs[j], addr, sizeof(*addr)))
				return e;
	}
	return NULL;
}

size_t table_foreach(const struct table *t, uint64_t now, table_cb cb, void *arg)
{
	size_t i, n = 0;

	for (i = 0; i < t->used; i++) {
		if (t->entries[i].expires > now) {
			cb(&t->entries[i], arg);
			n++;
		}
	}
	return n;
}
