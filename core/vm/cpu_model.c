// SPDX-License-Identifier: MIT
/*
 * The guest's CPU model: the host's CPUID answers, minus what mhv does
 * not virtualize, plus the hypervisor bit and mhv's own leaves, taken once
 * per VM. The MSR facts are read off those answers, so a feature hidden
 * in CPUID is also an MSR that #GPs (core/vm/msr_policy.c).
 */
#include "core/x86.h"
#include "core/vm/cpu_model.h"
#include "core/vm/guest_options.h"
#include "core/exit/exits.h"
#include "core/vm/hypercall_abi.h"
#include "lib/bitops.h"
#include "lib/string.h"

/*
 * Leaves whose answer depends on ECX (SDM vol. 2, CPUID, "Leaf ... Sub-
 * leaf"; APM vol. 3, appendix E): never answered from the flat table.
 * Leaf 7 has its own table.
 */
#define BASIC_SUBLEAF_LEAVES                                            \
	(BIT(4) | BIT(7) | BIT(0xb) | BIT(0xd) | BIT(0xf) | BIT(0x10) | \
	 BIT(0x12) | BIT(0x14) | BIT(0x17) | BIT(0x18) | BIT(0x1b) |    \
	 BIT(0x1d) | BIT(0x1e) | BIT(0x1f))
#define EXT_SUBLEAF_LEAVES BIT(0x1d)

/* Four signature characters as the register holds them (little-endian). */
static inline uint32_t sig_word(const char *s)
{
	return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
	       (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* What mhv changes in a basic leaf the table holds. */
static void filter_basic(uint32_t leaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case 1:
		/*
		 * No virtualization, no MONITOR/MWAIT; OSXSAVE is the guest's
		 * CR4 (set at the exit).
		 */
		r->ecx &= ~(uint32_t)(CPUID1_ECX_VMX | CPUID1_ECX_SMX |
				      CPUID1_ECX_MONITOR | CPUID1_ECX_PDCM |
				      CPUID1_ECX_OSXSAVE);
		/*
		 * mhv's LAPIC (core/dev/dev_lapic.c) has the x2APIC MSRs and
		 * the TSC-deadline timer, whatever the host has.
		 */
		r->ecx |= CPUID1_ECX_HYPERVISOR | CPUID1_ECX_X2APIC |
			  CPUID1_ECX_TSC_DEADLINE;
		/*
		 * One logical CPU, initial APIC ID 0 (EBX[31:24]): with one
		 * vCPU the ID is a constant; SMP will set it at the exit.
		 */
		r->ebx = (r->ebx & 0x0000ffffu) | (1u << 16);
		break;
	case 0xa: /* no PMU is virtualized */
		*r = (struct cpuid_regs){0};
		break;
	default:
		break;
	}
}

/*
 * Leaf 7, subleaf 0: features whose MSRs mhv does not emulate stay
 * hidden, so CPUID and the MSRs agree: PKS, WAITPKG, CET, arch LBR, TSX
 * force-abort.
 */
static void filter_leaf7(uint32_t subleaf, struct cpuid_regs *r)
{
	if (subleaf == 0) {
		r->ecx &= ~(uint32_t)(BIT(5) | BIT(7) | BIT(31));
		r->edx &= ~(uint32_t)(BIT(13) | BIT(19) | BIT(20));
	}
}

static void filter_ext(uint32_t leaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case 0x80000001:
		/* SKINIT is #UD under mhv (svm/svm_exit.c). */
		r->ecx &= ~(uint32_t)(CPUID80000001_ECX_SVM |
				      CPUID80000001_ECX_SKINIT);
		break;
	case 0x80000008:
		/* RDPRU would read the host's APERF/MPERF: #UD instead. */
		r->ebx &= ~(uint32_t)CPUID80000008_EBX_RDPRU;
		break;
	case 0x8000000a: /* SVM features */
		*r = (struct cpuid_regs){0};
		break;
	default:
		break;
	}
}

