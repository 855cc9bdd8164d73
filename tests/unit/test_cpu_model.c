// SPDX-License-Identifier: MIT
/*
 * The guest's CPU model (core/vm/cpu_model.c) and the policy that reads
 * it (cpuid_policy.c, msr_policy.c), once, against a stub backend: no
 * VMCB, no VMCS. What it checks is that CPUID and the MSRs agree: a
 * feature the model hides is an MSR that #GPs and a bit the CPUID exit
 * does not show, and the pass-through list holds exactly what the model
 * allows. The host's CPUID is the starting point; each test edits the
 * leaves between cpu_model_from_host() and cpu_model_finish().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/exit/exits.h"
#include "core/host/cpu_probe.h"
#include "core/x86.h"
#include "core/vm/cpu_model.h"
#include "core/vm/hypercall_abi.h"
#include "tests/unit/fake_serial.h"

/* Defined by cpu_probe.c in the kernel, which needs the hardware. */
struct cpu_info boot_cpu;

/* The stub vCPU: the few fields the policy may ask for, and what it did. */
static struct {
	uint64_t cr0, cr4, efer;
	uint64_t tsc_offset;
	uint32_t state_msr;
	uint64_t state_val;
	int injected; /* vector, or -1 */
	unsigned int control_reads;
} stub;

static uint64_t stub_get_control(struct vcpu *v, enum vcpu_control which)
{
	stub.control_reads++;
	switch (which) {
	case VCPU_CR0:
		return stub.cr0;
	case VCPU_CR4:
		return stub.cr4;
	case VCPU_EFER:
		return stub.efer;
	}
	return 0;
}

/* CPUID and the MSR rules read single fields: a full copy is a bug. */
static void stub_get_state(struct vcpu *v, struct vcpu_state *s)
{
	fail_msg("get_state on a CPUID/MSR path");
}

static void stub_inject(struct vcpu *v, unsigned int vector, bool has_error,
			uint32_t error)
{
	stub.injected = (int)vector;
}

static uint64_t stub_get_tsc_offset(struct vcpu *v)
{
	return stub.tsc_offset;
}

static void stub_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	stub.tsc_offset = offset;
}

static int stub_read_state_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = msr == stub.state_msr ? stub.state_val : 0;
	return 0;
}

static int stub_write_state_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	stub.state_msr = msr;
	stub.state_val = val;
	return 0;
}

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

static const struct vm_backend stub_backend = {
	.name = "stub",
	.inject_exception = stub_inject,
	.get_state = stub_get_state,
	.get_control = stub_get_control,
	.get_tsc_offset = stub_get_tsc_offset,
	.set_tsc_offset = stub_set_tsc_offset,
	.read_state_msr = stub_read_state_msr,
	.write_state_msr = stub_write_state_msr,
};

static struct vm *vm;
static struct vcpu *v;

static int setup(void **state)
{
	(void)state;
	vm = calloc(1, sizeof(*vm));
	assert_non_null(vm);
	snprintf(vm->opt.name, sizeof(vm->opt.name), "model");
	v = &vm->vcpus[0];
	v->vm = vm;
	vm->nr_vcpus = 1;
	devices_init(vm);
	memset(&stub, 0, sizeof(stub));
	stub.injected = -1;
	vm_backend = &stub_backend;
	boot_cpu = (struct cpu_info){.vendor = CPU_VENDOR_INTEL};
	cpu_model_from_host(&vm->cpu, CPU_VENDOR_INTEL);
	fake_serial_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vm);
	vm = NULL;
	v = NULL;
	return 0;
}

static struct cpuid_regs guest_cpuid(uint32_t leaf, uint32_t subleaf)
{
	v->gpr[GPR_RAX] = leaf;
	v->gpr[GPR_RCX] = subleaf;
	exit_cpuid(v);
	return (struct cpuid_regs){
		.eax = (uint32_t)v->gpr[GPR_RAX],
		.ebx = (uint32_t)v->gpr[GPR_RBX],
		.ecx = (uint32_t)v->gpr[GPR_RCX],
		.edx = (uint32_t)v->gpr[GPR_RDX],
	};
}

