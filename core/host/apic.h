/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_APIC_H
#define MHV_CORE_HOST_APIC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * mhv's own local APIC: the interrupts mhv takes (its timer, APIC errors,
 * spurious interrupts) and the one-shot timer behind the guests' time
 * budgets. mhv runs with RFLAGS.IF=0; host interrupts arrive only while a
 * guest runs (as an exit) or in an explicit window (interrupt_window()).
 *
 * The vectors are mhv's choice: above the exceptions, the timer below the
 * other two in priority class, the spurious vector with its low nibble
 * all ones as P6-family APICs require (SDM vol. 3, 11.9).
 */
#define HOST_VEC_TIMER 0xec
/* smp_kick(): interrupts a CPU, nothing more (core/host/smp.h). */
#define HOST_VEC_KICK 0xf1
#define HOST_VEC_APIC_ERROR 0xfe
#define HOST_VEC_SPURIOUS 0xff

/*
 * Enable the local APIC (x2APIC when the CPU has it, else xAPIC MMIO
 * through the identity map), route errors and spurious interrupts to
 * mhv's vectors, and start measuring the timer against the TSC. Without a
 * usable APIC the host timer is off and says so.
 */
void apic_init(void);
/*
 * An AP's local APIC, set up as apic_init() set up the boot CPU's (same
 * mode, LVTs masked, errors and spurious interrupts on mhv's vectors); its
 * timer counts at the rate measured on the boot CPU. -1 when the boot CPU
 * found no usable APIC.
 */
int apic_init_ap(void);
/* Whether apic_init() found and enabled the boot CPU's local APIC. */
bool apic_present(void);
/* This CPU's APIC ID (32 bits in x2APIC mode, 8 in xAPIC mode). */
uint32_t apic_self_id(void);
/*
 * Send an IPI to one CPU: icr_lo holds the vector, delivery mode and
 * level bits. Every store before the call is visible to the target when
 * the IPI arrives. -1 when an xAPIC's ICR stays busy (not delivered).
 */
int apic_send_ipi(uint32_t apic_id, uint32_t icr_lo);
/*
 * Finish the timer's measurement (and the TSC's, which it needs): at
 * least 1 ms since apic_init(), waiting for what is missing. The host
 * timer is off until then: kmain calls it before the first VM, the only
 * user of the timer. Later calls return at once.
 */
void apic_calibrate_finish(void);
bool host_timer_usable(void);

/*
 * Run mhv's handler for an interrupt that arrived on `vector`: through the
 * IDT, or acknowledged by a VMX exit (the vector from the exit
 * information). Sends the EOI the vector needs.
 */
void host_irq_handle(unsigned int vector);

/*
 * Take the interrupts pending for mhv: after SVM's #VMEXIT(INTR) the
 * interrupt is still pending, and only an IF=1 instruction boundary with
 * GIF=1 delivers it (APM vol. 2, 15.21.1).
 */
void host_irq_take_pending(void);

/*
 * Wait for the next host interrupt (STI; HLT; CLI: the interrupt shadow of
 * STI makes this race-free) and run its handler, or, without a usable
 * host timer, spin until `deadline` (host TSC). Used by a vCPU that waits
 * in HLT.
 */
void host_wait(uint64_t deadline);

/*
 * The one-shot timer: fires once, `tsc_ticks` from now (or at the longest
 * interval the counter holds, whichever is sooner: the caller re-arms).
 * host_timer_take_expired() is true once per expiry.
 */
void host_timer_arm(uint64_t tsc_ticks);
void host_timer_stop(void);
bool host_timer_take_expired(void);

#endif
