// SPDX-License-Identifier: MIT
/*
 * Kernel command line: whitespace-separated name=value words. The parse
 * works on a copy of the options and only commits it when every word was
 * accepted, so a refused command line leaves the caller's options alone.
 *
 * Adding an option is one parse function and one row in options[].
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cmdline.h"
#include "lib/compiler.h"
#include "lib/fmt.h"

/* A word of the command line: not NUL-terminated. */
struct span {
	const char *s;
	size_t len;
};

struct option_desc {
	const char *name;
	/* Returns 0 and updates opt, or -1 and leaves it untouched. */
	int (*parse)(struct span value, struct mhv_options *opt);
	const char *hint; /* accepted values, for error messages */
};

struct keyword {
	const char *name;
	int value;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool span_eq(struct span a, const char *lit)
{
	size_t n = str_len(lit);

	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (a.s[i] != lit[i])
			return false;
	}
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Looks v up in a table of keywords; -1 if absent. */
static int lookup(struct span v, const struct keyword *kw, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (span_eq(v, kw[i].name)) {
			*out = kw[i].value;
			return 0;
		}
	}
	return -1;
}

/* "0x" followed by hex digits, 0x1..0xffff. Stops as soon as it overflows. */
static int parse_port(struct span v, uint16_t *out)
{
	uint32_t port = 0;

	if (v.len < 3 || v.s[0] != '0' || (v.s[1] != 'x' && v.s[1] != 'X'))
		return -1;
	for (size_t i = 2; i < v.len; i++) {
		int d = hex_digit(v.s[i]);

		if (d < 0)
			return -1;
		port = port * 16 + (uint32_t)d;
		if (port > 0xffff)
			return -1;
	}
	if (port == 0)
		return -1;
	*out = (uint16_t)port;
	return 0;
}

static int parse_serial(struct span v, struct mhv_options *opt)
{
	static const struct keyword ports[] = {
		{"com1", 0x3f8},
		{"com2", 0x2f8},
		{"com3", 0x3e8},
		{"com4", 0x2e8},
	};
	int port;

	if (lookup(v, ports, ARRAY_SIZE(ports), &port) == 0) {
		opt->serial_port = (uint16_t)port;
		return 0;
	}
	return parse_port(v, &opt->serial_port);
}

static int parse_loglevel(struct span v, struct mhv_options *opt)
{
	static const struct keyword levels[] = {
		{"error", LOG_ERROR}, {"warn", LOG_WARN}, {"info", LOG_INFO},
		{"debug", LOG_DEBUG}, {"0", LOG_ERROR},	  {"1", LOG_WARN},
		{"2", LOG_INFO},      {"3", LOG_DEBUG},
	};
	int level;

	if (lookup(v, levels, ARRAY_SIZE(levels), &level))
		return -1;
	opt->loglevel = (enum log_level)level;
	return 0;
}

static int parse_exit(struct span v, struct mhv_options *opt)
{
	static const struct keyword modes[] = {
		{"auto", EXIT_AUTO},
		{"halt", EXIT_HALT},
	};
	int mode;

	if (lookup(v, modes, ARRAY_SIZE(modes), &mode))
		return -1;
	opt->exit_mode = (enum exit_mode)mode;
	return 0;
}

static int parse_selftest(struct span v, struct mhv_options *opt)
{
	static const struct keyword tests[] = {
		{"none", SELFTEST_NONE},     {"hang", SELFTEST_HANG},
		{"triple", SELFTEST_TRIPLE}, {"fail", SELFTEST_FAIL},
		{"fault", SELFTEST_FAULT},
	};
	int t;

	if (lookup(v, tests, ARRAY_SIZE(tests), &t))
		return -1;
	opt->selftest = (enum selftest)t;
	return 0;
}

static const struct option_desc options[] = {
	{"serial", parse_serial, "com1-com4 or a hex port"},
	{"loglevel", parse_loglevel, "error|warn|info|debug or 0-3"},
	{"exit", parse_exit, "auto|halt"},
	{"selftest", parse_selftest, "hang|triple|fail|fault|none"},
};

/*
 * Copies a span into a NUL-terminated buffer for an error message,
 * shortening it with "..." if it does not fit (fmt has no precision).
 */
#define QUOTE_MAX 64

static const char *quote(char buf[QUOTE_MAX], struct span w)
{
	size_t n = w.len, i;

	if (n >= QUOTE_MAX) {
		n = QUOTE_MAX - 4;
		for (i = 0; i < 3; i++)
			buf[n + i] = '.';
		buf[n + 3] = '\0';
	} else {
		buf[n] = '\0';
	}
	for (i = 0; i < n; i++)
		buf[i] = w.s[i];
	return buf;
}

static int parse_word(struct span w, struct mhv_options *opt, char *err,
		      size_t errlen)
{
	char qw[QUOTE_MAX], qv[QUOTE_MAX];
	struct span name = {w.s, 0}, value;
	const struct option_desc *d = NULL;

	while (name.len < w.len && w.s[name.len] != '=')
		name.len++;
	if (name.len == w.len) {
		fmt_snprintf(err, errlen,
			     "option '%s' needs a value (name=value)",
			     quote(qw, w));
		return -1;
	}
	value.s = w.s + name.len + 1;
	value.len = w.len - name.len - 1;

	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (span_eq(name, options[i].name)) {
			d = &options[i];
			break;
		}
	}
	if (!d) {
		fmt_snprintf(err, errlen, "unknown option '%s'", quote(qw, w));
		return -1;
	}
	if (value.len == 0) {
		fmt_snprintf(err, errlen, "empty value in '%s' (%s)",
			     quote(qw, w), d->hint);
		return -1;
	}
	if (d->parse(value, opt)) {
		fmt_snprintf(err, errlen, "bad value for %s: '%s' (%s)",
			     d->name, quote(qv, value), d->hint);
		return -1;
	}
	return 0;
}

void cmdline_defaults(struct mhv_options *opt)
{
	opt->serial_port = 0x3f8;
	opt->loglevel = LOG_INFO;
	opt->exit_mode = EXIT_AUTO;
	opt->selftest = SELFTEST_NONE;
}

int cmdline_parse(const char *cmdline, struct mhv_options *opt, char *err,
		  size_t errlen)
{
	struct mhv_options tmp = *opt;
	const char *p = cmdline;
	bool first = true;

	if (!err)
		errlen = 0;
	if (errlen)
		err[0] = '\0';
	if (!p)
		return 0;

	for (;;) {
		struct span w;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		w.s = p;
		while (*p && !is_space(*p))
			p++;
		w.len = (size_t)(p - w.s);

		/* Some loaders pass the image path as the first word. */
		if (first && w.s[0] == '/') {
			first = false;
			continue;
		}
		first = false;
		if (parse_word(w, &tmp, err, errlen))
			return -1;
	}
	*opt = tmp;
	return 0;
}
