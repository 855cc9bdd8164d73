/* SPDX-License-Identifier: MIT */
#ifndef MHV_VMX_VMX_ASM_H
#define MHV_VMX_VMX_ASM_H

/*
 * The VMX instructions, one tiny wrapper each; all of vmx/'s inline
 * assembly. Each returns VMX_OK, VMX_FAIL_INVALID (CF=1: no current VMCS
 * or a bad pointer) or VMX_FAIL_VALID (ZF=1: the VM-instruction error
 * field says why).
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"

enum {
	VMX_OK = 0,
	VMX_FAIL_INVALID = 1,
	VMX_FAIL_VALID = 2,
};

static inline int vmx_status(bool cf, bool zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

static inline int vmxon(uint64_t pa)
{
	bool cf, zf;

	asm volatile("vmxon %2"
		     : "=@ccc"(cf), "=@ccz"(zf)
		     : "m"(pa)
		     : "memory");
	return vmx_status(cf, zf);
}

static inline int vmxoff(void)
{
	bool cf, zf;

	asm volatile("vmxoff" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_status(cf, zf);
}

static inline int vmclear(uint64_t pa)
{
	bool cf, zf;

	asm volatile("vmclear %2"
		     : "=@ccc"(cf), "=@ccz"(zf)
		     : "m"(pa)
		     : "memory");
	return vmx_status(cf, zf);
}

static inline int vmptrld(uint64_t pa)
{
	bool cf, zf;

	asm volatile("vmptrld %2"
		     : "=@ccc"(cf), "=@ccz"(zf)
		     : "m"(pa)
		     : "memory");
	return vmx_status(cf, zf);
}

/* All ones when there is no current VMCS. */
static inline uint64_t vmptrst(void)
{
	uint64_t pa;

	asm volatile("vmptrst %0" : "=m"(pa) : : "memory");
	return pa;
}

static inline int vmread(uint64_t field, uint64_t *value)
{
	bool cf, zf;

	asm volatile("vmread %3, %2"
		     : "=@ccc"(cf), "=@ccz"(zf), "=rm"(*value)
		     : "r"(field));
	return vmx_status(cf, zf);
}

static inline int vmwrite(uint64_t field, uint64_t value)
{
	bool cf, zf;

	asm volatile("vmwrite %3, %2"
		     : "=@ccc"(cf), "=@ccz"(zf)
		     : "r"(field), "rm"(value)
		     : "memory");
	return vmx_status(cf, zf);
}

struct __packed invept_desc {
	uint64_t eptp;
	uint64_t reserved;
};

static inline int invept(uint64_t type, uint64_t eptp)
{
	struct invept_desc d = {.eptp = eptp};
	bool cf, zf;

	asm volatile("invept %2, %3"
		     : "=@ccc"(cf), "=@ccz"(zf)
		     : "m"(d), "r"(type)
		     : "memory");
	return vmx_status(cf, zf);
}

static inline int invvpid(uint64_t type, uint16_t vpid)
{
	struct invept_desc d = {.eptp = vpid};
	bool cf, zf;

	asm volatile("invvpid %2, %3"
		     : "=@ccc"(cf), "=@ccz"(zf)
		     : "m"(d), "r"(type)
		     : "memory");
	return vmx_status(cf, zf);
}

/* vmx/vmx_entry.asm: enter the guest; VMX_OK after a VM exit. */
int vmx_vmenter(uint64_t gpr[16], int launched);

#endif
