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
#include "irq.h"
#include "core/vm/hypercall_abi.h"

#define ITERATIONS 1000
#define BENCH_PORT 0x21 /* 8259 mask register: emulated, no side effect */
#define BENCH_MSR 0x2ff /* MTRR_DEF_TYPE: intercepted, answered by mhv */
#define XAPIC_TPR 0xfee00080ULL
#define XAPIC_EOI 0xfee000b0ULL
#define TIMER_VECTOR 0xe0

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

static volatile unsigned int timer_irqs;
static volatile uint64_t timer_irq_tsc;

static void timer_handler(struct irq_frame *f)
{
	timer_irq_tsc = rdtsc_ordered();
	timer_irqs++;
	apic_eoi();
}

/*
 * "timer": from writing the smallest initial count (1) of a one-shot LAPIC
 * timer to its interrupt handler running, the delivery path of a timer
 * interrupt. Where the interrupt never comes (a hypervisor without a
 * virtual APIC timer) there is no figure.
 */
static void bench_timer(void)
{
	uint64_t total = 0;

	apic_init();
	set_irq_handler(TIMER_VECTOR, timer_handler);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_LVTT, APIC_LVTT_ONESHOT | TIMER_VECTOR);
	sti();
	for (int i = 0; i < ITERATIONS; i++) {
		unsigned int want = timer_irqs + 1;
		uint64_t t0 = rdtsc_ordered();

		apic_write(APIC_TMICT, 1);
		if (!wait_count(&timer_irqs, want, 1ull << 24)) {
			report_info("timer: no interrupt, skipped");
			cli();
			return;
		}
		total += timer_irq_tsc - t0;
	}
	cli();
	printf("timer %lu\n", total / ITERATIONS);
}

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
	/* With nothing in service: the cost of the write alone. */
	BENCH("eoi", writel(XAPIC_EOI, 0));
	bench_timer();
	report(true, "benchmark ran %d iterations of each", ITERATIONS);
	return report_summary();
}
