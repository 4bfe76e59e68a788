# Tiny test guests: freestanding x86-64 code wrapped as bzImages or ELF64
# kernels that minivmm boots (tests/guests/run-tests.sh runs them).
# Included by the top Makefile, which sets BUILD and CC.  The guests are built
# with their own flags, never the host CFLAGS/LDFLAGS: those may carry
# sanitizers (make asan) or -I/-MMD that have no business in a guest.
#
#   check.bzimage         the checking guest (check.c), setup_sects = 1,
#                         relocatable (position-independent code)
#   setup0.bzimage        the same code with setup_sects = 0 (means 4), not
#                         relocatable
#   triple-fault.bzimage  empty IDT + ud2: minivmm must exit 4
#   spin.bzimage          loops forever: --timeout must end it (124)
#   flood.bzimage         prints for ever, as fast as it can: the console
#                         must not hold up the stop behind a full pipe
#   panic.bzimage         prints Linux's panic line, then resets, hangs or
#                         reports through pvpanic as its command line says
#   reset.bzimage         i8042 reset (0xfe to port 0x64): exit 0
#   smp.bzimage           starts the other vCPUs through INIT/SIPI
#   acpi-off.bzimage      powers off through the FADT's sleep control register
#   pvpanic.bzimage       reports a panic through the pvpanic port
#   pic.bzimage           the 8259 pair masked at entry (IRQ 4 raised with
#                         interrupts on delivers nothing), then programmed
#                         as Linux does
#   fwcfg.bzimage         reads fw_cfg through the ports and DMA, aims hostile
#                         DMA at memory outside RAM, registers a vmcoreinfo
#   virtio.bzimage        a hostile virtio driver: breaks the virtqueue and
#                         PCI rules one at a time against virtio-rng
#   gdb.bzimage           functions and globals for gdb (tests/box/gdb-tests.sh,
#                         which reads gdb.elf's symbols)
#   pattern.bzimage       fills 1 MiB of RAM with a pattern a dump must hold,
#                         then exits, triple-faults or ticks for ever
#   check-elf.elf         check.c as an ELF64 vmlinux-like kernel without a
#                         PVH note, linked at 0x200000: the 64-bit protocol
#   check-pvh.elf         the PVH checking guest (pvh-start.S, pvh.c), linked
#                         at 0x100000, with the Xen PHYS32_ENTRY note
#   payload-FORMAT.bzimage  a bzImage whose payload (boot.rst payload_offset,
#                         payload_length) is check-payload.elf (check.c as an
#                         ELF linked at 0x1000000, the header's pref_address)
#                         compressed as the kernel's build does (gzip, bzip2,
#                         lzma, xz, lz4, zstd; none: the ELF as it is, a
#                         format minivmm does not know) with the size
#                         appended; its own code (outer.c) only exits with
#                         status 247
#   dtb.elf               an ELF kernel (linked like check-elf.elf) that walks
#                         the device tree of setup_data with libfdt, built
#                         freestanding from the sources in Debian's
#                         linux-source-6.1 (scripts/dtc/libfdt), and checks it
#                         against boot_params
#   foreign.bzimage       a kernel that only implements the Linux boot
#                         protocol, as memtest86+ is: not relocatable, its
#                         payload gzip data that is no ELF, its file 15
#                         bytes short of syssize paragraphs (boot.rst counts
#                         syssize in 16-byte units); its own code (outer.c)
#                         exits with status 247

GUEST_SRC := tests/guests
GUEST_OUT := $(BUILD)/guests
GUEST_OBJ := $(GUEST_OUT)/obj

GUEST_CC      ?= $(CC)
GUEST_OBJCOPY ?= objcopy
GUEST_READELF ?= readelf
# -fpie: the checking guest's code runs wherever --kernel-addr puts it.
GUEST_CFLAGS  := -std=gnu11 -O2 -Wall -Wextra -Werror -m64 \
	-ffreestanding -fno-builtin -fpie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -I$(GUEST_SRC) -I.
