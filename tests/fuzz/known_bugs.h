/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_FUZZ_KNOWN_BUGS_H
#define MHV_TESTS_FUZZ_KNOWN_BUGS_H

/*
 * Bugs in mhv the harnesses found that are reported but not fixed yet.
 * Each flag relaxes exactly the check that catches it, so that the fuzz
 * step of make test stays green meanwhile. With the fix: set the flag to
 * 0 and commit the reproducer under tests/fuzz/regress/. (Building with
 * -DKNOWN_BUG_...=0 shows each one.)
 */

/*
 * An exception injected while CR0.PE is clear (real mode) carries an
 * error code: #GP(0) from RDMSR/WRMSR or a refused MOV to CR0/CR4. VMX
 * refuses such an entry (SDM vol. 3, 26.2.1.3); on SVM the guest's
 * handler finds an extra word on its stack.
 */
#ifndef KNOWN_BUG_REAL_MODE_ERROR_CODE
#define KNOWN_BUG_REAL_MODE_ERROR_CODE 0
#endif

/*
 * Outside 64-bit mode RIP is advanced past 4 GiB instead of wrapping
 * (EIP + length): an instruction ending at the top of the 32-bit space
 * leaves RIP at 2^32 or above, which VMX refuses at the next entry (SDM
 * vol. 3, 26.3.1.4) and KVM wraps. The harnesses keep RIP off that edge.
 */
#ifndef KNOWN_BUG_RIP_WRAP
#define KNOWN_BUG_RIP_WRAP 0
#endif

/*
 * Guest page walks (core/exit/guest_paging.c) ignore PSE-36: bits 39:32 of a
 * 4 MiB page's address in PDE bits 20:13, which the CPUs mhv runs on have
 * and pass through in CPUID. Such a page lies above 4 GiB, where no guest
 * RAM is, and mhv reads low RAM in its place.
 */
#ifndef KNOWN_BUG_PSE36
#define KNOWN_BUG_PSE36 0
#endif

/*
 * Nor do they know 5-level paging: with CR4.LA57, which a guest may set
 * before it enters long mode when the host has it (CPUID leaf 7 passes it
 * through), mhv walks four levels from the PML5.
 */
#ifndef KNOWN_BUG_LA57
#define KNOWN_BUG_LA57 0
#endif

#endif
