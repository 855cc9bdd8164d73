// SPDX-License-Identifier: MIT
/*
 * The real SVM exit dispatch (svm/svm_exit.c) against a VMCB in ordinary
 * memory, with the real core/ exit semantics and devices behind it: what
 * svm_run() would do after each #VMEXIT, minus VMRUN itself. The console
 * goes to a capture buffer (fake_serial.c) so guest lines and error
 * reports can be checked. Guest RAM and the VMCB are heap blocks of their
 * exact size, so ASan catches any access past them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/host/cpu_probe.h"
#include "core/exit/exits.h"
#include "core/vm/hypercall_abi.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"
#include "core/host/apic.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/fake_host_irq.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/svm_hosted_backend.h"

/* Defined by cpu_probe.c in the kernel, which needs the hardware. */
struct cpu_info boot_cpu;

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

#define GUEST_NAME "svmtest"
#define RAM_SIZE MiB(4)
#define GUEST_RIP 0x1000ULL

/* EVENTINJ values, spelled out from the APM rather than from vmcb.h. */
#define EVENT_UD 0x80000306ULL	/* valid | exception | vector 6 */
#define EVENT_GP0 0x80000b0dULL /* valid | error valid | exception | 13 */

#define XAPIC_VERSION_GPA 0xfee00030ULL
#define XAPIC_TPR_GPA 0xfee00080ULL

static struct vm *vm;
static struct vcpu *v;
static struct svm_vcpu svm;
static struct vmcb *vmcb;
static bool own_bytes;

/* The multiboot entry state svm_vcpu_create() builds: 32-bit, paging off. */
static void set_protected_mode_32(void)
{
	struct vmcb_save *g = &vmcb->save;

	g->cs = (struct vmcb_seg){
		.selector = 0x08, .attrib = 0xc9b, .limit = 0xffffffff};
	g->ds = (struct vmcb_seg){
		.selector = 0x10, .attrib = 0xc93, .limit = 0xffffffff};
	g->efer = EFER_SVME;
	g->cr0 = 0x11; /* PE, ET */
	g->cr3 = 0;
	g->cr4 = 0;
	g->rflags = 0x2;
	g->rip = GUEST_RIP;
	g->g_pat = PAT_RESET;
}

static void fixture_init(void)
{
	vm = calloc(1, sizeof(*vm));
	assert_non_null(vm);
	snprintf(vm->opt.name, sizeof(vm->opt.name), "%s", GUEST_NAME);
	vm->opt.mem_bytes = RAM_SIZE;
	guest_ram_attach_flat(vm, calloc(1, RAM_SIZE), RAM_SIZE);
	assert_non_null(vm->ram);

	vmcb = aligned_alloc(4096, sizeof(*vmcb));
	assert_non_null(vmcb);
	memset(vmcb, 0, sizeof(*vmcb));
	svm = (struct svm_vcpu){.vmcb = vmcb, .vmcb_pa = 0};
	svm_insn_memo_clear(&svm);

	v = &vm->vcpus[0];
	v->vm = vm;
	vm->nr_vcpus = 1;
	v->arch = &svm;
	devices_init(vm);
	set_protected_mode_32();

	boot_cpu = (struct cpu_info){.vendor = CPU_VENDOR_AMD};
	cpu_model_init(&vm->cpu, boot_cpu.vendor);
	vm_backend = &svm_hosted_backend;
	svm_has_nrip_save = false;
	own_bytes = false;
	fake_serial_clear();
	fake_host_irq_reset();
}

static void fixture_fini(void)
{
	free(vmcb);
	free(vm->ram);
	free(vm);
	vmcb = NULL;
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

/*
 * One #VMEXIT as svm_run() delivers it: no NRIP unless the test set
 * next_rip after the previous exit, no event pending.
 */
/*
 * Without NRIP save mhv decodes the instruction at RIP: do_exit() puts the
 * plain encoding of the intercepted instruction there, unless the test
 * wrote its own bytes (own_bytes).
 */

static void plant_insn(uint64_t code, uint64_t info1)
{
	static const struct {
		uint64_t code;
		uint8_t bytes[3], len;
	} encodings[] = {
		{SVM_EXIT_CPUID, {0x0f, 0xa2}, 2},
		{SVM_EXIT_HLT, {0xf4}, 1},
		{SVM_EXIT_INVD, {0x0f, 0x08}, 2},
		{SVM_EXIT_VMMCALL, {0x0f, 0x01, 0xd9}, 3},
	};
	uint64_t rip = vmcb->save.rip;

	if (own_bytes || rip + 3 > RAM_SIZE)
		return;
	if (code == SVM_EXIT_MSR) {
		memcpy(vm->ram + rip, info1 ? "\x0f\x30" : "\x0f\x32", 2);
		return;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(encodings); i++)
		if (encodings[i].code == code)
			memcpy(vm->ram + rip, encodings[i].bytes,
			       encodings[i].len);
}

static void do_exit(uint64_t code, uint64_t info1, uint64_t info2)
{
	plant_insn(code, info1);
	vmcb->control.exit_code = code;
	vmcb->control.exit_info1 = info1;
	vmcb->control.exit_info2 = info2;
	vmcb->control.event_inj = 0;
	svm_handle_exit(v);
	vmcb->control.next_rip = 0;
}

/* The same exit on a CPU with NRIP save: next_rip = the next instruction. */
static void do_exit_nrip(uint64_t code, uint64_t info1, uint64_t info2,
			 uint64_t next_rip)
{
	svm_has_nrip_save = true;
	vmcb->control.next_rip = next_rip;
	do_exit(code, info1, info2);
}

#define assert_captured(s) assert_captured_(s, __FILE__, __LINE__)
static void assert_captured_(const char *needle, const char *file, int line)
{
	if (!fake_serial_contains(needle))
		fail_msg("%s:%d: \"%s\" is not in the console output:\n%s",
			 file, line, needle, fake_serial_output());
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

/* --- CPUID ----------------------------------------------------------------- */

static void cpuid_exit(uint32_t leaf, uint32_t subleaf)
{
	v->gpr[GPR_RAX] = leaf;
	v->gpr[GPR_RCX] = subleaf;
	do_exit(SVM_EXIT_CPUID, 0, 0);
}

static void test_cpuid_osxsave_follows_guest_cr4(void **state)
{
	(void)state;

	vmcb->save.cr4 = 1u << 18; /* OSXSAVE */
	cpuid_exit(1, 0);
	assert_true(v->gpr[GPR_RCX] & (1u << 27));
}

static void test_cpuid_nrip_save(void **state)
{
	(void)state;

	vmcb->control.int_state = 1; /* STI shadow */
	v->gpr[GPR_RAX] = 0;
	/* A prefixed CPUID, say: NRIP is what counts, not the length. */
	do_exit_nrip(SVM_EXIT_CPUID, 0, 0, GUEST_RIP + 5);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 5);
	assert_int_equal(vmcb->control.int_state & 1, 0);

	/* next_rip 0 means the CPU saved nothing: fall back to the length. */
	v->gpr[GPR_RAX] = 0;
	do_exit_nrip(SVM_EXIT_CPUID, 0, 0, 0);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 7);
	assert_int_equal(vm->exit_counts[SVM_EXIT_CPUID], 2);
}

static void test_cpuid_without_nrip_ignores_next_rip(void **state)
{
	(void)state;

	vmcb->control.int_state = 1;
	v->gpr[GPR_RAX] = 0;
	vmcb->control.next_rip = 0x5555; /* not saved: must not be used */
	plant_insn(SVM_EXIT_CPUID, 0);
	vmcb->control.exit_code = SVM_EXIT_CPUID;
	svm_handle_exit(v);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
	assert_int_equal(vmcb->control.int_state & 1, 0);
}

static void put_code(uint64_t gpa, const uint8_t *bytes, size_t n)
{
	assert_true(gpa + n <= vm->mem.low_size);
	memcpy(vm->ram + gpa, bytes, n);
}

/* Long mode with a 2 MiB page at va_base -> 0, for code fetches. */
#define LONG_VA_BASE 0xffff800000000000ULL
static void set_long_mode(uint64_t cs_base)
{
	const uint64_t pml4 = 0x10000, pdpt = 0x11000, pd = 0x12000;
	uint64_t e;

	e = pdpt | 3;
	memcpy(vm->ram + pml4 + 256 * 8, &e, 8);
	e = pd | 3;
	memcpy(vm->ram + pdpt, &e, 8);
	e = 0 | 0x83;
	memcpy(vm->ram + pd, &e, 8);
	vmcb->save.cs = (struct vmcb_seg){.selector = 0x08,
					  .attrib = 0xa9b, /* L, G */
					  .limit = 0xffffffff,
					  .base = cs_base};
	vmcb->save.cr0 = 0x80000011;
	vmcb->save.cr4 = 1u << 5; /* PAE */
	vmcb->save.cr3 = pml4;
	vmcb->save.efer = EFER_SVME | EFER_LME | EFER_LMA;
}

/*
 * Without NRIP save the length comes from the guest's bytes: a legal
 * prefix must not leave RIP inside the instruction (66 0f a2 resumed at
 * 0f used to run a12 as an instruction and take #GP).
 */
