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
static volatile uint64_t cr3, cr0 = 0x80050033;
static volatile unsigned long writes;
/* The last emulated instruction read CR3: a write of it back is a flush. */
static volatile bool cr3_just_read;

/* ModRM r/m (with REX.B) to the saved register that holds it. */
static const int gpr[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8,	 REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/*
 * The privileged instructions memory_init() runs, emulated: MOV to and
 * from CR0 and CR3 ("[REX] 0F 22/20 /r"), WBINVD (0F 09) and WRMSR
 * (0F 30, the PAT load: dropped). Returns the length, 0 if not one.
 */
static unsigned int emulate(const uint8_t *p, greg_t *r)
{
	unsigned int rex = 0, n = 0, cr, gp;
	volatile uint64_t *reg;

	if ((p[0] & 0xf0) == 0x40)
		rex = p[n++];
	if (p[n] != 0x0f)
		return 0;
	if (p[n + 1] == 0x09 || p[n + 1] == 0x30) {
		cr3_just_read = false;
		return n + 2;
	}
	if ((p[n + 1] != 0x22 && p[n + 1] != 0x20) || (p[n + 2] & 0xc0) != 0xc0)
		return 0;
	cr = (p[n + 2] >> 3) & 7;
	gp = (p[n + 2] & 7) | (rex & 1) << 3;
	if (cr != 0 && cr != 3)
		return 0;
	reg = cr == 3 ? &cr3 : &cr0;
	if (p[n + 1] == 0x20) {
		r[gpr[gp]] = (greg_t)*reg;
		cr3_just_read = cr == 3;
		return n + 3;
	}
	/* write_cr3(read_cr3()) is a TLB flush, not a load of a root. */
	if (cr == 3 && !(cr3_just_read && *reg == (uint64_t)r[gpr[gp]]))
		writes++;
	*reg = (uint64_t)r[gpr[gp]];
	cr3_just_read = false;
	return n + 3;
}

static void on_fault(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *r = uc->uc_mcontext.gregs;
	unsigned int len = 0;

	/*
	 * A #GP (SI_KERNEL) leaves RIP on an instruction that was fetched;
	 * a page fault may be the fetch itself, and RIP unreadable.
	 */
	if (info->si_code == SI_KERNEL)
		len = emulate((const uint8_t *)r[REG_RIP], r);
	if (len) {
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
