/* boot/: what the guest needs to start: boot_params and e820, the command
 * line, identity page tables, the GDT and the initial vCPU state for the
 * 64-bit Linux boot protocol (boot.rst).  Pure: writes guest RAM through
 * struct guest_memory and fills linux/kvm.h register structs; never calls
 * ioctl (DESIGN.md). */
#ifndef MINIVMM_BOOT_BOOT_H
#define MINIVMM_BOOT_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>
#include <linux/kvm.h>

#include "boot/layout.h"
#include "common/error.h"
#include "kvm/guest_memory.h"
#include "loader/loader.h"

/* e820 types (zero-page.rst / ACPI). */
#define E820_TYPE_RAM      1
#define E820_TYPE_RESERVED 2

/* Fills table (up to max entries) with the memory map matching mem's RAM
 * regions: low RAM up to the EBDA, the EBDA and BIOS areas reserved, RAM from
 * 1 MiB, RAM above 4 GiB when present.  Returns the entry count or -1. */
int e820_build(const struct guest_memory *mem, struct boot_e820_entry *table,
	       int max, struct error *err);

/* The longest command line (without NUL) the kernel accepts: cmdline_size,
 * or 255 before boot protocol 2.06 (boot.rst). */
uint32_t cmdline_limit(const struct setup_header *hdr);

/* Checks cmdline against max_len and the room at LAYOUT_CMDLINE, so a
 * too-long command line is refused before a VM exists. */
int cmdline_check(const char *cmdline, uint32_t max_len, struct error *err);

/* Writes the NUL-terminated command line at LAYOUT_CMDLINE.  Longer than
 * max_len (the kernel's cmdline_size, without NUL) is an error naming both. */
int cmdline_write(struct guest_memory *mem, const char *cmdline, uint32_t max_len,
		  struct error *err);

/* Builds boot_params at LAYOUT_ZERO_PAGE from the kernel's own setup header:
 * type_of_loader, CAN_USE_HEAP and heap_end_ptr, cmd_line_ptr (and writes the
 * command line), ramdisk fields from initrd (may be NULL), and the e820 map. */
int boot_params_build(struct guest_memory *mem, const struct guest_kernel_image *kernel,
		      const struct guest_image *initrd, const char *cmdline,
		      struct error *err);

/* Identity-maps [0, 4 GiB) with 2 MiB pages at LAYOUT_PML4.. */
int page_tables_build(struct guest_memory *mem, struct error *err);

/* GDT selectors written by gdt_build (boot.rst wants __BOOT_CS 0x10 and
 * __BOOT_DS 0x18; entry 1 stays null so both hold).  In long mode a TSS
 * descriptor is 16 bytes (SDM Vol. 3A, "TSS Descriptor in 64-bit Mode"), so
 * it fills slots 4 and 5. */
#define BOOT_GDT_CODE_SEL 0x10
#define BOOT_GDT_DATA_SEL 0x18
#define BOOT_GDT_TSS_SEL  0x20
#define BOOT_GDT_ENTRIES  6

/* Writes the GDT at LAYOUT_GDT and an empty IDT at LAYOUT_IDT. */
int gdt_build(struct guest_memory *mem, struct error *err);

/* The vCPU state for the 64-bit entry: long mode with paging (CR0.PE|PG,
 * CR4.PAE, EFER.LME|LMA, CR3 = LAYOUT_PML4), segments matching the GDT,
 * RIP = entry, RSI = zero page, RFLAGS = 2, interrupts off.  sregs should
 * come from the vCPU so fields minivmm does not set keep KVM's values. */
void boot_vcpu_state_linux64(struct kvm_regs *regs, struct kvm_sregs *sregs,
			     uint64_t entry, uint64_t boot_params_gpa);

#endif
