/* packet: the daemon's receive path in-process, on one core, for `make
 * bench`. A set of ANNOUNCE datagrams from SENDERS distinct neighbours is
 * encoded once with wire_encode; then each message goes through what
 * linknamed's handle_packet and handle_announce do to an unsigned datagram
 * (on-link checks, wire_decode, source among the announced addresses,
 * first-holder check, per-source learning limit for a new key,
 * table_update), in a loop, and the rate is timed.
 *
 *   packet [-s SENDERS] [-c CAPACITY] [-r RUNS] [-d MS]
 *
 * Prints one line per run: "packet senders=S capacity=C path=full msgs=N
 * seconds=T rate=R" and, for comparison, "path=decode" (wire_decode only).
 * The first pass over the set learns every sender (not timed); the timed
 * passes are refreshes, the steady state of a busy link. Every message must
 * be accepted: a refused one is an error, so the figure is never the rate
 * of an early exit. Run it under `taskset -c 0` for one core. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "ratelimit.h"
#include "stats.h"
#include "table.h"
#include "wire.h"

/* As linknamed.c: learning a new key, 4 at once per source, then 1 per 10 s. */
#define LEARN_BURST	4
#define LEARN_PER_MS	10000
#define IFINDEX		2

struct datagram {
	uint8_t buf[WIRE_MAX_PACKET];
	size_t len;
	struct in6_addr src;
};

static struct in6_addr own_addr;

static int has_addr(const struct in6_addr *set, size_t n, const struct in6_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(&set[i], a, sizeof(*a)))
			return 1;
	return 0;
}

/* One received datagram through the daemon's checks; 0 if applied. */
static int receive(struct table *t, struct ratelimit *rl, const struct datagram *g,
		   uint64_t now)
{
	struct wire_msg m;
	enum table_result r;

	if (!wire_is_linklocal(&g->src) || !memcmp(&g->src, &own_addr, sizeof(own_addr)))
		return -1;
	if (g->len > WIRE_MAX_PACKET || wire_decode(g->buf, g->len, &m) != WIRE_OK)
		return -1;
	if (m.type != WIRE_ANNOUNCE || !has_addr(m.addrs, m.naddrs, &g->src))
		return -1;
	if (table_held_by_other(t, m.name, m.name_len, IFINDEX, &g->src, now))
		return -1;
	if (!table_get(t, m.name, m.name_len, IFINDEX, now) &&
	    !ratelimit_allow(rl, &g->src, IFINDEX, now))
		return -1;
	r = table_update(t, m.name, m.name_len, IFINDEX, m.addrs, m.naddrs, m.lifetime, now);
	return r == TABLE_NEW || r == TABLE_REFRESH || r == TABLE_CHANGED ? 0 : -1;
}

static struct datagram *make_set(size_t n)
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
		m.addrs[0].s6_addr[0] = 0xfe;
		m.addrs[0].s6_addr[1] = 0x80;
		m.addrs[0].s6_addr[8] = 0x02;
		m.addrs[0].s6_addr[12] = (uint8_t)(i >> 24);
		m.addrs[0].s6_addr[13] = (uint8_t)(i >> 16);
		m.addrs[0].s6_addr[14] = (uint8_t)(i >> 8);
		m.addrs[0].s6_addr[15] = (uint8_t)i;
		m.lifetime = 120;
		len = wire_encode(&m, set[i].buf, sizeof(set[i].buf));
		if (len < 0) {
			free(set);
			return NULL;
		}
		set[i].len = (size_t)len;
		set[i].src = m.addrs[0];
	}
	return set;
}

int main(int argc, char **argv)
{
	unsigned long senders = 1000, capacity = 0, runs = 5, ms = 500, v;
	struct datagram *set;
	struct table *t;
	struct ratelimit *rl;
	uint64_t now = 1000000, t0, t1, budget, count;
	size_t i;
	int c, run;

	while ((c = getopt(argc, argv, "s:c:r:d:")) != -1) {
		switch (c) {
		case 's':
		case 'c':
		case 'r':
		case 'd':
			if (stats_parse_ulong(optarg, 1, 10000000, &v) < 0)
				goto usage;
			if (c == 's')
				senders = v;
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
	if (optind != argc)
		goto usage;
	if (capacity == 0)
		capacity = senders > TABLE_DEFAULT_CAPACITY ? senders : TABLE_DEFAULT_CAPACITY;
	if (capacity < senders) {
		fprintf(stderr, "packet: capacity %lu is below %lu senders\n", capacity, senders);
		return 1;
	}
	inet_pton(AF_INET6, "fe80::1", &own_addr);
	set = make_set(senders);
	t = table_new(capacity);
	rl = ratelimit_new(LEARN_BURST, LEARN_PER_MS);
	if (set == NULL || t == NULL || rl == NULL) {
		fprintf(stderr, "packet: out of memory\n");
		return 1;
	}
	for (i = 0; i < senders; i++)
		if (receive(t, rl, &set[i], now) < 0) {
			fprintf(stderr, "packet: sender %zu not learned\n", i + 1);
			return 1;
		}
	if (table_size(t) != senders) {
		fprintf(stderr, "packet: table holds %zu, not %lu\n", table_size(t), senders);
		return 1;
	}
	budget = (uint64_t)ms * 1000000u;
	for (run = 0; run < (int)runs; run++) {
		/* Full path: the clock moves 1 ms per pass, as time does. */
		count = 0;
		t0 = stats_mono_ns();
		do {
			now++;
			for (i = 0; i < senders; i++)
				if (receive(t, rl, &set[i], now) < 0) {
					fprintf(stderr, "packet: refresh of sender %zu refused\n", i + 1);
					return 1;
				}
			count += senders;
			t1 = stats_mono_ns();
		} while (t1 - t0 < budget);
		printf("packet senders=%lu capacity=%lu path=full msgs=%llu seconds=%.4f rate=%.0f\n",
		       senders, capacity, (unsigned long long)count, (double)(t1 - t0) / 1e9,
		       (double)count / ((double)(t1 - t0) / 1e9));
		/* Decode alone, to show what the table and checks add. */
		count = 0;
		t0 = stats_mono_ns();
		do {
			struct wire_msg m;

			for (i = 0; i < senders; i++)
				if (wire_decode(set[i].buf, set[i].len, &m) != WIRE_OK) {
					fprintf(stderr, "packet: datagram %zu does not decode\n", i + 1);
					return 1;
				}
			count += senders;
			t1 = stats_mono_ns();
		} while (t1 - t0 < budget);
		printf("packet senders=%lu capacity=%lu path=decode msgs=%llu seconds=%.4f rate=%.0f\n",
		       senders, capacity, (unsigned long long)count, (double)(t1 - t0) / 1e9,
		       (double)count / ((double)(t1 - t0) / 1e9));
		fflush(stdout);
	}
	table_free(t);
	ratelimit_free(rl);
	free(set);
	return 0;

usage:
	fprintf(stderr, "usage: packet [-s SENDERS] [-c CAPACITY] [-r RUNS] [-d MS]\n");
	return 64;
}
