// SPDX-License-Identifier: MIT
/*
 * Nested SVM (svm/svm_nested.c) against VMCBs in ordinary memory: L1's
 * VMRUN, VMLOAD/VMSAVE, STGI/CLGI and MSRs through the real exit table,
 * and L2's exits through svm_nested_dispatch() as svm_run() calls it.
 * L1's VMCB (vmcb12) and its permission maps are in guest RAM, as on the
 * real path; only VMRUN itself is missing. L1 and L2 run 32-bit protected
 * mode without paging, so every RIP is a guest-physical address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/host/apic.h"
#include "core/host/cpu_probe.h"
#include "core/exit/exits.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/fake_host_irq.h"
#include "tests/unit/fake_memory.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/svm_hosted_backend.h"

struct cpu_info boot_cpu;
const struct vm_backend *vm_backend;

#define RAM_SIZE MiB(4)
#define L1_RIP 0x1000ULL
#define L2_RIP 0x2000ULL
#define VMCB12_GPA 0x10000ULL
#define IOPM_GPA 0x20000ULL  /* 12 KiB */
#define MSRPM_GPA 0x30000ULL /* 8 KiB */
#define L1_RAX 0x1234abcdULL
#define L2_RAX 0x5678ULL

#define EVENT_UD 0x80000306ULL /* valid | exception | vector 6 */
#define EVENT_GP0 0x80000b0dULL

static struct vm *vm;
static struct vcpu *v;
static struct svm_vcpu svm;
static struct vmcb *vmcb01, *vmcb02, *vmcb12;
static uint8_t *msrpm_all;

static void set_pm32(struct vmcb_save *g, uint64_t rip)
{
	g->cs = (struct vmcb_seg){
		.selector = 0x08, .attrib = 0xc9b, .limit = 0xffffffff};
	g->ds = g->es = g->ss = (struct vmcb_seg){
		.selector = 0x10, .attrib = 0xc93, .limit = 0xffffffff};
	g->efer = EFER_SVME;
	g->cr0 = CR0_PE | CR0_ET;
	g->rflags = 0x2;
	g->rip = rip;
	g->g_pat = PAT_RESET;
}

static struct vmcb *alloc_vmcb(void)
{
	struct vmcb *p = aligned_alloc(4096, sizeof(*p));

	assert_non_null(p);
	memset(p, 0, sizeof(*p));
	return p;
}

static void plant(uint64_t gpa, const char *bytes, size_t n)
{
	memcpy(vm->ram + gpa, bytes, n);
}

/* L2's VMCB as a minimal L1 writes it: VMRUN and VMMCALL intercepted. */
static void write_vmcb12(void)
{
	memset(vmcb12, 0, sizeof(*vmcb12));
	set_pm32(&vmcb12->save, L2_RIP);
	vmcb12->save.rax = L2_RAX;
	vmcb12->control.guest_asid = 1;
	vmcb12->control.intercept_misc2 =
		SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL;
	vmcb12->control.iopm_base_pa = IOPM_GPA;
	vmcb12->control.msrpm_base_pa = MSRPM_GPA;
	vmcb12->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
}

static int setup(void **state)
{
	(void)state;
	vm = calloc(1, sizeof(*vm));
	assert_non_null(vm);
	snprintf(vm->opt.name, sizeof(vm->opt.name), "l1");
	vm->opt.mem_bytes = RAM_SIZE;
	vm->opt.nested = true;
	/* Page-aligned: the shadow of L1's NPT maps its pages. */
	guest_ram_attach_flat(vm, aligned_alloc(PAGE_SIZE, RAM_SIZE), RAM_SIZE);
	memset(vm->ram, 0, RAM_SIZE);
	boot_cpu = (struct cpu_info){.vendor = CPU_VENDOR_AMD};
	cpu_model_init(&vm->cpu, boot_cpu.vendor);
	vm->cpu.max_ext = 0x8000000a; /* the host's may be Intel's */
	vm->cpu.ext[8].eax = 40;      /* MAXPHYADDR */
	cpu_model_set_nested_svm(&vm->cpu, true);
	vm_backend = &svm_hosted_backend;

	vmcb01 = alloc_vmcb();
	vmcb02 = alloc_vmcb();
	msrpm_all = malloc(8192);
	memset(msrpm_all, 0xff, 8192);
	svm_msrpm_all_pa = (uint64_t)msrpm_all;
	svm = (struct svm_vcpu){.vmcb = vmcb01,
				.vmcb01 = vmcb01,
				.vmcb_pa = 0x111000,
				.vmcb01_pa = 0x111000,
				.nested.vmcb02 = vmcb02,
				.nested.vmcb02_pa = 0x222000};
	svm_insn_memo_clear(&svm);
	v = &vm->vcpus[0];
	v->vm = vm;
	vm->nr_vcpus = 1;
	v->arch = &svm;
	devices_init(vm);
	set_pm32(&vmcb01->save, L1_RIP);
	vmcb01->control.iopm_base_pa = 0x333000;
	vmcb01->control.n_cr3 = 0x444000;
	vmcb01->control.tsc_offset = 100;
	vmcb12 = (struct vmcb *)(vm->ram + VMCB12_GPA);
	write_vmcb12();
	svm_has_nrip_save = false;
	fake_serial_clear();
	fake_host_irq_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vmcb01);
	free(vmcb02);
	free(msrpm_all);
	free(vm->ram);
	free(vm);
	return 0;
}

/* An L1 exit through the real table, the instruction's bytes at RIP. */
static void l1_exit(uint64_t code, const char *bytes, size_t n)
{
	plant(vmcb01->save.rip, bytes, n);
	vmcb01->control.exit_code = code;
	vmcb01->control.event_inj = 0;
	svm_handle_exit(v);
}

static void l1_vmrun(void)
{
	v->gpr[GPR_RAX] = VMCB12_GPA;
	l1_exit(SVM_EXIT_VMRUN, "\x0f\x01\xd8", 3);
}

static void set_l1_svme(void)
{
	assert_int_equal(svm_write_state_msr(v, MSR_EFER, EFER_SVME), 0);
}

/* An L2 exit as svm_run() hands it over: svm_nested_dispatch. */
static void l2_exit(uint64_t code, uint64_t info1, uint64_t info2,
		    const char *bytes, size_t n)
{
	if (n)
		plant(vmcb02->save.rip, bytes, n);
	vmcb02->control.exit_code = code;
	vmcb02->control.exit_info1 = info1;
	vmcb02->control.exit_info2 = info2;
	/* As svm_run after the CPU ran L2: TLB control used, events in. */
	vmcb02->control.tlb_control = 0;
	vmcb02->control.event_inj = 0;
	svm_nested_dispatch(v, vmcb02);
}