/* RDMSR/WRMSR through the policy: true when it completed, false on #GP. */
static bool rdmsr_ok(uint32_t msr, uint64_t *val)
{
	bool ok;

	stub.injected = -1;
	v->gpr[GPR_RCX] = msr;
	ok = exit_rdmsr(v);
	assert_int_equal(ok, stub.injected == -1);
	if (!ok)
		assert_int_equal(stub.injected, 13); /* #GP */
	if (val)
		*val = (v->gpr[GPR_RDX] << 32) | (uint32_t)v->gpr[GPR_RAX];
	return ok;
}

static bool wrmsr_ok(uint32_t msr, uint64_t val)
{
	bool ok;

	stub.injected = -1;
	v->gpr[GPR_RCX] = msr;
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	ok = exit_wrmsr(v);
	assert_int_equal(ok, stub.injected == -1);
	if (!ok)
		assert_int_equal(stub.injected, 13); /* #GP */
	return ok;
}

static bool passes(uint32_t msr, bool *write)
{
	for (unsigned int i = 0; i < vm->cpu.passthrough_count; i++)
		if (vm->cpu.passthrough[i].msr == msr) {
			*write = vm->cpu.passthrough[i].write;
			return true;
		}
	return false;
}

/* One package of cpus cores, each vCPU its own APIC ID (SDM vol. 2, CPUID). */
static void test_topology_follows_cpus(void **state)
{
	struct cpuid_regs r;

	(void)state;
	cpu_model_finish(&vm->cpu);
	cpu_model_set_cpus(&vm->cpu, 3);
	v->apic.id = 2;
	r = guest_cpuid(1, 0);
	assert_true(r.edx & CPUID1_EDX_HTT);
	assert_int_equal((r.ebx >> 16) & 0xff, 4);
	assert_int_equal(r.ebx >> 24, 2);
	if (vm->cpu.max_basic >= 0xb) {
		r = guest_cpuid(0xb, 0);
		assert_int_equal(r.eax, 0);
		assert_int_equal(r.ebx, 1);
		assert_int_equal(r.ecx, 0x100);
		assert_int_equal(r.edx, 2);
		r = guest_cpuid(0xb, 1);
		assert_int_equal(r.eax, 2);
		assert_int_equal(r.ebx, 3);
		assert_int_equal(r.ecx, 0x201);
		assert_int_equal(r.edx, 2);
		r = guest_cpuid(0xb, 2);
		assert_int_equal(r.ebx, 0);
		assert_int_equal(r.ecx, 2);
		assert_int_equal(r.edx, 2);
	}
	/* AMD's count of cores and the bits of their IDs. */
	cpu_model_from_host(&vm->cpu, CPU_VENDOR_AMD);
	cpu_model_finish(&vm->cpu);
	cpu_model_set_cpus(&vm->cpu, 3);
	if (vm->cpu.ext_table & (1u << 8)) {
		r = guest_cpuid(0x80000008, 0);
		assert_int_equal(r.ecx & 0xff, 2);
		assert_int_equal((r.ecx >> 12) & 0xf, 2);
		r = guest_cpuid(0x80000001, 0);
		assert_true(r.ecx & CPUID80000001_ECX_CMP_LEGACY);
	}
}

static void test_hypervisor_bit_and_mhv_leaves(void **state)
{
	struct cpuid_regs r;
	char sig[13] = {0};

	(void)state;
	cpu_model_finish(&vm->cpu);
	r = guest_cpuid(1, 0);
	assert_true(r.ecx & (1u << 31));	   /* hypervisor */
	assert_false(r.ecx & (1u << 5));	   /* VMX */
	assert_int_equal(r.ebx >> 24, 0);	   /* APIC ID 0 */
	assert_int_equal((r.ebx >> 16) & 0xff, 1); /* one logical CPU */

	r = guest_cpuid(MHV_CPUID_BASE, 0);
	assert_int_equal(r.eax, MHV_CPUID_BASE + 1);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_string_equal(sig, MHV_CPUID_SIGNATURE);
	r = guest_cpuid(MHV_CPUID_BASE + 1, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);

	r = guest_cpuid(0x80000001, 0);
	assert_false(r.ecx & (1u << 2)); /* SVM */
	r = guest_cpuid(0xa, 0);	 /* no PMU */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	/* The exit reads its table: the same answer the model gives. */
	r = guest_cpuid(0, 0);
	assert_memory_equal(&r, &vm->cpu.basic[0], sizeof(r));
}

