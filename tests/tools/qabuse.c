/* qabuse: a hostile or measuring local client of linknamed's query socket,
 * for the namespace tests.
 *
 *   qabuse [-S SOCKET] idle N [--hold MS] [--reconnect]
 *       N connections that send nothing, held MS (default 3000) or until
 *       SIGTERM; with --reconnect each one the server drops is opened again.
 *       Prints "ready" once N are connected (or after 2 s, however many).
 *   qabuse [-S SOCKET] garbage N     N connections sending 24 random octets
 *   qabuse [-S SOCKET] huge N [--size OCTETS]
 *       N connections each sending a request that claims a 65535-octet
 *       payload followed by OCTETS (default 1 MiB) of it
 *   qabuse probe [--count N] [--interval MS] [--duration MS] NAME...
 *       getaddrinfo() each NAME in turn, N rounds (default 1) or for MS, or
 *       until SIGTERM; prints "ready" after the first round, each failure
 *       (on stderr) as it happens, and at the end lookups, failures and
 *       latencies
 *   qabuse nss NAME
 *       call libnss_linkname's _nss_linkname_gethostbyname4_r directly and
 *       print the NSS status, errno and h_errno it gives
 *   qabuse [-S SOCKET] evict N --pid PID NAME
 *       issue #10's eviction case, made deterministic: N idle connections,
 *       "ready", then on SIGUSR1: SIGSTOP the server PID, one connection
 *       more, on each of the N (oldest first) and the new one a whole
 *       RESOLVE NAME, SIGCONT; then wait (bounded) for every answer or
 *       close and print what came back. Exit 3: the round took too long for
 *       the server's idle bound (or it dropped a client before the stop),
 *       so the result says nothing: run it again.
 *
 * SOCKET defaults to $LINKNAME_SOCKET, else @linkname ('@': abstract).
 * Exit status: 0 done (probe: no failure), 1 failures or errors, 64 usage;
 * nss: 0 SUCCESS, 1 NOTFOUND, 2 UNAVAIL, 3 TRYAGAIN, 4 anything else. */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <nss.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE	64
#define GARBAGE_LEN	24		/* the server's largest request */
#define RESP_HDR_LEN	12
#define MAX_CONNS	4096
#define READY_WAIT_MS	2000
#define IO_WAIT_MS	3000		/* garbage, huge: give up after this */
/* A connection the server dropped or could not take is tried again this
 * much later: pressure on the server without spinning a core. */
#define RETRY_US	20000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(void)
{
	fprintf(stderr, "usage: qabuse [-S SOCKET] idle|garbage|huge N [--hold MS] [--reconnect] "
			"[--size OCTETS]\n"
			"       qabuse probe [--count N] [--interval MS] [--duration MS] NAME...\n"
			"       qabuse nss NAME\n"
			"       qabuse [-S SOCKET] evict N --pid PID NAME\n");
	exit(EXIT_USAGE);
}

static long parse_num(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "qabuse: bad number '%s'\n", s);
		exit(EXIT_USAGE);
	}
	return v;
}

/* ---- abuse: many connections driven by one poll loop ---- */

enum conn_state { C_IDLE, C_OPEN, C_DONE };

struct conn {
	int fd;
	enum conn_state st;
	int64_t retry_at;		/* us: not reopened before this */
	size_t sent;
	uint8_t resp[RESP_HDR_LEN];
	size_t got;
};

static struct sockaddr_un su;
static socklen_t sulen;

static void make_addr(const char *path)
{
	size_t len = strlen(path);

	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	if (len < 2 || len >= sizeof(su.sun_path)) {
		fprintf(stderr, "qabuse: bad socket '%s'\n", path);
		exit(EXIT_USAGE);
	}
	if (path[0] == '@') {
		memcpy(su.sun_path + 1, path + 1, len - 1);
		sulen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		memcpy(su.sun_path, path, len + 1);
		sulen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
}

/* 1 connected, 0 not now (backlog full: try again later), -1 error. */
static int conn_open(struct conn *c)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&su, sulen) < 0 && errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		errno = e;
		return e == EAGAIN ? 0 : -1;
	}
	c->fd = fd;
	c->st = C_OPEN;
	c->sent = 0;
	c->got = 0;
	return 1;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->st = C_DONE;
	c->retry_at = now_us() + RETRY_US;
}

