/* engine: creation, configuration, the action queue, sending, timers.
 * The link set is in engine_link.c, the receive rules in engine_rx.c, the
 * record builder in engine_answer.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

uint32_t engine_random(struct engine *e)
{
	return e->rnd(e->rnd_arg);
}

bool engine_is_our_name(const struct engine *e, const char *name, size_t len)
{
	return name_equal(name, len, e->name, e->name_len);
}

bool engine_has_addr(const struct in6_addr *set, size_t n, const struct in6_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(&set[i], a, sizeof(*a)))
			return true;
	return false;
}

/* A new action at the end of the queue, or NULL when memory runs out (it
 * is then lost: the engine's state stays right, the world learns later). */
struct engine_action *engine_push(struct engine *e, enum engine_action_type type,
				  const struct engine_link *l)
{
	struct engine_action *a;

	if (e->qlen == e->qcap) {
		size_t cap = e->qcap ? 2 * e->qcap : 16;
		struct engine_action *q = realloc(e->q, cap * sizeof(*q));

		if (!q) {
			e->qfailed = true;
			return NULL;
		}
		e->q = q;
		e->qcap = cap;
	}
	a = &e->q[e->qlen++];
	memset(a, 0, offsetof(struct engine_action, u));
	a->type = type;
	if (l) {
		a->ifindex = l->info.ifindex;
		memcpy(a->ifname, l->info.name, sizeof(a->ifname));
	}
	return a;
}

bool engine_next_action(struct engine *e, struct engine_action *a)
{
	if (e->qhead == e->qlen) {
		e->qhead = e->qlen = 0;
		return false;
	}
	*a = e->q[e->qhead++];
	return true;
}

void engine_note(struct engine *e, enum engine_log_level level, const char *fmt, ...)
{
	struct engine_action *a = engine_push(e, ENGINE_ACT_LOG, NULL);
	va_list ap;

	if (!a)
		return;
	a->u.log.level = level;
	va_start(ap, fmt);
	vsnprintf(a->u.log.text, sizeof(a->u.log.text), fmt, ap);
	va_end(ap);
}

struct engine_event *engine_emit(struct engine *e, enum engine_event_kind kind,
				 const struct engine_link *l, const char *name, size_t name_len,
				 const struct in6_addr *src, const struct table_entry *now_is)
{
	struct engine_action *a = engine_push(e, ENGINE_ACT_EVENT, l);
	struct engine_event *ev;

	if (!a)
		return NULL;
	ev = &a->u.event;
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	if (l) {
		ev->ifindex = l->info.ifindex;
		memcpy(ev->ifname, l->info.name, sizeof(ev->ifname));
	}
	if (name_len <= WIRE_NAME_MAX) {
		memcpy(ev->name, name, name_len);
		ev->name_len = (uint8_t)name_len;
	}
	if (src)
		ev->src = *src;
	if (now_is) {
		ev->naddrs = now_is->naddrs;
		memcpy(ev->addrs, now_is->addrs, now_is->naddrs * sizeof(ev->addrs[0]));
		if (now_is->expires > e->now)
			ev->ttl = (uint32_t)((now_is->expires - e->now + 999) / 1000);
	}
	return ev;
}

void engine_set_monitored(struct engine *e, bool on)
{
	e->monitored = on;
}

/* Strictly increasing, so receivers can refuse anything not newer. */
static uint64_t engine_timestamp(struct engine *e)
{
	e->last_ts = e->wall > e->last_ts ? e->wall : e->last_ts + 1;
	return e->last_ts;
}

/* Our message of that type for link l, queued to be sent. The first
 * address of the announced set is the source, so receivers can check the
 * source is among the announced addresses (and, signed, the MAC binds it). */
