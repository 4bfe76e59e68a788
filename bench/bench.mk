# Benchmarks: `make bench` builds minivmm, the bench tools and guests into
# $(BUILD)/bench/ and runs scripts/bench.sh, which prints minivmm against
# QEMU (and the bare KVM_RUN loop) with ratios.  `make bench-build` only
# builds; `make bench-test` (part of `make test`) tests where bench.sh runs
# and how it reports the box's failures, with few runs.  Included by the
# top Makefile after tests/guests/guests.mk, whose guest compiler, flags
# and ELF linker script the bench guests reuse.
#
#   run-timer     times a command from its start to its end, or to a marker
#                 on its stdout (bench/run_timer.c)
#   exit-cost     one port exit through minivmm's io bus against a bare
#                 KVM_RUN loop (bench/exit_cost.c, links libminivmm.a)
#   exit-pvh.elf  PVH guest that exits through the debug-exit port at once
#   halt-pvh.elf  PVH guest that halts for ever
#   diskread      reads a disk inside the guest and says how fast, and makes
#                 the disk image in the box (bench/guests/diskread.c): a
#                 static program of the host's compiler, for the guest's
#                 busybox initramfs
#   cmd-init      /init of part 7's QEMU guest: loads the virtio-fs modules,
#                 mounts the root from virtiofsd under a tmpfs overlay, runs
#                 the command, says its status, powers off
#                 (bench/guests/cmdinit.c): static, like diskread

BENCH_SRC := bench
BENCH_OUT := $(BUILD)/bench
BENCH_TOOLS  := $(BENCH_OUT)/run-timer $(BENCH_OUT)/exit-cost $(BENCH_OUT)/diskread \
                $(BENCH_OUT)/cmd-init
BENCH_GUESTS := $(BENCH_OUT)/exit-pvh.elf $(BENCH_OUT)/halt-pvh.elf
BENCH_OBJS   := $(BENCH_OUT)/run_timer.o $(BENCH_OUT)/exit_cost.o

.PHONY: bench bench-build bench-test
# (minivmm-init: the guest side of minivmm -- CMD, part 7, found beside minivmm.)
bench-build: $(BUILD)/minivmm $(BUILD)/minivmm-init $(BENCH_TOOLS) $(BENCH_GUESTS)

bench: bench-build
	scripts/bench.sh $(BUILD)/minivmm $(BENCH_OUT)

# Part of `make test`: where bench.sh runs parts 2-4 (MINIVMM_KVM, the
# box) and how it reports a box failure; it checks no figure.
bench-test: bench-build
	tests/scripts/bench-tests.sh $(BUILD)/minivmm $(BENCH_OUT)

$(BENCH_OUT)/run-timer: $(BENCH_OUT)/run_timer.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BENCH_OUT)/exit-cost: $(BENCH_OUT)/exit_cost.o $(BUILD)/libminivmm.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Static: the guest's initramfs has no C library (and the box copies only
# what ldd names).  Not CFLAGS: a sanitizer build's runtimes are shared.
$(BENCH_OUT)/diskread: $(BENCH_SRC)/guests/diskread.c
	@mkdir -p $(dir $@)
	$(CC) -O2 $(PROJECT_CFLAGS) -MF $@.d -static -o $@ $<

$(BENCH_OUT)/cmd-init: $(BENCH_SRC)/guests/cmdinit.c
	@mkdir -p $(dir $@)
	$(CC) -O2 $(PROJECT_CFLAGS) -MF $@.d -static -o $@ $<

# The guests: guests.mk's freestanding flags and ELF layout (guest-elf.ld,
# PVH note through elfnote.h), linked at 1 MiB like check-pvh.elf.
$(BENCH_OUT)/guests/%.o: $(BENCH_SRC)/guests/%.S $(GUEST_SRC)/elfnote.h
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(BENCH_OUT)/exit-pvh.elf: ENTRY := bench_exit_start32
$(BENCH_OUT)/halt-pvh.elf: ENTRY := bench_halt_start32
$(BENCH_OUT)/%.elf: $(BENCH_OUT)/guests/%.o $(GUEST_SRC)/guest-elf.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_ELF_LDFLAGS) \
	  -Wl,--defsym=GUEST_LINK_BASE=$(GUEST_PVH_LINK_ADDR) -Wl,-e,$(ENTRY) \
	  -o $@ $(filter %.o,$^)

.SECONDARY: $(BENCH_GUESTS:$(BENCH_OUT)/%.elf=$(BENCH_OUT)/guests/%.o)

-include $(BENCH_OBJS:.o=.d) $(BENCH_OUT)/diskread.d $(BENCH_OUT)/cmd-init.d
