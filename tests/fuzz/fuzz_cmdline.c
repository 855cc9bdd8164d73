// SPDX-License-Identifier: MIT
/*
 * The kernel command line (boot/cmdline.c) on arbitrary text. The input
 * holds two lines, L and M, separated by its first NUL. Checked:
 *  - a refused line leaves the options as they were, byte for byte, and
 *    says why; with a short buffer the message is the same, cut;
 *  - an accepted line gives values each option's table knows, and a UART
 *    mhv can drive;
 *  - words are independent: "L M" is refused with L's message when L is
 *    refused, and otherwise does what parsing L, then M, does.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/cmdline.h"
#include "tests/fuzz/check.h"

#define ERR_MAX 200

struct result {
	int rc;
	struct mhv_options opt;
	char err[ERR_MAX];
};

/* Field by field: the padding of two equal results may differ. */
static bool same(const struct mhv_options *a, const struct mhv_options *b)
{
	const struct uart_desc *u = &a->serial, *w = &b->serial;

	return u->space == w->space && u->base == w->base &&
	       u->reg_shift == w->reg_shift && u->access == w->access &&
	       u->baud == w->baud && u->clock == w->clock &&
	       a->serial_given == b->serial_given && a->console == b->console &&
	       a->loglevel == b->loglevel && a->exit_mode == b->exit_mode &&
	       a->selftest == b->selftest && a->cpus == b->cpus &&
	       !strcmp(a->tdx, b->tdx);
}

/* What serial= may name: eight registers in I/O space, or MMIO below 2^52. */
static void check_uart(const struct uart_desc *u, const char *line)
{
	if (u->space == UART_PIO)
		CHECK(u->base && u->base + 7 <= 0xffff && u->access == 1,
		      "'%s' gave I/O port %#llx", line,
		      (unsigned long long)u->base);
	else
		CHECK(u->space == UART_MMIO && u->base &&
			      u->base < (1ULL << 52) &&
			      (u->access == 1 || u->access == 4) &&
			      u->base % u->access == 0 &&
			      (1u << u->reg_shift) == u->access,
		      "'%s' gave MMIO UART %#llx, access %u, shift %u", line,
		      (unsigned long long)u->base, u->access, u->reg_shift);
}

static void parse(const char *line, const struct mhv_options *start,
		  struct result *r)
{
	struct mhv_options before = *start;

	r->opt = *start;
	memset(r->err, 'X', sizeof(r->err));
	r->rc = cmdline_parse(line, &r->opt, r->err, sizeof(r->err));
	CHECK(memchr(r->err, '\0', sizeof(r->err)), "unterminated message");
	if (r->rc) {
		CHECK(r->rc == -1, "cmdline_parse returned %d", r->rc);
		CHECK(!memcmp(&r->opt, &before, sizeof(before)),
		      "'%s' was refused but changed the options", line);
		CHECK(r->err[0], "'%s' refused without a reason", line);
		return;
	}
	CHECK(!r->err[0], "'%s' accepted with a message: %s", line, r->err);
	CHECK((unsigned int)r->opt.loglevel <= LOG_DEBUG &&
		      (unsigned int)r->opt.exit_mode <= EXIT_HALT &&
		      (unsigned int)r->opt.selftest <= SELFTEST_AP_PANIC &&
		      r->opt.cpus <= MHV_MAX_CPUS &&
		      strlen(r->opt.tdx) <= CMDLINE_TDX_MAX,
	      "'%s' gave a value out of range: %d %d %d %u '%s'", line,
	      r->opt.loglevel, r->opt.exit_mode, r->opt.selftest, r->opt.cpus,
	      r->opt.tdx);
	CHECK(!(r->opt.console & ~(CONSOLE_SERIAL | CONSOLE_SCREEN)),
	      "'%s' gave consoles %#x", line, r->opt.console);
	check_uart(&r->opt.serial, line);
}

/* Every shorter buffer gets the same message, cut and terminated. */
static void check_short_buffers(const char *line, const struct result *full)
{
	size_t n = strlen(full->err);

	for (size_t len = 0; len <= n + 1; len += 1 + len / 4) {
		struct mhv_options opt = full->opt;
		char *err = malloc(len ? len : 1);

		CHECK(err, "out of memory");
		CHECK(cmdline_parse(line, &opt, err, len) == full->rc,
		      "the buffer's size changed the answer");
		if (len)
			CHECK(strlen(err) == (n < len ? n : len - 1) &&
				      !strncmp(err, full->err, len - 1),
			      "with %zu bytes the message is '%s', not a cut "
			      "'%s'",
			      len, err, full->err);
		free(err);
	}
}

static bool starts_with_slash(const char *s)
{
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	return *s == '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct result l, m_after_l, both;
	struct mhv_options start;
	char *buf = malloc(size + 2), *m, *joined;
	size_t ln;

	CHECK(buf, "out of memory");
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	ln = strlen(buf);
	m = buf + ln + 1;

	memset(&start, 0, sizeof(start));
	cmdline_defaults(&start);
	parse(buf, &start, &l);
	if (l.rc)
		check_short_buffers(buf, &l);

	/* "L M" against L then M (M's first word must not be a path). */
	if (starts_with_slash(m))
		goto out;
	joined = malloc(ln + strlen(m) + 2);
	CHECK(joined, "out of memory");
	strcpy(joined, buf);
	strcat(joined, " ");
	strcat(joined, m);
	parse(joined, &start, &both);
	if (l.rc) {
		CHECK(both.rc && !strcmp(both.err, l.err),
		      "'%s' refused as '%s', but '%s' as '%s'", buf, l.err,
		      joined, both.err);
	} else {
		parse(m, &l.opt, &m_after_l);
		CHECK(both.rc == m_after_l.rc, "'%s' %s, its two halves %s",
		      joined, both.rc ? "refused" : "accepted",
		      m_after_l.rc ? "not" : "too");
		CHECK(both.rc ? !strcmp(both.err, m_after_l.err)
			      : same(&both.opt, &m_after_l.opt),
		      "'%s' differs from its two halves", joined);
	}
	free(joined);
out:
	free(buf);
	return 0;
}
