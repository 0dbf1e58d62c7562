/* iface: which interfaces linkname can use, followed through libnl-3's
 * route/link and route/addr caches. The caches' change callbacks only mark
 * the tracker dirty; after each batch of netlink messages a fresh snapshot
 * of every link is computed from the caches and diffed against the last
 * one. Working from the whole state, never from single deltas, makes a
 * resync after lost messages just a refill followed by the same diff. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <net/if.h>
#include <netinet/in.h>

#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "iface.h"
#include "log.h"
#include "wire.h"

/* Links kept in a snapshot: far beyond a real host. Past it, links that
 * could become usable are still taken first. */
#define IFACE_MAX		4096
/* A burst of link changes must not overflow the event socket. */
#define IFACE_RCVBUF		(1024 * 1024)
/* For tests only: a receive buffer this small (octets) forces the overruns
 * (ENOBUFS) that a resync must repair. */
#define IFACE_RCVBUF_ENV	"LINKNAMED_NL_RCVBUF"
/* A resync that fails (a dump interrupted by changes, no memory) is tried
 * again from the loop, the wait doubling from the first to the last. */
#define IFACE_RETRY_FIRST_MS	10
#define IFACE_RETRY_MAX_MS	1000
/* Messages discarded per attempt after an overrun, at most. */
#define IFACE_DRAIN_MAX		65536

struct iface_state {
	struct iface_info info;
	bool candidate;			/* iface_candidate() of its link */
	int family;			/* of the cache object it came from */
	bool usable;
};

/* One snapshot of every link, sorted by ifindex. */
struct iface_snap {
	struct iface_state *v;
	size_t n;
	size_t cap;
};

struct iface_tracker {
	iface_cb cb;
	void *arg;
	struct nl_cache_mngr *mngr;
	struct nl_cache *links;		/* owned by mngr */
	struct nl_cache *addrs;		/* owned by mngr */
	struct nl_sock *sync;		/* blocking, for resync dumps only */
	bool dirty;
	bool warned_full;
	/* The caches may miss changes (messages lost) or be half-filled (a
	 * refill failed): nothing is reported from them until a refill of
	 * both succeeds, at retry_at (ms, the caller's monotonic clock). */
	bool stale;
	bool drain;			/* an overrun: discard what is queued first */
	uint64_t retry_at;
	uint32_t retry_ms;
	unsigned int failures;		/* in a row */
	struct iface_counts counts;
	struct iface_snap cur;		/* what was last reported */
	struct iface_snap next;		/* built here, then swapped with cur */
};

static void iface_changed(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct iface_tracker *t = arg;

	(void)cache;
	(void)obj;
	(void)action;
	t->dirty = true;
}

/* A bridge or bond port's own address is unreachable: its master takes the
 * traffic. VRF members keep theirs, so only VRF enslavement is allowed. */
static int iface_candidate(struct rtnl_link *link)
{
	unsigned int flags = rtnl_link_get_flags(link);
	const char *kind = rtnl_link_get_slave_type(link);

	if (rtnl_link_get_master(link) > 0 && !(kind && !strcmp(kind, "vrf")))
		return 0;
	return (flags & IFF_UP) && (flags & IFF_MULTICAST) && !(flags & IFF_LOOPBACK);
}

static int iface_state_cmp(const void *a, const void *b)
{
	const struct iface_state *x = a, *y = b;

	return (x->info.ifindex > y->info.ifindex) - (x->info.ifindex < y->info.ifindex);
}

/* By ifindex, then the AF_UNSPEC object before the AF_BRIDGE one. */
static int iface_state_sort(const void *a, const void *b)
{
	const struct iface_state *x = a, *y = b;
	int c = iface_state_cmp(a, b);

	return c != 0 ? c : (x->family > y->family) - (x->family < y->family);
}

static struct iface_state *iface_find(struct iface_state *v, size_t n, unsigned int ifindex)
{
	struct iface_state key;

