/* fuzz_engine: datagrams into ONE persistent engine (and a keyed twin), as
 * the daemon feeds them, so state built by earlier inputs (entries,
 * challenges, replay memory, conflicts) meets later ones. An input is a
 * sequence of records:
 *
 *   flags  u8: bits 0-1 hop limit (3: 254, else 255); bits 2-3 source
 *              (0: the datagram's first ADDRESS, 1: a neighbour, 2: one
 *              of ours, 3: the next 16 input octets); bits 4-5 link (0-1:
 *              link 2, 2: link 3, 3: a link we did not join); bit 6: a
 *              tick first; bit 7: the keyed engine's copy is signed with
 *              its key (if it has a MAC TLV)
 *   step   u8: the clock advances step x 16 ms; bit 7 of it: link 3 goes
 *              down, or comes back with another address, first
 *   length u16 big-endian, then that many octets of datagram
 *
 * After each record the invariants below are checked: every verdict is
 * named and counted once, each link's population is the entries on it
 * (once a tick swept the expired ones),
 * every record a lookup gives is well formed and on a joined link, no
 * lookup gives more than QUERY_MAX_RECORDS, and everything the engines
 * send decodes (and, keyed, verifies from its source). */
#include <string.h>

#include "engine.h"
#include "fuzz.h"

#define KEYED_KEY	0x5a

static uint64_t now = 1000000, wall = 1700000000000ull;
static uint32_t rnd_state = 1;

static uint32_t fuzz_rnd(void *arg)
{
	(void)arg;
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void addr(struct in6_addr *a, uint8_t hi, uint8_t lo)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	a->s6_addr[14] = hi;
	a->s6_addr[15] = lo;
}

static void link_event(struct engine *e, enum iface_event ev, unsigned int ifindex, uint8_t lo)
{
	struct iface_info info;

	memset(&info, 0, sizeof(info));
	info.ifindex = ifindex;
	memcpy(info.name, ifindex == 2 ? "eth0" : "eth1", 5);
	info.naddrs = 1;
	addr(&info.addrs[0], 0x01, lo);
	engine_link(e, ev, &info, now, wall);
}

static bool joined(const struct engine *e, unsigned int ifindex)
{
	size_t i;

	for (i = 0; i < engine_nlinks(e); i++)
		if (engine_link_info(e, i)->ifindex == ifindex)
			return true;
	return false;
}

struct check {
	const struct engine *e;
	size_t n, on[2];
};

static void check_record(const struct engine_record *rec, void *arg)
{
	struct check *c = arg;
	size_t i;

	FUZZ_CHECK(name_valid(rec->r.name, rec->r.name_len));
	FUZZ_CHECK(rec->r.name[rec->r.name_len] == '\0');
	FUZZ_CHECK(rec->r.naddrs >= 1 && rec->r.naddrs <= WIRE_MAX_ADDRS);
	for (i = 0; i < rec->r.naddrs; i++)
		FUZZ_CHECK(wire_is_linklocal(&rec->r.addrs[i]));
	FUZZ_CHECK(rec->r.ttl <= WIRE_LIFETIME_MAX && rec->expires > now);
	FUZZ_CHECK(joined(c->e, rec->r.ifindex));
	if (rec->r.ifindex == 2 || rec->r.ifindex == 3)
		c->on[rec->r.ifindex - 2]++;
	c->n++;
}

/* One name per call, all of its records. */
static void check_group(const struct engine_record *recs, size_t n, void *arg)
{
	size_t *total = arg, i;

	FUZZ_CHECK(n > 0);
	for (i = 1; i < n; i++)
		FUZZ_CHECK(name_equal(recs[i].r.name, recs[i].r.name_len, recs[0].r.name,
				      recs[0].r.name_len));
	*total += n;
}

