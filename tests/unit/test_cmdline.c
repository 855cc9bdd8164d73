// SPDX-License-Identifier: MIT
/*
 * Command line parsing: every accepted form, and every refusal with its
 * message and the guarantee that a refused line leaves the options as
 * they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "boot/cmdline.h"

static struct mhv_options opt;
static char err[128];

static int setup(void **state)
{
	(void)state;
	memset(&opt, 0x5a, sizeof(opt));
	cmdline_defaults(&opt);
	memset(err, 'X', sizeof(err)); /* must be overwritten */
	return 0;
}

static int parse(const char *line)
{
	return cmdline_parse(line, &opt, err, sizeof(err));
}

static void assert_defaults(const struct mhv_options *o)
{
	assert_int_equal(o->serial.base, 0x3f8);
	assert_int_equal(o->serial.space, UART_PIO);
	assert_int_equal(o->serial.baud, 115200);
	assert_false(o->serial_given);
	assert_int_equal(o->console, 0);
	assert_int_equal(o->loglevel, LOG_INFO);
	assert_int_equal(o->exit_mode, EXIT_AUTO);
	assert_int_equal(o->selftest, SELFTEST_NONE);
	assert_int_equal(o->cpus, 0);
	assert_string_equal(o->tdx, "");
}

/* line is refused, err contains want, opt is unchanged. */
static void assert_refused(const char *line, const char *want)
{
	struct mhv_options before = opt;

	assert_int_equal(parse(line), -1);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (!strstr(err, want))
		fail_msg("'%s': err '%s' lacks '%s'", line, err, want);
	assert_memory_equal(&before, &opt, sizeof(opt));
}

static void test_defaults(void **state)
{
	(void)state;
	assert_defaults(&opt);
}

static void test_empty_and_null(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_string_equal(err, "");
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse("   \t  "), 0);
	assert_defaults(&opt);
	/* No error buffer at all is fine too. */
	assert_int_equal(cmdline_parse("serial=com2", &opt, NULL, 0), 0);
	assert_int_equal(opt.serial.base, 0x2f8);
	assert_int_equal(cmdline_parse("bogus", &opt, NULL, 0), -1);
	assert_int_equal(cmdline_parse("bogus", &opt, err, 0), -1);
	assert_int_equal(err[0], '\0'); /* from the successful parse above */
}

static void test_serial_names(void **state)
{
	static const struct {
		const char *line;
		uint16_t port;
	} cases[] = {
		{"serial=com1", 0x3f8},
		{"serial=com2", 0x2f8},
		{"serial=com3", 0x3e8},
		{"serial=com4", 0x2e8},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		opt.serial.base = 0;
		assert_int_equal(parse(cases[i].line), 0);
		assert_int_equal(opt.serial.base, cases[i].port);
	}
}

static void test_serial_hex(void **state)
{
	(void)state;
	assert_int_equal(parse("serial=0x2f8"), 0);
	assert_int_equal(opt.serial.base, 0x2f8);
	assert_int_equal(parse("serial=0X3E8"), 0);
	assert_int_equal(opt.serial.base, 0x3e8);
	assert_int_equal(parse("serial=0x1"), 0);
	assert_int_equal(opt.serial.base, 1);
	assert_int_equal(parse("serial=0xfff8"), 0);
	assert_int_equal(opt.serial.base, 0xfff8);
	assert_int_equal(parse("serial=0xFfF0"), 0);
	assert_int_equal(opt.serial.base, 0xfff0);
	assert_true(opt.serial_given);
	assert_int_equal(opt.serial.space, UART_PIO);
	assert_int_equal(opt.serial.baud, 115200);
	/* The UART's eight registers must not run past port 0xffff. */
	assert_refused("serial=0xfff9", "bad value for serial: '0xfff9'");
	assert_refused("serial=0xffff", "bad value for serial: '0xffff'");
	/* Leading zeros do not overflow. */
	assert_int_equal(parse("serial=0x0000000000000000000000002e8"), 0);
	assert_int_equal(opt.serial.base, 0x2e8);
}

