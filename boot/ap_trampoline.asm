; SPDX-License-Identifier: MIT
;
; Where an AP starts after its STARTUP IPI (SDM vol. 3, 9.4.4.1): real
; mode, CS = vector << 8, IP = 0, at a page below 1 MiB that
; core/host/smp.c copies this code to. It never runs where it is linked:
; every address is taken relative to the page it was copied to (EBX).
;
; Real mode -> 32-bit protected mode (its own small GDT) -> long mode on
; the boot page tables (boot/boot.asm's, which identity-map the low 4 GiB
; from below 4 GiB, as a 32-bit CR3 must) -> in 64-bit mode, CR3 loaded
; with mhv's own page-table root, which may lie above 4 GiB; then the
; per-CPU stack and smp.c's C entry, with the struct percpu in RDI.

MSR_EFER	equ 0xc0000080
CR0_PE		equ 1 << 0
CR0_WP		equ 1 << 16
CR0_PG		equ 1 << 31
CR4_PAE		equ 1 << 5
SEL_CODE32	equ 0x08
SEL_DATA	equ 0x10
SEL_CODE64	equ 0x18

global ap_tramp_start
global ap_tramp_params
global ap_tramp_end

%define OFF(label) ((label) - ap_tramp_start)

section .rodata.ap_tramp progbits alloc noexec nowrite align=16
bits 16
ap_tramp_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, 4			; linear address of the page
	; The GDT base and both far-jump targets are linear addresses.
	lea eax, [ebx + OFF(gdt)]
	mov [OFF(gdt_ptr) + 2], eax
	lea eax, [ebx + OFF(pm32)]
	mov [OFF(far32)], eax
	lea eax, [ebx + OFF(lm64)]
	mov [OFF(far64)], eax
	o32 lgdt [OFF(gdt_ptr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword far [OFF(far32)]

bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [ebx + OFF(p_boot_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [ebx + OFF(p_efer)]	; LME, and NXE/SCE as on the boot CPU
	wrmsr
	mov eax, cr0
	or eax, CR0_PE | CR0_WP | CR0_PG
	mov cr0, eax
	jmp far [ebx + OFF(far64)]

bits 64
lm64:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ebx, ebx			; the upper half is undefined after 32-bit code
	mov rax, [rbx + OFF(p_cr3)]
	mov cr3, rax
	mov rsp, [rbx + OFF(p_stack)]
	mov rdi, [rbx + OFF(p_percpu)]
	mov rax, [rbx + OFF(p_entry)]
	xor ebp, ebp			; end of the frame chain for backtraces
	call rax			; never returns
.hang:
	cli
	hlt
	jmp .hang

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code
	dq 0x00cf92000000ffff		; 0x10: data
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd 0
far32:
	dd 0
	dw SEL_CODE32
far64:
	dd 0
	dw SEL_CODE64

; Filled by core/host/smp.c for each AP: struct ap_tramp_params.
align 8
ap_tramp_params:
p_cr3:		dq 0
p_stack:	dq 0
p_percpu:	dq 0
p_entry:	dq 0
p_boot_cr3:	dd 0
p_efer:		dd 0
ap_tramp_end:
