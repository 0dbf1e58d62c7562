/* ratelimit: per-source token buckets in a fixed-size table, so what one
 * sender may make us do is bounded and the table itself cannot grow.
 * Pure code: time is passed in. */
#ifndef LINKNAME_RATELIMIT_H
#define LINKNAME_RATELIMIT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 256

struct ratelimit;

/* burst events at once, then one more every per_ms. */
struct ratelimit *ratelimit_new(uint32_t burst, uint32_t per_ms);
void ratelimit_free(struct ratelimit *r);
/* Take one token for (src, ifindex); false if none is left. A source not
 * in the table takes the slot of the least recently used one. */
bool ratelimit_allow(struct ratelimit *r, const struct in6_addr *src, unsigned int ifindex,
		     uint64_t now);

#endif
