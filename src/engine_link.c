/* engine_link: the links we announce on, in ifindex order so a datagram's
 * link is found by binary search, with every address of ours in one sorted
 * index for the "own" check; and the address sets we announce, kept in a
 * stable order so that neighbours follow our changes (PROTOCOL.md 2.1). */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static int engine_addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

struct engine_link *engine_link_find(const struct engine *e, unsigned int ifindex)
{
	size_t lo = 0, hi = e->nlinks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->links[mid].info.ifindex == ifindex)
			return &e->links[mid];
		if (e->links[mid].info.ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool engine_is_own_address(const struct engine *e, const struct in6_addr *a)
{
	return e->nown && bsearch(a, e->own, e->nown, sizeof(*a), engine_addr_cmp);
}

/* After any change of the link set or of an address set. When memory runs
 * out the index keeps what it had: an own datagram may then be counted
 * under another reason, which changes nothing else. */
static void engine_own_rebuild(struct engine *e)
{
	size_t i, n = 0;
	struct in6_addr *own;

	for (i = 0; i < e->nlinks; i++)
		n += e->links[i].info.naddrs;
	own = realloc(e->own, (n ? n : 1) * sizeof(*own));
	if (!own)
		return;
	e->own = own;
	e->nown = 0;
	for (i = 0; i < e->nlinks; i++) {
		memcpy(&own[e->nown], e->links[i].info.addrs,
		       e->links[i].info.naddrs * sizeof(*own));
		e->nown += e->links[i].info.naddrs;
	}
	qsort(own, e->nown, sizeof(*own), engine_addr_cmp);
}

/* Same addresses, whatever the order? */
static bool engine_same_set(const struct iface_info *a, const struct iface_info *b)
{
	size_t i;

	if (a->naddrs != b->naddrs)
		return false;
	for (i = 0; i < b->naddrs; i++)
		if (!engine_has_addr(a->addrs, a->naddrs, &b->addrs[i]))
			return false;
	return true;
}

/* The new set in announced order: what is still there, in the order we
 * announced it, then what is new, in iface's order. So adding fe80::1 sends
 * [old, fe80::1] from old, which neighbours hold; removing old later sends
 * [fe80::1] from fe80::1, which they hold by then. */
static void engine_merge(struct iface_info *l, const struct iface_info *now)
{
	struct in6_addr out[WIRE_MAX_ADDRS];
	size_t i, n = 0;

	for (i = 0; i < l->naddrs; i++)
		if (engine_has_addr(now->addrs, now->naddrs, &l->addrs[i]))
			out[n++] = l->addrs[i];
	for (i = 0; i < now->naddrs && n < WIRE_MAX_ADDRS; i++)
		if (!engine_has_addr(out, n, &now->addrs[i]))
			out[n++] = now->addrs[i];
	memcpy(l->addrs, out, n * sizeof(out[0]));
	l->naddrs = n;
}

static void engine_link_add(struct engine *e, const struct iface_info *info)
{
	struct engine_link *l;
	size_t pos = 0;

	if (e->nlinks == ENGINE_LINKS_MAX) {
		engine_note(e, ENGINE_LOG_WARN, "too many interfaces, ignoring %s", info->name);
		return;
	}
	if (e->nlinks == e->links_cap) {
		size_t cap = e->links_cap ? 2 * e->links_cap : 8;
		struct engine_link *v = realloc(e->links, cap * sizeof(*v));

		if (!v) {
			engine_note(e, ENGINE_LOG_WARN, "out of memory, ignoring %s", info->name);
			return;
		}
		e->links = v;
		e->links_cap = cap;
	}
	while (pos < e->nlinks && e->links[pos].info.ifindex < info->ifindex)
		pos++;
	memmove(&e->links[pos + 1], &e->links[pos], (e->nlinks - pos) * sizeof(*l));
	e->nlinks++;
	l = &e->links[pos];
	memset(l, 0, sizeof(*l));
	l->info = *info;
	if (l->info.naddrs > WIRE_MAX_ADDRS)
		l->info.naddrs = WIRE_MAX_ADDRS;
	sched_start(&e->sp, &l->sched, e->now, engine_random(e));
	l->self_expires = e->now + (uint64_t)sched_lifetime(&e->sp, &l->sched, e->lifetime) * 1000;
	engine_own_rebuild(e);
	engine_push(e, ENGINE_ACT_JOIN, l);
	e->generation++;
}

void engine_link_remove(struct engine *e, struct engine_link *l, bool joined)
{
	unsigned int ifindex = l->info.ifindex;
	struct engine_action *a;
	size_t n, pos = (size_t)(l - e->links);

	/* Best effort: the kernel may already refuse to send. */
	if (joined)
		engine_send(e, l, WIRE_GOODBYE);
	sched_stop(&l->sched);
	n = table_remove_ifindex(e->table, ifindex);
	engine_challenges_drop_link(e, ifindex);
	if (joined && (a = engine_push(e, ENGINE_ACT_LEAVE, l)))
		a->u.count = n;
	memmove(l, l + 1, (e->nlinks - pos - 1) * sizeof(*l));
	e->nlinks--;
	engine_own_rebuild(e);
	e->generation++;
}

void engine_link(struct engine *e, enum iface_event ev, const struct iface_info *info,
		 uint64_t now, uint64_t wall)
{
	struct engine_link *l = engine_link_find(e, info->ifindex);

	e->now = now;
	e->wall = wall;
	if (ev == IFACE_DOWN || info->naddrs == 0 || info->ifindex == 0) {
		if (l)
			engine_link_remove(e, l, true);
		return;
	}
	if (!l) {
		engine_link_add(e, info);
		return;
	}
	memcpy(l->info.name, info->name, sizeof(l->info.name));	/* a rename */
	if (engine_same_set(&l->info, info))
		return;		/* or a re-report */
	/* A new set: the start-up announcements again, so neighbours replace
	 * the old set at once (we know them already: no SOLICITs). */
	engine_merge(&l->info, info);
	sched_restart_quiet(&e->sp, &l->sched, now, engine_random(e));
	engine_own_rebuild(e);
	engine_note(e, ENGINE_LOG_INFO, "addresses changed on %s", info->name);
	e->generation++;
}

void engine_link_failed(struct engine *e, unsigned int ifindex)
{
	struct engine_link *l = engine_link_find(e, ifindex);

	if (l)
		engine_link_remove(e, l, false);
}

size_t engine_nlinks(const struct engine *e)
{
	return e->nlinks;
}

const struct iface_info *engine_link_info(const struct engine *e, size_t i)
{
	return i < e->nlinks ? &e->links[i].info : NULL;
}

uint32_t engine_population(const struct engine *e, unsigned int ifindex)
{
	const struct engine_link *l = engine_link_find(e, ifindex);

	return l ? l->population : 0;
}
