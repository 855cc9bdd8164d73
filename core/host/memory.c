// SPDX-License-Identifier: MIT
#include "core/host/memory.h"
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "lib/string.h"

struct pmm phys_mem;
struct page_table host_pt;

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:
		return "usable";
	case MEM_RESERVED:
		return "reserved";
	case MEM_ACPI_RECLAIMABLE:
		return "ACPI reclaimable";
	case MEM_NVS:
		return "ACPI NVS";
	case MEM_BADRAM:
		return "bad RAM";
	default:
		return "unknown type";
	}
}

void memory_print_map(const struct boot_info *bi)
{
	pr_info("memory map (%u entries):\n", bi->mmap_count);
	for (unsigned int i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *r = &bi->mmap[i];

		pr_info("  [0x%012lx-0x%012lx) %9lu KiB %s (%u)\n", r->base,
			r->base + r->len, r->len >> 10, mem_type_name(r->type),
			r->type);
	}
}

/*
 * The identity map must cover every byte mhv may touch: all RAM and ACPI
 * data, and the low 4 GiB where MMIO (local APIC, firmware) lives. Reserved
 * ranges far above RAM (QEMU reserves 12 GiB at 1 TiB) are left out: they
 * would cost megabytes of page tables for nothing.
 */
static uint64_t identity_map_top(const struct boot_info *bi)
{
	uint64_t top = GiB(4);

	for (unsigned int i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *r = &bi->mmap[i];

		if (r->type == MEM_USABLE || r->type == MEM_ACPI_RECLAIMABLE ||
		    r->type == MEM_NVS)
			top = MAX(top, r->base + r->len);
	}
	return ALIGN_UP(top, GiB(1));
}

static int switch_page_tables(const struct boot_info *bi)
{
	uint64_t top = identity_map_top(bi);

	if (pt_init(&host_pt, &phys_mem, PTE_P | PTE_W) ||
	    pt_map(&host_pt, 0, 0, top, PT_SIZE_2M, PTE_P | PTE_W)) {
		pr_err("out of memory building the hypervisor page tables\n");
		return -1;
	}
	write_cr3(host_pt.root);
	pr_info("paging: identity map of %lu MiB in 2 MiB pages, root %#lx\n",
		top >> 20, host_pt.root);
	return 0;
}

int memory_init(const struct boot_info *bi)
{
	uint64_t usable = 0;

	pmm_init(&phys_mem);
	for (unsigned int i = 0; i < bi->mmap_count; i++) {
		if (bi->mmap[i].type != MEM_USABLE)
			continue;
		pmm_add(&phys_mem, bi->mmap[i].base, bi->mmap[i].len);
		usable += bi->mmap[i].len;
	}
	/* Real-mode structures and firmware data live below 1 MiB. */
	pmm_reserve(&phys_mem, 0, MiB(1));
	pmm_reserve(&phys_mem, (uint64_t)__image_start,
		    (uint64_t)(__image_end - __image_start));
	pmm_reserve(&phys_mem, bi->info_start, bi->info_end - bi->info_start);
	for (unsigned int i = 0; i < bi->module_count; i++)
		pmm_reserve(&phys_mem, bi->modules[i].start,
			    bi->modules[i].end - bi->modules[i].start);
	if (phys_mem.overflowed)
		pr_warn("memory map too fragmented: some memory is unused\n");
	if (!phys_mem.free_bytes) {
		pr_err("no usable memory in the memory map\n");
		return -1;
	}
	pr_info("memory: %lu MiB usable, %lu MiB free for mhv and guests\n",
		usable >> 20, phys_mem.free_bytes >> 20);
	return switch_page_tables(bi);
}

uint64_t memory_alloc_zeroed(uint64_t size)
{
	uint64_t pa = pmm_alloc(&phys_mem, size, PAGE_SIZE);

	if (pa != PMM_NONE)
		memset((void *)pa, 0, size);
	return pa;
}
