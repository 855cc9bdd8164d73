// SPDX-License-Identifier: MIT
/*
 * Exit-path benchmark, in the manner of kvm-unit-tests' vmexit test: time
 * many round trips of each exiting instruction and print "name N", N the
 * TSC ticks per iteration. Under QEMU with -icount shift=0 and under Bochs
 * the TSC counts executed instructions, so N is an instruction count and
 * repeats exactly. Without mhv (QEMU's -kernel) the same loops give the
 * native cost; the hypercall then has nothing to call and is skipped.
 * With "-- nested" (and nested=on) the guest is an SVM hypervisor itself
 * and times CPUID in its own L2 instead (bench_nested()).
 */
#include "guest.h"
#include "irq.h"
#include "svm.h"
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

/*
 * "ipi": vCPU 0 sends vCPU 1 a fixed IPI and waits for the one vCPU 1's
 * handler sends back, a round trip through two vCPUs' APICs (and, under
 * mhv, two host CPUs' kicks). vCPU 1 is an AP started here into flat
 * 32-bit protected mode with an IDT of one gate, halted between IPIs.
 */
#define ECHO_AT 0x9000u /* the AP's page: SIPI vector 0x09 */
#define PING_VECTOR 0x50
#define PONG_VECTOR 0x51
#define IPI_ITERATIONS 200

extern const uint8_t echo_start[], echo_end[], echo_ready[];
#define EAT(sym) "(" #sym " - echo_start + 0x9000)"
asm(
	".pushsection .rodata\n"
	".balign 16\n"
	".code16\n"
	"echo_start:\n"
	"	cli\n"
	"	xor %ax, %ax\n"
	"	mov %ax, %ds\n"
	"	lgdtl " EAT(echo_gdtr) "\n"
				       "	mov %cr0, %eax\n"
				       "	or $1, %eax\n"
				       "	mov %eax, %cr0\n"
				       "	ljmpl $0x08, $" EAT(echo_32) "\n"
									     "."
									     "c"
									     "o"
									     "d"
									     "e"
									     "3"
									     "2"
									     "\n"
									     "e"
									     "c"
									     "h"
									     "o"
									     "_"
									     "3"
									     "2"
									     ":"
									     "\n"
									     "	mov $0x10, %ax\n"
									     "	mov %ax, %ds\n"
									     "	mov %ax, %es\n"
									     "	mov %ax, %ss\n"
									     "	mov $" EAT(
										     echo_stack) ", %esp\n"
												 /* The gate for PING_VECTOR: offset, selector 0x08, 32-bit interrupt. */
												 "	mov $" EAT(echo_handler) ", %eax\n"
																 "	mov %ax, " EAT(echo_gate) "\n"
																				  "	shr $16, %eax\n"
																				  "	mov %ax, " EAT(echo_gate) " + 6\n"
																								  "	lidtl " EAT(echo_idtr) "\n"
																											       "	movl $0x1ff, 0xfee000f0\n" /* APIC on, spurious vector 0xff */
																											       "	movl $1, " EAT(echo_ready) "\n"
																																   "1:	sti\n"
																																   "	hlt\n"
																																   "	jmp 1b\n"
																																   "echo_handler:\n"
																																   "	movl $0, 0xfee00310\n"
																																   "	movl $0x51, 0xfee00300\n"
																																   "	movl $0, 0xfee000b0\n"
																																   "	iret\n"
																																   ".balign 8\n"
																																   "echo_gdt:\n"
																																   "	.quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff\n"
																																   "echo_gdtr:\n"
																																   "	.word 23\n"
																																   "	.long " EAT(echo_gdt) "\n"
																																			      "echo_idtr:\n"
																																			      "	.word 0x50 * 8 + 7\n"
																																			      "	.long " EAT(
																																				      echo_idt) "\n"
																																						".balign 8\n"
																																						"echo_idt:\n"
																																						"	.fill 0x50, 8, 0\n"
																																						"echo_gate:\n"
																																						"	.word 0, 0x08, 0x8e00, 0\n"
																																						"echo_ready: .long 0\n"
																																						"	.fill 64, 4, 0\n"
																																						"echo_stack:\n"
																																						"echo_end:\n"
																																						".code64\n"
																																						".popsection\n");

static volatile unsigned int pongs;

static void pong_handler(struct irq_frame *f)
{
	pongs++;
	apic_eoi();
}

