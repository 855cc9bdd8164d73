// SPDX-License-Identifier: MIT
/*
 * The console lock as the panic path uses it (core/host/log.c): a panic
 * takes the lock over once it is free and keeps it, so its lines never
 * interleave with another CPU's; a lock that stays held (its owner was
 * stopped mid-line) is broken after the wait. log.c keeps its state in
 * statics, so the steps run in one test, in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/host/log.h"

static char out[4096];
static size_t out_len;
static unsigned int cpu_now;
static unsigned int give_up_calls;

void console_putc(char c)
{
	if (out_len + 1 < sizeof(out))
		out[out_len++] = c;
	out[out_len] = '\0';
}

static unsigned int this_cpu(void)
{
	return cpu_now;
}

static bool give_up_after_3(void)
{
	return ++give_up_calls >= 3;
}

static bool never_give_up(void)
{
	fail_msg("the lock was free: nothing to wait for");
	return true;
}

static void test_seize_then_break(void **state)
{
	(void)state;
	log_set_cpu_hook(this_cpu);

	/* APs name themselves; the boot CPU's lines stay as they were. */
	cpu_now = 2;
	pr_info("from an AP\n");
	cpu_now = 0;
	pr_info("from the BSP\n");
	assert_string_equal(out, "mhv: cpu2: from an AP\nmhv: from the BSP\n");

	/* A free lock is taken and kept; its owner prints on, twice over. */
	assert_true(log_seize_lock(never_give_up));
	assert_true(log_seize_lock(never_give_up));
	out_len = 0;
	console_printf("PANIC %d\n", 1);
	assert_string_equal(out, "PANIC 1\n");

	/* Held by CPU 0 for good: CPU 1 waits until told to give up. */
	cpu_now = 1;
	assert_false(log_seize_lock(give_up_after_3));
	assert_int_equal(give_up_calls, 3);
	/* Broken now: every CPU prints without it. */
	out_len = 0;
	pr_err("after the break\n");
	assert_string_equal(out, "mhv: error: cpu1: after the break\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seize_then_break),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
