/* table: the neighbour table. Fixed arrays allocated once (memory stays
 * flat whatever arrives on the wire) with a hash index on the name, so
 * finding a name costs the same at 100 entries as at 100,000. Expiry,
 * reverse lookups and eviction scan the array: they are rare or already
 * O(n) by nature.
 *
 * Memory: a slot (72 octets) holds what every entry has and the first TABLE_INLINE
 * octets of its payload (the name, by its length, then its addresses); a
 * typical neighbour (a name of up to 20 octets, one address) fits there.
 * The rest of a bigger payload goes in 16-octet cells of one pool shared
 * by all entries, chained from the slot: one cell per slot on average, so
 * every entry may be up to TABLE_INLINE + 16 octets and a few may be as big
 * as the wire allows. Callers see a struct table_entry, filled from a slot
 * when asked (table_entry_of). */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "table.h"
#include "table_store.h"

static const struct table_entry *table_view(const struct table *t, const struct table_slot *s)
{
	if (!s)
		return NULL;
	table_store_entry(t, s, t->view);
	return t->view;
}

static uint32_t *table_bucket(const struct table *t, uint32_t h)
{
	return &t->buckets[h & (t->nbuckets - 1)];
}

/* The hash of a stored slot's name. */
static uint32_t slot_hash(const struct table *t, const struct table_slot *s)
{
	char tmp[WIRE_NAME_MAX];

	return name_hash(table_store_at(t, s, 0, s->name_len, tmp), s->name_len);
}

static void table_link(struct table *t, size_t i)
{
	uint32_t h = slot_hash(t, &t->slots[i]), *b = table_bucket(t, h);

	t->slots[i].tag = table_store_tag(h);
	t->slots[i].next = *b;
	*b = (uint32_t)i + 1;
}

static void table_unlink(struct table *t, size_t i)
{
	uint32_t *p = table_bucket(t, slot_hash(t, &t->slots[i]));

	while (*p && *p != i + 1)
		p = &t->slots[*p - 1].next;
	if (*p)
		*p = t->slots[i].next;
	t->slots[i].next = 0;
}

struct table *table_new(size_t capacity)
{
	struct table *t;
	size_t ncells;

	if (capacity == 0 || capacity > (1u << 24))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	for (t->nbuckets = 16; t->nbuckets < capacity; t->nbuckets <<= 1)
		;
	/* One cell per slot, and enough for any one entry in a small table. */
	ncells = capacity + TABLE_CELLS_MAX;
	/* Slots and cells are written before they are read (a slot when it
	 * is taken, a cell when it is chained): not cleared here, so what is
	 * not used yet costs address space, not memory. */
	t->slots = reallocarray(NULL, capacity, sizeof(*t->slots));
	t->cell = reallocarray(NULL, ncells, sizeof(*t->cell));
	t->cell_next = reallocarray(NULL, ncells, sizeof(*t->cell_next));
	t->ts = reallocarray(NULL, capacity, sizeof(*t->ts));
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	t->view = calloc(1, sizeof(*t->view));
	if (!t->slots || !t->buckets || !t->cell || !t->cell_next || !t->ts || !t->view) {
		table_free(t);
		return NULL;
	}
	t->free_cells = (uint32_t)ncells;
	t->capacity = capacity;
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->buckets);
	free(t->cell);
	free(t->cell_next);
	free(t->ts);
	free(t->view);
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

static struct table_slot *table_find(const struct table *t, const char *name,
				     size_t name_len, unsigned int ifindex)
{
	uint32_t h = name_hash(name, name_len), i;

	for (i = *table_bucket(t, h); i; i = t->slots[i - 1].next) {
		struct table_slot *s = &t->slots[i - 1];

		if (s->ifindex == ifindex && table_store_name_is(t, s, name, name_len, h))
			return s;
	}
	return NULL;
}

/* Order does not matter, so removal moves the last slot into the hole. */
static void table_drop(struct table *t, struct table_slot *s)
{
	size_t i = (size_t)(s - t->slots), last = t->used - 1;

	if (t->on_drop) {
		struct table_entry e;

		table_store_entry(t, s, &e);
		t->on_drop(&e, t->on_drop_arg);
	}
	table_unlink(t, i);
	if (s->cells)
		table_store_resize(t, s, table_store_slot_cells(s), 0);
	if (i != last) {
		table_unlink(t, last);
		*s = t->slots[last];
		if (s->flags & TABLE_F_TS)
			t->ts[i] = t->ts[last];
		table_link(t, i);
	}
	memset(&t->slots[last], 0, sizeof(t->slots[last]));
	t->used--;
}

