/* sched: the announce scheduler for one interface. */
#include <stdbool.h>

#include "sched.h"
#include "wire.h"

void sched_params_default(struct sched_params *p)
{
	p->interval_ms = SCHED_DEFAULT_INTERVAL_MS;
	p->jitter_pct = 10;
	p->burst = 3;
	p->burst_solicits = 2;
	p->burst_spacing_ms = 500;
	p->start_delay_max_ms = 10;
	p->answer_delay_max_ms = 200;
	p->answer_min_gap_ms = 1000;
	p->defend_min_gap_ms = 250;
	p->budget_pps = SCHED_DEFAULT_BUDGET_PPS;
}

/* Busy: more than a few announcements heard since our start-up began
 * (not after an address change, which is ours alone). */
static bool sched_busy(const struct sched_params *p, const struct sched_if *s)
{
	return p->budget_pps && !s->changed && s->heard > SCHED_QUIET_HEARD;
}

static uint64_t sched_period_for(const struct sched_params *p, uint32_t population)
{
	uint64_t scaled;

	if (!p->budget_pps)
		return p->interval_ms;
	/* population + 1 senders (us too) sharing budget_pps. */
	scaled = ((uint64_t)population + 1) * 1000 / p->budget_pps;
	return scaled > p->interval_ms ? scaled : p->interval_ms;
}

uint64_t sched_base_period(const struct sched_params *p, const struct sched_if *s)
{
	return sched_period_for(p, s->population);
}

/* The longest period we may wait before announcing again. In a busy
 * start-up our turn moves later as we learn the link, so what we heard
 * counts too (it is reset once the burst is out). */
static uint64_t sched_longest(const struct sched_params *p, const struct sched_if *s)
{
	uint32_t n = s->burst_left && sched_busy(p, s) && s->heard > s->population ?
		     s->heard : s->population;

	return sched_period_for(p, n) * (100 + p->jitter_pct) / 100;
}

uint32_t sched_lifetime(const struct sched_params *p, const struct sched_if *s, uint32_t min_s)
{
	uint64_t longest = sched_longest(p, s);
	uint64_t three = (3 * longest + 999) / 1000;

	if (three < min_s)
		three = min_s;
	return three > WIRE_LIFETIME_MAX ? WIRE_LIFETIME_MAX : (uint32_t)three;
}

void sched_heard(struct sched_if *s)
{
	if (s->burst_left && s->heard < UINT32_MAX)
		s->heard++;
}


void sched_set_population(struct sched_if *s, uint32_t n)
{
	s->population = n;
}

/* A period of interval +/- jitter_pct percent, so that hosts started
 * together drift apart instead of announcing in lockstep. */
static uint64_t sched_period(const struct sched_params *p, const struct sched_if *s, uint32_t rnd)
{
	uint64_t span = 2 * (uint64_t)p->jitter_pct + 1;
	uint64_t pct = 100 - p->jitter_pct + rnd % span;

	return sched_base_period(p, s) * pct / 100;
}

void sched_start(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd)
{
	uint64_t delay = p->start_delay_max_ms ? rnd % (p->start_delay_max_ms + 1) : 0;

	s->burst_left = p->burst;
	s->solicit_left = p->burst_solicits < p->burst ? p->burst_solicits : p->burst;
	s->answer_at = 0;
	s->defend_at = 0;
	s->started = now;
	s->heard = 0;
	s->refresh_by = 0;
	s->changed = false;
	/* next_announce == 0 means stopped, so never schedule at time 0. */
	s->next_announce = now + delay ? now + delay : 1;
}

void sched_restart_quiet(const struct sched_params *p, struct sched_if *s, uint64_t now,
			 uint32_t rnd)
{
	sched_start(p, s, now, rnd);
	s->solicit_left = 0;
	s->changed = true;
}

bool sched_on_wire(const struct sched_params *p, const struct sched_if *s)
{
	return !s->next_announce || s->burst_left < p->burst;
}

void sched_stop(struct sched_if *s)
{
	s->next_announce = 0;
	s->burst_left = 0;
	s->solicit_left = 0;
	s->answer_at = 0;
	s->defend_at = 0;
}

