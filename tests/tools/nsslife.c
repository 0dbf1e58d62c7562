/* nsslife: programs that resolve over a long life, for the namespace tests
 * of the NSS module's faults (tests/netns/test_nsslife.sh) and the chaos
 * test that reuses its steps.
 *
 *   nsslife run [-t THREADS] [-i MS] NAME...
 *        THREADS threads (default 4) each look every NAME up with
 *        getaddrinfo(), MS milliseconds apart (default 10), until SIGTERM.
 *        Prints "ready" once every NAME has been looked up once, then one
 *        line per change of a NAME's outcome as the threads see it:
 *        "NAME up t=MS ADDR%SCOPE..." or "NAME down t=MS ERROR" (t:
 *        milliseconds of CLOCK_MONOTONIC, the same clock as the test's
 *        `date`-free marks printed by "nsslife now"). On SIGTERM prints
 *        "run lookups=N failed=N" and exits 0.
 *   nsslife now
 *        prints CLOCK_MONOTONIC in milliseconds (to compare with run's t=).
 *   nsslife exit [-t THREADS] [-r RUNS] [-d US] NAME
 *        RUNS times (default 100): a child whose THREADS threads (default
 *        8) look NAME up and its address back (the module called directly,
 *        as glibc does, so the threads spend their time inside it), while
 *        the main thread calls exit(0) after a random 0..US microseconds
 *        (default 2000), with output still to flush at exit into a pipe
 *        that stays full for 20 ms (stdio is flushed after the
 *        destructors). Prints "exit runs=R crashed=C" and exits 1 if any
 *        child died of a signal.
 *   nsslife setns NSFILE NAME
 *        looks NAME up here, then in a second thread that setns()es into
 *        the network namespace NSFILE, then here again; prints "here ...",
 *        "there ...", "here-again ..." (ADDR%SCOPE of every result, or
 *        "fail ERROR"). Exits 0 if all three resolved.
 *
 * Exit status: 0 as described, 1 failure, 64 usage. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nss.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_FAIL	1
#define EXIT_USAGE	64
#define MAX_THREADS	64
#define MAX_NAMES	16
#define ANSWER_MAX	512
#define EXIT_FLUSH	(256 * 1024)	/* octets, more than a pipe holds */
#define EXIT_DRAIN_MS	20

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nsslife run [-t THREADS] [-i MS] NAME...\n"
		   "       nsslife now\n"
		   "       nsslife exit [-t THREADS] [-r RUNS] [-d US] NAME\n"
		   "       nsslife setns NSFILE NAME\n");
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Every result of getaddrinfo(name) as "ADDR%SCOPE ...", sorted as returned;
 * 0, or -1 with the error in out. */
static int answer(const char *name, char *out, size_t len)
{
	struct addrinfo hints, *res, *ai;
	size_t off = 0;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(out, len, "%s", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	out[0] = '\0';
	for (ai = res; ai && off + 1 < len; ai = ai->ai_next) {
		char host[INET6_ADDRSTRLEN] = "?";
		unsigned scope = 0;

		if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const void *)ai->ai_addr;

			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			scope = s6->sin6_scope_id;
		}
		off += (size_t)snprintf(out + off, len - off, "%s%s%%%u", off ? " " : "", host, scope);
	}
	freeaddrinfo(res);
	return 0;
}

/* ---- run ---- */

struct name_state {
	const char *name;
	int known;			/* an outcome was printed */
	int up;
	char last[ANSWER_MAX];
};

static struct name_state names[MAX_NAMES];
static int nnames;
static long interval_ms = 10;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long lookups, failures;
static atomic_int looked;		/* names looked up at least once, by thread 0 */
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void note(struct name_state *s, int up, const char *what)
{
	pthread_mutex_lock(&out_lock);
	if (!s->known || s->up != up || (up && strcmp(s->last, what) != 0)) {
		printf("%s %s t=%llu %s\n", s->name, up ? "up" : "down",
		       (unsigned long long)now_ms(), what);
		fflush(stdout);
		s->known = 1;
		s->up = up;
		snprintf(s->last, sizeof(s->last), "%s", what);
	}
	pthread_mutex_unlock(&out_lock);
}

