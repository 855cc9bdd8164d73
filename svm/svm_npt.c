// SPDX-License-Identifier: MIT
/*
 * Nested paging for L1 (docs/nested.md). When L1's VMCB has NP_ENABLE,
 * L2's physical addresses are translated by L1's nested page table (at
 * L1's N_CR3, in L1's memory) into L1's physical addresses, which mhv's
 * own NPT maps to host memory. The CPU walks one NPT only, so L2 runs on
 * a shadow that mhv builds, a 4 KiB page at a time on L2's nested page
 * faults: L2-physical -> host-physical, with the permissions of both.
 *
 * An NPF on the shadow walks L1's table as the CPU would (APM vol. 2,
 * 15.25): present, reserved bits, user (every nested walk is a user
 * access), write, execute (with L1's EFER.NXE), setting Accessed and
 * Dirty in L1's entries. A fault there is L1's: #VMEXIT(NPF) with the
 * #PF-style code and the CPU's bits 32/33. Otherwise the page is mapped
 * (RAM) or the access emulated (L1's devices). Writable shadow entries
 * are made only once L1's leaf is dirty, so a first write still sets D.
 *
 * L1's tables are not write-protected: a shadow entry stays until L1
 * flushes its TLB (TLB control, INVLPGA, a new ASID or N_CR3 at VMRUN),
 * which the architecture allows of a TLB. Only L1's 4-level long-mode
 * format is shadowed: VMRUN with NP_ENABLE outside long mode fails
 * (svm_nested.c).
 */
#include "core/exit/exits.h"
#include "core/host/memory.h"
#include "core/x86.h"
#include "lib/bitops.h"
#include "svm/svm.h"
#include "svm/svm_exit_codes.h"

/* NPF EXITINFO1 bits 32 and 33: final translation, L2's own table walk. */
#define NPF_FINAL BIT(32)
#define NPF_WALK BIT(33)

/* Everything the 4-level format reaches: 48 bits of L2-physical. */
#define SHADOW_SPAN BIT(48)

/* The shadow's table entries; leaves add W and NX as L1 allows. */
#define SHADOW_TABLE_FLAGS (PTE_P | PTE_W | PTE_US)

static struct svm_l1_npt *npt_of(struct vcpu *v)
{
	return &((struct svm_vcpu *)v->arch)->npt;
}

uint64_t svm_npt_enter(struct vcpu *v, uint64_t ncr3, bool flush)
{
	struct svm_l1_npt *n = npt_of(v);

	n->ncr3 = ncr3;
	if (!n->shadow.root) {
		if (pt_init(&n->shadow, &phys_mem, SHADOW_TABLE_FLAGS))
			n->shadow.root = 0;
	} else if (flush) {
		/* Every table below the root back to the allocator. */
		pt_unmap(&n->shadow, 0, SHADOW_SPAN);
	}
	return n->shadow.root;
}

void svm_npt_destroy(struct svm_l1_npt *n)
{
	if (n->shadow.root)
		pt_destroy(&n->shadow);
	n->shadow.root = 0;
}

/* What a successful walk of L1's table gives. */
struct l1_walk {
	uint64_t gpa;	/* L1-physical, 4 KiB page */
	uint64_t flags; /* the shadow leaf's bits */
	uint64_t err;	/* when it failed: the #PF-style error code */
};

/*
 * Reserved bits of an entry of L1's 4-level NPT (APM vol. 2, 5.3.1 and
 * 5.4): address bits above L1's MAXPHYADDR, NX without EFER.NXE, PS and
 * bit 8 in a PML4E, a 1 GiB leaf without the CPUID bit, and the address
 * bits below a large leaf's size (its PAT bit 12 aside).
 */
