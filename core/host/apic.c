// SPDX-License-Identifier: MIT
/*
 * mhv's local APIC and its timer, on every CPU. The mode (x2APIC or
 * xAPIC), the MMIO base and the timer's rate are the same on all CPUs and
 * set once by the boot CPU; each CPU's timer state (armed, expired) is its
 * own, in its struct percpu. The guests' APIC is a device model
 * (core/dev/dev_lapic.c) and never touches this one.
 */
#include "core/host/apic.h"
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/host/memory.h"
#include "core/host/percpu.h"
#include "core/host/tsc.h"
#include "core/x86.h"
#include "lib/bitops.h"

/*
 * The shortest interval the timer is measured over. A quarter of the PIT's
 * 1 ms (core/host/tsc.c) gives the same error bound: the TSC and an APIC
 * register are each read in well under a microsecond, a PIT port in about
 * one.
 */
#define CALIBRATE_US 250
#define MAX_COUNT 0xffffffffULL
#define ERROR_LOG_MAX 8
/* How long an xAPIC ICR may stay busy: far longer than any delivery. */
#define ICR_BUSY_US 1000

static bool usable, x2apic, present;
static volatile uint32_t *mmio;
/* Timer counts per TSC tick, 32.32 fixed point. */
static uint64_t counts_per_tsc_32;
/* The rate measurement: running since timer_start() at this TSC. */
static bool measuring;
static uint64_t timer_start_tsc;
static unsigned int errors_logged;

static uint32_t apic_read(unsigned int reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + reg / 16);
	return mmio[reg / 4];
}

static void apic_write(unsigned int reg, uint32_t val)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_FIRST + reg / 16, val);
	else
		mmio[reg / 4] = val;
}

static void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/*
 * x2APIC where the CPU has it (no MMIO at all); else xAPIC at its MMIO
 * base, which mhv reaches through its identity map of the low 4 GiB. The
 * registers must be uncached (SDM vol. 3, 11.4.1); rather than trust the
 * firmware's MTRRs for that, mhv maps the page UC itself. A base moved
 * above 4 GiB is outside that map: no APIC then.
 */
static bool enable_apic(void)
{
	uint64_t base;

	if (!(cpuid(1).edx & CPUID1_EDX_APIC) ||
	    rdmsr_safe(MSR_APIC_BASE, &base)) {
		pr_warn("apic: no local APIC\n");
		return false;
	}
	/* Disabled -> xAPIC -> x2APIC: the only legal order (11.12.5). */
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (cpuid(1).ecx & CPUID1_ECX_X2APIC) {
		if (!(base & APIC_BASE_EXTD))
			wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
		x2apic = true;
		return true;
	}
	base &= GENMASK(51, 12);
	if (base > GiB(4) - PAGE_SIZE) {
		pr_warn("apic: xAPIC at %#lx, outside the identity map\n",
			base);
		return false;
	}
	if (memory_set_cache(base, PAGE_SIZE, CACHE_UC) < 0) {
		pr_warn("apic: cannot map the xAPIC at %#lx uncached\n", base);
		return false;
	}
	mmio = (volatile uint32_t *)(uintptr_t)base;
	return true;
}

/*
 * Every LVT entry masked but error: nothing but mhv's own timer may
 * interrupt mhv. LINT0 (the 8259s' ExtINT, masked at their end too) and
 * LINT1 (NMI) included; which LVT entries exist depends on the max LVT
 * entry in the version register (11.5.1).
 */
static void mask_lvt(void)
{
	unsigned int max_lvt = (apic_read(APIC_VERSION) >> 16) & 0xff;

	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | HOST_VEC_TIMER);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	if (max_lvt >= 4)
		apic_write(APIC_LVT_PERF, APIC_LVT_MASKED);
	if (max_lvt >= 5)
		apic_write(APIC_LVT_THERMAL, APIC_LVT_MASKED);
	if (max_lvt >= 6)
		apic_write(APIC_LVT_CMCI, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, HOST_VEC_APIC_ERROR);
}

