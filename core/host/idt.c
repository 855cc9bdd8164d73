// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "core/host/cpu.h"
#include "core/host/idt.h"
#include "core/host/trap.h"
#include "core/x86.h"
#include "lib/compiler.h"

struct __packed idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

extern const uint64_t isr_stub_table[256];
static struct idt_gate idt[256] __aligned(16);

/* IST slots 1-3 of the TSS set up by gdt_init(). */
static uint8_t ist_for(unsigned int vector)
{
	switch (vector) {
	case VEC_DF:
		return 1;
	case VEC_NMI:
		return 2;
	case VEC_MC:
		return 3;
	default:
		return 0;
	}
}

void idt_load(void)
{
	struct desc_ptr ptr = {.limit = sizeof(idt) - 1, .base = (uint64_t)idt};

	lidt(&ptr);
}

void idt_init(void)
{
	for (unsigned int v = 0; v < ARRAY_SIZE(idt); v++) {
		uint64_t h = isr_stub_table[v];

		idt[v] = (struct idt_gate){
			.offset_lo = h & 0xffff,
			.selector = 0x08,
			.ist = ist_for(v),
			.type_attr = 0x8e, /* present, DPL 0, interrupt gate */
			.offset_mid = (h >> 16) & 0xffff,
			.offset_hi = h >> 32,
		};
	}
	idt_load();
}
