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

#include "boot/cmdline.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/tokenize.h"

struct option_desc {
	const char *name;
	/* Returns 0 and updates opt, or -1 and leaves it untouched. */
	int (*parse)(struct span value, struct mhv_options *opt);
	const char *hint; /* accepted values, for error messages */
};

/* "0x" followed by hex digits, 0x1..0xffff. Stops as soon as it overflows. */
static int parse_port(struct span v, uint16_t *out)
{
	uint64_t port;

	if (span_parse_hex(v, 0xffff, &port) || port == 0)
		return -1;
	*out = (uint16_t)port;
	return 0;
}

/*
 * An MMIO UART below the 52-bit physical limit, aligned to its access size
 * (mmio: byte registers 1 apart; mmio32: dword registers 4 apart, as on
 * many SoC UARTs).
 */
static int parse_mmio(struct span kind, struct span addr, struct uart_desc *d)
{
	uint64_t pa;

	if (span_eq(kind, "mmio"))
		*d = (struct uart_desc){.space = UART_MMIO, .access = 1};
	else if (span_eq(kind, "mmio32"))
		*d = (struct uart_desc){
			.space = UART_MMIO, .access = 4, .reg_shift = 2};
	else
		return -1;
	if (span_parse_hex(addr, (1ULL << 52) - 64, &pa) || pa == 0 ||
	    pa % d->access)
		return -1;
	d->base = pa;
	return 0;
}

/* A decimal rate, or "keep" for the rate the firmware programmed. */
static int parse_baud(struct span v, uint32_t *out)
{
	uint64_t baud;

	if (span_eq(v, "keep")) {
		*out = 0;
		return 0;
	}
	if (span_parse_dec(v, UART_DEFAULT_BAUD, &baud) || baud < 50)
		return -1;
	*out = (uint32_t)baud;
	return 0;
}

/* WHERE[,BAUD]: com1-com4, 0xPORT, mmio:0xADDR or mmio32:0xADDR. */
static int parse_serial(struct span v, struct mhv_options *opt)
{
	static const struct keyword ports[] = {
		{"com1", 0x3f8},
		{"com2", 0x2f8},
		{"com3", 0x3e8},
		{"com4", 0x2e8},
	};
	struct uart_desc d = UART_COM1;
	struct span where = v, baud = {0}, kind, addr;
	uint16_t port16;
	int port;

	if (span_split(v, ',', &where, &baud) && parse_baud(baud, &d.baud))
		return -1;
	if (span_split(where, ':', &kind, &addr)) {
		uint32_t rate = d.baud;

		if (parse_mmio(kind, addr, &d))
			return -1;
		d.baud = rate;
	} else if (span_lookup(where, ports, ARRAY_SIZE(ports), &port) == 0) {
		d.base = (uint16_t)port;
	} else if (parse_port(where, &port16) == 0 && port16 <= 0xfff8) {
		d.base = port16; /* all eight registers inside I/O space */
	} else {
		return -1;
	}
	opt->serial = d;
	opt->serial_given = true;
	return 0;
}

/* A comma-separated list of serial and screen, each at most once. */
static int parse_console(struct span v, struct mhv_options *opt)
{
	static const struct keyword names[] = {
		{"serial", CONSOLE_SERIAL},
		{"screen", CONSOLE_SCREEN},
	};
	unsigned int mask = 0;
	struct span item, rest = v;
	int bit;

	for (;;) {
		bool more = span_split(rest, ',', &item, &rest);

		if (!more)
			item = rest;
		if (span_lookup(item, names, ARRAY_SIZE(names), &bit) ||
		    (mask & (unsigned int)bit))
			return -1;
		mask |= (unsigned int)bit;
		if (!more)
			break;
	}
	opt->console = mask;
	return 0;
}

static int parse_loglevel(struct span v, struct mhv_options *opt)
{
	static const struct keyword levels[] = {
		{"error", LOG_ERROR}, {"warn", LOG_WARN}, {"info", LOG_INFO},
		{"debug", LOG_DEBUG}, {"0", LOG_ERROR},	  {"1", LOG_WARN},
		{"2", LOG_INFO},      {"3", LOG_DEBUG},
	};
	int level;

	if (span_lookup(v, levels, ARRAY_SIZE(levels), &level))
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

	if (span_lookup(v, modes, ARRAY_SIZE(modes), &mode))
		return -1;
	opt->exit_mode = (enum exit_mode)mode;
	return 0;
}

