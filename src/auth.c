/* auth: keys, MACs (libsodium) and the replay window. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "name.h"
#include "wire.h"

static int auth_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int auth_parse(const char *text, size_t len, struct auth_keys *k, char *err, size_t errlen)
{
	uint8_t key[AUTH_KEY_LEN];
	size_t off = 0, line = 0;

	memset(k, 0, sizeof(*k));
	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off, i, digits = 0;

		off += n + (nl ? 1 : 0);
		line++;
		for (i = 0; i < n && p[i] != '#'; i++) {
			int v;

			if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')
				continue;
			v = auth_hex(p[i]);
			if (v < 0 || digits == 2 * AUTH_KEY_LEN) {
				snprintf(err, errlen, "line %zu: expected %d hex digits", line,
					 2 * AUTH_KEY_LEN);
				goto fail;
			}
			if (digits % 2 == 0)
				key[digits / 2] = (uint8_t)(v << 4);
			else
				key[digits / 2] |= (uint8_t)v;
			digits++;
		}
		if (digits == 0)
			continue;
		if (digits != 2 * AUTH_KEY_LEN) {
			snprintf(err, errlen, "line %zu: expected %d hex digits, got %zu", line,
				 2 * AUTH_KEY_LEN, digits);
			goto fail;
		}
		if (k->n == AUTH_MAX_KEYS) {
			snprintf(err, errlen, "line %zu: at most %d keys (current, previous)", line,
				 AUTH_MAX_KEYS);
			goto fail;
		}
		memcpy(k->key[k->n++], key, AUTH_KEY_LEN);
		sodium_memzero(key, sizeof(key));
	}
	if (k->n == 0) {
		snprintf(err, errlen, "no key in the file");
		return -1;
	}
	return 0;
fail:
	sodium_memzero(k, sizeof(*k));
	sodium_memzero(key, sizeof(key));
	return -1;
}

int auth_load_fd(int fd, const char *path, uid_t owner, struct auth_keys *k, char *err,
		 size_t errlen)
{
	char buf[1024], why[128];
	struct stat st;
	ssize_t n;
	int r;

	/* libsodium is made ready by the first key loaded: a daemon without
	 * keys never calls it, and does not pay for its set-up (its CPU
	 * feature probes and picks of implementations fault in some 100 kB
	 * of its code). */
	if (auth_init() < 0) {
		snprintf(err, errlen, "cannot initialise libsodium");
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	/* A key others can read is not secret; one others can write is not ours. */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: mode %03o: must not be accessible to group or others "
			 "(chmod 600)", path, (unsigned int)(st.st_mode & 0777));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != owner) {
		snprintf(err, errlen, "%s: owned by uid %u: must be owned by root or uid %u", path,
			 (unsigned int)st.st_uid, (unsigned int)owner);
		return -1;
	}
	/* From the start: the descriptor may be kept and read again. */
	n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0 || (size_t)n == sizeof(buf)) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) : "too large");
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	r = auth_parse(buf, (size_t)n, k, why, sizeof(why));
	sodium_memzero(buf, sizeof(buf));
	if (r < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	return r;
}

int auth_load(const char *path, uid_t owner, struct auth_keys *k, char *err, size_t errlen)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = auth_load_fd(fd, path, owner, k, err, errlen);
	close(fd);
	return r;
}

int auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* HMAC-SHA-512 truncated to 32 octets (libsodium's HMAC-SHA-512-256, not
 * HMAC over SHA-512/256) of the pseudo-header, then the datagram up to its
 * MAC value: libsodium's multi-part form of it. */
