/* The first vCPU's state for each entry protocol.
 *
 * 64-bit Linux (boot.rst "64-bit BOOT PROTOCOL"): long mode with paging on
 * and the identity map loaded, CS and DS/ES/SS flat with the selectors of
 * the boot GDT, interrupts off, RSI = boot_params, RIP = load address + 0x200.
 *
 * PVH (Xen's docs/misc/pvh.pandoc, the entry's machine state): 32-bit
 * protected mode with paging off, CS flat 32-bit execute/read, DS/ES flat
 * read/write, TR a busy 32-bit TSS, EBX = hvm_start_info,
 * EFLAGS.IF/TF/VM = 0.
 *
 * Both use the one GDT gdt_build writes (gdt.c), so the segment and table
 * setup is shared. */
#include <string.h>

#include <asm/processor-flags.h>

#include "boot/boot.h"
#include "common/x86.h"

/* RFLAGS bit 1 is reserved and reads as 1 (SDM Vol. 1, "EFLAGS Register");
 * IF = 0 as boot.rst requires, and TF = VM = 0 as PVH requires. */
#define BOOT_RFLAGS   X86_EFLAGS_FIXED
/* CR0: protected mode and paging (long mode needs both, SDM Vol. 3A "IA-32e
 * Mode Initialization"), ET (hard-wired 1) and NE (native x87 errors, as
 * Linux sets them).  Assigned, not or-ed: KVM's reset value has CD and NW
 * set, which would run the decompressor with caches off. */
#define BOOT_CR0      (X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG)
/* PVH: "bit 0 (PE) must be set. All the other writeable bits are cleared"
 * (pvh.pandoc); ET is hard-wired to 1 (SDM Vol. 3A "CR0"), so it is what
 * CR0 reads anyway.  Assigned for the same reason as BOOT_CR0: CD and NW
 * must not survive. */
#define BOOT_CR0_PVH  (X86_CR0_PE | X86_CR0_ET)

/* Segment types and the EFER bits: common/x86.h, the same values gdt.c
 * writes. */

/* The hidden parts KVM loads must match the GDT descriptors gdt_build writes
 * (gdt.c): flat 4 GiB, base 0, G=1.  Only 64-bit code has L=1, and L=1
 * requires D=0 (SDM "Segment Descriptors"); every other boot segment is a
 * 32-bit one (D/B=1). */
static struct kvm_segment boot_flat_segment(uint16_t selector, uint8_t type, int long_mode)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = long_mode ? 0 : 1,
		.s = 1,
		.l = long_mode ? 1 : 0,
		.g = 1,
	};
}

/* VM entry requires TR to be a busy TSS: the 64-bit kind in IA-32e mode, a
 * 32-bit (or 16-bit) one outside it (SDM Vol. 3C, "Checks on Guest Segment
 * Registers").  Type 0xb is both, so one TSS descriptor serves either entry. */
static struct kvm_segment boot_tss_segment(void)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0x67,
		.selector = BOOT_GDT_TSS_SEL,
		.type = X86_SEG_TYPE_TSS_BUSY,
		.present = 1,
		.s = 0,
		.g = 0,
	};
}

/* Loads cs, the flat data segment into DS/ES/FS/GS/SS, the TSS, the GDT and
 * the empty IDT, as gdt_build laid them out.  LDT and the rest of sregs keep
 * the vCPU's values. */
static void boot_segments_and_tables(struct kvm_sregs *sregs, struct kvm_segment cs)
{
	struct kvm_segment data = boot_flat_segment(BOOT_GDT_DATA_SEL, X86_SEG_TYPE_DATA_RWA, 0);
	sregs->cs = cs;
	sregs->ds = data;
	sregs->es = data;
	sregs->fs = data;
	sregs->gs = data;
	sregs->ss = data;
	sregs->tr = boot_tss_segment();

	sregs->gdt.base = LAYOUT_GDT;
	sregs->gdt.limit = BOOT_GDT_ENTRIES * 8 - 1;
	sregs->idt.base = LAYOUT_IDT;
	sregs->idt.limit = 0;
}

void boot_vcpu_state_linux64(struct kvm_regs *regs, struct kvm_sregs *sregs,
			     uint64_t entry, uint64_t boot_params_gpa)
{
	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rsi = boot_params_gpa;
	regs->rsp = LAYOUT_BOOT_STACK;
	regs->rbp = LAYOUT_BOOT_STACK;
	regs->rflags = BOOT_RFLAGS;

	boot_segments_and_tables(sregs,
		boot_flat_segment(BOOT_GDT_CODE_SEL, X86_SEG_TYPE_CODE_XRA, 1));

	sregs->cr0 = BOOT_CR0;
	sregs->cr3 = LAYOUT_PML4;
	sregs->cr4 |= X86_CR4_PAE;
	sregs->efer |= X86_EFER_LME | X86_EFER_LMA;
}

void boot_vcpu_state_pvh(struct kvm_regs *regs, struct kvm_sregs *sregs, uint64_t entry,
			 uint64_t start_info_gpa)
{
	/* pvh.pandoc: everything but EBX and the entry point is unspecified;
	 * zero it rather than hand the guest whatever the vCPU held. */
	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rbx = start_info_gpa;
	regs->rflags = BOOT_RFLAGS;

	boot_segments_and_tables(sregs,
		boot_flat_segment(BOOT_GDT_CODE32_SEL, X86_SEG_TYPE_CODE_XRA, 0));

	/* Paging off and no long mode: CR4 = 0 as pvh.pandoc asks, and EFER
	 * cleared so that no LME/LMA (or anything else KVM left) survives. */
	sregs->cr0 = BOOT_CR0_PVH;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
}
