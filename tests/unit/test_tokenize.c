// SPDX-License-Identifier: MIT
/*
 * Command line words: iteration, splitting, keywords, numbers at and past
 * their limits, and quoting into buffers of every size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/tokenize.h"

static struct span S(const char *s) {
	return span_of(s);
}

/* Every word of line, joined with '|'. */
static const char *
join_words(const char *line)
{
	static char buf[256];
	const char *p = line;
	struct span w;
	size_t n = 0;

	buf[0] = '\0';
	while (token_next(&p, &w)) {
		assert_true(w.len > 0);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%.*s",
				      n ? "|" : "", (int)w.len, w.s);
		assert_true(n < sizeof(buf));
	}
	/* At the end, the cursor stays at the end. */
	if (p)
		assert_int_equal(*p, '\0');
	assert_false(token_next(&p, &w));
	return buf;
}

static void test_is_space(void **state)
{
	(void)state;
	for (const char *c = " \t\n\r\v\f"; *c; c++)
		assert_true(token_is_space(*c));
	for (const char *c = "a0=-_/\"'"; *c; c++)
		assert_false(token_is_space(*c));
	assert_false(token_is_space('\0'));
}

static void test_next(void **state)
{
	(void)state;
	assert_string_equal(join_words(NULL), "");
	assert_string_equal(join_words(""), "");
	assert_string_equal(join_words(" \t\n\r\v\f "), "");
	assert_string_equal(join_words("a"), "a");
	assert_string_equal(join_words("  a  "), "a");
	assert_string_equal(join_words("a b\tc\nd\re\vf\fg"), "a|b|c|d|e|f|g");
	assert_string_equal(join_words("name=x  -- y=1 --"),
			    "name=x|--|y=1|--");
}

static void test_next_positions(void **state)
{
	const char *line = "  ab cd";
	const char *p = line;
	struct span w = {NULL, 99};

	(void)state;
	assert_true(token_next(&p, &w));
	assert_ptr_equal(w.s, line + 2);
	assert_int_equal(w.len, 2);
	assert_ptr_equal(p, line + 4);
	assert_true(token_next(&p, &w));
	assert_ptr_equal(w.s, line + 5);
	assert_int_equal(w.len, 2);
	assert_ptr_equal(p, line + 7);
	w.s = NULL;
	assert_false(token_next(&p, &w));
	assert_null(w.s); /* untouched at the end */

	p = NULL;
	assert_false(token_next(&p, &w));
	assert_null(p);
}

static void test_span_of(void **state)
{
	(void)state;
	assert_int_equal(S("").len, 0);
	assert_int_equal(S("abc").len, 3);
	assert_int_equal(span_of(NULL).len, 0);
	assert_non_null(span_of(NULL).s);
}

static void test_eq(void **state)
{
	struct span part = {"halt2", 4};

	(void)state;
	assert_true(span_eq(S("halt"), "halt"));
	assert_true(span_eq(S(""), ""));
	assert_true(span_eq(part, "halt"));
	assert_false(span_eq(part, "halt2"));
	assert_false(span_eq(S("halt"), "hal"));
	assert_false(span_eq(S("halt"), "halts"));
	assert_false(span_eq(S("Halt"), "halt"));
	assert_false(span_eq(S(""), "x"));
	assert_false(span_eq(S("x"), ""));
	/* A span holding a NUL does not match the literal's end. */
	assert_false(span_eq((struct span){"ab\0", 3}, "ab"));
}

static void test_split(void **state)
{
	struct span a = {NULL, 7}, b = {NULL, 7};

	(void)state;
	assert_true(span_split(S("mem=256M"), '=', &a, &b));
	assert_true(span_eq(a, "mem"));
	assert_true(span_eq(b, "256M"));
	/* Only the first separator splits. */
	assert_true(span_split(S("a=b=c"), '=', &a, &b));
	assert_true(span_eq(a, "a"));
	assert_true(span_eq(b, "b=c"));
	/* Empty halves. */
	assert_true(span_split(S("=x"), '=', &a, &b));
	assert_true(span_eq(a, ""));
	assert_true(span_eq(b, "x"));
	assert_true(span_split(S("x="), '=', &a, &b));
	assert_true(span_eq(a, "x"));
	assert_int_equal(b.len, 0);
	assert_true(span_split(S("exit:3"), ':', &a, &b));
	assert_true(span_eq(a, "exit"));
	assert_true(span_eq(b, "3"));

	/* No separator: untouched. */
	a.s = b.s = NULL;
	assert_false(span_split(S("quiet"), '=', &a, &b));
	assert_false(span_split(S(""), '=', &a, &b));
	/* The separator must be inside the span, not just after it. */
	assert_false(span_split((struct span){"ab=", 2}, '=', &a, &b));
	assert_null(a.s);
	assert_null(b.s);
}

