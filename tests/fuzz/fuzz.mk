# SPDX-License-Identifier: MIT
#
# libFuzzer harnesses (tests/fuzz, docs/testing.md), included by the
# Makefile. Each harness links mhv's own sources, compiled unchanged, with
# the hosted fakes the unit tests use; every object is built once, with
# coverage and sanitizers, and shared between the harnesses that need it.
#
#   make fuzz [FUZZ_SECONDS=N]   each harness for N seconds (default 60)
#   make fuzz-check              what make test runs: the regression inputs,
#                                a short fixed run of each harness, and the
#                                MMIO decoder against capstone

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILD)/fuzz

# Clang warnings GCC does not have, on idioms mhv uses on purpose.
FUZZ_NOT_GCC_WARNINGS := -Wno-string-plus-int
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
# Non-PIE, as HOST_CFLAGS: the exception-fixup tables hold absolute addresses.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -I. -DMHV_HOSTED -Wall -Wextra -Werror \
	-Wno-unused-parameter -fno-omit-frame-pointer -fno-pie $(FUZZ_SAN) \
	$(FUZZ_NOT_GCC_WARNINGS)
# Coverage guides the fuzzer through mhv's code only: the harnesses' own
# checks and the fakes would only slow it down (a third of the time).
FUZZ_COV := -fsanitize=fuzzer-no-link
$(FUZZ_BUILD)/obj/tests/%.o: FUZZ_COV :=
FUZZ_LDFLAGS := -fsanitize=fuzzer $(FUZZ_SAN) -no-pie

FUZZ_HARNESSES := mb2 mb1 mmio cmdline guest_options pmm paging svm_exit \
	svm_nested vmx_exit acpi tdx_blob

# What each harness links besides itself and tests/fuzz/check.c. The exit
# harnesses take exactly what their unit tests link, so the two never
# drift apart.
FUZZ_SRCS_mb2           := boot/mb2.c core/host/memory.c core/host/pagetable.c \
	core/host/pmm.c core/host/log.c lib/fmt.c tests/unit/fake_serial.c \
	tests/fuzz/fake_cr3.c
# memory_init's page tables come from a pool (fuzz_mb2.c); the image where
# fuzz_mb2.c says it is.
FUZZ_LIBS_mb2           := -Wl,--wrap=pmm_alloc \
	-Wl,--defsym=__image_start=0x100000 -Wl,--defsym=__image_end=0x180000
FUZZ_SRCS_mb1           := core/vm/mb1_loader.c lib/fmt.c
FUZZ_SRCS_mmio          := core/exit/mmio_decode.c core/exit/insn_decode.c lib/fmt.c
FUZZ_SRCS_cmdline       := $(UNIT_SRCS_test_cmdline)
FUZZ_SRCS_guest_options := $(UNIT_SRCS_test_guest_options)
FUZZ_SRCS_pmm           := $(UNIT_SRCS_test_pmm)
FUZZ_SRCS_paging        := core/exit/guest_paging.c $(GUEST_RAM_SRCS) lib/fmt.c
FUZZ_SRCS_svm_exit      := $(UNIT_SRCS_test_svm_exit) \
	tests/fuzz/fake_extable.c tests/fuzz/exit_check.c \
	tests/fuzz/svm_vmrun_check.c
FUZZ_SRCS_svm_nested    := $(UNIT_SRCS_test_svm_nested) \
	tests/fuzz/fake_extable.c tests/fuzz/exit_check.c \
	tests/fuzz/svm_vmrun_check.c
FUZZ_SRCS_vmx_exit      := $(UNIT_SRCS_test_vmx_exit) \
	tests/fuzz/fake_extable.c tests/fuzz/exit_check.c
FUZZ_LIBS_vmx_exit      := -lcmocka
FUZZ_SRCS_acpi          := $(UNIT_SRCS_test_spcr)
FUZZ_SRCS_tdx_blob      := $(UNIT_SRCS_test_tdx)

FUZZ_BINS := $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_DIFF := $(FUZZ_BUILD)/mmio_vs_capstone
FUZZ_HDRS := $(wildcard lib/*.h boot/*.h core/*.h core/*/*.h svm/*.h vmx/*.h tdx/*.h \
	tests/unit/*.h tests/fuzz/*.h)

$(FUZZ_BUILD)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_COV) -c $< -o $@

define FUZZ_LINK
$(FUZZ_BUILD)/fuzz_$(1): $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_$(1).o \
		$(FUZZ_BUILD)/obj/tests/fuzz/check.o \
		$(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS_$(1)))
	$$(FUZZ_CC) $$(FUZZ_LDFLAGS) $$^ $$(FUZZ_LIBS_$(1)) -o $$@
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call FUZZ_LINK,$(h))))

# The differential test is an ordinary hosted program.
$(FUZZ_DIFF): tests/fuzz/mmio_vs_capstone.c core/exit/mmio_decode.c \
		core/exit/insn_decode.c lib/fmt.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $(filter %.c,$^) -lcapstone -o $@

.PHONY: fuzz fuzz-check fuzz-build
fuzz-build: $(FUZZ_BINS) $(FUZZ_DIFF)

fuzz: deps
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@tests/fuzz/run --seconds $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_HARNESSES)

fuzz-check: deps
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@tests/fuzz/run --check $(FUZZ_BUILD) $(FUZZ_HARNESSES)
