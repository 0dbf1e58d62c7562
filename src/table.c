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

#define TABLE_INLINE	(TABLE_ENTRY_OCTETS - TABLE_CELL)
#define TABLE_CELL	16
/* Cells for the biggest payload: a 63-octet name and 8 addresses. */
#define TABLE_CELLS_MAX	((WIRE_NAME_MAX + WIRE_MAX_ADDRS * 16 - TABLE_INLINE + TABLE_CELL - 1) / TABLE_CELL)

struct table_slot {
	uint64_t expires;		/* ms, same clock as "now" */
	uint64_t last_seen;
	uint32_t ifindex;
	uint32_t refreshes;
	uint32_t next;			/* index + 1 of the next slot in its hash chain */
	uint32_t cells;			/* index + 1 of its first cell, 0: none */
	uint8_t name_len;
	uint8_t naddrs;
	uint8_t flags;			/* TABLE_F_* */
	uint8_t tag;			/* the top octet of its name's hash */
	uint8_t payload[TABLE_INLINE];
};

_Static_assert(sizeof(struct table_slot) == 72, "a slot is 72 octets");

#define TABLE_F_CONTESTED	1
#define TABLE_F_TS		2	/* its TIMESTAMP is in ts[] */

struct table {
	size_t capacity;
	size_t used;			/* slots[0..used) are live */
	uint64_t evictions;
	struct table_slot *slots;
	uint32_t nbuckets;		/* a power of two, >= capacity */
	uint32_t *buckets;		/* index + 1 of a chain's first slot, 0: empty */
	uint8_t (*cell)[TABLE_CELL];	/* the shared pool */
	uint32_t *cell_next;		/* per cell: index + 1 of the next in its chain */
	uint32_t cell_bump;		/* cells past it were never used */
	uint32_t free_cells;		/* never used, or on the free list */
	uint32_t cell_free;		/* the free list: cell_free, then cell_next */
	/* Per slot, the newest TIMESTAMP accepted (TABLE_F_TS): beside the
	 * slots, as only a daemon with keys writes it; without, its pages
	 * are never touched. */
	uint64_t *ts;
	struct table_entry *view;	/* what table_get & co. return */
	table_cb on_drop;
	void *on_drop_arg;
};

static size_t payload_len(size_t name_len, size_t naddrs)
{
	return name_len + naddrs * sizeof(struct in6_addr);
}

static uint32_t cells_for(size_t len)
{
	return len <= TABLE_INLINE ? 0 : (uint32_t)((len - TABLE_INLINE + TABLE_CELL - 1) / TABLE_CELL);
}

static uint32_t slot_cells(const struct table_slot *s)
{
	return cells_for(payload_len(s->name_len, s->naddrs));
}

/* Copy len octets of s's payload from offset off into dst. */
static void payload_copy(const struct table *t, const struct table_slot *s, size_t off,
			 void *dst, size_t len)
{
	uint8_t *d = dst;
	uint32_t c = s->cells;
	size_t n, pos;

	if (off < TABLE_INLINE) {
		n = len < TABLE_INLINE - off ? len : TABLE_INLINE - off;
		memcpy(d, s->payload + off, n);
		d += n;
		len -= n;
		off += n;
	}
	for (pos = TABLE_INLINE; len > 0; pos += TABLE_CELL, c = t->cell_next[c - 1]) {
		if (off >= pos + TABLE_CELL)
			continue;
		n = pos + TABLE_CELL - off;
		if (n > len)
			n = len;
		memcpy(d, t->cell[c - 1] + (off - pos), n);
		d += n;
		len -= n;
		off += n;
	}
}

/* len octets of s's payload from offset off, in one piece: in the slot
 * itself (most entries), else copied into tmp. */
static inline const void *payload_at(const struct table *t, const struct table_slot *s, size_t off,
			      size_t len, void *tmp)
{
	if (off + len <= TABLE_INLINE)
		return s->payload + off;
	payload_copy(t, s, off, tmp, len);
	return tmp;
}

