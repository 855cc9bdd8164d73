; SPDX-License-Identifier: MIT
;
; Stubs for exception vectors 0-31: push a zero error code where the CPU
; pushes none, then the vector, and call handle_exception(frame), which
; never returns (it unwinds to catch_fault() or exits).

bits 64
section .text
extern handle_exception

%macro ISR 1
isr%1:
%if (%1 = 8) || (%1 >= 10 && %1 <= 14) || (%1 = 17) || (%1 = 21) || \
	(%1 = 29) || (%1 = 30)
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 32
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

section .rodata
align 8
global isr_table
isr_table:
%assign v 0
%rep 32
	dq isr %+ v
%assign v v + 1
%endrep
