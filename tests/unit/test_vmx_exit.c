// SPDX-License-Identifier: MIT
/*
 * The real VMX exit dispatch (vmx/vmx_exit.c) and the real VMCS-side
 * backend ops (vmx/vmx_vcpu.c) against a software VMCS (fake_vmcs.c),
 * with the real core/ exit semantics and devices behind them: what
 * vmx_run() does after each VM exit, minus VMLAUNCH/VMRESUME. The VMCS
 * fails a test that reads a field nobody set, or writes a read-only one;
 * the console goes to a capture buffer (fake_serial.c). Guest RAM is a
 * heap block of its exact size, so ASan catches any access past it.
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
#include "core/host/apic.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/fake_host_irq.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/fake_vmcs.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vmx/vmx_exit_reasons.h"

/* core/host/trap.c's NMI handling needs the host IDT: count the calls instead. */
static unsigned int nmis_handled;
void nmi_handle(uint64_t rip)
{
	(void)rip;
	nmis_handled++;
}

/* Defined by cpu_probe.c in the kernel, which needs the hardware. */
struct cpu_info boot_cpu;

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

/* vmx_backend (vmx/vmx.c) needs VMX; the VMCS-side ops are the real ones. */
static const struct vm_backend test_backend = {
	.name = "Intel VMX (hosted test)",
	.inject_exception = vmx_inject_exception,
	.get_state = vmx_get_state,
	.get_control = vmx_get_control,
	.exit_name = vmx_exit_name,
	.exit_counter = vmx_exit_counter,
	.exit_slot_name = vmx_exit_slot_name,
	.get_rsp = vmx_get_rsp,
	.seg_base = vmx_seg_base,
	.set_rsp = vmx_set_rsp,
	.get_tsc_offset = vmx_get_tsc_offset,
	.set_tsc_offset = vmx_set_tsc_offset,
	.read_state_msr = vmx_read_state_msr,
	.write_state_msr = vmx_write_state_msr,
};

#define GUEST_NAME "vmxtest"
#define RAM_SIZE MiB(4)
#define GUEST_RIP 0x1000ULL

/* VM-entry interruption information, spelled out from the SDM. */
#define INTR_UD 0x80000306ULL /* valid | hardware exception | vector 6 */
#define INTR_GP 0x80000b0dULL /* valid | error code | hw exception | 13 */

/* Typical fixed-0 masks: what vmx_vcpu_create() shadows. */
#define SHADOWED_CR0 CR0_NE
#define SHADOWED_CR4 CR4_VMXE

/* Default-1 entry controls (bits 0-8, 12), load PAT, load EFER. */
#define ENTRY_CONTROLS_RESET 0x0000d1ffULL
#define ENTRY_IA32E (1ULL << 9)

/* Exit qualification for I/O instructions: size-1, IN, string, port. */
#define IO_QUAL(port, size, in) \
	((uint64_t)(port) << 16 | ((in) ? 8u : 0u) | ((size)-1u))
#define IO_STRING (1u << 4)

/* Exit qualification for CR access: CR, type (0 = MOV to), register. */
#define CR_QUAL(cr, type, reg) ((cr) | (type) << 4 | (reg) << 8)

#define XAPIC_VERSION_GPA 0xfee00030ULL
#define XAPIC_TPR_GPA 0xfee00080ULL

static struct vm *vm;
static struct vcpu *v;
static struct vmx_vcpu vmx;
static uint64_t exit_vectoring; /* IDT-vectoring information of the exit */

static void put_code(uint64_t gpa, const uint8_t *code, size_t len)
{
	assert_true(gpa + len <= RAM_SIZE);
	memcpy(vm->ram + gpa, code, len);
}

/* Selector, limit, AR and base fields of a segment share its index. */
static void set_guest_seg(enum vmcs_field sel, uint16_t selector, uint32_t ar)
{
	unsigned int idx = sel - VMCS_GUEST_ES_SEL;

	fake_vmcs_set(sel, selector);
	fake_vmcs_set(VMCS_GUEST_ES_LIMIT + idx, 0xffffffff);
	fake_vmcs_set(VMCS_GUEST_ES_AR + idx, ar);
	fake_vmcs_set(VMCS_GUEST_ES_BASE + idx, 0);
}

/*
 * The VMCS vmx_vcpu_create() builds for a multiboot entry: 32-bit
 * protected mode, flat segments, paging off (unrestricted guest), CR0.NE
 * and CR4.VMXE set underneath and hidden by the read shadows. Only what
 * it writes is set.
 */
static void set_protected_mode_32(void)
{
	fake_vmcs_set(VMCS_PIN_CONTROLS, 0x09 | 0x16);
	fake_vmcs_set(VMCS_PROC_CONTROLS, 0xb1006172);
	fake_vmcs_set(VMCS_PROC_CONTROLS2, 0x82);
	fake_vmcs_set(VMCS_EXIT_CONTROLS, 0x00336dff);
	fake_vmcs_set(VMCS_ENTRY_CONTROLS, ENTRY_CONTROLS_RESET);
	fake_vmcs_set(VMCS_EXCEPTION_BITMAP, 0);
	fake_vmcs_set(VMCS_CR3_TARGET_COUNT, 0);
	fake_vmcs_set(VMCS_MSR_BITMAP, 0x200000);
	fake_vmcs_set(VMCS_VPID, 1);
	fake_vmcs_set(VMCS_EPT_POINTER, 0x300000 | 0x1e);

	set_guest_seg(VMCS_GUEST_CS_SEL, 0x08, 0xc09b);
	set_guest_seg(VMCS_GUEST_DS_SEL, 0x10, 0xc093);
	set_guest_seg(VMCS_GUEST_ES_SEL, 0x10, 0xc093);
	set_guest_seg(VMCS_GUEST_SS_SEL, 0x10, 0xc093);
	set_guest_seg(VMCS_GUEST_FS_SEL, 0x10, 0xc093);
	set_guest_seg(VMCS_GUEST_GS_SEL, 0x10, 0xc093);
	fake_vmcs_set(VMCS_GUEST_LDTR_SEL, 0);
	fake_vmcs_set(VMCS_GUEST_LDTR_LIMIT, 0xffff);
	fake_vmcs_set(VMCS_GUEST_LDTR_AR, 0x10000);
	fake_vmcs_set(VMCS_GUEST_LDTR_BASE, 0);
	fake_vmcs_set(VMCS_GUEST_TR_SEL, 0);
	fake_vmcs_set(VMCS_GUEST_TR_LIMIT, 0xffff);
	fake_vmcs_set(VMCS_GUEST_TR_AR, 0x8b);
	fake_vmcs_set(VMCS_GUEST_TR_BASE, 0);
	fake_vmcs_set(VMCS_GUEST_GDTR_BASE, 0);
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	fake_vmcs_set(VMCS_GUEST_IDTR_BASE, 0);
	fake_vmcs_set(VMCS_GUEST_IDTR_LIMIT, 0x3ff);

	fake_vmcs_set(VMCS_CR0_GUEST_HOST_MASK, SHADOWED_CR0);
	fake_vmcs_set(VMCS_CR0_READ_SHADOW, CR0_PE | CR0_ET);
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | SHADOWED_CR0);
	fake_vmcs_set(VMCS_CR4_GUEST_HOST_MASK, SHADOWED_CR4);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, 0);
	fake_vmcs_set(VMCS_GUEST_CR4, SHADOWED_CR4);
	fake_vmcs_set(VMCS_GUEST_CR3, 0);
	fake_vmcs_set(VMCS_GUEST_DR7, 0x400);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2);
	fake_vmcs_set(VMCS_GUEST_RIP, GUEST_RIP);
	fake_vmcs_set(VMCS_GUEST_RSP, 0);
	fake_vmcs_set(VMCS_GUEST_EFER, 0);
	fake_vmcs_set(VMCS_GUEST_PAT, PAT_RESET);
	fake_vmcs_set(VMCS_GUEST_DEBUGCTL, 0);
	fake_vmcs_set(VMCS_GUEST_SYSENTER_CS, 0);
	fake_vmcs_set(VMCS_GUEST_SYSENTER_ESP, 0);
	fake_vmcs_set(VMCS_GUEST_SYSENTER_EIP, 0);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
	fake_vmcs_set(VMCS_GUEST_ACTIVITY_STATE, 0);
	fake_vmcs_set(VMCS_GUEST_PENDING_DEBUG, 0);
	fake_vmcs_set(VMCS_LINK_POINTER, ~0ULL);
	fake_vmcs_set(VMCS_TSC_OFFSET, 0); /* vmx_vcpu_create() writes it */

	/* Exit information the CPU always has: no EPT exit yet. */
	fake_vmcs_set(VMCS_GUEST_PHYSICAL_ADDRESS, 0);
}

static void fixture_init(void)
{
	vm = calloc(1, sizeof(*vm));
	assert_non_null(vm);
	snprintf(vm->opt.name, sizeof(vm->opt.name), "%s", GUEST_NAME);
	vm->opt.mem_bytes = RAM_SIZE;
	guest_ram_attach_flat(vm, calloc(1, RAM_SIZE), RAM_SIZE);
	assert_non_null(vm->ram);

	/* Fixed bits as Bochs tigerlake reports them: NE, PE, PG; VMXE. */
	vmx = (struct vmx_vcpu){.vmcs_pa = 0x100000,
				.launched = true,
				.entry_controls = ENTRY_CONTROLS_RESET,
				.cr0_fixed0 = 0x80000021,
				.cr0_fixed1 = 0xffffffff,
				.cr4_fixed0 = 0x2000,
				.cr4_fixed1 = 0x3727ff};
	v = &vm->vcpus[0];
	v->vm = vm;
	vm->nr_vcpus = 1;
	v->arch = &vmx;
	devices_init(vm);

	fake_vmcs_reset();
	set_protected_mode_32();

	boot_cpu = (struct cpu_info){.vendor = CPU_VENDOR_INTEL,
				     .vmx = true,
				     .ept = true,
				     .unrestricted_guest = true};
	cpu_model_init(&vm->cpu, boot_cpu.vendor);
	vm_backend = &test_backend;
	exit_vectoring = 0;
	fake_serial_clear();
	fake_host_irq_reset();
}

static void fixture_fini(void)
{
	free(vm->ram);
	free(vm);
	vm = NULL;
	v = NULL;
}