GUEST_LDFLAGS_COMMON := -nostdlib -static -Wl,--build-id=none \
	-Wl,--orphan-handling=error -Wl,-z,noexecstack -Wl,-z,max-page-size=4096
GUEST_LDFLAGS := $(GUEST_LDFLAGS_COMMON) -Wl,-T,$(GUEST_SRC)/guest.ld
GUEST_ELF_LDFLAGS := $(GUEST_LDFLAGS_COMMON) -Wl,-T,$(GUEST_SRC)/guest-elf.ld
GUEST_HDRS    := $(GUEST_SRC)/guest.h $(GUEST_SRC)/lib.h $(GUEST_SRC)/checklib.h \
	$(GUEST_SRC)/elfnote.h common/x86.h

# Link addresses of the ELF guests (p_paddr = p_vaddr).
GUEST_ELF_LINK_ADDR := 0x200000
GUEST_PVH_LINK_ADDR := 0x100000

# A payload bzImage per format (scripts/Makefile.lib: cmd_gzip, cmd_bzip2,
# cmd_lzma, cmd_xzkern with scripts/xz_wrap.sh, cmd_lz4, cmd_zstd22).
GUEST_PAYLOAD_FORMATS := gzip bzip2 lzma xz lz4 zstd none
GUEST_COMPRESS_gzip  := gzip -n -9
GUEST_COMPRESS_bzip2 := bzip2 -9
GUEST_COMPRESS_lzma  := xz --format=lzma -9
GUEST_COMPRESS_xz    := xz --check=crc32 --x86 --lzma2=dict=32MiB
GUEST_COMPRESS_lz4   := lz4 -l -9 - -
GUEST_COMPRESS_zstd  := zstd -22 --ultra -q
GUEST_COMPRESS_none  := cat
GUEST_PAYLOAD_LINK_ADDR := 0x1000000

GUEST_BZIMAGE_NAMES := check setup0 triple-fault spin flood panic reset smp acpi-off pvpanic pic \
	fwcfg pattern virtio gdb \
	$(GUEST_PAYLOAD_FORMATS:%=payload-%) foreign
GUEST_ELF_NAMES     := check-elf check-pvh dtb
GUEST_NAMES  := $(GUEST_BZIMAGE_NAMES) $(GUEST_ELF_NAMES)
GUEST_IMAGES := $(GUEST_BZIMAGE_NAMES:%=$(GUEST_OUT)/%.bzimage) \
	$(GUEST_ELF_NAMES:%=$(GUEST_OUT)/%.elf)
GUEST_COMMON_OBJS := $(GUEST_OBJ)/start.o $(GUEST_OBJ)/lib.o
GUEST_CHECK_OBJS  := $(GUEST_OBJ)/check.o $(GUEST_OBJ)/checklib.o

.PHONY: guests
guests: $(GUEST_IMAGES)

$(GUEST_OBJ)/%.o: $(GUEST_SRC)/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OBJ)/%.o: $(GUEST_SRC)/%.S $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

# header-N.o: the setup area with setup_sects = N; relocatable except for
# N = 0 (setup0.bzimage keeps the fixed-address path covered).
$(GUEST_OBJ)/header-%.o: $(GUEST_SRC)/header.S $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -DSETUP_SECTS=$* -DRELOCATABLE=$(if $(filter 0,$*),0,1) -c -o $@ $<

# The checking guest runs wherever --kernel-addr puts it, so its objects must
# hold no absolute address: no R_X86_64_64/32/32S/16/8 relocation.  (The
# bzImage header and the PVH entry are linked for one address on purpose.)
GUEST_PIC_OBJS := $(GUEST_COMMON_OBJS) $(GUEST_CHECK_OBJS) $(GUEST_OBJ)/form-elf.o
$(GUEST_OBJ)/%.pic: $(GUEST_OBJ)/%.o
	@if $(GUEST_READELF) -rW $< | grep -E 'R_X86_64_(64|32|32S|16|8) '; then \
	  echo "$<: absolute relocations (above): the checking guest must be position-independent" >&2; \
	  exit 1; \
	fi
	@touch $@

