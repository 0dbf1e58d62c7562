/* Unit tests for the protocol engine (src/engine*.c): every receive rule of
 * docs/PROTOCOL.md section 7 (verdict, counter, table afterwards), links
 * coming and going and changing addresses, SOLICIT answers with a fixed
 * random source, GOODBYE, expiry, conflicts and challenges, renames, the
 * record builder, and the three defects of issue 9. Engines are wired
 * together by feeding one's SEND actions to another, so a whole link is
 * simulated without a socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "engine.h"

#define T0	5000000ull		/* monotonic ms */
#define W0	1700000000000ull	/* wall ms: 2023-11-14 */
#define KEY	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define IF1	2
#define IF2	3

/* The fixed random source: every draw is rnd_value (0: no delays, the
 * shortest jittered period). */
static uint32_t rnd_value;

static uint32_t fixed_rnd(void *arg)
{
	(void)arg;
	return rnd_value;
}

static struct engine_action acts[4096];
static size_t nacts;

static int setup(void **state)
{
	(void)state;
	rnd_value = 0;
	nacts = 0;
	return auth_init();
}

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static bool same(const struct in6_addr *x, const char *s)
{
	struct in6_addr a = A(s);

	return !memcmp(x, &a, sizeof(a));
}

static void config(struct engine_config *c, const char *name, bool keyed, uint32_t table)
{
	char err[64];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->interval_s = 10;
	c->lifetime_s = 30;
	c->table_size = table;
	if (keyed)
		assert_int_equal(auth_parse(KEY, 64, &c->keys, err, sizeof(err)), 0);
}

static struct engine *engine(const char *name, bool keyed, uint32_t table)
{
	struct engine_config c;
	struct engine *e;

	config(&c, name, keyed, table);
	e = engine_new(&c, fixed_rnd, NULL, T0);
	assert_non_null(e);
	return e;
}

/* All queued actions into acts[]; returns how many. */
static size_t drain(struct engine *e)
{
	nacts = 0;
	while (nacts < sizeof(acts) / sizeof(acts[0]) && engine_next_action(e, &acts[nacts]))
		nacts++;
	return nacts;
}

static size_t count(enum engine_action_type type, int msg_type)
{
	size_t i, n = 0;

	for (i = 0; i < nacts; i++)
		if (acts[i].type == type && (msg_type < 0 || acts[i].u.send.msg_type == msg_type))
			n++;
	return n;
}

static const struct engine_action *find(enum engine_action_type type, int msg_type)
{
	size_t i;

	for (i = 0; i < nacts; i++)
		if (acts[i].type == type && (msg_type < 0 || acts[i].u.send.msg_type == msg_type))
			return &acts[i];
	return NULL;
}

static const struct engine_event *find_event(enum engine_event_kind kind)
{
	size_t i;

	for (i = 0; i < nacts; i++)
		if (acts[i].type == ENGINE_ACT_EVENT && acts[i].u.event.kind == kind)
			return &acts[i].u.event;
	return NULL;
}

static void link_set(struct engine *e, enum iface_event ev, unsigned int ifindex, const char *ifname,
		     const char *a1, const char *a2, uint64_t now)
{
	struct iface_info info;

	memset(&info, 0, sizeof(info));
	info.ifindex = ifindex;
	snprintf(info.name, sizeof(info.name), "%s", ifname);
	if (a1)
		info.addrs[info.naddrs++] = A(a1);
	if (a2)
		info.addrs[info.naddrs++] = A(a2);
	engine_link(e, ev, &info, now, W0 + now - T0);
}

static void up(struct engine *e, unsigned int ifindex, const char *a1)
{
	link_set(e, IFACE_UP, ifindex, ifindex == IF1 ? "eth0" : "eth1", a1, NULL, T0);
	drain(e);
}

/* Tick at every deadline up to until, dropping what comes out. */
static void run_until(struct engine *e, uint64_t until)
{
	uint64_t t;

	while ((t = engine_next_deadline(e)) <= until) {
		engine_tick(e, t, W0 + t - T0);
		drain(e);
	}
}

/* The start-up burst out of the way: steady state from T0 + 2000. */
static void settle(struct engine *e)
{
	run_until(e, T0 + 2000);
}

struct dg {
	uint8_t buf[WIRE_MAX_PACKET];
	size_t len;
	struct in6_addr src;
};

/* A datagram of type from src; addrs NULL: just src. ts 0: unsigned. */
static struct dg mk(uint8_t type, const char *name, const char *src, const char *a2,
		    uint32_t lifetime, uint64_t ts)
{
	struct wire_msg m;
	struct auth_keys k;
	struct dg d;
	char err[64];
	int n;

	memset(&m, 0, sizeof(m));
	memset(&d, 0, sizeof(d));
	m.type = type;
	d.src = A(src);
	if (name) {
		snprintf(m.name, sizeof(m.name), "%s", name);
		m.name_len = (uint8_t)strlen(name);
	}
	if (type != WIRE_SOLICIT) {
		m.addrs[m.naddrs++] = d.src;
		if (a2)
			m.addrs[m.naddrs++] = A(a2);
	}
	m.lifetime = type == WIRE_ANNOUNCE ? lifetime : 0;
	m.timestamp = ts;
	m.has_mac = ts != 0;
	n = wire_encode(&m, d.buf, sizeof(d.buf));
	assert_true(n > 0);
	d.len = (size_t)n;
	if (ts) {
		assert_int_equal(auth_parse(KEY, 64, &k, err, sizeof(err)), 0);
		auth_sign(&k, &d.src, d.buf, d.len);
	}
	return d;
}

/* The same octets signed for another source (a key holder sending them). */
static void resign(struct dg *d, const char *src)
{
	struct auth_keys k;
	char err[64];

	d->src = A(src);
	assert_int_equal(auth_parse(KEY, 64, &k, err, sizeof(err)), 0);
	auth_sign(&k, &d->src, d->buf, d->len);
}

static enum engine_verdict feed_from(struct engine *e, const struct dg *d, const char *from,
				     unsigned int ifindex, int hop, uint64_t now)
{
	struct engine_datagram g = { .buf = d->buf, .len = d->len, .src = d->src,
				     .sport = WIRE_PORT, .ifindex = ifindex, .hoplimit = hop };

	if (from)
		g.src = A(from);
	return engine_receive(e, &g, now, W0 + now - T0);
}

static enum engine_verdict feed(struct engine *e, const struct dg *d, uint64_t now)
{
	return feed_from(e, d, NULL, IF1, 255, now);
}

/* Every SEND in acts[] delivered to `to` on ifindex, at now. */
static size_t relay(struct engine *to, unsigned int ifindex, uint64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < nacts; i++) {
		struct engine_datagram g;

		if (acts[i].type != ENGINE_ACT_SEND)
			continue;
		memset(&g, 0, sizeof(g));
		g.buf = acts[i].u.send.buf;
		g.len = acts[i].u.send.len;
		g.src = acts[i].u.send.src;
		g.sport = WIRE_PORT;
		g.ifindex = ifindex;
		g.hoplimit = 255;
		engine_receive(to, &g, now, W0 + now - T0);
		n++;
	}
	return n;
}

struct got {
	size_t n;
	struct engine_record rec[64];
};

static void collect(const struct engine_record *rec, void *arg)
{
	struct got *g = arg;

	if (g->n < 64)
		g->rec[g->n] = *rec;
	g->n++;
}

static struct got resolve(const struct engine *e, const char *name, uint64_t now)
{
	struct got g;

	g.n = 0;
	engine_resolve(e, name, strlen(name), now, collect, &g);
	return g;
}

static bool has(const struct engine_record *r, const char *addr)
{
	struct in6_addr a = A(addr);
	size_t i;

	for (i = 0; i < r->r.naddrs; i++)
		if (!memcmp(&r->r.addrs[i], &a, sizeof(a)))
			return true;
	return false;
}

