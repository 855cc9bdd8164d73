// SPDX-License-Identifier: MIT
#include "guest.h"

/* x2APIC mode: IA32_APIC_BASE transitions and the MSR interface 0x800+. */
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)
#define APIC_MMIO 0xfee00000ull

#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_TPR 0x808
#define X2APIC_EOI 0x80b
#define X2APIC_DFR 0x80e /* xAPIC only: no MSR in x2APIC mode */
#define X2APIC_SPIV 0x80f
#define X2APIC_ICR 0x830
#define X2APIC_SELF_IPI 0x83f

static bool rd_gp(uint32_t msr)
{
	return !rdmsr_checked(msr, NULL);
}

/* RDMSR, or WRMSR then RDMSR: ~0 if either raises #GP. */
static uint64_t rd(uint32_t msr)
{
	uint64_t v;

	return rdmsr_checked(msr, &v) ? v : ~0ull;
}

static uint64_t wr_rd(uint32_t msr, uint64_t val)
{
	return wrmsr_checked(msr, val) ? rd(msr) : ~0ull;
}

static void set_base(uint64_t v, bool expect_ok, const char *what)
{
	if (expect_ok) {
		uint64_t back = wr_rd(MSR_APIC_BASE, v);

		report(back == v, "APIC_BASE = %#lx (%s): ok, reads %#lx", v,
		       what, back);
	} else {
		report(!wrmsr_checked(MSR_APIC_BASE, v),
		       "APIC_BASE = %#lx (%s) raises #GP", v, what);
	}
}

int main(int argc, char **argv)
{
	uint64_t base = APIC_MMIO | APIC_BASE_BSP, v;
	bool has_x2apic = cpuid(1).c & (1u << 21);
	uint32_t mmio_version;

	report(has_x2apic, "CPUID.1:ECX[21] x2APIC advertised");
	report(rd_gp(X2APIC_ID), "xAPIC mode: RDMSR %#x raises #GP", X2APIC_ID);
	if (!has_x2apic)
		return report_summary();
	mmio_version = readl(APIC_MMIO + 0x30);
	report_info("APIC_BASE %#lx, xAPIC version register %#x",
		    rdmsr(MSR_APIC_BASE), mmio_version);

	set_base(base | APIC_BASE_EN | APIC_BASE_EXTD, true, "x2APIC");
	v = rd(X2APIC_ID);
	report(v == 0, "x2APIC ID %#lx == 0", v);
	v = rd(X2APIC_VERSION);
	report((v & 0xff) == 0x14 && ((v >> 16) & 0xff) >= 3,
	       "x2APIC version %#lx: 0x14, max LVT >= 3", v);
	v = wr_rd(X2APIC_TPR, 0x30);
	report(v == 0x30, "TPR = 0x30 reads back %#lx", v);
	report(wrmsr_checked(X2APIC_EOI, 0), "WRMSR EOI 0 accepted");
	report(!wrmsr_checked(X2APIC_EOI, 1), "WRMSR EOI 1 raises #GP");
	report(rd_gp(X2APIC_EOI), "RDMSR EOI (write-only) raises #GP");
	report(!wrmsr_checked(X2APIC_ID, 0), "WRMSR ID (read-only) raises #GP");
	report(rd_gp(X2APIC_DFR), "RDMSR %#x (no DFR in x2APIC) raises #GP",
	       X2APIC_DFR);
	/* LVT CMCI exists only with MCG_CAP.CMCI_P (bit 10). */
	if (!(rd(0x179) & (1u << 10))) {
		report(rd_gp(0x82f),
		       "RDMSR 0x82f (LVT CMCI, no CMCI) raises #GP");
		report(!wrmsr_checked(0x82f, 0),
		       "WRMSR 0x82f (LVT CMCI, no CMCI) raises #GP");
	}
	report(rd_gp(X2APIC_SELF_IPI),
	       "RDMSR SELF_IPI (write-only) raises #GP");
	v = wr_rd(X2APIC_SPIV, 0x1ff);
	report(v == 0x1ff, "SPIV = 0x1ff reads back %#lx", v);
	report(wrmsr_checked(X2APIC_ICR, 0xc4500),
	       "ICR = 0xc4500 (INIT, all excluding self) accepted");

	set_base(base | APIC_BASE_EN, false, "x2APIC -> xAPIC");
	set_base(base, true, "disabled");
	set_base(base | APIC_BASE_EN, true, "xAPIC again");
	v = readl(APIC_MMIO + 0x30);
	report(v == mmio_version, "xAPIC version register %#lx as before (%#x)",
	       v, mmio_version);
	return report_summary();
}
