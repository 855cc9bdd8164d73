// SPDX-License-Identifier: MIT
/*
 * Port I/O exits, both backends: IN/OUT and the string forms INS/OUTS
 * (SDM vol. 2, INS/OUTS and REP; APM vol. 3). The devices behind them are
 * core/dev/io.c's port dispatch; memory operands are guest RAM only (a string
 * buffer in MMIO is no device model's business and ends the VM).
 */
#include "core/exit/exits.h"
#include "core/exit/guest_paging.h"
#include "core/host/log.h"
#include "core/x86.h"

/* REP iterations per exit: the rest runs after re-entry, as on an IRQ. */
#define STRING_IO_BATCH 4096u

/*
 * A counter or index register after a step of `addr` bytes' width: a
 * 32-bit one zero-extends into the whole register, a 16-bit one leaves the
 * upper bits alone.
 */
static uint64_t step_reg(uint64_t reg, int64_t delta, unsigned int addr)
{
	if (addr == 8)
		return reg + delta;
	if (addr == 4)
		return (uint32_t)(reg + delta);
	return (reg & ~0xffffULL) | (uint16_t)(reg + delta);
}

enum io_result exit_string_io(struct vcpu *v, uint16_t port, unsigned int size,
			      bool in)
{
	struct vm *vm = v->vm;
	struct vcpu_state s;
	struct insn_prefixes p;
	uint8_t bytes[INSN_MAX_LEN];
	enum cpu_mode mode;
	unsigned int addr, idx = in ? GPR_RDI : GPR_RSI, seg;
	uint64_t amask, count, batch, base;
	int64_t step;
	size_t n;

	vm_backend->get_state(v, &s);
	mode = guest_cpu_mode(&s);
	n = guest_fetch_insn(vm, &s, bytes);
	if (insn_scan_prefixes(bytes, n, mode, &p) || p.len >= n ||
	    (bytes[p.len] & 0xfc) != 0x6c) {
		exit_not_decodable(v, "string I/O: not INS/OUTS");
		return IO_STOPPED;
	}
	if (mode == CPU_MODE_64)
		addr = p.adsize ? 4 : 8;
	else
		addr = (mode == CPU_MODE_16) != p.adsize ? 2 : 4;
	amask = addr == 8 ? ~0ULL : addr == 4 ? 0xffffffffULL : 0xffffULL;
	/* INS always writes ES:rDI; OUTS reads DS:rSI or an override. */
	seg = in ? INSN_SEG_ES
		 : (p.seg == INSN_SEG_NONE ? INSN_SEG_DS : (unsigned)p.seg);
	if (mode == CPU_MODE_64 && seg != INSN_SEG_FS && seg != INSN_SEG_GS)
		base = 0;
	else
		base = vm_backend->seg_base(v, seg);
	step = s.rflags & RFLAGS_DF ? -(int64_t)size : (int64_t)size;
	count = p.rep ? v->gpr[GPR_RCX] & amask : 1;
	batch = count < STRING_IO_BATCH ? count : STRING_IO_BATCH;

	for (uint64_t i = 0; i < batch; i++) {
		uint64_t lin = base + (v->gpr[idx] & amask);
		uint32_t val = 0;
		int bad;

		if (mode != CPU_MODE_64)
			lin = (uint32_t)lin;
		if (in) {
			io_emulate(v, port, size, true, &val);
			bad = guest_write_virt(vm, &s, lin, &val, size);
		} else {
			bad = guest_read_virt(vm, &s, lin, &val, size);
			if (!bad)
				io_emulate(v, port, size, false, &val);
		}
		if (bad) {
			pr_err("%s: %s at RIP %#lx: buffer at %#lx is not "
			       "guest "
			       "RAM\n",
			       vm->opt.name, in ? "INS" : "OUTS", s.rip, lin);
			vm_end(vm, OUTCOME_BAD_ACCESS,
			       "string I/O buffer at linear %#lx (RIP %#lx) is "
			       "not guest RAM",
			       lin, s.rip);
			return IO_STOPPED;
		}
		v->gpr[idx] = step_reg(v->gpr[idx], step, addr);
		if (p.rep)
			v->gpr[GPR_RCX] = step_reg(v->gpr[GPR_RCX], -1, addr);
		if (vm->ended)
			return IO_STOPPED;
	}
	return count > batch ? IO_REPEAT : IO_DONE;
}
