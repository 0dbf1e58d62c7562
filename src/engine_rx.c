/* engine_rx: the receive rules of docs/PROTOCOL.md section 7, in order, and
 * what follows from them: claims on a live name are challenged (section
 * 7.1), our own name is defended, and with a key a datagram must be newer
 * than everything accepted for its (name, link). */
#include <string.h>

#include "engine_int.h"

/* ---- challenges: a claim held until its name's holder answers ---- */

static struct engine_challenge *engine_challenge_find(struct engine *e, const char *name,
						      size_t len, unsigned int ifindex)
{
	size_t i;

	for (i = 0; i < ENGINE_CHALLENGES && e->nchallenges; i++) {
		struct engine_challenge *c = &e->challenges[i];

		if (c->until && c->ifindex == ifindex && name_equal(c->name, c->name_len, name, len))
			return c;
	}
	return NULL;
}

static void engine_challenge_free(struct engine *e, struct engine_challenge *c)
{
	c->until = 0;
	e->nchallenges--;
}

void engine_challenges_drop_link(struct engine *e, unsigned int ifindex)
{
	size_t i;

	for (i = 0; i < ENGINE_CHALLENGES; i++)
		if (e->challenges[i].until && e->challenges[i].ifindex == ifindex)
			engine_challenge_free(e, &e->challenges[i]);
}

uint64_t engine_challenges_next(const struct engine *e)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < ENGINE_CHALLENGES && e->nchallenges; i++)
		if (e->challenges[i].until && e->challenges[i].until < next)
			next = e->challenges[i].until;
	return next;
}

/* With a key: newer than all accepted for its (name, link), whoever sent
 * it: the stored entry holds that, or the memory of departed ones does. */
static bool engine_fresh_ts(const struct engine *e, const char *name, size_t len,
			    unsigned int ifindex, uint64_t ts)
{
	const struct table_entry *t;

	if (!e->keys.n)
		return true;
	t = table_stored(e->table, name, len, ifindex);
	if (t)
		return ts > t->last_ts;
	return !e->replay || ts > auth_replay_last(e->replay, name, len, ifindex);
}

static bool engine_fresh(const struct engine *e, const struct wire_msg *m, unsigned int ifindex)
{
	return engine_fresh_ts(e, m->name, m->name_len, ifindex, m->timestamp);
}

/* A new (name, link) entry: the link's population grows, and the table
 * holds its newest timestamp from now on. */
static void engine_learned(struct engine *e, struct engine_link *l, const char *name,
			   size_t len, uint64_t ts)
{
	l->population++;
	sched_set_population(&l->sched, l->population);
	if (e->replay)
		auth_replay_forget(e->replay, name, len, l->info.ifindex);
	if (ts)
		table_set_timestamp(e->table, name, len, l->info.ifindex, ts);
}

/* Nobody defended the name in time: the claimant has it (its holder is
 * gone, or came back with new addresses), unless the holder said GOODBYE
 * later than the claim was made: then the claim is old news. */
static void engine_challenge_end(struct engine *e, struct engine_challenge *c)
{
	struct engine_link *l = engine_link_find(e, c->ifindex);
	const struct table_entry *t = table_get(e->table, c->name, c->name_len, c->ifindex, e->now);
	bool existed = t != NULL;
	struct engine_event *ev;
	enum table_result r;

	if (!l || (t && t->contested) ||
	    !engine_fresh_ts(e, c->name, c->name_len, c->ifindex, c->ts))
		return;
	r = table_update(e->table, c->name, c->name_len, c->ifindex, c->addrs, c->naddrs,
			 c->lifetime, e->now);
	if (r != TABLE_NEW && r != TABLE_CHANGED && r != TABLE_REFRESH)
		return;
	if (r == TABLE_NEW)
		engine_learned(e, l, c->name, c->name_len, c->ts);
	else if (c->ts)
		table_set_timestamp(e->table, c->name, c->name_len, c->ifindex, c->ts);
	e->adopted++;
	e->generation++;
	t = table_get(e->table, c->name, c->name_len, c->ifindex, e->now);
	ev = engine_emit(e, existed ? ENGINE_EV_CHANGED : ENGINE_EV_NEW, l, c->name, c->name_len,
			 &c->claimant, t);
	if (ev)
		ev->taken_over = existed;
}

