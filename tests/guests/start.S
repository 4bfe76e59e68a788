/* Entry points of the protected-mode image, linked at GUEST_LOAD_ADDR.
 *
 * +0x000: the 32-bit entry (boot.rst).  minivmm must not use it; if it does,
 *         report that through debug-exit rather than run on in the wrong mode.
 * +0x200: the 64-bit entry.  Records the entry state the contract promises
 *         (RSP, RSI, RFLAGS, segment selectors), moves to the guest's own
 *         stack (the boot stack at 0x8ff0 sits right above the zero page),
 *         clears .bss and calls guest_main(boot_params). */

#include "guest.h"

	.section .text.start, "ax"
	.globl	startup_32
	.code32
startup_32:
	movw	$GUEST_PORT_DEBUG_EXIT, %dx
	movb	$GUEST_EXIT_ENTRY32, %al
	outb	%al, %dx
	ud2
	.org	X86_BOOT_ENTRY64_OFFSET, 0xcc

	.code64
	.globl	startup_64
startup_64:
	movq	%rsp, entry_rsp(%rip)
	movq	%rsi, entry_rsi(%rip)
	movw	%cs, entry_cs(%rip)
	movw	%ds, entry_ds(%rip)
	movw	%ss, entry_ss(%rip)
	leaq	guest_stack_top(%rip), %rsp
	pushfq
	popq	entry_rflags(%rip)
	cld
	/* .bss holds the stack we are on; nothing is on it yet. */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx		/* guest.ld aligns both ends to 16 */
	xorl	%eax, %eax
	rep stosq
	movq	entry_rsi(%rip), %rdi
	call	guest_main
	jmp	guest_triple_fault

	.section .data.entry, "aw"
	.balign	8
	.globl	entry_rsp, entry_rsi, entry_rflags, entry_cs, entry_ds, entry_ss
entry_rsp:	.quad 0
entry_rsi:	.quad 0
entry_rflags:	.quad 0
entry_cs:	.word 0
entry_ds:	.word 0
entry_ss:	.word 0

	.section .bss.stack, "aw", @nobits
	.balign	16
	.space	16384
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
