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

int auth_load(const char *path, uid_t owner, struct auth_keys *k, char *err, size_t errlen)
{
	char buf[1024], why[128];
	struct stat st;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* A key others can read is not secret; one others can write is not ours. */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: mode %03o: must not be accessible to group or others "
			 "(chmod 600)", path, (unsigned int)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != owner) {
		snprintf(err, errlen, "%s: owned by uid %u: must be owned by root or uid %u", path,
			 (unsigned int)st.st_uid, (unsigned int)owner);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
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

int auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void auth_sign(const struct auth_keys *k, uint8_t *buf, size_t len)
{
	crypto_auth(buf + len - WIRE_MAC_LEN, buf, len - WIRE_MAC_LEN, k->key[0]);
}

bool auth_verify(const struct auth_keys *k, const uint8_t *buf, size_t len)
{
	unsigned int i;

	if (len < WIRE_HDR_LEN + WIRE_TLV_HDR_LEN + WIRE_MAC_LEN)
		return false;
	for (i = 0; i < k->n; i++)
		if (crypto_auth_verify(buf + len - WIRE_MAC_LEN, buf, len - WIRE_MAC_LEN,
				       k->key[i]) == 0)
			return true;
	return false;
}

struct auth_replay_slot {
	struct in6_addr src;
	unsigned int ifindex;
	uint64_t last_ts;	/* 0 = free */
};

struct auth_replay {
	struct auth_replay_slot slots[AUTH_REPLAY_SLOTS];
};

struct auth_replay *auth_replay_new(void)
{
	return calloc(1, sizeof(struct auth_replay));
}

void auth_replay_free(struct auth_replay *r)
{
	free(r);
}

enum auth_replay_result auth_replay_check(struct auth_replay *r, const struct in6_addr *src,
					  unsigned int ifindex, uint64_t ts, uint64_t now)
{
	struct auth_replay_slot *s, *oldest = &r->slots[0];
	size_t i;

	if (ts + AUTH_WINDOW_MS < now || ts > now + AUTH_WINDOW_MS)
		return AUTH_STALE;
	for (i = 0; i < AUTH_REPLAY_SLOTS; i++) {
		s = &r->slots[i];
		if (s->last_ts && s->ifindex == ifindex && !memcmp(&s->src, src, sizeof(*src))) {
			if (ts <= s->last_ts)
				return AUTH_REPLAY;
			s->last_ts = ts;
			return AUTH_FRESH;
		}
		if (s->last_ts < oldest->last_ts)
			oldest = s;
	}
	/* A slot whose last timestamp left the window can go: anything it
	 * could still refuse is refused as stale anyway. If every slot is
	 * recent, the oldest goes and a replay of that source within the
	 * window would pass: the documented limit (AUTH_REPLAY_SLOTS senders). */
	oldest->src = *src;
	oldest->ifindex = ifindex;
	oldest->last_ts = ts;
	return AUTH_FRESH;
}
