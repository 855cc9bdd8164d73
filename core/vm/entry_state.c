// SPDX-License-Identifier: MIT
#include "core/vm/entry_state.h"
#include "core/x86.h"

#define FLAT_LIMIT 0xffffffffu
/* Access byte | flags: present, DPL 0, accessed; G=1, D/B=1. */
#define ATTR_CODE32 0xc9b /* execute/read code */
#define ATTR_DATA32 0xc93 /* read/write data */
#define ATTR_LDT 0x082	  /* present LDT */
#define ATTR_TSS32_BUSY 0x08b
#define ATTR_REAL_CODE 0x09b /* 16-bit execute/read code, accessed */
#define ATTR_REAL_DATA 0x093 /* 16-bit read/write data, accessed */
#define REAL_LIMIT 0xffffu

void entry_state_multiboot(struct entry_state *s, uint64_t entry)
{
	const struct seg_reg data = {0x10, ATTR_DATA32, FLAT_LIMIT, 0};

	*s = (struct entry_state){
		.cs = {0x08, ATTR_CODE32, FLAT_LIMIT, 0},
		.ds = data,
		.es = data,
		.ss = data,
		.fs = data,
		.gs = data,
		.ldtr = {0, ATTR_LDT, 0xffff, 0},
		.tr = {0, ATTR_TSS32_BUSY, 0xffff, 0},
		.gdtr = {0, 0xffff},
		.idtr = {0, 0x3ff},
		.cr0 = CR0_PE | CR0_ET,
		.rflags = RFLAGS_FIXED1,
		.rip = entry,
		.dr6 = DR6_RESET,
		.dr7 = DR7_RESET,
		.pat = PAT_RESET,
	};
}

void entry_state_sipi(struct entry_state *s, uint8_t vector)
{
	const struct seg_reg data = {0, ATTR_REAL_DATA, REAL_LIMIT, 0};

	*s = (struct entry_state){
		.cs = {(uint16_t)(vector << 8), ATTR_REAL_CODE, REAL_LIMIT,
		       (uint64_t)vector << 12},
		.ds = data,
		.es = data,
		.ss = data,
		.fs = data,
		.gs = data,
		.ldtr = {0, ATTR_LDT, REAL_LIMIT, 0},
		/*
		 * Busy 32-bit TSS, as KVM resets it: table 9-1 says only
		 * "present, R/W", and a guest that enters long mode without
		 * LTR (kvm-unit-tests' APs do) needs type 11 under VMX's
		 * checks (SDM vol. 3, 27.3.1.2).
		 */
		.tr = {0, ATTR_TSS32_BUSY, REAL_LIMIT, 0},
		.gdtr = {0, REAL_LIMIT},
		.idtr = {0, REAL_LIMIT},
		.cr0 = CR0_CD | CR0_NW | CR0_ET,
		.rflags = RFLAGS_FIXED1,
		.rip = 0,
		.dr6 = DR6_RESET,
		.dr7 = DR7_RESET,
		.pat = PAT_RESET,
	};
}
