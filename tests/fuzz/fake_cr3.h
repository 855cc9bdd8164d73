/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_FUZZ_FAKE_CR3_H
#define MHV_TESTS_FUZZ_FAKE_CR3_H

#include <stdint.h>

/*
 * CR3 for hosted programs. write_cr3() (core/host/cpu.h) is an inline
 * MOV to CR3, which faults in user mode and reaches the program as
 * SIGSEGV. The handler installed here finds that instruction at the
 * faulting RIP, keeps the value it would have loaded and resumes after
 * it, as if the CPU had taken it; any other fault goes to the handler that
 * was there before (the sanitizer's). Install it once the runtime's own
 * handlers are in place (in the fuzz target, not in a constructor).
 */
void fake_cr3_install(void);

/* The last value written to CR3, and how many writes there were. */
uint64_t fake_cr3_value(void);
unsigned long fake_cr3_writes(void);

#endif
