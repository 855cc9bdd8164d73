// SPDX-License-Identifier: MIT
#include "guest.h"

/* Architectural #GP behaviour of MSRs a guest may touch. */
#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1b
#define MSR_SPEC_CTRL 0x48
#define MSR_PRED_CMD 0x49
#define MSR_FLUSH_CMD 0x10b
#define MSR_MCG_CAP 0x179
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_MC0_CTL 0x400
#define MSR_EFER 0xc0000080
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

static bool rd_gp(uint32_t msr)
{
	return !rdmsr_checked(msr, NULL);
}

static bool wr_gp(uint32_t msr, uint64_t v)
{
	return !wrmsr_checked(msr, v);
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

static void test_canonical(const char *name, uint32_t msr)
{
	uint64_t old = rd(msr), v;

	report(wr_gp(msr, 1ull << 63), "%s: non-canonical write raises #GP",
	       name);
	v = wr_rd(msr, 0xffff800000001000);
	report(v == 0xffff800000001000, "%s: canonical write reads back %#lx",
	       name, v);
	wrmsr_checked(msr, old);
}

static void test_speculation(void)
{
	uint32_t e7 = cpuid_count(7, 0).d, amd = 0;
	bool spec_ctrl, pred_cmd;
	uint64_t v;

	/* Intel: IBRS/IBPB CPUID.(7,0):EDX[26]; AMD: 80000008:EBX[14]/[12]. */
	if (cpuid(0x80000000).a >= 0x80000008)
		amd = cpuid(0x80000008).b;
	spec_ctrl = is_amd() ? amd & (1u << 14) : e7 & (1u << 26);
	pred_cmd = is_amd() ? amd & (1u << 12) : e7 & (1u << 26);

	if (spec_ctrl) {
		report(rdmsr_checked(MSR_SPEC_CTRL, NULL),
		       "SPEC_CTRL advertised: RDMSR ok");
		v = wr_rd(MSR_SPEC_CTRL, 1);
		report(v == 1, "SPEC_CTRL = 1 (IBRS) reads back %#lx", v);
		wrmsr_checked(MSR_SPEC_CTRL, 0);
	} else {
		report(rd_gp(MSR_SPEC_CTRL), "SPEC_CTRL not advertised: #GP");
	}
	if (pred_cmd) {
		report(wrmsr_checked(MSR_PRED_CMD, 1),
		       "PRED_CMD = 1 (IBPB) ok");
		report(wrmsr_checked(MSR_PRED_CMD, 0),
		       "PRED_CMD = 0 (no command) ok");
		report(wr_gp(MSR_PRED_CMD, 2), "PRED_CMD = 2 raises #GP");
	} else {
		report(wr_gp(MSR_PRED_CMD, 1), "PRED_CMD not advertised: #GP");
	}
	report(rd_gp(MSR_PRED_CMD), "RDMSR PRED_CMD (write-only) raises #GP");
	if (e7 & (1u << 28)) {
		report(wrmsr_checked(MSR_FLUSH_CMD, 1), "FLUSH_CMD = 1 ok");
		report(wrmsr_checked(MSR_FLUSH_CMD, 0), "FLUSH_CMD = 0 ok");
		report(wr_gp(MSR_FLUSH_CMD, 2), "FLUSH_CMD = 2 raises #GP");
	} else
		report(wr_gp(MSR_FLUSH_CMD, 1),
		       "FLUSH_CMD not advertised: #GP");
}

int main(int argc, char **argv)
{
	uint64_t v, t, mcg;
	uint32_t aux = 0;

	test_canonical("FS_BASE", MSR_FS_BASE);
	test_canonical("GS_BASE", MSR_GS_BASE);
	test_canonical("KERNEL_GS_BASE", MSR_KERNEL_GS_BASE);
	test_canonical("LSTAR", MSR_LSTAR);
	/* As KVM (and kvm-unit-tests' msr test) has it, on both vendors. */
	test_canonical("CSTAR", MSR_CSTAR);

	mcg = rd(MSR_MCG_CAP);
	if (cpuid(1).d & (1u << 14))
		report(mcg != ~0ull, "MCA advertised: MCG_CAP %#lx readable",
		       mcg);
	if (mcg != ~0ull)
		report(rd_gp(MSR_MC0_CTL + 4 * (mcg & 0xff)),
		       "MC%lu_CTL (past the %lu banks) raises #GP", mcg & 0xff,
		       mcg & 0xff);
	else
		report_skip("MCG_CAP raises #GP: no bank count");

	test_speculation();

	report(wr_gp(MSR_EFER, rdmsr(MSR_EFER) | (1u << 2)),
	       "EFER reserved bit 2 raises #GP");
	report(wr_gp(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 9)),
	       "APIC_BASE reserved bit 9 raises #GP");

	t = rd(MSR_MTRR_DEF_TYPE);
	report(wr_gp(MSR_MTRR_DEF_TYPE, 0xc06 | (1u << 12)),
	       "MTRR_DEF_TYPE reserved bit 12 raises #GP");
	v = wr_rd(MSR_MTRR_DEF_TYPE, 0xc06);
	report(v == 0xc06, "MTRR_DEF_TYPE = 0xc06 reads back %#lx", v);
	wrmsr_checked(MSR_MTRR_DEF_TYPE, t);

	wrmsr(MSR_TSC, 1ull << 40);
	t = __builtin_ia32_rdtsc();
	report(t >= 1ull << 40 && t - (1ull << 40) <= 1000000000,
	       "TSC = 1 << 40, RDTSC %#lx", t);

	if (cpuid(0x80000001).d & (1u << 27)) {
		wrmsr(MSR_TSC_AUX, 0x1234);
		__builtin_ia32_rdtscp(&aux);
		v = rd(MSR_TSC_AUX);
		report(aux == 0x1234 && v == 0x1234,
		       "TSC_AUX = 0x1234: RDTSCP ECX %#x, RDMSR %#lx", aux, v);
	} else {
		report_skip("RDTSCP not advertised");
	}

	report(wr_gp(MSR_PAT, (rdmsr(MSR_PAT) & ~0xffull) | 0x02),
	       "PAT type 0x02 (reserved) raises #GP");
	/* MISC_ENABLE: readable on both vendors, its value writable back. */
	t = rd(0x1a0);
	report(t != ~0ull && !wr_gp(0x1a0, t) && rd(0x1a0) == t,
	       "MISC_ENABLE %#lx reads and writes back", t);

	/*
	 * TSC_ADJUST, where CPUID has it: moves the TSC by the change written
	 * (it already holds what the TSC write above moved it by).
	 */
	if (cpuid_count(7, 0).b & (1u << 1)) {
		uint64_t a0 = rd(0x3b), t0 = __builtin_ia32_rdtsc(), t1;

		report(!wr_gp(0x3b, a0 + (1ull << 40)),
		       "TSC_ADJUST write accepted");
		t1 = __builtin_ia32_rdtsc();
		report(t1 - t0 >= (1ull << 40) &&
			       t1 - t0 < (1ull << 40) + 1000000000ull,
		       "TSC moved forward by the adjustment (%#lx)", t1 - t0);
		report(rd(0x3b) == a0 + (1ull << 40), "TSC_ADJUST reads back");
		wr_gp(0x3b, a0);
	} else {
		report_skip("TSC_ADJUST not advertised");
	}
	return report_summary();
}
