/* lookup: getaddrinfo() timing for `make bench` (tests/bench/bench.sh).
 *
 *   lookup series [-t THREADS] [-n CALLS] [-m] NAME
 *        one untimed warm-up call, then CALLS timed calls shared among
 *        THREADS threads (default 1 and 10000) that start together;
 *        prints "series threads=T calls=N min= median= p99= max= mean=
 *        wall_s= rate=" (latencies in µs, rate in calls/s). Every call must
 *        succeed, or with -m every call must fail (a miss).
 *   lookup first [-k K] [-m] NAME
 *        runs K fresh copies of itself (default 100), each timing only its
 *        very first getaddrinfo() call, so the NSS module's loading,
 *        mapping and connecting are included; prints "first runs=K min=
 *        median= p99= max=" (µs).
 *   lookup once [-m] NAME
 *        (used by first) one call in this process; prints its µs.
 *   lookup wait [-i US] [-T S] NAME...
 *        prints "ready", then looks every name not yet resolved up once per
 *        round, US microseconds apart (default 1000), until all resolve;
 *        prints "NAME t=NS" (CLOCK_REALTIME, when the first successful
 *        lookup returned) per name as it resolves, then "all t=NS
 *        lookups=L". Gives up after S seconds (default 20) with "timeout".
 *
 * Lookups are made as an ordinary program makes them: AF_UNSPEC, a TCP
 * socket type, no flags. Exit status: 0 as expected, 1 a lookup gave the
 * wrong outcome, 3 timed out, 64 usage. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stats.h"

#define EXIT_WRONG	1
#define EXIT_TIMEOUT	3
#define EXIT_USAGE	64
#define MAX_CALLS	10000000ul
#define MAX_THREADS	64
#define MAX_FIRST	100000ul

extern char **environ;

static int resolves(const char *name)
{
	struct addrinfo hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	freeaddrinfo(res);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lookup series [-t THREADS] [-n CALLS] [-m] NAME\n"
		   "       lookup first [-k K] [-m] NAME\n"
		   "       lookup once [-m] NAME\n"
		   "       lookup wait [-i US] [-T SECONDS] NAME...\n");
}

struct worker {
	pthread_t tid;
	const char *name;
	int want;
	double *lat;		/* this thread's slice of the latencies */
	size_t n;
	size_t wrong;
};

static pthread_barrier_t start_line;

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t i;

	pthread_barrier_wait(&start_line);
	for (i = 0; i < w->n; i++) {
		uint64_t t0 = stats_mono_ns();
		int ok = resolves(w->name);

		w->lat[i] = (double)(stats_mono_ns() - t0) / 1000.0;
		if (ok != w->want)
			w->wrong++;
	}
	return NULL;
}

static int cmd_series(const char *name, unsigned long threads, unsigned long calls, int want)
{
	struct worker w[MAX_THREADS];
	unsigned long i, per = calls / threads, extra = calls % threads;
	uint64_t t0, t1;
	double *lat, sum = 0;
	size_t off = 0, wrong = 0;

	lat = calloc(calls, sizeof(*lat));
	if (lat == NULL) {
		perror("lookup");
		return EXIT_WRONG;
	}
	/* Warm-up: the first call loads the modules; `first` measures that. */
	if (resolves(name) != want) {
		fprintf(stderr, "lookup: %s %s\n", name, want ? "does not resolve" : "resolves");
		free(lat);
		return EXIT_WRONG;
	}
	if (pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1) != 0) {
		perror("lookup: pthread_barrier_init");
		free(lat);
		return EXIT_WRONG;
	}
	for (i = 0; i < threads; i++) {
		w[i] = (struct worker){ .name = name, .want = want, .lat = lat + off,
					.n = per + (i < extra ? 1 : 0) };
		off += w[i].n;
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "lookup: cannot start thread %lu\n", i);
			exit(EXIT_WRONG);
		}
	}
	t0 = stats_mono_ns();
	pthread_barrier_wait(&start_line);
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		wrong += w[i].wrong;
	}
	t1 = stats_mono_ns();
	pthread_barrier_destroy(&start_line);
	if (wrong) {
		fprintf(stderr, "lookup: %zu of %lu calls for %s %s\n", wrong, calls, name,
			want ? "failed" : "unexpectedly resolved");
		free(lat);
		return EXIT_WRONG;
	}
	for (i = 0; i < calls; i++)
		sum += lat[i];
	stats_sort(lat, calls);
	printf("series threads=%lu calls=%lu min=%.2f median=%.2f p99=%.2f max=%.2f mean=%.2f "
	       "wall_s=%.4f rate=%.0f\n", threads, calls, lat[0], stats_median(lat, calls),
	       stats_percentile(lat, calls, 99), lat[calls - 1], sum / (double)calls,
	       (double)(t1 - t0) / 1e9, (double)calls / ((double)(t1 - t0) / 1e9));
	free(lat);
	return 0;
}

