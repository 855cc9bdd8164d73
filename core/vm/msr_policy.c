// SPDX-License-Identifier: MIT
/*
 * MSRs the guest reaches through RDMSR/WRMSR exits. The backends let the
 * MSRs that are pure guest state (FS/GS bases, SYSCALL and SYSENTER MSRs,
 * TSC_AUX) pass straight through to hardware: mhv itself never uses them.
 * What is intercepted lands here and is answered from a short table; an
 * MSR not in the table raises #GP, as it would on a CPU without it.
 */
#include "core/host/cpu.h"
#include "core/host/cpu_probe.h"
#include "core/exit/exits.h"
#include "core/host/log.h"
#include "core/dev/devices.h"
#include "core/x86.h"
#include "lib/bitops.h"

enum vendor_mask {
	ANY = 3,
	INTEL = 1,
	AMD = 2,
};

struct msr_rule {
	uint32_t first, last;
	enum vendor_mask vendors;
	/* NULL: #GP. Return 0, or -1 for #GP. */
	int (*read)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*write)(struct vcpu *v, uint32_t msr, uint64_t val);
};

static int read_zero(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = 0;
	return 0;
}

static int write_ignore(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return 0;
}

static int write_zero_only(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return val ? -1 : 0;
}

static int read_state(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	return vm_backend->read_state_msr(v, msr, val);
}

static int read_efer(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (vm_backend->read_state_msr(v, msr, val))
		return -1;
	*val &= ~EFER_SVME; /* the VMCB needs it set; the guest never sees it */
	return 0;
}

/*
 * LMA is the CPU's to set (a written value is ignored); LME may not change
 * while paging is on. The backend keeps LMA as the CPU has it.
 */
static int write_efer(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t allowed = EFER_SCE | EFER_LME | EFER_LMA;
	struct vcpu_state s;

	if (test_bit(cpuid(0x80000001).edx, 20))
		allowed |= EFER_NXE;
	if (val & ~allowed)
		return -1;
	vm_backend->get_state(v, &s);
	if ((s.cr0 & CR0_PG) && ((val ^ s.efer) & EFER_LME))
		return -1;
	return vm_backend->write_state_msr(v, msr, val);
}

static bool intel(void)
{
	return boot_cpu.vendor == CPU_VENDOR_INTEL;
}

/*
 * Linear-address MSRs take canonical values only (57-bit with CR4.LA57),
 * CSTAR included on both vendors, as KVM has it.
 */
static int write_canonical(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vcpu_state s;
	unsigned int bits;

	vm_backend->get_state(v, &s);
	bits = (s.cr4 & CR4_LA57) ? 57 : 48;
	if ((int64_t)(val << (64 - bits)) >> (64 - bits) != (int64_t)val)
		return -1;
	return vm_backend->write_state_msr(v, msr, val);
}

/* Each PAT entry must be an architectural memory type (not 2, 3 or > 7). */
static int write_pat(struct vcpu *v, uint32_t msr, uint64_t val)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (val >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return -1;
	}
	return vm_backend->write_state_msr(v, msr, val);
}

static int read_apic_base(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = apic_base_read(v->vm);
	return 0;
}

static int write_apic_base(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return apic_base_write(v->vm, val);
}

static int read_x2apic(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	return x2apic_msr_read(v->vm, msr, val);
}

static int write_x2apic(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return x2apic_msr_write(v->vm, msr, val);
}

static int read_feature_control(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = 1; /* locked, VMX off: the guest has no VMX */
	return 0;
}

/*
 * As KVM offers it, on either vendor (kvm-unit-tests reads it on AMD too):
 * stored per VM; the performance-monitoring bits (7, 11, 12) are the
 * CPU's and a write may not change them.
 */
#define MISC_ENABLE_RO (BIT(7) | BIT(11) | BIT(12))

static int read_misc_enable(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = v->vm->msr_misc_enable;
	return 0;
}

