// SPDX-License-Identifier: MIT
/*
 * Choosing the virtualization backend by CPUID. core/ knows the backends
 * only by their ops tables, never by their headers.
 */
#include "core/host/cpu_probe.h"
#include "core/host/log.h"
#include "core/vm/vm.h"
#include "lib/fmt.h"

extern const struct vm_backend svm_backend, vmx_backend;

const struct vm_backend *vm_backend;

int vm_backend_init(const struct cpu_info *ci, char *err, size_t errlen)
{
	const struct vm_backend *b = NULL;

	if (ci->vmx)
		b = &vmx_backend;
	else if (ci->svm)
		b = &svm_backend;
	if (!b) {
		fmt_snprintf(err, errlen, "this CPU has neither VMX nor SVM");
		return -1;
	}
	if (b->enable(ci, err, errlen) || b->enable_cpu(ci, err, errlen))
		return -1;
	vm_backend = b;
	pr_info("virtualization: %s enabled\n", b->name);
	return 0;
}

void vm_backends_report(const struct cpu_info *ci)
{
	vmx_backend.probe_report(ci);
	svm_backend.probe_report(ci);
}

bool vm_backend_is_vmx(void)
{
	return vm_backend == &vmx_backend;
}