static void test_no_nrip_lengths_include_prefixes(void **state)
{
	static const struct {
		uint64_t code, info1;
		uint8_t bytes[8];
		unsigned int len;
	} cases[] = {
		{SVM_EXIT_CPUID, 0, {0x66, 0x0f, 0xa2}, 3},
		{SVM_EXIT_CPUID, 0, {0x2e, 0x3e, 0xf3, 0x0f, 0xa2}, 5},
		{SVM_EXIT_MSR, 0, {0x66, 0x0f, 0x32}, 3},
		{SVM_EXIT_MSR, 1, {0x26, 0x0f, 0x30}, 3},
		{SVM_EXIT_VMMCALL, 0, {0x67, 0x0f, 0x01, 0xd9}, 4},
		{SVM_EXIT_INVD, 0, {0x3e, 0x0f, 0x08}, 3},
	};

	(void)state;
	own_bytes = true;
	vm->opt.hypercalls = true;
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t rip = GUEST_RIP + 0x40 * i;

		put_code(rip, cases[i].bytes, cases[i].len);
		vmcb->save.rip = rip;
		v->gpr[GPR_RCX] = 0x2ff; /* MTRR_DEF_TYPE: readable, writable */
		v->gpr[GPR_RAX] = cases[i].info1 ? 0xc06 : 0;
		v->gpr[GPR_RDX] = 0;
		do_exit(cases[i].code, cases[i].info1, 0);
		assert_running();
		assert_int_equal(vmcb->save.rip, rip + cases[i].len);
	}
}

/* 64-bit mode: REX prefixes count, and the CS base is ignored. */
static void test_no_nrip_long_mode(void **state)
{
	static const uint8_t rex_cpuid[] = {0x48, 0x0f, 0xa2};
	static const uint8_t hlt_after_rex[] = {0x66, 0x41, 0xf4};

	(void)state;
	own_bytes = true;
	set_long_mode(0x100000); /* ignored in 64-bit mode */
	put_code(0x2000, rex_cpuid, sizeof(rex_cpuid));
	vmcb->save.rip = LONG_VA_BASE + 0x2000;
	v->gpr[GPR_RAX] = 0;
	do_exit(SVM_EXIT_CPUID, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x2003);

	put_code(0x3000, hlt_after_rex, sizeof(hlt_after_rex));
	vmcb->save.rip = LONG_VA_BASE + 0x3000;
	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_ended(OUTCOME_HALT);
	assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x3003);
}

/* Legacy modes: CS base + EIP, the offset wrapping at 4 GiB. */
static void test_no_nrip_cs_base_and_eip_wrap(void **state)
{
	static const uint8_t cpuid_insn[] = {0x0f, 0xa2};

	(void)state;
	own_bytes = true;
	vmcb->save.cs.base = 0x3000;
	put_code(0x3100, cpuid_insn, sizeof(cpuid_insn));
	vmcb->save.rip = 0x100;
	v->gpr[GPR_RAX] = 0;
	do_exit(SVM_EXIT_CPUID, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, 0x102);

	/* 66 at EIP 0xffffffff, then 0f a2 at offset 0 (linear 0x3000). */
	vm->ram[0x2fff] = 0x66;
	put_code(0x3000, cpuid_insn, sizeof(cpuid_insn));
	vmcb->save.rip = 0xffffffff;
	do_exit(SVM_EXIT_CPUID, 0, 0);
	assert_running();
	/* ... and EIP wraps at 4 GiB past it (fuzzer find, issue #18). */
	assert_int_equal(vmcb->save.rip, 2);
}

/*
 * The decoded length is remembered per RIP; new bytes at that RIP (the
 * guest rewrote its code) are decoded again.
 */
static void test_no_nrip_memo_follows_the_bytes(void **state)
{
	static const uint8_t plain[] = {0x0f, 0xa2};
	static const uint8_t prefixed[] = {0x66, 0x0f, 0xa2};

	(void)state;
	own_bytes = true;
	set_long_mode(0);
	for (unsigned int round = 0; round < 3; round++) {
		const uint8_t *code = round == 1 ? prefixed : plain;
		size_t n = round == 1 ? sizeof(prefixed) : sizeof(plain);

		put_code(0x2000, code, n);
		vmcb->save.rip = LONG_VA_BASE + 0x2000;
		v->gpr[GPR_RAX] = 0;
		do_exit(SVM_EXIT_CPUID, 0, 0);
		assert_running();
		assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x2000 + n);
	}
}

/* Bytes that are not the intercepted instruction: end the VM, say so. */
static void test_no_nrip_undecodable(void **state)
{
	static const uint8_t nops[] = {0x90, 0x90};

	(void)state;
	own_bytes = true;
	put_code(GUEST_RIP, nops, sizeof(nops));
	v->gpr[GPR_RAX] = 0;
	do_exit(SVM_EXIT_CPUID, 0, 0);
	assert_ended(OUTCOME_UNEXPECTED_EXIT);
	assert_detail("not decodable");
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
}

/*
 * #UD is intercepted and injected back; injected faults carry RFLAGS.RF
 * in their frame (idt_test's "rflags.rf"), traps do not.
 */
static void test_ud_intercept_and_rf(void **state)
{
	(void)state;
	do_exit(SVM_EXIT_EXCP_BASE + 6, 0, 0);
	assert_running();
	assert_int_equal(vmcb->control.event_inj, EVENT_UD);
	assert_true(vmcb->save.rflags & (1ULL << 16));
	assert_int_equal(vmcb->save.rip, GUEST_RIP);

	vmcb->save.rflags = 0x2;
	svm_inject_exception(v, 3, false, 0); /* #BP: a trap */
	assert_int_equal(vmcb->save.rflags, 0x2);
	svm_inject_exception(v, 14, true, 2); /* #PF: a fault */
	assert_int_equal(vmcb->save.rflags, 0x2 | (1ULL << 16));
}

/*
 * INT1 (ICEBP, f1) that the CPU under mhv does not know (QEMU TCG raises
 * #UD): mhv completes it as the CPU would, a trap-like #DB after it with
 * DR6 untouched and no single-step trap besides, prefixes included and a
 * MOV SS shadow ended. Any other #UD still goes back as #UD.
 */
