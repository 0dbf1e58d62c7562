/* notifysink: a stand-in for the service manager's end of $NOTIFY_SOCKET,
 * for the namespace tests (sd_notify(3)'s protocol).
 *
 *   notifysink ADDRESS
 *       binds a datagram socket at ADDRESS ("@name": abstract namespace,
 *       else a path, removed on exit), asks for the senders' credentials
 *       as PID 1 does, prints "ready", then one line per datagram:
 *           pid=PID uid=UID: TEXT
 *       with TEXT's newlines shown as \n and other control octets as \xHH,
 *       until SIGTERM or SIGINT.
 * Exit status: 0 stopped by a signal, 1 error, 64 usage. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_datagram(const unsigned char *p, size_t n, const struct ucred *uc)
{
	size_t i;

	if (uc)
		printf("pid=%ld uid=%ld: ", (long)uc->pid, (long)uc->uid);
	else
		printf("pid=? uid=?: ");
	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\\')
			fputs("\\\\", stdout);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('\n');
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa;
	const char *addr;
	socklen_t len;
	size_t n;
	int fd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: notifysink ADDRESS\n");
		return 64;
	}
	addr = argv[1];
	n = strlen(addr);
	if (n < 2 || n > sizeof(sun.sun_path) - (addr[0] != '@')) {
		fprintf(stderr, "notifysink: bad address '%s'\n", addr);
		return 64;
	}
	if (addr[0] == '@') {
		memcpy(sun.sun_path + 1, addr + 1, n - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(sun.sun_path, addr, n + 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, len) < 0) {
		fprintf(stderr, "notifysink: %s: %s\n", addr, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} cbuf;
		unsigned char buf[4096];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct ucred uc, *ucp = NULL;
		struct cmsghdr *cm;
		ssize_t got;

		if (poll(&pfd, 1, 200) <= 0)
			continue;	/* EINTR from our signal, or a quiet spell */
		got = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "notifysink: recvmsg: %s\n", strerror(errno));
			break;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
				memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
				ucp = &uc;
			}
		}
		if (msg.msg_flags & MSG_TRUNC)
			printf("truncated ");
		print_datagram(buf, (size_t)got, ucp);
	}
	if (addr[0] != '@')
		unlink(addr);
	return stop ? 0 : 1;
}