static void enter_l2(void)
{
	set_l1_svme();
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
	assert_ptr_equal(svm.vmcb, vmcb02);
}

/* --- L1's view of SVM ---------------------------------------------------- */

static void test_cpuid_shows_svm(void **state)
{
	(void)state;
	assert_true(vm->cpu.ext[1].ecx & CPUID80000001_ECX_SVM);
	assert_int_equal(vm->cpu.ext[0xa].eax, 1);
	assert_true(vm->cpu.ext[0xa].ebx >= 1);
	assert_true(vm->cpu.ext[0xa].edx & CPUID8000000A_EDX_NRIPS);
	assert_true(vm->cpu.ext[0xa].edx & CPUID8000000A_EDX_NP);
	assert_true(cpu_model_has(&vm->cpu, CPU_FACT(SVM)));
}

static void test_efer_svme_is_l1s(void **state)
{
	uint64_t efer;

	(void)state;
	assert_int_equal(svm_read_state_msr(v, MSR_EFER, &efer), 0);
	assert_false(efer & EFER_SVME);
	set_l1_svme();
	assert_int_equal(svm_read_state_msr(v, MSR_EFER, &efer), 0);
	assert_true(efer & EFER_SVME);
	/* The VMCB keeps SVME whatever L1 writes: VMRUN needs it. */
	assert_int_equal(svm_write_state_msr(v, MSR_EFER, 0), 0);
	assert_true(vmcb01->save.efer & EFER_SVME);
	assert_int_equal(svm_read_state_msr(v, MSR_EFER, &efer), 0);
	assert_false(efer & EFER_SVME);
}

static void test_vm_cr_svmdis(void **state)
{
	uint64_t val;

	(void)state;
	assert_int_equal(svm_read_state_msr(v, MSR_VM_CR, &val), 0);
	assert_int_equal(val, 0);
	assert_int_not_equal(svm_write_state_msr(v, MSR_VM_CR, 1ULL << 5), 0);
	/* SVMDIS with SVME on: #GP. */
	set_l1_svme();
	assert_int_not_equal(svm_write_state_msr(v, MSR_VM_CR, VM_CR_SVMDIS),
			     0);
	assert_int_equal(svm_write_state_msr(v, MSR_EFER, 0), 0);
	assert_int_equal(svm_write_state_msr(v, MSR_VM_CR, VM_CR_SVMDIS), 0);
	/* Now SVME may not be set, and SVMDIS stays. */
	assert_int_not_equal(svm_write_state_msr(v, MSR_EFER, EFER_SVME), 0);
	assert_int_equal(svm_write_state_msr(v, MSR_VM_CR, 0), 0);
	assert_int_equal(svm_read_state_msr(v, MSR_VM_CR, &val), 0);
	assert_int_equal(val, VM_CR_SVMDIS);
}

static void test_hsave_pa(void **state)
{
	uint64_t val;

	(void)state;
	assert_int_equal(svm_write_state_msr(v, MSR_VM_HSAVE_PA, 0x5000), 0);
	assert_int_equal(svm_read_state_msr(v, MSR_VM_HSAVE_PA, &val), 0);
	assert_int_equal(val, 0x5000);
	assert_int_not_equal(svm_write_state_msr(v, MSR_VM_HSAVE_PA, 0x5008),
			     0);
	assert_int_not_equal(
		svm_write_state_msr(v, MSR_VM_HSAVE_PA, 1ULL << 40), 0);
}

/* --- VMRUN --------------------------------------------------------------- */

static void test_vmrun_without_svme_is_ud(void **state)
{
	(void)state;
	l1_vmrun();
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb01->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb01->save.rip, L1_RIP);
}

static void test_vmrun_cpl3_is_gp(void **state)
{
	(void)state;
	set_l1_svme();
	vmcb01->save.cpl = 3;
	l1_vmrun();
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb01->control.event_inj, EVENT_GP0);
}

static void test_vmrun_bad_address_is_gp(void **state)
{
	static const uint64_t bad[] = {VMCB12_GPA + 8, RAM_SIZE, 0xfffff000};

	(void)state;
	set_l1_svme();
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		v->gpr[GPR_RAX] = bad[i];
		vmcb01->save.rip = L1_RIP;
		l1_exit(SVM_EXIT_VMRUN, "\x0f\x01\xd8", 3);
		assert_false(svm.nested.guest_mode);
		assert_int_equal(vmcb01->control.event_inj, EVENT_GP0);
		assert_int_equal(vmcb01->save.rip, L1_RIP);
	}
}

static void test_vmrun_enters_l2(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = 1u << 14;
	vmcb12->control.tsc_offset = 5;
	vmcb12->control.event_inj = EVENT_GP0;
	enter_l2();
	/* L2's state, L1's RAX kept for the #VMEXIT, L2's in the GPRs. */
	assert_int_equal(vmcb02->save.rip, L2_RIP);
	assert_int_equal(v->gpr[GPR_RAX], L2_RAX);
	assert_int_equal(vmcb01->save.rax, VMCB12_GPA);
	assert_int_equal(vmcb01->save.rip, L1_RIP + 3);
	/* mhv's intercepts and L1's together; L2's own ASID; mhv's NPT. */
	assert_true(vmcb02->control.intercept_misc1 & SVM_INTERCEPT1_CPUID);
	assert_true(vmcb02->control.intercept_misc1 & (1u << 14));
	assert_true(vmcb02->control.intercept_misc2 & SVM_INTERCEPT2_VMMCALL);
	assert_int_equal(vmcb02->control.guest_asid, 2);
	assert_int_equal(vmcb02->control.n_cr3, 0x444000);
	assert_int_equal(vmcb02->control.np_control, SVM_NP_ENABLE);
	assert_int_equal(vmcb02->control.tsc_offset, 105);
	assert_int_equal(vmcb02->control.event_inj, EVENT_GP0);
	assert_int_equal(vmcb02->control.tlb_control, SVM_TLB_FLUSH_ALL);
	assert_int_equal(vmcb02->control.msrpm_base_pa, (uint64_t)msrpm_all);
	assert_true(vmcb02->control.int_ctl & SVM_INT_CTL_V_INTR_MASKING);
	assert_false(svm.nested.gif_clear);
}

/* Each: VMEXIT_INVALID in vmcb12, L1 after its VMRUN, no L2. */
static void expect_invalid(void)
{
	set_l1_svme();
	l1_vmrun();
	assert_false(svm.nested.guest_mode);
	assert_ptr_equal(svm.vmcb, vmcb01);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_INVALID);
	assert_int_equal(vmcb01->save.rip, L1_RIP + 3);
	assert_int_equal(vmcb01->control.event_inj, 0);
}

