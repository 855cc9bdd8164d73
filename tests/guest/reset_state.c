// SPDX-License-Identifier: MIT
/*
 * Nothing one VM writes is visible to the next. Run twice, as two VMs in a
 * row: "plant" writes a value other than the reset value into every piece
 * of CPU state in docs/exits.md's table "State a new VM starts with";
 * "check", in the next VM, reads each back and expects its RESET value
 * (SDM vol. 3, table "IA-32 Processor States Following Power-up, Reset,
 * or INIT"; APM vol. 2, "Initial processor state"), or the value mhv's
 * multiboot entry contract sets.
 */
#include "guest.h"

#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_ADJUST 0x3b
#define MSR_SPEC_CTRL 0x48
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_X2APIC_TPR 0x808
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

#define APIC_MMIO 0xfee00000ULL
#define APIC_TPR 0x80

#define PAT_RESET 0x0007040600070406ULL
#define EFER_SCE (1ULL << 0)
#define EFER_NXE (1ULL << 11)

static bool has_tsc_aux(void)
{
	return (cpuid(0x80000001).d >> 27) & 1 ||
	       (cpuid_count(7, 0).c >> 22) & 1;
}

static bool has_spec_ctrl(void)
{
	return (cpuid_count(7, 0).d >> 26) & 1 ||
	       (cpuid(0x80000000).a >= 0x80000008 &&
		((cpuid(0x80000008).b >> 14) & 1));
}

static bool has_tsc_adjust(void)
{
	return (cpuid_count(7, 0).b >> 1) & 1;
}

static bool has_x2apic(void)
{
	return (cpuid(1).c >> 21) & 1;
}

static bool has_nx(void)
{
	return (cpuid(0x80000001).d >> 20) & 1;
}

static bool has_xsave(void)
{
	return (cpuid(1).c >> 26) & 1;
}

/* XGETBV needs CR4.OSXSAVE, which a new VM starts without. */
static void enable_xsave(void)
{
	uint64_t cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= 1ULL << 18;
	asm volatile("mov %0, %%cr4" ::"r"(cr4));
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static bool always(void)
{
	return true;
}

/* An MSR that passes through, lives in the VMCB/VMCS, or mhv emulates. */
struct msr_row {
	const char *name;
	uint32_t msr;
	uint64_t planted, reset;
	bool (*present)(void);
};

static const struct msr_row msr_rows[] = {
	{"STAR", MSR_STAR, 0x0023001000000000ULL, 0, always},
	{"LSTAR", MSR_LSTAR, 0xffff800000401000ULL, 0, always},
	{"CSTAR", MSR_CSTAR, 0xffff800000402000ULL, 0, always},
	{"SFMASK", MSR_SFMASK, 0x4700, 0, always},
	{"KERNEL_GS_BASE", MSR_KERNEL_GS_BASE, 0xffff800000403000ULL, 0,
	 always},
	{"FS_BASE", MSR_FS_BASE, 0x7f0000001000ULL, 0, always},
	{"GS_BASE", MSR_GS_BASE, 0x7f0000002000ULL, 0, always},
	{"SYSENTER_CS", MSR_SYSENTER_CS, 0x10, 0, always},
	{"SYSENTER_ESP", MSR_SYSENTER_ESP, 0xffff800000404000ULL, 0, always},
	{"SYSENTER_EIP", MSR_SYSENTER_EIP, 0xffff800000405000ULL, 0, always},
	{"TSC_AUX", MSR_TSC_AUX, 0x1234, 0, has_tsc_aux},
	{"PAT", MSR_PAT, 0x0606060606060606ULL, PAT_RESET, always},
	{"SPEC_CTRL", MSR_SPEC_CTRL, 1, 0, has_spec_ctrl},
	{"TSC_ADJUST", MSR_TSC_ADJUST, 0x100000000ULL, 0, has_tsc_adjust},
	/* Firmware leaves the MTRRs on with a write-back default (0xc06). */
	{"MTRR_DEF_TYPE", MSR_MTRR_DEF_TYPE, 0x800, 0xc06, always},
};

static uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

#define READ_DR(n)                                             \
	({                                                     \
		uint64_t v_;                                   \
		asm volatile("mov %%db" #n ", %0" : "=r"(v_)); \
		v_;                                            \
	})
#define WRITE_DR(n, v) asm volatile("mov %0, %%db" #n ::"r"((uint64_t)(v)))

static void plant(void)
{
	uint64_t v;

	asm volatile("mov %0, %%cr2" ::"r"(0xdead0000c2c2ULL));
	report(read_cr2() == 0xdead0000c2c2ULL, "CR2 planted");
	WRITE_DR(0, 0x1000);
	WRITE_DR(1, 0x2000);
	WRITE_DR(2, 0x3000);
	WRITE_DR(3, 0x4000);
	WRITE_DR(6, 0xffff0ff0ULL | 0xf);
	/* LE and GE: exact-breakpoint hints, no breakpoint enabled. */
	WRITE_DR(7, 0x400 | 0x300);
	report(READ_DR(0) == 0x1000 && READ_DR(3) == 0x4000 &&
		       (READ_DR(7) & 0x300) == 0x300,
	       "DR0-DR3, DR6, DR7 planted");

	for (unsigned int i = 0; i < ARRAY_SIZE(msr_rows); i++) {
		const struct msr_row *r = &msr_rows[i];

		if (!r->present()) {
			report_skip("%s: not in CPUID", r->name);
			continue;
		}
		report(wrmsr_checked(r->msr, r->planted) &&
			       rdmsr_checked(r->msr, &v) && v == r->planted,
		       "%s planted (%#lx)", r->name, r->planted);
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | (has_nx() ? EFER_NXE : 0));
	report(rdmsr(MSR_EFER) & EFER_SCE, "EFER.SCE planted");
	/* A TSC far ahead: the next VM's must not start from it. */
	report(wrmsr_checked(MSR_TSC, 1ULL << 62), "TSC planted");

	if (has_xsave()) {
		enable_xsave();
		asm volatile("xsetbv" ::"a"(3), "d"(0), "c"(0));
		report(xgetbv0() == 3, "XCR0 planted (x87|SSE)");
	}
	writel(APIC_MMIO + APIC_TPR, 0x20);
	if (has_x2apic()) {
		wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 10));
		wrmsr(MSR_X2APIC_TPR, 0x30);
		report(rdmsr(MSR_APIC_BASE) & (1u << 10),
		       "APIC planted in x2APIC mode, TPR 0x30");
	}
}

