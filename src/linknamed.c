/* linknamed: announces this host's name and link-local addresses on every
 * usable interface, learns the neighbours' announcements, and answers
 * lookups on the query socket. One epoll loop; the protocol logic lives in
 * wire, table and sched, the I/O in socket, iface and server. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "iface.h"
#include "log.h"
#include "loop.h"
#include "name.h"
#include "query.h"
#include "ratelimit.h"
#include "sched.h"
#include "server.h"
#include "snap.h"
#include "snapfile.h"
#include "socket.h"
#include "table.h"
#include "wire.h"

#define LINKS_MAX	1024	/* a busy container host has hundreds of veths */

/* Drops decided here, beyond the decoder's own reasons (enum wire_err). */
enum drop {
	DROP_HOPLIMIT,
	DROP_NOT_LINKLOCAL,
	DROP_NOT_JOINED,
	DROP_OWN,
	DROP_ADDR_MISMATCH,
	DROP_TABLE_FULL,
	DROP_CLAIMED,
	DROP_RATE_LIMITED,
	DROP_NO_MAC,
	DROP_BAD_MAC,
	DROP_STALE,
	DROP_REPLAY,
	DROP_COUNT
};

static const char *const drop_names[DROP_COUNT] = {
	[DROP_HOPLIMIT]      = "hop-limit",
	[DROP_NOT_LINKLOCAL] = "not-link-local",
	[DROP_NOT_JOINED]    = "not-joined",
	[DROP_OWN]           = "own",
	[DROP_ADDR_MISMATCH] = "addr-mismatch",
	[DROP_TABLE_FULL]    = "table-full",
	[DROP_CLAIMED]       = "claimed",
	[DROP_RATE_LIMITED]  = "rate-limited",
	[DROP_NO_MAC]        = "no-mac",
	[DROP_BAD_MAC]       = "bad-mac",
	[DROP_STALE]         = "stale",
	[DROP_REPLAY]        = "replay",
};

/* Learning new (name, interface) entries: a burst of 4 per source, then one
 * per 10 s. A host announces one name per link, so only a flood hits it. */
#define UDP_BATCH	64	/* datagrams read per wake-up */
#define LEARN_BURST	4
#define LEARN_PER_MS	10000

/* An interface we joined ff02::1:1 on. */
struct link {
	struct iface_info info;
	struct sched_if sched;
};

static struct {
	struct config cfg;		/* in force: defaults < file < command line */
	struct config cli;		/* what the command line set */
	const char *config_path;
	bool config_explicit;		/* --config given: the file must exist */
	char name[NAME_MAX_LEN + 1];
	uint8_t name_len;
	uint32_t lifetime;
	struct sched_params sp;
	uint64_t started;		/* ms */
	bool ready_sent;

	int epfd;
	struct loop_watch udp, sig, nl;
	struct iface_tracker *iface;
	struct server *server;
	struct table *table;
	struct ratelimit *learn;
	struct auth_keys keys;
	struct auth_replay *replay;
	uint64_t last_ts;		/* last TIMESTAMP sent */
	uid_t key_owner;
	struct snapfile *snap;		/* read by the NSS module; NULL: none */
	bool snap_dirty;
	bool snap_failing;		/* the last publication failed (logged once) */
	uint64_t snap_not_before;	/* ms: rebuilds are throttled to ~5 % CPU */
	struct link links[LINKS_MAX];
	size_t nlinks;
	bool quit;
	bool reload;

	uint64_t rx, tx, tx_errors, conflicts;
	uint64_t drops[DROP_COUNT];
	uint64_t wire_drops[WIRE_ERR_COUNT];
} d;

static const char *addr_str(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static struct link *link_find(unsigned int ifindex)
{
	size_t i;

	for (i = 0; i < d.nlinks; i++)
		if (d.links[i].info.ifindex == ifindex)
			return &d.links[i];
	return NULL;
}


static bool is_own_address(const struct in6_addr *a)
{
	size_t i, j;

	for (i = 0; i < d.nlinks; i++)
		for (j = 0; j < d.links[i].info.naddrs; j++)
			if (!memcmp(&d.links[i].info.addrs[j], a, sizeof(*a)))
				return true;
	return false;
}

static void msg_self(struct wire_msg *m, uint8_t type, const struct link *l)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (type == WIRE_SOLICIT)
		return;
	memcpy(m->name, d.name, d.name_len + 1);
	m->name_len = d.name_len;
	m->naddrs = (uint8_t)l->info.naddrs;
	memcpy(m->addrs, l->info.addrs, l->info.naddrs * sizeof(m->addrs[0]));
	if (type == WIRE_ANNOUNCE)
		m->lifetime = sched_lifetime(&d.sp, &l->sched, d.lifetime);
}

static const char *const type_names[] = { "?", "ANNOUNCE", "GOODBYE", "SOLICIT" };

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Strictly increasing, so receivers can refuse anything not newer. */
static uint64_t next_timestamp(void)
{
	uint64_t now = wall_ms();

	d.last_ts = now > d.last_ts ? now : d.last_ts + 1;
	return d.last_ts;
}