static void test_vmrun_checks(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc2 = SVM_INTERCEPT2_VMMCALL;
	expect_invalid();

	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->control.guest_asid = 0;
	expect_invalid();

	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->save.efer = 0;
	expect_invalid();

	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->save.cr0 |= CR0_NW;
	expect_invalid();

	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->save.cr0 |= 1ULL << 32;
	expect_invalid();

	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->save.dr7 = 1ULL << 40;
	expect_invalid();

	/* Long mode paging without PAE. */
	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->save.efer |= EFER_LME;
	vmcb12->save.cr0 |= CR0_PG;
	expect_invalid();

	/* EVENTINJ: reserved type 1, an "exception" NMI. */
	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->control.event_inj = SVM_EVENT_VALID | (1ULL << 8) | 32;
	expect_invalid();
	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->control.event_inj =
		SVM_EVENT_VALID | SVM_EVENT_TYPE_EXCEPTION | VEC_NMI;
	expect_invalid();

	/* A CR4 bit the guest's CPUID does not have (VMXE, say). */
	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->save.cr4 = CR4_VMXE;
	expect_invalid();
}

/* PAE outside long mode: VMRUN loads the PDPTEs and checks them. */
static void test_vmrun_checks_pdptes(void **state)
{
	uint64_t *pdpte = (uint64_t *)(vm->ram + 0x40000);

	(void)state;
	vmcb12->save.cr0 |= CR0_PG;
	vmcb12->save.cr4 = CR4_PAE;
	vmcb12->save.cr3 = 0x40000;
	pdpte[1] = 0x41000 | 1 | (1ULL << 45); /* above MAXPHYADDR (40) */
	expect_invalid();

	vmcb01->save.rip = L1_RIP;
	pdpte[1] = 0x41000 | (1ULL << 45);    /* not present: not checked */
	pdpte[2] = 0x42000 | 1 | (1ULL << 5); /* accessed, set by AMD CPUs */
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
}

/* A permission map reaching MAXPHYADDR (40 bits here) is refused. */
static void test_vmrun_checks_map_addresses(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_MSR;
	vmcb12->control.msrpm_base_pa = (1ULL << 40) - 2 * 4096;
	expect_invalid();

	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_IOIO;
	vmcb12->control.iopm_base_pa = (1ULL << 40) - 2 * 4096;
	expect_invalid();

	/* Three pages below: its two pages and a byte fit. */
	write_vmcb12();
	vmcb01->save.rip = L1_RIP;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_IOIO;
	vmcb12->control.iopm_base_pa = (1ULL << 40) - 3 * 4096 + 0xffe;
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
}

/* --- L2's exits ---------------------------------------------------------- */

static void test_l2_vmmcall_intercepted_goes_to_l1(void **state)
{
	(void)state;
	enter_l2();
	v->gpr[GPR_RAX] = 77; /* L2's RAX at the exit */
	l2_exit(SVM_EXIT_VMMCALL, 0, 0, "\x0f\x01\xd9", 3);
	assert_false(svm.nested.guest_mode);
	assert_ptr_equal(svm.vmcb, vmcb01);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_VMMCALL);
	assert_int_equal(vmcb12->save.rip, L2_RIP);
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 3);
	assert_int_equal(vmcb12->save.rax, 77);
	assert_int_equal(vmcb12->control.exit_int_info, 0);
	/* L1 after its VMRUN, its RAX back, GIF clear. */
	assert_int_equal(vmcb01->save.rip, L1_RIP + 3);
	assert_int_equal(v->gpr[GPR_RAX], VMCB12_GPA);
	assert_true(svm.nested.gif_clear);
	assert_int_equal(vmcb01->control.event_inj, 0);
}

static void test_l2_vmmcall_not_intercepted_is_ud_in_l2(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc2 = SVM_INTERCEPT2_VMRUN;
	vmcb12->control.exit_code = 0x55; /* untouched unless L1 sees an exit */
	enter_l2();
	l2_exit(SVM_EXIT_VMMCALL, 0, 0, "\x0f\x01\xd9", 3);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb02->save.rip, L2_RIP);
	assert_int_equal(vmcb12->control.exit_code, 0x55);
	assert_false(vm->ended);
}

/* With L1's #UD intercept, that #UD is L1's exit (0x46), not VMMCALL's. */
static void test_l2_vmmcall_not_intercepted_ud_to_l1(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc2 = SVM_INTERCEPT2_VMRUN;
	vmcb12->control.intercept_exceptions = 1u << VEC_UD;
	enter_l2();
	l2_exit(SVM_EXIT_VMMCALL, 0, 0, "\x0f\x01\xd9", 3);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code,
			 SVM_EXIT_EXCP_BASE + VEC_UD);
	assert_int_equal(vmcb12->save.rip, L2_RIP);
	assert_int_equal(vmcb12->control.event_inj, 0);
}

/*
 * What L1's CPUID lacks is #UD in L2 even where L1 intercepts it
 * (kvm-unit-tests' svm_unsupported_instruction_intercept_test): RDTSCP
 * hidden (vmcb01 intercepts it, as svm_vcpu_create() does for
 * hide=rdtscp), SKINIT and RDPRU never offered.
 */
static void test_l2_hidden_insn_is_ud_whatever_l1_intercepts(void **state)
{
	(void)state;
	vmcb01->control.intercept_misc2 |= SVM_INTERCEPT2_RDTSCP;
	vmcb12->control.intercept_misc2 = SVM_INTERCEPT2_VMRUN |
					  SVM_INTERCEPT2_RDTSCP |
					  SVM_INTERCEPT2_SKINIT;
	vmcb12->control.exit_code = 0x55;
	enter_l2();
	assert_true(vmcb02->control.intercept_misc2 & SVM_INTERCEPT2_RDTSCP);
	l2_exit(SVM_EXIT_RDTSCP, 0, 0, "\x0f\x01\xf9", 3);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb02->save.rip, L2_RIP);
	l2_exit(SVM_EXIT_SKINIT, 0, 0, "\x0f\x01\xde", 3);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb12->control.exit_code, 0x55);
	/* L1's #UD intercept: the #UD is its exit. */
	svm.nested.l1.intercept_exceptions |= 1u << VEC_UD;
	l2_exit(SVM_EXIT_RDPRU, 0, 0, "\x0f\x01\xfd", 3);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code,
			 SVM_EXIT_EXCP_BASE + VEC_UD);
	assert_int_equal(vmcb12->save.rip, L2_RIP);
	/* L1's own intercept bits stay as L1 wrote them. */
	assert_true(vmcb12->control.intercept_misc2 & SVM_INTERCEPT2_RDTSCP);
}

/* Shown in CPUID: L1's RDTSCP intercept is L1's. */
static void test_l2_rdtscp_shown_is_l1s(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc2 =
		SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_RDTSCP;
	enter_l2();
	l2_exit(SVM_EXIT_RDTSCP, 0, 0, "\x0f\x01\xf9", 3);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_RDTSCP);
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 3);
}