static void test_ud_on_int1_becomes_db(void **state)
{
	static const uint8_t int1[] = {0xf1};
	static const uint8_t cs_cs_int1[] = {0x2e, 0x2e, 0xf1};
	static const uint8_t ud2[] = {0x0f, 0x0b};

	(void)state;
	own_bytes = true;
	put_code(GUEST_RIP, int1, sizeof(int1));
	vmcb->save.rflags = 0x2;
	vmcb->save.dr6 = 0xffff0ff0;
	do_exit(SVM_EXIT_EXCP_BASE + 6, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 1);
	assert_int_equal(vmcb->control.event_inj, 0x80000301ULL);
	assert_int_equal(vmcb->save.rflags, 0x2); /* a trap: no RF */
	assert_int_equal(vmcb->save.dr6, 0xffff0ff0);

	/* Single-stepping, right after a MOV SS: still one #DB, no BS. */
	put_code(GUEST_RIP, cs_cs_int1, sizeof(cs_cs_int1));
	vmcb->save.rip = GUEST_RIP;
	vmcb->save.rflags = 0x2 | (1u << 8);
	vmcb->control.int_state = 1;
	do_exit(SVM_EXIT_EXCP_BASE + 6, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 3);
	assert_int_equal(vmcb->control.event_inj, 0x80000301ULL);
	assert_int_equal(vmcb->save.rflags, 0x2 | (1u << 8));
	assert_int_equal(vmcb->save.dr6, 0xffff0ff0);
	assert_int_equal(vmcb->control.int_state & 1, 0);

	put_code(GUEST_RIP, ud2, sizeof(ud2));
	vmcb->save.rip = GUEST_RIP;
	vmcb->save.rflags = 0x2;
	do_exit(SVM_EXIT_EXCP_BASE + 6, 0, 0);
	assert_int_equal(vmcb->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
}

static uint64_t ioio_info(uint16_t port, unsigned int size, bool in)
{
	return ((uint64_t)port << 16) | ((uint64_t)size << 4) | (in ? 1 : 0);
}

/* One IN/OUT at RIP; EXITINFO2 holds the next RIP (a 1-byte IN/OUT). */
static void io_exit(uint16_t port, unsigned int size, bool in)
{
	uint64_t next = vmcb->save.rip + 1;

	do_exit(SVM_EXIT_IOIO, ioio_info(port, size, in), next);
}

static void out_exit(uint16_t port, unsigned int size, uint32_t val)
{
	v->gpr[GPR_RAX] = val;
	io_exit(port, size, false);
}

/*
 * RFLAGS.TF: an instruction mhv completes traps with a single-step #DB
 * (DR6.BS) after it, as on hardware; on the fast (remembered) path too,
 * and on the IOIO path, which takes its next RIP from EXITINFO2.
 */
static void test_single_step_after_emulated_instructions(void **state)
{
	(void)state;
	vmcb->save.rflags = 0x2 | (1u << 8);
	vmcb->save.dr6 = 0xffff0ff0;
	for (unsigned int i = 0; i < 2; i++) { /* decoded, then remembered */
		vmcb->save.rip = GUEST_RIP;
		vmcb->save.dr6 = 0xffff0ff0;
		cpuid_exit(0, 0);
		assert_running();
		assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
		assert_int_equal(vmcb->control.event_inj, 0x80000301ULL);
		assert_int_equal(vmcb->save.dr6, 0xffff0ff0 | (1u << 14));
	}
	vmcb->save.dr6 = 0xffff0ff0;
	out_exit(0x80, 1, 0);
	assert_int_equal(vmcb->control.event_inj, 0x80000301ULL);
	assert_int_equal(vmcb->save.dr6, 0xffff0ff0 | (1u << 14));

	/* Without TF: no #DB. */
	vmcb->save.rflags = 0x2;
	vmcb->save.rip = GUEST_RIP;
	cpuid_exit(0, 0);
	assert_int_equal(vmcb->control.event_inj, 0);
}

/* NPF during event delivery: no emulation, the VM ends as bad-access. */
static void test_npf_during_delivery(void **state)
{
	static const uint8_t mov_eax_ebx[] = {0x8b, 0x03};

	(void)state;
	put_code(GUEST_RIP, mov_eax_ebx, sizeof(mov_eax_ebx));
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	vmcb->control.exit_int_info = EVENT_GP0;
	do_exit(SVM_EXIT_NPF, 0, XAPIC_VERSION_GPA);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("delivery of vector 13");
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
}

/* The double-fault table, on the VMCB's EVENTINJ. */
static void test_exception_merge(void **state)
{
	(void)state;
	vmcb->control.event_inj = 0x8000030eULL; /* #PF pending */
	svm_inject_exception(v, 14, true, 2);
	assert_int_equal(vmcb->control.event_inj, 0x80000b08ULL); /* #DF */
	svm_inject_exception(v, 14, true, 2);
	assert_ended(OUTCOME_TRIPLE_FAULT);

	fixture_fini();
	fixture_init();
	vmcb->control.event_inj = 0x80000303ULL; /* #BP pending: benign */
	svm_inject_exception(v, 6, false, 0);
	assert_int_equal(vmcb->control.event_inj, EVENT_UD);
	assert_running();
}

/* --- CR4 writes ----------------------------------------------------------- */

static void cr4_write(const uint8_t *insn, size_t n)
{
	put_code(GUEST_RIP, insn, n);
	own_bytes = true;
	vmcb->save.rip = GUEST_RIP;
	vmcb->control.event_inj = 0;
	do_exit(SVM_EXIT_WRITE_CR0 + 4, 0, 0);
}

/* The write is checked as the CPU checks it, then lands in the VMCB. */
static void test_cr4_write_decoded_and_checked(void **state)
{
	static const uint8_t mov_cr4_eax[] = {0x0f, 0x22, 0xe0};
	static const uint8_t mov_cr4_esp[] = {0x0f, 0x22, 0xe4};

	(void)state;
	v->gpr[GPR_RAX] = 1u << 5; /* PAE */
	cr4_write(mov_cr4_eax, sizeof(mov_cr4_eax));
	assert_running();
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->save.cr4, 1u << 5);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 3);
	assert_int_equal(vmcb->control.tlb_control, SVM_TLB_FLUSH_ALL);

	/* VMXE, SMXE, CET, PKS, reserved bit 15: #GP, CR4 unchanged. */
	static const uint32_t bad[] = {1u << 13, 1u << 14, 1u << 15, 1u << 23,
				       1u << 24};
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		v->gpr[GPR_RAX] = (1u << 5) | bad[i];
		cr4_write(mov_cr4_eax, sizeof(mov_cr4_eax));
		assert_running();
		assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
		assert_int_equal(vmcb->save.cr4, 1u << 5);
		assert_int_equal(vmcb->save.rip, GUEST_RIP);
	}

	/* From ESP: the VMCB's RSP, not the register array. */
	v->gpr[GPR_RSP] = 0;
	vmcb->save.rsp = 0;
	cr4_write(mov_cr4_esp, sizeof(mov_cr4_esp));
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->save.cr4, 0);
}

/* 64-bit mode: REX.B selects R8; PCIDE needs CR3[11:0] = 0. */
static void test_cr4_write_long_mode(void **state)
{
	static const uint8_t mov_cr4_r8[] = {0x41, 0x0f, 0x22, 0xe0};

	(void)state;
	set_long_mode(0);
	vmcb->save.rip = LONG_VA_BASE + 0x2000;
	put_code(0x2000, mov_cr4_r8, sizeof(mov_cr4_r8));
	own_bytes = true;
	v->gpr[GPR_R8] = (1u << 5) | (1u << 7); /* PAE, PGE */
	do_exit(SVM_EXIT_WRITE_CR0 + 4, 0, 0);
	assert_running();
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->save.cr4, (1u << 5) | (1u << 7));
	assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x2004);

	/* Clearing PAE in long mode, or PCIDE with CR3[11:0] != 0: #GP. */
	vmcb->save.rip = LONG_VA_BASE + 0x2000;
	v->gpr[GPR_R8] = 0;
	do_exit(SVM_EXIT_WRITE_CR0 + 4, 0, 0);
	assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
	vmcb->save.cr3 |= 1;
	v->gpr[GPR_R8] = (1u << 5) | (1u << 17);
	do_exit(SVM_EXIT_WRITE_CR0 + 4, 0, 0);
	assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
	assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x2000);
}

/* --- VMMCALL --------------------------------------------------------------- */

static void vmmcall(uint64_t nr)
{
	v->gpr[GPR_RAX] = nr;
	do_exit(SVM_EXIT_VMMCALL, 0, 0);
}

static void test_vmmcall_ping(void **state)
{
	(void)state;

	vm->opt.hypercalls = true;
	vmmcall(MHV_HC_PING);
	assert_running();
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_PING_REPLY);
	assert_int_equal(v->gpr[GPR_RAX], 0x6d6876);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 3);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vm->exit_counts[SVM_EXIT_VMMCALL], 1);
}

static void test_vmmcall_exit_count(void **state)
{
	(void)state;

	vm->opt.hypercalls = true;
	cpuid_exit(0, 0);
	cpuid_exit(0, 0);
	v->gpr[GPR_RBX] = SVM_EXIT_CPUID;
	vmmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], 2);

	/* This VMMCALL is counted before it runs: 2 so far. */
	v->gpr[GPR_RBX] = SVM_EXIT_VMMCALL;
	vmmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], 2);

	v->gpr[GPR_RBX] = SVM_EXIT_NPF;
	vmmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], 0);

	/* Codes without a counter of their own share the last slot. */
	v->gpr[GPR_RBX] = 0x1000;
	vmmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_EINVAL);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2 + 2 + 4 * 3);
}

static void test_vmmcall_nrip_save(void **state)
{
	(void)state;

	vm->opt.hypercalls = true;
	v->gpr[GPR_RAX] = MHV_HC_PING;
	do_exit_nrip(SVM_EXIT_VMMCALL, 0, 0, GUEST_RIP + 0x40);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 0x40);
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_PING_REPLY);
}

static void test_vmmcall_disabled_is_ud(void **state)
{
	(void)state;

	vm->opt.hypercalls = false;
	vmmcall(MHV_HC_PING);
	assert_running();
	assert_int_equal(vmcb->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_PING);

	/* With NRIP save, too: #UD is raised at the instruction. */
	v->gpr[GPR_RAX] = MHV_HC_VERSION + 100;
	do_exit_nrip(SVM_EXIT_VMMCALL, 0, 0, GUEST_RIP + 3);
	assert_int_equal(vmcb->control.event_inj, EVENT_UD);
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_VERSION + 100);
}

/* --- SVM instructions: no nested SVM ---------------------------------------- */

static void test_svm_instructions_are_ud(void **state)
{
	static const uint64_t codes[] = {
		SVM_EXIT_VMRUN,	  SVM_EXIT_VMLOAD, SVM_EXIT_VMSAVE,
		SVM_EXIT_STGI,	  SVM_EXIT_CLGI,   SVM_EXIT_SKINIT,
		SVM_EXIT_INVLPGA,
	};
	static const uint64_t numeric[] = {0x80, 0x82, 0x83, 0x84,
					   0x85, 0x86, 0x7a};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(codes); i++) {
		assert_int_equal(codes[i], numeric[i]);
		for (int nrip = 0; nrip < 2; nrip++) {
			fixture_fini();
			fixture_init();
			v->gpr[GPR_RAX] = 0x1234;
			if (nrip)
				do_exit_nrip(codes[i], 0, 0, GUEST_RIP + 3);
			else
				do_exit(codes[i], 0, 0);
			assert_running();
			assert_int_equal(vmcb->control.event_inj, EVENT_UD);
			assert_int_equal(vmcb->save.rip, GUEST_RIP);
			assert_int_equal(v->gpr[GPR_RAX], 0x1234);
			assert_int_equal(vm->exit_counts[codes[i]], 1);
		}
	}
}

/* --- MSR ------------------------------------------------------------------- */

static void rdmsr_exit(uint32_t msr)
{
	v->gpr[GPR_RCX] = msr;
	do_exit(SVM_EXIT_MSR, 0, 0);
}

