// SPDX-License-Identifier: MIT
#include "guest.h"

/* C side of the entry: console, IDT, argc/argv from the multiboot info. */
#define MAX_ARGS 32

void serial_init(void);
void idt_init(void);
__noreturn void guest_start(uint32_t mbi);

static uint32_t mem_upper;
static const void *mb_info;
static char cmdline[1024];
static char *argv[MAX_ARGS + 1];

uint32_t boot_mem_upper(void)
{
	return mem_upper;
}

const void *boot_info(void)
{
	return mb_info;
}

/* Copy the command line (the info is read-only to us) and split it. */
static int parse_cmdline(const char *src)
{
	int argc = 0;
	char *p = cmdline;

	if (!src)
		return 0;
	for (size_t i = 0; i < sizeof(cmdline) - 1 && src[i]; i++)
		cmdline[i] = src[i];
	while (*p && argc < MAX_ARGS) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
	return argc;
}

void guest_start(uint32_t mbi)
{
	const uint32_t *info = (const uint32_t *)(uint64_t)mbi;
	int argc;

	serial_init();
	idt_init();
	mb_info = info;
	mem_upper = info[2];
	argc = parse_cmdline((const char *)(uint64_t)info[4]);
	exit(main(argc, argv));
}
