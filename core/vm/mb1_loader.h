/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_MB1_LOADER_H
#define MHV_CORE_VM_MB1_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Loading a multiboot v1 payload (the kvm-unit-tests format) into guest RAM
 * and building the multiboot v1 information the guest finds in EBX.
 *
 * Guest RAM is seen through `ram`, a host pointer to guest-physical 0, of
 * `ram_size` bytes. Nothing outside [ram, ram + ram_size) is ever written,
 * and nothing outside [image, image + image_len) is ever read.
 *
 * The info block, the command line and the module are placed in the boot
 * area [MB1_BOOT_AREA_START, MB1_BOOT_AREA_END) below 640 KiB; page 0 is
 * left alone (kvm-unit-tests puts its AP trampoline there).
 */
#define MB1_BOOT_AREA_START 0x10000u
#define MB1_BOOT_AREA_END 0x9f000u
#define MB1_BOOTLOADER_MAGIC 0x2badb002u

struct mb1_image {
	uint32_t entry;		       /* 32-bit protected-mode entry point */
	uint64_t load_start, load_end; /* guest-physical, bss included */
	bool elf64;
	bool aout_kludge; /* loaded through the header's address fields */
};

struct mb1_module {
	const void *data;
	size_t len;
	const char *cmdline; /* may be NULL */
};

/*
 * Find the multiboot v1 header, load the ELF32 or ELF64 image (PT_LOAD
 * segments at their physical addresses, bss zeroed), or the a.out-kludge
 * image when header flag 16 is set. Every segment is bounds-checked against
 * guest RAM and must not overlap the boot area. Returns 0, or -1 with the
 * reason in err. With ram NULL nothing is written: it only checks and
 * fills *out (where the image will go), so the caller can prepare RAM.
 */
int mb1_load(uint8_t *ram, uint64_t ram_size, const void *image,
	     size_t image_len, struct mb1_image *out, char *err, size_t errlen);

/*
 * Build the multiboot v1 info in the boot area: mem_lower/mem_upper,
 * a memory map (RAM below 640 KiB, from 1 MiB to ram_size and high_size
 * bytes from 4 GiB; the EBDA's last KiB and the BIOS area reserved), the
 * command line (its first word is the payload's name, as in
 * kvm-unit-tests' argv[0]), at most one module (copied into the boot area),
 * the boot loader name "mhv". Returns the info's guest-physical address in
 * *info_gpa, or -1 with the reason in err.
 */
int mb1_build_info(uint8_t *ram, uint64_t ram_size, uint64_t high_size,
		   const char *cmdline, const struct mb1_module *module,
		   uint32_t *info_gpa, char *err, size_t errlen);

#endif
