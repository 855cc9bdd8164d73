/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_LOG_H
#define MHV_CORE_HOST_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "boot/cmdline.h"
#include "lib/compiler.h"

/*
 * Every hypervisor line starts with "mhv: " (errors and warnings say so
 * next), so that hypervisor output can be told apart from guest output on
 * the shared serial console.
 */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_write(enum log_level level, const char *fmt, ...) __printf(2, 3);
void log_vwrite(enum log_level level, const char *fmt, va_list ap);
/* Raw console output: no prefix, no level filter. */
void console_printf(const char *fmt, ...) __printf(1, 2);
void console_vprintf(const char *fmt, va_list ap);

/*
 * Once several CPUs run: how log.c learns which CPU prints (lines of CPUs
 * other than 0 say "cpuN: " after the prefix; the console lock knows its
 * owner). NULL, the default, is one CPU.
 */
void log_set_cpu_hook(unsigned int (*this_cpu_index)(void));
/*
 * For a panic: take the console lock for good once the CPU printing now
 * has finished its line, so the panic's lines never interleave with
 * another CPU's (that one waits for the lock, then its stop NMI). A CPU
 * stopped while it held the lock never gives it back: when give_up()
 * says so the lock is broken instead. Returns whether it was taken.
 */
bool log_seize_lock(bool (*give_up)(void));

#define pr_err(...) log_write(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

#endif
