// SPDX-License-Identifier: MIT
/*
 * A minimal xAPIC for a single vCPU: the registers payloads read and write
 * at boot keep their values; no timer, no interrupt delivery. IPIs are
 * logged and dropped: with one vCPU there is nobody to receive them.
 */
#include "core/dev/devices.h"
#include "core/host/log.h"
#include "core/vm/vm.h"
#include "core/x86.h"

void lapic_deliver(struct vcpu *v, enum apic_delivery mode, uint8_t vector,
		   bool level)
{
	struct lapic *a = &v->apic;

	if (mode == APIC_DM_NMI) {
		a->nmi_pending = true;
	} else if (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) {
		a->irr[vector / 32] |= 1u << (vector % 32);
		if (level)
			a->tmr[vector / 32] |= 1u << (vector % 32);
		else
			a->tmr[vector / 32] &= ~(1u << (vector % 32));
	}
	vcpu_kick(v);
}

bool lapic_match_dest(const struct vcpu *v, uint32_t dest, bool logical)
{
	return logical ? (dest & 1) : dest == v->apic.id;
}

void lapic_timer_expired(struct vcpu *v, uint64_t now)
{
	vm_timer_set(v->vm, VM_TIMER_LAPIC, 0);
}

/* Version 0x14 (integrated APIC), 6 LVT entries (max LVT index 5). */
#define APIC_VERSION_VALUE 0x00050014u
#define IPI_LOG_MAX 8
#define ICR_DELIVERY_MODE(icr) (((icr) >> 8) & 7)
#define ICR_SHORTHAND(icr) (((icr) >> 18) & 3)

/* The power-on state: xAPIC mode at 0xfee00000, every LVT masked. */
void lapic_reset(struct vcpu *v)
{
	struct lapic *a = &v->apic;

	*a = (struct lapic){
		.base_msr = XAPIC_BASE | APIC_BASE_EN | APIC_BASE_BSP,
		.dfr = 0xffffffffu,
		.spiv = 0xff,
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(a->lvt); i++)
		a->lvt[i] = APIC_LVT_MASKED;
}

/*
 * LVT CMCI exists only with CMCI (MCG_CAP[10]), which mhv's guests do not
 * have (MCG_CAP reads 0, and the version register counts 6 LVT entries):
 * in x2APIC mode its MSR 0x82f raises #GP (SDM vol. 3, 11.12.1.2).
 */
static uint32_t *lvt_slot(struct lapic *a, unsigned int offset)
{
	if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR)
		return &a->lvt[(offset - APIC_LVT_TIMER) >> 4];
	return NULL;
}

uint32_t xapic_read(struct vcpu *v, unsigned int offset)
{
	struct lapic *a = &v->apic;
	uint32_t *lvt = lvt_slot(a, offset);

	if (lvt)
		return *lvt;
	switch (offset) {
	case APIC_ID:
		return 0; /* APIC ID 0 in bits 31:24 */
	case APIC_VERSION:
		return APIC_VERSION_VALUE;
	case APIC_TPR:
	case APIC_PPR: /* nothing in service: PPR follows TPR */
		return a->tpr;
	case APIC_LDR:
		return a->ldr;
	case APIC_DFR:
		return a->dfr;
	case APIC_SPIV:
		return a->spiv;
	case APIC_ESR:
		return a->esr;
	case APIC_ICR_LO:
		return a->icr_lo & ~(1u << 12); /* delivery always complete */
	case APIC_ICR_HI:
		return a->icr_hi;
	case APIC_TIMER_INITIAL:
		return a->timer_initial;
	case APIC_TIMER_DIVIDE:
		return a->timer_divide;
	default:
		return 0; /* APR, ISR, TMR, IRR, current count, reserved */
	}
}