static bool npt_reserved(const struct vcpu *v, uint64_t e, int level, bool nxe)
{
	unsigned int bits = cpu_model_phys_bits(&v->vm->cpu);
	uint64_t rsvd = 0;

	if (bits < 52)
		rsvd |= GENMASK(51, bits);
	if (!nxe)
		rsvd |= PTE_NX;
	if (level == 4)
		rsvd |= PTE_PS | BIT(8);
	else if (level == 3 && (e & PTE_PS))
		rsvd |= (v->vm->cpu.ext[1].edx & CPUID80000001_EDX_PAGE1GB)
				? GENMASK(29, 13)
				: PTE_PS;
	else if (level == 2 && (e & PTE_PS))
		rsvd |= GENMASK(20, 13);
	return e & rsvd;
}

/*
 * L1's translation of L2-physical gpa for an access (PF_ERR_W, PF_ERR_ID),
 * as the CPU's nested walk makes it. 0, or -1 with w->err.
 */
static int walk_l1(struct vcpu *v, uint64_t gpa, uint64_t access,
		   struct l1_walk *w)
{
	const struct vmcb_save *l1 =
		&((struct svm_vcpu *)v->arch)->vmcb01->save;
	bool nxe = l1->efer & EFER_NXE;
	bool write = access & PF_ERR_W, fetch = access & PF_ERR_ID;
	uint64_t table = npt_of(v)->ncr3 & PTE_ADDR;
	uint64_t *walked[4];
	bool may_write = true, user = true, nx = false;
	uint64_t e = 0, size = PT_SIZE_4K, err;
	int depth = 0;

	/* The fetch bit is reported with NX or SMEP on, as on a #PF. */
	err = PF_ERR_U | (write ? PF_ERR_W : 0) |
	      (fetch && (nxe || (l1->cr4 & CR4_SMEP)) ? PF_ERR_ID : 0);
	for (int level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		/* A table outside L1's RAM reads as not present. */
		uint64_t *p = guest_ram_ptr(
			v->vm, table + ((gpa >> shift) & 511) * 8, 8);

		if (!p) {
			w->err = err;
			return -1;
		}
		e = __atomic_load_n(p, __ATOMIC_RELAXED);
		if (!(e & PTE_P)) {
			w->err = err;
			return -1;
		}
		if (npt_reserved(v, e, level, nxe)) {
			w->err = err | PF_ERR_P | PF_ERR_RSVD;
			return -1;
		}
		walked[depth++] = p;
		may_write &= !!(e & PTE_W);
		user &= !!(e & PTE_US);
		nx |= nxe && (e & PTE_NX);
		if (level == 1 || (e & PTE_PS)) {
			size = 1ULL << shift;
			break;
		}
		table = e & PTE_ADDR;
	}
	if (!user || (write && !may_write) || (fetch && nx)) {
		w->err = err | PF_ERR_P;
		return -1;
	}
	/* Accessed in every entry of the walk, Dirty in the leaf (a write). */
	for (int i = 0; i < depth; i++)
		if (!(*walked[i] & PTE_A))
			__atomic_fetch_or(walked[i], PTE_A, __ATOMIC_RELAXED);
	if (write && !(e & PTE_D))
		__atomic_fetch_or(walked[depth - 1], PTE_D, __ATOMIC_RELAXED);

	w->gpa = (e & PTE_ADDR & ~(size - 1)) | (gpa & (size - 1) & PTE_ADDR);
	w->flags = PTE_P | PTE_US | (e & (PTE_PWT | PTE_PCD));
	if (size == PT_SIZE_4K ? (e & PTE_PAT_4K) : (e & PTE_PAT_LARGE))
		w->flags |= PTE_PAT_4K;
	/* Writable once L1's leaf is dirty: a later first write sets D. */
	if (may_write && (write || (e & PTE_D)))
		w->flags |= PTE_W;
	if (nx)
		w->flags |= PTE_NX;
	return 0;
}

