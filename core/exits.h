/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_EXITS_H
#define MHV_CORE_EXITS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm.h"

/*
 * Vendor-neutral exit semantics. Backends decode their exit, call one of
 * these, then advance RIP or inject what was asked for. A function that
 * returns a bool returns whether the instruction completed (advance RIP);
 * false means an exception was injected or the VM ended.
 */

/* CPUID with the VM's policy: RAX/RCX in, RAX/RBX/RCX/RDX out. */
void exit_cpuid(struct vcpu *v);

/* RDMSR/WRMSR: ECX = MSR; EDX:EAX. Injects #GP where hardware would. */
bool exit_rdmsr(struct vcpu *v);
bool exit_wrmsr(struct vcpu *v);

/*
 * VMCALL/VMMCALL. With hypercalls granted, runs the ABI in RAX and returns
 * true; otherwise injects #UD at the instruction and returns false.
 */
bool exit_hypercall(struct vcpu *v);

/* XSETBV (exits unconditionally on VMX): ECX = XCR, EDX:EAX = value. */
bool exit_xsetbv(struct vcpu *v);

/* HLT: with nothing to wake the vCPU (no interrupts are ever delivered). */
void exit_hlt(struct vcpu *v, bool interrupts_enabled);

/*
 * A guest-physical access that missed guest RAM (NPF / EPT violation):
 * emulate the device access (decoding the instruction at RIP) and advance
 * RIP, or end the VM with a report when no device is there.
 */
void exit_mmio(struct vcpu *v, uint64_t gpa, bool is_write, bool is_fetch);

/* Inject #UD, RIP unchanged: the instruction does not exist for the guest. */
void exit_inject_ud(struct vcpu *v);

/* The default table entry: report and end the VM with a state dump. */
void exit_unexpected(struct vcpu *v, uint64_t code, uint64_t info1,
		     uint64_t info2);

/* The guest's EFER as the guest sees it (SVME hidden) and its setter. */
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define EFER_SVME (1ULL << 12)

#endif
