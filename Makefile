# minivmm — `make` builds build/minivmm, `make test` builds and runs every test.
# BUILD selects the output folder so sanitizer builds live beside the normal one.

CC      ?= cc
BUILD   ?= build
# CFLAGS is the caller's (optimisation, sanitizers); the project's own flags
# stay in PROJECT_CFLAGS so `make CFLAGS=...` cannot drop them.
CFLAGS  ?= -O2 -g
PROJECT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -I. -MMD -MP
LDLIBS  += -lpthread -lm
# A bzImage's payload is decompressed with Debian's libraries
# (loader/bzimage_payload.c); libbz2 ships no .pc.
PAYLOAD_PKGS   := zlib liblzma libzstd liblz4
PAYLOAD_CFLAGS := $(shell pkg-config --cflags $(PAYLOAD_PKGS) 2>/dev/null)
PAYLOAD_LIBS   := $(shell pkg-config --libs $(PAYLOAD_PKGS) 2>/dev/null || echo -lz -llzma -lzstd -llz4) -lbz2
LDLIBS  += $(PAYLOAD_LIBS)
# Device trees (boot/dtb*.c) are written and read with Debian's libfdt
# (libfdt-dev ships no .pc).
LDLIBS  += -lfdt
# Per-thread seccomp filters (vmm/seccomp.c) are built with Debian's
# libseccomp (libseccomp-dev, static libseccomp.a included).
LDLIBS  += -lseccomp

# The release number lives in the file VERSION alone; scripts/version.sh
# adds git's description to a build that is not the release tag's
# ("0.5.0 (git abc1234)"; README "Install" says when).
VERSION := $(shell scripts/version.sh)