static int cmd_once(const char *name, int want)
{
	uint64_t t0 = stats_mono_ns();
	int ok = resolves(name);
	double us = (double)(stats_mono_ns() - t0) / 1000.0;

	if (ok != want) {
		fprintf(stderr, "lookup: %s %s\n", name, want ? "does not resolve" : "resolves");
		return EXIT_WRONG;
	}
	printf("%.2f\n", us);
	return 0;
}

/* One fresh process running `once`; its latency, or a negative value. */
static double run_once(const char *self, const char *name, int want)
{
	char *argv[5];
	posix_spawn_file_actions_t fa;
	char buf[64];
	ssize_t got, len = 0;
	int fds[2], status, a = 0;
	pid_t pid;

	argv[a++] = (char *)self;
	argv[a++] = (char *)"once";
	if (!want)
		argv[a++] = (char *)"-m";
	argv[a++] = (char *)name;
	argv[a] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       ((got = read(fds[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0 ||
		(got < 0 && errno == EINTR)))
		if (got > 0)
			len += got;
	close(fds[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0)
		return -1;
	return strtod(buf, NULL);
}

static int cmd_first(const char *name, unsigned long k, int want)
{
	char self[4096];
	double *v;
	unsigned long i;
	ssize_t n;

	/* Spawn the very same binary, whatever the caller's PATH says. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("lookup: /proc/self/exe");
		return EXIT_WRONG;
	}
	self[n] = '\0';
	v = calloc(k, sizeof(*v));
	if (v == NULL) {
		perror("lookup");
		return EXIT_WRONG;
	}
	for (i = 0; i < k; i++) {
		v[i] = run_once(self, name, want);
		if (v[i] < 0) {
			fprintf(stderr, "lookup: fresh process %lu for %s failed\n", i + 1, name);
			free(v);
			return EXIT_WRONG;
		}
	}
	stats_sort(v, k);
	printf("first runs=%lu min=%.2f median=%.2f p99=%.2f max=%.2f\n", k, v[0],
	       stats_median(v, k), stats_percentile(v, k, 99), v[k - 1]);
	free(v);
	return 0;
}

static int cmd_wait(char **names, int count, unsigned long interval_us, unsigned long timeout_s)
{
	uint64_t end = stats_mono_ns() + (uint64_t)timeout_s * 1000000000u, t;
	unsigned long lookups = 0;
	char *done;
	int left = count, i;

	done = calloc((size_t)count, 1);
	if (done == NULL) {
		perror("lookup");
		return EXIT_WRONG;
	}
	printf("ready\n");
	fflush(stdout);
	while (left > 0) {
		for (i = 0; i < count; i++) {
			if (done[i])
				continue;
			lookups++;
			if (resolves(names[i])) {
				t = stats_real_ns();
				done[i] = 1;
				left--;
				printf("%s t=%llu\n", names[i], (unsigned long long)t);
			}
		}
		if (left == 0)
			break;
		if (stats_mono_ns() >= end) {
			printf("timeout left=%d lookups=%lu\n", left, lookups);
			free(done);
			return EXIT_TIMEOUT;
		}
		usleep((useconds_t)interval_us);
	}
	printf("all t=%llu lookups=%lu\n", (unsigned long long)stats_real_ns(), lookups);
	free(done);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long threads = 1, calls = 10000, k = 100, interval_us = 1000, timeout_s = 20;
	const char *cmd;
	int c, want = 1;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "+t:n:k:i:T:m")) != -1) {
		switch (c) {
		case 't':
			if (stats_parse_ulong(optarg, 1, MAX_THREADS, &threads) < 0)
				goto bad;
			break;
		case 'n':
			if (stats_parse_ulong(optarg, 1, MAX_CALLS, &calls) < 0)
				goto bad;
			break;
		case 'k':
			if (stats_parse_ulong(optarg, 1, MAX_FIRST, &k) < 0)
				goto bad;
			break;
		case 'i':
			if (stats_parse_ulong(optarg, 1, 1000000, &interval_us) < 0)
				goto bad;
			break;
		case 'T':
			if (stats_parse_ulong(optarg, 1, 3600, &timeout_s) < 0)
				goto bad;
			break;
		case 'm':
			want = 0;
			break;
		default:
			goto bad;
		}
	}
	if (strcmp(cmd, "series") == 0 && optind == argc - 1)
		return cmd_series(argv[optind], threads, calls < threads ? threads : calls, want);
	if (strcmp(cmd, "first") == 0 && optind == argc - 1)
		return cmd_first(argv[optind], k, want);
	if (strcmp(cmd, "once") == 0 && optind == argc - 1)
		return cmd_once(argv[optind], want);
	if (strcmp(cmd, "wait") == 0 && optind < argc)
		return cmd_wait(argv + optind, argc - optind, interval_us, timeout_s);
bad:
	usage(stderr);
	return EXIT_USAGE;
}
