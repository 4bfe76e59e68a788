# Tiny test guests: freestanding x86-64 code wrapped as bzImages that minivmm
# boots through the 64-bit boot protocol (tests/guests/run-tests.sh runs them).
# Included by the top Makefile, which sets BUILD and CC.  The guests are built
# with their own flags, never the host CFLAGS/LDFLAGS: those may carry
# sanitizers (make asan) or -I/-MMD that have no business in a guest.
#
#   check.bzimage         the checking guest (check.c), setup_sects = 1
#   setup0.bzimage        the same code with setup_sects = 0 (means 4)
#   triple-fault.bzimage  empty IDT + ud2: minivmm must exit 4
#   spin.bzimage          loops forever: --timeout must end it (124)
#   reset.bzimage         i8042 reset (0xfe to port 0x64): exit 0

GUEST_SRC := tests/guests
GUEST_OUT := $(BUILD)/guests
GUEST_OBJ := $(GUEST_OUT)/obj

GUEST_CC      ?= $(CC)
GUEST_OBJCOPY ?= objcopy
GUEST_CFLAGS  := -std=gnu11 -O2 -Wall -Wextra -Werror -m64 \
	-ffreestanding -fno-builtin -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -I$(GUEST_SRC)
GUEST_LDFLAGS := -nostdlib -static -Wl,--build-id=none \
	-Wl,-T,$(GUEST_SRC)/guest.ld -Wl,--orphan-handling=error \
	-Wl,-z,noexecstack -Wl,-z,max-page-size=4096
GUEST_HDRS    := $(GUEST_SRC)/guest.h $(GUEST_SRC)/lib.h

GUEST_NAMES  := check setup0 triple-fault spin reset
GUEST_IMAGES := $(GUEST_NAMES:%=$(GUEST_OUT)/%.bzimage)
GUEST_COMMON_OBJS := $(GUEST_OBJ)/start.o $(GUEST_OBJ)/lib.o

.PHONY: guests
guests: $(GUEST_IMAGES)

$(GUEST_OBJ)/%.o: $(GUEST_SRC)/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OBJ)/start.o: $(GUEST_SRC)/start.S $(GUEST_SRC)/guest.h
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

# header-N.o: the setup area with setup_sects = N.
$(GUEST_OBJ)/header-%.o: $(GUEST_SRC)/header.S $(GUEST_SRC)/guest.h
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -DSETUP_SECTS=$* -c -o $@ $<

$(GUEST_OUT)/check.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/check.o
$(GUEST_OUT)/setup0.elf: $(GUEST_OBJ)/header-0.o $(GUEST_OBJ)/check.o
$(GUEST_OUT)/triple-fault.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/triple-fault.o
$(GUEST_OUT)/spin.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/spin.o
$(GUEST_OUT)/reset.elf: $(GUEST_OBJ)/header-1.o $(GUEST_OBJ)/reset.o

# The header object goes first so that its section leads the file.
$(GUEST_OUT)/%.elf: $(GUEST_COMMON_OBJS) $(GUEST_SRC)/guest.ld
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ \
	  $(filter $(GUEST_OBJ)/header-%,$^) $(filter-out $(GUEST_OBJ)/header-%,$(filter %.o,$^))

# Flattened by load address: setup area at offset 0, protected-mode code
# right after it (guest.ld).
$(GUEST_OUT)/%.bzimage: $(GUEST_OUT)/%.elf
	$(GUEST_OBJCOPY) -O binary $< $@

.SECONDARY: $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf) $(GUEST_COMMON_OBJS) \
  $(GUEST_OBJ)/header-0.o $(GUEST_OBJ)/header-1.o \
  $(GUEST_OBJ)/check.o $(GUEST_OBJ)/triple-fault.o $(GUEST_OBJ)/spin.o $(GUEST_OBJ)/reset.o
