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
 *   lookup parts [-k K] [-l LIB] NAME
 *        where a first lookup's time goes: K fresh copies of itself (default
 *        100) each time, in order, dlopen() of the NSS module LIB (default
 *        libnss_linkname.so.2, found as glibc finds it), its first
 *        gethostbyname4_r call for NAME (first contact: finding, checking
 *        and mapping the daemon's table, then the lookup) and a second one
 *        (the lookup alone); prints "parts runs=K dlopen= first_call=
 *        again= contact=" (medians, µs; contact = first_call - again, per
 *        process). NAME must resolve (with -m: must not; a LIB without
 *        gethostbyname4_r, such as glibc's libnss_dns.so.2 stub, then gives
 *        its dlopen() alone, a floor for any module).
 *   lookup part [-l LIB] [-m] NAME
 *        (used by parts) one such process; prints "DLOPEN FIRST AGAIN".
 *   lookup nsfirst [-k K]
 *        K fresh copies of itself each time its first readlink() of
 *        /proc/self/ns/net: what any first lookup pays to name its thread's
 *        network namespace (a new process's first steps into /proc); prints
 *        "nsfirst runs=K median= min=" (µs).
 *   lookup nsone
 *        (used by nsfirst) one such process; prints its µs.
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
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <nss.h>
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
#define NSS_LIB		"libnss_linkname.so.2"

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
		   "       lookup parts [-k K] [-l LIB] [-m] NAME\n"
		   "       lookup part [-l LIB] [-m] NAME\n"
		   "       lookup nsfirst [-k K]\n"
		   "       lookup nsone\n"
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

/* Run argv (this binary) as a fresh process; its standard output, at most
 * len - 1 octets, NUL-terminated. 0, or -1 if it failed or said nothing. */
static int run_child(char **argv, char *buf, size_t len)
{
	posix_spawn_file_actions_t fa;
	ssize_t got, off = 0;
	int fds[2], status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (off < (ssize_t)len - 1 &&
	       ((got = read(fds[0], buf + off, len - 1 - (size_t)off)) > 0 ||
		(got < 0 && errno == EINTR)))
		if (got > 0)
			off += got;
	close(fds[0]);
	buf[off] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || off == 0)
		return -1;
	return 0;
}

/* The path of this very binary, whatever the caller's PATH says. */
static int self_path(char *self, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", self, len - 1);

	if (n <= 0) {
		perror("lookup: /proc/self/exe");
		return -1;
	}
	self[n] = '\0';
	return 0;
}

/* One fresh process running `once`; its latency, or a negative value. */
static double run_once(const char *self, const char *name, int want)
{
	char *argv[5], buf[64];
	int a = 0;

	argv[a++] = (char *)self;
	argv[a++] = (char *)"once";
	if (!want)
		argv[a++] = (char *)"-m";
	argv[a++] = (char *)name;
	argv[a] = NULL;
	if (run_child(argv, buf, sizeof(buf)) < 0)
		return -1;
	return strtod(buf, NULL);
}

/* One call of the module's gethostbyname4_r: 1 found, 0 not. */
static int nss_call(nss_gethostbyname4_r *fn, const char *name)
{
	static char buf[4096];
	struct gaih_addrtuple *pat = NULL;
	int err = 0, herr = 0;
	int32_t ttl = 0;

	return fn(name, &pat, buf, sizeof(buf), &err, &herr, &ttl) == NSS_STATUS_SUCCESS;
}

static int cmd_part(const char *lib, const char *name, int want)
{
	nss_gethostbyname4_r *fn;
	uint64_t t0, t1, t2, t3, t4;
	char sym[128];
	const char *base = strrchr(lib, '/') ? strrchr(lib, '/') + 1 : lib;
	const char *svc = strncmp(base, "libnss_", 7) == 0 ? base + 7 : base;
	void *h;
	int ok1, ok2;

	/* libnss_SERVICE.so.2 exports _nss_SERVICE_gethostbyname4_r. */
	snprintf(sym, sizeof(sym), "_nss_%.*s_gethostbyname4_r", (int)strcspn(svc, "."), svc);

	/* As glibc's NSS loads a module: lazily, by soname. */
	t0 = stats_mono_ns();
	h = dlopen(lib, RTLD_LAZY);
	t1 = stats_mono_ns();
	if (h == NULL) {
		fprintf(stderr, "lookup: %s\n", dlerror());
		return EXIT_WRONG;
	}
	fn = (nss_gethostbyname4_r *)dlsym(h, sym);
	if (fn == NULL && !want) {
		/* A module without hosts lookups (glibc's stubs): its load alone. */
		printf("%.2f 0 0\n", (double)(t1 - t0) / 1000.0);
		return 0;
	}
	if (fn == NULL) {
		fprintf(stderr, "lookup: %s has no %s\n", lib, sym);
		return EXIT_WRONG;
	}
	/* dlsym is glibc's side, not timed. */
	t2 = stats_mono_ns();
	ok1 = nss_call(fn, name);
	t3 = stats_mono_ns();
	ok2 = nss_call(fn, name);
	t4 = stats_mono_ns();
	if (ok1 != want || ok2 != want) {
		fprintf(stderr, "lookup: %s %s through %s\n", name,
			want ? "does not resolve" : "resolves", lib);
		return EXIT_WRONG;
	}
	printf("%.2f %.2f %.2f\n", (double)(t1 - t0) / 1000.0, (double)(t3 - t2) / 1000.0,
	       (double)(t4 - t3) / 1000.0);
	return 0;
}