/* The never-refreshed slot seen least recently, holding cells if cells is
 * set, and not (name, ifindex): or NULL. */
static struct table_slot *table_victim(struct table *t, bool cells, const char *name,
				       size_t name_len, unsigned int ifindex)
{
	uint32_t h = name_hash(name, name_len);
	struct table_slot *v = NULL;
	size_t i;

	for (i = 0; i < t->used; i++) {
		struct table_slot *s = &t->slots[i];

		if (s->refreshes == 0 && (!cells || s->cells) && (!v || s->last_seen < v->last_seen) &&
		    !(s->ifindex == ifindex && table_store_name_is(t, s, name, name_len, h)))
			v = s;
	}
	return v;
}

/* Room for (name, ifindex): a slot if slot is set, and cells free cells.
 * First from entries that expired but were not yet swept, else from
 * never-refreshed ones (evictions), unless they cannot make enough room:
 * then nothing is evicted and the answer is false. */
static bool table_make_room(struct table *t, bool slot, uint32_t cells, const char *name,
			    size_t name_len, unsigned int ifindex, uint64_t now)
{
	uint32_t h = name_hash(name, name_len), spare;
	size_t i, candidates = 0;
	struct table_slot *v;

	if ((!slot || t->used < t->capacity) && t->free_cells >= cells)
		return true;
	table_expire(t, now, NULL, NULL);
	if ((!slot || t->used < t->capacity) && t->free_cells >= cells)
		return true;
	for (i = 0, spare = t->free_cells; i < t->used; i++) {
		const struct table_slot *s = &t->slots[i];

		if (s->refreshes == 0 && !(s->ifindex == ifindex && table_store_name_is(t, s, name, name_len, h))) {
			candidates++;
			spare += table_store_slot_cells(s);
		}
	}
	if (spare < cells || (slot && t->used == t->capacity && candidates == 0))
		return false;
	while (t->free_cells < cells) {
		v = table_victim(t, true, name, name_len, ifindex);
		table_drop(t, v);
		t->evictions++;
	}
	if (slot && t->used == t->capacity) {
		v = table_victim(t, false, name, name_len, ifindex);
		table_drop(t, v);
		t->evictions++;
	}
	return true;
}

const struct table_entry *table_get(const struct table *t, const char *name, size_t name_len,
				    unsigned int ifindex, uint64_t now)
{
	const struct table_slot *s = table_find(t, name, name_len, ifindex);

	return table_view(t, s && s->expires > now ? s : NULL);
}

const struct table_entry *table_stored(const struct table *t, const char *name, size_t name_len,
				       unsigned int ifindex)
{
	return table_view(t, table_find(t, name, name_len, ifindex));
}

uint64_t table_evictions(const struct table *t)
{
	return t->evictions;
}

bool table_held_by_other(const struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex, const struct in6_addr *src, uint64_t now)
{
	const struct table_slot *s = table_find(t, name, name_len, ifindex);

	return s && s->expires > now && !table_store_has_addr(t, s, src);
}

static bool slot_same_addrs(const struct table *t, const struct table_slot *s,
			    const struct in6_addr *addrs, size_t naddrs)
{
	struct in6_addr tmp[WIRE_MAX_ADDRS];

	return s->naddrs == naddrs && !memcmp(table_store_addrs(t, s, tmp), addrs, naddrs * sizeof(*addrs));
}

