// SPDX-License-Identifier: MIT
/* The stub backend of stub_vcpu.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/x86.h"
#include "tests/unit/stub_vcpu.h"

struct stub_vcpu stub;

static void stub_inject(struct vcpu *v, unsigned int vector, bool has_error,
			uint32_t error)
{
	stub.injected = (int)vector;
	stub.has_error = has_error;
	stub.error = error;
	stub.injections++;
}

static void stub_get_state(struct vcpu *v, struct vcpu_state *s)
{
	*s = stub.state;
}

static uint64_t stub_get_control(struct vcpu *v, enum vcpu_control which)
{
	switch (which) {
	case VCPU_CR0:
		return stub.state.cr0;
	case VCPU_CR4:
		return stub.state.cr4;
	case VCPU_EFER:
		return stub.state.efer;
	}
	return 0;
}

static uint64_t stub_get_rsp(struct vcpu *v)
{
	return stub.state.rsp;
}

static void stub_set_rsp(struct vcpu *v, uint64_t rsp)
{
	stub.state.rsp = rsp;
}

static uint64_t stub_seg_base(struct vcpu *v, unsigned int seg)
{
	assert_true(seg < 6);
	return stub.seg_base[seg];
}

static const char *stub_exit_name(uint64_t code)
{
	return "STUB";
}

static unsigned int stub_exit_counter(uint64_t code)
{
	return code < STUB_EXIT_CODES ? (unsigned int)code : STUB_EXIT_CODES;
}

static const char *stub_exit_slot_name(unsigned int slot)
{
	return "STUB";
}

static uint64_t stub_get_tsc_offset(struct vcpu *v)
{
	return stub.tsc_offset;
}

static void stub_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	stub.tsc_offset = offset;
}

const struct vm_backend stub_backend = {
	.name = "stub",
	.inject_exception = stub_inject,
	.get_state = stub_get_state,
	.get_control = stub_get_control,
	.get_rsp = stub_get_rsp,
	.seg_base = stub_seg_base,
	.set_rsp = stub_set_rsp,
	.exit_name = stub_exit_name,
	.exit_counter = stub_exit_counter,
	.exit_slot_name = stub_exit_slot_name,
	.get_tsc_offset = stub_get_tsc_offset,
	.set_tsc_offset = stub_set_tsc_offset,
};

struct vm *stub_vm_create(const char *name, uint64_t ram_size, uint64_t rip)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	assert_non_null(vm);
	snprintf(vm->opt.name, sizeof(vm->opt.name), "%s", name);
	guest_ram_attach_flat(vm, calloc(1, ram_size), ram_size);
	assert_non_null(vm->ram);
	vm->opt.mem_bytes = ram_size;
	vm->vcpus[0].vm = vm;
	vm->nr_vcpus = 1;
	devices_init(vm);

	memset(&stub, 0, sizeof(stub));
	stub.injected = -1;
	stub.state = (struct vcpu_state){
		.rip = rip,
		.rflags = 0x2,
		.cr0 = CR0_PE | CR0_ET,
		.cs_sel = 0x08,
		.cs_db = true,
	};
	vm_backend = &stub_backend;
	return vm;
}

void stub_vm_destroy(struct vm *vm)
{
	free(vm->ram);
	free(vm);
}
