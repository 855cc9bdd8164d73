# SPDX-License-Identifier: MIT
#
# make            build/mhv.elf and build/mhv.iso (one ISO for BIOS and UEFI)
# make run        boot it: EMU=qemu|bochs FIRMWARE=bios|uefi ACCEL=tcg|kvm
# make test       everything CI runs
# make debug      QEMU halted with a gdb stub
# See docs/usage.md.

EMU      ?= qemu
FIRMWARE ?= bios
ACCEL    ?= tcg
CMDLINE  ?=
# CPUs the emulator gives the machine (QEMU -smp, Bochs cpu count).
SMP      ?= 2
BUILD    ?= build

CC      := gcc
LD      := ld
NASM    := nasm
HOSTCC  := gcc

DEBIAN_PACKAGES := $(shell cat scripts/debian-packages)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -mno-sse -mno-mmx -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fno-builtin -nostdlib -I. $(WARNINGS) -MMD -MP -flto
# Linked through gcc for link-time optimization: the exit path crosses
# svm/ or vmx/ and core/, and inlining across them is worth a quarter of
# its instructions (docs/performance.md).
LDFLAGS := -flto -O2 -mno-red-zone -mgeneral-regs-only -ffreestanding -fno-builtin \
	-nostdlib -static -no-pie -Wl,-m,elf_x86_64 \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack \
	-Wl,--no-warn-rwx-segments -Wl,--build-id=none -T linker.ld
NASMFLAGS := -f elf64 -g -F dwarf

# Non-PIE: the exception-fixup tables hold absolute addresses.
HOST_CFLAGS := -std=gnu11 -g -O1 -I. -DMHV_HOSTED -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all -fno-pie -no-pie

