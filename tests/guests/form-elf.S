/* What makes check.c the ELF form check-elf.elf (header.S makes the bzImage
 * form): the guest's view of its form, and a PT_NOTE that holds a Xen note
 * which is not the PVH entry note, as a vmlinux has several (Debian 6.1's
 * does): minivmm must not take this ELF for a PVH kernel. */
#include "guest.h"
#include "elfnote.h"

	.section .rodata.guest_setup, "a"
	.globl	guest_setup_sects, guest_relocatable, guest_form
	.hidden	guest_setup_sects, guest_relocatable, guest_form
guest_setup_sects:
	.byte	0		/* no setup area */
guest_relocatable:
	.byte	1		/* position-independent, like check.bzimage */
guest_form:
	.byte	GUEST_FORM_ELF

	ELFNOTE	Xen, GUEST_XEN_ELFNOTE_GUEST_OS, .asciz "minivmm-check-elf"

	.section .note.GNU-stack, "", @progbits
