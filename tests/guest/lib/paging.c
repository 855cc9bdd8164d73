// SPDX-License-Identifier: MIT
#include "guest.h"

/*
 * Identity mappings above the 4 GiB that entry.asm maps. Its tables live in
 * the image's bss, which is identity-mapped, so CR3 leads to them directly:
 * PML4[0] -> one PDPT, whose entries 0-3 are the four 2 MiB-page
 * directories of the low 4 GiB. Higher GiBs go into PDPT entries 4-511.
 */
#define GIB (1ull << 30)
#define MIB2 (2ull << 20)
#define PD_POOL 16

static uint64_t pd_pool[PD_POOL][512] __aligned(4096);
static unsigned int pd_used;

static uint64_t *pdpt_table(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR_MASK);

	return (uint64_t *)(pml4[0] & PTE_ADDR_MASK);
}

static bool has_1g_pages(void)
{
	return cpuid(0x80000000).a >= 0x80000001 &&
	       (cpuid(0x80000001).d & CPUID_EXT_EDX_PDPE1GB);
}

/* The 2 MiB-page directory behind PDPT entry i, taken from the pool. */
static uint64_t *pd_for(uint64_t *pdpt, unsigned int i)
{
	uint64_t *pd;

	if (pdpt[i] & PTE_PRESENT)
		return (pdpt[i] & PTE_LARGE)
			       ? NULL
			       : (uint64_t *)(pdpt[i] & PTE_ADDR_MASK);
	if (pd_used == PD_POOL)
		return NULL;
	pd = pd_pool[pd_used++];
	for (unsigned int j = 0; j < 512; j++)
		pd[j] = ((uint64_t)i * GIB + j * MIB2) | PTE_PRESENT |
			PTE_WRITE | PTE_LARGE;
	pdpt[i] = (uint64_t)pd | PTE_PRESENT | PTE_WRITE;
	return pd;
}

bool map_identity(uint64_t start, uint64_t end)
{
	uint64_t *pdpt = pdpt_table();
	bool big = has_1g_pages();

	if (end > 512 * GIB)
		return false;
	/* The low 4 GiB are mapped already. */
	start = start < 4 * GIB ? 4 * GIB : start & ~(GIB - 1);
	for (uint64_t a = start; a < end; a += GIB) {
		unsigned int i = (unsigned int)(a / GIB);

		if (pdpt[i] & PTE_PRESENT)
			continue;
		if (big)
			pdpt[i] = a | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
		else if (!pd_for(pdpt, i))
			return false;
	}
	/* New entries only, where nothing was cached: still, be plain. */
	write_cr3(read_cr3());
	return true;
}
