/* SPDX-License-Identifier: MIT */
#ifndef MHV_LIB_FMT_H
#define MHV_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/compiler.h"

/*
 * Formatted printing without libc: the one engine behind the console, the
 * log and snprintf. Supports %d %i %u %x %X %o %c %s %p %%, the l/ll/z/h/hh
 * length modifiers, the '-', '0' and '#' flags and a field width (also '*').
 * Prefixed with fmt_ so hosted tests can link against libc at the same time.
 */
typedef void (*fmt_sink_fn)(void *ctx, char c);

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/*
 * The parsers' refusal: format the reason into err (when there is room)
 * and return -1.
 */
int fmt_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
