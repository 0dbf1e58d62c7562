/* stats: clocks and order statistics shared by the benchmark programs.
 * Pure apart from the clock reads; no project header, so it links into
 * programs that must not see include/ (lookup.c). */
#ifndef LINKNAME_BENCH_STATS_H
#define LINKNAME_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
uint64_t stats_mono_ns(void);
uint64_t stats_real_ns(void);

/* Sort v[0..n) ascending in place. */
void stats_sort(double *v, size_t n);
/* On sorted v, n > 0: the median, and the nearest-rank percentile p (0-100]. */
double stats_median(const double *v, size_t n);
double stats_percentile(const double *v, size_t n, double p);

/* Parse a whole decimal number in [min, max]; -1 if it is not one. */
int stats_parse_ulong(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out);

#endif