/* The counter named key in engine_stats() text. */
static unsigned long long stat(const struct engine *e, const char *key, uint64_t now)
{
	char buf[4096], want[64];
	const char *p;

	assert_true(engine_stats(e, now, buf, sizeof(buf)) < sizeof(buf));
	snprintf(want, sizeof(want), "\n%s ", key);
	p = strstr(buf, want);
	assert_non_null(p);
	return strtoull(p + strlen(want), NULL, 10);
}

/* ---- section 7, steps 1-4: transport ---- */

static void test_accept_new_neighbour(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 120, 0);
	const struct engine_event *ev;
	struct got g;

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(feed(e, &d, T0 + 10), ENGINE_ACCEPTED);
	assert_int_equal(engine_count(e, ENGINE_ACCEPTED), 1);
	assert_int_equal(engine_population(e, IF1), 1);
	g = resolve(e, "H2", T0 + 10);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rec[0].r.ifindex, IF1);
	assert_int_equal(g.rec[0].r.ttl, 120);
	assert_int_equal(g.rec[0].r.flags, 0);
	assert_true(has(&g.rec[0], "fe80::2"));
	drain(e);
	ev = find_event(ENGINE_EV_NEW);
	assert_non_null(ev);
	assert_string_equal(ev->name, "h2");
	assert_string_equal(ev->ifname, "eth0");
	assert_int_equal(ev->naddrs, 1);
	engine_free(e);
}

static void test_transport_checks(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 120, 0);

	(void)state;
	up(e, IF1, "fe80::1");
	link_set(e, IFACE_UP, IF2, "eth1", "fe80::1:1", NULL, T0);
	/* 1: hop limit 255 only (a routed datagram has less; -1: unknown). */
	assert_int_equal(feed_from(e, &d, NULL, IF1, 64, T0), ENGINE_HOPLIMIT);
	assert_int_equal(feed_from(e, &d, NULL, IF1, -1, T0), ENGINE_HOPLIMIT);
	assert_int_equal(engine_count(e, ENGINE_HOPLIMIT), 2);
	/* 2: a link-local source. */
	assert_int_equal(feed_from(e, &d, "2001:db8::2", IF1, 255, T0), ENGINE_NOT_LINKLOCAL);
	assert_int_equal(engine_count(e, ENGINE_NOT_LINKLOCAL), 1);
	/* 3: from port 1903, as every sender sends (issue 13, point 9). */
	{
		struct engine_datagram g = { .buf = d.buf, .len = d.len, .src = d.src,
					     .sport = 5555, .ifindex = IF1, .hoplimit = 255 };

		assert_int_equal(engine_receive(e, &g, T0, W0), ENGINE_BAD_PORT);
		g.sport = 0;
		assert_int_equal(engine_receive(e, &g, T0, W0), ENGINE_BAD_PORT);
		assert_int_equal(engine_count(e, ENGINE_BAD_PORT), 2);
		assert_int_equal(stat(e, "dropped-bad-port", T0), 2);
	}
	/* 4: a link we joined. */
	assert_int_equal(feed_from(e, &d, NULL, 9, 255, T0), ENGINE_NOT_JOINED);
	assert_int_equal(engine_count(e, ENGINE_NOT_JOINED), 1);
	/* 5: our own address, on any of our links, is not a neighbour. */
	assert_int_equal(feed_from(e, &d, "fe80::1", IF1, 255, T0), ENGINE_OWN);
	assert_int_equal(feed_from(e, &d, "fe80::1:1", IF1, 255, T0), ENGINE_OWN);
	assert_int_equal(engine_count(e, ENGINE_OWN), 2);
	assert_int_equal(resolve(e, "h2", T0).n, 0);
	assert_int_equal(stat(e, "dropped", T0), 8);
	assert_int_equal(stat(e, "received", T0), 8);
	engine_free(e);
}

/* ---- steps 5-14: the decoder's reasons, each its own counter ---- */

static void test_decode_reasons(void **state)
{
	static const struct {
		const char *hex;
		enum wire_err err;
	} cases[] = {
		{ "4c4e0101", WIRE_ERR_SHORT },
		{ "4c4f010300080000", WIRE_ERR_MAGIC },
		{ "4c4e020300080000", WIRE_ERR_VERSION },
		{ "4c4e010400080000", WIRE_ERR_TYPE },
		{ "4c4e010300090000", WIRE_ERR_LENGTH },
		{ "4c4e0103000a00000001", WIRE_ERR_TLV },
		{ "4c4e0103000c000080400000", WIRE_ERR_CRITICAL },
		{ "4c4e010300120000 0001000178 0001000178", WIRE_ERR_DUPLICATE },
		{ "4c4e0103000d000000010001 5f", WIRE_ERR_NAME },
		{ "4c4e010100150000 0001000178 0003000400000000", WIRE_ERR_LIFETIME },
		{ "4c4e010100080000", WIRE_ERR_MISSING },
	};
	struct engine *e = engine("h1", false, 64);
	size_t i, j;

	(void)state;
	up(e, IF1, "fe80::1");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dg d;
		const char *h = cases[i].hex;

		memset(&d, 0, sizeof(d));
		d.src = A("fe80::2");
		for (j = 0; h[j]; j++) {
			unsigned int v;

			if (h[j] == ' ')
				continue;
			assert_int_equal(sscanf(h + j, "%2x", &v), 1);
			d.buf[d.len++] = (uint8_t)v;
			j++;
		}
		assert_int_equal(feed(e, &d, T0), ENGINE_WIRE(cases[i].err));
		assert_int_equal(engine_count(e, ENGINE_WIRE(cases[i].err)), 1);
	}
	/* 6: longer than 1232 octets, whatever the buffer holds. */
	{
		struct dg d = mk(WIRE_SOLICIT, NULL, "fe80::2", NULL, 0, 0);

		d.len = 1233;
		assert_int_equal(feed(e, &d, T0), ENGINE_WIRE(WIRE_ERR_TOO_LONG));
	}
	/* 13: a non-link-local ADDRESS. */
	{
		struct dg d = mk(WIRE_ANNOUNCE, "x", "fe80::2", "fe80::3", 60, 0);

		d.buf[38] = 0x20;	/* the second ADDRESS becomes fe20::3 */
		assert_int_equal(feed(e, &d, T0), ENGINE_WIRE(WIRE_ERR_ADDRESS));
	}
	assert_int_equal(stat(e, "dropped-bad-name", T0), 1);
	assert_int_equal(stat(e, "dropped-too-long", T0), 1);
	assert_int_equal(stat(e, "dropped", T0), 13);
	assert_int_equal(resolve(e, "x", T0).n, 0);
	engine_free(e);
}

/* ---- steps 15-18: keys ---- */

