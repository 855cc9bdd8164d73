// SPDX-License-Identifier: MIT
#include "guest.h"

/* IDT for vectors 0-31, and catch_fault() unwinding out of the handlers. */
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

extern const uint64_t isr_table[32];

static struct idt_gate idt[32] __aligned(16);

static struct {
	bool armed;
	struct fault fault;
	void *jmp[5]; /* __builtin_setjmp buffer */
} catcher;

void idt_init(void);
__noreturn void handle_exception(struct exc_frame *f);

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = {sizeof(idt) - 1, (uint64_t)idt};

	for (int v = 0; v < 32; v++) {
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

struct fault catch_fault(void (*fn)(void *), void *arg)
{
	if (__builtin_setjmp(catcher.jmp))
		return catcher.fault;
	catcher.armed = true;
	fn(arg);
	catcher.armed = false;
	return (struct fault){.raised = false};
}
