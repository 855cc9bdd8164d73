/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_SVM_HOSTED_BACKEND_H
#define MHV_TESTS_UNIT_SVM_HOSTED_BACKEND_H

#include "core/vm/vm.h"

/*
 * svm_backend (svm/svm.c) needs VMRUN; this one has the real VMCB-side
 * ops, for the hosted SVM tests and the SVM exit fuzzer.
 */
extern const struct vm_backend svm_hosted_backend;

#endif