static void test_signed_checks(void **state)
{
	struct engine *e = engine("h1", true, 64);
	struct dg unsigned_ = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 60, 0);
	struct dg ok = mk(WIRE_ANNOUNCE, "h2", "fe80::2", "fe80::22", 60, W0 + 5);
	struct dg old = mk(WIRE_ANNOUNCE, "h3", "fe80::3", NULL, 60, W0 - 31000);
	struct dg ahead = mk(WIRE_ANNOUNCE, "h3", "fe80::3", NULL, 60, W0 + 31000);
	struct dg tampered = ok;

	(void)state;
	up(e, IF1, "fe80::1");
	/* 15: a MAC is required. */
	assert_int_equal(feed(e, &unsigned_, T0), ENGINE_NO_MAC);
	/* 16: it covers every octet, and the source address. */
	tampered.buf[13] ^= 1;
	assert_int_equal(feed(e, &tampered, T0), ENGINE_BAD_MAC);
	assert_int_equal(feed_from(e, &ok, "fe80::22", IF1, 255, T0), ENGINE_BAD_MAC);
	/* 17: within 30 s of our clock. */
	assert_int_equal(feed(e, &old, T0), ENGINE_STALE);
	assert_int_equal(feed(e, &ahead, T0), ENGINE_STALE);
	assert_int_equal(resolve(e, "h3", T0).n, 0);
	/* 18: newer than what was accepted for (name, link). */
	assert_int_equal(feed(e, &ok, T0), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &ok, T0 + 1), ENGINE_REPLAY);
	assert_int_equal(engine_count(e, ENGINE_NO_MAC), 1);
	assert_int_equal(engine_count(e, ENGINE_BAD_MAC), 2);
	assert_int_equal(engine_count(e, ENGINE_STALE), 2);
	assert_int_equal(engine_count(e, ENGINE_REPLAY), 1);
	assert_int_equal(resolve(e, "h2", T0 + 1).n, 1);
	engine_free(e);
}

/* ---- steps 19-23 ---- */

static void test_addr_mismatch(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "x", "fe80::5", NULL, 60, 0);

	(void)state;
	up(e, IF1, "fe80::1");
	/* 19: announced from an address not in its set (fe80::4 poisons 5). */
	assert_int_equal(feed_from(e, &d, "fe80::4", IF1, 255, T0), ENGINE_ADDR_MISMATCH);
	assert_int_equal(engine_count(e, ENGINE_ADDR_MISMATCH), 1);
	assert_int_equal(resolve(e, "x", T0).n, 0);
	engine_free(e);
}

static void test_rate_limited(void **state)
{
	struct engine *e = engine("h1", false, 64);
	char name[8];
	int i;

	(void)state;
	up(e, IF1, "fe80::1");
	/* 21: four new names per source at once, then one per 10 s. */
	for (i = 0; i < 5; i++) {
		struct dg d;

		snprintf(name, sizeof(name), "n%d", i);
		d = mk(WIRE_ANNOUNCE, name, "fe80::9", NULL, 60, 0);
		assert_int_equal(feed(e, &d, T0), i < 4 ? ENGINE_ACCEPTED : ENGINE_RATE_LIMITED);
	}
	assert_int_equal(engine_count(e, ENGINE_RATE_LIMITED), 1);
	assert_int_equal(resolve(e, "n4", T0).n, 0);
	/* A refresh of a known name is not learning. */
	{
		struct dg d = mk(WIRE_ANNOUNCE, "n0", "fe80::9", NULL, 60, 0);

		assert_int_equal(feed(e, &d, T0 + 1), ENGINE_ACCEPTED);
	}
	engine_free(e);
}

static void test_table_full(void **state)
{
	struct engine *e = engine("h1", false, 2);
	struct dg a = mk(WIRE_ANNOUNCE, "a", "fe80::a", NULL, 60, 0);
	struct dg b = mk(WIRE_ANNOUNCE, "b", "fe80::b", NULL, 60, 0);
	struct dg c = mk(WIRE_ANNOUNCE, "c", "fe80::c", NULL, 60, 0);

	(void)state;
	up(e, IF1, "fe80::1");
	/* 22: a full table of refreshed entries takes nobody new. */
	assert_int_equal(feed(e, &a, T0), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &b, T0), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &a, T0 + 1), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &b, T0 + 1), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &c, T0 + 2), ENGINE_TABLE_FULL);
	assert_int_equal(engine_count(e, ENGINE_TABLE_FULL), 1);
	assert_int_equal(resolve(e, "c", T0 + 2).n, 0);
	assert_int_equal(engine_population(e, IF1), 2);
	engine_free(e);
}

static void test_goodbye(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg ann = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 60, 0);
	struct dg bye = mk(WIRE_GOODBYE, "h2", "fe80::2", NULL, 0, 0);
	struct dg unknown = mk(WIRE_GOODBYE, "h9", "fe80::9", NULL, 0, 0);

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(feed(e, &ann, T0), ENGINE_ACCEPTED);
	/* 23: only from an address of the entry. */
	assert_int_equal(feed_from(e, &bye, "fe80::4", IF1, 255, T0), ENGINE_ADDR_MISMATCH);
	assert_int_equal(resolve(e, "h2", T0).n, 1);
	/* For a name we do not know: nothing to do, nothing counted. */
	assert_int_equal(feed(e, &unknown, T0), ENGINE_ACCEPTED);
	drain(e);
	assert_int_equal(feed(e, &bye, T0 + 1), ENGINE_ACCEPTED);
	assert_int_equal(resolve(e, "h2", T0 + 1).n, 0);
	assert_int_equal(engine_population(e, IF1), 0);
	drain(e);
	assert_non_null(find_event(ENGINE_EV_GOODBYE));
	assert_string_equal(find_event(ENGINE_EV_GOODBYE)->name, "h2");
	engine_free(e);
}

static void test_expiry(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 3, 0);

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(feed(e, &d, T0), ENGINE_ACCEPTED);
	assert_true(engine_next_deadline(e) <= T0 + 3000);
	engine_tick(e, T0 + 2999, W0 + 2999);
	assert_int_equal(resolve(e, "h2", T0 + 2999).n, 1);
	assert_int_equal(resolve(e, "h2", T0 + 2999).rec[0].r.ttl, 1);
	drain(e);
	engine_tick(e, T0 + 3000, W0 + 3000);
	drain(e);
	assert_int_equal(resolve(e, "h2", T0 + 3000).n, 0);
	assert_non_null(find_event(ENGINE_EV_EXPIRED));
	assert_int_equal(engine_population(e, IF1), 0);
	assert_int_equal(stat(e, "neighbours", T0 + 3000), 0);
	engine_free(e);
}

/* ---- links ---- */

static void test_link_up_down(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 60, 0);
	const struct engine_action *a;

	(void)state;
	link_set(e, IFACE_UP, IF2, "eth1", "fe80::1:1", NULL, T0);
	link_set(e, IFACE_UP, IF1, "eth0", "fe80::1", NULL, T0);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_JOIN, -1), 2);
	assert_int_equal(engine_nlinks(e), 2);
	/* Kept in ifindex order, whatever order they came in. */
	assert_int_equal(engine_link_info(e, 0)->ifindex, IF1);
	assert_int_equal(engine_link_info(e, 1)->ifindex, IF2);
	assert_int_equal(feed_from(e, &d, NULL, IF2, 255, T0), ENGINE_ACCEPTED);
	assert_int_equal(engine_population(e, IF2), 1);
	/* Down: GOODBYE on it (best effort), leave, forget its neighbours. */
	link_set(e, IFACE_DOWN, IF2, "eth1", "fe80::1:1", NULL, T0 + 5);
	drain(e);
	a = find(ENGINE_ACT_SEND, WIRE_GOODBYE);
	assert_non_null(a);
	assert_int_equal(a->ifindex, IF2);
	a = find(ENGINE_ACT_LEAVE, -1);
	assert_non_null(a);
	assert_int_equal(a->u.count, 1);
	assert_true(find(ENGINE_ACT_SEND, WIRE_GOODBYE) < a);
	assert_int_equal(engine_nlinks(e), 1);
	assert_int_equal(resolve(e, "h2", T0 + 5).n, 0);
	assert_int_equal(feed_from(e, &d, NULL, IF2, 255, T0 + 5), ENGINE_NOT_JOINED);
	/* A link whose join failed is forgotten without a word on the wire. */
	link_set(e, IFACE_UP, 7, "eth7", "fe80::7:1", NULL, T0 + 6);
	drain(e);
	engine_link_failed(e, 7);
	assert_int_equal(drain(e), 0);
	assert_int_equal(engine_nlinks(e), 1);
	engine_free(e);
}

