// SPDX-License-Identifier: MIT
#include "svm/svm.h"
#include "tests/unit/svm_hosted_backend.h"

const struct vm_backend svm_hosted_backend = {
	.name = "AMD SVM (hosted)",
	.nested_svm = true,
	.inject_exception = svm_inject_exception,
	.get_state = svm_get_state,
	.get_control = svm_get_control,
	.exit_name = svm_exit_name,
	.exit_counter = svm_exit_counter,
	.exit_slot_name = svm_exit_slot_name,
	.get_rsp = svm_get_rsp,
	.seg_base = svm_seg_base,
	.set_rsp = svm_set_rsp,
	.get_tsc_offset = svm_get_tsc_offset,
	.set_tsc_offset = svm_set_tsc_offset,
	.read_state_msr = svm_read_state_msr,
	.write_state_msr = svm_write_state_msr,
};
