/* simlink: a big link by simulation, for `make bench`. The real announce
 * scheduler (src/sched.c) runs for every one of N hosts on one link, on a
 * simulated clock; the simulated link delivers every datagram to every
 * host at once and never loses one. What the link carries is counted in
 * frame octets: the UDP payload as wire_encode makes it, plus 8 (UDP), 40
 * (IPv6) and 14 (Ethernet) octets.
 *
 *   simlink [-n HOSTS] [-S SEED] [-F]
 *
 * If include/sched.h offers population scaling (SCHED_HAVE_POPULATION),
 * every host is told what linknamed tells it: sched_heard() for each
 * ANNOUNCE heard, sched_set_population() with the neighbours in its table,
 * and it announces the lifetime sched_lifetime() gives. -F ("fixed") feeds
 * it nothing, as a scheduler without scaling would run.
 *
 * Every host's table is modelled exactly, and cheaply: all hosts hear the
 * same datagrams at the same instant, so a host's table holds every other
 * host whose last ANNOUNCE has not expired, counting only ANNOUNCEs sent
 * since the host itself (re)started. After the common restart that is the
 * same set for all; during the first, staggered start-up a late host is
 * told the whole live count (it would learn those within one period).
 *
 * Timeline (simulated): the hosts start at random moments over one
 * lifetime; after a warm-up of three steady periods the steady state is
 * measured over four periods (at least 600 s); then every host restarts at
 * the same instant (a power cut) with an empty table, and the run goes on
 * for ten lifetimes or three periods, whichever is longer.
 *
 * Prints key=value lines: "steady ..." (octets and frames per second on the
 * link, per host per minute, the longest gap between two ANNOUNCEs of one
 * host, the lifetimes announced, entries that expired while their host was
 * alive) and "restart ..." (peak per 100 ms and per second, when every
 * table was first complete, datagrams until then). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched.h"
#include "stats.h"
#include "wire.h"

#define FRAME_OVERHEAD	(8 + 40 + 14)
#define BIN_MS		100u
#define MAX_HOSTS	100000ul
#define NOT_IN_HEAP	((size_t)-1)

struct host {
	struct sched_if s;
	uint64_t last_announce;		/* 0: none since (re)start */
	uint64_t max_gap;		/* between two ANNOUNCEs, steady window */
	uint64_t expires;		/* its entry in the others' tables; 0: none */
	uint32_t lifetime;		/* last announced, s */
};

static struct host *hosts;
static size_t nhosts;			/* the link's hosts, 0 .. nhosts-1 */
static size_t nall;			/* and the newcomer, index nhosts */
static struct sched_params params;
static uint64_t rnd_state;
static int fed = 1;			/* population scaling fed (if it exists) */
static size_t live;			/* hosts with an unexpired entry */
static uint64_t early_expiries;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 2685821657736338717ull) >> 32);
}

/* Indexed min-heaps of hosts: one by sched_next(), one by expiry, with each
 * host's position so a changed deadline can be moved in O(log N). */
struct iheap {
	size_t *heap, *pos, len;
	uint64_t (*key)(size_t h);	/* UINT64_MAX: not in the heap */
};

static uint64_t key_sched(size_t h)
{
	return sched_next(&hosts[h].s);
}

static uint64_t key_expiry(size_t h)
{
	return hosts[h].expires ? hosts[h].expires : UINT64_MAX;
}

static struct iheap hs = { .key = key_sched }, hx = { .key = key_expiry };

static int iheap_init(struct iheap *q, size_t n)
{
	size_t i;

	q->heap = calloc(n, sizeof(*q->heap));
	q->pos = calloc(n, sizeof(*q->pos));
	if (!q->heap || !q->pos)
		return -1;
	for (i = 0; i < n; i++)
		q->pos[i] = NOT_IN_HEAP;
	q->len = 0;
	return 0;
}

static void iheap_swap(struct iheap *q, size_t a, size_t b)
{
	size_t t = q->heap[a];

	q->heap[a] = q->heap[b];
	q->heap[b] = t;
	q->pos[q->heap[a]] = a;
	q->pos[q->heap[b]] = b;
}

