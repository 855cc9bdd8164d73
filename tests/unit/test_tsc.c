// SPDX-License-Identifier: MIT
/*
 * The arithmetic of the TSC measurement (core/host/tsc.c): PIT ticks from
 * a latched channel 2 count and its OUT line, and the rate from ticks and
 * a TSC delta. The port accesses themselves only run on a machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/host/tsc.h"

#define PIT_HZ 1193182ULL

static void test_ticks_count_down_from_full(void **state)
{
	(void)state;
	assert_int_equal(pit_ticks_elapsed(PIT_FULL_COUNT, false), 0);
	assert_int_equal(pit_ticks_elapsed(PIT_FULL_COUNT - 1194, false), 1194);
	/* Zero latched with OUT still low: the whole count, not lost. */
	assert_int_equal(pit_ticks_elapsed(0, false), PIT_FULL_COUNT);
}

/*
 * Mode 0 keeps counting past zero (0xffff, 0xfffe, ...): once OUT is high
 * a latched count of a few ticks is a wrapped one, and must not pass for
 * a measurement.
 */
static void test_out_high_loses_the_window(void **state)
{
	(void)state;
	assert_true(pit_ticks_elapsed(PIT_FULL_COUNT - 15, true) < 0);
	assert_true(pit_ticks_elapsed(0, true) < 0);
	assert_true(pit_ticks_elapsed(PIT_FULL_COUNT, true) < 0);
}

static void test_rate_from_pit(void **state)
{
	uint64_t tsc0 = 123456789;
	/* 2.5 GHz over the full count (54.9 ms), TSC delta rounded down. */
	uint64_t delta = 2500000000ULL * PIT_FULL_COUNT / PIT_HZ;
	uint64_t rate = rate_from_pit(tsc0, tsc0 + delta, PIT_FULL_COUNT);

	(void)state;
	/* Off by at most the TSC delta's rounding: PIT_HZ / 65535 Hz. */
	assert_true(rate <= 2500000000ULL);
	assert_true(rate >= 2500000000ULL - PIT_HZ / PIT_FULL_COUNT - 1);
	/* 1 GHz over the 1 ms minimum (1194 ticks). */
	delta = 1000000000ULL * 1194 / PIT_HZ;
	rate = rate_from_pit(0, delta, 1194);
	assert_true(rate <= 1000000000ULL);
	assert_true(rate >= 1000000000ULL - PIT_HZ / 1194 - 1);
	/* One tick more counted: the rate falls by about 1/1194 (0.08%). */
	assert_true(rate_from_pit(0, delta, 1195) < rate - rate / 1300);
}

static void test_rate_refuses_what_tells_nothing(void **state)
{
	(void)state;
	assert_int_equal(rate_from_pit(1000, 5000, 0), 0);
	assert_int_equal(rate_from_pit(5000, 5000, 1194), 0);
	/* A TSC that went backwards (another CPU's, a reset). */
	assert_int_equal(rate_from_pit(5000, 1000, 1194), 0);
	/* A rate that does not fit in 64 bits: not a wrapped value. */
	assert_int_equal(rate_from_pit(0, UINT64_MAX / 2, 1), 0);
	/* 10 GHz over the full count fits. */
	assert_int_equal(rate_from_pit(0, 10000000000ULL * 65535 / PIT_HZ,
				       PIT_FULL_COUNT) /
				 1000000,
			 9999);
}

/*
 * Hosted, nothing was started: finishing touches no port (which would
 * fault here) and the rate stays the 1 GHz fallback, however often asked.
 */
static void test_finish_without_start_is_a_no_op(void **state)
{
	(void)state;
	tsc_calibrate_finish();
	tsc_calibrate_finish();
	assert_int_equal(tsc_hz(), 1000000000ULL);
	/* 3.579545 MHz per 1 GHz tick, 32.32. */
	assert_int_equal(tsc_ratio_32(3579545),
			 (3579545ULL << 32) / 1000000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks_count_down_from_full),
		cmocka_unit_test(test_out_high_loses_the_window),
		cmocka_unit_test(test_rate_from_pit),
		cmocka_unit_test(test_rate_refuses_what_tells_nothing),
		cmocka_unit_test(test_finish_without_start_is_a_no_op),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
