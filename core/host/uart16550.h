/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_UART16550_H
#define MHV_CORE_HOST_UART16550_H

/*
 * 16550 register offsets and bits, shared by mhv's own console driver
 * (serial.c) and the UART it emulates for guests (dev_uart.c).
 */
enum {
	UART_DATA = 0, /* THR/RBR with DLAB=0, divisor low with DLAB=1 */
	UART_IER = 1,  /* divisor high with DLAB=1 */
	UART_IIR = 2,  /* FCR on writes */
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_LSR_THR_EMPTY 0x20
#define UART_LSR_TX_IDLE 0x40
#define UART_IIR_NO_INTERRUPT 0x01

#endif
