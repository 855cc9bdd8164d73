/* SPDX-License-Identifier: MIT */
#ifndef MHV_LIB_ASSERT_H
#define MHV_LIB_ASSERT_H

#include "lib/compiler.h"

/*
 * Assertions stay on in every build: a hypervisor that continues past a
 * broken invariant can corrupt a guest silently. The environment (core/
 * in the kernel, the test harness on the host) supplies assert_failed().
 */
__noreturn void assert_failed(const char *expr, const char *file, int line);

#define ASSERT(cond)                                              \
	do {                                                      \
		if (unlikely(!(cond)))                            \
			assert_failed(#cond, __FILE__, __LINE__); \
	} while (0)

#define BUILD_ASSERT(cond) _Static_assert(cond, #cond)

#endif