static void *run_thread(void *arg)
{
	long id = (long)(intptr_t)arg;
	char buf[ANSWER_MAX];
	int i;

	while (!stop) {
		for (i = 0; i < nnames && !stop; i++) {
			int ok = answer(names[i].name, buf, sizeof(buf)) == 0;

			atomic_fetch_add(&lookups, 1);
			if (!ok)
				atomic_fetch_add(&failures, 1);
			note(&names[i], ok, buf);
			if (id == 0 && atomic_load(&looked) <= i)
				atomic_store(&looked, i + 1);
		}
		if (interval_ms)
			poll(NULL, 0, (int)interval_ms);
	}
	return NULL;
}

static int cmd_run(long threads)
{
	pthread_t tid[MAX_THREADS];
	struct sigaction sa;
	long i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, run_thread, (void *)(intptr_t)i) != 0) {
			fprintf(stderr, "nsslife: cannot start thread %ld\n", i);
			return EXIT_FAIL;
		}
	while (!stop && atomic_load(&looked) < nnames)
		poll(NULL, 0, 5);
	pthread_mutex_lock(&out_lock);
	printf("ready\n");
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	while (!stop)
		pause();
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	printf("run lookups=%ld failed=%ld\n", atomic_load(&lookups), atomic_load(&failures));
	return 0;
}

/* ---- exit ---- */

struct hammer {
	nss_gethostbyname4_r *fwd;
	nss_gethostbyaddr2_r *rev;
	const char *name;
	atomic_int started;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	struct gaih_addrtuple *pat;
	struct hostent he;
	struct in6_addr a;
	char buf[4096];
	int err, herr, first = 1;
	int32_t ttl;

	memset(&a, 0, sizeof(a));
	for (;;) {
		pat = NULL;
		if (h->fwd(h->name, &pat, buf, sizeof(buf), &err, &herr, &ttl) == NSS_STATUS_SUCCESS &&
		    pat != NULL)
			memcpy(&a, pat->addr, sizeof(a));
		if (a.s6_addr[0] == 0xfe)
			h->rev(&a, sizeof(a), AF_INET6, &he, buf, sizeof(buf), &err, &herr, &ttl);
		if (first) {
			first = 0;
			atomic_fetch_add(&h->started, 1);
		}
	}
	return NULL;
}

/* The child: never returns. */
static void exit_child(const char *name, long threads, long delay_us, unsigned seed)
{
	static struct hammer h;
	pthread_t tid;
	void *lib;
	long i;

	/* glibc loads the module the same way, by soname, lazily. */
	lib = dlopen("libnss_linkname.so.2", RTLD_LAZY);
	if (!lib)
		_exit(70);
	h.fwd = (nss_gethostbyname4_r *)dlsym(lib, "_nss_linkname_gethostbyname4_r");
	h.rev = (nss_gethostbyaddr2_r *)dlsym(lib, "_nss_linkname_gethostbyaddr2_r");
	h.name = name;
	if (!h.fwd || !h.rev)
		_exit(71);
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid, NULL, hammer_thread, &h) != 0)
			_exit(72);
	while (atomic_load(&h.started) < threads)
		sched_yield();
	/* A program whose output is still on its way out at exit: stdio is
	 * flushed after every destructor has run, into a pipe the parent
	 * drains only after EXIT_DRAIN_MS, so the module's destructors get
	 * that long to pull memory from under the other threads. */
	setvbuf(stdout, NULL, _IOFBF, 4 * EXIT_FLUSH);
	for (i = 0; i < EXIT_FLUSH; i++)
		putchar('.');
	srand(seed);
	if (delay_us > 0)
		usleep((useconds_t)(rand() % delay_us));
	/* Destructors run here while the threads are mid-lookup. */
	exit(0);
}

