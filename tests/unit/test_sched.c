/* Unit tests for src/sched.c: the announce scheduler. Time (ms) and the
 * random numbers are passed in, so the simulation below is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sched.h"

#define T0 5000000u	/* an arbitrary start time, ms */
#define A  SCHED_ANNOUNCE
#define S  SCHED_SOLICIT

struct ev {
	uint64_t t;
	unsigned int what;
};

/* Advance to the next deadline if it is <= until. Checks that nothing is due
 * strictly between *now and that deadline, and that sched_due at the
 * deadline reports something. Returns 1 with *e filled, 0 if none. */
static int step(const struct sched_params *p, struct sched_if *s, uint64_t *now,
		uint64_t until, uint32_t rnd, struct ev *e)
{
	uint64_t next = sched_next(s);

	if (next == UINT64_MAX || next > until)
		return 0;
	assert_true(next >= *now);
	if (next > *now + 1) {
		uint64_t probes[3] = { *now + 1, *now + (next - *now) / 2, next - 1 };
		size_t i;

		for (i = 0; i < 3; i++) {
			assert_int_equal(sched_due(p, s, probes[i], rnd), 0);
			assert_int_equal(sched_next(s), next);
		}
	}
	*now = next;
	e->t = next;
	e->what = sched_due(p, s, next, rnd);
	assert_int_not_equal(e->what, 0);
	/* Nothing is left due at the same instant. */
	assert_true(sched_next(s) > next);
	assert_int_equal(sched_due(p, s, next, rnd), 0);
	return 1;
}

/* Run until "until"; records the events. Returns how many. */
static size_t run(const struct sched_params *p, struct sched_if *s, uint64_t *now,
		  uint64_t until, uint32_t rnd, struct ev *out, size_t max)
{
	size_t n = 0;
	struct ev e;

	while (step(p, s, now, until, rnd, &e)) {
		assert_true(n < max);
		out[n++] = e;
	}
	return n;
}

/* Start at now and check the start-up burst; returns the time of the third
 * (last burst) announcement. */
static uint64_t check_burst(const struct sched_params *p, struct sched_if *s,
			    uint64_t start, uint32_t rnd_start, uint32_t rnd)
{
	uint64_t now = start, first;
	struct ev e;

	memset(s, 0, sizeof(*s));
	sched_start(p, s, start, rnd_start);
	assert_true(sched_next(s) >= start);
	assert_true(sched_next(s) <= start + p->start_delay_max_ms);
	if (start > 0)
		assert_int_equal(sched_due(p, s, start - 1, rnd), 0);

	assert_true(step(p, s, &now, UINT64_MAX - 1, rnd, &e));
	assert_true(e.t >= start && e.t <= start + p->start_delay_max_ms);
	assert_int_equal(e.what, A | S);
	first = e.t;

	assert_true(step(p, s, &now, UINT64_MAX - 1, rnd, &e));
	assert_int_equal(e.t, first + p->burst_spacing_ms);
	assert_int_equal(e.what, A | S);

	assert_true(step(p, s, &now, UINT64_MAX - 1, rnd, &e));
	assert_int_equal(e.t, first + 2 * p->burst_spacing_ms);
	assert_int_equal(e.what, A);
	return e.t;
}

static void bring_to_steady(const struct sched_params *p, struct sched_if *s, uint64_t *now)
{
	*now = check_burst(p, s, T0, 7, 0);
}

/* The figures below were chosen for a 30 s interval, 50 ms start delay and
 * no population scaling; the defaults and the scaling have their own tests. */
static void classic_params(struct sched_params *p)
{
	sched_params_default(p);
	p->interval_ms = 30000;
	p->start_delay_max_ms = 50;
	p->answer_delay_max_ms = 250;
	p->budget_pps = 0;
}