static void test_startup_burst_and_ready(void **state)
{
	struct engine *e = engine("h1", false, 64);
	uint64_t t;
	size_t ann = 0, sol = 0, i;

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(engine_next_deadline(e), T0);	/* start delay rnd % 11 = 0 */
	engine_tick(e, T0, W0);
	drain(e);
	/* The first ANNOUNCE, after a SOLICIT, and we are ready. */
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_SOLICIT), 1);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	assert_non_null(find(ENGINE_ACT_READY, -1));
	assert_true(find(ENGINE_ACT_SEND, WIRE_ANNOUNCE) < find(ENGINE_ACT_READY, -1));
	/* The rest of the burst: 3 ANNOUNCEs 500 ms apart, 2 with a SOLICIT. */
	for (t = T0 + 1; t < T0 + 2000; t = engine_next_deadline(e)) {
		engine_tick(e, t, W0 + t - T0);
		drain(e);
		ann += count(ENGINE_ACT_SEND, WIRE_ANNOUNCE);
		sol += count(ENGINE_ACT_SEND, WIRE_SOLICIT);
		for (i = 0; i < nacts; i++)
			assert_int_not_equal(acts[i].type, ENGINE_ACT_READY);
	}
	assert_int_equal(ann, 2);
	assert_int_equal(sol, 1);
	engine_free(e);
}

static void test_solicit_answers(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg all = mk(WIRE_SOLICIT, NULL, "fe80::2", NULL, 0, 0);
	struct dg ours = mk(WIRE_SOLICIT, "H1", "fe80::2", NULL, 0, 0);
	struct dg other = mk(WIRE_SOLICIT, "h3", "fe80::2", NULL, 0, 0);
	uint64_t t = T0 + 20000;
	int i;

	(void)state;
	up(e, IF1, "fe80::1");
	run_until(e, t);
	/* A fixed draw gives an exact answer time: rnd % 201 ms. */
	rnd_value = 150;
	assert_int_equal(feed(e, &other, t), ENGINE_ACCEPTED);
	assert_true(engine_next_deadline(e) > t + 200);
	assert_int_equal(feed(e, &all, t), ENGINE_ACCEPTED);
	assert_int_equal(engine_next_deadline(e), t + 150);
	engine_tick(e, t + 150, W0);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	/* A storm: one answer per second at most, the next a gap later. */
	for (i = 0; i < 100; i++)
		assert_int_equal(feed(e, i % 2 ? &ours : &all, t + 151 + (uint64_t)i), ENGINE_ACCEPTED);
	assert_int_equal(engine_next_deadline(e), t + 150 + 1000);
	engine_tick(e, t + 1149, W0);
	assert_int_equal(drain(e), 0);
	engine_tick(e, t + 1150, W0);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	engine_free(e);
}

/* ---- defect 1: our own address changes ---- */

static void test_address_change_order(void **state)
{
	struct engine *e = engine("h2", false, 64);
	const struct engine_action *a;
	struct wire_msg m;

	(void)state;
	up(e, IF1, "fe80::a");
	settle(e);
	/* iface reports addresses sorted: fe80::1 first. We keep ours first. */
	link_set(e, IFACE_CHANGED, IF1, "eth0", "fe80::1", "fe80::a", T0 + 5000);
	assert_int_equal(engine_next_deadline(e), T0 + 5000);	/* at once */
	engine_tick(e, T0 + 5000, W0 + 5000);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_SOLICIT), 0);
	a = find(ENGINE_ACT_SEND, WIRE_ANNOUNCE);
	assert_non_null(a);
	assert_int_equal(wire_decode(a->u.send.buf, a->u.send.len, &m), WIRE_OK);
	assert_int_equal(m.naddrs, 2);
	assert_true(same(&m.addrs[0], "fe80::a"));
	assert_true(same(&a->u.send.src, "fe80::a"));
	assert_true(same(&m.addrs[1], "fe80::1"));
	/* The old one goes: the next comes from fe80::1. */
	link_set(e, IFACE_CHANGED, IF1, "eth0", "fe80::1", NULL, T0 + 6000);
	engine_tick(e, T0 + 6000, W0 + 6000);
	drain(e);
	a = find(ENGINE_ACT_SEND, WIRE_ANNOUNCE);
	assert_non_null(a);
	assert_true(same(&a->u.send.src, "fe80::1"));
	engine_free(e);
}

/* Both steps seen by a neighbour: no claim, no conflict, the new set. */
static void test_address_change_followed(void **state)
{
	struct engine *h2 = engine("h2", false, 64), *h1 = engine("h1", false, 64);
	uint64_t t;
	struct got g;

	(void)state;
	up(h1, IF1, "fe80::11");
	up(h2, IF1, "fe80::a");
	engine_tick(h2, T0, W0);
	drain(h2);
	relay(h1, IF1, T0);
	link_set(h2, IFACE_CHANGED, IF1, "eth0", "fe80::1", "fe80::a", T0 + 5000);
	engine_tick(h2, T0 + 5000, W0 + 5000);
	drain(h2);
	relay(h1, IF1, T0 + 5000);
	g = resolve(h1, "h2", T0 + 5000);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rec[0].r.naddrs, 2);
	link_set(h2, IFACE_CHANGED, IF1, "eth0", "fe80::1", NULL, T0 + 6000);
	for (t = T0 + 6000; t < T0 + 8000; t = engine_next_deadline(h2)) {
		engine_tick(h2, t, W0 + t - T0);
		drain(h2);
		relay(h1, IF1, t);
	}
	g = resolve(h1, "h2", t);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rec[0].r.naddrs, 1);
	assert_true(has(&g.rec[0], "fe80::1"));
	assert_int_equal(engine_count(h1, ENGINE_CLAIMED), 0);
	assert_int_equal(stat(h1, "conflicts-seen", t), 0);
	engine_free(h1);
	engine_free(h2);
}

/* ---- defect 2: a holder back with new addresses; an impostor ---- */

static void test_takeback_silent_holder(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg old = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, 0);
	struct dg now = mk(WIRE_ANNOUNCE, "h2", "fe80::b", NULL, 30, 0);
	const struct engine_event *ev;
	struct got g;

	(void)state;
	up(e, IF1, "fe80::1");
	settle(e);
	assert_int_equal(feed(e, &old, T0 + 2000), ENGINE_ACCEPTED);
	/* h2 back with a new address: a claim, challenged, not taken yet. */
	assert_int_equal(feed(e, &now, T0 + 3000), ENGINE_CLAIMED);
	assert_int_equal(engine_count(e, ENGINE_CLAIMED), 1);
	assert_true(has(&resolve(e, "h2", T0 + 3000).rec[0], "fe80::2"));
	assert_int_equal(engine_next_deadline(e), T0 + 3000 + ENGINE_CHALLENGE_MS);
	engine_tick(e, T0 + 3499, W0);
	assert_true(has(&resolve(e, "h2", T0 + 3499).rec[0], "fe80::2"));
	drain(e);
	/* Nobody answered: h2 has its name back, at its new address. */
	engine_tick(e, T0 + 3500, W0);
	g = resolve(e, "h2", T0 + 3500);
	assert_int_equal(g.n, 1);
	assert_true(has(&g.rec[0], "fe80::b"));
	assert_false(has(&g.rec[0], "fe80::2"));
	drain(e);
	ev = find_event(ENGINE_EV_CHANGED);
	assert_non_null(ev);
	assert_true(ev->taken_over);
	assert_null(find_event(ENGINE_EV_CONFLICT));
	assert_int_equal(stat(e, "claims-taken", T0 + 3500), 1);
	assert_int_equal(stat(e, "conflicts-seen", T0 + 3500), 0);
	engine_free(e);
}

