// SPDX-License-Identifier: MIT
#include "guest.h"

/* kvm-unit-tests-style result lines and the final SUMMARY. */
static unsigned int tests, failures, xfailed, skipped;

static void report_line(const char *prefix, const char *fmt, va_list ap)
{
	puts(prefix);
	vprintf(fmt, ap);
	puts("\n");
}

void report(bool pass, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!pass)
		failures++;
	va_start(ap, fmt);
	report_line(pass ? "PASS: " : "FAIL: ", fmt, ap);
	va_end(ap);
}

void report_xfail(bool xfail, bool pass, const char *fmt, ...)
{
	const char *prefix;
	va_list ap;

	tests++;
	if (xfail) {
		prefix = pass ? "XPASS: " : "XFAIL: ";
		if (pass)
			failures++;
		else
			xfailed++;
	} else {
		prefix = pass ? "PASS: " : "FAIL: ";
		if (!pass)
			failures++;
	}
	va_start(ap, fmt);
	report_line(prefix, fmt, ap);
	va_end(ap);
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	tests++;
	skipped++;
	va_start(ap, fmt);
	report_line("SKIP: ", fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line("INFO: ", fmt, ap);
	va_end(ap);
}

int report_summary(void)
{
	printf("SUMMARY: %u tests, %u unexpected failures", tests, failures);
	if (xfailed)
		printf(", %u expected failures", xfailed);
	if (skipped)
		printf(", %u skipped", skipped);
	puts("\n");
	if (failures)
		return 1;
	return tests && skipped == tests ? 77 : 0;
}
