/* Unit tests for the query server (src/server.c) on a real epoll instance
 * and real abstract unix sockets, driven exactly as linknamed's loop drives
 * it: one epoll_wait batch of at most 16 events, each event's handler
 * (loop_watch->fn), then server_expire. The eviction cases are issue #10
 * defect 1: a client dropped to make room while its own event is still
 * pending in the same batch (under ASan a use after free, without it a
 * crash through the freed handler pointer). The subscriber cases are
 * linknamectl monitor's bounds (#12): a subscriber that never reads is
 * dropped, counted, once SERVER_SUB_BUF octets are queued for it, while
 * lookups keep being answered; subscribers have their own limit. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "loop.h"
#include "query.h"
#include "server.h"

#define BATCH		16	/* evs[] in linknamed's main loop */
#define MAX_BATCHES	1000	/* a hang guard for drain() */

struct fixture {
	int epfd;
	struct server *srv;
	char path[64];
	uint64_t t0;		/* "now" for server_expire: nobody times out */
	unsigned answered;
};

/* The answer names the client's own request, so a client that got another
 * one's answer (a reused descriptor, a stale client) shows. */
static char req_name_buf[WIRE_NAME_MAX + 1];

static uint8_t *answer(const struct query_request *req, uid_t uid, size_t *len, int *pass_fd,
		       void *arg)
{
	struct fixture *f = arg;
	struct query_response_hdr h = { .status = QUERY_OK, .count = 1 };
	struct query_record r = { .ifindex = 7, .ttl = 30, .naddrs = 1 };
	uint8_t *out;
	int n;

	(void)uid;
	(void)pass_fd;
	f->answered++;
	if (req->op == QUERY_SUBSCRIBE)	/* the current table: one record */
		memcpy(req_name_buf, "table", (size_t)(r.name_len = 5));
	else
		memcpy(req_name_buf, req->name, (size_t)(r.name_len = req->name_len));
	memcpy(r.name, req_name_buf, r.name_len);
	assert_int_equal(inet_pton(AF_INET6, "fe80::1", &r.addrs[0]), 1);
	out = malloc(QUERY_RESP_HDR_LEN + query_record_len(&r));
	if (!out)
		return NULL;
	n = query_encode_record(&r, out + QUERY_RESP_HDR_LEN, query_record_len(&r));
	assert_true(n > 0);
	h.length = (uint32_t)n;
	query_encode_response_hdr(&h, out);
	*len = QUERY_RESP_HDR_LEN + (size_t)n;
	return out;
}

static int setup(void **state)
{
	static unsigned seq;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	/* Abstract, and unique per process and fixture: parallel runs and
	 * the ASan twin never meet. */
	snprintf(f->path, sizeof(f->path), "@linkname-test-server-%ld-%u", (long)getpid(), seq++);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(f->epfd >= 0);
	f->srv = server_open(f->path, f->epfd, answer, f);
	assert_non_null(f->srv);
	f->t0 = loop_now_ms();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	server_close(f->srv);
	close(f->epfd);
	free(f);
	return 0;
}

/* One turn of the daemon's loop; returns how many events the batch had. */
static int batch(struct fixture *f)
{
	struct epoll_event evs[BATCH];
	int n, i;

	n = epoll_wait(f->epfd, evs, BATCH, 0);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		struct loop_watch *w = evs[i].data.ptr;

		w->fn(w, evs[i].events);
	}
	server_expire(f->srv, f->t0);
	return n;
}

/* Turns of the loop until nothing is ready. */
static void drain(struct fixture *f)
{
	int i;

	for (i = 0; i < MAX_BATCHES; i++)
		if (batch(f) == 0)
			return;
	fail_msg("the server never went idle");
}

static int client_connect(const struct fixture *f)
{
	struct sockaddr_un sun;
	int len = query_sockaddr(f->path, &sun), fd;

	assert_true(len > 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, (socklen_t)len), 0);
	return fd;
}

