// SPDX-License-Identifier: MIT
/*
 * The VMX exit-handler table, indexed by basic exit reason and sized to
 * cover every reason through 85. A reason without a row, or beyond the
 * table, ends the VM with a state dump through exit_unexpected(): never a
 * silent skip, never an out-of-bounds index.
 */
#include "core/exit/exits.h"
#include "core/exit/guest_paging.h"
#include "core/host/apic.h"
#include "core/host/log.h"
#include "core/host/trap.h"
#include "core/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vmx/vmx_exit_reasons.h"
#include "vmx/vmx_insn.h"

/*
 * Handlers read the exit qualification themselves when they need it: most
 * exits (CPUID, VMCALL, MSRs) do not, and each VMREAD is on the hot path.
 */
typedef void (*vmx_exit_fn)(struct vcpu *v);

static void handle_cpuid(struct vcpu *v)
{
	exit_cpuid(v);
	vmx_skip_instruction(v);
}

static void handle_rdmsr(struct vcpu *v)
{
	if (exit_rdmsr(v))
		vmx_skip_instruction(v);
}

static void handle_wrmsr(struct vcpu *v)
{
	if (exit_wrmsr(v))
		vmx_skip_instruction(v);
}

static void handle_vmcall(struct vcpu *v)
{
	if (exit_hypercall(v))
		vmx_skip_instruction(v);
}

/*
 * Instructions that do not exist for the guest: the VMX set (no nested
 * VMX), SEAMCALL and TDCALL (no TDX for guests; a TDX host exits with 76
 * and 77), GETSEC, SGX leaves, MONITOR/MWAIT (hidden in CPUID).
 * #UD at the instruction, RIP not advanced.
 */
static void handle_undefined(struct vcpu *v)
{
	exit_inject_ud(v);
}

static void handle_hlt(struct vcpu *v)
{
	vmx_skip_instruction(v);
	exit_halted(v, vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF);
}

/* INVD exits unconditionally; dropping caches unwritten would hurt the host. */
static void handle_invd(struct vcpu *v)
{
	vmx_skip_instruction(v);
}

static void handle_triple_fault(struct vcpu *v)
{
	vm_end(v->vm, OUTCOME_TRIPLE_FAULT, "triple fault at RIP %#lx",
	       vmcs_read(VMCS_GUEST_RIP));
}

/*
 * A host interrupt, acknowledged by the exit ("acknowledge interrupt on
 * exit"): its vector is in the exit information and nothing is pending
 * any more (SDM vol. 3, 28.2.2), so mhv's handler for it runs here or the
 * interrupt is lost. Then the budget, if it was the host timer.
 */
static void handle_external_interrupt(struct vcpu *v)
{
	uint64_t info = vmcs_read(VMCS_EXIT_INTR_INFO);

	if (info & VMX_INTR_VALID)
		host_irq_handle(info & 0xff);
	exit_host_interrupt(v);
}

/* The preemption timer's count ran out: the VM's timers and budget. */
static void handle_preemption_timer(struct vcpu *v)
{
	exit_timers(v);
}

/* The guest can take the interrupt or NMI mhv holds: vmx_events injects. */
static void handle_window(struct vcpu *v)
{
	v->events = true;
}

/*
 * With NMI exiting, a host NMI that arrives in VMX non-root operation is
 * consumed by the exit (SDM vol. 3, 26.2): the host's NMI handling must
 * run here or the NMI is lost. The exception bitmap is 0, so any other
 * exception here is unexpected.
 */