/*
 * L1's PAUSE filter on a CPU that has none (QEMU TCG): mhv lets count-1
 * PAUSEs go, the count-th exits to L1 at the PAUSE; VMRUN reloads it.
 */
static void test_l2_pause_filter_counted_by_mhv(void **state)
{
	(void)state;
	assert_true(vm->cpu.ext[0xa].edx & CPUID8000000A_EDX_PAUSE_FILTER);
	svm_has_pause_filter = false;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_PAUSE;
	vmcb12->control.pause_filter_count = 3;
	vmcb12->control.pause_filter_threshold = 500; /* not offered */
	enter_l2();
	assert_int_equal(vmcb02->control.pause_filter_threshold, 0);
	for (int i = 0; i < 2; i++) {
		l2_exit(SVM_EXIT_PAUSE, 0, 0, "\xf3\x90", 2);
		assert_true(svm.nested.guest_mode);
		assert_int_equal(vmcb02->save.rip, L2_RIP + 2);
		vmcb02->save.rip = L2_RIP; /* the guest's loop */
	}
	l2_exit(SVM_EXIT_PAUSE, 0, 0, "\xf3\x90", 2);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_PAUSE);
	assert_int_equal(vmcb12->save.rip, L2_RIP);
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 2);
	/* A new VMRUN, count 0: the first PAUSE exits. */
	vmcb12->control.pause_filter_count = 0;
	vmcb12->save.rip = L2_RIP;
	vmcb01->save.rip = L1_RIP;
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
	l2_exit(SVM_EXIT_PAUSE, 0, 0, "\xf3\x90", 2);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_PAUSE);
}

/* A CPU with the filter counts itself: its PAUSE exit is L1's at once. */
static void test_l2_pause_filter_counted_by_cpu(void **state)
{
	(void)state;
	svm_has_pause_filter = true;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_PAUSE;
	vmcb12->control.pause_filter_count = 3;
	enter_l2();
	assert_int_equal(vmcb02->control.pause_filter_count, 3);
	l2_exit(SVM_EXIT_PAUSE, 0, 0, "\xf3\x90", 2);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_PAUSE);
	svm_has_pause_filter = false;
}

/*
 * L1's #BP intercept: mhv takes INTn in L2 (QEMU TCG checks no exception
 * intercept for INT3), INT3 is L1's #BP exit, INT n goes on into L2 as a
 * software interrupt after the instruction, L1's INTn intercept honoured.
 */
static void test_l2_int3_with_l1s_bp_intercept(void **state)
{
	(void)state;
	vmcb12->control.intercept_exceptions = 1u << VEC_BP;
	enter_l2();
	assert_true(vmcb02->control.intercept_misc1 & SVM_INTERCEPT1_INTN);
	l2_exit(SVM_EXIT_SWINT, 0, 0, "\xcd\x20", 2);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->save.rip, L2_RIP + 2);
	assert_int_equal(vmcb02->control.next_rip, L2_RIP + 2);
	assert_int_equal(vmcb02->control.event_inj,
			 SVM_EVENT_VALID | SVM_EVENT_TYPE_SOFT_INT | 0x20);
	vmcb02->save.rip = L2_RIP;
	l2_exit(SVM_EXIT_SWINT, 0, 0, "\xcc", 1);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code,
			 SVM_EXIT_EXCP_BASE + VEC_BP);
	assert_int_equal(vmcb12->save.rip, L2_RIP);
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 1);
}

/* L1's INTn intercept alone: INT n is its exit, INT3 stays L2's. */
static void test_l2_intn_with_l1s_intn_intercept(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_INTN;
	enter_l2();
	l2_exit(SVM_EXIT_SWINT, 0, 0, "\xcc", 1);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.event_inj,
			 SVM_EVENT_VALID | SVM_EVENT_TYPE_SOFT_INT | VEC_BP);
	assert_int_equal(vmcb02->save.rip, L2_RIP + 1);
	vmcb02->save.rip = L2_RIP;
	vmcb02->control.event_inj = 0;
	l2_exit(SVM_EXIT_SWINT, 0, 0, "\x66\xcd\x80", 3);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_SWINT);
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 3);
	/* Without L1's intercepts mhv does not take INTn at all. */
	vmcb12->control.intercept_misc1 = 0;
	vmcb12->save.rip = L2_RIP;
	vmcb01->save.rip = L1_RIP;
	l1_vmrun();
	assert_false(vmcb02->control.intercept_misc1 & SVM_INTERCEPT1_INTN);
}

/* Unintercepted, VMLOAD works on L2's state, rAX L1-physical. */
static void test_l2_vmload_not_intercepted(void **state)
{
	struct vmcb *other = (struct vmcb *)(vm->ram + 0x50000);

	(void)state;
	enter_l2();
	other->save.fs.base = 0xf5f5;
	v->gpr[GPR_RAX] = 0x50000;
	l2_exit(SVM_EXIT_VMLOAD, 0, 0, "\x0f\x01\xda", 3);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->save.fs.base, 0xf5f5);
	assert_int_equal(vmcb02->save.rip, L2_RIP + 3);
	assert_int_not_equal(vmcb01->save.fs.base, 0xf5f5);
	/* Unaligned: #GP in L2. */
	v->gpr[GPR_RAX] = 0x50008;
	l2_exit(SVM_EXIT_VMLOAD, 0, 0, "\x0f\x01\xda", 3);
	assert_int_equal(vmcb02->control.event_inj, EVENT_GP0);
}

/*
 * L2's INVLPGA, not intercepted by L1: mhv's, and L2 goes on at once with
 * no VMRUN between, so the flush must be on vmcb02 now (issue #16's
 * fuzzer found it waiting for L1's next VMRUN).
 */
static void test_l2_invlpga_not_intercepted_flushes(void **state)
{
	(void)state;
	enter_l2();
	vmcb02->control.tlb_control = 0; /* the CPU ran L2 (svm_run) */
	l2_exit(SVM_EXIT_INVLPGA, 0, 0, "\x0f\x01\xdf", 3);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->save.rip, L2_RIP + 3);
	assert_int_equal(vmcb02->control.event_inj, 0);
	assert_int_equal(vmcb02->control.tlb_control, SVM_TLB_FLUSH_ALL);
}

static void test_l2_cpuid_by_l1s_intercept(void **state)
{
	(void)state;
	enter_l2();
	/* Not intercepted by L1: mhv answers in L2, RIP moves on. */
	v->gpr[GPR_RAX] = 0x80000001;
	v->gpr[GPR_RCX] = 0;
	l2_exit(SVM_EXIT_CPUID, 0, 0, "\x0f\xa2", 2);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->save.rip, L2_RIP + 2);
	assert_true(v->gpr[GPR_RCX] & CPUID80000001_ECX_SVM);
	/* Intercepted: L1 sees it, with NRIP. */
	svm.nested.l1.intercept_misc1 |= SVM_INTERCEPT1_CPUID;
	l2_exit(SVM_EXIT_CPUID, 0, 0, "\x0f\xa2", 2);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_CPUID);
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 4);
}

static uint64_t ioio_info(uint16_t port, unsigned int size, bool in)
{
	return (uint64_t)port << SVM_IOIO_PORT_SHIFT |
	       (uint64_t)size << SVM_IOIO_SIZE_SHIFT | (in ? SVM_IOIO_IN : 0);
}

static void test_l2_io_by_l1s_iopm(void **state)
{
	uint8_t *iopm = vm->ram + IOPM_GPA;

	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_IOIO;
	iopm[0x80 / 8] = 1u << (0x80 % 8); /* port 0x80 only */
	enter_l2();
	/* Port 0x21, bit clear: mhv's 8259 answers L2. */
	v->gpr[GPR_RAX] = 0x5a;
	l2_exit(SVM_EXIT_IOIO, ioio_info(0x21, 1, false), L2_RIP + 2, "", 0);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->save.rip, L2_RIP + 2);
	/* A word at 0x7f covers 0x80: L1's. */
	l2_exit(SVM_EXIT_IOIO, ioio_info(0x7f, 2, true), L2_RIP + 4, "", 0);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_IOIO);
	assert_int_equal(vmcb12->control.exit_info1, ioio_info(0x7f, 2, true));
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 4);
	assert_int_equal(vmcb12->save.rip, L2_RIP + 2);
}

static void test_l2_msr_by_l1s_msrpm(void **state)
{
	uint8_t *msrpm = vm->ram + MSRPM_GPA;

	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_MSR;
	/* 0xc0000100 (FS_BASE) reads: range 1, bit 0x100 * 2. */
	msrpm[0x800 + 0x200 / 8] = 1;
	enter_l2();
	v->gpr[GPR_RCX] = MSR_KERNEL_GS_BASE;
	l2_exit(SVM_EXIT_MSR, 0, 0, "\x0f\x32", 2);
	assert_true(svm.nested.guest_mode);
	v->gpr[GPR_RCX] = MSR_FS_BASE;
	l2_exit(SVM_EXIT_MSR, 0, 0, "\x0f\x32", 2);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_MSR);
	assert_int_equal(vmcb12->control.exit_info1, 0);
	assert_int_equal(vmcb12->control.next_rip, L2_RIP + 4);
}

static void test_l2_exit_keeps_cut_short_event(void **state)
{
	(void)state;
	vmcb12->control.intercept_exceptions = 1u << VEC_PF;
	enter_l2();
	plant(L2_RIP, "\x90", 1);
	vmcb02->control.exit_code = SVM_EXIT_EXCP_BASE + VEC_PF;
	vmcb02->control.exit_info1 = 2;
	vmcb02->control.exit_info2 = 0xdead000;
	/* svm_run put the event the exit interrupted back in EVENTINJ. */
	vmcb02->control.event_inj = EVENT_GP0;
	svm_nested_dispatch(v, vmcb02);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_EXCP_BASE + 14);
	assert_int_equal(vmcb12->control.exit_info1, 2);
	assert_int_equal(vmcb12->control.exit_info2, 0xdead000);
	assert_int_equal(vmcb12->control.exit_int_info, EVENT_GP0);
	assert_int_equal(vmcb12->control.next_rip, 0);
}

static void test_l2_host_interrupt_is_mhvs(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_INTR;
	enter_l2();
	l2_exit(SVM_EXIT_INTR, 0, 0, "", 0);
	assert_true(svm.nested.guest_mode);
	assert_false(vm->ended);
}

/* --- L1's interrupts and GIF --------------------------------------------- */

/* L1's LAPIC software-enabled, `vector` pending, its budget far away. */
static void raise_l1_irq(uint8_t vector)
{
	fake_now = 1000000;
	vm->deadline_tsc = fake_now + 1000000000;
	xapic_write(v, APIC_SPIV, 0x1ff);
	lapic_deliver(v, APIC_DM_FIXED, vector, false);
	assert_true(v->events);
}

static void test_l1_interrupt_exits_l2(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_INTR;
	vmcb01->save.rflags |= RFLAGS_IF;
	enter_l2();
	raise_l1_irq(0x40);
	svm_events(v, vmcb02);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_INTR);
	/* GIF is clear after the #VMEXIT: nothing injected into L1 yet. */
	assert_int_equal(vmcb01->control.event_inj, 0);
	l1_exit(SVM_EXIT_STGI, "\x0f\x01\xdc", 3);
	assert_false(svm.nested.gif_clear);
	assert_true(v->events);
	svm_events(v, vmcb01);
	assert_int_equal(vmcb01->control.event_inj,
			 SVM_EVENT_VALID | SVM_EVENT_TYPE_INTR | 0x40);
}

static void test_l1_interrupt_masked_by_l1_if(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_INTR;
	vmcb01->save.rflags &= ~RFLAGS_IF;
	enter_l2();
	raise_l1_irq(0x40);
	svm_events(v, vmcb02);
	assert_true(svm.nested.guest_mode);
}

/* No INTR intercept, no V_INTR_MASKING: L1's interrupt goes into L2. */
static void test_l1_interrupt_into_l2_by_l2s_if(void **state)
{
	(void)state;
	vmcb12->control.int_ctl = 0;
	enter_l2();
	raise_l1_irq(0x40);
	/* L2's IF is clear: held, mhv's own window asked for. */
	svm_events(v, vmcb02);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.event_inj, 0);
	assert_true(svm.nested.mhv_window);
	assert_true(vmcb02->control.int_ctl & SVM_INT_CTL_V_IRQ);
	assert_true(vmcb02->control.intercept_misc1 & SVM_INTERCEPT1_VINTR);
	/* The window's exit is mhv's, never L1's. */
	vmcb12->control.exit_code = 0x55;
	vmcb02->save.rflags |= RFLAGS_IF;
	l2_exit(SVM_EXIT_VINTR, 0, 0, "", 0);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, 0x55);
	assert_true(v->events);
	svm_events(v, vmcb02);
	assert_int_equal(vmcb02->control.event_inj,
			 SVM_EVENT_VALID | SVM_EVENT_TYPE_INTR | 0x40);
	assert_false(svm.nested.mhv_window);
	assert_false(vmcb02->control.int_ctl & SVM_INT_CTL_V_IRQ);
	assert_false(vmcb02->control.intercept_misc1 & SVM_INTERCEPT1_VINTR);
	/* L2's CR8 writes are L1's TPR now: mhv intercepts them. */
	assert_true(vmcb02->control.intercept_cr & (1u << (16 + 8)));
}