static void link_send(struct link *l, uint8_t type)
{
	uint8_t buf[WIRE_MAX_PACKET];
	struct wire_msg m;
	int n;

	if (l->info.naddrs == 0)
		return;
	msg_self(&m, type, l);
	if (d.keys.n) {
		m.timestamp = next_timestamp();
		m.has_mac = 1;
	}
	n = wire_encode(&m, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("cannot encode %s for %s", type_names[type], l->info.name);
		return;
	}
	if (d.keys.n)
		auth_sign(&d.keys, buf, (size_t)n);
	/* The first address of the announced set is the source, so receivers
	 * can check that the source is among the announced addresses. */
	if (socket_send(d.udp.fd, l->info.ifindex, &l->info.addrs[0], buf, (size_t)n) < 0) {
		d.tx_errors++;
		log_debug("send %s on %s: %s", type_names[type], l->info.name, strerror(errno));
		return;
	}
	d.tx++;
	log_debug("sent %s on %s", type_names[type], l->info.name);
}

static void link_remove(struct link *l)
{
	size_t n = table_remove_ifindex(d.table, l->info.ifindex);

	d.snap_dirty = true;

	if (socket_leave(d.udp.fd, l->info.ifindex) < 0)
		log_warn("leave %s on %s", WIRE_GROUP, l->info.name);
	log_info("left %s on %s (%zu neighbour%s forgotten)", WIRE_GROUP, l->info.name,
		 n, n == 1 ? "" : "s");
	*l = d.links[--d.nlinks];
}

static void on_iface(enum iface_event ev, const struct iface_info *info, void *arg)
{
	struct link *l = link_find(info->ifindex);

	(void)arg;
	d.snap_dirty = true;	/* our own addresses are in the snapshot */
	switch (ev) {
	case IFACE_UP:
	case IFACE_CHANGED:
		if (!config_iface_wanted(&d.cfg, info->name)) {
			log_debug("ignoring %s (interfaces/ignore-interfaces)", info->name);
			return;
		}
		if (l && l->info.naddrs == info->naddrs &&
		    !memcmp(l->info.addrs, info->addrs, info->naddrs * sizeof(info->addrs[0]))) {
			l->info = *info;	/* a rename, or a re-report */
			return;
		}
		if (l) {
			/* New address set: re-run the start-up announcements so
			 * neighbours replace the old set quickly. */
			l->info = *info;
			sched_start(&d.sp, &l->sched, loop_now_ms(), arc4random());
			l->sched.solicit_left = 0;
			log_info("addresses changed on %s", info->name);
			return;
		}
		if (d.nlinks == LINKS_MAX) {
			log_warnx("too many interfaces, ignoring %s", info->name);
			return;
		}
		if (socket_join(d.udp.fd, info->ifindex) < 0) {
			log_warn("join %s on %s", WIRE_GROUP, info->name);
			return;
		}
		l = &d.links[d.nlinks++];
		memset(l, 0, sizeof(*l));
		l->info = *info;
		sched_start(&d.sp, &l->sched, loop_now_ms(), arc4random());
		log_info("joined %s on %s", WIRE_GROUP, info->name);
		break;
	case IFACE_DOWN:
		if (!l)
			return;
		/* Best effort: the kernel may already refuse to send. */
		link_send(l, WIRE_GOODBYE);
		link_remove(l);
		break;
	}
}

static void drop(enum drop why, const struct socket_pkt *pkt)
{
	char a[INET6_ADDRSTRLEN];

	d.drops[why]++;
	log_debug("dropped packet from %s: %s", addr_str(&pkt->src, a), drop_names[why]);
}

static bool has_addr(const struct in6_addr *set, size_t n, const struct in6_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(&set[i], a, sizeof(*a)))
			return true;
	return false;
}

static bool is_our_name(const char *name, size_t len)
{
	return name_equal(name, len, d.name, d.name_len);
}

/* Neighbour arrivals are logged, but a flood of names must not fill the
 * log: at most NEIGH_LOG_BURST lines a minute, then one summary line. */
#define NEIGH_LOG_BURST 20
static bool log_neighbour_ok(uint64_t now)
{
	static uint64_t window;
	static unsigned int logged, skipped;

	if (now - window >= 60000) {
		if (skipped)
			log_info("%u more new neighbours in the last minute not logged", skipped);
		window = now;
		logged = skipped = 0;
	}
	if (logged < NEIGH_LOG_BURST) {
		logged++;
		return true;
	}
	skipped++;
	return false;
}

/* Conflict warnings at most once a minute: a spoofer must not fill the log. */
static bool log_claims_ok(uint64_t now)
{
	static uint64_t last;

	if (last && now - last < 60000)
		return false;
	last = now;
	return true;
}

