/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_GUEST_OPTIONS_H
#define MHV_CORE_VM_GUEST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Each GRUB module2 line is one guest:
 *
 *   module2 /path/payload.elf [option=value]... [-- payload arguments...]
 *
 * Options (all optional):
 *   name=WORD        how the guest is called in the log and as argv[0]
 *                    (default: the caller's, e.g. "guest3": GRUB does not
 *                    pass the module's path)
 *   mem=SIZE         guest RAM: a number with suffix M, G or T (2M..1T, a
 *                    multiple of 2 MiB; default 256M)
 *   cpus=N           vCPUs, 1..16 (default 1): one host CPU each
 *   hypercalls=on|off  whether VMCALL/VMMCALL is a hypercall or #UD (default off)
 *   nested=on|off|nonpt  whether the guest may be a hypervisor itself (AMD
 *                    SVM hosts only; default off; nonpt: without nested
 *                    paging; docs/nested.md)
 *   hide=F[,F...]    CPUID features the guest does not have, and whose
 *                    instructions #UD (in its own guests too): rdtscp,
 *                    invpcid, xsave (with AVX and everything XSAVE-managed),
 *                    pcid, smep, smap, umip, fsgsbase, pku, x2apic,
 *                    tsc-deadline; skinit and rdpru are accepted and always
 *                    hidden (docs/usage.md)
 *   bios=on|off      whether the guest starts with the interrupt state a PC
 *                    BIOS (SeaBIOS under QEMU) leaves a kernel it boots:
 *                    8259 mask, PIT channel 0 ticking at 18.2 Hz, LAPIC
 *                    virtual wire, a real-mode IVT and timer handler
 *                    (core/vm/bios.h; default off)
 *   expect=OUTCOME   what counts as a pass: exit (status 0, the default),
 *                    exit:N, halt, triple-fault, bad-access, load-error,
 *                    timeout
 *   timeout=DURATION the guest's time budget, a number with unit ms, s, m
 *                    or h (1ms..24h, e.g. 500ms, 10s, 2m; default 60s): a
 *                    guest still running after it ends as "timeout"
 *   module=next      the next GRUB module is this guest's multiboot module
 *                    (e.g. kvm-unit-tests' environment file) rather than a
 *                    guest of its own
 * Words after "--" are passed to the payload: its command line is
 * "NAME ARG...". A word before "--" that is not a known option is refused.
 */
#define GUEST_NAME_MAX 32
#define GUEST_ARGS_MAX 512
#define GUEST_DEFAULT_MEM (256ULL << 20)
#define GUEST_MAX_CPUS 16 /* VM_MAX_VCPUS */
#define GUEST_DEFAULT_TIMEOUT_MS 60000ULL
#define GUEST_TIMEOUT_MAX_MS (24ULL * 3600 * 1000)

enum guest_outcome {
	OUTCOME_EXIT,		 /* the payload wrote its status to port 0xf4 */
	OUTCOME_HALT,		 /* HLT with nothing left to wake it */
	OUTCOME_TRIPLE_FAULT,	 /* shutdown */
	OUTCOME_BAD_ACCESS,	 /* a memory access outside RAM and devices */
	OUTCOME_LOAD_ERROR,	 /* the payload was refused before it ran */
	OUTCOME_UNEXPECTED_EXIT, /* an exit mhv does not handle */
	OUTCOME_ENTRY_FAILED,	 /* the CPU refused the guest state */
	OUTCOME_TIMEOUT,	 /* still running at the end of its budget */
	OUTCOME_COUNT,
};

/* Features hide= takes away (bits of guest_options.hide). */
enum guest_hide {
	HIDE_RDTSCP,
	HIDE_INVPCID,
	HIDE_XSAVE,
	HIDE_PCID,
	HIDE_SMEP,
	HIDE_SMAP,
	HIDE_UMIP,
	HIDE_FSGSBASE,
	HIDE_PKU,
	HIDE_X2APIC,
	HIDE_TSC_DEADLINE,
	HIDE_SKINIT, /* never shown: accepted for QEMU's -cpu ...,-skinit */
	HIDE_RDPRU,  /* never shown */
	HIDE_COUNT,
};

#define HIDE(f) (1u << (HIDE_##f))

struct guest_options {
	char name[GUEST_NAME_MAX];
	uint64_t mem_bytes;
	unsigned int cpus;
	bool hypercalls;
	bool nested;	    /* nested=on: SVM for the guest (docs/nested.md) */
	bool nested_no_npt; /* nested=nonpt: SVM without nested paging */
	bool bios;	    /* bios=on: firmware interrupt state (bios.h) */
	bool takes_next_module; /* module=next */
	uint32_t hide;		/* hide=: enum guest_hide bits */
	enum guest_outcome expect;
	uint32_t expect_status;	   /* with OUTCOME_EXIT */
	uint64_t timeout_ms;	   /* time budget, 1..GUEST_TIMEOUT_MAX_MS */
	char args[GUEST_ARGS_MAX]; /* words after "--", space-separated */
};

/*
 * Parse a module's command line (NULL is the empty line). Returns 0, or -1
 * with a message naming the bad word in err.
 */
int guest_options_parse(const char *module_cmdline, const char *default_name,
			struct guest_options *out, char *err, size_t errlen);

/* The hide= spelling of a feature ("rdtscp", ...). */
const char *guest_hide_name(enum guest_hide f);

/* "exit", "halt", "triple-fault", ... as accepted by expect=. */
const char *guest_outcome_name(enum guest_outcome o);

#endif
