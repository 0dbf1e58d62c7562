/* gaitime: getaddrinfo() timing for the comparison lab (netns-scripts/compare.sh).
 *
 *   gaitime [-6] bench N NAME [RAWFILE]
 *        one warm-up call (reported as first=), then N timed calls; prints
 *        "bench n=N first=US min=US median=US p99=US max=US mean=US" and,
 *        with RAWFILE, writes the N latencies (µs, sorted) one per line.
 *        Every call must succeed.
 *   gaitime [-6] miss N NAME
 *        N calls that must all fail; prints "miss n=N min= median= max=".
 *   gaitime [-6] scope NAME
 *        prints "scope addr=ADDR%IFNAME ifindex=N ifname=IF results=K" for
 *        the first IPv6 result (scope 0 prints ifindex=0 ifname=-).
 *   gaitime [-6] [-i MS] [-t S] up NAME
 *        prints "ready", then starts one lookup every MS milliseconds (each
 *        in its own thread, at most GT_MAX_INFLIGHT at once, so a lookup
 *        stuck in a timeout does not hide an answer that arrives meanwhile)
 *        and on the first success prints "up t=NS" (CLOCK_REALTIME, ns).
 *   gaitime [-6] [-i MS] [-t S] down NAME
 *        prints "ready", then looks NAME up in a loop, one at a time, MS
 *        apart; on the first failure prints "down t=NS" with the time that
 *        failing lookup *started* (the first moment NAME no longer resolved).
 *   gaitime [-6] [-i MS] [-t S] load NAME...
 *        for S seconds, every MS milliseconds, looks each NAME up once (an
 *        application's steady use, for the wire figures); prints
 *        "load rounds=R lookups=L failed=F".
 *
 * Latencies are CLOCK_MONOTONIC, in microseconds with one decimal. Exit
 * status: 0 as expected, 1 a lookup gave the wrong outcome, 3 timed out,
 * 64 usage. Times from -t bound every wait so a broken peer cannot hang the
 * caller. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_WRONG	1
#define EXIT_TIMEOUT	3
#define EXIT_USAGE	64
#define GT_MAX_CALLS	1000000
#define GT_MAX_INFLIGHT	32

static int family = AF_UNSPEC;

static void usage(FILE *f)
{
	fprintf(f, "usage: gaitime [-6] bench N NAME [RAWFILE]\n"
		   "       gaitime [-6] miss N NAME\n"
		   "       gaitime [-6] scope NAME\n"
		   "       gaitime [-6] [-i MS] [-t SECONDS] up|down NAME\n"
		   "       gaitime [-6] [-i MS] [-t SECONDS] load NAME...\n");
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One lookup as an ordinary program makes it: hints for a TCP socket, the
 * family from -6 (AF_UNSPEC otherwise), no flags. */
static int lookup(const char *name, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	return getaddrinfo(name, NULL, &hints, res);
}

/* True if NAME resolves; the result is thrown away. */
static int resolves(const char *name)
{
	struct addrinfo *res;

	if (lookup(name, &res) != 0)
		return 0;
	freeaddrinfo(res);
	return 1;
}

/* Duration of one lookup in µs; *ok says whether it found anything. */
static double timed_lookup(const char *name, int *ok)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);

	*ok = resolves(name);
	return (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1000.0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *v == 0 || *v > max)
		return -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n-1], 0 < p <= 100. */
static double percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

