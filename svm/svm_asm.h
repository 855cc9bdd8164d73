/* SPDX-License-Identifier: MIT */
#ifndef MHV_SVM_SVM_ASM_H
#define MHV_SVM_SVM_ASM_H

#include <stdint.h>

/* svm/svm_entry.asm: one VMRUN with the general registers switched. */
void svm_vmrun(uint64_t gpr[16], uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);

#endif
