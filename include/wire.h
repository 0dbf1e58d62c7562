/* wire: encode and decode linkname v1 datagrams (docs/PROTOCOL.md).
 * Pure code: no syscalls, no globals, so every case is unit-testable. */
#ifndef LINKNAME_WIRE_H
#define LINKNAME_WIRE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_PORT		1903
#define WIRE_GROUP		"ff02::1:1"
#define WIRE_HOPLIMIT		255
#define WIRE_VERSION		1
/* 1280 (IPv6 minimum MTU) - 40 (IPv6 header) - 8 (UDP header). */
#define WIRE_MAX_PACKET		1232
#define WIRE_HDR_LEN		8
#define WIRE_TLV_HDR_LEN	4
#define WIRE_MAX_ADDRS		8
#define WIRE_NAME_MAX		63
#define WIRE_LIFETIME_MAX	86400u

#define WIRE_MAGIC0		0x4c	/* 'L' */
#define WIRE_MAGIC1		0x4e	/* 'N' */

enum wire_type {
	WIRE_ANNOUNCE = 1,
	WIRE_GOODBYE  = 2,
	WIRE_SOLICIT  = 3,
};

#define WIRE_TLV_CRITICAL	0x8000u
enum wire_tlv {
	WIRE_TLV_NAME     = 1,
	WIRE_TLV_ADDRESS  = 2,
	WIRE_TLV_LIFETIME = 3,
	WIRE_TLV_TIMESTAMP = 4,	/* u64 ms since the epoch, strictly increasing per sender */
	WIRE_TLV_MAC      = 5,	/* must be last: MAC over every octet before its value */
};

#define WIRE_MAC_LEN		32	/* HMAC-SHA-512, first 32 octets */

/* Why a datagram was refused; each has a counter in the daemon. */
enum wire_err {
	WIRE_OK = 0,
	WIRE_ERR_SHORT,		/* shorter than the fixed header */
	WIRE_ERR_TOO_LONG,	/* over WIRE_MAX_PACKET */
	WIRE_ERR_MAGIC,
	WIRE_ERR_VERSION,
	WIRE_ERR_TYPE,
	WIRE_ERR_LENGTH,	/* header length != datagram length */
	WIRE_ERR_TLV,		/* truncated TLV or wrong TLV length */
	WIRE_ERR_CRITICAL,	/* unknown critical TLV */
	WIRE_ERR_DUPLICATE,	/* a single-valued TLV repeated, or too many addresses */
	WIRE_ERR_NAME,		/* not a valid label */
	WIRE_ERR_ADDRESS,	/* announced address not in fe80::/10 */
	WIRE_ERR_LIFETIME,	/* 0 or over WIRE_LIFETIME_MAX */
	WIRE_ERR_MISSING,	/* a field the type requires is absent */
	WIRE_ERR_MAC_POS,	/* MAC TLV not last, or of the wrong length */
	WIRE_ERR_COUNT
};

struct wire_msg {
	uint8_t type;
	uint8_t name_len;		/* 0: no NAME TLV */
	char name[WIRE_NAME_MAX + 1];	/* NUL-terminated, as announced */
	uint8_t naddrs;
	struct in6_addr addrs[WIRE_MAX_ADDRS];
	uint32_t lifetime;		/* seconds; ANNOUNCE only */
	uint64_t timestamp;		/* 0: no TIMESTAMP TLV */
	uint8_t has_mac;		/* encode: reserve a zeroed MAC TLV last;
					 * decode: one was there, its value is the
					 * last WIRE_MAC_LEN octets of the datagram */
};

/* Encode msg into buf. Returns the datagram length, or -1 if msg is not
 * valid for its type or does not fit in len. */
int wire_encode(const struct wire_msg *msg, uint8_t *buf, size_t len);

/* Decode a whole datagram. On WIRE_OK *msg is filled and valid. */
enum wire_err wire_decode(const uint8_t *buf, size_t len, struct wire_msg *msg);

const char *wire_strerror(enum wire_err err);
/* Short machine-friendly name of a drop reason, e.g. "bad-magic". */
const char *wire_errname(enum wire_err err);

int wire_is_linklocal(const struct in6_addr *a);

#endif
