// SPDX-License-Identifier: MIT
/*
 * The exit semantics both backends call (core/exit/exit_common.c), once,
 * against the stub backend: the hypercall ABI, HLT, XSETBV's XCR check,
 * MMIO emulation from the instruction at RIP, the double-fault rules. The
 * vendor tests keep what they decode and how they complete an instruction
 * or encode an event; what the guest sees as a result is checked here.
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
#include "core/vm/hypercall_abi.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/stub_vcpu.h"

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

#define GUEST_NAME "coretest"
#define RAM_SIZE MiB(4)
#define GUEST_RIP 0x1000ULL

#define XAPIC_VERSION_GPA (XAPIC_BASE + 0x30)
#define XAPIC_TPR_GPA (XAPIC_BASE + 0x80)
#define XAPIC_VERSION 0x00050014u

static struct vm *vm;
static struct vcpu *v;

static void fixture_init(void)
{
	vm = stub_vm_create(GUEST_NAME, RAM_SIZE, GUEST_RIP);
	v = &vm->vcpus[0];
	fake_serial_clear();
}

static void fixture_fini(void)
{
	stub_vm_destroy(vm);
	vm = NULL;
	v = NULL;
}

static int setup(void **state)
{
	(void)state;
	fixture_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_fini();
	return 0;
}

#define assert_detail(s) assert_detail_(s, __FILE__, __LINE__)
static void assert_detail_(const char *needle, const char *file, int line)
{
	if (!strstr(vm->detail, needle))
		fail_msg("%s:%d: \"%s\" is not in the VM's end detail \"%s\"",
			 file, line, needle, vm->detail);
}

static void assert_running(void)
{
	if (vm->ended)
		fail_msg("the VM ended (outcome %s): %s",
			 guest_outcome_name(vm->outcome), vm->detail);
}

static void assert_ended(enum guest_outcome want)
{
	if (!vm->ended)
		fail_msg("the VM is still running, expected outcome %s",
			 guest_outcome_name(want));
	if (vm->outcome != want)
		fail_msg("outcome %s, expected %s: %s",
			 guest_outcome_name(vm->outcome),
			 guest_outcome_name(want), vm->detail);
}

/* --- hypercalls ---------------------------------------------------------- */

static uint64_t hypercall(uint64_t nr)
{
	v->gpr[GPR_RAX] = nr;
	assert_true(exit_hypercall(v));
	assert_int_equal(stub.injected, -1);
	return v->gpr[GPR_RAX];
}

static void test_hypercall_ping_and_version(void **state)
{
	(void)state;
	vm->opt.hypercalls = true;
	assert_int_equal(hypercall(MHV_HC_PING), MHV_HC_PING_REPLY);
	assert_int_equal(hypercall(MHV_HC_PING), 0x6d6876); /* "mhv" */
	assert_int_equal(hypercall(MHV_HC_VERSION), MHV_HC_ABI_VERSION);
	assert_running();
}

static void test_hypercall_unknown_is_enosys(void **state)
{
	(void)state;
	vm->opt.hypercalls = true;
	assert_int_equal(hypercall(0x1234), MHV_HC_ENOSYS);
	assert_int_equal(hypercall(0x1234), (uint64_t)-1000);
	/* The whole of RAX is the number: a high bit makes it unknown. */
	assert_int_equal(hypercall((1ULL << 32) | MHV_HC_PING), MHV_HC_ENOSYS);
	assert_running();
}

/* EXIT_COUNT: RBX names an exit in the backend's codes. */
static void test_hypercall_exit_count(void **state)
{
	(void)state;
	vm->opt.hypercalls = true;
	vm->exit_counts[10] = 2;
	v->gpr[GPR_RBX] = 10;
	assert_int_equal(hypercall(MHV_HC_EXIT_COUNT), 2);
	v->gpr[GPR_RBX] = 11; /* never seen */
	assert_int_equal(hypercall(MHV_HC_EXIT_COUNT), 0);
	v->gpr[GPR_RBX] = STUB_EXIT_CODES - 1;
	vm->exit_counts[STUB_EXIT_CODES - 1] = 7;
	assert_int_equal(hypercall(MHV_HC_EXIT_COUNT), 7);
	/* Codes without a counter of their own share a slot: no answer. */
	v->gpr[GPR_RBX] = STUB_EXIT_CODES;
	vm->exit_counts[STUB_EXIT_CODES] = 9;
	assert_int_equal(hypercall(MHV_HC_EXIT_COUNT), MHV_HC_EINVAL);
	v->gpr[GPR_RBX] = 0x100000000ULL | 10;
	assert_int_equal(hypercall(MHV_HC_EXIT_COUNT), MHV_HC_EINVAL);
}

