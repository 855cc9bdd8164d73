/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_SMP_H
#define MHV_CORE_HOST_SMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

/*
 * The host's CPUs (docs/architecture.md, "CPUs"). CPU indexes count the
 * usable CPUs: the boot CPU is 0, the APs that started and enabled
 * VMX/SVM follow, 1 .. smp_cpu_count() - 1, without gaps. An AP that
 * runs no smp_call() work waits in HLT with interrupts enabled; all other
 * mhv code runs with IF=0, as on the boot CPU.
 *
 * Memory ordering (x86 TSO, plus what is said here): smp_call()'s stores
 * of fn and arg come before its release store of the call state, and
 * every IPI is sent after a full fence (apic_send_ipi()), so the target
 * sees the work before the interrupt that wakes it. The target runs fn
 * and then stores "idle" with release semantics; smp_wait() reads it with
 * acquire semantics, so everything fn wrote is visible to the caller once
 * smp_wait() returns. Nothing else is ordered for you: data fn shares
 * with code running meanwhile needs its own atomics or locks.
 */

/* The boot CPU's per-CPU data, GDT and TSS: first thing in kmain. */
void smp_init_boot_cpu(void);

/*
 * Find the CPUs in the firmware's MADT (after memory_init: the table may
 * lie anywhere in ACPI memory) and keep at most `max` of them (cpus=,
 * 0 for all). No MADT, or a broken one: one CPU, and the log says so.
 */
void smp_discover(const struct boot_info *bi, unsigned int max);

/*
 * Start every CPU smp_discover() kept with INIT-SIPI-SIPI through a
 * real-mode trampoline below 1 MiB. Needs the TSC's rate
 * (tsc_calibrate_finish()) and the boot CPU's APIC (apic_init()). Each AP
 * sets up its GDT/TSS, IDT, control registers, PAT and local APIC like
 * the boot CPU's, then calls cpu_setup (enable VMX/SVM: kmain's); an AP
 * that does not check in within a bound, or whose cpu_setup fails, is
 * reported and left out. Logs one line per CPU ("... started, WHAT
 * enabled"); returns the usable count.
 */
unsigned int smp_start(const struct boot_info *bi,
		       int (*cpu_setup)(char *err, size_t errlen),
		       const char *what);

/* Usable CPUs, the boot CPU included (1 before smp_start()). */
unsigned int smp_cpu_count(void);
/* The index of the CPU running this. */
unsigned int smp_this_cpu(void);
/* The APIC ID of CPU `cpu` (< smp_cpu_count()). */
uint32_t smp_apic_id(unsigned int cpu);

/*
 * Start fn(arg) on `cpu`, an idle AP, and return at once. -1 when `cpu`
 * is not an AP that is usable, or it still runs an earlier call. fn runs
 * with IF=0 like all mhv code and may do anything but smp_call() itself.
 */
int smp_call(unsigned int cpu, void (*fn)(void *), void *arg);
/* Until the call on `cpu` has returned (at once when there is none). */
void smp_wait(unsigned int cpu);
/* Whether `cpu` runs no smp_call() work. */
bool smp_idle(unsigned int cpu);

/*
 * Interrupt `cpu` with HOST_VEC_KICK: a CPU running a guest exits (the
 * interrupt's own exit), one waiting in host_wait() or idle in HLT wakes
 * up; the interrupt does nothing else. smp_kicks() counts the kicks a CPU
 * took (for tests).
 */
void smp_kick(unsigned int cpu);
unsigned int smp_kicks(unsigned int cpu);

/*
 * Stop every other CPU, started or not, with an NMI: their NMI handler
 * halts for good (smp_stopping()). For a panic and for the end of the
 * run; returns without waiting for them.
 */
void smp_stop_others(void);
/* True once smp_stop_others() ran on a CPU other than this one. */
bool smp_stopping(void);

#endif
