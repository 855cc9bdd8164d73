// SPDX-License-Identifier: MIT
#include "guest.h"

/*
 * Spins forever without an exit: only mhv's time budget (timeout= on the
 * module line) ends it, as "timeout". With "sti" it spins with IF=1, so
 * that a host interrupt delivered to it by mistake would show: its IDT
 * covers the exceptions only, and vector 0xec would fault instead of
 * letting the budget end it.
 */
int main(int argc, char **argv)
{
	bool sti = argc > 1 && !strcmp(argv[1], "sti");

	report_info("spinning with interrupts %s until mhv ends the guest",
		    sti ? "on" : "off");
	if (sti)
		asm volatile("sti" ::: "memory");
	else
		cli();
	for (;;)
		asm volatile("" ::: "memory");
}