static void fixture_restart(void)
{
	fixture_fini();
	fixture_init();
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
 * One VM exit as vmx_run() delivers it: the CPU fills the exit fields,
 * vmx_run() clears the event injected for the previous entry, then
 * dispatches. Reads and writes are counted from here on.
 */
static void do_exit(uint32_t reason, uint64_t qual, unsigned int insn_len)
{
	/* Reason 0 with the exception bitmap at 0 is an NMI (valid, type 2). */
	fake_vmcs_set(VMCS_EXIT_INTR_INFO,
		      reason == VMX_EXIT_EXCEPTION_NMI ? 0x80000202ULL : 0);
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, exit_vectoring);
	fake_vmcs_set(VMCS_EXIT_REASON, reason);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, qual);
	fake_vmcs_set(VMCS_EXIT_INSTRUCTION_LEN, insn_len);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_forget_accesses();
	vmx_handle_exit(v);
}

/* An EPT violation: the CPU also reports the guest-physical address. */
static void do_ept_exit(uint64_t gpa, uint64_t qual, unsigned int insn_len)
{
	fake_vmcs_set(VMCS_GUEST_PHYSICAL_ADDRESS, gpa);
	do_exit(VMX_EXIT_EPT_VIOLATION, qual, insn_len);
}

/* --- assertions ----------------------------------------------------------- */

#define assert_vmcs(f, want) assert_vmcs_(f, #f, want, __FILE__, __LINE__)
static void assert_vmcs_(enum vmcs_field f, const char *name, uint64_t want,
			 const char *file, int line)
{
	uint64_t got = fake_vmcs_get(f);

	if (got != want)
		fail_msg("%s:%d: %s is %#lx, expected %#lx", file, line, name,
			 got, want);
}

/* The handler wrote `want` to the field during the last exit. */
#define assert_vmcs_written(f, want) \
	assert_vmcs_written_(f, #f, want, __FILE__, __LINE__)
static void assert_vmcs_written_(enum vmcs_field f, const char *name,
				 uint64_t want, const char *file, int line)
{
	if (!fake_vmcs_writes(f))
		fail_msg("%s:%d: %s was not written (expected %#lx)", file,
			 line, name, want);
	if (fake_vmcs_last_write(f) != want)
		fail_msg("%s:%d: %s was written %#lx, expected %#lx", file,
			 line, name, fake_vmcs_last_write(f), want);
}

#define assert_vmcs_not_written(f) \
	assert_vmcs_not_written_(f, #f, __FILE__, __LINE__)
static void assert_vmcs_not_written_(enum vmcs_field f, const char *name,
				     const char *file, int line)
{
	if (fake_vmcs_writes(f))
		fail_msg("%s:%d: %s was written %#lx", file, line, name,
			 fake_vmcs_last_write(f));
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

#define assert_running() assert_running_(__FILE__, __LINE__)
static void assert_running_(const char *file, int line)
{
	if (vm->ended)
		fail_msg("%s:%d: the VM ended (outcome %s): %s", file, line,
			 guest_outcome_name(vm->outcome), vm->detail);
}

#define assert_ended(o) assert_ended_(o, __FILE__, __LINE__)
static void assert_ended_(enum guest_outcome want, const char *file, int line)
{
	if (!vm->ended)
		fail_msg("%s:%d: the VM is still running, expected outcome %s",
			 file, line, guest_outcome_name(want));
	if (vm->outcome != want)
		fail_msg("%s:%d: outcome %s, expected %s: %s", file, line,
			 guest_outcome_name(vm->outcome),
			 guest_outcome_name(want), vm->detail);
}

/* #UD at the instruction: the guest resumes there and takes the fault. */
#define assert_ud_injected() assert_ud_injected_(__FILE__, __LINE__)
static void assert_ud_injected_(const char *file, int line)
{
	assert_running_(file, line);
	assert_vmcs_written_(VMCS_ENTRY_INTR_INFO, "VMCS_ENTRY_INTR_INFO",
			     INTR_UD, file, line);
	assert_vmcs_not_written_(VMCS_ENTRY_EXCEPTION_ERROR,
				 "VMCS_ENTRY_EXCEPTION_ERROR", file, line);
	assert_vmcs_not_written_(VMCS_GUEST_RIP, "VMCS_GUEST_RIP", file, line);
	assert_vmcs_(VMCS_GUEST_RIP, "VMCS_GUEST_RIP", GUEST_RIP, file, line);
}

/* #GP(0) at the instruction. */
#define assert_gp0_injected() assert_gp0_injected_(__FILE__, __LINE__)
static void assert_gp0_injected_(const char *file, int line)
{
	assert_running_(file, line);
	assert_vmcs_written_(VMCS_ENTRY_INTR_INFO, "VMCS_ENTRY_INTR_INFO",
			     INTR_GP, file, line);
	assert_vmcs_written_(VMCS_ENTRY_EXCEPTION_ERROR,
			     "VMCS_ENTRY_EXCEPTION_ERROR", 0, file, line);
	assert_vmcs_not_written_(VMCS_GUEST_RIP, "VMCS_GUEST_RIP", file, line);
}

#define assert_no_event() assert_vmcs_not_written(VMCS_ENTRY_INTR_INFO)
#define assert_rip(want) assert_vmcs(VMCS_GUEST_RIP, want)

/* --- the software VMCS itself --------------------------------------------- */

static void test_fake_vmcs_behaves_like_vmread_vmwrite(void **state)
{
	(void)state;

	/* Values are truncated to the field's width. */
	vmcs_write(VMCS_GUEST_CS_SEL, 0x12345);
	assert_int_equal(vmcs_read(VMCS_GUEST_CS_SEL), 0x2345);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0x1ffffffffULL);
	assert_int_equal(vmcs_read(VMCS_ENTRY_INTR_INFO), 0xffffffff);
	vmcs_write(VMCS_GUEST_RIP, ~0ULL);
	assert_int_equal(vmcs_read(VMCS_GUEST_RIP), ~0ULL);

	/* Writes are recorded; fixture sets are not. */
	assert_int_equal(fake_vmcs_writes(VMCS_GUEST_RIP), 1);
	assert_int_equal(fake_vmcs_reads(VMCS_GUEST_RIP), 1);
	fake_vmcs_set(VMCS_GUEST_RIP, GUEST_RIP);
	assert_int_equal(fake_vmcs_writes(VMCS_GUEST_RIP), 1);
	assert_int_equal(fake_vmcs_total_writes(), 3);
	fake_vmcs_forget_accesses();
	assert_int_equal(fake_vmcs_total_writes(), 0);
	assert_rip(GUEST_RIP);

	/* The fixture leaves unset what vmx_vcpu_create() never writes. */
	assert_false(fake_vmcs_is_set(VMCS_EXIT_REASON));
	assert_true(fake_vmcs_is_set(VMCS_GUEST_PHYSICAL_ADDRESS));
	assert_string_equal(fake_vmcs_field_name(VMCS_EXIT_QUALIFICATION),
			    "EXIT_QUALIFICATION");
}

/* --- instructions that do not exist for the guest: #UD -------------------- */

static void check_ud_exit(uint32_t reason, unsigned int insn_len)
{
	fixture_restart();
	v->gpr[GPR_RAX] = 0x1234;
	v->gpr[GPR_RCX] = 0x5678;
	/* A pending STI shadow stays: the instruction did not complete. */
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 1);
	do_exit(reason, 0, insn_len);
	if (vm->ended)
		fail_msg("exit %u (%s) ended the VM: %s", reason,
			 vmx_exit_name(reason), vm->detail);
	assert_ud_injected();
	assert_vmcs_not_written(VMCS_GUEST_INTERRUPTIBILITY);
	assert_vmcs(VMCS_GUEST_INTERRUPTIBILITY, 1);
	assert_int_equal(v->gpr[GPR_RAX], 0x1234);
	assert_int_equal(v->gpr[GPR_RCX], 0x5678);
	assert_int_equal(vm_exits_total(vm), 1);
	assert_int_equal(vm->exit_counts[reason], 1);
	assert_false(fake_serial_contains("unexpected"));
}

static void test_seamcall_tdcall_inject_ud(void **state)
{
	(void)state;

	assert_int_equal(VMX_EXIT_SEAMCALL, 76);
	assert_int_equal(VMX_EXIT_TDCALL, 77);
	/* 66 0f 01 cf and 66 0f 01 cc: four bytes each. */
	check_ud_exit(76, 4);
	assert_string_equal(vmx_exit_name(76), "SEAMCALL");
	check_ud_exit(77, 4);
	assert_string_equal(vmx_exit_name(77), "TDCALL");
}

static void test_vmx_instructions_inject_ud(void **state)
{
	static const uint32_t reasons[] = {
		19, /* VMCLEAR */
		20, /* VMLAUNCH */
		21, /* VMPTRLD */
		22, /* VMPTRST */
		23, /* VMREAD */
		24, /* VMRESUME */
		25, /* VMWRITE */
		26, /* VMXOFF */
		27, /* VMXON */
		50, /* INVEPT */
		53, /* INVVPID */
		59, /* VMFUNC */
		11, /* GETSEC */
		60, /* ENCLS */
		70, /* ENCLV */
		39, /* MONITOR */
		36, /* MWAIT */
	};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(reasons); i++)
		check_ud_exit(reasons[i], 3);
}

/* --- unhandled and invalid reasons ---------------------------------------- */

static void check_unexpected(uint32_t reason, const char *name)
{
	char line[96];
	unsigned int slot = vmx_exit_counter(reason);

	fixture_restart();
	v->gpr[GPR_RAX] = 0x77;
	do_exit(reason, 0x1111, 2);
	assert_ended(OUTCOME_UNEXPECTED_EXIT);
	snprintf(line, sizeof(line), GUEST_NAME ": unexpected exit %#x (%s)",
		 reason, name);
	assert_captured(line);
	assert_captured("RAX=0000000000000077"); /* the state dump */
	assert_captured("RIP=0000000000001000");
	assert_detail("unexpected exit");
	assert_detail(name);
	assert_rip(GUEST_RIP);
	assert_vmcs_not_written(VMCS_GUEST_RIP);
	assert_no_event();
	assert_int_equal(vm_exits_total(vm), 1);
	assert_true(slot < VM_EXIT_COUNTERS);
	assert_int_equal(vm->exit_counts[slot], 1);
}

static void test_out_of_range_reasons_end_the_vm(void **state)
{
	(void)state;

	check_unexpected(86, "unknown");
	check_unexpected(100, "unknown");
	check_unexpected(0xffff, "unknown");
	/* Beyond the table, the counters share the last slot. */
	assert_int_equal(vmx_exit_counter(86), VM_EXIT_COUNTERS - 1);
	assert_int_equal(vmx_exit_counter(0xffff), VM_EXIT_COUNTERS - 1);
	assert_int_equal(vm->exit_counts[VM_EXIT_COUNTERS - 1], 1);
	assert_string_equal(vmx_exit_slot_name(VM_EXIT_COUNTERS - 1), "other");
}

