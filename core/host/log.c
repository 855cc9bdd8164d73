// SPDX-License-Identifier: MIT
#include "core/host/log.h"
#include "core/host/console.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"

static enum log_level current_level = LOG_INFO;
/*
 * One lock around each call's output, so lines from several CPUs never
 * interleave mid-line (callers print whole lines). With a CPU hook set
 * (core/host/smp.c, once APs run), the owner is remembered: a CPU that
 * faults while printing reaches the panic path holding the lock, and
 * must not wait for itself. Once log_seize_lock() has broken it (a panic,
 * the other CPUs stopped by NMI, one of them holding it) nobody locks.
 */
static struct spinlock console_lock = SPINLOCK_INIT;
static unsigned int (*cpu_hook)(void);
static volatile int lock_owner = -1;
static volatile bool lock_broken;

static const char *const level_prefix[] = {
	[LOG_ERROR] = "mhv: error: ",
	[LOG_WARN] = "mhv: warning: ",
	[LOG_INFO] = "mhv: ",
	[LOG_DEBUG] = "mhv: debug: ",
};

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_set_cpu_hook(unsigned int (*this_cpu_index)(void))
{
	cpu_hook = this_cpu_index;
}

bool log_seize_lock(bool (*give_up)(void))
{
	int me;

	if (!cpu_hook) {
		lock_broken = true; /* one CPU: nobody else prints */
		return false;
	}
	me = (int)cpu_hook();
	if (__atomic_load_n(&lock_owner, __ATOMIC_RELAXED) == me)
		return true;
	while (!spin_trylock(&console_lock)) {
		if (give_up()) {
			lock_broken = true;
			return false;
		}
		__builtin_ia32_pause();
	}
	lock_owner = me;
	return true;
}

/* Returns whether the lock was taken (and must be dropped). */
static bool console_lock_take(void)
{
	int me;

	if (lock_broken)
		return false;
	if (!cpu_hook) {
		spin_lock(&console_lock);
		return true;
	}
	me = (int)cpu_hook();
	if (__atomic_load_n(&lock_owner, __ATOMIC_RELAXED) == me)
		return false;
	spin_lock(&console_lock);
	lock_owner = me;
	return true;
}

static void console_lock_drop(bool taken)
{
	if (!taken)
		return;
	lock_owner = -1;
	spin_unlock(&console_lock);
}

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

void console_vprintf(const char *fmt, va_list ap)
{
	bool taken = console_lock_take();

	fmt_vformat(console_sink, NULL, fmt, ap);
	console_lock_drop(taken);
}

void console_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
}

void log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	unsigned int cpu = cpu_hook ? cpu_hook() : 0;
	bool taken;

	if (level > current_level)
		return;
	taken = console_lock_take();
	for (const char *p = level_prefix[level]; *p; p++)
		console_putc(*p);
	/* APs say who they are; the boot CPU's lines look as they always did. */
	if (cpu) {
		console_putc('c');
		console_putc('p');
		console_putc('u');
		if (cpu >= 10)
			console_putc((char)('0' + cpu / 10 % 10));
		console_putc((char)('0' + cpu % 10));
		console_putc(':');
		console_putc(' ');
	}
	fmt_vformat(console_sink, NULL, fmt, ap);
	console_lock_drop(taken);
}

void log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}
