// SPDX-License-Identifier: MIT
/*
 * Guest module lines: the defaults, every option and its limits, payload
 * arguments after "--", and every refusal with the word it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/vm/guest_options.h"

static struct guest_options go;
static char err[160];

static int setup(void **state)
{
	(void)state;
	memset(&go, 0x5a, sizeof(go)); /* must be overwritten */
	memset(err, 'X', sizeof(err));
	return 0;
}

static int parse(const char *line)
{
	return guest_options_parse(line, "guest3", &go, err, sizeof(err));
}

static void assert_defaults(const char *name)
{
	assert_string_equal(go.name, name);
	assert_int_equal(go.mem_bytes, GUEST_DEFAULT_MEM);
	assert_false(go.hypercalls);
	assert_false(go.bios);
	assert_false(go.takes_next_module);
	assert_int_equal(go.expect, OUTCOME_EXIT);
	assert_int_equal(go.expect_status, 0);
	assert_int_equal(go.timeout_ms, GUEST_DEFAULT_TIMEOUT_MS);
	assert_string_equal(go.args, "");
}

static void assert_ok(const char *line)
{
	if (parse(line) != 0)
		fail_msg("'%s' refused: %s", line, err);
	assert_string_equal(err, "");
}

/* line is refused and err, terminated, contains want. */
static void assert_refused(const char *line, const char *want)
{
	assert_int_equal(parse(line), -1);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (!strstr(err, want))
		fail_msg("'%s': err '%s' lacks '%s'", line, err, want);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_ok(NULL);
	assert_defaults("guest3");
	assert_ok("");
	assert_defaults("guest3");
	assert_ok(" \t\n ");
	assert_defaults("guest3");
	assert_int_equal(GUEST_DEFAULT_MEM, 256ULL << 20);
	assert_int_equal(GUEST_DEFAULT_TIMEOUT_MS, 60000);
}

static void test_default_name(void **state)
{
	static const char *const bad[] = {
		NULL,
		"",
		"has space",
		"a/b",
		"0123456789012345678901234567890123", /* too long */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&go, 0x5a, sizeof(go));
		assert_int_equal(
			guest_options_parse("", bad[i], &go, err, sizeof(err)),
			0);
		assert_defaults("guest");
	}
	assert_int_equal(guest_options_parse("", "kvm-unit_tests.1", &go, err,
					     sizeof(err)),
			 0);
	assert_string_equal(go.name, "kvm-unit_tests.1");
	/* The longest valid name. */
	assert_int_equal(guest_options_parse("",
					     "0123456789012345678901234567890",
					     &go, err, sizeof(err)),
			 0);
	assert_string_equal(go.name, "0123456789012345678901234567890");
	/* The default may be the previous result's own name. */
	assert_int_equal(
		guest_options_parse("mem=2M", go.name, &go, err, sizeof(err)),
		0);
	assert_string_equal(go.name, "0123456789012345678901234567890");
}

static void test_name(void **state)
{
	(void)state;
	assert_ok("name=linux");
	assert_string_equal(go.name, "linux");
	assert_ok("name=A-Za-z0-9._-");
	assert_string_equal(go.name, "A-Za-z0-9._-");
	assert_ok("name=x");
	assert_string_equal(go.name, "x");
	assert_ok("name=0123456789012345678901234567890");
	assert_string_equal(go.name, "0123456789012345678901234567890");
	/* The rest stays at its default. */
	go.name[0] = '\0';
	assert_ok("name=a");
	assert_defaults("a");
}

static void test_name_refused(void **state)
{
	(void)state;
	assert_refused("name=01234567890123456789012345678901",
		       "guest option 'name=01234567890123456789012345678901':"
		       " name longer than 31 characters");
	assert_refused("name=a/b", "guest option 'name=a/b': a name may only "
				   "contain A-Z a-z 0-9 . _ -");
	assert_refused("name=a=b", "'name=a=b': a name may only contain");
	assert_refused("name=\"x\"", "'name=\"x\"': a name may only contain");
	assert_refused("name=caf\xc3\xa9", "a name may only contain");
	assert_refused("name=", "guest option 'name=': empty value");
}