static void test_serial_baud(void **state)
{
	(void)state;
	assert_int_equal(parse("serial=com2,9600"), 0);
	assert_int_equal(opt.serial.base, 0x2f8);
	assert_int_equal(opt.serial.baud, 9600);
	assert_int_equal(parse("serial=0x2e8,115200"), 0);
	assert_int_equal(opt.serial.base, 0x2e8);
	assert_int_equal(opt.serial.baud, 115200);
	assert_int_equal(parse("serial=com1,keep"), 0);
	assert_int_equal(opt.serial.baud, 0);
	/* A later serial= starts again from 115200. */
	assert_int_equal(parse("serial=com3"), 0);
	assert_int_equal(opt.serial.baud, 115200);
	assert_refused("serial=com1,", "bad value for serial: 'com1,'");
	assert_refused("serial=com1,0", "bad value for serial");
	assert_refused("serial=com1,49", "bad value for serial");
	assert_refused("serial=com1,115201", "bad value for serial");
	assert_refused("serial=com1,0x100", "bad value for serial");
	assert_refused("serial=com1,9600,9600", "bad value for serial");
	assert_refused("serial=,9600", "bad value for serial");
}

static void test_serial_mmio(void **state)
{
	(void)state;
	assert_int_equal(parse("serial=mmio:0xfe030000"), 0);
	assert_int_equal(opt.serial.space, UART_MMIO);
	assert_int_equal(opt.serial.base, 0xfe030000);
	assert_int_equal(opt.serial.access, 1);
	assert_int_equal(opt.serial.reg_shift, 0);
	assert_int_equal(opt.serial.baud, 115200);
	assert_true(opt.serial_given);
	assert_int_equal(parse("serial=mmio32:0xfedc9000,keep"), 0);
	assert_int_equal(opt.serial.space, UART_MMIO);
	assert_int_equal(opt.serial.base, 0xfedc9000);
	assert_int_equal(opt.serial.access, 4);
	assert_int_equal(opt.serial.reg_shift, 2);
	assert_int_equal(opt.serial.baud, 0);
	assert_int_equal(parse("serial=mmio:0x4000000001,57600"), 0);
	assert_int_equal(opt.serial.base, 0x4000000001);
	assert_int_equal(opt.serial.baud, 57600);
	/* Back to a port: nothing of the MMIO description stays. */
	assert_int_equal(parse("serial=com2"), 0);
	assert_int_equal(opt.serial.space, UART_PIO);
	assert_int_equal(opt.serial.reg_shift, 0);
	assert_int_equal(opt.serial.access, 1);

	assert_refused("serial=mmio:0", "bad value for serial");
	assert_refused("serial=mmio:0x0", "bad value for serial");
	assert_refused("serial=mmio:", "bad value for serial");
	assert_refused("serial=mmio32:0xfedc9002", "bad value for serial");
	assert_refused("serial=mmio:0x10000000000000", "bad value for serial");
	assert_refused("serial=mmio64:0x1000", "bad value for serial");
	assert_refused("serial=io:0x3f8", "bad value for serial");
	assert_refused("serial=com1:0x3f8", "bad value for serial");
}

static void test_console(void **state)
{
	(void)state;
	assert_int_equal(parse("console=serial"), 0);
	assert_int_equal(opt.console, CONSOLE_SERIAL);
	assert_int_equal(parse("console=screen"), 0);
	assert_int_equal(opt.console, CONSOLE_SCREEN);
	assert_int_equal(parse("console=serial,screen"), 0);
	assert_int_equal(opt.console, CONSOLE_SERIAL | CONSOLE_SCREEN);
	assert_int_equal(parse("console=screen,serial"), 0);
	assert_int_equal(opt.console, CONSOLE_SERIAL | CONSOLE_SCREEN);
	assert_false(opt.serial_given);
	assert_refused("console=serial,serial", "bad value for console");
	assert_refused("console=serial,", "bad value for console");
	assert_refused("console=,screen", "bad value for console");
	assert_refused("console=vga", "bad value for console: 'vga' "
				      "(serial, screen or serial,screen)");
	assert_refused("console=", "console");
}

