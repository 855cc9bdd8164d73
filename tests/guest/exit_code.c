// SPDX-License-Identifier: MIT
#include "guest.h"

/* Exits with the decimal number in argv[1] (default 0). */
int main(int argc, char **argv)
{
	int code = 0;

	if (argc > 1) {
		for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
			code = code * 10 + (*p - '0');
	}
	report_info("exiting with code %d", code);
	exit(code);
}
