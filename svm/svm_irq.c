// SPDX-License-Identifier: MIT
/*
 * Interrupt and NMI injection on SVM (APM vol. 2, 15.20 and 15.21): an
 * event goes in through EVENTINJ when the guest can take it now (no event
 * already on its way, no interrupt shadow, RFLAGS.IF for interrupts, NMIs
 * not blocked); otherwise a virtual interrupt (V_IRQ) with the VINTR
 * intercept makes the CPU exit at the first point where the guest could
 * take one, and the injection happens then.
 */
#include "core/exit/exits.h"
#include "core/host/apic.h"
#include "svm/svm.h"

static void want_window(struct vmcb_control *c)
{
	/* V_IGN_TPR: mhv applies the guest's TPR itself (irq_pending). */
	c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_IGN_TPR;
	c->intercept_misc1 |= SVM_INTERCEPT1_VINTR;
}

void svm_events(struct vcpu *v, struct vmcb *vmcb)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_control *c;
	bool busy, shadow;
	int irq;

	if (unlikely(s->nested.guest_mode)) {
		/* L2 runs; unless L1 takes an exit now, nothing more to do. */
		svm_nested_events(v, vmcb);
		if (s->nested.guest_mode)
			return;
		vmcb = s->vmcb;
	}
	c = &vmcb->control;
	busy = c->event_inj & SVM_EVENT_VALID;
	shadow = (c->int_state & 1) && !s->window_open;
	s->window_open = false;

	/*
	 * A full barrier: another CPU sets an IRR bit, then events, then
	 * kicks; clearing events must not pass the reads of what it set.
	 */
	__atomic_store_n(&v->events, false, __ATOMIC_SEQ_CST);
	host_timer_arm(vcpu_ticks_to_deadline(v));
	/* CR8 reads see V_TPR (V_INTR_MASKING); writes exit to mhv. */
	c->int_ctl =
		(c->int_ctl & ~(SVM_INT_CTL_V_TPR_MASK | SVM_INT_CTL_V_IRQ |
				SVM_INT_CTL_V_IGN_TPR)) |
		(v->apic.tpr >> 4);
	c->intercept_misc1 &= ~SVM_INTERCEPT1_VINTR;

	if (s->iret_seen && vmcb->save.rip != s->iret_rip)
		s->nmi_blocked = s->iret_seen = false;
	/* L1 with GIF=0 (CLGI, or a #VMEXIT): no interrupt, no NMI; STGI. */
	if (unlikely(s->nested.gif_clear))
		return;
	if (v->apic.nmi_pending && s->nmi_blocked && s->iret_seen &&
	    !s->nmi_singlestep) {
		/*
		 * Step over the IRET that ends the block: its #DB exit comes
		 * right after it, where the CPU delivers a pending NMI (KVM
		 * does the same; SVM has no NMI window).
		 */
		s->nmi_singlestep = true;
		s->guest_tf = vmcb->save.rflags & RFLAGS_TF;
		vmcb->save.rflags |= RFLAGS_TF;
		c->intercept_exceptions |= 1u << VEC_DB;
	}
	if (v->apic.nmi_pending) {
		if (!busy && !shadow && !s->nmi_blocked) {
			c->event_inj =
				SVM_EVENT_VALID | SVM_EVENT_TYPE_NMI | VEC_NMI;
			lapic_nmi_injected(v);
			s->nmi_blocked = true;
			c->intercept_misc1 |= SVM_INTERCEPT1_IRET;
			busy = true;
		} else {
			/*
			 * Come back when the shadow or the event in flight is
			 * gone (VINTR, which also waits for IF=1), or after
			 * the handler's IRET (its intercept, then the step).
			 */
			if (!s->nmi_blocked)
				want_window(c);
			else
				lapic_nmi_blocked(v);
		}
	}
	irq = irq_pending(v);
	if (irq < 0)
		return;
	if (!busy && !shadow && (vmcb->save.rflags & RFLAGS_IF))
		c->event_inj = SVM_EVENT_VALID | SVM_EVENT_TYPE_INTR |
			       irq_acknowledge(v, irq);
	else
		want_window(c);
}

/*
 * The #DB intercept, on while mhv steps over an IRET. The step's #DB
 * comes after the IRET (RIP moved): NMIs are unblocked, the TF mhv set is
 * gone with the RFLAGS the IRET loaded, and DR6.BS is the guest's only if
 * its own TF was set too, in which case the #DB is its own and delivered.
 * Any other #DB (a breakpoint of the guest's) goes back to the guest.
 */
void svm_handle_db(struct vcpu *v, struct vmcb *vmcb)
{
	struct svm_vcpu *s = v->arch;

	if (!s->nmi_singlestep) {
		svm_inject_exception(v, VEC_DB, false, 0);
		return;
	}
	s->nmi_singlestep = false;
	vmcb->control.intercept_exceptions &= ~(1u << VEC_DB);
	s->nmi_blocked = s->iret_seen = false;
	v->events = true;
	if (s->guest_tf)
		svm_inject_exception(v, VEC_DB, false, 0);
	else
		vmcb->save.dr6 &= ~DR6_BS;
}
