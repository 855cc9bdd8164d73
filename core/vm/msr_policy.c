// SPDX-License-Identifier: MIT
/*
 * MSRs the guest reaches through RDMSR/WRMSR exits, and the list of those
 * it reaches without one (msr_passthrough_derive: the backends only encode
 * it). What is intercepted lands here and is answered from a short table; an
 * MSR not in the table, or one the VM's CPU model lacks (core/vm/
 * cpu_model.c: the same facts its CPUID answers show), raises #GP, as it
 * would on a CPU without it.
 */
#include "core/host/cpu.h"
#include "core/exit/exits.h"
#include "core/host/log.h"
#include "core/dev/devices.h"
#include "core/x86.h"
#include "lib/bitops.h"

struct msr_rule {
	uint32_t first, last;
	uint32_t needs; /* CPU_FACT() bits the VM's model must have */
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
	/* The VMCB needs it set; only a nested=on guest sees its own. */
	if (!cpu_model_has(&v->vm->cpu, CPU_FACT(SVM)))
		*val &= ~EFER_SVME;
	return 0;
}

/*
 * LMA is the CPU's to set (a written value is ignored); LME may not change
 * while paging is on. The backend keeps LMA as the CPU has it.
 */
static int write_efer(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (val & ~v->vm->cpu.efer_allowed)
		return -1;
	if ((vm_backend->get_control(v, VCPU_CR0) & BIT(31)) &&
	    ((val ^ vm_backend->get_control(v, VCPU_EFER)) & EFER_LME))
		return -1;
	return vm_backend->write_state_msr(v, msr, val);
}

/*
 * Linear-address MSRs take canonical values only (57-bit with CR4.LA57),
 * CSTAR included on both vendors, as KVM has it.
 */
static int write_canonical(struct vcpu *v, uint32_t msr, uint64_t val)
{
	unsigned int bits =
		(vm_backend->get_control(v, VCPU_CR4) & BIT(12)) ? 57 : 48;

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
	*val = apic_base_read(v);
	return 0;
}

/* x2APIC mode (EXTD, bit 10) exists only where CPUID shows x2APIC. */
static int write_apic_base(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if ((val & BIT(10)) && !cpu_model_has(&v->vm->cpu, CPU_FACT(X2APIC)))
		return -1;
	return apic_base_write(v, val);
}

static int read_x2apic(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	return x2apic_msr_read(v, msr, val);
}

static int read_tsc_deadline(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = lapic_tsc_deadline_read(v);
	return 0;
}

static int write_tsc_deadline(struct vcpu *v, uint32_t msr, uint64_t val)
{
	lapic_tsc_deadline_write(v, val);
	return 0;
}

static int write_x2apic(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return x2apic_msr_write(v, msr, val);
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
 * bits pass through): present when advertised (the rule's fact), and
 * only the advertised bits.
 */
static int read_spec_ctrl(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = v->vm->msr_spec_ctrl;
	return 0;
}

static int write_spec_ctrl(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (val & ~v->vm->cpu.spec_ctrl_bits)
		return -1;
	v->vm->msr_spec_ctrl = val;
	return 0;
}

/*
 * Write-only commands: IBPB (PRED_CMD bit 0), L1D flush (FLUSH_CMD bit 0),
 * present as the model says (the rule's fact). Bit 0 is the command; 0 is a valid no-op write and any other bit is
 * reserved (#GP), as on hardware and under KVM. The command itself is
 * passed on to the CPU when it has it: the barrier is the guest's to ask
 * for.
 */
static int write_command(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (val & ~1ULL)
		return -1;
	if (val)
		wrmsr_safe(msr, val);
	return 0;
}

/* The host's, without TSX_CTRL (bit 7): that MSR is not emulated. */
static int read_arch_capabilities(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (rdmsr_safe(msr, val))
		return -1;
	*val &= ~BIT(7);
	return 0;
}

#define NEEDS(f) CPU_FACT(f)

static int write_state(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return vm_backend->write_state_msr(v, msr, val);
}

static const struct msr_rule rules[] = {
	{MSR_TSC, MSR_TSC, NEEDS(TSC), read_tsc, write_tsc},
	{MSR_TSC_ADJUST, MSR_TSC_ADJUST, NEEDS(TSC_ADJUST), read_tsc_adjust,
	 write_tsc_adjust},
	{MSR_APIC_BASE, MSR_APIC_BASE, 0, read_apic_base, write_apic_base},
	{MSR_FEATURE_CONTROL, MSR_FEATURE_CONTROL, NEEDS(INTEL),
	 read_feature_control, NULL},
	{MSR_BIOS_SIGN_ID, MSR_BIOS_SIGN_ID, 0, read_zero, write_ignore},
	{MSR_MTRRCAP, MSR_MTRRCAP, NEEDS(MTRR), read_zero, NULL},
	{MSR_MCG_CAP, MSR_MCG_CAP, NEEDS(MCA), read_zero, NULL},
	{MSR_MCG_STATUS, MSR_MCG_STATUS, NEEDS(MCA), read_zero,
	 write_zero_only},
	{MSR_MISC_ENABLE, MSR_MISC_ENABLE, 0, read_misc_enable,
	 write_misc_enable},
	{MSR_DEBUGCTL, MSR_DEBUGCTL, 0, read_zero, write_zero_only},
	{MSR_PAT, MSR_PAT, NEEDS(PAT), read_state, write_pat},
	{MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, NEEDS(MTRR), read_mtrr_def_type,
	 write_mtrr_def_type},
	{MSR_SPEC_CTRL, MSR_SPEC_CTRL, NEEDS(SPEC_CTRL), read_spec_ctrl,
	 write_spec_ctrl},
	{MSR_PRED_CMD, MSR_PRED_CMD, NEEDS(IBPB), NULL, write_command},
	{MSR_ARCH_CAPABILITIES, MSR_ARCH_CAPABILITIES, NEEDS(ARCH_CAP),
	 read_arch_capabilities, NULL},
	{MSR_FLUSH_CMD, MSR_FLUSH_CMD, NEEDS(L1D_FLUSH), NULL, write_command},
	{MSR_EFER, MSR_EFER, 0, read_efer, write_efer},
	{MSR_X2APIC_FIRST, MSR_X2APIC_LAST, NEEDS(X2APIC), read_x2apic,
	 write_x2apic},
	{MSR_TSC_DEADLINE, MSR_TSC_DEADLINE, NEEDS(TSC_DEADLINE),
	 read_tsc_deadline, write_tsc_deadline},
	{MSR_LSTAR, MSR_CSTAR, NEEDS(LM), read_state, write_canonical},
	{MSR_FS_BASE, MSR_KERNEL_GS_BASE, NEEDS(LM), read_state,
	 write_canonical},
	{MSR_AMD_PERFEVTSEL0, MSR_AMD_PERFCTR3, NEEDS(AMD), read_zero,
	 write_ignore},
	/* nested=on: the backend keeps them (svm/svm_nested.c). */
	{MSR_VM_CR, MSR_VM_CR, NEEDS(SVM), read_state, write_state},
	{MSR_VM_HSAVE_PA, MSR_VM_HSAVE_PA, NEEDS(SVM), read_state, write_state},
};

static const struct msr_rule *find_rule(const struct cpu_model *m, uint32_t msr)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(rules); i++)
		if (msr >= rules[i].first && msr <= rules[i].last &&
		    cpu_model_has(m, rules[i].needs))
			return &rules[i];
	return NULL;
}

