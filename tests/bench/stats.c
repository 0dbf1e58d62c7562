/* stats: clocks and order statistics for the benchmark programs. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "stats.h"

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t stats_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t stats_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

double stats_median(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double stats_percentile(const double *v, size_t n, double p)
{
	/* Nearest rank: the smallest value with at least p % at or below it. */
	size_t rank = (size_t)((p / 100.0) * (double)n);

	if ((double)rank < (p / 100.0) * (double)n)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

int stats_parse_ulong(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