static void wrmsr_exit(uint32_t msr, uint64_t val)
{
	v->gpr[GPR_RCX] = msr;
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	do_exit(SVM_EXIT_MSR, 1, 0);
}

static void test_msr_rdmsr_efer_hides_svme(void **state)
{
	(void)state;

	vmcb->save.efer = EFER_SVME | EFER_LME | EFER_LMA;
	v->gpr[GPR_RAX] = ~0ULL;
	v->gpr[GPR_RDX] = ~0ULL;
	rdmsr_exit(MSR_EFER);
	assert_running();
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(v->gpr[GPR_RAX], EFER_LME | EFER_LMA);
	assert_false(v->gpr[GPR_RAX] & (1u << 12));
	assert_int_equal(v->gpr[GPR_RDX], 0);
	assert_int_equal(vmcb->save.efer, EFER_SVME | EFER_LME | EFER_LMA);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
	assert_int_equal(vm->exit_counts[SVM_EXIT_MSR], 1);
}

static void test_msr_wrmsr_efer_keeps_svme(void **state)
{
	(void)state;

	wrmsr_exit(MSR_EFER, EFER_SCE | EFER_LME);
	assert_running();
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->save.efer, EFER_SCE | EFER_LME | EFER_SVME);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);

	rdmsr_exit(MSR_EFER);
	assert_int_equal(v->gpr[GPR_RAX], EFER_SCE | EFER_LME);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 4);

	/* Clearing everything still leaves SVME set for VMRUN. */
	wrmsr_exit(MSR_EFER, 0);
	assert_int_equal(vmcb->save.efer, EFER_SVME);
}

static void test_msr_wrmsr_efer_svme_is_gp(void **state)
{
	(void)state;

	/* SVM is hidden from the guest: SVME is a reserved bit to it. */
	wrmsr_exit(MSR_EFER, EFER_SVME | EFER_LME);
	assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
	assert_int_equal(vmcb->save.efer, EFER_SVME);
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
	assert_running();
}

static void test_msr_pat_in_vmcb(void **state)
{
	(void)state;

	rdmsr_exit(MSR_PAT);
	assert_int_equal(v->gpr[GPR_RAX], 0x00070406);
	assert_int_equal(v->gpr[GPR_RDX], 0x00070406);

	wrmsr_exit(MSR_PAT, 0x0000000100000006ULL);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->save.g_pat, 0x0000000100000006ULL);

	/* Type 2 is reserved. */
	wrmsr_exit(MSR_PAT, 0x0000000000000002ULL);
	assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
	assert_int_equal(vmcb->save.g_pat, 0x0000000100000006ULL);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 4);
}

static void test_msr_tsc_write_sets_offset(void **state)
{
	(void)state;

	wrmsr_exit(MSR_TSC, 0);
	assert_int_equal(vmcb->control.event_inj, 0);
	/* The guest's TSC restarts near 0: the offset is about -host TSC. */
	assert_true((int64_t)vmcb->control.tsc_offset < 0);
	rdmsr_exit(MSR_TSC);
	assert_true(((v->gpr[GPR_RDX] << 32) | v->gpr[GPR_RAX]) < (1ULL << 62));
}

static void test_msr_nrip_save(void **state)
{
	(void)state;

	v->gpr[GPR_RCX] = MSR_APIC_BASE;
	do_exit_nrip(SVM_EXIT_MSR, 0, 0, GUEST_RIP + 3);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 3);

	/* #GP leaves RIP at the instruction, whatever NRIP says. */
	v->gpr[GPR_RCX] = 0x12345;
	do_exit_nrip(SVM_EXIT_MSR, 0, 0, GUEST_RIP + 9);
	assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 3);
}

/* --- IOIO ------------------------------------------------------------------ */

static uint8_t in8(uint16_t port)
{
	io_exit(port, 1, true);
	return (uint8_t)v->gpr[GPR_RAX];
}

static void test_ioio_debug_exit(void **state)
{
	(void)state;

	out_exit(0xf4, 4, 3);
	assert_ended(OUTCOME_EXIT);
	assert_int_equal(vm->exit_status, 3);
	assert_int_equal(vm->exit_counts[SVM_EXIT_IOIO], 1);
}

static void test_ioio_in_uart_lsr(void **state)
{
	(void)state;

	v->gpr[GPR_RAX] = 0x1234567890abcd00ULL;
	io_exit(0x3fd, 1, true);
	assert_running();
	assert_true(v->gpr[GPR_RAX] & 0x20); /* THR empty */
	assert_int_equal(v->gpr[GPR_RAX] & ~0xffULL, 0x1234567890abcd00ULL);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 1);
}

static void test_ioio_unemulated_port(void **state)
{
	(void)state;

	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaaaa00ULL;
	io_exit(0x2e0, 1, true);
	assert_running();
	assert_int_equal(v->gpr[GPR_RAX], 0xaaaaaaaaaaaaaaffULL);
	assert_int_equal(vm->unhandled_io, 1);

	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaa0000ULL;
	io_exit(0x2e0, 2, true);
	assert_int_equal(v->gpr[GPR_RAX], 0xaaaaaaaaaaaaffffULL);

	/* A 32-bit IN zero-extends into RAX, as in 64-bit mode. */
	v->gpr[GPR_RAX] = 0xaaaaaaaa00000000ULL;
	io_exit(0x2e0, 4, true);
	assert_int_equal(v->gpr[GPR_RAX], 0xffffffffULL);

	out_exit(0x2e0, 1, 0x55);
	assert_running();
	assert_int_equal(vm->unhandled_io, 4);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 4);
}

static void test_ioio_rip_from_exitinfo2(void **state)
{
	(void)state;

	/* A prefixed or immediate-port IN: EXITINFO2 is authoritative. */
	do_exit(SVM_EXIT_IOIO, ioio_info(0x3fd, 1, true), GUEST_RIP + 2);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);

	vmcb->control.int_state = 1;
	do_exit_nrip(SVM_EXIT_IOIO, ioio_info(0x3fd, 1, true), GUEST_RIP + 4,
		     GUEST_RIP + 4);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 4);
	assert_int_equal(vmcb->control.int_state & 1, 0);
}

/* One INS/OUTS at RIP: the bytes there, the IOIO exit, EXITINFO2. */
static void string_exit(const uint8_t *insn, size_t n, uint16_t port,
			unsigned int size, bool in, bool rep)
{
	own_bytes = true;
	put_code(vmcb->save.rip, insn, n);
	do_exit(SVM_EXIT_IOIO,
		ioio_info(port, size, in) | (1u << 2) | (rep ? 1u << 3 : 0),
		vmcb->save.rip + n);
}

/*
 * INS/OUTS through the port dispatch: REP INSB of fw_cfg's signature into
 * ES:EDI, OUTSB with an FS override and DF=1, INSW into a buffer that
 * crosses a page, a REP longer than one batch, a buffer outside RAM.
 */
static void test_ioio_string(void **state)
{
	static const uint8_t rep_insb[] = {0xf3, 0x6c};
	static const uint8_t fs_outsb[] = {0x64, 0x6e};
	static const uint8_t insw[] = {0x66, 0x6d};

	(void)state;
	out_exit(0x510, 2, 0x0000); /* fw_cfg signature */
	v->gpr[GPR_RDI] = 0x2000;
	v->gpr[GPR_RCX] = 4;
	vmcb->save.rip = GUEST_RIP;
	string_exit(rep_insb, sizeof(rep_insb), 0x511, 1, true, true);
	assert_running();
	assert_memory_equal(vm->ram + 0x2000, "QEMU", 4);
	assert_int_equal(v->gpr[GPR_RDI], 0x2004);
	assert_int_equal(v->gpr[GPR_RCX], 0);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);

	vmcb->save.fs.base = 0x3000;
	vm->ram[0x3010] = 0xa5;
	v->gpr[GPR_RSI] = 0x10;
	vmcb->save.rflags |= 1u << 10; /* DF */
	vmcb->save.rip = GUEST_RIP;
	string_exit(fs_outsb, sizeof(fs_outsb), 0x21, 1, false, false);
	assert_running();
	assert_int_equal(v->gpr[GPR_RSI], 0xf);
	assert_int_equal(in8(0x21), 0xa5);
	vmcb->save.rflags &= ~(1ULL << 10);

	/* INSW at 0x3fff: the word straddles two pages. */
	out_exit(0x510, 2, 0x0000);
	v->gpr[GPR_RDI] = 0x3fff;
	vmcb->save.rip = GUEST_RIP;
	string_exit(insw, sizeof(insw), 0x511, 2, true, false);
	assert_running();
	assert_int_equal(vm->ram[0x3fff], 'Q');
	assert_int_equal(vm->ram[0x4000], 'E');
	assert_int_equal(v->gpr[GPR_RDI], 0x4001);

	/* 5000 iterations: one batch, RIP kept, then the rest. */
	v->gpr[GPR_RDI] = 0x10000;
	v->gpr[GPR_RCX] = 5000;
	vmcb->save.rip = GUEST_RIP;
	string_exit(rep_insb, sizeof(rep_insb), 0x21, 1, true, true);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
	assert_int_equal(v->gpr[GPR_RCX], 5000 - 4096);
	string_exit(rep_insb, sizeof(rep_insb), 0x21, 1, true, true);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
	assert_int_equal(v->gpr[GPR_RCX], 0);
	assert_int_equal(v->gpr[GPR_RDI], 0x10000 + 5000);

	/* A buffer beyond RAM: the VM ends, as for any bad access. */
	v->gpr[GPR_RSI] = RAM_SIZE;
	vmcb->save.fs.base = 0;
	string_exit(fs_outsb, sizeof(fs_outsb), 0x21, 1, false, false);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("not guest RAM");
}

