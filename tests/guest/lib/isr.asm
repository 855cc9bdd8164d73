; SPDX-License-Identifier: MIT
;
; One stub per IDT vector. Each pushes a zero error code where the CPU
; pushes none, then the vector. Exceptions (0-31 but NMI) go on to
; handle_exception(frame), which never returns: it unwinds to catch_fault()
; or exits. NMI and vectors 32-255 go on to handle_irq(frame) with the
; registers a C call may clobber saved around it, and return with IRETQ.

bits 64
section .text
extern handle_exception
extern handle_irq

%macro ISR 1
isr%1:
%if (%1 = 8) || (%1 >= 10 && %1 <= 14) || (%1 = 17) || (%1 = 21) || \
	(%1 = 29) || (%1 = 30)
%else
	push 0
%endif
	push %1
%if (%1 < 32) && (%1 != 2)
	jmp isr_common
%else
	jmp irq_common
%endif
%endmacro

%assign v 0
%rep 256
	ISR v
%assign v v + 1
%endrep

isr_common:
	cld
	mov rdi, rsp			; struct exc_frame *
	and rsp, -16
	call handle_exception
.hang:	cli
	hlt
	jmp .hang

; In 64-bit mode the CPU aligns RSP to 16 bytes before it pushes its five
; quadwords (SDM vol. 3, 6.14.2), so with the error code, the vector and
; the nine registers below the call sees an aligned stack. Only the
; registers the SysV ABI lets a callee clobber are saved; the guests are
; built with -mgeneral-regs-only, so there is no vector state to keep.
irq_common:
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	cld
	mov rdi, rsp			; struct irq_frame *
	call handle_irq
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	add rsp, 16			; vector and error code
	iretq

section .rodata
align 8
global isr_table
isr_table:
%assign v 0
%rep 256
	dq isr %+ v
%assign v v + 1
%endrep
