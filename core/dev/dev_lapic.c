// SPDX-License-Identifier: MIT
/*
 * A vCPU's local APIC (SDM vol. 3, chapter 11): the xAPIC page and the
 * x2APIC MSRs over one register file; IRR/ISR/TMR with the priority rules,
 * the LVT, the timer in its three modes, ESR and the ICR: IPIs to the
 * VM's vCPUs by destination, shorthand and delivery mode, INIT and SIPI
 * included. An IPI nobody receives is logged and dropped.
 *
 * Another vCPU's APIC may deliver into this one while this vCPU runs on
 * another host CPU: IRR and TMR bits change atomically, the pending NMI,
 * INIT and SIPI are flags written with release order and read by this
 * vCPU's run loop; everything else belongs to this vCPU alone.
 */
#include "core/dev/devices.h"
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/host/tsc.h"
#include "core/vm/vm.h"
#include "core/x86.h"

/* Version 0x14 (integrated APIC), 6 LVT entries (max LVT index 5). */
#define APIC_VERSION_VALUE 0x00050014u
#define IPI_LOG_MAX 8
#define LVT_TIMER 0
#define LVT_LINT0 3
#define LVT_LINT1 4
#define LVT_ERROR 5
#define LVT_DM(lvt) (((lvt) >> 8) & 7)
#define ICR_DM(icr) (((icr) >> 8) & 7)
/*
 * The APIC timer counts the bus clock; 1 GHz as KVM's does, so that a
 * count is a nanosecond (times the divider), except on a host whose TSC
 * is slower (Bochs: 100 MHz): there the bus runs at the TSC's rate, since
 * on every real CPU the timer's clock is no faster than the TSC, and
 * guests (kvm-unit-tests' apic one-shot case) rely on that.
 */
#define APIC_BUS_HZ 1000000000ULL
/*
 * A periodic timer shorter than this fires at this period instead (KVM's
 * default minimum, 200 us), so that a guest asking for a one-tick period
 * cannot make mhv do nothing but deliver its interrupts. One-shot and
 * TSC-deadline timers fire once and need no floor.
 */
#define PERIODIC_MIN_US 200

/* What each LVT keeps of a write (SDM vol. 3, figure 11-8). */
static const uint32_t lvt_writable[6] = {
	[LVT_TIMER] = 0x000700ffu, /* vector, mask, mode */
	[1] = 0x000107ffu,	   /* thermal */
	[2] = 0x000107ffu,	   /* performance counters */
	[LVT_LINT0] = 0x0001a7ffu, /* + polarity 13, trigger 15 */
	[LVT_LINT1] = 0x0001a7ffu, [LVT_ERROR] = 0x000100ffu,
};

static bool hw_enabled(const struct lapic *a)
{
	return a->base_msr & APIC_BASE_EN;
}

static bool sw_enabled(const struct lapic *a)
{
	return a->spiv & APIC_SPIV_ENABLE;
}

