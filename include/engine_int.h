/* engine_int: what the engine's own files share (engine.c, engine_link.c,
 * engine_rx.c, engine_answer.c); nothing outside the engine includes it. */
#ifndef LINKNAME_ENGINE_INT_H
#define LINKNAME_ENGINE_INT_H

#include "engine.h"
#include "ratelimit.h"
#include "sched.h"
#include "table.h"

#define ENGINE_DEFEND_SLOTS	4	/* addresses we recently defended against */

struct engine_defended {
	struct in6_addr src;
	uint64_t at;			/* 0: free */
};

/* A link we joined ff02::1:1 on. info.addrs is the set we announce, in a
 * stable order (the oldest address still present first; the first is the
 * source), not in iface's. */
struct engine_link {
	struct iface_info info;
	struct sched_if sched;
	uint32_t population;		/* table entries on this link */
	uint64_t self_expires;		/* what neighbours hold for us: our last
					 * ANNOUNCE here plus its LIFETIME */
	struct engine_defended defended[ENGINE_DEFEND_SLOTS];
};

/* A claim on a live (name, link) from an address its holder does not have:
 * taken when the challenge ends unless the holder is heard first. */
struct engine_challenge {
	uint64_t until;			/* 0: slot free */
	unsigned int ifindex;
	uint8_t name_len;
	char name[WIRE_NAME_MAX + 1];
	struct in6_addr claimant;
	uint8_t naddrs;
	struct in6_addr addrs[WIRE_MAX_ADDRS];
	uint32_t lifetime;
	uint64_t ts;			/* the claim's TIMESTAMP (0: none) */
};

struct engine {
	char name[NAME_MAX_LEN + 1];
	uint8_t name_len;
	uint32_t lifetime;
	struct sched_params sp;
	struct auth_keys keys;
	bool log_refused;
	bool monitored;			/* engine_set_monitored */
	engine_rnd_fn rnd;
	void *rnd_arg;
	uint64_t started;
	uint64_t now, wall;		/* of the call in progress */
	uint64_t last_ts;		/* last TIMESTAMP sent */

	struct table *table;
	struct ratelimit *learn;
	struct auth_replay *replay;

	struct engine_link *links;	/* sorted by ifindex */
	size_t nlinks, links_cap;
	struct in6_addr *own;		/* every link's addresses, sorted */
	size_t nown;

	struct engine_challenge challenges[ENGINE_CHALLENGES];
	size_t nchallenges;		/* slots in use */

	struct engine_action *q;	/* actions, q[qhead..qlen) pending */
	size_t qhead, qlen, qcap;
	bool qfailed;			/* an action was lost to memory */

	struct engine_record *scratch;	/* one name's records, for each_name */
	size_t scratch_cap;

	bool ready_sent;
	uint64_t generation;
	uint64_t rx, tx, tx_errors, conflicts, adopted;
	uint64_t counts[ENGINE_VERDICT_COUNT];
};

/* engine.c */
struct engine_action *engine_push(struct engine *e, enum engine_action_type type,
				  const struct engine_link *l);
void engine_note(struct engine *e, enum engine_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The event queued, for the caller to complete, or NULL (no memory). */
struct engine_event *engine_emit(struct engine *e, enum engine_event_kind kind,
				 const struct engine_link *l, const char *name, size_t name_len,
				 const struct in6_addr *src, const struct table_entry *now_is);
void engine_send(struct engine *e, struct engine_link *l, uint8_t type);
uint32_t engine_random(struct engine *e);
bool engine_is_our_name(const struct engine *e, const char *name, size_t len);
bool engine_has_addr(const struct in6_addr *set, size_t n, const struct in6_addr *a);

/* engine_link.c */
struct engine_link *engine_link_find(const struct engine *e, unsigned int ifindex);
bool engine_is_own_address(const struct engine *e, const struct in6_addr *a);
void engine_link_remove(struct engine *e, struct engine_link *l, bool say_goodbye);

/* engine_rx.c */
void engine_challenges_expire(struct engine *e);
uint64_t engine_challenges_next(const struct engine *e);
void engine_challenges_drop_link(struct engine *e, unsigned int ifindex);

/* engine_answer.c */
void engine_record_of_entry(const struct engine *e, const struct table_entry *t,
			    uint64_t now, struct engine_record *rec);

#endif
