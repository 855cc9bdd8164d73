// SPDX-License-Identifier: MIT
/*
 * A guest's module line: name=value options, then "--" and the payload's
 * arguments (see core/vm/guest_options.h). Every refusal names the word and
 * says what is wrong with it.
 *
 * Adding an option is one parse function and one row in options[].
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm/guest_options.h"
#include "core/vm/guest_ram.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/tokenize.h"

#define GUEST_MEM_MIN MiB(2)
/* Whether the host has that much is asked when the VM is made. */
#define GUEST_MEM_MAX GUEST_RAM_MAX
#define GUEST_MEM_ALIGN GUEST_RAM_CHUNK

/* The messages and hints below spell these numbers out. */
_Static_assert(GUEST_NAME_MAX == 32, "name messages say 31 characters");
_Static_assert(GUEST_MAX_CPUS == 16, "cpus= messages say 16");

struct guest_option_desc {
	const char *name;
	/*
	 * Returns 0 and updates out, or -1 with *why set to what is wrong
	 * with the value (a static string, the whole of the message after
	 * the quoted word).
	 */
	int (*parse)(struct span v, struct guest_options *out,
		     const char **why);
	const char *hint; /* accepted values, for error messages */
};

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Checks a name; NULL if it is fine, or what is wrong with it. */
static const char *check_name(struct span v)
{
	if (v.len == 0)
		return "empty name";
	if (v.len > GUEST_NAME_MAX - 1)
		return "name longer than 31 characters";
	for (size_t i = 0; i < v.len; i++) {
		if (!name_char_ok(v.s[i]))
			return "a name may only contain A-Z a-z 0-9 . _ -";
	}
	return NULL;
}

static void set_name(struct guest_options *out, struct span v)
{
	for (size_t i = 0; i < v.len; i++)
		out->name[i] = v.s[i];
	out->name[v.len] = '\0';
}

static int parse_name(struct span v, struct guest_options *out,
		      const char **why)
{
	*why = check_name(v);
	if (*why)
		return -1;
	set_name(out, v);
	return 0;
}

static int parse_mem(struct span v, struct guest_options *out, const char **why)
{
	struct span digits = {v.s, v.len - 1};
	unsigned int shift;
	uint64_t n;
	int rc;

	switch (v.s[v.len - 1]) {
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	default:
		*why = "needs a suffix M, G or T, e.g. mem=256M";
		return -1;
	}
	rc = span_parse_dec(digits, GUEST_MEM_MAX >> shift, &n);
	if (rc == SPAN_NOT_A_NUMBER) {
		*why = "not a number with a suffix M, G or T";
		return -1;
	}
	if (rc == SPAN_TOO_LARGE) {
		*why = "more than 1T (more than a guest's physical address "
		       "width reaches)";
		return -1;
	}
	n <<= shift;
	if (n < GUEST_MEM_MIN) {
		*why = "less than 2M";
		return -1;
	}
	if (!IS_ALIGNED(n, GUEST_MEM_ALIGN)) {
		*why = "not a multiple of 2 MiB";
		return -1;
	}
	out->mem_bytes = n;
	return 0;
}

static int parse_cpus(struct span v, struct guest_options *out,
		      const char **why)
{
	uint64_t n;

	if (span_parse_dec(v, GUEST_MAX_CPUS, &n) || n == 0) {
		*why = "not a number from 1 to 16";
		return -1;
	}
	out->cpus = (unsigned int)n;
	return 0;
}

/* on or off, into *flag. */
static int parse_on_off(struct span v, bool *flag, const char **why)
{
	static const struct keyword onoff[] = {
		{"on", 1},
		{"off", 0},
	};
	int on;

	if (span_lookup(v, onoff, ARRAY_SIZE(onoff), &on)) {
		*why = "neither on nor off";
		return -1;
	}
	*flag = on;
	return 0;
}

static int parse_hypercalls(struct span v, struct guest_options *out,
			    const char **why)
{
	return parse_on_off(v, &out->hypercalls, why);
}

/* Whether the guest starts with the firmware state of core/vm/bios.c. */
static int parse_bios(struct span v, struct guest_options *out,
		      const char **why)
{
	return parse_on_off(v, &out->bios, why);
}

static int parse_nested(struct span v, struct guest_options *out,
			const char **why)
{
	static const struct keyword onoff[] = {
		{"on", 1},
		{"off", 0},
		{"nonpt", 2}, /* SVM without nested paging for the guest */
	};
	int on;

	if (span_lookup(v, onoff, ARRAY_SIZE(onoff), &on)) {
		*why = "not on, off or nonpt";
		return -1;
	}
	out->nested = on != 0;
	out->nested_no_npt = on == 2;
	return 0;
}

