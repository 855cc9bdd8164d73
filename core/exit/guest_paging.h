/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_EXIT_GUEST_PAGING_H
#define MHV_CORE_EXIT_GUEST_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "core/exit/insn_decode.h"
#include "core/vm/vm.h"
#include "core/x86.h"

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

/* The same the other way: guest-virtual writes (string I/O's INS). */
int guest_write_virt(struct vm *vm, const struct vcpu_state *s, uint64_t gva,
		     const void *buf, size_t len);

/* The mode the guest's code runs in: CS.L with EFER.LMA, else CS.D. */
static inline enum cpu_mode guest_cpu_mode(const struct vcpu_state *s)
{
	if (s->cs_long && (s->efer & EFER_LMA))
		return CPU_MODE_64;
	return s->cs_db ? CPU_MODE_32 : CPU_MODE_16;
}

/*
 * Up to INSN_MAX_LEN bytes of the instruction at CS:RIP, as the CPU
 * fetches them: in 64-bit mode the CS base is ignored (SDM vol. 3, 3.4.4);
 * outside it the offset wraps at 4 GiB and so does the linear address.
 * Returns how many bytes could be read, stopping at the first unmapped one.
 */
size_t guest_fetch_insn(struct vm *vm, const struct vcpu_state *s,
			uint8_t *buf);

#endif