/* mhv's window never shows in L1's VMCB: V_IRQ is written back as L1's. */
static void test_window_not_written_back(void **state)
{
	(void)state;
	vmcb12->control.int_ctl = 0;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_HLT;
	enter_l2();
	raise_l1_irq(0x40);
	svm_events(v, vmcb02);
	assert_true(svm.nested.mhv_window);
	l2_exit(SVM_EXIT_HLT, 0, 0, "\xf4", 1);
	assert_false(svm.nested.guest_mode);
	assert_false(vmcb12->control.int_ctl & SVM_INT_CTL_V_IRQ);
	assert_false(svm.nested.mhv_window);
}

/* An NMI L1 does not intercept is L2's; one it intercepts exits. */
static void test_l1_nmi(void **state)
{
	(void)state;
	enter_l2();
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	svm_events(v, vmcb02);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.event_inj,
			 SVM_EVENT_VALID | SVM_EVENT_TYPE_NMI | VEC_NMI);
	svm.nested.l1.intercept_misc1 |= SVM_INTERCEPT1_NMI;
	vmcb02->control.event_inj = 0;
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	svm_events(v, vmcb02);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_NMI);
	assert_true(v->apic.nmi_pending);
}

/* INIT: #VMEXIT(INIT) with L1's intercept; held by GIF; else a reset. */
static void test_init(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_INIT;
	enter_l2();
	v->init_pending = true;
	assert_false(svm_nested_init_resets(v));
	assert_false(v->init_pending);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_INIT);
	/* L1 with GIF clear after the #VMEXIT: held. */
	v->init_pending = true;
	assert_false(svm_nested_init_resets(v));
	assert_true(v->init_pending);
	l1_exit(SVM_EXIT_STGI, "\x0f\x01\xdc", 3);
	assert_true(svm_nested_init_resets(v));
}

/* A completed instruction clears RF (SDM vol. 3, 18.3.1.1), VMRUN too. */
static void test_completed_insn_clears_rf(void **state)
{
	(void)state;
	vmcb01->save.rflags |= RFLAGS_RF;
	enter_l2();
	assert_false(vmcb01->save.rflags & RFLAGS_RF);
	vmcb02->save.rflags |= RFLAGS_RF;
	v->gpr[GPR_RAX] = 0;
	l2_exit(SVM_EXIT_CPUID, 0, 0, "\x0f\xa2", 2);
	assert_false(vmcb02->save.rflags & RFLAGS_RF);
	assert_int_equal(vmcb02->control.event_inj, 0);
}

/*
 * The TLB flush a VMRUN decides is for L2's ASID, which every L2 of every
 * VM shares: it is owed until L2 has run. Here L1's interrupt takes
 * L2 out before it ran, and L1's next VMRUN must flush all the same
 * (issue #16's fuzzer: it was lost, so this VM's first L2 could run on
 * another VM's L2 translations).
 */
static void test_vmrun_flush_owed_until_l2_runs(void **state)
{
	(void)state;
	vmcb12->control.intercept_misc1 = SVM_INTERCEPT1_INTR;
	vmcb01->save.rflags |= RFLAGS_IF;
	enter_l2();
	assert_int_equal(vmcb02->control.tlb_control, SVM_TLB_FLUSH_ALL);
	raise_l1_irq(0x40);
	svm_events(v, vmcb02);
	assert_false(svm.nested.guest_mode);
	l1_exit(SVM_EXIT_STGI, "\x0f\x01\xdc", 3);
	svm_events(v, vmcb01);
	vmcb01->save.rip = L1_RIP;
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.tlb_control, SVM_TLB_FLUSH_ALL);
}

/* The same when the VMRUN that decided it fails its checks. */
static void test_vmrun_flush_owed_after_invalid(void **state)
{
	(void)state;
	vmcb12->save.cr0 |= CR0_NW;
	expect_invalid();
	vmcb12->save.cr0 &= ~CR0_NW;
	vmcb01->save.rip = L1_RIP;
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.tlb_control, SVM_TLB_FLUSH_ALL);
}

static void test_clgi_holds_interrupts(void **state)
{
	(void)state;
	set_l1_svme();
	vmcb01->save.rflags |= RFLAGS_IF;
	l1_exit(SVM_EXIT_CLGI, "\x0f\x01\xdd", 3);
	assert_true(svm.nested.gif_clear);
	assert_int_equal(vmcb01->save.rip, L1_RIP + 3);
	raise_l1_irq(0x40);
	svm_events(v, vmcb01);
	assert_int_equal(vmcb01->control.event_inj, 0);
	assert_false(vmcb01->control.intercept_misc1 & SVM_INTERCEPT1_VINTR);
}

static void test_vmload_vmsave(void **state)
{
	struct vmcb *other = (struct vmcb *)(vm->ram + VMCB12_GPA);

	(void)state;
	set_l1_svme();
	other->save.fs.base = 0xf5;
	other->save.lstar = 0x1157a7;
	other->save.tr.selector = 0x28;
	v->gpr[GPR_RAX] = VMCB12_GPA;
	l1_exit(SVM_EXIT_VMLOAD, "\x0f\x01\xda", 3);
	assert_int_equal(vmcb01->save.fs.base, 0xf5);
	assert_int_equal(vmcb01->save.lstar, 0x1157a7);
	assert_int_equal(vmcb01->save.tr.selector, 0x28);
	assert_int_equal(vmcb01->save.rip, L1_RIP + 3);
	vmcb01->save.gs.base = 0x65;
	l1_exit(SVM_EXIT_VMSAVE, "\x0f\x01\xdb", 3);
	assert_int_equal(other->save.gs.base, 0x65);
	assert_int_equal(vmcb01->save.rip, L1_RIP + 6);
}

static void test_without_nested_svm_insns_are_ud(void **state)
{
	(void)state;
	cpu_model_init(&vm->cpu, CPU_VENDOR_AMD);
	vm->opt.nested = false;
	assert_false(cpu_model_has(&vm->cpu, CPU_FACT(SVM)));
	l1_exit(SVM_EXIT_STGI, "\x0f\x01\xdc", 3);
	assert_int_equal(vmcb01->control.event_inj, EVENT_UD);
	l1_exit(SVM_EXIT_VMLOAD, "\x0f\x01\xda", 3);
	assert_int_equal(vmcb01->control.event_inj, EVENT_UD);
	l1_vmrun();
	assert_int_equal(vmcb01->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb01->save.rip, L1_RIP);
}

/* --- L1's nested paging: the shadow (svm/svm_npt.c) ---------------------- */