static void test_osxsave_follows_cr4(void **state)
{
	(void)state;
	cpu_model_finish(&vm->cpu);
	stub.cr4 = 0;
	assert_false(guest_cpuid(1, 0).ecx & (1u << 27));
	stub.cr4 = CR4_OSXSAVE;
	assert_true(guest_cpuid(1, 0).ecx & (1u << 27));
	/* One narrow read per leaf-1 CPUID; none for other leaves. */
	stub.control_reads = 0;
	guest_cpuid(1, 0);
	guest_cpuid(0, 0);
	guest_cpuid(0x80000000, 0);
	assert_int_equal(stub.control_reads, 1);
}

static void test_x2apic_hidden_means_gp(void **state)
{
	uint64_t val;

	(void)state;
	vm->cpu.basic[1].ecx &= ~(1u << 21);
	cpu_model_finish(&vm->cpu);
	assert_false(guest_cpuid(1, 0).ecx & (1u << 21));
	assert_false(wrmsr_ok(MSR_APIC_BASE, 0xfee00c00)); /* EN | EXTD */
	assert_false(rdmsr_ok((MSR_X2APIC_FIRST + 2) /* APIC ID */, NULL));
	assert_true(rdmsr_ok(MSR_APIC_BASE, &val));
	assert_false(val & (1u << 10));
}

static void test_x2apic_shown_works(void **state)
{
	uint64_t val;

	(void)state;
	cpu_model_finish(&vm->cpu);
	assert_true(guest_cpuid(1, 0).ecx & (1u << 21));
	assert_false(rdmsr_ok((MSR_X2APIC_FIRST + 2) /* APIC ID */,
			      NULL)); /* xAPIC mode still */
	assert_true(wrmsr_ok(MSR_APIC_BASE, 0xfee00c00));
	assert_true(rdmsr_ok((MSR_X2APIC_FIRST + 2) /* APIC ID */, &val));
}

static void test_tsc_adjust_follows_cpuid(void **state)
{
	(void)state;
	if (!vm->cpu.leaf7_count)
		skip();
	vm->cpu.leaf7[0].ebx &= ~(1u << 1);
	cpu_model_finish(&vm->cpu);
	assert_false(guest_cpuid(7, 0).ebx & (1u << 1));
	assert_false(rdmsr_ok(MSR_TSC_ADJUST, NULL));
	assert_false(wrmsr_ok(MSR_TSC_ADJUST, 5));

	vm->cpu.leaf7[0].ebx |= 1u << 1;
	cpu_model_finish(&vm->cpu);
	assert_true(guest_cpuid(7, 0).ebx & (1u << 1));
	assert_true(wrmsr_ok(MSR_TSC_ADJUST, 5));
	assert_int_equal(stub.tsc_offset, 5);
}

static void test_spec_ctrl_follows_cpuid(void **state)
{
	(void)state;
	if (!vm->cpu.leaf7_count)
		skip();
	vm->cpu.leaf7[0].edx &= ~((1u << 26) | (1u << 27) | (1u << 31));
	cpu_model_finish(&vm->cpu);
	assert_false(rdmsr_ok(MSR_SPEC_CTRL, NULL));
	assert_false(wrmsr_ok(0x49, 1)); /* PRED_CMD goes with IBRS on Intel */

	vm->cpu.leaf7[0].edx |= 1u << 26; /* IBRS and IBPB, nothing else */
	cpu_model_finish(&vm->cpu);
	assert_true(wrmsr_ok(MSR_SPEC_CTRL, 1));
	assert_false(wrmsr_ok(MSR_SPEC_CTRL, 2)); /* STIBP not shown */
	assert_true(wrmsr_ok(0x49, 0));
}

static void test_vendor_msrs(void **state)
{
	uint64_t val;

	(void)state;
	cpu_model_finish(&vm->cpu);
	assert_true(rdmsr_ok(MSR_FEATURE_CONTROL, &val));
	assert_int_equal(val, 1); /* locked, VMX off */
	assert_false(rdmsr_ok(MSR_AMD_PERFEVTSEL0, NULL));

	cpu_model_init(&vm->cpu, CPU_VENDOR_AMD);
	assert_false(rdmsr_ok(MSR_FEATURE_CONTROL, NULL));
	assert_true(rdmsr_ok(MSR_AMD_PERFEVTSEL0, &val));
	assert_int_equal(val, 0);
}

