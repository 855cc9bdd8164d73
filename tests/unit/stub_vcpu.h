/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_STUB_VCPU_H
#define MHV_TESTS_UNIT_STUB_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm/vm.h"

/*
 * A backend with no VMCB and no VMCS, for testing core/'s exit semantics
 * and device models once rather than through each vendor: the guest state
 * is a plain struct vcpu_state the test sets, and an injected exception
 * is recorded, not encoded.
 */
struct stub_vcpu {
	struct vcpu_state state;
	uint64_t seg_base[6]; /* enum insn_seg order: ES CS SS DS FS GS */
	uint64_t tsc_offset;
	int injected; /* the last vector injected, or -1 */
	bool has_error;
	uint32_t error;
	unsigned int injections;
};

extern struct stub_vcpu stub;
extern const struct vm_backend stub_backend;

/* Exit codes below this have a counter of their own in the stub. */
#define STUB_EXIT_CODES (VM_EXIT_COUNTERS - 1)

/*
 * A VM named `name` with `ram_size` bytes of zeroed guest RAM (a heap
 * block of exactly that size, for ASan), its devices reset, vm_backend
 * pointing at the stub, and the vCPU in the multiboot entry state:
 * 32-bit protected mode, paging off, at `rip`.
 */
struct vm *stub_vm_create(const char *name, uint64_t ram_size, uint64_t rip);
void stub_vm_destroy(struct vm *vm);

#endif
