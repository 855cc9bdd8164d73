// SPDX-License-Identifier: MIT
/*
 * Guest page walks (core/exit/guest_paging.c) over page tables the guest wrote:
 * arbitrary control registers and an arbitrary guest RAM, against a
 * reference walk written from the SDM (vol. 3, 4.3-4.5) in the scope mhv
 * implements: present bits, large pages where the paging mode has them,
 * the address bits of each entry; not permissions, reserved bits or A/D
 * bits, which mhv's slow paths do not look at. Translations, reads,
 * writes and instruction fetches must agree byte for byte, and never
 * touch memory outside guest RAM (an exactly-sized heap block).
 *
 * Input: mode bits (u8: CR0.PG, CR4.PAE, EFER.LMA, CR4.PSE, CS.L, CS.D,
 * CR4.LA57), CR3, CS base, RIP, four addresses (u64), four lengths (u8),
 * then guest RAM from address 0 (the rest is zero).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/exit/guest_paging.h"
#include "core/x86.h"
#include "tests/fuzz/check.h"
#include "tests/fuzz/input.h"
#include "tests/fuzz/known_bugs.h"

#define RAM_SIZE 0x10000ULL

/* Guest RAM is a flat buffer here: no backend tables are ever made. */
const struct vm_backend *vm_backend;
static struct vm vm;
static uint8_t *ram, *shadow;

/* An entry of `size` bytes at gpa, or false when it is not guest RAM. */
static bool entry(const uint8_t *mem, uint64_t gpa, unsigned int size,
		  uint64_t *e)
{
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < size)
		return false;
	*e = 0;
	memcpy(e, mem + gpa, size);
	return true;
}

