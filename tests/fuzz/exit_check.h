/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_FUZZ_EXIT_CHECK_H
#define MHV_TESTS_FUZZ_EXIT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm/vm.h"

/*
 * What the two exit harnesses (fuzz_svm_exit.c, fuzz_vmx_exit.c) share:
 * the guest RAM they run in, and the rules every exit handler must keep
 * whatever the backend, checked through the vm_backend ops only.
 */

/* Guest RAM: code at EXIT_CODE_GPA, long-mode tables mapping 0-2 MiB. */
#define EXIT_RAM_SIZE 0x10000ULL
#define EXIT_CODE_GPA 0x1000ULL
#define EXIT_CODE_MAX 0x3000ULL
#define EXIT_PML4_GPA 0xc000ULL

/* The guest modes a harness starts in. */
enum exit_mode {
	EXIT_REAL,   /* CR0.PE clear, 16-bit code */
	EXIT_PROT32, /* flat 32-bit protected mode, paging off */
	EXIT_LONG,   /* 64-bit code, 4-level paging */
	EXIT_PROT16, /* 16-bit protected mode */
};

void exit_ram_setup(struct vm *vm, const uint8_t *code, size_t len);

/* The event the backend will deliver at the next entry, if any. */
struct exit_event {
	bool valid;
	unsigned int type; /* 3: hardware exception */
	unsigned int vector;
	bool has_error;
};

/* The guest as the exit found it. */
struct exit_before {
	uint64_t gpr[GPR_COUNT]; /* RSP from the VMCB/VMCS */
	struct vcpu_state s;
	uint64_t exits;
};

void exit_snapshot(struct vcpu *v, struct exit_before *b);

/*
 * After one exit: it was counted once; an ended VM says why; a running
 * one moved RIP by at most one instruction (and stays below 4 GiB outside
 * 64-bit mode), and an event it is to receive is one the CPU accepts at
 * VM entry and one a faulting instruction would raise (RIP and registers
 * as they were, RFLAGS.RF set). Returns whether the VM still runs.
 */
bool exit_check_after(struct vcpu *v, const struct exit_before *b,
		      const struct exit_event *ev, const char *what);

#endif