static int write_misc_enable(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if ((val ^ v->vm->msr_misc_enable) & MISC_ENABLE_RO)
		return -1;
	v->vm->msr_misc_enable = val;
	return 0;
}

/*
 * IA32_TSC_ADJUST moves the guest's TSC by the change written (and a
 * write to the TSC moves TSC_ADJUST, SDM vol. 3 "Time-Stamp Counter
 * Adjustment"): both live in the backend's TSC offset plus this value.
 */
static int read_tsc_adjust(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = v->vm->msr_tsc_adjust;
	return 0;
}

static int write_tsc_adjust(struct vcpu *v, uint32_t msr, uint64_t val)
{
	vm_backend->set_tsc_offset(v, vm_backend->get_tsc_offset(v) +
					      (val - v->vm->msr_tsc_adjust));
	v->vm->msr_tsc_adjust = val;
	return 0;
}

/* Reads pass through where the backend allows; this serves the others. */
static int read_tsc(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = rdtsc() + vm_backend->get_tsc_offset(v);
	return 0;
}

static int write_tsc(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t offset = val - rdtsc();

	v->vm->msr_tsc_adjust += offset - vm_backend->get_tsc_offset(v);
	vm_backend->set_tsc_offset(v, offset);
	return 0;
}

static int read_mtrr_def_type(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = v->vm->msr_mtrr_def_type;
	return 0;
}

/* Type in 7:0 (UC, WC, WT, WP, WB), FE in 10, E in 11; the rest reserved. */
static int write_mtrr_def_type(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint8_t type = val & 0xff;

	if ((val & ~0xcffULL) || type == 2 || type == 3 || type > 6)
		return -1;
	v->vm->msr_mtrr_def_type = val;
	return 0;
}

/*
 * Speculation controls follow what CPUID tells the guest (the host's
 * bits pass through): present when advertised, #GP when not.
 */
static uint64_t spec_ctrl_bits(void)
{
	uint32_t e7 = cpuid_count(7, 0).edx;
	uint32_t ext = cpuid(0x80000008).ebx;
	uint64_t bits = 0;

	if (intel() ? test_bit(e7, 26) : test_bit(ext, 14))
		bits |= BIT(0); /* IBRS */
	if (intel() ? test_bit(e7, 27) : test_bit(ext, 15))
		bits |= BIT(1); /* STIBP */
	if (intel() ? test_bit(e7, 31) : test_bit(ext, 24))
		bits |= BIT(2); /* SSBD */
	return bits;
}

static int read_spec_ctrl(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (!spec_ctrl_bits())
		return -1;
	*val = v->vm->msr_spec_ctrl;
	return 0;
}

static int write_spec_ctrl(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t bits = spec_ctrl_bits();

	if (!bits || (val & ~bits))
		return -1;
	v->vm->msr_spec_ctrl = val;
	return 0;
}

/* Write-only commands: IBPB (PRED_CMD bit 0), L1D flush (FLUSH_CMD bit 0). */
/*
 * Bit 0 is the command; 0 is a valid no-op write and any other bit is
 * reserved (#GP), as on hardware and under KVM. The command itself is
 * passed on to the CPU when it has it: the barrier is the guest's to ask
 * for.
 */
static int write_command(uint32_t msr, uint64_t val, bool present)
{
	if (!present || (val & ~1ULL))
		return -1;
	if (val)
		wrmsr_safe(msr, val);
	return 0;
}

static int write_pred_cmd(struct vcpu *v, uint32_t msr, uint64_t val)
{
	bool ibpb = intel() ? test_bit(cpuid_count(7, 0).edx, 26)
			    : test_bit(cpuid(0x80000008).ebx, 12);

	return write_command(msr, val, ibpb);
}

static int write_flush_cmd(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return write_command(msr, val, test_bit(cpuid_count(7, 0).edx, 28));
}

/* The host's, without TSX_CTRL (bit 7): that MSR is not emulated. */
static int read_arch_capabilities(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (!test_bit(cpuid_count(7, 0).edx, 29) || rdmsr_safe(msr, val))
		return -1;
	*val &= ~BIT(7);
	return 0;
}