void cpu_model_from_host(struct cpu_model *m, enum cpu_vendor vendor)
{
	uint32_t n;

	*m = (struct cpu_model){.vendor = vendor, .cpus = 1};
	m->max_basic = cpuid(0).eax;
	m->max_ext = cpuid(0x80000000).eax;

	n = min_u32(m->max_basic, CPU_MODEL_LEAVES - 1);
	for (uint32_t leaf = 0; leaf <= n; leaf++) {
		if (BASIC_SUBLEAF_LEAVES & BIT(leaf))
			continue;
		m->basic[leaf] = cpuid(leaf);
		filter_basic(leaf, &m->basic[leaf]);
		m->basic_table |= 1u << leaf;
	}
	if (m->max_basic >= 7) {
		m->leaf7_count = min_u32(cpuid_count(7, 0).eax + 1,
					 CPU_MODEL_LEAF7_SUBLEAVES);
		for (uint32_t sub = 0; sub < m->leaf7_count; sub++) {
			m->leaf7[sub] = cpuid_count(7, sub);
			filter_leaf7(sub, &m->leaf7[sub]);
		}
	}
	if (m->max_ext >= 0x80000000u) {
		n = min_u32(m->max_ext - 0x80000000u, CPU_MODEL_LEAVES - 1);
		for (uint32_t i = 0; i <= n; i++) {
			if (EXT_SUBLEAF_LEAVES & BIT(i))
				continue;
			m->ext[i] = cpuid(0x80000000u + i);
			filter_ext(0x80000000u + i, &m->ext[i]);
			m->ext_table |= 1u << i;
		}
	}
	m->hv = (struct cpuid_regs){
		.eax = MHV_CPUID_BASE + 1,
		.ebx = sig_word(MHV_CPUID_SIGNATURE + 0),
		.ecx = sig_word(MHV_CPUID_SIGNATURE + 4),
		.edx = sig_word(MHV_CPUID_SIGNATURE + 8),
	};
}

/* Bits an APIC ID needs for n processors: the shift past them. */
static uint32_t id_bits(unsigned int n)
{
	uint32_t bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

/*
 * Leaves 0xB and 0x1F (SDM vol. 2, CPUID): level 0 the threads of a core
 * (one), level 1 the cores of the package (all of them), then none. The
 * x2APIC ID in EDX is the asking vCPU's, set at the exit.
 */
static struct cpuid_regs topology_leaf(const struct cpu_model *m,
				       uint32_t subleaf)
{
	switch (subleaf) {
	case 0:
		return (struct cpuid_regs){0, 1, CPUID_TOPO_SMT << 8, 0};
	case 1:
		return (struct cpuid_regs){id_bits(m->cpus), m->cpus,
					   CPUID_TOPO_CORE << 8 | 1, 0};
	default:
		return (struct cpuid_regs){0, 0, subleaf & 0xff, 0};
	}
}

void cpu_model_set_cpus(struct cpu_model *m, unsigned int n)
{
	struct cpuid_regs *l1 = &m->basic[1];

	m->cpus = n;
	if (n > 1) {
		l1->edx |= CPUID1_EDX_HTT;
		l1->ebx = (l1->ebx & ~0x00ff0000u) | (1u << id_bits(n)) << 16;
	}
	/* AMD: cores in the package, and their number's bits in the ID. */
	if (m->vendor == CPU_VENDOR_AMD && (m->ext_table & BIT(8))) {
		m->ext[8].ecx =
			(m->ext[8].ecx & ~0xf0ffu) | (n - 1) | id_bits(n) << 12;
		if (n > 1)
			m->ext[1].ecx |= CPUID80000001_ECX_CMP_LEGACY;
	}
}

struct cpuid_regs cpu_model_ask_cpu(const struct cpu_model *m, uint32_t leaf,
				    uint32_t subleaf)
{
	struct cpuid_regs r;

	if ((leaf & 0xffffff00u) == MHV_CPUID_BASE)
		return leaf == MHV_CPUID_BASE ? m->hv : (struct cpuid_regs){0};
	r = cpuid_count(leaf, subleaf);
	switch (leaf) {
	case 0xb:
	case 0x1f:
		r = topology_leaf(m, subleaf);
		break;
	case 0xd:
		if (m->no_xsave)
			return (struct cpuid_regs){0};
		/* XSAVES and its IA32_XSS MSR are not offered. */
		if (subleaf == 1)
			r.eax &= ~(uint32_t)CPUIDD1_EAX_XSAVES;
		break;
	default:
		break;
	}
	return r;
}

struct cpuid_regs cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf,
				  uint32_t subleaf)
{
	const struct cpuid_regs *r = cpu_model_entry(m, leaf, subleaf);

	return r ? *r : cpu_model_ask_cpu(m, leaf, subleaf);
}