	if (n == 0)
		return NULL;	/* v may be NULL: nothing allocated yet */
	memset(&key, 0, sizeof(key));
	key.info.ifindex = ifindex;
	return bsearch(&key, v, n, sizeof(*v), iface_state_cmp);
}

/* Keep the WIRE_MAX_ADDRS lowest addresses in ascending order, so the same
 * set always gives the same array whatever order the cache holds them in. */
static void iface_addr_insert(struct iface_info *info, const struct in6_addr *a)
{
	size_t i;
	int c = 1;

	for (i = 0; i < info->naddrs; i++) {
		c = memcmp(a, &info->addrs[i], sizeof(*a));
		if (c <= 0)
			break;
	}
	if (c == 0)
		return;		/* same address with another prefix length */
	if (i == WIRE_MAX_ADDRS)
		return;
	if (info->naddrs == WIRE_MAX_ADDRS)
		info->naddrs--;	/* the highest one drops out */
	memmove(&info->addrs[i + 1], &info->addrs[i],
	    (info->naddrs - i) * sizeof(info->addrs[0]));
	info->addrs[i] = *a;
	info->naddrs++;
}

static bool iface_grow(struct iface_snap *snap, size_t want)
{
	struct iface_state *v;
	size_t cap = snap->cap ? snap->cap : 16;

	if (want > IFACE_MAX)
		want = IFACE_MAX;
	if (want <= snap->cap)
		return true;
	while (cap < want)
		cap *= 2;
	if (cap > IFACE_MAX)
		cap = IFACE_MAX;
	if ((v = reallocarray(snap->v, cap, sizeof(*v))) == NULL)
		return false;
	snap->v = v;
	snap->cap = cap;
	return true;
}

static bool iface_add_link(struct iface_snap *snap, struct rtnl_link *link)
{
	struct iface_state *s;
	const char *name;
	int ifindex, family;

	/* The cache keys links by (ifindex, family). AF_INET6 objects come
	 * from addrconf's own notifications, go stale and outlive their link.
	 * AF_BRIDGE ones are either a bridge itself (libnl files bridges under
	 * AF_BRIDGE) or a port's bridge view next to its AF_UNSPEC object. */
	family = rtnl_link_get_family(link);
	if (family != AF_UNSPEC && family != AF_BRIDGE)
		return true;
	ifindex = rtnl_link_get_ifindex(link);
	if (ifindex <= 0)
		return true;
	if (snap->n == snap->cap)
		return false;
	s = &snap->v[snap->n++];
	memset(s, 0, sizeof(*s));
	s->info.ifindex = (unsigned int)ifindex;
	s->candidate = iface_candidate(link);
	s->family = family;
	name = rtnl_link_get_name(link);
	if (name != NULL) {
		size_t len = strnlen(name, sizeof(s->info.name) - 1);

		memcpy(s->info.name, name, len);
		s->info.name[len] = '\0';
	}
	return true;
}