/* Bytes at RIP that are not INS/OUTS: reported, never guessed. */
static void test_ioio_string_not_decodable(void **state)
{
	static const uint8_t nops[] = {0x90, 0x90};

	(void)state;
	string_exit(nops, sizeof(nops), 0x3f8, 1, false, false);
	assert_ended(OUTCOME_UNEXPECTED_EXIT);
	assert_captured("unexpected exit");
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
}

/* --- HLT, SHUTDOWN, NMI ---------------------------------------------------- */

static void test_hlt_ends_vm(void **state)
{
	(void)state;

	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_ended(OUTCOME_HALT);
	assert_detail("disabled");
	assert_int_equal(vm->exit_counts[SVM_EXIT_HLT], 1);

	fixture_fini();
	fixture_init();
	vmcb->save.rflags = 0x202; /* IF */
	do_exit_nrip(SVM_EXIT_HLT, 0, 0, GUEST_RIP + 1);
	assert_ended(OUTCOME_HALT);
	assert_detail("enabled");
}

static void test_shutdown_is_triple_fault(void **state)
{
	(void)state;

	vmcb->save.rip = 0xabc123;
	do_exit(SVM_EXIT_SHUTDOWN, 0, 0);
	assert_ended(OUTCOME_TRIPLE_FAULT);
	assert_detail("0xabc123");
	assert_int_equal(vm->exit_counts[SVM_EXIT_SHUTDOWN], 1);
}

static void test_nmi_is_ignored(void **state)
{
	(void)state;

	do_exit(SVM_EXIT_NMI, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vm->exit_counts[SVM_EXIT_NMI], 1);
}

/* --- INTR: host interrupts and the time budget ---------------------------- */

/* An INTR exit with nothing pending any more (the source went away). */
static void test_intr_without_pending_interrupt(void **state)
{
	(void)state;

	vm->deadline_tsc = 0; /* long past, but no timer fired */
	do_exit(SVM_EXIT_INTR, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(fake_irq.handled_count, 0);
	assert_false(fake_irq.timer_armed);
	assert_int_equal(vm->exit_counts[SVM_EXIT_INTR], 1);
}

/* The host timer before the deadline: taken by mhv, re-armed, guest runs on. */
static void test_intr_timer_before_deadline(void **state)
{
	(void)state;

	vm->deadline_tsc = UINT64_MAX;
	fake_irq.pending_vector = HOST_VEC_TIMER;
	do_exit(SVM_EXIT_INTR, 0, 0);
	assert_running();
	assert_int_equal(fake_irq.handled_count, 1);
	assert_int_equal(fake_irq.handled[0], HOST_VEC_TIMER);
	/* Re-armed by the entry path, which the fired timer asks for. */
	assert_true(v->events);
	assert_int_equal(fake_irq.arm_count, 0);
	svm_events(v, vmcb);
	assert_false(v->events);
	assert_int_equal(fake_irq.arm_count, 1);
	assert_true(fake_irq.armed_ticks > 0);
	/* Never the guest's: nothing injected, RIP where it was. */
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->save.rip, GUEST_RIP);
}

/* The host timer past the deadline: the VM ends as timeout, RIP named. */
static void test_intr_timer_past_deadline(void **state)
{
	(void)state;

	vm->opt.timeout_ms = 300;
	vm->deadline_tsc = 1;
	vmcb->save.rip = 0x4000eb;
	fake_irq.pending_vector = HOST_VEC_TIMER;
	do_exit(SVM_EXIT_INTR, 0, 0);
	assert_ended(OUTCOME_TIMEOUT);
	assert_detail("300 ms");
	assert_detail("RIP 0x4000eb");
	assert_int_equal(fake_irq.handled_count, 1);
	assert_int_equal(fake_irq.arm_count, 0);
	assert_int_equal(vmcb->control.event_inj, 0);
}

/* Another host interrupt past the deadline: handled, no budget check. */
static void test_intr_other_vector(void **state)
{
	(void)state;

	vm->deadline_tsc = 0;
	fake_irq.pending_vector = HOST_VEC_APIC_ERROR;
	do_exit(SVM_EXIT_INTR, 0, 0);
	assert_running();
	assert_int_equal(fake_irq.handled_count, 1);
	assert_int_equal(fake_irq.handled[0], HOST_VEC_APIC_ERROR);
	assert_int_equal(fake_irq.arm_count, 0);
}

/* --- NPF (xAPIC MMIO) ------------------------------------------------------ */

static void test_npf_apic_version_read(void **state)
{
	static const uint8_t mov_eax_ebx[] = {0x8b, 0x03};

	(void)state;
	put_code(GUEST_RIP, mov_eax_ebx, sizeof(mov_eax_ebx));
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	v->gpr[GPR_RAX] = 0x12345678;
	do_exit(SVM_EXIT_NPF, 0, XAPIC_VERSION_GPA);
	assert_running();
	assert_int_equal((uint32_t)v->gpr[GPR_RAX], 0x00050014);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
	assert_int_equal(vm->exit_counts[svm_exit_counter(SVM_EXIT_NPF)], 1);
}

static void test_npf_real_mode_uses_cs_base(void **state)
{
	static const uint8_t mov_ax_bx[] = {0x8b, 0x07}; /* mov ax,[bx] */

	(void)state;
	vmcb->save.cr0 = 0x10;
	vmcb->save.cs = (struct vmcb_seg){.selector = 0x1000,
					  .attrib = 0x9b,
					  .limit = 0xffff,
					  .base = 0x10000};
	vmcb->save.rip = 0x100;
	put_code(0x10100, mov_ax_bx, sizeof(mov_ax_bx));
	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaaaaaaULL;
	do_exit(SVM_EXIT_NPF, 0, XAPIC_VERSION_GPA);
	assert_running();
	/* 16-bit operand: AX only, the rest of RAX kept. */
	assert_int_equal(v->gpr[GPR_RAX], 0xaaaaaaaaaaaa0014ULL);
	assert_int_equal(vmcb->save.rip, 0x102);
}

/* Long mode: RIP is a virtual address the exit must translate. */
static void test_npf_long_mode_walks_guest_tables(void **state)
{
	static const uint8_t mov_eax_rbx[] = {0x8b, 0x03};
	const uint64_t pml4 = 0x10000, pdpt = 0x11000, pd = 0x12000;
	const uint64_t va_base = 0xffff800000000000ULL;
	uint64_t e;

	(void)state;
	e = pdpt | 3;
	memcpy(vm->ram + pml4 + 256 * 8, &e, 8);
	e = pd | 3;
	memcpy(vm->ram + pdpt, &e, 8);
	e = 0 | 0x83; /* 2 MiB page at 0 */
	memcpy(vm->ram + pd, &e, 8);
	put_code(0x2000, mov_eax_rbx, sizeof(mov_eax_rbx));

	vmcb->save.cs = (struct vmcb_seg){.selector = 0x08,
					  .attrib = 0xa9b, /* L, G */
					  .limit = 0xffffffff};
	vmcb->save.cr0 = 0x80000011;
	vmcb->save.cr4 = 1u << 5; /* PAE */
	vmcb->save.cr3 = pml4;
	vmcb->save.efer = EFER_SVME | EFER_LME | EFER_LMA;
	vmcb->save.rip = va_base + 0x2000;
	v->gpr[GPR_RAX] = 0xffffffff00000000ULL;
	do_exit(SVM_EXIT_NPF, 0, XAPIC_VERSION_GPA);
	assert_running();
	/* A 32-bit load zero-extends in 64-bit mode. */
	assert_int_equal(v->gpr[GPR_RAX], 0x00050014);
	assert_int_equal(vmcb->save.rip, va_base + 0x2002);
}

static void test_npf_outside_ram_and_devices(void **state)
{
	(void)state;

	do_exit(SVM_EXIT_NPF, 0, 0xc0000000);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("0xc0000000");
	assert_detail("read");
	assert_int_equal(vmcb->save.rip, GUEST_RIP);

	fixture_fini();
	fixture_init();
	do_exit(SVM_EXIT_NPF, SVM_NPF_WRITE, XAPIC_BASE + XAPIC_SIZE);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("write");
	assert_detail("0xfee01000");
}

static void test_npf_fetch_from_apic(void **state)
{
	(void)state;

	do_exit(SVM_EXIT_NPF, SVM_NPF_FETCH, XAPIC_BASE);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("instruction fetch");
}

/* --- invalid and unhandled codes ------------------------------------------- */

