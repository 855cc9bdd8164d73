// SPDX-License-Identifier: MIT
/*
 * The VMCS side of the backend ops: everything here goes through
 * vmcs_read/vmcs_write, so hosted tests run it against a software VMCS;
 * only LSTAR, CSTAR and KERNEL_GS_BASE, which the VMCS does not hold, are
 * the CPU's registers (through the fixup-checked MSR wrappers).
 */
#include "core/host/cpu.h"
#include "core/exit/exits.h"
#include "core/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vmx/vmx_exit_reasons.h"
#include "vmx/vmx_insn.h"

#define INTERRUPTIBILITY_STI_MOVSS 3u

void vmx_inject_exception(struct vcpu *v, unsigned int vector, bool has_error,
			  uint32_t error)
{
	uint64_t pending = vmcs_read(VMCS_ENTRY_INTR_INFO);
	uint32_t info;

	/* An exception already on its way: the SDM's double-fault table. */
	if ((pending & VMX_INTR_VALID) &&
	    (pending & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_HW_EXCEPTION &&
	    !exception_combine(v, pending & 0xff, &vector, &has_error, &error))
		return;
	/*
	 * Real mode pushes no error code, and VM entry refuses one there
	 * (SDM vol. 3, 27.2.1.3, VM-entry interruption-information checks).
	 */
	if (!(vmcs_read(VMCS_GUEST_CR0) & 1))
		has_error = false;
	info = vector | VMX_INTR_TYPE_HW_EXCEPTION | VMX_INTR_VALID;

	if (has_error) {
		info |= VMX_INTR_ERROR_VALID;
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, error);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
	if (exception_is_fault(vector))
		vmcs_write(VMCS_GUEST_RFLAGS,
			   vmcs_read(VMCS_GUEST_RFLAGS) | RFLAGS_RF);
}

uint64_t vmx_wrap_rip(uint64_t next)
{
	if ((vmcs_read(VMCS_GUEST_CS_AR) & AR_L) &&
	    (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA))
		return next;
	return (uint32_t)next;
}

void vmx_complete_flags(uint64_t rflags)
{
	if (rflags & RFLAGS_RF)
		vmcs_write(VMCS_GUEST_RFLAGS, rflags & ~RFLAGS_RF);
	if (rflags & RFLAGS_TF)
		vmcs_write(VMCS_GUEST_PENDING_DEBUG,
			   vmcs_read(VMCS_GUEST_PENDING_DEBUG) |
				   PENDING_DBG_BS);
}

/* What the guest sees: the bits the host owns come from the read shadow. */
static uint64_t guest_view(enum vmcs_field real, enum vmcs_field mask,
			   enum vmcs_field shadow)
{
	uint64_t m = vmcs_read(mask);

	return (vmcs_read(real) & ~m) | (vmcs_read(shadow) & m);
}

uint64_t vmx_get_control(struct vcpu *v, enum vcpu_control which)
{
	switch (which) {
	case VCPU_CR0:
		return guest_view(VMCS_GUEST_CR0, VMCS_CR0_GUEST_HOST_MASK,
				  VMCS_CR0_READ_SHADOW);
	case VCPU_CR4:
		return guest_view(VMCS_GUEST_CR4, VMCS_CR4_GUEST_HOST_MASK,
				  VMCS_CR4_READ_SHADOW);
	case VCPU_EFER:
		return vmcs_read(VMCS_GUEST_EFER);
	}
	return 0;
}

void vmx_get_state(struct vcpu *v, struct vcpu_state *s)
{
	uint64_t cs_ar = vmcs_read(VMCS_GUEST_CS_AR);

	*s = (struct vcpu_state){
		.rip = vmcs_read(VMCS_GUEST_RIP),
		.rsp = vmcs_read(VMCS_GUEST_RSP),
		.rflags = vmcs_read(VMCS_GUEST_RFLAGS),
		.cr0 = vmx_get_control(v, VCPU_CR0),
		/* CR2 is not in the VMCS: it stays in the CPU register. */
		.cr3 = vmcs_read(VMCS_GUEST_CR3),
		.cr4 = vmx_get_control(v, VCPU_CR4),
		.efer = vmcs_read(VMCS_GUEST_EFER),
		.cs_base = vmcs_read(VMCS_GUEST_CS_BASE),
		.cs_sel = (uint16_t)vmcs_read(VMCS_GUEST_CS_SEL),
		.cs_long = cs_ar & AR_L,
		.cs_db = cs_ar & AR_DB,
		.cpl = (vmcs_read(VMCS_GUEST_SS_AR) >> 5) & 3,
	};
}

uint64_t vmx_get_tsc_offset(struct vcpu *v)
{
	return vmcs_read(VMCS_TSC_OFFSET);
}

void vmx_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	vmcs_write(VMCS_TSC_OFFSET, offset);
}