/* Builds the snapshot of every link into t->next from the caches. */
static void iface_snapshot(struct iface_tracker *t)
{
	struct iface_snap *snap = &t->next;
	struct nl_object *obj;
	bool full = false;
	size_t i, j;
	int pass, nitems;

	nitems = nl_cache_nitems(t->links);
	if (nitems > 0 && !iface_grow(snap, (size_t)nitems))
		log_warn("iface: reallocarray");	/* carry on with less */
	snap->n = 0;
	/* Pass 0 takes links that could be usable, pass 1 the others. */
	for (pass = 0; pass < 2; pass++) {
		for (obj = nl_cache_get_first(t->links); obj != NULL;
		    obj = nl_cache_get_next(obj)) {
			struct rtnl_link *link = (struct rtnl_link *)obj;

			if (iface_candidate(link) != (pass == 0))
				continue;
			if (!iface_add_link(snap, link))
				full = true;
		}
	}
	if (full && !t->warned_full) {
		log_warnx("iface: more than %zu interfaces, ignoring the rest", snap->cap);
		t->warned_full = true;
	}
	if (snap->n > 1)
		qsort(snap->v, snap->n, sizeof(snap->v[0]), iface_state_sort);
	/* One entry per ifindex, the best object; the diff relies on it. */
	for (i = j = 0; i < snap->n; i++)
		if (j == 0 || snap->v[i].info.ifindex != snap->v[j - 1].info.ifindex)
			snap->v[j++] = snap->v[i];
	snap->n = j;

	for (obj = nl_cache_get_first(t->addrs); obj != NULL;
	    obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)obj;
		struct nl_addr *local;
		struct iface_state *s;
		struct in6_addr a;
		int ifindex;

		if (rtnl_addr_get_family(ra) != AF_INET6)
			continue;
		if (rtnl_addr_get_flags(ra) & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
			continue;
		local = rtnl_addr_get_local(ra);
		if (local == NULL || nl_addr_get_family(local) != AF_INET6 ||
		    nl_addr_get_len(local) != sizeof(a))
			continue;
		memcpy(&a, nl_addr_get_binary_addr(local), sizeof(a));
		if (!wire_is_linklocal(&a))
			continue;
		ifindex = rtnl_addr_get_ifindex(ra);
		if (ifindex <= 0)
			continue;
		s = iface_find(snap->v, snap->n, (unsigned int)ifindex);
		/* Down links keep no addresses: naddrs > 0 iff usable. */
		if (s == NULL || !s->candidate)
			continue;
		iface_addr_insert(&s->info, &a);
	}
	for (i = 0; i < snap->n; i++)
		snap->v[i].usable = snap->v[i].info.naddrs > 0;
}

static void iface_log_addrs(const char *what, const struct iface_info *info)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < info->naddrs; i++) {
		if (inet_ntop(AF_INET6, &info->addrs[i], buf, sizeof(buf)) == NULL)
			continue;
		log_debug("iface: %s %s address %s", info->name, what, buf);
	}
}

static bool iface_same_addrs(const struct iface_info *a, const struct iface_info *b)
{
	return a->naddrs == b->naddrs &&
	    memcmp(a->addrs, b->addrs, a->naddrs * sizeof(a->addrs[0])) == 0;
}

static void iface_report(struct iface_tracker *t, const struct iface_state *old,
    const struct iface_state *new)
{
	if (old != NULL && old->usable && (new == NULL || !new->usable)) {
		log_info("iface: %s (index %u) no longer usable%s", old->info.name,
		    old->info.ifindex, new == NULL ? ", gone" : "");
		t->cb(IFACE_DOWN, &old->info, t->arg);
	} else if (new != NULL && new->usable && (old == NULL || !old->usable)) {
		log_info("iface: %s (index %u) usable, %zu link-local address%s",
		    new->info.name, new->info.ifindex, new->info.naddrs,
		    new->info.naddrs == 1 ? "" : "es");
		iface_log_addrs("has", &new->info);
		t->cb(IFACE_UP, &new->info, t->arg);
	} else if (old != NULL && new != NULL && old->usable && new->usable &&
	    !iface_same_addrs(&old->info, &new->info)) {
		log_debug("iface: %s (index %u) address set changed, now %zu",
		    new->info.name, new->info.ifindex, new->info.naddrs);
		iface_log_addrs("had", &old->info);
		iface_log_addrs("has", &new->info);
		t->cb(IFACE_CHANGED, &new->info, t->arg);
	}
}

/* Replace the snapshot, then report the differences in ifindex order. The
 * new snapshot is installed first so the callback sees it in iface_get. */
static void iface_recompute(struct iface_tracker *t)
{
	struct iface_snap prev;
	const struct iface_state *old, *new;
	size_t nold, nnew, i = 0, j = 0;

	t->dirty = false;
	iface_snapshot(t);
	prev = t->cur;
	t->cur = t->next;
	t->next = prev;
	old = t->next.v;
	nold = t->next.n;
	new = t->cur.v;
	nnew = t->cur.n;

	while (i < nold || j < nnew) {
		if (j == nnew || (i < nold && old[i].info.ifindex < new[j].info.ifindex)) {
			iface_report(t, &old[i++], NULL);
		} else if (i == nold || new[j].info.ifindex < old[i].info.ifindex) {
			iface_report(t, NULL, &new[j++]);
		} else {
			iface_report(t, &old[i++], &new[j++]);
		}
	}
}

