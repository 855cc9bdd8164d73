// SPDX-License-Identifier: MIT
/*
 * The guest's COM1: a 16550 that is always ready to transmit and never has
 * input. Output is collected per line and printed framed as "NAME| line",
 * so guest lines are told apart from the hypervisor's "mhv: " lines.
 */
#include "core/dev/devices.h"
#include "core/host/log.h"
#include "core/host/uart16550.h"
#include "core/vm/vm.h"

static void emit_line(struct vm *vm)
{
	struct uart_state *u = &vm->dev.uart;

	u->line[u->len] = '\0';
	console_printf("%s| %s\n", vm->opt.name, u->line);
	u->len = 0;
}

static void put(struct vm *vm, char c)
{
	struct uart_state *u = &vm->dev.uart;

	if (c == '\r')
		return;
	if (c == '\n') {
		emit_line(vm);
		return;
	}
	if (u->len == GUEST_LINE_MAX)
		emit_line(vm); /* an overlong line is split, not lost */
	u->line[u->len++] = c;
}

void uart_flush(struct vm *vm)
{
	if (vm->dev.uart.len)
		emit_line(vm);
}

uint32_t uart_port_read(struct vcpu *vcpu, uint16_t port, unsigned int size)
{
	struct vm *vm = vcpu->vm;
	unsigned int reg = port - COM1_PORT;
	struct uart_state *u = &vm->dev.uart;
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_DATA:
		return dlab ? u->dll : 0;
	case UART_IER:
		return dlab ? u->dlh : u->ier;
	case UART_IIR:
		return UART_IIR_NO_INTERRUPT;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THR_EMPTY | UART_LSR_TX_IDLE;
	case UART_MSR:
		return 0;
	default:
		return u->scr;
	}
}

void uart_port_write(struct vcpu *vcpu, uint16_t port, unsigned int size,
		     uint32_t val)
{
	struct vm *vm = vcpu->vm;
	unsigned int reg = port - COM1_PORT;
	uint8_t v = (uint8_t)val;
	struct uart_state *u = &vm->dev.uart;
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_DATA:
		if (dlab)
			u->dll = v;
		else
			put(vm, (char)v);
		break;
	case UART_IER:
		if (dlab)
			u->dlh = v;
		else
			u->ier = v & 0x0f;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		break; /* FCR and read-only registers */
	}
}