static void test_unhandled_reasons_end_the_vm(void **state)
{
	(void)state;

	check_unexpected(14, "INVLPG");
	check_unexpected(16, "RDTSC");
	check_unexpected(40, "PAUSE");
	check_unexpected(84, "MSR_READ_IMM");
	check_unexpected(85, "MSR_WRITE_IMM");
	check_unexpected(49, "EPT_MISCONFIG");
	check_unexpected(3, "INIT_SIGNAL");
	assert_int_equal(vmx_exit_counter(84), 84);
	assert_string_equal(vmx_exit_slot_name(84), "MSR_READ_IMM");
}

/* Bit 27: the exit came from enclave mode; the basic reason still rules. */
static void test_enclave_mode_bit_keeps_basic_reason(void **state)
{
	(void)state;

	v->gpr[GPR_RAX] = 0;
	do_exit((1u << 27) | VMX_EXIT_CPUID, 0, 2);
	assert_running();
	assert_rip(GUEST_RIP + 2);
	assert_int_equal(vm->exit_counts[VMX_EXIT_CPUID], 1);
}

enum expect {
	EXPECT_NOTHING, /* running, RIP unchanged, no event */
	EXPECT_EVENTS,	/* running; the entry path is to look (v->events) */
	EXPECT_ADVANCE, /* running, RIP past the instruction */
	EXPECT_UD,
	EXPECT_GP,
	EXPECT_END,
};

/* What each reason does from the reset state, qualification 0, ECX 1. */
static enum expect expect_of(uint32_t reason, enum guest_outcome *outcome)
{
	*outcome = OUTCOME_UNEXPECTED_EXIT;
	switch (reason) {
	case VMX_EXIT_EXCEPTION_NMI:
	case VMX_EXIT_EXTERNAL_INTERRUPT:
		return EXPECT_NOTHING;
	case VMX_EXIT_INTERRUPT_WINDOW: /* the entry path injects */
	case VMX_EXIT_NMI_WINDOW:
		return EXPECT_EVENTS;
	case VMX_EXIT_CPUID:
	case VMX_EXIT_INVD:
	case VMX_EXIT_CR_ACCESS:      /* MOV to CR0 from RAX */
	case VMX_EXIT_IO_INSTRUCTION: /* OUT to port 0: nothing there */
		return EXPECT_ADVANCE;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_VMCALL: /* hypercalls are off */
	case VMX_EXIT_VMCLEAR ... VMX_EXIT_VMXON:
	case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
	case VMX_EXIT_ENCLS:
	case VMX_EXIT_ENCLV:
	case VMX_EXIT_SEAMCALL:
	case VMX_EXIT_TDCALL:
		return EXPECT_UD;
	case VMX_EXIT_MSR_READ: /* MSR 1 does not exist */
	case VMX_EXIT_MSR_WRITE:
	case VMX_EXIT_XSETBV: /* XCR1 does not exist: not executed */
		return EXPECT_GP;
	case VMX_EXIT_TRIPLE_FAULT:
		*outcome = OUTCOME_TRIPLE_FAULT;
		return EXPECT_END;
	case VMX_EXIT_HLT:
		*outcome = OUTCOME_HALT;
		return EXPECT_END;
	case VMX_EXIT_EPT_VIOLATION: /* GPA 0 is RAM: no device there */
		*outcome = OUTCOME_BAD_ACCESS;
		return EXPECT_END;
	case VMX_EXIT_PREEMPTION_TIMER: /* the fixture's deadline is 0 */
		*outcome = OUTCOME_TIMEOUT;
		return EXPECT_END;
	default:
		return EXPECT_END;
	}
}

static void test_every_reason(void **state)
{
	static const uint64_t quals[] = {0, ~0ULL};

	(void)state;
	for (unsigned int pass = 0; pass < ARRAY_SIZE(quals); pass++) {
		for (uint32_t reason = 0; reason <= 0x100; reason++) {
			unsigned int slot = vmx_exit_counter(reason);
			enum guest_outcome outcome;
			enum expect e = expect_of(reason, &outcome);

			fixture_restart();
			v->gpr[GPR_RCX] = 1; /* never XSETBV for real */
			fake_vmcs_set(VMCS_GUEST_PHYSICAL_ADDRESS, quals[pass]);
			do_exit(reason, quals[pass], 3);
			assert_int_equal(vm_exits_total(vm), 1);
			assert_true(slot < VM_EXIT_COUNTERS);
			assert_int_equal(vm->exit_counts[slot], 1);
			assert_non_null(vmx_exit_name(reason));
			if (pass == 1) {
				/* Garbage: handled or ended, nothing else. */
				if (!vm->ended &&
				    !fake_vmcs_writes(VMCS_GUEST_RIP) &&
				    !fake_vmcs_writes(VMCS_ENTRY_INTR_INFO) &&
				    e != EXPECT_NOTHING && e != EXPECT_EVENTS)
					fail_msg("exit %u with qualification "
						 "~0 did nothing",
						 reason);
				continue;
			}
			if (e == EXPECT_END) {
				if (!vm->ended || vm->outcome != outcome)
					fail_msg("exit %u (%s): %s, expected "
						 "%s (%s)",
						 reason, vmx_exit_name(reason),
						 vm->ended
							 ? guest_outcome_name(
								   vm->outcome)
							 : "still running",
						 guest_outcome_name(outcome),
						 vm->detail);
				continue;
			}
			if (vm->ended)
				fail_msg("exit %u (%s) ended the VM: %s",
					 reason, vmx_exit_name(reason),
					 vm->detail);
			if (e == EXPECT_UD)
				assert_ud_injected();
			else if (e == EXPECT_GP)
				assert_gp0_injected();
			else if (e == EXPECT_ADVANCE)
				assert_rip(GUEST_RIP + 3);
			else if (e == EXPECT_EVENTS)
				assert_true(v->events);
			if (e == EXPECT_NOTHING || e == EXPECT_EVENTS)
				assert_int_equal(fake_vmcs_total_writes(), 0);
		}
	}
}

/* --- VM-entry failures ---------------------------------------------------- */

static void check_entry_failure(uint32_t basic, const char *why)
{
	char line[96];

	fixture_restart();
	do_exit(VMX_EXIT_REASON_ENTRY_FAILURE | basic, 0x2, 0);
	assert_ended(OUTCOME_ENTRY_FAILED);
	snprintf(line, sizeof(line), GUEST_NAME ": VM entry failed: %s", why);
	assert_captured(line);
	assert_captured("RIP=0000000000001000"); /* the state dump */
	assert_detail(why);
	assert_no_event();
	assert_vmcs_not_written(VMCS_GUEST_RIP);
	assert_true(vmx_exit_counter(basic) < VM_EXIT_COUNTERS);
	assert_int_equal(vm->exit_counts[vmx_exit_counter(basic)], 1);
	assert_false(fake_serial_contains("unexpected exit"));
}

/*
 * An invalid-guest-state failure names the first architectural check the
 * guest state fails (vmx/vmx_diagnose.c); a valid state names none.
 */
static void expect_failing_check(enum vmcs_field field, uint64_t value,
				 const char *check)
{
	fixture_restart();
	fake_vmcs_set(field, value);
	do_exit(VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_INVALID_GUEST_STATE, 0,
		0);
	assert_ended(OUTCOME_ENTRY_FAILED);
	assert_captured("failing check: ");
	assert_captured(check);
	assert_detail(check);
}

static void test_entry_failure_names_the_failing_check(void **state)
{
	(void)state;
	expect_failing_check(VMCS_GUEST_CR0, 0x11,
			     "CR0 0x11 lacks bits fixed to 1 (0x20)");
	expect_failing_check(VMCS_GUEST_CR4, 0,
			     "CR4 0 lacks bits fixed to 1 (0x2000)");
	expect_failing_check(VMCS_GUEST_CR0, 0x80000030,
			     "CR0.PG set with CR0.PE clear");
	expect_failing_check(VMCS_GUEST_EFER, 0x500,
			     "EFER.LMA is 1 but the IA-32e mode guest entry "
			     "control is 0");
	expect_failing_check(VMCS_GUEST_RFLAGS, 0,
			     "RFLAGS 0 has reserved bits wrong");
	expect_failing_check(VMCS_GUEST_TR_AR, 0x10000, "TR is unusable");
	expect_failing_check(VMCS_GUEST_CS_AR, 0xc093 & ~0xf,
			     "CS type 0 is not allowed");
	expect_failing_check(VMCS_LINK_POINTER, 0,
			     "VMCS link pointer is not all ones");
	expect_failing_check(VMCS_GUEST_ACTIVITY_STATE, 7,
			     "activity state 7 is invalid");

	/* The fixture's own state passes every check. */
	fixture_restart();
	do_exit(VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_INVALID_GUEST_STATE, 0,
		0);
	assert_ended(OUTCOME_ENTRY_FAILED);
	assert_false(fake_serial_contains("failing check"));
}

static void test_entry_failure_invalid_guest_state(void **state)
{
	(void)state;

	check_entry_failure(VMX_EXIT_INVALID_GUEST_STATE,
			    "invalid guest state");
	assert_captured("reason 0x80000021");
	assert_detail("exit reason 33");
	assert_int_equal(vm->exit_counts[33], 1);
}

static void test_entry_failure_msr_loading(void **state)
{
	(void)state;

	check_entry_failure(VMX_EXIT_MSR_LOAD_FAIL, "MSR loading");
	assert_captured("reason 0x80000022");
	assert_int_equal(vm->exit_counts[34], 1);
}

static void test_entry_failure_other_reasons(void **state)
{
	(void)state;

	check_entry_failure(VMX_EXIT_MCE_DURING_VMENTRY, "machine check");
	/* Reasons without a description, inside and past the table. */
	check_entry_failure(VMX_EXIT_CPUID, "unknown");
	check_entry_failure(42, "unknown");
	check_entry_failure(0xffff, "unknown");
	assert_int_equal(vm->exit_counts[VM_EXIT_COUNTERS - 1], 1);
}

/* --- CPUID ---------------------------------------------------------------- */

static void cpuid_exit(uint32_t leaf, uint32_t subleaf)
{
	v->gpr[GPR_RAX] = leaf;
	v->gpr[GPR_RCX] = subleaf;
	do_exit(VMX_EXIT_CPUID, 0, 2);
}

static void test_cpuid_osxsave_follows_guest_view_of_cr4(void **state)
{
	(void)state;

	fake_vmcs_set(VMCS_GUEST_CR4, SHADOWED_CR4 | CR4_OSXSAVE);
	cpuid_exit(1, 0);
	assert_true(v->gpr[GPR_RCX] & (1u << 27));

	/* A shadowed bit: the guest sees the read shadow, not GUEST_CR4. */
	fake_vmcs_set(VMCS_CR4_GUEST_HOST_MASK, SHADOWED_CR4 | CR4_OSXSAVE);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, 0);
	cpuid_exit(1, 0);
	assert_false(v->gpr[GPR_RCX] & (1u << 27));

	fake_vmcs_set(VMCS_GUEST_CR4, SHADOWED_CR4);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, CR4_OSXSAVE);
	cpuid_exit(1, 0);
	assert_true(v->gpr[GPR_RCX] & (1u << 27));
	assert_rip(GUEST_RIP + 6);
}