static int cmd_parts(const char *lib, const char *name, unsigned long k, int want)
{
	char self[4096], buf[128];
	char *argv[8];
	double *v[4];
	unsigned long i;
	int a = 0, j, rc = EXIT_WRONG;

	if (self_path(self, sizeof(self)) < 0)
		return EXIT_WRONG;
	argv[a++] = self;
	argv[a++] = (char *)"part";
	argv[a++] = (char *)"-l";
	argv[a++] = (char *)lib;
	if (!want)
		argv[a++] = (char *)"-m";
	argv[a++] = (char *)name;
	argv[a] = NULL;
	for (j = 0; j < 4; j++)
		v[j] = calloc(k, sizeof(double));
	if (!v[0] || !v[1] || !v[2] || !v[3]) {
		perror("lookup");
		goto out;
	}
	for (i = 0; i < k; i++) {
		if (run_child(argv, buf, sizeof(buf)) < 0 ||
		    sscanf(buf, "%lf %lf %lf", &v[0][i], &v[1][i], &v[2][i]) != 3) {
			fprintf(stderr, "lookup: fresh process %lu for %s failed\n", i + 1, name);
			goto out;
		}
		v[3][i] = v[1][i] - v[2][i];
	}
	for (j = 0; j < 4; j++)
		stats_sort(v[j], k);
	printf("parts runs=%lu dlopen=%.2f first_call=%.2f again=%.2f contact=%.2f\n", k,
	       stats_median(v[0], k), stats_median(v[1], k), stats_median(v[2], k),
	       stats_median(v[3], k));
	rc = 0;
out:
	for (j = 0; j < 4; j++)
		free(v[j]);
	return rc;
}

static int cmd_first(const char *name, unsigned long k, int want)
{
	char self[4096];
	double *v;
	unsigned long i;

	if (self_path(self, sizeof(self)) < 0)
		return EXIT_WRONG;
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

static int cmd_nsone(void)
{
	char link[64];
	uint64_t t0 = stats_mono_ns();
	ssize_t n = readlink("/proc/self/ns/net", link, sizeof(link));
	double us = (double)(stats_mono_ns() - t0) / 1000.0;

	if (n <= 0) {
		perror("lookup: /proc/self/ns/net");
		return EXIT_WRONG;
	}
	printf("%.2f\n", us);
	return 0;
}

static int cmd_nsfirst(unsigned long k)
{
	char self[4096], buf[64];
	char *argv[3];
	double *v;
	unsigned long i;

	if (self_path(self, sizeof(self)) < 0)
		return EXIT_WRONG;
	argv[0] = self;
	argv[1] = (char *)"nsone";
	argv[2] = NULL;
	v = calloc(k, sizeof(*v));
	if (v == NULL) {
		perror("lookup");
		return EXIT_WRONG;
	}
	for (i = 0; i < k; i++) {
		if (run_child(argv, buf, sizeof(buf)) < 0) {
			fprintf(stderr, "lookup: fresh process %lu failed\n", i + 1);
			free(v);
			return EXIT_WRONG;
		}
		v[i] = strtod(buf, NULL);
	}
	stats_sort(v, k);
	printf("nsfirst runs=%lu median=%.2f min=%.2f\n", k, stats_median(v, k), v[0]);
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
	const char *cmd, *lib = NSS_LIB;
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
	while ((c = getopt(argc, argv, "+t:n:k:i:T:l:m")) != -1) {
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
		case 'l':
			lib = optarg;
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
	if (strcmp(cmd, "parts") == 0 && optind == argc - 1)
		return cmd_parts(lib, argv[optind], k, want);
	if (strcmp(cmd, "part") == 0 && optind == argc - 1)
		return cmd_part(lib, argv[optind], want);
	if (strcmp(cmd, "nsfirst") == 0 && optind == argc)
		return cmd_nsfirst(k);
	if (strcmp(cmd, "nsone") == 0 && optind == argc)
		return cmd_nsone();
	if (strcmp(cmd, "wait") == 0 && optind < argc)
		return cmd_wait(argv + optind, argc - optind, interval_us, timeout_s);
bad:
	usage(stderr);
	return EXIT_USAGE;
}
