; SPDX-License-Identifier: MIT
;
; Multiboot v1 entry of a guest payload: 32-bit protected mode, paging off,
; EBX = multiboot info. Identity-map 0-4 GiB with 2 MiB pages, enter long
; mode and call guest_start(info) on our own stack.

MB_MAGIC	equ 0x1BADB002
MB_FLAGS	equ 0

section .mbheader progbits alloc noexec nowrite align=4
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

section .text.entry progbits alloc exec nowrite align=16
bits 32
global _start
_start:
	cli
	cld
	mov esi, ebx			; multiboot info, kept for guest_start
	lgdt [gdt_ptr]

	; Zero the six table pages (PML4, PDPT, 4 PDs), then link them.
	mov edi, pml4
	mov ecx, 6 * 4096 / 4
	xor eax, eax
	rep stosd
	mov dword [pml4], pdpt + 3
	mov edi, pdpt
	mov eax, pd + 3
	mov ecx, 4
.pdpt:	mov [edi], eax
	add edi, 8
	add eax, 4096
	loop .pdpt
	; 2048 2 MiB pages: present, writable, PS.
	mov edi, pd
	mov eax, 0x83
	xor edx, edx
	mov ecx, 2048
.pd:	mov [edi], eax
	mov [edi + 4], edx
	add edi, 8
	add eax, 0x200000
	loop .pd

	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, 0xC0000080		; EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | 1		; PG, PE
	mov cr0, eax
	jmp 0x08:long_mode

bits 64
long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, stack_top
	mov edi, esi
	extern guest_start
	call guest_start
.hang:	cli
	hlt
	jmp .hang

section .rodata
align 8
gdt:	dq 0
	dq 0x00af9b000000ffff		; 0x08: 64-bit code
	dq 0x00cf93000000ffff		; 0x10: data
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt

section .bss
alignb 4096
pml4:	resb 4096
pdpt:	resb 4096
pd:	resb 4 * 4096
stack:	resb 64 * 1024
stack_top:
