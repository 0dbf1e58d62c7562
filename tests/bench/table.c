/* table: neighbour-table scale for `make bench`. For each size: a table
 * made with table_new(size), filled with table_update (distinct names, one
 * address each), then table_lookup timed for names it holds (hit) and
 * names it does not (miss). Memory per entry is what the allocator handed
 * out for table_new and the fill (mallinfo2: in-heap plus mmap'd blocks),
 * divided by the entries held.
 *
 *   table [-r RUNS] [-d MS] [-b FILL_SECONDS] SIZE...
 *
 * Prints per size "table size=N filled=F fill_s=T bytes_per_entry=B" and
 * per run "lookup size=N filled=F kind=hit|miss ns=NS". A fill that runs out
 * of its time budget (default 20 s) stops there and says "incomplete": the
 * lookups are then timed at the size reached, and the line says so. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "table.h"

#define IFINDEX		2
#define MAX_SIZES	8

static size_t found;

static void count(const struct table_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	found++;
}

static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

#define KEY_LEN		16	/* "host" or "gone" and up to 8 digits, NUL */

static int name_of(char *buf, size_t i, int miss)
{
	return snprintf(buf, KEY_LEN, miss ? "gone%zu" : "host%zu", i + 1);
}

/* The names looked up, made before the clock starts. */
struct keys {
	char (*name)[KEY_LEN];
	uint8_t *len;
};

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Names 1..n, shuffled: reading them one after the other (cheap,
 * sequential memory) looks the table up in an order its cache cannot
 * predict. */
static int keys_make(struct keys *k, size_t n, int miss)
{
	uint64_t x = 88172645463325252ull;
	size_t i, j, *idx = calloc(n, sizeof(*idx));

	k->name = calloc(n, sizeof(*k->name));
	k->len = calloc(n, 1);
	if (!idx || !k->name || !k->len) {
		free(idx);
		return -1;
	}
	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t tmp;

		j = (size_t)(xorshift(&x) % (i + 1));
		tmp = idx[i];
		idx[i] = idx[j];
		idx[j] = tmp;
	}
	for (i = 0; i < n; i++)
		k->len[i] = (uint8_t)name_of(k->name[i], idx[i], miss);
	free(idx);
	return 0;
}

static void keys_free(struct keys *k)
{
	free(k->name);
	free(k->len);
}

/* Time lookups of the names in keys[0, filled), in their (shuffled)
 * order, round and round; ns per lookup. */
static double time_lookups(struct table *t, const struct keys *k, size_t filled, int miss,
			   uint64_t budget_ns, uint64_t now)
{
	uint64_t t0 = stats_mono_ns(), t1, n = 0;
	size_t i = 0, j;

	found = 0;
	do {
		/* 64 lookups per clock read. */
		for (j = 0; j < 64; j++) {
			table_lookup(t, k->name[i], k->len[i], now, count, NULL);
			if (++i == filled)
				i = 0;
		}
		n += 64;
		t1 = stats_mono_ns();
	} while (t1 - t0 < budget_ns);
	if (found != (miss ? 0 : n)) {
		fprintf(stderr, "table: %zu of %llu %s lookups found something\n", found,
			(unsigned long long)n, miss ? "miss" : "hit");
		exit(1);
	}
	/* The loop's own cost (reading the next name) is included; it is
	 * the same at every size, so the trend is the table's. */
	return (double)(t1 - t0) / (double)n;
}

static int bench_size(unsigned long size, unsigned long runs, unsigned long ms, unsigned long fill_s)
{
	uint64_t now = 1000000, t0, t1, limit = (uint64_t)fill_s * 1000000000u;
	struct in6_addr a;
	struct keys hit, miss;
	size_t before, after, i, filled = 0;
	struct table *t;
	unsigned long r;
	int complete = 1;

	if (keys_make(&hit, size, 0) < 0 || keys_make(&miss, size, 1) < 0) {
		fprintf(stderr, "table: out of memory\n");
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0xfe;
	a.s6_addr[1] = 0x80;
	before = heap_bytes();
	t0 = stats_mono_ns();
	t = table_new(size);
	if (t == NULL) {
		fprintf(stderr, "table: table_new(%lu) failed\n", size);
		return 1;
	}
	for (i = 0; i < size; i++) {
		a.s6_addr[12] = (uint8_t)(i >> 24);
		a.s6_addr[13] = (uint8_t)(i >> 16);
		a.s6_addr[14] = (uint8_t)(i >> 8);
		a.s6_addr[15] = (uint8_t)i;
		if (table_update(t, hit.name[i], hit.len[i], IFINDEX, &a, 1, 120, now) != TABLE_NEW) {
			fprintf(stderr, "table: entry %zu of %lu refused\n", i + 1, size);
			return 1;
		}
		filled++;
		/* Check the budget every 256 entries: a clock read is not free. */
		if ((i & 255) == 255 && stats_mono_ns() - t0 > limit) {
			complete = 0;
			break;
		}
	}
	t1 = stats_mono_ns();
	after = heap_bytes();
	if (table_size(t) != filled) {
		fprintf(stderr, "table: holds %zu after %zu inserts\n", table_size(t), filled);
		return 1;
	}
	printf("table size=%lu filled=%zu fill_s=%.3f bytes_per_entry=%.1f%s\n", size, filled,
	       (double)(t1 - t0) / 1e9, (double)(after - before) / (double)filled,
	       complete ? "" : " incomplete");
	fflush(stdout);
	for (r = 0; r < runs; r++) {
		printf("lookup size=%lu filled=%zu kind=hit ns=%.1f\n", size, filled,
		       time_lookups(t, &hit, filled, 0, (uint64_t)ms * 1000000u, now));
		printf("lookup size=%lu filled=%zu kind=miss ns=%.1f\n", size, filled,
		       time_lookups(t, &miss, filled, 1, (uint64_t)ms * 1000000u, now));
		fflush(stdout);
	}
	table_free(t);
	keys_free(&hit);
	keys_free(&miss);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long runs = 5, ms = 200, fill_s = 20, sizes[MAX_SIZES], v;
	int c, n = 0, i;

	while ((c = getopt(argc, argv, "r:d:b:")) != -1) {
		if (c == '?' || stats_parse_ulong(optarg, 1, 100000, &v) < 0)
			goto usage;
		if (c == 'r')
			runs = v;
		else if (c == 'd')
			ms = v;
		else
			fill_s = v;
	}
	for (i = optind; i < argc; i++) {
		if (n == MAX_SIZES || stats_parse_ulong(argv[i], 1, 10000000, &sizes[n]) < 0)
			goto usage;
		n++;
	}
	if (n == 0)
		goto usage;
	for (i = 0; i < n; i++)
		if (bench_size(sizes[i], runs, ms, fill_s) != 0)
			return 1;
	return 0;

usage:
	fprintf(stderr, "usage: table [-r RUNS] [-d MS] [-b FILL_SECONDS] SIZE...\n");
	return 64;
}
