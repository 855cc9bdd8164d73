// SPDX-License-Identifier: MIT
#include "core/host/cpu_probe.h"
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "lib/string.h"

static void probe_identity(struct cpu_info *ci)
{
	struct cpuid_regs r = cpuid(0);
	uint32_t max_ext = cpuid(0x80000000).eax;
	unsigned int base_family;

	memcpy(ci->vendor_id + 0, &r.ebx, 4);
	memcpy(ci->vendor_id + 4, &r.edx, 4);
	memcpy(ci->vendor_id + 8, &r.ecx, 4);
	ci->vendor_id[12] = '\0';
	if (!strcmp(ci->vendor_id, "GenuineIntel"))
		ci->vendor = CPU_VENDOR_INTEL;
	else if (!strcmp(ci->vendor_id, "AuthenticAMD"))
		ci->vendor = CPU_VENDOR_AMD;

	r = cpuid(1);
	base_family = get_field(r.eax, 11, 8);
	ci->family = base_family;
	ci->model = get_field(r.eax, 7, 4);
	if (base_family == 0xf)
		ci->family += get_field(r.eax, 27, 20);
	if (base_family == 0xf || base_family == 0x6)
		ci->model |= get_field(r.eax, 19, 16) << 4;
	ci->stepping = get_field(r.eax, 3, 0);
	ci->under_hypervisor = r.ecx & CPUID1_ECX_HYPERVISOR;
	ci->vmx = r.ecx & CPUID1_ECX_VMX;

	if (max_ext >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i);
			memcpy(ci->brand + 16 * i, &r, 16);
		}
		ci->brand[48] = '\0';
	}
	ci->max_phys_bits = 36;
	if (max_ext >= 0x80000008)
		ci->max_phys_bits = cpuid(0x80000008).eax & 0xff;
	if (max_ext >= 0x80000001)
		ci->svm = cpuid(0x80000001).ecx & CPUID80000001_ECX_SVM;
	if (ci->svm && max_ext >= 0x8000000a) {
		r = cpuid(0x8000000a);
		ci->nasid = r.ebx;
		ci->npt = test_bit(r.edx, 0);
		ci->nrip_save = test_bit(r.edx, 3);
		ci->pause_filter = r.edx & CPUID8000000A_EDX_PAUSE_FILTER;
	}
}

static void probe_vmx(struct cpu_info *ci)
{
	uint64_t procbased, secondary;

	ci->feature_control_read =
		!rdmsr_safe(MSR_FEATURE_CONTROL, &ci->feature_control);
	if (rdmsr_safe(MSR_VMX_BASIC, &ci->vmx_basic))
		return;
	/* Allowed-1 settings are the high dword of each capability MSR. */
	if (rdmsr_safe(MSR_VMX_PROCBASED_CTLS, &procbased) ||
	    !((procbased >> 32) & VMX_PROC_SECONDARY))
		return;
	if (rdmsr_safe(MSR_VMX_PROCBASED_CTLS2, &secondary))
		return;
	secondary >>= 32;
	ci->ept = secondary & VMX_PROC2_EPT;
	ci->vpid = secondary & VMX_PROC2_VPID;
	ci->unrestricted_guest = secondary & VMX_PROC2_UNRESTRICTED;
}

static void probe_seam(struct cpu_info *ci)
{
	uint64_t mtrrcap, part;

	/* MTRRCAP exists only with MTRRs (CPUID.1:EDX[12]). */
	if (!(cpuid(1).edx & CPUID1_EDX_MTRR))
		return;
	ci->mtrrcap_read = !rdmsr_safe(MSR_MTRRCAP, &mtrrcap);
	ci->seamrr_supported = ci->mtrrcap_read && test_bit(mtrrcap, 15);
	if (ci->seamrr_supported)
		ci->seamrr_read =
			!rdmsr_safe(MSR_SEAMRR_PHYS_BASE, &ci->seamrr_base) &&
			!rdmsr_safe(MSR_SEAMRR_PHYS_MASK, &ci->seamrr_mask);
	if (ci->vendor == CPU_VENDOR_INTEL &&
	    !rdmsr_safe(MSR_MKTME_KEYID_PARTITIONING, &part)) {
		ci->keyid_read = true;
		ci->mktme_keyids = (uint32_t)part;
		ci->tdx_keyids = (uint32_t)(part >> 32);
	}
}

