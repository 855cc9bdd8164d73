/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_EXTABLE_H
#define MHV_CORE_HOST_EXTABLE_H

#include <stdint.h>

/*
 * Exception fixups. An instruction listed here that faults does not panic:
 * the exception handler resumes at its fixup label with the vector number
 * in RAX. Used by rdmsr_safe/wrmsr_safe and by SEAMCALL, whose #UD/#GP
 * become status codes.
 *
 * In inline asm:  "1: rdmsr\n" ... "2: (fixup)\n" EXTABLE_ENTRY("1b", "2b")
 */
#define EXTABLE_ENTRY(insn, fixup)           \
	".pushsection __ex_table, \"a\"\n\t" \
	".balign 8\n\t"                      \
	".quad " insn ", " fixup "\n\t"      \
	".popsection\n\t"

struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
};

/* Returns the fixup address for a faulting RIP, or 0 if it has none. */
uint64_t extable_lookup(uint64_t rip);

#endif