/* After an overrun the kernel drops every event until the queue has been
 * read empty, so what is still queued predates a gap and would roll the
 * refilled caches back with nothing to correct them. Discard it all: 0
 * once the queue was empty, 1 if churn kept it from emptying (try again
 * later), -1 if the socket is broken. */
static int iface_drain(struct iface_tracker *t)
{
	int fd = nl_cache_mngr_get_fd(t->mngr);
	unsigned int n;
	char buf[1];

	for (n = 0; n < IFACE_DRAIN_MAX; n++) {
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			t->drain = false;
			return 0;
		}
		if (errno != EINTR && errno != ENOBUFS) {
			log_warn("iface: draining netlink socket");
			return -1;
		}
	}
	return 1;
}

/* Reload both caches from full dumps. On failure a cache may be
 * half-filled, so nothing may be recomputed from it: the caller retries. */
static int iface_refill(struct iface_tracker *t)
{
	struct nl_cache *caches[2] = { t->links, t->addrs };
	const char *names[2] = { "route/link", "route/addr" };
	size_t i;
	int err;

	if (t->drain && iface_drain(t) != 0) {
		if (t->failures++ == 0)
			log_warnx("iface: netlink events keep coming; resynchronising later");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		/* libnl restarts a dump the kernel flags as interrupted. */
		err = nl_cache_refill(t->sync, caches[i]);
		if (err < 0) {
			if (t->failures++ == 0 || t->retry_ms == IFACE_RETRY_MAX_MS)
				log_warnx("iface: refilling %s: %s; trying again in %u ms", names[i],
					  nl_geterror(err), t->retry_ms);
			return -1;
		}
	}
	return 0;
}

/* Messages were lost or a refill failed: resync at once, else later. The
 * loop keeps running meanwhile (answers come from the table, not from
 * netlink), and the interfaces keep their last known state. */
static void iface_resync(struct iface_tracker *t, uint64_t now)
{
	t->counts.attempts++;
	if (iface_refill(t) < 0) {
		t->counts.failures++;
		t->stale = true;
		t->retry_at = now + t->retry_ms;
		t->retry_ms = t->retry_ms * 2 > IFACE_RETRY_MAX_MS ? IFACE_RETRY_MAX_MS :
								       t->retry_ms * 2;
		return;
	}
	if (t->failures)
		log_info("iface: resynchronised after %u failed attempt%s", t->failures,
			 t->failures == 1 ? "" : "s");
	t->counts.resyncs++;
	t->stale = false;
	t->failures = 0;
	t->retry_ms = IFACE_RETRY_FIRST_MS;
	t->dirty = true;
}

