/* Constants shared by the test guests' setup header (header.S), their entry
 * code (start.S), linker script and C code.  Only #defines: included from
 * assembly too. */
#ifndef MINIVMM_TESTS_GUEST_H
#define MINIVMM_TESTS_GUEST_H

/* The boot-protocol and architectural facts minivmm itself uses
 * (X86_BOOT_*, X86_EFER_*, X86_MSR_EFER): one definition for both sides. */
#include "common/x86.h"

#define GUEST_LOAD_ADDR        0x100000    /* code32_start, pref_address */
#define GUEST_INIT_SIZE        0x200000    /* image + bss must fit */
#define GUEST_KERNEL_ALIGNMENT 0x200000
#define GUEST_INITRD_ADDR_MAX  0x7fffffff
#define GUEST_CMDLINE_SIZE     2047
#define GUEST_BOOT_VERSION     0x020f

/* The ELF forms (guest-elf.ld, linked where guests.mk says):
 * check-elf.elf, entered like a vmlinux through the 64-bit protocol with a
 * setup header minivmm synthesizes, and check-pvh.elf, entered through its
 * PVH note (Xen's docs/misc/pvh.pandoc). */
#define GUEST_ELF_BOOT_VERSION 0x020c      /* the synthesized header's */

/* The payload bzImages (guests.mk: payload-FORMAT.bzimage): check.c linked
 * as an ELF at GUEST_PAYLOAD_LINK_ADDR (check-payload.elf), compressed, and
 * carried as the payload of a bzImage (header.S -DPAYLOAD) whose own code
 * (outer.c) only exits with GUEST_EXIT_OUTER_ENTRY: minivmm should load the
 * ELF itself and pass it the bzImage's own setup header. */
#define GUEST_PAYLOAD_LINK_ADDR   0x1000000  /* pref_address, as Linux's LOAD_PHYSICAL_ADDR */
#define GUEST_PAYLOAD_SETUP_SECTS 2

/* What the form object linked into a guest says it is (guest_form). */
#define GUEST_FORM_BZIMAGE     1           /* header.S */
#define GUEST_FORM_ELF         2           /* form-elf.S */
#define GUEST_FORM_PAYLOAD     3           /* form-payload.S */

/* PVH (Xen's arch-x86/hvm/start_info.h, elfnote.h). */
#define GUEST_XEN_ELFNOTE_GUEST_OS       6
#define GUEST_XEN_ELFNOTE_PHYS32_ENTRY  18
#define GUEST_PVH_START_MAGIC  0x336ec578
#define GUEST_EXPECT_START_INFO 0x6000     /* where minivmm puts it (EBX) */

/* Control registers the entry code sets up (EFER: common/x86.h). */
#define GUEST_CR0_PE           0x1
#define GUEST_CR0_PG           0x80000000
#define GUEST_CR4_PAE          0x20

/* What the contract promises at the 64-bit entry. */
#define GUEST_EXPECT_ZERO_PAGE 0x7000
#define GUEST_EXPECT_RSP       0x8ff0

/* Ports. */
#define GUEST_PORT_COM1        0x3f8       /* 8250 THR; LSR at +5 */
#define GUEST_PORT_DEBUG_EXIT  0xf4        /* isa-debug-exit: status (v << 1) | 1 */
#define GUEST_PORT_I8042_CMD   0x64        /* 0xfe: pulse the reset line */
#define GUEST_PORT_PVPANIC     0x505       /* QEMU's pvpanic: events supported / event */
#define GUEST_PORT_FW_CFG      0x510       /* QEMU's fw_cfg: selector, data at +1, DMA at +4 */

/* Debug-exit values the guests use for their own trouble (odd statuses
 * the tests recognise). */
#define GUEST_EXIT_FAIL        0x7f        /* a check failed: status 255 */
#define GUEST_EXIT_SERIAL      0x7e        /* UART never ready: status 253 */
#define GUEST_EXIT_ENTRY32     0x7d        /* entered at the 32-bit entry: 251 */
#define GUEST_EXIT_ENTRY64     0x7c        /* PVH guest entered at e_entry: 249 */
#define GUEST_EXIT_FWCFG_PASS  0x2a        /* fwcfg.c: every check passed: 85 */
#define GUEST_EXIT_OUTER_ENTRY 0x7b        /* a payload bzImage's own entry ran: 247 */
#define GUEST_EXIT_VIRTIO_PASS 0x29        /* virtio.c: every check passed: 83 */
#define GUEST_EXIT_DTB_PASS    0x28        /* dtb.c: the tree matched: 81 */
#define GUEST_EXIT_DTB_NONE    0x27        /* dtb.c: no tree in setup_data: 79 */
#define GUEST_EXIT_PIC_PASS    0x26        /* pic.c: every check passed: 77 */

#endif