/* A completed instruction ends the STI/MOV SS shadow, and nothing else. */
static void test_advance_rip_ends_interrupt_shadow(void **state)
{
	(void)state;

	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0x1 | 0x8); /* STI, NMI */
	cpuid_exit(0, 0);
	assert_vmcs_written(VMCS_GUEST_INTERRUPTIBILITY, 0x8);
	assert_rip(GUEST_RIP + 2);

	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0x2); /* MOV SS */
	cpuid_exit(0, 0);
	assert_vmcs_written(VMCS_GUEST_INTERRUPTIBILITY, 0);

	/* No shadow, nothing to clear: the field is left alone. */
	cpuid_exit(0, 0);
	assert_vmcs_not_written(VMCS_GUEST_INTERRUPTIBILITY);
	assert_rip(GUEST_RIP + 6);
}

/* --- VMCALL --------------------------------------------------------------- */

static void vmcall(uint64_t nr)
{
	v->gpr[GPR_RAX] = nr;
	do_exit(VMX_EXIT_VMCALL, 0, 3);
}

static void test_vmcall_ping(void **state)
{
	(void)state;

	vm->opt.hypercalls = true;
	vmcall(MHV_HC_PING);
	assert_running();
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_PING_REPLY);
	assert_int_equal(v->gpr[GPR_RAX], 0x6d6876);
	assert_rip(GUEST_RIP + 3);
	assert_no_event();
	assert_int_equal(vm->exit_counts[VMX_EXIT_VMCALL], 1);
}

static void test_vmcall_exit_count(void **state)
{
	(void)state;

	vm->opt.hypercalls = true;
	cpuid_exit(0, 0);
	cpuid_exit(0, 0);
	v->gpr[GPR_RBX] = 10; /* CPUID */
	vmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], 2);
	assert_rip(GUEST_RIP + 2 + 2 + 3);

	/* This VMCALL is counted before it runs: 2 so far. */
	v->gpr[GPR_RBX] = VMX_EXIT_VMCALL;
	vmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], 2);

	v->gpr[GPR_RBX] = VMX_EXIT_TDCALL; /* never seen */
	vmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], 0);

	/* Reasons without a counter of their own share the last slot. */
	v->gpr[GPR_RBX] = 86;
	vmcall(MHV_HC_EXIT_COUNT);
	assert_int_equal(v->gpr[GPR_RAX], MHV_HC_EINVAL);
	assert_running();
}

/* --- MSRs ----------------------------------------------------------------- */

static void rdmsr_exit(uint32_t msr)
{
	v->gpr[GPR_RCX] = msr;
	do_exit(VMX_EXIT_MSR_READ, 0, 2);
}

static void wrmsr_exit(uint32_t msr, uint64_t val)
{
	v->gpr[GPR_RCX] = msr;
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	do_exit(VMX_EXIT_MSR_WRITE, 0, 2);
}

static void test_rdmsr_efer_from_vmcs(void **state)
{
	(void)state;

	fake_vmcs_set(VMCS_GUEST_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	v->gpr[GPR_RAX] = ~0ULL;
	v->gpr[GPR_RDX] = ~0ULL;
	rdmsr_exit(MSR_EFER);
	assert_running();
	assert_no_event();
	assert_int_equal(v->gpr[GPR_RAX], EFER_SCE | EFER_LME | EFER_LMA);
	assert_int_equal(v->gpr[GPR_RDX], 0);
	assert_true(fake_vmcs_reads(VMCS_GUEST_EFER) >= 1);
	assert_vmcs_not_written(VMCS_GUEST_EFER);
	assert_rip(GUEST_RIP + 2);
	assert_int_equal(vm->exit_counts[VMX_EXIT_MSR_READ], 1);
}

static void test_wrmsr_efer_keeps_cpu_lma(void **state)
{
	(void)state;

	/* Paging off: LMA is 0 and the guest cannot set it. */
	wrmsr_exit(MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	assert_running();
	assert_no_event();
	assert_vmcs_written(VMCS_GUEST_EFER, EFER_SCE | EFER_LME);
	assert_vmcs_not_written(VMCS_ENTRY_CONTROLS);
	assert_int_equal(vmx.entry_controls, ENTRY_CONTROLS_RESET);
	assert_rip(GUEST_RIP + 2);

	rdmsr_exit(MSR_EFER);
	assert_int_equal(v->gpr[GPR_RAX], EFER_SCE | EFER_LME);
	assert_rip(GUEST_RIP + 4);

	/* Reserved bits (SVME is one on Intel) fault. */
	wrmsr_exit(MSR_EFER, EFER_SVME);
	assert_gp0_injected();
	assert_vmcs(VMCS_GUEST_EFER, EFER_SCE | EFER_LME);
}

static void test_wrmsr_efer_in_long_mode_sets_ia32e_control(void **state)
{
	(void)state;

	/* Paging on with LME: the CPU set LMA. */
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
	fake_vmcs_set(VMCS_GUEST_CR4, SHADOWED_CR4 | CR4_PAE);
	fake_vmcs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
	wrmsr_exit(MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	assert_running();
	assert_no_event();
	assert_vmcs_written(VMCS_GUEST_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	assert_vmcs_written(VMCS_ENTRY_CONTROLS,
			    ENTRY_CONTROLS_RESET | ENTRY_IA32E);
	assert_int_equal(vmx.entry_controls,
			 ENTRY_CONTROLS_RESET | ENTRY_IA32E);
	assert_rip(GUEST_RIP + 2);

	/* Without LMA in the value: the CPU's LMA stays, so does IA-32e. */
	wrmsr_exit(MSR_EFER, EFER_SCE | EFER_LME);
	assert_vmcs_written(VMCS_GUEST_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	assert_vmcs_not_written(VMCS_ENTRY_CONTROLS);
	assert_vmcs(VMCS_ENTRY_CONTROLS, ENTRY_CONTROLS_RESET | ENTRY_IA32E);
}

/* vmx_run() calls it after every exit: the control follows EFER.LMA. */
static void test_sync_entry_controls_follows_lma(void **state)
{
	(void)state;

	fake_vmcs_forget_accesses();
	vmx_sync_entry_controls(v);
	assert_int_equal(fake_vmcs_total_writes(), 0);

	fake_vmcs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
	vmx_sync_entry_controls(v);
	assert_vmcs_written(VMCS_ENTRY_CONTROLS,
			    ENTRY_CONTROLS_RESET | ENTRY_IA32E);
	assert_int_equal(vmx.entry_controls,
			 ENTRY_CONTROLS_RESET | ENTRY_IA32E);

	fake_vmcs_forget_accesses();
	vmx_sync_entry_controls(v); /* unchanged: no VMWRITE */
	assert_int_equal(fake_vmcs_total_writes(), 0);

	fake_vmcs_set(VMCS_GUEST_EFER, EFER_LME);
	vmx_sync_entry_controls(v);
	assert_vmcs_written(VMCS_ENTRY_CONTROLS, ENTRY_CONTROLS_RESET);
	assert_int_equal(vmx.entry_controls, ENTRY_CONTROLS_RESET);
}

/*
 * EFER.LME cannot change while paging is on (#GP). Accepting the write
 * would leave LMA = 1 with LME = 0 and CR0.PG = 1: the next entry fails.
 */
static void test_wrmsr_efer_lme_change_with_paging_is_gp(void **state)
{
	(void)state;

	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
	fake_vmcs_set(VMCS_GUEST_CR4, SHADOWED_CR4 | CR4_PAE);
	fake_vmcs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
	vmx.entry_controls |= ENTRY_IA32E;
	fake_vmcs_set(VMCS_ENTRY_CONTROLS, vmx.entry_controls);
	wrmsr_exit(MSR_EFER, EFER_SCE);
	assert_gp0_injected();
	assert_vmcs_not_written(VMCS_GUEST_EFER);
	assert_vmcs(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);

	/* Paging off: LME may change. */
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE);
	fake_vmcs_set(VMCS_GUEST_EFER, 0);
	wrmsr_exit(MSR_EFER, EFER_LME);
	assert_no_event();
	assert_vmcs_written(VMCS_GUEST_EFER, EFER_LME);
}

static void test_msr_pat_in_vmcs(void **state)
{
	(void)state;

	rdmsr_exit(MSR_PAT);
	assert_int_equal(v->gpr[GPR_RAX], 0x00070406);
	assert_int_equal(v->gpr[GPR_RDX], 0x00070406);

	wrmsr_exit(MSR_PAT, 0x0000000100000006ULL);
	assert_no_event();
	assert_vmcs_written(VMCS_GUEST_PAT, 0x0000000100000006ULL);

	/* Type 2 is reserved. */
	wrmsr_exit(MSR_PAT, 0x0000000000000002ULL);
	assert_gp0_injected();
	assert_vmcs_not_written(VMCS_GUEST_PAT);
	assert_vmcs(VMCS_GUEST_PAT, 0x0000000100000006ULL);
	assert_rip(GUEST_RIP + 4);
}

static void test_msr_tsc_write_sets_offset(void **state)
{
	(void)state;

	wrmsr_exit(MSR_TSC, 0);
	assert_no_event();
	/* The guest's TSC restarts near 0: the offset is about -host TSC. */
	assert_true((int64_t)fake_vmcs_last_write(VMCS_TSC_OFFSET) < 0);
	rdmsr_exit(MSR_TSC);
	assert_true(((v->gpr[GPR_RDX] << 32) | v->gpr[GPR_RAX]) < (1ULL << 62));
	assert_rip(GUEST_RIP + 4);
}

/* --- I/O ------------------------------------------------------------------ */

static void io_exit(uint16_t port, unsigned int size, bool in,
		    unsigned int insn_len)
{
	do_exit(VMX_EXIT_IO_INSTRUCTION, IO_QUAL(port, size, in), insn_len);
}

static void out_exit(uint16_t port, unsigned int size, uint32_t val)
{
	v->gpr[GPR_RAX] = val;
	io_exit(port, size, false, 1);
}

static void test_io_debug_exit(void **state)
{
	(void)state;

	assert_int_equal(IO_QUAL(0xf4, 4, false), 0x00f40003);
	out_exit(0xf4, 4, 5);
	assert_ended(OUTCOME_EXIT);
	assert_int_equal(vm->exit_status, 5);
	assert_detail("exit status 5");
	assert_int_equal(vm->exit_counts[VMX_EXIT_IO_INSTRUCTION], 1);

	/* An 8-bit OUT carries only AL. */
	fixture_restart();
	out_exit(0xf4, 1, 0xabcd0103);
	assert_ended(OUTCOME_EXIT);
	assert_int_equal(vm->exit_status, 3);
}

static void test_io_in_uart_lsr(void **state)
{
	(void)state;

	v->gpr[GPR_RAX] = 0x1234567890abcd00ULL;
	io_exit(0x3fd, 1, true, 1);
	assert_running();
	assert_true(v->gpr[GPR_RAX] & 0x20); /* THR empty */
	assert_int_equal(v->gpr[GPR_RAX] & ~0xffULL, 0x1234567890abcd00ULL);
	assert_rip(GUEST_RIP + 1);
	assert_no_event();
}

static void test_io_unknown_port(void **state)
{
	(void)state;

	/* 66 ed: IN AX, DX. */
	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaa0000ULL;
	io_exit(0x2e0, 2, true, 2);
	assert_running();
	assert_int_equal(v->gpr[GPR_RAX], 0xaaaaaaaaaaaaffffULL);
	assert_int_equal(vm->unhandled_io, 1);
	assert_rip(GUEST_RIP + 2);

	v->gpr[GPR_RAX] = 0xaaaaaaaaaaaaaa00ULL;
	io_exit(0x2e0, 1, true, 1);
	assert_int_equal(v->gpr[GPR_RAX], 0xaaaaaaaaaaaaaaffULL);

	/* A 32-bit IN zero-extends into RAX. */
	v->gpr[GPR_RAX] = 0xaaaaaaaa00000000ULL;
	io_exit(0x2e0, 4, true, 1);
	assert_int_equal(v->gpr[GPR_RAX], 0xffffffffULL);

	out_exit(0x2e0, 1, 0x55);
	assert_running();
	assert_int_equal(vm->unhandled_io, 4);
	assert_rip(GUEST_RIP + 5);
}

/*
 * INS/OUTS go through the port dispatch like IN/OUT: OUTSB from DS:ESI to
 * the 8259 mask, REP INSB of fw_cfg's signature into ES:EDI; a size field
 * the CPU never reports (a corrupted VMCS) ends the VM.
 */
static void test_io_string(void **state)
{
	static const uint8_t outsb[] = {0x6e};
	static const uint8_t rep_insb[] = {0xf3, 0x6c};

	(void)state;
	put_code(GUEST_RIP, outsb, sizeof(outsb));
	vm->ram[0x2000] = 0x5a;
	v->gpr[GPR_RSI] = 0x2000;
	do_exit(VMX_EXIT_IO_INSTRUCTION, IO_QUAL(0x21, 1, false) | IO_STRING,
		1);
	assert_running();
	assert_rip(GUEST_RIP + 1);
	assert_int_equal(v->gpr[GPR_RSI], 0x2001);
	io_exit(0x21, 1, true, 2);
	assert_int_equal(v->gpr[GPR_RAX] & 0xff, 0x5a);

	out_exit(0x510, 2, 0x0000);
	put_code(GUEST_RIP + 4, rep_insb, sizeof(rep_insb));
	v->gpr[GPR_RDI] = 0x3000;
	v->gpr[GPR_RCX] = 4;
	do_exit(VMX_EXIT_IO_INSTRUCTION,
		IO_QUAL(0x511, 1, true) | IO_STRING | (1u << 5), 2);
	assert_running();
	assert_memory_equal(vm->ram + 0x3000, "QEMU", 4);
	assert_int_equal(v->gpr[GPR_RCX], 0);

	fixture_restart();
	do_exit(VMX_EXIT_IO_INSTRUCTION, (0x21ULL << 16) | 6, 1);
	assert_ended(OUTCOME_UNEXPECTED_EXIT);
	assert_captured("unexpected exit 0x1e (IO_INSTRUCTION)");
}

/* --- HLT, triple fault, interrupts ---------------------------------------- */

static void test_hlt_ends_vm(void **state)
{
	(void)state;

	do_exit(VMX_EXIT_HLT, 0, 1);
	assert_ended(OUTCOME_HALT);
	assert_detail("disabled");
	/* HLT completed: a halted vCPU sits after it, as on hardware. */
	assert_rip(GUEST_RIP + 1);
	assert_no_event();
	assert_int_equal(vm->exit_counts[VMX_EXIT_HLT], 1);

	fixture_restart();
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2 | RFLAGS_IF);
	do_exit(VMX_EXIT_HLT, 0, 1);
	assert_ended(OUTCOME_HALT);
	assert_detail("enabled");
}

static void test_triple_fault(void **state)
{
	(void)state;

	fake_vmcs_set(VMCS_GUEST_RIP, 0x1234);
	do_exit(VMX_EXIT_TRIPLE_FAULT, 0, 0);
	assert_ended(OUTCOME_TRIPLE_FAULT);
	assert_detail("0x1234");
	assert_int_equal(vm->exit_counts[VMX_EXIT_TRIPLE_FAULT], 1);
}

static void test_interrupt_and_nmi_resume_guest(void **state)
{
	static const uint32_t reasons[] = {VMX_EXIT_EXTERNAL_INTERRUPT,
					   VMX_EXIT_EXCEPTION_NMI};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(reasons); i++) {
		fixture_restart();
		nmis_handled = 0;
		v->gpr[GPR_RAX] = 0x42;
		do_exit(reasons[i], 0, 0);
		assert_running();
		assert_int_equal(fake_vmcs_total_writes(), 0);
		assert_rip(GUEST_RIP);
		assert_int_equal(v->gpr[GPR_RAX], 0x42);
		assert_int_equal(vm->exit_counts[reasons[i]], 1);
		assert_int_equal(fake_serial_len(), 0);
		/* The NMI the exit consumed reaches the host's handling. */
		assert_int_equal(nmis_handled,
				 reasons[i] == VMX_EXIT_EXCEPTION_NMI);
	}
}

/* An external interrupt acknowledged on exit: vector in the exit information. */
static void do_interrupt_exit(unsigned int vector)
{
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, 0x80000000ULL | vector);
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_REASON, VMX_EXIT_EXTERNAL_INTERRUPT);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 0);
	fake_vmcs_set(VMCS_EXIT_INSTRUCTION_LEN, 0);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_forget_accesses();
	vmx_handle_exit(v);
}

