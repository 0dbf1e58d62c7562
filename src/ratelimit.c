/* ratelimit: per-source token buckets. */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

struct ratelimit_slot {
	struct in6_addr src;
	unsigned int ifindex;
	uint32_t tokens;
	uint64_t refilled;	/* time the tokens were last topped up */
	uint64_t used;		/* last use, 0 = free */
};

struct ratelimit {
	uint32_t burst;
	uint32_t per_ms;
	struct ratelimit_slot slots[RATELIMIT_SLOTS];
};

struct ratelimit *ratelimit_new(uint32_t burst, uint32_t per_ms)
{
	struct ratelimit *r;

	if (burst == 0 || per_ms == 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->burst = burst;
	r->per_ms = per_ms;
	return r;
}

void ratelimit_free(struct ratelimit *r)
{
	free(r);
}

static struct ratelimit_slot *ratelimit_slot(struct ratelimit *r, const struct in6_addr *src,
					     unsigned int ifindex, uint64_t now)
{
	struct ratelimit_slot *lru = &r->slots[0];
	size_t i;

	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_slot *s = &r->slots[i];

		if (s->used && s->ifindex == ifindex && !memcmp(&s->src, src, sizeof(*src)))
			return s;
		if (s->used < lru->used)
			lru = s;
	}
	/* A new (or evicted) source starts with a full bucket. */
	lru->src = *src;
	lru->ifindex = ifindex;
	lru->tokens = r->burst;
	lru->refilled = now;
	lru->used = now ? now : 1;
	return lru;
}

bool ratelimit_allow(struct ratelimit *r, const struct in6_addr *src, unsigned int ifindex,
		     uint64_t now)
{
	struct ratelimit_slot *s = ratelimit_slot(r, src, ifindex, now);
	uint64_t earned;

	if (now > s->refilled) {
		earned = (now - s->refilled) / r->per_ms;
		if (earned) {
			s->tokens = earned >= r->burst - s->tokens ? r->burst :
				    s->tokens + (uint32_t)earned;
			s->refilled += earned * r->per_ms;
		}
	}
	s->used = now ? now : 1;
	if (s->tokens == 0)
		return false;
	s->tokens--;
	return true;
}
