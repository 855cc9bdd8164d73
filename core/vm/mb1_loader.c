/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 payload loader (the kvm-unit-tests format: a 64-bit program
 * linked at 4 MiB, shipped as an ELF32 EM_386 file) and the multiboot v1
 * information block it finds in EBX.
 *
 * The image comes from outside, so every offset and size in it is checked
 * against the image and against guest RAM before anything is copied, and
 * every check runs before the first byte is written: a refused payload
 * leaves guest RAM as it was.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm/mb1_loader.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* ---- multiboot v1 header ------------------------------------------------ */

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_SEARCH_LEN 8192u

#define MB1_HF_PAGE_ALIGN (1u << 0)  /* modules page aligned: always true */
#define MB1_HF_MEMINFO (1u << 1)     /* mem_lower/mem_upper: always given */
#define MB1_HF_VIDEO (1u << 2)	     /* video mode: ignored */
#define MB1_HF_REQUIRED_MASK 0xffffu /* must be understood, or refuse */
#define MB1_HF_UNDERSTOOD (MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO | MB1_HF_VIDEO)
#define MB1_HF_AOUT_KLUDGE (1u << 16)

struct mb1_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum;
	/* Valid when MB1_HF_AOUT_KLUDGE is set. */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};
_Static_assert(sizeof(struct mb1_header) == 32, "multiboot v1 header");

#define MB1_HEADER_MIN 12u /* magic, flags, checksum */

/* ---- multiboot v1 information ------------------------------------------- */

#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

/* A memory map entry; `size` counts the bytes after itself. */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t len;
	uint32_t type;
} __packed;
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1 mmap entry");

#define MB1_MEM_RAM 1
#define MB1_MEM_RESERVED 2
#define MB1_MMAP_MAX 5

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} __packed;

/* Payloads read these at fixed offsets without looking at flags. */
_Static_assert(offsetof(struct mb1_info, flags) == 0, "mb1 info");
_Static_assert(offsetof(struct mb1_info, mem_lower) == 4, "mb1 info");
_Static_assert(offsetof(struct mb1_info, mem_upper) == 8, "mb1 info");
_Static_assert(offsetof(struct mb1_info, boot_device) == 12, "mb1 info");
_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "mb1 info");
_Static_assert(offsetof(struct mb1_info, mods_count) == 20, "mb1 info");
_Static_assert(offsetof(struct mb1_info, mods_addr) == 24, "mb1 info");
_Static_assert(offsetof(struct mb1_info, syms) == 28, "mb1 info");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "mb1 info");
_Static_assert(offsetof(struct mb1_info, mmap_addr) == 48, "mb1 info");
_Static_assert(offsetof(struct mb1_info, drives_length) == 52, "mb1 info");
_Static_assert(offsetof(struct mb1_info, drives_addr) == 56, "mb1 info");
_Static_assert(offsetof(struct mb1_info, config_table) == 60, "mb1 info");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "mb1 info");
_Static_assert(offsetof(struct mb1_info, apm_table) == 68, "mb1 info");
_Static_assert(offsetof(struct mb1_info, vbe_mode) == 80, "mb1 info");
_Static_assert(offsetof(struct mb1_info, framebuffer_addr) == 88, "mb1 info");
_Static_assert(offsetof(struct mb1_info, framebuffer_bpp) == 108, "mb1 info");
_Static_assert(sizeof(struct mb1_info) == 116, "mb1 info");

struct mb1_mod_entry {
	uint32_t mod_start;
	uint32_t mod_end; /* exclusive */
	uint32_t string;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb1_mod_entry) == 16, "mb1 module entry");

#define MB1_LOADER_NAME "mhv"

/* ---- ELF ---------------------------------------------------------------- */

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PN_XNUM 0xffffu

static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header");

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 program header");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

/* The fields of either header class that the loader uses. */
struct elf_info {
	bool is64;
	uint16_t type, machine;
	uint64_t entry, phoff;
	uint16_t phentsize, phnum;
};

