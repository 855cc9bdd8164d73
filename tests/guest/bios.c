// SPDX-License-Identifier: MIT
/*
 * bios=on|off (core/vm/bios.h). With "on" (and the guest's bios=on): the
 * 8259 masks, PIT channel 0, LAPIC virtual wire, IVT and handlers SeaBIOS
 * would leave, then a trip to real mode that runs `sti; hlt` until the
 * BIOS data area's tick count has moved by two: PIT -> IRQ0 -> 8259 -> LINT0
 * (ExtINT) -> IVT vector 08h -> the handler's increment and EOI. With
 * "off" (no bios= on the module line): the reset state, untouched, and no
 * timer running.
 */
#include "guest.h"
#include "irq.h"

#define BDA_TICKS 0x46c
#define F000(off) (*low8(0xf0000u + (off)))
#define RM_BASE 0x7000u /* the real-mode trip's code and stack (below it) */
/* Halts to wait for two ticks: any interrupt ends one, only IRQ0 is open. */
#define RM_HALTS 8

/*
 * The trip, copied to RM_BASE and called as a function from long mode:
 * 16-bit protected mode (compatibility mode) on a GDT of its own, paging
 * and EFER.LME off, real mode with the IVT, the halts, then back the way
 * the entry code went (32-bit protected mode, LME, paging) and the
 * library's GDT and IDT again. Addresses are absolute (RM_BASE + offset):
 * it only runs at RM_BASE.
 */
extern const uint8_t rm_start[], rm_end[], rm_tick_before[], rm_tick_after[],
	rm_halts[], rm_isr[];
/* clang-format off */
asm(".pushsection .rodata\n"
    ".balign 16\n"
    ".set RMB, 0x7000\n"
    ".code64\n"
    "rm_start:\n"
    "	push %rbx\n"
    "	push %rbp\n"
    "	push %r12\n"
    "	push %r13\n"
    "	push %r14\n"
    "	push %r15\n"
    "	mov %rsp, (rm_rsp - rm_start + RMB)\n"
    "	sgdt (rm_saved_gdtr - rm_start + RMB)\n"
    "	sidt (rm_saved_idtr - rm_start + RMB)\n"
    "	lgdt (rm_gdtr - rm_start + RMB)\n"
    "	pushq $0x18\n"
    "	pushq $(rm_pm16 - rm_start + RMB)\n"
    "	lretq\n"
    ".code16\n"
    "rm_pm16:\n"
    "	mov $0x20, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov %cr0, %eax\n"		/* paging off: IA-32e mode off */
    "	and $0x7fffffff, %eax\n"
    "	mov %eax, %cr0\n"
    "	mov $0xc0000080, %ecx\n"	/* EFER.LME off */
    "	rdmsr\n"
    "	and $~0x100, %eax\n"
    "	wrmsr\n"
    "	lidtl (rm_ivt - rm_start + RMB)\n"
    "	mov %cr0, %eax\n"		/* protection off */
    "	and $~1, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmp $0, $(rm_real - rm_start + RMB)\n"
    "rm_real:\n"
    "	xor %ax, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov $RMB, %sp\n"
    "	mov 0x46c, %ebx\n"		/* the BDA's tick count */
    "	mov %ebx, (rm_tick_before - rm_start + RMB)\n"
    "	lea 2(%ebx), %edx\n"		/* two ticks: one waited for */
    "	mov $8, %cx\n"			/* RM_HALTS */
    "1:	sti\n"
    "	hlt\n"
    "	cli\n"
    "	incw (rm_halts - rm_start + RMB)\n"
    "	mov 0x46c, %eax\n"
    "	cmp %edx, %eax\n"
    "	je 2f\n"
    "	loop 1b\n"
    "2:	mov %eax, (rm_tick_after - rm_start + RMB)\n"
    "	mov $0x0b, %al\n"		/* OCW3: read the master's ISR */
    "	out %al, $0x20\n"
    "	in $0x20, %al\n"
    "	mov %al, (rm_isr - rm_start + RMB)\n"
    "	mov $0x0a, %al\n"		/* OCW3: back to IRR */
    "	out %al, $0x20\n"
    "	lgdtl (rm_gdtr - rm_start + RMB)\n"
    "	mov %cr0, %eax\n"
    "	or $1, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmpl $0x28, $(rm_pm32 - rm_start + RMB)\n"
    ".code32\n"
    "rm_pm32:\n"
    "	mov $0x10, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov $0xc0000080, %ecx\n"	/* EFER.LME on */
    "	rdmsr\n"
    "	or $0x100, %eax\n"
    "	wrmsr\n"
    "	mov %cr0, %eax\n"		/* paging on: IA-32e mode (CR4.PAE, */
    "	or $0x80000000, %eax\n"		/* CR3 are still the entry's) */
    "	mov %eax, %cr0\n"
    "	ljmp $0x08, $(rm_lm64 - rm_start + RMB)\n"
    ".code64\n"
    "rm_lm64:\n"
    "	lgdt (rm_saved_gdtr - rm_start + RMB)\n"
    "	lidt (rm_saved_idtr - rm_start + RMB)\n"
    "	mov $0x10, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	xor %eax, %eax\n"
    "	mov %ax, %fs\n"
    "	mov %ax, %gs\n"
    "	mov (rm_rsp - rm_start + RMB), %rsp\n"
    "	pop %r15\n"
    "	pop %r14\n"
    "	pop %r13\n"
    "	pop %r12\n"
    "	pop %rbp\n"
    "	pop %rbx\n"
    "	ret\n"
    ".balign 8\n"
    /* 0x08, 0x10 as the library's; 16-bit code and data; 32-bit code. */
    "rm_gdt:\n"
    "	.quad 0, 0x00af9b000000ffff, 0x00cf93000000ffff\n"
    "	.quad 0x00009b000000ffff, 0x000093000000ffff, 0x00cf9b000000ffff\n"
    "rm_gdtr:\n"
    "	.word 47\n"
    "	.quad (rm_gdt - rm_start + RMB)\n"
    "rm_ivt:\n"
    "	.word 0x3ff\n"
    "	.quad 0\n"
    ".balign 8\n"
    "rm_saved_gdtr: .fill 10, 1, 0\n"
    ".balign 8\n"
    "rm_saved_idtr: .fill 10, 1, 0\n"
    ".balign 8\n"
    "rm_rsp: .quad 0\n"
    "rm_tick_before: .long 0\n"
    "rm_tick_after: .long 0\n"
    "rm_halts: .word 0\n"
    "rm_isr: .byte 0\n"
    "rm_end:\n"
    ".popsection\n");
