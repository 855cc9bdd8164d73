// SPDX-License-Identifier: MIT
#include "core/exit/guest_paging.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "lib/compiler.h"
#include "lib/string.h"

static int read_entry(struct vm *vm, uint64_t gpa, unsigned int size,
		      uint64_t *e)
{
	const void *at = guest_ram_ptr(vm, gpa, size);
	uint32_t e32;

	if (!at)
		return -1;
	/* Fixed-size copies the compiler turns into one load each. */
	if (size == 8) {
		__builtin_memcpy(e, at, 8);
	} else {
		__builtin_memcpy(&e32, at, 4);
		*e = e32;
	}
	return 0;
}

/* 4-level and PAE walks share the 8-byte entry format. */
static int walk64(struct vm *vm, uint64_t table, uint64_t gva, int levels,
		  uint64_t *gpa)
{
	for (int level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		unsigned int idx = level == 3 && levels == 3
					   ? (gva >> 30) & 3
					   : (gva >> shift) & 511;
		uint64_t e;

		if (read_entry(vm, table + idx * 8, 8, &e) || !(e & PTE_P))
			return -1;
		/* Large leaves: 2 MiB at level 2, 1 GiB at level 3 (4-level). */
		if (level == 1 || ((e & PTE_PS) && level == 2) ||
		    ((e & PTE_PS) && level == 3 && levels >= 4)) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = ((e & PTE_ADDR) & ~mask) | (gva & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -1;
}

static int walk32(struct vm *vm, uint64_t cr3, uint64_t gva, bool pse,
		  uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_entry(vm, (cr3 & 0xfffff000u) + ((gva >> 22) & 1023) * 4, 4,
		       &pde) ||
	    !(pde & PTE_P))
		return -1;
	if (pse && (pde & PTE_PS)) {
		/* PSE-36: PDE bits 20:13 are address bits 39:32 (SDM 4.3). */
		*gpa = ((pde & 0x1fe000ULL) << 19) | (pde & 0xffc00000u) |
		       (gva & 0x3fffff);
		return 0;
	}
	if (read_entry(vm, (pde & 0xfffff000u) + ((gva >> 12) & 1023) * 4, 4,
		       &pte) ||
	    !(pte & PTE_P))
		return -1;
	*gpa = (pte & 0xfffff000u) | (gva & 0xfff);
	return 0;
}

int guest_virt_to_phys(struct vm *vm, const struct vcpu_state *s, uint64_t gva,
		       uint64_t *gpa)
{
	if (!(s->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffu;
		return 0;
	}
	if (s->efer & EFER_LMA)
		return walk64(vm, s->cr3 & PTE_ADDR, gva,
			      s->cr4 & CR4_LA57 ? 5 : 4, gpa);
	if (s->cr4 & CR4_PAE)
		return walk64(vm, s->cr3 & 0xffffffe0u, gva & 0xffffffffu, 3,
			      gpa);
	return walk32(vm, s->cr3, gva & 0xffffffffu, s->cr4 & CR4_PSE, gpa);
}

/* Page by page: guest-virtual pages need not be contiguous in RAM. */
static int copy_virt(struct vm *vm, const struct vcpu_state *s, uint64_t gva,
		     uint8_t *buf, size_t len, bool to_guest)
{
	while (len) {
		uint64_t gpa;
		size_t chunk = MIN(len, 4096 - (gva & 4095));
		uint8_t *at;

		if (guest_virt_to_phys(vm, s, gva, &gpa))
			return -1;
		at = guest_ram_ptr(vm, gpa, chunk);
		if (!at)
			return -1;
		if (to_guest)
			memcpy(at, buf, chunk);
		else
			memcpy(buf, at, chunk);
		buf += chunk;
		gva += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_read_virt(struct vm *vm, const struct vcpu_state *s, uint64_t gva,
		    void *buf, size_t len)
{
	return copy_virt(vm, s, gva, buf, len, false);
}

int guest_write_virt(struct vm *vm, const struct vcpu_state *s, uint64_t gva,
		     const void *buf, size_t len)
{
	return copy_virt(vm, s, gva, (uint8_t *)buf, len, true);
}

size_t guest_fetch_insn(struct vm *vm, const struct vcpu_state *s, uint8_t *buf)
{
	bool long64 = guest_cpu_mode(s) == CPU_MODE_64;
	uint64_t first = long64 ? s->rip : (uint32_t)(s->cs_base + s->rip);
	size_t n = 0;

	/* The usual case: all of it in one page, nothing wraps. */
	if ((first & 4095) <= 4096 - INSN_MAX_LEN &&
	    (long64 || ((uint32_t)s->rip <= 0xffffffffu - INSN_MAX_LEN &&
			first <= 0xffffffffu - INSN_MAX_LEN)) &&
	    !guest_read_virt(vm, s, first, buf, INSN_MAX_LEN))
		return INSN_MAX_LEN;

	while (n < INSN_MAX_LEN) {
		uint64_t lin, chunk = INSN_MAX_LEN - n;

		if (long64) {
			lin = s->rip + n;
		} else {
			uint32_t off = (uint32_t)(s->rip + n);

			lin = (uint32_t)(s->cs_base + off);
			/* Stop where the offset or the address wraps. */
			chunk = MIN(chunk, 0x100000000ULL - off);
			chunk = MIN(chunk, 0x100000000ULL - lin);
		}
		chunk = MIN(chunk, 4096 - (lin & 4095));
		if (guest_read_virt(vm, s, lin, buf + n, chunk))
			break;
		n += chunk;
	}
	return n;
}