static void test_mem(void **state)
{
	static const struct {
		const char *line;
		uint64_t bytes;
	} cases[] = {
		{"mem=2M", 2ULL << 20},	    {"mem=2m", 2ULL << 20},
		{"mem=256M", 256ULL << 20}, {"mem=1G", 1ULL << 30},
		{"mem=1g", 1ULL << 30},	    {"mem=3G", 3ULL << 30},
		{"mem=3072M", 3ULL << 30},  {"mem=3070M", 3070ULL << 20},
		{"mem=0002M", 2ULL << 20},  {"mem=4G", 4ULL << 30},
		{"mem=6g", 6ULL << 30},	    {"mem=3074M", 3074ULL << 20},
		{"mem=1T", 1ULL << 40},	    {"mem=1048576M", 1ULL << 40},
		{"mem=1t", 1ULL << 40},	    {"mem=1024G", 1ULL << 40},
		{"mem=1024m", 1ULL << 30},  {"mem=0003g", 3ULL << 30},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ok(cases[i].line);
		assert_int_equal(go.mem_bytes, cases[i].bytes);
	}
}

static void test_mem_refused(void **state)
{
	(void)state;
	assert_refused("mem=3M",
		       "guest option 'mem=3M': not a multiple of 2 MiB");
	assert_refused("mem=3071M", "'mem=3071M': not a multiple of 2 MiB");
	assert_refused("mem=1M", "'mem=1M': less than 2M");
	assert_refused("mem=0M", "'mem=0M': less than 2M");
	assert_refused("mem=0G", "'mem=0G': less than 2M");
	assert_refused("mem=1025G", "'mem=1025G': more than 1T");
	assert_refused("mem=1048578M", "'mem=1048578M': more than 1T");
	assert_refused("mem=2T", "'mem=2T': more than 1T");
	/* 2^64 + 2 MiB and worse: must not wrap to something small. */
	assert_refused("mem=17592186044418M", "more than 1T");
	assert_refused("mem=18446744073709551618M", "more than 1T");
	assert_refused("mem=99999999999999999999999999999999G", "more than 1T");
	assert_refused("mem=256", "'mem=256': needs a suffix M, G or T");
	assert_refused("mem=0", "needs a suffix M, G or T");
	assert_refused("mem=256K", "'mem=256K': needs a suffix M, G or T");
	assert_refused("mem=256MB", "needs a suffix M, G or T");
	assert_refused("mem=256MiB", "needs a suffix M, G or T");
	assert_refused("mem=M", "'mem=M': not a number");
	assert_refused("mem=G", "not a number");
	assert_refused("mem=-2M", "'mem=-2M': not a number");
	assert_refused("mem=+2M", "not a number");
	assert_refused("mem=0x200M", "not a number");
	assert_refused("mem=2MM", "not a number");
	assert_refused("mem=1.5G", "not a number");
	assert_refused("mem=", "guest option 'mem=': empty value (2M..1T");
}

static void test_cpus(void **state)
{
	(void)state;
	assert_ok(NULL);
	assert_int_equal(go.cpus, 1);
	assert_ok("cpus=4");
	assert_int_equal(go.cpus, 4);
	assert_ok("cpus=16");
	assert_int_equal(go.cpus, 16);
	assert_ok("cpus=01");
	assert_int_equal(go.cpus, 1);
	assert_refused("cpus=0", "guest option 'cpus=0': not a number from 1");
	assert_refused("cpus=17", "'cpus=17': not a number from 1 to 16");
	assert_refused("cpus=-1", "'cpus=-1'");
	assert_refused("cpus=2x", "'cpus=2x'");
	assert_refused("cpus=99999999999999999999", "from 1 to 16");
	assert_refused("cpus=", "'cpus=': empty value (1..16)");
}

static void test_hypercalls(void **state)
{
	(void)state;
	assert_ok("hypercalls=on");
	assert_true(go.hypercalls);
	assert_ok("hypercalls=off");
	assert_false(go.hypercalls);
	assert_ok("hypercalls=on hypercalls=off");
	assert_false(go.hypercalls);
	assert_refused("hypercalls=yes",
		       "guest option 'hypercalls=yes': neither on nor off");
	assert_refused("hypercalls=ON", "'hypercalls=ON'");
	assert_refused("hypercalls=1", "'hypercalls=1'");
	assert_refused("hypercalls=", "'hypercalls=': empty value (on|off)");
}

