// SPDX-License-Identifier: MIT
/*
 * Exit-path benchmark, in the manner of kvm-unit-tests' vmexit test: time
 * many round trips of each exiting instruction and print "name N", N the
 * TSC ticks per iteration. Under QEMU with -icount shift=0 and under Bochs
 * the TSC counts executed instructions, so N is an instruction count and
 * repeats exactly. Without mhv (QEMU's -kernel) the same loops give the
 * native cost; the hypercall then has nothing to call and is skipped.
 */
#include "guest.h"
#include "core/vm/hypercall_abi.h"

#define ITERATIONS 1000
#define BENCH_PORT 0x21 /* 8259 mask register: emulated, no side effect */
#define BENCH_MSR 0x2ff /* MTRR_DEF_TYPE: intercepted, answered by mhv */
#define XAPIC_TPR 0xfee00080ULL

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

#define BENCH(name, ...)                                                       \
	do {                                                                   \
		uint64_t t0 = rdtsc_ordered();                                 \
		for (int i = 0; i < ITERATIONS; i++) {                         \
			__VA_ARGS__;                                           \
		}                                                              \
		printf("%s %lu\n", name, (rdtsc_ordered() - t0) / ITERATIONS); \
	} while (0)

static bool under_mhv(void)
{
	struct cpuid r = cpuid(MHV_CPUID_BASE);

	return !memcmp(&r.b, MHV_CPUID_SIGNATURE, 4) &&
	       !memcmp(&r.c, MHV_CPUID_SIGNATURE + 4, 4) &&
	       !memcmp(&r.d, MHV_CPUID_SIGNATURE + 8, 4);
}

int main(int argc, char **argv)
{
	bool mhv = under_mhv();
	bool amd = is_amd();

	BENCH("baseline", asm volatile("" ::: "memory"));
	BENCH("cpuid", {
		uint32_t a = 0, b, c = 0, d;
		asm volatile("cpuid"
			     : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
	});
	if (mhv && amd)
		BENCH("hypercall", {
			uint64_t rax = MHV_HC_PING;
			asm volatile("vmmcall" : "+a"(rax)::"memory");
		});
	else if (mhv)
		BENCH("hypercall", {
			uint64_t rax = MHV_HC_PING;
			asm volatile("vmcall" : "+a"(rax)::"memory");
		});
	else
		report_info("hypercall: not under mhv, skipped");
	BENCH("outb", outb(BENCH_PORT, 0xff));
	BENCH("inb", (void)inb(BENCH_PORT));
	BENCH("rdmsr", (void)rdmsr(BENCH_MSR));
	BENCH("mmio-read", (void)readl(XAPIC_TPR));
	report(true, "benchmark ran %d iterations of each", ITERATIONS);
	return report_summary();
}