struct iface_tracker *iface_init(iface_cb cb, void *arg)
{
	struct iface_tracker *t;
	const char *env = secure_getenv(IFACE_RCVBUF_ENV);
	int err, fd, sz = IFACE_RCVBUF;
	bool forced = false;
	char *end;
	long v;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		log_warn("iface: calloc");
		return NULL;
	}
	t->cb = cb;
	t->arg = arg;
	t->retry_ms = IFACE_RETRY_FIRST_MS;
	if ((t->sync = nl_socket_alloc()) == NULL) {
		log_warnx("iface: nl_socket_alloc failed");
		goto fail;
	}
	if ((err = nl_connect(t->sync, NETLINK_ROUTE)) < 0) {
		log_warnx("iface: nl_connect: %s", nl_geterror(err));
		goto fail;
	}

	/* The manager's own socket is non-blocking; libnl opens both with
	 * SOCK_CLOEXEC. */
	err = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE, &t->mngr);
	if (err < 0) {
		log_warnx("iface: nl_cache_mngr_alloc: %s", nl_geterror(err));
		t->mngr = NULL;
		goto fail;
	}
	if (env) {
		errno = 0;
		v = strtol(env, &end, 10);
		if (errno || end == env || *end || v < 1 || v > IFACE_RCVBUF) {
			log_warnx("iface: %s=%s: not a size from 1 to %d; ignored", IFACE_RCVBUF_ENV,
				  env, IFACE_RCVBUF);
		} else {
			sz = (int)v;
			forced = true;
			log_warnx("iface: netlink receive buffer of %d octets (%s, for tests)", sz,
				  IFACE_RCVBUF_ENV);
		}
	}
	/* FORCE passes net.core.rmem_max when privileged; either way a
	 * resync covers what still overflows. */
	fd = nl_cache_mngr_get_fd(t->mngr);
	if ((forced || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		log_warn("iface: SO_RCVBUF");
	err = nl_cache_mngr_add(t->mngr, "route/link", iface_changed, t, &t->links);
	if (err < 0) {
		log_warnx("iface: adding route/link cache: %s", nl_geterror(err));
		goto fail;
	}
	err = nl_cache_mngr_add(t->mngr, "route/addr", iface_changed, t, &t->addrs);
	if (err < 0) {
		log_warnx("iface: adding route/addr cache: %s", nl_geterror(err));
		goto fail;
	}

	iface_recompute(t);
	return t;

fail:
	iface_free(t);
	return NULL;
}

int iface_fd(const struct iface_tracker *t)
{
	return nl_cache_mngr_get_fd(t->mngr);
}

int iface_process(struct iface_tracker *t, uint64_t now)
{
	int err;

	err = nl_cache_mngr_data_ready(t->mngr);
	if (err == -NLE_NOMEM) {
		/* ENOBUFS: the kernel dropped messages; the caches are stale. */
		t->counts.overruns++;
		log_info("iface: netlink messages lost, resynchronising");
		t->drain = true;
		if (!t->stale)		/* else iface_tick retries, in its time */
			iface_resync(t, now);
	} else if (err == -NLE_BAD_SOCK) {
		log_warnx("iface: netlink: %s", nl_geterror(err));
		return -1;
	} else if (err < 0 && err != -NLE_AGAIN && err != -NLE_INTR) {
		/* The rest of that read was dropped with the failing message. */
		log_warnx("iface: netlink: %s, resynchronising", nl_geterror(err));
		if (!t->stale)
			iface_resync(t, now);
	}
	if (t->dirty && !t->stale)
		iface_recompute(t);
	return 0;
}

uint64_t iface_next_deadline(const struct iface_tracker *t)
{
	return t->stale ? t->retry_at : UINT64_MAX;
}

void iface_tick(struct iface_tracker *t, uint64_t now)
{
	if (!t->stale || now < t->retry_at)
		return;
	iface_resync(t, now);
	if (t->dirty && !t->stale)
		iface_recompute(t);
}

void iface_counts(const struct iface_tracker *t, struct iface_counts *out)
{
	*out = t->counts;
}

int iface_get(const struct iface_tracker *t, unsigned int ifindex, struct iface_info *out)
{
	const struct iface_state *s;

	s = iface_find(t->cur.v, t->cur.n, ifindex);
	if (s == NULL)
		return -1;
	*out = s->info;
	return 0;
}

void iface_foreach_usable(const struct iface_tracker *t, iface_cb cb, void *arg)
{
	size_t i;

	for (i = 0; i < t->cur.n; i++)
		if (t->cur.v[i].usable)
			cb(IFACE_UP, &t->cur.v[i].info, arg);
}

void iface_free(struct iface_tracker *t)
{
	if (t == NULL)
		return;
	/* Frees the caches too, and withdraws them from NL_AUTO_PROVIDE. */
	if (t->mngr != NULL)
		nl_cache_mngr_free(t->mngr);
	if (t->sync != NULL)
		nl_socket_free(t->sync);
	free(t->cur.v);
	free(t->next.v);
	free(t);
}