/*
 * The timer's rate is the bus or crystal clock, which nothing tells mhv
 * portably: it is measured against the TSC. Like the TSC's own rate
 * (core/host/tsc.c), over the boot rather than in a wait of its own:
 * apic_init() starts a masked countdown from the largest count at divide
 * 1, apic_calibrate_finish() reads how far it got. At either end the two
 * clocks are read one register access apart (a WRMSR or an uncached MMIO
 * access, under 0.5 us), and the count moves in steps of one bus clock
 * (40 ns at 25 MHz): about 1 us in all, 0.4% of the minimum CALIBRATE_US,
 * less over a longer boot. The ratio is to the TSC, so the TSC rate's own
 * error does not enter the timer's deadlines.
 */
static void timer_start(void)
{
	apic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_BY_1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | HOST_VEC_TIMER);
	timer_start_tsc = rdtsc();
	apic_write(APIC_TIMER_INITIAL, (uint32_t)MAX_COUNT);
}

/* The count left once at least `min_tsc` TSC ticks passed since the start. */
static uint32_t timer_left_after(uint64_t min_tsc, uint64_t *t1)
{
	do
		*t1 = rdtsc();
	while (*t1 - timer_start_tsc < min_tsc);
	return apic_read(APIC_TIMER_CURRENT);
}

void apic_calibrate_finish(void)
{
	uint64_t min_tsc, t1;
	uint32_t left;

	if (!measuring)
		return;
	measuring = false;
	tsc_calibrate_finish();
	min_tsc = tsc_hz() / (1000000 / CALIBRATE_US);
	left = timer_left_after(min_tsc, &t1);
	if (left == 0) {
		/*
		 * One-shot: it stopped at zero, 2^32 counts after the start
		 * (seconds at a GHz bus clock). Measure again, briefly.
		 */
		timer_start();
		left = timer_left_after(min_tsc, &t1);
	}
	apic_write(APIC_TIMER_INITIAL, 0);
	if (left == 0 || left == MAX_COUNT || t1 == timer_start_tsc) {
		pr_warn("apic: the timer does not count (%#x left): no host "
			"timer\n",
			left);
		return;
	}
	counts_per_tsc_32 = ((MAX_COUNT - left) << 32) / (t1 - timer_start_tsc);
	if (!counts_per_tsc_32) {
		pr_warn("apic: the timer is too slow to use\n");
		return;
	}
	usable = true;
	pr_info("apic: %s, timer %lu kHz (measured against the TSC over %lu "
		"us)\n",
		x2apic ? "x2APIC" : "xAPIC",
		(uint64_t)(((unsigned __int128)counts_per_tsc_32 * tsc_hz()) >>
			   32) /
			1000,
		(t1 - timer_start_tsc) * 1000000 / tsc_hz());
}

/* The setup every CPU's APIC gets: LVTs masked, errors cleared, enabled. */
static void setup_lvt(void)
{
	mask_lvt();
	/* ESR is written before it is read (11.5.3); drop firmware's errors. */
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | HOST_VEC_SPURIOUS);
}

void apic_init(void)
{
	if (!enable_apic())
		return;
	present = true;
	setup_lvt();
	timer_start();
	measuring = true;
}

int apic_init_ap(void)
{
	uint64_t base;

	if (!present || rdmsr_safe(MSR_APIC_BASE, &base))
		return -1;
	/* The boot CPU's mode: disabled -> xAPIC -> x2APIC (11.12.5). */
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	setup_lvt();
	/* Its timer counts at the rate the boot CPU measured: one clock. */
	apic_write(APIC_TIMER_DIVIDE, APIC_TIMER_DIVIDE_BY_1);
	return 0;
}

bool apic_present(void)
{
	return present;
}