static void test_bios(void **state)
{
	(void)state;
	assert_ok("");
	assert_false(go.bios);
	assert_ok("bios=on");
	assert_true(go.bios);
	assert_ok("bios=on bios=off");
	assert_false(go.bios);
	assert_ok("bios=off bios=on");
	assert_true(go.bios);
	assert_refused("bios=yes",
		       "guest option 'bios=yes': neither on nor off");
	assert_refused("bios=seabios", "'bios=seabios'");
	assert_refused("bios=", "'bios=': empty value (on|off)");
	assert_refused("bios", "'bios'");
}

static void test_nested(void **state)
{
	(void)state;
	assert_ok("");
	assert_false(go.nested);
	assert_ok("nested=on");
	assert_true(go.nested);
	assert_ok("nested=on nested=off");
	assert_false(go.nested);
	assert_false(go.nested_no_npt);
	assert_ok("nested=nonpt");
	assert_true(go.nested);
	assert_true(go.nested_no_npt);
	assert_ok("nested=nonpt nested=on");
	assert_false(go.nested_no_npt);
	assert_refused("nested=yes",
		       "guest option 'nested=yes': not on, off or nonpt");
	assert_refused("nested=", "'nested=': empty value (on|off|nonpt)");
}

static void test_hide(void **state)
{
	(void)state;
	assert_ok("");
	assert_int_equal(go.hide, 0);
	assert_ok("hide=rdtscp,xsave");
	assert_int_equal(go.hide, HIDE(RDTSCP) | HIDE(XSAVE));
	/* More than one hide= adds up; a repeat is harmless. */
	assert_ok("hide=invpcid hide=skinit,invpcid,tsc-deadline");
	assert_int_equal(go.hide,
			 HIDE(INVPCID) | HIDE(SKINIT) | HIDE(TSC_DEADLINE));
	for (unsigned int f = 0; f < HIDE_COUNT; f++) {
		char line[64];

		snprintf(line, sizeof(line), "hide=%s", guest_hide_name(f));
		assert_ok(line);
		assert_int_equal(go.hide, 1u << f);
	}
	assert_refused("hide=avx", "guest option 'hide=avx': names a feature "
				   "mhv cannot hide (rdtscp,");
	assert_refused("hide=rdtscp,,xsave", "has an empty feature name");
	assert_refused("hide=rdtscp,", "has an empty feature name");
	assert_refused("hide=RDTSCP", "cannot hide");
	assert_refused("hide=", "'hide=': empty value");
}

static void test_expect(void **state)
{
	static const struct {
		const char *line;
		enum guest_outcome o;
	} cases[] = {
		{"expect=exit", OUTCOME_EXIT},
		{"expect=halt", OUTCOME_HALT},
		{"expect=triple-fault", OUTCOME_TRIPLE_FAULT},
		{"expect=bad-access", OUTCOME_BAD_ACCESS},
		{"expect=load-error", OUTCOME_LOAD_ERROR},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ok(cases[i].line);
		assert_int_equal(go.expect, cases[i].o);
		assert_int_equal(go.expect_status, 0);
	}
}

static void test_expect_status(void **state)
{
	(void)state;
	assert_ok("expect=exit:0");
	assert_int_equal(go.expect, OUTCOME_EXIT);
	assert_int_equal(go.expect_status, 0);
	assert_ok("expect=exit:1");
	assert_int_equal(go.expect_status, 1);
	assert_ok("expect=exit:255");
	assert_int_equal(go.expect_status, 255);
	assert_ok("expect=exit:007");
	assert_int_equal(go.expect_status, 7);
	assert_ok("expect=exit:4294967295");
	assert_int_equal(go.expect_status, UINT32_MAX);
	/* A later expect= resets the status. */
	assert_ok("expect=exit:3 expect=exit");
	assert_int_equal(go.expect, OUTCOME_EXIT);
	assert_int_equal(go.expect_status, 0);
	assert_ok("expect=exit:3 expect=halt");
	assert_int_equal(go.expect, OUTCOME_HALT);
	assert_int_equal(go.expect_status, 0);
}