static void bench_ipi(void)
{
	volatile uint32_t *ready =
		(volatile uint32_t *)(uintptr_t)(ECHO_AT +
						 (echo_ready - echo_start));
	uint64_t t0, total = 0;

	if (fw_cfg_read_le(0x05 /* FW_CFG_NB_CPUS */, 2) < 2) {
		report_info("ipi: one CPU, skipped");
		return;
	}
	memcpy((void *)(uintptr_t)ECHO_AT, echo_start,
	       (size_t)(echo_end - echo_start));
	set_irq_handler(PONG_VECTOR, pong_handler);
	apic_icr_write((5u << 8) | APIC_ICR_ASSERT | (1u << 15), 1); /* INIT */
	apic_icr_write((5u << 8) | (1u << 15), 1);
	apic_icr_write((6u << 8) | (ECHO_AT >> 12), 1); /* SIPI */
	apic_icr_write((6u << 8) | (ECHO_AT >> 12), 1);
	t0 = rdtsc_ordered();
	while (!*ready && rdtsc_ordered() - t0 < (1ull << 32))
		cpu_relax();
	if (!*ready) {
		report_info("ipi: the AP did not start, skipped");
		return;
	}
	sti();
	for (int i = 0; i < IPI_ITERATIONS; i++) {
		unsigned int want = pongs + 1;

		t0 = rdtsc_ordered();
		apic_icr_write(PING_VECTOR, 1);
		if (!wait_count(&pongs, want, 1ull << 30)) {
			report_info("ipi: no answer, skipped");
			cli();
			return;
		}
		total += rdtsc_ordered() - t0;
	}
	cli();
	printf("ipi %lu\n", total / IPI_ITERATIONS);
}

/*
 * "nested-l1" and "nested-mhv": this guest is L1 and runs an L2 (lib/svm.h)
 * that executes CPUID ITERATIONS times between two RDTSCs, in L2: the
 * figure is L2's TSC ticks per iteration, as for the lines above.
 * "nested-l1": L1 intercepts CPUID. Each iteration is L2's exit to mhv,
 * the #VMEXIT mhv emulates to L1, L1's handler (fixed values, RIP to
 * next_rip) and its VMRUN wrapper (CLGI, VMRUN and STGI each an exit to
 * mhv, which emulates them), and mhv's entry into L2 again.
 * "nested-mhv": L1 does not intercept CPUID; mhv answers L2's CPUID itself
 * (with L1's CPUID), L1 never runs. Without SVM (mhv on VMX, where
 * nested=on gives none) neither line is printed. Natively (QEMU TCG as the
 * only hypervisor) the same lines are QEMU's own nested SVM.
 */
static struct vmcb nested_vmcb __aligned(4096);
static uint8_t nested_hsave[4096] __aligned(4096);
static uint8_t nested_stack[8192] __aligned(16);
static volatile uint64_t nested_ticks;

static void l2_cpuid_loop(void *arg)
{
	uint64_t t0 = rdtsc_ordered();

	for (int i = 0; i < ITERATIONS; i++) {
		uint32_t a = 0, b, c = 0, d;

		asm volatile("cpuid"
			     : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
	}
	nested_ticks = (rdtsc_ordered() - t0) / ITERATIONS;
}

/* Run l2_cpuid_loop with L1's CPUID intercept or without; print "name N". */
static bool bench_nested_one(const char *name, uint32_t intercepts)
{
	struct svm_l2 l2 = {
		.vmcb = &nested_vmcb,
		.stack = nested_stack,
		.stack_size = sizeof(nested_stack),
	};
	unsigned int cpuid_exits = 0;
	uint64_t code;

	nested_ticks = 0;
	svm_vmcb_init(&nested_vmcb, intercepts, 0, NULL, NULL);
	svm_l2_start(&l2, l2_cpuid_loop, NULL);
	while ((code = svm_l2_run(&l2)) == SVM_EXIT_CPUID) {
		nested_vmcb.save.rax = 0x4c314131u;
		l2.gprs.rbx = 0x4c314232u;
		l2.gprs.rcx = 0x4c314333u;
		l2.gprs.rdx = 0x4c314434u;
		svm_l2_skip(&l2, 2);
		cpuid_exits++;
	}
	if (code != SVM_EXIT_HLT ||
	    nested_vmcb.save.rip != (uint64_t)svm_l2_entry_hlt ||
	    svm_l2_exc.count || !nested_ticks) {
		report(false,
		       "%s: L2 ended with exit %#lx at %#lx (exceptions %lu, "
		       "vector %lu)",
		       name, code, nested_vmcb.save.rip, svm_l2_exc.count,
		       svm_l2_exc.vector);
		return false;
	}
	if (cpuid_exits != (intercepts ? ITERATIONS : 0)) {
		report(false, "%s: %u CPUID exits to L1", name, cpuid_exits);
		return false;
	}
	printf("%s %lu\n", name, nested_ticks);
	return true;
}

static void bench_nested(void)
{
	if (!svm_available()) {
		report_skip("nested: no SVM (nested=on on an SVM host needed)");
		return;
	}
	if (!svm_enable(nested_hsave)) {
		report(false, "nested: EFER.SVME or VM_HSAVE_PA refused");
		return;
	}
	report(bench_nested_one("nested-l1", SVM_INTERCEPT1_CPUID) &&
		       bench_nested_one("nested-mhv", 0),
	       "nested benchmark ran %d iterations of each", ITERATIONS);
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

	/* A VM of two vCPUs for this line alone: the others are one vCPU's. */
	if (argc > 1 && !strcmp(argv[1], "ipi")) {
		apic_init();
		bench_ipi();
		return report_summary();
	}
	/* A VM with nested=on for these lines. */
	if (argc > 1 && !strcmp(argv[1], "nested")) {
		bench_nested();
		return report_summary();
	}

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
	/* Natively (no module line) the machine's second CPU answers. */
	if (!mhv)
		bench_ipi();
	report(true, "benchmark ran %d iterations of each", ITERATIONS);
	return report_summary();
}