static void handle_exception_nmi(struct vcpu *v)
{
	uint64_t info = vmcs_read(VMCS_EXIT_INTR_INFO);

	if ((info & VMX_INTR_VALID) &&
	    (info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_NMI) {
		nmi_handle(vmcs_read(VMCS_GUEST_RIP));
		return;
	}
	exit_unexpected(v, VMX_EXIT_EXCEPTION_NMI, info, 0);
}

/*
 * Exit qualification for I/O: size-1 in 2:0, IN in 3, string 4, port
 * 31:16. Sizes 1, 2 and 4 are the only ones the CPU reports (field value
 * 0, 1 or 3); anything else comes from a corrupted VMCS.
 */
static void handle_io(struct vcpu *v)
{
	uint64_t qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned int size = (qual & 7) + 1;
	bool in = qual & (1u << 3), done;
	uint16_t port = (uint16_t)(qual >> 16);

	if (size != 1 && size != 2 && size != 4) {
		exit_unexpected(v, VMX_EXIT_IO_INSTRUCTION, qual, 0);
		return;
	}
	if (qual & (1u << 4))
		done = exit_string_io(v, port, size, in) == IO_DONE;
	else
		done = exit_port_io(v, port, size, in);
	if (done)
		vmx_skip_instruction(v);
}

static void inject_gp(struct vcpu *v)
{
	vm_backend->inject_exception(v, VEC_GP, true, 0);
}

/*
 * MOV to CR0 that the CPU handed to us because it touches a host-owned
 * bit (NE, PG). Do what the CPU would have done: the architectural #GP
 * checks, and EFER.LMA following CR0.PG when EFER.LME is set.
 */
static bool emulate_cr0_write(struct vcpu *v, uint64_t val)
{
	struct vmx_vcpu *x = v->arch;
	struct vcpu_state s;
	uint64_t efer;

	vmx_get_state(v, &s);
	if (guest_cpu_mode(&s) != CPU_MODE_64)
		val = (uint32_t)val; /* the register's low half */
	if (cr0_write_faults(&s, val))
		return false;
	efer = s.efer;
	vmcs_write(VMCS_CR0_READ_SHADOW, val);
	/* What VMX forces to 1 (NE) stays set underneath. */
	vmcs_write(VMCS_GUEST_CR0, val | (x->cr0_fixed0 & ~CR0_PG & ~CR0_PE));
	if ((val & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(val & CR0_PG))
		efer &= ~EFER_LMA;
	vmcs_write(VMCS_GUEST_EFER, efer);
	vmx_sync_entry_controls(v);
	return true;
}

/*
 * MOV to CR4 touching a host-owned bit (VMXE) or one the guest's CPUID
 * hides although the CPU has it: the guest's checks, then the write with
 * VMXE kept set underneath.
 */
static bool emulate_cr4_write(struct vcpu *v, uint64_t val)
{
	struct vmx_vcpu *x = v->arch;
	struct vcpu_state s;

	vmx_get_state(v, &s);
	if (guest_cpu_mode(&s) != CPU_MODE_64)
		val = (uint32_t)val;
	if (cr4_write_faults(v, &s, val))
		return false;
	vmcs_write(VMCS_CR4_READ_SHADOW, val);
	vmcs_write(VMCS_GUEST_CR4, val | x->cr4_fixed0);
	return true;
}

/*
 * CR0.NE and CR4.VMXE must stay set while in VMX operation, and mhv owns
 * CR0.PG to track long mode; the guest owns every other bit and sees those
 * through the read shadows. Only MOV to CR0/CR4 that changes a shadowed
 * bit exits here.
 */
static void handle_cr_access(struct vcpu *v)
{
	uint64_t qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned int cr = qual & 15, type = (qual >> 4) & 3;
	unsigned int gpr = (qual >> 8) & 15;
	uint64_t val = vcpu_gpr(v, gpr);
	bool ok;

	/*
	 * CR8 is the TPR's bits 7:4 (SDM vol. 3, 11.8.6); setting any of
	 * bits 63:4 is #GP. Both directions exit (CR8-load/store exiting).
	 */
	if (cr == 8 && type == 1) {
		vcpu_set_gpr(v, gpr, v->apic.tpr >> 4);
		vmx_skip_instruction(v);
		return;
	}
	if (cr == 8 && type == 0) {
		if (val & ~0xfULL) {
			inject_gp(v);
			return;
		}
		lapic_set_tpr(v, (uint32_t)val << 4);
		vmx_skip_instruction(v);
		return;
	}
	if (type != 0 || (cr != 0 && cr != 4)) {
		exit_unexpected(v, VMX_EXIT_CR_ACCESS, qual, 0);
		return;
	}
	ok = cr == 0 ? emulate_cr0_write(v, val) : emulate_cr4_write(v, val);
	if (!ok) {
		inject_gp(v);
		return;
	}
	vmx_skip_instruction(v);
}

static void handle_xsetbv(struct vcpu *v)
{
	if (exit_xsetbv(v))
		vmx_skip_instruction(v);
}

/* Exit qualification bits 0-2: read, write, instruction fetch. */
static void handle_ept_violation(struct vcpu *v)
{
	uint64_t qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	uint64_t vectoring = vmcs_read(VMCS_IDT_VECTORING_INFO);
	uint64_t gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
	unsigned int len;

	/*
	 * An IRET that unblocked NMIs and then faulted: the blocking comes
	 * back before the instruction is retried (SDM vol. 3, 28.2.3). The
	 * bit means nothing when the exit interrupted an event's delivery.
	 */
	if (!(vectoring & VMX_INTR_VALID) && (qual & (1u << 12)))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) |
				   VMX_BLOCK_NMI);
	/*
	 * Guest RAM's first touch: now zeroed and mapped. The access is
	 * retried, and an event it was delivering is injected again.
	 */
	if (guest_ram_fault(v->vm, gpa))
		return;
	if (vectoring & VMX_INTR_VALID) {
		exit_fault_during_delivery(v, gpa, vectoring & 0xff);
		return;
	}
	/* EPT violations report no instruction length: core decoded it. */
	len = exit_mmio(v, gpa, qual & 2, qual & 4);
	if (len)
		vmx_complete_insn(len);
}

