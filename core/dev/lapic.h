/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_LAPIC_H
#define MHV_CORE_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* A vCPU's local APIC (core/dev/dev_lapic.c), xAPIC page and x2APIC MSRs. */
struct lapic {
	uint64_t base_msr; /* IA32_APIC_BASE as the guest sees it */
	uint32_t id;	   /* the APIC ID (x2APIC form) */
	uint32_t tpr, ldr, dfr, spiv;
	uint32_t esr, esr_pending; /* latched at the last ESR write; since */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[6]; /* timer, thermal, perf, LINT0, LINT1, error */
	/* 256 bits each, as the registers lay them out: vector v in [v/32]. */
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t timer_initial, timer_divide;
	uint64_t timer_start;	/* host TSC when the count was loaded */
	uint64_t timer_tsc_per; /* host TSC ticks per period, 0 = stopped */
	uint64_t tsc_deadline;	/* IA32_TSC_DEADLINE (guest TSC), 0 = off */
	/*
	 * NMIs latched, not counted: one may wait while another is handled
	 * (SDM vol. 3, 6.7.1). Up to two here, because mhv sees an NMI later
	 * than a CPU would (a second may come before the first is injected,
	 * as KVM allows); lapic_nmi_blocked() drops to one while the guest
	 * has NMIs blocked.
	 */
	unsigned int nmi_pending;
	bool extint_pending; /* an ExtINT message: the 8259 has the vector */
	unsigned int ipis_logged;
};

#endif