/* The host timer before the deadline: mhv's handler, re-armed, guest runs on. */
static void test_external_interrupt_timer_before_deadline(void **state)
{
	(void)state;

	vm->deadline_tsc = UINT64_MAX;
	do_interrupt_exit(HOST_VEC_TIMER);
	assert_running();
	assert_int_equal(fake_irq.handled_count, 1);
	assert_int_equal(fake_irq.handled[0], HOST_VEC_TIMER);
	/* Never the guest's: nothing injected, nothing moved. */
	assert_int_equal(fake_vmcs_total_writes(), 0);
	assert_rip(GUEST_RIP);
	/* The entry path, which the fired timer asks for, arms it again. */
	assert_true(v->events);
	vmx.preemption_timer = false;
	vmx_events(v);
	assert_false(v->events);
	assert_int_equal(fake_irq.arm_count, 1);
	assert_true(fake_irq.armed_ticks > 0);
	assert_int_equal(fake_vmcs_writes(VMCS_ENTRY_INTR_INFO), 0);
}

static void test_external_interrupt_timer_past_deadline(void **state)
{
	(void)state;

	vm->opt.timeout_ms = 300;
	vm->deadline_tsc = 1;
	fake_vmcs_set(VMCS_GUEST_RIP, 0x4000eb);
	do_interrupt_exit(HOST_VEC_TIMER);
	assert_ended(OUTCOME_TIMEOUT);
	assert_detail("300 ms");
	assert_detail("RIP 0x4000eb");
	assert_int_equal(fake_irq.arm_count, 0);
	assert_int_equal(fake_vmcs_writes(VMCS_ENTRY_INTR_INFO), 0);
}

/* Any other vector: handled (and EOId there), no budget check. */
static void test_external_interrupt_other_vector(void **state)
{
	(void)state;

	vm->deadline_tsc = 0;
	do_interrupt_exit(HOST_VEC_APIC_ERROR);
	assert_running();
	assert_int_equal(fake_irq.handled_count, 1);
	assert_int_equal(fake_irq.handled[0], HOST_VEC_APIC_ERROR);
	assert_int_equal(fake_irq.arm_count, 0);
}

/* The preemption timer before the deadline: armed again for what is left. */
static void test_preemption_timer_before_deadline(void **state)
{
	(void)state;

	vmx.preemption_timer = true;
	vmx.preemption_shift = 5;
	vm->deadline_tsc = UINT64_MAX;
	do_exit(VMX_EXIT_PREEMPTION_TIMER, 0, 0);
	assert_running();
	assert_true(v->events);
	vmx_events(v);
	assert_int_equal(fake_vmcs_writes(VMCS_PREEMPTION_TIMER), 1);
	/* Far away: the longest count, the next exit arms again. */
	assert_vmcs(VMCS_PREEMPTION_TIMER, 0xffffffffULL);
	assert_rip(GUEST_RIP);

	vm->deadline_tsc = fake_now + (1000ULL << 5);
	do_exit(VMX_EXIT_PREEMPTION_TIMER, 0, 0);
	assert_running();
	vmx_events(v);
	assert_int_equal(fake_vmcs_get(VMCS_PREEMPTION_TIMER), 1000);
	assert_int_equal(fake_irq.arm_count, 0); /* not the APIC timer */
}

static void test_preemption_timer_past_deadline(void **state)
{
	(void)state;

	vm->opt.timeout_ms = 300;
	vm->deadline_tsc = 1;
	fake_vmcs_set(VMCS_GUEST_RIP, 0x4000eb);
	do_exit(VMX_EXIT_PREEMPTION_TIMER, 0, 0);
	assert_ended(OUTCOME_TIMEOUT);
	assert_detail("300 ms");
	assert_detail("RIP 0x4000eb");
	assert_int_equal(fake_vmcs_writes(VMCS_PREEMPTION_TIMER), 0);
}

static void test_invd_is_skipped(void **state)
{
	(void)state;

	do_exit(VMX_EXIT_INVD, 0, 2);
	assert_running();
	assert_no_event();
	assert_rip(GUEST_RIP + 2);
}

/* --- CR access ------------------------------------------------------------ */

static void cr_exit(unsigned int cr, unsigned int type, enum gpr reg,
		    uint64_t val)
{
	v->gpr[reg] = val;
	do_exit(VMX_EXIT_CR_ACCESS, CR_QUAL(cr, type, reg), 3);
}