static void test_cr4_reserved_follows_cpuid(void **state)
{
	(void)state;
	if (!vm->cpu.leaf7_count)
		skip();
	vm->cpu.leaf7[0].ebx &= ~(1u << 7);
	cpu_model_finish(&vm->cpu);
	assert_true(cr4_guest_reserved(v) & CR4_VMXE); /* VMX hidden */
	assert_true(cr4_guest_reserved(v) & CR4_SMEP);
	if (vm->cpu.basic[1].ecx & (1u << 26)) /* XSAVE */
		assert_false(cr4_guest_reserved(v) & CR4_OSXSAVE);

	vm->cpu.leaf7[0].ebx |= 1u << 7;
	cpu_model_finish(&vm->cpu);
	assert_false(cr4_guest_reserved(v) & CR4_SMEP);
}

/* Exactly these, each only with its feature; writes as the rule says. */
static void test_passthrough_is_what_the_model_allows(void **state)
{
	static const struct {
		uint32_t msr;
		bool write;
	} all[] = {
		{MSR_SYSENTER_CS, true},     {MSR_SYSENTER_ESP, true},
		{MSR_SYSENTER_EIP, true},    {MSR_STAR, true},
		{MSR_SFMASK, true},	     {MSR_TSC_AUX, true},
		{MSR_LSTAR, false},	     {MSR_CSTAR, false},
		{MSR_FS_BASE, false},	     {MSR_GS_BASE, false},
		{MSR_KERNEL_GS_BASE, false},
	};
	bool write;

	(void)state;
	vm->cpu.basic[1].edx |= (1u << 4) | (1u << 11); /* TSC, SEP */
	vm->cpu.ext[1].edx |= (1u << 11) | (1u << 27) | (1u << 29); /* LM */
	cpu_model_finish(&vm->cpu);
	assert_int_equal(vm->cpu.passthrough_count, ARRAY_SIZE(all));
	/* The TSC's reads exit: QEMU TCG reads 0 through the MSRPM. */
	assert_false(passes(MSR_TSC, &write));
	for (unsigned int i = 0; i < ARRAY_SIZE(all); i++) {
		assert_true(passes(all[i].msr, &write));
		assert_int_equal(write, all[i].write);
	}

	/* No RDTSCP, no RDPID: TSC_AUX exits, and there is no such MSR. */
	vm->cpu.ext[1].edx &= ~(1u << 27);
	if (vm->cpu.leaf7_count)
		vm->cpu.leaf7[0].ecx &= ~(1u << 22);
	cpu_model_finish(&vm->cpu);
	assert_false(guest_cpuid(0x80000001, 0).edx & (1u << 27));
	assert_false(passes(MSR_TSC_AUX, &write));
	assert_int_equal(vm->cpu.passthrough_count, ARRAY_SIZE(all) - 1);
	assert_false(rdmsr_ok(MSR_TSC_AUX, NULL));
	assert_false(wrmsr_ok(MSR_TSC_AUX, 0));

	/* No SEP: the SYSENTER MSRs exit and #GP. */
	vm->cpu.basic[1].edx &= ~(1u << 11);
	cpu_model_finish(&vm->cpu);
	assert_false(passes(MSR_SYSENTER_CS, &write));
	assert_false(rdmsr_ok(MSR_SYSENTER_CS, NULL));
}

/* The writes that exit are checked: canonical only, 57 bits with LA57. */
static void test_intercepted_writes_are_checked(void **state)
{
	(void)state;
	vm->cpu.ext[1].edx |= 1u << 29;
	cpu_model_finish(&vm->cpu);
	assert_true(wrmsr_ok(MSR_LSTAR, 0xffff800000001000ULL));
	assert_int_equal(stub.state_msr, MSR_LSTAR);
	assert_false(wrmsr_ok(MSR_FS_BASE, 0x0000800000000000ULL));
	assert_false(wrmsr_ok(MSR_KERNEL_GS_BASE, 0x00ff000000000000ULL));
	stub.cr4 = CR4_LA57;
	assert_true(wrmsr_ok(MSR_KERNEL_GS_BASE, 0x00ff000000000000ULL));
	assert_false(wrmsr_ok(MSR_CSTAR, 0x0100000000000000ULL));
}

