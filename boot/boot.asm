; SPDX-License-Identifier: MIT
;
; GRUB enters here through multiboot2: 32-bit protected mode, paging off,
; interrupts off, EAX = magic, EBX = physical address of the info block.
; This is the same on BIOS and UEFI GRUB; EFER and CR4 contents differ
; between firmwares, so we only ever set the bits we need.
;
; Our job: a stack, an identity map of the first 4 GiB in 2 MiB pages,
; long mode, and a call to kmain(magic, info). core/ replaces these page
; tables with its own once it knows the memory map.

MB2_MAGIC	equ 0xe85250d6
MB2_ARCH_I386	equ 0
MB2_HDR_LEN	equ mb2_header_end - mb2_header

COM1		equ 0x3f8
MSR_EFER	equ 0xc0000080
EFER_LME	equ 1 << 8
CR0_PE		equ 1 << 0
CR0_WP		equ 1 << 16
CR0_PG		equ 1 << 31
CR4_PAE		equ 1 << 5
PTE_P_RW	equ 0x3
PTE_LARGE	equ 0x80

extern kmain
extern __bss_start
extern __bss_end

global _start
global boot_stack_top
global boot_pml4
global boot_tsc

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd MB2_HDR_LEN
	dd (-(MB2_MAGIC + MB2_ARCH_I386 + MB2_HDR_LEN)) & 0xffffffff
	; Framebuffer tag (multiboot2 spec 3.1.10), flagged optional: ask for
	; 1024x768 in 32 bits per pixel for the screen console; the loader may
	; give another mode, EGA text, or nothing, and mhv copes with each
	; (core/host/screen.c). Header tags are 8-byte aligned, hence the padding.
	dw 5				; type: framebuffer
	dw 1				; flags: optional
	dd 20				; size
	dd 1024				; width
	dd 768				; height
	dd 32				; depth
	dd 0				; padding to the next tag
	; end tag: type 0, flags 0, size 8
	dw 0
	dw 0
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
_start:
	cli
	cld
	mov esi, eax			; keep magic and info across the bss wipe
	mov ebp, ebx

	; GRUB zeroes bss for ELF images, but nothing in the spec promises it.
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd

	mov esp, boot_stack_top

	; For the boot-cost figure (docs/performance.md): under QEMU -icount and
	; Bochs the TSC counts instructions.
	rdtsc
	mov [boot_tsc], eax
	mov [boot_tsc + 4], edx

	; Long mode needs CPUID leaf 0x80000001 EDX bit 29.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
	mov eax, boot_pdpt
	or eax, PTE_P_RW
	mov [boot_pml4], eax
	mov edi, boot_pdpt
	mov eax, boot_pd
	or eax, PTE_P_RW
	mov ecx, 4
.fill_pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .fill_pdpt

	mov edi, boot_pd
	xor eax, eax			; low dword of the physical address
	xor edx, edx			; high dword (bits 32+)
	mov ecx, 4 * 512
.fill_pd:
	mov ebx, eax
	or ebx, PTE_P_RW | PTE_LARGE
	mov [edi], ebx
	mov [edi + 4], edx
	add eax, 0x200000
	adc edx, 0
	add edi, 8
	loop .fill_pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PE | CR0_PG | CR0_WP
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp 0x08:long_mode_entry

.no_long_mode:
	mov ebx, no_lm_msg
.print:
	mov al, [ebx]
	test al, al
	jz .halt
	mov dx, COM1
	out dx, al
	inc ebx
	jmp .print
.halt:
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	mov edi, esi			; kmain(magic, info_pa)
	mov esi, ebp
	xor ebp, ebp			; end of the frame chain for backtraces
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
no_lm_msg: db "mhv: this CPU has no long mode; cannot start", 13, 10, 0

align 16
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code
	dq 0x00cf92000000ffff		; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

section .bss nobits alloc noexec write align=4096
boot_pml4:	resb 4096
boot_pdpt:	resb 4096
boot_pd:	resb 4 * 4096
boot_stack:	resb 16384
boot_stack_top:
alignb 8
boot_tsc:	resq 1