static const struct msr_rule rules[] = {
	{MSR_TSC, MSR_TSC, ANY, read_tsc, write_tsc},
	{MSR_TSC_ADJUST, MSR_TSC_ADJUST, ANY, read_tsc_adjust,
	 write_tsc_adjust},
	{MSR_APIC_BASE, MSR_APIC_BASE, ANY, read_apic_base, write_apic_base},
	{MSR_FEATURE_CONTROL, MSR_FEATURE_CONTROL, INTEL, read_feature_control,
	 NULL},
	{MSR_BIOS_SIGN_ID, MSR_BIOS_SIGN_ID, ANY, read_zero, write_ignore},
	{MSR_MTRRCAP, MSR_MTRRCAP, ANY, read_zero, NULL},
	{MSR_MCG_CAP, MSR_MCG_CAP, ANY, read_zero, NULL},
	{MSR_MCG_STATUS, MSR_MCG_STATUS, ANY, read_zero, write_zero_only},
	{MSR_MISC_ENABLE, MSR_MISC_ENABLE, ANY, read_misc_enable,
	 write_misc_enable},
	{MSR_DEBUGCTL, MSR_DEBUGCTL, ANY, read_zero, write_zero_only},
	{MSR_PAT, MSR_PAT, ANY, read_state, write_pat},
	{MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, ANY, read_mtrr_def_type,
	 write_mtrr_def_type},
	{MSR_SPEC_CTRL, MSR_SPEC_CTRL, ANY, read_spec_ctrl, write_spec_ctrl},
	{MSR_PRED_CMD, MSR_PRED_CMD, ANY, NULL, write_pred_cmd},
	{MSR_ARCH_CAPABILITIES, MSR_ARCH_CAPABILITIES, INTEL,
	 read_arch_capabilities, NULL},
	{MSR_FLUSH_CMD, MSR_FLUSH_CMD, ANY, NULL, write_flush_cmd},
	{MSR_EFER, MSR_EFER, ANY, read_efer, write_efer},
	{MSR_X2APIC_FIRST, MSR_X2APIC_LAST, ANY, read_x2apic, write_x2apic},
	{MSR_LSTAR, MSR_CSTAR, ANY, read_state, write_canonical},
	{MSR_FS_BASE, MSR_KERNEL_GS_BASE, ANY, read_state, write_canonical},
	{MSR_AMD_PERFEVTSEL0, MSR_AMD_PERFCTR3, AMD, read_zero, write_ignore},
};

static const struct msr_rule *find_rule(uint32_t msr)
{
	enum vendor_mask mine = boot_cpu.vendor == CPU_VENDOR_INTEL ? INTEL
				: boot_cpu.vendor == CPU_VENDOR_AMD ? AMD
								    : ANY;

	for (unsigned int i = 0; i < ARRAY_SIZE(rules); i++)
		if (msr >= rules[i].first && msr <= rules[i].last &&
		    (rules[i].vendors & mine))
			return &rules[i];
	return NULL;
}

static void inject_gp(struct vcpu *v, const char *what, uint32_t msr)
{
	pr_debug("%s: %s of MSR %#x: #GP\n", v->vm->opt.name, what, msr);
	vm_backend->inject_exception(v, VEC_GP, true, 0);
}

bool exit_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	const struct msr_rule *r = find_rule(msr);
	uint64_t val;

	if (!r || !r->read || r->read(v, msr, &val)) {
		inject_gp(v, "read", msr);
		return false;
	}
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	return true;
}

bool exit_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t val = (v->gpr[GPR_RDX] << 32) | (uint32_t)v->gpr[GPR_RAX];
	const struct msr_rule *r = find_rule(msr);

	if (!r || !r->write || r->write(v, msr, val)) {
		inject_gp(v, "write", msr);
		return false;
	}
	return true;
}