static const vmx_exit_fn vmx_exit_handlers[VMX_EXIT_REASON_MAX + 1] = {
	[VMX_EXIT_EXCEPTION_NMI] = handle_exception_nmi,
	[VMX_EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[VMX_EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[VMX_EXIT_CPUID] = handle_cpuid,
	[VMX_EXIT_GETSEC] = handle_undefined,
	[VMX_EXIT_HLT] = handle_hlt,
	[VMX_EXIT_INVD] = handle_invd,
	[VMX_EXIT_VMCALL] = handle_vmcall,
	[VMX_EXIT_VMCLEAR] = handle_undefined,
	[VMX_EXIT_VMLAUNCH] = handle_undefined,
	[VMX_EXIT_VMPTRLD] = handle_undefined,
	[VMX_EXIT_VMPTRST] = handle_undefined,
	[VMX_EXIT_VMREAD] = handle_undefined,
	[VMX_EXIT_VMRESUME] = handle_undefined,
	[VMX_EXIT_VMWRITE] = handle_undefined,
	[VMX_EXIT_VMXOFF] = handle_undefined,
	[VMX_EXIT_VMXON] = handle_undefined,
	[VMX_EXIT_CR_ACCESS] = handle_cr_access,
	[VMX_EXIT_INTERRUPT_WINDOW] = handle_window,
	[VMX_EXIT_NMI_WINDOW] = handle_window,
	[VMX_EXIT_IO_INSTRUCTION] = handle_io,
	[VMX_EXIT_MSR_READ] = handle_rdmsr,
	[VMX_EXIT_MSR_WRITE] = handle_wrmsr,
	[VMX_EXIT_MWAIT] = handle_undefined,
	[VMX_EXIT_MONITOR] = handle_undefined,
	[VMX_EXIT_EPT_VIOLATION] = handle_ept_violation,
	[VMX_EXIT_INVEPT] = handle_undefined,
	[VMX_EXIT_PREEMPTION_TIMER] = handle_preemption_timer,
	[VMX_EXIT_INVVPID] = handle_undefined,
	[VMX_EXIT_XSETBV] = handle_xsetbv,
	[VMX_EXIT_VMFUNC] = handle_undefined,
	[VMX_EXIT_ENCLS] = handle_undefined,
	[VMX_EXIT_ENCLV] = handle_undefined,
	[VMX_EXIT_SEAMCALL] = handle_undefined,
	[VMX_EXIT_TDCALL] = handle_undefined,
};

/* Bit 31 of the reason: the VM entry itself failed (reasons 33, 34, 41). */
static void handle_entry_failure(struct vcpu *v, uint32_t reason, uint64_t qual)
{
	static const char *const why[] = {
		[VMX_EXIT_INVALID_GUEST_STATE] = "invalid guest state",
		[VMX_EXIT_MSR_LOAD_FAIL] = "MSR loading",
		[VMX_EXIT_MCE_DURING_VMENTRY] = "machine check",
	};
	uint16_t basic = (uint16_t)reason;
	const char *w =
		basic < ARRAY_SIZE(why) && why[basic] ? why[basic] : "unknown";
	char check[112] = "";

	pr_err("%s: VM entry failed: %s (reason %#x, qualification %#lx)\n",
	       v->vm->opt.name, w, reason, qual);
	if (basic == VMX_EXIT_INVALID_GUEST_STATE &&
	    vmx_diagnose_guest_state(v, check, sizeof(check)))
		pr_err("%s: failing check: %s\n", v->vm->opt.name, check);
	vm_dump_state(v);
	vm_end(v->vm, OUTCOME_ENTRY_FAILED,
	       "VM entry failed: %s%s%s (exit reason %u, qualification %lu)", w,
	       check[0] ? ": " : "", check, basic, qual);
}

void vmx_handle_exit(struct vcpu *v)
{
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	uint16_t basic = (uint16_t)reason;

	vm_count_exit(v->vm, vmx_exit_counter(basic));
	if (reason & VMX_EXIT_REASON_ENTRY_FAILURE)
		handle_entry_failure(v, reason,
				     vmcs_read(VMCS_EXIT_QUALIFICATION));
	else if (basic <= VMX_EXIT_REASON_MAX && vmx_exit_handlers[basic])
		vmx_exit_handlers[basic](v);
	else
		exit_unexpected(v, basic, vmcs_read(VMCS_EXIT_QUALIFICATION),
				vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS));
}