# Every .c under the module folders; vmm/main.c is the program, the rest is a
# library the unit tests link against too.
LIB_SRCS := $(wildcard common/*.c kvm/*.c loader/*.c boot/*.c vmm/*.c vmm/devices/*.c vmm/devices/virtio/*.c vmm/pci/*.c)
LIB_SRCS := $(filter-out vmm/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

.PHONY: all test unit-test acpi-test cli-test guest-test box-test asan soak run clean
all: $(BUILD)/minivmm

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PROJECT_CFLAGS) -c -o $@ $<

$(BUILD)/vmm/options.o: PROJECT_CFLAGS += -DMINIVMM_VERSION='"$(VERSION)"'
# options.o is rebuilt when the version changes (a commit, a tag, an edit
# that makes the tree dirty), not only when options.c does: the stamp is
# rewritten only when its text differs.
$(BUILD)/vmm/options.o: $(BUILD)/version.stamp
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
.PHONY: FORCE
$(BUILD)/tests/unit/%.o: PROJECT_CFLAGS += $(CHECK_CFLAGS) $(PAYLOAD_CFLAGS)
$(BUILD)/loader/bzimage_payload.o: PROJECT_CFLAGS += $(PAYLOAD_CFLAGS)
$(BUILD)/loader/kernel_module_file.o: PROJECT_CFLAGS += $(PAYLOAD_CFLAGS)

$(BUILD)/libminivmm.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The program is linked statically, as Firecracker's is: no shared libraries
# to map and relocate at start (a trivial guest's whole run is ~2 ms), about
# 1 MiB less resident memory (make bench, "RSS"), and one file to copy into a
# box or a CI image.  Sanitizer builds set STATIC= (their runtimes are shared).
STATIC ?= -static
# HOT_TEXT lays out first the code a run executes (scripts/hot-text.sh says
# why and regenerates it); the link map is that script's input.
HOT_TEXT ?= vmm/hot-text.ld
$(BUILD)/minivmm: $(BUILD)/vmm/main.o $(BUILD)/libminivmm.a $(HOT_TEXT)
	$(CC) $(CFLAGS) $(LDFLAGS) $(STATIC) -Wl,-T,$(HOT_TEXT) -Wl,-Map=$@.map \
	  -o $@ $(filter-out $(HOT_TEXT),$^) $(LDLIBS)

# A test-only minivmm, never installed: vmm/seccomp.c built with
# MINIVMM_TEST_HOOKS, whose vCPU threads make a call their filter forbids
# when MINIVMM_TEST_SECCOMP_VCPU_GETPPID is set (tests/guests/cases-seccomp.sh).
# Its seccomp object comes first, so the archive's is never linked.
$(BUILD)/vmm/seccomp-test-hooks.o: vmm/seccomp.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PROJECT_CFLAGS) -DMINIVMM_TEST_HOOKS -c -o $@ $<
$(BUILD)/minivmm-test-hooks: $(BUILD)/vmm/main.o $(BUILD)/vmm/seccomp-test-hooks.o $(BUILD)/libminivmm.a $(HOT_TEXT)
	$(CC) $(CFLAGS) $(LDFLAGS) $(STATIC) -Wl,-T,$(HOT_TEXT) \
	  -o $@ $(filter-out $(HOT_TEXT),$^) $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libminivmm.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# The guest's /init in `minivmm -- CMD` (guest/minivmm-init.c): static, as
# nothing else is in its initramfs, and built with plain flags into
# $(BUILD)/guest-init/ (a sanitizer runtime cannot be linked statically, nor
# run in the guest), and stripped (-s): every run packs it, and the guest
# unpacks it, where no debugger reads its symbols.  Its record parser and
# command runner are unit-tested on the host too, built as the unit tests
# are.
GUEST_SRCS := $(wildcard guest/*.c)
GUEST_OBJS := $(GUEST_SRCS:guest/%.c=$(BUILD)/guest-init/%.o)
GUEST_TESTED_OBJS := $(BUILD)/guest/command.o $(BUILD)/guest/run.o
all: $(BUILD)/minivmm-init
$(BUILD)/guest-init/%.o: guest/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(PROJECT_CFLAGS) -c -o $@ $<
$(BUILD)/minivmm-init: $(GUEST_OBJS)
	$(CC) -static -s -o $@ $^
$(BUILD)/unit-tests: $(GUEST_TESTED_OBJS)

# Tiny test guests and the KVM box have their own recipes.
include tests/guests/guests.mk
include images/images.mk
include tests/fuzz/fuzz.mk
include bench/bench.mk

# `make run` and `make test` are the whole set-up on a fresh Debian machine:
# they install what is missing first (scripts/install-deps.sh: as root with
# apt-get, otherwise one line naming the packages), then build in a second
# make, whose pkg-config look-ups then find the libraries.
.PHONY: deps
deps:
	@scripts/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory kernels minimal-kernel
	@$(MAKE) --no-print-directory unit-test acpi-test script-test bench-test cli-test install-test guest-test box-test

# The checks that need no KVM run here; the live-KVM ones (tag kvm) where
# KVM is: this host's /dev/kvm, or the KVM box (tests/with-kvm.sh, which
# MINIVMM_KVM=host|box forces).
# Check's 4 s per test, times 5: on 2 cores shared with the KVM box's QEMU
# (and under ASan) a test that runs jq or a FIFO writer a few hundred times
# took longer than 4 s; a hang still fails.
unit-test: export CK_TIMEOUT_MULTIPLIER ?= 5
# The real_kernels checks (tests/unit/test_real_kernels.c) run on the
# kernels cached outside the clone when they are there (make kernels, make
# minimal-kernel: `make test` makes both first, in a make of its own, so
# that this one finds them); without them the unit tests print "not run"
# and do not count them.
KERNEL_CACHE := $(or $(MINIVMM_CACHE),$(CURDIR)/cache)/kernels
MINIMAL_KERNEL_CACHE := $(or $(MINIVMM_KERNEL_CACHE),$(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME)/minivmm/kernels),$(HOME)/.cache/minivmm/kernels)
unit-test: export MINIVMM_TEST_CLOUD_KERNEL ?= $(patsubst %/boot/,%,$(firstword $(dir $(wildcard $(KERNEL_CACHE)/linux-image-*-cloud-amd64/boot/vmlinuz-*))))
# A minimal kernel without CONFIG_OF: an older images/minimal-kernel.sh's
# tests/box/dtb-tests.sh built one with it as a cache entry of its own, which
# real_kernels must not take for the shared one (today's is in its of/).
unit-test: export MINIVMM_TEST_MINIMAL_KERNEL ?= $(patsubst %/.config,%/bzImage,$(firstword $(shell grep -L '^CONFIG_OF=y' $(MINIMAL_KERNEL_CACHE)/minimal-*/.config 2>/dev/null)))
# The checks tagged virtiofsd (Debian's virtiofsd, as root) run here when
# they can (tests/with-virtiofsd.sh says "did not run" otherwise, and fails
# under CI=true).
unit-test: $(BUILD)/unit-tests
	CK_EXCLUDE_TAGS="kvm virtiofsd" $(BUILD)/unit-tests
	CK_INCLUDE_TAGS=kvm tests/with-kvm.sh "unit tests (live KVM)" $(BUILD)/unit-tests
	CK_INCLUDE_TAGS=virtiofsd tests/with-virtiofsd.sh "unit tests (virtiofsd)" $(BUILD)/unit-tests

# The ACPI tables as iasl disassembles them (tests/acpi/run-tests.sh).
$(BUILD)/tests/acpi/acpi-dump: $(BUILD)/tests/acpi/acpi-dump.o $(BUILD)/libminivmm.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

acpi-test: $(BUILD)/tests/acpi/acpi-dump
	tests/acpi/run-tests.sh $(BUILD)/tests/acpi/acpi-dump