static void test_loglevel(void **state)
{
	static const struct {
		const char *line;
		enum log_level level;
	} cases[] = {
		{"loglevel=error", LOG_ERROR}, {"loglevel=warn", LOG_WARN},
		{"loglevel=info", LOG_INFO},   {"loglevel=debug", LOG_DEBUG},
		{"loglevel=0", LOG_ERROR},     {"loglevel=1", LOG_WARN},
		{"loglevel=2", LOG_INFO},      {"loglevel=3", LOG_DEBUG},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		opt.loglevel = (enum log_level)99;
		assert_int_equal(parse(cases[i].line), 0);
		assert_int_equal(opt.loglevel, cases[i].level);
	}
}

static void test_exit(void **state)
{
	(void)state;
	assert_int_equal(parse("exit=halt"), 0);
	assert_int_equal(opt.exit_mode, EXIT_HALT);
	assert_int_equal(parse("exit=auto"), 0);
	assert_int_equal(opt.exit_mode, EXIT_AUTO);
}

static void test_selftest(void **state)
{
	static const struct {
		const char *line;
		enum selftest t;
	} cases[] = {
		{"selftest=hang", SELFTEST_HANG},
		{"selftest=triple", SELFTEST_TRIPLE},
		{"selftest=fail", SELFTEST_FAIL},
		{"selftest=fault", SELFTEST_FAULT},
		{"selftest=smp", SELFTEST_SMP},
		{"selftest=ap-panic", SELFTEST_AP_PANIC},
		{"selftest=none", SELFTEST_NONE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		opt.selftest = (enum selftest)99;
		assert_int_equal(parse(cases[i].line), 0);
		assert_int_equal(opt.selftest, cases[i].t);
	}
}

/* cpus=N: 1 up to MHV_MAX_CPUS in decimal, anything else refused. */
static void test_cpus(void **state)
{
	static const char *const bad[] = {
		"cpus=0",   "cpus=65",
		"cpus=-1",  "cpus=0x2",
		"cpus=2x",  "cpus=1.5",
		"cpus=all", "cpus=99999999999999999999999",
	};

	(void)state;
	assert_int_equal(parse("cpus=1"), 0);
	assert_int_equal(opt.cpus, 1);
	assert_int_equal(parse("cpus=4"), 0);
	assert_int_equal(opt.cpus, 4);
	assert_int_equal(parse("cpus=064"), 0);
	assert_int_equal(opt.cpus, MHV_MAX_CPUS);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i], "bad value for cpus");
	assert_int_equal(opt.cpus, MHV_MAX_CPUS);
	assert_refused("cpus=", "'cpus='");
}

/* tdx= is kept as given: the SEAM layer owns its values (test_tdx.c). */
static void test_tdx(void **state)
{
	(void)state;
	assert_int_equal(parse("tdx=force-seamcall"), 0);
	assert_string_equal(opt.tdx, "force-seamcall");
	assert_int_equal(parse("tdx=off"), 0);
	assert_string_equal(opt.tdx, "off");
	assert_refused("tdx=", "tdx");
	/* Longer than any request: refused here, with the option named. */
	assert_refused("tdx=aaaaaaaaaaaaaaaaaaaaaaaa", "tdx");
}

static void test_all_together(void **state)
{
	(void)state;
	assert_int_equal(parse("  serial=com2\tloglevel=debug  exit=halt "
			       "selftest=triple\n"),
			 0);
	assert_int_equal(opt.serial.base, 0x2f8);
	assert_int_equal(opt.loglevel, LOG_DEBUG);
	assert_int_equal(opt.exit_mode, EXIT_HALT);
	assert_int_equal(opt.selftest, SELFTEST_TRIPLE);
	assert_string_equal(err, "");
}

static void test_starts_from_current_values(void **state)
{
	(void)state;
	assert_int_equal(parse("loglevel=warn"), 0);
	assert_int_equal(parse("exit=halt"), 0);
	/* The second parse kept what the first one set. */
	assert_int_equal(opt.loglevel, LOG_WARN);
	assert_int_equal(opt.exit_mode, EXIT_HALT);
	assert_int_equal(opt.serial.base, 0x3f8);
}

