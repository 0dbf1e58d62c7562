/* auth: optional authenticated announcements (docs/SECURITY.md). With a
 * shared key every datagram carries a TIMESTAMP and a MAC (libsodium's
 * crypto_auth, HMAC-SHA-512-256) over all octets before the MAC value;
 * receivers refuse missing or wrong MACs, timestamps outside the window,
 * and anything not newer than what the same source sent before. */
#ifndef LINKNAME_AUTH_H
#define LINKNAME_AUTH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUTH_KEY_LEN		32
#define AUTH_MAX_KEYS		2	/* current + previous, for rotation */
#define AUTH_WINDOW_MS		30000	/* accepted clock difference */
#define AUTH_REPLAY_SLOTS	1024

struct auth_keys {
	unsigned int n;				/* 0: authentication off */
	uint8_t key[AUTH_MAX_KEYS][AUTH_KEY_LEN];	/* key[0] signs */
};

/* Parse a key file's text: one or two lines of 64 hex digits, '#'
 * comments, blank lines. Pure. 0, or -1 with "line N: why" in err. */
int auth_parse(const char *text, size_t len, struct auth_keys *k, char *err, size_t errlen);
/* Read path, refusing a file that others can read or write, or that is
 * owned by someone other than root or owner. 0 or -1 with err. */
int auth_load(const char *path, uid_t owner, struct auth_keys *k, char *err, size_t errlen);
/* Must be called once before sign/verify. 0 or -1. */
int auth_init(void);

/* Write the MAC of buf[0..len-WIRE_MAC_LEN) into the last WIRE_MAC_LEN
 * octets of buf (a datagram encoded with has_mac). */
void auth_sign(const struct auth_keys *k, uint8_t *buf, size_t len);
/* True if the last WIRE_MAC_LEN octets of buf are a MAC by any key. */
bool auth_verify(const struct auth_keys *k, const uint8_t *buf, size_t len);

enum auth_replay_result {
	AUTH_FRESH,	/* accept */
	AUTH_STALE,	/* outside the clock window */
	AUTH_REPLAY,	/* not newer than the last accepted from this source */
};

struct auth_replay;
struct auth_replay *auth_replay_new(void);
void auth_replay_free(struct auth_replay *r);
/* Pure: ts and now are milliseconds since the epoch (wall clock, since
 * senders and receivers are different machines). Records ts on AUTH_FRESH. */
enum auth_replay_result auth_replay_check(struct auth_replay *r, const struct in6_addr *src,
					  unsigned int ifindex, uint64_t ts, uint64_t now);

#endif