static void check(void)
{
	uint64_t v, apic_base;

	report(read_cr2() == 0, "CR2 is 0 in a new VM (%#lx)", read_cr2());
	report(READ_DR(0) == 0, "DR0 is 0 (%#lx)", READ_DR(0));
	report(READ_DR(1) == 0, "DR1 is 0 (%#lx)", READ_DR(1));
	report(READ_DR(2) == 0, "DR2 is 0 (%#lx)", READ_DR(2));
	report(READ_DR(3) == 0, "DR3 is 0 (%#lx)", READ_DR(3));
	report(READ_DR(6) == 0xffff0ff0, "DR6 is 0xffff0ff0 (%#lx)",
	       READ_DR(6));
	report(READ_DR(7) == 0x400, "DR7 is 0x400 (%#lx)", READ_DR(7));

	for (unsigned int i = 0; i < ARRAY_SIZE(msr_rows); i++) {
		const struct msr_row *r = &msr_rows[i];

		if (!r->present()) {
			report_skip("%s: not in CPUID", r->name);
			continue;
		}
		v = ~0ULL;
		rdmsr_checked(r->msr, &v);
		report(v == r->reset, "%s is %#lx in a new VM (%#lx)", r->name,
		       r->reset, v);
	}
	v = rdmsr(MSR_EFER);
	report(!(v & (EFER_SCE | EFER_NXE)), "EFER.SCE and NXE clear (%#lx)",
	       v);
	v = rdtsc();
	report(v < (1ULL << 61), "TSC does not continue the last VM's (%#lx)",
	       v);

	if (has_xsave()) {
		enable_xsave();
		v = xgetbv0();
		report(v == 1, "XCR0 is 1 (x87 only) in a new VM (%#lx)", v);
	}
	apic_base = rdmsr(MSR_APIC_BASE);
	report(apic_base == 0xfee00900, "APIC_BASE is 0xfee00900 (%#lx)",
	       apic_base);
	if (!(apic_base & (1u << 10))) {
		v = readl(APIC_MMIO + APIC_TPR);
		report(v == 0, "APIC TPR is 0 (%#lx)", v);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "plant"))
		plant();
	else if (argc > 1 && !strcmp(argv[1], "check"))
		check();
	else
		report(false, "argument 'plant' or 'check' needed");
	return report_summary();
}
