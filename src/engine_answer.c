/* engine_answer: the one record builder. Every answer, over the query socket
 * or through the snapshot, is made here from a table entry or from one of
 * our links, so both carry the same records with the same TTLs: a
 * neighbour's counts down to its expiry, ours to when the neighbours stop
 * holding us (our last ANNOUNCE on that link plus the LIFETIME it carried). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static void engine_ttl(struct engine_record *rec, uint64_t expires, uint64_t now)
{
	uint64_t left = expires > now ? (expires - now + 999) / 1000 : 0;

	rec->expires = expires;
	rec->r.ttl = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

void engine_record_of_entry(const struct engine *e, const struct table_entry *t,
			    uint64_t now, struct engine_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->r.ifindex = t->ifindex;
	if (engine_is_our_name(e, t->name, t->name_len))
		rec->r.flags |= QUERY_REC_CONFLICT;
	rec->r.naddrs = t->naddrs;
	rec->r.name_len = t->name_len;
	memcpy(rec->r.name, t->name, t->name_len + 1u);
	memcpy(rec->r.addrs, t->addrs, t->naddrs * sizeof(rec->r.addrs[0]));
	engine_ttl(rec, t->expires, now);
}

/* Ours on link l; false if there is nothing to say (no address, or the
 * neighbours no longer hold it: the snapshot would not show it either). */
static bool engine_record_of_link(const struct engine *e, const struct engine_link *l,
				  uint64_t now, struct engine_record *rec)
{
	if (!l->info.naddrs || l->self_expires <= now)
		return false;
	memset(rec, 0, sizeof(*rec));
	rec->r.ifindex = l->info.ifindex;
	rec->r.flags = QUERY_REC_SELF;
	rec->r.naddrs = (uint8_t)l->info.naddrs;
	rec->r.name_len = e->name_len;
	memcpy(rec->r.name, e->name, e->name_len + 1u);
	memcpy(rec->r.addrs, l->info.addrs, l->info.naddrs * sizeof(rec->r.addrs[0]));
	engine_ttl(rec, l->self_expires, now);
	return true;
}

struct engine_walk {
	const struct engine *e;
	uint64_t now;
	engine_record_fn fn;
	void *arg;
	size_t n, max;
};

static void engine_walk_entry(const struct table_entry *t, void *arg)
{
	struct engine_walk *w = arg;
	struct engine_record rec;

	if (w->n >= w->max)
		return;
	engine_record_of_entry(w->e, t, w->now, &rec);
	w->fn(&rec, w->arg);
	w->n++;
}

/* A name's records in answer order: ours (by ifindex), then neighbours'. */
static size_t engine_records(const struct engine *e, const char *name, size_t len,
			     uint64_t now, size_t max, engine_record_fn fn, void *arg)
{
	struct engine_walk w = { .e = e, .now = now, .fn = fn, .arg = arg, .max = max };
	struct engine_record rec;
	size_t i;

	if (engine_is_our_name(e, name, len))
		for (i = 0; i < e->nlinks && w.n < max; i++)
			if (engine_record_of_link(e, &e->links[i], now, &rec)) {
				fn(&rec, arg);
				w.n++;
			}
	table_lookup(e->table, name, len, now, engine_walk_entry, &w);
	return w.n;
}

size_t engine_resolve(const struct engine *e, const char *name, size_t name_len, uint64_t now,
		      engine_record_fn fn, void *arg)
{
	return engine_records(e, name, name_len, now, QUERY_MAX_RECORDS, fn, arg);
}

size_t engine_reverse(const struct engine *e, const struct in6_addr *addr, unsigned int ifindex,
		      uint64_t now, engine_record_fn fn, void *arg)
{
	const struct table_entry *t;
	struct engine_record rec;
	size_t i;

	for (i = 0; i < e->nlinks; i++) {
		const struct engine_link *l = &e->links[i];

		if ((!ifindex || ifindex == l->info.ifindex) &&
		    engine_has_addr(l->info.addrs, l->info.naddrs, addr) &&
		    engine_record_of_link(e, l, now, &rec)) {
			fn(&rec, arg);
			return 1;
		}
	}
	t = table_reverse(e->table, addr, ifindex, now);
	if (!t)
		return 0;
	engine_record_of_entry(e, t, now, &rec);
	fn(&rec, arg);
	return 1;
}

size_t engine_list(const struct engine *e, uint64_t now, engine_record_fn fn, void *arg)
{
	struct engine_walk w = { .e = e, .now = now, .fn = fn, .arg = arg, .max = SIZE_MAX };

	table_foreach(e->table, now, engine_walk_entry, &w);
	return w.n;
}

/* Collecting one name's records into e->scratch. */
struct engine_group {
	struct engine *e;
	uint64_t now;
	engine_group_fn fn;
	void *arg;
	size_t n, total;
	bool oom;
};

static void engine_group_add(const struct engine_record *rec, void *arg)
{
	struct engine_group *g = arg;
	struct engine *e = g->e;

	if (g->n == e->scratch_cap) {
		size_t cap = e->scratch_cap ? 2 * e->scratch_cap : 16;
		struct engine_record *v = realloc(e->scratch, cap * sizeof(*v));

		if (!v) {
			g->oom = true;
			return;
		}
		e->scratch = v;
		e->scratch_cap = cap;
	}
	e->scratch[g->n++] = *rec;
}

static void engine_group_flush(struct engine_group *g)
{
	if (g->n)
		g->fn(g->e->scratch, g->n, g->arg);
	g->total += g->n;
	g->n = 0;
}