$(GUEST_OUT)/check.elf: $(GUEST_OBJ)/header-1.o $(GUEST_CHECK_OBJS) $(GUEST_PIC_OBJS:.o=.pic)
$(GUEST_OUT)/setup0.elf: $(GUEST_OBJ)/header-0.o $(GUEST_CHECK_OBJS) $(GUEST_PIC_OBJS:.o=.pic)
$(GUEST_OUT)/triple-fault.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/triple-fault.o
$(GUEST_OUT)/spin.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/spin.o
$(GUEST_OUT)/flood.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/flood.o
$(GUEST_OUT)/panic.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/panic.o
$(GUEST_OUT)/reset.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/reset.o
$(GUEST_OUT)/smp.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/smp.o $(GUEST_OBJ)/smp-ap.o
$(GUEST_OUT)/acpi-off.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/acpi-off.o
$(GUEST_OUT)/pvpanic.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/pvpanic.o
$(GUEST_OUT)/pic.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/pic.o
$(GUEST_OUT)/fwcfg.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/fwcfg.o
$(GUEST_OUT)/pattern.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/pattern.o
$(GUEST_OUT)/virtio.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/virtio.o
$(GUEST_OUT)/gdb.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/gdb.o
# gdb.c's types for gdb: `print`, `watch`, `set var` need them.
$(GUEST_OBJ)/gdb.o: GUEST_CFLAGS += -g

# The payload bzImages: the setup header with payload fields (header.S
# -DPAYLOAD), start.S's entries leading to outer.c, and the payload.
$(GUEST_OBJ)/header-payload.o: $(GUEST_SRC)/header.S $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -DSETUP_SECTS=2 -DRELOCATABLE=1 -DPAYLOAD -c -o $@ $<
$(GUEST_PAYLOAD_FORMATS:%=$(GUEST_OUT)/payload-%.elf): $(GUEST_OUT)/payload-%.elf: \
		$(GUEST_OBJ)/header-payload.o $(GUEST_OBJ)/outer.o $(GUEST_OBJ)/payload-blob-%.o

# scripts/Makefile.lib size_append: the uncompressed size as a le32 after
# the compressed data; not for gzip, whose stream ends with it (cmd_gzip).
$(GUEST_OBJ)/check-payload.%: $(GUEST_OUT)/check-payload.elf
	@mkdir -p $(dir $@)
	{ $(GUEST_COMPRESS_$*) <$< && \
	  sz=$$(stat -c %s $<) && for b in $(if $(filter gzip,$*),,0 8 16 24); do \
	    printf "\\$$(printf %03o $$(((sz >> b) & 255)))"; done; } >$@.tmp
	mv $@.tmp $@

$(GUEST_OBJ)/payload-blob-%.o: $(GUEST_SRC)/payload-blob.S $(GUEST_OBJ)/check-payload.%
	$(GUEST_CC) $(GUEST_CFLAGS) -DPAYLOAD_FILE='"$(GUEST_OBJ)/check-payload.$*"' -c -o $@ $<

# foreign.bzimage: header.S -DFOREIGN (not relocatable, pref_address its own
# load address), outer.c, a gzip payload of text, and foreign-tail.S last:
# 16 zero bytes that end .data, 15 of which the file then leaves out (RAM
# past the file reads as zero anyway), so that syssize rounds up past the
# end of the file.
$(GUEST_OBJ)/header-foreign.o: $(GUEST_SRC)/header.S $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -DSETUP_SECTS=1 -DRELOCATABLE=0 -DFOREIGN -c -o $@ $<
$(GUEST_OBJ)/foreign-payload.gz:
	@mkdir -p $(dir $@)
	printf 'minivmm foreign.bzimage: a payload that is no ELF\n' | gzip -n -9 >$@