static void test_mov_to_cr4(void **state)
{
	struct vcpu_state s;

	(void)state;
	cr_exit(4, 0, GPR_RAX, CR4_PAE);
	assert_running();
	assert_no_event();
	assert_vmcs_written(VMCS_CR4_READ_SHADOW, 0x20);
	assert_vmcs_written(VMCS_GUEST_CR4, 0x2020);
	assert_vmcs_not_written(VMCS_GUEST_CR0);
	assert_rip(GUEST_RIP + 3);

	/* The guest sees its own value. */
	vmx_get_state(v, &s);
	assert_int_equal(s.cr4, 0x20);

	/* Clearing VMXE the guest never set: it stays set underneath. */
	cr_exit(4, 0, GPR_RBX, 0);
	assert_vmcs_written(VMCS_CR4_READ_SHADOW, 0);
	assert_vmcs_written(VMCS_GUEST_CR4, CR4_VMXE);
	assert_rip(GUEST_RIP + 6);
}

static void test_mov_to_cr0(void **state)
{
	struct vcpu_state s;

	(void)state;
	/* MOV CR0, EAX with NE: the shadow takes it, NE stays set. */
	cr_exit(0, 0, GPR_RAX, CR0_PE | CR0_MP | CR0_ET | CR0_NE);
	assert_running();
	assert_no_event();
	assert_vmcs_written(VMCS_CR0_READ_SHADOW, 0x33);
	assert_vmcs_written(VMCS_GUEST_CR0, 0x33);
	assert_vmcs_not_written(VMCS_GUEST_CR4);
	assert_rip(GUEST_RIP + 3);

	/* NE cleared from R8: hidden by the shadow, still set underneath. */
	cr_exit(0, 0, GPR_R8, CR0_PE | CR0_ET);
	assert_vmcs_written(VMCS_CR0_READ_SHADOW, 0x11);
	assert_vmcs_written(VMCS_GUEST_CR0, 0x31);
	vmx_get_state(v, &s);
	assert_int_equal(s.cr0, 0x11);
	assert_rip(GUEST_RIP + 6);
}

/*
 * MOV CR0, RSP / MOV CR4, RSP: the value is the guest's RSP in the VMCS,
 * not the stale register-array slot (it used to write 0 to CR0).
 */
static void test_mov_to_cr_from_rsp(void **state)
{
	(void)state;
	v->gpr[GPR_RSP] = 0;
	fake_vmcs_set(VMCS_GUEST_RSP, CR0_PE | CR0_ET | CR0_NE);
	do_exit(VMX_EXIT_CR_ACCESS, CR_QUAL(0, 0, GPR_RSP), 3);
	assert_running();
	assert_no_event();
	assert_vmcs_written(VMCS_CR0_READ_SHADOW, 0x31);
	assert_vmcs_written(VMCS_GUEST_CR0, 0x31);
	assert_rip(GUEST_RIP + 3);

	fake_vmcs_set(VMCS_GUEST_RSP, CR4_PAE);
	do_exit(VMX_EXIT_CR_ACCESS, CR_QUAL(4, 0, GPR_RSP), 3);
	assert_running();
	assert_vmcs_written(VMCS_CR4_READ_SHADOW, CR4_PAE);
	assert_vmcs_written(VMCS_GUEST_CR4, CR4_PAE | CR4_VMXE);
}

/* 64-bit mode: CS.L, EFER.LME|LMA, paging and PAE on. */
static void set_long_mode_64(void)
{
	fake_vmcs_set(VMCS_GUEST_CS_AR, 0xa09b); /* L, G */
	fake_vmcs_set(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
	fake_vmcs_set(VMCS_CR0_GUEST_HOST_MASK, SHADOWED_CR0 | CR0_PG);
	fake_vmcs_set(VMCS_CR0_READ_SHADOW, CR0_PE | CR0_ET | CR0_PG);
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, CR4_PAE);
	fake_vmcs_set(VMCS_GUEST_CR4, CR4_PAE | CR4_VMXE);
	fake_vmcs_set(VMCS_GUEST_CR3, 0x10000);
}

/*
 * Clearing CR0.PG in 64-bit mode (CS.L = 1) raises #GP (SDM vol. 2, MOV
 * CR): mhv used to clear EFER.LMA, and the next entry failed.
 */
static void test_cr0_pg_clear_in_64bit_mode_is_gp(void **state)
{
	(void)state;
	set_long_mode_64();
	cr_exit(0, 0, GPR_RAX, CR0_PE | CR0_ET | CR0_NE);
	assert_gp0_injected();
	assert_vmcs_not_written(VMCS_GUEST_CR0);
	assert_vmcs_not_written(VMCS_GUEST_EFER);
	assert_rip(GUEST_RIP);

	/* In compatibility mode (CS.L = 0) it leaves long mode. */
	fake_vmcs_set(VMCS_GUEST_CS_AR, 0xc09b);
	cr_exit(0, 0, GPR_RAX, CR0_PE | CR0_ET | CR0_NE);
	assert_no_event();
	assert_vmcs_written(VMCS_GUEST_EFER, EFER_LME);
	assert_rip(GUEST_RIP + 3);
}

/*
 * CR4 bits the guest's CPUID does not offer raise #GP, whatever the CPU
 * underneath has: VMXE (no nested VMX), PKS and CET (hidden), bit 15 and
 * bits 63:32 (reserved). PCIDE needs long mode and CR3[11:0] = 0.
 */
static void test_cr4_hidden_and_reserved_bits_are_gp(void **state)
{
	static const uint64_t bad[] = {
		CR4_VMXE,   1ULL << 14, 1ULL << 15,
		1ULL << 23, 1ULL << 24, 1ULL << 26,
	};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_exit(4, 0, GPR_RAX, CR4_PAE | bad[i]);
		assert_gp0_injected();
		assert_vmcs_not_written(VMCS_CR4_READ_SHADOW);
		assert_rip(GUEST_RIP);
		fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	}
	/* PCIDE outside long mode, then with CR3[11:0] != 0 in it. */
	cr_exit(4, 0, GPR_RAX, (1ULL << 17));
	assert_gp0_injected();
	set_long_mode_64();
	fake_vmcs_set(VMCS_GUEST_CR3, 0x10001);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	cr_exit(4, 0, GPR_RAX, CR4_PAE | (1ULL << 17));
	assert_gp0_injected();
	/* Bit 32 is reserved; outside 64-bit mode only EAX counts. */
	fake_vmcs_set(VMCS_GUEST_CR3, 0x10000);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	cr_exit(4, 0, GPR_RAX, CR4_PAE | (1ULL << 32));
	assert_gp0_injected();
	/* Clearing PAE in long mode. */
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	cr_exit(4, 0, GPR_RAX, 0);
	assert_gp0_injected();
	assert_rip(GUEST_RIP);
}

/*
 * RFLAGS.TF: an instruction mhv completes leaves a single-step trap
 * pending (BS in the pending debug exceptions field), which VM entry
 * delivers as #DB with DR6.BS. Without TF nothing is pending.
 */
static void test_single_step_after_emulated_instruction(void **state)
{
	(void)state;
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2 | (1u << 8));
	cpuid_exit(0, 0);
	assert_running();
	assert_rip(GUEST_RIP + 2);
	assert_vmcs_written(VMCS_GUEST_PENDING_DEBUG, 1u << 14);

	fixture_restart();
	cpuid_exit(0, 0);
	assert_vmcs_not_written(VMCS_GUEST_PENDING_DEBUG);
}

/* RF ends with the instruction mhv completes (SDM vol. 3, 18.3.1.1). */
static void test_completed_instruction_clears_rf(void **state)
{
	(void)state;
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_RF);
	cpuid_exit(0, 0);
	assert_running();
	assert_rip(GUEST_RIP + 2);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RFLAGS), RFLAGS_FIXED1);
	assert_vmcs_not_written(VMCS_GUEST_PENDING_DEBUG);
}

/*
 * An EPT violation during event delivery (IDT-vectoring information
 * valid) was the delivery's access, not the instruction's: nothing is
 * decoded or emulated, RIP stays, the VM ends as bad-access.
 */
static void test_ept_violation_during_delivery(void **state)
{
	static const uint8_t mov_eax_ebx[] = {0x8b, 0x03};

	(void)state;
	put_code(GUEST_RIP, mov_eax_ebx, sizeof(mov_eax_ebx));
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	exit_vectoring = 0x80000b0dULL; /* #GP being delivered */
	do_ept_exit(XAPIC_VERSION_GPA, 1, 2);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("delivery of vector 13");
	assert_vmcs_not_written(VMCS_GUEST_RIP);
}

/*
 * A handler's exception meets one already pending: contributory on
 * contributory is #DF (error code 0), a fault while delivering #DF is a
 * shutdown, a benign one is simply replaced.
 */
static void test_exception_merge(void **state)
{
	(void)state;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0x80000b0dULL); /* #GP pending */
	vmx_inject_exception(v, 11, true, 0x18);	    /* #NP */
	assert_vmcs(VMCS_ENTRY_INTR_INFO, 0x80000b08ULL);   /* #DF, error */
	assert_vmcs(VMCS_ENTRY_EXCEPTION_ERROR, 0);

	vmx_inject_exception(v, 13, true, 0);
	assert_ended(OUTCOME_TRIPLE_FAULT);

	fixture_restart();
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0x80000301ULL); /* #DB pending */
	vmx_inject_exception(v, 13, true, 0);
	assert_vmcs(VMCS_ENTRY_INTR_INFO, INTR_GP);
	assert_running();
}

/* CR8 is the guest LAPIC's TPR[7:4], never the host's (CR8 exiting). */
static void test_cr8_is_the_guest_tpr(void **state)
{
	(void)state;
	v->gpr[GPR_RBX] = 0x9;
	do_exit(VMX_EXIT_CR_ACCESS, CR_QUAL(8, 0, 3), 3); /* MOV CR8, RBX */
	assert_running();
	assert_int_equal(v->apic.tpr, 0x90);
	assert_rip(GUEST_RIP + 3);

	fixture_restart();
	v->apic.tpr = 0x5a;
	do_exit(VMX_EXIT_CR_ACCESS, CR_QUAL(8, 1, 1), 3); /* MOV RCX, CR8 */
	assert_int_equal(v->gpr[GPR_RCX], 5);
	assert_rip(GUEST_RIP + 3);

	/* Bits 63:4 are reserved: #GP, TPR and RIP unchanged. */
	fixture_restart();
	v->gpr[GPR_RAX] = 0x10;
	do_exit(VMX_EXIT_CR_ACCESS, CR_QUAL(8, 0, 0), 3);
	assert_gp0_injected();
	assert_int_equal(v->apic.tpr, 0);
}