void engine_challenges_expire(struct engine *e)
{
	size_t i;

	for (i = 0; i < ENGINE_CHALLENGES && e->nchallenges; i++) {
		struct engine_challenge *c = &e->challenges[i];

		if (c->until && c->until <= e->now) {
			engine_challenge_end(e, c);
			engine_challenge_free(e, c);
		}
	}
}

/* The holder of (name, link) was heard: a claim on it fails, and the next
 * ones are refused without a challenge while the holder keeps the name. */
static void engine_holder_heard(struct engine *e, struct engine_link *l, const char *name,
				size_t len)
{
	struct engine_challenge *c = engine_challenge_find(e, name, len, l->info.ifindex);
	struct engine_event *ev;

	if (!c)
		return;
	table_set_contested(e->table, name, len, l->info.ifindex);
	e->conflicts++;
	ev = engine_emit(e, ENGINE_EV_CONFLICT, l, c->name, c->name_len, &c->claimant, NULL);
	if (ev)
		ev->conflict = ENGINE_CONFLICT_HELD;
	engine_challenge_free(e, c);
}

struct engine_elsewhere {
	unsigned int ifindex;
	const struct in6_addr *src;
	bool found;
};

static void engine_elsewhere(const struct table_entry *t, void *arg)
{
	struct engine_elsewhere *w = arg;

	if (t->ifindex != w->ifindex && engine_has_addr(t->addrs, t->naddrs, w->src))
		w->found = true;
}

static enum engine_verdict engine_claim(struct engine *e, struct engine_link *l,
					const struct wire_msg *m, const struct in6_addr *src,
					const struct table_entry *t)
{
	struct engine_challenge *c;
	struct engine_event *ev;
	size_t i;

	if (t->contested) {
		e->conflicts++;
		ev = engine_emit(e, ENGINE_EV_CONFLICT, l, m->name, m->name_len, src, NULL);
		if (ev)
			ev->conflict = ENGINE_CONFLICT_HELD;
		return ENGINE_CLAIMED;
	}
	c = engine_challenge_find(e, m->name, m->name_len, l->info.ifindex);
	if (c) {
		/* The first claimant keeps the challenge; it may update its set. */
		if (memcmp(&c->claimant, src, sizeof(*src)))
			return ENGINE_CLAIMED;
		if (e->keys.n && m->timestamp <= c->ts)
			return ENGINE_REPLAY;
	} else {
		/* From an address this name has on another of our links: a
		 * datagram relayed from there, not a holder back with a new
		 * address. Its holder cannot defend (it is its own address). */
		struct engine_elsewhere w = { .ifindex = l->info.ifindex, .src = src };

		table_lookup(e->table, m->name, m->name_len, e->now, engine_elsewhere, &w);
		if (w.found)
			return ENGINE_CLAIMED;
		for (i = 0; i < ENGINE_CHALLENGES && e->challenges[i].until; i++)
			;
		if (i == ENGINE_CHALLENGES)
			return ENGINE_CLAIMED;	/* no room: it just fails */
		c = &e->challenges[i];
		e->nchallenges++;
		memset(c, 0, sizeof(*c));
		c->until = e->now + ENGINE_CHALLENGE_MS;
		c->ifindex = l->info.ifindex;
		memcpy(c->name, m->name, m->name_len + 1u);
		c->name_len = m->name_len;
		c->claimant = *src;
	}
	c->naddrs = m->naddrs;
	memcpy(c->addrs, m->addrs, m->naddrs * sizeof(c->addrs[0]));
	c->lifetime = m->lifetime;
	c->ts = m->timestamp;
	return ENGINE_CLAIMED;
}

/* Someone else announced our name: answer with our ANNOUNCE so that
 * receivers holding us see their challenge fail. Once per address within
 * ENGINE_DEFEND_REPEAT_MS, so two hosts with one name do not volley
 * defences at each other; sched_defend() bounds the rate on the link. */
