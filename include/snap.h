/* snap: a read-only snapshot of the neighbour table in shared memory, so
 * the NSS module answers from memory instead of a socket round trip.
 *
 * The daemon owns a sealed memfd (no one else can write to it or resize it)
 * holding two halves; it rebuilds the half that is not current and then
 * flips a sequence number. Readers copy what they need from the current
 * half and check the sequence afterwards: a half being rewritten while they
 * read is detected and the read is retried, so a torn snapshot is never
 * used. valid_until tells readers when to stop trusting it (a dead daemon).
 * Pure code: it works on memory it is given. */
#ifndef LINKNAME_SNAP_H
#define LINKNAME_SNAP_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "wire.h"

#define SNAP_MAGIC	0x4c4e5331u	/* "LNS1" */
#define SNAP_VERSION	1
#define SNAP_RETRIES	64		/* then the reader gives up on it */

struct snap_entry {
	char name[WIRE_NAME_MAX + 1];
	uint32_t ifindex;
	uint32_t next;			/* index + 1 of the next in the bucket; 0 ends */
	uint64_t expires;		/* CLOCK_MONOTONIC ms */
	uint8_t name_len;
	uint8_t naddrs;
	uint8_t flags;			/* QUERY_REC_* */
	uint8_t pad[5];
	struct in6_addr addrs[WIRE_MAX_ADDRS];
};

struct snap_header {
	uint32_t magic;
	uint32_t version;
	uint64_t size;			/* of the whole mapping */
	uint32_t nslots;		/* entries per half */
	uint32_t nbuckets;		/* a power of two */
	uint64_t half_off[2];
	_Atomic uint64_t seq;		/* odd: the other half is being written */
	_Atomic uint64_t valid_until;	/* CLOCK_MONOTONIC ms; 0: withdrawn */
	_Atomic uint32_t count[2];	/* entries used in each half */
	uint32_t pad;
};

/* Octets needed for nslots entries per half. */
size_t snap_size(uint32_t nslots);
/* Lay out an empty snapshot in mem (size octets from snap_size). */
void snap_init(void *mem, size_t size, uint32_t nslots);

/* Writer: begin a new generation, add entries, publish. */
void snap_begin(struct snap_header *h);
/* false if the half is full (the entry is left out). */
bool snap_add(struct snap_header *h, const char *name, size_t name_len, uint32_t ifindex,
	      const struct in6_addr *addrs, size_t naddrs, uint64_t expires, uint8_t flags);
void snap_publish(struct snap_header *h);
void snap_set_valid_until(struct snap_header *h, uint64_t t);

/* Reader: true if mem (size octets) is a well-formed snapshot. */
bool snap_check(const void *mem, size_t size);
/* Records for name live at now (one per interface), at most max. Returns
 * how many, or -1 if no consistent read was possible (fall back). */
int snap_lookup(const struct snap_header *h, const char *name, size_t name_len, uint64_t now,
		struct query_record *out, size_t max);
/* The record holding addr (any interface if ifindex is 0): 1, 0, or -1. */
int snap_reverse(const struct snap_header *h, const struct in6_addr *addr, uint32_t ifindex,
		 uint64_t now, struct query_record *out);

#endif
