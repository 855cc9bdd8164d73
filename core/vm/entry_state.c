// SPDX-License-Identifier: MIT
#include "core/x86.h"
#include "core/vm/entry_state.h"
#include "core/x86.h"

#define FLAT_LIMIT 0xffffffffu
/* Access byte | flags: present, DPL 0, accessed; G=1, D/B=1. */
#define ATTR_CODE32 0xc9b /* execute/read code */
#define ATTR_DATA32 0xc93 /* read/write data */
#define ATTR_LDT 0x082	  /* present LDT */
#define ATTR_TSS32_BUSY 0x08b

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
