// SPDX-License-Identifier: MIT
/* L1/L2 scaffolding for guests that use SVM themselves (svm.h). */
#include "svm.h"

struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __packed;

static struct idt_gate l2_idt[32] __aligned(16);

volatile struct svm_l2_exception svm_l2_exc;

extern const uint64_t svm_l2_exc_stubs[32];

/*
 * svm_l2_entry: RBX = fn, RDI = arg; call fn, then HLT.
 * Exception stubs: push a zero error code where the CPU pushes none, push
 * the vector, go to l2_exc_common, which records the exception and stops
 * in HLT (intercepted): nothing of L2 unwinds into L1's catch_fault.
 */
asm(".pushsection .text\n"
    ".global svm_l2_entry\n"
    "svm_l2_entry:\n\t"
    "call *%rbx\n"
    ".global svm_l2_entry_hlt\n"
    "svm_l2_entry_hlt:\n\t"
    "hlt\n\t"
    "jmp svm_l2_entry_hlt\n"
    ".macro L2_EXC_STUB v\n"
    "svm_l2_exc_stub_\\v:\n\t"
    ".if (\\v != 8) && (\\v != 10) && (\\v != 11) && (\\v != 12) && "
    "(\\v != 13) && (\\v != 14) && (\\v != 17) && (\\v != 21) && "
    "(\\v != 29) && (\\v != 30)\n\t"
    "pushq $0\n\t"
    ".endif\n\t"
    "pushq $\\v\n\t"
    "jmp svm_l2_exc_common\n"
    ".endm\n"
    ".irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
    "23,24,25,26,27,28,29,30,31\n"
    "L2_EXC_STUB \\v\n"
    ".endr\n"
    "svm_l2_exc_common:\n\t"
    "incq svm_l2_exc(%rip)\n\t"
    "popq svm_l2_exc+8(%rip)\n\t"
    "popq svm_l2_exc+16(%rip)\n\t"
    "popq svm_l2_exc+24(%rip)\n"
    ".global svm_l2_exc_hlt\n"
    "svm_l2_exc_hlt:\n\t"
    "hlt\n\t"
    "jmp svm_l2_exc_hlt\n"
    ".popsection\n"
    ".pushsection .rodata\n"
    ".balign 8\n"
    ".global svm_l2_exc_stubs\n"
    "svm_l2_exc_stubs:\n"
    ".irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
    "23,24,25,26,27,28,29,30,31\n\t"
    ".quad svm_l2_exc_stub_\\v\n"
    ".endr\n"
    ".popsection\n");

/*
 * L1's callee-saved registers are kept on L1's stack (the #VMEXIT
 * restores RSP); gprs is kept there too, under them.
 */
asm(".pushsection .text\n"
    ".global svm_vmrun\n"
    "svm_vmrun:\n\t"
    "pushq %rbx\n\t"
    "pushq %rbp\n\t"
    "pushq %r12\n\t"
    "pushq %r13\n\t"
    "pushq %r14\n\t"
    "pushq %r15\n\t"
    "pushq %rsi\n\t"
    "movq %rdi, %rax\n\t"
    "movq 0(%rsi), %rbx\n\t"
    "movq 8(%rsi), %rcx\n\t"
    "movq 16(%rsi), %rdx\n\t"
    "movq 32(%rsi), %rdi\n\t"
    "movq 40(%rsi), %rbp\n\t"
    "movq 48(%rsi), %r8\n\t"
    "movq 56(%rsi), %r9\n\t"
    "movq 64(%rsi), %r10\n\t"
    "movq 72(%rsi), %r11\n\t"
    "movq 80(%rsi), %r12\n\t"
    "movq 88(%rsi), %r13\n\t"
    "movq 96(%rsi), %r14\n\t"
    "movq 104(%rsi), %r15\n\t"
    "movq 24(%rsi), %rsi\n\t"
    "clgi\n\t"
    "vmrun %rax\n\t"
    "stgi\n\t"
    "xchgq %rsi, (%rsp)\n\t"
    "movq %rbx, 0(%rsi)\n\t"
    "movq %rcx, 8(%rsi)\n\t"
    "movq %rdx, 16(%rsi)\n\t"
    "movq %rdi, 32(%rsi)\n\t"
    "movq %rbp, 40(%rsi)\n\t"
    "movq %r8, 48(%rsi)\n\t"
    "movq %r9, 56(%rsi)\n\t"
    "movq %r10, 64(%rsi)\n\t"
    "movq %r11, 72(%rsi)\n\t"
    "movq %r12, 80(%rsi)\n\t"
    "movq %r13, 88(%rsi)\n\t"
    "movq %r14, 96(%rsi)\n\t"
    "movq %r15, 104(%rsi)\n\t"
    "popq 24(%rsi)\n\t"
    "popq %r15\n\t"
    "popq %r14\n\t"
    "popq %r13\n\t"
    "popq %r12\n\t"
    "popq %rbp\n\t"
    "popq %rbx\n\t"
    "ret\n"
    ".popsection\n");

