// SPDX-License-Identifier: MIT
#include "guest.h"

/* Halts with interrupts off: mhv ends such a VM as "halted". */
int main(int argc, char **argv)
{
	report_info("cli; hlt next");
	for (;;) {
		cli();
		hlt();
	}
}
