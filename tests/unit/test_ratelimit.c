/* Unit tests for per-source token buckets (src/ratelimit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "ratelimit.h"

static struct in6_addr addr(unsigned int n)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0xfe;
	a.s6_addr[1] = 0x80;
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static void test_burst_then_refill(void **state)
{
	struct ratelimit *r = ratelimit_new(4, 10000);
	struct in6_addr a = addr(1);
	int i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < 4; i++)
		assert_true(ratelimit_allow(r, &a, 2, 1000));
	assert_false(ratelimit_allow(r, &a, 2, 1000));
	assert_false(ratelimit_allow(r, &a, 2, 10999));
	/* One token per 10 s. */
	assert_true(ratelimit_allow(r, &a, 2, 11000));
	assert_false(ratelimit_allow(r, &a, 2, 11000));
	/* A long silence refills to the burst, not beyond. */
	for (i = 0; i < 4; i++)
		assert_true(ratelimit_allow(r, &a, 2, 1000000));
	assert_false(ratelimit_allow(r, &a, 2, 1000000));
	ratelimit_free(r);
}

static void test_sources_are_separate(void **state)
{
	struct ratelimit *r = ratelimit_new(1, 10000);
	struct in6_addr a = addr(1), b = addr(2);

	(void)state;
	assert_true(ratelimit_allow(r, &a, 2, 5));
	assert_false(ratelimit_allow(r, &a, 2, 5));
	assert_true(ratelimit_allow(r, &b, 2, 5));
	/* Same address on another interface is another source. */
	assert_true(ratelimit_allow(r, &a, 3, 5));
	assert_false(ratelimit_allow(r, &a, 2, 6));
	ratelimit_free(r);
}

static void test_bounded_table(void **state)
{
	struct ratelimit *r = ratelimit_new(1, 10000);
	struct in6_addr a = addr(1);
	unsigned int i;

	(void)state;
	assert_true(ratelimit_allow(r, &a, 2, 1));
	assert_false(ratelimit_allow(r, &a, 2, 2));
	/* More sources than slots: the least recently used slot is reused,
	 * so memory stays fixed; the forgotten source starts afresh. */
	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		struct in6_addr b = addr(1000 + i);

		assert_true(ratelimit_allow(r, &b, 2, 3 + i));
	}
	assert_true(ratelimit_allow(r, &a, 2, 10 + RATELIMIT_SLOTS));
	ratelimit_free(r);
}

static void test_bad_params(void **state)
{
	(void)state;
	assert_null(ratelimit_new(0, 10));
	assert_null(ratelimit_new(1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_sources_are_separate),
		cmocka_unit_test(test_bounded_table),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