#define NPT_PML4 0x100000ULL /* L1's NPT, one table per level */
#define NPT_PDPT 0x101000ULL
#define NPT_PD 0x102000ULL
#define NPT_PT 0x103000ULL
#define L2_PAGE 0x5000ULL /* L2-physical ... */
#define L1_PAGE 0x8000ULL /* ... that L1's NPT maps here */
#define NPF_FINAL (1ULL << 32)
#define NPF_WALK (1ULL << 33)
#define NPT_TABLE (PTE_P | PTE_W | PTE_US)

static uint64_t *npt_entry(uint64_t table, uint64_t gpa, int level)
{
	return (uint64_t *)(vm->ram + table) +
	       ((gpa >> (12 + 9 * (level - 1))) & 511);
}

/* L2_PAGE -> L1_PAGE with `leaf` bits, tables P/W/U. */
static void npt_build(uint64_t leaf)
{
	*npt_entry(NPT_PML4, L2_PAGE, 4) = NPT_PDPT | NPT_TABLE;
	*npt_entry(NPT_PDPT, L2_PAGE, 3) = NPT_PD | NPT_TABLE;
	*npt_entry(NPT_PD, L2_PAGE, 2) = NPT_PT | NPT_TABLE;
	*npt_entry(NPT_PT, L2_PAGE, 1) = L1_PAGE | leaf;
}

static int setup_npt(void **state)
{
	setup(state);
	fake_memory_init(MiB(16)); /* the shadow's tables */
	vmcb12->control.np_control = SVM_NP_ENABLE;
	vmcb12->control.n_cr3 = NPT_PML4;
	vmcb12->save.g_pat = 0x0606060606060606ULL;
	return 0;
}

static int teardown_npt(void **state)
{
	svm_npt_destroy(&svm.npt);
	fake_memory_fini();
	return teardown(state);
}

/* A long-mode L1 (the one NPT format shadowed) with EFER.NXE. */
static void npt_enter_l2(void)
{
	set_l1_svme();
	vmcb01->save.efer |= EFER_LME | EFER_LMA | EFER_NXE;
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
}

/* The shadow's leaf for L2_PAGE; 0 when there is none. */
static uint64_t shadow_leaf(void)
{
	uint64_t pa, leaf;

	if (pt_lookup(&svm.npt.shadow, L2_PAGE, &pa, &leaf))
		return 0;
	return leaf;
}

static void test_npt_vmrun_uses_shadow(void **state)
{
	(void)state;
	npt_enter_l2();
	assert_true(svm.npt.on);
	assert_int_not_equal(vmcb02->control.n_cr3, 0);
	assert_int_equal(vmcb02->control.n_cr3, svm.npt.shadow.root);
	assert_int_not_equal(vmcb02->control.n_cr3, vmcb01->control.n_cr3);
	assert_int_equal(vmcb02->save.g_pat, 0x0606060606060606ULL);
}

static void test_npt_ignored_without_cpuid_bit(void **state)
{
	(void)state;
	/* nested=nonpt: NP_ENABLE is ignored, L2 runs on mhv's NPT. */
	vm->cpu.ext[0xa].edx &= ~CPUID8000000A_EDX_NP;
	npt_enter_l2();
	assert_false(svm.npt.on);
	assert_int_equal(vmcb02->control.n_cr3, vmcb01->control.n_cr3);
	assert_int_equal(vmcb02->save.g_pat, vmcb01->save.g_pat);
}

static void test_npt_needs_long_mode_l1(void **state)
{
	(void)state;
	set_l1_svme();
	l1_vmrun();
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_INVALID);
}

static void test_npt_not_present_is_l1s_npf(void **state)
{
	(void)state;
	npt_enter_l2();
	/* A read of L2_PAGE; L1's PML4 is empty. */
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U, L2_PAGE + 8, NULL, 0);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_NPF);
	assert_int_equal(vmcb12->control.exit_info1, NPF_FINAL | PF_ERR_U);
	assert_int_equal(vmcb12->control.exit_info2, L2_PAGE + 8);
	assert_int_equal(vmcb12->control.next_rip, 0);
	assert_int_equal(shadow_leaf(), 0);
}

static void test_npt_present_fills_shadow(void **state)
{
	uint64_t leaf;

	(void)state;
	npt_build(PTE_P | PTE_W | PTE_US);
	npt_enter_l2();
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U, L2_PAGE, NULL, 0);
	/* L2 retries: no exit to L1, RIP unchanged. */
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->save.rip, L2_RIP);
	leaf = shadow_leaf();
	assert_int_equal(leaf & PTE_ADDR,
			 (uint64_t)(uintptr_t)(vm->ram + L1_PAGE));
	assert_true(leaf & PTE_P);
	assert_true(leaf & PTE_US);
	/* Not writable until L1's leaf is dirty. */
	assert_false(leaf & PTE_W);
	/* Accessed in each of L1's entries, not Dirty. */
	assert_true(*npt_entry(NPT_PML4, L2_PAGE, 4) & PTE_A);
	assert_true(*npt_entry(NPT_PDPT, L2_PAGE, 3) & PTE_A);
	assert_true(*npt_entry(NPT_PD, L2_PAGE, 2) & PTE_A);
	assert_true(*npt_entry(NPT_PT, L2_PAGE, 1) & PTE_A);
	assert_false(*npt_entry(NPT_PT, L2_PAGE, 1) & PTE_D);

	/* The first write: Dirty in L1's leaf, the shadow writable. */
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U | PF_ERR_W | PF_ERR_P,
		L2_PAGE, NULL, 0);
	assert_true(svm.nested.guest_mode);
	assert_true(*npt_entry(NPT_PT, L2_PAGE, 1) & PTE_D);
	assert_true(shadow_leaf() & PTE_W);
	assert_int_equal(vmcb02->control.tlb_control, SVM_TLB_FLUSH_ALL);
}

static void test_npt_write_to_read_only_is_l1s_npf(void **state)
{
	(void)state;
	npt_build(PTE_P | PTE_US);
	npt_enter_l2();
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U | PF_ERR_W, L2_PAGE, NULL,
		0);
	assert_false(svm.nested.guest_mode);
	assert_int_equal(vmcb12->control.exit_code, SVM_EXIT_NPF);
	assert_int_equal(vmcb12->control.exit_info1,
			 NPF_FINAL | PF_ERR_U | PF_ERR_W | PF_ERR_P);
	assert_false(*npt_entry(NPT_PT, L2_PAGE, 1) & PTE_D);
}