/*
 * A 32-bit count in TSC >> IA32_VMX_MISC[4:0] units (SDM vol. 3, 26.5.1);
 * 0 exits before the guest's first instruction, which an expired budget
 * wants anyway.
 */
void vmx_arm_preemption_timer(struct vcpu *v, uint64_t tsc_ticks)
{
	struct vmx_vcpu *x = v->arch;
	uint64_t count = tsc_ticks >> x->preemption_shift;

	vmcs_write(VMCS_PREEMPTION_TIMER, MIN(count, 0xffffffffULL));
}

uint64_t vmx_seg_base(struct vcpu *v, unsigned int seg)
{
	/* ES, CS, SS, DS, FS, GS: the base fields are 2 apart, in order. */
	return seg < 6 ? vmcs_read(VMCS_GUEST_ES_BASE + 2 * seg) : 0;
}

uint64_t vmx_get_rsp(struct vcpu *v)
{
	return vmcs_read(VMCS_GUEST_RSP);
}

void vmx_set_rsp(struct vcpu *v, uint64_t rsp)
{
	vmcs_write(VMCS_GUEST_RSP, rsp);
}

int vmx_read_state_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = vmcs_read(VMCS_GUEST_EFER);
		return 0;
	case MSR_PAT:
		*val = vmcs_read(VMCS_GUEST_PAT);
		return 0;
	case MSR_FS_BASE:
		*val = vmcs_read(VMCS_GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*val = vmcs_read(VMCS_GUEST_GS_BASE);
		return 0;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
		/* Not in the VMCS: the CPU holds the guest's (cpu_reset.c). */
		return rdmsr_safe(msr, val) ? -1 : 0;
	default:
		return -1;
	}
}

int vmx_write_state_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_EFER:
		/* LMA is the CPU's to set; keep what it says. */
		vmcs_write(VMCS_GUEST_EFER,
			   (val & ~EFER_LMA) |
				   (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA));
		vmx_sync_entry_controls(v);
		return 0;
	case MSR_PAT:
		vmcs_write(VMCS_GUEST_PAT, val);
		return 0;
	case MSR_FS_BASE:
		vmcs_write(VMCS_GUEST_FS_BASE, val);
		return 0;
	case MSR_GS_BASE:
		vmcs_write(VMCS_GUEST_GS_BASE, val);
		return 0;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
		return wrmsr_safe(msr, val) ? -1 : 0;
	default:
		return -1;
	}
}

/*
 * With unrestricted guest the CPU flips EFER.LMA when the guest turns
 * paging on or off, but the "IA-32e mode guest" entry control is ours to
 * keep in step, or the next VM entry fails its checks.
 */
void vmx_sync_entry_controls(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	bool lma = vmcs_read(VMCS_GUEST_EFER) & EFER_LMA;
	uint32_t want = lma ? x->entry_controls | VMX_ENTRY_IA32E_MODE
			    : x->entry_controls & ~VMX_ENTRY_IA32E_MODE;

	if (want != x->entry_controls) {
		x->entry_controls = want;
		vmcs_write(VMCS_ENTRY_CONTROLS, want);
	}
}