static void test_impostor_defended(void **state)
{
	struct engine *h2 = engine("h2", false, 64), *h1 = engine("h1", false, 64);
	struct engine *fake = engine("h2", false, 64);
	const struct engine_event *ev;
	struct got g;

	(void)state;
	up(h1, IF1, "fe80::1");
	up(h2, IF1, "fe80::2");
	up(fake, IF1, "fe80::3");
	engine_tick(h2, T0, W0);
	drain(h2);
	relay(h1, IF1, T0);
	relay(fake, IF1, T0);	/* the impostor sees h2 too: its conflict */
	drain(fake);
	assert_non_null(find_event(ENGINE_EV_CONFLICT));
	assert_int_equal(find_event(ENGINE_EV_CONFLICT)->conflict, ENGINE_CONFLICT_OURS);
	/* The impostor announces "h2" (its own defence, or its start-up). */
	engine_tick(fake, T0 + 100, W0 + 100);
	drain(fake);
	assert_true(relay(h1, IF1, T0 + 100) > 0);
	assert_int_equal(engine_count(h1, ENGINE_CLAIMED), 1);
	relay(h2, IF1, T0 + 100);
	/* h2 logs the conflict and defends at once... */
	assert_int_equal(engine_next_deadline(h2), T0 + 100);
	engine_tick(h2, T0 + 100, W0 + 100);
	drain(h2);
	assert_int_equal(find_event(ENGINE_EV_CONFLICT)->conflict, ENGINE_CONFLICT_OURS);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	/* ...so h1's challenge fails: a conflict, and h2 keeps its name. */
	relay(h1, IF1, T0 + 110);
	drain(h1);
	ev = find_event(ENGINE_EV_CONFLICT);
	assert_non_null(ev);
	assert_int_equal(ev->conflict, ENGINE_CONFLICT_HELD);
	assert_true(same(&ev->src, "fe80::3"));
	engine_tick(h1, T0 + 2000, W0 + 2000);
	g = resolve(h1, "h2", T0 + 2000);
	assert_int_equal(g.n, 1);
	assert_true(has(&g.rec[0], "fe80::2"));
	assert_int_equal(stat(h1, "claims-taken", T0 + 2000), 0);
	/* Later claims are refused at once: no challenge, no defence needed. */
	engine_tick(fake, T0 + 20000, W0 + 20000);
	drain(fake);
	relay(h1, IF1, T0 + 20000);
	assert_int_equal(engine_count(h1, ENGINE_CLAIMED), 2);
	run_until(h1, T0 + 21000);
	assert_true(has(&resolve(h1, "h2", T0 + 21000).rec[0], "fe80::2"));
	assert_int_equal(stat(h1, "claims-taken", T0 + 21000), 0);
	engine_free(h1);
	engine_free(h2);
	engine_free(fake);
}

/* Defences are bounded: once per address a second, one per 250 ms. */
static void test_defence_bounded(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg x = mk(WIRE_ANNOUNCE, "h1", "fe80::9", NULL, 30, 0);
	struct dg y = mk(WIRE_ANNOUNCE, "h1", "fe80::8", NULL, 30, 0);
	struct dg z = mk(WIRE_ANNOUNCE, "h1", "fe80::7", NULL, 30, 0);
	struct dg sol = mk(WIRE_SOLICIT, NULL, "fe80::6", NULL, 0, 0);
	uint64_t t = T0 + 20000;
	int i;

	(void)state;
	up(e, IF1, "fe80::1");
	run_until(e, t);
	for (i = 0; i < 50; i++)
		feed(e, &x, t + (uint64_t)i);
	engine_tick(e, t + 50, W0);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	/* Another address at once: it waits for the 250 ms gap. */
	feed(e, &y, t + 60);
	assert_int_equal(engine_next_deadline(e), t + 50 + 250);
	engine_tick(e, t + 299, W0);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	drain(e);
	engine_tick(e, t + 300, W0);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	/* A SOLICIT storm (answered once a second) does not hold one back. */
	for (i = 0; i < 20; i++)
		feed(e, &sol, t + 1000);
	engine_tick(e, t + 1200, W0);
	drain(e);
	for (i = 0; i < 20; i++)
		feed(e, &sol, t + 1201);
	feed(e, &z, t + 1201);
	engine_tick(e, t + 1201, W0);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_ANNOUNCE), 1);
	engine_free(e);
}

/* ---- defect 3: replays ---- */

static void test_replay_spoofed_then_old_goodbye(void **state)
{
	struct engine *e = engine("h1", true, 2048);
	struct dg bye = mk(WIRE_GOODBYE, "h2", "fe80::2", NULL, 0, W0 + 100);
	struct dg again = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 1000);
	struct dg fresh = mk(WIRE_ANNOUNCE, "h3", "fe80::3", NULL, 30, W0 + 2000);
	struct dg first = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 50);
	char src[64];
	int i;

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(feed(e, &first, T0 + 50), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &bye, T0 + 100), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &again, T0 + 1000), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &fresh, T0 + 2000), ENGINE_ACCEPTED);
	/* A fresh datagram re-sent from 1,100 spoofed sources. */
	for (i = 0; i < 1100; i++) {
		snprintf(src, sizeof(src), "fe80::%x:%x", 0x1000 + i / 256, i % 256);
		assert_int_equal(feed_from(e, &fresh, src, IF1, 255, T0 + 2001), ENGINE_BAD_MAC);
	}
	/* h2's old GOODBYE, from h2's address: refused, h2 kept. */
	assert_int_equal(feed(e, &bye, T0 + 2002), ENGINE_REPLAY);
	assert_int_equal(resolve(e, "h2", T0 + 2002).n, 1);
	/* The second address of a host cannot make it fresh either. */
	assert_int_equal(feed_from(e, &again, "fe80::22", IF1, 255, T0 + 2003), ENGINE_BAD_MAC);
	engine_free(e);
}

static void test_replay_after_goodbye_any_link(void **state)
{
	struct engine *e = engine("h1", true, 64);
	struct dg ann0 = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 10);
	struct dg ann1 = mk(WIRE_ANNOUNCE, "h2", "fe80::2:1", NULL, 30, W0 + 11);
	struct dg bye0 = mk(WIRE_GOODBYE, "h2", "fe80::2", NULL, 0, W0 + 20);
	struct dg bye1 = mk(WIRE_GOODBYE, "h2", "fe80::2:1", NULL, 0, W0 + 21);
	struct dg last0 = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 15);

	(void)state;
	up(e, IF1, "fe80::1");
	up(e, IF2, "fe80::1:1");
	assert_int_equal(feed_from(e, &ann0, NULL, IF1, 255, T0 + 10), ENGINE_ACCEPTED);
	assert_int_equal(feed_from(e, &ann1, NULL, IF2, 255, T0 + 11), ENGINE_ACCEPTED);
	/* A datagram from link 1, newer than the last on link 2, replayed
	 * on link 2 is a claim there, not a state. */
	assert_int_equal(feed_from(e, &last0, NULL, IF2, 255, T0 + 16), ENGINE_CLAIMED);
	assert_int_equal(feed_from(e, &bye0, NULL, IF1, 255, T0 + 20), ENGINE_ACCEPTED);
	assert_int_equal(feed_from(e, &bye1, NULL, IF2, 255, T0 + 21), ENGINE_ACCEPTED);
	assert_int_equal(resolve(e, "h2", T0 + 21).n, 0);
	/* Its last ANNOUNCE, after its GOODBYE, on either link: refused. */
	assert_int_equal(feed_from(e, &last0, NULL, IF1, 255, T0 + 22), ENGINE_REPLAY);
	assert_int_equal(feed_from(e, &last0, NULL, IF2, 255, T0 + 23), ENGINE_REPLAY);
	engine_tick(e, T0 + 600, W0 + 600);
	assert_int_equal(resolve(e, "h2", T0 + 600).n, 0);
	/* Back for real, with a newer timestamp: welcome. */
	{
		struct dg back = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 700);

		assert_int_equal(feed_from(e, &back, NULL, IF1, 255, T0 + 700), ENGINE_ACCEPTED);
	}
	engine_free(e);
}