/* Client i's request: RESOLVE "cI". */
static size_t request(unsigned i, uint8_t buf[QUERY_REQ_MAX])
{
	struct query_request req = { .op = QUERY_RESOLVE };
	int n;

	req.name_len = (uint8_t)snprintf(req.name, sizeof(req.name), "c%u", i);
	n = query_encode_request(&req, buf, QUERY_REQ_MAX);
	assert_true(n > 1);
	return (size_t)n;
}

static void send_all(int fd, const uint8_t *p, size_t len)
{
	assert_int_equal(send(fd, p, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Client i got the answer to its own request, whole, then end of stream. */
static void expect_answer(int fd, unsigned i)
{
	struct query_response_hdr h;
	struct query_record r;
	uint8_t buf[512];
	char want[16];
	size_t got = 0;
	ssize_t n;

	/* The whole answer is in the socket already: drain() ran. */
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while ((n = recv(fd, buf + got, sizeof(buf) - got, 0)) > 0)
		got += (size_t)n;
	if (n < 0)
		fail_msg("client %u: no end of stream after %zu octets: %s", i, got,
			 strerror(errno));
	assert_true(got >= QUERY_RESP_HDR_LEN);
	assert_int_equal(query_decode_response_hdr(buf, got, &h), 0);
	assert_int_equal(h.status, QUERY_OK);
	assert_int_equal(h.count, 1);
	assert_int_equal(got, QUERY_RESP_HDR_LEN + h.length);
	assert_true(query_decode_record(buf + QUERY_RESP_HDR_LEN, h.length, &r) > 0);
	snprintf(want, sizeof(want), "c%u", i);
	assert_string_equal(r.name, want);
}

/* Closed by the server without an answer: end of stream, or a reset since
 * the server closed with our octet unread. */
static void expect_closed(int fd, unsigned i)
{
	uint8_t buf[64];
	ssize_t n;

	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0)
		fail_msg("client %u: was to be dropped, got %zd octets", i, n);
	if (n < 0 && errno != ECONNRESET)
		fail_msg("client %u: was to be dropped, still open (%s)", i, strerror(errno));
}

/* SERVER_MAX_CLIENTS idle clients; then `extra` more connect and every idle
 * one sends its first octet, all before the daemon's next turn. That batch
 * starts with the listening socket (it became ready first), so accepting
 * the newcomers drops the longest idle clients while their own events are
 * still queued behind it in the same batch. */
static void evict_pending(struct fixture *f, unsigned extra)
{
	unsigned total = SERVER_MAX_CLIENTS + extra, i;
	uint8_t req[QUERY_REQ_MAX];
	size_t len;
	int *fd = calloc(total, sizeof(int));

	assert_non_null(fd);
	assert_true(extra <= SERVER_ACCEPT_BATCH);
	for (i = 0; i < SERVER_MAX_CLIENTS; i++)
		fd[i] = client_connect(f);
	drain(f);			/* accepted in connect order, all idle */
	for (; i < total; i++)
		fd[i] = client_connect(f);
	for (i = 0; i < SERVER_MAX_CLIENTS; i++) {
		len = request(i, req);
		send_all(fd[i], req, 1);	/* oldest first */
	}
	/* The batch that evicts: listening socket, then the first octets. */
	assert_int_equal(batch(f), BATCH);
	drain(f);

	/* The rest of every request, the newcomers' whole ones. */
	for (i = extra; i < total; i++) {
		len = request(i, req);
		if (i < SERVER_MAX_CLIENTS)
			send_all(fd[i], req + 1, len - 1);
		else
			send_all(fd[i], req, len);
	}
	drain(f);
	/* The longest idle made room; every other client has its answer. */
	for (i = 0; i < extra; i++)
		expect_closed(fd[i], i);
	for (i = extra; i < total; i++)
		expect_answer(fd[i], i);
	assert_int_equal(f->answered, total - extra);

	/* And the server still serves a newcomer. */
	for (i = 0; i < total; i++)
		close(fd[i]);
	fd[0] = client_connect(f);
	len = request(1000, req);
	send_all(fd[0], req, len);
	drain(f);
	expect_answer(fd[0], 1000);
	close(fd[0]);
	free(fd);
}

static void test_evict_one_pending(void **state)
{
	evict_pending(*state, 1);
}

/* A whole accept batch of newcomers: SERVER_ACCEPT_BATCH evictions in one
 * handler call, most of them with an event behind it in the batch. */
static void test_evict_many_pending(void **state)
{
	evict_pending(*state, SERVER_ACCEPT_BATCH);
}

/* Idle clients are dropped at their deadline and no earlier. */
static void test_expire(void **state)
{
	struct fixture *f = *state;
	uint8_t req[QUERY_REQ_MAX];
	uint64_t d;
	int fd[3], i;

	assert_int_equal(server_next_deadline(f->srv), UINT64_MAX);
	for (i = 0; i < 3; i++)
		fd[i] = client_connect(f);
	drain(f);
	d = server_next_deadline(f->srv);
	assert_true(d >= f->t0 + SERVER_CLIENT_MS);
	assert_true(d <= loop_now_ms() + SERVER_CLIENT_MS);
	/* One sends half a request: still idle, still subject to the bound. */
	send_all(fd[1], req, request(1, req) - 1);
	drain(f);
	server_expire(f->srv, d - 1);
	assert_int_equal(server_next_deadline(f->srv), d);
	server_expire(f->srv, d + SERVER_CLIENT_MS);
	assert_int_equal(server_next_deadline(f->srv), UINT64_MAX);
	for (i = 0; i < 3; i++) {
		expect_closed(fd[i], (unsigned)i);
		close(fd[i]);
	}
	assert_int_equal(f->answered, 0);
}

/* A client that hangs up before asking is forgotten; one that asks gets
 * its answer although others come and go in the same batch. */
static void test_hangup_and_answer(void **state)
{
	struct fixture *f = *state;
	uint8_t req[QUERY_REQ_MAX];
	int a, b;

	a = client_connect(f);
	b = client_connect(f);
	drain(f);
	close(a);
	send_all(b, req, request(2, req));
	drain(f);
	expect_answer(b, 2);
	close(b);
	assert_int_equal(server_next_deadline(f->srv), UINT64_MAX);
	assert_int_equal(f->answered, 1);
}

/* ---- subscribers ---- */

static int subscribe(struct fixture *f)
{
	struct query_request req = { .op = QUERY_SUBSCRIBE, .version = QUERY_EVENT_VERSION };
	uint8_t buf[QUERY_REQ_MAX];
	int fd = client_connect(f), n;

	n = query_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(n, 5);
	send_all(fd, buf, (size_t)n);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

/* Everything readable now (the stream stays open: no end of stream). */
static size_t read_now(int fd, uint8_t *buf, size_t cap, bool *eof)
{
	size_t got = 0;
	ssize_t n;

	*eof = false;
	while (got < cap && (n = recv(fd, buf + got, cap - got, 0)) != 0) {
		if (n < 0) {
			if (errno == EAGAIN)
				return got;
			fail_msg("recv: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	*eof = got < cap;
	return got;
}

/* An event record numbered i (its ifindex), about neighbour "nI". */
static size_t event(uint32_t i, uint8_t buf[QUERY_EVENT_MAX])
{
	struct query_event ev = { .kind = QUERY_EV_NEW, .ifindex = i, .ttl = 30, .naddrs = 1 };
	int n;

	ev.name_len = (uint8_t)snprintf(ev.name, sizeof(ev.name), "n%u", i);
	memcpy(ev.ifname, "eth0", ev.ifname_len = 4);
	assert_int_equal(inet_pton(AF_INET6, "fe80::2", &ev.addrs[0]), 1);
	n = query_encode_event(&ev, buf, QUERY_EVENT_MAX);
	assert_true(n > 0);
	return (size_t)n;
}

/* The answer to SUBSCRIBE: the table ("table"), and the stream stays open. */
static size_t expect_table(const uint8_t *buf, size_t got)
{
	struct query_response_hdr h;
	struct query_record r;

	assert_true(got >= QUERY_RESP_HDR_LEN);
	assert_int_equal(query_decode_response_hdr(buf, got, &h), 0);
	assert_int_equal(h.status, QUERY_OK);
	assert_int_equal(h.count, 1);
	assert_true(got >= QUERY_RESP_HDR_LEN + h.length);
	assert_true(query_decode_record(buf + QUERY_RESP_HDR_LEN, h.length, &r) > 0);
	assert_string_equal(r.name, "table");
	return QUERY_RESP_HDR_LEN + h.length;
}

/* Events after the table, in order; the subscriber's going away is not a drop. */
static void test_subscriber_gets_events(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4096], rec[QUERY_EVENT_MAX];
	struct query_event ev;
	size_t got, off;
	bool eof;
	int fd = subscribe(f), n;
	uint32_t i;

	drain(f);
	assert_int_equal(server_subscribers(f->srv), 1);
	/* A subscriber has no deadline: it may wait for events forever. */
	assert_int_equal(server_next_deadline(f->srv), UINT64_MAX);
	for (i = 1; i <= 3; i++)
		server_broadcast(f->srv, rec, event(i, rec));
	drain(f);
	got = read_now(fd, buf, sizeof(buf), &eof);
	assert_false(eof);
	off = expect_table(buf, got);
	for (i = 1; i <= 3; i++) {
		n = query_decode_event(buf + off, got - off, &ev);
		assert_true(n > 0);
		assert_int_equal(ev.kind, QUERY_EV_NEW);
		assert_int_equal(ev.ifindex, i);
		off += (size_t)n;
	}
	assert_int_equal(off, got);
	close(fd);
	drain(f);
	assert_int_equal(server_subscribers(f->srv), 0);
	assert_int_equal(server_subscribers_dropped(f->srv), 0);
	server_broadcast(f->srv, rec, event(4, rec));	/* nobody to send to */
	drain(f);
}

/* A subscriber that never reads: dropped once its queue would pass the
 * bound, counted, sent LOST after exactly the records queued before, and
 * closed; meanwhile a lookup is answered at once. */
static void test_slow_subscriber_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t rec[QUERY_EVENT_MAX], req[QUERY_REQ_MAX];
	/* What the daemon may hold plus the kernel's buffers, with room. */
	size_t cap = SERVER_SUB_BUF + 64 * SERVER_SUB_SNDBUF, got, off, total = 0, len = 0;
	uint8_t *buf = malloc(cap);
	struct query_event ev;
	uint32_t i, sent = 0, seen = 0;
	bool eof, lost = false;
	int fd = subscribe(f), other, n;

	assert_non_null(buf);
	drain(f);
	assert_int_equal(server_subscribers(f->srv), 1);
	for (i = 1; server_subscribers_dropped(f->srv) == 0; i++) {
		if (total > SERVER_SUB_BUF + 8 * SERVER_SUB_SNDBUF)
			fail_msg("%zu octets queued and the subscriber still not dropped", total);
		len = event(i, rec);
		server_broadcast(f->srv, rec, len);
		if (server_subscribers_dropped(f->srv) == 0) {
			total += len;
			sent = i;
		}
		batch(f);
	}
	/* It fell behind by more than the bound, not a record sooner. */
	assert_true(total + len + QUERY_EVENT_HDR_LEN + QUERY_EVENT_FIXED_LEN > SERVER_SUB_BUF);

	/* Lookups are not held up by it. */
	other = client_connect(f);
	send_all(other, req, request(7, req));
	drain(f);
	expect_answer(other, 7);
	close(other);

	/* Nothing more is queued for it; at its deadline it goes. */
	server_broadcast(f->srv, rec, event(i + 1, rec));
	drain(f);
	assert_true(server_next_deadline(f->srv) <= loop_now_ms() + SERVER_CLIENT_MS);
	server_expire(f->srv, loop_now_ms() + SERVER_CLIENT_MS + 1);
	assert_int_equal(server_subscribers(f->srv), 0);
	assert_int_equal(server_subscribers_dropped(f->srv), 1);

	/* What it can still read: the table, events 1.. in order without a
	 * gap, then possibly LOST (if it left the daemon before the close). */
	got = read_now(fd, buf, cap, &eof);
	off = expect_table(buf, got);
	while (off < got) {
		n = query_decode_event(buf + off, got - off, &ev);
		if (n <= 0)
			break;
		off += (size_t)n;
		if (ev.kind == QUERY_EV_LOST) {
			lost = true;
			break;
		}
		assert_int_equal(ev.ifindex, ++seen);
	}
	assert_true(seen <= sent);
	assert_true(seen > 0);
	if (lost)
		assert_int_equal(seen, sent);
	close(fd);
	free(buf);
}

/* One that falls behind but reads: it gets LOST last, then end of stream. */
static void test_lagging_subscriber_told(void **state)
{
	struct fixture *f = *state;
	uint8_t rec[QUERY_EVENT_MAX];
	size_t cap = SERVER_SUB_BUF + 64 * SERVER_SUB_SNDBUF, got = 0, off;
	uint8_t *buf = malloc(cap);
	struct query_event ev;
	uint32_t i;
	bool eof = false;
	int fd = subscribe(f), n, last = 0;

	assert_non_null(buf);
	drain(f);
	/* Many records within one turn of the loop (a flood's batch), more
	 * than the bound: no chance to send in between. */
	for (i = 1; i < 2 * SERVER_SUB_BUF / 40; i++)
		server_broadcast(f->srv, rec, event(i, rec));
	assert_int_equal(server_subscribers_dropped(f->srv), 1);
	for (i = 0; i < MAX_BATCHES && !eof; i++) {
		batch(f);
		got += read_now(fd, buf + got, cap - got, &eof);
	}
	assert_true(eof);
	off = expect_table(buf, got);
	while (off < got) {
		n = query_decode_event(buf + off, got - off, &ev);
		assert_true(n > 0);
		off += (size_t)n;
		last = ev.kind;
	}
	assert_int_equal(last, QUERY_EV_LOST);
	assert_int_equal(server_subscribers(f->srv), 0);
	close(fd);
	free(buf);
}

/* Subscribers have their own limit (the next one is told BUSY) and never
 * take a query client's place. */
static void test_subscriber_limits(void **state)
{
	struct fixture *f = *state;
	int subs[SERVER_MAX_SUBSCRIBERS + 1], cl[SERVER_MAX_CLIENTS];
	struct query_response_hdr h;
	uint8_t buf[256], req[QUERY_REQ_MAX];
	size_t got;
	bool eof;
	unsigned i;

	for (i = 0; i < SERVER_MAX_SUBSCRIBERS; i++) {
		subs[i] = subscribe(f);
		drain(f);
	}
	assert_int_equal(server_subscribers(f->srv), SERVER_MAX_SUBSCRIBERS);
	subs[i] = subscribe(f);
	drain(f);
	got = read_now(subs[i], buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_int_equal(got, QUERY_RESP_HDR_LEN);
	assert_int_equal(query_decode_response_hdr(buf, got, &h), 0);
	assert_int_equal(h.status, QUERY_BUSY);
	assert_int_equal(server_subscribers(f->srv), SERVER_MAX_SUBSCRIBERS);

	/* A full house of query clients at the same time: each is answered. */
	for (i = 0; i < SERVER_MAX_CLIENTS; i++)
		cl[i] = client_connect(f);
	drain(f);
	for (i = 0; i < SERVER_MAX_CLIENTS; i++)
		send_all(cl[i], req, request(i, req));
	drain(f);
	for (i = 0; i < SERVER_MAX_CLIENTS; i++) {
		expect_answer(cl[i], i);
		close(cl[i]);
	}
	assert_int_equal(server_subscribers(f->srv), SERVER_MAX_SUBSCRIBERS);
	for (i = 0; i <= SERVER_MAX_SUBSCRIBERS; i++)
		close(subs[i]);
	drain(f);
	assert_int_equal(server_subscribers(f->srv), 0);
	assert_int_equal(server_subscribers_dropped(f->srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_evict_one_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evict_many_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_and_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscriber_gets_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_subscriber_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lagging_subscriber_told, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscriber_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
