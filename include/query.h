/* query: the local request/response protocol between linknamed and its
 * clients (the NSS module, linknamectl), over a unix stream socket.
 * docs/PROTOCOL.md "Query socket" is the spec. Pure code. All integers are
 * big-endian. One request per connection. */
#ifndef LINKNAME_QUERY_H
#define LINKNAME_QUERY_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define QUERY_VERSION		1
/* Abstract unix socket (leading '@'): one per network namespace. */
#define QUERY_DEFAULT_SOCKET	"@linkname"
#define QUERY_REQ_HDR_LEN	4
#define QUERY_REQ_MAX		(QUERY_REQ_HDR_LEN + WIRE_NAME_MAX)	/* RESOLVE of a 63-octet name */
#define QUERY_RESP_HDR_LEN	12
#define QUERY_REC_HDR_LEN	12
/* The most records one lookup (RESOLVE) returns, whatever carries it: the
 * record builder, the query socket and the snapshot reader. A name is one
 * record per interface, so this is a name on sixteen links at once. */
#define QUERY_MAX_RECORDS	16
/* A client refuses a response bigger than this. */
#define QUERY_RESP_MAX		(4u << 20)

enum query_op {
	QUERY_RESOLVE = 1,	/* payload: name (1-63 octets) */
	QUERY_REVERSE = 2,	/* payload: 16-octet address, u32 ifindex (0: any) */
	QUERY_LIST    = 3,	/* payload: empty */
	QUERY_STATS   = 4,	/* payload: empty; answer: "key value" lines, count 0 */
	QUERY_ANNOUNCE = 5,	/* payload: empty; root or the daemon's user only */
	QUERY_SNAPSHOT = 6,	/* retired: answered BADREQ (the NSS module maps
				 * the snapshot file, snapfile.h) */
	QUERY_SUBSCRIBE = 7,	/* payload: u8 event version; answer: LIST's
				 * records, then event records until either
				 * side closes (docs/PROTOCOL.md 11.8) */
};

enum query_status {
	QUERY_OK       = 0,
	QUERY_NOTFOUND = 1,
	QUERY_BADREQ   = 2,
	QUERY_DENIED   = 3,	/* the client may not ask this */
	QUERY_BUSY     = 4,	/* SUBSCRIBE: every subscriber slot is taken */
};

#define QUERY_REC_CONFLICT	0x01	/* this name is also ours on that link */
#define QUERY_REC_SELF		0x02	/* the daemon's own name and addresses */

struct query_request {
	uint8_t op;
	uint8_t name_len;
	char name[WIRE_NAME_MAX + 1];
	struct in6_addr addr;
	uint32_t ifindex;
	uint8_t version;		/* SUBSCRIBE: the event records the client reads */
};

struct query_record {
	uint32_t ifindex;
	uint32_t ttl;			/* seconds left */
	uint8_t flags;			/* QUERY_REC_* */
	uint8_t naddrs;
	uint8_t name_len;
	char name[WIRE_NAME_MAX + 1];	/* NUL-terminated */
	struct in6_addr addrs[WIRE_MAX_ADDRS];
};

struct query_response_hdr {
	uint8_t status;
	uint32_t count;			/* records */
	uint32_t length;		/* octets of records after the header */
};

struct sockaddr_un;
/* Fill *sun for path ("@name" is an abstract socket); returns the address
 * length to pass to bind/connect, or -1 if path is empty or too long. */
int query_sockaddr(const char *path, struct sockaddr_un *sun);

/* Returns the request length, or -1 if req is invalid or len too small. */
int query_encode_request(const struct query_request *req, uint8_t *buf, size_t len);
/* >0: a complete valid request of that length; 0: need more bytes; -1: invalid. */
int query_decode_request(const uint8_t *buf, size_t len, struct query_request *req);

void query_encode_response_hdr(const struct query_response_hdr *h, uint8_t buf[QUERY_RESP_HDR_LEN]);
/* 0 on success, -1 on a bad header (version, status, sizes). */
int query_decode_response_hdr(const uint8_t *buf, size_t len, struct query_response_hdr *h);

size_t query_record_len(const struct query_record *r);
/* Returns octets written, or -1 if it does not fit / is invalid. */
int query_encode_record(const struct query_record *r, uint8_t *buf, size_t len);
/* Returns octets consumed, or -1 if malformed or truncated. */
int query_decode_record(const uint8_t *buf, size_t len, struct query_record *r);

/* SUBSCRIBE's event records (docs/PROTOCOL.md 11.8): a 4-octet header
 * (version, kind, u16 length of the rest), a fixed part, then the
 * variable fields. */
#define QUERY_EVENT_VERSION	1
#define QUERY_EVENT_HDR_LEN	4
#define QUERY_EVENT_FIXED_LEN	32	/* after the header, before the variable fields */
#define QUERY_EVENT_IFNAME_MAX	15
#define QUERY_EVENT_REASON_MAX	31
#define QUERY_EVENT_MAX		(QUERY_EVENT_HDR_LEN + QUERY_EVENT_FIXED_LEN + \
				 QUERY_EVENT_IFNAME_MAX + WIRE_NAME_MAX + \
				 QUERY_EVENT_REASON_MAX + WIRE_MAX_ADDRS * 16)

enum query_event_kind {
	QUERY_EV_NEW      = 1,	/* a neighbour appeared */
	QUERY_EV_CHANGED  = 2,	/* its addresses changed */
	QUERY_EV_GOODBYE  = 3,	/* it left, saying GOODBYE */
	QUERY_EV_EXPIRED  = 4,	/* its lifetime ran out */
	QUERY_EV_CONFLICT = 5,	/* a name conflict (flags say which) */
	QUERY_EV_REFUSED  = 6,	/* a datagram refused (reason, source) */
	QUERY_EV_LOST     = 7,	/* the last record: this subscriber fell too far
				 * behind and the daemon closes the stream */
};
#define QUERY_EV_KIND_MAX	QUERY_EV_LOST

#define QUERY_EVF_TAKEN_OVER	0x01	/* CHANGED: a claim taken, the holder silent */
#define QUERY_EVF_OURS		0x02	/* CONFLICT: a neighbour announces our name */
#define QUERY_EVF_HELD		0x04	/* CONFLICT: a claim on a name a live host holds */

struct query_event {
	uint8_t kind;			/* enum query_event_kind */
	uint8_t flags;			/* QUERY_EVF_* */
	uint32_t ifindex;
	uint32_t ttl;			/* NEW, CHANGED: seconds the entry lives */
	struct in6_addr src;		/* who sent what caused it (:: if nobody) */
	uint8_t ifname_len, name_len, reason_len, naddrs;
	char ifname[QUERY_EVENT_IFNAME_MAX + 1];	/* NUL-terminated */
	char name[WIRE_NAME_MAX + 1];			/* "" for a refused datagram */
	char reason[QUERY_EVENT_REASON_MAX + 1];	/* REFUSED: "bad-mac", ... */
	struct in6_addr addrs[WIRE_MAX_ADDRS];
};

size_t query_event_len(const struct query_event *ev);
/* Returns octets written, or -1 if ev is invalid or does not fit. */
int query_encode_event(const struct query_event *ev, uint8_t *buf, size_t len);
/* >0: octets of one complete record (*ev filled, or, for a kind this
 * version does not know, *ev->kind is 0 and the record is to be skipped);
 * 0: need more octets; -1: malformed. */
int query_decode_event(const uint8_t *buf, size_t len, struct query_event *ev);

#endif
