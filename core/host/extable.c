// SPDX-License-Identifier: MIT
#include "core/host/extable.h"

extern const struct extable_entry __start_ex_table[], __stop_ex_table[];

/*
 * A linear scan: the table holds a handful of entries and is consulted only
 * on exceptions, never on a hot path.
 */
uint64_t extable_lookup(uint64_t rip)
{
	for (const struct extable_entry *e = __start_ex_table;
	     e < __stop_ex_table; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}
