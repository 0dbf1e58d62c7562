/* Unit tests for src/sdnotify.c: a fake $NOTIFY_SOCKET (abstract and path
 * sockets, bound here) must receive exactly the state strings, with our
 * credentials; $LISTEN_PID / $LISTEN_FDS are honoured only for this
 * process and only when well formed; the variables go when asked. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "sdnotify.h"

/* A datagram receiver on addr ("@name" or a path), as PID 1's is: it asks
 * for the sender's credentials. */
static int receiver(const char *addr)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(addr);
	socklen_t len;
	int fd, one = 1;

	assert_true(n >= 2 && n <= sizeof(sun.sun_path));
	if (addr[0] == '@') {
		memcpy(sun.sun_path + 1, addr + 1, n - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(sun.sun_path, addr, n);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (n < sizeof(sun.sun_path)));
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	if (bind(fd, (struct sockaddr *)&sun, len) < 0)
		fail_msg("bind %s: %s", addr, strerror(errno));
	return fd;
}

/* The next datagram, which must be there already (unix datagrams are
 * delivered by the send itself), NUL-terminated; *pid its sender's. */
static size_t recv_one(int fd, char *buf, size_t size, pid_t *pid)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b) };
	struct cmsghdr *cm;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		fail_msg("no datagram: %s", strerror(errno));
	assert_false(msg.msg_flags & MSG_TRUNC);
	buf[n] = '\0';
	*pid = 0;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			*pid = uc.pid;
		}
	}
	return (size_t)n;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[4096];
	pid_t pid;

	assert_int_equal(recv_one(fd, buf, sizeof(buf), &pid), strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(pid, getpid());
}

static void expect_nothing(int fd)
{
	char buf[16];

	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static char *abstract_name(const char *what)
{
	static char name[80];

	snprintf(name, sizeof(name), "@linkname-test-sdnotify-%ld-%s", (long)getpid(), what);
	return name;
}

static void test_notify_abstract(void **state)
{
	const char *name = abstract_name("abstract");
	int fd = receiver(name);

	(void)state;
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
	assert_int_equal(sdnotify_send(0, "READY=1\nSTATUS=Announcing h1 on 2 interfaces"), 1);
	expect_datagram(fd, "READY=1\nSTATUS=Announcing h1 on 2 interfaces");
	assert_int_equal(sdnotify_send(0, "RELOADING=1"), 1);
	expect_datagram(fd, "RELOADING=1");
	assert_int_equal(sdnotify_sendf(0, "STATUS=%s on %zu interface%s", "h1", (size_t)1, ""), 1);
	expect_datagram(fd, "STATUS=h1 on 1 interface");
	/* Kept: it was not asked to go. */
	assert_string_equal(getenv("NOTIFY_SOCKET"), name);
	/* Then unset after use: sent once, and the next call is a no-op. */
	assert_int_equal(sdnotify_send(1, "STOPPING=1"), 1);
	expect_datagram(fd, "STOPPING=1");
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_int_equal(sdnotify_send(1, "READY=1"), 0);
	expect_nothing(fd);
	close(fd);
}

static void test_notify_path(void **state)
{
	char dir[] = "/tmp/linkname-test-sdnotify.XXXXXX", path[128];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = receiver(path);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	assert_int_equal(sdnotify_send(0, "READY=1"), 1);
	expect_datagram(fd, "READY=1");
	assert_int_equal(sdnotify_sendf(1, "STATUS=%d links", 3), 1);
	expect_datagram(fd, "STATUS=3 links");
	assert_null(getenv("NOTIFY_SOCKET"));
	close(fd);
	unlink(path);
	/* The longest path that fits: 107 octets and its NUL. */
	snprintf(path, sizeof(path), "%s/", dir);
	while (strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
		strcat(path, "p");
	fd = receiver(path);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	assert_int_equal(sdnotify_send(1, "READY=1"), 1);
	expect_datagram(fd, "READY=1");
	close(fd);
	unlink(path);
	rmdir(dir);
}

/* Not under a service manager: nothing to do, and that is success. */
static void test_notify_unset_is_noop(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	assert_int_equal(sdnotify_send(0, "READY=1"), 0);
	assert_int_equal(sdnotify_send(1, "READY=1"), 0);
	assert_int_equal(sdnotify_sendf(0, "STATUS=%s", "x"), 0);
}

static void test_notify_bad_addresses(void **state)
{
	char longpath[200], longname[200], edge[110];
	const char *bad[] = { longpath, longname, "run/notify", "@", "", "vsock:2:1234" };
	int fd;

	(void)state;
	/* A path with no room for its NUL, an abstract name longer than the
	 * address, a relative path, a bare '@', an empty value. */
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(struct sockaddr_un) - offsetof(struct sockaddr_un, sun_path)] = '\0';
	memset(longname, 'b', sizeof(longname));
	longname[0] = '@';
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(setenv("NOTIFY_SOCKET", bad[i], 1), 0);
		assert_int_equal(sdnotify_send(0, "READY=1"), -EINVAL);
		/* Refused, and still gone afterwards when asked. */
		assert_int_equal(sdnotify_send(1, "READY=1"), -EINVAL);
		assert_null(getenv("NOTIFY_SOCKET"));
	}
	/* The longest abstract name that fits: "@" and 107 octets. */
	snprintf(edge, sizeof(edge), "%s-", abstract_name("edge"));
	while (strlen(edge) < sizeof(((struct sockaddr_un *)0)->sun_path))
		strcat(edge, "c");
	assert_int_equal(strlen(edge), 108);
	fd = receiver(edge);
	assert_int_equal(setenv("NOTIFY_SOCKET", edge, 1), 0);
	assert_int_equal(sdnotify_send(1, "READY=1"), 1);
	expect_datagram(fd, "READY=1");
	close(fd);
	/* One octet more does not fit. */
	strcat(edge, "c");
	assert_int_equal(setenv("NOTIFY_SOCKET", edge, 1), 0);
	assert_int_equal(sdnotify_send(1, "READY=1"), -EINVAL);
	/* Nobody bound there; an empty state. */
	assert_int_equal(setenv("NOTIFY_SOCKET", abstract_name("nobody-here"), 1), 0);
	assert_int_equal(sdnotify_send(0, "READY=1"), -ECONNREFUSED);
	assert_int_equal(sdnotify_send(0, ""), -EINVAL);
	assert_int_equal(sdnotify_send(1, NULL), -EINVAL);
	assert_null(getenv("NOTIFY_SOCKET"));
}