/* One CR4 bit and the CPUID bit that says it exists. */
struct cr4_feature {
	uint8_t cr4_bit;
	uint32_t leaf, subleaf;
	uint8_t reg; /* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	uint8_t bit;
};

static const struct cr4_feature cr4_features[] = {
	{0, 1, 0, 3, 1},   /* VME: VME */
	{1, 1, 0, 3, 1},   /* PVI: VME */
	{2, 1, 0, 3, 4},   /* TSD: TSC */
	{3, 1, 0, 3, 2},   /* DE */
	{4, 1, 0, 3, 3},   /* PSE */
	{5, 1, 0, 3, 6},   /* PAE */
	{6, 1, 0, 3, 7},   /* MCE */
	{7, 1, 0, 3, 13},  /* PGE */
	{9, 1, 0, 3, 24},  /* OSFXSR: FXSR */
	{10, 1, 0, 3, 25}, /* OSXMMEXCPT: SSE */
	{11, 7, 0, 2, 2},  /* UMIP */
	{12, 7, 0, 2, 16}, /* LA57 */
	{13, 1, 0, 2, 5},  /* VMXE: VMX (hidden: mhv offers none) */
	{14, 1, 0, 2, 6},  /* SMXE: SMX (hidden) */
	{16, 7, 0, 1, 0},  /* FSGSBASE */
	{17, 1, 0, 2, 17}, /* PCIDE: PCID */
	{18, 1, 0, 2, 26}, /* OSXSAVE: XSAVE */
	{19, 7, 0, 2, 23}, /* KL */
	{20, 7, 0, 1, 7},  /* SMEP */
	{21, 7, 0, 1, 20}, /* SMAP */
	{22, 7, 0, 2, 3},  /* PKE: PKU */
	{23, 7, 0, 2, 7},  /* CET: CET_SS (hidden) */
	{24, 7, 0, 2, 31}, /* PKS (hidden) */
	{25, 7, 0, 3, 5},  /* UINTR */
	{28, 7, 1, 0, 26}, /* LAM_SUP: LAM */
};

/* CR4 bits whose feature the guest's CPUID lacks (SDM vol. 3, 2.5). */
static uint64_t cr4_reserved(const struct cpu_model *m)
{
	uint64_t allowed = CR4_PCE;

	for (unsigned int i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		struct cpuid_regs r;
		uint32_t regs[4];

		if (f->leaf > m->max_basic ||
		    (f->subleaf &&
		     cpu_model_cpuid(m, f->leaf, 0).eax < f->subleaf))
			continue;
		r = cpu_model_cpuid(m, f->leaf, f->subleaf);
		regs[0] = r.eax;
		regs[1] = r.ebx;
		regs[2] = r.ecx;
		regs[3] = r.edx;
		if (regs[f->reg] & BIT(f->bit))
			allowed |= BIT(f->cr4_bit);
	}
	return ~allowed;
}