/*
 * Which MSRs skip the exit. An MSR passes through only when all hold:
 *  - the guest's model has it (else hardware, not mhv, would answer);
 *  - mhv never uses it itself, and one VM's value cannot reach the next:
 *    the VMCB/VMCS switches it (SVM: VMLOAD/VMSAVE of the VMCB's SYSENTER,
 *    STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE, FS/GS; VMX: SYSENTER and
 *    FS/GS in the VMCS) or cpu_reset.c clears it before each VM (the rest,
 *    TSC_AUX on both), docs/exits.md has the table;
 *  - for writes, every value the guest may write is checked by whatever
 *    runs mhv exactly as the architecture says. Linear-address MSRs fail
 *    that last test: a non-canonical LSTAR, CSTAR, FS/GS/KERNEL_GS base
 *    must #GP (SDM vol. 4 and APM vol. 2 on WRMSR), and QEMU TCG's SVM does
 *    not check, so their writes exit on both vendors and write_canonical
 *    checks them (with LA57, 57 bits). Their reads need no check.
 * The TSC's reads exit too (read_tsc: the host's TSC plus the backend's
 * offset): QEMU 7.2 TCG gives a guest's RDMSR of IA32_TSC that the MSRPM
 * lets through 0, and RDTSC, the common read, never exits anyway. Its
 * writes move the offset (write_tsc).
 */
static const struct {
	uint32_t msr;
	uint32_t needs;
	bool write;
} passthrough_rules[] = {
	{MSR_SYSENTER_CS, NEEDS(SYSENTER), true},
	{MSR_SYSENTER_ESP, NEEDS(SYSENTER), true},
	{MSR_SYSENTER_EIP, NEEDS(SYSENTER), true},
	{MSR_STAR, NEEDS(SYSCALL), true},
	{MSR_SFMASK, NEEDS(SYSCALL), true},
	{MSR_TSC_AUX, NEEDS(TSC_AUX), true},
	{MSR_LSTAR, NEEDS(LM), false},
	{MSR_CSTAR, NEEDS(LM), false},
	{MSR_FS_BASE, NEEDS(LM), false},
	{MSR_GS_BASE, NEEDS(LM), false},
	{MSR_KERNEL_GS_BASE, NEEDS(LM), false},
};

_Static_assert(ARRAY_SIZE(passthrough_rules) <= CPU_MODEL_MAX_PASSTHROUGH,
	       "room in struct cpu_model");

void msr_passthrough_derive(struct cpu_model *m)
{
	m->passthrough_count = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(passthrough_rules); i++)
		if (cpu_model_has(m, passthrough_rules[i].needs))
			m->passthrough[m->passthrough_count++] =
				(struct msr_passthrough){
					.msr = passthrough_rules[i].msr,
					.write = passthrough_rules[i].write,
				};
}

static void inject_gp(struct vcpu *v, const char *what, uint32_t msr)
{
	pr_debug("%s: %s of MSR %#x: #GP\n", v->vm->opt.name, what, msr);
	vm_backend->inject_exception(v, VEC_GP, true, 0);
}

bool exit_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	const struct msr_rule *r = find_rule(&v->vm->cpu, msr);
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
	const struct msr_rule *r = find_rule(&v->vm->cpu, msr);

	if (!r || !r->write || r->write(v, msr, val)) {
		inject_gp(v, "write", msr);
		return false;
	}
	return true;
}
