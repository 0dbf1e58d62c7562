/* auth: optional authenticated announcements (docs/SECURITY.md). With a
 * shared key every datagram carries a TIMESTAMP and a MAC (HMAC-SHA-512
 * cut to 32 octets, libsodium's HMAC-SHA-512-256) over the IPv6 source address and then every octet
 * before the MAC value; receivers refuse missing or wrong MACs and
 * timestamps outside the window. What is new enough to accept is judged
 * per (name, link) by the engine; this module remembers the timestamps of
 * (name, link) pairs that left the table, in fixed memory. */
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
#define AUTH_REPLAY_SLOTS	1024	/* departed (name, link) pairs remembered */

struct auth_keys {
	unsigned int n;				/* 0: authentication off */
	uint8_t key[AUTH_MAX_KEYS][AUTH_KEY_LEN];	/* key[0] signs */
};

/* Parse a key file's text: one or two lines of 64 hex digits, '#'
 * comments, blank lines. Pure. 0, or -1 with "line N: why" in err. */
int auth_parse(const char *text, size_t len, struct auth_keys *k, char *err, size_t errlen);
/* Read path, refusing a file that others can read or write, or that is
 * owned by someone other than root or owner. Calls auth_init() first.
 * 0 or -1 with err. */
int auth_load(const char *path, uid_t owner, struct auth_keys *k, char *err, size_t errlen);
/* The same checks and reading on fd, an open descriptor of path (named in
 * err), read from its start whatever its offset. */
int auth_load_fd(int fd, const char *path, uid_t owner, struct auth_keys *k, char *err,
		 size_t errlen);
/* Must be called before sign/verify (auth_load and auth_load_fd do); more
 * calls are harmless. 0 or -1. */
int auth_init(void);

/* Write the MAC of src (16 octets, the pseudo-header) followed by
 * buf[0..len-WIRE_MAC_LEN) into the last WIRE_MAC_LEN octets of buf (a
 * datagram encoded with has_mac). */
void auth_sign(const struct auth_keys *k, const struct in6_addr *src, uint8_t *buf, size_t len);
/* True if the last WIRE_MAC_LEN octets of buf are a MAC, by any key, of
 * src and the octets before them. */
bool auth_verify(const struct auth_keys *k, const struct in6_addr *src, const uint8_t *buf,
		 size_t len);

enum auth_replay_result {
	AUTH_FRESH,	/* accept */
	AUTH_STALE,	/* outside the clock window */
	AUTH_REPLAY,	/* not newer than the newest accepted for its (name, link) */
};

/* Pure: ts and now are milliseconds since the epoch (wall clock, since
 * senders and receivers are different machines). */
enum auth_replay_result auth_window(uint64_t ts, uint64_t now);

/* The newest timestamps of (name, link) pairs that are no longer in the
 * table (GOODBYE, expiry, eviction, link gone), for as long as a datagram
 * with them could still be inside the window. When every slot holds one
 * that could, the oldest goes and the floor rises to its timestamp: a
 * datagram for a pair with no record and a timestamp at or below the floor
 * is then refused, so forgetting never reopens a replay. */
struct auth_replay;
struct auth_replay *auth_replay_new(size_t slots);
void auth_replay_free(struct auth_replay *r);
/* The timestamp to beat for (name, ifindex): its record, else the floor. */
uint64_t auth_replay_last(const struct auth_replay *r, const char *name, size_t name_len,
			  unsigned int ifindex);
/* Remember ts for (name, ifindex) (a newer one replaces it); now is the
 * wall clock, to tell records still inside the window from the others. */
void auth_replay_remember(struct auth_replay *r, const char *name, size_t name_len,
			  unsigned int ifindex, uint64_t ts, uint64_t now);
/* (name, ifindex) is in the table again, which holds its timestamp. */
void auth_replay_forget(struct auth_replay *r, const char *name, size_t name_len,
			unsigned int ifindex);
/* Records held, and the floor (for tests and stats). */
size_t auth_replay_count(const struct auth_replay *r);
uint64_t auth_replay_floor(const struct auth_replay *r);

#endif