_Static_assert(offsetof(struct svm_gprs, rsi) == 24, "svm_gprs layout");
_Static_assert(offsetof(struct svm_gprs, r15) == 104, "svm_gprs layout");
_Static_assert(offsetof(struct svm_l2_exception, rip) == 24,
	       "svm_l2_exc layout");

bool svm_available(void)
{
	return is_amd() && (cpuid(0x80000001).c & CPUID_EXT_ECX_SVM);
}

bool svm_has_nrips(void)
{
	return cpuid(0x80000000).a >= 0x8000000a &&
	       (cpuid(0x8000000a).d & CPUID_SVM_EDX_NRIPS);
}

bool svm_enable(void *hsave)
{
	return wrmsr_checked(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME) &&
	       wrmsr_checked(MSR_VM_HSAVE_PA, (uint64_t)hsave);
}

struct dtr {
	uint16_t limit;
	uint64_t base;
} __packed;

static uint64_t read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

#define READ_SEL(seg)                                          \
	({                                                     \
		uint16_t s_;                                   \
		asm volatile("mov %%" #seg ", %0" : "=r"(s_)); \
		s_;                                            \
	})

/* A VMCB segment from L1's GDT descriptor for sel (attributes packed). */
static struct vmcb_seg seg_from_gdt(const struct dtr *gdt, uint16_t sel)
{
	const uint64_t *table = (const uint64_t *)gdt->base;
	uint64_t d = table[sel >> 3];
	uint32_t limit = (d & 0xffff) | ((d >> 32) & 0xf0000);
	uint16_t attrib = ((d >> 40) & 0xff) | ((d >> 44) & 0xf00);

	if (attrib & (1u << 11)) /* G */
		limit = limit << 12 | 0xfff;
	return (struct vmcb_seg){
		.selector = sel,
		.attrib = attrib,
		.limit = limit,
		.base = ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24,
	};
}

static void l2_idt_init(void)
{
	for (int v = 0; v < 32; v++) {
		uint64_t addr = svm_l2_exc_stubs[v];

		l2_idt[v] = (struct idt_gate){
			.offset0 = addr & 0xffff,
			.selector = READ_SEL(cs),
			.type = 0x8e, /* present, DPL 0, interrupt gate */
			.offset1 = (addr >> 16) & 0xffff,
			.offset2 = addr >> 32,
		};
	}
}

void svm_vmcb_init(struct vmcb *vmcb, uint32_t misc1, uint32_t misc2,
		   void *iopm, void *msrpm)
{
	struct vmcb_control *c = &vmcb->control;
	struct vmcb_save *s = &vmcb->save;
	struct dtr gdt;
	uint16_t data = READ_SEL(ds);

	l2_idt_init();
	memset(vmcb, 0, sizeof(*vmcb));
	asm volatile("sgdt %0" : "=m"(gdt));

	c->intercept_misc1 =
		SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_SHUTDOWN | misc1;
	c->intercept_misc2 = SVM_INTERCEPT2_VMRUN | misc2;
	c->iopm_base_pa = (uint64_t)iopm;
	c->msrpm_base_pa = (uint64_t)msrpm;
	c->guest_asid = 1;
	c->np_control = 0;

	s->cs = seg_from_gdt(&gdt, READ_SEL(cs));
	s->ss = seg_from_gdt(&gdt, READ_SEL(ss));
	s->ds = seg_from_gdt(&gdt, data);
	s->es = seg_from_gdt(&gdt, READ_SEL(es));
	/* FS, GS, LDTR null; TR a busy 64-bit TSS (L1 has none loaded). */
	s->tr = (struct vmcb_seg){.attrib = 0x008b, .limit = 0x67};
	s->gdtr = (struct vmcb_seg){.limit = gdt.limit, .base = gdt.base};
	s->idtr = (struct vmcb_seg){.limit = sizeof(l2_idt) - 1,
				    .base = (uint64_t)l2_idt};
	s->cpl = 0;
	s->efer = rdmsr(MSR_EFER);
	s->cr0 = read_cr0();
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	s->dr7 = 0x400;
	s->dr6 = 0xffff0ff0;
	s->rflags = 0x2;
	s->g_pat = rdmsr(MSR_PAT);
}

void svm_l2_start(struct svm_l2 *l2, void (*fn)(void *), void *arg)
{
	struct vmcb *v = l2->vmcb;

	v->save.rip = (uint64_t)svm_l2_entry;
	v->save.rsp = (uint64_t)l2->stack + l2->stack_size;
	v->save.rax = 0;
	memset(&l2->gprs, 0, sizeof(l2->gprs));
	l2->gprs.rbx = (uint64_t)fn;
	l2->gprs.rdi = (uint64_t)arg;
	memset((void *)&svm_l2_exc, 0, sizeof(svm_l2_exc));
}

uint64_t svm_l2_run(struct svm_l2 *l2)
{
	struct vmcb *v = l2->vmcb;

	v->control.exit_code = 0;
	v->control.next_rip = 0;
	svm_vmrun((uint64_t)v, &l2->gprs);
	asm volatile("" : : : "memory");
	return v->control.exit_code;
}
