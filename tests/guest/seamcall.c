// SPDX-License-Identifier: MIT
#include "guest.h"

/* SEAMCALL and TDCALL outside SEAM / a TD raise #UD. */
DECLARE_INSN_LABEL(seamcall_insn);
DECLARE_INSN_LABEL(tdcall_insn);

static void do_seamcall(void *arg)
{
	asm volatile(INSN_LABEL(seamcall_insn, ".byte 0x66, 0x0f, 0x01, 0xcf")
		     :
		     : "a"(0)
		     : "memory");
}

static void do_tdcall(void *arg)
{
	asm volatile(INSN_LABEL(tdcall_insn, ".byte 0x66, 0x0f, 0x01, 0xcc")
		     :
		     : "a"(0)
		     : "memory");
}

static void expect_ud(const char *name, void (*fn)(void *), const char *insn)
{
	struct fault f = catch_fault(fn, NULL);

	report(f.raised && f.vector == UD_VECTOR && f.rip == (uint64_t)insn,
	       "%s raises #UD at its RIP (raised %d, vector %u, rip %#lx, "
	       "expected %#lx)",
	       name, f.raised, f.vector, f.rip, (uint64_t)insn);
}

int main(int argc, char **argv)
{
	expect_ud("SEAMCALL", do_seamcall, seamcall_insn);
	expect_ud("TDCALL", do_tdcall, tdcall_insn);
	return report_summary();
}
