/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_FUZZ_CHECK_H
#define MHV_TESTS_FUZZ_CHECK_H

/*
 * Invariant checks for the fuzz harnesses. A broken invariant must stop
 * the run as a crash does, so that libFuzzer keeps the input as a
 * reproducer: it prints where and why, then aborts.
 */
#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond))                                               \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

__attribute__((noreturn, format(printf, 4, 5))) void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...);

#endif