static bool x2apic_on(const struct vcpu *v)
{
	return (v->apic.base_msr & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* Atomic: another vCPU's APIC may set IRR and TMR bits at any time. */
static void set_bit256(uint32_t *r, unsigned int vector)
{
	__atomic_fetch_or(&r[vector / 32], 1u << (vector % 32),
			  __ATOMIC_RELEASE);
}

static void clear_bit256(uint32_t *r, unsigned int vector)
{
	__atomic_fetch_and(&r[vector / 32], ~(1u << (vector % 32)),
			   __ATOMIC_ACQ_REL);
}

static bool test_bit256(const uint32_t *r, unsigned int vector)
{
	return r[vector / 32] & (1u << (vector % 32));
}

/* The highest vector set, or -1. */
static int highest256(const uint32_t *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

/* SDM vol. 3, 11.8.3.1: the processor priority from TPR and the ISR. */
static uint32_t ppr(const struct lapic *a)
{
	int isrv = highest256(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

static uint64_t bsp_flag(const struct vcpu *v)
{
	return v->index == 0 ? APIC_BASE_BSP : 0;
}

/*
 * The power-on state (SDM vol. 3, 11.4.7.1), which is also what INIT
 * leaves but for the APIC ID (11.4.7.3): xAPIC mode at 0xfee00000,
 * software-disabled, every LVT masked, the ID the vCPU's index. The BSP
 * has what a PC's firmware leaves it, where a multiboot guest starts:
 * LINT0 in ExtINT and LINT1 in NMI, the virtual-wire mode of MP spec
 * 3.6.2.2 that lets the 8259 reach the CPU.
 */
void lapic_reset(struct vcpu *v)
{
	struct lapic *a = &v->apic;

	*a = (struct lapic){
		.base_msr = XAPIC_BASE | APIC_BASE_EN | bsp_flag(v),
		.id = v->index,
		.dfr = 0xffffffffu,
		.spiv = 0xff,
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(a->lvt); i++)
		a->lvt[i] = APIC_LVT_MASKED;
	if (v->index == 0) {
		a->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
		a->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
	}
	lapic_timer_set(v, 0);
}

/*
 * An error the APIC detected (SDM vol. 3, 11.5.3): latched until the next
 * ESR write, and an error interrupt when the error LVT is unmasked. An
 * illegal vector in the error LVT itself does not recurse: its bit is
 * already latched.
 */
static void apic_error(struct vcpu *v, uint32_t bit)
{
	struct lapic *a = &v->apic;
	uint32_t lvt = a->lvt[LVT_ERROR];

	if (a->esr_pending & bit)
		return;
	a->esr_pending |= bit;
	if (!(lvt & APIC_LVT_MASKED))
		lapic_deliver(v, APIC_DM_FIXED, lvt & 0xff, false);
}

static void nmi_latch(struct lapic *a)
{
	unsigned int n = __atomic_load_n(&a->nmi_pending, __ATOMIC_RELAXED);

	while (n < 2 &&
	       !__atomic_compare_exchange_n(&a->nmi_pending, &n, n + 1, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

void lapic_nmi_injected(struct vcpu *v)
{
	__atomic_fetch_sub(&v->apic.nmi_pending, 1, __ATOMIC_ACQ_REL);
}

void lapic_nmi_blocked(struct vcpu *v)
{
	unsigned int two = 2;

	__atomic_compare_exchange_n(&v->apic.nmi_pending, &two, 1, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void lapic_deliver(struct vcpu *v, enum apic_delivery mode, uint8_t vector,
		   bool level)
{
	struct lapic *a = &v->apic;

	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		/* A disabled APIC does not accept interrupts (11.4.7.2). */
		if (!hw_enabled(a) || !sw_enabled(a))
			return;
		if (vector < 16) {
			apic_error(v, APIC_ESR_RECV_ILLEGAL_VECTOR);
			return;
		}
		set_bit256(a->irr, vector);
		if (level)
			set_bit256(a->tmr, vector);
		else
			clear_bit256(a->tmr, vector);
		break;
	case APIC_DM_NMI:
		if (!hw_enabled(a))
			return;
		nmi_latch(a);
		break;
	case APIC_DM_EXTINT:
		/* The 8259 supplies the vector at the acknowledge. */
		a->extint_pending = true;
		break;
	case APIC_DM_INIT:
		if (!hw_enabled(a))
			return;
		__atomic_store_n(&v->init_pending, true, __ATOMIC_RELEASE);
		break;
	case APIC_DM_SIPI:
		/*
		 * Only a processor waiting for it takes a SIPI (SDM vol. 3,
		 * 9.4.4.1); an INIT sent just before counts as the wait.
		 */
		if (!hw_enabled(a) ||
		    (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) !=
			     VCPU_WAIT_SIPI &&
		     !__atomic_load_n(&v->init_pending, __ATOMIC_ACQUIRE)))
			return;
		v->sipi_vector = vector;
		__atomic_store_n(&v->sipi_pending, true, __ATOMIC_RELEASE);
		break;
	default:
		/* SMI: mhv's guests have no SMM. */
		pr_debug("%s: APIC delivery mode %u dropped\n", v->vm->opt.name,
			 mode);
		return;
	}
	vcpu_kick(v);
}

/*
 * Destinations in the form the message carries (SDM vol. 3, 11.6.2): in
 * xAPIC mode 8 bits, physical (0xff broadcast) or logical (flat or cluster
 * by the DFR against the LDR); in x2APIC mode 32 bits, logical being
 * cluster in 31:16 and a bitmap in 15:0 (11.12.10), and 0xffffffff the
 * broadcast in both modes (11.12.9).
 */
bool lapic_match_dest(const struct vcpu *v, uint32_t dest, bool logical)
{
	const struct lapic *a = &v->apic;

	if (x2apic_on(v)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == a->id;
		return dest >> 16 == a->id >> 4 &&
		       (dest & 0xffff & (1u << (a->id & 0xf)));
	}
	dest &= 0xff;
	if (!logical)
		return dest == 0xff || dest == (a->id & 0xff);
	if ((a->dfr >> 28) == 0xf)
		return dest & (a->ldr >> 24);
	/* Cluster model: cluster in 7:4, members in 3:0; 0xff is everyone. */
	return dest == 0xff ||
	       ((dest >> 4) == (a->ldr >> 28) && (dest & (a->ldr >> 24) & 0xf));
}

/* Whether the 8259's INTR reaches the CPU through LINT0 (or no APIC). */
static bool lint0_extint(const struct lapic *a)
{
	uint32_t lvt = a->lvt[LVT_LINT0];

	return !hw_enabled(a) ||
	       (!(lvt & APIC_LVT_MASKED) && LVT_DM(lvt) == APIC_DM_EXTINT);
}

int irq_pending(struct vcpu *v)
{
	struct lapic *a = &v->apic;
	int irrv;

	if (a->extint_pending || (lint0_extint(a) && pic_intr(v->vm)))
		return IRQ_EXTINT;
	if (!hw_enabled(a))
		return -1;
	irrv = highest256(a->irr);
	if (irrv < 0 || ((uint32_t)irrv & 0xf0) <= (ppr(a) & 0xf0))
		return -1;
	return irrv;
}

uint8_t irq_acknowledge(struct vcpu *v, int pending)
{
	struct lapic *a = &v->apic;

	if (pending == IRQ_EXTINT) {
		uint8_t vector;
		bool locked;

		a->extint_pending = false;
		locked = vm_dev_lock(v->vm);
		vector = pic_acknowledge(v->vm);
		vm_dev_unlock(v->vm, locked);
		return vector;
	}
	clear_bit256(a->irr, (unsigned int)pending);
	set_bit256(a->isr, (unsigned int)pending);
	return (uint8_t)pending;
}

static void eoi(struct vcpu *v)
{
	struct lapic *a = &v->apic;
	int isrv = highest256(a->isr);

	if (isrv < 0)
		return;
	clear_bit256(a->isr, (unsigned int)isrv);
	/* Level-triggered: the EOI goes to the I/O APIC too (11.8.5). */
	if (test_bit256(a->tmr, (unsigned int)isrv)) {
		bool locked = vm_dev_lock(v->vm);

		ioapic_eoi(v->vm, (uint8_t)isrv);
		vm_dev_unlock(v->vm, locked);
	}
	vcpu_kick(v);
}

void lapic_set_tpr(struct vcpu *v, uint32_t tpr)
{
	v->apic.tpr = tpr & 0xff;
	vcpu_kick(v);
}

/* --- the timer (SDM vol. 3, 11.5.4) ------------------------------------- */

static unsigned int divide_shift(uint32_t dcr)
{
	unsigned int code = ((dcr & 8) >> 1) | (dcr & 3);

	return code == 7 ? 0 : code + 1; /* divide by 2^shift */
}

static uint64_t timer_period_tsc(const struct lapic *a, bool periodic)
{
	uint64_t bus = (uint64_t)a->timer_initial
		       << divide_shift(a->timer_divide);
	uint64_t hz = tsc_hz();
	uint64_t tsc =
		hz < APIC_BUS_HZ ? bus : mul_div_u64(bus, hz, APIC_BUS_HZ);
	uint64_t floor = tsc_hz() / 1000000 * PERIODIC_MIN_US;

	if (periodic && tsc < floor)
		tsc = floor;
	return tsc ? tsc : 1;
}

static unsigned int timer_mode(const struct lapic *a)
{
	return APIC_LVT_TIMER_MODE(a->lvt[LVT_TIMER]);
}

static void timer_stop(struct vcpu *v)
{
	v->apic.timer_tsc_per = 0;
	lapic_timer_set(v, 0);
}

/* A write of the initial count (re)starts the count (11.5.4). */
static void timer_load(struct vcpu *v)
{
	struct lapic *a = &v->apic;
	unsigned int mode = timer_mode(a);

	if (!a->timer_initial) {
		timer_stop(v);
		return;
	}
	a->timer_start = dev_now();
	a->timer_tsc_per = timer_period_tsc(a, mode == APIC_TIMER_PERIODIC);
	lapic_timer_set(v, a->timer_start + a->timer_tsc_per);
}

static uint32_t timer_current(const struct lapic *a)
{
	uint64_t elapsed, left;

	if (!a->timer_tsc_per || timer_mode(a) == APIC_TIMER_TSC_DEADLINE)
		return 0;
	elapsed = dev_now() - a->timer_start;
	if (timer_mode(a) == APIC_TIMER_PERIODIC)
		left = a->timer_tsc_per - elapsed % a->timer_tsc_per;
	else if (elapsed >= a->timer_tsc_per)
		return 0;
	else
		left = a->timer_tsc_per - elapsed;
	return (uint32_t)mul_div_u64(left, a->timer_initial, a->timer_tsc_per);
}

static void timer_fire(struct vcpu *v)
{
	uint32_t lvt = v->apic.lvt[LVT_TIMER];

	if (!(lvt & APIC_LVT_MASKED))
		lapic_deliver(v, APIC_DM_FIXED, lvt & 0xff, false);
}

void lapic_timer_expired(struct vcpu *v, uint64_t now)
{
	struct lapic *a = &v->apic;

	switch (timer_mode(a)) {
	case APIC_TIMER_PERIODIC:
		if (!a->timer_tsc_per)
			break;
		/* Periods missed while mhv was away coalesce into one. */
		a->timer_start += (now - a->timer_start) / a->timer_tsc_per *
				  a->timer_tsc_per;
		lapic_timer_set(v, a->timer_start + a->timer_tsc_per);
		timer_fire(v);
		return;
	case APIC_TIMER_TSC_DEADLINE:
		/* The MSR reads 0 once the deadline passed (11.5.4.1). */
		a->tsc_deadline = 0;
		break;
	default:
		/* One-shot: the count stays at 0, whatever mode comes next. */
		a->timer_tsc_per = 0;
		break;
	}
	lapic_timer_set(v, 0);
	timer_fire(v);
}

/*
 * IA32_TSC_DEADLINE holds a guest TSC value; the host deadline is that
 * minus the VM's TSC offset. Outside TSC-deadline mode it reads 0 and
 * writes are ignored (11.5.4.1).
 */
uint64_t lapic_tsc_deadline_read(struct vcpu *v)
{
	return timer_mode(&v->apic) == APIC_TIMER_TSC_DEADLINE
		       ? v->apic.tsc_deadline
		       : 0;
}

void lapic_tsc_deadline_write(struct vcpu *v, uint64_t val)
{
	struct lapic *a = &v->apic;
	uint64_t host;

	if (timer_mode(a) != APIC_TIMER_TSC_DEADLINE)
		return;
	a->tsc_deadline = val;
	if (!val) {
		lapic_timer_set(v, 0);
		return;
	}
	host = val - vm_backend->get_tsc_offset(v);
	if ((int64_t)(host - dev_now()) <= 0) {
		lapic_timer_expired(v, dev_now());
		return;
	}
	lapic_timer_set(v, host);
}

static void lvt_timer_write(struct vcpu *v, uint32_t val)
{
	struct lapic *a = &v->apic;
	uint32_t old_mode = timer_mode(a), new_mode;
	bool deadline_change;

	/*
	 * Mode 3 is reserved (SDM vol. 3, table 11-2): taken as one-shot,
	 * which fires once, rather than as a stream of interrupts.
	 */
	if (APIC_LVT_TIMER_MODE(val) == 3)
		val &= ~(3u << 17);
	new_mode = APIC_LVT_TIMER_MODE(val);
	deadline_change =
		new_mode != old_mode && (old_mode == APIC_TIMER_TSC_DEADLINE ||
					 new_mode == APIC_TIMER_TSC_DEADLINE);
	/*
	 * Between one-shot and periodic the count goes on from where it is
	 * (as on hardware and under KVM): a one-shot count that ran out
	 * stays at 0 (it fires now if mhv has not yet seen it run out), a
	 * periodic one continues within its current period.
	 */
	if (new_mode != old_mode && !deadline_change && a->timer_tsc_per) {
		uint64_t now = dev_now(), elapsed = now - a->timer_start;

		if (old_mode != APIC_TIMER_PERIODIC &&
		    elapsed >= a->timer_tsc_per)
			lapic_timer_expired(v, now);
		else if (old_mode == APIC_TIMER_PERIODIC)
			a->timer_start +=
				elapsed / a->timer_tsc_per * a->timer_tsc_per;
	}
	a->lvt[LVT_TIMER] = val & lvt_writable[LVT_TIMER];
	/*
	 * Into or out of TSC-deadline mode the timer is disarmed and both
	 * counts cleared (SDM vol. 3, 11.5.4.1).
	 */
	if (deadline_change) {
		a->timer_initial = 0;
		a->tsc_deadline = 0;
		timer_stop(v);
	}
}

/* --- IPIs (SDM vol. 3, 11.6) -------------------------------------------- */

static void log_dropped_ipi(struct vcpu *v, uint32_t lo, uint32_t dest)
{
	static const char *const modes[8] = {"fixed",	 "lowest",  "SMI",
					     "reserved", "NMI",	    "INIT",
					     "SIPI",	 "reserved"};

	/* Logged, but a guest that sends IPIs in a loop may not flood the log. */
	if (++v->apic.ipis_logged > IPI_LOG_MAX)
		return;
	pr_info("%s: IPI %s vector %#x to %#x dropped (no such vCPU)%s\n",
		v->vm->opt.name, modes[ICR_DM(lo)], lo & 0xff, dest,
		v->apic.ipis_logged == IPI_LOG_MAX ? "; no more logged" : "");
}

/* Whether vCPU t is a destination of the IPI v sends (SDM vol. 3, 11.6.1). */
static bool ipi_reaches(const struct vcpu *v, const struct vcpu *t, uint32_t lo,
			uint32_t dest)
{
	switch (APIC_ICR_SHORTHAND(lo)) {
	case 0:
		return lapic_match_dest(t, dest, lo & APIC_ICR_LOGICAL);
	case 1:
		return t == v;
	case 2:
		return true;
	default:
		return t != v;
	}
}

static void send_ipi(struct vcpu *v, uint32_t lo, uint32_t dest)
{
	struct vm *vm = v->vm;
	unsigned int mode = ICR_DM(lo);
	uint8_t vector = lo & 0xff;
	struct vcpu *lowest = NULL;
	bool reached = false;

	if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
		apic_error(v, APIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	/* INIT level de-assert only resets arbitration IDs: nothing to do. */
	if (mode == APIC_DM_INIT && !(lo & APIC_ICR_ASSERT) &&
	    (lo & APIC_ICR_LEVEL))
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];

		if (!ipi_reaches(v, t, lo, dest))
			continue;
		reached = true;
		/*
		 * Lowest priority goes to one of the destinations, the one
		 * whose processor priority is lowest (11.6.2.4; the first
		 * such, where the SDM leaves ties to the implementation).
		 * A shorthand sends to each as fixed does.
		 */
		if (mode == APIC_DM_LOWEST && !APIC_ICR_SHORTHAND(lo)) {
			if (!lowest || ppr(&t->apic) < ppr(&lowest->apic))
				lowest = t;
			continue;
		}
		lapic_deliver(t, mode, vector, false);
	}
	if (lowest)
		lapic_deliver(lowest, APIC_DM_LOWEST, vector, false);
	if (!reached)
		log_dropped_ipi(v, lo, dest);
}

unsigned int lapic_pv_send_ipi(struct vcpu *v, uint64_t low, uint64_t high,
			       uint64_t min, uint32_t icr, unsigned int cluster)
{
	struct vm *vm = v->vm;
	unsigned int mode = ICR_DM(icr), count = 0;
	uint8_t vector = icr & 0xff;
	uint64_t mask = cluster < 64 ? (1ULL << cluster) - 1 : ~0ULL;

	if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16)
		return 0;
	low &= mask;
	high &= mask;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];
		uint64_t n = (uint64_t)t->apic.id - min;

		if (t->apic.id < min || n >= 2ULL * cluster)
			continue;
		if (!((n < cluster ? low >> n : high >> (n - cluster)) & 1))
			continue;
		lapic_deliver(t, mode, vector, icr & APIC_ICR_LEVEL);
		count++;
	}
	return count;
}

/* --- registers ---------------------------------------------------------- */

/*
 * LVT CMCI exists only with CMCI (MCG_CAP[10]), which mhv's guests do not
 * have (MCG_CAP reads 0, and the version register counts 6 LVT entries):
 * in x2APIC mode its MSR 0x82f raises #GP (SDM vol. 3, 11.12.1.2).
 */
static int lvt_index(unsigned int offset)
{
	if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR)
		return (int)(offset - APIC_LVT_TIMER) >> 4;
	return -1;
}

uint32_t xapic_read(struct vcpu *v, unsigned int offset)
{
	struct lapic *a = &v->apic;
	int lvt = lvt_index(offset);

	if (lvt >= 0)
		return a->lvt[lvt];
	if (offset >= APIC_ISR && offset < APIC_ISR + 0x80)
		return a->isr[(offset - APIC_ISR) >> 4];
	if (offset >= APIC_TMR && offset < APIC_TMR + 0x80)
		return a->tmr[(offset - APIC_TMR) >> 4];
	if (offset >= APIC_IRR && offset < APIC_IRR + 0x80)
		return a->irr[(offset - APIC_IRR) >> 4];
	switch (offset) {
	case APIC_ID:
		return a->id << 24;
	case APIC_VERSION:
		return APIC_VERSION_VALUE;
	case APIC_TPR:
		return a->tpr;
	case APIC_PPR:
		return ppr(a);
	case APIC_LDR:
		return a->ldr;
	case APIC_DFR:
		return a->dfr;
	case APIC_SPIV:
		return a->spiv;
	case APIC_ESR:
		return a->esr;
	case APIC_ICR_LO:
		return a->icr_lo & ~APIC_ICR_BUSY; /* delivered at once */
	case APIC_ICR_HI:
		return a->icr_hi;
	case APIC_TIMER_INITIAL:
		return a->timer_initial;
	case APIC_TIMER_CURRENT:
		return timer_current(a);
	case APIC_TIMER_DIVIDE:
		return a->timer_divide;
	default:
		return 0; /* APR, reserved */
	}
}

static void spiv_write(struct vcpu *v, uint32_t val)
{
	struct lapic *a = &v->apic;

	/* Bit 12 (EOI-broadcast suppression) is not offered (version). */
	a->spiv = val & 0x3ff;
	/* Software disable masks every LVT entry (11.4.7.2). */
	if (!sw_enabled(a))
		for (unsigned int i = 0; i < ARRAY_SIZE(a->lvt); i++)
			a->lvt[i] |= APIC_LVT_MASKED;
	vcpu_kick(v);
}

void xapic_write(struct vcpu *v, unsigned int offset, uint32_t val)
{
	struct lapic *a = &v->apic;
	int lvt = lvt_index(offset);

	if (lvt >= 0) {
		/* A software-disabled APIC keeps its LVT masked. */
		if (!sw_enabled(a))
			val |= APIC_LVT_MASKED;
		if (lvt == LVT_TIMER)
			lvt_timer_write(v, val);
		else
			a->lvt[lvt] = (a->lvt[lvt] & ~lvt_writable[lvt]) |
				      (val & lvt_writable[lvt]);
		vcpu_kick(v); /* LINT0 may now let the 8259 through */
		return;
	}
	switch (offset) {
	case APIC_ID:
		/*
		 * Writable in xAPIC mode, bits 31:24 (APM vol. 2, 16.3.3; the
		 * SDM leaves it to the model, 11.4.6; QEMU and KVM allow it).
		 * Physical destinations match the new ID, aliases included.
		 */
		a->id = val >> 24;
		break;
	case APIC_TPR:
		lapic_set_tpr(v, val);
		break;
	case APIC_EOI:
		eoi(v);
		break;
	case APIC_LDR:
		a->ldr = val & 0xff000000u;
		break;
	case APIC_DFR:
		a->dfr = val | 0x0fffffffu;
		break;
	case APIC_SPIV:
		spiv_write(v, val);
		break;
	case APIC_ESR:
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case APIC_ICR_HI:
		a->icr_hi = val & 0xff000000u;
		break;
	case APIC_ICR_LO:
		a->icr_lo = val & ~APIC_ICR_BUSY;
		send_ipi(v, val, a->icr_hi >> 24);
		break;
	case APIC_TIMER_INITIAL:
		/* Ignored in TSC-deadline mode (11.5.4.1): it stays 0. */
		if (timer_mode(a) == APIC_TIMER_TSC_DEADLINE)
			break;
		a->timer_initial = val;
		timer_load(v);
		break;
	case APIC_TIMER_DIVIDE:
		a->timer_divide = val & 0xb;
		break;
	default:
		break; /* read-only registers */
	}
}

bool xapic_mmio_on(const struct vcpu *v)
{
	return (v->apic.base_msr & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       APIC_BASE_EN;
}

uint64_t apic_base_read(struct vcpu *v)
{
	return v->apic.base_msr;
}

uint64_t xapic_mmio_base(const struct vcpu *v)
{
	return v->apic.base_msr & ~0xfffULL;
}

/*
 * Modes: disabled (EN=0, EXTD=0), xAPIC (EN), x2APIC (EN|EXTD). x2APIC is
 * entered from xAPIC only, and left only by disabling (SDM vol. 3,
 * "x2APIC State Transitions"). Disabling resets the APIC to its
 * power-up state, the initial ID included (11.4.3). The base may move to any page below the guest's
 * MAXPHYADDR (11.4.4, figure 11-5: bits 0-7 and 9 are reserved too); the
 * vCPU's xAPIC page follows it where no RAM is (mmio_device_access).
 */
int apic_base_write(struct vcpu *v, uint64_t val)
{
	uint64_t old = v->apic.base_msr;
	uint64_t mode = val & (APIC_BASE_EN | APIC_BASE_EXTD);
	uint64_t old_mode = old & (APIC_BASE_EN | APIC_BASE_EXTD);
	unsigned int bits = cpu_model_phys_bits(&v->vm->cpu);

	if (val & (GENMASK(7, 0) | BIT(9)))
		return -1;
	if (bits < 64 && val >> bits)
		return -1;
	if (mode == APIC_BASE_EXTD)
		return -1; /* x2APIC without the APIC enabled */
	if (old_mode == (APIC_BASE_EN | APIC_BASE_EXTD) && mode == APIC_BASE_EN)
		return -1; /* x2APIC straight back to xAPIC */
	if (old_mode == 0 && mode == (APIC_BASE_EN | APIC_BASE_EXTD))
		return -1; /* disabled straight to x2APIC */
	/*
	 * Disabling returns the APIC to its power-up state (11.4.3, 11.4.7.1),
	 * the initial APIC ID included; x2APIC mode has the initial ID only,
	 * read-only (11.12.5.1), whatever the xAPIC ID was made.
	 */
	if (old_mode && !mode) {
		uint32_t logged = v->apic.ipis_logged;

		lapic_reset(v);
		/* mhv's log limit is no APIC state for the guest to reset. */
		v->apic.ipis_logged = logged;
		/* The reset left LINT0/LINT1 as firmware set them; off now. */
		for (unsigned int i = 0; i < ARRAY_SIZE(v->apic.lvt); i++)
			v->apic.lvt[i] = APIC_LVT_MASKED;
	}
	if (mode == (APIC_BASE_EN | APIC_BASE_EXTD))
		v->apic.id = v->index;
	v->apic.base_msr = (val & ~APIC_BASE_BSP) | bsp_flag(v);
	vcpu_kick(v);
	return 0;
}

/* x2APIC register n is xAPIC offset n << 4; these have no x2APIC form. */
static bool x2apic_reg_exists(unsigned int offset)
{
	switch (offset) {
	case APIC_ID:
	case APIC_VERSION:
	case APIC_TPR:
	case APIC_PPR:
	case APIC_EOI:
	case APIC_LDR:
	case APIC_SPIV:
	case APIC_ESR:
	case APIC_ICR_LO:
	case APIC_TIMER_INITIAL:
	case APIC_TIMER_CURRENT:
	case APIC_TIMER_DIVIDE:
	case APIC_SELF_IPI:
		return true;
	default:
		return (offset >= APIC_ISR && offset < APIC_IRR + 0x80) ||
		       lvt_index(offset) >= 0;
	}
}

int x2apic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	unsigned int offset = (msr - MSR_X2APIC_FIRST) << 4;
	struct lapic *a = &v->apic;

	if (!x2apic_on(v) || !x2apic_reg_exists(offset) || offset == APIC_EOI ||
	    offset == APIC_SELF_IPI)
		return -1;
	switch (offset) {
	case APIC_ID:
		*val = a->id;
		return 0;
	case APIC_LDR:
		/* Derived from the ID: cluster in 31:16, one bit in 15:0. */
		*val = ((a->id >> 4) << 16) | (1u << (a->id & 0xf));
		return 0;
	case APIC_ICR_LO:
		*val = ((uint64_t)a->icr_hi << 32) | a->icr_lo;
		return 0;
	default:
		*val = xapic_read(v, offset);
		return 0;
	}
}

int x2apic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	unsigned int offset = (msr - MSR_X2APIC_FIRST) << 4;

	if (!x2apic_on(v) || !x2apic_reg_exists(offset))
		return -1;
	switch (offset) {
	case APIC_ID:
	case APIC_VERSION:
	case APIC_PPR:
	case APIC_LDR:
	case APIC_TIMER_CURRENT:
		return -1; /* read-only */
	case APIC_EOI:
	case APIC_ESR:
		if (val)
			return -1; /* only 0 may be written (11.12.1.2) */
		xapic_write(v, offset, 0);
		return 0;
	case APIC_SELF_IPI:
		if (val & ~0xffULL)
			return -1;
		/* A fixed, edge IPI to this APIC (11.12.11). */
		if (val < 16)
			apic_error(v, APIC_ESR_SEND_ILLEGAL_VECTOR);
		else
			lapic_deliver(v, APIC_DM_FIXED, (uint8_t)val, false);
		return 0;
	case APIC_ICR_LO:
		/* One 64-bit write: destination in 63:32, no delivery status. */
		v->apic.icr_hi = (uint32_t)(val >> 32);
		v->apic.icr_lo = (uint32_t)val;
		send_ipi(v, (uint32_t)val, (uint32_t)(val >> 32));
		return 0;
	case APIC_SPIV:
	case APIC_TPR:
	case APIC_TIMER_DIVIDE:
		if (val >> 32)
			return -1;
		xapic_write(v, offset, (uint32_t)val);
		return 0;
	default:
		if ((offset >= APIC_ISR && offset < APIC_IRR + 0x80) ||
		    (val >> 32))
			return -1;
		xapic_write(v, offset, (uint32_t)val);
		return 0;
	}
}