static void send_ipi(struct vcpu *v, uint32_t lo, uint32_t hi)
{
	static const char *const modes[8] = {"fixed",	 "lowest",  "SMI",
					     "reserved", "NMI",	    "INIT",
					     "SIPI",	 "reserved"};
	static const char *const shorthands[4] = {"destination", "self", "all",
						  "all but self"};

	/* Logged, but a guest that sends IPIs in a loop may not flood the log. */
	if (++v->apic.ipis_logged > IPI_LOG_MAX)
		return;
	pr_info("%s: IPI %s vector %#x to %s %#x dropped (one vCPU)%s\n",
		v->vm->opt.name, modes[ICR_DELIVERY_MODE(lo)], lo & 0xff,
		shorthands[ICR_SHORTHAND(lo)], hi >> 24,
		v->apic.ipis_logged == IPI_LOG_MAX ? "; no more logged" : "");
}

void xapic_write(struct vcpu *v, unsigned int offset, uint32_t val)
{
	struct lapic *a = &v->apic;
	uint32_t *lvt = lvt_slot(a, offset);

	if (lvt) {
		*lvt = val;
		return;
	}
	switch (offset) {
	case APIC_TPR:
		a->tpr = val & 0xff;
		break;
	case APIC_LDR:
		a->ldr = val & 0xff000000u;
		break;
	case APIC_DFR:
		a->dfr = val | 0x0fffffffu;
		break;
	case APIC_SPIV:
		a->spiv = val & 0x13ff;
		break;
	case APIC_ESR:
		a->esr = 0;
		break;
	case APIC_ICR_HI:
		a->icr_hi = val & 0xff000000u;
		break;
	case APIC_ICR_LO:
		a->icr_lo = val;
		send_ipi(v, val, a->icr_hi);
		break;
	case APIC_TIMER_INITIAL:
		a->timer_initial = val;
		break;
	case APIC_TIMER_DIVIDE:
		a->timer_divide = val & 0xb;
		break;
	default:
		break; /* EOI and read-only registers */
	}
}

uint64_t apic_base_read(struct vcpu *v)
{
	return v->apic.base_msr;
}

/*
 * Modes: disabled (EN=0, EXTD=0), xAPIC (EN), x2APIC (EN|EXTD). x2APIC is
 * entered from xAPIC only, and left only by disabling (SDM vol. 3,
 * "x2APIC State Transitions"). The APIC stays at 0xfee00000: mhv does not
 * relocate it.
 */
int apic_base_write(struct vcpu *v, uint64_t val)
{
	uint64_t old = v->apic.base_msr;
	uint64_t mode = val & (APIC_BASE_EN | APIC_BASE_EXTD);
	uint64_t old_mode = old & (APIC_BASE_EN | APIC_BASE_EXTD);

	if (val & ~(XAPIC_BASE | APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD))
		return -1;
	if ((val & XAPIC_BASE) != XAPIC_BASE)
		return -1;
	if (mode == APIC_BASE_EXTD)
		return -1; /* x2APIC without the APIC enabled */
	if (old_mode == (APIC_BASE_EN | APIC_BASE_EXTD) && mode == APIC_BASE_EN)
		return -1; /* x2APIC straight back to xAPIC */
	if (old_mode == 0 && mode == (APIC_BASE_EN | APIC_BASE_EXTD))
		return -1; /* disabled straight to x2APIC */
	v->apic.base_msr = val | APIC_BASE_BSP;
	return 0;
}

static bool x2apic_on(const struct vcpu *v)
{
	return (v->apic.base_msr & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
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
		return (offset >= 0x100 && offset <= 0x270) || /* ISR/TMR/IRR */
		       (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR);
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
	case APIC_LDR:
		/* Cluster 0, bit 0 for x2APIC ID 0. */
		*val = 1;
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
		return val ? -1 : 0;
	case APIC_SELF_IPI:
		if (val & ~0xffULL)
			return -1;
		pr_debug("%s: self-IPI vector %#lx dropped (no interrupt "
			 "delivery yet)\n",
			 v->vm->opt.name, val);
		return 0;
	case APIC_ICR_LO:
		/* One 64-bit write: destination in 63:32, no delivery status. */
		v->apic.icr_hi = (uint32_t)(val >> 32);
		xapic_write(v, APIC_ICR_LO, (uint32_t)val);
		return 0;
	default:
		if ((offset >= 0x100 && offset <= 0x270) || (val >> 32))
			return -1;
		xapic_write(v, offset, (uint32_t)val);
		return 0;
	}
}
