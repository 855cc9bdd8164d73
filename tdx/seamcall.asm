; SPDX-License-Identifier: MIT
;
; SEAMCALL stubs. uint64_t NAME(uint64_t leaf, struct seam_args *args)
;
; struct seam_args (tdx/seamcall.h), 8 bytes each:
;   rcx 0, rdx 8, r8 16, r9 24, r10 32, r11 40, r12 48, r13 56, r14 64,
;   r15 72, rbx 80, rdi 88, rsi 96
;
; The instruction is emitted as bytes (66 0F 01 CF). It never faults out
; of here: an exception-table entry sends #UD, #GP (or anything else) to a
; fixup that turns the vector the handler left in RAX into
; TDX_SW_ERROR | vector (TDX_SEAMCALL_UD, TDX_SEAMCALL_GP); CF=1 after the
; instruction (VMfailInvalid: no SEAM software, or the loader busy on
; another CPU) becomes TDX_SEAMCALL_VMFAILINVALID with the block unchanged.

global seamcall
global seamcall_ret
global seamcall_saved_ret

section .text
bits 64

%define ARG(n) (8 * (n))
TDX_SW_ERROR		equ 0x8000ff0000000000
TDX_VMFAILINVALID	equ 0x8000ff00ffff0000

; SEAMCALL_STUB name, outputs (0 none, 1 RCX..R11, 2 all), all_inputs (0/1)
%macro SEAMCALL_STUB 3
%1:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rsi			; the block, found again after the call

	mov rax, rdi
	mov rcx, [rsi + ARG(0)]
	mov rdx, [rsi + ARG(1)]
	mov r8,  [rsi + ARG(2)]
	mov r9,  [rsi + ARG(3)]
	mov r10, [rsi + ARG(4)]
	mov r11, [rsi + ARG(5)]
%if %3
	mov r12, [rsi + ARG(6)]
	mov r13, [rsi + ARG(7)]
	mov r14, [rsi + ARG(8)]
	mov r15, [rsi + ARG(9)]
	mov rbx, [rsi + ARG(10)]
	mov rdi, [rsi + ARG(11)]
	mov rsi, [rsi + ARG(12)]
%endif
%%insn:
	db 0x66, 0x0f, 0x01, 0xcf	; SEAMCALL
	jc %%vmfail
%if %2
	xchg rsi, [rsp]			; RSI = block, the output RSI saved
	mov [rsi + ARG(0)], rcx
	mov [rsi + ARG(1)], rdx
	mov [rsi + ARG(2)], r8
	mov [rsi + ARG(3)], r9
	mov [rsi + ARG(4)], r10
	mov [rsi + ARG(5)], r11
%if %2 == 2
	mov [rsi + ARG(6)], r12
	mov [rsi + ARG(7)], r13
	mov [rsi + ARG(8)], r14
	mov [rsi + ARG(9)], r15
	mov [rsi + ARG(10)], rbx
	mov [rsi + ARG(11)], rdi
	pop qword [rsi + ARG(12)]
%else
	add rsp, 8
%endif
%else
	add rsp, 8
%endif
	jmp %%out
%%vmfail:
	mov rax, TDX_VMFAILINVALID
	add rsp, 8
	jmp %%out
%%fault:
	; The exception handler put the vector in RAX.
	mov rcx, TDX_SW_ERROR
	or rax, rcx
	add rsp, 8
%%out:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section __ex_table progbits alloc noexec nowrite align=8
	dq %%insn, %%fault
section .text
%endmacro

SEAMCALL_STUB seamcall, 0, 0
SEAMCALL_STUB seamcall_ret, 1, 0
SEAMCALL_STUB seamcall_saved_ret, 2, 1