/* Keeps the response header's octets; true once, when the last arrives
 * (what follows it is not needed). */
static int conn_take(struct conn *c, const uint8_t *buf, size_t n)
{
	if (c->got >= RESP_HDR_LEN)
		return 0;
	if (n > RESP_HDR_LEN - c->got)
		n = RESP_HDR_LEN - c->got;
	memcpy(c->resp + c->got, buf, n);
	c->got += n;
	return c->got == RESP_HDR_LEN;
}

struct abuse {
	const char *mode;
	long n, hold_ms, size;
	int reconnect;
	const uint8_t *payload;		/* what each connection sends */
	size_t payload_len;
	long opened, connect_busy, dropped, badreq, other_resp, early_close;
	long long octets;
};

static int abuse_run(struct abuse *a)
{
	static struct conn conns[MAX_CONNS];
	static struct pollfd pfds[MAX_CONNS];
	int64_t start = now_us(), end, ready_by = start + READY_WAIT_MS * 1000;
	int ready = 0;
	long i, live;

	end = start + (a->payload_len ? IO_WAIT_MS : a->hold_ms) * 1000LL;
	for (i = 0; i < a->n; i++) {
		conns[i].fd = -1;
		conns[i].st = C_IDLE;
		conns[i].retry_at = 0;
	}
	while (!stop && now_us() < end) {
		long connected = 0;

		/* Open whatever is not open yet (or again, with --reconnect). */
		for (i = 0; i < a->n; i++) {
			struct conn *c = &conns[i];
			int r;

			if (c->st == C_DONE && a->reconnect && !a->payload_len)
				c->st = C_IDLE;
			if (c->st != C_IDLE || now_us() < c->retry_at)
				continue;
			r = conn_open(c);
			if (r < 0) {
				fprintf(stderr, "qabuse: connect: %s\n", strerror(errno));
				return 1;
			}
			if (r == 0) {
				a->connect_busy++;
				c->retry_at = now_us() + RETRY_US;
			} else
				a->opened++;
		}
		live = 0;
		for (i = 0; i < a->n; i++) {
			struct conn *c = &conns[i];

			if (c->st != C_OPEN)
				continue;
			connected++;
			pfds[live].fd = c->fd;
			pfds[live].events = POLLIN | (c->sent < a->payload_len ? POLLOUT : 0);
			pfds[live].revents = 0;
			live++;
		}
		if (!ready && (connected == a->n || now_us() > ready_by)) {
			printf("ready\n");
			fflush(stdout);
			ready = 1;
		}
		if (live == 0) {
			int idle_left = 0;

			for (i = 0; i < a->n; i++)
				idle_left |= conns[i].st == C_IDLE;
			if (!idle_left && (a->payload_len || !a->reconnect))
				break;		/* everything answered or closed */
			poll(NULL, 0, 10);
			continue;
		}
		if (poll(pfds, (nfds_t)live, 10) < 0 && errno != EINTR)
			return 1;
		for (i = 0, live = 0; i < a->n; i++) {
			struct conn *c = &conns[i];
			short rev;

			if (c->st != C_OPEN)
				continue;
			rev = pfds[live++].revents;
			if ((rev & POLLOUT) && c->sent < a->payload_len) {
				ssize_t w = send(c->fd, a->payload + c->sent, a->payload_len - c->sent,
						 MSG_NOSIGNAL);

				if (w > 0) {
					c->sent += (size_t)w;
					a->octets += w;
				} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
					/* The server stopped reading: its answer, if
					 * any, is still there to read. */
					c->sent = a->payload_len;
					rev |= POLLIN;
				}
			}
			if (rev & (POLLIN | POLLHUP | POLLERR)) {
				uint8_t buf[512];
				ssize_t r = recv(c->fd, buf, sizeof(buf), 0);

				if (r > 0) {
					if (conn_take(c, buf, (size_t)r)) {
						if (c->resp[1] == 2)
							a->badreq++;
						else
							a->other_resp++;
					}
				} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
					a->early_close += c->got == 0;
					conn_close(c);
					a->dropped++;
				}
			}
		}
	}
	for (i = 0; i < a->n; i++)
		if (conns[i].st == C_OPEN)
			conn_close(&conns[i]);
	if (!ready)
		printf("ready\n");
	printf("%s: connections=%ld opened=%ld connect-busy=%ld closed-by-server=%ld "
	       "badreq=%ld other-responses=%ld closed-without-answer=%ld octets-sent=%lld "
	       "seconds=%.3f\n", a->mode, a->n, a->opened, a->connect_busy, a->dropped,
	       a->badreq, a->other_resp, a->early_close, a->octets,
	       (double)(now_us() - start) / 1e6);
	return 0;
}

