/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_CPU_H
#define MHV_CORE_HOST_CPU_H

/*
 * The hypervisor's wrappers for privileged x86 instructions. All of core/'s
 * inline assembly lives here (the backends have their own headers).
 */
#include <stdbool.h>
#include <stdint.h>

#include "core/host/extable.h"
#include "lib/compiler.h"

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32))
		     : "memory");
}

/* Returns 0, or the vector of the exception RDMSR raised (13 for #GP). */
static inline int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo, hi;
	int vector;

	asm volatile("1: rdmsr\n\t"
		     "xor %k[vec], %k[vec]\n\t"
		     "jmp 3f\n"
		     "2: mov %%eax, %k[vec]\n\t"
		     "xor %%eax, %%eax\n\t"
		     "xor %%edx, %%edx\n"
		     "3:\n\t" EXTABLE_ENTRY("1b", "2b")
		     : "=a"(lo), "=d"(hi), [vec] "=&r"(vector)
		     : "c"(msr));
	*val = ((uint64_t)hi << 32) | lo;
	return vector;
}

/* Returns 0, or the vector of the exception WRMSR raised. */
static inline int wrmsr_safe(uint32_t msr, uint64_t val)
{
	int vector;
	uint64_t rax = (uint32_t)val;

	asm volatile("1: wrmsr\n\t"
		     "xor %k[vec], %k[vec]\n\t"
		     "jmp 3f\n"
		     "2: mov %%eax, %k[vec]\n"
		     "3:\n\t" EXTABLE_ENTRY("1b", "2b")
		     : [vec] "=&r"(vector), "+a"(rax)
		     : "c"(msr), "d"((uint32_t)(val >> 32))
		     : "memory");
	return vector;
}

/* Returns 0, or the vector XSETBV raised (#GP for a bad XCR0). */
static inline int xsetbv_safe(uint32_t xcr, uint64_t val)
{
	int vector;
	uint64_t rax = (uint32_t)val;

	asm volatile("1: xsetbv\n\t"
		     "xor %k[vec], %k[vec]\n\t"
		     "jmp 3f\n"
		     "2: mov %%eax, %k[vec]\n"
		     "3:\n\t" EXTABLE_ENTRY("1b", "2b")
		     : [vec] "=&r"(vector), "+a"(rax)
		     : "c"(xcr), "d"((uint32_t)(val >> 32))
		     : "memory");
	return vector;
}

/*
 * Put the x87/SSE (and, with XSAVE, every enabled) register state in its
 * initial configuration from `area`: an XSAVE area whose header asks for
 * init state (XSAVE), or an FXSAVE image (without XSAVE).
 */
static inline void xrstor_init(const void *area, uint64_t mask)
{
	asm volatile("xrstor64 %0" ::"m"(*(const char(*)[576])area),
		     "a"((uint32_t)mask), "d"((uint32_t)(mask >> 32))
		     : "memory");
}

static inline uint64_t xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void fxrstor(const void *area)
{
	asm volatile("fxrstor64 %0" ::"m"(*(const char(*)[512])area)
		     : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_READ_CR(n)                                     \
	static inline uint64_t read_cr##n(void)               \
	{                                                     \
		uint64_t v;                                   \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v)); \
		return v;                                     \
	}
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)

static inline void write_cr2(uint64_t v)
{
	asm volatile("mov %0, %%cr2" ::"r"(v));
}

/* DR0-DR3, DR6 and DR7 through one switch: MOV DR takes no register index. */
static inline void write_dr(unsigned int n, uint64_t v)
{
	switch (n) {
	case 0:
		asm volatile("mov %0, %%db0" ::"r"(v));
		break;
	case 1:
		asm volatile("mov %0, %%db1" ::"r"(v));
		break;
	case 2:
		asm volatile("mov %0, %%db2" ::"r"(v));
		break;
	case 3:
		asm volatile("mov %0, %%db3" ::"r"(v));
		break;
	case 6:
		asm volatile("mov %0, %%db6" ::"r"(v));
		break;
	case 7:
		asm volatile("mov %0, %%db7" ::"r"(v));
		break;
	}
}

static inline void write_cr0(uint64_t v)
{
	asm volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}

static inline void write_cr3(uint64_t v)
{
	asm volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline void write_cr4(uint64_t v)
{
	asm volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

struct __packed desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline void lgdt(const struct desc_ptr *p)
{
	asm volatile("lgdt %0" ::"m"(*p));
}

static inline void lidt(const struct desc_ptr *p)
{
	asm volatile("lidt %0" ::"m"(*p));
}

static inline void ltr(uint16_t sel)
{
	asm volatile("ltr %0" ::"r"(sel));
}

/* Reload CS through a far return, and the data segments, after a new GDT. */
static inline void load_segments(uint16_t cs, uint16_t ds)
{
	asm volatile("pushq %q0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %w1, %%ds\n\t"
		     "mov %w1, %%es\n\t"
		     "mov %w1, %%ss\n\t"
		     :
		     : "r"((uint64_t)cs), "r"(ds)
		     : "rax", "memory");
}

static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void sti(void)
{
	asm volatile("sti" ::: "memory");
}

/*
 * Let whatever interrupt is pending in: STI holds interrupts off until
 * after the next instruction (SDM vol. 2, STI), so the NOP is the one
 * boundary where IF=1; the interrupt is taken there, and every further
 * pending one at the boundary before CLI.
 */
static inline void interrupt_window(void)
{
	asm volatile("sti; nop; cli" ::: "memory");
}

static inline void hlt(void)
{
	asm volatile("hlt" ::: "memory");
}

/* Write back and invalidate every cache line (SDM vol. 2, WBINVD). */
static inline void wbinvd(void)
{
	asm volatile("wbinvd" ::: "memory");
}

/*
 * Drain the write-combining buffers: stores to a WC mapping (the
 * framebuffer) may otherwise wait there for the next serializing event,
 * and a halted mhv has none (SDM vol. 3, 13.3.1).
 */
static inline void store_fence(void)
{
	asm volatile("sfence" ::: "memory");
}

/*
 * Order every earlier load and store before what follows. WRMSR to the
 * x2APIC ICR is not serializing (SDM vol. 3, 11.12.3): without this, an
 * IPI could reach its CPU before the store that tells it why.
 */
static inline void memory_fence(void)
{
	asm volatile("mfence; lfence" ::: "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * a * b / c with a 128-bit intermediate (MUL, then DIV of RDX:RAX), for
 * converting between clocks; UINT64_MAX when the quotient does not fit
 * (DIV would raise #DE) or c is 0. mhv links no libgcc for __udivti3.
 */
static inline uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	uint64_t q, r;

	if (!c || (uint64_t)(p >> 64) >= c)
		return ~0ULL;
	asm("divq %4"
	    : "=a"(q), "=d"(r)
	    : "a"((uint64_t)p), "d"((uint64_t)(p >> 64)), "rm"(c));
	return q;
}

/* Bochs' magic breakpoint (xchg bx,bx): a no-op everywhere else. */
static inline void bochs_magic_break(void)
{
	asm volatile("xchg %%bx, %%bx" ::: "memory");
}

static inline __noreturn void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

#endif