static void test_defaults(void **state)
{
	struct sched_params p;

	(void)state;
	memset(&p, 0xff, sizeof(p));
	sched_params_default(&p);
	assert_int_equal(p.interval_ms, 10000);
	assert_int_equal(p.jitter_pct, 10);
	assert_int_equal(p.burst, 3);
	assert_int_equal(p.burst_solicits, 2);
	assert_int_equal(p.burst_spacing_ms, 500);
	assert_int_equal(p.start_delay_max_ms, 10);
	assert_int_equal(p.answer_delay_max_ms, 200);
	assert_int_equal(p.answer_min_gap_ms, 1000);
	assert_int_equal(p.budget_pps, 20);
}

/* PROTOCOL.md section 8: LIFETIME = max(lifetime, ceil(3 x the longest
 * period)), at most 86400; the default lifetime is what three default
 * periods give, so the default is what is sent (issue 13, point 2). */
static void test_lifetime_rule(void **state)
{
	struct sched_params p;
	struct sched_if s;

	(void)state;
	sched_params_default(&p);
	memset(&s, 0, sizeof(s));
	assert_int_equal(SCHED_DEFAULT_LIFETIME_S, 33);
	assert_int_equal(sched_lifetime(&p, &s, 1), SCHED_DEFAULT_LIFETIME_S);
	assert_int_equal(sched_lifetime(&p, &s, SCHED_DEFAULT_LIFETIME_S), 33);
	/* A lifetime below three periods is raised to them... */
	assert_int_equal(sched_lifetime(&p, &s, 5), 33);
	/* ...one above is sent as it is. */
	assert_int_equal(sched_lifetime(&p, &s, 34), 34);
	assert_int_equal(sched_lifetime(&p, &s, 86400), 86400);
	/* The interval scales it: 3 x 22 s, and 3 x 1.1 s rounded up. */
	p.interval_ms = 20000;
	assert_int_equal(sched_lifetime(&p, &s, SCHED_DEFAULT_LIFETIME_S), 66);
	p.interval_ms = 1000;
	assert_int_equal(sched_lifetime(&p, &s, 1), 4);
	assert_int_equal(sched_lifetime(&p, &s, SCHED_DEFAULT_LIFETIME_S), 33);
	p.interval_ms = 3600000;
	assert_int_equal(sched_lifetime(&p, &s, 1), 11880);
}

static void test_burst_then_steady(void **state)
{
	static const uint32_t rnds[] = { 0, 1, 10, 20, 21, 49, 50, 51, 12345, 0x7fffffffu, 0xffffffffu };
	struct sched_params p;
	struct sched_if s;
	size_t i, j;

	(void)state;
	classic_params(&p);
	for (i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		uint64_t now = check_burst(&p, &s, T0, rnds[i], rnds[i]);
		struct ev e;

		/* Steady state: several announcements, no SOLICIT, each period
		 * within interval +/- 10 %. */
		for (j = 0; j < 6; j++) {
			uint64_t prev = now;

			assert_true(step(&p, &s, &now, UINT64_MAX - 1, rnds[i], &e));
			assert_int_equal(e.what, A);
			assert_true(e.t - prev >= 27000);
			assert_true(e.t - prev <= 33000);
		}
	}
}

static void test_start_delay_bounds(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint32_t r;
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)state;
	classic_params(&p);
	for (r = 0; r < 1000; r++) {
		memset(&s, 0, sizeof(s));
		sched_start(&p, &s, T0, r);
		assert_true(sched_next(&s) >= T0);
		assert_true(sched_next(&s) <= T0 + 50);
		if (sched_next(&s) < lo)
			lo = sched_next(&s);
		if (sched_next(&s) > hi)
			hi = sched_next(&s);
	}
	/* The delay is actually random over the range. */
	assert_true(lo <= T0 + 5);
	assert_true(hi >= T0 + 45);

	/* Starting at time 0 still schedules (0 must not mean "stopped"). */
	memset(&s, 0, sizeof(s));
	sched_start(&p, &s, 0, 0);
	assert_true(sched_next(&s) <= 50);
	(void)check_burst(&p, &s, 0, 0, 0);
}