static int cmd_abuse(const char *mode, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hold", required_argument, NULL, 'H' },
		{ "reconnect", no_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	struct abuse a = { .mode = mode, .hold_ms = 3000, .size = 1 << 20 };
	uint8_t *p = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			a.hold_ms = parse_num(optarg, 3600000);
			break;
		case 'r':
			a.reconnect = 1;
			break;
		case 'z':
			a.size = parse_num(optarg, 1L << 30);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	a.n = parse_num(argv[optind], MAX_CONNS);
	if (!strcmp(mode, "garbage")) {
		p = malloc(GARBAGE_LEN);
		if (!p || getrandom(p, GARBAGE_LEN, 0) != GARBAGE_LEN)
			return 1;
		p[0] = 0xff;	/* no version 255: garbage whatever else came out */
		a.payload_len = GARBAGE_LEN;
	} else if (!strcmp(mode, "huge")) {
		a.payload_len = 4 + (size_t)a.size;
		p = malloc(a.payload_len);
		if (!p)
			return 1;
		memset(p, 'a', a.payload_len);
		memcpy(p, "\x01\x01\xff\xff", 4);	/* RESOLVE, 65535 octets */
	} else if (strcmp(mode, "idle")) {
		usage();
	}
	a.payload = p;
	c = abuse_run(&a);
	free(p);
	return c;
}

/* ---- evict: idle clients evicted while their octets are pending ---- */

/* The server's idle bound (SERVER_CLIENT_MS, 1000 ms): a round slower than
 * half of it may have had clients time out, not evicted. */
#define EVICT_ROUND_MAX_US	500000
#define EVICT_EXIT_RETRY	3

static volatile sig_atomic_t evict_go;

static void on_usr1(int sig)
{
	(void)sig;
	evict_go = 1;
}

/* 'T' (stopped) in /proc/PID/stat: kill(SIGSTOP) only queues the signal. */
static int proc_stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
}

static int evict_fail(pid_t pid, const char *what)
{
	fprintf(stderr, "qabuse: evict: %s: %s\n", what, strerror(errno));
	if (pid > 0)
		kill(pid, SIGCONT);
	return 1;
}

