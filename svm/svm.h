/* SPDX-License-Identifier: MIT */
#ifndef MHV_SVM_SVM_H
#define MHV_SVM_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm/vm.h"
#include "core/x86.h"
#include "svm/vmcb.h"

/* Internal to svm/: the backend's per-vCPU state behind vcpu->arch. */
/*
 * The last instruction whose length mhv decoded (SVM without NRIP save):
 * an intercept at the same RIP and CR3 whose first bytes are still `bytes`
 * at the same host address is the same instruction. That check sees
 * rewritten code; a guest that maps other code at the same RIP under the
 * same CR3 is decoded again only once the old bytes change, much as a
 * CPU's TLB keeps a stale translation until INVLPG.
 */
struct svm_insn_memo {
	uint64_t rip, cr3;
	const uint8_t *host; /* never NULL: see svm_insn_memo_clear() */
	uint64_t bytes;	     /* the first 8 bytes at host, masked */
	uint64_t mask;
	uint64_t next_rip; /* rip + the decoded length */
};

/* Non-canonical: no intercept ever happens there. */
#define SVM_MEMO_NO_RIP 0x8000000000000000ULL

/*
 * What mhv keeps of L1's VMCB while its L2 runs (docs/nested.md): read
 * once at VMRUN, so that L1 changing its VMCB meanwhile changes nothing,
 * as on hardware.
 */
struct svm_l1_controls {
	uint32_t intercept_cr, intercept_dr, intercept_exceptions;
	uint32_t intercept_misc1, intercept_misc2, intercept_misc3;
	uint64_t iopm_base_pa, msrpm_base_pa;
	uint32_t int_ctl;
};

/*
 * Nested SVM (guest option nested=on): the guest is L1, a hypervisor
 * itself, and mhv emulates VMRUN for it. vmcb01 is L1's own VMCB (mhv's),
 * vmcb02 the one mhv runs L2 on, built from L1's VMCB (vmcb12, in L1's
 * memory) and mhv's own intercepts.
 */
struct svm_nested {
	bool guest_mode; /* L2 runs: svm_vcpu.vmcb is vmcb02 */
	bool gif_clear;	 /* L1's GIF is 0 (APM vol. 2, 15.17) */
	bool svme;	 /* L1's EFER.SVME (the VMCB's is always set) */
	bool flush_l2;	 /* INVLPGA or a new ASID: flush before L2 runs */
	bool mhv_window; /* vmcb02's V_IRQ and VINTR are mhv's, not L1's */
	uint32_t asid12; /* the ASID L1 gave its last L2 */
	/* PAUSEs L2 may still execute before L1's filter exits (APM 15.14.4) */
	uint16_t pause_left;
	uint64_t vm_cr, hsave_pa;
	uint64_t vmcb12_gpa; /* L1's VMCB of the L2 that runs */
	struct svm_l1_controls l1;
	struct vmcb *vmcb02;
	uint64_t vmcb02_pa;
};

/*
 * L1's nested paging (svm_npt.c): with NP_ENABLE in vmcb12, L2 runs on
 * `shadow`, mhv's L2-physical -> host-physical table built from L1's NPT
 * at N_CR3 and mhv's map of L1's RAM. Root 0: not made yet. Kept at the
 * end of struct svm_vcpu, off the cache lines every exit reads.
 */
struct svm_l1_npt {
	bool on;       /* the L2 that runs (or ran last) has L1's NPT */
	uint64_t ncr3; /* its N_CR3 */
	struct page_table shadow;
};

struct svm_vcpu {
	struct vmcb *vmcb; /* the VMCB VMRUN runs: vmcb01, or vmcb02 for L2 */
	uint64_t vmcb_pa;
	struct vmcb *vmcb01; /* the guest's own (L1's, when nested) */
	uint64_t vmcb01_pa;
	struct svm_nested nested;
	uint64_t tsc_offset;
	struct svm_insn_memo memo;
	/*
	 * SVM does not track NMI blocking for injected NMIs (KVM intercepts
	 * IRET for the same reason): blocked from the injection until the
	 * guest's IRET has executed, seen as RIP leaving the IRET.
	 */
	bool nmi_blocked, iret_seen;
	uint64_t iret_rip;
	/*
	 * An NMI waits for the guest's IRET: mhv single-steps the IRET (TF,
	 * #DB intercepted) to inject the NMI right after it, as the CPU would
	 * deliver it; guest_tf is the guest's own TF before the step.
	 */
	bool nmi_singlestep, guest_tf;
	/*
	 * The last exit was VINTR: the CPU found the guest able to take an
	 * interrupt (IF=1, no shadow), whatever int_state says. QEMU 7.2
	 * TCG reports the STI shadow of the STI before mhv's VMRUN as an
	 * interrupt shadow at an exit before the guest's first instruction;
	 * believed, it made every window close again at once.
	 */
	bool window_open;
	struct svm_l1_npt npt;
};

