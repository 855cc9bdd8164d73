/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_CPU_RESET_H
#define MHV_CORE_VM_CPU_RESET_H

/*
 * Before each VM's first entry: put every piece of CPU state that a guest
 * can change and that neither VMRUN/VMLOAD nor VM entry reloads back to
 * its RESET value, so that nothing one VM wrote is visible to the next
 * (docs/exits.md, "State a new VM starts with").
 */
void cpu_reset_guest_state(void);

#endif
