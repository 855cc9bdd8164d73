/* SPDX-License-Identifier: MIT */
#ifndef MHV_BOOT_BOOTINFO_H
#define MHV_BOOT_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What mhv keeps from the multiboot2 information block after validating it.
 * Strings point into the info block, which the frame allocator never hands
 * out, so they stay valid for the life of the hypervisor.
 */
#define BOOT_MAX_MMAP 128
#define BOOT_MAX_MODULES 64

enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIMABLE = 3,
	MEM_NVS = 4,
	MEM_BADRAM = 5,
};

struct mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum mem_type; other values are kept as reported */
};

struct boot_module {
	uint64_t start;	     /* physical, inclusive */
	uint64_t end;	     /* physical, exclusive */
	const char *cmdline; /* never NULL, may be "" */
};

/*
 * The framebuffer the loader set up (tag 8), if any. A tag mhv cannot use
 * does not stop the boot: the screen is optional, so it is recorded as
 * BOOT_FB_UNUSABLE with the reason.
 */
enum boot_fb_type {
	BOOT_FB_NONE,	  /* no tag */
	BOOT_FB_RGB,	  /* direct colour, 15/16/24/32 bits per pixel */
	BOOT_FB_EGA_TEXT, /* 16-bit character cells, width x height */
	BOOT_FB_UNUSABLE, /* a tag mhv cannot draw on; see problem */
};

struct boot_fb {
	enum boot_fb_type type;
	uint64_t addr; /* physical */
	uint32_t pitch, width, height;
	uint8_t bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
	const char *problem; /* BOOT_FB_UNUSABLE only */
};

struct boot_info {
	const char *cmdline;	 /* never NULL after a successful parse */
	const char *loader_name; /* NULL when absent */

	bool have_basic_meminfo;
	uint32_t mem_lower_kib, mem_upper_kib;

	struct mem_range mmap[BOOT_MAX_MMAP];
	unsigned int mmap_count;

	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned int module_count;

	/* ACPI RSDP copied by the loader into the info block (tag 14 or 15). */
	const void *rsdp;
	size_t rsdp_len;
	unsigned int rsdp_revision; /* 0 for tag 14 (ACPI 1.0), 2 for tag 15 */

	struct boot_fb fb;

	/* EFI: set when booted through UEFI. */
	bool efi32, efi64;
	uint64_t efi_systab;	   /* tag 11 or 12 */
	bool efi_bs_active;	   /* tag 18: boot services were not exited */
	bool efi_mmap_present;	   /* tag 17 */
	uint64_t efi_image_handle; /* tag 19/20, 0 when absent */

	uint64_t info_start, info_end; /* physical extent of the info block */
};

#endif
