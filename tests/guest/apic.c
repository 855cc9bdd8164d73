// SPDX-License-Identifier: MIT
#include "guest.h"

/* The xAPIC MMIO page a kvm-unit-tests guest programs at boot. */
#define APIC_BASE 0xfee00000ull
#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SPIV 0xf0
#define APIC_ICR_LO 0x300
#define APIC_ICR_BUSY (1u << 12)

static uint32_t apic_read(uint32_t reg)
{
	return readl(APIC_BASE + reg);
}

static void apic_write(uint32_t reg, uint32_t v)
{
	writel(APIC_BASE + reg, v);
}

int main(int argc, char **argv)
{
	uint32_t v;

	v = apic_read(APIC_ID);
	report(v >> 24 == 0, "APIC ID register %#x: ID 0", v);

	v = apic_read(APIC_VERSION);
	report((v & 0xff) != 0 && ((v >> 16) & 0xff) >= 3,
	       "version register %#x: version %#x, max LVT %u", v, v & 0xff,
	       (v >> 16) & 0xff);

	apic_write(APIC_SPIV, 0x1ff);
	v = apic_read(APIC_SPIV);
	report(v == 0x1ff, "SPIV reads back %#x", v);

	apic_write(APIC_TPR, 0x20);
	v = apic_read(APIC_TPR);
	report(v == 0x20, "TPR reads back %#x", v);

	apic_write(APIC_EOI, 0);
	report(true, "EOI write accepted");

	apic_write(APIC_ICR_LO, 0xc4500); /* INIT, all excluding self */
	for (int i = 0; i < 1000; i++) {
		v = apic_read(APIC_ICR_LO);
		if (!(v & APIC_ICR_BUSY))
			break;
	}
	report(!(v & APIC_ICR_BUSY), "ICR INIT IPI accepted, ICR low %#x", v);
	return report_summary();
}
