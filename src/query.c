/* query: encode/decode the local query protocol (docs/PROTOCOL.md). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "name.h"
#include "query.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t query_payload_len(const struct query_request *req)
{
	switch (req->op) {
	case QUERY_RESOLVE:
		return req->name_len;
	case QUERY_REVERSE:
		return 16 + 4;
	case QUERY_SUBSCRIBE:
		return 1;
	default:
		return 0;
	}
}

int query_encode_request(const struct query_request *req, uint8_t *buf, size_t len)
{
	size_t plen;

	if (req->op < QUERY_RESOLVE || req->op > QUERY_SUBSCRIBE)
		return -1;
	if (req->op == QUERY_RESOLVE && !name_valid(req->name, req->name_len))
		return -1;
	plen = query_payload_len(req);
	if (len < QUERY_REQ_HDR_LEN + plen)
		return -1;
	buf[0] = QUERY_VERSION;
	buf[1] = req->op;
	put16(buf + 2, (uint16_t)plen);
	if (req->op == QUERY_RESOLVE) {
		memcpy(buf + 4, req->name, req->name_len);
	} else if (req->op == QUERY_REVERSE) {
		memcpy(buf + 4, &req->addr, 16);
		put32(buf + 20, req->ifindex);
	} else if (req->op == QUERY_SUBSCRIBE) {
		buf[4] = req->version;
	}
	return (int)(QUERY_REQ_HDR_LEN + plen);
}

int query_decode_request(const uint8_t *buf, size_t len, struct query_request *req)
{
	size_t plen;

	if (len >= 1 && buf[0] != QUERY_VERSION)
		return -1;
	if (len < QUERY_REQ_HDR_LEN)
		return 0;
	plen = get16(buf + 2);
	memset(req, 0, sizeof(*req));
	req->op = buf[1];
	switch (req->op) {
	case QUERY_RESOLVE:
		if (plen < 1 || plen > WIRE_NAME_MAX)
			return -1;
		break;
	case QUERY_REVERSE:
		if (plen != 20)
			return -1;
		break;
	case QUERY_SUBSCRIBE:
		if (plen != 1)
			return -1;
		break;
	case QUERY_LIST:
	case QUERY_STATS:
	case QUERY_ANNOUNCE:
	case QUERY_SNAPSHOT:
		if (plen != 0)
			return -1;
		break;
	default:
		return -1;
	}
	if (len < QUERY_REQ_HDR_LEN + plen)
		return 0;
	if (len > QUERY_REQ_HDR_LEN + plen)
		return -1;	/* one request per connection */
	if (req->op == QUERY_RESOLVE) {
		if (!name_valid((const char *)buf + 4, plen))
			return -1;
		memcpy(req->name, buf + 4, plen);
		req->name[plen] = '\0';
		req->name_len = (uint8_t)plen;
	} else if (req->op == QUERY_REVERSE) {
		memcpy(&req->addr, buf + 4, 16);
		req->ifindex = get32(buf + 20);
	} else if (req->op == QUERY_SUBSCRIBE) {
		/* Any version is a valid request; the daemon refuses the ones it
		 * does not speak (BADREQ), so 0 too. */
		req->version = buf[4];
	}
	return (int)(QUERY_REQ_HDR_LEN + plen);
}

void query_encode_response_hdr(const struct query_response_hdr *h, uint8_t buf[QUERY_RESP_HDR_LEN])
{
	buf[0] = QUERY_VERSION;
	buf[1] = h->status;
	put16(buf + 2, 0);
	put32(buf + 4, h->count);
	put32(buf + 8, h->length);
}

int query_decode_response_hdr(const uint8_t *buf, size_t len, struct query_response_hdr *h)
{
	if (len < QUERY_RESP_HDR_LEN || buf[0] != QUERY_VERSION)
		return -1;
	h->status = buf[1];
	if (h->status > QUERY_BUSY)
		return -1;
	h->count = get32(buf + 4);
	h->length = get32(buf + 8);
	if (h->length > QUERY_RESP_MAX)
		return -1;
	/* Each record is at least a header and a one-octet name. */
	if ((uint64_t)h->count * (QUERY_REC_HDR_LEN + 1) > h->length)
		return -1;
	if (h->status != QUERY_OK && (h->count || h->length))
		return -1;
	return 0;
}

size_t query_record_len(const struct query_record *r)
{
	return QUERY_REC_HDR_LEN + r->name_len + (size_t)r->naddrs * 16;
}

int query_encode_record(const struct query_record *r, uint8_t *buf, size_t len)
{
	size_t n = query_record_len(r);
	uint8_t *p;

	if (r->naddrs > WIRE_MAX_ADDRS || !name_valid(r->name, r->name_len) || len < n)
		return -1;
	put32(buf, r->ifindex);
	put32(buf + 4, r->ttl);
	buf[8] = r->flags;
	buf[9] = r->naddrs;
	buf[10] = r->name_len;
	buf[11] = 0;
	p = buf + QUERY_REC_HDR_LEN;
	memcpy(p, r->name, r->name_len);
	p += r->name_len;
	memcpy(p, r->addrs, (size_t)r->naddrs * 16);
	return (int)n;
}

int query_decode_record(const uint8_t *buf, size_t len, struct query_record *r)
{
	size_t n;

	if (len < QUERY_REC_HDR_LEN)
		return -1;
	memset(r, 0, sizeof(*r));
	r->ifindex = get32(buf);
	r->ttl = get32(buf + 4);
	r->flags = buf[8];
	r->naddrs = buf[9];
	r->name_len = buf[10];
	if (r->naddrs > WIRE_MAX_ADDRS)
		return -1;
	n = query_record_len(r);
	if (len < n || !name_valid((const char *)buf + QUERY_REC_HDR_LEN, r->name_len))
		return -1;
	memcpy(r->name, buf + QUERY_REC_HDR_LEN, r->name_len);
	r->name[r->name_len] = '\0';
	memcpy(r->addrs, buf + QUERY_REC_HDR_LEN + r->name_len, (size_t)r->naddrs * 16);
	return (int)n;
}