/* IBRS, STIBP and SSBD in IA32_SPEC_CTRL, where each vendor says so. */
static uint64_t spec_ctrl_bits(const struct cpu_model *m, bool intel)
{
	uint32_t e7 = m->leaf7_count ? m->leaf7[0].edx : 0;
	uint32_t ext = m->ext[8].ebx; /* 0 when the table lacks it */
	uint64_t bits = 0;

	if (intel ? test_bit(e7, 26) : test_bit(ext, 14))
		bits |= BIT(0); /* IBRS */
	if (intel ? test_bit(e7, 27) : test_bit(ext, 15))
		bits |= BIT(1); /* STIBP */
	if (intel ? test_bit(e7, 31) : test_bit(ext, 24))
		bits |= BIT(2); /* SSBD */
	return bits;
}

void cpu_model_finish(struct cpu_model *m)
{
	bool intel = m->vendor == CPU_VENDOR_INTEL;
	uint32_t d1 = m->basic[1].edx, c1 = m->basic[1].ecx;
	struct cpuid_regs l7 =
		m->leaf7_count ? m->leaf7[0] : (struct cpuid_regs){0};
	uint32_t e1 = m->ext[1].edx;
	uint32_t f = 0;

	if (intel)
		f |= CPU_FACT(INTEL);
	if (m->vendor == CPU_VENDOR_AMD)
		f |= CPU_FACT(AMD);
	if (test_bit(d1, 4))
		f |= CPU_FACT(TSC);
	if (test_bit(d1, 11))
		f |= CPU_FACT(SYSENTER);
	if (test_bit(d1, 12))
		f |= CPU_FACT(MTRR);
	if (test_bit(d1, 14))
		f |= CPU_FACT(MCA);
	if (test_bit(d1, 16))
		f |= CPU_FACT(PAT);
	if (test_bit(c1, 21))
		f |= CPU_FACT(X2APIC);
	if (test_bit(c1, 24))
		f |= CPU_FACT(TSC_DEADLINE);
	if (test_bit(l7.ebx, 1))
		f |= CPU_FACT(TSC_ADJUST);
	m->spec_ctrl_bits = spec_ctrl_bits(m, intel);
	if (m->spec_ctrl_bits)
		f |= CPU_FACT(SPEC_CTRL);
	if (intel ? test_bit(l7.edx, 26) : test_bit(m->ext[8].ebx, 12))
		f |= CPU_FACT(IBPB);
	if (test_bit(l7.edx, 28))
		f |= CPU_FACT(L1D_FLUSH);
	if (intel && test_bit(l7.edx, 29))
		f |= CPU_FACT(ARCH_CAP);
	if (test_bit(e1, 20))
		f |= CPU_FACT(NX);
	if (test_bit(e1, 11))
		f |= CPU_FACT(SYSCALL);
	if (test_bit(e1, 29))
		f |= CPU_FACT(LM);
	if (test_bit(e1, 27) || test_bit(l7.ecx, 22)) /* RDTSCP, RDPID */
		f |= CPU_FACT(TSC_AUX);
	if (e1 & CPUID80000001_EDX_RDTSCP)
		f |= CPU_FACT(RDTSCP);
	if (l7.ebx & CPUID7_EBX_INVPCID)
		f |= CPU_FACT(INVPCID);
	m->facts = f;

	m->efer_allowed = EFER_SCE | EFER_LME | EFER_LMA;
	if (f & CPU_FACT(NX))
		m->efer_allowed |= EFER_NXE;
	m->cr4_reserved = cr4_reserved(m);
	msr_passthrough_derive(m);
}

/* One leaf 7.0 register's bits, if the table has leaf 7. */
static void clear_leaf7(struct cpu_model *m, uint32_t ebx, uint32_t ecx,
			uint32_t edx)
{
	if (!m->leaf7_count)
		return;
	m->leaf7[0].ebx &= ~ebx;
	m->leaf7[0].ecx &= ~ecx;
	m->leaf7[0].edx &= ~edx;
}

