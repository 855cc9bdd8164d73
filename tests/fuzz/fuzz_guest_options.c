// SPDX-License-Identifier: MIT
/*
 * A guest's module line (core/vm/guest_options.c) on arbitrary text: the input
 * up to its first NUL is the line; its first byte, when it is a letter,
 * makes the default name point into the result (the parser must copy it
 * first). An accepted line must give a well-formed name, a RAM size in
 * range, a known outcome, a time budget in range and arguments joined by
 * single spaces, and the options it gave, written back as a line, must
 * parse to themselves.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm/guest_options.h"
#include "lib/tokenize.h"
#include "tests/fuzz/check.h"

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static void check_name(const char *name)
{
	size_t n = strnlen(name, GUEST_NAME_MAX);

	CHECK(n > 0 && n < GUEST_NAME_MAX, "name of %zu characters", n);
	for (size_t i = 0; i < n; i++)
		CHECK(name_char_ok(name[i]), "name '%s' has %#x", name,
		      (unsigned char)name[i]);
}

static void check_args(const char *args)
{
	size_t n = strnlen(args, GUEST_ARGS_MAX);

	CHECK(n < GUEST_ARGS_MAX, "arguments not terminated");
	for (size_t i = 0; i < n; i++) {
		if (args[i] != ' ')
			CHECK(!token_is_space(args[i]),
			      "whitespace %#x inside an argument", args[i]);
		else
			CHECK(i > 0 && i + 1 < n && args[i + 1] != ' ',
			      "arguments '%s' not joined by single spaces",
			      args);
	}
}

static bool same(const struct guest_options *a, const struct guest_options *b)
{
	return !strcmp(a->name, b->name) && a->mem_bytes == b->mem_bytes &&
	       a->cpus == b->cpus && a->hypercalls == b->hypercalls &&
	       a->bios == b->bios &&
	       a->takes_next_module == b->takes_next_module &&
	       a->expect == b->expect && a->expect_status == b->expect_status &&
	       a->timeout_ms == b->timeout_ms && !strcmp(a->args, b->args);
}

static void check_round_trip(const struct guest_options *o)
{
	static struct guest_options back;
	char line[GUEST_ARGS_MAX + 200], expect[24], err[160];

	if (o->expect == OUTCOME_EXIT)
		snprintf(expect, sizeof(expect), "exit:%u", o->expect_status);
	else
		snprintf(expect, sizeof(expect), "%s",
			 guest_outcome_name(o->expect));
	snprintf(line, sizeof(line),
		 "name=%s mem=%lluM cpus=%u hypercalls=%s bios=%s expect=%s "
		 "timeout=%llums %s-- %s",
		 o->name, (unsigned long long)(o->mem_bytes >> 20), o->cpus,
		 o->hypercalls ? "on" : "off", o->bios ? "on" : "off", expect,
		 (unsigned long long)o->timeout_ms,
		 o->takes_next_module ? "module=next " : "", o->args);
	CHECK(!guest_options_parse(line, "other", &back, err, sizeof(err)),
	      "'%s' is refused: %s", line, err);
	CHECK(same(&back, o), "'%s' does not parse to itself", line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_options out;
	char *line = malloc(size + 1), err[160];
	const char *def = "guest7";
	int rc;

	CHECK(line, "out of memory");
	memcpy(line, data, size);
	line[size] = '\0';
	if (size && line[0] >= 'a' && line[0] <= 'z') {
		/* default_name inside *out: the parser must copy it first. */
		snprintf(out.name, sizeof(out.name), "g%c", line[0]);
		def = out.name;
	}

	rc = guest_options_parse(line, def, &out, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	if (rc) {
		CHECK(rc == -1 && err[0], "refused (%d) without a reason", rc);
	} else {
		CHECK(!err[0], "accepted with a message: %s", err);
		check_name(out.name);
		if (def != out.name && !strstr(line, "name="))
			CHECK(!strcmp(out.name, def), "name '%s' from nowhere",
			      out.name);
		CHECK(out.mem_bytes >= (2ULL << 20) &&
			      out.mem_bytes <= (1ULL << 40) &&
			      out.mem_bytes % (2ULL << 20) == 0,
		      "RAM of %#llx bytes", (unsigned long long)out.mem_bytes);
		CHECK(out.cpus >= 1 && out.cpus <= 16, "%u vCPUs", out.cpus);
		CHECK(out.expect == OUTCOME_EXIT ||
			      out.expect == OUTCOME_HALT ||
			      out.expect == OUTCOME_TRIPLE_FAULT ||
			      out.expect == OUTCOME_BAD_ACCESS ||
			      out.expect == OUTCOME_LOAD_ERROR ||
			      out.expect == OUTCOME_TIMEOUT,
		      "outcome %d", out.expect);
		CHECK(out.timeout_ms >= 1 &&
			      out.timeout_ms <= 24ULL * 3600 * 1000,
		      "timeout of %llu ms", (unsigned long long)out.timeout_ms);
		CHECK(out.expect == OUTCOME_EXIT || !out.expect_status,
		      "status %u without exit", out.expect_status);
		check_args(out.args);
		check_round_trip(&out);
	}
	free(line);
	return 0;
}
