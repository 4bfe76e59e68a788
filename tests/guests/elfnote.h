/* ELFNOTE name, type, desc...: one ELF note (System V gABI "Note Section":
 * namesz, descsz, type, then name and desc each padded to 4 bytes) in
 * .note.Xen, which guest-elf.ld puts in the guest's PT_NOTE segment.  The
 * same layout as Linux's include/linux/elfnote.h; assembly only. */
#ifndef MINIVMM_TESTS_GUEST_ELFNOTE_H
#define MINIVMM_TESTS_GUEST_ELFNOTE_H

#ifdef __ASSEMBLER__
	.macro	ELFNOTE name, type, desc:vararg
	.pushsection .note.Xen, "a", @note
	.balign	4
	.long	2f - 1f		/* namesz */
	.long	4f - 3f		/* descsz */
	.long	\type
1:	.asciz	"\name"
2:	.balign	4
3:	\desc
4:	.balign	4
	.popsection
	.endm
#endif

#endif
