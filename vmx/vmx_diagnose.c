// SPDX-License-Identifier: MIT
/*
 * When VM entry fails on guest state, the CPU says only "invalid guest
 * state". For bring-up that is not enough: re-run the checks of the SDM
 * (vol. 3, "Checks on the Guest State Area") that mhv's guests can trip,
 * and name the first one that fails.
 */
#include "core/exit/exits.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "lib/fmt.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

static int check_control_registers(const struct vmx_vcpu *x, char *buf,
				   size_t len)
{
	uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0);
	uint64_t cr4 = vmcs_read(VMCS_GUEST_CR4);
	/* Unrestricted guest frees PE and PG from the fixed-1 set. */
	uint64_t cr0_must = x->cr0_fixed0 & ~(CR0_PE | CR0_PG);

	if ((cr0 & cr0_must) != cr0_must)
		return fmt_snprintf(buf, len,
				    "CR0 %#lx lacks bits fixed to 1 (%#lx)",
				    cr0, cr0_must & ~cr0);
	if (cr0 & ~x->cr0_fixed1)
		return fmt_snprintf(buf, len,
				    "CR0 %#lx has bits fixed to 0 (%#lx)", cr0,
				    cr0 & ~x->cr0_fixed1);
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return fmt_snprintf(buf, len, "CR0.PG set with CR0.PE clear");
	if ((cr4 & x->cr4_fixed0) != x->cr4_fixed0)
		return fmt_snprintf(buf, len,
				    "CR4 %#lx lacks bits fixed to 1 (%#lx)",
				    cr4, x->cr4_fixed0 & ~cr4);
	if (cr4 & ~x->cr4_fixed1)
		return fmt_snprintf(buf, len,
				    "CR4 %#lx has bits fixed to 0 (%#lx)", cr4,
				    cr4 & ~x->cr4_fixed1);
	return 0;
}

static int check_long_mode(char *buf, size_t len)
{
	bool ia32e = vmcs_read(VMCS_ENTRY_CONTROLS) & VMX_ENTRY_IA32E_MODE;
	uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0);
	uint64_t cr4 = vmcs_read(VMCS_GUEST_CR4);
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER);
	bool lma = efer & EFER_LMA, lme = efer & EFER_LME;

	if (ia32e && !(cr0 & CR0_PG))
		return fmt_snprintf(buf, len,
				    "IA-32e mode guest with CR0.PG clear");
	if (ia32e && !(cr4 & CR4_PAE))
		return fmt_snprintf(buf, len,
				    "IA-32e mode guest with CR4.PAE clear");
	if (!ia32e && (cr4 & CR4_PCIDE))
		return fmt_snprintf(buf, len,
				    "CR4.PCIDE set outside IA-32e mode");
	if (lma != ia32e)
		return fmt_snprintf(buf, len,
				    "EFER.LMA is %d but the IA-32e mode guest "
				    "entry control is %d",
				    lma, ia32e);
	if ((cr0 & CR0_PG) && lma != lme)
		return fmt_snprintf(buf, len,
				    "EFER.LMA and EFER.LME differ with paging "
				    "on (EFER %#lx)",
				    efer);
	return 0;
}

static int check_rflags_and_rip(char *buf, size_t len)
{
	uint64_t rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	uint64_t rip = vmcs_read(VMCS_GUEST_RIP);
	uint64_t cs_ar = vmcs_read(VMCS_GUEST_CS_AR);
	bool ia32e = vmcs_read(VMCS_ENTRY_CONTROLS) & VMX_ENTRY_IA32E_MODE;
	bool pe = vmcs_read(VMCS_GUEST_CR0) & CR0_PE;

	if (!(rflags & RFLAGS_FIXED1) || (rflags & RFLAGS_RESERVED))
		return fmt_snprintf(buf, len,
				    "RFLAGS %#lx has reserved bits wrong",
				    rflags);
	if ((ia32e || !pe) && (rflags & RFLAGS_VM))
		return fmt_snprintf(buf, len,
				    "RFLAGS.VM set in IA-32e mode or with "
				    "CR0.PE clear");
	if (!(ia32e && (cs_ar & AR_L)) && (rip >> 32))
		return fmt_snprintf(buf, len,
				    "RIP %#lx is wider than 32 bits outside "
				    "64-bit mode",
				    rip);
	if ((ia32e && (cs_ar & AR_L)) &&
	    (int64_t)(rip << 16) >> 16 != (int64_t)rip)
		return fmt_snprintf(buf, len, "RIP %#lx is not canonical", rip);
	return 0;
}

