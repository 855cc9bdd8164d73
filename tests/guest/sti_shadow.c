// SPDX-License-Identifier: MIT
/*
 * The STI interrupt shadow (SDM vol. 2, STI; vol. 3, 6.8.1): with an
 * interrupt already pending, "sti; insn" takes it after insn, not before;
 * "sti; cli" does not take it at all; and "sti; hlt" enters HLT and is
 * woken by it, resuming after the HLT. The interrupt is a self-IPI sent
 * with IF=0. The handler records where it came in and what the
 * instruction after STI had done by then.
 */
#include "guest.h"
#include "irq.h"

#define VECTOR 0x70
#define IRQ_TIMEOUT (1ull << 24)

static volatile unsigned int nirqs;
static volatile uint64_t irq_rip, irq_rax;

DECLARE_INSN_LABEL(after_sti_inc);
DECLARE_INSN_LABEL(after_sti);
DECLARE_INSN_LABEL(sti_hlt);
DECLARE_INSN_LABEL(after_hlt);

static void handler(struct irq_frame *f)
{
	irq_rip = f->rip;
	irq_rax = f->rax;
	/*
	 * Taken before the HLT, the interrupt would leave the HLT to sleep
	 * for good: step over it so that the test reports instead.
	 */
	if (f->rip == (uint64_t)sti_hlt)
		f->rip++;
	nirqs++;
	apic_eoi();
}

static bool make_pending(void)
{
	cli();
	nirqs = 0;
	irq_rip = irq_rax = 0;
	apic_self_ipi(VECTOR);
	return apic_irr(VECTOR);
}

static __attribute__((noinline, noclone)) void sti_inc(void)
{
	uint64_t rax = 0;

	asm volatile("sti\n\t" INSN_LABEL(after_sti, "inc %0")
			     INSN_LABEL(after_sti_inc, "inc %0") "cli"
		     : "+a"(rax)
		     :
		     : "memory");
	report(rax == 2, "both increments ran: RAX %lu", rax);
}

static __attribute__((noinline, noclone)) void sti_hlt_resume(void)
{
	asm volatile("sti\n\t" INSN_LABEL(sti_hlt, "hlt")
			     INSN_LABEL(after_hlt, "cli")
		     :
		     :
		     : "memory");
}

int main(int argc, char **argv)
{
	bool pending;

	apic_init();
	set_irq_handler(VECTOR, handler);

	pending = make_pending();
	sti_inc();
	report(pending && nirqs == 1 && irq_rip == (uint64_t)after_sti_inc &&
		       irq_rax == 1,
	       "sti; inc: %u interrupt(s), taken at %#lx with RAX %lu "
	       "(after the inc: %p, RAX 1)",
	       nirqs, irq_rip, irq_rax, after_sti_inc);

	pending = make_pending();
	asm volatile("sti; cli" : : : "memory");
	report(pending && nirqs == 0 && apic_irr(VECTOR),
	       "sti; cli: %u interrupts, still pending in the IRR", nirqs);
	sti();
	wait_count(&nirqs, 1, IRQ_TIMEOUT);
	report(nirqs == 1, "then STI: %u interrupt(s)", nirqs);

	pending = make_pending();
	sti_hlt_resume();
	report(pending && nirqs == 1 && irq_rip == (uint64_t)after_hlt,
	       "sti; hlt: %u interrupt(s), taken at %#lx (after the HLT: %p; "
	       "at it: %p)",
	       nirqs, irq_rip, after_hlt, sti_hlt);
	sti();
	report(apic_spurious_count() == 0, "%u spurious interrupts",
	       apic_spurious_count());
	return report_summary();
}
