/* server: accepts query clients, reads one request, writes one response;
 * a SUBSCRIBE client stays, and gets event records until it goes. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "server.h"

struct server_client {
	struct loop_watch w;		/* first: the loop hands us &w */
	struct server *srv;
	uint8_t req[QUERY_REQ_MAX];
	size_t reqlen;
	uint8_t *out;
	size_t outlen, outoff;
	int pass_fd;			/* sent with the first octets, then -1 */
	uint64_t deadline;
	uid_t uid;			/* from SO_PEERCRED */
	bool dead;			/* closed, memory not yet released */
	/* A subscriber: out is a queue of outcap octets, the response's own
	 * octets (initial_left of them unsent) on top of SERVER_SUB_BUF. */
	bool sub;
	bool closing;			/* LOST queued: close once sent or at deadline */
	size_t outcap, initial_left;
	struct server_client *next;
};

struct server {
	struct loop_watch w;
	int epfd;
	char *path;			/* filesystem path to unlink, or NULL */
	server_answer_fn fn;
	void *arg;
	struct server_client *clients;
	size_t nclients;
	struct server_client *subs;	/* subscribers, never counted in nclients */
	size_t nsubs;
	uint64_t subs_dropped;
	struct server_client *dead;	/* closed; freed by server_reap() */
};

/* Closes c at once, but keeps its memory until server_reap(): the loop may
 * hold an event for c later in its current epoll_wait batch (c dropped to
 * make room while its own octets arrived, issue #10), and that event must
 * find a client marked dead, not freed memory. */
static void server_client_close(struct server_client *c)
{
	struct server *s = c->srv;
	struct server_client **pp;

	for (pp = c->sub ? &s->subs : &s->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->sub)
		s->nsubs--;
	else
		s->nclients--;
	loop_del(s->epfd, &c->w);
	close(c->w.fd);
	c->w.fd = -1;
	free(c->out);
	c->out = NULL;
	c->dead = true;
	c->next = s->dead;
	s->dead = c;
}

/* Only between batches: no event for a dead client can be pending then. */
static void server_reap(struct server *s)
{
	struct server_client *c;

	while ((c = s->dead)) {
		s->dead = c->next;
		free(c);
	}
}

static ssize_t server_send(struct server_client *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = c->out + c->outoff, .iov_len = c->outlen - c->outoff };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (c->pass_fd < 0)
		return send(c->w.fd, iov.iov_base, iov.iov_len, MSG_NOSIGNAL);
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &c->pass_fd, sizeof(int));
	n = sendmsg(c->w.fd, &msg, MSG_NOSIGNAL);
	if (n > 0)
		c->pass_fd = -1;	/* it went with these octets */
	return n;
}

static void server_client_flush(struct server_client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = server_send(c);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/* A subscriber is also watched for hanging up. */
				loop_mod(c->srv->epfd, &c->w, c->sub ? EPOLLIN | EPOLLOUT : EPOLLOUT);
				return;
			}
			log_debug("query client: send failed: %s", strerror(errno));
			server_client_close(c);
			return;
		}
		c->outoff += (size_t)n;
		c->initial_left -= (size_t)n < c->initial_left ? (size_t)n : c->initial_left;
	}
	if (c->sub && !c->closing) {
		c->outoff = c->outlen = 0;
		loop_mod(c->srv->epfd, &c->w, EPOLLIN);
		return;
	}
	server_client_close(c);
}

static void server_client_status(struct server_client *c, uint8_t status)
{
	struct query_response_hdr h = { .status = status };

	c->out = malloc(QUERY_RESP_HDR_LEN);
	if (!c->out) {
		server_client_close(c);
		return;
	}
	query_encode_response_hdr(&h, c->out);
	c->outlen = QUERY_RESP_HDR_LEN;
	server_client_flush(c);
}

/* The answer to SUBSCRIBE went out as any other; from now on the client is
 * a subscriber: off the clients' list and limit, no deadline, and a small
 * kernel send buffer, so what one subscriber that never reads can pin is
 * bounded there too. */