static void test_expect_refused(void **state)
{
	(void)state;
	assert_refused("expect=exit:4294967296",
		       "guest option 'expect=exit:4294967296': exit status "
		       "larger than 4294967295");
	assert_refused("expect=exit:18446744073709551617", "larger than");
	assert_refused("expect=exit:", "'expect=exit:': exit status is not a "
				       "decimal number");
	assert_refused("expect=exit:-1", "not a decimal number");
	assert_refused("expect=exit:0x10", "not a decimal number");
	assert_refused("expect=exit:1:2", "not a decimal number");
	assert_refused("expect=halt:1",
		       "'expect=halt:1': only exit takes a status");
	assert_refused("expect=:1", "only exit takes a status");
	assert_refused("expect=crash",
		       "guest option 'expect=crash': not an outcome "
		       "(exit|exit:N|halt|triple-fault|bad-access|load-error|"
		       "timeout)");
	assert_refused("expect=unexpected-exit", "not an outcome");
	assert_refused("expect=entry-failed", "not an outcome");
	assert_refused("expect=Exit", "not an outcome");
	assert_refused("expect=triple", "not an outcome");
	assert_refused("expect=", "'expect=': empty value");
}

static void test_timeout(void **state)
{
	static const struct {
		const char *line;
		uint64_t ms;
	} ok[] = {
		{"timeout=500ms", 500},
		{"timeout=1ms", 1},
		{"timeout=10s", 10000},
		{"timeout=2m", 120000},
		{"timeout=007s", 7000},
		{"timeout=1440m", 24ULL * 3600 * 1000},
		{"timeout=86400s", 24ULL * 3600 * 1000},
		{"timeout=86400000ms", 24ULL * 3600 * 1000},
		{"timeout=1s timeout=3s", 3000}, /* the last one wins */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_ok(ok[i].line);
		assert_int_equal(go.timeout_ms, ok[i].ms);
	}
	/* What scripts/mhv-qemu passes: the longest budget there is. */
	assert_ok("timeout=24h");
	assert_int_equal(go.timeout_ms, 24 * 3600 * 1000);
	assert_ok("timeout=300ms expect=timeout");
	assert_int_equal(go.expect, OUTCOME_TIMEOUT);
	assert_int_equal(go.timeout_ms, 300);
}

static void test_timeout_refused(void **state)
{
	(void)state;
	assert_refused("timeout=10",
		       "guest option 'timeout=10': needs a unit ms, s, m or h, "
		       "e.g. timeout=10s");
	assert_refused("timeout=0s",
		       "'timeout=0s': zero: a guest needs at least 1ms");
	assert_refused("timeout=0ms", "zero");
	assert_refused("timeout=1441m",
		       "guest option 'timeout=1441m': longer than 24h");
	assert_refused("timeout=86401s", "longer than 24h");
	assert_refused("timeout=86400001ms", "longer than 24h");
	assert_refused("timeout=18446744073709551616ms", "longer than 24h");
	assert_refused("timeout=99999999999999999999999s", "longer than 24h");
	assert_refused("timeout=ms", "not a number with a unit");
	assert_refused("timeout=s", "needs a unit");
	assert_refused("timeout=25h", "longer than 24h");
	assert_refused("timeout=1H", "needs a unit");
	assert_refused("timeout=1S", "needs a unit");
	assert_refused("timeout=-1s", "not a number with a unit");
	assert_refused("timeout=1.5s", "not a number with a unit");
	assert_refused("timeout=0x10s", "not a number with a unit");
	assert_refused("timeout=1 s", "needs a unit");
	assert_refused("timeout=", "'timeout=': empty value (1ms..24h");
	assert_refused("timeout", "needs a value (timeout=1ms..24h");
}

static void test_module(void **state)
{
	(void)state;
	assert_ok("module=next");
	assert_true(go.takes_next_module);
	assert_ok("");
	assert_false(go.takes_next_module);
	assert_refused("module=prev",
		       "guest option 'module=prev': the only value is next");
	assert_refused("module=Next", "the only value is next");
	assert_refused("module=", "'module=': empty value (next)");
}