/* clang-format on */

/*
 * Low memory from 0 up: the address goes through an asm so that the
 * compiler cannot see a null pointer (and make the access a trap).
 */
static volatile uint32_t *low32(uintptr_t addr)
{
	asm("" : "+r"(addr));
	return (volatile uint32_t *)addr;
}

static volatile uint8_t *low8(uintptr_t addr)
{
	asm("" : "+r"(addr));
	return (volatile uint8_t *)addr;
}

static uint32_t ivt_entry(unsigned int vector)
{
	return *low32(4 * vector);
}

static uint32_t rm_u32(const uint8_t *sym)
{
	return *(volatile uint32_t *)(uintptr_t)(RM_BASE + (sym - rm_start));
}

static void real_mode_halts(void)
{
	memset((void *)(uintptr_t)RM_BASE, 0, (size_t)(rm_end - rm_start));
	memcpy((void *)(uintptr_t)RM_BASE, rm_start,
	       (size_t)(rm_end - rm_start));
	((void (*)(void))(uintptr_t)RM_BASE)();
}

/* Channel 0's read-back status: output, null count, access, mode, BCD. */
static uint8_t pit0_status(void)
{
	outb(PIT_MODE, 0xe2);
	return inb(PIT_CH0);
}

/* Two latched reads of channel 0's count. */
static uint16_t pit0_count(void)
{
	uint8_t lo;

	outb(PIT_MODE, 0x00); /* counter latch, channel 0 */
	lo = inb(PIT_CH0);
	return (uint16_t)(lo | inb(PIT_CH0) << 8);
}

