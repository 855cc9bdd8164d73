// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/check.h"

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: invariant broken: %s\n  ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
