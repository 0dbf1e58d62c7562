/* table: the neighbour table, keyed by (name, interface). Pure code: the
 * caller passes the time (milliseconds, any monotonic origin). The table has
 * a fixed capacity chosen at creation and all its memory is allocated then,
 * so a flood of names cannot grow it. */
#ifndef LINKNAME_TABLE_H
#define LINKNAME_TABLE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define TABLE_DEFAULT_CAPACITY 1024
/* Name and address octets every entry may have (see table_update). */
#define TABLE_ENTRY_OCTETS 52

/* An entry as the table shows it (it stores entries packed, see table.c). */
struct table_entry {
	char name[WIRE_NAME_MAX + 1];	/* as announced, NUL-terminated */
	uint8_t name_len;
	uint8_t naddrs;
	unsigned int ifindex;
	struct in6_addr addrs[WIRE_MAX_ADDRS];
	uint64_t expires;		/* ms, same clock as "now" */
	uint64_t last_seen;
	uint32_t refreshes;		/* announcements after the first */
	uint8_t contested;		/* its holder answered a claim: refuse the next ones */
	uint64_t last_ts;		/* newest TIMESTAMP accepted for it (0: none) */
};

enum table_result {
	TABLE_NEW,	/* a name not known on that interface */
	TABLE_REFRESH,	/* same addresses, new expiry */
	TABLE_CHANGED,	/* known, but its addresses changed */
	TABLE_FULL,	/* no room, and every entry has been refreshed: not stored
			 * (a known entry keeps what it had) */
	TABLE_INVALID,	/* bad arguments (no addresses, bad name): not stored */
};

struct table;

struct table *table_new(size_t capacity);
void table_free(struct table *t);
typedef void (*table_cb)(const struct table_entry *e, void *arg);
/* Call fn(e, arg) for every entry just before it leaves the table, for
 * whatever reason (removal, expiry, eviction), so a caller can keep what
 * it derives from the table (counts, memories) exact. */
void table_set_drop_hook(struct table *t, table_cb fn, void *arg);
size_t table_size(const struct table *t);
size_t table_capacity(const struct table *t);

/* Learn or refresh (name, ifindex) with these addresses for lifetime_s.
 * When the table is full, a new key replaces the entry that was never
 * refreshed and was seen least recently; entries refreshed at least once
 * are never evicted, so a flood of new names cannot push out long-lived
 * neighbours (it only churns among its own, never-refreshed entries).
 * Room is counted in entries and in octets: every entry may hold a name
 * and addresses of TABLE_ENTRY_OCTETS together (a 36-octet name and one
 * address, or a 20-octet name and two); bigger ones, up to a 63-octet name
 * with 8 addresses, share what smaller ones leave, and when that runs out
 * the same rule applies (evict never-refreshed entries, else TABLE_FULL). */
enum table_result table_update(struct table *t, const char *name, size_t name_len,
			       unsigned int ifindex, const struct in6_addr *addrs,
			       size_t naddrs, uint32_t lifetime_s, uint64_t now);
/* table_get, table_stored and table_reverse return a copy the table keeps
 * for the caller: valid until the next call of one of them or a change to
 * the table. Callbacks get their own copy, valid during the call. */
/* The live entry (name, ifindex), or NULL. */
const struct table_entry *table_get(const struct table *t, const char *name, size_t name_len,
				    unsigned int ifindex, uint64_t now);
/* The stored entry (name, ifindex), live or expired but not yet removed. */
const struct table_entry *table_stored(const struct table *t, const char *name, size_t name_len,
				       unsigned int ifindex);
/* Evictions made so far under the policy above. */
uint64_t table_evictions(const struct table *t);
/* True if (name, ifindex) is live and src is not one of its addresses:
 * then only its holder may change it (or it must expire or say GOODBYE). */
bool table_held_by_other(const struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex, const struct in6_addr *src, uint64_t now);
/* Record the newest TIMESTAMP accepted for (name, ifindex); mark it
 * contested (its holder answered a claim). No effect if it is not stored. */
void table_set_timestamp(struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex, uint64_t ts);
void table_set_contested(struct table *t, const char *name, size_t name_len,
			 unsigned int ifindex);
/* Remove (name, ifindex); returns 1 if it was there, 0 if not. */
int table_remove(struct table *t, const char *name, size_t name_len, unsigned int ifindex);
/* Remove every entry of an interface; returns how many. */
size_t table_remove_ifindex(struct table *t, unsigned int ifindex);

/* Remove entries whose expiry is <= now, calling cb (may be NULL) on each
 * before it goes. Returns how many. */
size_t table_expire(struct table *t, uint64_t now, table_cb cb, void *arg);
/* Earliest expiry in the table, or UINT64_MAX when empty. */
uint64_t table_next_expiry(const struct table *t);

/* Call cb for every live entry named name (one per interface). Returns how many. */
size_t table_lookup(const struct table *t, const char *name, size_t name_len,
		    uint64_t now, table_cb cb, void *arg);
/* The first live entry holding addr (and on ifindex unless it is 0), or NULL. */
const struct table_entry *table_reverse(const struct table *t, const struct in6_addr *addr,
					unsigned int ifindex, uint64_t now);
/* Call cb for every live entry. Returns how many. */
size_t table_foreach(const struct table *t, uint64_t now, table_cb cb, void *arg);

#endif