void engine_send(struct engine *e, struct engine_link *l, uint8_t type)
{
	static const char *const names[] = { "?", "ANNOUNCE", "GOODBYE", "SOLICIT" };
	struct engine_action *a;
	struct wire_msg m;
	int n;

	if (l->info.naddrs == 0)
		return;
	memset(&m, 0, sizeof(m));
	m.type = type;
	if (type != WIRE_SOLICIT) {
		memcpy(m.name, e->name, e->name_len + 1u);
		m.name_len = e->name_len;
		m.naddrs = (uint8_t)l->info.naddrs;
		memcpy(m.addrs, l->info.addrs, l->info.naddrs * sizeof(m.addrs[0]));
	}
	if (type == WIRE_ANNOUNCE)
		m.lifetime = sched_lifetime(&e->sp, &l->sched, e->lifetime);
	if (e->keys.n) {
		m.timestamp = engine_timestamp(e);
		m.has_mac = 1;
	}
	a = engine_push(e, ENGINE_ACT_SEND, l);
	if (!a)
		return;
	n = wire_encode(&m, a->u.send.buf, sizeof(a->u.send.buf));
	if (n < 0) {
		e->qlen--;
		engine_note(e, ENGINE_LOG_WARN, "cannot encode %s for %s", names[type], l->info.name);
		return;
	}
	if (e->keys.n)
		auth_sign(&e->keys, &l->info.addrs[0], a->u.send.buf, (size_t)n);
	a->u.send.src = l->info.addrs[0];
	a->u.send.msg_type = type;
	a->u.send.len = (uint16_t)n;
	if (type == WIRE_ANNOUNCE) {
		l->self_expires = e->now + (uint64_t)m.lifetime * 1000;
		e->generation++;
	}
}

void engine_sent(struct engine *e, bool ok)
{
	if (ok)
		e->tx++;
	else
		e->tx_errors++;
}

/* Whatever takes an entry out of the table: the link's population and,
 * with keys, the memory of its newest timestamp stay exact. */
static void engine_on_drop(const struct table_entry *t, void *arg)
{
	struct engine *e = arg;
	struct engine_link *l = engine_link_find(e, t->ifindex);

	if (l && l->population) {
		l->population--;
		sched_set_population(&l->sched, l->population);
	}
	if (e->replay && t->last_ts)
		auth_replay_remember(e->replay, t->name, t->name_len, t->ifindex, t->last_ts,
				     e->wall);
	e->generation++;
}

static void engine_on_expired(const struct table_entry *t, void *arg)
{
	struct engine *e = arg;

	engine_emit(e, ENGINE_EV_EXPIRED, engine_link_find(e, t->ifindex), t->name, t->name_len,
		    NULL, t);
}

static bool engine_config_ok(const struct engine_config *c)
{
	return name_valid_str(c->name) && c->interval_s > 0 && c->lifetime_s > 0 &&
	       c->lifetime_s <= WIRE_LIFETIME_MAX && c->keys.n <= AUTH_MAX_KEYS;
}

/* The memory of departed (name, link) timestamps exists once keys do. */
static bool engine_set_keys(struct engine *e, const struct auth_keys *k)
{
	if (k->n && !e->replay && !(e->replay = auth_replay_new(AUTH_REPLAY_SLOTS)))
		return false;
	e->keys = *k;
	return true;
}