/*
 * Leaf 1 is the host's but for the bits mhv changes: a feature it does
 * not virtualize is hidden, one it emulates (x2APIC, the TSC-deadline
 * timer) is shown.
 */
static void test_leaf1_is_the_host_minus_what_mhv_hides(void **state)
{
	const uint32_t hidden = CPUID1_ECX_MONITOR | CPUID1_ECX_VMX |
				CPUID1_ECX_SMX | CPUID1_ECX_PDCM |
				CPUID1_ECX_OSXSAVE;
	struct cpuid_regs host = cpuid(1), r;

	(void)state;
	cpu_model_finish(&vm->cpu);
	r = guest_cpuid(1, 0);
	assert_int_equal(r.ecx, (host.ecx & ~hidden) | CPUID1_ECX_HYPERVISOR |
					CPUID1_ECX_X2APIC |
					CPUID1_ECX_TSC_DEADLINE);
	assert_int_equal(r.edx, host.edx);
	assert_int_equal(r.eax, host.eax);
	assert_int_equal(r.ebx & 0xffff, host.ebx & 0xffff);
}

/* CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN (SDM vol. 3, 11.4.3). */
static void test_leaf1_apic_bit_follows_apic_base(void **state)
{
	(void)state;
	cpu_model_finish(&vm->cpu);
	assert_true(guest_cpuid(1, 0).edx & CPUID1_EDX_APIC);
	assert_int_equal(apic_base_write(v, XAPIC_BASE | APIC_BASE_BSP), 0);
	assert_false(guest_cpuid(1, 0).edx & CPUID1_EDX_APIC);
	assert_int_equal(guest_cpuid(1, 0).ebx >> 24, 0); /* APIC ID 0 */
	assert_int_equal(apic_base_write(v, XAPIC_BASE | APIC_BASE_EN), 0);
	assert_true(guest_cpuid(1, 0).edx & CPUID1_EDX_APIC);
}

