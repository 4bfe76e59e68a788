/* The application processors' start-up code (smp.c copies it to a page
 * below 1 MiB and points the SIPI vector at it).
 *
 * After INIT and SIPI an AP starts in real mode at CS:IP = (vector << 8):0
 * (Intel SDM vol. 3A 9.4.4 "MP Initialization Example", 11.6.1 "Interrupt
 * Command Register", START-UP delivery mode).  Everything here is addressed
 * from CS, so the code runs wherever the page is.  Each AP:
 *
 *   takes the next slot with a locked increment of smp_ap_count,
 *   stores its initial APIC ID (CPUID.1:EBX[31:24]) and the low byte of its
 *   x2APIC ID (CPUID.0BH.0:EDX) in that slot of smp_ap_ids/smp_ap_x2ids,
 *   then says it is done (locked increment of smp_ap_done),
 *
 * and halts with interrupts off for good.  The BSP reads the tables once
 * smp_ap_done says the slots are written (x86 stores are seen in order). */

#define SMP_AP_SLOTS 256

	.section .text.smp_ap, "ax"
	.code16
	.globl	smp_ap_start, smp_ap_end
	.globl	smp_ap_count, smp_ap_done, smp_ap_ids, smp_ap_x2ids
	.balign	16
smp_ap_start:
	cli
	movw	%cs, %ax
	movw	%ax, %ds

	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%edx, %edi		/* x2APIC ID */
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	shrl	$24, %ebx		/* initial APIC ID */

	movw	$1, %si
	lock xaddw %si, smp_ap_count - smp_ap_start
	cmpw	$SMP_AP_SLOTS, %si
	jae	1f			/* more APs than slots: counted only */
	movb	%bl, smp_ap_ids - smp_ap_start(%si)
	movw	%di, %ax
	movb	%al, smp_ap_x2ids - smp_ap_start(%si)
	lock incw smp_ap_done - smp_ap_start
1:	cli
	hlt
	jmp	1b

	.balign	4
smp_ap_count:	.word 0		/* slots taken */
smp_ap_done:	.word 0		/* slots written */
smp_ap_ids:	.fill SMP_AP_SLOTS, 1, 0xff
smp_ap_x2ids:	.fill SMP_AP_SLOTS, 1, 0xff
smp_ap_end:

/* crash-ap=1 (smp.c): an IDT of limit 0, then an exception.  Neither it nor
 * the #DF can be delivered, so the AP shuts down (triple fault), or, where
 * KVM emulates real mode (kvm_pvm), the emulation fails; minivmm must
 * report that vCPU either way. */
	.globl	smp_ap_crash, smp_ap_crash_end
	.balign	16
smp_ap_crash:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	lidt	smp_ap_crash_idt - smp_ap_crash
	ud2
2:	hlt
	jmp	2b
smp_ap_crash_idt:
	.word	0		/* limit */
	.long	0		/* base */
smp_ap_crash_end:
	.code64

	.section .note.GNU-stack, "", @progbits