static int cmd_evict(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	static struct conn conns[MAX_CONNS + 1];
	static struct pollfd pfds[MAX_CONNS + 1];
	struct sigaction sa;
	uint8_t req[4 + 63];
	size_t name_len, req_len;
	long n, i, answered = 0, ok = 0, closed = 0, early = 0;
	pid_t pid = 0;
	int64_t t_first, t_cont, end;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			usage();
		pid = (pid_t)parse_num(optarg, 1L << 22);
	}
	if (optind + 2 != argc || pid <= 0)
		usage();
	n = parse_num(argv[optind], MAX_CONNS);
	name_len = strlen(argv[optind + 1]);
	if (name_len < 1 || name_len > 63)
		usage();
	req[0] = 1;				/* version */
	req[1] = 1;				/* RESOLVE */
	req[2] = 0;
	req[3] = (uint8_t)name_len;
	memcpy(req + 4, argv[optind + 1], name_len);
	req_len = 4 + name_len;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	t_first = now_us();
	for (i = 0; i < n; i++) {
		end = now_us() + READY_WAIT_MS * 1000;
		while ((r = conn_open(&conns[i])) == 0 && now_us() < end)
			poll(NULL, 0, 1);	/* backlog full: the server is accepting */
		if (r <= 0)
			return evict_fail(0, "connect");
	}
	printf("ready\n");
	fflush(stdout);
	end = now_us() + 10000000LL;
	while (!evict_go && !stop && now_us() < end)
		poll(NULL, 0, 5);
	if (!evict_go) {
		fprintf(stderr, "qabuse: evict: no SIGUSR1 within 10 s\n");
		return 1;
	}

	/* The server stopped between two turns of its loop. */
	if (kill(pid, SIGSTOP) < 0)
		return evict_fail(0, "SIGSTOP");
	end = now_us() + 2000000;
	while ((r = proc_stopped(pid)) == 0 && now_us() < end)
		poll(NULL, 0, 1);
	if (r != 1)
		return evict_fail(pid, "the server did not stop");
	/* Nothing dropped yet: every one of the N is an idle client of it. */
	for (i = 0; i < n; i++) {
		pfds[i].fd = conns[i].fd;
		pfds[i].events = POLLIN;
		pfds[i].revents = 0;
	}
	if (poll(pfds, (nfds_t)n, 0) < 0)
		return evict_fail(pid, "poll");
	for (i = 0; i < n; i++)
		early += pfds[i].revents != 0;
	/* One more (queued: the server is stopped), then every request. */
	if (conn_open(&conns[n]) != 1)
		return evict_fail(pid, "connect the extra client");
	for (i = 0; i <= n; i++)
		if (send(conns[i].fd, req, req_len, MSG_NOSIGNAL) != (ssize_t)req_len && !early)
			return evict_fail(pid, "send");
	t_cont = now_us();
	if (kill(pid, SIGCONT) < 0)
		return evict_fail(0, "SIGCONT");

	/* Every connection ends answered or closed, within IO_WAIT_MS. */
	end = now_us() + IO_WAIT_MS * 1000LL;
	while (now_us() < end) {
		long live = 0;

		for (i = 0; i <= n; i++) {
			if (conns[i].st != C_OPEN)
				continue;
			pfds[live].fd = conns[i].fd;
			pfds[live].events = POLLIN;
			pfds[live].revents = 0;
			live++;
		}
		if (live == 0)
			break;
		if (poll(pfds, (nfds_t)live, 10) < 0 && errno != EINTR)
			return evict_fail(0, "poll");
		for (i = 0, live = 0; i <= n; i++) {
			struct conn *k = &conns[i];
			uint8_t buf[512];
			ssize_t got;

			if (k->st != C_OPEN)
				continue;
			if (!(pfds[live++].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = recv(k->fd, buf, sizeof(buf), 0);
			if (got > 0) {
				if (conn_take(k, buf, (size_t)got)) {
					answered++;
					ok += k->resp[1] == 0;
				}
			} else if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
				closed += k->got < RESP_HDR_LEN;
				close(k->fd);
				k->fd = -1;
				k->st = C_DONE;
			}
		}
	}
	printf("evict: connections=%ld answered=%ld ok=%ld closed=%ld open=%ld first=%s "
	       "last=%s dropped-before-stop=%ld round_ms=%.1f\n", n + 1, answered, ok, closed,
	       n + 1 - answered - closed,
	       conns[0].got >= RESP_HDR_LEN ? "answered" : conns[0].st == C_DONE ? "closed" : "open",
	       conns[n].got >= RESP_HDR_LEN ? "answered" : "unanswered",
	       early, (double)(t_cont - t_first) / 1000);
	for (i = 0; i <= n; i++)
		if (conns[i].st == C_OPEN)
			close(conns[i].fd);
	return early || t_cont - t_first > EVICT_ROUND_MAX_US ? EVICT_EXIT_RETRY : 0;
}

/* ---- probe: a well-behaved client, timed ---- */

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

