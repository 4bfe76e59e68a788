# libFuzzer targets for the parsers that read user-supplied images, the
# virtqueue walk that reads what the guest writes and the PCI side (config
# space, BARs, MSI-X, the virtio transport) it pokes, the guest's port I/O
# to every device on the port bus (portio) and to fw_cfg with DMA alone
# (fw_cfg), and the bzImage payload decompressors (payload), since
# everything the user hands in and the guest controls is hostile.
# Included by the top Makefile, which sets BUILD and CC.
#
#   make fuzz                      build every target, run each FUZZ_SECONDS
#   make fuzz-elf                  one target (fuzz-bzimage, fuzz-pvh_note, fuzz-virtq,
#                                  fuzz-pci, fuzz-portio, fuzz-fw_cfg, fuzz-payload)
#   make fuzz FUZZ_SECONDS=600     longer
#   make fuzz-build                build only
#   make fuzz-coverage             the lines each corpus reaches (llvm-cov)
#
# Each target is built with clang, libFuzzer, AddressSanitizer and UBSan,
# from the sources themselves (never the gcc-built library, whose objects
# carry no coverage instrumentation).  The corpus lives in
# $(BUILD)/fuzz/corpus-NAME and grows from run to run; it is seeded with the
# test guests (bzImages, ELF kernels, their compressed payloads) and with
# what tests/fuzz/fuzz_seeds.c writes (small ELF files, notes, valid
# virtqueue rings, a driver bringing a virtio PCI device up, a boot's port
# I/O, and a real boot's, recorded: $(FUZZ_PORTIO_TRACE)).  A crash, leak,
# timeout or out-of-memory leaves the input in
# $(BUILD)/fuzz/artifacts-NAME/ and fails the run: make it a unit test
# (bytes inline) before fixing it.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := bzimage elf pvh_note virtq pci portio fw_cfg payload modules
FUZZ_OUT     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=all
# Everything the targets can reach: the loader (and the JSON writer its
# image list prints with), the one checked translation into guest RAM, the
# virtqueue walk over it, the PCI bus with MSI-X and the virtio PCI
# transport (whose init names the I/O thread it may be watched by, and
# that thread's seccomp filter).
FUZZ_LIB_SRCS := $(wildcard common/*.c loader/*.c vmm/pci/*.c vmm/devices/*.c) kvm/guest_memory.c \
	vmm/devices/virtio/virtq.c vmm/devices/virtio/virtio_pci.c vmm/io_thread.c vmm/io_bus.c \
	vmm/stop.c vmm/command_initramfs.c vmm/seccomp.c vmm/seccomp_policy.c
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_OUT)/obj/%.o)
FUZZ_BINS     := $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)

.PHONY: fuzz fuzz-build $(FUZZ_NAMES:%=fuzz-%)
fuzz: $(FUZZ_NAMES:%=fuzz-%)
fuzz-build: $(FUZZ_BINS)

# fuzzer-no-link: coverage instrumentation without libFuzzer's main, which
# only the final link brings in.
$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PAYLOAD_LIBS) -lseccomp

# The seed writer runs on the host: plain compiler, no sanitizers.
$(FUZZ_OUT)/fuzz_seeds: tests/fuzz/fuzz_seeds.c loader/loader.h tests/fuzz/fuzz_virtq.h \
		       tests/fuzz/fuzz_portio.h tests/fuzz/fuzz_modules.h vmm/devices/fw_cfg.h \
		       boot/layout.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -Wall -Wextra -Werror -I. -o $@ $<

# Payload seeds: the test guests' vmlinux as the payload bzImages carry it
# (tests/guests/guests.mk: each of Debian's compressors, size appended),
# and a line of text the same way, small enough for fast runs; there
# bzip2, lzma and xz get their smallest block and dictionary, since
# allocating the kernel's 32-64 MiB dictionary under ASan costs tens of
# milliseconds a run.
FUZZ_COMPRESS_bzip2 := bzip2 -1
FUZZ_COMPRESS_lzma  := xz --format=lzma --lzma1=dict=4KiB
FUZZ_COMPRESS_xz    := xz --check=crc32 --lzma2=dict=4KiB
FUZZ_PAYLOAD_FORMATS := $(filter-out none,$(GUEST_PAYLOAD_FORMATS))
FUZZ_PAYLOAD_SEEDS   := $(FUZZ_PAYLOAD_FORMATS:%=$(GUEST_OBJ)/check-payload.%) \
			$(FUZZ_PAYLOAD_FORMATS:%=$(FUZZ_OUT)/small-payload.%)
$(FUZZ_OUT)/small-payload.%:
	@mkdir -p $(dir $@)
	{ printf 'minivmm: a small payload, a small payload, a small payload\n' >$@.in && \
	  $(or $(FUZZ_COMPRESS_$*),$(GUEST_COMPRESS_$*)) <$@.in && \
	  for b in $(if $(filter gzip,$*),,0 8 16 24); do \
	    printf "\\$$(printf %03o $$((($$(stat -c %s $@.in) >> b) & 255)))"; done; } >$@.tmp
	rm -f $@.in
	mv $@.tmp $@

# The port I/O of a real boot, recorded in the KVM box by
# scripts/record-portio.sh (its kvm:kvm_pio tracepoint).
FUZZ_PORTIO_TRACE := tests/fuzz/traces/cloud-boot.pio

$(FUZZ_OUT)/seeds.stamp: $(FUZZ_OUT)/fuzz_seeds $(GUEST_IMAGES) $(FUZZ_PAYLOAD_SEEDS) $(FUZZ_PORTIO_TRACE)
	@mkdir -p $(FUZZ_NAMES:%=$(FUZZ_OUT)/corpus-%)
	$(FUZZ_OUT)/fuzz_seeds $(FUZZ_OUT)/corpus-elf $(FUZZ_OUT)/corpus-pvh_note \
	  $(FUZZ_OUT)/corpus-virtq $(FUZZ_OUT)/corpus-pci $(FUZZ_OUT)/corpus-portio \
	  $(FUZZ_OUT)/corpus-fw_cfg $(FUZZ_OUT)/corpus-modules $(FUZZ_PORTIO_TRACE)
	cp $(filter %.bzimage,$(GUEST_IMAGES)) $(FUZZ_OUT)/corpus-bzimage/
	cp $(filter %.elf,$(GUEST_IMAGES)) $(FUZZ_OUT)/corpus-elf/
	for f in $(FUZZ_PAYLOAD_SEEDS); do cp $$f $(FUZZ_OUT)/corpus-payload/seed-$${f##*/}; done
	@touch $@