/* Not granted: the instruction does not exist for the guest (#UD). */
static void test_hypercall_disabled_is_ud(void **state)
{
	(void)state;
	vm->opt.hypercalls = false;
	v->gpr[GPR_RAX] = MHV_HC_PING;
	assert_false(exit_hypercall(v));
	assert_int_equal(stub.injected, VEC_UD);
	assert_false(stub.has_error);
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_PING);
	assert_running();
}

/* --- HLT, XSETBV, #UD ----------------------------------------------------- */

/* Nothing ever wakes a halted vCPU: the VM ends, saying how IF was. */
static void test_halted_ends_the_vm(void **state)
{
	(void)state;
	exit_halted(v, false);
	assert_ended(OUTCOME_HALT);
	assert_detail("disabled");

	fixture_fini();
	fixture_init();
	exit_halted(v, true);
	assert_ended(OUTCOME_HALT);
	assert_detail("enabled");
}

/* Only XCR0 exists: any other ECX is #GP(0) without executing XSETBV. */
static void test_xsetbv_bad_xcr_is_gp(void **state)
{
	(void)state;
	v->gpr[GPR_RCX] = 1;
	v->gpr[GPR_RAX] = 3;
	v->gpr[GPR_RDX] = 0;
	assert_false(exit_xsetbv(v));
	assert_int_equal(stub.injected, VEC_GP);
	assert_true(stub.has_error);
	assert_int_equal(stub.error, 0);

	stub.injected = -1;
	v->gpr[GPR_RCX] = 0xffffffff00000001ULL; /* ECX only, still 1 */
	assert_false(exit_xsetbv(v));
	assert_int_equal(stub.injected, VEC_GP);
	assert_running();
}

static void test_inject_ud(void **state)
{
	(void)state;
	exit_inject_ud(v);
	assert_int_equal(stub.injected, VEC_UD);
	assert_false(stub.has_error);
	assert_int_equal(stub.injections, 1);
}

/* --- exception merging --------------------------------------------------- */

/* SDM vol. 3, 6.15, table "Conditions for Generating a Double Fault". */
static void test_exception_merge_table(void **state)
{
	static const unsigned int contributory[] = {VEC_DE, VEC_TS, VEC_NP,
						    VEC_SS, VEC_GP, VEC_CP};
	static const unsigned int benign[] = {VEC_DB, VEC_NMI, VEC_BP, VEC_OF,
					      VEC_BR, VEC_UD,  VEC_NM, VEC_MF,
					      VEC_AC, VEC_MC,  VEC_XM, VEC_VE};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(contributory); i++) {
		unsigned int c = contributory[i];

		for (unsigned int j = 0; j < ARRAY_SIZE(contributory); j++)
			assert_int_equal(exception_merge(c, contributory[j]),
					 MERGE_DOUBLE_FAULT);
		assert_int_equal(exception_merge(c, VEC_PF), MERGE_NEW);
		assert_int_equal(exception_merge(VEC_PF, c),
				 MERGE_DOUBLE_FAULT);
		assert_int_equal(exception_merge(VEC_DF, c), MERGE_SHUTDOWN);
		for (unsigned int j = 0; j < ARRAY_SIZE(benign); j++) {
			assert_int_equal(exception_merge(c, benign[j]),
					 MERGE_NEW);
			assert_int_equal(exception_merge(benign[j], c),
					 MERGE_NEW);
		}
	}
	assert_int_equal(exception_merge(VEC_PF, VEC_PF), MERGE_DOUBLE_FAULT);
	assert_int_equal(exception_merge(VEC_DF, VEC_PF), MERGE_SHUTDOWN);
	for (unsigned int j = 0; j < ARRAY_SIZE(benign); j++) {
		assert_int_equal(exception_merge(VEC_PF, benign[j]), MERGE_NEW);
		assert_int_equal(exception_merge(VEC_DF, benign[j]), MERGE_NEW);
		assert_int_equal(exception_merge(benign[j], VEC_PF), MERGE_NEW);
	}
}

