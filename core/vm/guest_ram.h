/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_GUEST_RAM_H
#define MHV_CORE_VM_GUEST_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/host/pagetable.h"
#include "core/host/pmm.h"
#include "lib/spinlock.h"

/*
 * A VM's RAM: where it lies in guest-physical space, the host memory behind
 * it, and which parts of it the guest may already see.
 *
 * Layout: QEMU's for `-m SIZE` on its default machine (pc, i440fx), which
 * kvm-unit-tests and most payloads are written against. RAM below 3.5 GiB
 * sits at [0, SIZE). From 3.5 GiB up, the first 3 GiB stay below 4 GiB
 * (the PCI hole and the APIC window above them) and the rest starts at
 * 4 GiB.
 *
 * The backing is reserved whole when the VM is made (so a VM that starts
 * never runs short), in as few 2 MiB-aligned host extents as the free
 * memory allows, but nothing of it is cleared then: a 2 MiB chunk is
 * zeroed and mapped in the nested page tables on its first touch, by the
 * guest (a nested-page fault) or by mhv (every host access goes through
 * guest_ram_ptr). Boot cost and VM teardown so depend on the memory a
 * guest uses, not on its size, and nothing of an earlier VM is readable.
 *
 * mhv sees the RAM through a window of its own address space in which
 * guest-physical address g is window + g, whatever host extents back it.
 */
#define GUEST_RAM_CHUNK PT_SIZE_2M
#define GUEST_RAM_HIGH_BASE (1ULL << 32)
/* The guest's MAXPHYADDR would not reach much more. */
#define GUEST_RAM_MAX (1ULL << 40)
#define GUEST_RAM_MAX_EXTENTS 64

struct guest_ram_extent {
	uint64_t hpa, len;
};

struct guest_ram {
	uint64_t low_size;  /* RAM at [0, low_size) */
	uint64_t high_size; /* RAM at [4 GiB, 4 GiB + high_size) */
	/* The backing, in guest-physical order: low RAM first. */
	struct guest_ram_extent ext[GUEST_RAM_MAX_EXTENTS];
	unsigned int ext_count;
	/* One bit per chunk (low chunks first): zeroed and mapped. */
	uint64_t *present;
	uint64_t present_bytes;
	uint64_t chunks_present;
	uint64_t leaf_flags; /* the backend's nested page table leaves */
	/* A flat buffer that is all there (hosted test fixtures). */
	bool flat;
	/* vCPUs touching new chunks at once: one zeroes and maps, once. */
	struct spinlock lock;
};

struct vm;

/* Split size into the RAM below and above 4 GiB, as QEMU's pc does. */
void guest_ram_layout(uint64_t size, uint64_t *low, uint64_t *high);

/*
 * Reserve the backing of `size` bytes (a multiple of 2 MiB), make the
 * window and the nested page tables' tables (no leaves). Refuses, with the
 * sizes asked and free in err and nothing allocated, when the host has not
 * enough free memory. On any failure guest_ram_destroy cleans up.
 */
int guest_ram_create(struct vm *vm, uint64_t size, char *err, size_t errlen);
void guest_ram_destroy(struct vm *vm);

/*
 * A nested-page fault at gpa: when gpa is RAM, make its chunk present (if
 * another vCPU has not just done so) and return true: the access is to be
 * retried. False when gpa is not RAM (a device, or nothing), or when a
 * single-vCPU VM faults on a chunk already present.
 */
bool guest_ram_fault(struct vm *vm, uint64_t gpa);

/*
 * mhv's pointer to guest-physical [gpa, gpa + len), every chunk of it made
 * present first; NULL unless the whole range is RAM of one region. The
 * pointer stays valid while the VM lives.
 */
void *guest_ram_ptr_slow(struct vm *vm, uint64_t gpa, uint64_t len);

/*
 * The host-physical address behind guest-physical gpa, its chunk made
 * present first; PMM_NONE when gpa is not RAM. For tables of mhv's own
 * that map guest memory (nested SVM's shadow of L1's NPT).
 */
uint64_t guest_ram_hpa(struct vm *vm, uint64_t gpa);

/*
 * The guest gives back the 2 MiB chunk at gpa (MHV_HC_DISCARD): unmapped
 * from the nested page tables and marked untouched, so that its next touch
 * finds it zeroed. Returns 1 when it was mapped (the caller must then flush
 * every vCPU's TLB before the guest goes on: vm_tlb_shootdown), 0 when it
 * was not, -1 when gpa is not a chunk of RAM that may be given back (not
 * 2 MiB-aligned, not RAM, the first chunk with the firmware areas, or RAM
 * that is all there: hosted fixtures).
 */
int guest_ram_discard(struct vm *vm, uint64_t gpa);

/* Describe a plain buffer of `size` bytes as a VM's RAM, all present. */
void guest_ram_attach_flat(struct vm *vm, uint8_t *buf, uint64_t size);

/*
 * The usual case inline: a few bytes (a page-table entry, an instruction)
 * in one present chunk of low RAM. MMIO emulation walks the guest's page
 * tables through this, five or six times per exit.
 */
static inline void *guest_ram_ptr_inline(struct guest_ram *r, uint8_t *ram,
					 uint64_t gpa, uint64_t len)
{
	uint64_t chunk = gpa / GUEST_RAM_CHUNK;

	if (gpa < r->low_size && len && len <= r->low_size - gpa &&
	    chunk == (gpa + len - 1) / GUEST_RAM_CHUNK &&
	    (r->flat || (r->present[chunk / 64] & (1ULL << (chunk % 64)))))
		return ram + gpa;
	return NULL;
}

/* Bytes of guest RAM in total. */
static inline uint64_t guest_ram_size(const struct guest_ram *r)
{
	return r->low_size + r->high_size;
}

#endif
