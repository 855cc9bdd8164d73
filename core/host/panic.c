// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/host/panic.h"
#include "core/host/serial.h"
#include "core/host/smp.h"
#include "core/host/tsc.h"
#include "lib/assert.h"

#define DEBUG_EXIT_PORT 0xf4

static enum exit_mode exit_mode = EXIT_AUTO;
/* The CPU that panicked first, -1 while none has. */
static volatile int panic_cpu = -1;

void machine_set_exit_mode(enum exit_mode mode)
{
	exit_mode = mode;
}

/*
 * Safe from any CPU: the others are stopped first (NMI), so nothing is
 * printed after the marker and one CPU alone touches the exit devices.
 */
__noreturn void machine_finish(bool pass)
{
	smp_stop_others();
	console_printf("MHV-END: %s\n", pass ? "PASS" : "FAIL");
	serial_flush();
	if (exit_mode == EXIT_AUTO) {
		/* QEMU isa-debug-exit: status (v << 1) | 1, so 1 = pass, 3 = fail. */
		outl(DEBUG_EXIT_PORT, pass ? 0 : 1);
		/* Bochs: the magic breakpoint drops into the debugger, which quits. */
		bochs_magic_break();
	}
	halt_forever();
}

static void dump_control_registers(void)
{
	console_printf("  CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx\n",
		       read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static void dump_stack_trace(uint64_t rbp)
{
	/* Frame pointers are kept (-fno-omit-frame-pointer): walk a few. */
	console_printf("  call trace:");
	for (int depth = 0; depth < 8 && rbp && (rbp & 7) == 0; depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (rbp < 0x100000 || rbp >= 0x100000000ULL)
			break;
		console_printf(" %lx", frame[1]);
		rbp = frame[0];
	}
	console_printf("\n");
}

static uint64_t seize_deadline;
static unsigned long seize_tries;

/*
 * How long a panic waits for a line another CPU is printing: 50 ms, a
 * long line at 115200 baud; a bounded count before the TSC is known.
 */
static bool panic_wait_over(void)
{
	if (seize_deadline)
		return rdtsc() >= seize_deadline;
	return ++seize_tries > 10000000;
}

/*
 * The first CPU to panic reports; the others are stopped by NMI (their
 * handler halts, core/host/trap.c), and the console lock, which one of
 * them may have held, is taken over once it is free (or broken when it
 * stays held). A CPU that panics after another
 * one did just halts: the first report is the one that matters.
 */
static void enter_panic(void)
{
	int me, none = -1;

	cli();
	me = (int)smp_this_cpu();
	if (!__atomic_compare_exchange_n(&panic_cpu, &none, me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (none != me)
			halt_forever();
		/* A fault while panicking: do not recurse, just stop. */
		console_printf("\nmhv: nested panic\n");
		machine_finish(false);
	}
	smp_stop_others();
	seize_deadline = tsc_hz() ? rdtsc() + tsc_hz() / 20 : 0;
	log_seize_lock(panic_wait_over);
}

static void say_which_cpu(void)
{
	if (smp_cpu_count() > 1)
		console_printf("  on cpu %u (APIC ID %#x) of %u; the others "
			       "stopped by NMI\n",
			       smp_this_cpu(), smp_apic_id(smp_this_cpu()),
			       smp_cpu_count());
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	enter_panic();
	console_printf("\nmhv: PANIC: ");
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
	console_printf("\n");
	say_which_cpu();
	dump_control_registers();
	dump_stack_trace((uint64_t)__builtin_frame_address(0));
	machine_finish(false);
}

__noreturn void panic_trap(const struct trap_frame *f)
{
	enter_panic();
	console_printf("\nmhv: PANIC: unhandled exception %lu (%s) error code "
		       "%#lx at RIP %016lx\n",
		       f->vector, exception_name(f->vector), f->error_code,
		       f->rip);
	say_which_cpu();
	console_printf("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n",
		       f->rax, f->rbx, f->rcx, f->rdx);
	console_printf("  RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n",
		       f->rsi, f->rdi, f->rbp, f->rsp);
	console_printf("  R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", f->r8,
		       f->r9, f->r10, f->r11);
	console_printf("  R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n",
		       f->r12, f->r13, f->r14, f->r15);
	console_printf("  CS=%04lx SS=%04lx RFLAGS=%016lx\n", f->cs, f->ss,
		       f->rflags);
	dump_control_registers();
	dump_stack_trace(f->rbp);
	machine_finish(false);
}

__noreturn void assert_failed(const char *expr, const char *file, int line)
{
	panic("assertion failed: %s at %s:%d", expr, file, line);
}
