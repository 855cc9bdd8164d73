/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_FUZZ_FAKE_EXTABLE_H
#define MHV_TESTS_FUZZ_FAKE_EXTABLE_H

/*
 * The exception fixups of core/host/extable.h for hosted programs. The
 * exit handlers reach rdmsr_safe() and xsetbv_safe() (the host's own
 * MSRs and XCR0): in user mode those instructions fault, and the kernel
 * turns the fault into SIGSEGV (#GP) or SIGILL (#UD). The handler
 * installed here does what mhv's exception handler does: it resumes at
 * the instruction's fixup label with the vector in RAX. Any other fault
 * goes to the handler that was there before (the sanitizer's).
 *
 * Call once the runtime's own handlers are in place (in the fuzz target,
 * not in a constructor).
 */
void fake_extable_install(void);

/* Faults the fixups have absorbed since the start. */
unsigned long fake_extable_fixups(void);

#endif