static void check_on(void)
{
	uint16_t c0, c1;
	bool ivt_ok = true;
	uint32_t before, after, halts;

	report(inb(0x21) == 0xb8 && inb(0xa1) == 0x8e,
	       "8259 masks as SeaBIOS leaves them (b8, 8e): %02x %02x",
	       inb(0x21), inb(0xa1));
	report((pit0_status() & 0x7f) == 0x34,
	       "PIT channel 0: LSB/MSB, mode 2, binary (status %#x)",
	       pit0_status());
	c0 = pit0_count();
	for (uint64_t t0 = rdtsc(); rdtsc() - t0 < 1000000;)
		cpu_relax();
	c1 = pit0_count();
	report(c0 != c1, "PIT channel 0 counts (%u, then %u)", c0, c1);
	report(apic_read(APIC_SPIV) == 0x1ff, "LAPIC enabled, SVR %#x",
	       apic_read(APIC_SPIV));
	report(apic_read(APIC_LVT_LINT0) == 0x8700 &&
		       apic_read(APIC_LVT_LINT1) == 0x8400,
	       "LINT0 ExtINT, LINT1 NMI, level (%#x, %#x)",
	       apic_read(APIC_LVT_LINT0), apic_read(APIC_LVT_LINT1));
	report(ivt_entry(8) == 0xf000fea5, "IVT 08h at F000:FEA5 (%#x)",
	       ivt_entry(8));
	for (unsigned int v = 0; v < 256; v++) {
		uint32_t e = ivt_entry(v);

		if (e >> 16 != 0xf000)
			ivt_ok = false;
		if ((v < 8 || (v > 0x0f && (v < 0x70 || v > 0x77))) &&
		    e != 0xf000ff53)
			ivt_ok = false;
	}
	report(ivt_ok, "every other IVT entry in F000, IRET at FF53 if no IRQ");
	report(F000(0xff53) == 0xcf && F000(0xfea5) == 0x1e,
	       "handlers in F000 (IRET at FF53, timer at FEA5)");
	report(!irqs_enabled(), "RFLAGS.IF clear");

	real_mode_halts();
	before = rm_u32(rm_tick_before);
	after = rm_u32(rm_tick_after);
	halts = rm_u32(rm_halts) & 0xffff;
	report(after == before + 2,
	       "real mode sti; hlt: BDA tick %u -> %u after %u halt(s)", before,
	       after, halts);
	/* A tick may be pending at the STI; the second is waited for. */
	report(halts >= 2 && halts <= RM_HALTS,
	       "woken by the ticks (%u halts for 2)", halts);
	report((rm_u32(rm_isr) & 0xff) == 0,
	       "the handler's EOI: master ISR %#x after it",
	       rm_u32(rm_isr) & 0xff);
	report(*low32(BDA_TICKS) == after,
	       "BDA tick count seen from long mode (%u)", *low32(BDA_TICKS));
	report(inb(0x21) == 0xb8, "8259 master mask unchanged after");
}

/* The reset state (core/dev, cpu_reset): nothing of bios=on. */
static void check_off(void)
{
	bool zero = true;

	report(inb(0x21) == 0xfb && inb(0xa1) == 0xff,
	       "8259 masks as reset (fb, ff): %02x %02x", inb(0x21), inb(0xa1));
	report(pit0_status() == 0xf6,
	       "PIT channel 0 never programmed (status %#x)", pit0_status());
	report(apic_read(APIC_SPIV) == 0xff &&
		       apic_read(APIC_LVT_LINT0) == 0x700 &&
		       apic_read(APIC_LVT_LINT1) == 0x400,
	       "LAPIC as reset: SVR %#x, LINT0 %#x, LINT1 %#x",
	       apic_read(APIC_SPIV), apic_read(APIC_LVT_LINT0),
	       apic_read(APIC_LVT_LINT1));
	for (unsigned int a = 0; a < 0x500; a += 4)
		if (*low32(a))
			zero = false;
	report(zero, "IVT and BDA all zero");
	report(F000(0xff53) == 0 && F000(0xfea5) == 0, "no handlers in F000");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "on"))
		check_on();
	else
		check_off();
	return report_summary();
}