unsigned int sched_due(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd)
{
	unsigned int what = 0;

	if (!s->next_announce)
		return 0;
	if (now >= s->next_announce && s->burst_left && sched_busy(p, s)) {
		/* Reconsideration (RFC 3550, 6.3): others are starting too (a
		 * mass restart). Our turn is a random point in [0.5, 1.5] of the
		 * period the neighbours known so far give, counted from our
		 * start; as we learn more neighbours it moves later, but never
		 * past 1.5 periods for the whole link, so nobody starves. */
		uint64_t period = sched_period_for(p, s->population);
		uint64_t turn = s->started + period / 2 + rnd % (period + 1);

		/* ...but never past what the lifetime we announced allows. */
		if (s->refresh_by && turn > s->refresh_by)
			turn = s->refresh_by;
		if (now < turn) {
			s->next_announce = turn;
			return 0;
		}
	}
	if (now >= s->next_announce) {
		what |= SCHED_ANNOUNCE;
		/* Neighbours keep us three longest periods: be back within two. */
		s->refresh_by = now + 2 * sched_longest(p, s);
		if (s->solicit_left) {
			/* Hearing others already teaches us the link: asking
			 * everyone to answer would only add to the load. */
			if (!sched_busy(p, s))
				what |= SCHED_SOLICIT;
			s->solicit_left--;
		}
		if (s->burst_left && --s->burst_left == 0)
			s->heard = 0;	/* "busy" only means something at start-up */
		s->next_announce = now + (s->burst_left ? p->burst_spacing_ms : sched_period(p, s, rnd));
		/* This announcement answers any SOLICIT still waiting, and
		 * defends our name as well as a defence would. */
		s->answer_at = 0;
		s->defend_at = 0;
	}
	if (s->defend_at && now >= s->defend_at) {
		what |= SCHED_ANNOUNCE;
		s->defend_at = 0;
		s->last_defence = now;
		s->answer_at = 0;
	}
	if (s->answer_at && now >= s->answer_at) {
		what |= SCHED_ANNOUNCE;
		s->answer_at = 0;
		s->last_answer = now;
	}
	return what;
}

uint64_t sched_next(const struct sched_if *s)
{
	uint64_t next = UINT64_MAX;

	if (s->next_announce)
		next = s->next_announce;
	if (s->answer_at && s->answer_at < next)
		next = s->answer_at;
	if (s->defend_at && s->defend_at < next)
		next = s->defend_at;
	return next;
}

/* Random delay: fifty hosts must not answer in the same microsecond; on
 * a big link the window widens to keep answers within twenty times the
 * link's budget, for that one moment. */
uint64_t sched_answer_window(const struct sched_params *p, const struct sched_if *s)
{
	uint64_t window = p->answer_delay_max_ms;

	if (p->budget_pps) {
		uint64_t wide = ((uint64_t)s->population + 1) * 1000 / (20 * (uint64_t)p->budget_pps);

		if (wide > window)
			window = wide;
	}
	return window;
}

static void sched_schedule_answer(const struct sched_params *p, struct sched_if *s,
				  uint64_t now, uint32_t rnd)
{
	uint64_t window = sched_answer_window(p, s), at;

	at = now + (window ? rnd % (window + 1) : 0);
	/* At most one answer per gap per link: a SOLICIT storm must not turn
	 * us into an amplifier. */
	if (s->last_answer && at < s->last_answer + p->answer_min_gap_ms)
		at = s->last_answer + p->answer_min_gap_ms;
	s->answer_at = at ? at : 1;
}

void sched_solicited(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd)
{
	if (!s->next_announce || s->answer_at)
		return;
	/* A burst announcement due within the answer window W (not the delay
	 * we would draw) answers it. In a busy start-up (a mass restart) we
	 * do not answer at all: our held-back burst will, in turn; answering
	 * now is what would flood. */
	if (s->burst_left &&
	    (sched_busy(p, s) || s->next_announce <= now + sched_answer_window(p, s)))
		return;
	sched_schedule_answer(p, s, now, rnd);
}

void sched_announce_now(struct sched_if *s, uint64_t now)
{
	if (s->next_announce)
		s->next_announce = now ? now : 1;
}

void sched_defend(const struct sched_params *p, struct sched_if *s, uint64_t now)
{
	uint64_t at = now;

	if (!s->next_announce || s->defend_at)
		return;
	if (s->last_defence && at < s->last_defence + p->defend_min_gap_ms)
		at = s->last_defence + p->defend_min_gap_ms;
	s->defend_at = at ? at : 1;
}
