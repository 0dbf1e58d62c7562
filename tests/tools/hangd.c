/* hangd: a daemon that hangs.
 *
 *   hangd SOCKET             listens on a unix socket ("@name" = abstract),
 *                            accepts every connection and never answers,
 *                            keeping it open
 *   hangd --no-accept SOCKET listens and never accepts, as systemd holds
 *                            a socket-activated service's socket while the
 *                            service restarts: connections queue
 *
 * until SIGTERM or SIGINT, then prints "connections=N" (accepted, or found
 * queued) and exits 0. Prints "ready" once listening. The namespace tests
 * use it to show that lookups neither wait on such a socket nor connect. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Connections held open; the oldest is dropped when full. */
#define HANGD_MAX_CONNS 512

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
make_addr(const char *path, struct sockaddr_un *su, socklen_t *alen)
{
	size_t len = strlen(path);

	memset(su, 0, sizeof(*su));
	su->sun_family = AF_UNIX;
	if (path[0] == '@') {
		if (len < 2 || len > sizeof(su->sun_path))
			return -1;
		memcpy(su->sun_path + 1, path + 1, len - 1);
		*alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
		return 0;
	}
	if (len == 0 || len >= sizeof(su->sun_path))
		return -1;
	memcpy(su->sun_path, path, len + 1);
	*alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	return 0;
}

int
main(int argc, char **argv)
{
	static int conns[HANGD_MAX_CONNS];
	struct sockaddr_un su;
	struct sigaction sa;
	struct pollfd pfd;
	sigset_t block, empty;
	socklen_t alen;
	size_t nconns = 0, next = 0, i;
	unsigned long total = 0;
	const char *path;
	int fd, c, accepting = 1;

	if (argc == 3 && !strcmp(argv[1], "--no-accept"))
		accepting = 0;
	else if (argc != 2) {
		fprintf(stderr, "usage: hangd [--no-accept] SOCKET   (\"@name\": abstract)\n");
		return 2;
	}
	path = argv[argc - 1];
	if (make_addr(path, &su, &alen) < 0) {
		fprintf(stderr, "hangd: bad socket name: %s\n", path);
		return 2;
	}

	/* SIGTERM is only delivered inside ppoll, so no wake-up is lost. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("hangd: socket");
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&su, alen) < 0) {
		perror("hangd: bind");
		return 1;
	}
	if (listen(fd, 16) < 0) {
		perror("hangd: listen");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		pfd.fd = fd;
		pfd.events = accepting ? POLLIN : 0;
		pfd.revents = 0;
		if (ppoll(&pfd, 1, NULL, &empty) < 0) {
			if (errno == EINTR)
				continue;
			perror("hangd: ppoll");
			break;
		}
		for (;;) {
			c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (c < 0)
				break;
			total++;
			if (nconns == HANGD_MAX_CONNS) {
				close(conns[next]);
				nconns--;
			}
			conns[next] = c;
			next = (next + 1) % HANGD_MAX_CONNS;
			nconns++;
		}
	}

	/* Not accepting: count what queued up meanwhile. */
	while (!accepting && (c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		total++;
		close(c);
	}
	printf("connections=%lu\n", total);
	fflush(stdout);
	/* A ring: the live connections are the nconns slots before next. */
	for (i = 0; i < nconns; i++)
		close(conns[(next + HANGD_MAX_CONNS - 1 - i) % HANGD_MAX_CONNS]);
	close(fd);
	if (path[0] != '@')
		unlink(path);
	return 0;
}
