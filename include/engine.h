/* engine: the linkname protocol as one pure unit, in the spirit of OpenBSD
 * slaacd's engine. It owns the neighbour table, one scheduler per link, our
 * name and addresses, the counters and the conflict state, and it applies
 * the receive rules of docs/PROTOCOL.md section 7. It makes no system call
 * and reads no clock: every entry point gets the time (monotonic ms, and the
 * wall clock in ms since the epoch where TIMESTAMPs are involved), and
 * randomness comes from the function given at creation. What it wants done
 * (join a link, send these octets, log this) it queues as actions, which
 * the caller takes with engine_next_action() and carries out.
 *
 * The daemon, the unit tests, the benchmark and the fuzzer all drive this
 * same code. */
#ifndef LINKNAME_ENGINE_H
#define LINKNAME_ENGINE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "iface.h"
#include "name.h"
#include "query.h"
#include "wire.h"

#define ENGINE_LINKS_MAX	1024	/* a busy container host has hundreds of veths */
/* A claim on a live name is held this long for its holder to answer. */
#define ENGINE_CHALLENGE_MS	500
#define ENGINE_CHALLENGES	64	/* open at once; past that, claims just fail */
/* We do not defend our name against the same address twice within this. */
#define ENGINE_DEFEND_REPEAT_MS	1000
/* Learning new (name, link) entries: a burst of 4 per source, then one per
 * 10 s. A host announces one name per link, so only a flood hits it. */
#define ENGINE_LEARN_BURST	4
#define ENGINE_LEARN_PER_MS	10000
/* Our own datagrams: the largest is 8 + (4+63) + 8 x (4+16) + (4+4) +
 * (4+8) + (4+32) = 291 octets. */
#define ENGINE_MSG_MAX		320

/* What became of one received datagram: accepted, or the drop reason of
 * docs/PROTOCOL.md section 7 (each has a counter, "dropped-NAME"). The
 * decoder's reasons are a block in the order of enum wire_err. */
enum engine_verdict {
	ENGINE_ACCEPTED = 0,
	ENGINE_HOPLIMIT,
	ENGINE_NOT_LINKLOCAL,
	ENGINE_NOT_JOINED,
	ENGINE_OWN,
	ENGINE_WIRE_BASE,	/* + enum wire_err, from WIRE_ERR_SHORT */
	ENGINE_NO_MAC = ENGINE_WIRE_BASE + WIRE_ERR_COUNT,
	ENGINE_BAD_MAC,
	ENGINE_STALE,
	ENGINE_REPLAY,
	ENGINE_ADDR_MISMATCH,
	ENGINE_CLAIMED,
	ENGINE_RATE_LIMITED,
	ENGINE_TABLE_FULL,
	ENGINE_BAD_PORT,	/* added after 0.1: kept last so the numbers stay */
	ENGINE_VERDICT_COUNT
};
#define ENGINE_WIRE(err)	((enum engine_verdict)(ENGINE_WIRE_BASE + (err)))

/* The counter name of a verdict ("hop-limit", "bad-magic", ...; "accepted"). */
const char *engine_verdict_name(enum engine_verdict v);

/* Structured events, one per change a neighbour makes us see: the daemon
 * logs them, a monitor may stream them. */
enum engine_event_kind {
	ENGINE_EV_NEW,		/* a neighbour appeared */
	ENGINE_EV_CHANGED,	/* its addresses changed */
	ENGINE_EV_GOODBYE,	/* it left (GOODBYE) */
	ENGINE_EV_EXPIRED,	/* its lifetime ran out */
	ENGINE_EV_CONFLICT,	/* a name conflict, see enum engine_conflict */
	ENGINE_EV_REFUSED,	/* a datagram refused (only with log_refused or
				 * while monitored) */
};

enum engine_conflict {
	ENGINE_CONFLICT_NONE,
	ENGINE_CONFLICT_OURS,	/* a neighbour announces our own name */
	ENGINE_CONFLICT_HELD,	/* a claim on a name whose live holder answered */
};

struct engine_event {
	enum engine_event_kind kind;
	enum engine_conflict conflict;
	enum engine_verdict reason;	/* REFUSED */
	bool taken_over;		/* CHANGED: a claim taken, the holder silent */
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	uint8_t name_len;		/* 0: no name (a refused datagram) */
	char name[WIRE_NAME_MAX + 1];
	struct in6_addr src;		/* who sent what caused it */
	uint8_t naddrs;			/* the neighbour's addresses now */
	struct in6_addr addrs[WIRE_MAX_ADDRS];
	uint32_t ttl;			/* NEW, CHANGED: seconds the entry lives */
};

enum engine_action_type {
	ENGINE_ACT_JOIN,	/* join ff02::1:1 on ifindex; on failure call
				 * engine_link_failed() */
	ENGINE_ACT_LEAVE,	/* leave it; forgotten neighbours in count */
	ENGINE_ACT_SEND,	/* send buf to ff02::1:1 on ifindex from src, then
				 * call engine_sent() */
	ENGINE_ACT_EVENT,
	ENGINE_ACT_LOG,		/* a note for the log, at level */
	ENGINE_ACT_READY,	/* every link has sent its first ANNOUNCE */
};

enum engine_log_level { ENGINE_LOG_DEBUG, ENGINE_LOG_INFO, ENGINE_LOG_WARN };

struct engine_action {
	enum engine_action_type type;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	union {
		struct {
			struct in6_addr src;
			uint8_t msg_type;	/* WIRE_ANNOUNCE, ... */
			uint16_t len;
			uint8_t buf[ENGINE_MSG_MAX];
		} send;
		size_t count;			/* LEAVE */
		struct engine_event event;
		struct {
			enum engine_log_level level;
			char text[160];
		} log;
	} u;
};