static void test_invalid_state(void **state)
{
	/*
	 * -1, the 32-bit -1 of some nested L0s, and by the same rule
	 * (shared/reference/exit-codes.md: "low 32 bits all ones") any code
	 * whose low half is all ones.
	 */
	static const uint64_t codes[] = {SVM_EXIT_INVALID, 0xffffffffULL,
					 0x7fffffffffffffffULL, 0x1ffffffffULL};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(codes); i++) {
		fixture_fini();
		fixture_init();
		do_exit(codes[i], 0, 0);
		assert_ended(OUTCOME_ENTRY_FAILED);
		assert_captured(GUEST_NAME ": VMRUN refused the guest state");
		assert_captured("RIP=0000000000001000"); /* the state dump */
		assert_int_equal(vm->exit_counts[svm_exit_counter(codes[i])],
				 1);
		assert_string_equal(svm_exit_name(codes[i]), "INVALID");
		assert_string_equal(
			svm_exit_slot_name(svm_exit_counter(codes[i])),
			"INVALID");
	}
}

static void test_unhandled_codes_end_the_vm(void **state)
{
	static const uint64_t codes[] = {
		0xa7, 0xff, 0x3ff, 0x404, 0x1000,
		/* Low half not all ones: not VMEXIT_INVALID. */
		0x7ffffffffffffffeULL, 0xfffffffeULL,
		0xfffffffffffffffeULL, /* VMEXIT_BUSY (SEV-SNP) */
		/* Dense codes mhv never intercepts. */
		SVM_EXIT_READ_CR0, SVM_EXIT_RDPMC,
		/* A truncated compare would take these for CPUID and NPF. */
		0x100000072ULL, 0x100000400ULL,
		/* Beyond the table, next to codes that are handled. */
		SVM_EXIT_DENSE_LAST + 1, SVM_EXIT_NPF - 1, SVM_EXIT_NPF + 1,
		SVM_EXIT_VMGEXIT};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(codes); i++) {
		fixture_fini();
		fixture_init();
		v->gpr[GPR_RAX] = 0x77;
		do_exit(codes[i], 0x1111, 0x2222);
		assert_ended(OUTCOME_UNEXPECTED_EXIT);
		assert_captured(GUEST_NAME ": unexpected exit");
		assert_captured("info 0x1111 0x2222");
		assert_captured("RAX=0000000000000077"); /* the state dump */
		assert_detail("unexpected exit");
		assert_detail(svm_exit_name(codes[i]));
		assert_int_equal(vmcb->save.rip, GUEST_RIP);
		assert_int_equal(vmcb->control.event_inj, 0);
		assert_int_equal(v->gpr[GPR_RAX], 0x77);
		assert_int_equal(vm_exits_total(vm), 1);
		assert_int_equal(vm->exit_counts[svm_exit_counter(codes[i])],
				 1);
	}
}

static void test_unhandled_code_names(void **state)
{
	(void)state;

	do_exit(SVM_EXIT_RDPMC, 0, 0);
	assert_captured(GUEST_NAME ": unexpected exit 0x6f (RDPMC)");
	assert_detail("RDPMC");

	fixture_fini();
	fixture_init();
	do_exit(0x1000, 0, 0);
	assert_captured("unexpected exit 0x1000 (unknown)");
	assert_int_equal(svm_exit_counter(0x1000), VM_EXIT_COUNTERS - 1);
	assert_string_equal(svm_exit_slot_name(VM_EXIT_COUNTERS - 1), "other");
}

/*
 * hide=rdtscp: the RDTSC intercept (QEMU TCG's exit for RDTSCP) reads the
 * guest's TSC for RDTSC and raises #UD for RDTSCP at its RIP.
 */
static void test_rdtsc_exit_when_rdtscp_hidden(void **state)
{
	uint64_t before, tsc;

	(void)state;
	own_bytes = true;
	vmcb->control.tsc_offset = 1ULL << 40;
	memcpy(vm->ram + GUEST_RIP, "\x0f\x31", 2);
	before = rdtsc();
	do_exit(SVM_EXIT_RDTSC, 0, 0);
	assert_running();
	tsc = (v->gpr[GPR_RDX] << 32) | (uint32_t)v->gpr[GPR_RAX];
	assert_true(tsc >= before + (1ULL << 40));
	assert_true(tsc <= rdtsc() + (1ULL << 40));
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
	assert_int_equal(vmcb->control.event_inj, 0);

	memcpy(vm->ram + GUEST_RIP + 2, "\x0f\x01\xf9", 3);
	do_exit(SVM_EXIT_RDTSC, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
	assert_int_equal(vmcb->control.event_inj, 0x80000306ULL); /* #UD */
	/* Where the CPU exits RDTSCP as itself, the same #UD. */
	vmcb->control.event_inj = 0;
	do_exit(SVM_EXIT_RDTSCP, 0, 0);
	assert_int_equal(vmcb->control.event_inj, 0x80000306ULL);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
}

/* Handled exits that leave the VM running from the reset state. */
static bool runs_on(uint64_t code)
{
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_CPUID:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_IOIO:
	case SVM_EXIT_MSR:
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMMCALL:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
		return true;
	default:
		return false;
	}
}

/*
 * Every code from 0 to 0x410, each on a fresh VM: no crash (ASan, UBSan),
 * one count, and either a handled exit that did something the guest can
 * see (RIP moved or an event is pending; an NMI or INTR exit alone does
 * nothing) or the end of the VM. The table may grow; the rules below may not break.
 */
static void check_code(uint64_t code, uint64_t info)
{
	unsigned int slot = svm_exit_counter(code);

	fixture_fini();
	fixture_init();
	/* ECX=1: nothing a handler might run itself (XSETBV of XCR1). */
	v->gpr[GPR_RCX] = 1;
	do_exit(code, info, info);
	assert_int_equal(vm_exits_total(vm), 1);
	assert_true(slot < VM_EXIT_COUNTERS);
	assert_int_equal(vm->exit_counts[slot], 1);
	assert_non_null(svm_exit_name(code));

	if (vm->ended) {
		assert_true(vm->outcome == OUTCOME_UNEXPECTED_EXIT ||
			    vm->outcome == OUTCOME_HALT ||
			    vm->outcome == OUTCOME_TRIPLE_FAULT ||
			    vm->outcome == OUTCOME_BAD_ACCESS);
		assert_true(vm->detail[0] != '\0');
		if (vm->outcome == OUTCOME_UNEXPECTED_EXIT)
			assert_captured("unexpected exit");
	} else if (code != SVM_EXIT_NMI && code != SVM_EXIT_INTR &&
		   !v->events && vmcb->save.rip == GUEST_RIP &&
		   !(vmcb->control.event_inj & (1ULL << 31))) {
		fail_msg("exit %#lx left the VM running with no effect", code);
	}
	/* Garbage info: surviving it is all that is asked. */
	if (info)
		return;
	if (code == SVM_EXIT_HLT)
		assert_ended(OUTCOME_HALT);
	else if (code == SVM_EXIT_SHUTDOWN)
		assert_ended(OUTCOME_TRIPLE_FAULT);
	else if (code == SVM_EXIT_NPF) /* GPA 0: no device there */
		assert_ended(OUTCOME_BAD_ACCESS);
	else if (runs_on(code))
		assert_running();
	else if (code > SVM_EXIT_DENSE_LAST) /* no table row can exist */
		assert_ended(OUTCOME_UNEXPECTED_EXIT);
}

static void test_every_code(void **state)
{
	(void)state;
	for (uint64_t code = 0; code <= 0x410; code++) {
		check_code(code, 0);
		check_code(code, ~0ULL);
	}
}

/* INVD is a no-op; MONITOR/MWAIT are hidden in CPUID and raise #UD. */
static void test_invd_and_monitor_mwait(void **state)
{
	static const uint64_t ud_codes[] = {SVM_EXIT_MONITOR, SVM_EXIT_MWAIT,
					    SVM_EXIT_MWAIT_COND};

	(void)state;
	do_exit(SVM_EXIT_INVD, 0, 0);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2); /* 0f 08 */
	assert_int_equal(vmcb->control.event_inj, 0);
	do_exit_nrip(SVM_EXIT_INVD, 0, 0, GUEST_RIP + 5);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 5);

	for (unsigned int i = 0; i < ARRAY_SIZE(ud_codes); i++) {
		fixture_fini();
		fixture_init();
		do_exit_nrip(ud_codes[i], 0, 0, GUEST_RIP + 3);
		assert_running();
		assert_int_equal(vmcb->control.event_inj, EVENT_UD);
		assert_int_equal(vmcb->save.rip, GUEST_RIP);
	}

	/* And CPUID says there is no MONITOR/MWAIT. */
	fixture_fini();
	fixture_init();
	cpuid_exit(1, 0);
	assert_false(v->gpr[GPR_RCX] & (1u << 3));
}

/* --- counters -------------------------------------------------------------- */