/* Write the whole payload; its chain already has the cells it needs. */
static void payload_write(struct table *t, struct table_slot *s, const char *name,
			  size_t name_len, const struct in6_addr *addrs, size_t naddrs)
{
	uint8_t buf[WIRE_NAME_MAX + WIRE_MAX_ADDRS * sizeof(struct in6_addr)];
	size_t len = payload_len(name_len, naddrs), n, off;
	uint32_t c = s->cells;

	if (len <= TABLE_INLINE) {
		memcpy(s->payload, name, name_len);
		memcpy(s->payload + name_len, addrs, naddrs * sizeof(*addrs));
		return;
	}
	memcpy(buf, name, name_len);
	memcpy(buf + name_len, addrs, naddrs * sizeof(*addrs));
	n = len < TABLE_INLINE ? len : TABLE_INLINE;
	memcpy(s->payload, buf, n);
	for (off = n; off < len; off += n, c = t->cell_next[c - 1]) {
		n = len - off < TABLE_CELL ? len - off : TABLE_CELL;
		memcpy(t->cell[c - 1], buf + off, n);
	}
}

/* Give s's chain exactly want cells (the pool has enough free). */
static void chain_resize(struct table *t, struct table_slot *s, uint32_t have, uint32_t want)
{
	uint32_t *link = &s->cells, i, c;

	for (i = 0; i < want && i < have; i++)
		link = &t->cell_next[*link - 1];
	if (want < have) {
		/* Return the tail to the free list. */
		for (c = *link, *link = 0; c; ) {
			uint32_t next = t->cell_next[c - 1];

			t->cell_next[c - 1] = t->cell_free;
			t->cell_free = c;
			t->free_cells++;
			c = next;
		}
		return;
	}
	for (; i < want; i++) {
		if (t->cell_free) {
			c = t->cell_free;
			t->cell_free = t->cell_next[c - 1];
		} else {
			c = ++t->cell_bump;
		}
		t->free_cells--;
		t->cell_next[c - 1] = 0;
		*link = c;
		link = &t->cell_next[c - 1];
	}
}

static uint8_t hash_tag(uint32_t h)
{
	return (uint8_t)(h >> 24);
}

/* Is s named name (whose hash is h)? The tag settles most mismatches. */
static inline bool slot_name_is(const struct table *t, const struct table_slot *s, const char *name,
			 size_t len, uint32_t h)
{
	char tmp[WIRE_NAME_MAX];

	return s->tag == hash_tag(h) && s->name_len == len &&
	       name_equal(payload_at(t, s, 0, len, tmp), len, name, len);
}

/* s's addresses, in one piece (tmp: room for WIRE_MAX_ADDRS). Not
 * aligned: read them with memcpy or memcmp. */
static const uint8_t *slot_addrs(const struct table *t, const struct table_slot *s, void *tmp)
{
	return payload_at(t, s, s->name_len, s->naddrs * sizeof(struct in6_addr), tmp);
}

static bool slot_has_addr(const struct table *t, const struct table_slot *s,
			  const struct in6_addr *addr)
{
	struct in6_addr tmp[WIRE_MAX_ADDRS];
	const uint8_t *a = slot_addrs(t, s, tmp);
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		if (!memcmp(a + i * sizeof(*addr), addr, sizeof(*addr)))
			return true;
	return false;
}

/* The entry as callers see it. */
static void table_entry_of(const struct table *t, const struct table_slot *s,
			   struct table_entry *e)
{
	size_t alen = s->naddrs * sizeof(struct in6_addr);