static int cmd_exit(const char *name, long threads, long runs, long delay_us)
{
	long r, crashed = 0, odd = 0;
	char buf[65536];
	int status, fds[2];
	pid_t pid;

	for (r = 0; r < runs; r++) {
		fflush(stdout);
		if (pipe2(fds, O_CLOEXEC) < 0) {
			perror("nsslife: pipe");
			return EXIT_FAIL;
		}
		pid = fork();
		if (pid < 0) {
			perror("nsslife: fork");
			return EXIT_FAIL;
		}
		if (pid == 0) {
			dup2(fds[1], STDOUT_FILENO);
			close(fds[0]);
			close(fds[1]);
			exit_child(name, threads, delay_us, (unsigned)(getpid() ^ (unsigned)r));
		}
		close(fds[1]);
		/* Wait until the pipe is full, then let it stay full a while. */
		poll(NULL, 0, (int)(delay_us / 1000) + EXIT_DRAIN_MS);
		while (read(fds[0], buf, sizeof(buf)) > 0 || errno == EINTR)
			errno = 0;
		close(fds[0]);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) {
				perror("nsslife: waitpid");
				return EXIT_FAIL;
			}
		if (WIFSIGNALED(status)) {
			if (crashed < 5)
				printf("run %ld: killed by signal %d (%s)\n", r + 1, WTERMSIG(status),
				       strsignal(WTERMSIG(status)));
			crashed++;
		} else if (WEXITSTATUS(status) != 0) {
			if (odd < 5)
				printf("run %ld: exit %d\n", r + 1, WEXITSTATUS(status));
			odd++;
		}
	}
	printf("exit runs=%ld crashed=%ld failed=%ld\n", runs, crashed, odd);
	return crashed || odd ? EXIT_FAIL : 0;
}

/* ---- setns ---- */

struct there {
	const char *nsfile, *name;
	char out[ANSWER_MAX];
	int ok;
};

static void *there_thread(void *arg)
{
	struct there *t = arg;
	int fd = open(t->nsfile, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		snprintf(t->out, sizeof(t->out), "setns %s: %s", t->nsfile, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	t->ok = answer(t->name, t->out, sizeof(t->out)) == 0;
	return NULL;
}

static int show(const char *label, const char *name)
{
	char buf[ANSWER_MAX];
	int ok = answer(name, buf, sizeof(buf)) == 0;

	printf("%s %s%s\n", label, ok ? "" : "fail ", buf);
	return ok;
}

static int cmd_setns(const char *nsfile, const char *name)
{
	struct there t = { .nsfile = nsfile, .name = name };
	pthread_t tid;
	int ok = show("here", name);

	if (pthread_create(&tid, NULL, there_thread, &t) != 0) {
		fprintf(stderr, "nsslife: cannot start a thread\n");
		return EXIT_FAIL;
	}
	pthread_join(tid, NULL);
	printf("there %s%s\n", t.ok ? "" : "fail ", t.out);
	ok &= t.ok;
	ok &= show("here-again", name);
	return ok ? 0 : EXIT_FAIL;
}

int main(int argc, char **argv)
{
	long threads = -1, runs = 100, delay_us = 2000;
	const char *cmd;
	int c, i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "+t:i:r:d:")) != -1) {
		switch (c) {
		case 't':
			if (parse_num(optarg, 1, MAX_THREADS, &threads) < 0)
				goto bad;
			break;
		case 'i':
			if (parse_num(optarg, 0, 60000, &interval_ms) < 0)
				goto bad;
			break;
		case 'r':
			if (parse_num(optarg, 1, 1000000, &runs) < 0)
				goto bad;
			break;
		case 'd':
			if (parse_num(optarg, 0, 10000000, &delay_us) < 0)
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	if (!strcmp(cmd, "now") && optind == argc) {
		printf("%llu\n", (unsigned long long)now_ms());
		return 0;
	}
	if (!strcmp(cmd, "run") && optind < argc && argc - optind <= MAX_NAMES) {
		for (i = optind; i < argc; i++)
			names[nnames++].name = argv[i];
		return cmd_run(threads < 0 ? 4 : threads);
	}
	if (!strcmp(cmd, "exit") && optind == argc - 1)
		return cmd_exit(argv[optind], threads < 0 ? 8 : threads, runs, delay_us);
	if (!strcmp(cmd, "setns") && optind == argc - 2)
		return cmd_setns(argv[optind], argv[optind + 1]);
bad:
	usage(stderr);
	return EXIT_USAGE;
}