static void iheap_up(struct iheap *q, size_t i)
{
	while (i > 0 && q->key(q->heap[(i - 1) / 2]) > q->key(q->heap[i])) {
		iheap_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void iheap_down(struct iheap *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->len && q->key(q->heap[l]) < q->key(q->heap[m]))
			m = l;
		if (r < q->len && q->key(q->heap[r]) < q->key(q->heap[m]))
			m = r;
		if (m == i)
			return;
		iheap_swap(q, i, m);
		i = m;
	}
}

/* Put h where its (new) key belongs; out of the heap if it has none. */
static void iheap_fix(struct iheap *q, size_t h)
{
	size_t i = q->pos[h];

	if (q->key(h) == UINT64_MAX) {
		if (i == NOT_IN_HEAP)
			return;
		q->len--;
		if (i != q->len) {
			size_t moved = q->heap[q->len];

			q->heap[i] = moved;
			q->pos[moved] = i;
			iheap_up(q, i);
			iheap_down(q, q->pos[moved]);
		}
		q->pos[h] = NOT_IN_HEAP;
		return;
	}
	if (i == NOT_IN_HEAP) {
		i = q->len++;
		q->heap[i] = h;
		q->pos[h] = i;
	}
	iheap_up(q, i);
	iheap_down(q, q->pos[h]);
}

static uint64_t iheap_top(const struct iheap *q)
{
	return q->len ? q->key(q->heap[0]) : UINT64_MAX;
}

/* What the link carried, in total and per 100 ms bin after the restart. */
static struct {
	uint64_t octets, frames, announces, solicits;
	uint64_t *bin_octets, *bin_frames;
	size_t nbins;
	uint64_t bins_from;		/* ms: the restart; 0: not binning */
} link_stats;

static size_t announce_len, solicit_len;

static void carry(uint64_t now, size_t len)
{
	link_stats.octets += len + FRAME_OVERHEAD;
	link_stats.frames++;
	if (link_stats.bins_from && now >= link_stats.bins_from) {
		size_t b = (size_t)((now - link_stats.bins_from) / BIN_MS);

		if (b < link_stats.nbins) {
			link_stats.bin_octets[b] += len + FRAME_OVERHEAD;
			link_stats.bin_frames[b]++;
		}
	}
}

/* Every host's table lost or gained an entry: tell each its population. */
static void population_changed(uint64_t now)
{
#ifdef SCHED_HAVE_POPULATION
	size_t i;

	if (!fed)
		return;
	for (i = 0; i < nall; i++) {
		size_t self = hosts[i].expires > now ? 1 : 0;

		sched_set_population(&hosts[i].s, (uint32_t)(live - self));
	}
#else
	(void)now;
#endif
}

static uint32_t lifetime_of(const struct host *o)
{
#ifdef SCHED_HAVE_POPULATION
	if (fed)
		return sched_lifetime(&params, &o->s, SCHED_DEFAULT_LIFETIME_S);
#endif
	(void)o;
	return SCHED_DEFAULT_LIFETIME_S;
}

/* A SOLICIT without NAME from `from`: every other host may answer. */
static void deliver_solicit(size_t from, uint64_t now)
{
	size_t i;

	for (i = 0; i < nall; i++) {
		uint64_t before;

		if (i == from)
			continue;
		before = key_sched(i);
		sched_solicited(&params, &hosts[i].s, now, rnd());
		if (key_sched(i) != before)
			iheap_fix(&hs, i);
	}
}

/* Senders heard since `since_mark` (the newcomer's start, or the restart). */
static uint64_t since_mark = UINT64_MAX;
static size_t heard_since;

static void deliver_announce(size_t from, uint64_t now, uint64_t gap_from)
{
	struct host *o = &hosts[from];
	int was_live = o->expires > now;

	if (from < nhosts && now >= since_mark && (!o->last_announce || o->last_announce < since_mark))
		heard_since++;

	carry(now, announce_len);
	link_stats.announces++;
	if (o->last_announce && o->last_announce >= gap_from && now - o->last_announce > o->max_gap)
		o->max_gap = now - o->last_announce;
	o->last_announce = now;
	o->lifetime = lifetime_of(o);
	o->expires = now + (uint64_t)o->lifetime * 1000;
	iheap_fix(&hx, from);
#ifdef SCHED_HAVE_POPULATION
	if (fed) {
		size_t i;

		for (i = 0; i < nall; i++)
			if (i != from)
				sched_heard(&hosts[i].s);
	}
#endif
	if (!was_live) {
		live++;
		population_changed(now);
	}
}