static void test_exit_counters(void **state)
{
	static const uint8_t mov_eax_ebx[] = {0x8b, 0x03};

	(void)state;
	cpuid_exit(0, 0);
	cpuid_exit(0, 0);
	rdmsr_exit(MSR_APIC_BASE);
	do_exit(SVM_EXIT_NMI, 0, 0);
	out_exit(0x80, 1, 0);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 7);
	put_code(GUEST_RIP + 4, mov_eax_ebx, sizeof(mov_eax_ebx));
	vmcb->save.rip = GUEST_RIP + 4;
	do_exit(SVM_EXIT_NPF, 0, XAPIC_VERSION_GPA);
	assert_running();

	assert_int_equal(vm_exits_total(vm), 6);
	assert_int_equal(vm->exit_counts[0x72], 2);
	assert_int_equal(vm->exit_counts[0x7c], 1);
	assert_int_equal(vm->exit_counts[0x61], 1);
	assert_int_equal(vm->exit_counts[0x7b], 1);
	assert_int_equal(svm_exit_counter(SVM_EXIT_NPF), 0xb0);
	assert_int_equal(vm->exit_counts[0xb0], 1);
	assert_string_equal(svm_exit_slot_name(0xb0), "NPF");
	assert_string_equal(svm_exit_slot_name(0x72), "CPUID");
	assert_string_equal(svm_exit_slot_name(0x7b), "IOIO");
}

/* --- interrupt and NMI injection (svm_irq.c), CR8, HLT -------------------- */

/* EVENTINJ (APM vol. 2, 15.20): vector 7:0, type 10:8, valid 31. */
#define EVENT_INTR(vec) (0x80000000ULL | (vec))
#define EVENT_NMI 0x80000202ULL /* valid | NMI | vector 2 */
/* VMCB control fields: intercept bits and int_ctl (APM vol. 2, 15.21). */
#define ICPT_VINTR (1u << 4)
#define ICPT_IRET (1u << 20)
#define INT_CTL_V_IRQ (1u << 8)
#define INT_CTL_V_IGN_TPR (1u << 20)
#define INT_CTL_V_INTR_MASKING (1u << 24)

static bool lapic_bit(const uint32_t *reg256, unsigned int vector)
{
	return reg256[vector / 32] & (1u << (vector % 32));
}

/*
 * A guest with a software-enabled LAPIC and `vector` pending, IF=1, no
 * shadow, nothing in EVENTINJ: what svm_vcpu_create() and a guest's APIC
 * setup leave, with a budget far away.
 */
static void irq_fixture(int vector)
{
	fake_now = 1000000;
	vm->deadline_tsc = fake_now + 1000000000;
	vmcb->control.int_ctl = INT_CTL_V_INTR_MASKING;
	vmcb->save.rflags = (RFLAGS_FIXED1 | RFLAGS_IF);
	xapic_write(v, APIC_SPIV, 0x1ff);
	if (vector >= 0)
		lapic_deliver(v, APIC_DM_FIXED, (uint8_t)vector, false);
	assert_true(v->events);
}

/* Injected: in EVENTINJ, moved to ISR, no window asked for. */
static void assert_injected(unsigned int vector)
{
	assert_int_equal(vmcb->control.event_inj, EVENT_INTR(vector));
	assert_false(lapic_bit(v->apic.irr, vector));
	assert_true(lapic_bit(v->apic.isr, vector));
	assert_int_equal(vmcb->control.intercept_misc1 & ICPT_VINTR, 0);
	assert_int_equal(vmcb->control.int_ctl & INT_CTL_V_IRQ, 0);
	assert_false(v->events);
}

/* Held: nothing injected, a VINTR exit asked for, still in IRR. */
static void assert_window(unsigned int vector, uint64_t event_inj)
{
	assert_int_equal(vmcb->control.event_inj, event_inj);
	assert_true(lapic_bit(v->apic.irr, vector));
	assert_false(lapic_bit(v->apic.isr, vector));
	assert_true(vmcb->control.intercept_misc1 & ICPT_VINTR);
	assert_true(vmcb->control.int_ctl & INT_CTL_V_IRQ);
	/* The guest's TPR is applied by mhv, not against V_INTR_PRIO. */
	assert_true(vmcb->control.int_ctl & INT_CTL_V_IGN_TPR);
	assert_true(vmcb->control.int_ctl & INT_CTL_V_INTR_MASKING);
}

static void test_events_inject_interrupt(void **state)
{
	(void)state;
	irq_fixture(0x41);
	svm_events(v, vmcb);
	assert_injected(0x41);
	assert_int_equal(fake_irq.arm_count, 1);
	/* The next one waits for the EOI: same class. */
	lapic_deliver(v, APIC_DM_FIXED, 0x42, false);
	vmcb->control.event_inj = 0; /* delivered by VMRUN */
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->control.intercept_misc1 & ICPT_VINTR, 0);
}

/* IF=0, an STI shadow, an event already on its way: VINTR, then inject. */
static void test_events_blocked_then_vintr(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		fixture_fini();
		fixture_init();
		irq_fixture(0x41);
		if (i == 0)
			vmcb->save.rflags = 0x2;
		else if (i == 1)
			vmcb->control.int_state = 1;
		else
			vmcb->control.event_inj = EVENT_GP0;
		svm_events(v, vmcb);
		assert_window(0x41, i == 2 ? EVENT_GP0 : 0);
		assert_false(v->events);
		assert_int_equal(irq_pending(v), 0x41);

		/* The guest can take it now: VINTR, and the next entry does. */
		vmcb->save.rflags = (RFLAGS_FIXED1 | RFLAGS_IF);
		vmcb->control.int_state = 0;
		do_exit(SVM_EXIT_VINTR, 0, 0);
		assert_running();
		assert_true(v->events);
		assert_int_equal(vmcb->save.rip, GUEST_RIP);
		svm_events(v, vmcb);
		assert_injected(0x41);
	}
}

/*
 * NMIs: injected whatever IF says, then blocked (SVM does not track it)
 * until the handler's IRET has executed: the IRET exit comes before it
 * does, so only RIP moving on from the IRET ends the block.
 */
static void test_events_nmi_and_iret(void **state)
{
	(void)state;
	irq_fixture(-1);
	vmcb->save.rflags = 0x2;
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, EVENT_NMI);
	assert_false(v->apic.nmi_pending);
	assert_true(vmcb->control.intercept_misc1 & ICPT_IRET);

	/* A second NMI while the handler runs: held. */
	vmcb->save.rip = 0x3000;
	do_exit(SVM_EXIT_INTR, 0, 0);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_true(v->apic.nmi_pending);

	/* The IRET exit: the IRET has not run yet. */
	vmcb->save.rip = 0x3010;
	do_exit(SVM_EXIT_IRET, 0, 0);
	assert_running();
	assert_true(v->events);
	assert_int_equal(vmcb->control.intercept_misc1 & ICPT_IRET, 0);
	assert_int_equal(vmcb->save.rip, 0x3010);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_true(v->apic.nmi_pending);

	/* Back in the interrupted code: now the second one goes in. */
	vmcb->save.rip = GUEST_RIP;
	vmcb->save.rflags = (RFLAGS_FIXED1 | RFLAGS_IF);
	do_exit(SVM_EXIT_VINTR, 0, 0);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, EVENT_NMI);
	assert_false(v->apic.nmi_pending);
	assert_true(vmcb->control.intercept_misc1 & ICPT_IRET);
}

/* An NMI waits for a shadow or an event in flight, like an interrupt. */
static void test_events_nmi_waits_for_shadow_and_event(void **state)
{
	(void)state;
	irq_fixture(-1);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	vmcb->control.int_state = 1;
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_true(v->apic.nmi_pending);
	assert_true(vmcb->control.intercept_misc1 & ICPT_VINTR);
	vmcb->control.int_state = 0;
	vmcb->control.event_inj = EVENT_UD;
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, EVENT_UD);
	assert_true(v->apic.nmi_pending);

	/* An NMI and an interrupt: the NMI first, the interrupt waits. */
	vmcb->control.event_inj = 0;
	lapic_deliver(v, APIC_DM_FIXED, 0x41, false);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, EVENT_NMI);
	assert_window(0x41, EVENT_NMI);
}

/* V_TPR (int_ctl 3:0) is the LAPIC's TPR[7:4] on every entry. */
static void test_events_sync_v_tpr(void **state)
{
	(void)state;
	irq_fixture(-1);
	xapic_write(v, APIC_TPR, 0x7c);
	assert_true(v->events);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.int_ctl, INT_CTL_V_INTR_MASKING | 0x7);
	xapic_write(v, APIC_TPR, 0x10);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.int_ctl, INT_CTL_V_INTR_MASKING | 0x1);
}