/* 5-level, 4-level and PAE (3 levels, the PDPTE indexed by bits 31:30). */
static bool ref_walk64(const uint8_t *mem, uint64_t table, uint64_t va,
		       int levels, uint64_t *pa)
{
	for (int l = levels; l >= 1; l--) {
		unsigned int shift = 12 + 9 * (l - 1);
		uint64_t idx = levels == 3 && l == 3 ? (va >> 30) & 3
						     : (va >> shift) & 511;
		uint64_t e, size = 1ULL << shift;
		bool large = l == 2 || (l == 3 && levels >= 4);

		if (!entry(mem, table + idx * 8, 8, &e) || !(e & PTE_P))
			return false;
		if (l == 1 || (large && (e & PTE_PS))) {
			*pa = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	return false;
}

/* 32-bit paging; PSE-36 puts bits 39:32 of a 4 MiB page in PDE 20:13. */
static bool ref_walk32(const uint8_t *mem, uint64_t cr3, uint32_t va, bool pse,
		       uint64_t *pa)
{
	uint64_t pde, pte;

	if (!entry(mem, (cr3 & 0xfffff000u) + (va >> 22) * 4, 4, &pde) ||
	    !(pde & PTE_P))
		return false;
	if (pse && (pde & PTE_PS)) {
		*pa = (pde & 0xffc00000u) | (va & 0x3fffffu);
		if (!KNOWN_BUG_PSE36)
			*pa |= ((pde >> 13) & 0xff) << 32;
		return true;
	}
	if (!entry(mem, (pde & 0xfffff000u) + ((va >> 12) & 1023) * 4, 4,
		   &pte) ||
	    !(pte & PTE_P))
		return false;
	*pa = (pte & 0xfffff000u) | (va & 0xfffu);
	return true;
}

static bool ref_translate(const uint8_t *mem, const struct vcpu_state *s,
			  uint64_t va, uint64_t *pa)
{
	if (!(s->cr0 & (1ULL << 31))) {
		*pa = (uint32_t)va;
		return true;
	}
	if (s->efer & (1ULL << 10))
		return ref_walk64(mem, s->cr3 & PTE_ADDR, va,
				  s->cr4 & CR4_LA57 ? 5 : 4, pa);
	if (s->cr4 & (1ULL << 5))
		return ref_walk64(mem, s->cr3 & 0xffffffe0u, (uint32_t)va, 3,
				  pa);
	return ref_walk32(mem, s->cr3, (uint32_t)va, s->cr4 & (1ULL << 4), pa);
}

/* The byte at va, through the tables in mem, or false. */
static bool ref_byte(const uint8_t *mem, const struct vcpu_state *s,
		     uint64_t va, uint64_t *pa)
{
	return ref_translate(mem, s, va, pa) && *pa < RAM_SIZE;
}

static void check_translate(const struct vcpu_state *s, uint64_t va)
{
	uint64_t got = 0, want = 0;
	bool ok = !guest_virt_to_phys(&vm, s, va, &got);

	CHECK(ok == ref_translate(ram, s, va, &want),
	      "%#llx: guest_virt_to_phys %s", (unsigned long long)va,
	      ok ? "succeeded, the reference faults" : "faulted");
	CHECK(!ok || got == want, "%#llx translates to %#llx, expected %#llx",
	      (unsigned long long)va, (unsigned long long)got,
	      (unsigned long long)want);
}

static void check_read(const struct vcpu_state *s, uint64_t va, size_t len)
{
	uint8_t got[256], want[256];
	bool ok = !guest_read_virt(&vm, s, va, got, len), ref = true;
	uint64_t pa;

	for (size_t i = 0; i < len && ref; i++) {
		ref = ref_byte(ram, s, va + i, &pa);
		want[i] = ref ? ram[pa] : 0;
	}
	CHECK(ok == ref, "read of %zu bytes at %#llx %s", len,
	      (unsigned long long)va, ok ? "succeeded" : "failed");
	CHECK(!ok || !memcmp(got, want, len), "read at %#llx differs",
	      (unsigned long long)va);
}

/*
 * A write may change the tables it goes through: the reference writes page
 * by page too, each page translated as the previous ones left memory.
 */
static void check_write(const struct vcpu_state *s, uint64_t va, size_t len)
{
	uint8_t src[256];
	bool ok, ref = true;
	size_t done = 0;

	for (size_t i = 0; i < len; i++)
		src[i] = (uint8_t)(0xa5 ^ i);
	memcpy(shadow, ram, RAM_SIZE);
	ok = !guest_write_virt(&vm, s, va, src, len);
	while (done < len && ref) {
		uint64_t at = va + done, pa;
		size_t chunk = 4096 - (at & 4095);

		chunk = chunk < len - done ? chunk : len - done;
		ref = ref_translate(shadow, s, at, &pa) && pa < RAM_SIZE &&
		      RAM_SIZE - pa >= chunk;
		if (ref)
			memcpy(shadow + pa, src + done, chunk);
		done += chunk;
	}
	CHECK(ok == ref, "write of %zu bytes at %#llx %s", len,
	      (unsigned long long)va, ok ? "succeeded" : "failed");
	CHECK(!memcmp(ram, shadow, RAM_SIZE),
	      "write at %#llx left guest RAM different from the reference",
	      (unsigned long long)va);
}

static void check_fetch(const struct vcpu_state *s)
{
	bool long64 = (s->cs_long && (s->efer & (1ULL << 10)));
	uint8_t got[INSN_MAX_LEN];
	size_t n = guest_fetch_insn(&vm, s, got), i;
	uint64_t pa;

	CHECK(guest_cpu_mode(s) == (long64     ? CPU_MODE_64
				    : s->cs_db ? CPU_MODE_32
					       : CPU_MODE_16),
	      "mode %d", guest_cpu_mode(s));
	for (i = 0; i < INSN_MAX_LEN; i++) {
		uint64_t lin = long64 ? s->rip + i
				      : (uint32_t)(s->cs_base +
						   (uint32_t)(s->rip + i));

		if (!ref_byte(ram, s, lin, &pa))
			break;
		CHECK(i >= n || got[i] == ram[pa],
		      "fetched byte %zu differs (linear %#llx)", i,
		      (unsigned long long)lin);
	}
	CHECK(n == i, "fetched %zu bytes at RIP %#llx, expected %zu", n,
	      (unsigned long long)s->rip, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t m = in_u8(&in);
	struct vcpu_state s = {
		.cr0 = m & 1 ? 1ULL << 31 | 1 : 1,
		.cr4 = (m & 2 ? 1ULL << 5 : 0) | (m & 8 ? 1ULL << 4 : 0) |
		       (m & 64 && !KNOWN_BUG_LA57 ? CR4_LA57 : 0),
		.efer = m & 4 ? 1ULL << 10 | 1ULL << 8 : 0,
		.cs_long = m & 16,
		.cs_db = m & 32,
	};
	uint64_t va[4];
	uint8_t len[4];

	if (!ram) {
		ram = malloc(RAM_SIZE);
		shadow = malloc(RAM_SIZE);
		CHECK(ram && shadow, "out of memory");
		guest_ram_attach_flat(&vm, ram, RAM_SIZE);
	}
	s.cr3 = in_u64(&in);
	s.cs_base = in_u64(&in);
	s.rip = in_u64(&in);
	for (int i = 0; i < 4; i++)
		va[i] = in_u64(&in);
	for (int i = 0; i < 4; i++)
		len[i] = in_u8(&in);
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, in.p, in.n < RAM_SIZE ? in.n : RAM_SIZE);

	check_fetch(&s);
	for (int i = 0; i < 4; i++) {
		check_translate(&s, va[i]);
		check_read(&s, va[i], len[i]);
	}
	for (int i = 0; i < 4; i++)
		check_write(&s, va[i], len[i]);
	return 0;
}
