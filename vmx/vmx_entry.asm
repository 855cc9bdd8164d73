; SPDX-License-Identifier: MIT
;
; int vmx_vmenter(uint64_t gpr[16], int launched)
;
; Enter the guest with VMLAUNCH (first time) or VMRESUME and come back at
; vmx_exit_point on the next VM exit, where the CPU has restored the host
; RSP we store below. Returns 0 after a VM exit, 1 for VMfailInvalid and 2
; for VMfailValid (the entry never happened; the VM-instruction error says
; why). gpr[] is in hardware order RAX RCX RDX RBX RSP RBP RSI RDI R8..R15;
; RSP lives in the VMCS and is synced by the C caller.

global vmx_vmenter
global vmx_exit_point

section .text
bits 64

%define GPR(n) (8 * (n))
VMCS_HOST_RSP	equ 0x6c14

vmx_vmenter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; [rsp] gpr array, found again after the exit

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	jbe .fail_early

	cmp esi, 0			; flags survive the MOVs below
	mov rax, [rdi + GPR(0)]
	mov rcx, [rdi + GPR(1)]
	mov rdx, [rdi + GPR(2)]
	mov rbx, [rdi + GPR(3)]
	mov rbp, [rdi + GPR(5)]
	mov rsi, [rdi + GPR(6)]
	mov r8,  [rdi + GPR(8)]
	mov r9,  [rdi + GPR(9)]
	mov r10, [rdi + GPR(10)]
	mov r11, [rdi + GPR(11)]
	mov r12, [rdi + GPR(12)]
	mov r13, [rdi + GPR(13)]
	mov r14, [rdi + GPR(14)]
	mov r15, [rdi + GPR(15)]
	mov rdi, [rdi + GPR(7)]
	jne .resume
	vmlaunch
	jmp .fail
.resume:
	vmresume
.fail:
	; Still the host, but with guest registers loaded: only RSP is ours.
	mov eax, 1
	mov edx, 2
	cmovnc eax, edx			; CF=1: VMfailInvalid, else VMfailValid
	jmp .out

.fail_early:
	mov eax, 1
	mov edx, 2
	cmovnc eax, edx
.out:
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

vmx_exit_point:
	push rdi			; the guest's RDI, while we need the register
	mov rdi, [rsp + 8]
	mov [rdi + GPR(0)], rax
	mov [rdi + GPR(1)], rcx
	mov [rdi + GPR(2)], rdx
	mov [rdi + GPR(3)], rbx
	mov [rdi + GPR(5)], rbp
	mov [rdi + GPR(6)], rsi
	mov [rdi + GPR(8)], r8
	mov [rdi + GPR(9)], r9
	mov [rdi + GPR(10)], r10
	mov [rdi + GPR(11)], r11
	mov [rdi + GPR(12)], r12
	mov [rdi + GPR(13)], r13
	mov [rdi + GPR(14)], r14
	mov [rdi + GPR(15)], r15
	pop qword [rdi + GPR(7)]
	xor eax, eax
	jmp vmx_vmenter.out