struct segment {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

/* ---- helpers ------------------------------------------------------------ */

/* "16 MiB", "640 KiB" or "12345 bytes", whichever is exact. */
static const char *size_str(char *buf, size_t len, uint64_t n)
{
	if (n && n % MiB(1) == 0)
		fmt_snprintf(buf, len, "%llu MiB",
			     (unsigned long long)(n / MiB(1)));
	else if (n && n % KiB(1) == 0)
		fmt_snprintf(buf, len, "%llu KiB",
			     (unsigned long long)(n / KiB(1)));
	else
		fmt_snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

/*
 * Can [start, start + size) of guest-physical memory receive part of the
 * payload? `what` names it in the message ("segment 2").
 */
static int check_range(const char *what, uint64_t start, uint64_t size,
		       uint64_t ram_size, char *err, size_t errlen)
{
	unsigned long long s = start, e = start + size;
	char sz[32];

	if (start + size < start)
		return fmt_fail(err, errlen,
				"payload: %s at 0x%llx of 0x%llx bytes wraps "
				"around the address space",
				what, s, (unsigned long long)size);
	if (start + size > ram_size)
		return fmt_fail(
			err, errlen,
			"payload: %s [0x%llx-0x%llx) does not fit in %s of "
			"guest RAM",
			what, s, e, size_str(sz, sizeof(sz), ram_size));
	if (start < PAGE_SIZE)
		return fmt_fail(
			err, errlen,
			"payload: %s [0x%llx-0x%llx) touches page 0, which "
			"is left to the guest",
			what, s, e);
	if (start < MB1_BOOT_AREA_END && start + size > MB1_BOOT_AREA_START)
		return fmt_fail(err, errlen,
				"payload: %s [0x%llx-0x%llx) overlaps the boot "
				"area [0x%x-0x%x)",
				what, s, e, MB1_BOOT_AREA_START,
				MB1_BOOT_AREA_END);
	return 0;
}

/*
 * The first u32-aligned multiboot header, magic and checksum both right,
 * whose three mandatory fields lie in the first 8 KiB of the image.
 */
static int find_header(const uint8_t *img, size_t len, size_t *hoff, char *err,
		       size_t errlen)
{
	size_t limit = MIN(len, (size_t)MB1_SEARCH_LEN);
	bool bad_sum = false;
	size_t bad_off = 0;

	for (size_t off = 0; off + MB1_HEADER_MIN <= limit; off += 4) {
		uint32_t w[3];

		memcpy(w, img + off, sizeof(w));
		if (w[0] != MB1_HEADER_MAGIC)
			continue;
		if ((uint32_t)(w[0] + w[1] + w[2]) == 0) {
			*hoff = off;
			return 0;
		}
		if (!bad_sum) {
			bad_sum = true;
			bad_off = off;
		}
	}
	if (bad_sum)
		return fmt_fail(
			err, errlen,
			"payload: multiboot header at offset 0x%zx has a "
			"bad checksum",
			bad_off);
	return fmt_fail(err, errlen,
			"payload: no multiboot header in the first 8 KiB");
}

/* ---- a.out kludge ------------------------------------------------------- */

static int load_aout(uint8_t *ram, uint64_t ram_size, const uint8_t *img,
		     size_t len, size_t hoff, const struct mb1_header *h,
		     struct mb1_image *out, char *err, size_t errlen)
{
	uint64_t delta, foff, filesz, file_end, mem_end;

	if (h->load_addr > h->header_addr)
		return fmt_fail(
			err, errlen,
			"payload: a.out kludge: load_addr 0x%x is above "
			"header_addr 0x%x",
			h->load_addr, h->header_addr);
	delta = h->header_addr - h->load_addr;
	if (delta > hoff)
		return fmt_fail(
			err, errlen,
			"payload: a.out kludge: load_addr 0x%x is 0x%llx bytes "
			"before the header, which is at file offset 0x%zx",
			h->load_addr, (unsigned long long)delta, hoff);
	foff = hoff - delta;

	if (h->load_end_addr == 0) {
		filesz = len - foff;
	} else {
		if (h->load_end_addr < h->load_addr)
			return fmt_fail(
				err, errlen,
				"payload: a.out kludge: load_end_addr 0x%x "
				"is below load_addr 0x%x",
				h->load_end_addr, h->load_addr);
		filesz = h->load_end_addr - h->load_addr;
		if (filesz > len - foff)
			return fmt_fail(
				err, errlen,
				"payload: a.out kludge: [load_addr, "
				"load_end_addr) is 0x%llx bytes but the "
				"file has 0x%llx from offset 0x%llx",
				(unsigned long long)filesz,
				(unsigned long long)(len - foff),
				(unsigned long long)foff);
	}
	file_end = h->load_addr + filesz;

	if (h->bss_end_addr == 0) {
		mem_end = file_end;
	} else {
		if (h->bss_end_addr < file_end)
			return fmt_fail(
				err, errlen,
				"payload: a.out kludge: bss_end_addr 0x%x is "
				"below the end of the loaded image 0x%llx",
				h->bss_end_addr, (unsigned long long)file_end);
		mem_end = h->bss_end_addr;
	}
	if (mem_end == h->load_addr)
		return fmt_fail(err, errlen,
				"payload: a.out kludge: the image is empty");
	if (check_range("a.out image", h->load_addr, mem_end - h->load_addr,
			ram_size, err, errlen))
		return -1;
	if (h->entry_addr < h->load_addr || h->entry_addr >= mem_end)
		return fmt_fail(
			err, errlen,
			"payload: a.out kludge: entry_addr 0x%x is outside "
			"the image [0x%x-0x%llx)",
			h->entry_addr, h->load_addr,
			(unsigned long long)mem_end);

	if (ram) {
		memcpy(ram + h->load_addr, img + foff, filesz);
		memset(ram + file_end, 0, mem_end - file_end);
	}

	out->entry = h->entry_addr;
	out->load_start = h->load_addr;
	out->load_end = mem_end;
	out->elf64 = false;
	out->aout_kludge = true;
	return 0;
}

/* ---- ELF ---------------------------------------------------------------- */

static int read_ehdr(const uint8_t *img, size_t len, struct elf_info *e,
		     char *err, size_t errlen)
{
	size_t need;

	if (len < 4 || memcmp(img, elf_magic, sizeof(elf_magic)))
		return fmt_fail(err, errlen,
				"payload: not an ELF file, and the multiboot "
				"header has no a.out kludge (flag 16)");
	if (len < EI_NIDENT)
		return fmt_fail(
			err, errlen,
			"payload: truncated ELF header (%zu of %u bytes)", len,
			EI_NIDENT);
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		return fmt_fail(err, errlen, "payload: unknown ELF class %u",
				img[EI_CLASS]);
	if (img[EI_DATA] != ELFDATA2LSB)
		return fmt_fail(
			err, errlen,
			"payload: ELF file is not little-endian (EI_DATA %u)",
			img[EI_DATA]);
	if (img[EI_VERSION] != EV_CURRENT)
		return fmt_fail(err, errlen, "payload: unknown ELF version %u",
				img[EI_VERSION]);

	e->is64 = img[EI_CLASS] == ELFCLASS64;
	need = e->is64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
	if (len < need)
		return fmt_fail(
			err, errlen,
			"payload: truncated ELF header (%zu of %zu bytes)", len,
			need);
	if (e->is64) {
		struct elf64_ehdr h;

		memcpy(&h, img, sizeof(h));
		e->type = h.e_type;
		e->machine = h.e_machine;
		e->entry = h.e_entry;
		e->phoff = h.e_phoff;
		e->phentsize = h.e_phentsize;
		e->phnum = h.e_phnum;
	} else {
		struct elf32_ehdr h;

		memcpy(&h, img, sizeof(h));
		e->type = h.e_type;
		e->machine = h.e_machine;
		e->entry = h.e_entry;
		e->phoff = h.e_phoff;
		e->phentsize = h.e_phentsize;
		e->phnum = h.e_phnum;
	}

	if (e->type != ET_EXEC)
		return fmt_fail(
			err, errlen,
			"payload: ELF type %u is not an executable (ET_EXEC)",
			e->type);
	if (e->machine != EM_X86_64 && (e->is64 || e->machine != EM_386))
		return fmt_fail(err, errlen,
				"payload: ELF%u machine %u is not %s",
				e->is64 ? 64 : 32, e->machine,
				e->is64 ? "x86-64 (EM_X86_64)"
					: "x86 (EM_386 or EM_X86_64)");
	return 0;
}

static void read_phdr(const uint8_t *img, const struct elf_info *e,
		      unsigned int i, struct segment *s)
{
	const uint8_t *p = img + e->phoff + (size_t)i * e->phentsize;

	if (e->is64) {
		struct elf64_phdr ph;

		memcpy(&ph, p, sizeof(ph));
		s->type = ph.p_type;
		s->offset = ph.p_offset;
		s->paddr = ph.p_paddr;
		s->filesz = ph.p_filesz;
		s->memsz = ph.p_memsz;
	} else {
		struct elf32_phdr ph;

		memcpy(&ph, p, sizeof(ph));
		s->type = ph.p_type;
		s->offset = ph.p_offset;
		s->paddr = ph.p_paddr;
		s->filesz = ph.p_filesz;
		s->memsz = ph.p_memsz;
	}
}

static int load_elf(uint8_t *ram, uint64_t ram_size, const uint8_t *img,
		    size_t len, struct mb1_image *out, char *err, size_t errlen)
{
	struct elf_info e = {0};
	size_t phsize;
	uint64_t table, lo = UINT64_MAX, hi = 0;
	unsigned int nload = 0;
	bool entry_ok = false;

	if (read_ehdr(img, len, &e, err, errlen))
		return -1;

	phsize = e.is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	if (e.phnum == 0)
		return fmt_fail(
			err, errlen,
			"payload: no PT_LOAD segment (the ELF file has no "
			"program headers)");
	if (e.phnum == PN_XNUM)
		return fmt_fail(err, errlen,
				"payload: extended program header numbering "
				"(e_phnum 0x%x) is not supported",
				PN_XNUM);
	if (e.phentsize < phsize)
		return fmt_fail(
			err, errlen,
			"payload: e_phentsize %u is smaller than a program "
			"header (%zu bytes)",
			e.phentsize, phsize);
	/* Both factors are 16-bit: the product cannot overflow 64 bits. */
	table = (uint64_t)e.phnum * e.phentsize;
	if (e.phoff > len || table > len - e.phoff)
		return fmt_fail(
			err, errlen,
			"payload: program headers at offset 0x%llx (%u x %u "
			"bytes) run past the end of the image (%zu bytes)",
			(unsigned long long)e.phoff, e.phnum, e.phentsize, len);
	if (e.entry >= GiB(4))
		return fmt_fail(err, errlen,
				"payload: entry point 0x%llx is above 4 GiB",
				(unsigned long long)e.entry);

	/* Check every segment before writing anything. */
	for (unsigned int i = 0; i < e.phnum; i++) {
		struct segment s;
		char what[24];

		read_phdr(img, &e, i, &s);
		if (s.type != PT_LOAD || s.memsz == 0)
			continue;
		if (s.filesz > s.memsz)
			return fmt_fail(
				err, errlen,
				"payload: segment %u has p_filesz 0x%llx > "
				"p_memsz 0x%llx",
				i, (unsigned long long)s.filesz,
				(unsigned long long)s.memsz);
		if (s.offset > len || s.filesz > len - s.offset)
			return fmt_fail(
				err, errlen,
				"payload: segment %u: 0x%llx bytes at file "
				"offset 0x%llx run past the end of the "
				"image (%zu bytes)",
				i, (unsigned long long)s.filesz,
				(unsigned long long)s.offset, len);
		fmt_snprintf(what, sizeof(what), "segment %u", i);
		if (check_range(what, s.paddr, s.memsz, ram_size, err, errlen))
			return -1;
		nload++;
		lo = MIN(lo, s.paddr);
		hi = MAX(hi, s.paddr + s.memsz);
		if (e.entry >= s.paddr && e.entry - s.paddr < s.memsz)
			entry_ok = true;
	}
	if (nload == 0)
		return fmt_fail(err, errlen, "payload: no PT_LOAD segment");
	if (!entry_ok)
		return fmt_fail(err, errlen,
				"payload: entry point 0x%llx is outside every "
				"loaded segment",
				(unsigned long long)e.entry);

	for (unsigned int i = 0; ram && i < e.phnum; i++) {
		struct segment s;

		read_phdr(img, &e, i, &s);
		if (s.type != PT_LOAD || s.memsz == 0)
			continue;
		memcpy(ram + s.paddr, img + s.offset, s.filesz);
		memset(ram + s.paddr + s.filesz, 0, s.memsz - s.filesz);
	}

	out->entry = (uint32_t)e.entry;
	out->load_start = lo;
	out->load_end = hi;
	out->elf64 = e.is64;
	out->aout_kludge = false;
	return 0;
}

int mb1_load(uint8_t *ram, uint64_t ram_size, const void *image,
	     size_t image_len, struct mb1_image *out, char *err, size_t errlen)
{
	const uint8_t *img = image;
	struct mb1_header h;
	uint32_t unknown;
	size_t hoff = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!img)
		image_len = 0;
	if (find_header(img, image_len, &hoff, err, errlen))
		return -1;
	memcpy(&h, img + hoff, MB1_HEADER_MIN);

	unknown = h.flags & MB1_HF_REQUIRED_MASK & ~MB1_HF_UNDERSTOOD;
	if (unknown)
		return fmt_fail(err, errlen,
				"payload: multiboot header flags 0x%x ask for "
				"features this loader lacks (0x%x)",
				h.flags, unknown);

	if (!(h.flags & MB1_HF_AOUT_KLUDGE))
		return load_elf(ram, ram_size, img, image_len, out, err,
				errlen);

	if (hoff + sizeof(h) > MIN(image_len, (size_t)MB1_SEARCH_LEN))
		return fmt_fail(
			err, errlen,
			"payload: multiboot header at offset 0x%zx sets "
			"the a.out kludge flag but its address fields are "
			"not within the first 8 KiB of the image",
			hoff);
	memcpy(&h, img + hoff, sizeof(h));
	return load_aout(ram, ram_size, img, image_len, hoff, &h, out, err,
			 errlen);
}

/* ---- information block -------------------------------------------------- */

/*
 * The map SeaBIOS gives QEMU's guests for this RAM: the EBDA's last KiB
 * below 640 KiB and the BIOS segment at 0xf0000 (where mhv puts the ACPI
 * tables) reserved.
 * Returns the number of entries.
 */
static unsigned int build_mmap(struct mb1_mmap_entry *m, uint64_t low,
			       uint64_t high)
{
	static const struct {
		uint64_t base, end;
		uint32_t type;
	} fixed[] = {
		{0, 0x9fc00, MB1_MEM_RAM},
		{0x9fc00, 0xa0000, MB1_MEM_RESERVED},
		{0xf0000, 0x100000, MB1_MEM_RESERVED},
	};
	unsigned int n = 0;

	for (; n < ARRAY_SIZE(fixed); n++)
		m[n] = (struct mb1_mmap_entry){
			.size = sizeof(*m) - sizeof(m->size),
			.base = fixed[n].base,
			.len = fixed[n].end - fixed[n].base,
			.type = fixed[n].type,
		};
	m[n++] = (struct mb1_mmap_entry){.size = sizeof(*m) - sizeof(m->size),
					 .base = MiB(1),
					 .len = low - MiB(1),
					 .type = MB1_MEM_RAM};
	if (high)
		m[n++] = (struct mb1_mmap_entry){.size = sizeof(*m) -
							 sizeof(m->size),
						 .base = GiB(4),
						 .len = high,
						 .type = MB1_MEM_RAM};
	return n;
}

int mb1_build_info(uint8_t *ram, uint64_t ram_size, uint64_t high_size,
		   const char *cmdline, const struct mb1_module *module,
		   uint32_t *info_gpa, char *err, size_t errlen)
{
	struct mb1_mmap_entry mmap[MB1_MMAP_MAX];
	unsigned int mmap_count;
	uint64_t mmap_at;
	static const char loader_name[] = MB1_LOADER_NAME;
	struct mb1_info info;
	struct mb1_mod_entry mod;
	uint64_t pos, name_at, cmdline_at, mod_at = 0, mstr_at = 0;
	uint64_t data_at = 0;
	size_t clen, mlen = 0;
	const char *mstr = "";
	char sz[32];

	if (err && errlen)
		err[0] = '\0';
	if (ram_size < MiB(2))
		return fmt_fail(err, errlen,
				"guest RAM of %s is too small for a multiboot "
				"payload (need at least 2 MiB)",
				size_str(sz, sizeof(sz), ram_size));
	if (!cmdline)
		cmdline = "";

	/* Lay everything out first, so a refusal writes nothing. */
	mmap_count = build_mmap(mmap, ram_size, high_size);
	pos = MB1_BOOT_AREA_START + sizeof(info);
	mmap_at = ALIGN_UP(pos, 8);
	pos = mmap_at + mmap_count * sizeof(mmap[0]);
	name_at = pos;
	pos += sizeof(loader_name);
	cmdline_at = pos;
	clen = strlen(cmdline);
	if (clen >= MB1_BOOT_AREA_END - pos)
		return fmt_fail(
			err, errlen,
			"command line of %zu bytes does not fit in the "
			"boot area (max %llu)",
			clen,
			(unsigned long long)(MB1_BOOT_AREA_END - pos - 1));
	pos += clen + 1;

	if (module) {
		uint64_t max;

		if (module->cmdline)
			mstr = module->cmdline;
		mlen = strlen(mstr);
		mod_at = ALIGN_UP(pos, 4);
		mstr_at = mod_at + sizeof(mod);
		if (mstr_at > MB1_BOOT_AREA_END ||
		    mlen >= MB1_BOOT_AREA_END - mstr_at)
			return fmt_fail(
				err, errlen,
				"module command line of %zu bytes does not "
				"fit in the boot area",
				mlen);
		data_at = ALIGN_UP(mstr_at + mlen + 1, PAGE_SIZE);
		max = data_at < MB1_BOOT_AREA_END ? MB1_BOOT_AREA_END - data_at
						  : 0;
		if (module->len > max)
			return fmt_fail(
				err, errlen,
				"module of %zu bytes does not fit in the "
				"boot area (max %llu)",
				module->len, (unsigned long long)max);
		if (module->len && !module->data)
			return fmt_fail(err, errlen,
					"module of %zu bytes has no data",
					module->len);
	}

	memset(ram + MB1_BOOT_AREA_START, 0,
	       MB1_BOOT_AREA_END - MB1_BOOT_AREA_START);
	memset(&info, 0, sizeof(info));
	info.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_LOADER_NAME |
		     MB1_INFO_MMAP;
	info.mem_lower = 640;
	info.mem_upper = (uint32_t)MIN((ram_size - MiB(1)) / KiB(1),
				       (uint64_t)UINT32_MAX);
	info.mmap_addr = (uint32_t)mmap_at;
	info.mmap_length = (uint32_t)(mmap_count * sizeof(mmap[0]));
	memcpy(ram + mmap_at, mmap, mmap_count * sizeof(mmap[0]));
	info.cmdline = (uint32_t)cmdline_at;
	info.boot_loader_name = (uint32_t)name_at;
	memcpy(ram + name_at, loader_name, sizeof(loader_name));
	memcpy(ram + cmdline_at, cmdline, clen + 1);

	if (module) {
		info.flags |= MB1_INFO_MODS;
		info.mods_count = 1;
		info.mods_addr = (uint32_t)mod_at;
		mod.mod_start = (uint32_t)data_at;
		mod.mod_end = (uint32_t)(data_at + module->len);
		mod.string = (uint32_t)mstr_at;
		mod.reserved = 0;
		memcpy(ram + mod_at, &mod, sizeof(mod));
		memcpy(ram + mstr_at, mstr, mlen + 1);
		if (module->len)
			memcpy(ram + data_at, module->data, module->len);
	}
	memcpy(ram + MB1_BOOT_AREA_START, &info, sizeof(info));

	*info_gpa = MB1_BOOT_AREA_START;
	return 0;
}
