/* halt-pvh.elf: the guest of the memory benchmark.  Its PVH entry (Xen's
 * XEN_ELFNOTE_PHYS32_ENTRY) halts with interrupts off for ever, touching
 * nothing: whatever the VMM process holds in memory beyond the pages it
 * loaded into guest RAM is the VMM's own overhead. */
#include "elfnote.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

	ELFNOTE	Xen, XEN_ELFNOTE_PHYS32_ENTRY, .quad bench_halt_start32

	.section .text.start, "ax"
	.code32
	.globl	bench_halt_start32
bench_halt_start32:
	cli
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