/*
 * The intercepts every VMCB of mhv has, L2's too (svm_nested.c): INTR and
 * NMI for mhv's own interrupts, what mhv emulates (CPUID, I/O, MSRs, HLT,
 * INVD) and every SVM instruction, which a guest may only use through
 * mhv (nested=on) or not at all (#UD). MONITOR/MWAIT are hidden in CPUID.
 * VMMCALL always exits: mhv decides hypercall or #UD (docs/nested.md).
 */
#define SVM_MHV_MISC1                                                        \
	(SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_CPUID |   \
	 SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_INVD | SVM_INTERCEPT1_INVLPGA | \
	 SVM_INTERCEPT1_IOIO | SVM_INTERCEPT1_MSR | SVM_INTERCEPT1_SHUTDOWN)
#define SVM_MHV_MISC2                                                          \
	(SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL |                       \
	 SVM_INTERCEPT2_VMLOAD | SVM_INTERCEPT2_VMSAVE | SVM_INTERCEPT2_STGI | \
	 SVM_INTERCEPT2_CLGI | SVM_INTERCEPT2_SKINIT |                         \
	 SVM_INTERCEPT2_MONITOR | SVM_INTERCEPT2_MWAIT |                       \
	 SVM_INTERCEPT2_MWAIT_COND)
/*
 * Instructions a VM's CPUID hides (hide=, core/vm/cpu_model.c), #UD in
 * it and in its L2s: intercepted per VM (svm_hidden_misc2/3).
 */
#define SVM_HIDE_MISC2 (SVM_INTERCEPT2_RDTSCP | SVM_INTERCEPT2_RDPRU)
#define SVM_HIDE_MISC3 SVM_INTERCEPT3_INVPCID
#define SVM_HIDE_MISC1 SVM_INTERCEPT1_RDTSC /* RDTSCP on QEMU TCG */
/* CR4 writes (checked against the guest's CPUID); CR8 writes for L1 only. */
#define SVM_MHV_CR_WRITE4 (1u << (16 + 4))
#define SVM_MHV_CR_WRITE8 (1u << (16 + 8))

/*
 * Before an entry with v->events set: arm the timer for the VM's next
 * deadline, sync V_TPR, and inject the pending NMI or interrupt, or ask
 * for the exit (VINTR) that comes once the guest can take it.
 */
void svm_events(struct vcpu *v, struct vmcb *vmcb);
/* #DB, intercepted while an IRET is single-stepped for a pending NMI. */
void svm_handle_db(struct vcpu *v, struct vmcb *vmcb);

static inline struct vmcb *svm_vmcb(const struct vcpu *v)
{
	return ((struct svm_vcpu *)v->arch)->vmcb;
}

extern const struct vm_backend svm_backend;

struct cpu_info;
/* NULL when SVM can be used; else why not, for the user. */
const char *svm_blocker(const struct cpu_info *ci);
/* The probe's SVM lines: VM_CR, NPT, NRIP save, ASIDs. */
void svm_probe_report(const struct cpu_info *ci);
extern bool svm_has_nrip_save;
/* Whether the intercepted instruction at RIP is RDTSCP (svm_exit.c). */
bool svm_insn_is_rdtscp(struct vcpu *v);
/* The CPU counts PAUSEs for the filter itself (CPUID 8000000A EDX[10]). */
extern bool svm_has_pause_filter;

/* Dispatch one #VMEXIT through svm_exit_handlers[]. */
void svm_handle_exit(struct vcpu *v);
/* The same, for the run loop, which has the VMCB at hand. */
void svm_dispatch_exit(struct vcpu *v, struct vmcb *vmcb);

/*
 * Opcode bytes of an intercepted instruction mhv completes: without NRIP
 * save its length comes from decoding the guest's bytes.
 */
struct svm_opcode {
	uint8_t bytes[3];
	uint8_t len;
};

/* A single-step trap after an instruction mhv completed: DR6.BS, #DB. */
void svm_single_step(struct vcpu *v);
/* svm_complete_insn's slow path: RF cleared, TF's single-step trap. */
__attribute__((cold, noinline)) void svm_complete_flags(struct vcpu *v,
							struct vmcb *vmcb);

/*
 * Every intercepted instruction mhv completes ends here: RIP moves on, an
 * STI/MOV SS interrupt shadow ends with it, so does RFLAGS.RF (cleared
 * once an instruction completes: SDM vol. 3, 18.3.1.1; APM vol. 2,
 * 13.1.3.1, VMRUN's included, 15.5.1), and with RFLAGS.TF set the
 * guest gets the single-step #DB the CPU would have raised (SDM vol. 3,
 * 18.3.1.4; APM vol. 2, 13.1.3.1).
 */
static inline void svm_complete_insn(struct vcpu *v, struct vmcb *vmcb,
				     uint64_t next_rip)
{
	vmcb->save.rip = next_rip;
	vmcb->control.int_state &= ~1ULL;
	if (__builtin_expect(vmcb->save.rflags & (RFLAGS_TF | RFLAGS_RF), 0))
		svm_complete_flags(v, vmcb);
}