static void handle_announce(struct link *l, const struct wire_msg *m,
			    const struct socket_pkt *pkt, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];

	if (!has_addr(m->addrs, m->naddrs, &pkt->src)) {
		drop(DROP_ADDR_MISMATCH, pkt);
		return;
	}
	/* First holder keeps a live name on a link: a second host claiming
	 * it is a conflict (or a spoof), not an update. */
	if (table_held_by_other(d.table, m->name, m->name_len, l->info.ifindex, &pkt->src, now)) {
		drop(DROP_CLAIMED, pkt);
		if (log_claims_ok(now))
			log_warnx("NAME CONFLICT: %s at %s on %s claims a name another host holds",
				  m->name, addr_str(&pkt->src, a), l->info.name);
		d.conflicts++;
		return;
	}
	if (!table_get(d.table, m->name, m->name_len, l->info.ifindex, now) &&
	    !ratelimit_allow(d.learn, &pkt->src, l->info.ifindex, now)) {
		drop(DROP_RATE_LIMITED, pkt);
		return;
	}
	d.snap_dirty = true;	/* new, changed, or a later expiry */
	switch (table_update(d.table, m->name, m->name_len, l->info.ifindex, m->addrs,
			     m->naddrs, m->lifetime, now)) {
	case TABLE_NEW:
		if (is_our_name(m->name, m->name_len)) {
			d.conflicts++;
			log_warnx("NAME CONFLICT: %s at %s on %s also announces our name",
				  m->name, addr_str(&pkt->src, a), l->info.name);
		} else if (log_neighbour_ok(now)) {
			log_info("new neighbour %s at %s on %s", m->name,
				 addr_str(&pkt->src, a), l->info.name);
		}
		break;
	case TABLE_CHANGED:
		log_info("neighbour %s on %s changed addresses (now %s first)", m->name,
			 l->info.name, addr_str(&m->addrs[0], a));
		break;
	case TABLE_REFRESH:
		break;
	case TABLE_FULL:
		drop(DROP_TABLE_FULL, pkt);
		break;
	case TABLE_INVALID:
		log_warnx("refused invalid entry for %s", m->name);
		break;
	}
}

struct goodbye_match {
	unsigned int ifindex;
	const struct in6_addr *src;
	bool found, allowed;
};

static void goodbye_check(const struct table_entry *e, void *arg)
{
	struct goodbye_match *g = arg;

	if (e->ifindex != g->ifindex)
		return;
	g->found = true;
	g->allowed = has_addr(e->addrs, e->naddrs, g->src);
}

static void handle_goodbye(struct link *l, const struct wire_msg *m,
			   const struct socket_pkt *pkt, uint64_t now)
{
	struct goodbye_match g = { .ifindex = l->info.ifindex, .src = &pkt->src };

	table_lookup(d.table, m->name, m->name_len, now, goodbye_check, &g);
	if (!g.found)
		return;
	/* Only the holder of the name's address may withdraw it. */
	if (!g.allowed) {
		drop(DROP_ADDR_MISMATCH, pkt);
		return;
	}
	table_remove(d.table, m->name, m->name_len, l->info.ifindex);
	d.snap_dirty = true;
	log_info("neighbour %s left %s (goodbye)", m->name, l->info.name);
}

static void handle_packet(const uint8_t *buf, const struct socket_pkt *pkt)
{
	uint64_t now = loop_now_ms();
	struct wire_msg m;
	enum wire_err err;
	struct link *l;

	d.rx++;
	/* The on-link check (RFC 5082, as NDP does): only a neighbour on the
	 * link itself can send with hop limit 255 from fe80::/10. */
	if (pkt->hoplimit != WIRE_HOPLIMIT) {
		drop(DROP_HOPLIMIT, pkt);
		return;
	}
	if (!wire_is_linklocal(&pkt->src)) {
		drop(DROP_NOT_LINKLOCAL, pkt);
		return;
	}
	l = link_find(pkt->ifindex);
	if (!l) {
		drop(DROP_NOT_JOINED, pkt);
		return;
	}
	if (is_own_address(&pkt->src)) {
		drop(DROP_OWN, pkt);
		return;
	}
	err = pkt->len > WIRE_MAX_PACKET ? WIRE_ERR_TOO_LONG : wire_decode(buf, pkt->len, &m);
	if (err != WIRE_OK) {
		char a[INET6_ADDRSTRLEN];

		d.wire_drops[err]++;
		log_debug("dropped packet from %s on %s: %s", addr_str(&pkt->src, a),
			  l->info.name, wire_errname(err));
		return;
	}
	if (d.keys.n) {
		if (!m.has_mac) {
			drop(DROP_NO_MAC, pkt);
			return;
		}
		if (!auth_verify(&d.keys, buf, pkt->len)) {
			drop(DROP_BAD_MAC, pkt);
			return;
		}
		switch (auth_replay_check(d.replay, &pkt->src, l->info.ifindex, m.timestamp,
					  wall_ms())) {
		case AUTH_FRESH:
			break;
		case AUTH_STALE:
			drop(DROP_STALE, pkt);
			return;
		case AUTH_REPLAY:
			drop(DROP_REPLAY, pkt);
			return;
		}
	}
	switch (m.type) {
	case WIRE_ANNOUNCE:
		sched_heard(&l->sched);
		handle_announce(l, &m, pkt, now);
		break;
	case WIRE_GOODBYE:
		handle_goodbye(l, &m, pkt, now);
		break;
	case WIRE_SOLICIT:
		if (!m.name_len || is_our_name(m.name, m.name_len))
			sched_solicited(&d.sp, &l->sched, now, arc4random());
		break;
	}
}

static void on_udp(struct loop_watch *w, uint32_t events)
{
	uint8_t buf[WIRE_MAX_PACKET];
	struct socket_pkt pkt;

	(void)events;
	/* A bounded batch, then back to epoll: a flood must not starve the
	 * query socket (the epoll watch is level-triggered, so we come back). */
	for (int i = 0; i < UDP_BATCH; i++) {
		if (socket_recv(w->fd, buf, sizeof(buf), &pkt) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("recvmsg");
			return;
		}
		handle_packet(buf, &pkt);
	}
}

static void on_netlink(struct loop_watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	if (iface_process(d.iface) < 0)
		fatalx("lost the netlink connection");
}