static double median(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static double mean(const double *v, size_t n)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

static int write_raw(const char *path, const double *v, size_t n)
{
	FILE *f = fopen(path, "we");
	size_t i;

	if (f == NULL) {
		fprintf(stderr, "gaitime: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%.1f\n", v[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "gaitime: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

/* bench and miss: N calls expecting outcome `want` (1 found, 0 not). */
static int cmd_series(const char *what, int want, const char *count,
		      const char *name, const char *raw)
{
	unsigned long n, i;
	double *v, first = 0;
	int ok, rc = 0;

	if (parse_uint(count, GT_MAX_CALLS, &n) < 0) {
		fprintf(stderr, "gaitime: bad count '%s'\n", count);
		return EXIT_USAGE;
	}
	v = calloc(n, sizeof(*v));
	if (v == NULL) {
		perror("gaitime");
		return EXIT_WRONG;
	}
	/* The first call in a process loads the NSS modules; time it apart
	 * (a miss is not repeated: one is slow enough to be its own figure). */
	if (want) {
		first = timed_lookup(name, &ok);
		if (!ok) {
			fprintf(stderr, "gaitime: %s does not resolve\n", name);
			free(v);
			return EXIT_WRONG;
		}
	}
	for (i = 0; i < n; i++) {
		v[i] = timed_lookup(name, &ok);
		if (ok != want) {
			fprintf(stderr, "gaitime: call %lu: %s %s\n", i + 1, name,
				ok ? "resolved (expected a miss)" : "did not resolve");
			free(v);
			return EXIT_WRONG;
		}
	}
	qsort(v, n, sizeof(*v), cmp_double);
	if (want)
		printf("%s n=%lu first=%.1f min=%.1f median=%.1f p99=%.1f max=%.1f mean=%.1f\n",
		       what, n, first, v[0], median(v, n), percentile(v, n, 99),
		       v[n - 1], mean(v, n));
	else
		printf("%s n=%lu min=%.1f median=%.1f max=%.1f\n", what, n, v[0],
		       median(v, n), v[n - 1]);
	if (raw != NULL && write_raw(raw, v, n) < 0)
		rc = EXIT_WRONG;
	free(v);
	return rc;
}

static int cmd_scope(const char *name)
{
	struct addrinfo *res, *ai;
	const struct sockaddr_in6 *s6 = NULL;
	char addr[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE] = "-";
	int count = 0, rc;

	rc = lookup(name, &res);
	if (rc != 0) {
		fprintf(stderr, "gaitime: %s: %s\n", name, gai_strerror(rc));
		return EXIT_WRONG;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		count++;
		if (s6 == NULL && ai->ai_family == AF_INET6 &&
		    ai->ai_addrlen >= sizeof(*s6))
			s6 = (const struct sockaddr_in6 *)ai->ai_addr;
	}
	if (s6 == NULL) {
		fprintf(stderr, "gaitime: %s: no IPv6 result\n", name);
		freeaddrinfo(res);
		return EXIT_WRONG;
	}
	inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
	if (s6->sin6_scope_id == 0) {
		printf("scope addr=%s ifindex=0 ifname=- results=%d\n", addr, count);
	} else {
		if (if_indextoname(s6->sin6_scope_id, ifname) == NULL)
			snprintf(ifname, sizeof(ifname), "?");
		printf("scope addr=%s%%%s ifindex=%u ifname=%s results=%d\n", addr,
		       ifname, (unsigned)s6->sin6_scope_id, ifname, count);
	}
	freeaddrinfo(res);
	return 0;
}

/* Shared by the threads of `up`: the first success wins. */
static pthread_mutex_t up_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t up_cond = PTHREAD_COND_INITIALIZER;
static uint64_t up_at;
static unsigned up_inflight;

static void *up_attempt(void *arg)
{
	const char *name = arg;
	int ok = resolves(name);
	uint64_t t = now_ns(CLOCK_REALTIME);

	pthread_mutex_lock(&up_lock);
	if (ok && up_at == 0)
		up_at = t;
	up_inflight--;
	pthread_cond_signal(&up_cond);
	pthread_mutex_unlock(&up_lock);
	return NULL;
}

static void deadline_after_ms(struct timespec *ts, unsigned ms)
{
	uint64_t t = now_ns(CLOCK_REALTIME) + (uint64_t)ms * 1000000u;

	ts->tv_sec = (time_t)(t / 1000000000u);
	ts->tv_nsec = (long)(t % 1000000000u);
}

static int cmd_up(const char *name, unsigned interval_ms, unsigned timeout_s)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_s * 1000000000u;
	pthread_attr_t attr;
	struct timespec ts;
	pthread_t tid;
	uint64_t at;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	printf("ready\n");
	fflush(stdout);
	pthread_mutex_lock(&up_lock);
	while (up_at == 0 && now_ns(CLOCK_MONOTONIC) < end) {
		if (up_inflight < GT_MAX_INFLIGHT) {
			up_inflight++;
			if (pthread_create(&tid, &attr, up_attempt, (void *)name) != 0)
				up_inflight--;
		}
		deadline_after_ms(&ts, interval_ms);
		while (up_at == 0 &&
		       pthread_cond_timedwait(&up_cond, &up_lock, &ts) != ETIMEDOUT)
			;
	}
	at = up_at;
	pthread_mutex_unlock(&up_lock);
	if (at == 0) {
		printf("timeout\n");
		fflush(stdout);
		_exit(EXIT_TIMEOUT);
	}
	printf("up t=%llu\n", (unsigned long long)at);
	fflush(stdout);
	/* Other attempts may still sit inside an NSS module: leave without
	 * running exit handlers under their feet. */
	_exit(0);
}

static int cmd_down(const char *name, unsigned interval_ms, unsigned timeout_s)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_s * 1000000000u;
	uint64_t started;

	printf("ready\n");
	fflush(stdout);
	while (now_ns(CLOCK_MONOTONIC) < end) {
		started = now_ns(CLOCK_REALTIME);
		if (!resolves(name)) {
			printf("down t=%llu\n", (unsigned long long)started);
			return 0;
		}
		sleep_ms(interval_ms);
	}
	printf("timeout\n");
	return EXIT_TIMEOUT;
}

static int cmd_load(char **names, int count, unsigned interval_ms, unsigned timeout_s)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_s * 1000000000u;
	uint64_t next = now_ns(CLOCK_MONOTONIC);
	unsigned long rounds = 0, lookups = 0, failed = 0;
	int i;

	while (next < end) {
		for (i = 0; i < count; i++) {
			lookups++;
			if (!resolves(names[i]))
				failed++;
		}
		rounds++;
		/* Keep the pace even if a round was slow (no catching up). */
		next += (uint64_t)interval_ms * 1000000u;
		while (now_ns(CLOCK_MONOTONIC) < next && next < end)
			sleep_ms(1);
		if (now_ns(CLOCK_MONOTONIC) >= next)
			next = now_ns(CLOCK_MONOTONIC);
	}
	printf("load rounds=%lu lookups=%lu failed=%lu\n", rounds, lookups, failed);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long interval_ms = 20, timeout_s = 30, v;
	const char *cmd;
	int c, left;

	while ((c = getopt(argc, argv, "+6hi:t:")) != -1) {
		switch (c) {
		case '6':
			family = AF_INET6;
			break;
		case 'i':
			if (parse_uint(optarg, 60000, &v) < 0) {
				usage(stderr);
				return EXIT_USAGE;
			}
			interval_ms = v;
			break;
		case 't':
			if (parse_uint(optarg, 86400, &v) < 0) {
				usage(stderr);
				return EXIT_USAGE;
			}
			timeout_s = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	left = argc - optind;
	if (left < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "bench") == 0 && (left == 3 || left == 4))
		return cmd_series("bench", 1, argv[optind + 1], argv[optind + 2],
				  left == 4 ? argv[optind + 3] : NULL);
	if (strcmp(cmd, "miss") == 0 && left == 3)
		return cmd_series("miss", 0, argv[optind + 1], argv[optind + 2], NULL);
	if (strcmp(cmd, "scope") == 0 && left == 2)
		return cmd_scope(argv[optind + 1]);
	if (strcmp(cmd, "up") == 0 && left == 2)
		return cmd_up(argv[optind + 1], (unsigned)interval_ms, (unsigned)timeout_s);
	if (strcmp(cmd, "down") == 0 && left == 2)
		return cmd_down(argv[optind + 1], (unsigned)interval_ms, (unsigned)timeout_s);
	if (strcmp(cmd, "load") == 0)
		return cmd_load(argv + optind + 1, left - 1, (unsigned)interval_ms,
				(unsigned)timeout_s);
	usage(stderr);
	return EXIT_USAGE;
}
