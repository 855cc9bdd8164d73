/* SPDX-License-Identifier: MIT */
#ifndef MHV_SVM_SVM_H
#define MHV_SVM_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm.h"
#include "svm/vmcb.h"

/* Internal to svm/: the backend's per-vCPU state behind vcpu->arch. */
struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint64_t tsc_offset;
};

static inline struct vmcb *svm_vmcb(const struct vcpu *v)
{
	return ((struct svm_vcpu *)v->arch)->vmcb;
}

extern const struct vm_backend svm_backend;
extern bool svm_has_nrip_save;

/* Dispatch one #VMEXIT through svm_exit_handlers[]. */
void svm_handle_exit(struct vcpu *v);

/* Skip the intercepted instruction: NRIP when the CPU saved it, else len. */
void svm_skip_instruction(struct vcpu *v, unsigned int len);

/* Backend ops that only touch the VMCB (also used by hosted tests). */
void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error,
			  uint32_t error);
void svm_advance_rip(struct vcpu *v, unsigned int len);
void svm_get_state(struct vcpu *v, struct vcpu_state *s);
void svm_set_rsp(struct vcpu *v, uint64_t rsp);
uint64_t svm_get_tsc_offset(struct vcpu *v);
void svm_set_tsc_offset(struct vcpu *v, uint64_t offset);
const char *svm_exit_name(uint64_t code);
unsigned int svm_exit_counter(uint64_t code);
const char *svm_exit_slot_name(unsigned int slot);
int svm_read_state_msr(struct vcpu *v, uint32_t msr, uint64_t *val);
int svm_write_state_msr(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
