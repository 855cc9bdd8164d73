// SPDX-License-Identifier: MIT
#include "core/host/memory.h"
#include "core/host/cpu.h"
#include "core/host/log.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "lib/string.h"

struct pmm phys_mem;
struct page_table host_pt;

#define PAT_ENTRY(i, type) ((type) << (8 * (i)))
/*
 * mhv's IA32_PAT: the power-up layout with entry 1 (PWT alone) turned from
 * write-through into write-combining, as Linux does. No flags stays WB and
 * PCD|PWT stays UC, their meaning before the PAT (SDM vol. 3, 13.12.5), and
 * WC needs no PAT bit (bit 7 in a 4K leaf, bit 12 in a large one). mhv maps
 * nothing write-through. Entry 0 stays WB for the nested page tables too,
 * whose leaves pick it (APM vol. 2, 15.25.8): guests see no change. EPT
 * leaves name their type themselves, and a guest's own PAT is its VMCB or
 * VMCS field, not this MSR.
 */
#define HOST_PAT                                             \
	(PAT_ENTRY(0, PAT_WB) | PAT_ENTRY(1, PAT_WC) |       \
	 PAT_ENTRY(2, PAT_UC_MINUS) | PAT_ENTRY(3, PAT_UC) | \
	 PAT_ENTRY(4, PAT_WB) | PAT_ENTRY(5, PAT_WC) |       \
	 PAT_ENTRY(6, PAT_UC_MINUS) | PAT_ENTRY(7, PAT_UC))
#define CACHE_BITS (PTE_PCD | PTE_PWT)

/* HOST_PAT is loaded: PTE_PWT alone means write-combining. */
static bool have_wc;

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

/*
 * Load HOST_PAT as SDM vol. 3, 13.12.4 asks of a PAT change: by the steps
 * 13.11.7 gives for an MTRR change, on this one CPU. Caches in no-fill
 * mode and written back, the TLB flushed (mhv's page tables have no global
 * entries: a CR3 reload flushes them all), the write, then caches and TLB
 * flushed again, so no line stays cached under a type its entry no longer
 * names. Interrupts are off.
 */
static void load_host_pat(void)
{
	uint64_t cr0 = read_cr0();

	if (!(cpuid(1).edx & CPUID1_EDX_PAT)) {
		pr_warn("paging: no PAT: a framebuffer is mapped uncached, "
			"not write-combining\n");
		return;
	}
	write_cr0((cr0 | CR0_CD) & ~CR0_NW);
	wbinvd();
	write_cr3(read_cr3());
	wrmsr(MSR_PAT, HOST_PAT);
	wbinvd();
	write_cr3(read_cr3());
	write_cr0(cr0);
	have_wc = true;
}

/*
 * A page mapped cacheable must not be aliased by a WC mapping, not even
 * through a stale TLB entry, so the type changes the way SDM vol. 3,
 * 13.12.4 says to remap a cacheable page as WC: not present, TLB flushed,
 * mapped with the new type, caches flushed. Large leaves are split first,
 * the one step that can fail (no memory for a table); after it nothing can.
 */
int memory_set_cache(uint64_t pa, uint64_t len, enum cache_type type)
{
	uint64_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	uint64_t end = ALIGN_UP(pa + len, PAGE_SIZE);
	uint64_t bits = CACHE_BITS;

	if (type == CACHE_WC && !have_wc)
		type = CACHE_UC;
	if (type == CACHE_WB)
		bits = 0;
	else if (type == CACHE_WC)
		bits = PTE_PWT;
	if (end <= start ||
	    pt_update_leaves(&host_pt, start, end - start, 0, 0))
		return -1;
	pt_update_leaves(&host_pt, start, end - start, PTE_P, 0);
	write_cr3(read_cr3());
	pt_update_leaves(&host_pt, start, end - start, CACHE_BITS,
			 PTE_P | bits);
	wbinvd();
	return (int)type;
}

