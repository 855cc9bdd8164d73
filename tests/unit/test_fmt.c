// SPDX-License-Identifier: MIT
/*
 * The printing engine is checked against the host's printf: for every
 * format we support, both must produce the same bytes and the same count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/fmt.h"

#define CHECK_LIKE_LIBC(...)                                          \
	do {                                                          \
		char want[256], got[256];                             \
		int wn = snprintf(want, sizeof(want), __VA_ARGS__);   \
		int gn = fmt_snprintf(got, sizeof(got), __VA_ARGS__); \
		assert_string_equal(got, want);                       \
		assert_int_equal(gn, wn);                             \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("%d %d %d", 0, 42, -42);
	CHECK_LIKE_LIBC("%d %d", INT32_MAX, INT32_MIN);
	CHECK_LIKE_LIBC("%i", -7);
	CHECK_LIKE_LIBC("%u %u", 0u, UINT32_MAX);
	CHECK_LIKE_LIBC("%ld %ld", (long)INT64_MIN, (long)INT64_MAX);
	CHECK_LIKE_LIBC("%lu", (unsigned long)UINT64_MAX);
	CHECK_LIKE_LIBC("%lld %llu", -1LL, 18446744073709551615ULL);
	CHECK_LIKE_LIBC("%zu %zx", (size_t)123456, (size_t)0xabcdef);
	CHECK_LIKE_LIBC("%hd %hu %hhd %hhu", (short)-3, (unsigned short)65535,
			(signed char)-128, (unsigned char)255);
	CHECK_LIKE_LIBC("%o %#o %#o", 8u, 8u, 0u);
}

static void test_hex(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("%x %X", 0xdeadbeefu, 0xdeadbeefu);
	CHECK_LIKE_LIBC("%lx", 0xfedcba9876543210ul);
	CHECK_LIKE_LIBC("%#x %#lx %#X", 0x1fu, 0x80000000ul, 0xabu);
	CHECK_LIKE_LIBC("%#x", 0u);
	CHECK_LIKE_LIBC("%016lx", 0x1234ul);
	CHECK_LIKE_LIBC("%#018lx", 0x1234ul);
	CHECK_LIKE_LIBC("%08x|%-8x|%8x", 0xau, 0xbu, 0xcu);
}

static void test_width_and_padding(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("[%5d] [%-5d] [%05d]", 42, 42, 42);
	CHECK_LIKE_LIBC("[%5d] [%05d] [%-5d]", -42, -42, -42);
	CHECK_LIKE_LIBC("[%2d]", 12345);
	CHECK_LIKE_LIBC("[%*d] [%-*d]", 6, 7, 6, 7);
	CHECK_LIKE_LIBC("[%*d]", -4, 9);
	CHECK_LIKE_LIBC("[%10s] [%-10s] [%2s]", "abc", "abc", "abcdef");
	CHECK_LIKE_LIBC("[%3c] [%-3c] [%c]", 'x', 'y', 'z');
}

static void test_strings_pointers_percent(void **state)
{
	(void)state;
	CHECK_LIKE_LIBC("%s and %s", "one", "");
	CHECK_LIKE_LIBC("100%% sure");
	CHECK_LIKE_LIBC("%p", (void *)0xffff800000001000ul);
	CHECK_LIKE_LIBC("%p", (void *)0x10);
}

static void test_null_string(void **state)
{
	char buf[32];
	const char *volatile nothing = NULL;

	(void)state;
	fmt_snprintf(buf, sizeof(buf), "%s", nothing);
	assert_string_equal(buf, "(null)");
}

static void test_truncation(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	n = fmt_snprintf(buf, 5, "abcdefgh");
	assert_int_equal(n, 8);
	assert_string_equal(buf, "abcd");
	assert_int_equal(buf[5], 'Z'); /* nothing written past size */

	n = fmt_snprintf(buf, 1, "xyz");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "");

	buf[0] = 'Q';
	n = fmt_snprintf(buf, 0, "xyz");
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], 'Q');
}

static void test_malformed_formats(void **state)
{
	char buf[32];

	(void)state;
	/* A trailing lone '%' must not read past the end of the format. */
	fmt_snprintf(buf, sizeof(buf), "%s", "50");
	assert_string_equal(buf, "50");
	{
		const char *f = "abc%";

		fmt_snprintf(buf, sizeof(buf), f);
	}
	assert_string_equal(buf, "abc%");
	{
		const char *f = "[%q]";

		fmt_snprintf(buf, sizeof(buf), f);
	}
	assert_string_equal(buf, "[%q]");
}

struct count_sink {
	char text[64];
	int n;
};

static void count_put(void *ctx, char c)
{
	struct count_sink *s = ctx;

	if (s->n < (int)sizeof(s->text) - 1)
		s->text[s->n] = c;
	s->n++;
}

static int call_vformat(struct count_sink *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(count_put, s, fmt, ap);
	va_end(ap);
	return n;
}

static void test_sink_sees_every_char(void **state)
{
	struct count_sink s = {0};
	int n;

	(void)state;
	n = call_vformat(&s, "vec %u err %#x", 13u, 0x18u);
	assert_int_equal(n, s.n);
	assert_string_equal(s.text, "vec 13 err 0x18");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_width_and_padding),
		cmocka_unit_test(test_strings_pointers_percent),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_malformed_formats),
		cmocka_unit_test(test_sink_sees_every_char),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