static void test_other_cr_accesses_are_unexpected(void **state)
{
	static const uint64_t quals[] = {
		CR_QUAL(0, 1, 0), /* MOV from CR0 */
		CR_QUAL(4, 1, 3), /* MOV from CR4 */
		CR_QUAL(3, 0, 0), /* MOV to CR3 */
		CR_QUAL(0, 2, 0), /* CLTS */
		CR_QUAL(0, 3, 0), /* LMSW */
	};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(quals); i++) {
		fixture_restart();
		do_exit(VMX_EXIT_CR_ACCESS, quals[i], 3);
		assert_ended(OUTCOME_UNEXPECTED_EXIT);
		assert_captured("unexpected exit 0x1c (CR_ACCESS)");
		assert_vmcs_not_written(VMCS_GUEST_CR0);
		assert_vmcs_not_written(VMCS_GUEST_CR4);
		assert_vmcs_not_written(VMCS_CR0_READ_SHADOW);
		assert_vmcs_not_written(VMCS_CR4_READ_SHADOW);
		assert_rip(GUEST_RIP);
	}
}

/*
 * MOV to CR0 that turns paging on with EFER.LME set activates IA-32e mode:
 * the CPU would set EFER.LMA. When that MOV exits (it sets NE, which the
 * shadow hides), the handler must do it, or the next VM entry fails: with
 * CR0.PG = 1, EFER.LMA must equal EFER.LME and the "IA-32e mode guest"
 * control (SDM vol. 3, "Checks on Guest Control Registers, Debug
 * Registers, and MSRs"). Linux's startup_32 loads PG and NE together.
 */
static void test_cr0_paging_on_with_lme_sets_lma(void **state)
{
	(void)state;
	fake_vmcs_set(VMCS_GUEST_EFER, EFER_LME);
	fake_vmcs_set(VMCS_GUEST_CR4, SHADOWED_CR4 | CR4_PAE);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, CR4_PAE);
	fake_vmcs_set(VMCS_GUEST_CR3, 0x10000);
	cr_exit(0, 0, GPR_RAX, CR0_PG | CR0_NE | CR0_ET | CR0_PE);
	assert_running();
	assert_vmcs(VMCS_GUEST_CR0, CR0_PG | CR0_NE | CR0_ET | CR0_PE);
	/* What vmx_run() does after every exit. */
	vmx_sync_entry_controls(v);
	assert_vmcs(VMCS_GUEST_EFER, EFER_LME | EFER_LMA);
	assert_vmcs(VMCS_ENTRY_CONTROLS, ENTRY_CONTROLS_RESET | ENTRY_IA32E);
}

/* MOV to CR0 with PG and without PE raises #GP(0), as on hardware. */
static void test_cr0_paging_without_protection_is_gp(void **state)
{
	(void)state;
	cr_exit(0, 0, GPR_RAX, CR0_PG | CR0_NE | CR0_ET);
	assert_gp0_injected();
	assert_vmcs_not_written(VMCS_GUEST_CR0);
}

/* With VMX hidden in CPUID, CR4.VMXE is reserved to the guest: #GP(0). */
static void test_cr4_vmxe_is_gp(void **state)
{
	(void)state;
	cr_exit(4, 0, GPR_RAX, CR4_VMXE);
	assert_gp0_injected();
	assert_vmcs(VMCS_CR4_READ_SHADOW, 0);
}

/* --- EPT violations (MMIO) ------------------------------------------------ */

static void test_ept_apic_version_read(void **state)
{
	static const uint8_t mov_eax_ebx[] = {0x8b, 0x03}; /* [ebx] */

	(void)state;
	put_code(GUEST_RIP, mov_eax_ebx, sizeof(mov_eax_ebx));
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	v->gpr[GPR_RAX] = 0xffffffff00000000ULL;
	/*
	 * The instruction length is undefined for EPT violations: a bogus
	 * one must not be used. The decoder knows the instruction is 2.
	 */
	do_ept_exit(XAPIC_VERSION_GPA, 1, 6);
	assert_running();
	assert_no_event();
	assert_int_equal((uint32_t)v->gpr[GPR_RAX], 0x00050014);
	assert_rip(GUEST_RIP + 2);
	assert_int_equal(fake_vmcs_reads(VMCS_EXIT_INSTRUCTION_LEN), 0);
	assert_int_equal(vm->exit_counts[VMX_EXIT_EPT_VIOLATION], 1);
}

static void test_ept_outside_ram_and_devices(void **state)
{
	(void)state;

	do_ept_exit(0xc0000000, 2, 2);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("write");
	assert_detail("0xc0000000");
	assert_rip(GUEST_RIP);
	assert_vmcs_not_written(VMCS_GUEST_RIP);

	fixture_restart();
	do_ept_exit(0xc0000000, 1, 2);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("read");

	/* An instruction fetch from the APIC page is no MMIO. */
	fixture_restart();
	do_ept_exit(XAPIC_VERSION_GPA, 4, 0);
	assert_ended(OUTCOME_BAD_ACCESS);
	assert_detail("instruction fetch");
}

/* --- counters ------------------------------------------------------------- */

static void test_exit_counters(void **state)
{
	static const uint8_t mov_eax_ebx[] = {0x8b, 0x03};

	(void)state;
	put_code(GUEST_RIP + 7, mov_eax_ebx, sizeof(mov_eax_ebx));
	cpuid_exit(0, 0);
	cpuid_exit(0, 0);
	rdmsr_exit(MSR_APIC_BASE);
	do_exit(VMX_EXIT_EXTERNAL_INTERRUPT, 0, 0);
	out_exit(0x80, 1, 0);
	assert_rip(GUEST_RIP + 7);
	v->gpr[GPR_RBX] = XAPIC_VERSION_GPA;
	do_ept_exit(XAPIC_VERSION_GPA, 1, 0);
	do_exit(VMX_EXIT_SEAMCALL, 0, 4);
	assert_running();

	assert_int_equal(vm_exits_total(vm), 7);
	assert_int_equal(vm->exit_counts[VMX_EXIT_CPUID], 2);
	assert_int_equal(vm->exit_counts[VMX_EXIT_MSR_READ], 1);
	assert_int_equal(vm->exit_counts[VMX_EXIT_EXTERNAL_INTERRUPT], 1);
	assert_int_equal(vm->exit_counts[VMX_EXIT_IO_INSTRUCTION], 1);
	assert_int_equal(vm->exit_counts[VMX_EXIT_EPT_VIOLATION], 1);
	assert_int_equal(vm->exit_counts[VMX_EXIT_SEAMCALL], 1);
	assert_int_equal(vmx_exit_counter(VMX_EXIT_EPT_VIOLATION), 48);
	assert_string_equal(vmx_exit_slot_name(48), "EPT_VIOLATION");
	assert_string_equal(vmx_exit_slot_name(10), "CPUID");
	assert_string_equal(vmx_exit_slot_name(30), "IO_INSTRUCTION");
}

/* --- interrupt and NMI injection (vmx_irq.c), HLT --------------------------- */

/* VM-entry interruption information (SDM vol. 3, 24.8.3). */
#define INTR_EXT(vec) (0x80000000ULL | (vec)) /* valid | external interrupt */
#define INTR_NMI 0x80000202ULL		      /* valid | NMI | vector 2 */
/* Primary processor-based controls (SDM vol. 3, table 24-6). */
#define PROC_INTR_WINDOW (1ULL << 2)
#define PROC_NMI_WINDOW (1ULL << 22)
/* Interruptibility state (SDM vol. 3, table 24-3). */
#define BLOCK_STI 1u
#define BLOCK_MOV_SS 2u
#define BLOCK_NMI 8u

static bool lapic_bit(const uint32_t *reg256, unsigned int vector)
{
	return reg256[vector / 32] & (1u << (vector % 32));
}

/*
 * A guest with a software-enabled LAPIC and `vector` pending, IF=1, no
 * blocking, no event for the entry: the controls as vmx_vcpu_create()
 * leaves them (and caches them), a budget far away.
 */
static uint32_t base_proc;

static void irq_fixture(int vector)
{
	fake_now = 1000000;
	vm->deadline_tsc = fake_now + 1000000000;
	base_proc = (uint32_t)fake_vmcs_get(VMCS_PROC_CONTROLS);
	assert_int_equal(base_proc & (PROC_INTR_WINDOW | PROC_NMI_WINDOW), 0);
	vmx.proc_controls = base_proc;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, (RFLAGS_FIXED1 | RFLAGS_IF));
	xapic_write(v, APIC_SPIV, 0x1ff);
	if (vector >= 0)
		lapic_deliver(v, APIC_DM_FIXED, (uint8_t)vector, false);
	assert_true(v->events);
}

/* One entry's vmx_events(), its VMCS writes recorded alone. */
static void events(void)
{
	fake_vmcs_forget_accesses();
	vmx_events(v);
	assert_false(v->events);
	/* The cache and the VMCS agree, whatever was written. */
	assert_vmcs(VMCS_PROC_CONTROLS, vmx.proc_controls);
}

static void assert_injected(unsigned int vector)
{
	assert_vmcs_written(VMCS_ENTRY_INTR_INFO, INTR_EXT(vector));
	assert_false(lapic_bit(v->apic.irr, vector));
	assert_true(lapic_bit(v->apic.isr, vector));
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CONTROLS) &
				 (PROC_INTR_WINDOW | PROC_NMI_WINDOW),
			 0);
}

static void assert_window(unsigned int vector)
{
	assert_no_event();
	assert_true(lapic_bit(v->apic.irr, vector));
	assert_false(lapic_bit(v->apic.isr, vector));
	assert_true(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_INTR_WINDOW);
}

static void test_events_inject_interrupt(void **state)
{
	(void)state;
	irq_fixture(0x41);
	events();
	assert_injected(0x41);
	assert_vmcs_not_written(VMCS_PROC_CONTROLS);
	assert_int_equal(fake_irq.arm_count, 1);
}

/* IF=0, STI or MOV SS blocking, an event in flight: window, then inject. */
static void test_events_blocked_then_window(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		fixture_restart();
		irq_fixture(0x41);
		if (i == 0)
			fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2);
		else if (i == 1)
			fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, BLOCK_STI);
		else if (i == 2)
			fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY,
				      BLOCK_MOV_SS);
		else
			fake_vmcs_set(VMCS_ENTRY_INTR_INFO, INTR_GP);
		events();
		assert_window(0x41);
		assert_vmcs_written(VMCS_PROC_CONTROLS,
				    base_proc | PROC_INTR_WINDOW);
		if (i == 3)
			assert_vmcs(VMCS_ENTRY_INTR_INFO, INTR_GP);

		/* The window exit; the entry after it injects. */
		fake_vmcs_set(VMCS_GUEST_RFLAGS, (RFLAGS_FIXED1 | RFLAGS_IF));
		fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
		do_exit(VMX_EXIT_INTERRUPT_WINDOW, 0, 0);
		assert_running();
		assert_true(v->events);
		assert_rip(GUEST_RIP);
		events();
		assert_injected(0x41);
		assert_vmcs_written(VMCS_PROC_CONTROLS, base_proc);
	}
}