static void on_signal(struct loop_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %u: leaving", si.ssi_signo);
			d.quit = true;
			break;
		case SIGHUP:
			d.reload = true;
			break;
		default:
			break;
		}
	}
}

/* The snapshot: a file in the runtime directory, keyed by our network
 * namespace, that the NSS module maps (snapfile.h). Readers tell we live
 * by the lock we hold on it: no heartbeat. */
static void snap_withdraw(void)
{
	snapfile_close(d.snap);		/* readers see "no daemon" at once */
	d.snap = NULL;
}

static void snap_open(void)
{
	char err[512];
	int r;

	/* key_owner is the uid we run as once privileges are dropped. */
	r = snapfile_open(&d.snap, snapfile_dir(), d.key_owner,
			  table_capacity(d.table) + LINKS_MAX, err, sizeof(err));
	if (r == -EBUSY)
		fatalx("%s", err);
	if (r < 0)
		log_warnx("%s: programs in this network namespace will not resolve through linkname",
			  err);
	/* A fatal error (they exit) withdraws it too: no file left behind
	 * (after a crash or SIGKILL the lock still tells readers). */
	else
		atexit(snap_withdraw);
	d.snap_dirty = true;
}

/* Neighbours per link, counted while the snapshot is rebuilt (every change
 * passes through there): they scale each link's announce period. Links are
 * found by ifindex through a sorted copy, not a scan per entry. */
struct link_count {
	unsigned int ifindex;
	size_t idx;
};

struct rebuild {
	struct link_count by_ifindex[LINKS_MAX];
	uint32_t population[LINKS_MAX];
	struct snap_header *h;		/* NULL: no snapshot, only counting */
};

