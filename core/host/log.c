// SPDX-License-Identifier: MIT
#include "core/host/log.h"
#include "core/host/console.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"

static enum log_level current_level = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;

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

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

void console_vprintf(const char *fmt, va_list ap)
{
	spin_lock(&console_lock);
	fmt_vformat(console_sink, NULL, fmt, ap);
	spin_unlock(&console_lock);
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
	if (level > current_level)
		return;
	spin_lock(&console_lock);
	for (const char *p = level_prefix[level]; *p; p++)
		console_putc(*p);
	fmt_vformat(console_sink, NULL, fmt, ap);
	spin_unlock(&console_lock);
}

void log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}