int query_sockaddr(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path[0] == '@') {
		/* Abstract: no trailing NUL; the length says where it ends. */
		if (len < 2 || len > sizeof(sun->sun_path))
			return -1;
		memcpy(sun->sun_path + 1, path + 1, len - 1);
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	if (len == 0 || len >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, len + 1);
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/* ---- SUBSCRIBE's event records ---- */

size_t query_event_len(const struct query_event *ev)
{
	return QUERY_EVENT_HDR_LEN + QUERY_EVENT_FIXED_LEN + ev->ifname_len + ev->name_len +
	       ev->reason_len + (size_t)ev->naddrs * 16;
}

/* What a kernel interface name may hold: no NUL, '/', ':' or blank. */
static bool query_ifname_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || s[i] == '/' || s[i] == ':' || (unsigned char)s[i] <= ' ' ||
		    s[i] == 0x7f)
			return false;
	return true;
}

/* Reasons are the counter names of "linknamectl stats": a-z, 0-9, '-'. */
static bool query_reason_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool query_event_ok(const struct query_event *ev)
{
	if (ev->kind < QUERY_EV_NEW || ev->kind > QUERY_EV_KIND_MAX ||
	    ev->ifname_len > QUERY_EVENT_IFNAME_MAX || ev->name_len > WIRE_NAME_MAX ||
	    ev->reason_len > QUERY_EVENT_REASON_MAX || ev->naddrs > WIRE_MAX_ADDRS)
		return false;
	if (ev->name_len && !name_valid(ev->name, ev->name_len))
		return false;
	/* A reason exactly for a refused datagram; every other kind but LOST
	 * is about a name. */
	if ((ev->kind == QUERY_EV_REFUSED) != (ev->reason_len > 0))
		return false;
	if (ev->kind != QUERY_EV_REFUSED && ev->kind != QUERY_EV_LOST && !ev->name_len)
		return false;
	return query_ifname_ok(ev->ifname, ev->ifname_len) &&
	       query_reason_ok(ev->reason, ev->reason_len);
}

int query_encode_event(const struct query_event *ev, uint8_t *buf, size_t len)
{
	size_t n = query_event_len(ev);
	uint8_t *p;

	if (!query_event_ok(ev) || len < n)
		return -1;
	buf[0] = QUERY_EVENT_VERSION;
	buf[1] = ev->kind;
	put16(buf + 2, (uint16_t)(n - QUERY_EVENT_HDR_LEN));
	p = buf + QUERY_EVENT_HDR_LEN;
	put32(p, ev->ifindex);
	put32(p + 4, ev->ttl);
	p[8] = ev->flags;
	p[9] = ev->naddrs;
	p[10] = ev->name_len;
	p[11] = ev->ifname_len;
	p[12] = ev->reason_len;
	memset(p + 13, 0, 3);
	memcpy(p + 16, &ev->src, 16);
	p += QUERY_EVENT_FIXED_LEN;
	memcpy(p, ev->ifname, ev->ifname_len);
	p += ev->ifname_len;
	memcpy(p, ev->name, ev->name_len);
	p += ev->name_len;
	memcpy(p, ev->reason, ev->reason_len);
	p += ev->reason_len;
	memcpy(p, ev->addrs, (size_t)ev->naddrs * 16);
	return (int)n;
}

int query_decode_event(const uint8_t *buf, size_t len, struct query_event *ev)
{
	const uint8_t *p = buf + QUERY_EVENT_HDR_LEN;
	size_t rest;

	if (len >= 1 && buf[0] != QUERY_EVENT_VERSION)
		return -1;
	if (len < QUERY_EVENT_HDR_LEN)
		return 0;
	rest = get16(buf + 2);
	if (len < QUERY_EVENT_HDR_LEN + rest)
		return 0;
	memset(ev, 0, sizeof(*ev));
	if (buf[1] < QUERY_EV_NEW || buf[1] > QUERY_EV_KIND_MAX)
		return (int)(QUERY_EVENT_HDR_LEN + rest);	/* a later kind: skip it */
	if (rest < QUERY_EVENT_FIXED_LEN)
		return -1;
	ev->kind = buf[1];
	ev->ifindex = get32(p);
	ev->ttl = get32(p + 4);
	ev->flags = p[8];
	ev->naddrs = p[9];
	ev->name_len = p[10];
	ev->ifname_len = p[11];
	ev->reason_len = p[12];
	memcpy(&ev->src, p + 16, 16);
	if (ev->ifname_len > QUERY_EVENT_IFNAME_MAX || ev->name_len > WIRE_NAME_MAX ||
	    ev->reason_len > QUERY_EVENT_REASON_MAX || ev->naddrs > WIRE_MAX_ADDRS ||
	    query_event_len(ev) != QUERY_EVENT_HDR_LEN + rest)
		return -1;
	p += QUERY_EVENT_FIXED_LEN;
	memcpy(ev->ifname, p, ev->ifname_len);
	p += ev->ifname_len;
	memcpy(ev->name, p, ev->name_len);
	p += ev->name_len;
	memcpy(ev->reason, p, ev->reason_len);
	p += ev->reason_len;
	memcpy(ev->addrs, p, (size_t)ev->naddrs * 16);
	return query_event_ok(ev) ? (int)(QUERY_EVENT_HDR_LEN + rest) : -1;
}