$(GUEST_OBJ)/payload-blob-foreign.o: $(GUEST_SRC)/payload-blob.S $(GUEST_OBJ)/foreign-payload.gz
	$(GUEST_CC) $(GUEST_CFLAGS) -DPAYLOAD_FILE='"$(GUEST_OBJ)/foreign-payload.gz"' -c -o $@ $<
$(GUEST_OUT)/foreign.elf: $(GUEST_OBJ)/header-foreign.o $(GUEST_OBJ)/outer.o \
	$(GUEST_OBJ)/payload-blob-foreign.o $(GUEST_OBJ)/foreign-tail.o
$(GUEST_OUT)/foreign.bzimage: $(GUEST_OUT)/foreign.elf
	$(GUEST_OBJCOPY) -O binary $< $@.tmp
	@if [ -n "$$(tail -c 15 $@.tmp | tr -d '\000')" ]; then \
	  echo "$@: the last 15 bytes are not foreign-tail.S's zeros" >&2; rm -f $@.tmp; exit 1; fi
	truncate -s -15 $@.tmp
	mv $@.tmp $@

# The header object goes first so that its section leads the file.
$(GUEST_OUT)/%.elf: $(GUEST_COMMON_OBJS) $(GUEST_SRC)/guest.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ \
	  $(filter $(GUEST_OBJ)/header-%,$^) $(filter-out $(GUEST_OBJ)/header-%,$(filter %.o,$^))

# Flattened by load address: setup area at offset 0, protected-mode code
# right after it (guest.ld).
$(GUEST_OUT)/%.bzimage: $(GUEST_OUT)/%.elf
	$(GUEST_OBJCOPY) -O binary $< $@

# The ELF kernels themselves (guest-elf.ld); -e sets e_entry.
$(GUEST_OUT)/check-elf.elf: $(GUEST_COMMON_OBJS) $(GUEST_CHECK_OBJS) $(GUEST_OBJ)/form-elf.o \
		$(GUEST_PIC_OBJS:.o=.pic) $(GUEST_SRC)/guest-elf.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_ELF_LDFLAGS) \
	  -Wl,--defsym=GUEST_LINK_BASE=$(GUEST_ELF_LINK_ADDR) -Wl,-e,startup_64 \
	  -o $@ $(filter %.o,$^)

# check.c linked where the payload bzImages' pref_address says; its PVH
# note (form-payload.S) is absolute, which is fine: it is never moved.
$(GUEST_OUT)/check-payload.elf: $(GUEST_COMMON_OBJS) $(GUEST_CHECK_OBJS) $(GUEST_OBJ)/form-payload.o \
		$(GUEST_PIC_OBJS:.o=.pic) $(GUEST_SRC)/guest-elf.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_ELF_LDFLAGS) \
	  -Wl,--defsym=GUEST_LINK_BASE=$(GUEST_PAYLOAD_LINK_ADDR) -Wl,-e,startup_64 \
	  -o $@ $(filter %.o,$^)

$(GUEST_OUT)/check-pvh.elf: $(GUEST_OBJ)/pvh-start.o $(GUEST_OBJ)/pvh.o $(GUEST_OBJ)/checklib.o \
		$(GUEST_OBJ)/lib.o $(GUEST_SRC)/guest-elf.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_ELF_LDFLAGS) \
	  -Wl,--defsym=GUEST_LINK_BASE=$(GUEST_PVH_LINK_ADDR) -Wl,-e,pvh_wrong_entry64 \
	  -o $@ $(filter %.o,$^)