void cpu_model_hide(struct cpu_model *m, uint32_t hide)
{
	struct cpuid_regs *l1 = &m->basic[1];

	if (hide & HIDE(RDTSCP)) {
		m->ext[1].edx &= ~(uint32_t)CPUID80000001_EDX_RDTSCP;
		/*
		 * VMX's one "enable RDTSCP" control also gates RDPID (SDM
		 * vol. 3, 26.6.2): on Intel both go. SVM intercepts RDTSCP
		 * alone and RDPID stays.
		 */
		if (m->vendor == CPU_VENDOR_INTEL)
			clear_leaf7(m, 0, CPUID7_ECX_RDPID, 0);
	}
	if (hide & HIDE(INVPCID))
		clear_leaf7(m, CPUID7_EBX_INVPCID, 0, 0);
	if (hide & HIDE(XSAVE)) {
		/*
		 * Without CR4.OSXSAVE (now reserved) XSAVE, XGETBV, XSETBV
		 * and every VEX/EVEX instruction #UD: their CPUID bits and
		 * leaf 0xD go with it.
		 */
		l1->ecx &= ~(uint32_t)(CPUID1_ECX_XSAVE | CPUID1_ECX_AVX |
				       CPUID1_ECX_FMA | CPUID1_ECX_F16C);
		m->ext[1].ecx &= ~(uint32_t)(CPUID80000001_ECX_XOP |
					     CPUID80000001_ECX_FMA4);
		clear_leaf7(m, CPUID7_EBX_XSAVE_FEATURES,
			    CPUID7_ECX_XSAVE_FEATURES,
			    CPUID7_EDX_XSAVE_FEATURES);
		if (m->leaf7_count > 1)
			m->leaf7[1].eax &=
				~(uint32_t)CPUID7_1_EAX_XSAVE_FEATURES;
		m->no_xsave = true;
	}
	if (hide & HIDE(PCID))
		l1->ecx &= ~(uint32_t)CPUID1_ECX_PCID;
	if (hide & HIDE(X2APIC))
		l1->ecx &= ~(uint32_t)CPUID1_ECX_X2APIC;
	if (hide & HIDE(TSC_DEADLINE))
		l1->ecx &= ~(uint32_t)CPUID1_ECX_TSC_DEADLINE;
	clear_leaf7(m,
		    (hide & HIDE(SMEP) ? CPUID7_EBX_SMEP : 0) |
			    (hide & HIDE(SMAP) ? CPUID7_EBX_SMAP : 0) |
			    (hide & HIDE(FSGSBASE) ? CPUID7_EBX_FSGSBASE : 0),
		    (hide & HIDE(UMIP) ? CPUID7_ECX_UMIP : 0) |
			    (hide & HIDE(PKU)
				     ? CPUID7_ECX_PKU | CPUID7_ECX_OSPKE
				     : 0),
		    0);
	/* SKINIT and RDPRU: filter_ext() never shows them. */
}

/* L1's ASIDs: any number will do, mhv runs every L2 with one of its own. */
#define NESTED_ASIDS 16

void cpu_model_set_nested_svm(struct cpu_model *m, bool npt)
{
	if (m->max_ext < 0x8000000a)
		return;
	m->ext[1].ecx |= CPUID80000001_ECX_SVM;
	m->ext_table |= BIT(0xa);
	m->ext[0xa] = (struct cpuid_regs){
		.eax = 1, /* SVM revision */
		.ebx = NESTED_ASIDS,
		.edx = (npt ? CPUID8000000A_EDX_NP : 0) |
		       CPUID8000000A_EDX_NRIPS | CPUID8000000A_EDX_PAUSE_FILTER,
	};
	m->facts |= CPU_FACT(SVM);
	m->efer_allowed |= EFER_SVME;
}

void cpu_model_init(struct cpu_model *m, enum cpu_vendor vendor)
{
	cpu_model_from_host(m, vendor);
	cpu_model_finish(m);
}
