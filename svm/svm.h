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

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
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
};

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

/*
 * Every intercepted instruction mhv completes ends here: RIP moves on, an
 * STI/MOV SS interrupt shadow ends with it, and with RFLAGS.TF set the
 * guest gets the single-step #DB the CPU would have raised (SDM vol. 3,
 * 18.3.1.4; APM vol. 2, 13.1.3.1).
 */
static inline void svm_complete_insn(struct vcpu *v, struct vmcb *vmcb,
				     uint64_t next_rip)
{
	vmcb->save.rip = next_rip;
	vmcb->control.int_state &= ~1ULL;
	if (__builtin_expect(vmcb->save.rflags & RFLAGS_TF, 0))
		svm_single_step(v);
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