.SECONDARY: $(GUEST_BZIMAGE_NAMES:%=$(GUEST_OUT)/%.elf) $(GUEST_COMMON_OBJS) $(GUEST_CHECK_OBJS) \
  $(GUEST_OBJ)/header-0.o $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/form-elf.o \
  $(GUEST_OBJ)/pvh-start.o $(GUEST_OBJ)/pvh.o $(GUEST_PIC_OBJS:.o=.pic) \
  $(GUEST_OBJ)/triple-fault.o $(GUEST_OBJ)/spin.o $(GUEST_OBJ)/flood.o $(GUEST_OBJ)/panic.o \
  $(GUEST_OBJ)/reset.o \
  $(GUEST_OBJ)/smp.o $(GUEST_OBJ)/smp-ap.o $(GUEST_OBJ)/acpi-off.o $(GUEST_OBJ)/pvpanic.o $(GUEST_OBJ)/pic.o \
  $(GUEST_OBJ)/fwcfg.o $(GUEST_OBJ)/pattern.o \
  $(GUEST_OUT)/check-payload.elf $(GUEST_OBJ)/form-payload.o $(GUEST_OBJ)/header-payload.o \
  $(GUEST_OBJ)/outer.o $(GUEST_PAYLOAD_FORMATS:%=$(GUEST_OBJ)/check-payload.%) \
  $(GUEST_PAYLOAD_FORMATS:%=$(GUEST_OBJ)/payload-blob-%.o) \
  $(GUEST_OBJ)/header-foreign.o $(GUEST_OBJ)/foreign-payload.gz $(GUEST_OBJ)/payload-blob-foreign.o \
  $(GUEST_OBJ)/foreign-tail.o

# libfdt for dtb.elf: Debian ships only the built library (libfdt-dev), no
# sources, but linux-source-6.1 (already needed for the minimal kernel)
# carries libfdt's in scripts/dtc/libfdt (GPL-2.0-or-later OR BSD-2-Clause).
# fdt.c and fdt_ro.c, the read-only part, are built with the guests' own
# flags; fdt-libc.c gives them the few C library functions they call.
GUEST_LIBFDT_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
GUEST_LIBFDT := $(GUEST_OBJ)/libfdt
GUEST_LIBFDT_FILES := fdt.c fdt_ro.c fdt.h libfdt.h libfdt_env.h libfdt_internal.h
$(GUEST_LIBFDT)/.unpacked:
	@[ -r $(GUEST_LIBFDT_TARBALL) ] || { echo "$(GUEST_LIBFDT_TARBALL) not found: install linux-source-6.1 (scripts/install-deps.sh)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	tar -xJf $(GUEST_LIBFDT_TARBALL) -C $(dir $@) --strip-components=4 \
	  $(GUEST_LIBFDT_FILES:%=linux-source-6.1/scripts/dtc/libfdt/%)
	@touch $@
$(GUEST_OBJ)/libfdt-%.o: $(GUEST_LIBFDT)/.unpacked
	$(GUEST_CC) $(GUEST_CFLAGS) -I$(GUEST_LIBFDT) -c -o $@ $(GUEST_LIBFDT)/$*.c
$(GUEST_OBJ)/dtb.o: $(GUEST_LIBFDT)/.unpacked
$(GUEST_OBJ)/dtb.o: GUEST_CFLAGS += -I$(GUEST_LIBFDT)
$(GUEST_OUT)/dtb.elf: $(GUEST_COMMON_OBJS) $(GUEST_OBJ)/form-elf.o $(GUEST_OBJ)/dtb.o \
		$(GUEST_OBJ)/fdt-libc.o $(GUEST_OBJ)/libfdt-fdt.o $(GUEST_OBJ)/libfdt-fdt_ro.o \
		$(GUEST_SRC)/guest-elf.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_ELF_LDFLAGS) \
	  -Wl,--defsym=GUEST_LINK_BASE=$(GUEST_ELF_LINK_ADDR) -Wl,-e,startup_64 \
	  -o $@ $(filter %.o,$^)
