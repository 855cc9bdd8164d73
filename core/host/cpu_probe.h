/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_CPU_PROBE_H
#define MHV_CORE_HOST_CPU_PROBE_H

#include <stdbool.h>
#include <stdint.h>

enum cpu_vendor {
	CPU_VENDOR_OTHER,
	CPU_VENDOR_INTEL,
	CPU_VENDOR_AMD,
};

/*
 * What the CPU offers for virtualization, and what stands in the way.
 * Every MSR behind this is read fault-tolerantly: emulators and older
 * parts lack some of them.
 */
struct cpu_info {
	enum cpu_vendor vendor;
	char vendor_id[13];
	char brand[49];
	unsigned int family, model, stepping;
	unsigned int max_phys_bits;
	bool under_hypervisor; /* CPUID.1:ECX[31] */

	/* Intel VMX */
	bool vmx; /* CPUID.1:ECX[5] */
	bool feature_control_read;
	uint64_t feature_control;
	uint64_t vmx_basic;
	bool ept, unrestricted_guest, vpid;

	/* AMD SVM */
	bool svm;	 /* CPUID.80000001:ECX[2] */
	bool vm_cr_read; /* false where VM_CR raises #GP (Bochs) */
	uint64_t vm_cr;
	bool npt, nrip_save;
	bool pause_filter; /* CPUID.8000000A:EDX[10] */
	uint32_t nasid;

	/* SEAM / TDX hints */
	bool mtrrcap_read;
	bool seamrr_supported; /* MTRRCAP[15] */
	bool seamrr_read;
	uint64_t seamrr_base, seamrr_mask;
	bool keyid_read;
	uint32_t mktme_keyids, tdx_keyids;
};

/* The boot CPU, probed once by kmain. */
extern struct cpu_info boot_cpu;

void cpu_probe(struct cpu_info *ci);
void cpu_probe_print(const struct cpu_info *ci);
/* Host CPU setup that follows from the probe (CR4.OSXSAVE, PIC masks). */
void cpu_enable_features(void);

/* True when the SEAM range registers are configured, enabled and locked. */
bool seamrr_enabled(const struct cpu_info *ci);

#endif
