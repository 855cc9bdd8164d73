// SPDX-License-Identifier: MIT
/*
 * The software VMCS behind vmcs_read()/vmcs_write() in hosted tests (see
 * fake_vmcs.h). A fixed table of the encodings vmx/vmcs.h names, searched
 * linearly: a hundred-odd fields, a handful of accesses per exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/compiler.h"
#include "tests/unit/fake_vmcs.h"

/* clang-format off */
#define F(x) { VMCS_##x, #x }
/* clang-format on */

static const struct {
	enum vmcs_field field;
	const char *name;
} fields[] = {
	F(VPID),
	F(GUEST_ES_SEL),
	F(GUEST_CS_SEL),
	F(GUEST_SS_SEL),
	F(GUEST_DS_SEL),
	F(GUEST_FS_SEL),
	F(GUEST_GS_SEL),
	F(GUEST_LDTR_SEL),
	F(GUEST_TR_SEL),
	F(HOST_ES_SEL),
	F(HOST_CS_SEL),
	F(HOST_SS_SEL),
	F(HOST_DS_SEL),
	F(HOST_FS_SEL),
	F(HOST_GS_SEL),
	F(HOST_TR_SEL),
	F(IO_BITMAP_A),
	F(IO_BITMAP_B),
	F(MSR_BITMAP),
	F(TSC_OFFSET),
	F(EPT_POINTER),
	F(GUEST_PHYSICAL_ADDRESS),
	F(LINK_POINTER),
	F(GUEST_DEBUGCTL),
	F(GUEST_PAT),
	F(GUEST_EFER),
	F(HOST_PAT),
	F(HOST_EFER),
	F(PIN_CONTROLS),
	F(PROC_CONTROLS),
	F(EXCEPTION_BITMAP),
	F(PF_ERROR_MASK),
	F(PF_ERROR_MATCH),
	F(CR3_TARGET_COUNT),
	F(EXIT_CONTROLS),
	F(EXIT_MSR_STORE_COUNT),
	F(EXIT_MSR_LOAD_COUNT),
	F(ENTRY_CONTROLS),
	F(ENTRY_MSR_LOAD_COUNT),
	F(ENTRY_INTR_INFO),
	F(ENTRY_EXCEPTION_ERROR),
	F(ENTRY_INSTRUCTION_LEN),
	F(TPR_THRESHOLD),
	F(PROC_CONTROLS2),
	F(INSTRUCTION_ERROR),
	F(EXIT_REASON),
	F(EXIT_INTR_INFO),
	F(EXIT_INTR_ERROR),
	F(IDT_VECTORING_INFO),
	F(IDT_VECTORING_ERROR),
	F(EXIT_INSTRUCTION_LEN),
	F(EXIT_INSTRUCTION_INFO),
	F(GUEST_ES_LIMIT),
	F(GUEST_CS_LIMIT),
	F(GUEST_SS_LIMIT),
	F(GUEST_DS_LIMIT),
	F(GUEST_FS_LIMIT),
	F(GUEST_GS_LIMIT),
	F(GUEST_LDTR_LIMIT),
	F(GUEST_TR_LIMIT),
	F(GUEST_GDTR_LIMIT),
	F(GUEST_IDTR_LIMIT),
	F(GUEST_ES_AR),
	F(GUEST_CS_AR),
	F(GUEST_SS_AR),
	F(GUEST_DS_AR),
	F(GUEST_FS_AR),
	F(GUEST_GS_AR),
	F(GUEST_LDTR_AR),
	F(GUEST_TR_AR),
	F(GUEST_INTERRUPTIBILITY),
	F(GUEST_ACTIVITY_STATE),
	F(GUEST_SYSENTER_CS),
	F(PREEMPTION_TIMER),
	F(HOST_SYSENTER_CS),
	F(CR0_GUEST_HOST_MASK),
	F(CR4_GUEST_HOST_MASK),
	F(CR0_READ_SHADOW),
	F(CR4_READ_SHADOW),
	F(EXIT_QUALIFICATION),
	F(GUEST_LINEAR_ADDRESS),
	F(GUEST_CR0),
	F(GUEST_CR3),
	F(GUEST_CR4),
	F(GUEST_ES_BASE),
	F(GUEST_CS_BASE),
	F(GUEST_SS_BASE),
	F(GUEST_DS_BASE),
	F(GUEST_FS_BASE),
	F(GUEST_GS_BASE),
	F(GUEST_LDTR_BASE),
	F(GUEST_TR_BASE),
	F(GUEST_GDTR_BASE),
	F(GUEST_IDTR_BASE),
	F(GUEST_DR7),
	F(GUEST_RSP),
	F(GUEST_RIP),
	F(GUEST_RFLAGS),
	F(GUEST_PENDING_DEBUG),
	F(GUEST_SYSENTER_ESP),
	F(GUEST_SYSENTER_EIP),
	F(HOST_CR0),
	F(HOST_CR3),
	F(HOST_CR4),
	F(HOST_FS_BASE),
	F(HOST_GS_BASE),
	F(HOST_TR_BASE),
	F(HOST_GDTR_BASE),
	F(HOST_IDTR_BASE),
	F(HOST_SYSENTER_ESP),
	F(HOST_SYSENTER_EIP),
	F(HOST_RSP),
	F(HOST_RIP),
};

