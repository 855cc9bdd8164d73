// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <ucontext.h>

#include "core/host/extable.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/fake_extable.h"

/* The linker's bounds of the section the EXTABLE_ENTRY()s went into. */
extern const struct extable_entry __start___ex_table[] __attribute__((weak));
extern const struct extable_entry __stop___ex_table[] __attribute__((weak));

static struct sigaction previous[2];
static volatile unsigned long fixups;

static uint64_t lookup(uint64_t rip)
{
	for (const struct extable_entry *e = __start___ex_table;
	     e && e < __stop___ex_table; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

static void on_fault(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *r = uc->uc_mcontext.gregs;
	uint64_t fixup = lookup((uint64_t)r[REG_RIP]);
	const struct sigaction *old = &previous[sig == SIGILL];

	if (fixup) {
		r[REG_RIP] = (greg_t)fixup;
		r[REG_RAX] = sig == SIGILL ? 6 : 13; /* #UD : #GP */
		fixups++;
		return;
	}
	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, info, ctx);
	} else if (old->sa_handler != SIG_IGN && old->sa_handler != SIG_DFL) {
		old->sa_handler(sig);
	} else {
		/* Not ours: the default action, when the fault repeats. */
		signal(sig, SIG_DFL);
	}
}

void fake_extable_install(void)
{
	static bool done;
	struct sigaction sa;

	if (done)
		return;
	done = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	CHECK(!sigaction(SIGSEGV, &sa, &previous[0]) &&
		      !sigaction(SIGILL, &sa, &previous[1]),
	      "cannot install the fault handler");
}

unsigned long fake_extable_fixups(void)
{
	return fixups;
}
