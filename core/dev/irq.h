/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_DEV_IRQ_H
#define MHV_CORE_DEV_IRQ_H

/*
 * How a guest's interrupt sources reach its vCPU, wired as on a PC:
 *
 *   PIT channel 0 -> ISA IRQ0 ---+--> 8259 master pin 0 (slave on pin 2)
 *   other ISA IRQ n -------------+      `-> INTR -> LAPIC LINT0 (ExtINT)
 *                                `--> I/O APIC pin n; IRQ0 on pin 2 (the
 *                                     MADT's interrupt source override)
 *                                       `-> LAPIC (fixed, lowest, NMI...)
 *   LAPIC timer, LVT error, self-IPI, ICR -> LAPIC
 *
 * A source changes a line with isa_irq_set(). Whatever may change what the
 * vCPU should be interrupted with calls vcpu_kick(); the run loop tests
 * that one flag before each entry and only then looks at the controllers.
 */

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* ISA IRQ 0-15 to the 8259 pair and the I/O APIC (core/dev/irq_route.c). */
void isa_irq_set(struct vm *vm, unsigned int irq, bool level);
/* An edge: the line rises and falls (PIT, edge-triggered devices). */
static inline void isa_irq_pulse(struct vm *vm, unsigned int irq)
{
	isa_irq_set(vm, irq, true);
	isa_irq_set(vm, irq, false);
}

/*
 * Something the vCPU may be interrupted with changed (core/dev/vtimer.c):
 * its run loop looks before the next entry.
 */
void vcpu_kick(struct vcpu *v);
/* The same for the vCPUs the 8259's INTR is wired to (LINT0). */
void vm_irq_kick(struct vm *vm);

/*
 * Device time is the host TSC (core/dev/clock.c; hosted tests move a fake
 * clock). Guest TSC = host TSC + the VM's offset.
 */
uint64_t dev_now(void);

/*
 * Device timers: each device keeps at most one deadline (host TSC, 0 =
 * none). A vCPU's run loop arms a host timer (APIC timer or VMX preemption
 * timer) for the earliest of its own LAPIC timer, the VM's devices' if it
 * is the BSP (their timekeeper), and the VM's budget; when it fires,
 * vcpu_timers_run() calls every device whose deadline has passed, which
 * may set a new one (periodic modes).
 */
enum vm_timer_id { VM_TIMER_PIT, VM_TIMER_COUNT };
void vm_timer_set(struct vm *vm, enum vm_timer_id id, uint64_t deadline);
void lapic_timer_set(struct vcpu *v, uint64_t deadline);
/* The earliest deadline the vCPU keeps, 0 when none is set. */
uint64_t vcpu_timer_next(const struct vcpu *v);
void vcpu_timers_run(struct vcpu *v, uint64_t now);

/* The expiry callbacks vcpu_timers_run() calls. */
void lapic_timer_expired(struct vcpu *v, uint64_t now);
void pit_timer_expired(struct vm *vm, uint64_t now);

/* 8259 pair (core/dev/dev_pic.c): ports 0x20-0x21, 0xa0-0xa1, 0x4d0-0x4d1. */
void pic_reset(struct vm *vm);
void pic_set_irq(struct vm *vm, unsigned int irq, bool level);
/* Whether the master's INTR output is asserted. */
bool pic_intr(const struct vm *vm);
/*
 * The INTA cycle: the vector of the highest-priority request, moved from
 * IRR to ISR (unless auto-EOI); the spurious IRQ7 (or IRQ15) vector when
 * the request went away before the acknowledge.
 */
uint8_t pic_acknowledge(struct vm *vm);

/* 8254 PIT and port 0x61 (core/dev/dev_pit.c): ports 0x40-0x43, 0x61. */
void pit_reset(struct vm *vm);

/* I/O APIC (core/dev/dev_ioapic.c) at IOAPIC_BASE. */
#define IOAPIC_BASE 0xfec00000ULL
#define IOAPIC_SIZE 0x1000ULL
#define IOAPIC_PINS 24
void ioapic_reset(struct vm *vm);
void ioapic_set_irq(struct vm *vm, unsigned int pin, bool level);
/* The LAPIC's EOI of a level-triggered vector, broadcast (clears remote IRR). */
void ioapic_eoi(struct vm *vm, uint8_t vector);
/* 32-bit accesses at offset (IOREGSEL 0x00, IOWIN 0x10). */
uint32_t ioapic_mmio_read(struct vm *vm, unsigned int offset);
void ioapic_mmio_write(struct vm *vm, unsigned int offset, uint32_t val);

/*
 * Local APIC (core/dev/dev_lapic.c). APIC delivery modes as the ICR, the
 * LVT and the I/O APIC's redirection entries encode them.
 */
enum apic_delivery {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_SIPI = 6,
	APIC_DM_EXTINT = 7,
};
/* An interrupt message for this vCPU's LAPIC (from the I/O APIC or an IPI). */
/*
 * The run loops' side of the NMI latch (struct lapic): one NMI went in;
 * the guest has NMIs blocked, so at most one more can wait.
 */
void lapic_nmi_injected(struct vcpu *v);
void lapic_nmi_blocked(struct vcpu *v);
void lapic_deliver(struct vcpu *v, enum apic_delivery mode, uint8_t vector,
		   bool level);
/*
 * KVM's PV IPI (KVM_HC_SEND_IPI, in Linux's Documentation/virt/kvm/x86/
 * hypercalls.rst): the ICR message `icr` (vector, delivery mode, trigger)
 * to every vCPU whose APIC ID is min + n for a set bit n of low, or min +
 * cluster + n for one of high; cluster is 64 in 64-bit mode, else 32 (and
 * the bitmaps are 32 bits). Returns how many vCPUs it went to.
 */
unsigned int lapic_pv_send_ipi(struct vcpu *v, uint64_t low, uint64_t high,
			       uint64_t min, uint32_t icr,
			       unsigned int cluster);
/* Whether a message with this destination addresses the vCPU's LAPIC. */
bool lapic_match_dest(const struct vcpu *v, uint32_t dest, bool logical);
/* TPR writes from any path (MMIO, x2APIC MSR, MOV to CR8 as TPR[7:4]). */
void lapic_set_tpr(struct vcpu *v, uint32_t tpr);
/* IA32_TSC_DEADLINE. */
uint64_t lapic_tsc_deadline_read(struct vcpu *v);
void lapic_tsc_deadline_write(struct vcpu *v, uint64_t val);

/*
 * What the vCPU is to be interrupted with, for the backends' injection:
 * the highest-priority maskable interrupt the LAPIC would present (IRR
 * above PPR) or IRQ_EXTINT when the 8259 presents one through LINT0 (or
 * an ExtINT message); -1 when none. NMIs are v->apic.nmi_pending.
 */
#define IRQ_EXTINT 256
int irq_pending(struct vcpu *v);
/* The interrupt acknowledge when injecting `pending`: its vector. */
uint8_t irq_acknowledge(struct vcpu *v, int pending);

#endif
