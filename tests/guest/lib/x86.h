/* SPDX-License-Identifier: MIT */
#ifndef MHV_GUEST_X86_H
#define MHV_GUEST_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"

/* Port I/O, CPUID, MSRs, MMIO, vendor checks, hypercalls and fw_cfg. */

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

struct cpuid {
	uint32_t a, b, c, d;
};

static inline struct cpuid cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid r;

	asm volatile("cpuid"
		     : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

static inline uint32_t readl(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void writel(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline void cli(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void sti(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void hlt(void)
{
	asm volatile("hlt" : : : "memory");
}

/*
 * STI then HLT: an interrupt that becomes pending between the two still
 * wakes the HLT, since STI holds interrupts off until after the next
 * instruction (SDM vol. 2, STI).
 */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

static inline bool irqs_enabled(void)
{
	uint64_t rflags;

	asm volatile("pushfq; popq %0" : "=r"(rflags));
	return rflags & (1u << 9);
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* RDTSC after every earlier instruction has completed (LFENCE). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline bool cpu_vendor_is(const char *vendor)
{
	struct cpuid r = cpuid(0);
	uint32_t v[3] = {r.b, r.d, r.c};

	return memcmp(v, vendor, 12) == 0;
}

/* The signature at CPUID 0x40000000 (EBX, ECX, EDX), e.g. "TCGTCGTCGTCG". */
static inline bool hypervisor_is(const char *signature)
{
	struct cpuid r = cpuid(0x40000000);
	uint32_t v[3] = {r.b, r.c, r.d};

	return memcmp(v, signature, 12) == 0;
}

static inline bool is_intel(void)
{
	return cpu_vendor_is("GenuineIntel");
}

static inline bool is_amd(void)
{
	return cpu_vendor_is("AuthenticAMD");
}

/* The mhv ABI (core/vm/hypercall_abi.h): VMMCALL on AMD, VMCALL otherwise. */
static inline uint64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
				 uint64_t a2)
{
	if (is_amd())
		asm volatile("vmmcall"
			     : "+a"(nr)
			     : "b"(a0), "c"(a1), "d"(a2)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "+a"(nr)
			     : "b"(a0), "c"(a1), "d"(a2)
			     : "memory");
	return nr;
}

/* Page-table entries (SDM vol. 3, 4.5): the bits the guest library sets. */
#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_LARGE (1ull << 7) /* a 2 MiB (PD) or 1 GiB (PDPT) page */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* CPUID 0x80000001 EDX bit 26: 1 GiB pages. */
#define CPUID_EXT_EDX_PDPE1GB (1u << 26)

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

#define FW_CFG_RAM_SIZE 0x03

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511

static inline void fw_cfg_select(uint16_t key)
{
	outw(FW_CFG_PORT_SEL, key);
}

static inline void fw_cfg_read(void *buf, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		((uint8_t *)buf)[i] = inb(FW_CFG_PORT_DATA);
}

/* Select key and read a little-endian value of len (<= 8) bytes. */
static inline uint64_t fw_cfg_read_le(uint16_t key, unsigned int len)
{
	uint64_t v = 0;

	fw_cfg_select(key);
	for (unsigned int i = 0; i < len && i < 8; i++)
		v |= (uint64_t)inb(FW_CFG_PORT_DATA) << (8 * i);
	return v;
}

#endif