static void test_image_path_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/mhv.elf serial=com3 loglevel=0"), 0);
	assert_int_equal(opt.serial.base, 0x3e8);
	assert_int_equal(opt.loglevel, LOG_ERROR);
	assert_int_equal(parse("  \t/mhv"), 0);
	assert_int_equal(parse("/boot/mhv.elf"), 0);
	assert_int_equal(opt.serial.base, 0x3e8);
	/* Only the first word may be a path. */
	assert_refused("serial=com1 /boot/mhv.elf", "'/boot/mhv.elf'");
	assert_int_equal(opt.serial.base, 0x3e8);
	assert_refused("/a /b", "option '/b' needs a value");
}

static void test_last_wins(void **state)
{
	(void)state;
	assert_int_equal(parse("serial=com2 loglevel=debug serial=0x2e8 "
			       "loglevel=warn exit=halt exit=auto"),
			 0);
	assert_int_equal(opt.serial.base, 0x2e8);
	assert_int_equal(opt.loglevel, LOG_WARN);
	assert_int_equal(opt.exit_mode, EXIT_AUTO);
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_refused("foo=1", "unknown option 'foo=1'");
	assert_refused("serial=com2 foo=1", "unknown option 'foo=1'");
	assert_refused("Serial=com2", "unknown option 'Serial=com2'");
	assert_refused("serialx=com2", "unknown option 'serialx=com2'");
	assert_refused("seria=com2", "unknown option 'seria=com2'");
	assert_refused("=com2", "unknown option '=com2'");
	assert_refused("=", "unknown option '='");
	assert_defaults(&opt);
}

static void test_missing_value(void **state)
{
	(void)state;
	assert_refused("foo", "option 'foo' needs a value (name=value)");
	assert_refused("serial", "option 'serial' needs a value (name=value)");
	assert_refused("loglevel=debug quiet", "option 'quiet' needs a value");
	assert_refused("serial=", "'serial='");
	assert_refused("loglevel= ", "'loglevel='");
	assert_refused("exit=\tselftest=hang", "'exit='");
	assert_refused("selftest=", "hang|triple|fail|fault|smp|ap-panic|none");
	assert_defaults(&opt);
}

static void test_bad_values(void **state)
{
	(void)state;
	assert_refused(
		"serial=com9",
		"bad value for serial: 'com9' (com1-4, 0xPORT, mmio:0xADDR, "
		"mmio32:0xADDR; [,BAUD|,keep])");
	assert_refused("serial=com", "bad value for serial: 'com'");
	assert_refused("serial=COM1", "bad value for serial: 'COM1'");
	assert_refused("serial=com10", "bad value for serial: 'com10'");
	assert_refused("serial=1016", "bad value for serial: '1016'");
	assert_refused("serial=x3f8", "bad value for serial: 'x3f8'");
	assert_refused("loglevel=4", "bad value for loglevel: '4'");
	assert_refused("loglevel=-1", "bad value for loglevel: '-1'");
	assert_refused("loglevel=02", "bad value for loglevel: '02'");
	assert_refused("loglevel=verbose",
		       "bad value for loglevel: 'verbose' (error|warn|info|"
		       "debug or 0-3)");
	assert_refused("loglevel=Debug", "bad value for loglevel: 'Debug'");
	assert_refused("exit=reboot",
		       "bad value for exit: 'reboot' (auto|halt)");
	assert_refused("exit=halt2", "bad value for exit: 'halt2'");
	assert_refused("selftest=boom",
		       "bad value for selftest: 'boom' "
		       "(hang|triple|fail|fault|smp|ap-panic|none)");
	assert_refused("selftest=hang=1", "bad value for selftest: 'hang=1'");
	assert_defaults(&opt);
}