KERNEL_C   := $(wildcard lib/*.c boot/*.c core/*/*.c svm/*.c vmx/*.c tdx/*.c)
KERNEL_ASM := $(wildcard boot/*.asm core/*/*.asm svm/*.asm vmx/*.asm tdx/*.asm)
KERNEL_OBJ := $(KERNEL_ASM:%.asm=$(BUILD)/%.asm.o) $(KERNEL_C:%.c=$(BUILD)/%.o)

.PHONY: all run debug test unit source-check boot-matrix harness-selftest seam-boot bench \
	bench-check deps clean \
	format format-check check-x86-facts

all: $(BUILD)/mhv.elf guests $(BUILD)/mhv.iso

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@

$(BUILD)/mhv.elf: $(KERNEL_OBJ) linker.ld
	$(CC) $(LDFLAGS) -o $@ $(KERNEL_OBJ)
	@grub-file --is-x86-multiboot2 $@ || \
		{ echo "error: $@ has no valid multiboot2 header"; rm -f $@; exit 1; }

# The ISO carries the guest suite (tests/guest/suite): one VM per module.
SUITE ?= tests/guest/suite
# --- guest payloads (tests/guest) ------------------------------------------
# Included before the ISO rule, which needs $(GUEST_PAYLOADS) defined.
include tests/guest/guest.mk

# Rebuild the ISO when CMDLINE or SMP changes: the files change only then.
$(BUILD)/cmdline: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' >$@
$(BUILD)/smp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(SMP)' | cmp -s - $@ || echo '$(SMP)' >$@
FORCE:

# mhv.iso has the suite's big memory class (the emulator needs
# BIG_MEM_MIB), mhv-small.iso its small one (512 MiB): what Bochs runs.
# Both are for a machine of SMP CPUs: a guest asking for more vCPUs
# (cpus=), which mhv would refuse, is left out (scripts/suite-modules
# --cpus says which; make run says it again in its log).
BIG_MEM_MIB := 7168
SUITE_MODULES = scripts/suite-modules --cpus $(SMP) $(SUITE) $(BUILD)/guest
$(BUILD)/mhv.iso $(BUILD)/mhv-small.iso: $(BUILD)/mhv.elf scripts/mkiso \
		scripts/suite-modules $(SUITE) $(GUEST_PAYLOADS) $(BUILD)/cmdline \
		$(BUILD)/smp
	$(SUITE_MODULES) $(if $(filter %-small.iso,$@),small,big) | \
		xargs -0 scripts/mkiso $@ $(BUILD)/mhv.elf "$(CMDLINE)"

# --- installing for an existing GRUB (docs/bare-metal.md) ------------------
# Copies mhv.elf and the guest suite to $(DESTDIR)$(BOOTDIR) and prints a
# grub.cfg menu entry naming them as $(GRUBDIR), the directory as GRUB sees
# it (drop the /boot when /boot is a partition of its own).
DESTDIR        ?=
BOOTDIR        ?= /boot/mhv
GRUBDIR        ?= $(BOOTDIR)
INSTALL_CMDLINE ?= exit=halt
.PHONY: install
install: $(BUILD)/mhv.elf guests
	@scripts/install-grub "$(DESTDIR)" "$(BOOTDIR)" "$(GRUBDIR)" \
		"$(INSTALL_CMDLINE)" $(BUILD)/mhv.elf $(SUITE) $(BUILD)/guest

# --- dependencies -----------------------------------------------------------
# Installs the Debian packages when missing (as root) or prints the command.
deps:
	@scripts/deps $(DEBIAN_PACKAGES)

# --- running ----------------------------------------------------------------
# The emulator's status says little (QEMU's isa-debug-exit gives 1 for a
# pass): the run succeeds when mhv's final marker says PASS.
# QEMU backs guest RAM as it is touched: the big suite's 7 GiB cost only
# what the guests use. Bochs is slower with more: it runs the small suite.
# The log starts with the guests the ISO leaves out for SMP, one line each.
RUN_ISO := $(if $(filter bochs,$(EMU)),$(BUILD)/mhv-small.iso,$(BUILD)/mhv.iso)
RUN_MEM := $(if $(filter bochs,$(EMU)),512,$(BIG_MEM_MIB))
RUN_CLASS := $(if $(filter bochs,$(EMU)),small,big)
run: deps all $(RUN_ISO)
	@{ $(SUITE_MODULES) $(RUN_CLASS) 2>&1 >/dev/null; \
	  scripts/run-emu --emu $(EMU) --firmware $(FIRMWARE) --accel $(ACCEL) \
		--smp $(SMP) --mem $(RUN_MEM) $(RUN_ISO); } | tee $(BUILD)/run.log; \
	grep -q '^MHV-END: PASS' $(BUILD)/run.log

debug: deps all
	@echo "QEMU is halted at the first instruction with a gdb stub on :1234."
	@echo "Attach with:  gdb $(BUILD)/mhv.elf -ex 'target remote :1234'"
	scripts/run-emu --emu qemu --firmware $(FIRMWARE) --accel tcg --debug --smp $(SMP) \
		--mem $(BIG_MEM_MIB) $(BUILD)/mhv.iso

# --- tests ------------------------------------------------------------------
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
# Each hosted test names the project sources it links with. The device
# models go together; the guest clock is a fake the tests move by hand.
DEV_SRCS := $(filter-out core/dev/clock.c,$(wildcard core/dev/*.c))
# Guest RAM over the hosted stand-in for physical memory and mhv's window.
GUEST_RAM_SRCS := core/vm/guest_ram.c core/host/pagetable.c core/host/pmm.c tests/unit/fake_memory.c
UNIT_SRCS_test_fmt := lib/fmt.c
UNIT_SRCS_test_mb2 := boot/mb2.c lib/fmt.c
UNIT_SRCS_test_pmm := core/host/pmm.c lib/fmt.c
UNIT_SRCS_test_pagetable := core/host/pagetable.c core/host/pmm.c lib/fmt.c
UNIT_SRCS_test_cmdline := boot/cmdline.c lib/tokenize.c lib/fmt.c
UNIT_SRCS_test_madt := core/host/madt.c lib/fmt.c
UNIT_SRCS_test_screen := core/host/font.c lib/fmt.c
# test_screen includes core/host/screen.c (for a fresh screen per test).
$(BUILD)/unit/test_screen: core/host/screen.c
UNIT_SRCS_test_spcr := core/host/acpi_find.c core/host/spcr.c lib/fmt.c
UNIT_SRCS_test_serial := core/host/spcr.c boot/cmdline.c lib/tokenize.c lib/fmt.c
# test_serial includes core/host/serial.c (its wait bound, a fresh driver).
$(BUILD)/unit/test_serial: core/host/serial.c
UNIT_SRCS_test_tokenize := lib/tokenize.c lib/fmt.c
UNIT_SRCS_test_log := core/host/log.c lib/fmt.c
UNIT_SRCS_test_tsc := core/host/tsc.c core/host/log.c lib/fmt.c tests/unit/fake_serial.c
UNIT_SRCS_test_guest_options := core/vm/guest_options.c lib/tokenize.c lib/fmt.c
UNIT_SRCS_test_mb1_loader := core/vm/mb1_loader.c lib/fmt.c
UNIT_SRCS_test_guest_ram := $(GUEST_RAM_SRCS) core/exit/guest_paging.c lib/fmt.c
UNIT_SRCS_test_mmio_decode := core/exit/mmio_decode.c lib/fmt.c
UNIT_SRCS_test_svm_exit := svm/svm_exit.c svm/svm_vcpu.c svm/svm_irq.c svm/svm_nested.c tests/unit/svm_hosted_backend.c svm/svm_npt.c core/exit/insn_decode.c core/exit/exit_cr.c core/exit/exit_io.c core/exit/exit_common.c core/vm/cpu_model.c core/vm/cpuid_policy.c core/vm/msr_policy.c $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/exit/mmio_decode.c core/exit/guest_paging.c core/vm/guest_options.c core/host/log.c lib/tokenize.c lib/fmt.c tests/unit/fake_serial.c tests/unit/fake_host_irq.c tests/unit/fake_clock.c $(GUEST_RAM_SRCS)
UNIT_SRCS_test_svm_nested := $(UNIT_SRCS_test_svm_exit)
UNIT_SRCS_test_cpu_model := core/vm/cpu_model.c core/vm/cpuid_policy.c core/vm/msr_policy.c $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/host/log.c lib/fmt.c tests/unit/fake_serial.c tests/unit/fake_clock.c tests/unit/fake_host_irq.c
UNIT_SRCS_test_devices := core/exit/exit_io.c core/exit/exit_common.c core/exit/insn_decode.c core/exit/mmio_decode.c core/exit/guest_paging.c $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/vm/guest_options.c core/host/log.c lib/tokenize.c lib/fmt.c tests/unit/fake_serial.c tests/unit/stub_vcpu.c tests/unit/fake_host_irq.c tests/unit/fake_clock.c $(GUEST_RAM_SRCS)
UNIT_SRCS_test_ioapic := $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/host/log.c lib/fmt.c tests/unit/fake_serial.c tests/unit/stub_vcpu.c tests/unit/fake_host_irq.c tests/unit/fake_clock.c $(GUEST_RAM_SRCS)
UNIT_SRCS_test_lapic := $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/host/log.c lib/fmt.c tests/unit/fake_serial.c tests/unit/stub_vcpu.c tests/unit/fake_host_irq.c tests/unit/fake_clock.c $(GUEST_RAM_SRCS)
UNIT_SRCS_test_acpi_tables := core/vm/acpi_tables.c
UNIT_SRCS_test_pic_pit := core/exit/exit_io.c core/exit/exit_common.c core/exit/insn_decode.c core/exit/mmio_decode.c core/exit/guest_paging.c $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/vm/guest_options.c core/host/log.c lib/tokenize.c lib/fmt.c tests/unit/fake_serial.c tests/unit/stub_vcpu.c tests/unit/fake_host_irq.c tests/unit/fake_clock.c $(GUEST_RAM_SRCS)
UNIT_SRCS_test_bios := core/vm/bios.c $(UNIT_SRCS_test_pic_pit)
UNIT_SRCS_test_core_exits := core/exit/exit_common.c core/exit/insn_decode.c core/exit/mmio_decode.c core/exit/guest_paging.c $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/vm/guest_options.c core/host/log.c lib/tokenize.c lib/fmt.c tests/unit/fake_serial.c tests/unit/stub_vcpu.c tests/unit/fake_host_irq.c tests/unit/fake_clock.c $(GUEST_RAM_SRCS)
UNIT_SRCS_test_seam := tdx/seamldr.c tdx/tdx_module.c tdx/seam_status.c core/host/log.c lib/fmt.c tests/unit/fake_serial.c tests/unit/seam_model.c
UNIT_SRCS_test_tdx := tdx/tdx.c tdx/seamldr.c tdx/tdx_module.c tdx/seam_status.c core/host/log.c lib/fmt.c tests/unit/fake_serial.c tests/unit/seam_model.c
UNIT_SRCS_test_vmx_exit := vmx/vmx_exit.c vmx/vmx_vcpu.c vmx/vmx_irq.c vmx/vmx_diagnose.c core/exit/insn_decode.c core/exit/exit_cr.c core/exit/exit_io.c core/exit/exit_common.c core/vm/cpu_model.c core/vm/cpuid_policy.c core/vm/msr_policy.c $(DEV_SRCS) core/host/tsc.c core/vm/vm_end.c core/exit/mmio_decode.c core/exit/guest_paging.c core/vm/guest_options.c core/host/log.c lib/tokenize.c lib/fmt.c tests/unit/fake_serial.c tests/unit/fake_vmcs.c tests/unit/fake_host_irq.c tests/unit/fake_clock.c $(GUEST_RAM_SRCS)

.SECONDEXPANSION:
$(BUILD)/unit/%: tests/unit/%.c $$(UNIT_SRCS_%) $(wildcard lib/*.h boot/*.h core/*.h core/*/*.h svm/*.h vmx/*.h tdx/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $< $(UNIT_SRCS_$*) -lcmocka -o $@

unit: deps $(UNIT_TESTS:%=$(BUILD)/unit/%)
	@scripts/run-unit-tests $(UNIT_TESTS:%=$(BUILD)/unit/%)

boot-matrix: deps all
	@tests/boot/matrix $(BUILD) $(BIG_MEM_MIB)

harness-selftest: deps all
	@tests/boot/harness-selftest $(BUILD)

seam-boot: deps all
	@tests/boot/seam $(BUILD)

# The exit-path benchmark (docs/performance.md), and its regression check.
bench: deps all
	@scripts/bench $(BUILD)

bench-check: deps all
	@scripts/bench --check $(BUILD)


# The upstream kvm-unit-tests suite under mhv, judged against
# tests/kut/expected-{svm,vmx}.txt (docs/kvm-unit-tests.md). EMU=qemu runs
# the SVM backend under QEMU TCG, EMU=bochs the VMX backend under Bochs.
KUT_SRC   ?= ../shared/kvm-unit-tests
KUT_TESTS ?=
.PHONY: kut kut-if-present
kut: deps all
	@scripts/kut --emu $(EMU) --src $(KUT_SRC) --tests "$(KUT_TESTS)" $(BUILD)

# make test's step: the SVM suite, or a plain "skipped" without the source.
kut-if-present: deps all
	@scripts/kut --if-present --emu qemu --src $(KUT_SRC) $(BUILD)

# The bare-metal console checks (tests/screen/run, docs/bare-metal.md):
# screenshots decoded with mhv's own font, no display, COM2, SPCR, install.
$(BUILD)/screen-decode: tests/screen/decode.c core/host/font.c core/host/font.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tests/screen/decode.c core/host/font.c -o $@

.PHONY: screen-test
screen-test: deps all $(BUILD)/screen-decode
	@tests/screen/run $(BUILD)

# scripts/mhv-qemu, kvm-unit-tests' QEMU stand-in (docs/kvm-unit-tests.md).
.PHONY: mhv-qemu-test
mhv-qemu-test: deps all
	@tests/mhv-qemu/test $(BUILD)

# --- fuzzing (tests/fuzz) ---------------------------------------------------
# libFuzzer harnesses over every untrusted input (docs/testing.md):
# `make fuzz FUZZ_SECONDS=N`; make test runs `make fuzz-check`.
include tests/fuzz/fuzz.mk

test: deps
	@scripts/run-all-tests $(MAKE)

# Rules on the source tree (docs/architecture.md): include direction.
source-check:
	@scripts/source-check

# x86 architectural facts are defined in core/x86.h only (make test runs it).
check-x86-facts:
	@scripts/check-x86-facts

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run -Werror $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJ:.o=.d)
