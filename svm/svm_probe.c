// SPDX-License-Identifier: MIT
/*
 * Whether SVM can run on this CPU, and the probe's report of it: what the
 * firmware left enabled and the features mhv needs.
 */
#include "core/x86.h"
#include "core/host/cpu.h"
#include "core/host/cpu_probe.h"
#include "core/host/log.h"
#include "svm/svm.h"

const char *svm_blocker(const struct cpu_info *ci)
{
	if (!ci->svm)
		return "CPU has no SVM (CPUID.80000001:ECX[2] clear)";
	if (ci->vm_cr_read && (ci->vm_cr & VM_CR_SVMDIS))
		return ci->vm_cr & VM_CR_LOCK
			       ? "SVM disabled and locked by firmware "
				 "(VM_CR.SVMDIS)"
			       : "SVM disabled by firmware (VM_CR.SVMDIS)";
	return NULL;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void svm_probe_report(const struct cpu_info *ci)
{
	const char *blocker = svm_blocker(ci);

	if (!ci->svm) {
		pr_info("cpu: SVM: not present\n");
		return;
	}
	if (ci->vm_cr_read)
		pr_info("cpu: SVM: VM_CR=%#lx\n", ci->vm_cr);
	else
		pr_info("cpu: SVM: VM_CR not implemented (#GP on read), "
			"taken as not disabled\n");
	pr_info("cpu: SVM: %s; NPT %s, NRIP save %s, %u ASIDs\n",
		blocker ? blocker : "usable", yes_no(ci->npt),
		yes_no(ci->nrip_save), ci->nasid);
}