static void server_make_subscriber(struct server_client *c)
{
	struct server *s = c->srv;
	struct server_client **pp;
	int sndbuf = SERVER_SUB_SNDBUF;

	for (pp = &s->clients; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	s->nclients--;
	c->sub = true;
	c->deadline = UINT64_MAX;
	c->outcap = c->outlen;
	c->initial_left = c->outlen;
	c->next = s->subs;
	s->subs = c;
	s->nsubs++;
	if (setsockopt(c->w.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
		log_debug("query subscriber: SO_SNDBUF: %s", strerror(errno));
}

/* A subscriber sends nothing after its request: octets or a hang-up both
 * end it. */
static void server_sub_readable(struct server_client *c)
{
	uint8_t buf[64];
	ssize_t n = recv(c->w.fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	log_debug("query subscriber: %s", n == 0 ? "went away" : "sent octets after SUBSCRIBE");
	server_client_close(c);
}

static void server_client_event(struct loop_watch *w, uint32_t events)
{
	struct server_client *c = (struct server_client *)w;
	struct query_request req;
	ssize_t n;
	int r;

	if (c->dead)
		return;		/* dropped earlier in this batch */
	if (c->sub) {
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
			server_sub_readable(c);
			if (c->dead)
				return;
		}
		if (c->outoff < c->outlen)
			server_client_flush(c);
		return;
	}
	if (c->out) {
		server_client_flush(c);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(w->fd, c->req + c->reqlen, sizeof(c->req) - c->reqlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		server_client_close(c);
		return;
	}
	c->reqlen += (size_t)n;
	r = query_decode_request(c->req, c->reqlen, &req);
	if (r == 0 && c->reqlen < sizeof(c->req))
		return;
	if (r <= 0) {
		log_debug("query client: bad request");
		server_client_status(c, QUERY_BADREQ);
		return;
	}
	if (req.op == QUERY_SUBSCRIBE && c->srv->nsubs >= SERVER_MAX_SUBSCRIBERS) {
		log_debug("query socket: %d subscribers already, refusing one",
			  SERVER_MAX_SUBSCRIBERS);
		server_client_status(c, QUERY_BUSY);
		return;
	}
	c->out = c->srv->fn(&req, c->uid, &c->outlen, &c->pass_fd, c->srv->arg);
	if (!c->out) {
		log_warnx("query client: out of memory");
		server_client_close(c);
		return;
	}
	if (req.op == QUERY_SUBSCRIBE && c->outlen >= QUERY_RESP_HDR_LEN &&
	    c->out[1] == QUERY_OK)
		server_make_subscriber(c);
	server_client_flush(c);
}

/* Queues rec for subscriber c, which is dropped instead if that would put
 * more than SERVER_SUB_BUF octets of events behind what it has read: it
 * gets a LOST record (room for it is always kept) and is closed once that
 * is sent, or at its deadline if it does not read at all. */
static void server_sub_queue(struct server_client *c, const uint8_t *rec, size_t len,
			     uint64_t now)
{
	static const struct query_event lost = { .kind = QUERY_EV_LOST };
	uint8_t lostrec[QUERY_EVENT_HDR_LEN + QUERY_EVENT_FIXED_LEN];
	size_t pending = c->outlen - c->outoff, room = c->initial_left + SERVER_SUB_BUF;
	bool idle = pending == 0;

	if (c->closing)
		return;
	if (pending + len + sizeof(lostrec) > room) {
		query_encode_event(&lost, lostrec, sizeof(lostrec));
		rec = lostrec;
		len = sizeof(lostrec);
		c->closing = true;
		c->deadline = now + SERVER_CLIENT_MS;
		c->srv->subs_dropped++;
		log_debug("query subscriber: %zu octets behind, dropping it", pending);
	}
	if (c->outoff && c->outlen + len > c->outcap) {
		memmove(c->out, c->out + c->outoff, pending);
		c->outoff = 0;
		c->outlen = pending;
	}
	if (c->outlen + len > c->outcap) {
		size_t cap = c->outcap * 2 > c->outlen + len ? c->outcap * 2 : c->outlen + len;
		uint8_t *p;

		if (cap > room)
			cap = room;
		p = realloc(c->out, cap);
		if (!p) {
			log_warnx("query subscriber: out of memory, dropping it");
			c->srv->subs_dropped++;
			server_client_close(c);
			return;
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, rec, len);
	c->outlen += len;
	/* Sent when the socket says it can take it, once per loop turn for
	 * every record queued meanwhile: never a send from here. */
	if (idle)
		loop_mod(c->srv->epfd, &c->w, EPOLLIN | EPOLLOUT);
}

void server_broadcast(struct server *s, const uint8_t *rec, size_t len)
{
	struct server_client *c, *next;
	uint64_t now;

	if (!s->subs)
		return;
	now = loop_now_ms();
	for (c = s->subs; c; c = next) {
		next = c->next;
		server_sub_queue(c, rec, len, now);
	}
}

size_t server_subscribers(const struct server *s)
{
	return s->nsubs;
}

uint64_t server_subscribers_dropped(const struct server *s)
{
	return s->subs_dropped;
}

/* Full: drop the client that has waited longest without sending a whole
 * request. A real lookup sends its request at once, so idle connections
 * cannot starve it; they only push each other out. */
static bool server_evict_idle(struct server *s)
{
	struct server_client *c, *oldest = NULL;

	for (c = s->clients; c; c = c->next)
		if (!c->out)
			oldest = c;	/* the list is newest first */
	if (!oldest)
		return false;
	log_debug("query socket: full, dropping the longest idle client");
	server_client_close(oldest);
	return true;
}

static void server_accept(struct loop_watch *w, uint32_t events)
{
	struct server *s = (struct server *)w;
	struct server_client *c;
	int fd;

	(void)events;
	/* A bounded batch: the clients already accepted get their turn to be
	 * read before a connection storm can push them out. */
	for (int i = 0; i < SERVER_ACCEPT_BATCH; i++) {
		fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("accept on query socket");
			return;
		}
		if (s->nclients >= SERVER_MAX_CLIENTS && !server_evict_idle(s)) {
			log_debug("query socket: too many clients, refusing one");
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		{
			struct ucred cred;
			socklen_t clen = sizeof(cred);

			/* Unknown credentials get no privileges. */
			c->uid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 ?
				 cred.uid : (uid_t)-1;
		}
		c->w.fd = fd;
		c->w.fn = server_client_event;
		c->pass_fd = -1;
		c->srv = s;
		c->deadline = loop_now_ms() + SERVER_CLIENT_MS;
		if (loop_add(s->epfd, &c->w, EPOLLIN) < 0) {
			log_warn("epoll add query client");
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		s->clients = c;
		s->nclients++;
	}
}

struct server *server_open(const char *path, int epfd, server_answer_fn fn, void *arg)
{
	struct sockaddr_un sun;
	struct server *s;
	int len, fd;

	len = query_sockaddr(path, &sun);
	if (len < 0) {
		log_warnx("query socket path too long: %s", path);
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("socket AF_UNIX");
		return NULL;
	}
	if (path[0] != '@')
		unlink(path);	/* a stale socket from an earlier run */
	if (bind(fd, (struct sockaddr *)&sun, (socklen_t)len) < 0) {
		if (errno == EADDRINUSE)
			log_warnx("query socket %s is in use: is another linknamed running "
				  "in this network namespace?", path);
		else
			log_warn("bind %s", path);
		goto fail;
	}
	/* Anyone may ask: names on the link are not secret. */
	if (path[0] != '@' && chmod(path, 0666) < 0)
		log_warn("chmod %s", path);
	if (listen(fd, SERVER_MAX_CLIENTS) < 0) {
		log_warn("listen %s", path);
		goto fail;
	}
	s = server_open_fd(fd, epfd, fn, arg);
	if (s && path[0] != '@')
		s->path = strdup(path);
	return s;
fail:
	close(fd);
	return NULL;
}

struct server *server_open_fd(int fd, int epfd, server_answer_fn fn, void *arg)
{
	struct server *s = calloc(1, sizeof(*s));

	if (!s) {
		close(fd);
		return NULL;
	}
	s->w.fd = fd;
	s->w.fn = server_accept;
	s->epfd = epfd;
	s->fn = fn;
	s->arg = arg;
	if (loop_add(epfd, &s->w, EPOLLIN) < 0) {
		log_warn("epoll add query socket");
		close(fd);
		free(s);
		return NULL;
	}
	return s;
}

void server_close(struct server *s)
{
	if (!s)
		return;
	while (s->clients)
		server_client_close(s->clients);
	while (s->subs)
		server_client_close(s->subs);
	server_reap(s);
	loop_del(s->epfd, &s->w);
	close(s->w.fd);
	if (s->path) {
		unlink(s->path);
		free(s->path);
	}
	free(s);
}

uint64_t server_next_deadline(const struct server *s)
{
	const struct server_client *c;
	uint64_t next = UINT64_MAX;

	if (s->dead)
		return 0;	/* memory to release: server_expire() at once */
	for (c = s->clients; c; c = c->next)
		if (c->deadline < next)
			next = c->deadline;
	for (c = s->subs; c; c = c->next)
		if (c->deadline < next)
			next = c->deadline;
	return next;
}

void server_expire(struct server *s, uint64_t now)
{
	struct server_client *c = s->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->deadline <= now) {
			log_debug("query client: timed out");
			server_client_close(c);
		}
	}
	/* Only a dropped subscriber has a deadline: the time to read its LOST. */
	for (c = s->subs; c; c = next) {
		next = c->next;
		if (c->deadline <= now)
			server_client_close(c);
	}
	server_reap(s);
}
