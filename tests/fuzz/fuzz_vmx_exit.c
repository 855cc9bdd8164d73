// SPDX-License-Identifier: MIT
/*
 * The VMX exit handlers (vmx/vmx_exit.c and everything behind them in
 * core/) driven by arbitrary VM exits: basic reasons with or without the
 * entry-failure bit, qualifications, guest-physical addresses, vectoring
 * information and register values, one VM living through a sequence of
 * exits, against the software VMCS of the unit tests (fake_vmcs.c, as
 * test_vmx_exit.c links it). That VMCS fails on a read of a field nobody
 * wrote: every field the CPU would have is written first, from the state
 * vmx_vcpu_create() builds. A failure of the fake (a write to a read-only
 * field, say) aborts like any broken invariant.
 *
 * After each exit, besides the rules of exit_check.c: the guest state
 * passes mhv's own rendering of the VM-entry checks (vmx_diagnose.c) when
 * it did before, the cached entry controls are the VMCS's, a completed
 * instruction ends an STI/MOV SS shadow and, with RFLAGS.TF, leaves a
 * single-step #DB pending.
 *
 * Input: flags (u8), code length (u16), 16 registers (u64), the code (put
 * at RIP), then exits of 29 bytes: reason (u16), length (u8), flags (u8),
 * qualification, guest-physical address, a value (u64) and the register
 * it goes into (u8).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host/cpu_probe.h"
#include "core/exit/exits.h"
#include "core/exit/insn_decode.h"
#include "core/x86.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/exit_check.h"
#include "tests/fuzz/fake_extable.h"
#include "tests/fuzz/input.h"
#include "tests/fuzz/known_bugs.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/fake_vmcs.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* core/host/trap.c's NMI handling needs the host's IDT. */
void nmi_handle(uint64_t rip)
{
	(void)rip;
}

/* Defined by cpu_probe.c in the kernel, which needs the hardware. */
struct cpu_info boot_cpu;

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

