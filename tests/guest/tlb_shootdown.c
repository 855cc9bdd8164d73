// SPDX-License-Identifier: MIT
/*
 * A change mhv makes to the nested page tables reaches every vCPU before
 * the guest goes on (vm_tlb_shootdown). The AP reads the first dword of a
 * 2 MiB chunk of RAM in a loop, so its TLB holds the chunk's translation;
 * the BSP gives the chunk back (MHV_HC_DISCARD), and once the hypercall
 * has returned the AP must read zero: a stale translation would still
 * show the old bytes. Needs cpus=2 and hypercalls=on.
 */
#include "guest.h"
#include "irq.h"
#include "core/vm/hypercall_abi.h"

#define TRAMPOLINE 0x8000u /* SIPI vector 0x08 */
#define SIPI_VECTOR (TRAMPOLINE >> 12)
#define CHUNK 0x1000000u /* 16 MiB: nothing of the payload's lies there */
#define PATTERN 0x7e57ab1eu
#define APIC_DM_INIT (5u << 8)
#define APIC_DM_SIPI (6u << 8)
#define APIC_ICR_LEVEL (1u << 15)
#define TIMEOUT (1ull << 32)

/*
 * The AP's code, copied to TRAMPOLINE: real mode to flat 32-bit protected
 * mode without paging, then for ever: ap_val = *CHUNK, ap_iter++. It
 * spins with IF=1 (nothing is sent to it, so it needs no IDT): Bochs 2.7's
 * SVM takes no host interrupt in a guest entered with IF=0 until the
 * guest sets IF (docs/testing.md), and mhv's kick must reach the AP there.
 */
extern const uint8_t ap_start[], ap_end[], ap_val[], ap_iter[];
/* clang-format off */
#define AT(sym) "(" #sym " - ap_start + 0x8000)"
asm(".pushsection .rodata\n"
    ".balign 16\n"
    ".code16\n"
    "ap_start:\n"
    "	cli\n"
    "	xor %ax, %ax\n"
    "	mov %ax, %ds\n"
    "	lgdtl " AT(ap_gdtr) "\n"
    "	mov %cr0, %eax\n"
    "	or $1, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmpl $0x08, $" AT(ap_32) "\n"
    ".code32\n"
    "ap_32:\n"
    "	mov $0x10, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %ss\n"
    "	sti\n"
    "1:	mov 0x1000000, %eax\n"
    "	mov %eax, " AT(ap_val) "\n"
    "	lock incl " AT(ap_iter) "\n"
    "	pause\n"
    "	jmp 1b\n"
    ".balign 8\n"
    "ap_gdt:\n"
    "	.quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff\n"
    "ap_gdtr:\n"
    "	.word 23\n"
    "	.long " AT(ap_gdt) "\n"
    ".balign 4\n"
    "ap_val: .long 0\n"
    "ap_iter: .long 0\n"
    "ap_end:\n"
    ".code64\n"
    ".popsection\n");
/* clang-format on */

static volatile uint32_t *at(const uint8_t *sym)
{
	return (volatile uint32_t *)(uintptr_t)(TRAMPOLINE + (sym - ap_start));
}

/* Until the AP has gone `n` more rounds than `from`; false on timeout. */
static bool ap_rounds(uint32_t from, uint32_t n)
{
	uint64_t t0 = rdtsc();

	while (*at(ap_iter) - from < n && rdtsc() - t0 < TIMEOUT)
		cpu_relax();
	return *at(ap_iter) - from >= n;
}

int main(int argc, char **argv)
{
	volatile uint32_t *chunk = (volatile uint32_t *)(uintptr_t)CHUNK;
	uint32_t iter;
	uint64_t rc;
	bool ok;

	*chunk = PATTERN;
	memcpy((void *)(uintptr_t)TRAMPOLINE, ap_start,
	       (size_t)(ap_end - ap_start));
	apic_init();
	apic_icr_write(APIC_DM_INIT | APIC_ICR_ASSERT | APIC_ICR_LEVEL, 1);
	apic_icr_write(APIC_DM_INIT | APIC_ICR_LEVEL, 1);
	apic_icr_write(APIC_DM_SIPI | SIPI_VECTOR, 1);
	apic_icr_write(APIC_DM_SIPI | SIPI_VECTOR, 1);
	ok = ap_rounds(0, 1000);
	report(ok && *at(ap_val) == PATTERN,
	       "the AP reads the chunk (%u rounds, %#x)", *at(ap_iter),
	       *at(ap_val));
	if (!ok)
		return report_summary();

	rc = hypercall(MHV_HC_DISCARD, CHUNK, 0, 0);
	report(rc == 0, "MHV_HC_DISCARD of the chunk at %#x: %ld", CHUNK,
	       (long)rc);
	/* From here on no vCPU may see the old bytes. */
	iter = *at(ap_iter);
	ok = ap_rounds(iter, 100);
	report(ok && *at(ap_val) == 0,
	       "the AP reads zero after the hypercall returned (%#x, %u "
	       "rounds)",
	       *at(ap_val), *at(ap_iter) - iter);
	report(*chunk == 0, "the BSP reads zero too (%#x)", *chunk);

	/* Again, with the chunk written by the BSP this time. */
	*chunk = PATTERN + 1;
	iter = *at(ap_iter);
	ok = ap_rounds(iter, 100);
	report(ok && *at(ap_val) == PATTERN + 1,
	       "the AP sees the BSP's new value (%#x)", *at(ap_val));
	rc = hypercall(MHV_HC_DISCARD, CHUNK, 0, 0);
	iter = *at(ap_iter);
	ok = ap_rounds(iter, 100);
	report(rc == 0 && ok && *at(ap_val) == 0 && *chunk == 0,
	       "a second discard: zero on both vCPUs (%ld, %#x, %#x)", (long)rc,
	       *at(ap_val), *chunk);

	report(hypercall(MHV_HC_DISCARD, CHUNK + 4096, 0, 0) == MHV_HC_EINVAL,
	       "a discard not 2 MiB-aligned is refused");
	report(hypercall(MHV_HC_DISCARD, 0, 0, 0) == MHV_HC_EINVAL,
	       "the first 2 MiB cannot be given back");
	report(hypercall(MHV_HC_DISCARD, 0xc0000000ull, 0, 0) == MHV_HC_EINVAL,
	       "an address that is not RAM is refused");
	return report_summary();
}