#undef F

struct slot {
	bool set;
	uint64_t value;
	unsigned int reads, writes;
	uint64_t last_write;
};

static struct slot slots[ARRAY_SIZE(fields)];
static unsigned int total_writes;

/* Bits 14:13 of an encoding: 16-bit, 64-bit, 32-bit, natural width. */
static uint64_t width_mask(enum vmcs_field field)
{
	switch (((unsigned int)field >> 13) & 3) {
	case 0:
		return 0xffffULL;
	case 2:
		return 0xffffffffULL;
	default:
		return ~0ULL;
	}
}

/* Bits 11:10 of an encoding = 1: VM-exit information, read only. */
static bool read_only(enum vmcs_field field)
{
	return (((unsigned int)field >> 10) & 3) == 1;
}

static int find(enum vmcs_field field)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i].field == field)
			return (int)i;
	return -1;
}

static struct slot *slot_of(enum vmcs_field field, const char *what)
{
	int i = find(field);

	if (i < 0) {
		fail_msg("%s of VMCS field %#x: no such field", what,
			 (unsigned int)field);
		abort(); /* not reached: fail_msg() leaves the test */
	}
	return &slots[i];
}

const char *fake_vmcs_field_name(enum vmcs_field field)
{
	int i = find(field);

	return i < 0 ? "?" : fields[i].name;
}

void fake_vmcs_reset(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(slots); i++)
		slots[i] = (struct slot){0};
	total_writes = 0;
}

void fake_vmcs_set(enum vmcs_field field, uint64_t value)
{
	struct slot *s = slot_of(field, "fake_vmcs_set");

	s->set = true;
	s->value = value & width_mask(field);
}

void fake_vmcs_unset(enum vmcs_field field)
{
	struct slot *s = slot_of(field, "fake_vmcs_unset");

	s->set = false;
	s->value = 0;
}

bool fake_vmcs_is_set(enum vmcs_field field)
{
	return slot_of(field, "fake_vmcs_is_set")->set;
}

uint64_t fake_vmcs_get(enum vmcs_field field)
{
	struct slot *s = slot_of(field, "fake_vmcs_get");

	if (!s->set)
		fail_msg("the test reads VMCS field %s, which holds no value",
			 fake_vmcs_field_name(field));
	return s->value;
}

unsigned int fake_vmcs_writes(enum vmcs_field field)
{
	return slot_of(field, "fake_vmcs_writes")->writes;
}

uint64_t fake_vmcs_last_write(enum vmcs_field field)
{
	struct slot *s = slot_of(field, "fake_vmcs_last_write");

	if (!s->writes)
		fail_msg("VMCS field %s was not written (it holds %s%#lx)",
			 fake_vmcs_field_name(field),
			 s->set ? "" : "no value, ", s->value);
	return s->last_write;
}

unsigned int fake_vmcs_total_writes(void)
{
	return total_writes;
}

unsigned int fake_vmcs_reads(enum vmcs_field field)
{
	return slot_of(field, "fake_vmcs_reads")->reads;
}

void fake_vmcs_forget_accesses(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(slots); i++) {
		slots[i].reads = 0;
		slots[i].writes = 0;
		slots[i].last_write = 0;
	}
	total_writes = 0;
}

/* What vmx/vmcs.h declares for hosted builds. */
uint64_t vmcs_read(enum vmcs_field field)
{
	struct slot *s = slot_of(field, "VMREAD");

	if (!s->set)
		fail_msg("VMREAD of VMCS field %s (%#x), which was never "
			 "written: the code depends on state the fixture does "
			 "not set",
			 fake_vmcs_field_name(field), (unsigned int)field);
	s->reads++;
	return s->value;
}

void vmcs_write(enum vmcs_field field, uint64_t value)
{
	struct slot *s = slot_of(field, "VMWRITE");

	if (read_only(field))
		fail_msg("VMWRITE of %#lx to read-only VMCS field %s (%#x)",
			 value, fake_vmcs_field_name(field),
			 (unsigned int)field);
	s->set = true;
	s->value = value & width_mask(field);
	s->writes++;
	s->last_write = s->value;
	total_writes++;
}
