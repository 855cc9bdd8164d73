/* SPDX-License-Identifier: MIT */
#ifndef MHV_LIB_TOKENIZE_H
#define MHV_LIB_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Words of a command line: whitespace-separated, "name=value" options,
 * keywords and numbers. Nothing here allocates or writes to the line: a
 * word is a span pointing into it, and is not NUL-terminated.
 */
struct span {
	const char *s;
	size_t len;
};

/* A row of a keyword table: the spelling and what it stands for. */
struct keyword {
	const char *name;
	int value;
};

/* Space, tab, newline, carriage return, vertical tab, form feed. */
bool token_is_space(char c);

/*
 * The next word at or after *pos: skips whitespace, stores the word in *w
 * and moves *pos past it. Returns false (w untouched) at the end of the
 * string; a NULL *pos is the empty string.
 *
 *	const char *p = line;
 *	struct span w;
 *
 *	while (token_next(&p, &w))
 *		...
 */
bool token_next(const char **pos, struct span *w);

/* The span of a whole NUL-terminated string (NULL is the empty span). */
struct span span_of(const char *s);

/* Whether a is exactly lit (case-sensitive). */
bool span_eq(struct span a, const char *lit);

/*
 * Splits w at the first sep: *before gets what precedes it and *after what
 * follows (both may be empty). Returns false, leaving both untouched, if
 * sep does not occur. span_split(w, '=', &name, &value) splits an option.
 */
bool span_split(struct span w, char sep, struct span *before,
		struct span *after);

/* Looks v up in a table of n keywords; 0 with *out set, or -1 if absent. */
int span_lookup(struct span v, const struct keyword *kw, size_t n, int *out);

/*
 * Unsigned numbers, without sign, spaces or suffix. The accumulation stops
 * as soon as it exceeds max, so no input can wrap around.
 * Return 0 with *out set, or
 *   SPAN_NOT_A_NUMBER  empty, or a character that is not a digit
 *   SPAN_TOO_LARGE     a well-formed number greater than max
 * and leave *out untouched on failure.
 */
#define SPAN_NOT_A_NUMBER (-1)
#define SPAN_TOO_LARGE (-2)

/* Decimal digits; leading zeros are allowed. */
int span_parse_dec(struct span v, uint64_t max, uint64_t *out);
/* "0x" or "0X" then at least one hex digit (either case). */
int span_parse_hex(struct span v, uint64_t max, uint64_t *out);
/* Hex with a 0x/0X prefix, decimal otherwise. */
int span_parse_uint(struct span v, uint64_t max, uint64_t *out);

/*
 * Copies w into buf as a NUL-terminated string for a message. If it does
 * not fit, it is cut and ends with "..." (or is just cut, for size < 4).
 * Returns buf ("" if size is 0).
 */
#define SPAN_QUOTE_MAX 64
const char *span_quote(char *buf, size_t size, struct span w);

#endif
