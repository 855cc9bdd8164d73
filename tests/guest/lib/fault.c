// SPDX-License-Identifier: MIT
#include "guest.h"

/*
 * The IDT: exceptions (catch_fault() unwinding out of their handlers) and
 * interrupts (NMI and vectors 32-255, dispatched to set_irq_handler()'s).
 */
struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* present, DPL 0, 64-bit interrupt gate */
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __packed;

/* Pushed by isr.asm below the CPU's frame. */
struct exc_frame {
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

#define IDT_VECTORS 256

extern const uint64_t isr_table[IDT_VECTORS];

static struct idt_gate idt[IDT_VECTORS] __aligned(16);
static irq_handler_t irq_handlers[IDT_VECTORS];

static struct {
	bool armed;
	struct fault fault;
	void *jmp[5]; /* __builtin_setjmp buffer */
} catcher;

void idt_init(void);
__noreturn void handle_exception(struct exc_frame *f);
void handle_irq(struct irq_frame *f);

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = {sizeof(idt) - 1, (uint64_t)idt};

	for (int v = 0; v < IDT_VECTORS; v++) {
		uint64_t addr = isr_table[v];

		idt[v] = (struct idt_gate){
			.offset0 = addr & 0xffff,
			.selector = 0x08,
			.type = 0x8e,
			.offset1 = (addr >> 16) & 0xffff,
			.offset2 = addr >> 32,
		};
	}
	asm volatile("lidt %0" : : "m"(idtr));
}

void handle_exception(struct exc_frame *f)
{
	static bool in_handler;

	if (catcher.armed) {
		catcher.armed = false;
		catcher.fault = (struct fault){
			.raised = true,
			.vector = f->vector,
			.rip = f->rip,
			.error_code = f->error_code,
		};
		__builtin_longjmp(catcher.jmp, 1);
	}
	if (in_handler)
		exit(1); /* faulted while reporting a fault */
	in_handler = true;
	report(false, "unexpected exception %lu at RIP %#lx, error code %#lx",
	       f->vector, f->rip, f->error_code);
	report_summary();
	exit(1);
}

static bool is_irq_vector(unsigned int vector)
{
	return vector == NMI_VECTOR || (vector >= 32 && vector < IDT_VECTORS);
}

void set_irq_handler(unsigned int vector, irq_handler_t fn)
{
	if (!is_irq_vector(vector)) {
		report(false, "set_irq_handler: vector %u is an exception",
		       vector);
		return;
	}
	irq_handlers[vector] = fn;
}

/*
 * An interrupt nobody expects would otherwise vanish (or stay in service
 * at the APIC and block everything of lower priority): end the test.
 */
void handle_irq(struct irq_frame *f)
{
	irq_handler_t fn = irq_handlers[f->vector];

	if (fn) {
		fn(f);
		return;
	}
	report(false, "unexpected interrupt, vector %lu at RIP %#lx", f->vector,
	       f->rip);
	report_summary();
	exit(1);
}

struct fault catch_fault(void (*fn)(void *), void *arg)
{
	if (__builtin_setjmp(catcher.jmp))
		return catcher.fault;
	catcher.armed = true;
	fn(arg);
	catcher.armed = false;
	return (struct fault){.raised = false};
}
