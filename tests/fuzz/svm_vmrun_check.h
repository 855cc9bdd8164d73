/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_FUZZ_SVM_VMRUN_CHECK_H
#define MHV_TESTS_FUZZ_SVM_VMRUN_CHECK_H

#include <stdbool.h>

#include "svm/vmcb.h"

/*
 * APM vol. 2, 15.5.1: what VMRUN refuses with VMEXIT_INVALID, the APM's
 * list only (CR0.PG without CR0.PE outside long mode is not on it), for
 * the VMCBs the SVM harnesses see mhv hand to VMRUN. NULL when VMRUN would
 * take it, else the check that fails. The control area's checks (VMRUN
 * intercept, ASID, EVENTINJ) only with `controls`: the exit harness builds
 * its VMCB's save area alone.
 */
const char *svm_vmrun_refuses(const struct vmcb *vmcb, bool controls);

#endif
