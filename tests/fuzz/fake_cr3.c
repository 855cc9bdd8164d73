// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <ucontext.h>

#include "tests/fuzz/check.h"
#include "tests/fuzz/fake_cr3.h"

static struct sigaction previous;
static volatile uint64_t cr3;
static volatile unsigned long writes;

/* ModRM r/m (with REX.B) to the saved register that holds it. */
static const int gpr[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8,	 REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* Length of "[REX] 0F 22 /r" with reg = 3 at p, and its source; 0 if not. */
static unsigned int mov_to_cr3(const uint8_t *p, unsigned int *src)
{
	unsigned int rex = 0, n = 0;

	if ((p[0] & 0xf0) == 0x40)
		rex = p[n++];
	if (p[n] != 0x0f || p[n + 1] != 0x22 || (p[n + 2] & 0xf8) != 0xd8)
		return 0;
	*src = (p[n + 2] & 7) | (rex & 1) << 3;
	return n + 3;
}

static void on_fault(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *r = uc->uc_mcontext.gregs;
	unsigned int src = 0, len = 0;

	/*
	 * A #GP (SI_KERNEL) leaves RIP on an instruction that was fetched;
	 * a page fault may be the fetch itself, and RIP unreadable.
	 */
	if (info->si_code == SI_KERNEL)
		len = mov_to_cr3((const uint8_t *)r[REG_RIP], &src);
	if (len) {
		cr3 = (uint64_t)r[gpr[src]];
		writes++;
		r[REG_RIP] += len;
		return;
	}
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, info, ctx);
	} else if (previous.sa_handler != SIG_IGN &&
		   previous.sa_handler != SIG_DFL) {
		previous.sa_handler(sig);
	} else {
		/* Not ours: the default action, when the fault repeats. */
		signal(sig, SIG_DFL);
	}
}

void fake_cr3_install(void)
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
	CHECK(!sigaction(SIGSEGV, &sa, &previous),
	      "cannot install the fault handler");
}

uint64_t fake_cr3_value(void)
{
	return cr3;
}

unsigned long fake_cr3_writes(void)
{
	return writes;
}
