// SPDX-License-Identifier: MIT
/*
 * Interrupt and NMI injection on VMX (SDM vol. 3, 26.6 and 27.2): an event
 * goes in through the VM-entry interruption information when the guest
 * can take it now (no event already on its way, no STI/MOV SS blocking,
 * RFLAGS.IF for interrupts, no virtual-NMI blocking for NMIs); otherwise
 * interrupt-window or NMI-window exiting brings the vCPU back the moment
 * it can.
 */
#include "core/exit/exits.h"
#include "core/host/apic.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vmx/vmx_insn.h"

void vmx_events(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	uint32_t proc = x->proc_controls &
			~(VMX_PROC_INTR_WINDOW | VMX_PROC_NMI_WINDOW);
	bool busy = vmcs_read(VMCS_ENTRY_INTR_INFO) & VMX_INTR_VALID;
	uint64_t block = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	bool shadow = block & (VMX_BLOCK_STI | VMX_BLOCK_MOV_SS);
	int irq;

	/*
	 * A debug trap left pending (the single-step #DB of an instruction
	 * mhv completed with RFLAGS.TF set, say a HLT) goes first: VM entry
	 * drops pending debug exceptions when it injects an interrupt or an
	 * NMI (SDM vol. 3, 27.7.3), while without an injection it delivers
	 * them ahead of the interrupt- and NMI-window exits, as a trap on the
	 * previous instruction is ahead of an interrupt (SDM vol. 3, table
	 * 6-2). So the events wait for their window.
	 */
	if (vmcs_read(VMCS_GUEST_PENDING_DEBUG) &
	    (PENDING_DBG_BS | PENDING_DBG_ENABLED_BP))
		busy = true;

	/*
	 * A full barrier: another CPU sets an IRR bit, then events, then
	 * kicks; clearing events must not pass the reads of what it set.
	 */
	__atomic_store_n(&v->events, false, __ATOMIC_SEQ_CST);
	if (x->preemption_timer)
		vmx_arm_preemption_timer(v, vcpu_ticks_to_deadline(v));
	else
		host_timer_arm(vcpu_ticks_to_deadline(v));

	if (v->apic.nmi_pending) {
		if (!busy && !shadow && !(block & VMX_BLOCK_NMI)) {
			vmcs_write(VMCS_ENTRY_INTR_INFO,
				   VMX_INTR_VALID | VMX_INTR_TYPE_NMI |
					   VEC_NMI);
			lapic_nmi_injected(v);
			busy = true;
		} else {
			if (block & VMX_BLOCK_NMI)
				lapic_nmi_blocked(v);
			/* Without virtual NMIs the next IF=1 point must do. */
			proc |= x->nmi_window ? VMX_PROC_NMI_WINDOW
					      : VMX_PROC_INTR_WINDOW;
		}
	}
	irq = irq_pending(v);
	if (irq >= 0) {
		if (!busy && !shadow &&
		    (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF))
			vmcs_write(VMCS_ENTRY_INTR_INFO,
				   VMX_INTR_VALID | VMX_INTR_TYPE_EXT_INTR |
					   irq_acknowledge(v, irq));
		else
			proc |= VMX_PROC_INTR_WINDOW;
	}
	if (proc != x->proc_controls) {
		vmcs_write(VMCS_PROC_CONTROLS, proc);
		x->proc_controls = proc;
	}
}
