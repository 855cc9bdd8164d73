// SPDX-License-Identifier: MIT
#include "guest.h"

/*
 * kvm-unit-tests' environment: the guest's one multiboot module is a file
 * of VAR=value lines (tests/guest/env.txt, passed with module=next).
 */
struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
};

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

#define MB_INFO_MODS (1u << 3)

static const char env_file[] = "NR_CPUS=1\nMEMSIZE=32\nTEST_DEVICE=0\n"
			       "BOOTLOADER=mhv\n";

/* Is "line" one whole line of text[0..len)? */
static bool has_line(const char *text, size_t len, const char *line)
{
	size_t n = strlen(line);

	for (size_t i = 0; i + n <= len; i++) {
		if ((i == 0 || text[i - 1] == '\n') &&
		    memcmp(text + i, line, n) == 0 &&
		    (i + n == len || text[i + n] == '\n'))
			return true;
	}
	return false;
}

extern const char _start[], __bss_end[];

int main(int argc, char **argv)
{
	const struct mb_info *mbi = boot_info();
	const struct mb_module *mod;
	uint64_t ram_end = ((uint64_t)mbi->mem_upper + 1024) * 1024;
	uint64_t low_end, start, end, image = (uint64_t)_start, image_end;
	const char *text;
	size_t len;

	report(mbi->flags & MB_INFO_MODS,
	       "multiboot flags %#x: modules (bit 3)", mbi->flags);
	report(mbi->mods_count == 1, "mods_count %u == 1", mbi->mods_count);
	if (!(mbi->flags & MB_INFO_MODS) || mbi->mods_count < 1)
		return report_summary();

	mod = (const struct mb_module *)(uint64_t)mbi->mods_addr;
	start = mod->mod_start;
	end = mod->mod_end;
	text = (const char *)start;
	len = end > start ? end - start : 0;
	report_info("module [%#lx, %#lx), string \"%s\", RAM end %#lx", start,
		    end, mod->string ? (const char *)(uint64_t)mod->string : "",
		    ram_end);
	low_end = (uint64_t)mbi->mem_lower * 1024;
	report(start < end && (end <= low_end ||
			       (start >= 0x100000 && end <= ram_end)),
	       "module lies in guest RAM (below %#lx or in [1 MiB, %#lx))",
	       low_end, ram_end);
	image_end = (uint64_t)__bss_end;
	report(end <= image || start >= image_end,
	       "module does not overlap the payload [%#lx, %#lx)", image,
	       image_end);
	if (!(start < end && end <= ram_end))
		return report_summary();

	report(has_line(text, len, "NR_CPUS=1"), "env has NR_CPUS=1");
	report(has_line(text, len, "MEMSIZE=32"), "env has MEMSIZE=32");
	report(has_line(text, len, "TEST_DEVICE=0"), "env has TEST_DEVICE=0");
	report(has_line(text, len, "BOOTLOADER=mhv"), "env has BOOTLOADER=mhv");
	report(len == sizeof(env_file) - 1 && memcmp(text, env_file, len) == 0,
	       "module is exactly env.txt (%lu bytes, expected %lu)", len,
	       sizeof(env_file) - 1);
	report(ram_end <= 32ull << 20, "RAM end %#lx within MEMSIZE=32 MiB",
	       ram_end);
	return report_summary();
}
