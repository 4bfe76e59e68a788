/* What makes check.c the ELF inside the payload bzImages (check-payload.elf,
 * guests.mk): the guest's view of its form, of the setup header minivmm must
 * hand it (the outer bzImage's: header.S -DPAYLOAD with setup_sects
 * GUEST_PAYLOAD_SETUP_SECTS), and a PVH entry note, as Debian's vmlinux has
 * (CONFIG_PVH): minivmm must still enter through the 64-bit protocol with
 * that header.  The note points at start.S's 32-bit entry, which exits with
 * GUEST_EXIT_ENTRY32 if it is ever taken. */
#include "guest.h"
#include "elfnote.h"

	.section .rodata.guest_setup, "a"
	.globl	guest_setup_sects, guest_relocatable, guest_form
	.hidden	guest_setup_sects, guest_relocatable, guest_form
guest_setup_sects:
	.byte	GUEST_PAYLOAD_SETUP_SECTS
guest_relocatable:
	.byte	1		/* the outer header's relocatable_kernel */
guest_form:
	.byte	GUEST_FORM_PAYLOAD

	ELFNOTE	Xen, GUEST_XEN_ELFNOTE_GUEST_OS, .asciz "minivmm-check-payload"
	ELFNOTE	Xen, GUEST_XEN_ELFNOTE_PHYS32_ENTRY, .quad startup_32

	.section .note.GNU-stack, "", @progbits
