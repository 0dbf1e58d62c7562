/* gai: a small getaddrinfo() front end for the namespace tests.
 *
 *   gai [-6] NAME              print every result, "ADDR%IFNAME scope=N"
 *   gai [-6] --connect PORT NAME
 *                              TCP connect to the first result, send a line,
 *                              expect the same line back
 *   gai --listen PORT          TCP listen on [::]:PORT, print "ready", accept
 *                              one connection and echo one line back
 *
 * Exit status: 0 success, 2 name not found (getaddrinfo failed), 1 other
 * errors, 64 usage. Everything is bounded by socket timeouts so a broken
 * peer cannot hang a test forever. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define EXIT_NOTFOUND	2
#define EXIT_USAGE	64
#define IO_TIMEOUT_S	5
#define LINE_MAX_LEN	256

static void usage(FILE *f)
{
	fprintf(f, "usage: gai [-6] NAME\n"
		   "       gai [-6] --connect PORT NAME\n"
		   "       gai --listen PORT\n");
}

/* Format one address as ADDR, ADDR%IFNAME or ADDR%INDEX (if the interface
 * has no name any more); returns the scope id (0 if none). */
static unsigned format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	char ifname[IF_NAMESIZE];
	unsigned scope = 0;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		scope = s6->sin6_scope_id;
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
	}
	if (scope == 0)
		snprintf(buf, len, "%s", host);
	else if (if_indextoname(scope, ifname) != NULL)
		snprintf(buf, len, "%s%%%s", host, ifname);
	else
		snprintf(buf, len, "%s%%%u", host, scope);
	return scope;
}

static int lookup(const char *name, const char *port, int family, struct addrinfo **res)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, port, &hints, res);
	if (rc != 0) {
		fprintf(stderr, "gai: %s: %s\n", name,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	return 0;
}

static int cmd_resolve(const char *name, int family)
{
	struct addrinfo *res, *ai;
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 8];

	if (lookup(name, NULL, family, &res) < 0)
		return EXIT_NOTFOUND;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		unsigned scope = format_addr(ai->ai_addr, buf, sizeof(buf));

		if (scope != 0)
			printf("%s scope=%u\n", buf, scope);
		else
			printf("%s\n", buf);
	}
	freeaddrinfo(res);
	return fflush(stdout) == 0 ? 0 : 1;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	/* On Linux SO_SNDTIMEO also bounds connect(). */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read up to and including the first newline (or len-1 octets); returns the
 * length read, or -1 on error or EOF before anything arrived. */
static ssize_t read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got++;
		if (buf[got - 1] == '\n')
			break;
	}
	buf[got] = '\0';
	return got > 0 ? (ssize_t)got : -1;
}

static int parse_port(const char *s, unsigned short *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

static int cmd_connect(const char *port, const char *name, int family)
{
	struct addrinfo *res;
	char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 8];
	char line[LINE_MAX_LEN], reply[LINE_MAX_LEN];
	unsigned short portnum;
	int fd, rc = 1;

	if (parse_port(port, &portnum) < 0) {
		fprintf(stderr, "gai: bad port '%s'\n", port);
		return EXIT_USAGE;
	}
	if (lookup(name, port, family, &res) < 0)
		return EXIT_NOTFOUND;
	format_addr(res->ai_addr, addr, sizeof(addr));
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd < 0) {
		perror("gai: socket");
		goto out;
	}
	set_timeouts(fd);
	if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		fprintf(stderr, "gai: connect %s port %s: %s\n", addr, port, strerror(errno));
		goto out;
	}
	snprintf(line, sizeof(line), "hello from gai %ld\n", (long)getpid());
	if (write_all(fd, line, strlen(line)) < 0) {
		fprintf(stderr, "gai: send to %s: %s\n", addr, strerror(errno));
		goto out;
	}
	if (read_line(fd, reply, sizeof(reply)) < 0 || strcmp(reply, line) != 0) {
		fprintf(stderr, "gai: no echo from %s\n", addr);
		goto out;
	}
	printf("connected %s port %s, echo ok\n", addr, port);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return rc;
}

static int listen_socket(unsigned short port)
{
	struct sockaddr_in6 sa;
	int fd, one = 1, zero = 0;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("gai: socket");
		return -1;
	}
	/* Reuse the port right after a previous test, and accept IPv4 too. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = in6addr_any;
	sa.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		fprintf(stderr, "gai: listen on port %u: %s\n", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_listen(const char *portstr)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 8];
	char line[LINE_MAX_LEN];
	unsigned short port;
	ssize_t n;
	int lfd, fd;

	if (parse_port(portstr, &port) < 0) {
		fprintf(stderr, "gai: bad port '%s'\n", portstr);
		return EXIT_USAGE;
	}
	lfd = listen_socket(port);
	if (lfd < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	do {
		fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	close(lfd);
	if (fd < 0) {
		perror("gai: accept");
		return 1;
	}
	format_addr((struct sockaddr *)&peer, addr, sizeof(addr));
	set_timeouts(fd);
	n = read_line(fd, line, sizeof(line));
	if (n < 0 || write_all(fd, line, (size_t)n) < 0) {
		fprintf(stderr, "gai: echo to %s failed\n", addr);
		close(fd);
		return 1;
	}
	close(fd);
	printf("echoed %zd octets to %s\n", n, addr);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "listen",  required_argument, NULL, 'l' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *connect_port = NULL, *listen_port = NULL;
	int family = AF_UNSPEC, c;

	while ((c = getopt_long(argc, argv, "6h", opts, NULL)) != -1) {
		switch (c) {
		case '6':
			family = AF_INET6;
			break;
		case 'c':
			connect_port = optarg;
			break;
		case 'l':
			listen_port = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (listen_port != NULL) {
		if (connect_port != NULL || optind != argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		return cmd_listen(listen_port);
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (connect_port != NULL)
		return cmd_connect(connect_port, argv[optind], family);
	return cmd_resolve(argv[optind], family);
}