/* What the engine runs with; engine_configure() changes it later. */
struct engine_config {
	char name[NAME_MAX_LEN + 1];	/* valid, non-empty */
	uint32_t interval_s;		/* steady-state announce interval */
	uint32_t lifetime_s;		/* least LIFETIME we announce (raised to
					 * three periods, PROTOCOL.md 8) */
	uint32_t table_size;		/* fixed at creation */
	struct auth_keys keys;		/* n == 0: authentication off */
	bool log_refused;		/* an event per refused datagram */
};

/* A received datagram, as the socket reported it. */
struct engine_datagram {
	const uint8_t *buf;
	size_t len;			/* the real length, even if buf holds less */
	struct in6_addr src;
	uint16_t sport;			/* UDP source port, host order */
	unsigned int ifindex;		/* arrival interface */
	int hoplimit;			/* -1 if unknown */
};

/* A lookup answer, built by one function for the query socket and the
 * snapshot alike; expires is on the monotonic clock, ttl counts to it. */
struct engine_record {
	struct query_record r;
	uint64_t expires;
};

typedef uint32_t (*engine_rnd_fn)(void *arg);
typedef void (*engine_record_fn)(const struct engine_record *rec, void *arg);
/* Every record of one name, in the order engine_resolve() gives them. */
typedef void (*engine_group_fn)(const struct engine_record *recs, size_t n, void *arg);

struct engine;

/* NULL if c is invalid or memory runs out. */
struct engine *engine_new(const struct engine_config *c, engine_rnd_fn rnd, void *rnd_arg,
			  uint64_t now);
void engine_free(struct engine *e);
/* A new configuration (a reload): a new name says GOODBYE under the old
 * one and starts again; new timing announces at once; keys apply to the
 * next datagram. table_size is ignored. Ready is reported again. */
void engine_configure(struct engine *e, const struct engine_config *c, uint64_t now,
		      uint64_t wall);

/* What iface reports about a link the caller wants us to use (IFACE_DOWN
 * also for one it no longer wants). */
void engine_link(struct engine *e, enum iface_event ev, const struct iface_info *info,
		 uint64_t now, uint64_t wall);
/* Joining the group on ifindex failed: forget the link, quietly. */
void engine_link_failed(struct engine *e, unsigned int ifindex);
/* The link set: ENGINE links in ifindex order. */
size_t engine_nlinks(const struct engine *e);
const struct iface_info *engine_link_info(const struct engine *e, size_t i);

enum engine_verdict engine_receive(struct engine *e, const struct engine_datagram *d,
				   uint64_t now, uint64_t wall);
/* Timers: announcements, answers, defences, expiry, challenges; and
 * ENGINE_ACT_READY once due. Call it after every wake-up. */
void engine_tick(struct engine *e, uint64_t now, uint64_t wall);
/* When engine_tick next has work; UINT64_MAX if never. */
uint64_t engine_next_deadline(const struct engine *e);
/* Someone watches events (linknamectl monitor): REFUSED events are made
 * then too, not only with log_refused. */
void engine_set_monitored(struct engine *e, bool on);
/* Announce now on every link (an operator's request). */
void engine_announce_now(struct engine *e, uint64_t now);
/* Leaving: GOODBYE on every link. */
void engine_stop(struct engine *e, uint64_t now, uint64_t wall);

/* The oldest queued action into *a; false when there is none. */
bool engine_next_action(struct engine *e, struct engine_action *a);
/* The outcome of an ENGINE_ACT_SEND (for the counters). */
void engine_sent(struct engine *e, bool ok);

/* Lookups, all through one record builder. resolve: our own records
 * (one per link) then the neighbours', at most QUERY_MAX_RECORDS. reverse:
 * the record holding addr (on ifindex unless 0), ours first. list: every
 * neighbour. Each returns how many records it gave fn. */
size_t engine_resolve(const struct engine *e, const char *name, size_t name_len, uint64_t now,
		      engine_record_fn fn, void *arg);
size_t engine_reverse(const struct engine *e, const struct in6_addr *addr, unsigned int ifindex,
		      uint64_t now, engine_record_fn fn, void *arg);
size_t engine_list(const struct engine *e, uint64_t now, engine_record_fn fn, void *arg);
/* For the snapshot: every record a lookup can return, one call of fn per
 * name with all of that name's records (resolve gives the first
 * QUERY_MAX_RECORDS of them). Returns the number of records. */
size_t engine_each_name(struct engine *e, uint64_t now, engine_group_fn fn, void *arg);
/* "key value\n" lines (docs/PROTOCOL.md section 11.2) into buf, always
 * NUL-terminated; returns the length they need, as snprintf does. */
size_t engine_stats(const struct engine *e, uint64_t now, char *buf, size_t len);
/* Bumped whenever an answer could have changed (for the snapshot). */
uint64_t engine_generation(const struct engine *e);
const char *engine_name(const struct engine *e);
uint32_t engine_lifetime(const struct engine *e);
uint32_t engine_interval_ms(const struct engine *e);
struct engine_totals {
	uint64_t received, sent, send_errors, conflicts;
};
void engine_totals(const struct engine *e, struct engine_totals *t);
/* The counter of a verdict, and the population the engine keeps of a link
 * (neighbours stored on it; what scales its announce period). */
uint64_t engine_count(const struct engine *e, enum engine_verdict v);
uint32_t engine_population(const struct engine *e, unsigned int ifindex);

#endif