static int parse_selftest(struct span v, struct mhv_options *opt)
{
	static const struct keyword tests[] = {
		{"none", SELFTEST_NONE},	 {"hang", SELFTEST_HANG},
		{"triple", SELFTEST_TRIPLE},	 {"fail", SELFTEST_FAIL},
		{"fault", SELFTEST_FAULT},	 {"smp", SELFTEST_SMP},
		{"ap-panic", SELFTEST_AP_PANIC},
	};
	int t;

	if (span_lookup(v, tests, ARRAY_SIZE(tests), &t))
		return -1;
	opt->selftest = (enum selftest)t;
	return 0;
}

/* A CPU count, 1..MHV_MAX_CPUS in decimal. */
static int parse_cpus(struct span v, struct mhv_options *opt)
{
	uint64_t n;

	if (span_parse_dec(v, MHV_MAX_CPUS, &n) || n == 0)
		return -1;
	opt->cpus = (unsigned int)n;
	return 0;
}

static int parse_tdx(struct span v, struct mhv_options *opt)
{
	if (v.len > CMDLINE_TDX_MAX)
		return -1;
	memcpy(opt->tdx, v.s, v.len);
	opt->tdx[v.len] = '\0';
	return 0;
}

static const struct option_desc options[] = {
	{"serial", parse_serial,
	 "com1-4, 0xPORT, mmio:0xADDR, mmio32:0xADDR; [,BAUD|,keep]"},
	{"console", parse_console, "serial, screen or serial,screen"},
	{"loglevel", parse_loglevel, "error|warn|info|debug or 0-3"},
	{"exit", parse_exit, "auto|halt"},
	{"selftest", parse_selftest,
	 "hang|triple|fail|fault|smp|ap-panic|none"},
	{"cpus", parse_cpus, "1-64, the most CPUs to start"},
	{"tdx", parse_tdx, "a request of the SEAM layer, see docs/tdx.md"},
};

static int parse_word(struct span w, struct mhv_options *opt, char *err,
		      size_t errlen)
{
	char qw[SPAN_QUOTE_MAX], qv[SPAN_QUOTE_MAX];
	struct span name, value;
	const struct option_desc *d = NULL;

	if (!span_split(w, '=', &name, &value)) {
		fmt_snprintf(err, errlen,
			     "option '%s' needs a value (name=value)",
			     span_quote(qw, sizeof(qw), w));
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (span_eq(name, options[i].name)) {
			d = &options[i];
			break;
		}
	}
	if (!d) {
		fmt_snprintf(err, errlen, "unknown option '%s'",
			     span_quote(qw, sizeof(qw), w));
		return -1;
	}
	if (value.len == 0) {
		fmt_snprintf(err, errlen, "empty value in '%s' (%s)",
			     span_quote(qw, sizeof(qw), w), d->hint);
		return -1;
	}
	if (d->parse(value, opt)) {
		fmt_snprintf(err, errlen, "bad value for %s: '%s' (%s)",
			     d->name, span_quote(qv, sizeof(qv), value),
			     d->hint);
		return -1;
	}
	return 0;
}

void cmdline_defaults(struct mhv_options *opt)
{
	opt->serial = UART_COM1;
	opt->serial_given = false;
	opt->console = 0;
	opt->loglevel = LOG_INFO;
	opt->exit_mode = EXIT_AUTO;
	opt->selftest = SELFTEST_NONE;
	opt->cpus = 0;
	opt->tdx[0] = '\0';
}

int cmdline_parse(const char *cmdline, struct mhv_options *opt, char *err,
		  size_t errlen)
{
	struct mhv_options tmp = *opt;
	const char *p = cmdline;
	struct span w;
	bool first = true;

	if (!err)
		errlen = 0;
	if (errlen)
		err[0] = '\0';

	while (token_next(&p, &w)) {
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