/* One 4 KiB leaf of the shadow, replacing what was there. */
static int shadow_map(struct svm_l1_npt *n, uint64_t gpa, uint64_t hpa,
		      uint64_t flags, bool *replaced)
{
	uint64_t old;

	if (!pt_lookup(&n->shadow, gpa, &old, NULL)) {
		pt_unmap(&n->shadow, gpa, PT_SIZE_4K);
		*replaced = true;
	}
	if (!pt_map(&n->shadow, gpa, hpa, PT_SIZE_4K, PT_SIZE_4K, flags))
		return 0;
	/* Out of memory for a table: start the shadow over. */
	pt_unmap(&n->shadow, 0, SHADOW_SPAN);
	*replaced = true;
	return pt_map(&n->shadow, gpa, hpa, PT_SIZE_4K, PT_SIZE_4K, flags);
}

/*
 * L2's access reached L1's devices (L1-physical outside RAM): emulated on
 * L2's instruction as handle_npf does for L1's. The instruction is read
 * through L2's page tables as L1-physical addresses: right where L1's NPT
 * maps L2's code and page tables one to one (docs/nested.md).
 */
static void l1_mmio(struct vcpu *v, struct vmcb *vmcb02, uint64_t l1_gpa,
		    uint64_t info1)
{
	unsigned int len;

	if (vmcb02->control.exit_int_info & SVM_EVENT_VALID) {
		exit_fault_during_delivery(
			v, l1_gpa, vmcb02->control.exit_int_info & 0xff);
		return;
	}
	if (info1 & NPF_WALK) {
		vm_end(v->vm, OUTCOME_BAD_ACCESS,
		       "L2's page tables at L1-physical %#lx are not RAM",
		       l1_gpa);
		return;
	}
	len = exit_mmio(v, l1_gpa, info1 & PF_ERR_W, info1 & PF_ERR_ID);
	if (len)
		svm_advance_rip(v, len);
}

__cold_path void svm_npt_fault(struct vcpu *v, struct vmcb *vmcb02)
{
	struct svm_l1_npt *n = npt_of(v);
	uint64_t info1 = vmcb02->control.exit_info1;
	uint64_t gpa = vmcb02->control.exit_info2;
	struct l1_walk w;
	bool replaced = false;
	uint64_t hpa, old, leaf;

	if (walk_l1(v, gpa, info1 & (PF_ERR_W | PF_ERR_ID), &w)) {
		svm_nested_vmexit(v, SVM_EXIT_NPF,
				  w.err | (info1 & (NPF_FINAL | NPF_WALK)),
				  gpa);
		return;
	}
	hpa = guest_ram_hpa(v->vm, w.gpa);
	if (hpa == PMM_NONE) {
		l1_mmio(v, vmcb02, w.gpa | (gpa & (PT_SIZE_4K - 1)), info1);
		return;
	}
	if (!pt_lookup(&n->shadow, gpa & PTE_ADDR, &old, &leaf) &&
	    leaf == (hpa | w.flags)) {
		/*
		 * The shadow already says what L1's table says: a fetch the
		 * CPU did not report as one (no NX), else a loop. Never both.
		 */
		if ((w.flags & PTE_NX) &&
		    walk_l1(v, gpa, (info1 & PF_ERR_W) | PF_ERR_ID, &w)) {
			svm_nested_vmexit(
				v, SVM_EXIT_NPF,
				w.err | (info1 & (NPF_FINAL | NPF_WALK)), gpa);
			return;
		}
		vm_end(v->vm, OUTCOME_UNEXPECTED_EXIT,
		       "NPF at L2-physical %#lx on a shadow entry that L1's "
		       "NPT agrees with (EXITINFO1 %#lx)",
		       gpa, info1);
		return;
	}
	if (shadow_map(n, gpa & PTE_ADDR, hpa, w.flags, &replaced)) {
		vm_end(v->vm, OUTCOME_BAD_ACCESS,
		       "out of memory for the shadow of L1's nested page "
		       "tables");
		return;
	}
	/* A translation the TLB may hold: gone before L2 retries. */
	if (replaced)
		vmcb02->control.tlb_control = SVM_TLB_FLUSH_ALL;
}
