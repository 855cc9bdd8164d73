// SPDX-License-Identifier: MIT
/*
 * Command line words: see lib/tokenize.h. Self-contained (no libc, not even
 * lib/string.c) so any parser and its hosted tests can use it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/tokenize.h"

bool token_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

bool token_next(const char **pos, struct span *w)
{
	const char *p = *pos;

	if (!p)
		return false;
	while (token_is_space(*p))
		p++;
	if (!*p) {
		*pos = p;
		return false;
	}
	w->s = p;
	while (*p && !token_is_space(*p))
		p++;
	w->len = (size_t)(p - w->s);
	*pos = p;
	return true;
}

struct span span_of(const char *s)
{
	struct span r = {s ? s : "", 0};

	while (r.s[r.len])
		r.len++;
	return r;
}

bool span_eq(struct span a, const char *lit)
{
	size_t i;

	for (i = 0; i < a.len; i++) {
		/* lit's NUL never equals a.s[i] unless a holds a NUL. */
		if (!lit[i] || a.s[i] != lit[i])
			return false;
	}
	return lit[i] == '\0';
}

bool span_split(struct span w, char sep, struct span *before,
		struct span *after)
{
	for (size_t i = 0; i < w.len; i++) {
		if (w.s[i] == sep) {
			before->s = w.s;
			before->len = i;
			after->s = w.s + i + 1;
			after->len = w.len - i - 1;
			return true;
		}
	}
	return false;
}

int span_lookup(struct span v, const struct keyword *kw, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (span_eq(v, kw[i].name)) {
			*out = kw[i].value;
			return 0;
		}
	}
	return -1;
}

static int digit_value(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'z')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'Z')
		d = c - 'A' + 10;
	else
		return -1;
	return (unsigned int)d < base ? d : -1;
}

/*
 * Digits in base; checks every character first so that a malformed word
 * is SPAN_NOT_A_NUMBER even where it is also too large.
 */
static int parse_digits(struct span v, unsigned int base, uint64_t max,
			uint64_t *out)
{
	uint64_t n = 0;

	if (v.len == 0)
		return SPAN_NOT_A_NUMBER;
	for (size_t i = 0; i < v.len; i++) {
		if (digit_value(v.s[i], base) < 0)
			return SPAN_NOT_A_NUMBER;
	}
	for (size_t i = 0; i < v.len; i++) {
		uint64_t d = (uint64_t)digit_value(v.s[i], base);

		/* n * base + d > max, without computing it. */
		if (d > max || n > (max - d) / base)
			return SPAN_TOO_LARGE;
		n = n * base + d;
	}
	*out = n;
	return 0;
}

int span_parse_dec(struct span v, uint64_t max, uint64_t *out)
{
	return parse_digits(v, 10, max, out);
}

static bool has_hex_prefix(struct span v)
{
	return v.len >= 2 && v.s[0] == '0' && (v.s[1] == 'x' || v.s[1] == 'X');
}

int span_parse_hex(struct span v, uint64_t max, uint64_t *out)
{
	struct span digits;

	if (!has_hex_prefix(v))
		return SPAN_NOT_A_NUMBER;
	digits.s = v.s + 2;
	digits.len = v.len - 2;
	return parse_digits(digits, 16, max, out);
}

int span_parse_uint(struct span v, uint64_t max, uint64_t *out)
{
	if (has_hex_prefix(v))
		return span_parse_hex(v, max, out);
	return span_parse_dec(v, max, out);
}

const char *span_quote(char *buf, size_t size, struct span w)
{
	size_t n = w.len, i;

	if (size == 0)
		return "";
	if (n >= size) {
		if (size >= 4) {
			n = size - 4;
			for (i = 0; i < 3; i++)
				buf[n + i] = '.';
			buf[n + 3] = '\0';
		} else {
			n = size - 1;
			buf[n] = '\0';
		}
	} else {
		buf[n] = '\0';
	}
	for (i = 0; i < n; i++)
		buf[i] = w.s[i];
	return buf;
}