/* hide='s names, QEMU's -cpu feature names where QEMU has one. */
static const char *const hide_names[HIDE_COUNT] = {
	[HIDE_RDTSCP] = "rdtscp",
	[HIDE_INVPCID] = "invpcid",
	[HIDE_XSAVE] = "xsave",
	[HIDE_PCID] = "pcid",
	[HIDE_SMEP] = "smep",
	[HIDE_SMAP] = "smap",
	[HIDE_UMIP] = "umip",
	[HIDE_FSGSBASE] = "fsgsbase",
	[HIDE_PKU] = "pku",
	[HIDE_X2APIC] = "x2apic",
	[HIDE_TSC_DEADLINE] = "tsc-deadline",
	[HIDE_SKINIT] = "skinit",
	[HIDE_RDPRU] = "rdpru",
};

const char *guest_hide_name(enum guest_hide f)
{
	return (unsigned int)f < HIDE_COUNT ? hide_names[f] : "?";
}

/* A comma-separated list of features; repeats are allowed, empties not. */
static int parse_hide(struct span v, struct guest_options *out,
		      const char **why)
{
	struct span rest = v, word, tail;
	uint32_t mask = 0;

	for (;;) {
		bool more = span_split(rest, ',', &word, &tail);
		unsigned int f;

		if (!more)
			word = rest;
		for (f = 0; f < HIDE_COUNT; f++) {
			if (span_eq(word, hide_names[f]))
				break;
		}
		if (f == HIDE_COUNT) {
			*why = word.len
				       ? "names a feature mhv cannot hide "
					 "(rdtscp, invpcid, xsave, pcid, smep, "
					 "smap, umip, fsgsbase, pku, x2apic, "
					 "tsc-deadline, skinit, rdpru)"
				       : "has an empty feature name";
			return -1;
		}
		mask |= 1u << f;
		if (!more)
			break;
		rest = tail;
	}
	out->hide |= mask;
	return 0;
}

/* The spellings of expect=, which are also the outcomes' names. */
static const struct keyword outcomes[] = {
	{"exit", OUTCOME_EXIT},
	{"halt", OUTCOME_HALT},
	{"triple-fault", OUTCOME_TRIPLE_FAULT},
	{"bad-access", OUTCOME_BAD_ACCESS},
	{"load-error", OUTCOME_LOAD_ERROR},
	{"timeout", OUTCOME_TIMEOUT},
};

static int parse_expect(struct span v, struct guest_options *out,
			const char **why)
{
	struct span kind, status;
	uint64_t n;
	int o;

	if (span_split(v, ':', &kind, &status)) {
		if (!span_eq(kind, "exit")) {
			*why = "only exit takes a status (exit:N)";
			return -1;
		}
		switch (span_parse_dec(status, UINT32_MAX, &n)) {
		case 0:
			break;
		case SPAN_TOO_LARGE:
			*why = "exit status larger than 4294967295";
			return -1;
		default:
			*why = "exit status is not a decimal number";
			return -1;
		}
		out->expect = OUTCOME_EXIT;
		out->expect_status = (uint32_t)n;
		return 0;
	}
	if (span_lookup(v, outcomes, ARRAY_SIZE(outcomes), &o)) {
		*why = "not an outcome (exit|exit:N|halt|triple-fault|"
		       "bad-access|load-error|timeout)";
		return -1;
	}
	out->expect = (enum guest_outcome)o;
	out->expect_status = 0;
	return 0;
}

/*
 * A duration: decimal digits and a unit, ms, s, m or h. No unit is refused
 * rather than guessed: "timeout=5" could mean any of them.
 */
static int parse_timeout(struct span v, struct guest_options *out,
			 const char **why)
{
	static const struct {
		const char *unit;
		size_t len;
		uint64_t ms;
	} units[] = {{"ms", 2, 1},
		     {"s", 1, 1000},
		     {"m", 1, 60000},
		     {"h", 1, 3600000}};
	struct span digits = v;
	uint64_t n, ms = 0;

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		size_t ulen = units[i].len;

		if (v.len > ulen &&
		    span_eq((struct span){v.s + v.len - ulen, ulen},
			    units[i].unit)) {
			digits.len = v.len - ulen;
			ms = units[i].ms;
			break;
		}
	}
	if (!ms) {
		*why = "needs a unit ms, s, m or h, e.g. timeout=10s";
		return -1;
	}
	switch (span_parse_dec(digits, GUEST_TIMEOUT_MAX_MS / ms, &n)) {
	case 0:
		break;
	case SPAN_TOO_LARGE:
		*why = "longer than 24h";
		return -1;
	default:
		*why = "not a number with a unit ms, s, m or h";
		return -1;
	}
	if (!n) {
		*why = "zero: a guest needs at least 1ms";
		return -1;
	}
	out->timeout_ms = n * ms;
	return 0;
}

static int parse_module(struct span v, struct guest_options *out,
			const char **why)
{
	if (!span_eq(v, "next")) {
		*why = "the only value is next";
		return -1;
	}
	out->takes_next_module = true;
	return 0;
}