enum table_result table_update(struct table *t, const char *name, size_t name_len,
			       unsigned int ifindex, const struct in6_addr *addrs,
			       size_t naddrs, uint32_t lifetime_s, uint64_t now)
{
	uint32_t want = table_store_cells_for(table_store_len(name_len, naddrs));
	struct table_slot *s;
	enum table_result res;

	if (!name_valid(name, name_len) || naddrs == 0 || naddrs > WIRE_MAX_ADDRS ||
	    ifindex == 0 || lifetime_s == 0)
		return TABLE_INVALID;

	s = table_find(t, name, name_len, ifindex);
	if (s && s->expires <= now) {
		/* Expired but not yet swept: a fresh entry, not a refresh. */
		table_drop(t, s);
		s = NULL;
	}
	if (s) {
		uint32_t have = table_store_slot_cells(s);

		res = slot_same_addrs(t, s, addrs, naddrs) ? TABLE_REFRESH : TABLE_CHANGED;
		if (want > have) {
			/* Making room may move slots: find it again. */
			if (!table_make_room(t, false, want - have, name, name_len, ifindex, now))
				return TABLE_FULL;
			s = table_find(t, name, name_len, ifindex);
		}
		if (want != have)
			table_store_resize(t, s, have, want);
		s->refreshes++;
	} else {
		if (!table_make_room(t, true, want, name, name_len, ifindex, now))
			return TABLE_FULL;
		s = &t->slots[t->used++];
		memset(s, 0, sizeof(*s));
		s->ifindex = ifindex;
		if (want)
			table_store_resize(t, s, 0, want);
		res = TABLE_NEW;
	}
	/* Shown as last announced: a host may change the case of its name
	 * (the hash ignores case, so the entry stays in its chain). */
	s->name_len = (uint8_t)name_len;
	s->naddrs = (uint8_t)naddrs;
	table_store_write(t, s, name, name_len, addrs, naddrs);
	if (res == TABLE_NEW)
		table_link(t, (size_t)(s - t->slots));
	s->expires = now + (uint64_t)lifetime_s * 1000;
	s->last_seen = now;
	return res;
}

void table_set_timestamp(struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex, uint64_t ts)
{
	struct table_slot *s = table_find(t, name, name_len, ifindex);

	if (s) {
		t->ts[s - t->slots] = ts;
		s->flags |= TABLE_F_TS;
	}
}

void table_set_contested(struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex)
{
	struct table_slot *s = table_find(t, name, name_len, ifindex);

	if (s)
		s->flags |= TABLE_F_CONTESTED;
}

int table_remove(struct table *t, const char *name, size_t name_len, unsigned int ifindex)
{
	struct table_slot *s = table_find(t, name, name_len, ifindex);

	if (!s)
		return 0;
	table_drop(t, s);
	return 1;
}

size_t table_remove_ifindex(struct table *t, unsigned int ifindex)
{
	size_t i = 0, n = 0;

	while (i < t->used) {
		if (t->slots[i].ifindex == ifindex) {
			table_drop(t, &t->slots[i]);
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
		if (t->slots[i].expires <= now) {
			if (cb) {
				struct table_entry e;

				table_store_entry(t, &t->slots[i], &e);
				cb(&e, arg);
			}
			table_drop(t, &t->slots[i]);
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
		if (t->slots[i].expires < next)
			next = t->slots[i].expires;
	return next;
}

size_t table_lookup(const struct table *t, const char *name, size_t name_len,
		    uint64_t now, table_cb cb, void *arg)
{
	uint32_t h = name_hash(name, name_len), i;
	size_t n = 0;

	for (i = *table_bucket(t, h); i; i = t->slots[i - 1].next) {
		const struct table_slot *s = &t->slots[i - 1];

		if (s->expires > now && table_store_name_is(t, s, name, name_len, h)) {
			if (cb) {
				struct table_entry e;

				table_store_entry(t, s, &e);
				cb(&e, arg);
			}
			n++;
		}
	}
	return n;
}

const struct table_entry *table_reverse(const struct table *t, const struct in6_addr *addr,
					unsigned int ifindex, uint64_t now)
{
	size_t i;

	for (i = 0; i < t->used; i++) {
		const struct table_slot *s = &t->slots[i];

		if (s->expires <= now || (ifindex && s->ifindex != ifindex))
			continue;
		if (table_store_has_addr(t, s, addr))
			return table_view(t, s);
	}
	return NULL;
}

size_t table_foreach(const struct table *t, uint64_t now, table_cb cb, void *arg)
{
	size_t i, n = 0;

	for (i = 0; i < t->used; i++) {
		if (t->slots[i].expires > now) {
			struct table_entry e;

			table_store_entry(t, &t->slots[i], &e);
			cb(&e, arg);
			n++;
		}
	}
	return n;
}