/* vmx_backend needs VMX; the VMCS-side ops are the real ones. */
static const struct vm_backend fuzz_backend = {
	.name = "Intel VMX (fuzzed)",
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

#define MAX_EXITS 16
#define ENTRY_CONTROLS_RESET 0x0000d1ffULL

static struct vm *vm;
static struct vcpu *v;
static struct vmx_vcpu vmx;
static enum vmcs_field fields[256];
static unsigned int nfields;
/* The CPU models of both vendors: CPUID is slow under a hypervisor. */
static struct cpu_model model_amd, model_intel;

/* Every encoding the software VMCS knows, once. */
static void setup(void)
{
	if (vm)
		return;
	/* A fake VMCS failure outside a cmocka test: abort, do not exit. */
	setenv("CMOCKA_TEST_ABORT", "1", 1);
	for (unsigned int f = 0; f < 0x8000; f++)
		if (strcmp(fake_vmcs_field_name((enum vmcs_field)f), "?") &&
		    nfields < sizeof(fields) / sizeof(fields[0]))
			fields[nfields++] = (enum vmcs_field)f;
	vm = calloc(1, sizeof(*vm));
	CHECK(vm, "out of memory");
	vm->ram = malloc(EXIT_RAM_SIZE);
	CHECK(vm->ram, "out of memory");
	vm_backend = &fuzz_backend;
	cpu_model_init(&model_amd, CPU_VENDOR_AMD);
	cpu_model_init(&model_intel, CPU_VENDOR_INTEL);
	fake_extable_install();
}

static void set_seg(enum vmcs_field sel, uint32_t ar, uint32_t limit)
{
	unsigned int i = sel - VMCS_GUEST_ES_SEL;

	fake_vmcs_set(sel, 0);
	fake_vmcs_set(VMCS_GUEST_ES_LIMIT + i, limit);
	fake_vmcs_set(VMCS_GUEST_ES_AR + i, ar);
	fake_vmcs_set(VMCS_GUEST_ES_BASE + i, 0);
}

/* The VMCS of a fresh VM in one of the harness's modes, every field set. */
static void reset(uint8_t flags, const uint64_t gpr[GPR_COUNT])
{
	enum exit_mode mode = flags & 3;
	bool flat = mode == EXIT_PROT32 || mode == EXIT_LONG;
	uint32_t code = mode == EXIT_LONG     ? 0xa09b
			: mode == EXIT_PROT32 ? 0xc09b
					      : 0x9b;
	uint64_t cr0 = mode == EXIT_REAL ? CR0_ET : CR0_PE | CR0_ET;
	uint64_t cr4 = 0, efer = 0, cr0_forced, cr4_mask;
	uint8_t *ram = vm->ram;

	memset(vm, 0, sizeof(*vm));
	strcpy(vm->opt.name, "fuzz");
	guest_ram_attach_flat(vm, ram, EXIT_RAM_SIZE);
	vm->opt.mem_bytes = EXIT_RAM_SIZE;
	vm->opt.hypercalls = flags & 8;
	v = &vm->vcpus[0];
	v->vm = vm;
	vm->nr_vcpus = 1;
	v->arch = &vmx;
	memcpy(v->gpr, gpr, sizeof(v->gpr));
	devices_init(vm);
	boot_cpu = (struct cpu_info){.vendor = flags & 0x10 ? CPU_VENDOR_AMD
							    : CPU_VENDOR_INTEL,
				     .vmx = true,
				     .ept = true,
				     .unrestricted_guest = true};
	vm->cpu = flags & 0x10 ? model_amd : model_intel;

	/* Fixed bits as Bochs tigerlake reports them: NE, PE, PG; VMXE. */
	vmx = (struct vmx_vcpu){.launched = true,
				.entry_controls = ENTRY_CONTROLS_RESET,
				.cr0_fixed0 = 0x80000021,
				.cr0_fixed1 = 0xffffffff,
				.cr4_fixed0 = 0x2000,
				.cr4_fixed1 = 0x3727ff};
	cr0_forced = vmx.cr0_fixed0 & ~(CR0_PE | CR0_PG);
	cr4_mask = vmx.cr4_fixed0 | (vm->cpu.cr4_reserved & vmx.cr4_fixed1);
	if (mode == EXIT_LONG) {
		cr0 |= CR0_PG;
		cr4 |= CR4_PAE;
		efer = EFER_LME | EFER_LMA;
		vmx.entry_controls |= VMX_ENTRY_IA32E_MODE;
	}

	fake_vmcs_reset();
	for (unsigned int i = 0; i < nfields; i++)
		fake_vmcs_set(fields[i], 0);
	set_seg(VMCS_GUEST_CS_SEL, code, flat ? 0xffffffff : 0xffff);
	set_seg(VMCS_GUEST_SS_SEL, flat ? 0xc093 : 0x93, flat ? ~0u : 0xffff);
	set_seg(VMCS_GUEST_DS_SEL, flat ? 0xc093 : 0x93, flat ? ~0u : 0xffff);
	set_seg(VMCS_GUEST_ES_SEL, flat ? 0xc093 : 0x93, flat ? ~0u : 0xffff);
	set_seg(VMCS_GUEST_FS_SEL, flat ? 0xc093 : 0x93, flat ? ~0u : 0xffff);
	set_seg(VMCS_GUEST_GS_SEL, flat ? 0xc093 : 0x93, flat ? ~0u : 0xffff);
	set_seg(VMCS_GUEST_LDTR_SEL, 0x10000, 0xffff);
	set_seg(VMCS_GUEST_TR_SEL, 0x8b, 0xffff);
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	fake_vmcs_set(VMCS_GUEST_IDTR_LIMIT, 0x3ff);
	fake_vmcs_set(VMCS_ENTRY_CONTROLS, vmx.entry_controls);
	fake_vmcs_set(VMCS_CR0_GUEST_HOST_MASK, cr0_forced | CR0_PG);
	fake_vmcs_set(VMCS_CR0_READ_SHADOW, cr0);
	fake_vmcs_set(VMCS_GUEST_CR0, cr0 | cr0_forced);
	fake_vmcs_set(VMCS_CR4_GUEST_HOST_MASK, cr4_mask);
	fake_vmcs_set(VMCS_CR4_READ_SHADOW, cr4);
	fake_vmcs_set(VMCS_GUEST_CR4, cr4 | vmx.cr4_fixed0);
	fake_vmcs_set(VMCS_GUEST_CR3, mode == EXIT_LONG ? EXIT_PML4_GPA : 0);
	fake_vmcs_set(VMCS_GUEST_EFER, efer);
	fake_vmcs_set(VMCS_GUEST_DR7, 0x400);
	fake_vmcs_set(VMCS_GUEST_RFLAGS,
		      0x2 | (flags & 0x20 ? RFLAGS_TF : 0) |
			      (flags & 0x40 ? RFLAGS_IF : 0) |
			      (flags & 0x80 ? RFLAGS_DF : 0));
	/* An STI shadow needs RFLAGS.IF. */
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, flags & 0x40 ? 1 : 0);
	fake_vmcs_set(VMCS_GUEST_RIP, EXIT_CODE_GPA);
	fake_vmcs_set(VMCS_GUEST_RSP, gpr[GPR_RSP]);
	fake_vmcs_set(VMCS_GUEST_PAT, PAT_RESET);
	fake_vmcs_set(VMCS_LINK_POINTER, ~0ULL);
}