static const struct guest_option_desc options[] = {
	{"name", parse_name, "up to 31 of A-Z a-z 0-9 . _ -"},
	{"mem", parse_mem, "2M..1T in steps of 2M, e.g. 256M or 6G"},
	{"cpus", parse_cpus, "1..16"},
	{"hypercalls", parse_hypercalls, "on|off"},
	{"nested", parse_nested, "on|off|nonpt"},
	{"hide", parse_hide, "a comma-separated list, e.g. rdtscp,xsave"},
	{"bios", parse_bios, "on|off"},
	{"expect", parse_expect,
	 "exit|exit:N|halt|triple-fault|bad-access|load-error|timeout"},
	{"module", parse_module, "next"},
	{"timeout", parse_timeout,
	 "1ms..24h with unit ms, s, m or h, e.g. 10s"},
};

static const struct guest_option_desc *find_option(struct span name)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (span_eq(name, options[i].name))
			return &options[i];
	}
	return NULL;
}

static int parse_option(struct span w, struct guest_options *out, char *err,
			size_t errlen)
{
	char qw[SPAN_QUOTE_MAX];
	const struct guest_option_desc *d;
	struct span name, value;
	const char *why = NULL;

	if (!span_split(w, '=', &name, &value)) {
		d = find_option(w);
		if (d)
			fmt_snprintf(err, errlen,
				     "guest option '%s': needs a value (%s=%s)",
				     span_quote(qw, sizeof(qw), w), d->name,
				     d->hint);
		else
			fmt_snprintf(err, errlen,
				     "guest option '%s': unknown option "
				     "(payload arguments go after --)",
				     span_quote(qw, sizeof(qw), w));
		return -1;
	}
	d = find_option(name);
	if (!d) {
		fmt_snprintf(err, errlen, "guest option '%s': unknown option",
			     span_quote(qw, sizeof(qw), w));
		return -1;
	}
	if (value.len == 0) {
		fmt_snprintf(err, errlen, "guest option '%s': empty value (%s)",
			     span_quote(qw, sizeof(qw), w), d->hint);
		return -1;
	}
	if (d->parse(value, out, &why)) {
		fmt_snprintf(err, errlen, "guest option '%s': %s",
			     span_quote(qw, sizeof(qw), w), why);
		return -1;
	}
	return 0;
}

/* Appends a payload argument to out->args, space-separated. */
static int add_arg(struct span w, struct guest_options *out, size_t *len,
		   char *err, size_t errlen)
{
	char qw[SPAN_QUOTE_MAX];
	size_t at = *len ? *len + 1 : 0; /* after the separating space */

	/* at <= GUEST_ARGS_MAX, since *len <= GUEST_ARGS_MAX - 1. */
	if (at > GUEST_ARGS_MAX - 1 || w.len > GUEST_ARGS_MAX - 1 - at) {
		fmt_snprintf(err, errlen,
			     "guest argument '%s': payload arguments longer "
			     "than %d characters",
			     span_quote(qw, sizeof(qw), w), GUEST_ARGS_MAX - 1);
		return -1;
	}
	if (at)
		out->args[at - 1] = ' ';
	for (size_t i = 0; i < w.len; i++)
		out->args[at + i] = w.s[i];
	out->args[at + w.len] = '\0';
	*len = at + w.len;
	return 0;
}

int guest_options_parse(const char *module_cmdline, const char *default_name,
			struct guest_options *out, char *err, size_t errlen)
{
	struct span w, def = span_of(default_name);
	char name[GUEST_NAME_MAX];
	const char *p = module_cmdline;
	bool in_args = false;
	size_t args_len = 0;

	if (!err)
		errlen = 0;
	if (errlen)
		err[0] = '\0';

	/* Copied first: default_name may point into *out. */
	if (check_name(def))
		def = span_of("guest");
	for (size_t i = 0; i < def.len; i++)
		name[i] = def.s[i];

	*out = (struct guest_options){
		.mem_bytes = GUEST_DEFAULT_MEM,
		.cpus = 1,
		.hypercalls = false,
		.bios = false,
		.takes_next_module = false,
		.expect = OUTCOME_EXIT,
		.expect_status = 0,
		.timeout_ms = GUEST_DEFAULT_TIMEOUT_MS,
	};
	set_name(out, (struct span){name, def.len});

	while (token_next(&p, &w)) {
		if (in_args) {
			if (add_arg(w, out, &args_len, err, errlen))
				return -1;
		} else if (span_eq(w, "--")) {
			in_args = true;
		} else if (parse_option(w, out, err, errlen)) {
			return -1;
		}
	}
	return 0;
}

const char *guest_outcome_name(enum guest_outcome o)
{
	switch (o) {
	case OUTCOME_EXIT:
		return "exit";
	case OUTCOME_HALT:
		return "halt";
	case OUTCOME_TRIPLE_FAULT:
		return "triple-fault";
	case OUTCOME_BAD_ACCESS:
		return "bad-access";
	case OUTCOME_LOAD_ERROR:
		return "load-error";
	case OUTCOME_UNEXPECTED_EXIT:
		return "unexpected-exit";
	case OUTCOME_ENTRY_FAILED:
		return "entry-failed";
	case OUTCOME_TIMEOUT:
		return "timeout";
	case OUTCOME_COUNT:
		break;
	}
	return "unknown";
}
