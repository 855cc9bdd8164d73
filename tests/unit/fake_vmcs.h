/* SPDX-License-Identifier: MIT */
#ifndef MHV_TESTS_UNIT_FAKE_VMCS_H
#define MHV_TESTS_UNIT_FAKE_VMCS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/vmcs.h"

/*
 * A software VMCS behind vmx/vmcs.h's hosted vmcs_read()/vmcs_write(), so
 * the real VMX exit handlers run in a hosted test. It behaves like VMREAD
 * and VMWRITE where that matters to a test:
 *
 *  - only the encodings enum vmcs_field names exist; any other fails the
 *    test, as VMREAD/VMWRITE of an unsupported field would fail;
 *  - values are truncated to the field's width (16, 32 or 64 bits);
 *  - the VM-exit information fields (encoding bits 11:10 = 1) are read
 *    only: vmcs_write() to one fails the test. The fixture sets them.
 *
 * And it is stricter than hardware: reading a field that neither the
 * fixture nor the code under test ever set fails the test, so a handler
 * that starts depending on state the fixture does not model is caught.
 * Every vmcs_write() is recorded, so a test can assert what was written.
 */

/* Forget every field and every recorded access. */
void fake_vmcs_reset(void);

/*
 * Set a field as the CPU or vmx_vcpu_create() left it. Not recorded as a
 * write; the only way to set a read-only exit-information field.
 */
void fake_vmcs_set(enum vmcs_field field, uint64_t value);
/* Make a field uninitialised again: the next read of it fails the test. */
void fake_vmcs_unset(enum vmcs_field field);

/* Whether the field holds a value (set or written). */
bool fake_vmcs_is_set(enum vmcs_field field);
/* The field's value, for assertions; fails the test when it has none. */
uint64_t fake_vmcs_get(enum vmcs_field field);

/* vmcs_write() calls to the field since the last forget_accesses. */
unsigned int fake_vmcs_writes(enum vmcs_field field);
/* The value of the last of those; fails the test when there was none. */
uint64_t fake_vmcs_last_write(enum vmcs_field field);
/* vmcs_write() calls to any field since the last forget_accesses. */
unsigned int fake_vmcs_total_writes(void);
/* vmcs_read() calls of the field since the last forget_accesses. */
unsigned int fake_vmcs_reads(enum vmcs_field field);
/* Start counting reads and writes afresh; values stay. */
void fake_vmcs_forget_accesses(void);

/* "GUEST_RIP" for VMCS_GUEST_RIP; "?" for an unknown encoding. */
const char *fake_vmcs_field_name(enum vmcs_field field);

#endif