static void check_engine(struct engine *e, const struct auth_keys *k, const char *name,
			 size_t name_len, bool ticked)
{
	struct check c = { .e = e };
	struct engine_totals t;
	struct engine_action a;
	uint64_t sum = 0;
	size_t i, groups = 0, self = 0;
	char stats[4096];

	engine_totals(e, &t);
	for (i = 0; i < ENGINE_VERDICT_COUNT; i++)
		sum += engine_count(e, (enum engine_verdict)i);
	FUZZ_CHECK(sum == t.received);
	engine_list(e, now, check_record, &c);
	/* Entries that expired since the last tick still count until swept. */
	FUZZ_CHECK(c.on[0] <= engine_population(e, 2) && c.on[1] <= engine_population(e, 3));
	if (ticked)
		FUZZ_CHECK(c.on[0] == engine_population(e, 2) && c.on[1] == engine_population(e, 3));
	if (name_len) {
		struct check r = { .e = e };

		engine_resolve(e, name, name_len, now, check_record, &r);
		FUZZ_CHECK(r.n <= QUERY_MAX_RECORDS);
	}
	{
		struct check r = { .e = e };

		self = engine_resolve(e, engine_name(e), strlen(engine_name(e)), now, check_record, &r);
	}
	FUZZ_CHECK(engine_each_name(e, now, check_group, &groups) == groups);
	FUZZ_CHECK(groups >= c.n && groups <= c.n + engine_nlinks(e));
	FUZZ_CHECK(self <= QUERY_MAX_RECORDS);
	FUZZ_CHECK(engine_stats(e, now, stats, sizeof(stats)) < sizeof(stats));
	while (engine_next_action(e, &a)) {
		struct wire_msg m;

		if (a.type != ENGINE_ACT_SEND)
			continue;
		FUZZ_CHECK(wire_decode(a.u.send.buf, a.u.send.len, &m) == WIRE_OK);
		FUZZ_CHECK(m.type == a.u.send.msg_type);
		if (k)
			FUZZ_CHECK(auth_verify(k, &a.u.send.src, a.u.send.buf, a.u.send.len));
		engine_sent(e, true);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct engine *plain, *keyed;
	static struct auth_keys keys;
	static bool link3 = true;
	static uint8_t link3_lo = 1;
	size_t off = 0;

	if (!plain) {
		struct engine_config c = { .name = "fz", .interval_s = 1, .lifetime_s = 3,
					   .table_size = 64 };

		FUZZ_CHECK(auth_init() == 0);
		plain = engine_new(&c, fuzz_rnd, NULL, now);
		keys.n = 1;
		memset(keys.key[0], KEYED_KEY, AUTH_KEY_LEN);
		c.keys = keys;
		keyed = engine_new(&c, fuzz_rnd, NULL, now);
		FUZZ_CHECK(plain && keyed);
		link_event(plain, IFACE_UP, 2, 1);
		link_event(keyed, IFACE_UP, 2, 1);
		link_event(plain, IFACE_UP, 3, 1);
		link_event(keyed, IFACE_UP, 3, 1);
	}
	while (size - off >= 4) {
		uint8_t flags = data[off], step = data[off + 1];
		size_t len = (size_t)data[off + 2] << 8 | data[off + 3];
		static const unsigned int links[4] = { 2, 2, 3, 9 };
		struct engine_datagram g;
		uint8_t copy[WIRE_MAX_PACKET];
		struct wire_msg m;

		off += 4;
		memset(&g, 0, sizeof(g));
		now += (uint64_t)(step & 0x7f) * 16;
		wall += (uint64_t)(step & 0x7f) * 16;
		if (step & 0x80) {
			link3_lo++;
			link_event(plain, link3 ? IFACE_DOWN : IFACE_UP, 3, link3_lo);
			link_event(keyed, link3 ? IFACE_DOWN : IFACE_UP, 3, link3_lo);
			link3 = !link3;
		}
		if (flags & 0x40) {
			engine_tick(plain, now, wall);
			engine_tick(keyed, now, wall);
		}
		switch ((flags >> 2) & 3) {
		case 1:
			addr(&g.src, 0x02, (uint8_t)(flags ^ step));
			break;
		case 2:
			addr(&g.src, 0x01, 1);
			break;
		case 3:
			if (size - off >= 16) {
				memcpy(&g.src, data + off, 16);
				off += 16;
			}
			break;
		default:
			break;
		}
		if (len > size - off)
			len = size - off;
		if (((flags >> 2) & 3) == 0)
			g.src = wire_decode(data + off, len, &m) == WIRE_OK && m.naddrs ?
				m.addrs[0] : (struct in6_addr){ .s6_addr = { 0xfe, 0x80, [15] = 2 } };
		g.buf = data + off;
		g.len = len;
		g.ifindex = links[(flags >> 4) & 3];
		g.hoplimit = (flags & 3) == 3 ? 254 : WIRE_HOPLIMIT;
		g.sport = (flags & 3) == 2 ? 5555 : WIRE_PORT;
		m.name_len = 0;
		FUZZ_CHECK(engine_receive(plain, &g, now, wall) < ENGINE_VERDICT_COUNT);
		/* The keyed twin: signed with its key when asked, so what lies
		 * beyond the MAC (freshness, claims, departures) is reached. */
		if (len <= sizeof(copy)) {
			memcpy(copy, data + off, len);
			if ((flags & 0x80) && wire_decode(copy, len, &m) == WIRE_OK && m.has_mac)
				auth_sign(&keys, &g.src, copy, len);
			g.buf = copy;
		}
		FUZZ_CHECK(strcmp(engine_verdict_name(engine_receive(keyed, &g, now, wall)),
				  "unknown"));
		off += len;
		if (wire_decode(data + off - len, len, &m) != WIRE_OK)
			m.name_len = 0;
		check_engine(plain, NULL, m.name, m.name_len, flags & 0x40);
		check_engine(keyed, &keys, m.name, m.name_len, flags & 0x40);
	}
	return 0;
}