struct engine *engine_new(const struct engine_config *c, engine_rnd_fn rnd, void *rnd_arg,
			  uint64_t now)
{
	struct engine *e;

	if (!engine_config_ok(c) || !rnd || c->table_size == 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->rnd = rnd;
	e->rnd_arg = rnd_arg;
	e->started = e->now = now;
	memcpy(e->name, c->name, sizeof(e->name));
	e->name_len = (uint8_t)strlen(e->name);
	e->lifetime = c->lifetime_s;
	e->log_refused = c->log_refused;
	sched_params_default(&e->sp);
	e->sp.interval_ms = c->interval_s * 1000;
	e->table = table_new(c->table_size);
	e->learn = ratelimit_new(ENGINE_LEARN_BURST, ENGINE_LEARN_PER_MS);
	if (!e->table || !e->learn || !engine_set_keys(e, &c->keys)) {
		engine_free(e);
		return NULL;
	}
	table_set_drop_hook(e->table, engine_on_drop, e);
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	table_set_drop_hook(e->table, NULL, NULL);
	table_free(e->table);
	ratelimit_free(e->learn);
	auth_replay_free(e->replay);
	free(e->links);
	free(e->own);
	free(e->q);
	free(e->scratch);
	memset(&e->keys, 0, sizeof(e->keys));
	free(e);
}

void engine_configure(struct engine *e, const struct engine_config *c, uint64_t now,
		      uint64_t wall)
{
	size_t i;

	e->now = now;
	e->wall = wall;
	if (!engine_config_ok(c))
		return;
	if (!engine_set_keys(e, &c->keys))
		engine_note(e, ENGINE_LOG_WARN, "out of memory: keys not changed");
	e->log_refused = c->log_refused;
	if (strcmp(c->name, e->name)) {
		for (i = 0; i < e->nlinks; i++)
			engine_send(e, &e->links[i], WIRE_GOODBYE);
		engine_note(e, ENGINE_LOG_INFO, "name changed from %s to %s", e->name, c->name);
		memcpy(e->name, c->name, sizeof(e->name));
		e->name_len = (uint8_t)strlen(e->name);
		for (i = 0; i < e->nlinks; i++)
			sched_start(&e->sp, &e->links[i].sched, now, engine_random(e));
		e->generation++;
	}
	if (c->interval_s * 1000 != e->sp.interval_ms || c->lifetime_s != e->lifetime) {
		e->sp.interval_ms = c->interval_s * 1000;
		e->lifetime = c->lifetime_s;
		for (i = 0; i < e->nlinks; i++)
			sched_announce_now(&e->links[i].sched, now);
	}
	e->ready_sent = false;
}

void engine_announce_now(struct engine *e, uint64_t now)
{
	size_t i;

	for (i = 0; i < e->nlinks; i++)
		sched_announce_now(&e->links[i].sched, now);
}

void engine_stop(struct engine *e, uint64_t now, uint64_t wall)
{
	size_t i;

	e->now = now;
	e->wall = wall;
	for (i = 0; i < e->nlinks; i++)
		engine_send(e, &e->links[i], WIRE_GOODBYE);
}

void engine_tick(struct engine *e, uint64_t now, uint64_t wall)
{
	size_t i;

	e->now = now;
	e->wall = wall;
	for (i = 0; i < e->nlinks; i++) {
		struct engine_link *l = &e->links[i];
		unsigned int what = sched_due(&e->sp, &l->sched, now, engine_random(e));

		if (what & SCHED_SOLICIT)
			engine_send(e, l, WIRE_SOLICIT);
		if (what & SCHED_ANNOUNCE)
			engine_send(e, l, WIRE_ANNOUNCE);
	}
	table_expire(e->table, now, engine_on_expired, e);
	engine_challenges_expire(e);
	/* Ready once every link has its first ANNOUNCE out, so a unit
	 * ordered after us finds us on the wire. */
	if (!e->ready_sent) {
		for (i = 0; i < e->nlinks; i++)
			if (!sched_on_wire(&e->sp, &e->links[i].sched))
				return;
		if (engine_push(e, ENGINE_ACT_READY, NULL))
			e->ready_sent = true;
	}
}

uint64_t engine_next_deadline(const struct engine *e)
{
	uint64_t next = table_next_expiry(e->table), t;
	size_t i;

	for (i = 0; i < e->nlinks; i++) {
		t = sched_next(&e->links[i].sched);
		if (t < next)
			next = t;
	}
	t = engine_challenges_next(e);
	if (t < next)
		next = t;
	return next;
}

uint64_t engine_generation(const struct engine *e)
{
	return e->generation;
}

const char *engine_name(const struct engine *e)
{
	return e->name;
}

uint32_t engine_lifetime(const struct engine *e)
{
	return e->lifetime;
}

uint32_t engine_interval_ms(const struct engine *e)
{
	return e->sp.interval_ms;
}

uint64_t engine_count(const struct engine *e, enum engine_verdict v)
{
	return v < ENGINE_VERDICT_COUNT ? e->counts[v] : 0;
}

void engine_totals(const struct engine *e, struct engine_totals *t)
{
	t->received = e->rx;
	t->sent = e->tx;
	t->send_errors = e->tx_errors;
	t->conflicts = e->conflicts;
}
