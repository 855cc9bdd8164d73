; SPDX-License-Identifier: MIT
;
; void svm_vmrun(uint64_t gpr[16], uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa)
;
; One guest entry and exit. VMRUN switches RAX, RSP, RIP and the control
; state itself; the remaining general registers are ours to switch, and
; VMLOAD/VMSAVE switch FS, GS, TR, LDTR and the SYSCALL/SYSENTER MSRs.
; The host's copy of those goes to its own save page first: mhv relies on
; its TR (interrupt stacks) after the exit.
; gpr[] is in hardware order: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15;
; slots 0 (RAX) and 4 (RSP) are synced with the VMCB by the C caller.
;
; Host interrupts: with V_INTR_MASKING the host's RFLAGS.IF as VMRUN saw
; it decides whether physical interrupts are taken while the guest runs
; (APM vol. 2, 15.21.1): IF=1 there, so that mhv's interrupts cause
; #VMEXIT(INTR). GIF=0 from the CLGI holds them off around it, the
; same CLGI; STI; VMRUN; CLI; STGI order as KVM. mhv itself runs with
; IF=0; the interrupt that caused the exit is still pending afterwards and
; svm_run() takes it through the IDT (host_irq_take_pending()).

global svm_vmrun

section .text
bits 64

%define GPR(n) (8 * (n))

svm_vmrun:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; [rsp + 16] gpr array
	push rsi			; [rsp + 8]  guest VMCB
	push rdx			; [rsp + 0]  host save page

	clgi				; no interrupts, NMIs or SMIs until the host is whole again
	mov rax, rdx
	vmsave				; [rax]

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

	mov rax, [rsp + 8]
	vmload				; [rax]
	sti				; GIF=0: nothing is taken here
	vmrun				; [rax]: runs the guest until #VMEXIT
	cli				; GIF=0 still: before STGI can let one in
	vmsave				; [rax]

	push rdi			; the guest's RDI, while we need the register
	mov rdi, [rsp + 24]
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

	mov rax, [rsp]
	vmload				; [rax]
	stgi

	add rsp, 24
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