/* A timestamp counts only once its datagram was accepted. */
static void test_timestamp_only_when_accepted(void **state)
{
	struct engine *e = engine("h1", true, 64);
	struct dg holder = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 10);
	struct dg mismatch = mk(WIRE_ANNOUNCE, "h2", "fe80::5", NULL, 30, W0 + 100);
	struct dg refresh = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 50);

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(feed(e, &holder, T0 + 10), ENGINE_ACCEPTED);
	/* Signed by a key holder at fe80::5, refused: its timestamp is not h2's. */
	assert_int_equal(feed_from(e, &mismatch, "fe80::5", IF1, 255, T0 + 100), ENGINE_CLAIMED);
	assert_int_equal(feed(e, &refresh, T0 + 110), ENGINE_ACCEPTED);
	engine_free(e);
}

/* Issue 13 points 7 and 8: a datagram dropped at any later step leaves
 * no timestamp behind; a GOODBYE for a name nobody holds changes nothing
 * and is not an error, but with a key its TIMESTAMP is remembered, so the
 * departed host's older ANNOUNCE replayed afterwards is refused. */
static void test_timestamps_of_drops_and_unheld_goodbye(void **state)
{
	struct engine *e = engine("h1", true, 64);
	struct dg holder = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 10);
	struct dg mismatch = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 100);
	struct dg refresh = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 30, W0 + 50);
	struct dg bye_h2 = mk(WIRE_GOODBYE, "h2", "fe80::2", NULL, 0, W0 + 60);
	struct dg bye_other = mk(WIRE_GOODBYE, "h2", "fe80::9", NULL, 0, W0 + 200);
	struct dg old = mk(WIRE_ANNOUNCE, "h5", "fe80::5", NULL, 30, W0 + 10);
	struct dg bye = mk(WIRE_GOODBYE, "h5", "fe80::5", NULL, 0, W0 + 20);
	char name[8];
	int i;

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(feed(e, &holder, T0 + 10), ENGINE_ACCEPTED);
	/* Step 20 (sent from an address it does not announce): no trace. */
	resign(&mismatch, "fe80::7");
	assert_int_equal(feed(e, &mismatch, T0 + 100), ENGINE_ADDR_MISMATCH);
	/* Step 24 (a GOODBYE from an address h2 does not have): no trace. */
	assert_int_equal(feed(e, &bye_other, T0 + 110), ENGINE_ADDR_MISMATCH);
	assert_int_equal(feed(e, &refresh, T0 + 120), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &bye_h2, T0 + 130), ENGINE_ACCEPTED);
	/* Step 22 (rate-limited): no trace either. */
	for (i = 0; i < ENGINE_LEARN_BURST + 1; i++) {
		struct dg d;

		snprintf(name, sizeof(name), "r%d", i);
		d = mk(WIRE_ANNOUNCE, name, "fe80::8", NULL, 30, W0 + 300 + (uint64_t)i);
		assert_int_equal(feed(e, &d, T0 + 300), i < ENGINE_LEARN_BURST ?
				 ENGINE_ACCEPTED : ENGINE_RATE_LIMITED);
	}
	{
		struct dg d = mk(WIRE_ANNOUNCE, name, "fe80::8", NULL, 30, W0 + 301);

		assert_int_equal(feed(e, &d, T0 + 10300 + 1), ENGINE_ACCEPTED);
	}
	/* h5 was never heard here; its GOODBYE changes nothing... */
	assert_int_equal(feed(e, &bye, T0 + 10400), ENGINE_ACCEPTED);
	assert_int_equal(stat(e, "dropped", T0 + 10400), 3);
	assert_int_equal(resolve(e, "h5", T0 + 10400).n, 0);
	/* ...but its older ANNOUNCE, replayed now, does not bring it back. */
	assert_int_equal(feed(e, &old, T0 + 10410), ENGINE_REPLAY);
	assert_int_equal(resolve(e, "h5", T0 + 10410).n, 0);
	engine_free(e);
}

/* When the memory of departed names is full, a floor keeps replays out. */
static void test_replay_memory_floor(void **state)
{
	struct engine *e = engine("h1", true, 2048);
	char name[16], src[40];
	struct dg d;
	int i;

	(void)state;
	up(e, IF1, "fe80::1");
	for (i = 0; i < AUTH_REPLAY_SLOTS + 10; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(src, sizeof(src), "fe80::%x", 0x100 + i);
		d = mk(WIRE_ANNOUNCE, name, src, NULL, 30, W0 + 10 + 2 * (uint64_t)i);
		assert_int_equal(feed(e, &d, T0 + 5000), ENGINE_ACCEPTED);
		d = mk(WIRE_GOODBYE, name, src, NULL, 0, W0 + 11 + 2 * (uint64_t)i);
		assert_int_equal(feed(e, &d, T0 + 5000), ENGINE_ACCEPTED);
	}
	/* n0..n9's records were pushed out; their old ANNOUNCEs are still
	 * refused, by the floor (n9's GOODBYE). */
	d = mk(WIRE_ANNOUNCE, "n0", "fe80::100", NULL, 30, W0 + 10);
	assert_int_equal(feed(e, &d, T0 + 5100), ENGINE_REPLAY);
	d = mk(WIRE_ANNOUNCE, "n9", "fe80::109", NULL, 30, W0 + 28);
	assert_int_equal(feed(e, &d, T0 + 5100), ENGINE_REPLAY);
	/* A newer one, or someone new, is welcome. */
	d = mk(WIRE_ANNOUNCE, "n9", "fe80::109", NULL, 30, W0 + 30);
	assert_int_equal(feed(e, &d, T0 + 5100), ENGINE_ACCEPTED);
	d = mk(WIRE_ANNOUNCE, "new", "fe80::99", NULL, 30, W0 + 5100);
	assert_int_equal(feed(e, &d, T0 + 5100), ENGINE_ACCEPTED);
	engine_free(e);
}

/* ---- the record builder ---- */

struct groups {
	size_t ngroups, nrecs;
	struct engine_record own[64];
	size_t nown;
};

static void group(const struct engine_record *recs, size_t n, void *arg)
{
	struct groups *g = arg;
	size_t i;

	g->ngroups++;
	g->nrecs += n;
	for (i = 1; i < n; i++)
		assert_true(name_equal(recs[i].r.name, recs[i].r.name_len, recs[0].r.name,
				       recs[0].r.name_len));
	if (!strcmp(recs[0].r.name, "h1") || !strcmp(recs[0].r.name, "H1")) {
		memcpy(g->own, recs, (n < 64 ? n : 64) * sizeof(recs[0]));
		g->nown = n;
	}
}