/* What the backends inject: #DF with error code 0, or the VM ends. */
static void test_exception_combine(void **state)
{
	unsigned int vector = VEC_NP;
	bool has_error = true;
	uint32_t error = 0x18;

	(void)state;
	assert_true(exception_combine(v, VEC_GP, &vector, &has_error, &error));
	assert_int_equal(vector, VEC_DF);
	assert_true(has_error);
	assert_int_equal(error, 0);

	vector = VEC_UD;
	has_error = false;
	assert_true(exception_combine(v, VEC_BP, &vector, &has_error, &error));
	assert_int_equal(vector, VEC_UD);
	assert_false(has_error);
	assert_running();

	vector = VEC_GP;
	assert_false(exception_combine(v, VEC_DF, &vector, &has_error, &error));
	assert_ended(OUTCOME_TRIPLE_FAULT);
}

static void test_fault_during_delivery(void **state)
{
	(void)state;
	exit_fault_during_delivery(v, XAPIC_VERSION_GPA, VEC_GP);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("delivery of vector 13");
	assert_detail("0xfee00030");
}

/* --- MMIO ------------------------------------------------------------------ */

static void put_code(uint64_t gpa, const uint8_t *bytes, size_t n)
{
	assert_true(gpa + n <= RAM_SIZE);
	memcpy(vm->ram + gpa, bytes, n);
}

static const uint8_t mov_eax_ebx[] = {0x8b, 0x03}; /* mov eax,[ebx] */

static void test_mmio_apic_version_read(void **state)
{
	(void)state;
	put_code(GUEST_RIP, mov_eax_ebx, sizeof(mov_eax_ebx));
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	v->gpr[GPR_RAX] = 0x12345678;
	assert_int_equal(exit_mmio(v, XAPIC_VERSION_GPA, false, false), 2);
	assert_running();
	assert_int_equal(v->gpr[GPR_RAX], XAPIC_VERSION);
	/* Core never moves RIP: the length is the vendor's to apply. */
	assert_int_equal(stub.state.rip, GUEST_RIP);
	assert_int_equal(stub.injected, -1);
}

static void test_mmio_tpr_write_then_read(void **state)
{
	static const uint8_t code[] = {0x89, 0x03, 0x8b, 0x0b};

	(void)state;
	put_code(GUEST_RIP, code, sizeof(code));
	v->gpr[GPR_RBX] = XAPIC_TPR_GPA;
	v->gpr[GPR_RAX] = 0x20;
	assert_int_equal(exit_mmio(v, XAPIC_TPR_GPA, true, false), 2);
	assert_int_equal(vm->vcpus[0].apic.tpr, 0x20);

	stub.state.rip = GUEST_RIP + 2;
	v->gpr[GPR_RCX] = 0xffffffff;
	assert_int_equal(exit_mmio(v, XAPIC_TPR_GPA, false, false), 2);
	assert_int_equal((uint32_t)v->gpr[GPR_RCX], 0x20);
	assert_running();
}

/* Real mode: CS base + IP, and a 16-bit operand touches AX only. */
static void test_mmio_real_mode(void **state)
{
	static const uint8_t mov_ax_bx[] = {0x8b, 0x07}; /* mov ax,[bx] */

	(void)state;
	stub.state.cr0 = CR0_ET;
	stub.state.cs_db = false;
	stub.state.cs_sel = 0x1000;
	stub.state.cs_base = 0x10000;
	stub.state.rip = 0x100;
	put_code(0x10100, mov_ax_bx, sizeof(mov_ax_bx));
	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaaaaaaULL;
	assert_int_equal(exit_mmio(v, XAPIC_VERSION_GPA, false, false), 2);
	assert_running();
	assert_int_equal(v->gpr[GPR_RAX], 0xaaaaaaaaaaaa0014ULL);
}