static int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	long count = 1, interval_ms = 0, duration_ms = -1, failures = 0, n = 0, cap = 1024, round;
	int64_t *lat, start, end = 0;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int c, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			count = parse_num(optarg, 100000000);
			break;
		case 'i':
			interval_ms = parse_num(optarg, 3600000);
			break;
		case 'd':
			duration_ms = parse_num(optarg, 3600000);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	lat = malloc((size_t)cap * sizeof(*lat));
	if (!lat)
		return 1;
	start = now_us();
	if (duration_ms >= 0)
		end = start + duration_ms * 1000;
	for (round = 0; !stop; round++) {
		if (duration_ms >= 0 ? now_us() >= end : round >= count)
			break;
		for (i = optind; i < argc && !stop; i++) {
			struct addrinfo *res = NULL;
			int64_t t0 = now_us();
			int rc = getaddrinfo(argv[i], NULL, &hints, &res);
			int64_t dt = now_us() - t0;

			if (n == cap) {
				int64_t *more = realloc(lat, (size_t)cap * 2 * sizeof(*lat));

				if (!more)
					return 1;
				lat = more;
				cap *= 2;
			}
			lat[n++] = dt;
			if (rc != 0) {
				if (failures < 10)
					fprintf(stderr, "qabuse: probe %s at %.3f s failed after "
						"%.1f ms: %s\n", argv[i], (double)(t0 - start) / 1e6,
						(double)dt / 1000, gai_strerror(rc));
				failures++;
			} else {
				freeaddrinfo(res);
			}
		}
		if (round == 0) {
			/* The NSS module has mapped its snapshot, if any, by now. */
			printf("ready\n");
			fflush(stdout);
		}
		if (interval_ms)
			poll(NULL, 0, (int)interval_ms);
	}
	if (n == 0) {
		printf("probe: lookups=0\n");
		free(lat);
		return 1;
	}
	{
		int64_t sum = 0;
		long k;

		for (k = 0; k < n; k++)
			sum += lat[k];
		qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
		printf("probe: lookups=%ld failures=%ld min_ms=%.2f median_ms=%.2f avg_ms=%.2f "
		       "p99_ms=%.2f max_ms=%.2f seconds=%.3f\n", n, failures,
		       (double)lat[0] / 1000, (double)lat[n / 2] / 1000,
		       (double)sum / (double)n / 1000, (double)lat[(n * 99) / 100] / 1000,
		       (double)lat[n - 1] / 1000, (double)(now_us() - start) / 1e6);
	}
	free(lat);
	return failures ? 1 : 0;
}

/* ---- nss: the module's own answer, without glibc's interpretation ---- */

static const char *status_name(enum nss_status s)
{
	switch (s) {
	case NSS_STATUS_SUCCESS:
		return "SUCCESS";
	case NSS_STATUS_NOTFOUND:
		return "NOTFOUND";
	case NSS_STATUS_UNAVAIL:
		return "UNAVAIL";
	case NSS_STATUS_TRYAGAIN:
		return "TRYAGAIN";
	default:
		return "OTHER";
	}
}

static int cmd_nss(int argc, char **argv)
{
	static char buf[16384];
	struct gaih_addrtuple *pat = NULL;
	nss_gethostbyname4_r *fn;
	enum nss_status st;
	int err = 0, herr = 0;
	int32_t ttl = 0;
	int64_t t0, dt;
	void *h;

	if (argc != 2)
		usage();
	/* Found through LD_LIBRARY_PATH (lab.sh exec sets it to build/). */
	h = dlopen("libnss_linkname.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "qabuse: %s\n", dlerror());
		return 4;
	}
	fn = (nss_gethostbyname4_r *)dlsym(h, "_nss_linkname_gethostbyname4_r");
	if (!fn) {
		fprintf(stderr, "qabuse: %s\n", dlerror());
		return 4;
	}
	t0 = now_us();
	st = fn(argv[1], &pat, buf, sizeof(buf), &err, &herr, &ttl);
	dt = now_us() - t0;
	printf("nss: status=%s errno=%s h_errno=%d ms=%.2f\n", status_name(st),
	       err ? strerrorname_np(err) : "0", herr, (double)dt / 1000);
	switch (st) {
	case NSS_STATUS_SUCCESS:
		return 0;
	case NSS_STATUS_NOTFOUND:
		return 1;
	case NSS_STATUS_UNAVAIL:
		return 2;
	case NSS_STATUS_TRYAGAIN:
		return 3;
	default:
		return 4;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	const char *path = NULL;
	int i = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (argc >= 3 && !strcmp(argv[1], "-S")) {
		path = argv[2];
		i = 3;
	}
	if (!path)
		path = getenv("LINKNAME_SOCKET");
	if (!path || !path[0])
		path = "@linkname";
	if (i >= argc)
		usage();
	/* getopt in each mode starts after the mode word. */
	argc -= i;
	argv += i;
	optind = 1;
	if (!strcmp(argv[0], "probe"))
		return cmd_probe(argc, argv);
	if (!strcmp(argv[0], "nss"))
		return cmd_nss(argc, argv);
	make_addr(path);
	if (!strcmp(argv[0], "evict"))
		return cmd_evict(argc, argv);
	return cmd_abuse(argv[0], argc, argv);
}