# libFuzzer writes new inputs into the first directory and exits non-zero
# on any finding, which fails make.
$(FUZZ_NAMES:%=fuzz-%): fuzz-%: $(FUZZ_OUT)/fuzz_% $(FUZZ_OUT)/seeds.stamp
	@mkdir -p $(FUZZ_OUT)/artifacts-$* $(FUZZ_OUT)/corpus-$*
	$(FUZZ_OUT)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_OUT)/artifacts-$*/ $(FUZZ_OUT)/corpus-$*

# make fuzz-coverage: the lines each corpus reaches (README "Reliability").
# Each target is rebuilt with clang's source-based coverage and no
# sanitizers, runs once over its corpus (-runs=0: the corpus, no
# mutation), and llvm-cov (Debian's llvm) reports the files the target is
# for; $(FUZZ_COV)/NAME.txt keeps each report.
FUZZ_COV := $(FUZZ_OUT)/coverage
FUZZ_COV_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. \
	-fprofile-instr-generate -fcoverage-mapping
FUZZ_COV_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_COV)/obj/%.o)
FUZZ_COV_FILES_bzimage  := loader/bzimage.c
FUZZ_COV_FILES_elf      := loader/elf.c
FUZZ_COV_FILES_pvh_note := loader/pvh_note.c
FUZZ_COV_FILES_virtq    := vmm/devices/virtio/virtq.c
FUZZ_COV_FILES_pci      := $(wildcard vmm/pci/*.c) vmm/devices/virtio/virtio_pci.c
FUZZ_COV_FILES_portio   := $(wildcard vmm/devices/*.c) vmm/io_bus.c
FUZZ_COV_FILES_fw_cfg   := vmm/devices/fw_cfg.c
FUZZ_COV_FILES_payload  := loader/bzimage_payload.c
FUZZ_COV_FILES_modules  := loader/kernel_modinfo.c loader/kernel_modules.c \
	loader/kernel_module_file.c loader/cpio.c vmm/command_initramfs.c

.PHONY: fuzz-coverage FORCE
fuzz-coverage: $(FUZZ_NAMES:%=$(FUZZ_COV)/%.txt)
	@for n in $(FUZZ_NAMES); do echo "== $$n"; cat $(FUZZ_COV)/$$n.txt; done

FORCE:

$(FUZZ_COV)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_COV)/fuzz_%: $(FUZZ_COV)/obj/tests/fuzz/fuzz_%.o $(FUZZ_COV_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PAYLOAD_LIBS) -lseccomp

$(FUZZ_COV)/%.txt: $(FUZZ_COV)/fuzz_% $(FUZZ_OUT)/seeds.stamp FORCE
	rm -f $(FUZZ_COV)/$*.profraw
	LLVM_PROFILE_FILE=$(FUZZ_COV)/$*.profraw $< -runs=0 $(FUZZ_OUT)/corpus-$* \
	  >$(FUZZ_COV)/$*.log 2>&1 || { tail -n 5 $(FUZZ_COV)/$*.log; exit 1; }
	llvm-profdata merge -sparse -o $(FUZZ_COV)/$*.profdata $(FUZZ_COV)/$*.profraw
	llvm-cov report $< -instr-profile=$(FUZZ_COV)/$*.profdata $(FUZZ_COV_FILES_$*) >$@

.SECONDARY: $(FUZZ_LIB_OBJS) $(FUZZ_NAMES:%=$(FUZZ_OUT)/obj/tests/fuzz/fuzz_%.o) \
	$(FUZZ_COV_LIB_OBJS) $(FUZZ_NAMES:%=$(FUZZ_COV)/obj/tests/fuzz/fuzz_%.o) \
	$(FUZZ_NAMES:%=$(FUZZ_COV)/fuzz_%)

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_NAMES:%=$(FUZZ_OUT)/obj/tests/fuzz/fuzz_%.d) \
	$(FUZZ_COV_LIB_OBJS:.o=.d) $(FUZZ_NAMES:%=$(FUZZ_COV)/obj/tests/fuzz/fuzz_%.d)
