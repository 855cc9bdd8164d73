// SPDX-License-Identifier: MIT
/*
 * hide= (docs/usage.md): what CPUID does not show, the guest does not
 * have. Run as "hidden" under hide=rdtscp,invpcid,xsave,pcid,smep,x2apic,
 * tsc-deadline, and as "shown" without it. In both runs each instruction
 * or CR4 bit works exactly when its CPUID bit says so; "hidden" also
 * checks that the bits are gone.
 */
#include "guest.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define CR4_PCIDE (1ULL << 17)
#define CR4_OSXSAVE (1ULL << 18)

DECLARE_INSN_LABEL(rdtscp_insn);
DECLARE_INSN_LABEL(invpcid_insn);
DECLARE_INSN_LABEL(mov_cr4_insn);

static void rdtscp_fn(void *arg)
{
	asm volatile(INSN_LABEL(rdtscp_insn, "rdtscp")::: "rax", "rcx", "rdx");
}

/* Type 2: every PCID, globals too; the descriptor is ignored. */
static void invpcid_fn(void *arg)
{
	static const uint64_t desc[2];

	asm volatile(INSN_LABEL(invpcid_insn, "invpcid %0, %1")::"m"(desc),
		     "r"(2ULL)
		     : "memory");
}

static uint64_t cr4_value;

static void mov_cr4_fn(void *arg)
{
	asm volatile(INSN_LABEL(mov_cr4_insn, "mov %0, %%cr4")::"r"(cr4_value)
		     : "memory");
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* The instruction at `insn` faults with #UD there iff `shown` is false. */
static void check_insn(const char *name, bool shown, void (*fn)(void *),
		       const char *insn)
{
	struct fault f = catch_fault(fn, NULL);

	if (shown)
		report(!f.raised, "%s shown in CPUID: it runs (vector %u)",
		       name, f.raised ? f.vector : 0);
	else
		report(f.raised && f.vector == UD_VECTOR &&
			       f.rip == (uint64_t)insn,
		       "%s hidden: #UD at its RIP (raised %d, vector %u, "
		       "rip %#lx, expected %#lx)",
		       name, f.raised, f.vector, f.rip, (uint64_t)insn);
}

/* Setting a CR4 bit #GPs iff its feature is hidden; put back after. */
static void check_cr4(const char *name, bool shown, uint64_t bit)
{
	uint64_t old = read_cr4();
	struct fault f;

	cr4_value = old | bit;
	f = catch_fault(mov_cr4_fn, NULL);
	if (shown)
		report(!f.raised && (read_cr4() & bit),
		       "CR4.%s can be set: %s shown (vector %u)", name, name,
		       f.raised ? f.vector : 0);
	else
		report(f.raised && f.vector == GP_VECTOR &&
			       f.rip == (uint64_t)mov_cr4_insn &&
			       !(read_cr4() & bit),
		       "CR4.%s: #GP, %s hidden (raised %d, vector %u)", name,
		       name, f.raised, f.vector);
	cr4_value = old;
	catch_fault(mov_cr4_fn, NULL);
}

int main(int argc, char **argv)
{
	bool hidden = argc > 1 && !strcmp(argv[1], "hidden");
	struct cpuid l1 = cpuid(1), l7 = cpuid_count(7, 0);
	struct cpuid e1 = cpuid(0x80000001), d = cpuid_count(0xd, 0);
	bool rdtscp = e1.d & (1u << 27), invpcid = l7.b & (1u << 10);
	bool xsave = l1.c & (1u << 26), pcid = l1.c & (1u << 17);
	bool x2apic = l1.c & (1u << 21), deadline = l1.c & (1u << 24);
	uint64_t val;

	if (!hidden && !(argc > 1 && !strcmp(argv[1], "shown"))) {
		report(false, "argument 'hidden' or 'shown' needed");
		return report_summary();
	}
	if (hidden) {
		report(!rdtscp && !invpcid && !xsave && !pcid && !x2apic &&
			       !deadline,
		       "CPUID: no RDTSCP, INVPCID, XSAVE, PCID, x2APIC, "
		       "TSC-deadline (1:ECX %#x, 7:EBX %#x, 80000001:EDX %#x)",
		       l1.c, l7.b, e1.d);
		report(!(l1.c & (1u << 28)) && !(l7.b & (1u << 5)),
		       "CPUID: AVX and AVX2 gone with XSAVE");
		report(!(l7.b & (1u << 7)), "CPUID: no SMEP");
		report(!(d.a | d.b | d.c | d.d), "CPUID: leaf 0xD is empty");
	} else {
		/* mhv's LAPIC has both, whatever the host has. */
		report(x2apic && deadline, "CPUID: x2APIC and TSC-deadline");
	}
	report(!(e1.c & (1u << 12)), "CPUID: no SKINIT (always #UD)");
	if (cpuid(0x80000000).a >= 0x80000008)
		report(!(cpuid(0x80000008).b & (1u << 4)),
		       "CPUID: no RDPRU (always #UD)");

	check_insn("RDTSCP", rdtscp, rdtscp_fn, rdtscp_insn);
	check_insn("INVPCID", invpcid, invpcid_fn, invpcid_insn);
	check_cr4("OSXSAVE", xsave, CR4_OSXSAVE);
	check_cr4("PCIDE", pcid, CR4_PCIDE);
	report(rdmsr_checked(MSR_TSC_DEADLINE, &val) == deadline,
	       "IA32_TSC_DEADLINE readable iff TSC-deadline is shown");
	if (!x2apic)
		report(!wrmsr_checked(MSR_APIC_BASE,
				      rdmsr(MSR_APIC_BASE) | (1u << 10)),
		       "x2APIC hidden: IA32_APIC_BASE.EXTD is #GP");
	return report_summary();
}