static void engine_defend(struct engine *e, struct engine_link *l, const struct in6_addr *src)
{
	struct engine_defended *d = &l->defended[0];
	size_t i;

	for (i = 0; i < ENGINE_DEFEND_SLOTS; i++) {
		struct engine_defended *s = &l->defended[i];

		if (s->at && !memcmp(&s->src, src, sizeof(*src))) {
			if (e->now < s->at + ENGINE_DEFEND_REPEAT_MS)
				return;
			d = s;
			break;
		}
		if (s->at < d->at)
			d = s;
	}
	d->src = *src;
	d->at = e->now ? e->now : 1;
	sched_defend(&e->sp, &l->sched, e->now);
}

static enum engine_verdict engine_rx_announce(struct engine *e, struct engine_link *l,
					      const struct wire_msg *m, const struct in6_addr *src)
{
	const struct table_entry *t;
	struct engine_event *ev;
	unsigned int ifindex = l->info.ifindex;
	uint64_t ts = e->keys.n ? m->timestamp : 0;
	bool ours = engine_is_our_name(e, m->name, m->name_len);

	if (!engine_fresh(e, m, ifindex))
		return ENGINE_REPLAY;
	sched_heard(&l->sched);
	if (!engine_has_addr(m->addrs, m->naddrs, src))
		return ENGINE_ADDR_MISMATCH;
	if (ours)
		engine_defend(e, l, src);
	/* First holder keeps a live name on a link: a host claiming it is
	 * challenged (it may be the holder back with new addresses). */
	t = table_get(e->table, m->name, m->name_len, ifindex, e->now);
	if (t && !engine_has_addr(t->addrs, t->naddrs, src))
		return engine_claim(e, l, m, src, t);
	if (!t && !ratelimit_allow(e->learn, src, ifindex, e->now))
		return ENGINE_RATE_LIMITED;
	switch (table_update(e->table, m->name, m->name_len, ifindex, m->addrs, m->naddrs,
			     m->lifetime, e->now)) {
	case TABLE_NEW:
		engine_learned(e, l, m->name, m->name_len, ts);
		t = table_get(e->table, m->name, m->name_len, ifindex, e->now);
		ev = engine_emit(e, ours ? ENGINE_EV_CONFLICT : ENGINE_EV_NEW, l, m->name,
				 m->name_len, src, t);
		if (ours) {
			e->conflicts++;
			if (ev)
				ev->conflict = ENGINE_CONFLICT_OURS;
		}
		break;
	case TABLE_CHANGED:
		if (ts)
			table_set_timestamp(e->table, m->name, m->name_len, ifindex, ts);
		t = table_get(e->table, m->name, m->name_len, ifindex, e->now);
		engine_emit(e, ENGINE_EV_CHANGED, l, m->name, m->name_len, src, t);
		engine_holder_heard(e, l, m->name, m->name_len);
		break;
	case TABLE_REFRESH:
		if (ts)
			table_set_timestamp(e->table, m->name, m->name_len, ifindex, ts);
		engine_holder_heard(e, l, m->name, m->name_len);
		break;
	case TABLE_FULL:
		return ENGINE_TABLE_FULL;
	case TABLE_INVALID:
		/* wire_decode() already refused what the table would. */
		engine_note(e, ENGINE_LOG_WARN, "refused invalid entry for %s", m->name);
		return ENGINE_ACCEPTED;
	}
	e->generation++;	/* new, changed, or a later expiry */
	return ENGINE_ACCEPTED;
}