static void auth_mac(const uint8_t key[AUTH_KEY_LEN], const struct in6_addr *src,
		     const uint8_t *buf, size_t len, uint8_t out[WIRE_MAC_LEN])
{
	crypto_auth_hmacsha512256_state st;

	crypto_auth_hmacsha512256_init(&st, key, AUTH_KEY_LEN);
	crypto_auth_hmacsha512256_update(&st, src->s6_addr, sizeof(src->s6_addr));
	crypto_auth_hmacsha512256_update(&st, buf, len);
	crypto_auth_hmacsha512256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void auth_sign(const struct auth_keys *k, const struct in6_addr *src, uint8_t *buf, size_t len)
{
	auth_mac(k->key[0], src, buf, len - WIRE_MAC_LEN, buf + len - WIRE_MAC_LEN);
}

bool auth_verify(const struct auth_keys *k, const struct in6_addr *src, const uint8_t *buf,
		 size_t len)
{
	uint8_t mac[WIRE_MAC_LEN];
	unsigned int i;
	bool ok = false;

	if (len < WIRE_HDR_LEN + WIRE_TLV_HDR_LEN + WIRE_MAC_LEN)
		return false;
	for (i = 0; i < k->n && !ok; i++) {
		auth_mac(k->key[i], src, buf, len - WIRE_MAC_LEN, mac);
		ok = sodium_memcmp(mac, buf + len - WIRE_MAC_LEN, WIRE_MAC_LEN) == 0;
	}
	return ok;
}

enum auth_replay_result auth_window(uint64_t ts, uint64_t now)
{
	return ts + AUTH_WINDOW_MS < now || ts > now + AUTH_WINDOW_MS ? AUTH_STALE : AUTH_FRESH;
}

/* The replay memory: a fixed array with a hash index on (name, link), as
 * the neighbour table has; records fill [0, used). */
struct auth_replay_slot {
	char name[WIRE_NAME_MAX];
	uint8_t name_len;
	unsigned int ifindex;
	uint64_t ts;
	uint32_t next;		/* index + 1 of the next in its chain, 0: end */
};

struct auth_replay {
	size_t nslots, used;
	uint64_t floor;
	uint32_t nbuckets;	/* a power of two */
	uint32_t *buckets;	/* index + 1 of a chain's first record, 0: empty */
	struct auth_replay_slot *slots;
};

struct auth_replay *auth_replay_new(size_t slots)
{
	struct auth_replay *r;

	if (slots == 0 || slots > (1u << 20))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	for (r->nbuckets = 16; r->nbuckets < 2 * slots; r->nbuckets <<= 1)
		;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	r->slots = calloc(slots, sizeof(*r->slots));
	if (!r->buckets || !r->slots) {
		auth_replay_free(r);
		return NULL;
	}
	r->nslots = slots;
	return r;
}

void auth_replay_free(struct auth_replay *r)
{
	if (!r)
		return;
	free(r->buckets);
	free(r->slots);
	free(r);
}

static uint32_t *auth_replay_bucket(const struct auth_replay *r, const char *name, size_t len,
				    unsigned int ifindex)
{
	uint32_t h = name_hash(name, len) ^ (ifindex * 0x9e3779b1u);

	return &r->buckets[h & (r->nbuckets - 1)];
}

static struct auth_replay_slot *auth_replay_find(const struct auth_replay *r, const char *name,
						 size_t len, unsigned int ifindex)
{
	uint32_t i;

	for (i = *auth_replay_bucket(r, name, len, ifindex); i; i = r->slots[i - 1].next) {
		struct auth_replay_slot *s = &r->slots[i - 1];

		if (s->ifindex == ifindex && name_equal(s->name, s->name_len, name, len))
			return s;
	}
	return NULL;
}

static void auth_replay_unlink(struct auth_replay *r, size_t i)
{
	struct auth_replay_slot *s = &r->slots[i];
	uint32_t *p = auth_replay_bucket(r, s->name, s->name_len, s->ifindex);

	while (*p && *p != i + 1)
		p = &r->slots[*p - 1].next;
	if (*p)
		*p = s->next;
	s->next = 0;
}

static void auth_replay_link(struct auth_replay *r, size_t i)
{
	struct auth_replay_slot *s = &r->slots[i];
	uint32_t *b = auth_replay_bucket(r, s->name, s->name_len, s->ifindex);

	s->next = *b;
	*b = (uint32_t)i + 1;
}

/* Order does not matter: the last record moves into the hole. */
static void auth_replay_drop(struct auth_replay *r, size_t i)
{
	size_t last = r->used - 1;

	auth_replay_unlink(r, i);
	if (i != last) {
		auth_replay_unlink(r, last);
		r->slots[i] = r->slots[last];
		auth_replay_link(r, i);
	}
	memset(&r->slots[last], 0, sizeof(r->slots[last]));
	r->used--;
}

uint64_t auth_replay_last(const struct auth_replay *r, const char *name, size_t name_len,
			  unsigned int ifindex)
{
	const struct auth_replay_slot *s = auth_replay_find(r, name, name_len, ifindex);

	return s ? s->ts : r->floor;
}

void auth_replay_remember(struct auth_replay *r, const char *name, size_t name_len,
			  unsigned int ifindex, uint64_t ts, uint64_t now)
{
	struct auth_replay_slot *s;
	size_t i, oldest;

	/* Anything not newer than a timestamp out of the window is stale. */
	if (ts == 0 || auth_window(ts, now) == AUTH_STALE || name_len > WIRE_NAME_MAX)
		return;
	s = auth_replay_find(r, name, name_len, ifindex);
	if (s) {
		if (ts > s->ts)
			s->ts = ts;
		return;
	}
	if (r->used == r->nslots) {
		for (i = r->used; i-- > 0;)
			if (auth_window(r->slots[i].ts, now) == AUTH_STALE)
				auth_replay_drop(r, i);
	}
	if (r->used == r->nslots) {
		for (oldest = 0, i = 1; i < r->used; i++)
			if (r->slots[i].ts < r->slots[oldest].ts)
				oldest = i;
		if (r->slots[oldest].ts > r->floor)
			r->floor = r->slots[oldest].ts;
		auth_replay_drop(r, oldest);
	}
	s = &r->slots[r->used];
	memcpy(s->name, name, name_len);
	s->name_len = (uint8_t)name_len;
	s->ifindex = ifindex;
	s->ts = ts;
	auth_replay_link(r, r->used++);
}

void auth_replay_forget(struct auth_replay *r, const char *name, size_t name_len,
			unsigned int ifindex)
{
	struct auth_replay_slot *s = auth_replay_find(r, name, name_len, ifindex);

	if (s)
		auth_replay_drop(r, (size_t)(s - r->slots));
}

size_t auth_replay_count(const struct auth_replay *r)
{
	return r->used;
}

uint64_t auth_replay_floor(const struct auth_replay *r)
{
	return r->floor;
}
