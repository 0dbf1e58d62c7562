/* iface: follows links and addresses with libnl-3's route cache manager and
 * reports which interfaces are usable for linkname. It never opens or joins
 * anything itself: it reports events through a callback and main acts. */
#ifndef LINKNAME_IFACE_H
#define LINKNAME_IFACE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Usable: up, multicast-capable, not loopback, not a bridge or bond port
 * (its master takes its traffic), with at least one fe80::/10
 * address that is neither tentative (DAD running) nor DAD-failed. */
struct iface_info {
	unsigned int ifindex;
	char name[IF_NAMESIZE];
	size_t naddrs;				/* usable link-local addresses */
	struct in6_addr addrs[WIRE_MAX_ADDRS];
};

enum iface_event {
	IFACE_UP,	/* became usable */
	IFACE_CHANGED,	/* still usable; its address set changed */
	IFACE_DOWN,	/* no longer usable, or gone; info holds the last state */
};

typedef void (*iface_cb)(enum iface_event ev, const struct iface_info *info, void *arg);

struct iface_tracker;

/* Starts following; reports IFACE_UP for every interface usable now before
 * returning. Returns NULL on failure (logged). */
struct iface_tracker *iface_init(iface_cb cb, void *arg);
/* The fd to watch for readability. */
int iface_fd(const struct iface_tracker *t);
/* Call when iface_fd is readable: reads netlink, reports changes. On lost
 * messages (ENOBUFS) or a bad one, resynchronises every cache from full
 * dumps; a resync that fails is tried again by iface_tick, later and
 * later (10 ms doubling to 1 s), never given up: meanwhile the interfaces
 * keep their last reported state. now: monotonic ms. Returns 0, or -1 if
 * the netlink socket itself is unusable (logged). */
int iface_process(struct iface_tracker *t, uint64_t now);
/* When iface_tick has a resync to retry; UINT64_MAX if none. */
uint64_t iface_next_deadline(const struct iface_tracker *t);
/* Retry a failed resync once it is due, reporting what changed. */
void iface_tick(struct iface_tracker *t, uint64_t now);

/* What netlink did to us, for STATS. */
struct iface_counts {
	uint64_t overruns;		/* ENOBUFS: messages lost */
	uint64_t attempts;		/* resyncs begun, retries included */
	uint64_t resyncs;		/* resyncs done: both caches refilled */
	uint64_t failures;		/* attempts that failed, to be retried */
};
void iface_counts(const struct iface_tracker *t, struct iface_counts *out);
/* Current state of one interface (usable or not); 0 if known, -1 if not. */
int iface_get(const struct iface_tracker *t, unsigned int ifindex, struct iface_info *out);
/* Calls cb with IFACE_UP for every interface usable now, e.g. when the
 * caller's choice of interfaces changed. */
void iface_foreach_usable(const struct iface_tracker *t, iface_cb cb, void *arg);
/* Stops following; reports nothing. */
void iface_free(struct iface_tracker *t);

#endif
