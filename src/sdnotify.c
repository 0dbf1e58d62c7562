/* sdnotify: $NOTIFY_SOCKET and $LISTEN_FDS spoken directly (sdnotify.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

/* $NOTIFY_SOCKET as an address; its length, or -1 if it is neither an
 * absolute path (with room for its NUL) nor "@name". */
static int sdnotify_addr(const char *e, struct sockaddr_un *sun)
{
	size_t n = strlen(e);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n < 2)
		return -1;
	if (e[0] == '@') {
		if (n > sizeof(sun->sun_path))
			return -1;
		/* sun_path[0] stays NUL: the abstract namespace. */
		memcpy(sun->sun_path + 1, e + 1, n - 1);
		return (int)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	if (e[0] != '/' || n >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, e, n + 1);
	return (int)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

int sdnotify_send(int unset_environment, const char *state)
{
	const char *e = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	struct iovec iov;
	struct msghdr msg;
	ssize_t n;
	int len, fd, r;

	if (!state || !state[0]) {
		r = -EINVAL;
		goto out;
	}
	if (!e) {
		r = 0;
		goto out;
	}
	len = sdnotify_addr(e, &sun);
	if (len < 0) {
		r = -EINVAL;
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	iov.iov_base = (void *)state;
	iov.iov_len = strlen(state);
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &sun;
	msg.msg_namelen = (socklen_t)len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	/* The kernel attaches our credentials for a receiver that asks
	 * (SO_PASSCRED), as the service manager does. Never wait: the
	 * daemon's loop must not stall on a receiver that does not read. */
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else
		r = (size_t)n == iov.iov_len ? 1 : -EMSGSIZE;
	close(fd);
out:
	if (unset_environment)
		unsetenv("NOTIFY_SOCKET");
	return r;
}

int sdnotify_sendf(int unset_environment, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		if (unset_environment)
			unsetenv("NOTIFY_SOCKET");
		return -ENOMEM;
	}
	r = sdnotify_send(unset_environment, s);
	free(s);
	return r;
}

/* A plain decimal number in [min, max]: digits only, no sign or space. */
static int sdnotify_number(const char *s, unsigned long min, unsigned long max,
			   unsigned long *out)
{
	unsigned long v = 0, d;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned long)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}

int sdnotify_listen_fds(int unset_environment)
{
	const char *e;
	unsigned long pid, n;
	int r = 0, fd, flags;

	e = getenv("LISTEN_PID");
	if (!e)
		goto out;
	if (sdnotify_number(e, 1, INT_MAX, &pid) < 0) {
		r = -EINVAL;
		goto out;
	}
	/* Set for another process (a parent that was activated): not ours. */
	if ((pid_t)pid != getpid())
		goto out;
	e = getenv("LISTEN_FDS");
	if (!e)
		goto out;
	if (sdnotify_number(e, 0, INT_MAX - SDNOTIFY_LISTEN_FDS_START, &n) < 0) {
		r = -EINVAL;
		goto out;
	}
	for (fd = SDNOTIFY_LISTEN_FDS_START; fd < SDNOTIFY_LISTEN_FDS_START + (int)n; fd++) {
		flags = fcntl(fd, F_GETFD);
		if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
	}
	r = (int)n;
out:
	if (unset_environment) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	return r;
}

int sdnotify_is_unix_socket(int fd, int type, int listening)
{
	struct stat st;
	socklen_t len;
	int v;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return 0;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0)
		return -errno;
	if (v != AF_UNIX)
		return 0;
	if (type) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0)
			return -errno;
		if (v != type)
			return 0;
	}
	if (listening >= 0) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0)
			return -errno;
		if (!v != !listening)
			return 0;
	}
	return 1;
}