static const char *const vmx_exit_names[VMX_EXIT_REASON_MAX + 1] = {
	[VMX_EXIT_EXCEPTION_NMI] = "EXCEPTION_NMI",
	[VMX_EXIT_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[VMX_EXIT_TRIPLE_FAULT] = "TRIPLE_FAULT",
	[VMX_EXIT_INIT_SIGNAL] = "INIT_SIGNAL",
	[VMX_EXIT_SIPI_SIGNAL] = "SIPI_SIGNAL",
	[VMX_EXIT_SMI_IO] = "SMI_IO",
	[VMX_EXIT_OTHER_SMI] = "OTHER_SMI",
	[VMX_EXIT_INTERRUPT_WINDOW] = "INTERRUPT_WINDOW",
	[VMX_EXIT_NMI_WINDOW] = "NMI_WINDOW",
	[VMX_EXIT_TASK_SWITCH] = "TASK_SWITCH",
	[VMX_EXIT_CPUID] = "CPUID",
	[VMX_EXIT_GETSEC] = "GETSEC",
	[VMX_EXIT_HLT] = "HLT",
	[VMX_EXIT_INVD] = "INVD",
	[VMX_EXIT_INVLPG] = "INVLPG",
	[VMX_EXIT_RDPMC] = "RDPMC",
	[VMX_EXIT_RDTSC] = "RDTSC",
	[VMX_EXIT_RSM] = "RSM",
	[VMX_EXIT_VMCALL] = "VMCALL",
	[VMX_EXIT_VMCLEAR] = "VMCLEAR",
	[VMX_EXIT_VMLAUNCH] = "VMLAUNCH",
	[VMX_EXIT_VMPTRLD] = "VMPTRLD",
	[VMX_EXIT_VMPTRST] = "VMPTRST",
	[VMX_EXIT_VMREAD] = "VMREAD",
	[VMX_EXIT_VMRESUME] = "VMRESUME",
	[VMX_EXIT_VMWRITE] = "VMWRITE",
	[VMX_EXIT_VMXOFF] = "VMXOFF",
	[VMX_EXIT_VMXON] = "VMXON",
	[VMX_EXIT_CR_ACCESS] = "CR_ACCESS",
	[VMX_EXIT_DR_ACCESS] = "DR_ACCESS",
	[VMX_EXIT_IO_INSTRUCTION] = "IO_INSTRUCTION",
	[VMX_EXIT_MSR_READ] = "MSR_READ",
	[VMX_EXIT_MSR_WRITE] = "MSR_WRITE",
	[VMX_EXIT_INVALID_GUEST_STATE] = "INVALID_GUEST_STATE",
	[VMX_EXIT_MSR_LOAD_FAIL] = "MSR_LOAD_FAIL",
	[VMX_EXIT_MWAIT] = "MWAIT",
	[VMX_EXIT_MONITOR_TRAP_FLAG] = "MONITOR_TRAP_FLAG",
	[VMX_EXIT_MONITOR] = "MONITOR",
	[VMX_EXIT_PAUSE] = "PAUSE",
	[VMX_EXIT_MCE_DURING_VMENTRY] = "MCE_DURING_VMENTRY",
	[VMX_EXIT_TPR_BELOW_THRESHOLD] = "TPR_BELOW_THRESHOLD",
	[VMX_EXIT_APIC_ACCESS] = "APIC_ACCESS",
	[VMX_EXIT_EOI_INDUCED] = "EOI_INDUCED",
	[VMX_EXIT_GDTR_IDTR] = "GDTR_IDTR",
	[VMX_EXIT_LDTR_TR] = "LDTR_TR",
	[VMX_EXIT_EPT_VIOLATION] = "EPT_VIOLATION",
	[VMX_EXIT_EPT_MISCONFIG] = "EPT_MISCONFIG",
	[VMX_EXIT_INVEPT] = "INVEPT",
	[VMX_EXIT_RDTSCP] = "RDTSCP",
	[VMX_EXIT_PREEMPTION_TIMER] = "PREEMPTION_TIMER",
	[VMX_EXIT_INVVPID] = "INVVPID",
	[VMX_EXIT_WBINVD] = "WBINVD",
	[VMX_EXIT_XSETBV] = "XSETBV",
	[VMX_EXIT_APIC_WRITE] = "APIC_WRITE",
	[VMX_EXIT_RDRAND] = "RDRAND",
	[VMX_EXIT_INVPCID] = "INVPCID",
	[VMX_EXIT_VMFUNC] = "VMFUNC",
	[VMX_EXIT_ENCLS] = "ENCLS",
	[VMX_EXIT_RDSEED] = "RDSEED",
	[VMX_EXIT_PML_FULL] = "PML_FULL",
	[VMX_EXIT_XSAVES] = "XSAVES",
	[VMX_EXIT_XRSTORS] = "XRSTORS",
	[VMX_EXIT_PCONFIG] = "PCONFIG",
	[VMX_EXIT_SPP_INDUCED] = "SPP_INDUCED",
	[VMX_EXIT_UMWAIT] = "UMWAIT",
	[VMX_EXIT_TPAUSE] = "TPAUSE",
	[VMX_EXIT_LOADIWKEY] = "LOADIWKEY",
	[VMX_EXIT_ENCLV] = "ENCLV",
	[VMX_EXIT_SGX_CONFLICT] = "SGX_CONFLICT",
	[VMX_EXIT_ENQCMD_PASID_FAIL] = "ENQCMD_PASID_FAIL",
	[VMX_EXIT_ENQCMDS_PASID_FAIL] = "ENQCMDS_PASID_FAIL",
	[VMX_EXIT_BUS_LOCK] = "BUS_LOCK",
	[VMX_EXIT_NOTIFY] = "NOTIFY",
	[VMX_EXIT_SEAMCALL] = "SEAMCALL",
	[VMX_EXIT_TDCALL] = "TDCALL",
	[VMX_EXIT_MSR_READ_IMM] = "MSR_READ_IMM",
	[VMX_EXIT_MSR_WRITE_IMM] = "MSR_WRITE_IMM",
};

const char *vmx_exit_name(uint64_t reason)
{
	uint16_t basic = (uint16_t)reason;

	if (basic <= VMX_EXIT_REASON_MAX && vmx_exit_names[basic])
		return vmx_exit_names[basic];
	return "unknown";
}

unsigned int vmx_exit_counter(uint64_t reason)
{
	uint16_t basic = (uint16_t)reason;

	return basic <= VMX_EXIT_REASON_MAX ? basic : VM_EXIT_COUNTERS - 1;
}

const char *vmx_exit_slot_name(unsigned int slot)
{
	return slot <= VMX_EXIT_REASON_MAX ? vmx_exit_name(slot) : "other";
}
