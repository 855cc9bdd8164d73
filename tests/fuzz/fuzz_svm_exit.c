// SPDX-License-Identifier: MIT
/*
 * The SVM exit handlers (svm/svm_exit.c and everything behind them in
 * core/) driven by arbitrary #VMEXITs: exit codes, EXITINFO1/2, vectoring
 * information and register values, one VM living through a sequence of
 * exits, against a VMCB in memory (as test_svm_exit.c links it). What the
 * CPU itself would provide stays what a CPU provides: NRIP and the IOIO
 * next RIP point one instruction (1 to 15 bytes) further.
 *
 * After each exit, besides the rules of exit_check.c: the VMCB passes the
 * consistency checks VMRUN makes on it (APM vol. 2, 15.5.1) when it did
 * before, a completed instruction ends an interrupt shadow, and with
 * RFLAGS.TF it brings the single-step #DB.
 *
 * Input: flags (u8), code length (u16), 16 registers (u64), the code (put
 * at RIP), then exits of 29 bytes: code (u16, 0xffff for VMEXIT_INVALID),
 * length (u8), flags (u8), EXITINFO1, EXITINFO2, a value (u64) and the
 * register it goes into (u8).
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
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/exit_check.h"
#include "tests/fuzz/svm_vmrun_check.h"
#include "tests/fuzz/fake_extable.h"
#include "tests/fuzz/input.h"
#include "tests/fuzz/known_bugs.h"
#include "tests/unit/fake_serial.h"
#include "tests/unit/svm_hosted_backend.h"

/* Defined by cpu_probe.c in the kernel, which needs the hardware. */
struct cpu_info boot_cpu;

/* Hosted: core/vm/backend.c (which picks a real backend) is not linked. */
const struct vm_backend *vm_backend;

#define MAX_EXITS 16
#define CS_L (1u << 9)
#define CS_D (1u << 10)

static struct vm *vm;
static struct vcpu *v;
static struct svm_vcpu svm;
static struct vmcb *vmcb;
/* The CPU models of both vendors: CPUID is slow under a hypervisor. */
static struct cpu_model model_amd, model_intel;

static void setup(void)
{
	if (vm)
		return;
	cpu_model_init(&model_amd, CPU_VENDOR_AMD);
	cpu_model_init(&model_intel, CPU_VENDOR_INTEL);
	vm = calloc(1, sizeof(*vm));
	vmcb = aligned_alloc(4096, sizeof(*vmcb));
	CHECK(vm && vmcb, "out of memory");
	vm->ram = malloc(EXIT_RAM_SIZE);
	CHECK(vm->ram, "out of memory");
	vm_backend = &svm_hosted_backend;
	fake_extable_install();
}

static void seg(struct vmcb_seg *s, uint16_t attrib, uint32_t limit)
{
	*s = (struct vmcb_seg){.attrib = attrib, .limit = limit};
}

/* The VMCB of a fresh VM in one of the harness's modes. */
static void reset(uint8_t flags, const uint64_t gpr[GPR_COUNT])
{
	struct vmcb_save *g = &vmcb->save;
	enum exit_mode mode = flags & 3;
	uint16_t code = mode == EXIT_LONG     ? 0xa9b
			: mode == EXIT_PROT32 ? 0xc9b
					      : 0x9b;
	uint8_t *ram = vm->ram;

	memset(vm, 0, sizeof(*vm));
	strcpy(vm->opt.name, "fuzz");
	guest_ram_attach_flat(vm, ram, EXIT_RAM_SIZE);
	vm->opt.mem_bytes = EXIT_RAM_SIZE;
	vm->opt.hypercalls = flags & 8;
	memset(vmcb, 0, sizeof(*vmcb));
	svm = (struct svm_vcpu){.vmcb = vmcb};
	svm_insn_memo_clear(&svm);
	v = &vm->vcpus[0];
	v->vm = vm;
	vm->nr_vcpus = 1;
	v->arch = &svm;
	memcpy(v->gpr, gpr, sizeof(v->gpr));
	devices_init(vm);

	seg(&g->cs, code,
	    mode == EXIT_PROT32 || mode == EXIT_LONG ? 0xffffffff : 0xffff);
	seg(&g->ds, mode == EXIT_PROT32 ? 0xc93 : 0x93, g->cs.limit);
	g->es = g->ss = g->fs = g->gs = g->ds;
	seg(&g->tr, 0x8b, 0xffff);
	seg(&g->ldtr, 0x82, 0xffff);
	g->gdtr.limit = g->idtr.limit = 0xffff;
	g->efer = EFER_SVME;
	g->cr0 = mode == EXIT_REAL ? 0x10 : 0x11;
	if (mode == EXIT_LONG) {
		g->cr0 |= CR0_PG;
		g->cr4 = CR4_PAE;
		g->cr3 = EXIT_PML4_GPA;
		g->efer |= EFER_LME | EFER_LMA;
	}
	g->rflags = 0x2 | (flags & 0x20 ? RFLAGS_TF : 0) |
		    (flags & 0x40 ? RFLAGS_IF : 0) |
		    (flags & 0x80 ? RFLAGS_DF : 0);
	g->rip = EXIT_CODE_GPA;
	g->rsp = gpr[GPR_RSP];
	g->dr6 = 0xffff0ff0;
	g->dr7 = 0x400;
	g->g_pat = PAT_RESET;
	vmcb->control.int_state = flags & 0x40 ? 1 : 0; /* an STI shadow */

	boot_cpu = (struct cpu_info){.vendor = flags & 0x10 ? CPU_VENDOR_INTEL
							    : CPU_VENDOR_AMD};
	vm->cpu = flags & 0x10 ? model_intel : model_amd;
	svm_has_nrip_save = flags & 4;
}