static int encode_sizes(void)
{
	uint8_t buf[WIRE_MAX_PACKET];
	struct wire_msg m;
	int n;

	/* A typical host: an 8-octet name, one link-local address. */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_ANNOUNCE;
	m.name_len = (uint8_t)snprintf(m.name, sizeof(m.name), "host0001");
	m.naddrs = 1;
	m.addrs[0].s6_addr[0] = 0xfe;
	m.addrs[0].s6_addr[1] = 0x80;
	m.addrs[0].s6_addr[15] = 1;
	m.lifetime = SCHED_DEFAULT_LIFETIME_S;
	n = wire_encode(&m, buf, sizeof(buf));
	if (n < 0)
		return -1;
	announce_len = (size_t)n;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_SOLICIT;
	n = wire_encode(&m, buf, sizeof(buf));
	if (n < 0)
		return -1;
	solicit_len = (size_t)n;
	return 0;
}

/* Run every event (scheduler, expiry) up to and including `until` (ms).
 * ANNOUNCE gaps count from gap_from on. */
static void run_until(uint64_t until, uint64_t gap_from)
{
	for (;;) {
		uint64_t ts = iheap_top(&hs), tx = iheap_top(&hx);

		if (ts > until && tx > until)
			return;
		if (tx < ts) {
			/* An entry ran out while its host is alive: it was not
			 * refreshed within the lifetime it announced. */
			size_t h = hx.heap[0];

			hosts[h].expires = 0;
			iheap_fix(&hx, h);
			live--;
			early_expiries++;
			population_changed(tx);
			continue;
		}
		{
			size_t h = hs.heap[0];
			unsigned int what = sched_due(&params, &hosts[h].s, ts, rnd());

			iheap_fix(&hs, h);
			if (what & SCHED_SOLICIT) {
				carry(ts, solicit_len);
				link_stats.solicits++;
				deliver_solicit(h, ts);
			}
			if (what & SCHED_ANNOUNCE)
				deliver_announce(h, ts, gap_from);
		}
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The steady period a host settles to with N-1 neighbours, in ms. */
static uint64_t steady_period(void)
{
#ifdef SCHED_HAVE_POPULATION
	if (fed) {
		struct sched_if s;

		memset(&s, 0, sizeof(s));
		sched_set_population(&s, (uint32_t)(nhosts - 1));
		return sched_base_period(&params, &s);
	}
#endif
	return params.interval_ms;
}

/* Peaks after the restart: per 100 ms bin, and per second (the busiest run
 * of ten consecutive bins). */
static void peaks(uint64_t *frames_100ms, uint64_t *octets_100ms, uint64_t *frames_1s,
		  uint64_t *octets_1s)
{
	uint64_t wo = 0, wf = 0;
	size_t b, w = 1000 / BIN_MS;

	*frames_100ms = *octets_100ms = *frames_1s = *octets_1s = 0;
	for (b = 0; b < link_stats.nbins; b++) {
		if (link_stats.bin_octets[b] > *octets_100ms)
			*octets_100ms = link_stats.bin_octets[b];
		if (link_stats.bin_frames[b] > *frames_100ms)
			*frames_100ms = link_stats.bin_frames[b];
		wo += link_stats.bin_octets[b];
		wf += link_stats.bin_frames[b];
		if (b >= w) {
			wo -= link_stats.bin_octets[b - w];
			wf -= link_stats.bin_frames[b - w];
		}
		if (wo > *octets_1s)
			*octets_1s = wo;
		if (wf > *frames_1s)
			*frames_1s = wf;
	}
}

/* Milliseconds from `from` to `at`; -1 for "never" (at == 0). */
static double ms_since(uint64_t at, uint64_t from)
{
	return at ? (double)(at - from) : -1.0;
}

static double s_since(uint64_t at, uint64_t from)
{
	return at ? (double)(at - from) / 1000.0 : -1.0;
}

int main(int argc, char **argv)
{
	unsigned long n = 1000, seed = 1;
	uint64_t lifetime_ms = (uint64_t)SCHED_DEFAULT_LIFETIME_S * 1000, period, t_steady0,
		 steady_ms, t_join, join_ms, t_restart, limit, o0, f0, a0, s0, early0,
		 max_gap = 0, t, done_at = 0, heard_all_at = 0, until_done = 0,
		 first_ann = 0, all_heard = 0, answers = 0, p100f, p100o, p1f, p1o;
	uint32_t *lts;
	size_t i, in_burst = 0, announced = 0;
	struct host *nc;
	double steady_s;
	int c;

	while ((c = getopt(argc, argv, "n:S:F")) != -1) {
		switch (c) {
		case 'n':
			if (stats_parse_ulong(optarg, 2, MAX_HOSTS, &n) < 0)
				goto usage;
			break;
		case 'S':
			if (stats_parse_ulong(optarg, 1, 1ul << 30, &seed) < 0)
				goto usage;
			break;
		case 'F':
			fed = 0;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
#ifndef SCHED_HAVE_POPULATION
	fed = 0;
#endif
	nhosts = n;
	nall = n + 1;
	rnd_state = 0x9e3779b97f4a7c15ull ^ seed;
	sched_params_default(&params);
	if (encode_sizes() < 0) {
		fprintf(stderr, "simlink: cannot encode the sample datagrams\n");
		return 1;
	}
	period = steady_period();
	steady_ms = 4 * period > 600000 ? 4 * period : 600000;
	join_ms = 2 * period > 120000 ? 2 * period : 120000;
	limit = 10 * lifetime_ms > 3 * period ? 10 * lifetime_ms : 3 * period;
	hosts = calloc(nall, sizeof(*hosts));
	lts = calloc(nhosts, sizeof(*lts));
	link_stats.nbins = (size_t)(limit / BIN_MS) + 1;
	link_stats.bin_octets = calloc(link_stats.nbins, sizeof(uint64_t));
	link_stats.bin_frames = calloc(link_stats.nbins, sizeof(uint64_t));
	if (!hosts || !lts || !link_stats.bin_octets || !link_stats.bin_frames ||
	    iheap_init(&hs, nall) < 0 || iheap_init(&hx, nall) < 0) {
		fprintf(stderr, "simlink: out of memory\n");
		return 1;
	}
	nc = &hosts[nhosts];

	/* 1. Hosts come up one by one over a lifetime (the clock starts at
	 * 1 s: sched uses 0 for "never"); warm-up; the steady state. */
	for (i = 0; i < nhosts; i++) {
		sched_start(&params, &hosts[i].s, 1000 + rnd() % lifetime_ms, rnd());
		iheap_fix(&hs, i);
	}
	t_steady0 = 1000 + lifetime_ms + 3 * period;
	run_until(t_steady0 - 1, UINT64_MAX);
	o0 = link_stats.octets;
	f0 = link_stats.frames;
	a0 = link_stats.announces;
	s0 = link_stats.solicits;
	early0 = early_expiries;
	t_join = t_steady0 + steady_ms;
	run_until(t_join - 1, t_steady0);
	for (i = 0; i < nhosts; i++) {
		if (hosts[i].max_gap > max_gap)
			max_gap = hosts[i].max_gap;
		if (hosts[i].s.burst_left)
			in_burst++;
		lts[i] = hosts[i].lifetime;
	}
	qsort(lts, nhosts, sizeof(*lts), cmp_u32);
	steady_s = (double)steady_ms / 1000.0;
	printf("steady hosts=%zu fed=%d window_s=%.0f period_s=%.1f link_octets_per_s=%.1f "
	       "link_frames_per_s=%.3f host_octets_per_min=%.1f host_frames_per_min=%.3f "
	       "announces=%llu solicits=%llu max_gap_s=%.1f lifetime_median_s=%u "
	       "lifetime_max_s=%u early_expiries=%llu still_in_startup=%zu budget_pps=%u "
	       "announce_octets=%zu solicit_octets=%zu\n",
	       nhosts, fed, steady_s, (double)period / 1000.0,
	       (double)(link_stats.octets - o0) / steady_s,
	       (double)(link_stats.frames - f0) / steady_s,
	       (double)(link_stats.octets - o0) / steady_s * 60.0 / (double)nhosts,
	       (double)(link_stats.frames - f0) / steady_s * 60.0 / (double)nhosts,
	       (unsigned long long)(link_stats.announces - a0),
	       (unsigned long long)(link_stats.solicits - s0), (double)max_gap / 1000.0,
	       lts[nhosts / 2], lts[nhosts - 1],
	       (unsigned long long)(early_expiries - early0), in_burst,
#ifdef SCHED_HAVE_POPULATION
	       fed ? params.budget_pps : 0,
#else
	       0u,
#endif
	       announce_len + FRAME_OVERHEAD, solicit_len + FRAME_OVERHEAD);

	/* 2. A newcomer joins the steady link: until all can resolve it (its
	 * first ANNOUNCE), until it has heard every other host. */
	since_mark = t_join;
	heard_since = 0;
	f0 = link_stats.frames;
	a0 = link_stats.announces;
	sched_start(&params, &nc->s, t_join, rnd());
	iheap_fix(&hs, nhosts);
	population_changed(t_join);
	for (t = t_join; t < t_join + join_ms && (!first_ann || !all_heard); t += 10) {
		run_until(t + 9, UINT64_MAX);
		if (!first_ann && nc->last_announce)
			first_ann = nc->last_announce;
		if (!all_heard && heard_since == nhosts)
			all_heard = t + 10;
		if (t < t_join + 2500)
			answers = link_stats.announces - a0;
	}
	printf("join hosts=%zu fed=%d resolvable_ms=%.0f resolves_all_ms=%.0f "
	       "announces_first_2500ms=%llu window_s=%.0f%s\n", nhosts, fed,
	       ms_since(first_ann, t_join), ms_since(all_heard, t_join),
	       (unsigned long long)answers, (double)join_ms / 1000.0,
	       first_ann && all_heard ? "" : " incomplete");
	/* It leaves with a GOODBYE: gone from every table. */
	sched_stop(&nc->s);
	iheap_fix(&hs, nhosts);
	if (nc->expires > t) {
		live--;
		nc->expires = 0;
		iheap_fix(&hx, nhosts);
		population_changed(t);
	}
	run_until(t + 10000, UINT64_MAX);

	/* 3. The power cut: every host restarts at once, every table empty. */
	t_restart = t + 10000;
	link_stats.bins_from = t_restart;
	o0 = link_stats.octets;
	f0 = link_stats.frames;
	early0 = early_expiries;
	since_mark = t_restart;
	heard_since = 0;
	live = 0;
	for (i = 0; i < nall; i++) {
		memset(&hosts[i], 0, sizeof(hosts[i]));
		iheap_fix(&hx, i);
		if (i < nhosts)
			sched_start(&params, &hosts[i].s, t_restart, rnd());
		iheap_fix(&hs, i);
	}
	population_changed(t_restart);
	/* Checked every 100 ms: every table is complete when every host has a
	 * live entry (a host's table holds all the others). */
	for (t = t_restart; t < t_restart + limit; t += BIN_MS) {
		run_until(t + BIN_MS - 1, UINT64_MAX);
		if (!heard_all_at && heard_since == nhosts)
			heard_all_at = t + BIN_MS;
		if (!done_at && live == nhosts) {
			done_at = t + BIN_MS;
			until_done = link_stats.frames - f0;
		}
	}
	for (i = 0; i < nhosts; i++)
		if (hosts[i].last_announce)
			announced++;
	peaks(&p100f, &p100o, &p1f, &p1o);
	printf("restart hosts=%zu fed=%d peak_frames_100ms=%llu peak_octets_per_s_100ms=%llu "
	       "peak_frames_1s=%llu peak_octets_1s=%llu complete_s=%.1f complete_lifetimes=%.3f "
	       "all_announced_s=%.1f announced=%zu frames_until_complete=%llu after_s=%.0f "
	       "frames_after=%llu octets_after=%llu early_expiries=%llu%s\n",
	       nhosts, fed, (unsigned long long)p100f,
	       (unsigned long long)(p100o * (1000 / BIN_MS)), (unsigned long long)p1f,
	       (unsigned long long)p1o, s_since(done_at, t_restart),
	       done_at ? (double)(done_at - t_restart) / (double)lifetime_ms : -1.0,
	       s_since(heard_all_at, t_restart), announced,
	       (unsigned long long)until_done, (double)limit / 1000.0,
	       (unsigned long long)(link_stats.frames - f0),
	       (unsigned long long)(link_stats.octets - o0),
	       (unsigned long long)(early_expiries - early0), done_at ? "" : " incomplete");
	free(hosts);
	free(lts);
	free(hs.heap);
	free(hs.pos);
	free(hx.heap);
	free(hx.pos);
	free(link_stats.bin_octets);
	free(link_stats.bin_frames);
	return 0;

usage:
	fprintf(stderr, "usage: simlink [-n HOSTS] [-S SEED] [-F]\n");
	return 64;
}
