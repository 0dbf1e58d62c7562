/* answer: query socket responses. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer.h"
#include "log.h"
#include "loop.h"

struct answer_buf {
	uint8_t *p;
	size_t len, cap;
	uint32_t count;
	bool oom;
};

static bool answer_reserve(struct answer_buf *b, size_t need)
{
	if (b->oom)
		return false;
	if (b->len + need > b->cap) {
		size_t cap = b->cap * 2 > b->len + need ? b->cap * 2 : b->len + need;
		uint8_t *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return false;
		}
		b->p = p;
		b->cap = cap;
	}
	return true;
}

static void answer_record(const struct engine_record *rec, void *arg)
{
	struct answer_buf *b = arg;
	size_t need = query_record_len(&rec->r);

	if (!answer_reserve(b, need) ||
	    query_encode_record(&rec->r, b->p + b->len, b->cap - b->len) < 0)
		return;
	b->len += need;
	b->count++;
}

static void answer_text(struct answer_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void answer_text(struct answer_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !answer_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Statistics are "key value" lines: easy to read, to grep and to extend.
 * The engine's, then what only the daemon knows: its version, the links
 * it joined (names have no blanks), its monitors (linknamectl doctor and
 * monitor read them). */
static void answer_stats(struct answer_buf *b, const struct answer_ctx *ctx, uint64_t now)
{
	size_t need = engine_stats(ctx->engine, now, NULL, 0), i;

	if (!answer_reserve(b, need + 1))
		return;
	engine_stats(ctx->engine, now, (char *)b->p + b->len, need + 1);
	b->len += need;
	answer_text(b, "version %s\n", LINKNAME_VERSION);
	answer_text(b, "joined ");
	for (i = 0; i < engine_nlinks(ctx->engine); i++)
		answer_text(b, "%s%s", i ? " " : "", engine_link_info(ctx->engine, i)->name);
	answer_text(b, "\n");
	if (ctx->server)
		answer_text(b, "monitor-subscribers %zu\nmonitor-dropped %llu\n",
			    server_subscribers(ctx->server),
			    (unsigned long long)server_subscribers_dropped(ctx->server));
	/* What netlink did: overruns (ENOBUFS), the resyncs that repaired them. */
	if (ctx->iface) {
		struct iface_counts c;

		iface_counts(ctx->iface, &c);
		answer_text(b, "netlink-overruns %llu\nnetlink-resyncs %llu\n"
			    "netlink-resync-failures %llu\n", (unsigned long long)c.overruns,
			    (unsigned long long)c.resyncs, (unsigned long long)c.failures);
	}
}

uint8_t *answer_request(const struct query_request *req, uid_t uid, size_t *len, int *pass_fd,
			void *arg)
{
	struct answer_ctx *ctx = arg;
	struct answer_buf b = { .cap = 512 };
	struct query_response_hdr h = { .status = QUERY_OK };
	uint64_t now = loop_now_ms();

	(void)pass_fd;			/* nothing to pass since QUERY_SNAPSHOT retired */
	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	b.len = QUERY_RESP_HDR_LEN;
	switch (req->op) {
	case QUERY_RESOLVE:
		engine_resolve(ctx->engine, req->name, req->name_len, now, answer_record, &b);
		break;
	case QUERY_REVERSE:
		engine_reverse(ctx->engine, &req->addr, req->ifindex, now, answer_record, &b);
		break;
	case QUERY_LIST:
		engine_list(ctx->engine, now, answer_record, &b);
		break;
	case QUERY_STATS:
		answer_stats(&b, ctx, now);
		break;
	case QUERY_SUBSCRIBE:
		/* The table as LIST gives it, then events from this moment on,
		 * so a monitor misses nothing in between. */
		if (req->version != QUERY_EVENT_VERSION)
			h.status = QUERY_BADREQ;
		else
			engine_list(ctx->engine, now, answer_record, &b);
		break;
	case QUERY_SNAPSHOT:
		/* Retired: the NSS module maps our snapshot file itself. */
		h.status = QUERY_BADREQ;
		break;
	case QUERY_ANNOUNCE:
		/* Anyone may look; only root or our own user may make us send. */
		if (uid != 0 && uid != geteuid()) {
			h.status = QUERY_DENIED;
			break;
		}
		log_info("announcing now on every link (asked by uid %u)", (unsigned int)uid);
		engine_announce_now(ctx->engine, now);
		break;
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if ((req->op == QUERY_RESOLVE || req->op == QUERY_REVERSE) && b.count == 0)
		h.status = QUERY_NOTFOUND;
	if (h.status != QUERY_OK)
		b.len = QUERY_RESP_HDR_LEN;
	h.count = b.count;
	h.length = (uint32_t)(b.len - QUERY_RESP_HDR_LEN);
	query_encode_response_hdr(&h, b.p);
	*len = b.len;
	return b.p;
}
