/* table_store: a slot's payload, in the slot and in its chain of pool
 * cells (table_store.h). */
#include <string.h>

#include "table_store.h"

size_t table_store_len(size_t name_len, size_t naddrs)
{
	return name_len + naddrs * sizeof(struct in6_addr);
}

uint32_t table_store_cells_for(size_t len)
{
	return len <= TABLE_INLINE ? 0 : (uint32_t)((len - TABLE_INLINE + TABLE_CELL - 1) / TABLE_CELL);
}

uint32_t table_store_slot_cells(const struct table_slot *s)
{
	return table_store_cells_for(table_store_len(s->name_len, s->naddrs));
}

/* Copy len octets of s's payload from offset off into dst. */
void table_store_copy(const struct table *t, const struct table_slot *s, size_t off,
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

/* Write the whole payload; its chain already has the cells it needs. */
void table_store_write(struct table *t, struct table_slot *s, const char *name,
			  size_t name_len, const struct in6_addr *addrs, size_t naddrs)
{
	uint8_t buf[WIRE_NAME_MAX + WIRE_MAX_ADDRS * sizeof(struct in6_addr)];
	size_t len = table_store_len(name_len, naddrs), n, off;
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
void table_store_resize(struct table *t, struct table_slot *s, uint32_t have, uint32_t want)
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

/* s's addresses, in one piece (tmp: room for WIRE_MAX_ADDRS). Not
 * aligned: read them with memcpy or memcmp. */
const uint8_t *table_store_addrs(const struct table *t, const struct table_slot *s, void *tmp)
{
	return table_store_at(t, s, s->name_len, s->naddrs * sizeof(struct in6_addr), tmp);
}

bool table_store_has_addr(const struct table *t, const struct table_slot *s,
			  const struct in6_addr *addr)
{
	struct in6_addr tmp[WIRE_MAX_ADDRS];
	const uint8_t *a = table_store_addrs(t, s, tmp);
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		if (!memcmp(a + i * sizeof(*addr), addr, sizeof(*addr)))
			return true;
	return false;
}

/* The entry as callers see it. */
void table_store_entry(const struct table *t, const struct table_slot *s,
			   struct table_entry *e)
{
	size_t alen = s->naddrs * sizeof(struct in6_addr);

	if (table_store_len(s->name_len, s->naddrs) <= TABLE_INLINE) {
		/* Constant sizes: copied inline, without a call (the name's
		 * room takes the whole inline part; its end is cut below). */
		memcpy(e->name, s->payload, TABLE_INLINE);
		if (s->naddrs == 1)
			memcpy(&e->addrs[0], s->payload + s->name_len, sizeof(e->addrs[0]));
		else
			memcpy(e->addrs, s->payload + s->name_len, alen);
	} else {
		table_store_copy(t, s, 0, e->name, s->name_len);
		table_store_copy(t, s, s->name_len, e->addrs, alen);
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