static void test_all_together(void **state)
{
	(void)state;
	assert_ok("  name=vm1\tmem=1G hypercalls=on expect=exit:42 "
		  "module=next -- -v  --count=3\t--\n");
	assert_string_equal(go.name, "vm1");
	assert_int_equal(go.mem_bytes, 1ULL << 30);
	assert_true(go.hypercalls);
	assert_true(go.takes_next_module);
	assert_int_equal(go.expect, OUTCOME_EXIT);
	assert_int_equal(go.expect_status, 42);
	assert_string_equal(go.args, "-v --count=3 --");
}

static void test_last_wins(void **state)
{
	(void)state;
	assert_ok("name=a mem=2M expect=halt hypercalls=on name=b mem=3G "
		  "expect=bad-access hypercalls=off");
	assert_string_equal(go.name, "b");
	assert_int_equal(go.mem_bytes, 3ULL << 30);
	assert_int_equal(go.expect, OUTCOME_BAD_ACCESS);
	assert_false(go.hypercalls);
}

static void test_args(void **state)
{
	(void)state;
	assert_ok("--");
	assert_defaults("guest3");
	assert_ok("-- ");
	assert_string_equal(go.args, "");
	assert_ok("--   a");
	assert_string_equal(go.args, "a");
	/* After "--", options are arguments, even bad ones. */
	assert_ok("mem=2M -- mem=3M name=/x foo -- bar");
	assert_int_equal(go.mem_bytes, 2ULL << 20);
	assert_string_equal(go.name, "guest3");
	assert_string_equal(go.args, "mem=3M name=/x foo -- bar");
	/* Whitespace between arguments becomes one space. */
	assert_ok("-- a\t\tb\n c  ");
	assert_string_equal(go.args, "a b c");
	/* A second parse does not keep the first one's arguments. */
	assert_ok("name=x");
	assert_string_equal(go.args, "");
}

static void test_args_limit(void **state)
{
	static char line[4096];
	char word[GUEST_ARGS_MAX + 8];
	size_t n;

	(void)state;
	/* One word of exactly GUEST_ARGS_MAX - 1 characters fits. */
	memset(word, 'w', sizeof(word));
	word[GUEST_ARGS_MAX - 1] = '\0';
	snprintf(line, sizeof(line), "-- %s", word);
	assert_ok(line);
	assert_int_equal(strlen(go.args), GUEST_ARGS_MAX - 1);
	/* One more does not. */
	word[GUEST_ARGS_MAX - 1] = 'w';
	word[GUEST_ARGS_MAX] = '\0';
	snprintf(line, sizeof(line), "-- %s", word);
	assert_refused(line, "guest argument 'wwww");
	assert_refused(line, "': payload arguments longer than 511 characters");
	assert_true(strlen(err) < sizeof(err));

	/* Many short words: 255 "a " + "b" is 511, fits exactly. */
	n = (size_t)snprintf(line, sizeof(line), "--");
	for (int i = 0; i < 255; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " a");
	snprintf(line + n, sizeof(line) - n, " b");
	assert_ok(line);
	assert_int_equal(strlen(go.args), GUEST_ARGS_MAX - 1);
	assert_int_equal(go.args[GUEST_ARGS_MAX - 2], 'b');
	/* "bc" is one too many: the word that overflows is named. */
	snprintf(line + n, sizeof(line) - n, " bc");
	assert_refused(line, "guest argument 'bc': payload arguments longer");
	/* So is a word when only its separating space would fit. */
	snprintf(line + n, sizeof(line) - n, " b c");
	assert_refused(line, "guest argument 'c': payload arguments longer");
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_refused("foo=1", "guest option 'foo=1': unknown option");
	assert_refused("Name=x", "guest option 'Name=x': unknown option");
	assert_refused("memory=2M", "'memory=2M': unknown option");
	assert_refused("=x", "guest option '=x': unknown option");
	assert_refused("=", "guest option '=': unknown option");
	/* The first bad word is reported. */
	assert_refused("mem=2M bar=1 mem=3M", "'bar=1': unknown option");
	assert_refused("mem=3M bar=1", "'mem=3M': not a multiple");
}