/* Forget the remembered instruction (a new vCPU, or a failed decode). */
void svm_insn_memo_clear(struct svm_vcpu *sv);
/* The slow path of svm_skip_instruction(): decode, remember, skip. */
bool svm_skip_decoded(struct vcpu *v, const struct svm_opcode *op);

/*
 * Skip the intercepted instruction: NRIP when the CPU saved it, else the
 * decoded length of `op` with its prefixes (a fixed length would resume
 * inside 66 0f a2). Returns false, having ended the VM with a report, when
 * the bytes at RIP are not that instruction. Inline: it is on every
 * CPUID, MSR and VMMCALL exit, and a loop around one of them decodes once.
 */
static inline bool svm_skip_instruction(struct vcpu *v,
					const struct svm_opcode *op)
{
	struct svm_vcpu *sv = v->arch;
	struct vmcb *vmcb = sv->vmcb;
	const struct svm_insn_memo *m = &sv->memo;
	uint64_t now;

	if (svm_has_nrip_save && vmcb->control.next_rip) {
		svm_complete_insn(v, vmcb, vmcb->control.next_rip);
		return true;
	}
	/* One load, even with -fno-builtin. */
	__builtin_memcpy(&now, m->host, 8);
	if (m->rip != vmcb->save.rip || m->cr3 != vmcb->save.cr3 ||
	    (now & m->mask) != m->bytes)
		return svm_skip_decoded(v, op);
	svm_complete_insn(v, vmcb, m->next_rip);
	return true;
}

/*
 * Nested SVM (svm/svm_nested.c). L1's SVM instructions, intercepted in
 * vmcb01: emulated when the guest has nested=on, else #UD.
 */
void svm_l1_vmrun(struct vcpu *v, struct vmcb *vmcb);
void svm_l1_vmload_vmsave(struct vcpu *v, struct vmcb *vmcb);
void svm_l1_gif(struct vcpu *v, struct vmcb *vmcb);
void svm_l1_invlpga(struct vcpu *v, struct vmcb *vmcb);
/* An exit while L2 ran: to L1 as #VMEXIT if it asked for it, else mhv's. */
void svm_nested_dispatch(struct vcpu *v, struct vmcb *vmcb02);
/* svm_events while L2 runs: L1's pending interrupt or NMI may exit L2. */
void svm_nested_events(struct vcpu *v, struct vmcb *vmcb02);
/*
 * A pending INIT: true when it resets the vCPU now; false when L1's GIF
 * holds it, or it became #VMEXIT(INIT) to L1.
 */
bool svm_nested_init_resets(struct vcpu *v);
/* Whether L1's interrupts may interrupt L2 now: for L2's HLT. */
bool svm_nested_irq_gate(struct vcpu *v);
/*
 * L1's NPT (svm/svm_npt.c). svm_npt_enter: at VMRUN, the shadow's root
 * for N_CR3 (emptied first when flush: L1's TLB control, INVLPGA, a new
 * ASID or N_CR3); 0 when out of memory. svm_npt_fault: an NPF of L2's on
 * the shadow, filled from L1's NPT or reflected to L1 as its NPF.
 */
uint64_t svm_npt_enter(struct vcpu *v, uint64_t ncr3, bool flush);
void svm_npt_fault(struct vcpu *v, struct vmcb *vmcb02);
/* Give back the shadow's tables (the vCPU ends). */
void svm_npt_destroy(struct svm_l1_npt *n);
/* #VMEXIT to L1 (svm_nested.c), for svm_npt.c's reflected NPF. */
void svm_nested_vmexit(struct vcpu *v, uint64_t code, uint64_t info1,
		       uint64_t info2);
/* MSRs VM_CR and VM_HSAVE_PA, and L1's view of EFER.SVME. */
int svm_nested_read_msr(struct vcpu *v, uint32_t msr, uint64_t *val);
int svm_nested_write_msr(struct vcpu *v, uint32_t msr, uint64_t val);
/* The length of the intercepted instruction at RIP, decoded; 0 if not it. */
unsigned int svm_insn_length(struct vcpu *v, const struct svm_opcode *op);
/* The MSR permission map every L2 runs with: every MSR exits. */
extern uint64_t svm_msrpm_all_pa;

/* Backend ops that only touch the VMCB (also used by hosted tests). */
void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error,
			  uint32_t error);
void svm_advance_rip(struct vcpu *v, unsigned int len);
void svm_get_state(struct vcpu *v, struct vcpu_state *s);
uint64_t svm_get_control(struct vcpu *v, enum vcpu_control which);
uint64_t svm_get_rsp(struct vcpu *v);
uint64_t svm_seg_base(struct vcpu *v, unsigned int seg);
void svm_set_rsp(struct vcpu *v, uint64_t rsp);
uint64_t svm_get_tsc_offset(struct vcpu *v);
void svm_set_tsc_offset(struct vcpu *v, uint64_t offset);
const char *svm_exit_name(uint64_t code);
unsigned int svm_exit_counter(uint64_t code);
const char *svm_exit_slot_name(unsigned int slot);
int svm_read_state_msr(struct vcpu *v, uint32_t msr, uint64_t *val);
int svm_write_state_msr(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