static void test_own_records_ttl_and_cap(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "H1", "fe80::9", NULL, 40, 0);
	const struct engine_action *a;
	struct groups gr;
	struct wire_msg m;
	unsigned int i;
	struct got g;
	char addr[40];

	(void)state;
	for (i = 0; i < QUERY_MAX_RECORDS + 4; i++) {
		snprintf(addr, sizeof(addr), "fe80::1:%x", i + 1);
		link_set(e, IFACE_UP, 10 + i, "vethX", addr, NULL, T0);
	}
	drain(e);
	engine_tick(e, T0, W0);
	drain(e);
	a = find(ENGINE_ACT_SEND, WIRE_ANNOUNCE);
	assert_non_null(a);
	assert_int_equal(wire_decode(a->u.send.buf, a->u.send.len, &m), WIRE_OK);
	/* TTL of ours: what neighbours hold, the LIFETIME we announced. */
	g = resolve(e, "h1", T0 + 1000);
	assert_int_equal(g.n, QUERY_MAX_RECORDS);
	assert_int_equal(g.rec[0].r.flags, QUERY_REC_SELF);
	assert_int_equal(g.rec[0].r.ifindex, 10);
	assert_int_equal(g.rec[0].r.ttl, m.lifetime - 1);
	assert_int_equal(g.rec[0].expires, T0 + (uint64_t)m.lifetime * 1000);
	/* A neighbour with our name: flagged, after all of ours. */
	assert_int_equal(feed_from(e, &d, NULL, 10, 255, T0 + 1000), ENGINE_ACCEPTED);
	g = resolve(e, "h1", T0 + 1000);
	assert_int_equal(g.n, QUERY_MAX_RECORDS);
	assert_int_equal(g.rec[QUERY_MAX_RECORDS - 1].r.flags, QUERY_REC_SELF);
	assert_int_equal(stat(e, "conflicts-now", T0 + 1000), 1);
	/* The snapshot gets them all, in the same order (it caps on reading). */
	memset(&gr, 0, sizeof(gr));
	assert_int_equal(engine_each_name(e, T0 + 1000, group, &gr), QUERY_MAX_RECORDS + 5);
	assert_int_equal(gr.nown, QUERY_MAX_RECORDS + 5);
	for (i = 0; i < QUERY_MAX_RECORDS; i++)
		assert_memory_equal(&gr.own[i].r, &g.rec[i].r, sizeof(g.rec[i].r));
	assert_int_equal(gr.own[QUERY_MAX_RECORDS + 4].r.flags, QUERY_REC_CONFLICT);
	engine_free(e);
}

/* PROTOCOL.md 11.4 (issue 13, point 15): on a name conflict RESOLVE gives
 * two records on one interface, ours (SELF) first, then the neighbour's
 * (CONFLICT); our ttl counts down from the LIFETIME we announced (33, not
 * the configured 30), rounded up to whole seconds. */
static void test_resolve_self_and_conflict(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "H1", "fe80::9", NULL, 40, 0);
	struct got g;

	(void)state;
	up(e, IF1, "fe80::1");
	engine_tick(e, T0, W0);
	drain(e);
	assert_int_equal(feed(e, &d, T0 + 1), ENGINE_ACCEPTED);
	g = resolve(e, "h1", T0 + 1);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.rec[0].r.ifindex, IF1);
	assert_int_equal(g.rec[0].r.flags, QUERY_REC_SELF);
	assert_int_equal(g.rec[0].r.ttl, 33);
	assert_true(has(&g.rec[0], "fe80::1"));
	assert_int_equal(g.rec[1].r.ifindex, IF1);
	assert_int_equal(g.rec[1].r.flags, QUERY_REC_CONFLICT);
	assert_int_equal(g.rec[1].r.ttl, 40);
	assert_string_equal(g.rec[1].r.name, "H1");
	assert_true(has(&g.rec[1], "fe80::9"));
	g = resolve(e, "h1", T0 + 1001);
	assert_int_equal(g.rec[0].r.ttl, 32);
	engine_free(e);
}

/* The snapshot's view: every record, grouped by name, in resolve's order. */
static void test_each_name_agrees(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg x = mk(WIRE_ANNOUNCE, "x", "fe80::9", NULL, 40, 0);
	struct dg ours = mk(WIRE_ANNOUNCE, "h1", "fe80::8", NULL, 40, 0);
	struct in6_addr ours1 = A("fe80::1:1"), x9 = A("fe80::9");
	struct groups g;
	struct got r;
	size_t i;

	(void)state;
	memset(&g, 0, sizeof(g));
	up(e, IF1, "fe80::1");
	up(e, IF2, "fe80::1:1");
	engine_tick(e, T0, W0);
	drain(e);
	assert_int_equal(feed_from(e, &x, NULL, IF1, 255, T0), ENGINE_ACCEPTED);
	assert_int_equal(feed_from(e, &x, NULL, IF2, 255, T0), ENGINE_ACCEPTED);
	assert_int_equal(feed_from(e, &ours, NULL, IF2, 255, T0), ENGINE_ACCEPTED);
	assert_int_equal(engine_each_name(e, T0 + 5, group, &g), 5);
	assert_int_equal(g.ngroups, 2);
	r = resolve(e, "h1", T0 + 5);
	assert_int_equal(g.nown, r.n);
	for (i = 0; i < r.n; i++) {
		assert_memory_equal(&g.own[i].r, &r.rec[i].r, sizeof(r.rec[i].r));
		assert_int_equal(g.own[i].expires, r.rec[i].expires);
	}
	/* Reverse: ours first, on the link asked. */
	r.n = 0;
	assert_int_equal(engine_reverse(e, &ours1, 0, T0, collect, &r), 1);
	assert_int_equal(r.rec[0].r.ifindex, IF2);
	assert_int_equal(r.rec[0].r.flags, QUERY_REC_SELF);
	r.n = 0;
	assert_int_equal(engine_reverse(e, &x9, IF2, T0, collect, &r), 1);
	assert_string_equal(r.rec[0].r.name, "x");
	r.n = 0;
	assert_int_equal(engine_list(e, T0, collect, &r), 3);
	engine_free(e);
}

static void test_population_kept_by_engine(void **state)
{
	struct engine *e = engine("h1", false, 512);
	char name[16], src[40];
	struct dg d;
	int i;

	(void)state;
	up(e, IF1, "fe80::1");
	settle(e);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(src, sizeof(src), "fe80::%x", 0x100 + i);
		d = mk(WIRE_ANNOUNCE, name, src, NULL, 600, 0);
		assert_int_equal(feed(e, &d, T0 + 2000), ENGINE_ACCEPTED);
	}
	assert_int_equal(engine_population(e, IF1), 300);
	/* 301 senders in a 20 per second budget: the next period is 15 s
	 * (less 10 % jitter), and the LIFETIME covers three of the longest. */
	assert_int_equal(engine_next_deadline(e), T0 + 10000);
	engine_tick(e, T0 + 10000, W0);
	drain(e);
	assert_int_equal(engine_next_deadline(e), T0 + 10000 + 15050 * 90 / 100);
	{
		struct wire_msg m;
		const struct engine_action *a = find(ENGINE_ACT_SEND, WIRE_ANNOUNCE);

		assert_non_null(a);
		assert_int_equal(wire_decode(a->u.send.buf, a->u.send.len, &m), WIRE_OK);
		assert_true(m.lifetime >= 45);
	}
	engine_free(e);
}

/* ---- renames ---- */

static void test_interface_rename(void **state)
{
	struct engine *e = engine("h1", false, 64);

	(void)state;
	up(e, IF1, "fe80::1");
	settle(e);
	link_set(e, IFACE_CHANGED, IF1, "lan0", "fe80::1", NULL, T0 + 3000);
	assert_int_equal(drain(e), 0);
	assert_true(engine_next_deadline(e) > T0 + 8000);	/* no new burst */
	assert_string_equal(engine_link_info(e, 0)->name, "lan0");
	engine_free(e);
}

