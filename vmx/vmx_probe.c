// SPDX-License-Identifier: MIT
/*
 * Whether VMX can run on this CPU, and the probe's report of it: what the
 * firmware left enabled and the features mhv needs.
 */
#include "core/x86.h"
#include "core/host/cpu.h"
#include "core/host/cpu_probe.h"
#include "core/host/log.h"
#include "vmx/vmx.h"

const char *vmx_blocker(const struct cpu_info *ci)
{
	if (!ci->vmx)
		return "CPU has no VMX (CPUID.1:ECX[5] clear)";
	if (!ci->feature_control_read)
		return "IA32_FEATURE_CONTROL cannot be read";
	if ((ci->feature_control & FEATURE_CONTROL_LOCKED) &&
	    !(ci->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return "VMX disabled and locked off by firmware "
		       "(IA32_FEATURE_CONTROL)";
	if (!ci->vmx_basic)
		return "IA32_VMX_BASIC cannot be read";
	return NULL;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void vmx_probe_report(const struct cpu_info *ci)
{
	const char *blocker = vmx_blocker(ci);
	uint64_t fc = ci->feature_control;

	if (!ci->vmx) {
		pr_info("cpu: VMX: not present\n");
		return;
	}
	if (!ci->feature_control_read)
		pr_info("cpu: VMX: IA32_FEATURE_CONTROL unreadable\n");
	else if (fc & FEATURE_CONTROL_LOCKED)
		pr_info("cpu: VMX: IA32_FEATURE_CONTROL=%#lx: locked, VMX "
			"outside SMX %s\n",
			fc,
			fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX ? "enabled"
							     : "disabled");
	else
		pr_info("cpu: VMX: IA32_FEATURE_CONTROL=%#lx: unlocked, mhv "
			"enables VMX outside SMX and locks it\n",
			fc);
	pr_info("cpu: VMX: %s; revision %lu, true controls %s; EPT %s, "
		"unrestricted guest %s, VPID %s\n",
		blocker ? blocker : "usable", ci->vmx_basic & 0x7fffffff,
		yes_no(ci->vmx_basic & VMX_BASIC_TRUE_CTLS), yes_no(ci->ept),
		yes_no(ci->unrestricted_guest), yes_no(ci->vpid));
}