static int check_segments(char *buf, size_t len)
{
	uint64_t cs = vmcs_read(VMCS_GUEST_CS_AR);
	uint64_t ss = vmcs_read(VMCS_GUEST_SS_AR);
	uint64_t tr = vmcs_read(VMCS_GUEST_TR_AR);
	uint64_t ldtr = vmcs_read(VMCS_GUEST_LDTR_AR);
	bool ia32e = vmcs_read(VMCS_ENTRY_CONTROLS) & VMX_ENTRY_IA32E_MODE;
	bool pe = vmcs_read(VMCS_GUEST_CR0) & CR0_PE;
	unsigned int cs_type = AR_TYPE(cs);

	if (cs & AR_UNUSABLE)
		return fmt_snprintf(buf, len, "CS is unusable");
	/* Accessed code segments; read/write accessed data with UG. */
	if (cs_type != 3 && cs_type != 9 && cs_type != 11 && cs_type != 13 &&
	    cs_type != 15)
		return fmt_snprintf(buf, len, "CS type %u is not allowed",
				    cs_type);
	if (ia32e && (cs & AR_L) && (cs & AR_DB))
		return fmt_snprintf(buf, len, "CS.L and CS.D are both set");
	if (!pe && AR_DPL(ss) != 0)
		return fmt_snprintf(buf, len,
				    "SS.DPL is %lu with CR0.PE clear (must be "
				    "0)",
				    AR_DPL(ss));
	if (!(ss & AR_UNUSABLE) && AR_TYPE(ss) != 3 && AR_TYPE(ss) != 7)
		return fmt_snprintf(buf, len, "SS type %lu is not allowed",
				    AR_TYPE(ss));
	if (tr & AR_UNUSABLE)
		return fmt_snprintf(buf, len, "TR is unusable");
	if ((tr & AR_S) || (AR_TYPE(tr) != 11 && (ia32e || AR_TYPE(tr) != 3)))
		return fmt_snprintf(buf, len,
				    "TR type %lu%s is not a busy TSS allowed "
				    "here",
				    AR_TYPE(tr), tr & AR_S ? " (S set)" : "");
	if (!(ldtr & AR_UNUSABLE) && (AR_TYPE(ldtr) != 2 || (ldtr & AR_S)))
		return fmt_snprintf(buf, len, "LDTR type %lu is not an LDT",
				    AR_TYPE(ldtr));
	return 0;
}

static int check_other_state(char *buf, size_t len)
{
	uint64_t activity = vmcs_read(VMCS_GUEST_ACTIVITY_STATE);
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t rflags = vmcs_read(VMCS_GUEST_RFLAGS);

	if (activity > 3)
		return fmt_snprintf(buf, len, "activity state %lu is invalid",
				    activity);
	if ((intr & 3) == 3)
		return fmt_snprintf(buf, len,
				    "blocking by STI and by MOV SS both set");
	if ((intr & 1) && !(rflags & RFLAGS_IF))
		return fmt_snprintf(buf, len,
				    "blocking by STI with RFLAGS.IF clear");
	if ((vmcs_read(VMCS_GUEST_GDTR_LIMIT) |
	     vmcs_read(VMCS_GUEST_IDTR_LIMIT)) >>
	    16)
		return fmt_snprintf(buf, len,
				    "GDTR or IDTR limit wider than 16 bits");
	if (vmcs_read(VMCS_LINK_POINTER) != ~0ULL)
		return fmt_snprintf(buf, len,
				    "VMCS link pointer is not all ones");
	return 0;
}

int vmx_diagnose_guest_state(struct vcpu *v, char *buf, size_t len)
{
	const struct vmx_vcpu *x = v->arch;

	if (check_control_registers(x, buf, len) || check_long_mode(buf, len) ||
	    check_rflags_and_rip(buf, len) || check_segments(buf, len) ||
	    check_other_state(buf, len))
		return 1;
	return 0;
}