void cpu_probe(struct cpu_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	probe_identity(ci);
	if (ci->vmx)
		probe_vmx(ci);
	if (ci->svm)
		ci->vm_cr_read = !rdmsr_safe(MSR_VM_CR, &ci->vm_cr);
	probe_seam(ci);
}

bool seamrr_enabled(const struct cpu_info *ci)
{
	return ci->seamrr_read && (ci->seamrr_base & SEAMRR_BASE_CONFIGURED) &&
	       (ci->seamrr_mask & SEAMRR_MASK_LOCKED) &&
	       (ci->seamrr_mask & SEAMRR_MASK_ENABLED);
}

static void print_seam(const struct cpu_info *ci)
{
	if (!ci->mtrrcap_read)
		pr_info("cpu: SEAM: no MTRRCAP, no SEAMRR\n");
	else if (!ci->seamrr_supported)
		pr_info("cpu: SEAM: MTRRCAP.SEAMRR=0 (no SEAM range)\n");
	else if (!ci->seamrr_read)
		pr_info("cpu: SEAM: MTRRCAP.SEAMRR=1 but SEAMRR MSRs fault\n");
	else
		pr_info("cpu: SEAM: SEAMRR base=%#lx mask=%#lx: %s\n",
			ci->seamrr_base, ci->seamrr_mask,
			seamrr_enabled(ci) ? "enabled and locked"
					   : "not enabled by firmware");
	if (ci->keyid_read)
		pr_info("cpu: SEAM: KeyIDs: %u MKTME, %u TDX private\n",
			ci->mktme_keyids, ci->tdx_keyids);
	else if (ci->vendor == CPU_VENDOR_INTEL)
		pr_info("cpu: SEAM: no KeyID partitioning MSR\n");
}

void cpu_probe_print(const struct cpu_info *ci)
{
	pr_info("cpu: %s family %#x model %#x stepping %u, %u physical "
		"address bits%s\n",
		ci->vendor_id, ci->family, ci->model, ci->stepping,
		ci->max_phys_bits,
		ci->under_hypervisor ? ", running under a hypervisor" : "");
	if (ci->brand[0])
		pr_info("cpu: %s\n", ci->brand);
	print_seam(ci);
}

static void disable_local_apic(void)
{
	uint64_t base, spiv;

	/* No APIC (CPUID.1:EDX[9]) or one that is off already: nothing to do. */
	if (!(cpuid(1).edx & CPUID1_EDX_APIC) ||
	    rdmsr_safe(MSR_APIC_BASE, &base) || !(base & APIC_BASE_EN))
		return;
	if (base & APIC_BASE_EXTD) {
		if (!rdmsr_safe(MSR_X2APIC_SPIV, &spiv))
			wrmsr_safe(MSR_X2APIC_SPIV, spiv & ~APIC_SPIV_ENABLE);
		return;
	}
	/* xAPIC registers are MMIO at the base (identity-mapped below 4 GiB). */
	volatile uint32_t *reg =
		(volatile uint32_t *)(uintptr_t)((base & GENMASK(35, 12)) +
						 APIC_SPIV);

	*reg &= ~(uint32_t)APIC_SPIV_ENABLE;
}

void cpu_enable_features(void)
{
	/*
	 * CR4.OSXSAVE lets mhv execute XSETBV for its guests (an exit on
	 * VMX). mhv itself never uses extended state.
	 */
	if (cpuid(1).ecx & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	/*
	 * EFER.NXE makes bit 63 of a nested page table entry no-execute
	 * rather than reserved: the shadow of an L1's NPT carries L1's NX
	 * (svm/svm_npt.c), and an NPF reports instruction fetches only with
	 * it. mhv's own tables never set bit 63.
	 */
	if (cpuid(0x80000000).eax >= 0x80000001 &&
	    (cpuid(0x80000001).edx & CPUID80000001_EDX_NX))
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	/*
	 * Nothing but mhv's own APIC vectors may interrupt mhv (apic_init()
	 * sets those up later): on VMX any pending external interrupt makes
	 * the VM entry exit again. Firmware may leave the 8259s or the local
	 * APIC (its timer, LINT0) live: mask the 8259s and software-disable
	 * the local APIC, which masks all its LVT entries.
	 */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	disable_local_apic();
}