	if (payload_len(s->name_len, s->naddrs) <= TABLE_INLINE) {
		/* Constant sizes: copied inline, without a call (the name's
		 * room takes the whole inline part; its end is cut below). */
		memcpy(e->name, s->payload, TABLE_INLINE);
		if (s->naddrs == 1)
			memcpy(&e->addrs[0], s->payload + s->name_len, sizeof(e->addrs[0]));
		else
			memcpy(e->addrs, s->payload + s->name_len, alen);
	} else {
		payload_copy(t, s, 0, e->name, s->name_len);
		payload_copy(t, s, s->name_len, e->addrs, alen);
	}
	e->name[s->name_len] = '\0';
	e->name_len = s->name_len;
	e->naddrs = s->naddrs;
	e->ifindex = s->ifindex;
	e->expires = s->expires;
	e->last_seen = s->last_seen;
	e->refreshes = s->refreshes;
	e->contested = (s->flags & TABLE_F_CONTESTED) != 0;
	e->last_ts = (s->flags & TABLE_F_TS) ? t->ts[s - t->slots] : 0;
}

static const struct table_entry *table_view(const struct table *t, const struct table_slot *s)
{
	if (!s)
		return NULL;
	table_entry_of(t, s, t->view);
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

	return name_hash(payload_at(t, s, 0, s->name_len, tmp), s->name_len);
}

static void table_link(struct table *t, size_t i)
{
	uint32_t h = slot_hash(t, &t->slots[i]), *b = table_bucket(t, h);

	t->slots[i].tag = hash_tag(h);
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

		if (s->ifindex == ifindex && slot_name_is(t, s, name, name_len, h))
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

		table_entry_of(t, s, &e);
		t->on_drop(&e, t->on_drop_arg);
	}
	table_unlink(t, i);
	if (s->cells)
		chain_resize(t, s, slot_cells(s), 0);
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
		    !(s->ifindex == ifindex && slot_name_is(t, s, name, name_len, h)))
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

		if (s->refreshes == 0 && !(s->ifindex == ifindex && slot_name_is(t, s, name, name_len, h))) {
			candidates++;
			spare += slot_cells(s);
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

	return s && s->expires > now && !slot_has_addr(t, s, src);
}

static bool slot_same_addrs(const struct table *t, const struct table_slot *s,
			    const struct in6_addr *addrs, size_t naddrs)
{
	struct in6_addr tmp[WIRE_MAX_ADDRS];

	return s->naddrs == naddrs && !memcmp(slot_addrs(t, s, tmp), addrs, naddrs * sizeof(*addrs));
}

enum table_result table_update(struct table *t, const char *name, size_t name_len,
			       unsigned int ifindex, const struct in6_addr *addrs,
			       size_t naddrs, uint32_t lifetime_s, uint64_t now)
{
	uint32_t want = cells_for(payload_len(name_len, naddrs));
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
		uint32_t have = slot_cells(s);

		res = slot_same_addrs(t, s, addrs, naddrs) ? TABLE_REFRESH : TABLE_CHANGED;
		if (want > have) {
			/* Making room may move slots: find it again. */
			if (!table_make_room(t, false, want - have, name, name_len, ifindex, now))
				return TABLE_FULL;
			s = table_find(t, name, name_len, ifindex);
		}
		if (want != have)
			chain_resize(t, s, have, want);
		s->refreshes++;
	} else {
		if (!table_make_room(t, true, want, name, name_len, ifindex, now))
			return TABLE_FULL;
		s = &t->slots[t->used++];
		memset(s, 0, sizeof(*s));
		s->ifindex = ifindex;
		if (want)
			chain_resize(t, s, 0, want);
		res = TABLE_NEW;
	}
	/* Shown as last announced: a host may change the case of its name
	 * (the hash ignores case, so the entry stays in its chain). */
	s->name_len = (uint8_t)name_len;
	s->naddrs = (uint8_t)naddrs;
	payload_write(t, s, name, name_len, addrs, naddrs);
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

				table_entry_of(t, &t->slots[i], &e);
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

		if (s->expires > now && slot_name_is(t, s, name, name_len, h)) {
			if (cb) {
				struct table_entry e;

				table_entry_of(t, s, &e);
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
		if (slot_has_addr(t, s, addr))
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

			table_entry_of(t, &t->slots[i], &e);
			cb(&e, arg);
			n++;
		}
	}
	return n;
}