static void test_name_change(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct engine_config c;
	struct wire_msg m;
	size_t i;

	(void)state;
	up(e, IF1, "fe80::1");
	settle(e);
	config(&c, "lab1", false, 64);
	engine_configure(e, &c, T0 + 3000, W0 + 3000);
	drain(e);
	/* GOODBYE under the old name, then the start-up burst under the new. */
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_GOODBYE), 1);
	assert_int_equal(wire_decode(find(ENGINE_ACT_SEND, WIRE_GOODBYE)->u.send.buf,
				     find(ENGINE_ACT_SEND, WIRE_GOODBYE)->u.send.len, &m), WIRE_OK);
	assert_string_equal(m.name, "h1");
	engine_tick(e, T0 + 3000, W0 + 3000);
	drain(e);
	assert_int_equal(count(ENGINE_ACT_SEND, WIRE_SOLICIT), 1);
	for (i = 0; i < nacts; i++)
		if (acts[i].type == ENGINE_ACT_SEND && acts[i].u.send.msg_type == WIRE_ANNOUNCE) {
			assert_int_equal(wire_decode(acts[i].u.send.buf, acts[i].u.send.len, &m),
					 WIRE_OK);
			assert_string_equal(m.name, "lab1");
		}
	assert_non_null(find(ENGINE_ACT_READY, -1));	/* ready again after a reload */
	assert_int_equal(resolve(e, "lab1", T0 + 3000).n, 1);
	assert_int_equal(resolve(e, "h1", T0 + 3000).n, 0);
	engine_free(e);
}

static void test_refused_events(void **state)
{
	struct engine_config c;
	struct engine *e;
	struct dg d = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 60, 0);
	const struct engine_event *ev;

	(void)state;
	config(&c, "h1", false, 64);
	c.log_refused = true;
	e = engine_new(&c, fixed_rnd, NULL, T0);
	assert_non_null(e);
	up(e, IF1, "fe80::1");
	assert_int_equal(feed_from(e, &d, "fe80::4", IF1, 255, T0), ENGINE_ADDR_MISMATCH);
	drain(e);
	ev = find_event(ENGINE_EV_REFUSED);
	assert_non_null(ev);
	assert_int_equal(ev->reason, ENGINE_ADDR_MISMATCH);
	assert_string_equal(engine_verdict_name(ev->reason), "addr-mismatch");
	assert_true(same(&ev->src, "fe80::4"));
	assert_string_equal(ev->name, "h2");
	assert_int_equal(ev->ifindex, IF1);
	assert_string_equal(engine_verdict_name(ENGINE_WIRE(WIRE_ERR_MAGIC)), "bad-magic");
	engine_free(e);
}

/* Without log_refused, refused datagrams make events only while someone
 * watches (linknamectl monitor); NEW and CHANGED carry the entry's TTL. */
static void test_monitored_events(void **state)
{
	struct engine *e = engine("h1", false, 64);
	struct dg d = mk(WIRE_ANNOUNCE, "h2", "fe80::2", NULL, 60, 0);
	struct dg c = mk(WIRE_ANNOUNCE, "h2", "fe80::2", "fe80::22", 90, 0);
	const struct engine_event *ev;

	(void)state;
	up(e, IF1, "fe80::1");
	drain(e);
	assert_int_equal(feed_from(e, &d, "fe80::4", IF1, 255, T0), ENGINE_ADDR_MISMATCH);
	drain(e);
	assert_null(find_event(ENGINE_EV_REFUSED));
	engine_set_monitored(e, true);
	assert_int_equal(feed_from(e, &d, "fe80::4", IF1, 64, T0), ENGINE_HOPLIMIT);
	drain(e);
	ev = find_event(ENGINE_EV_REFUSED);
	assert_non_null(ev);
	assert_int_equal(ev->reason, ENGINE_HOPLIMIT);
	assert_true(same(&ev->src, "fe80::4"));
	assert_int_equal(ev->ifindex, IF1);
	assert_int_equal(feed(e, &d, T0 + 500), ENGINE_ACCEPTED);
	drain(e);
	ev = find_event(ENGINE_EV_NEW);
	assert_non_null(ev);
	assert_int_equal(ev->ttl, 60);
	assert_int_equal(feed(e, &c, T0 + 1000), ENGINE_ACCEPTED);
	drain(e);
	ev = find_event(ENGINE_EV_CHANGED);
	assert_non_null(ev);
	assert_int_equal(ev->ttl, 90);
	assert_int_equal(ev->naddrs, 2);
	engine_set_monitored(e, false);
	assert_int_equal(feed_from(e, &d, "fe80::4", IF1, 64, T0 + 1000), ENGINE_HOPLIMIT);
	drain(e);
	assert_null(find_event(ENGINE_EV_REFUSED));
	engine_free(e);
}

/* Signed SOLICITs carry no name to be fresh for: only MAC and window. */
static void test_signed_solicit(void **state)
{
	struct engine *e = engine("h1", true, 64);
	struct dg s = mk(WIRE_SOLICIT, NULL, "fe80::2", NULL, 0, W0 + 5);

	(void)state;
	up(e, IF1, "fe80::1");
	assert_int_equal(feed(e, &s, T0 + 10), ENGINE_ACCEPTED);
	assert_int_equal(feed(e, &s, T0 + 20), ENGINE_ACCEPTED);
	assert_int_equal(feed_from(e, &s, "fe80::3", IF1, 255, T0 + 20), ENGINE_BAD_MAC);
	assert_int_equal(feed(e, &s, T0 + 31000), ENGINE_STALE);
	assert_int_equal(stat(e, "neighbours", T0), 0);
	engine_free(e);
}

static void test_config_refused(void **state)
{
	struct engine_config c;

	(void)state;
	config(&c, "bad_name", false, 64);
	assert_null(engine_new(&c, fixed_rnd, NULL, T0));
	config(&c, "ok", false, 0);
	assert_null(engine_new(&c, fixed_rnd, NULL, T0));
	config(&c, "ok", false, 64);
	assert_null(engine_new(&c, NULL, NULL, T0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_accept_new_neighbour, setup),
		cmocka_unit_test_setup(test_transport_checks, setup),
		cmocka_unit_test_setup(test_decode_reasons, setup),
		cmocka_unit_test_setup(test_signed_checks, setup),
		cmocka_unit_test_setup(test_addr_mismatch, setup),
		cmocka_unit_test_setup(test_rate_limited, setup),
		cmocka_unit_test_setup(test_table_full, setup),
		cmocka_unit_test_setup(test_goodbye, setup),
		cmocka_unit_test_setup(test_expiry, setup),
		cmocka_unit_test_setup(test_link_up_down, setup),
		cmocka_unit_test_setup(test_startup_burst_and_ready, setup),
		cmocka_unit_test_setup(test_solicit_answers, setup),
		cmocka_unit_test_setup(test_address_change_order, setup),
		cmocka_unit_test_setup(test_address_change_followed, setup),
		cmocka_unit_test_setup(test_takeback_silent_holder, setup),
		cmocka_unit_test_setup(test_impostor_defended, setup),
		cmocka_unit_test_setup(test_defence_bounded, setup),
		cmocka_unit_test_setup(test_replay_spoofed_then_old_goodbye, setup),
		cmocka_unit_test_setup(test_replay_after_goodbye_any_link, setup),
		cmocka_unit_test_setup(test_timestamp_only_when_accepted, setup),
		cmocka_unit_test_setup(test_timestamps_of_drops_and_unheld_goodbye, setup),
		cmocka_unit_test_setup(test_replay_memory_floor, setup),
		cmocka_unit_test_setup(test_own_records_ttl_and_cap, setup),
		cmocka_unit_test_setup(test_resolve_self_and_conflict, setup),
		cmocka_unit_test_setup(test_each_name_agrees, setup),
		cmocka_unit_test_setup(test_population_kept_by_engine, setup),
		cmocka_unit_test_setup(test_interface_rename, setup),
		cmocka_unit_test_setup(test_name_change, setup),
		cmocka_unit_test_setup(test_refused_events, setup),
		cmocka_unit_test_setup(test_monitored_events, setup),
		cmocka_unit_test_setup(test_signed_solicit, setup),
		cmocka_unit_test_setup(test_config_refused, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