# scripts/extract-vmlinux on synthetic bzImages (and Debian's, when cached);
# scripts/install-deps.sh with a stub dpkg-query; tests/with-kvm.sh (one box
# boot, and stub QEMUs that die or stall).
.PHONY: script-test
script-test:
	tests/scripts/run-tests.sh $(CC)
	tests/scripts/install-deps-tests.sh
	tests/scripts/with-kvm-tests.sh

cli-test: $(BUILD)/minivmm $(BUILD)/minivmm-init $(GUEST_IMAGES)
	tests/cli/run-tests.sh $(BUILD)/minivmm $(BUILD)/guests
	tests/cli/disk-tests.sh $(BUILD)/minivmm $(BUILD)/guests
	tests/cli/dtb-tests.sh $(BUILD)/minivmm $(BUILD)/guests
	tests/cli/command-tests.sh $(BUILD)/minivmm $(BUILD)/guests

guest-test: $(BUILD)/minivmm $(BUILD)/minivmm-test-hooks $(GUEST_IMAGES)
	tests/with-kvm.sh "tiny guests" tests/guests/run-tests.sh $(BUILD)/minivmm $(BUILD)/guests

box-test: $(BUILD)/minivmm $(BUILD)/minivmm-init $(GUEST_IMAGES)
	tests/box/run-tests.sh $(BUILD)/minivmm
	tests/box/virtio-tests.sh $(BUILD)/minivmm
	tests/box/console-virtio.sh $(BUILD)/minivmm
	tests/box/ctrl-a-x.sh $(BUILD)/minivmm
	tests/box/command-tests.sh $(BUILD)/minivmm
	tests/box/report-tests.sh $(BUILD)/minivmm
	tests/box/gdb-tests.sh $(BUILD)/minivmm
	tests/box/dtb-tests.sh $(BUILD)/minivmm

# `make install` (README "Install"): PREFIX (default /usr/local) and
# DESTDIR as everywhere.  minivmm-init goes to PREFIX/libexec/minivmm/,
# where minivmm looks for it relative to its own executable
# (command_init_locate: ../libexec/minivmm from PREFIX/bin), so the two
# folders are not separately configurable.  `make uninstall` removes
# exactly these files, and minivmm's own folder in libexec.
PREFIX  ?= /usr/local
INSTALL ?= install
INSTALLED_FILES := bin/minivmm libexec/minivmm/minivmm-init share/man/man1/minivmm.1 \
	share/bash-completion/completions/minivmm
.PHONY: install uninstall install-test
install: $(BUILD)/minivmm $(BUILD)/minivmm-init
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/minivmm \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(INSTALL) -m 0755 $(BUILD)/minivmm $(DESTDIR)$(PREFIX)/bin/minivmm
	$(INSTALL) -m 0755 $(BUILD)/minivmm-init $(DESTDIR)$(PREFIX)/libexec/minivmm/minivmm-init
	$(INSTALL) -m 0644 doc/minivmm.1 $(DESTDIR)$(PREFIX)/share/man/man1/minivmm.1
	$(INSTALL) -m 0644 completion/minivmm.bash \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/minivmm

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED_FILES))
	rmdir $(DESTDIR)$(PREFIX)/libexec/minivmm 2>/dev/null || true

# make install into a DESTDIR and uninstall again, the installed minivmm
# finding its minivmm-init (tests/install/install-tests.sh); the man page
# and the bash completion against --help (tests/install/man-tests.sh).
install-test: $(BUILD)/minivmm $(BUILD)/minivmm-init $(BUILD)/guests/check.bzimage
	tests/install/install-tests.sh $(BUILD)
	tests/install/man-tests.sh $(BUILD)/minivmm

# The Debian package (debian/), built in a copy of the tree and checked by
# lintian: $(BUILD)/deb/minivmm_VERSION_amd64.deb (scripts/package-deb.sh).
.PHONY: deb
deb:
	scripts/package-deb.sh $(CURDIR)/$(BUILD)/deb

# The unit, bad-input and guest tests again under AddressSanitizer and UBSan.
ASAN_MAKE = $(MAKE) BUILD=build-asan STATIC= \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined"
asan:
	$(ASAN_MAKE) unit-test cli-test guest-test

# Not part of `make test`: SOAK_RUNS (default 200) boots in the KVM box with
# faults injected, every SOAK_ASAN_EVERY-th (10) with the ASan build
# (scripts/soak.sh; README "Reliability").
soak: $(BUILD)/minivmm
	$(ASAN_MAKE) build-asan/minivmm
	scripts/soak.sh $(BUILD)/minivmm build-asan/minivmm

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/minivmm
	scripts/run-demo.sh $(BUILD)/minivmm

clean:
	rm -rf build build-asan

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(GUEST_OBJS:.o=.d) $(GUEST_TESTED_OBJS:.o=.d) $(BUILD)/vmm/main.d $(BUILD)/vmm/seccomp-test-hooks.d $(BUILD)/tests/acpi/acpi-dump.d
