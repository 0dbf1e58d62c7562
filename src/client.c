/* client: one bounded request to linknamed, for linknamectl (the NSS module
 * reads the snapshot file instead). Library-grade anyway: no globals, no
 * signals (MSG_NOSIGNAL), every fd closed, and one CLOCK_MONOTONIC deadline
 * for connect, send and receive so a hung daemon costs at most timeout_ms. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* How long to wait before retrying a connect refused with EAGAIN (the
 * daemon's listen backlog is full: it is alive but not accepting). */
#define CLIENT_BUSY_RETRY_MS 5

const char *
client_socket_path(const char *path)
{
	const char *env;

	if (path != NULL)
		return path;
	/* secure_getenv: a setuid program must not be pointed at a socket
	 * of the caller's choosing. */
	env = secure_getenv("LINKNAME_SOCKET");
	if (env != NULL && env[0] != '\0')
		return env;
	return QUERY_DEFAULT_SOCKET;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline, 0 if none. */
static int
remaining(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

/* Wait for events on fd until the deadline. Returns 0 when ready, or a
 * negative errno (-ETIMEDOUT). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int left, r;

	for (;;) {
		left = remaining(deadline);
		if (left == 0)
			return -ETIMEDOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left);
		if (r > 0)
			return 0;	/* ready, or an error the next call reports */
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int
connect_deadline(int fd, const struct sockaddr_un *su, socklen_t alen, int64_t deadline)
{
	socklen_t elen;
	int err, r;

	for (;;) {
		if (connect(fd, (const struct sockaddr *)su, alen) == 0)
			return 0;
		if (errno == EAGAIN) {
			/* Backlog full: nothing to poll for on an unconnected
			 * unix socket, so retry until the deadline. */
			int left = remaining(deadline);

			if (left == 0)
				return -ETIMEDOUT;
			poll(NULL, 0, left < CLIENT_BUSY_RETRY_MS ? left : CLIENT_BUSY_RETRY_MS);
			continue;
		}
		if (errno != EINPROGRESS && errno != EINTR)
			return -errno;
		break;
	}

	/* In progress (or interrupted, which continues in the background). */
	r = wait_fd(fd, POLLOUT, deadline);
	if (r < 0)
		return r;
	err = 0;
	elen = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return -errno;
	return err == 0 ? 0 : -err;
}

/* Only root or our own user may answer: anyone can bind an abstract name
 * first and would otherwise feed us addresses. */
static int
check_peer(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (len != sizeof(cred))
		return -EPROTO;
	if (cred.uid != 0 && cred.uid != geteuid())
		return -EPERM;
	return 0;
}

static int
send_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Read exactly len octets; the daemon closing early is a protocol error. */
/* Plain recv: a descriptor a server might pass along is never installed
 * here (the kernel drops what arrives without room for control data). */
static int
recv_all(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		n = recv(fd, buf + off, len - off, 0);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			return -EPROTO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		r = wait_fd(fd, POLLIN, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
exchange(int fd, const uint8_t *req, size_t reqlen, int64_t deadline,
	 struct client_response *resp)
{
	uint8_t hdr[QUERY_RESP_HDR_LEN];
	uint8_t *records = NULL;
	int r;

	r = send_all(fd, req, reqlen, deadline);
	if (r < 0)
		return r;
	r = recv_all(fd, hdr, sizeof(hdr), deadline);
	if (r < 0)
		return r;
	if (query_decode_response_hdr(hdr, sizeof(hdr), &resp->hdr) < 0 ||
	    resp->hdr.length > QUERY_RESP_MAX)
		return -EPROTO;

	if (resp->hdr.length > 0) {
		records = malloc(resp->hdr.length);
		if (records == NULL)
			return -ENOMEM;
		r = recv_all(fd, records, resp->hdr.length, deadline);
		if (r < 0) {
			free(records);
			return r;
		}
	}
	resp->records = records;
	return 0;
}

int
client_query(const char *path, const struct query_request *req, int timeout_ms,
	     struct client_response *resp)
{
	return client_open(path, req, timeout_ms, resp, NULL);
}

int
client_open(const char *path, const struct query_request *req, int timeout_ms,
	    struct client_response *resp, int *keep)
{
	uint8_t buf[QUERY_REQ_MAX];
	struct sockaddr_un su;
	int64_t deadline;
	int alen, reqlen, fd, r;
	int saved_errno = errno;

	memset(resp, 0, sizeof(*resp));
	if (timeout_ms < 0)
		return -EINVAL;
	deadline = now_ms() + timeout_ms;

	reqlen = query_encode_request(req, buf, sizeof(buf));
	if (reqlen < 0)
		return -EINVAL;
	alen = query_sockaddr(client_socket_path(path), &su);
	if (alen < 0)
		return -EINVAL;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		errno = saved_errno;
		return r;
	}

	r = connect_deadline(fd, &su, (socklen_t)alen, deadline);
	if (r == 0)
		r = check_peer(fd);
	if (r == 0)
		r = exchange(fd, buf, (size_t)reqlen, deadline, resp);
	if (r == 0 && keep != NULL)
		*keep = fd;
	else
		close(fd);
	if (r < 0) {
		free(resp->records);
		memset(resp, 0, sizeof(*resp));
	}
	/* Errors travel in the return value; the caller's errno is its own. */
	errno = saved_errno;
	return r;
}

void
client_response_free(struct client_response *resp)
{
	if (resp == NULL)
		return;
	free(resp->records);
	resp->records = NULL;
	resp->hdr.length = 0;
	resp->hdr.count = 0;
}
