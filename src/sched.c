/* sched: the announce scheduler for one interface. */
#include "sched.h"

void sched_params_default(struct sched_params *p)
{
	p->interval_ms = SCHED_DEFAULT_INTERVAL_MS;
	p->jitter_pct = 10;
	p->burst = 3;
	p->burst_solicits = 2;
	p->burst_spacing_ms = 500;
	p->start_delay_max_ms = 50;
	p->answer_delay_max_ms = 250;
	p->answer_min_gap_ms = 1000;
}

/* A period of interval +/- jitter_pct percent, so that hosts started
 * together drift apart instead of announcing in lockstep. */
static uint64_t sched_period(const struct sched_params *p, uint32_t rnd)
{
	uint64_t span = 2 * (uint64_t)p->jitter_pct + 1;
	uint64_t pct = 100 - p->jitter_pct + rnd % span;

	return (uint64_t)p->interval_ms * pct / 100;
}

void sched_start(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd)
{
	uint64_t delay = p->start_delay_max_ms ? rnd % (p->start_delay_max_ms + 1) : 0;

	s->burst_left = p->burst;
	s->solicit_left = p->burst_solicits < p->burst ? p->burst_solicits : p->burst;
	s->answer_at = 0;
	/* next_announce == 0 means stopped, so never schedule at time 0. */
	s->next_announce = now + delay ? now + delay : 1;
}

void sched_stop(struct sched_if *s)
{
	s->next_announce = 0;
	s->burst_left = 0;
	s->solicit_left = 0;
	s->answer_at = 0;
}

unsigned int sched_due(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd)
{
	unsigned int what = 0;

	if (!s->next_announce)
		return 0;
	if (now >= s->next_announce) {
		what |= SCHED_ANNOUNCE;
		if (s->solicit_left) {
			what |= SCHED_SOLICIT;
			s->solicit_left--;
		}
		if (s->burst_left)
			s->burst_left--;
		s->next_announce = now + (s->burst_left ? p->burst_spacing_ms : sched_period(p, rnd));
		/* This announcement answers any SOLICIT still waiting. */
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
	return next;
}

void sched_solicited(const struct sched_params *p, struct sched_if *s, uint64_t now, uint32_t rnd)
{
	uint64_t at;

	if (!s->next_announce || s->answer_at)
		return;
	/* A start-up announcement due within the answer window answers it. */
	if (s->burst_left && s->next_announce <= now + p->answer_delay_max_ms)
		return;
	/* Random delay: fifty hosts must not answer in the same microsecond. */
	at = now + (p->answer_delay_max_ms ? rnd % (p->answer_delay_max_ms + 1) : 0);
	/* At most one answer per gap per link: a SOLICIT storm must not turn
	 * us into an amplifier. */
	if (s->last_answer && at < s->last_answer + p->answer_min_gap_ms)
		at = s->last_answer + p->answer_min_gap_ms;
	s->answer_at = at ? at : 1;
}

void sched_announce_now(struct sched_if *s, uint64_t now)
{
	if (s->next_announce)
		s->next_announce = now ? now : 1;
}