/* MOV to CR8 (APM vol. 2, 15.21.4): TPR[7:4]; bits 63:4 set are #GP. */
static void test_cr8_write_sets_tpr(void **state)
{
	static const uint8_t mov_cr8_rax[] = {0x44, 0x0f, 0x22, 0xc0};

	(void)state;
	irq_fixture(0x41);
	set_long_mode(0);
	own_bytes = true;
	put_code(0x2000, mov_cr8_rax, sizeof(mov_cr8_rax));

	/* CR8 = 5 blocks vector 0x41: nothing injected, no VINTR either. */
	vmcb->save.rip = LONG_VA_BASE + 0x2000;
	v->gpr[GPR_RAX] = 5;
	do_exit(SVM_EXIT_WRITE_CR0 + 8, 0, 0);
	assert_running();
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(v->apic.tpr, 0x50);
	assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x2004);
	assert_true(v->events);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.int_ctl & 0xf, 5);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->control.intercept_misc1 & ICPT_VINTR, 0);

	/*
	 * Decode assists name the register (EXITINFO1 bit 63, GPR 3:0), and
	 * they win over the bytes, which the guest may have rewritten since.
	 */
	vmcb->save.rip = LONG_VA_BASE + 0x2000;
	v->gpr[GPR_RAX] = 9;
	v->gpr[GPR_RBX] = 0;
	do_exit_nrip(SVM_EXIT_WRITE_CR0 + 8, (1ULL << 63) | GPR_RBX, 0,
		     LONG_VA_BASE + 0x2004);
	assert_int_equal(v->apic.tpr, 0);
	assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x2004);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.int_ctl & 0xf, 0);
	assert_injected(0x41);

	/* Reserved bits: #GP(0), TPR and RIP unchanged. */
	vmcb->save.rip = LONG_VA_BASE + 0x2000;
	v->gpr[GPR_RAX] = 0x10;
	do_exit(SVM_EXIT_WRITE_CR0 + 8, 0, 0);
	assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
	assert_int_equal(v->apic.tpr, 0);
	assert_int_equal(vmcb->save.rip, LONG_VA_BASE + 0x2000);
	v->gpr[GPR_RAX] = 1ULL << 32;
	do_exit(SVM_EXIT_WRITE_CR0 + 8, 0, 0);
	assert_int_equal(vmcb->control.event_inj, EVENT_GP0);
	assert_int_equal(v->apic.tpr, 0);
}

/*
 * A guest arming its LAPIC timer through the xAPIC page, then spinning:
 * the entry after that exit re-arms the host timer for the new deadline,
 * or the interrupt would wait for whatever the host timer was armed for.
 */
static void test_timer_armed_by_mmio_rearms_host_timer(void **state)
{
	static const uint8_t mov_ebx_eax[] = {0x89, 0x03}; /* [ebx], eax */

	(void)state;
	irq_fixture(-1);
	xapic_write(v, APIC_TIMER_DIVIDE, 0xb);
	xapic_write(v, APIC_LVT_TIMER, 0x40);
	svm_events(v, vmcb);
	assert_int_equal(fake_irq.armed_ticks, vm->deadline_tsc - fake_now);

	put_code(GUEST_RIP, mov_ebx_eax, sizeof(mov_ebx_eax));
	v->gpr[GPR_RBX] = 0xfee00380; /* initial count */
	v->gpr[GPR_RAX] = 7000;
	do_exit(SVM_EXIT_NPF, 1ULL << 1, 0xfee00380);
	assert_running();
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 2);
	assert_true(v->events);
	svm_events(v, vmcb);
	assert_int_equal(fake_irq.armed_ticks, 7000);
}

/* HLT with IF=1 and the LAPIC timer armed: wait for it, then deliver. */
static void test_hlt_waits_for_lapic_timer(void **state)
{
	(void)state;
	irq_fixture(-1);
	xapic_write(v, APIC_TIMER_DIVIDE, 0xb); /* divide by 1 */
	xapic_write(v, APIC_LVT_TIMER, 0x40);	/* one-shot, vector 0x40 */
	xapic_write(v, APIC_TIMER_INITIAL, 5000);
	svm_events(v, vmcb);
	assert_int_equal(fake_irq.armed_ticks, 5000);

	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_running();
	assert_int_equal(fake_irq.waits, 1);
	assert_int_equal(fake_now, 1000000 + 5000);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 1);
	assert_true(v->events);
	assert_int_equal(irq_pending(v), 0x40);
	svm_events(v, vmcb);
	assert_injected(0x40);
}

static void test_hlt_nothing_armed_ends(void **state)
{
	(void)state;
	irq_fixture(-1);
	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_ended(OUTCOME_HALT);
	assert_detail("no interrupt source armed");
	assert_int_equal(fake_irq.waits, 0);

	/* IF=1 with an interrupt already pending: straight back. */
	fixture_fini();
	fixture_init();
	irq_fixture(0x41);
	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_running();
	assert_true(v->events);
	assert_int_equal(fake_irq.waits, 0);
}

/* HLT with IF=0: only an NMI wakes it. */
static void test_hlt_if0_nmi_resumes(void **state)
{
	(void)state;
	/* A pending interrupt does not wake it. */
	irq_fixture(0x41);
	vmcb->save.rflags = 0x2;
	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_ended(OUTCOME_HALT);
	assert_detail("disabled");

	fixture_fini();
	fixture_init();
	irq_fixture(0x41);
	vmcb->save.rflags = 0x2;
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	v->events = false;
	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_running();
	assert_true(v->events);
	assert_int_equal(fake_irq.waits, 0);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 1);
	svm_events(v, vmcb);
	assert_int_equal(vmcb->control.event_inj, EVENT_NMI);
	assert_true(lapic_bit(v->apic.irr, 0x41));
}

/*
 * STI; HLT single-stepped (kvm-unit-tests' debug): the HLT waits for the
 * timer, then its single-step #DB (RIP after the HLT, DR6.BS) goes in
 * first, a trap on the previous instruction being above an interrupt
 * (SDM vol. 3, table 6-2); the interrupt waits for the VINTR exit that
 * follows the #DB handler's IRET.
 */
static void test_hlt_single_step_before_interrupt(void **state)
{
	(void)state;
	irq_fixture(-1);
	xapic_write(v, APIC_TIMER_DIVIDE, 0xb);
	xapic_write(v, APIC_LVT_TIMER, 0x40);
	xapic_write(v, APIC_TIMER_INITIAL, 5000);
	svm_events(v, vmcb);
	vmcb->save.rflags |= RFLAGS_TF;
	vmcb->save.dr6 = 0xffff0ff0;
	vmcb->control.int_state = 1; /* the HLT sits in the STI shadow */

	do_exit(SVM_EXIT_HLT, 0, 0);
	assert_running();
	assert_int_equal(fake_irq.waits, 1);
	assert_int_equal(vmcb->save.rip, GUEST_RIP + 1);
	assert_int_equal(vmcb->save.dr6, 0xffff0ff0 | DR6_BS);
	assert_int_equal(vmcb->control.int_state & 1, 0);
	assert_true(v->events);
	svm_events(v, vmcb);
	assert_window(0x40, 0x80000301ULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cpuid_osxsave_follows_guest_cr4),
		T(test_cpuid_nrip_save),
		T(test_cpuid_without_nrip_ignores_next_rip),
		T(test_vmmcall_ping),
		T(test_vmmcall_exit_count),
		T(test_vmmcall_nrip_save),
		T(test_vmmcall_disabled_is_ud),
		T(test_svm_instructions_are_ud),
		T(test_msr_rdmsr_efer_hides_svme),
		T(test_msr_wrmsr_efer_keeps_svme),
		T(test_msr_wrmsr_efer_svme_is_gp),
		T(test_msr_pat_in_vmcb),
		T(test_msr_tsc_write_sets_offset),
		T(test_msr_nrip_save),
		T(test_ioio_debug_exit),
		T(test_ioio_in_uart_lsr),
		T(test_ioio_unemulated_port),
		T(test_ioio_rip_from_exitinfo2),
		T(test_ioio_string),
		T(test_ioio_string_not_decodable),
		T(test_hlt_ends_vm),
		T(test_shutdown_is_triple_fault),
		T(test_nmi_is_ignored),
		T(test_intr_without_pending_interrupt),
		T(test_intr_timer_before_deadline),
		T(test_intr_timer_past_deadline),
		T(test_intr_other_vector),
		T(test_npf_apic_version_read),
		T(test_npf_real_mode_uses_cs_base),
		T(test_npf_long_mode_walks_guest_tables),
		T(test_no_nrip_lengths_include_prefixes),
		T(test_no_nrip_long_mode),
		T(test_no_nrip_cs_base_and_eip_wrap),
		T(test_no_nrip_memo_follows_the_bytes),
		T(test_no_nrip_undecodable),
		T(test_ud_intercept_and_rf),
		T(test_ud_on_int1_becomes_db),
		T(test_npf_during_delivery),
		T(test_exception_merge),
		T(test_single_step_after_emulated_instructions),
		T(test_cr4_write_decoded_and_checked),
		T(test_cr4_write_long_mode),
		T(test_npf_outside_ram_and_devices),
		T(test_npf_fetch_from_apic),
		T(test_invalid_state),
		T(test_unhandled_codes_end_the_vm),
		T(test_unhandled_code_names),
		T(test_rdtsc_exit_when_rdtscp_hidden),
		T(test_every_code),
		T(test_invd_and_monitor_mwait),
		T(test_exit_counters),
		T(test_events_inject_interrupt),
		T(test_events_blocked_then_vintr),
		T(test_events_nmi_and_iret),
		T(test_events_nmi_waits_for_shadow_and_event),
		T(test_events_sync_v_tpr),
		T(test_cr8_write_sets_tpr),
		T(test_timer_armed_by_mmio_rearms_host_timer),
		T(test_hlt_waits_for_lapic_timer),
		T(test_hlt_nothing_armed_ends),
		T(test_hlt_if0_nmi_resumes),
		T(test_hlt_single_step_before_interrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
