/* SPDX-License-Identifier: MIT */
#ifndef MHV_GUEST_GUEST_H
#define MHV_GUEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/string.h"
#include "x86.h"

/*
 * The guest library of mhv's kvm-unit-tests-style payloads. The start code
 * runs exit(main(argc, argv)); main usually ends with
 * "return report_summary();".
 */
int main(int argc, char **argv);

/* Console on COM1. Like kvm-unit-tests, puts() adds no newline. */
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
void puts(const char *s);

/* 32-bit OUT of code to port 0xf4 (QEMU: status (code << 1) | 1). */
__noreturn void exit(int code);

/* "PASS: ", "FAIL: ", "SKIP: ", "INFO: " lines. */
void report(bool pass, const char *fmt, ...) __printf(2, 3);
/*
 * A check known to fail where xfail holds: "XFAIL: " then (not counted as
 * a failure), "XPASS: " if it passes there after all (counted: the reason
 * given for xfail is out of date).
 */
void report_xfail(bool xfail, bool pass, const char *fmt, ...) __printf(3, 4);
void report_skip(const char *fmt, ...) __printf(1, 2);
void report_info(const char *fmt, ...) __printf(1, 2);
/* Prints SUMMARY; returns 0 (passed), 1 (a failure), 77 (all skipped). */
int report_summary(void);

/* Multiboot v1 info: mem_upper in KiB (offset 8). */
uint32_t boot_mem_upper(void);
/* The multiboot v1 info structure the guest was entered with (EBX). */
const void *boot_info(void);

/*
 * The entry code identity-maps 0-4 GiB. map_identity() identity-maps
 * [start, end) as well (rounded out to 1 GiB), for RAM above 4 GiB: 1 GiB
 * pages where CPUID has them, else 2 MiB pages from a small pool of page
 * directories (16 GiB beyond 4 GiB). Only below 512 GiB (one PDPT); false
 * if it cannot map all of it.
 */
bool map_identity(uint64_t start, uint64_t end);

/*
 * Run fn(arg) with every exception vector 0-31 caught: on a fault, unwind
 * to here and return what was raised. Not nestable. Unarmed exceptions print
 * a FAIL line and exit(1).
 */
struct fault {
	bool raised;
	unsigned int vector;
	uint64_t rip;
	uint64_t error_code;
};

struct fault catch_fault(void (*fn)(void *), void *arg);

/*
 * Put a global label on one instruction inside an asm statement, so that a
 * test can compare fault.rip with it:
 *	DECLARE_INSN_LABEL(vmmcall_insn);
 *	asm volatile(INSN_LABEL(vmmcall_insn, "vmmcall"));
 * The enclosing function must not be inlined or cloned twice (call it only
 * through catch_fault's function pointer, or mark it noinline).
 */
#define INSN_LABEL(name, insn) ".global " #name "\n" #name ":\n\t" insn "\n\t"
#define DECLARE_INSN_LABEL(name) extern const char name[]

/*
 * RDMSR/WRMSR under catch_fault: true if the instruction completed, false
 * if it raised #GP (any other exception is reported as a FAIL line).
 */
bool rdmsr_checked(uint32_t msr, uint64_t *val);
bool wrmsr_checked(uint32_t msr, uint64_t val);

/*
 * Interrupts: NMI (vector 2) and vectors 32-255 call the handler set for
 * them with the interrupted context, and resume it when it returns (a
 * handler may change the saved registers). Handlers run with IF=0 (the
 * gates are interrupt gates) and send their own EOI. An interrupt without
 * a handler prints a FAIL line and exits(1).
 */
struct irq_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(struct irq_frame *f);

/* NULL removes the handler. Exception vectors (0-31 but 2) are refused. */
void set_irq_handler(unsigned int vector, irq_handler_t fn);

#define NMI_VECTOR 2
#define UD_VECTOR 6
#define GP_VECTOR 13

#endif
