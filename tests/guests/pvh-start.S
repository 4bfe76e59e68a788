/* Entry of the PVH checking guest check-pvh.elf (Xen's docs/misc/pvh.pandoc;
 * after Linux's arch/x86/platform/pvh/head.S).
 *
 * The PT_NOTE carries two Xen notes, the PVH entry note second, so a loader
 * must walk them: XEN_ELFNOTE_GUEST_OS, then XEN_ELFNOTE_PHYS32_ENTRY with
 * the 32-bit physical entry pvh_start32 as 8 bytes, as Linux emits it.
 *
 * pvh_start32 is entered in 32-bit protected mode with paging off, EBX =
 * hvm_start_info.  It records that state before touching it (EBX, CR0, CR4,
 * EFER, EFLAGS, the selectors: pvh.c checks them), clears .bss, builds an
 * identity map of [0, 4 GiB) with 2 MiB pages in .bss, enables PAE,
 * EFER.LME and paging, loads its own GDT, far-jumps to 64-bit code and calls
 * pvh_main(start_info).  Linked at a fixed address (guest-elf.ld): the PVH
 * entry is a physical address, not relocatable.
 *
 * e_entry is pvh_wrong_entry64: a loader that enters this ELF through the
 * 64-bit protocol (--boot linux64) lands there and the guest exits with
 * GUEST_EXIT_ENTRY64 instead of running on in the wrong mode. */
#include "guest.h"
#include "elfnote.h"

#define PTE_PRESENT_RW 0x003
#define PDE_2M_PAGE    0x083   /* present, writable, PS */
#define PVH_CODE64_SEL 0x08
#define PVH_DATA_SEL   0x10

	ELFNOTE	Xen, GUEST_XEN_ELFNOTE_GUEST_OS, .asciz "minivmm-check-pvh"
	ELFNOTE	Xen, GUEST_XEN_ELFNOTE_PHYS32_ENTRY, .quad pvh_start32

	.section .text.start, "ax"
	.code32
	.globl	pvh_start32
pvh_start32:
	/* The stores need a flat DS, which the entry contract promises. */
	movl	%ebx, pvh_entry_ebx
	movl	%cr0, %eax
	movl	%eax, pvh_entry_cr0
	movl	%cr4, %eax
	movl	%eax, pvh_entry_cr4
	movl	$X86_MSR_EFER, %ecx
	rdmsr
	movl	%eax, pvh_entry_efer
	movw	%cs, pvh_entry_cs
	movw	%ds, pvh_entry_ds
	movw	%es, pvh_entry_es
	movw	%ss, pvh_entry_ss
	/* The contract gives no stack. */
	movl	$pvh_stack_top, %esp
	pushfl
	popl	pvh_entry_eflags
	cld

	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx		/* guest-elf.ld aligns both ends to 16 */
	xorl	%eax, %eax
	rep stosl

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories; 2048 PDEs. */
	movl	$(pvh_pdpt + PTE_PRESENT_RW), %eax
	movl	%eax, pvh_pml4
	movl	$(pvh_pd + PTE_PRESENT_RW), %eax
	xorl	%ecx, %ecx
1:	movl	%eax, pvh_pdpt(, %ecx, 8)
	addl	$4096, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	movl	$PDE_2M_PAGE, %eax
	xorl	%ecx, %ecx
2:	movl	%eax, pvh_pd(, %ecx, 8)
	addl	$0x200000, %eax
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	/* Long mode (Intel SDM vol. 3 §10.8.5): PAE, CR3, EFER.LME, paging. */
	movl	%cr4, %eax
	orl	$GUEST_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pvh_pml4, %eax
	movl	%eax, %cr3
	movl	$X86_MSR_EFER, %ecx
	rdmsr
	orl	$X86_EFER_LME, %eax
	wrmsr
	lgdt	pvh_gdt_desc
	movl	%cr0, %eax
	orl	$(GUEST_CR0_PG | GUEST_CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$PVH_CODE64_SEL, $pvh_start64

	.code64
pvh_start64:
	movw	$PVH_DATA_SEL, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	leaq	pvh_stack_top(%rip), %rsp
	movl	pvh_entry_ebx(%rip), %edi
	call	pvh_main
	jmp	guest_triple_fault

	.globl	pvh_wrong_entry64
pvh_wrong_entry64:
	movw	$GUEST_PORT_DEBUG_EXIT, %dx
	movb	$GUEST_EXIT_ENTRY64, %al
	outb	%al, %dx
	ud2

	.section .data.pvh, "aw"
	.balign	8
pvh_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat */
pvh_gdt_end:
pvh_gdt_desc:
	.word	pvh_gdt_end - pvh_gdt - 1
	.long	pvh_gdt

	.balign	4
	.globl	pvh_entry_ebx, pvh_entry_cr0, pvh_entry_cr4, pvh_entry_efer, pvh_entry_eflags
	.globl	pvh_entry_cs, pvh_entry_ds, pvh_entry_es, pvh_entry_ss
	.hidden	pvh_entry_ebx, pvh_entry_cr0, pvh_entry_cr4, pvh_entry_efer, pvh_entry_eflags
	.hidden	pvh_entry_cs, pvh_entry_ds, pvh_entry_es, pvh_entry_ss
pvh_entry_ebx:		.long 0
pvh_entry_cr0:		.long 0
pvh_entry_cr4:		.long 0
pvh_entry_efer:		.long 0
pvh_entry_eflags:	.long 0
pvh_entry_cs:		.word 0
pvh_entry_ds:		.word 0
pvh_entry_es:		.word 0
pvh_entry_ss:		.word 0

	.section .bss.pvh_page_tables, "aw", @nobits
	.balign	4096
pvh_pml4:	.space	4096
pvh_pdpt:	.space	4096
pvh_pd:		.space	4 * 4096

	.section .bss.stack, "aw", @nobits
	.balign	16
	.space	16384
pvh_stack_top:

	.section .note.GNU-stack, "", @progbits
