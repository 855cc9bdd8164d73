/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_PERCPU_H
#define MHV_CORE_HOST_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/host/gdt.h"

/*
 * What belongs to one CPU, reached through the GS base: every CPU's
 * IA32_GS_BASE points at its own struct percpu, whose first word points
 * at itself, so this_cpu() is one load. Nothing in mhv loads GS (a
 * selector load would clear the base); the backends keep the base across
 * guests (VMX: the host-state GS base; SVM: VMSAVE/VMLOAD of the host's
 * area, which holds it).
 */
enum smp_call_state {
	SMP_CALL_IDLE,	  /* nothing to do: the CPU waits in HLT */
	SMP_CALL_PENDING, /* fn/arg posted, not started yet */
	SMP_CALL_RUNNING, /* fn runs */
};

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	unsigned int cpu;    /* index, the boot CPU 0 */
	uint32_t apic_id;
	/* Host timer state (core/host/apic.c): this CPU's own. */
	volatile bool timer_expired;
	/* smp_call(): written by the caller before the state, see smp.c. */
	void (*call_fn)(void *);
	void *call_arg;
	unsigned int call_from; /* the caller's index, woken when fn returns */
	volatile int call_state;
	/* smp_kick()s this CPU took (the IPI's handler counts them). */
	volatile unsigned int kicks;
	uint64_t stack_top;
	struct cpu_gdt gdt;
};

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
