/* exit-pvh.elf: the trivial guest of the start-to-exit benchmark.  Its PVH
 * entry (Xen's XEN_ELFNOTE_PHYS32_ENTRY, the note both minivmm and QEMU's
 * microvm boot from) writes 0 to the debug-exit port at once, so the VMM
 * ends with status (0 << 1) | 1 = 1: what is timed is the VMM's own start
 * and teardown, not the guest.  The hlt loop only runs if the port is
 * missing, and then the benchmark's status check fails. */
#include "elfnote.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PORT_DEBUG_EXIT          0xf4

	ELFNOTE	Xen, XEN_ELFNOTE_PHYS32_ENTRY, .quad bench_exit_start32

	.section .text.start, "ax"
	.code32
	.globl	bench_exit_start32
bench_exit_start32:
	movb	$0, %al
	outb	%al, $PORT_DEBUG_EXIT
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