static void check_vmx(const struct exit_before *b, bool was_valid,
		      const char *what)
{
	char why[112];
	bool advanced = fake_vmcs_get(VMCS_GUEST_RIP) != b->s.rip;

	if (was_valid)
		CHECK(!vmx_diagnose_guest_state(v, why, sizeof(why)),
		      "%s: VM entry would fail: %s", what, why);
	CHECK(vmx.entry_controls == fake_vmcs_get(VMCS_ENTRY_CONTROLS),
	      "%s: cached entry controls %#x, VMCS %#llx", what,
	      vmx.entry_controls,
	      (unsigned long long)fake_vmcs_get(VMCS_ENTRY_CONTROLS));
	if (advanced)
		CHECK(!(fake_vmcs_get(VMCS_GUEST_INTERRUPTIBILITY) & 3),
		      "%s: STI/MOV SS shadow outlived the instruction", what);
	if (advanced && (b->s.rflags & RFLAGS_TF))
		CHECK(fake_vmcs_get(VMCS_GUEST_PENDING_DEBUG) & PENDING_DBG_BS,
		      "%s: single-stepped instruction without a pending #DB",
		      what);
}

/* Mostly in the code page, sometimes anywhere. */
static uint64_t rip_of(unsigned int reg, uint64_t val)
{
	if (!(reg & 0x40))
		return EXIT_CODE_GPA + (val & 0xfff);
	if (KNOWN_BUG_RIP_WRAP && val < 1ULL << 32 &&
	    val > 0xffffffffULL - INSN_MAX_LEN)
		val -= INSN_MAX_LEN;
	return val;
}

/* One VM exit as the CPU reports it, then the checks. */
static bool one_exit(struct fuzz_in *in)
{
	uint32_t reason = in_u16(in);
	unsigned int len = in_u8(in) % INSN_MAX_LEN + 1, flags = in_u8(in);
	uint64_t qual = in_u64(in), gpa = in_u64(in), val = in_u64(in);
	unsigned int reg = in_u8(in);
	struct exit_before b;
	struct exit_event ev;
	uint64_t info;
	char what[48], why[112];
	bool valid;

	if (reg & 0x10)
		vcpu_set_gpr(v, reg & 15, val);
	if (reg & 0x20)
		fake_vmcs_set(VMCS_GUEST_RIP, rip_of(reg, val));
	if (flags & 1)
		gpa = 0xfee00000 | (gpa & 0xfff); /* the xAPIC page */
	if (flags & 2)
		reason |= 0x80000000u; /* VM entry failed */
	fake_vmcs_set(VMCS_EXIT_REASON, reason);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, qual);
	fake_vmcs_set(VMCS_EXIT_INSTRUCTION_LEN, len);
	fake_vmcs_set(VMCS_GUEST_PHYSICAL_ADDRESS, gpa);
	/* Reason 0 with an empty exception bitmap: an NMI, or garbage. */
	fake_vmcs_set(VMCS_EXIT_INTR_INFO,
		      flags & 4 ? 0x80000202 : (uint32_t)(val >> 32));
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO,
		      flags & 0x80 ? 0x80000300 | (val & 0x1f) : 0);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);

	snprintf(what, sizeof(what), "exit %#x", reason);
	valid = !vmx_diagnose_guest_state(v, why, sizeof(why));
	exit_snapshot(v, &b);
	vmx_handle_exit(v);
	info = fake_vmcs_get(VMCS_ENTRY_INTR_INFO);
	ev = (struct exit_event){
		.valid = info & VMX_INTR_VALID,
		.type = (info >> 8) & 7,
		.vector = info & 0xff,
		.has_error = info & VMX_INTR_ERROR_VALID,
	};
	if (!exit_check_after(v, &b, &ev, what))
		return false;
	check_vmx(&b, valid, what);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t flags = in_u8(&in);
	size_t code_len = in_u16(&in);
	uint64_t gpr[GPR_COUNT];
	char why[112];

	setup();
	for (int i = 0; i < GPR_COUNT; i++)
		gpr[i] = in_u64(&in);
	reset(flags, gpr);
	code_len = code_len < in.n ? code_len : in.n;
	exit_ram_setup(vm, in.p, code_len);
	in.p += code_len;
	in.n -= code_len;
	fake_serial_clear();

	CHECK(!vmx_diagnose_guest_state(v, why, sizeof(why)),
	      "the starting guest state fails VM entry: %s", why);
	for (int i = 0; i < MAX_EXITS && in.n && one_exit(&in); i++)
		;
	return 0;
}
