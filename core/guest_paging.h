/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_GUEST_PAGING_H
#define MHV_CORE_GUEST_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

/*
 * Reading guest memory by guest-virtual address, walking the guest's own
 * page tables (none, 32-bit, PAE or 4-level) in guest RAM. Used on slow
 * paths only: fetching the instruction behind an MMIO exit.
 * Returns 0, or -1 when an address is unmapped or outside guest RAM.
 */
int guest_virt_to_phys(struct vm *vm, const struct vcpu_state *s, uint64_t gva,
		       uint64_t *gpa);
int guest_read_virt(struct vm *vm, const struct vcpu_state *s, uint64_t gva,
		    void *buf, size_t len);

#endif