/* CPUID reads EAX and ECX only, and writes all four 32-bit halves. */
static void test_cpuid_uses_eax_and_zero_extends(void **state)
{
	(void)state;
	cpu_model_finish(&vm->cpu);
	v->gpr[GPR_RAX] = 0xdeadbeef00000000ULL | MHV_CPUID_BASE;
	v->gpr[GPR_RBX] = ~0ULL;
	v->gpr[GPR_RCX] = 0xffffffff00000000ULL;
	v->gpr[GPR_RDX] = ~0ULL;
	exit_cpuid(v);
	assert_int_equal(v->gpr[GPR_RAX], MHV_CPUID_BASE + 1);
	assert_int_equal(v->gpr[GPR_RBX] >> 32, 0);
	assert_int_equal(v->gpr[GPR_RCX] >> 32, 0);
	assert_int_equal(v->gpr[GPR_RDX] >> 32, 0);

	/* The SVM feature leaf, where the table has it: all zeros. */
	if (vm->cpu.max_ext >= 0x8000000a) {
		struct cpuid_regs r = guest_cpuid(0x8000000a, 0);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

/* No rule: #GP, and a faulting RDMSR leaves EDX:EAX alone. */
static void test_unknown_msr_is_gp(void **state)
{
	(void)state;
	cpu_model_finish(&vm->cpu);
	v->gpr[GPR_RAX] = 0x1111;
	v->gpr[GPR_RDX] = 0x2222;
	assert_false(rdmsr_ok(0x12345, NULL));
	assert_int_equal(v->gpr[GPR_RAX], 0x1111);
	assert_int_equal(v->gpr[GPR_RDX], 0x2222);
	assert_false(wrmsr_ok(0x12345, 1));
	assert_false(wrmsr_ok(0x12345, 0));
}

/* The MSR number is ECX: RCX's upper half is not part of it. */
static void test_msr_number_is_ecx(void **state)
{
	(void)state;
	cpu_model_finish(&vm->cpu);
	v->gpr[GPR_RCX] = 0xffffffff00000000ULL | MSR_APIC_BASE;
	assert_true(exit_rdmsr(v));
	assert_int_equal(stub.injected, -1);
	assert_int_equal(v->gpr[GPR_RAX], 0xfee00900);
	assert_int_equal(v->gpr[GPR_RDX], 0);
}

/*
 * IA32_APIC_BASE after reset: the BSP's, enabled, at 0xfee00000. Bit 9
 * is reserved; xAPIC may go to x2APIC, but not straight back.
 */
static void test_apic_base_transitions(void **state)
{
	uint64_t val;

	(void)state;
	cpu_model_finish(&vm->cpu);
	assert_true(rdmsr_ok(MSR_APIC_BASE, &val));
	assert_int_equal(val, 0xfee00900);
	assert_true(wrmsr_ok(MSR_APIC_BASE, 0xfee00900));
	assert_false(wrmsr_ok(MSR_APIC_BASE, 0xfee00b00));
	assert_true(wrmsr_ok(MSR_APIC_BASE, 0xfee00d00));
	assert_true(rdmsr_ok(MSR_APIC_BASE, &val));
	assert_int_equal(val, 0xfee00d00);
	assert_false(wrmsr_ok(MSR_APIC_BASE, 0xfee00900));
	assert_true(rdmsr_ok(MSR_APIC_BASE, &val));
	assert_int_equal(val, 0xfee00d00);
}

/* Locked with VMX off: the guest can neither enable VMX nor unlock it. */
static void test_feature_control_is_locked(void **state)
{
	uint64_t val;

	(void)state;
	cpu_model_finish(&vm->cpu);
	v->gpr[GPR_RDX] = ~0ULL;
	assert_true(rdmsr_ok(MSR_FEATURE_CONTROL, &val));
	assert_int_equal(val, 1);
	assert_int_equal(v->gpr[GPR_RDX], 0);
	assert_false(wrmsr_ok(MSR_FEATURE_CONTROL, 5));
	assert_false(wrmsr_ok(MSR_FEATURE_CONTROL, 1));
}

/*
 * A TSC write is an offset (guest TSC = host TSC + offset), and it moves
 * TSC_ADJUST by the same amount; a TSC_ADJUST write moves the offset by
 * the change written (SDM vol. 3, "Time-Stamp Counter Adjustment").
 */
static void test_tsc_and_tsc_adjust_share_the_offset(void **state)
{
	uint64_t val;

	(void)state;
	if (!vm->cpu.leaf7_count)
		skip();
	vm->cpu.leaf7[0].ebx |= 1u << 1;
	cpu_model_finish(&vm->cpu);

	assert_true(wrmsr_ok(MSR_TSC_ADJUST, 1000));
	assert_int_equal(stub.tsc_offset, 1000);
	assert_true(rdmsr_ok(MSR_TSC_ADJUST, &val));
	assert_int_equal(val, 1000);
	assert_true(wrmsr_ok(MSR_TSC_ADJUST, 400));
	assert_int_equal(stub.tsc_offset, 400);

	/* The guest's TSC restarts near 0: the offset is about -host TSC. */
	assert_true(wrmsr_ok(MSR_TSC, 0));
	assert_true((int64_t)stub.tsc_offset < 0);
	assert_true(rdmsr_ok(MSR_TSC, &val));
	assert_true(val < (1ULL << 62));
	assert_true(rdmsr_ok(MSR_TSC_ADJUST, &val));
	/* It moved by what the offset moved: from 400 with it, to it. */
	assert_int_equal(val, stub.tsc_offset);
}

/*
 * PRED_CMD and FLUSH_CMD: present as CPUID says, bit 0 the command, a
 * write of 0 a valid no-op, every other bit reserved.
 */
static void test_command_msrs(void **state)
{
	(void)state;
	if (!vm->cpu.leaf7_count)
		skip();
	vm->cpu.leaf7[0].edx |= (1u << 26) | (1u << 28); /* IBPB, L1D_FLUSH */
	cpu_model_finish(&vm->cpu);
	assert_true(wrmsr_ok(MSR_PRED_CMD, 0));
	assert_false(wrmsr_ok(MSR_PRED_CMD, 2));
	assert_false(rdmsr_ok(MSR_PRED_CMD, NULL)); /* write-only */
	assert_true(wrmsr_ok(MSR_FLUSH_CMD, 0));
	assert_false(wrmsr_ok(MSR_FLUSH_CMD, 4));
	assert_false(rdmsr_ok(MSR_FLUSH_CMD, NULL));

	vm->cpu.leaf7[0].edx &= ~(1u << 28);
	cpu_model_finish(&vm->cpu);
	assert_false(wrmsr_ok(MSR_FLUSH_CMD, 0));
}

/* MISC_ENABLE is kept per VM; its perf-monitoring bits are read-only. */
static void test_misc_enable(void **state)
{
	uint64_t val;

	(void)state;
	cpu_model_finish(&vm->cpu);
	vm->msr_misc_enable = 0x1881;
	assert_true(rdmsr_ok(MSR_MISC_ENABLE, &val));
	assert_int_equal(val, 0x1881);
	assert_true(wrmsr_ok(MSR_MISC_ENABLE, 0x400c51889ULL)); /* kvm-u-t's */
	assert_true(rdmsr_ok(MSR_MISC_ENABLE, &val));
	assert_int_equal(val, 0x400c51889ULL);
	assert_false(wrmsr_ok(MSR_MISC_ENABLE, 0x1801)); /* clears bit 7 */
	assert_false(wrmsr_ok(MSR_MISC_ENABLE, 0x400c51089ULL)); /* bit 11 */
	assert_true(rdmsr_ok(MSR_MISC_ENABLE, &val));
	assert_int_equal(val, 0x400c51889ULL);
}

/* Every feature hide= knows, present before the model hides them. */
static void show_hideable(struct cpu_model *m)
{
	if (m->leaf7_count < 2)
		m->leaf7_count = 2;
	if (m->max_basic < 7)
		m->max_basic = 7;
	m->basic[1].ecx |= CPUID1_ECX_XSAVE | CPUID1_ECX_AVX | CPUID1_ECX_FMA |
			   CPUID1_ECX_PCID | CPUID1_ECX_X2APIC |
			   CPUID1_ECX_TSC_DEADLINE;
	m->ext[1].edx |= CPUID80000001_EDX_RDTSCP;
	m->leaf7[0].ebx |= CPUID7_EBX_INVPCID | CPUID7_EBX_SMEP |
			   CPUID7_EBX_SMAP | CPUID7_EBX_FSGSBASE | BIT(5);
	m->leaf7[0].ecx |= CPUID7_ECX_UMIP | CPUID7_ECX_PKU | CPUID7_ECX_RDPID;
	m->leaf7[1].eax |= CPUID7_1_EAX_XSAVE_FEATURES;
}

/* hide=: the bits go, and the facts, CR4 and the MSRs follow them. */
static void test_hide_takes_features_away(void **state)
{
	struct cpuid_regs r;
	uint64_t val;

	(void)state;
	show_hideable(&vm->cpu);
	cpu_model_hide(&vm->cpu, 0);
	cpu_model_finish(&vm->cpu);
	assert_true(cpu_model_has(&vm->cpu, CPU_FACT(RDTSCP)));
	assert_true(cpu_model_has(&vm->cpu, CPU_FACT(INVPCID)));
	assert_true(cpu_model_has(&vm->cpu, CPU_FACT(X2APIC)));
	assert_false(vm->cpu.cr4_reserved & (CR4_OSXSAVE | CR4_PCIDE));

	cpu_model_from_host(&vm->cpu, CPU_VENDOR_INTEL);
	show_hideable(&vm->cpu);
	cpu_model_hide(&vm->cpu, HIDE(RDTSCP) | HIDE(INVPCID) | HIDE(XSAVE) |
					 HIDE(PCID) | HIDE(X2APIC) |
					 HIDE(TSC_DEADLINE) | HIDE(SMEP) |
					 HIDE(SMAP) | HIDE(FSGSBASE) |
					 HIDE(UMIP) | HIDE(PKU));
	cpu_model_finish(&vm->cpu);
	r = guest_cpuid(1, 0);
	assert_int_equal(r.ecx & (CPUID1_ECX_XSAVE | CPUID1_ECX_AVX |
				  CPUID1_ECX_FMA | CPUID1_ECX_PCID |
				  CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE),
			 0);
	r = guest_cpuid(7, 0);
	assert_int_equal(r.ebx & (CPUID7_EBX_INVPCID | CPUID7_EBX_SMEP |
				  CPUID7_EBX_SMAP | CPUID7_EBX_FSGSBASE |
				  BIT(5)),
			 0);
	/* Intel: one VMX control gates RDTSCP and RDPID, both go. */
	assert_int_equal(
		r.ecx & (CPUID7_ECX_UMIP | CPUID7_ECX_PKU | CPUID7_ECX_RDPID),
		0);
	assert_int_equal(guest_cpuid(7, 1).eax & CPUID7_1_EAX_XSAVE_FEATURES,
			 0);
	assert_false(guest_cpuid(0x80000001, 0).edx & CPUID80000001_EDX_RDTSCP);
	r = guest_cpuid(0xd, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	assert_false(cpu_model_has(&vm->cpu, CPU_FACT(RDTSCP)));
	assert_false(cpu_model_has(&vm->cpu, CPU_FACT(TSC_AUX)));
	assert_false(cpu_model_has(&vm->cpu, CPU_FACT(INVPCID)));
	assert_false(cpu_model_has(&vm->cpu, CPU_FACT(X2APIC)));
	assert_false(cpu_model_has(&vm->cpu, CPU_FACT(TSC_DEADLINE)));
	assert_int_equal(vm->cpu.cr4_reserved &
				 (CR4_OSXSAVE | CR4_PCIDE | CR4_SMEP |
				  CR4_SMAP | CR4_FSGSBASE | CR4_UMIP | CR4_PKE),
			 CR4_OSXSAVE | CR4_PCIDE | CR4_SMEP | CR4_SMAP |
				 CR4_FSGSBASE | CR4_UMIP | CR4_PKE);
	assert_false(rdmsr_ok(MSR_TSC_AUX, &val));
	assert_false(rdmsr_ok(MSR_TSC_DEADLINE, &val));
}

/* On AMD RDTSCP is intercepted alone: RDPID stays. */
static void test_hide_rdtscp_on_amd_keeps_rdpid(void **state)
{
	(void)state;
	cpu_model_from_host(&vm->cpu, CPU_VENDOR_AMD);
	show_hideable(&vm->cpu);
	cpu_model_hide(&vm->cpu, HIDE(RDTSCP));
	cpu_model_finish(&vm->cpu);
	assert_false(cpu_model_has(&vm->cpu, CPU_FACT(RDTSCP)));
	assert_true(cpu_model_has(&vm->cpu, CPU_FACT(TSC_AUX)));
	assert_true(vm->cpu.leaf7[0].ecx & CPUID7_ECX_RDPID);
}

/* SKINIT and RDPRU are #UD under mhv: never in CPUID, hide= or not. */
static void test_skinit_rdpru_never_shown(void **state)
{
	(void)state;
	cpu_model_from_host(&vm->cpu, CPU_VENDOR_AMD);
	cpu_model_finish(&vm->cpu);
	if (vm->cpu.max_ext >= 0x80000001)
		assert_false(guest_cpuid(0x80000001, 0).ecx &
			     CPUID80000001_ECX_SKINIT);
	if (vm->cpu.max_ext >= 0x80000008)
		assert_false(guest_cpuid(0x80000008, 0).ebx &
			     CPUID80000008_EBX_RDPRU);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hypervisor_bit_and_mhv_leaves),
		T(test_topology_follows_cpus),
		T(test_osxsave_follows_cr4),
		T(test_x2apic_hidden_means_gp),
		T(test_x2apic_shown_works),
		T(test_tsc_adjust_follows_cpuid),
		T(test_spec_ctrl_follows_cpuid),
		T(test_vendor_msrs),
		T(test_cr4_reserved_follows_cpuid),
		T(test_passthrough_is_what_the_model_allows),
		T(test_intercepted_writes_are_checked),
		T(test_leaf1_is_the_host_minus_what_mhv_hides),
		T(test_leaf1_apic_bit_follows_apic_base),
		T(test_cpuid_uses_eax_and_zero_extends),
		T(test_unknown_msr_is_gp),
		T(test_msr_number_is_ecx),
		T(test_apic_base_transitions),
		T(test_feature_control_is_locked),
		T(test_tsc_and_tsc_adjust_share_the_offset),
		T(test_command_msrs),
		T(test_misc_enable),
		T(test_hide_takes_features_away),
		T(test_hide_rdtscp_on_amd_keeps_rdpid),
		T(test_skinit_rdpru_never_shown),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