static void test_events_nmi(void **state)
{
	(void)state;
	irq_fixture(-1);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2); /* NMIs ignore IF */
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	events();
	assert_vmcs_written(VMCS_ENTRY_INTR_INFO, INTR_NMI);
	assert_false(v->apic.nmi_pending);

	/* An NMI and an interrupt: the NMI goes first. */
	fixture_restart();
	irq_fixture(0x41);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	events();
	assert_vmcs_written(VMCS_ENTRY_INTR_INFO, INTR_NMI);
	assert_true(lapic_bit(v->apic.irr, 0x41));
	assert_true(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_INTR_WINDOW);
}

/* Virtual-NMI blocking: NMI-window exiting, where the CPU has it. */
static void test_events_nmi_window(void **state)
{
	(void)state;
	irq_fixture(-1);
	vmx.nmi_window = true;
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, BLOCK_NMI);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	events();
	assert_no_event();
	assert_true(v->apic.nmi_pending);
	assert_vmcs_written(VMCS_PROC_CONTROLS, base_proc | PROC_NMI_WINDOW);

	/* The guest's IRET ended the blocking: NMI-window exit, inject. */
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
	do_exit(VMX_EXIT_NMI_WINDOW, 0, 0);
	assert_running();
	assert_true(v->events);
	events();
	assert_vmcs_written(VMCS_ENTRY_INTR_INFO, INTR_NMI);
	assert_false(v->apic.nmi_pending);
	assert_vmcs_written(VMCS_PROC_CONTROLS, base_proc);

	/* An STI shadow holds an NMI too. */
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, BLOCK_STI);
	events();
	assert_no_event();
	assert_true(vmx.proc_controls & PROC_NMI_WINDOW);

	/* Without NMI-window exiting, the interrupt window stands in. */
	fixture_restart();
	irq_fixture(-1);
	vmx.nmi_window = false;
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, BLOCK_NMI);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	events();
	assert_no_event();
	assert_vmcs_written(VMCS_PROC_CONTROLS, base_proc | PROC_INTR_WINDOW);
}

/* MOV to CR8 lowering TPR lets a held vector through on the next entry. */
static void test_cr8_write_unblocks(void **state)
{
	(void)state;
	irq_fixture(0x41);
	xapic_write(v, APIC_TPR, 0x50);
	events();
	assert_no_event();
	assert_vmcs_not_written(VMCS_PROC_CONTROLS);
	v->gpr[GPR_RAX] = 0;
	do_exit(VMX_EXIT_CR_ACCESS, CR_QUAL(8, 0, 0), 3);
	assert_int_equal(v->apic.tpr, 0);
	assert_true(v->events);
	events();
	assert_injected(0x41);
}

/* A LAPIC timer armed through the xAPIC page: the entry re-arms. */
static void test_timer_armed_by_mmio_rearms_host_timer(void **state)
{
	static const uint8_t mov_ebx_eax[] = {0x89, 0x03}; /* [ebx], eax */

	(void)state;
	irq_fixture(-1);
	xapic_write(v, APIC_TIMER_DIVIDE, 0xb);
	xapic_write(v, APIC_LVT_TIMER, 0x40);
	events();
	assert_int_equal(fake_irq.armed_ticks, vm->deadline_tsc - fake_now);

	put_code(GUEST_RIP, mov_ebx_eax, sizeof(mov_ebx_eax));
	v->gpr[GPR_RBX] = 0xfee00380; /* initial count */
	v->gpr[GPR_RAX] = 7000;
	do_ept_exit(0xfee00380, 2, 2);
	assert_running();
	assert_rip(GUEST_RIP + 2);
	assert_true(v->events);
	events();
	assert_int_equal(fake_irq.armed_ticks, 7000);
}

static void test_hlt_waits_for_lapic_timer(void **state)
{
	(void)state;
	irq_fixture(-1);
	xapic_write(v, APIC_TIMER_DIVIDE, 0xb); /* divide by 1 */
	xapic_write(v, APIC_LVT_TIMER, 0x40);	/* one-shot, vector 0x40 */
	xapic_write(v, APIC_TIMER_INITIAL, 5000);
	events();
	assert_int_equal(fake_irq.armed_ticks, 5000);

	do_exit(VMX_EXIT_HLT, 0, 1);
	assert_running();
	assert_int_equal(fake_irq.waits, 1);
	assert_int_equal(fake_now, 1000000 + 5000);
	assert_rip(GUEST_RIP + 1);
	assert_true(v->events);
	assert_int_equal(irq_pending(v), 0x40);
	events();
	assert_injected(0x40);
}

/*
 * STI; HLT single-stepped (kvm-unit-tests' debug): the HLT's single-step
 * trap is left pending (BS) while the vCPU waits for the timer. Injecting
 * the interrupt at the next entry would make the CPU drop it (SDM vol. 3,
 * 27.7.3): the interrupt waits for its window instead, which the CPU
 * opens only after delivering the #DB. The same holds for an NMI.
 */
static void test_hlt_single_step_before_interrupt(void **state)
{
	(void)state;
	irq_fixture(-1);
	xapic_write(v, APIC_TIMER_DIVIDE, 0xb);
	xapic_write(v, APIC_LVT_TIMER, 0x40);
	xapic_write(v, APIC_TIMER_INITIAL, 5000);
	events();
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_TF);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, BLOCK_STI);

	do_exit(VMX_EXIT_HLT, 0, 1);
	assert_running();
	assert_int_equal(fake_irq.waits, 1);
	assert_rip(GUEST_RIP + 1);
	assert_vmcs(VMCS_GUEST_PENDING_DEBUG, 1u << 14);
	assert_vmcs(VMCS_GUEST_INTERRUPTIBILITY, 0);
	assert_true(v->events);
	events();
	assert_window(0x40);

	/* The #DB went in; its handler's IRET opens the window. */
	fake_vmcs_set(VMCS_GUEST_PENDING_DEBUG, 0);
	do_exit(VMX_EXIT_INTERRUPT_WINDOW, 0, 0);
	events();
	assert_injected(0x40);

	/* An NMI behind a pending single-step trap waits too. */
	fixture_restart();
	irq_fixture(-1);
	fake_vmcs_set(VMCS_GUEST_PENDING_DEBUG, 1u << 14);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	events();
	assert_no_event();
	assert_true(v->apic.nmi_pending);
	assert_true(fake_vmcs_get(VMCS_PROC_CONTROLS) & PROC_INTR_WINDOW);
}

static void test_hlt_nothing_armed_ends(void **state)
{
	(void)state;
	irq_fixture(-1);
	do_exit(VMX_EXIT_HLT, 0, 1);
	assert_ended(OUTCOME_HALT);
	assert_detail("no interrupt source armed");
	assert_int_equal(fake_irq.waits, 0);
}

static void test_hlt_if0_nmi_resumes(void **state)
{
	(void)state;
	/* A pending interrupt does not wake it. */
	irq_fixture(0x41);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2);
	do_exit(VMX_EXIT_HLT, 0, 1);
	assert_ended(OUTCOME_HALT);
	assert_detail("disabled");

	fixture_restart();
	irq_fixture(0x41);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2);
	lapic_deliver(v, APIC_DM_NMI, 0, false);
	v->events = false;
	do_exit(VMX_EXIT_HLT, 0, 1);
	assert_running();
	assert_true(v->events);
	assert_int_equal(fake_irq.waits, 0);
	assert_rip(GUEST_RIP + 1);
	events();
	assert_vmcs_written(VMCS_ENTRY_INTR_INFO, INTR_NMI);
	assert_true(lapic_bit(v->apic.irr, 0x41));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fake_vmcs_behaves_like_vmread_vmwrite),
		T(test_seamcall_tdcall_inject_ud),
		T(test_vmx_instructions_inject_ud),
		T(test_out_of_range_reasons_end_the_vm),
		T(test_unhandled_reasons_end_the_vm),
		T(test_enclave_mode_bit_keeps_basic_reason),
		T(test_every_reason),
		T(test_entry_failure_invalid_guest_state),
		T(test_entry_failure_names_the_failing_check),
		T(test_entry_failure_msr_loading),
		T(test_entry_failure_other_reasons),
		T(test_cpuid_osxsave_follows_guest_view_of_cr4),
		T(test_advance_rip_ends_interrupt_shadow),
		T(test_vmcall_ping),
		T(test_vmcall_exit_count),
		T(test_rdmsr_efer_from_vmcs),
		T(test_wrmsr_efer_keeps_cpu_lma),
		T(test_wrmsr_efer_in_long_mode_sets_ia32e_control),
		T(test_sync_entry_controls_follows_lma),
		T(test_wrmsr_efer_lme_change_with_paging_is_gp),
		T(test_msr_pat_in_vmcs),
		T(test_msr_tsc_write_sets_offset),
		T(test_io_debug_exit),
		T(test_io_in_uart_lsr),
		T(test_io_unknown_port),
		T(test_io_string),
		T(test_hlt_ends_vm),
		T(test_triple_fault),
		T(test_interrupt_and_nmi_resume_guest),
		T(test_external_interrupt_timer_before_deadline),
		T(test_external_interrupt_timer_past_deadline),
		T(test_external_interrupt_other_vector),
		T(test_preemption_timer_before_deadline),
		T(test_preemption_timer_past_deadline),
		T(test_invd_is_skipped),
		T(test_mov_to_cr4),
		T(test_mov_to_cr0),
		T(test_mov_to_cr_from_rsp),
		T(test_ept_violation_during_delivery),
		T(test_exception_merge),
		T(test_single_step_after_emulated_instruction),
		T(test_completed_instruction_clears_rf),
		T(test_cr0_pg_clear_in_64bit_mode_is_gp),
		T(test_cr4_hidden_and_reserved_bits_are_gp),
		T(test_other_cr_accesses_are_unexpected),
		T(test_cr8_is_the_guest_tpr),
		T(test_cr0_paging_on_with_lme_sets_lma),
		T(test_cr0_paging_without_protection_is_gp),
		T(test_cr4_vmxe_is_gp),
		T(test_ept_apic_version_read),
		T(test_ept_outside_ram_and_devices),
		T(test_exit_counters),
		T(test_events_inject_interrupt),
		T(test_events_blocked_then_window),
		T(test_events_nmi),
		T(test_events_nmi_window),
		T(test_cr8_write_unblocks),
		T(test_timer_armed_by_mmio_rearms_host_timer),
		T(test_hlt_waits_for_lapic_timer),
		T(test_hlt_single_step_before_interrupt),
		T(test_hlt_nothing_armed_ends),
		T(test_hlt_if0_nmi_resumes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