static void check_svm(const struct exit_before *b, const char *what)
{
	uint64_t ev = vmcb->control.event_inj;
	bool advanced = vmcb->save.rip != b->s.rip;
	const char *why = svm_vmrun_refuses(vmcb, false);

	CHECK(!why, "%s: VMRUN would refuse the VMCB: %s", what, why);
	if (advanced)
		CHECK(!(vmcb->control.int_state & 1),
		      "%s: interrupt shadow outlived the instruction", what);
	if (advanced && (b->s.rflags & RFLAGS_TF))
		CHECK((ev & SVM_EVENT_VALID) && (ev & 0xff) == 1 &&
			      (vmcb->save.dr6 & DR6_BS),
		      "%s: single-stepped instruction without #DB (%#llx)",
		      what, (unsigned long long)ev);
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

/* One #VMEXIT as the CPU delivers it, then the checks. */
static bool one_exit(struct fuzz_in *in)
{
	uint16_t raw = in_u16(in);
	uint64_t code = raw == 0xffff ? SVM_EXIT_INVALID : raw;
	unsigned int len = in_u8(in) % INSN_MAX_LEN + 1, flags = in_u8(in);
	uint64_t info1 = in_u64(in), info2 = in_u64(in), val = in_u64(in), next;
	unsigned int reg = in_u8(in);
	struct vmcb_control *c = &vmcb->control;
	struct exit_before b;
	struct exit_event ev;
	char what[48];

	/* Register values first, as the guest left them. */
	if (reg & 0x10)
		vcpu_set_gpr(v, reg & 15, val);
	if (reg & 0x20)
		vmcb->save.rip = rip_of(reg, val);
	if (code == SVM_EXIT_NPF && (flags & 1))
		info2 = 0xfee00000 | (info2 & 0xfff); /* the xAPIC page */
	next = vmcb->save.rip + len; /* as the CPU computes it */
	if (!(vmcb->save.cs.attrib & CS_L) || !(vmcb->save.efer & EFER_LMA))
		next = (uint32_t)next;
	if (code == SVM_EXIT_IOIO)
		info2 = next;
	c->exit_code = code;
	c->exit_info1 = info1;
	c->exit_info2 = info2;
	c->exit_int_info = flags & 0x80 ? SVM_EVENT_VALID |
						  SVM_EVENT_TYPE_EXCEPTION |
						  (val & 0x1f)
					: 0;
	c->next_rip = svm_has_nrip_save ? next : 0;
	c->event_inj = 0;

	snprintf(what, sizeof(what), "exit %#llx", (unsigned long long)code);
	exit_snapshot(v, &b);
	svm_dispatch_exit(v, vmcb);
	ev = (struct exit_event){
		.valid = c->event_inj & SVM_EVENT_VALID,
		.type = (c->event_inj >> 8) & 7,
		.vector = c->event_inj & 0xff,
		.has_error = c->event_inj & SVM_EVENT_ERROR_VALID,
	};
	if (!exit_check_after(v, &b, &ev, what))
		return false;
	check_svm(&b, what);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t flags = in_u8(&in);
	size_t code_len = in_u16(&in);
	uint64_t gpr[GPR_COUNT];
	const char *why;

	setup();
	for (int i = 0; i < GPR_COUNT; i++)
		gpr[i] = in_u64(&in);
	reset(flags, gpr);
	code_len = code_len < in.n ? code_len : in.n;
	exit_ram_setup(vm, in.p, code_len);
	in.p += code_len;
	in.n -= code_len;
	fake_serial_clear();

	why = svm_vmrun_refuses(vmcb, false);
	CHECK(!why, "the starting VMCB is refused: %s", why);
	for (int i = 0; i < MAX_EXITS && in.n && one_exit(&in); i++)
		;
	return 0;
}