/* ---- socket activation ---- */

static void set_listen(const char *pid, const char *fds)
{
	char buf[32];

	if (!pid) {
		snprintf(buf, sizeof(buf), "%ld", (long)getpid());
		pid = buf;
	}
	assert_int_equal(setenv("LISTEN_PID", pid, 1), 0);
	if (fds)
		assert_int_equal(setenv("LISTEN_FDS", fds, 1), 0);
	else
		assert_int_equal(unsetenv("LISTEN_FDS"), 0);
	assert_int_equal(setenv("LISTEN_FDNAMES", "linkname", 1), 0);
}

static void expect_listen_unset(void)
{
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
}

static int listener(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memcpy(sun.sun_path + 1, name + 1, n - 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* What a service manager does: the sockets on fds 3 and 4, inheritable. */
static void pass_fds(int a, int b)
{
	assert_int_equal(dup2(a, SDNOTIFY_LISTEN_FDS_START), SDNOTIFY_LISTEN_FDS_START);
	assert_int_equal(dup2(b, SDNOTIFY_LISTEN_FDS_START + 1), SDNOTIFY_LISTEN_FDS_START + 1);
	assert_int_equal(fcntl(SDNOTIFY_LISTEN_FDS_START, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(fcntl(SDNOTIFY_LISTEN_FDS_START + 1, F_GETFD) & FD_CLOEXEC, 0);
}

static void test_listen_fds(void **state)
{
	int a = listener(abstract_name("listen-a")), b = listener(abstract_name("listen-b"));

	(void)state;
	pass_fds(a, b);
	set_listen(NULL, "2");
	assert_int_equal(sdnotify_listen_fds(0), 2);
	assert_true(fcntl(SDNOTIFY_LISTEN_FDS_START, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(SDNOTIFY_LISTEN_FDS_START + 1, F_GETFD) & FD_CLOEXEC);
	assert_non_null(getenv("LISTEN_FDS"));
	/* Unset after use, as sd_listen_fds(1) does: asked again, none. */
	assert_int_equal(sdnotify_listen_fds(1), 2);
	expect_listen_unset();
	assert_int_equal(sdnotify_listen_fds(1), 0);
	/* Ours, but no LISTEN_FDS: none. */
	set_listen(NULL, NULL);
	assert_int_equal(sdnotify_listen_fds(1), 0);
	expect_listen_unset();
	close(SDNOTIFY_LISTEN_FDS_START);
	close(SDNOTIFY_LISTEN_FDS_START + 1);
	close(a);
	close(b);
}

/* For another process (a parent activated before it forked us): the fds
 * are not ours to take, nor to touch. */
static void test_listen_pid_mismatch(void **state)
{
	int a = listener(abstract_name("mismatch-a")), b = listener(abstract_name("mismatch-b"));
	char other[32];

	(void)state;
	pass_fds(a, b);
	snprintf(other, sizeof(other), "%ld", (long)getpid() + 1);
	set_listen(other, "2");
	assert_int_equal(sdnotify_listen_fds(0), 0);
	assert_string_equal(getenv("LISTEN_PID"), other);
	assert_int_equal(sdnotify_listen_fds(1), 0);
	expect_listen_unset();
	assert_int_equal(fcntl(SDNOTIFY_LISTEN_FDS_START, F_GETFD) & FD_CLOEXEC, 0);
	set_listen("1", "2");	/* PID 1 is never a test */
	assert_int_equal(sdnotify_listen_fds(1), 0);
	close(SDNOTIFY_LISTEN_FDS_START);
	close(SDNOTIFY_LISTEN_FDS_START + 1);
	close(a);
	close(b);
}

static void test_listen_malformed(void **state)
{
	static const char *bad_fds[] = { "", "abc", "-1", "+1", " 1", "1 ", "1x", "0x1",
					 "99999999999999999999", "2147483647" };
	static const char *bad_pid[] = { "", "0", "-5", "12a", "99999999999999999999" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_fds) / sizeof(bad_fds[0]); i++) {
		set_listen(NULL, bad_fds[i]);
		assert_int_equal(sdnotify_listen_fds(0), -EINVAL);
		assert_int_equal(sdnotify_listen_fds(1), -EINVAL);
		expect_listen_unset();
	}
	for (i = 0; i < sizeof(bad_pid) / sizeof(bad_pid[0]); i++) {
		set_listen(bad_pid[i], "1");
		assert_int_equal(sdnotify_listen_fds(1), -EINVAL);
		expect_listen_unset();
	}
	/* Well formed, but announcing a descriptor that is not open. */
	close(SDNOTIFY_LISTEN_FDS_START + 40);
	set_listen(NULL, "41");
	assert_int_equal(sdnotify_listen_fds(1), -EBADF);
	expect_listen_unset();
	/* Nothing set at all. */
	assert_int_equal(sdnotify_listen_fds(1), 0);
}

static void test_is_unix_socket(void **state)
{
	struct sockaddr_in6 lo = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int l = listener(abstract_name("is-unix")), sp[2], dg, tcp, pp[2], file, closed;
	char path[] = "/tmp/linkname-test-sdnotify-file.XXXXXX";

	(void)state;
	assert_int_equal(sdnotify_is_unix_socket(l, SOCK_STREAM, 1), 1);
	assert_int_equal(sdnotify_is_unix_socket(l, 0, -1), 1);
	assert_int_equal(sdnotify_is_unix_socket(l, SOCK_DGRAM, 1), 0);
	assert_int_equal(sdnotify_is_unix_socket(l, SOCK_STREAM, 0), 0);
	/* Connected, not listening. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(sdnotify_is_unix_socket(sp[0], SOCK_STREAM, 1), 0);
	assert_int_equal(sdnotify_is_unix_socket(sp[0], SOCK_STREAM, 0), 1);
	dg = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(sdnotify_is_unix_socket(dg, SOCK_STREAM, 1), 0);
	/* Listening, but not unix: a TCP socket on loopback (no traffic). */
	tcp = socket(AF_INET6, SOCK_STREAM, 0);
	assert_true(tcp >= 0);
	assert_int_equal(bind(tcp, (struct sockaddr *)&lo, sizeof(lo)), 0);
	assert_int_equal(listen(tcp, 1), 0);
	assert_int_equal(sdnotify_is_unix_socket(tcp, SOCK_STREAM, 1), 0);
	/* Not sockets at all. */
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(sdnotify_is_unix_socket(pp[0], SOCK_STREAM, 1), 0);
	file = mkstemp(path);
	assert_true(file >= 0);
	unlink(path);
	assert_int_equal(sdnotify_is_unix_socket(file, 0, -1), 0);
	closed = dup(file);
	close(closed);
	assert_int_equal(sdnotify_is_unix_socket(closed, SOCK_STREAM, 1), -EBADF);
	close(l);
	close(sp[0]);
	close(sp[1]);
	close(dg);
	close(tcp);
	close(pp[0]);
	close(pp[1]);
	close(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_abstract),
		cmocka_unit_test(test_notify_path),
		cmocka_unit_test(test_notify_unset_is_noop),
		cmocka_unit_test(test_notify_bad_addresses),
		cmocka_unit_test(test_listen_fds),
		cmocka_unit_test(test_listen_pid_mismatch),
		cmocka_unit_test(test_listen_malformed),
		cmocka_unit_test(test_is_unix_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
