// SPDX-License-Identifier: MIT
/*
 * QEMU's fw_cfg, the I/O-port interface only (selector 0x510, data 0x511):
 * what kvm-unit-tests reads at boot. Keys mhv does not serve read as zeros
 * of any length, which is what QEMU answers for an unknown key, so payloads
 * see one consistent "absent".
 */
#include "core/dev/devices.h"
#include "core/vm/vm.h"

enum {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NB_CPUS = 0x05,
	FW_CFG_MAX_CPUS = 0x0f,
};

/* Byte `off` of item `key`, little-endian for the numeric items. */
static uint8_t item_byte(const struct vm *vm, uint16_t key, uint32_t off)
{
	uint64_t v;
	uint32_t len;

	switch (key) {
	case FW_CFG_SIGNATURE:
		return off < 4 ? (uint8_t) "QEMU"[off] : 0;
	case FW_CFG_ID:
		v = 1; /* traditional interface only, no DMA */
		len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		v = guest_ram_size(&vm->mem); /* both regions, as QEMU */
		len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		v = vm->nr_vcpus;
		len = 2;
		break;
	default:
		return 0;
	}
	return off < len ? (uint8_t)(v >> (8 * off)) : 0;
}

uint32_t fwcfg_port_read(struct vcpu *vcpu, uint16_t port, unsigned int size)
{
	struct vm *vm = vcpu->vm;
	struct fwcfg_state *f = &vm->dev.fwcfg;
	uint32_t v = 0;

	if (port != FW_CFG_PORT_DATA)
		return port == FW_CFG_PORT_SEL ? f->selector : ~0u;
	/* Wider reads of the data port return consecutive bytes. */
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)item_byte(vm, f->selector, f->offset++)
		     << (8 * i);
	return v;
}

void fwcfg_port_write(struct vcpu *vcpu, uint16_t port, unsigned int size,
		      uint32_t v)
{
	struct vm *vm = vcpu->vm;
	struct fwcfg_state *f = &vm->dev.fwcfg;

	if (port == FW_CFG_PORT_SEL && size >= 2) {
		f->selector = (uint16_t)v;
		f->offset = 0;
	}
	/* Writes to items are not supported, as on QEMU's read-only keys. */
}
