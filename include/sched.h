/* sched: when to send ANNOUNCE and SOLICIT on one interface. Pure code: the
 * caller passes the time (ms) and a random number, so every path is testable. */
#ifndef LINKNAME_SCHED_H
#define LINKNAME_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct sched_params {
	uint32_t interval_ms;		/* steady-state announce period */
	uint32_t jitter_pct;		/* +/- this percent on each period */
	uint32_t burst;			/* announcements at start-up */
	uint32_t burst_solicits;	/* of which also carry a SOLICIT */
	uint32_t burst_spacing_ms;	/* between start-up announcements */
	uint32_t start_delay_max_ms;	/* random delay before the first */
	uint32_t answer_delay_max_ms;	/* random delay before answering SOLICIT */
	uint32_t answer_min_gap_ms;	/* at most one answer per gap per link */
	uint32_t defend_min_gap_ms;	/* at most one defence of our name per gap */
	uint32_t budget_pps;		/* announcements per second the whole link
					 * may carry in steady state; 0: no scaling */
};

/* Defaults, explained in docs/PROTOCOL.md "Timing". */
#define SCHED_DEFAULT_INTERVAL_MS	10000u
/* The least LIFETIME by default: what three of the longest default
 * periods give (3 x 11 s), so the default is what is sent. */
#define SCHED_DEFAULT_LIFETIME_S	33u
#define SCHED_DEFAULT_BUDGET_PPS	20u
/* Announcements heard during start-up before we hold back ours. */
#define SCHED_QUIET_HEARD		3u
void sched_params_default(struct sched_params *p);

struct sched_if {
	uint64_t next_announce;		/* 0: not running */
	uint32_t burst_left;
	uint32_t solicit_left;
	uint64_t answer_at;		/* 0: no answer pending */
	uint64_t last_answer;		/* 0: never */
	uint64_t defend_at;		/* 0: no defence pending */
	uint64_t last_defence;		/* 0: never */
	uint64_t started;		/* when the start-up burst began */
	uint32_t heard;			/* announcements heard during start-up */
	uint64_t refresh_by;		/* announce again by then (lifetime promise) */
	uint32_t population;		/* neighbours known on this link */
	bool changed;			/* this burst is for an address change */
};

#define SCHED_ANNOUNCE	0x1u
#define SCHED_SOLICIT	0x2u

/* The interface just became usable: start the start-up burst. */
void sched_start(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd);
/* The start-up burst again, without its SOLICITs and never held back: our
 * address set changed, the neighbours need the new one at once, and we
 * already know them. One host's change is not a mass restart. */
void sched_restart_quiet(const struct sched_params *p, struct sched_if *s, uint64_t now,
			 uint32_t rnd);
/* True once the current start-up burst has sent its first ANNOUNCE (or
 * the scheduler is stopped): we are on the wire. */
bool sched_on_wire(const struct sched_params *p, const struct sched_if *s);
/* Stop everything (interface gone). */
void sched_stop(struct sched_if *s);
/* What is due at now (SCHED_* bits); advances the state past it. */
unsigned int sched_due(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd);
/* When sched_due next has something to do; UINT64_MAX if never. */
uint64_t sched_next(const struct sched_if *s);
/* A SOLICIT for us arrived: answer after a random delay within the answer
 * window, rate-limited; not at all if a burst ANNOUNCE is due within it. */
void sched_solicited(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd);
/* Announce now (start-up of a changed address set, or an operator's request). */
void sched_announce_now(struct sched_if *s, uint64_t now);
/* Someone else announced our name: announce at once, but at most once per
 * defend_min_gap_ms (a later one waits, it is not lost). This is apart from
 * the SOLICIT answers, so a SOLICIT storm cannot hold a defence back. */
void sched_defend(const struct sched_params *p, struct sched_if *s, uint64_t now);

/* Scaling with the link's population, as RTCP does (RFC 3550 6.2-6.3):
 * the steady period grows so that the whole link stays within budget_pps,
 * the answer window widens so SOLICIT answers stay within twenty times that,
 * and a start-up burst that hears the link busy holds back (reconsideration)
 * and stops soliciting, so a mass restart does not flood the link. */
#define SCHED_HAVE_POPULATION 1
/* An announcement was heard on this link (counts during start-up only). */
void sched_heard(struct sched_if *s);
/* Neighbours currently known on this link. */
void sched_set_population(struct sched_if *s, uint32_t n);
/* The answer window W in ms: answer_delay_max_ms, wider on a big link. */
uint64_t sched_answer_window(const struct sched_params *p, const struct sched_if *s);
/* The steady period before jitter, in ms. */
uint64_t sched_base_period(const struct sched_params *p, const struct sched_if *s);
/* The lifetime to announce: max(min_s, ceil(3 x the longest jittered
 * period)), at most 86400, so that neighbours keep us through two lost
 * announcements (docs/PROTOCOL.md section 8). */
uint32_t sched_lifetime(const struct sched_params *p, const struct sched_if *s, uint32_t min_s);

#endif