static int link_count_cmp(const void *a, const void *b)
{
	const struct link_count *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static void snap_add_entry(const struct table_entry *e, void *arg)
{
	struct rebuild *rb = arg;
	struct link_count key = { .ifindex = e->ifindex }, *lc;

	lc = bsearch(&key, rb->by_ifindex, d.nlinks, sizeof(key), link_count_cmp);
	if (lc)
		rb->population[lc->idx]++;
	if (rb->h)
		snap_add(rb->h, e->name, e->name_len, e->ifindex, e->addrs, e->naddrs, e->expires,
			 is_our_name(e->name, e->name_len) ? QUERY_REC_CONFLICT : 0);
}

static void snap_rebuild(uint64_t now)
{
	static struct rebuild rb;	/* 16 KiB: not on the stack */
	struct timespec t0, t1;
	uint64_t took_us;
	char err[512];
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rb.h = d.snap ? snapfile_begin(d.snap, d.nlinks + table_size(d.table)) : NULL;
	for (i = 0; i < d.nlinks && rb.h; i++)
		snap_add(rb.h, d.name, d.name_len, d.links[i].info.ifindex,
			 d.links[i].info.addrs, d.links[i].info.naddrs, UINT64_MAX, QUERY_REC_SELF);
	for (i = 0; i < d.nlinks; i++) {
		rb.by_ifindex[i].ifindex = d.links[i].info.ifindex;
		rb.by_ifindex[i].idx = i;
		rb.population[i] = 0;
	}
	qsort(rb.by_ifindex, d.nlinks, sizeof(rb.by_ifindex[0]), link_count_cmp);
	table_foreach(d.table, now, snap_add_entry, &rb);
	if (d.snap && snapfile_publish(d.snap, err, sizeof(err)) < 0) {
		if (!d.snap_failing)
			log_warnx("%s: programs see the last table until a change succeeds", err);
		d.snap_failing = true;
	} else if (d.snap_failing) {
		log_info("snapshot published again");
		d.snap_failing = false;
	}
	for (i = 0; i < d.nlinks; i++)
		sched_set_population(&d.links[i].sched, rb.population[i]);
	d.snap_dirty = false;
	/* A big table under a stream of changes would otherwise be copied on
	 * every wake-up: wait twenty times what this copy took. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took_us = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
		  (uint64_t)(t1.tv_nsec - t0.tv_nsec) / 1000;
	d.snap_not_before = now + took_us * 20 / 1000;
}

/* Building query responses. */
struct rbuf {
	uint8_t *p;
	size_t len, cap;
	uint32_t count;
	uint64_t now;
	bool oom;
};

static bool rbuf_reserve(struct rbuf *b, size_t need)
{
	if (b->oom)
		return false;
	if (b->len + need > b->cap) {
		size_t cap = b->cap * 2 > b->len + need ? b->cap * 2 : b->len + need;
		uint8_t *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return false;
		}
		b->p = p;
		b->cap = cap;
	}
	return true;
}

static void rbuf_add(struct rbuf *b, const struct query_record *r)
{
	size_t need = query_record_len(r);

	if (!rbuf_reserve(b, need) || query_encode_record(r, b->p + b->len, b->cap - b->len) < 0)
		return;
	b->len += need;
	b->count++;
}

/* Statistics are "key value" lines: easy to read, to grep and to extend. */
static void rbuf_stat(struct rbuf *b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rbuf_stat(struct rbuf *b, const char *key, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	int n, m;

	n = snprintf(line, sizeof(line), "%s ", key);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0 || m < 0 || (size_t)(n + m) + 1 >= sizeof(line))
		return;
	line[n + m] = '\n';
	if (!rbuf_reserve(b, (size_t)(n + m) + 1))
		return;
	memcpy(b->p + b->len, line, (size_t)(n + m) + 1);
	b->len += (size_t)(n + m) + 1;
}

static void count_conflicts(const struct table_entry *e, void *arg)
{
	(void)e;
	(*(size_t *)arg)++;
}

static void rbuf_stats(struct rbuf *b)
{
	uint64_t dropped = 0;
	size_t conflicts = 0;
	int i;

	for (i = 0; i < DROP_COUNT; i++)
		dropped += d.drops[i];
	for (i = 1; i < WIRE_ERR_COUNT; i++)
		dropped += d.wire_drops[i];
	table_lookup(d.table, d.name, d.name_len, b->now, count_conflicts, &conflicts);
	rbuf_stat(b, "name", "%s", d.name);
	rbuf_stat(b, "uptime", "%llu", (unsigned long long)((b->now - d.started) / 1000));
	rbuf_stat(b, "interfaces", "%zu", d.nlinks);
	rbuf_stat(b, "neighbours", "%zu", table_size(d.table));
	rbuf_stat(b, "table-capacity", "%zu", table_capacity(d.table));
	rbuf_stat(b, "conflicts-now", "%zu", conflicts);
	rbuf_stat(b, "conflicts-seen", "%llu", (unsigned long long)d.conflicts);
	rbuf_stat(b, "received", "%llu", (unsigned long long)d.rx);
	rbuf_stat(b, "sent", "%llu", (unsigned long long)d.tx);
	rbuf_stat(b, "send-errors", "%llu", (unsigned long long)d.tx_errors);
	rbuf_stat(b, "dropped", "%llu", (unsigned long long)dropped);
	for (i = 0; i < DROP_COUNT; i++) {
		char key[48];

		snprintf(key, sizeof(key), "dropped-%s", drop_names[i]);
		rbuf_stat(b, key, "%llu", (unsigned long long)d.drops[i]);
	}
	for (i = 1; i < WIRE_ERR_COUNT; i++) {
		char key[48];

		snprintf(key, sizeof(key), "dropped-%s", wire_errname((enum wire_err)i));
		rbuf_stat(b, key, "%llu", (unsigned long long)d.wire_drops[i]);
	}
}

static void rbuf_add_entry(const struct table_entry *e, void *arg)
{
	struct rbuf *b = arg;
	struct query_record r = { .ifindex = e->ifindex, .naddrs = e->naddrs,
				  .name_len = e->name_len };

	r.ttl = (uint32_t)((e->expires - b->now + 999) / 1000);
	if (is_our_name(e->name, e->name_len))
		r.flags |= QUERY_REC_CONFLICT;
	memcpy(r.name, e->name, e->name_len + 1);
	memcpy(r.addrs, e->addrs, e->naddrs * sizeof(r.addrs[0]));
	rbuf_add(b, &r);
}

static void rbuf_add_self(struct rbuf *b, const struct link *l)
{
	struct query_record r = { .ifindex = l->info.ifindex, .ttl = d.lifetime,
				  .flags = QUERY_REC_SELF, .naddrs = (uint8_t)l->info.naddrs,
				  .name_len = d.name_len };

	memcpy(r.name, d.name, d.name_len + 1);
	memcpy(r.addrs, l->info.addrs, l->info.naddrs * sizeof(r.addrs[0]));
	rbuf_add(b, &r);
}

static uint8_t *answer(const struct query_request *req, uid_t uid, size_t *len, int *pass_fd,
		       void *arg)
{
	struct rbuf b = { .now = loop_now_ms() };
	struct query_response_hdr h = { .status = QUERY_OK };
	const struct table_entry *e;
	size_t i;

	(void)arg;
	(void)pass_fd;			/* nothing to pass since QUERY_SNAPSHOT retired */
	b.cap = 512;
	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	b.len = QUERY_RESP_HDR_LEN;
	switch (req->op) {
	case QUERY_RESOLVE:
		if (is_our_name(req->name, req->name_len))
			for (i = 0; i < d.nlinks; i++)
				rbuf_add_self(&b, &d.links[i]);
		table_lookup(d.table, req->name, req->name_len, b.now, rbuf_add_entry, &b);
		break;
	case QUERY_REVERSE:
		for (i = 0; i < d.nlinks; i++)
			if ((!req->ifindex || req->ifindex == d.links[i].info.ifindex) &&
			    has_addr(d.links[i].info.addrs, d.links[i].info.naddrs, &req->addr)) {
				rbuf_add_self(&b, &d.links[i]);
				break;
			}
		if (!b.count) {
			e = table_reverse(d.table, &req->addr, req->ifindex, b.now);
			if (e)
				rbuf_add_entry(e, &b);
		}
		break;
	case QUERY_LIST:
		table_foreach(d.table, b.now, rbuf_add_entry, &b);
		break;
	case QUERY_STATS:
		rbuf_stats(&b);
		break;
	case QUERY_SNAPSHOT:
		/* Retired: the NSS module maps our snapshot file itself. */
		h.status = QUERY_BADREQ;
		break;
	case QUERY_ANNOUNCE:
		/* Anyone may look; only root or our own user may make us send. */
		if (uid != 0 && uid != geteuid()) {
			h.status = QUERY_DENIED;
			break;
		}
		log_info("announcing now on every link (asked by uid %u)", (unsigned int)uid);
		for (i = 0; i < d.nlinks; i++)
			sched_announce_now(&d.links[i].sched, b.now);
		break;
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if ((req->op == QUERY_RESOLVE || req->op == QUERY_REVERSE) && b.count == 0)
		h.status = QUERY_NOTFOUND;
	if (h.status != QUERY_OK)
		b.len = QUERY_RESP_HDR_LEN;
	h.count = b.count;
	h.length = (uint32_t)(b.len - QUERY_RESP_HDR_LEN);
	query_encode_response_hdr(&h, b.p);
	*len = b.len;
	return b.p;
}

static void on_expired(const struct table_entry *e, void *arg)
{
	struct link *l = link_find(e->ifindex);

	(void)arg;
	log_info("lost neighbour %s on %s (lifetime ran out)", e->name,
		 l ? l->info.name : "?");
}

static uint64_t next_deadline(void)
{
	uint64_t next = table_next_expiry(d.table), t;
	size_t i;

	for (i = 0; i < d.nlinks; i++) {
		t = sched_next(&d.links[i].sched);
		if (t < next)
			next = t;
	}
	t = server_next_deadline(d.server);
	if (t < next)
		next = t;
	if (d.snap_dirty && d.snap_not_before < next)
		next = d.snap_not_before;
	return next;
}

static void run_timers(void)
{
	uint64_t now = loop_now_ms();
	size_t i;

	for (i = 0; i < d.nlinks; i++) {
		struct link *l = &d.links[i];
		unsigned int what = sched_due(&d.sp, &l->sched, now, arc4random());

		if (what & SCHED_SOLICIT)
			link_send(l, WIRE_SOLICIT);
		if (what & SCHED_ANNOUNCE)
			link_send(l, WIRE_ANNOUNCE);
	}
	if (table_expire(d.table, now, on_expired, NULL))
		d.snap_dirty = true;
	server_expire(d.server, now);
}

/* systemd readiness: the sockets are open and every link has sent its
 * first announcement, so a unit ordered after us finds us on the wire. */
static void notify_ready(void)
{
	size_t i;

	if (d.ready_sent)
		return;
	for (i = 0; i < d.nlinks; i++)
		if (d.links[i].sched.burst_left == d.sp.burst)
			return;
	d.ready_sent = true;
	sd_notifyf(0, "READY=1\nSTATUS=Announcing %s on %zu interface%s", d.name, d.nlinks,
		   d.nlinks == 1 ? "" : "s");
}

/* The name in force: the configured one, else the host name's first label. */
static int derive_name(const struct config *c, char out[NAME_MAX_LEN + 1])
{
	char host[HOST_NAME_MAX + 1] = "";

	if (c->name[0]) {
		memcpy(out, c->name, NAME_MAX_LEN + 1);
		return 0;
	}
	if (gethostname(host, sizeof(host)) < 0 || name_from_hostname(host, out) < 0) {
		log_warnx("cannot make a name from the host name '%s'; set name in %s or use --name",
			  host, d.config_path);
		return -1;
	}
	return 0;
}

/* (Re)load the key file named by c, if any. 0, or -1 with the reason logged. */
static int load_keys(const struct config *c)
{
	struct auth_keys k;
	char err[512];

	if (!c->key_file[0]) {
		if (d.keys.n)
			log_info("authentication off");
		memset(&d.keys, 0, sizeof(d.keys));
		return 0;
	}
	if (auth_load(c->key_file, d.key_owner, &k, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	if (!d.replay && !(d.replay = auth_replay_new())) {
		log_warnx("out of memory");
		return -1;
	}
	d.keys = k;
	log_info("authentication on: %u key%s from %s", k.n, k.n == 1 ? "" : "s", c->key_file);
	return 0;
}

static void apply_timing(const struct config *c)
{
	d.sp.interval_ms = c->interval_s * 1000;
	d.lifetime = c->lifetime_s;
	if ((uint64_t)d.lifetime * 1000 < d.sp.interval_ms)
		log_warnx("lifetime (%us) is shorter than interval (%us): neighbours will forget "
			  "this host between announcements", c->lifetime_s, c->interval_s);
}

/* SIGHUP: read the file again and apply what can change while running,
 * keeping the neighbour table. A bad file changes nothing. */
static void reload(void)
{
	char err[512], name[NAME_MAX_LEN + 1];
	uint64_t now = loop_now_ms();
	struct config c;
	size_t i;

	config_defaults(&c);
	if (config_load(d.config_path, !d.config_explicit, &c, err, sizeof(err)) < 0) {
		log_warnx("%s; keeping the configuration in force", err);
		return;
	}
	config_overlay(&c, &d.cli);
	if (derive_name(&c, name) < 0)
		return;
	/* Keys first: a bad key file keeps everything as it was. */
	if (load_keys(&c) < 0) {
		log_warnx("keeping the configuration in force");
		return;
	}
	sd_notify(0, "RELOADING=1");
	if (strcmp(name, d.name)) {
		for (i = 0; i < d.nlinks; i++)
			link_send(&d.links[i], WIRE_GOODBYE);
		log_info("name changed from %s to %s", d.name, name);
		d.snap_dirty = true;
		memcpy(d.name, name, sizeof(d.name));
		d.name_len = (uint8_t)strlen(d.name);
		for (i = 0; i < d.nlinks; i++)
			sched_start(&d.sp, &d.links[i].sched, now, arc4random());
	}
	if (c.interval_s != d.cfg.interval_s || c.lifetime_s != d.cfg.lifetime_s) {
		apply_timing(&c);
		for (i = 0; i < d.nlinks; i++)
			sched_announce_now(&d.links[i].sched, now);
	}
	/* These are bound at start-up. */
	if (c.table_size != d.cfg.table_size || strcmp(c.socket, d.cfg.socket) ||
	    strcmp(c.user, d.cfg.user))
		log_warnx("table-size, socket and user changes take effect when linknamed restarts");
	c.table_size = d.cfg.table_size;
	memcpy(c.socket, d.cfg.socket, sizeof(c.socket));
	memcpy(c.user, d.cfg.user, sizeof(c.user));
	d.cfg = c;
	for (i = d.nlinks; i-- > 0;) {
		if (!config_iface_wanted(&d.cfg, d.links[i].info.name)) {
			link_send(&d.links[i], WIRE_GOODBYE);
			link_remove(&d.links[i]);
		}
	}
	iface_foreach_usable(d.iface, on_iface, NULL);
	log_info("configuration reloaded from %s", d.config_path);
	d.ready_sent = false;
	notify_ready();
}

static void drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		fatalx("user %s: %s", user, errno ? strerror(errno) : "no such user");
	if (geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return;
		fatalx("cannot become %s: not running as root", user);
	}
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		fatal("cannot become %s", user);
	if (pw->pw_uid != 0 && setuid(0) == 0)
		fatalx("could regain root after becoming %s", user);
	log_info("running as %s (uid %u)", user, (unsigned int)pw->pw_uid);
}

/* A query socket handed over by systemd (linknamed.socket), if any. Its
 * listener was created by PID 1, so clients see uid 0 through SO_PEERCRED
 * even though we run unprivileged. */
static int activated_socket(void)
{
	int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START, flags;

	if (n <= 0)
		return -1;
	if (n > 1 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
		fatalx("systemd passed %d sockets; expected one listening unix stream socket", n);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		fatal("fcntl on the activated socket");
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: linknamed [OPTIONS]\n"
		"Announce this host's name on the local links (UDP port 1903, group ff02::1:1)\n"
		"and learn the neighbours' names, for the linkname NSS module.\n\n"
		"  -c, --config PATH        configuration file (default %s)\n"
		"  -n, --name NAME          name to announce (default: first label of the host name)\n"
		"  -i, --interface IFACE    use only this interface (glob pattern; repeatable;\n"
		"                           default: every up, multicast-capable interface)\n"
		"  -f, --foreground         stay in the foreground and log to stderr\n"
		"  -s, --socket PATH        query socket (default %s; '@' = abstract)\n"
		"  -u, --user USER          run as USER once the sockets are open\n"
		"  -k, --key-file PATH      sign and require signed messages (docs/SECURITY.md)\n"
		"      --interval SECONDS   steady-state announce interval (default %u)\n"
		"      --lifetime SECONDS   lifetime announced to neighbours (default %u)\n"
		"      --table-size N       most neighbours remembered (default %u)\n"
		"  -v, --verbose            log every packet sent and dropped\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n\n"
		"Options override the configuration file; SIGHUP reloads it.\n",
		CONFIG_DEFAULT_PATH, QUERY_DEFAULT_SOCKET, SCHED_DEFAULT_INTERVAL_MS / 1000,
		SCHED_DEFAULT_LIFETIME_S, TABLE_DEFAULT_CAPACITY);
}

/* "command line:1: key: reason" -> "reason" */
static const char *cli_reason(const char *err)
{
	const char *p = strstr(err, ": ");

	p = p ? strstr(p + 2, ": ") : NULL;
	return p ? p + 2 : err;
}

/* Command-line values go through the config file's own checks, as the
 * line "key = value", so both accept exactly the same things. */
static void cli_set(const char *key, const char *value)
{
	char line[CONFIG_PATH_MAX + 64], err[512];

	if (strlen(value) >= CONFIG_PATH_MAX || strchr(value, '\n') || strchr(value, '#')) {
		fprintf(stderr, "linknamed: --%s: bad value '%s'\n", key, value);
		exit(2);
	}
	snprintf(line, sizeof(line), "%s = %s\n", key, value);
	if (config_parse(line, strlen(line), "command line", &d.cli, err, sizeof(err)) < 0) {
		fprintf(stderr, "linknamed: --%s: %s\n", key, cli_reason(err));
		exit(2);
	}
}

int main(int argc, char **argv)
{
	enum { OPT_INTERVAL = 256, OPT_LIFETIME, OPT_TABLE };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "interface", required_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "lifetime", required_argument, NULL, OPT_LIFETIME },
		{ "table-size", required_argument, NULL, OPT_TABLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char err[512], ifaces[CONFIG_MAX_PATTERNS * CONFIG_PATTERN_MAX] = "";
	bool foreground = false, verbose = false;
	struct epoll_event evs[16];
	sigset_t mask;
	int c, i, n, fd;

	config_defaults(&d.cli);
	d.cli.set = 0;
	d.config_path = CONFIG_DEFAULT_PATH;
	while ((c = getopt_long(argc, argv, "c:n:i:fs:u:k:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			d.config_explicit = true;
			break;
		case 'n':
			cli_set("name", optarg);
			break;
		case 'i':
			/* Repeatable: gathered, then checked as one list. */
			if (strlen(ifaces) + strlen(optarg) + 2 > sizeof(ifaces) ||
			    strpbrk(optarg, " \t,")) {
				fprintf(stderr, "linknamed: --interface: bad value '%s'\n", optarg);
				return 2;
			}
			strcat(ifaces, ifaces[0] ? " " : "");
			strcat(ifaces, optarg);
			break;
		case 'f':
			foreground = true;
			break;
		case 's':
			cli_set("socket", optarg);
			break;
		case 'u':
			cli_set("user", optarg);
			break;
		case 'k':
			cli_set("key-file", optarg);
			break;
		case OPT_INTERVAL:
			cli_set("interval", optarg);
			break;
		case OPT_LIFETIME:
			cli_set("lifetime", optarg);
			break;
		case OPT_TABLE:
			cli_set("table-size", optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("linknamed %s\n", LINKNAME_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "linknamed: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (ifaces[0]) {
		char line[sizeof(ifaces) + 32];

		snprintf(line, sizeof(line), "interfaces = %s\n", ifaces);
		if (config_parse(line, strlen(line), "command line", &d.cli, err, sizeof(err)) < 0) {
			fprintf(stderr, "linknamed: --interface: %s\n", cli_reason(err));
			return 2;
		}
	}

	log_init("linknamed", foreground, verbose);
	/* A bad file at start-up is fatal: better no daemon than a wrong one. */
	config_defaults(&d.cfg);
	if (config_load(d.config_path, !d.config_explicit, &d.cfg, err, sizeof(err)) < 0)
		fatalx("%s", err);
	config_overlay(&d.cfg, &d.cli);
	if (derive_name(&d.cfg, d.name) < 0)
		return 1;
	d.name_len = (uint8_t)strlen(d.name);
	sched_params_default(&d.sp);
	apply_timing(&d.cfg);
	d.started = loop_now_ms();

	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d.epfd < 0)
		fatal("epoll_create1");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	d.sig.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d.sig.fd < 0)
		fatal("signalfd");
	d.sig.fn = on_signal;
	d.udp.fd = socket_open();
	if (d.udp.fd < 0)
		fatalx("cannot open the UDP socket on port %d", WIRE_PORT);
	d.udp.fn = on_udp;
	d.table = table_new(d.cfg.table_size);
	d.learn = ratelimit_new(LEARN_BURST, LEARN_PER_MS);
	if (!d.table || !d.learn)
		fatalx("out of memory");
	d.key_owner = geteuid();
	if (d.cfg.user[0]) {
		struct passwd *pw = getpwnam(d.cfg.user);

		if (pw)
			d.key_owner = pw->pw_uid;
	}
	snap_open();
	if (auth_init() < 0)
		fatalx("cannot initialise libsodium");
	if (load_keys(&d.cfg) < 0)
		fatalx("refusing to start without the configured key");
	fd = activated_socket();
	d.server = fd >= 0 ? server_open_fd(fd, d.epfd, answer, NULL) :
			     server_open(d.cfg.socket, d.epfd, answer, NULL);
	if (!d.server)
		fatalx("cannot open the query socket %s", d.cfg.socket);
	if (loop_add(d.epfd, &d.sig, EPOLLIN) < 0 || loop_add(d.epfd, &d.udp, EPOLLIN) < 0)
		fatal("epoll_ctl");
	d.iface = iface_init(on_iface, NULL);
	if (!d.iface)
		fatalx("cannot follow interfaces through netlink");
	d.nl.fd = iface_fd(d.iface);
	d.nl.fn = on_netlink;
	if (loop_add(d.epfd, &d.nl, EPOLLIN) < 0)
		fatal("epoll_ctl");
	/* Everything privileged is done: sockets are open and bound. */
	if (d.cfg.user[0])
		drop_privileges(d.cfg.user);
	if (!foreground && daemon(0, 0) < 0)
		fatal("daemon");
	log_info("started as %s, %zu interface%s", d.name, d.nlinks, d.nlinks == 1 ? "" : "s");

	while (!d.quit) {
		uint64_t next = next_deadline(), now = loop_now_ms();
		int timeout = next == UINT64_MAX ? -1 :
			      next <= now ? 0 : (int)(next - now > INT_MAX ? INT_MAX : next - now);

		n = epoll_wait(d.epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout);
		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		for (i = 0; i < n; i++) {
			struct loop_watch *w = evs[i].data.ptr;

			w->fn(w, evs[i].events);
		}
		if (d.reload) {
			d.reload = false;
			reload();
		}
		run_timers();
		now = loop_now_ms();
		if (d.snap_dirty && now >= d.snap_not_before)
			snap_rebuild(now);
		notify_ready();
	}

	sd_notify(0, "STOPPING=1");
	snap_withdraw();
	for (size_t k = 0; k < d.nlinks; k++)
		link_send(&d.links[k], WIRE_GOODBYE);
	log_info("stopped: %llu received, %llu sent, %llu send errors, %llu conflicts",
		 (unsigned long long)d.rx, (unsigned long long)d.tx,
		 (unsigned long long)d.tx_errors, (unsigned long long)d.conflicts);
	iface_free(d.iface);
	server_close(d.server);
	table_free(d.table);
	ratelimit_free(d.learn);
	auth_replay_free(d.replay);
	close(d.udp.fd);
	close(d.sig.fd);
	close(d.epfd);
	return 0;
}