static enum engine_verdict engine_rx_goodbye(struct engine *e, struct engine_link *l,
					     const struct wire_msg *m, const struct in6_addr *src)
{
	unsigned int ifindex = l->info.ifindex;
	struct engine_challenge *c;
	const struct table_entry *t;

	if (!engine_fresh(e, m, ifindex))
		return ENGINE_REPLAY;
	/* A claimant that leaves withdraws its claim. */
	c = engine_challenge_find(e, m->name, m->name_len, ifindex);
	if (c && !memcmp(&c->claimant, src, sizeof(*src))) {
		engine_challenge_free(e, c);
		return ENGINE_ACCEPTED;
	}
	t = table_get(e->table, m->name, m->name_len, ifindex, e->now);
	if (!t) {
		/* Nobody to remove, not an error; but with a key it is the
		 * newest word on the pair, so an older ANNOUNCE replayed later
		 * cannot bring the name back. */
		if (e->keys.n && table_stored(e->table, m->name, m->name_len, ifindex))
			table_set_timestamp(e->table, m->name, m->name_len, ifindex, m->timestamp);
		else if (e->keys.n && e->replay)
			auth_replay_remember(e->replay, m->name, m->name_len, ifindex, m->timestamp,
					     e->wall);
		return ENGINE_ACCEPTED;
	}
	/* Only the holder of the name's address may withdraw it. */
	if (!engine_has_addr(t->addrs, t->naddrs, src))
		return ENGINE_ADDR_MISMATCH;
	engine_emit(e, ENGINE_EV_GOODBYE, l, m->name, m->name_len, src, t);
	/* Its timestamp is what the memory of departed names keeps. */
	if (e->keys.n)
		table_set_timestamp(e->table, m->name, m->name_len, ifindex, m->timestamp);
	table_remove(e->table, m->name, m->name_len, ifindex);
	return ENGINE_ACCEPTED;
}

static enum engine_verdict engine_rx(struct engine *e, const struct engine_datagram *d,
				     struct wire_msg *m, struct engine_link **lp)
{
	struct engine_link *l;
	enum wire_err err;

	/* The on-link check (RFC 5082, as NDP does): only a neighbour on the
	 * link itself can send with hop limit 255 from fe80::/10. */
	if (d->hoplimit != WIRE_HOPLIMIT)
		return ENGINE_HOPLIMIT;
	if (!wire_is_linklocal(&d->src))
		return ENGINE_NOT_LINKLOCAL;
	/* Every sender sends from the port it listens on (as mDNS requires
	 * 5353): anything else is not a linkname host's datagram. */
	if (d->sport != WIRE_PORT)
		return ENGINE_BAD_PORT;
	*lp = l = engine_link_find(e, d->ifindex);
	if (!l)
		return ENGINE_NOT_JOINED;
	if (engine_is_own_address(e, &d->src))
		return ENGINE_OWN;
	err = d->len > WIRE_MAX_PACKET ? WIRE_ERR_TOO_LONG : wire_decode(d->buf, d->len, m);
	if (err != WIRE_OK)
		return ENGINE_WIRE(err);
	if (e->keys.n) {
		if (!m->has_mac)
			return ENGINE_NO_MAC;
		if (!auth_verify(&e->keys, &d->src, d->buf, d->len))
			return ENGINE_BAD_MAC;
		if (auth_window(m->timestamp, e->wall) == AUTH_STALE)
			return ENGINE_STALE;
	}
	switch (m->type) {
	case WIRE_ANNOUNCE:
		return engine_rx_announce(e, l, m, &d->src);
	case WIRE_GOODBYE:
		return engine_rx_goodbye(e, l, m, &d->src);
	default:
		/* SOLICIT changes nothing but when we next announce, which is
		 * rate-limited: there is no state to protect from a replay. */
		if (!m->name_len || engine_is_our_name(e, m->name, m->name_len))
			sched_solicited(&e->sp, &l->sched, e->now, engine_random(e));
		return ENGINE_ACCEPTED;
	}
}

enum engine_verdict engine_receive(struct engine *e, const struct engine_datagram *d,
				   uint64_t now, uint64_t wall)
{
	struct engine_link *l = NULL;
	enum engine_verdict v;
	struct wire_msg m;

	e->now = now;
	e->wall = wall;
	e->rx++;
	m.name_len = 0;
	v = engine_rx(e, d, &m, &l);
	e->counts[v]++;
	if (v != ENGINE_ACCEPTED && (e->log_refused || e->monitored)) {
		struct engine_event *ev = engine_emit(e, ENGINE_EV_REFUSED, l, m.name, m.name_len,
						      &d->src, NULL);

		if (ev) {
			ev->reason = v;
			/* Refused before its link was looked up: say where it came. */
			if (!l)
				ev->ifindex = d->ifindex;
		}
	}
	return v;
}
