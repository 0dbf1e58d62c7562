/* packet: the daemon's receive path in-process, on one core, for `make
 * bench`: engine_receive(), the very code linknamed runs for each datagram
 * (the on-link checks, the link and own-address lookups, wire_decode, the
 * source and first-holder checks, the learning limit, table_update). An
 * engine joins LINKS links; SENDERS neighbours, spread over the links, each
 * have an ANNOUNCE encoded once with wire_encode; the table holds exactly
 * SENDERS entries by default (full). Then every datagram goes through
 * engine_receive in a loop, and the rate is timed.
 *
 *   packet [-s SENDERS] [-l LINKS] [-c CAPACITY] [-r RUNS] [-d MS]
 *
 * Prints one line per run: "packet senders=S links=L capacity=C path=full
 * msgs=N seconds=T rate=R" and, for comparison, "path=decode" (wire_decode
 * only). The first pass learns every sender (not timed); the timed passes
 * are refreshes, the steady state of a busy link. Every message must be
 * accepted: a refused one is an error, so the figure is never the rate of
 * an early exit. Run it under `taskset -c 0` for one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "stats.h"

#define IFINDEX0	10

struct datagram {
	uint8_t buf[WIRE_MAX_PACKET];
	struct engine_datagram g;
};

static uint32_t bench_rnd(void *arg)
{
	(void)arg;
	return 7;
}

static void fe80(struct in6_addr *a, uint8_t kind, size_t i)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	a->s6_addr[8] = kind;
	a->s6_addr[12] = (uint8_t)(i >> 24);
	a->s6_addr[13] = (uint8_t)(i >> 16);
	a->s6_addr[14] = (uint8_t)(i >> 8);
	a->s6_addr[15] = (uint8_t)i;
}

static struct datagram *make_set(size_t n, size_t links)
{
	struct datagram *set = calloc(n, sizeof(*set));
	struct wire_msg m;
	size_t i;
	int len;

	if (set == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_ANNOUNCE;
		/* Names as hosts have them: "host" and a number. */
		m.name_len = (uint8_t)snprintf(m.name, sizeof(m.name), "host%zu", i + 1);
		m.naddrs = 1;
		fe80(&m.addrs[0], 0x02, i);
		m.lifetime = 120;
		len = wire_encode(&m, set[i].buf, sizeof(set[i].buf));
		if (len < 0) {
			free(set);
			return NULL;
		}
		set[i].g.buf = set[i].buf;
		set[i].g.len = (size_t)len;
		set[i].g.src = m.addrs[0];
		set[i].g.ifindex = IFINDEX0 + (unsigned int)(i % links);
		set[i].g.hoplimit = WIRE_HOPLIMIT;
		set[i].g.sport = WIRE_PORT;
	}
	return set;
}

static struct engine *make_engine(size_t links, size_t capacity)
{
	struct engine_config c = { .name = "bench", .interval_s = 10, .lifetime_s = 30 };
	struct engine_action a;
	struct iface_info info;
	struct engine *e;
	size_t i;

	c.table_size = (uint32_t)capacity;
	e = engine_new(&c, bench_rnd, NULL, 1000000);
	if (!e)
		return NULL;
	for (i = 0; i < links; i++) {
		memset(&info, 0, sizeof(info));
		info.ifindex = IFINDEX0 + (unsigned int)i;
		snprintf(info.name, sizeof(info.name), "veth%zu", i);
		info.naddrs = 1;
		fe80(&info.addrs[0], 0x01, i);
		engine_link(e, IFACE_UP, &info, 1000000, 1700000000000ull);
	}
	while (engine_next_action(e, &a))
		;
	return engine_nlinks(e) == links ? e : NULL;
}

int main(int argc, char **argv)
{
	unsigned long senders = 1000, links = 1, capacity = 0, runs = 5, ms = 500, v;
	uint64_t now = 1000000, wall = 1700000000000ull, t0, t1, budget, count;
	struct engine_action a;
	struct datagram *set;
	struct engine *e;
	size_t i;
	int c, run;

	while ((c = getopt(argc, argv, "s:l:c:r:d:")) != -1) {
		switch (c) {
		case 's':
		case 'l':
		case 'c':
		case 'r':
		case 'd':
			if (stats_parse_ulong(optarg, 1, 10000000, &v) < 0)
				goto usage;
			if (c == 's')
				senders = v;
			else if (c == 'l')
				links = v;
			else if (c == 'c')
				capacity = v;
			else if (c == 'r')
				runs = v;
			else
				ms = v;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || links > ENGINE_LINKS_MAX)
		goto usage;
	if (capacity == 0)
		capacity = senders;
	if (capacity < senders) {
		fprintf(stderr, "packet: capacity %lu is below %lu senders\n", capacity, senders);
		return 1;
	}
	set = make_set(senders, links);
	e = make_engine(links, capacity);
	if (set == NULL || e == NULL) {
		fprintf(stderr, "packet: out of memory\n");
		return 1;
	}
	for (i = 0; i < senders; i++)
		if (engine_receive(e, &set[i].g, now, wall) != ENGINE_ACCEPTED) {
			fprintf(stderr, "packet: sender %zu not learned\n", i + 1);
			return 1;
		}
	while (engine_next_action(e, &a))
		;
	budget = (uint64_t)ms * 1000000u;
	for (run = 0; run < (int)runs; run++) {
		/* Full path: the clock moves 1 ms per pass, as time does. */
		count = 0;
		t0 = stats_mono_ns();
		do {
			now++;
			wall++;
			for (i = 0; i < senders; i++) {
				enum engine_verdict r = engine_receive(e, &set[i].g, now, wall);

				if (r != ENGINE_ACCEPTED) {
					fprintf(stderr, "packet: refresh of sender %zu refused: %s\n",
						i + 1, engine_verdict_name(r));
					return 1;
				}
			}
			count += senders;
			t1 = stats_mono_ns();
		} while (t1 - t0 < budget);
		printf("packet senders=%lu links=%lu capacity=%lu path=full msgs=%llu seconds=%.4f "
		       "rate=%.0f\n", senders, links, capacity, (unsigned long long)count,
		       (double)(t1 - t0) / 1e9, (double)count / ((double)(t1 - t0) / 1e9));
		/* Decode alone, to show what the checks and the table add. */
		count = 0;
		t0 = stats_mono_ns();
		do {
			struct wire_msg m;

			for (i = 0; i < senders; i++)
				if (wire_decode(set[i].buf, set[i].g.len, &m) != WIRE_OK) {
					fprintf(stderr, "packet: datagram %zu does not decode\n", i + 1);
					return 1;
				}
			count += senders;
			t1 = stats_mono_ns();
		} while (t1 - t0 < budget);
		printf("packet senders=%lu links=%lu capacity=%lu path=decode msgs=%llu "
		       "seconds=%.4f rate=%.0f\n", senders, links, capacity,
		       (unsigned long long)count, (double)(t1 - t0) / 1e9,
		       (double)count / ((double)(t1 - t0) / 1e9));
		fflush(stdout);
	}
	engine_free(e);
	free(set);
	return 0;

usage:
	fprintf(stderr, "usage: packet [-s SENDERS] [-l LINKS (at most %d)] [-c CAPACITY] "
		"[-r RUNS] [-d MS]\n", ENGINE_LINKS_MAX);
	return 64;
}