static void test_jitter_spread(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, lo = UINT64_MAX, hi = 0;
	uint32_t r;
	struct ev e;

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	for (r = 0; r < 200; r++) {
		uint64_t prev = now, d;

		/* The period starts at the announcement that draws it. */
		assert_true(step(&p, &s, &now, UINT64_MAX - 1, r * 2654435761u, &e));
		assert_int_equal(e.what, A);
		if (r == 0)
			continue;	/* that period was drawn by the burst */
		d = e.t - prev;
		assert_true(d >= 27000 && d <= 33000);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	/* Hosts must drift apart: the periods cover most of the range. */
	assert_true(lo <= 27000 + 600);
	assert_true(hi >= 33000 - 600);
}

static void test_stop(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now;

	(void)state;
	classic_params(&p);

	/* Stopped during the burst. */
	memset(&s, 0, sizeof(s));
	sched_start(&p, &s, T0, 3);
	sched_stop(&s);
	assert_int_equal(sched_next(&s), UINT64_MAX);
	assert_int_equal(sched_due(&p, &s, T0, 0), 0);
	assert_int_equal(sched_due(&p, &s, T0 + 100, 0), 0);
	assert_int_equal(sched_due(&p, &s, T0 + 1000000, 0), 0);

	/* Stopped in steady state with an answer pending. */
	bring_to_steady(&p, &s, &now);
	sched_solicited(&p, &s, now + 100, 200);
	assert_true(sched_next(&s) <= now + 100 + 250);
	sched_stop(&s);
	assert_int_equal(sched_next(&s), UINT64_MAX);
	assert_int_equal(sched_due(&p, &s, now + 100 + 250, 0), 0);
	assert_int_equal(sched_due(&p, &s, now + 40000, 0), 0);
	assert_int_equal(sched_due(&p, &s, UINT64_MAX - 1, 0), 0);
	assert_int_equal(sched_next(&s), UINT64_MAX);

	/* Never started (zeroed). */
	memset(&s, 0, sizeof(s));
	assert_int_equal(sched_next(&s), UINT64_MAX);
	assert_int_equal(sched_due(&p, &s, T0, 0), 0);
}

static void test_restart(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now;

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	/* Address set changed / interface back: the burst runs again. */
	(void)check_burst(&p, &s, now + 1234, 5, 0);
	/* Also after a stop. */
	sched_stop(&s);
	(void)check_burst(&p, &s, now + 99999, 50, 0);
}

static void test_solicited_window(void **state)
{
	static const uint32_t rnds[] = { 0, 1, 125, 249, 250, 251, 0xffffffffu };
	struct sched_params p;
	struct sched_if s;
	size_t i;

	(void)state;
	classic_params(&p);
	for (i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		uint64_t now, regular, at, t;
		struct ev e;

		bring_to_steady(&p, &s, &now);
		regular = sched_next(&s);
		t = now + 5000;
		sched_solicited(&p, &s, t, rnds[i]);
		at = sched_next(&s);
		assert_true(at >= t);
		assert_true(at <= t + 250);
		now = t;
		assert_true(step(&p, &s, &now, UINT64_MAX - 1, 0, &e));
		assert_int_equal(e.t, at);
		assert_int_equal(e.what, A);
		/* The regular announcement is still where it was. */
		assert_int_equal(sched_next(&s), regular);
		assert_true(step(&p, &s, &now, UINT64_MAX - 1, 0, &e));
		assert_int_equal(e.t, regular);
		assert_int_equal(e.what, A);
	}
}

static void test_solicited_spread(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, t, lo = UINT64_MAX, hi = 0;
	uint32_t r;

	(void)state;
	classic_params(&p);
	for (r = 0; r < 500; r++) {
		bring_to_steady(&p, &s, &now);
		t = now + 3000;
		sched_solicited(&p, &s, t, r);
		assert_true(sched_next(&s) >= t && sched_next(&s) <= t + 250);
		if (sched_next(&s) - t < lo)
			lo = sched_next(&s) - t;
		if (sched_next(&s) - t > hi)
			hi = sched_next(&s) - t;
	}
	assert_true(lo <= 10);
	assert_true(hi >= 240);
}

static void test_second_solicit_does_not_move(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, at, t;
	struct ev ev[8];

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	t = now + 2000;
	sched_solicited(&p, &s, t, 200);
	at = sched_next(&s);
	assert_true(at >= t && at <= t + 250);
	/* Earlier, later, same: none moves the pending answer. */
	sched_solicited(&p, &s, t + 10, 0);
	assert_int_equal(sched_next(&s), at);
	sched_solicited(&p, &s, t + 20, 250);
	assert_int_equal(sched_next(&s), at);
	sched_solicited(&p, &s, t + 30, 17);
	assert_int_equal(sched_next(&s), at);
	/* And exactly one answer results. */
	now = t + 30;
	assert_int_equal(run(&p, &s, &now, t + 2000, 0, ev, 8), 1);
	assert_int_equal(ev[0].t, at);
	assert_int_equal(ev[0].what, A);
}

static void test_rate_limit(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, t, start, regular, answers[64];
	size_t nans = 0, i;
	uint32_t r = 1;
	struct ev e;

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	regular = sched_next(&s);
	start = now + 1000;
	/* A SOLICIT storm: one every 10 ms for 10 s, random delays. */
	for (t = start; t < start + 10000; t += 10) {
		struct ev got;

		while (step(&p, &s, &now, t, 0, &got)) {
			assert_int_equal(got.what, A);
			assert_true(nans < 64);
			answers[nans++] = got.t;
		}
		now = t;
		r = r * 1103515245u + 12345u;
		sched_solicited(&p, &s, t, r >> 8);
	}
	while (step(&p, &s, &now, start + 12000, 0, &e)) {
		assert_true(nans < 64);
		answers[nans++] = e.t;
	}
	assert_true(regular > start + 12000);
	/* Roughly one answer per second, never two within 1000 ms. */
	assert_true(nans >= 9);
	assert_true(nans <= 11);
	for (i = 1; i < nans; i++)
		assert_true(answers[i] - answers[i - 1] >= 1000);
	/* The storm never moved the regular announcement. */
	assert_int_equal(sched_next(&s), regular);
}

static void test_rate_limit_exact(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, t;
	struct ev e;

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	t = now + 4000;
	sched_solicited(&p, &s, t, 0);
	assert_int_equal(sched_next(&s), t);
	now = t;
	assert_true(step(&p, &s, &now, t, 0, &e));
	assert_int_equal(e.what, A);
	/* Next SOLICIT 10 ms later, no random delay: held to the gap. */
	sched_solicited(&p, &s, t + 10, 0);
	assert_int_equal(sched_next(&s), t + 1000);
	now = t + 10;
	assert_true(step(&p, &s, &now, UINT64_MAX - 1, 0, &e));
	assert_int_equal(e.t, t + 1000);
	assert_int_equal(e.what, A);
	/* After the gap has passed, the random delay alone applies. */
	sched_solicited(&p, &s, t + 3000, 100);
	assert_true(sched_next(&s) >= t + 3000 && sched_next(&s) <= t + 3250);
}

static void test_solicit_during_burst(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, first;
	struct ev ev[8];
	uint32_t r;

	(void)state;
	classic_params(&p);

	/* Before the first announcement (due within 50 ms): nothing extra,
	 * whatever the random number. */
	for (r = 0; r < 300; r += 7) {
		memset(&s, 0, sizeof(s));
		sched_start(&p, &s, T0, 50);
		sched_solicited(&p, &s, T0, r);
		assert_int_equal(sched_next(&s), T0 + 50);
	}
	now = T0;
	assert_int_equal(run(&p, &s, &now, T0 + 1100, 0, ev, 8), 3);
	assert_int_equal(ev[0].t, T0 + 50);
	assert_int_equal(ev[0].what, A | S);
	assert_int_equal(ev[1].t, T0 + 550);
	assert_int_equal(ev[1].what, A | S);
	assert_int_equal(ev[2].t, T0 + 1050);
	assert_int_equal(ev[2].what, A);

	/* 300 ms after the first, the second is 200 ms away: nothing extra. */
	memset(&s, 0, sizeof(s));
	sched_start(&p, &s, T0, 0);
	now = T0;
	assert_int_equal(run(&p, &s, &now, T0, 0, ev, 8), 1);
	first = ev[0].t;
	assert_int_equal(first, T0);
	sched_solicited(&p, &s, first + 300, 0);
	sched_solicited(&p, &s, first + 300, 250);
	assert_int_equal(sched_next(&s), first + 500);
	/* 250 ms exactly before the third: still nothing extra. */
	now = first + 300;
	assert_int_equal(run(&p, &s, &now, first + 500, 0, ev, 8), 1);
	assert_int_equal(ev[0].what, A | S);
	sched_solicited(&p, &s, first + 750, 0);
	assert_int_equal(sched_next(&s), first + 1000);
	now = first + 750;
	assert_int_equal(run(&p, &s, &now, first + 20000, 0, ev, 8), 1);
	assert_int_equal(ev[0].t, first + 1000);
	assert_int_equal(ev[0].what, A);

	/* 100 ms after the first, the second is 400 ms away: an answer is
	 * scheduled within the window (and the burst is unchanged). */
	memset(&s, 0, sizeof(s));
	sched_start(&p, &s, T0, 0);
	now = T0;
	assert_int_equal(run(&p, &s, &now, T0, 0, ev, 8), 1);
	sched_solicited(&p, &s, T0 + 100, 100);
	assert_true(sched_next(&s) >= T0 + 100 && sched_next(&s) <= T0 + 350);
	now = T0 + 100;
	assert_int_equal(run(&p, &s, &now, T0 + 1000, 0, ev, 8), 3);
	assert_true(ev[0].t >= T0 + 100 && ev[0].t <= T0 + 350);
	assert_int_equal(ev[0].what, A);
	assert_int_equal(ev[1].t, T0 + 500);
	assert_int_equal(ev[1].what, A | S);
	assert_int_equal(ev[2].t, T0 + 1000);
	assert_int_equal(ev[2].what, A);
}

static void test_announcement_cancels_answer(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, regular, t;
	struct ev ev[8];

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	regular = sched_next(&s);
	/* Answer would be due 150 ms after the regular announcement. */
	t = regular - 100;
	sched_solicited(&p, &s, t, 250);
	assert_int_equal(sched_next(&s), regular);
	now = t;
	assert_int_equal(run(&p, &s, &now, regular + 26000, 0, ev, 8), 1);
	assert_int_equal(ev[0].t, regular);
	assert_int_equal(ev[0].what, A);
	assert_true(sched_next(&s) >= regular + 27000);

	/* Same with an announce_now. */
	t = now + 2000;
	sched_solicited(&p, &s, t, 250);
	assert_true(sched_next(&s) > t);
	sched_announce_now(&s, t);
	assert_int_equal(sched_next(&s), t);
	now = t;
	assert_int_equal(run(&p, &s, &now, t + 26000, 0, ev, 8), 1);
	assert_int_equal(ev[0].t, t);
	assert_int_equal(ev[0].what, A);
}

static void test_solicited_stopped(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now;

	(void)state;
	classic_params(&p);
	memset(&s, 0, sizeof(s));
	sched_solicited(&p, &s, T0, 100);
	assert_int_equal(sched_next(&s), UINT64_MAX);
	assert_int_equal(sched_due(&p, &s, T0 + 100, 0), 0);
	assert_int_equal(sched_due(&p, &s, T0 + 5000, 0), 0);

	bring_to_steady(&p, &s, &now);
	sched_stop(&s);
	sched_solicited(&p, &s, now + 10, 0);
	assert_int_equal(sched_next(&s), UINT64_MAX);
	assert_int_equal(sched_due(&p, &s, now + 10, 0), 0);
	assert_int_equal(sched_due(&p, &s, now + 2000, 0), 0);
}

static void test_announce_now(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, t;
	struct ev e;

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	t = now + 7000;
	assert_true(sched_next(&s) > t);
	sched_announce_now(&s, t);
	assert_int_equal(sched_next(&s), t);
	now = t;
	assert_true(step(&p, &s, &now, t, 0, &e));
	assert_int_equal(e.t, t);
	assert_int_equal(e.what, A);
	/* Then a regular period follows. */
	assert_true(step(&p, &s, &now, UINT64_MAX - 1, 0, &e));
	assert_int_equal(e.what, A);
	assert_true(e.t - t >= 27000 && e.t - t <= 33000);

	/* On a stopped interface it does nothing. */
	sched_stop(&s);
	sched_announce_now(&s, now + 5);
	assert_int_equal(sched_next(&s), UINT64_MAX);
	assert_int_equal(sched_due(&p, &s, now + 5, 0), 0);
}

/* A changed address set: the burst again, without its SOLICITs. */
static void test_restart_quiet(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now;
	struct ev ev[8];
	size_t i;

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	assert_true(sched_on_wire(&p, &s));
	sched_restart_quiet(&p, &s, now + 100, 0);
	assert_false(sched_on_wire(&p, &s));
	assert_int_equal(sched_next(&s), now + 100);
	now += 100;
	assert_int_equal(run(&p, &s, &now, now + 2000, 0, ev, 8), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(ev[i].what, A);
	assert_true(sched_on_wire(&p, &s));
	sched_stop(&s);
	assert_true(sched_on_wire(&p, &s));
}

/* After an address change the new set goes at once and twice more 500 ms
 * apart, even on a busy link: one host's change is not a mass restart,
 * and neighbours must not keep the old set (issue 13, point 10). */
static void test_restart_quiet_busy_link(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, t0;
	struct ev ev[8];
	size_t i;
	int k;

	(void)state;
	sched_params_default(&p);
	memset(&s, 0, sizeof(s));
	sched_set_population(&s, 299);	/* a 15 s period */
	sched_start(&p, &s, T0, 0);
	now = T0;
	assert_int_equal(run(&p, &s, &now, T0 + 1000, 0, ev, 8), 3);
	t0 = now + 3000;
	sched_restart_quiet(&p, &s, t0, 0);
	for (k = 0; k < 50; k++)
		sched_heard(&s);	/* the link is busy */
	now = t0;
	assert_int_equal(run(&p, &s, &now, t0 + 1200, 0, ev, 8), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ev[i].t, t0 + 500 * i);
		assert_int_equal(ev[i].what, A);
	}
	/* A SOLICIT during it is answered as on a quiet link (W = 200 ms). */
	sched_set_population(&s, 0);
	sched_restart_quiet(&p, &s, t0 + 5000, 0);
	for (k = 0; k < 50; k++)
		sched_heard(&s);
	now = t0 + 5000;
	assert_int_equal(run(&p, &s, &now, t0 + 5000, 0, ev, 8), 1);
	sched_solicited(&p, &s, t0 + 5100, 50);
	assert_int_equal(sched_next(&s), t0 + 5150);
}

/* "A start-up ANNOUNCE due within the answer window" means the window W
 * itself (200 ms, wider on a big link), not the delay drawn (issue 13,
 * point 11): a SOLICIT with our next burst ANNOUNCE due within W gets no
 * separate answer, whatever the draw; one due later gets one. */
static void test_suppression_window(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now;
	struct ev ev[8];

	(void)state;
	sched_params_default(&p);
	memset(&s, 0, sizeof(s));
	sched_set_population(&s, 199);	/* W = 200 / 400 s = 500 ms */
	sched_start(&p, &s, T0, 0);
	now = T0;
	assert_int_equal(run(&p, &s, &now, T0, 0, ev, 8), 1);
	/* The second burst ANNOUNCE is 400 ms away, within W: no answer. */
	sched_solicited(&p, &s, T0 + 100, 0);
	assert_int_equal(s.answer_at, 0);
	assert_int_equal(sched_next(&s), T0 + 500);
	/* At the default population W is 200 ms: 400 ms away is beyond it. */
	sched_set_population(&s, 0);
	sched_solicited(&p, &s, T0 + 100, 0);
	assert_int_equal(s.answer_at, T0 + 100);
	/* 200 ms away exactly is within it, whatever the draw. */
	memset(&s, 0, sizeof(s));
	sched_start(&p, &s, T0, 0);
	now = T0;
	assert_int_equal(run(&p, &s, &now, T0, 0, ev, 8), 1);
	sched_solicited(&p, &s, T0 + 300, 0);
	assert_int_equal(s.answer_at, 0);
	sched_solicited(&p, &s, T0 + 299, 0);
	assert_int_equal(s.answer_at, T0 + 299);
}

/* Defending our name: at once, at most once per gap, not held back by a
 * pending SOLICIT answer, and any ANNOUNCE serves as one. */
static void test_defend(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now, t;

	(void)state;
	classic_params(&p);
	bring_to_steady(&p, &s, &now);
	t = now + 3000;
	sched_defend(&p, &s, t);
	assert_int_equal(sched_next(&s), t);
	assert_int_equal(sched_due(&p, &s, t, 0), A);
	/* The next one waits for the gap; two requests make one defence. */
	sched_defend(&p, &s, t + 10);
	sched_defend(&p, &s, t + 20);
	assert_int_equal(sched_next(&s), t + p.defend_min_gap_ms);
	assert_int_equal(sched_due(&p, &s, t + p.defend_min_gap_ms - 1, 0), 0);
	assert_int_equal(sched_due(&p, &s, t + p.defend_min_gap_ms, 0), A);
	/* A SOLICIT answer held back a second by the answer gap does not
	 * delay it. */
	sched_solicited(&p, &s, t + 300, 0);
	assert_int_equal(sched_due(&p, &s, t + 300, 0), A);
	sched_solicited(&p, &s, t + 350, 0);
	assert_int_equal(sched_next(&s), t + 300 + p.answer_min_gap_ms);
	sched_defend(&p, &s, t + 600);
	assert_int_equal(sched_next(&s), t + 600);
	assert_int_equal(sched_due(&p, &s, t + 600, 0), A);
	/* ...and it answered the SOLICIT too. */
	assert_true(sched_next(&s) > t + 600 + 20000);
	/* On a stopped interface: nothing. */
	sched_stop(&s);
	sched_defend(&p, &s, t + 5000);
	assert_int_equal(sched_next(&s), UINT64_MAX);
}

/* Steady period and lifetime grow with the link's population so that the
 * whole link stays within budget_pps; small links keep the interval. */
static void test_population_scaling(void **state)
{
	struct sched_params p;
	struct sched_if s;
	uint64_t now = T0, t;
	int i;

	(void)state;
	sched_params_default(&p);
	memset(&s, 0, sizeof(s));
	assert_int_equal(sched_base_period(&p, &s), 10000);
	sched_set_population(&s, 50);
	assert_int_equal(sched_base_period(&p, &s), 10000);	/* 51 / 20 pps < 10 s */
	sched_set_population(&s, 999);
	assert_int_equal(sched_base_period(&p, &s), 50000);	/* 1000 senders / 20 pps */
	sched_set_population(&s, 9999);
	assert_int_equal(sched_base_period(&p, &s), 500000);
	/* Lifetime: three of the longest jittered periods, never below min. */
	assert_int_equal(sched_lifetime(&p, &s, 30), 3 * 550);
	sched_set_population(&s, 0);
	assert_int_equal(sched_lifetime(&p, &s, 30), 33);
	assert_int_equal(sched_lifetime(&p, &s, 120), 120);
	sched_set_population(&s, 2000000);
	assert_int_equal(sched_lifetime(&p, &s, 30), 86400);

	/* Steady announcements at population 999 come every 45-55 s. */
	sched_set_population(&s, 999);
	sched_start(&p, &s, now, 0);
	for (i = 0; i < 3; i++) {
		now = sched_next(&s);
		assert_true(sched_due(&p, &s, now, 7) & SCHED_ANNOUNCE);
	}
	for (i = 0; i < 5; i++) {
		t = sched_next(&s);
		assert_true(t - now >= 45000 && t - now <= 55000);
		now = t;
		assert_true(sched_due(&p, &s, now, (uint32_t)i * 7919u) & SCHED_ANNOUNCE);
	}
	/* Without a budget, no scaling. */
	p.budget_pps = 0;
	assert_int_equal(sched_base_period(&p, &s), 10000);
}

/* A start-up that hears the link busy (a mass restart) holds back and
 * stops soliciting; a quiet link sees it at once. */
static void test_reconsideration(void **state)
{
	struct sched_params p;
	struct sched_if s;
	unsigned int what;
	uint64_t t;
	int i;

	(void)state;
	sched_params_default(&p);
	memset(&s, 0, sizeof(s));
	/* Quiet link: the first announcement goes within 10 ms, with a SOLICIT. */
	sched_start(&p, &s, T0, 5);
	assert_int_equal(sched_next(&s), T0 + 5);
	assert_int_equal(sched_due(&p, &s, T0 + 5, 0), SCHED_ANNOUNCE | SCHED_SOLICIT);

	/* A few start-up announcements heard change nothing. */
	sched_start(&p, &s, T0, 5);
	for (i = 0; i < 3; i++)
		sched_heard(&s);
	assert_int_equal(sched_due(&p, &s, T0 + 5, 0), SCHED_ANNOUNCE | SCHED_SOLICIT);

	/* Busy (203 heard) with 199 neighbours known: our turn is a random
	 * point within [0.5, 1.5] of the 10 s period they give. */
	sched_start(&p, &s, T0, 5);
	sched_set_population(&s, 199);
	for (i = 0; i < 203; i++)
		sched_heard(&s);
	assert_int_equal(sched_due(&p, &s, T0 + 5, 0), 0);
	t = sched_next(&s);
	assert_true(t >= T0 + 5000 && t <= T0 + 15000);
	assert_int_equal(sched_due(&p, &s, t - 1, 0), 0);
	/* Hearing ever more does not push it back (no starvation)... */
	for (i = 0; i < 100000; i++)
		sched_heard(&s);
	/* ...and when it goes, no SOLICIT: the link already teaches us. */
	what = sched_due(&p, &s, T0 + 15000, 0);
	assert_int_equal(what, SCHED_ANNOUNCE);
	/* The whole burst is out within 1.5 periods and its spacing. */
	while ((t = sched_next(&s)) < T0 + 16000 + 2 * 500)
		if (sched_due(&p, &s, t, 0) == 0 && sched_next(&s) == t)
			fail_msg("stuck at %llu", (unsigned long long)t);
	assert_int_equal(s.burst_left, 0);
	/* Once settled, "busy" is forgotten: the lifetime is three periods. */
	assert_int_equal(s.heard, 0);
	assert_int_equal(sched_lifetime(&p, &s, 30), 33);

	/* In a busy start-up, a SOLICIT gets no separate answer: the held
	 * back burst answers it in turn (answering now is the flood). */
	memset(&s, 0, sizeof(s));
	sched_start(&p, &s, T0, 100);
	for (i = 0; i < 10; i++)
		sched_heard(&s);
	sched_solicited(&p, &s, T0 + 2000, 0);
	assert_int_equal(s.answer_at, 0);

	/* A SOLICIT on a big link is answered within population / (10 * budget). */
	sched_start(&p, &s, T0, 0);
	sched_set_population(&s, 9999);
	s.burst_left = 0;
	s.next_announce = T0 + 1000000;
	sched_solicited(&p, &s, T0, 0xffffffffu);
	assert_true(s.answer_at > T0 + 250);
	assert_true(s.answer_at <= T0 + 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lifetime_rule),
		cmocka_unit_test(test_burst_then_steady),
		cmocka_unit_test(test_start_delay_bounds),
		cmocka_unit_test(test_jitter_spread),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_solicited_window),
		cmocka_unit_test(test_solicited_spread),
		cmocka_unit_test(test_second_solicit_does_not_move),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_rate_limit_exact),
		cmocka_unit_test(test_solicit_during_burst),
		cmocka_unit_test(test_announcement_cancels_answer),
		cmocka_unit_test(test_solicited_stopped),
		cmocka_unit_test(test_announce_now),
		cmocka_unit_test(test_population_scaling),
		cmocka_unit_test(test_restart_quiet),
		cmocka_unit_test(test_restart_quiet_busy_link),
		cmocka_unit_test(test_suppression_window),
		cmocka_unit_test(test_defend),
		cmocka_unit_test(test_reconsideration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