static void test_npt_user_nx_reserved(void **state)
{
	(void)state;
	/* No U: every nested access is a user access. */
	npt_build(PTE_P | PTE_W);
	npt_enter_l2();
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U, L2_PAGE, NULL, 0);
	assert_int_equal(vmcb12->control.exit_info1,
			 NPF_FINAL | PF_ERR_U | PF_ERR_P);

	/* NX and a fetch; with EFER.NXE the fetch bit is reported. */
	npt_build(PTE_P | PTE_W | PTE_US | PTE_NX);
	l1_vmrun();
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U | PF_ERR_ID, L2_PAGE, NULL,
		0);
	assert_int_equal(vmcb12->control.exit_info1,
			 NPF_FINAL | PF_ERR_U | PF_ERR_P | PF_ERR_ID);

	/* A reserved bit in the PML4E, in L2's own table walk. */
	npt_build(PTE_P | PTE_W | PTE_US);
	*npt_entry(NPT_PML4, L2_PAGE, 4) |= 1ULL << 8;
	l1_vmrun();
	l2_exit(SVM_EXIT_NPF, NPF_WALK | PF_ERR_U | PF_ERR_W, L2_PAGE, NULL, 0);
	assert_int_equal(vmcb12->control.exit_info1,
			 NPF_WALK | PF_ERR_U | PF_ERR_W | PF_ERR_P |
				 PF_ERR_RSVD);
}

static void test_npt_cut_short_virq(void **state)
{
	(void)state;
	npt_build(PTE_P | PTE_W | PTE_US);
	vmcb12->control.int_ctl |= SVM_INT_CTL_V_IRQ;
	vmcb12->control.int_vector = 0xf1;
	npt_enter_l2();
	/* QEMU's report of V_IRQ 0xf1 cut short: "exception" 0xf1. */
	vmcb02->control.exit_code = SVM_EXIT_NPF;
	vmcb02->control.exit_info1 = NPF_FINAL | PF_ERR_U;
	vmcb02->control.exit_info2 = L2_PAGE;
	vmcb02->control.event_inj = 0x800003f1ULL;
	svm_nested_dispatch(v, vmcb02);
	assert_true(svm.nested.guest_mode);
	assert_int_equal(vmcb02->control.event_inj, 0x800000f1ULL);
	assert_false(vmcb02->control.int_ctl & SVM_INT_CTL_V_IRQ);
}

/* Back in L1 through an intercepted VMMCALL, then VMRUN again. */
static void l2_to_l1_and_back(void)
{
	l2_exit(SVM_EXIT_VMMCALL, 0, 0, "\x0f\x01\xd9", 3);
	assert_false(svm.nested.guest_mode);
	l1_vmrun();
	assert_true(svm.nested.guest_mode);
}

static void test_npt_flush_discards_shadow(void **state)
{
	(void)state;
	npt_build(PTE_P | PTE_W | PTE_US);
	npt_enter_l2();
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U, L2_PAGE, NULL, 0);
	assert_int_not_equal(shadow_leaf(), 0);

	/* Same ASID and N_CR3, no TLB control: the shadow stays. */
	l2_to_l1_and_back();
	assert_int_not_equal(shadow_leaf(), 0);
	assert_int_equal(vmcb02->control.tlb_control, 0);

	/* L1's TLB control: gone. */
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U, L2_PAGE, NULL, 0);
	vmcb12->control.tlb_control = 1;
	l2_to_l1_and_back();
	assert_int_equal(shadow_leaf(), 0);
	assert_int_equal(vmcb02->control.tlb_control, SVM_TLB_FLUSH_ALL);
	vmcb12->control.tlb_control = 0;

	/* INVLPGA, a new N_CR3: gone too. */
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U, L2_PAGE, NULL, 0);
	l2_exit(SVM_EXIT_VMMCALL, 0, 0, "\x0f\x01\xd9", 3);
	l1_exit(SVM_EXIT_INVLPGA, "\x0f\x01\xdf", 3);
	l1_vmrun();
	assert_int_equal(shadow_leaf(), 0);
	l2_exit(SVM_EXIT_NPF, NPF_FINAL | PF_ERR_U, L2_PAGE, NULL, 0);
	assert_int_not_equal(shadow_leaf(), 0);
	vmcb12->control.n_cr3 = NPT_PML4 + 0x10000;
	l2_to_l1_and_back();
	assert_int_equal(shadow_leaf(), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TN(f) cmocka_unit_test_setup_teardown(f, setup_npt, teardown_npt)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cpuid_shows_svm),
		T(test_l2_vmmcall_not_intercepted_ud_to_l1),
		T(test_l2_hidden_insn_is_ud_whatever_l1_intercepts),
		T(test_l2_rdtscp_shown_is_l1s),
		T(test_l2_pause_filter_counted_by_mhv),
		T(test_l2_pause_filter_counted_by_cpu),
		T(test_l2_int3_with_l1s_bp_intercept),
		T(test_l2_intn_with_l1s_intn_intercept),
		T(test_efer_svme_is_l1s),
		T(test_vm_cr_svmdis),
		T(test_hsave_pa),
		T(test_vmrun_without_svme_is_ud),
		T(test_vmrun_cpl3_is_gp),
		T(test_vmrun_bad_address_is_gp),
		T(test_vmrun_enters_l2),
		T(test_vmrun_checks),
		T(test_vmrun_checks_pdptes),
		T(test_vmrun_checks_map_addresses),
		T(test_l2_vmmcall_intercepted_goes_to_l1),
		T(test_l2_vmmcall_not_intercepted_is_ud_in_l2),
		T(test_l2_vmload_not_intercepted),
		T(test_l2_invlpga_not_intercepted_flushes),
		T(test_l2_cpuid_by_l1s_intercept),
		T(test_l2_io_by_l1s_iopm),
		T(test_l2_msr_by_l1s_msrpm),
		T(test_l2_exit_keeps_cut_short_event),
		T(test_l2_host_interrupt_is_mhvs),
		T(test_l1_interrupt_exits_l2),
		T(test_l1_interrupt_masked_by_l1_if),
		T(test_l1_interrupt_into_l2_by_l2s_if),
		T(test_window_not_written_back),
		T(test_l1_nmi),
		T(test_init),
		T(test_completed_insn_clears_rf),
		T(test_vmrun_flush_owed_until_l2_runs),
		T(test_vmrun_flush_owed_after_invalid),
		T(test_clgi_holds_interrupts),
		T(test_vmload_vmsave),
		T(test_without_nested_svm_insns_are_ud),
		TN(test_npt_vmrun_uses_shadow),
		TN(test_npt_ignored_without_cpuid_bit),
		TN(test_npt_needs_long_mode_l1),
		TN(test_npt_not_present_is_l1s_npf),
		TN(test_npt_present_fills_shadow),
		TN(test_npt_write_to_read_only_is_l1s_npf),
		TN(test_npt_user_nx_reserved),
		TN(test_npt_flush_discards_shadow),
		TN(test_npt_cut_short_virq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
