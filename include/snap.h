/* snap: a read-only snapshot of the neighbour table in shared memory, so
 * the NSS module answers from memory instead of a socket round trip.
 *
 * The daemon's file (snapfile.h; the NSS module maps it, nss_snap.h) holds
 * two halves; the daemon rebuilds the half that is not current and then
 * flips a sequence number. Readers copy what they need from the current
 * half and check afterwards that the sequence did not move: a read that
 * overlapped a publication is retried, so a torn snapshot is never used.
 * That lets the daemon release the half it just left (snap_idle_half):
 * only one half takes memory between rebuilds. Entries are packed records
 * (the name by its length, as many addresses as it has) in room sized for
 * the biggest, so a file holds nslots entries whatever they are, and the
 * room they do not use is never written: it costs no memory in a sparse
 * file. A snapshot's geometry never changes once published (a bigger or
 * smaller table gets a new file); readers copy it into a private view when
 * they map it and bound every offset they read from shared memory by that
 * copy, so a corrupted snapshot can give wrong answers but never a read
 * outside the mapping. state tells readers when to look again (replaced by
 * a new file, or withdrawn by a daemon that exited).
 * Pure code: it works on memory it is given. */
#ifndef LINKNAME_SNAP_H
#define LINKNAME_SNAP_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "wire.h"

#define SNAP_MAGIC	0x4c4e5331u	/* "LNS1" */
#define SNAP_VERSION	3
#define SNAP_RETRIES	64		/* then the reader gives up on it */
#define SNAP_MIN_SLOTS	8		/* a table of a few fits one page */
#define SNAP_MAX_SLOTS	(1u << 20)

/* Where the daemon of each network namespace publishes its snapshot: the
 * file SNAP_DIR/net-INODE, INODE that of its /proc/self/ns/net (one nsfs
 * device holds every namespace, so the inode names it). $LINKNAME_RUNDIR,
 * an absolute path, replaces SNAP_DIR (not in setuid programs). The
 * daemon holds an OFD write lock on its file for as long as it runs: the
 * kernel drops it when the daemon dies, however it dies. */
#define SNAP_DIR	"/run/linkname"
#define SNAP_DIR_ENV	"LINKNAME_RUNDIR"
#define SNAP_NAME_MAX	32		/* "net-" and a 64-bit inode, NUL */

/* A record, in a half's record area at a 4-octet boundary; its name
 * (name_len octets) and addresses (naddrs x 16, unaligned) follow it, the
 * whole padded to 4 octets (snap_rec_size). Offsets are in 4-octet units
 * from the start of the area, plus one (0 ends a chain). */
struct snap_rec {
	uint32_t expires;		/* ms after the half's base; SNAP_NEVER */
	uint32_t next;			/* the next in its bucket */
	uint32_t ifindex;
	uint8_t name_len;
	uint8_t naddrs;
	uint8_t flags;			/* QUERY_REC_* */
	uint8_t pad;
};

#define SNAP_REC_HDR	16		/* octets before the name */
#define SNAP_UNIT	4
/* The biggest record: a 63-octet name and 8 addresses. */
#define SNAP_REC_MAX	((SNAP_REC_HDR + WIRE_NAME_MAX + WIRE_MAX_ADDRS * 16 + 3) & ~3)
/* An expiry too far to write: past any TTL a reader gives. */
#define SNAP_NEVER	UINT32_MAX

enum snap_state {
	SNAP_WITHDRAWN = 0,		/* its daemon exited: no daemon here now */
	SNAP_LIVE = 1,
	SNAP_REPLACED = 2,		/* a new file took its place: map that */
};

struct snap_header {
	uint32_t magic;
	uint32_t version;
	uint64_t size;			/* of the whole mapping */
	uint32_t nslots;		/* entries per half, of any size */
	uint32_t nbuckets;		/* a power of two */
	uint64_t half_off[2];
	_Atomic uint64_t seq;		/* odd: the other half is being written */
	_Atomic uint32_t state;		/* enum snap_state */
	uint32_t pad0;
	_Atomic uint32_t count[2];	/* units used in each record area */
	uint32_t pad;
	uint64_t base[2];		/* each half's expiries are ms after it */
};

/* A reader's private copy of a checked snapshot's geometry. */
struct snap_view {
	const struct snap_header *h;
	uint32_t nslots, nbuckets;
	uint32_t units;			/* of each record area */
	const uint32_t *buckets[2];
	const uint8_t *recs[2];
};

/* Octets of a record of that name and that many addresses. */
size_t snap_rec_size(size_t name_len, size_t naddrs);
/* Octets needed for nslots entries per half. */
size_t snap_size(uint32_t nslots);
/* Slots for a snapshot of n entries: room to grow by half, a power of two,
 * at least SNAP_MIN_SLOTS, at most SNAP_MAX_SLOTS. */
uint32_t snap_slots_for(size_t n);
/* Lay out an empty, live snapshot in mem (size octets from snap_size). It
 * writes the header only: what follows may hold anything (a new sparse
 * file is not written at all). */
void snap_init(void *mem, size_t size, uint32_t nslots);

/* Writer: begin a new generation, add entries, publish. */
void snap_begin(struct snap_header *h);
/* false if the half is full (the entry is left out). */
bool snap_add(struct snap_header *h, const char *name, size_t name_len, uint32_t ifindex,
	      const struct in6_addr *addrs, size_t naddrs, uint64_t expires, uint8_t flags);
void snap_publish(struct snap_header *h);
/* The half readers no longer read once published (offset and length in
 * the file): the writer may release its memory (punch a hole) until it
 * rebuilds it. */
void snap_idle_half(const struct snap_header *h, uint64_t *off, uint64_t *len);
/* Tell readers to look again (enum snap_state). */
void snap_set_state(struct snap_header *h, enum snap_state state);

/* The file name for the namespace whose ns/net link reads link (as
 * readlink gives it, "net:[INODE]", len octets): 0 with name filled and
 * *ino set, or -1 if link is not that. */
int snap_file_name(const char *link, size_t len, uint64_t *ino, char name[SNAP_NAME_MAX]);
/* May a snapshot file be believed, given what lstat says of its directory
 * and fstat of the file? Both must be a directory and a regular file that
 * neither group nor others may write; the file owned by root or by the
 * directory's owner (the daemon's user, given that directory by root:
 * only root can create one under root-owned /run); its size that of a
 * snapshot at most. 0, or -EPERM (not to be trusted), -EPROTO (size). */
int snap_file_trusted(const struct stat *dir, const struct stat *file);

/* Reader: true if mem (size octets) is a well-formed snapshot. */
bool snap_check(const void *mem, size_t size);
/* snap_check, then copy the geometry into *v. */
bool snap_view_init(struct snap_view *v, const void *mem, size_t size);
/* The snapshot's state as its daemon last set it. */
enum snap_state snap_view_state(const struct snap_view *v);
/* Records for name live at now (one per interface), at most max. Returns
 * how many, or -1 if no consistent read was possible (fall back). */
int snap_lookup(const struct snap_view *v, const char *name, size_t name_len, uint64_t now,
		struct query_record *out, size_t max);
/* The record holding addr (any interface if ifindex is 0): 1, 0, or -1. */
int snap_reverse(const struct snap_view *v, const struct in6_addr *addr, uint32_t ifindex,
		 uint64_t now, struct query_record *out);

#endif
