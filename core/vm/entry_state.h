/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_ENTRY_STATE_H
#define MHV_CORE_VM_ENTRY_STATE_H

#include <stdint.h>

/*
 * The architectural state a vCPU starts in, said once in core and only
 * encoded by the backends (VMCB fields, VMCS fields).
 *
 * A segment's `attr` packs the descriptor's access byte (type, S, DPL, P)
 * in bits 0-7 and its flags (AVL, L, D/B, G) in bits 8-11: the VMCB's
 * format (APM vol. 2, 15.5.1); VMX spreads the same bits over 16 (SDM
 * vol. 3, 25.4.1). A null selector in LDTR means "no LDT": VMX encodes it
 * as unusable.
 */
struct seg_reg {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

struct dtable_reg {
	uint64_t base;
	uint16_t limit;
};

struct entry_state {
	struct seg_reg es, cs, ss, ds, fs, gs, ldtr, tr;
	struct dtable_reg gdtr, idtr;
	uint64_t cr0, cr3, cr4, efer;
	uint64_t rflags, rip, rsp;
	uint64_t dr6, dr7, pat;
};

/*
 * The multiboot v1 entry state (Multiboot 0.6.96, 3.2): 32-bit protected
 * mode with flat 4 GiB segments, paging off, interrupts off, at `entry`.
 * EAX and EBX (magic, info) are general registers, set by the loader.
 */
void entry_state_multiboot(struct entry_state *s, uint64_t entry);

/*
 * An AP started by a SIPI with `vector` (SDM vol. 3, 9.1.1 table 9-1 and
 * 9.4.4): the state after INIT, real mode with caches off, CS:IP at
 * vector << 8 : 0. EDX (the processor signature) is a general register.
 */
void entry_state_sipi(struct entry_state *s, uint8_t vector);

#endif