static void test_bad_hex_ports(void **state)
{
	(void)state;
	assert_refused("serial=0x10000", "bad value for serial: '0x10000'");
	assert_refused("serial=0xfffff", "bad value for serial: '0xfffff'");
	assert_refused("serial=0x0", "bad value for serial: '0x0'");
	assert_refused("serial=0x0000", "bad value for serial: '0x0000'");
	assert_refused("serial=0x", "bad value for serial: '0x'");
	assert_refused("serial=0x3f8zz", "bad value for serial: '0x3f8zz'");
	assert_refused("serial=0x3f8-", "bad value for serial: '0x3f8-'");
	assert_refused("serial=0x-3f8", "bad value for serial: '0x-3f8'");
	assert_refused("serial=0x+3f8", "bad value for serial: '0x+3f8'");
	assert_refused("serial=0xg", "bad value for serial: '0xg'");
	/* 2^64 + 0x3f8 would wrap a naive 64-bit accumulator to 0x3f8. */
	assert_refused("serial=0x100000000000003f8",
		       "bad value for serial: '0x100000000000003f8'");
	assert_refused("serial=0xffffffffffffffffffffffffffffffffffffffff",
		       "bad value for serial");
	assert_defaults(&opt);
}

static void test_refusal_leaves_options(void **state)
{
	(void)state;
	assert_int_equal(parse("serial=com4 loglevel=debug"), 0);
	/* Earlier words of a refused line must not leak into opt. */
	assert_refused("serial=com2 exit=halt selftest=fail loglevel=9",
		       "bad value for loglevel: '9'");
	assert_int_equal(opt.serial.base, 0x2e8);
	assert_int_equal(opt.loglevel, LOG_DEBUG);
	assert_int_equal(opt.exit_mode, EXIT_AUTO);
	assert_int_equal(opt.selftest, SELFTEST_NONE);
	/* The first bad word is the one reported. */
	assert_refused("a=1 b", "unknown option 'a=1'");
	assert_refused("b a=1", "option 'b' needs a value");
}

static void test_long_words(void **state)
{
	static char line[8192], value[4096];
	struct mhv_options before;

	(void)state;
	/* A long unknown option is reported, truncated, without overflow. */
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	line[100] = '=';
	assert_refused(line, "unknown option 'aaaa");
	assert_true(strlen(err) < sizeof(err));
	/* Without '='. */
	line[100] = 'a';
	assert_refused(line, "option 'aaaa");
	assert_true(strlen(err) < sizeof(err));

	/* A long value for a known option. */
	memset(value, 'z', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	snprintf(line, sizeof(line), "serial=%s", value);
	assert_refused(line, "bad value for serial: 'zzzz");
	/* A long hex string with a valid port at its end. */
	memset(value, 'f', sizeof(value) - 1);
	value[0] = '0';
	value[1] = 'x';
	snprintf(line, sizeof(line), "serial=%s", value);
	assert_refused(line, "bad value for serial: '0xffff");

	/* Error buffers of every small size stay terminated and in bounds. */
	before = opt;
	for (size_t n = 1; n < 40; n++) {
		char small[40];

		memset(small, 'Q', sizeof(small));
		assert_int_equal(cmdline_parse(line, &opt, small, n), -1);
		assert_int_equal(strlen(small), n - 1);
		for (size_t k = n; k < sizeof(small); k++)
			assert_int_equal(small[k], 'Q');
	}
	assert_memory_equal(&before, &opt, sizeof(opt));
}

static void test_many_words(void **state)
{
	static char line[16384];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s ",
				      (i & 1) ? "serial=com3" : "loglevel=1");
	assert_true(n < sizeof(line));
	assert_int_equal(parse(line), 0);
	assert_int_equal(opt.serial.base, 0x3e8);
	assert_int_equal(opt.loglevel, LOG_WARN);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_empty_and_null),
		T(test_serial_names),
		T(test_serial_hex),
		T(test_serial_baud),
		T(test_serial_mmio),
		T(test_console),
		T(test_loglevel),
		T(test_exit),
		T(test_selftest),
		T(test_cpus),
		T(test_tdx),
		T(test_all_together),
		T(test_starts_from_current_values),
		T(test_image_path_skipped),
		T(test_last_wins),
		T(test_unknown_option),
		T(test_missing_value),
		T(test_bad_values),
		T(test_bad_hex_ports),
		T(test_refusal_leaves_options),
		T(test_long_words),
		T(test_many_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
