// SPDX-License-Identifier: MIT
#include "core/vm/entry_state.h"

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
		.cr0 = 0x11, /* PE, ET */
		.rflags = 0x2,
		.rip = entry,
		.dr6 = 0xffff0ff0,
		.dr7 = 0x400,
		.pat = 0x0007040600070406ULL, /* the power-on PAT */
	};
}