static void test_missing_value(void **state)
{
	(void)state;
	assert_refused("quiet", "guest option 'quiet': unknown option (payload "
				"arguments go after --)");
	assert_refused("/boot/payload.elf", "'/boot/payload.elf': unknown");
	assert_refused("-v -- x", "'-v': unknown option");
	assert_refused("---", "'---': unknown option");
	assert_refused("mem", "guest option 'mem': needs a value (mem=2M..1T");
	assert_refused("hypercalls", "guest option 'hypercalls': needs a value "
				     "(hypercalls=on|off)");
	assert_refused("name=x module",
		       "'module': needs a value (module=next)");
}

static void test_long_words(void **state)
{
	static char line[8192];

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_refused(line, "guest option 'aaaa");
	assert_true(strlen(err) < sizeof(err));
	memcpy(line, "name=", 5);
	assert_refused(line, "guest option 'name=aaaa");
	assert_true(strstr(err, "...'") != NULL);
	assert_true(strlen(err) < sizeof(err));

	/* Error buffers of every small size stay terminated and in bounds. */
	for (size_t n = 1; n < 40; n++) {
		char small[40];

		memset(small, 'Q', sizeof(small));
		assert_int_equal(guest_options_parse(line, NULL, &go, small, n),
				 -1);
		assert_int_equal(strlen(small), n - 1);
		for (size_t k = n; k < sizeof(small); k++)
			assert_int_equal(small[k], 'Q');
	}
}

static void test_no_error_buffer(void **state)
{
	(void)state;
	assert_int_equal(guest_options_parse("mem=3M", "g", &go, NULL, 0), -1);
	assert_int_equal(guest_options_parse("mem=4M", "g", &go, NULL, 0), 0);
	assert_int_equal(go.mem_bytes, 4ULL << 20);
	err[0] = '!';
	assert_int_equal(guest_options_parse("bogus", "g", &go, err, 0), -1);
	assert_int_equal(err[0], '!');
}

static void test_outcome_names(void **state)
{
	static const char *const names[OUTCOME_COUNT] = {
		[OUTCOME_EXIT] = "exit",
		[OUTCOME_HALT] = "halt",
		[OUTCOME_TRIPLE_FAULT] = "triple-fault",
		[OUTCOME_BAD_ACCESS] = "bad-access",
		[OUTCOME_LOAD_ERROR] = "load-error",
		[OUTCOME_UNEXPECTED_EXIT] = "unexpected-exit",
		[OUTCOME_ENTRY_FAILED] = "entry-failed",
		[OUTCOME_TIMEOUT] = "timeout",
	};
	char line[64];

	(void)state;
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		assert_non_null(names[o]);
		assert_string_equal(guest_outcome_name((enum guest_outcome)o),
				    names[o]);
		/* Every name expect= accepts parses back to its outcome. */
		snprintf(line, sizeof(line), "expect=%s", names[o]);
		if (o == OUTCOME_UNEXPECTED_EXIT || o == OUTCOME_ENTRY_FAILED) {
			assert_refused(line, "not an outcome");
		} else {
			assert_ok(line);
			assert_int_equal(go.expect, o);
		}
	}
	assert_string_equal(guest_outcome_name(OUTCOME_COUNT), "unknown");
	assert_string_equal(guest_outcome_name((enum guest_outcome) - 1),
			    "unknown");
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_default_name),
		T(test_name),
		T(test_name_refused),
		T(test_mem),
		T(test_mem_refused),
		T(test_cpus),
		T(test_hypercalls),
		T(test_bios),
		T(test_nested),
		T(test_hide),
		T(test_expect),
		T(test_expect_status),
		T(test_expect_refused),
		T(test_timeout),
		T(test_timeout_refused),
		T(test_module),
		T(test_all_together),
		T(test_last_wins),
		T(test_args),
		T(test_args_limit),
		T(test_unknown_option),
		T(test_missing_value),
		T(test_long_words),
		T(test_no_error_buffer),
		T(test_outcome_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
