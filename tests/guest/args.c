// SPDX-License-Identifier: MIT
#include "guest.h"

/* argv[0] is the payload's name; QEMU's -kernel passes the file's path. */
static bool is_progname(const char *arg0, const char *name)
{
	const char *base = arg0, *p;
	size_t len = strlen(name);

	for (p = arg0; *p; p++) {
		if (*p == '/')
			base = p + 1;
	}
	return strncmp(base, name, len) == 0 &&
	       (base[len] == '\0' || base[len] == '.' || base[len] == '-');
}

int main(int argc, char **argv)
{
	report_info("argc = %d", argc);
	for (int i = 0; i < argc; i++)
		report_info("argv[%d] = \"%s\"", i, argv[i]);
	report(argc >= 1 && is_progname(argv[0], "args"),
	       "argv[0] names the payload");
	for (int i = 1; i < argc; i++)
		report(argv[i][0] != '\0', "argv[%d] echoed: %s", i, argv[i]);
	report(boot_mem_upper() > 0, "mem_upper = %u KiB", boot_mem_upper());
	return report_summary();
}