static void test_lookup(void **state)
{
	static const struct keyword kw[] = {
		{"on", 1},
		{"off", 0},
		{"o", 7},
	};
	int v = 42;

	(void)state;
	assert_int_equal(span_lookup(S("on"), kw, 3, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(span_lookup(S("off"), kw, 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(span_lookup(S("o"), kw, 3, &v), 0);
	assert_int_equal(v, 7);
	v = 42;
	assert_int_equal(span_lookup(S("of"), kw, 3, &v), -1);
	assert_int_equal(span_lookup(S("ON"), kw, 3, &v), -1);
	assert_int_equal(span_lookup(S(""), kw, 3, &v), -1);
	assert_int_equal(span_lookup(S("o"), kw, 2, &v), -1);
	assert_int_equal(span_lookup(S("on"), kw, 0, &v), -1);
	assert_int_equal(v, 42);
}

static void assert_dec(const char *s, uint64_t max, int rc, uint64_t want)
{
	uint64_t v = 0xdeadbeef;

	if (span_parse_dec(S(s), max, &v) != rc)
		fail_msg("dec '%s' max %llu: want rc %d", s,
			 (unsigned long long)max, rc);
	assert_int_equal(v, rc ? 0xdeadbeef : want);
}

static void assert_hex(const char *s, uint64_t max, int rc, uint64_t want)
{
	uint64_t v = 0xdeadbeef;

	if (span_parse_hex(S(s), max, &v) != rc)
		fail_msg("hex '%s' max %llx: want rc %d", s,
			 (unsigned long long)max, rc);
	assert_int_equal(v, rc ? 0xdeadbeef : want);
}

static void test_dec(void **state)
{
	(void)state;
	assert_dec("0", 10, 0, 0);
	assert_dec("7", 10, 0, 7);
	assert_dec("10", 10, 0, 10);
	assert_dec("0000000000000000000000000000010", 10, 0, 10);
	assert_dec("11", 10, SPAN_TOO_LARGE, 0);
	assert_dec("100", 10, SPAN_TOO_LARGE, 0);
	assert_dec("1", 0, SPAN_TOO_LARGE, 0);
	assert_dec("0", 0, 0, 0);
	assert_dec("4294967295", UINT32_MAX, 0, UINT32_MAX);
	assert_dec("4294967296", UINT32_MAX, SPAN_TOO_LARGE, 0);
	assert_dec("18446744073709551615", UINT64_MAX, 0, UINT64_MAX);
	/* 2^64 and 2^64 + 5 would wrap a naive accumulator. */
	assert_dec("18446744073709551616", UINT64_MAX, SPAN_TOO_LARGE, 0);
	assert_dec("18446744073709551621", UINT64_MAX, SPAN_TOO_LARGE, 0);
	assert_dec("99999999999999999999999999999", UINT64_MAX, SPAN_TOO_LARGE,
		   0);

	assert_dec("", 10, SPAN_NOT_A_NUMBER, 0);
	assert_dec("-1", 10, SPAN_NOT_A_NUMBER, 0);
	assert_dec("+1", 10, SPAN_NOT_A_NUMBER, 0);
	assert_dec(" 1", 10, SPAN_NOT_A_NUMBER, 0);
	assert_dec("1a", 10, SPAN_NOT_A_NUMBER, 0);
	assert_dec("0x1", 10, SPAN_NOT_A_NUMBER, 0);
	assert_dec("1M", UINT64_MAX, SPAN_NOT_A_NUMBER, 0);
	/* Malformed beats too large. */
	assert_dec("99999999999999999999999x", UINT64_MAX, SPAN_NOT_A_NUMBER,
		   0);
	/* Only the span's characters count. */
	uint64_t v = 0;
	assert_int_equal(span_parse_dec((struct span){"12x", 2}, 100, &v), 0);
	assert_int_equal(v, 12);
}

static void test_hex(void **state)
{
	(void)state;
	assert_hex("0x0", 0xffff, 0, 0);
	assert_hex("0x1", 0xffff, 0, 1);
	assert_hex("0x3f8", 0xffff, 0, 0x3f8);
	assert_hex("0X3F8", 0xffff, 0, 0x3f8);
	assert_hex("0xAbCdEf", UINT64_MAX, 0, 0xabcdef);
	assert_hex("0xffff", 0xffff, 0, 0xffff);
	assert_hex("0x000000000000000000000000ffff", 0xffff, 0, 0xffff);
	assert_hex("0x10000", 0xffff, SPAN_TOO_LARGE, 0);
	assert_hex("0xffffffffffffffff", UINT64_MAX, 0, UINT64_MAX);
	assert_hex("0x10000000000000000", UINT64_MAX, SPAN_TOO_LARGE, 0);
	assert_hex("0x100000000000003f8", 0xffff, SPAN_TOO_LARGE, 0);

	assert_hex("", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("0", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("0x", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("3f8", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("x3f8", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("0x3f8g", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("0x-1", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("0x+1", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("0xx1", 0xffff, SPAN_NOT_A_NUMBER, 0);
	assert_hex("00x1", 0xffff, SPAN_NOT_A_NUMBER, 0);
}

static void test_uint(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(span_parse_uint(S("0x10"), 100, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(span_parse_uint(S("10"), 100, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(span_parse_uint(S("010"), 100, &v), 0);
	assert_int_equal(v, 10); /* not octal */
	assert_int_equal(span_parse_uint(S("0"), 100, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(span_parse_uint(S("0x65"), 100, &v), SPAN_TOO_LARGE);
	assert_int_equal(span_parse_uint(S("101"), 100, &v), SPAN_TOO_LARGE);
	assert_int_equal(span_parse_uint(S("0x"), 100, &v), SPAN_NOT_A_NUMBER);
	assert_int_equal(span_parse_uint(S("ff"), 100, &v), SPAN_NOT_A_NUMBER);
	assert_int_equal(span_parse_uint(S(""), 100, &v), SPAN_NOT_A_NUMBER);
	assert_int_equal(v, 0);
}

static void test_quote(void **state)
{
	char buf[SPAN_QUOTE_MAX];
	char word[200];

	(void)state;
	assert_ptr_equal(span_quote(buf, sizeof(buf), S("mem=3M")), buf);
	assert_string_equal(buf, "mem=3M");
	assert_string_equal(span_quote(buf, sizeof(buf), S("")), "");
	/* Only the span's characters, terminated. */
	assert_string_equal(
		span_quote(buf, sizeof(buf), (struct span){"abc", 2}), "ab");

	/* Exactly fits: size - 1 characters. */
	memset(word, 'a', sizeof(word));
	assert_string_equal(span_quote(buf, 4, (struct span){word, 3}), "aaa");
	/* One too many: cut with "...". */
	assert_string_equal(span_quote(buf, 4, (struct span){word, 4}), "...");
	assert_string_equal(span_quote(buf, 5, (struct span){word, 5}), "a...");
	span_quote(buf, sizeof(buf), (struct span){word, sizeof(word)});
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf + sizeof(buf) - 4, "...", 4);
	span_quote(buf, sizeof(buf), (struct span){word, sizeof(buf) - 1});
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(buf[sizeof(buf) - 2], 'a');

	/* Tiny buffers: cut, terminated, in bounds. */
	for (size_t size = 1; size < 8; size++) {
		char small[8];

		memset(small, 'Q', sizeof(small));
		span_quote(small, size, (struct span){word, 100});
		assert_int_equal(strlen(small), size - 1);
		for (size_t k = size; k < sizeof(small); k++)
			assert_int_equal(small[k], 'Q');
	}
	/* No buffer at all. */
	assert_string_equal(span_quote(NULL, 0, S("x")), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_space),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_next_positions),
		cmocka_unit_test(test_span_of),
		cmocka_unit_test(test_eq),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_dec),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