/* Long mode: RIP is virtual, read through the guest's page tables. */
static void test_mmio_long_mode_walks_guest_tables(void **state)
{
	const uint64_t pml4 = 0x10000, pdpt = 0x11000, pd = 0x12000;
	const uint64_t va_base = 0xffff800000000000ULL;
	uint64_t e;

	(void)state;
	e = pdpt | 3;
	memcpy(vm->ram + pml4 + 256 * 8, &e, 8);
	e = pd | 3;
	memcpy(vm->ram + pdpt, &e, 8);
	e = 0x83; /* a 2 MiB page at 0 */
	memcpy(vm->ram + pd, &e, 8);
	put_code(0x2000, mov_eax_ebx, sizeof(mov_eax_ebx));

	stub.state.cr0 = CR0_PE | CR0_ET | CR0_PG;
	stub.state.cr4 = CR4_PAE;
	stub.state.cr3 = pml4;
	stub.state.efer = EFER_LME | EFER_LMA;
	stub.state.cs_long = true;
	stub.state.cs_db = false;
	stub.state.rip = va_base + 0x2000;
	v->gpr[GPR_RAX] = 0xffffffff00000000ULL;
	assert_int_equal(exit_mmio(v, XAPIC_VERSION_GPA, false, false), 2);
	assert_running();
	/* A 32-bit load zero-extends in 64-bit mode. */
	assert_int_equal(v->gpr[GPR_RAX], XAPIC_VERSION);
}

/* RSP as the operand's register: the backend's RSP, read and written. */
static void test_mmio_rsp_operand(void **state)
{
	static const uint8_t mov_esp_ebx[] = {0x8b, 0x23}; /* mov esp,[ebx] */

	(void)state;
	put_code(GUEST_RIP, mov_esp_ebx, sizeof(mov_esp_ebx));
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	stub.state.rsp = 0x8000;
	assert_int_equal(exit_mmio(v, XAPIC_VERSION_GPA, false, false), 2);
	assert_int_equal(stub.state.rsp, XAPIC_VERSION);
}

/* Two bytes of instruction at the very end of RAM: no read beyond. */
static void test_mmio_instruction_at_end_of_ram(void **state)
{
	(void)state;
	put_code(RAM_SIZE - 2, mov_eax_ebx, sizeof(mov_eax_ebx));
	stub.state.rip = RAM_SIZE - 2;
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	assert_int_equal(exit_mmio(v, XAPIC_VERSION_GPA, false, false), 2);
	assert_running();
	assert_int_equal((uint32_t)v->gpr[GPR_RAX], XAPIC_VERSION);
}

static void test_mmio_outside_ram_and_devices(void **state)
{
	(void)state;
	assert_int_equal(exit_mmio(v, 0xc0000000, false, false), 0);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("read");
	assert_detail("0xc0000000");
	assert_detail("RIP 0x1000");

	fixture_fini();
	fixture_init();
	assert_int_equal(exit_mmio(v, XAPIC_BASE + XAPIC_SIZE, true, false), 0);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("write");
	assert_detail("0xfee01000");

	/* An instruction fetch from the APIC page is no MMIO. */
	fixture_fini();
	fixture_init();
	assert_int_equal(exit_mmio(v, XAPIC_BASE, false, true), 0);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("instruction fetch");
}

static void test_mmio_undecodable(void **state)
{
	static const uint8_t ud2[] = {0x0f, 0x0b};

	(void)state;
	put_code(GUEST_RIP, ud2, sizeof(ud2));
	assert_int_equal(exit_mmio(v, XAPIC_VERSION_GPA, false, false), 0);
	assert_ended(OUTCOME_UNEXPECTED_EXIT);
	assert_detail("0xfee00030");
	assert_int_equal(stub.state.rip, GUEST_RIP);

	/* RIP outside guest RAM: nothing to decode. */
	fixture_fini();
	fixture_init();
	stub.state.rip = RAM_SIZE + 0x1000;
	assert_int_equal(exit_mmio(v, XAPIC_VERSION_GPA, false, false), 0);
	assert_ended(OUTCOME_UNEXPECTED_EXIT);
	assert_detail("cannot read");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hypercall_ping_and_version),
		T(test_hypercall_unknown_is_enosys),
		T(test_hypercall_exit_count),
		T(test_hypercall_disabled_is_ud),
		T(test_halted_ends_the_vm),
		T(test_xsetbv_bad_xcr_is_gp),
		T(test_inject_ud),
		T(test_exception_merge_table),
		T(test_exception_combine),
		T(test_fault_during_delivery),
		T(test_mmio_apic_version_read),
		T(test_mmio_tpr_write_then_read),
		T(test_mmio_real_mode),
		T(test_mmio_long_mode_walks_guest_tables),
		T(test_mmio_rsp_operand),
		T(test_mmio_instruction_at_end_of_ram),
		T(test_mmio_outside_ram_and_devices),
		T(test_mmio_undecodable),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
