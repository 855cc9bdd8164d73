/* SPDX-License-Identifier: MIT */
#ifndef MHV_VMX_VMX_H
#define MHV_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm/vm.h"

/* Internal to vmx/: the backend's per-vCPU state behind vcpu->arch. */
struct vmx_vcpu {
	uint64_t vmcs_pa;
	bool launched;
	uint32_t entry_controls; /* cached: IA-32e mode follows EFER.LMA */
	/* The CPU's CR0/CR4 fixed bits, for diagnosing failed entries. */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/*
	 * The time budget runs on the VMX-preemption timer (counting at
	 * TSC >> preemption_shift) when the CPU has it, else on the host
	 * APIC timer.
	 */
	bool preemption_timer;
	unsigned int preemption_shift;
	/* The primary processor-based controls as last written. */
	uint32_t proc_controls;
	bool nmi_window; /* virtual NMIs and NMI-window exiting */
};

/* Interruptibility state (SDM vol. 3, 25.4.2). */
#define VMX_BLOCK_STI (1u << 0)
#define VMX_BLOCK_MOV_SS (1u << 1)
#define VMX_BLOCK_NMI (1u << 3)

/*
 * Before an entry with v->events set: arm the timer for the VM's next
 * deadline and inject the pending NMI or interrupt, or ask for the
 * interrupt-/NMI-window exit that comes once the guest can take it.
 */
void vmx_events(struct vcpu *v);

extern const struct vm_backend vmx_backend;

struct cpu_info;
/* NULL when VMX can be used; else why not, for the user. */
const char *vmx_blocker(const struct cpu_info *ci);
/* The probe's VMX lines: firmware lock state, revision, EPT, ... */
void vmx_probe_report(const struct cpu_info *ci);

/* Dispatch one VM exit through vmx_exit_handlers[]. */
void vmx_handle_exit(struct vcpu *v);

/* Interruption-information format shared by entry, exit and IDT vectoring. */
#define VMX_INTR_VALID (1u << 31)
#define VMX_INTR_ERROR_VALID (1u << 11)
#define VMX_INTR_TYPE_EXT_INTR (0u << 8)
#define VMX_INTR_TYPE_NMI (2u << 8)
#define VMX_INTR_TYPE_HW_EXCEPTION (3u << 8)
#define VMX_INTR_TYPE_MASK (7u << 8)

#define VMX_ENTRY_IA32E_MODE (1u << 9)

/* Backend ops that only touch the VMCS (also used by hosted tests). */
void vmx_inject_exception(struct vcpu *v, unsigned int vector, bool has_error,
			  uint32_t error);
void vmx_get_state(struct vcpu *v, struct vcpu_state *s);
uint64_t vmx_get_control(struct vcpu *v, enum vcpu_control which);
uint64_t vmx_get_rsp(struct vcpu *v);
uint64_t vmx_seg_base(struct vcpu *v, unsigned int seg);
void vmx_set_rsp(struct vcpu *v, uint64_t rsp);
uint64_t vmx_get_tsc_offset(struct vcpu *v);
void vmx_set_tsc_offset(struct vcpu *v, uint64_t offset);
const char *vmx_exit_name(uint64_t reason);
unsigned int vmx_exit_counter(uint64_t reason);
const char *vmx_exit_slot_name(unsigned int slot);
int vmx_read_state_msr(struct vcpu *v, uint32_t msr, uint64_t *val);
int vmx_write_state_msr(struct vcpu *v, uint32_t msr, uint64_t val);
/*
 * After a VM entry failed on guest state: the first architectural check
 * the current guest state fails, in words, into buf. Returns 0 when none
 * of the checks mhv knows fails.
 */
int vmx_diagnose_guest_state(struct vcpu *v, char *buf, size_t len);

/*
 * Arm the VMX-preemption timer to expire after tsc_ticks of guest time
 * (or its longest count, whichever is sooner: the exit re-arms).
 */
void vmx_arm_preemption_timer(struct vcpu *v, uint64_t tsc_ticks);

/* After each exit: keep the IA-32e entry control equal to guest EFER.LMA. */
void vmx_sync_entry_controls(struct vcpu *v);

/*
 * Something outside vmx/ (SEAMRET from the P-SEAMLDR, tdx/) left the VMCS
 * at vmcs_pa in the clear launch state: its next entry must be VMLAUNCH.
 */
void vmx_vmcs_launch_cleared(uint64_t vmcs_pa);

#endif
