/* table_store: how a neighbour-table slot stores its payload (the name,
 * then its addresses): the first octets in the slot itself, the rest in
 * 16-octet cells of one pool shared by all slots. Internal to table.c and
 * table_store.c; everything else sees struct table_entry (table.h). */
#ifndef LINKNAME_TABLE_STORE_H
#define LINKNAME_TABLE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

size_t table_store_len(size_t name_len, size_t naddrs);

uint32_t table_store_cells_for(size_t len);

uint32_t table_store_slot_cells(const struct table_slot *s);

/* Copy len octets of s's payload from offset off into dst. */
void table_store_copy(const struct table *t, const struct table_slot *s, size_t off,
			 void *dst, size_t len);

/* Write the whole payload; its chain already has the cells it needs. */
void table_store_write(struct table *t, struct table_slot *s, const char *name,
			  size_t name_len, const struct in6_addr *addrs, size_t naddrs);

/* Give s's chain exactly want cells (the pool has enough free). */
void table_store_resize(struct table *t, struct table_slot *s, uint32_t have, uint32_t want);

/* s's addresses, in one piece (tmp: room for WIRE_MAX_ADDRS). Not
 * aligned: read them with memcpy or memcmp. */
const uint8_t *table_store_addrs(const struct table *t, const struct table_slot *s, void *tmp);

bool table_store_has_addr(const struct table *t, const struct table_slot *s,
			  const struct in6_addr *addr);

/* The entry as callers see it. */
void table_store_entry(const struct table *t, const struct table_slot *s,
			   struct table_entry *e);

static inline uint8_t table_store_tag(uint32_t h)
{
	return (uint8_t)(h >> 24);
}

/* len octets of s's payload from offset off, in one piece: in the slot
 * itself (most entries), else copied into tmp. */
static inline const void *table_store_at(const struct table *t, const struct table_slot *s, size_t off,
			      size_t len, void *tmp)
{
	if (off + len <= TABLE_INLINE)
		return s->payload + off;
	table_store_copy(t, s, off, tmp, len);
	return tmp;
}

/* Is s named name (whose hash is h)? The tag settles most mismatches. */
static inline bool table_store_name_is(const struct table *t, const struct table_slot *s, const char *name,
			 size_t len, uint32_t h)
{
	char tmp[WIRE_NAME_MAX];

	return s->tag == table_store_tag(h) && s->name_len == len &&
	       name_equal(table_store_at(t, s, 0, len, tmp), len, name, len);
}

#endif