/* Each neighbour's name once, when its first record in answer order
 * comes by: a name on one link (nearly all) costs one record. */
static void engine_group_entry(const struct table_entry *t, void *arg)
{
	struct engine_group *g = arg;
	struct engine_record rec;

	if (engine_is_our_name(g->e, t->name, t->name_len))
		return;		/* with ours */
	if (table_lookup(g->e->table, t->name, t->name_len, g->now, NULL, NULL) == 1) {
		engine_record_of_entry(g->e, t, g->now, &rec);
		engine_group_add(&rec, g);
	} else {
		engine_records(g->e, t->name, t->name_len, g->now, SIZE_MAX, engine_group_add, g);
		if (g->n && g->e->scratch[0].r.ifindex != t->ifindex)
			g->n = 0;
	}
	engine_group_flush(g);
}

size_t engine_each_name(struct engine *e, uint64_t now, engine_group_fn fn, void *arg)
{
	struct engine_group g = { .e = e, .now = now, .fn = fn, .arg = arg };

	engine_records(e, e->name, e->name_len, now, SIZE_MAX, engine_group_add, &g);
	engine_group_flush(&g);
	table_foreach(e->table, now, engine_group_entry, &g);
	return g.total;
}

/* ---- counters ---- */

static const char *const engine_verdict_names[ENGINE_VERDICT_COUNT] = {
	[ENGINE_ACCEPTED]      = "accepted",
	[ENGINE_HOPLIMIT]      = "hop-limit",
	[ENGINE_NOT_LINKLOCAL] = "not-link-local",
	[ENGINE_NOT_JOINED]    = "not-joined",
	[ENGINE_OWN]           = "own",
	[ENGINE_NO_MAC]        = "no-mac",
	[ENGINE_BAD_MAC]       = "bad-mac",
	[ENGINE_STALE]         = "stale",
	[ENGINE_REPLAY]        = "replay",
	[ENGINE_ADDR_MISMATCH] = "addr-mismatch",
	[ENGINE_CLAIMED]       = "claimed",
	[ENGINE_RATE_LIMITED]  = "rate-limited",
	[ENGINE_TABLE_FULL]    = "table-full",
	[ENGINE_BAD_PORT]      = "bad-port",
};

const char *engine_verdict_name(enum engine_verdict v)
{
	if (v > ENGINE_WIRE_BASE && v < ENGINE_WIRE_BASE + WIRE_ERR_COUNT)
		return wire_errname((enum wire_err)(v - ENGINE_WIRE_BASE));
	return v < ENGINE_VERDICT_COUNT && engine_verdict_names[v] ? engine_verdict_names[v] :
	       "unknown";
}

/* The "dropped-" keys in the order linknamectl stats has always shown. */
static const enum engine_verdict engine_stats_order[] = {
	ENGINE_HOPLIMIT, ENGINE_NOT_LINKLOCAL, ENGINE_NOT_JOINED, ENGINE_OWN,
	ENGINE_ADDR_MISMATCH, ENGINE_TABLE_FULL, ENGINE_CLAIMED, ENGINE_RATE_LIMITED,
	ENGINE_NO_MAC, ENGINE_BAD_MAC, ENGINE_STALE, ENGINE_REPLAY, ENGINE_BAD_PORT,
};

struct engine_text {
	char *buf;
	size_t len, need;
};

static void engine_stat(struct engine_text *t, const char *key, unsigned long long v)
{
	char *at = t->need < t->len ? t->buf + t->need : NULL;
	int n = snprintf(at, at ? t->len - t->need : 0, "%s %llu\n", key, v);

	if (n > 0)
		t->need += (size_t)n;
}

static void engine_count_ours(const struct table_entry *t, void *arg)
{
	(void)t;
	(*(size_t *)arg)++;
}

size_t engine_stats(const struct engine *e, uint64_t now, char *buf, size_t len)
{
	struct engine_text t = { .buf = buf, .len = len };
	uint64_t dropped = 0;
	size_t ours = 0, i;
	char key[48];
	int n;

	if (len)
		buf[0] = '\0';
	for (i = 1; i < ENGINE_VERDICT_COUNT; i++)
		dropped += e->counts[i];
	table_lookup(e->table, e->name, e->name_len, now, engine_count_ours, &ours);
	n = snprintf(buf, len, "name %s\n", e->name);
	t.need = n > 0 ? (size_t)n : 0;
	engine_stat(&t, "uptime", (now - e->started) / 1000);
	engine_stat(&t, "interfaces", e->nlinks);
	engine_stat(&t, "neighbours", table_size(e->table));
	engine_stat(&t, "table-capacity", table_capacity(e->table));
	engine_stat(&t, "conflicts-now", ours);
	engine_stat(&t, "conflicts-seen", e->conflicts);
	engine_stat(&t, "claims-taken", e->adopted);
	engine_stat(&t, "received", e->rx);
	engine_stat(&t, "sent", e->tx);
	engine_stat(&t, "send-errors", e->tx_errors);
	engine_stat(&t, "dropped", dropped);
	for (i = 0; i < sizeof(engine_stats_order) / sizeof(engine_stats_order[0]); i++) {
		snprintf(key, sizeof(key), "dropped-%s", engine_verdict_name(engine_stats_order[i]));
		engine_stat(&t, key, e->counts[engine_stats_order[i]]);
	}
	for (i = 1; i < WIRE_ERR_COUNT; i++) {
		snprintf(key, sizeof(key), "dropped-%s", wire_errname((enum wire_err)i));
		engine_stat(&t, key, e->counts[ENGINE_WIRE(i)]);
	}
	return t.need;
}