uint32_t apic_self_id(void)
{
	/* x2APIC: all 32 bits; xAPIC: bits 31:24 (11.4.6, 11.12.5.1). */
	return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

int apic_send_ipi(uint32_t apic_id, uint32_t icr_lo)
{
	uint64_t end;

	/*
	 * Whatever the caller stored before must be visible to the target
	 * before the IPI is: the x2APIC ICR write is not serializing.
	 */
	memory_fence();
	if (x2apic) {
		wrmsr(MSR_X2APIC_FIRST + APIC_ICR_LO / 16,
		      (uint64_t)apic_id << 32 | icr_lo);
		return 0;
	}
	mmio[APIC_ICR_HI / 4] = apic_id << 24;
	mmio[APIC_ICR_LO / 4] = icr_lo;
	/* xAPIC: the delivery status says when the ICR may be reused. */
	end = rdtsc() + tsc_hz() / 1000000 * ICR_BUSY_US;
	while (mmio[APIC_ICR_LO / 4] & APIC_ICR_BUSY)
		if (rdtsc() > end)
			return -1;
		else
			cpu_relax();
	return 0;
}

bool host_timer_usable(void)
{
	return usable;
}

void host_timer_arm(uint64_t tsc_ticks)
{
	uint64_t count;

	if (!usable)
		return;
	count = (uint64_t)(((unsigned __int128)tsc_ticks * counts_per_tsc_32) >>
			   32);
	count = count ? MIN(count, MAX_COUNT) : 1;
	this_cpu()->timer_expired = false;
	/* One-shot (LVT bits 18:17 = 0), unmasked; the count starts it. */
	apic_write(APIC_LVT_TIMER, HOST_VEC_TIMER);
	apic_write(APIC_TIMER_INITIAL, (uint32_t)count);
}

/*
 * A count of 0 stops the timer (11.5.4). An expiry already pending stays
 * pending and arrives at the next guest entry, where it finds that VM's
 * deadline in the future and re-arms: harmless.
 */
void host_timer_stop(void)
{
	if (!usable)
		return;
	apic_write(APIC_TIMER_INITIAL, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | HOST_VEC_TIMER);
	this_cpu()->timer_expired = false;
}

bool host_timer_take_expired(void)
{
	struct percpu *pc = this_cpu();
	bool e = pc->timer_expired;

	pc->timer_expired = false;
	return e;
}

static void handle_apic_error(void)
{
	uint32_t esr;

	apic_write(APIC_ESR, 0);
	esr = apic_read(APIC_ESR);
	if (errors_logged < ERROR_LOG_MAX) {
		errors_logged++;
		pr_warn("apic: error interrupt, ESR %#x%s\n", esr,
			errors_logged == ERROR_LOG_MAX ? " (no more logged)"
						       : "");
	}
}

void host_irq_handle(unsigned int vector)
{
	switch (vector) {
	case HOST_VEC_TIMER:
		this_cpu()->timer_expired = true;
		break;
	case HOST_VEC_KICK:
		/* Its whole job was to interrupt: a guest exit, a HLT woken. */
		this_cpu()->kicks++;
		break;
	case HOST_VEC_APIC_ERROR:
		handle_apic_error();
		break;
	case HOST_VEC_SPURIOUS:
		/* Never in service: no EOI (SDM vol. 3, 11.9). */
		return;
	default:
		pr_warn("irq: unexpected interrupt on vector %#x\n", vector);
		break;
	}
	/* An EOI with nothing in service is ignored. */
	if (usable || x2apic || mmio)
		apic_eoi();
}

void host_irq_take_pending(void)
{
	interrupt_window();
}

void host_wait(uint64_t deadline)
{
	uint64_t now = rdtsc();

	if (!usable) {
		while (now < deadline) {
			cpu_relax();
			now = rdtsc();
		}
		this_cpu()->timer_expired = true;
		return;
	}
	host_timer_arm(deadline > now ? deadline - now : 1);
	asm volatile("sti; hlt; cli" ::: "memory");
}
