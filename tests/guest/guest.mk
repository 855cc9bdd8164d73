# SPDX-License-Identifier: MIT
#
# kvm-unit-tests-style guest payloads for mhv: one $(BUILD)/guest/<name>.elf
# (64-bit code at 4 MiB, multiboot v1, shipped as ELF32) per tests/guest/*.c.
# Included by the top Makefile, or standalone:
#	make -f tests/guest/guest.mk BUILD=build guests

BUILD   ?= build
CC      ?= gcc
LD      ?= ld
NASM    ?= nasm
OBJCOPY ?= objcopy

GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -nostdlib -Wall -Wextra -Werror \
	-Wno-unused-parameter -I. -Itests/guest/lib -MMD -MP
GUEST_NASMFLAGS := -f elf64 -g -F dwarf
GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack --no-warn-rwx-segments -T tests/guest/guest.ld

GUEST_NAMES := $(sort $(basename $(notdir $(wildcard tests/guest/*.c))))
GUEST_PAYLOADS := $(GUEST_NAMES:%=$(BUILD)/guest/%.elf)

# The library: tests/guest/lib plus lib/fmt.c and lib/string.c of mhv.
GUEST_LIB_ASM := $(wildcard tests/guest/lib/*.asm)
GUEST_LIB_ASM_OBJ := $(GUEST_LIB_ASM:tests/guest/%=$(BUILD)/guest/%.o)
GUEST_C_OBJ := $(patsubst tests/guest/%.c,$(BUILD)/guest/%.o, \
	$(wildcard tests/guest/*.c tests/guest/lib/*.c))
GUEST_MHV_OBJ := $(BUILD)/guest/mhvlib/fmt.o $(BUILD)/guest/mhvlib/string.o
GUEST_LIB_OBJ := $(GUEST_LIB_ASM_OBJ) $(GUEST_MHV_OBJ) \
	$(filter $(BUILD)/guest/lib/%,$(GUEST_C_OBJ))

.PHONY: guests
guests: $(GUEST_PAYLOADS)

$(GUEST_C_OBJ): $(BUILD)/guest/%.o: tests/guest/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_MHV_OBJ): $(BUILD)/guest/mhvlib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_LIB_ASM_OBJ): $(BUILD)/guest/%.o: tests/guest/%
	@mkdir -p $(dir $@)
	$(NASM) $(GUEST_NASMFLAGS) $< -o $@

# <name>.elf64 keeps the 64-bit image for gdb; <name>.elf is what is loaded.
$(GUEST_PAYLOADS): $(BUILD)/guest/%.elf: $(BUILD)/guest/%.o $(GUEST_LIB_OBJ) \
		tests/guest/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@64 $< $(GUEST_LIB_OBJ)
	$(OBJCOPY) -O elf32-i386 $@64 $@

-include $(GUEST_C_OBJ:.o=.d) $(GUEST_MHV_OBJ:.o=.d)