const char *memory_cache_name(enum cache_type type)
{
	switch (type) {
	case CACHE_WB:
		return "write-back";
	case CACHE_WC:
		return "write-combining";
	default:
		return "uncached";
	}
}

/*
 * Whether the memory map's usable RAM covers all of [base, end): follow
 * the ranges from base as long as one goes on where the last stopped
 * (they may come in any order, adjacent or overlapping).
 */
static bool usable_covers(const struct boot_info *bi, uint64_t base,
			  uint64_t end)
{
	uint64_t at = base;
	bool moved = true;

	while (at < end && moved) {
		moved = false;
		for (unsigned int i = 0; i < bi->mmap_count; i++) {
			const struct mem_range *r = &bi->mmap[i];

			if (r->type == MEM_USABLE && r->base <= at &&
			    at < r->base + r->len) {
				at = r->base + r->len;
				moved = true;
			}
		}
	}
	return at >= end;
}

/*
 * The identity map, one GiB at a time. A 1 GiB leaf where the CPU has
 * them and the GiB is all usable RAM: one entry instead of 512, so the
 * cost of the map does not grow with the memory (a 4 GiB guest needs a
 * machine of 5 GiB or more). Elsewhere 2 MiB leaves, as before: a large
 * page over ranges the MTRRs give different types is undefined (SDM vol.
 * 3, 13.11.9). A GiB of usable RAM is write-back throughout on a PC; a
 * GiB with firmware areas, MMIO or holes may mix types, and 2 MiB leaves
 * keep such a mix to where firmware put it at a finer grain.
 * memory_set_cache() splits a leaf of either size where it must.
 */
static int map_identity(const struct boot_info *bi, uint64_t top,
			uint64_t *gib_leaves)
{
	/* Long mode, which mhv runs in, implies leaf 0x80000001. */
	bool page1gb = cpuid(0x80000001).edx & CPUID80000001_EDX_PAGE1GB;

	*gib_leaves = 0;
	/* identity_map_top() is a whole number of GiB. */
	for (uint64_t at = 0; at < top; at += GiB(1)) {
		bool gib = page1gb && usable_covers(bi, at, at + GiB(1));

		if (pt_map(&host_pt, at, at, GiB(1),
			   gib ? PT_SIZE_1G : PT_SIZE_2M, PTE_P | PTE_W))
			return -1;
		*gib_leaves += gib;
	}
	return 0;
}

static int switch_page_tables(const struct boot_info *bi)
{
	uint64_t top = identity_map_top(bi);
	uint64_t gib_leaves;

	if (pt_init(&host_pt, &phys_mem, PTE_P | PTE_W) ||
	    map_identity(bi, top, &gib_leaves)) {
		pr_err("out of memory building the hypervisor page tables\n");
		return -1;
	}
	load_host_pat();
	write_cr3(host_pt.root);
	pr_info("paging: identity map of %lu MiB, %lu of it in 1 GiB pages, "
		"the rest in 2 MiB pages, root %#lx\n",
		top >> 20, gib_leaves << 10, host_pt.root);
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

/*
 * The window on guest RAM: the upper half of the address space, which
 * mhv's identity map never reaches (PML4 entry 256 on). Its mappings are
 * the only non-identity ones, so clearing them flushes with a CR3 reload
 * (no global pages).
 */
#define WINDOW_BASE 0xffff800000000000ULL

uint8_t *memory_window(void)
{
	return (uint8_t *)WINDOW_BASE;
}

int memory_window_map(uint64_t offset, uint64_t hpa, uint64_t len)
{
	return pt_map(&host_pt, WINDOW_BASE + offset, hpa, len, PT_SIZE_2M,
		      PTE_P | PTE_W);
}

void memory_window_clear(uint64_t len)
{
	pt_unmap(&host_pt, WINDOW_BASE, ALIGN_UP(len, PT_SIZE_2M));
	write_cr3(read_cr3());
}
