/* The first vCPU's state for the 64-bit Linux entry (boot.rst "64-bit BOOT
 * PROTOCOL"): long mode with paging on and the identity map loaded, CS and
 * DS/ES/SS flat with the selectors of the boot GDT, interrupts off, RSI =
 * boot_params, RIP = load address + 0x200. */
#include <string.h>

#include <asm/processor-flags.h>

#include "boot/boot.h"

/* IA32_EFER (SDM Vol. 4, MSR 0xc0000080): long mode enable and active.
 * Not in the UAPI headers. */
#define BOOT_EFER_LME (1ULL << 8)
#define BOOT_EFER_LMA (1ULL << 10)
/* RFLAGS bit 1 is reserved and reads as 1 (SDM Vol. 1, "EFLAGS Register");
 * IF = 0 as boot.rst requires. */
#define BOOT_RFLAGS   X86_EFLAGS_FIXED
/* CR0: protected mode and paging (long mode needs both, SDM Vol. 3A "IA-32e
 * Mode Initialization"), ET (hard-wired 1) and NE (native x87 errors, as
 * Linux sets them).  Assigned, not or-ed: KVM's reset value has CD and NW
 * set, which would run the decompressor with caches off. */
#define BOOT_CR0      (X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG)

/* The hidden parts KVM loads must match the GDT descriptors gdt_build writes
 * (gdt.c): flat 4 GiB, base 0, G=1. */
static struct kvm_segment boot_flat_segment(uint16_t selector, uint8_t type, int code)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = code ? 0 : 1,  /* L=1 requires D=0 for 64-bit code */
		.s = 1,
		.l = code ? 1 : 0,
		.g = 1,
	};
}

static struct kvm_segment boot_tss_segment(void)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0x67,
		.selector = BOOT_GDT_TSS_SEL,
		.type = 0xb,  /* busy 64-bit TSS: VM entry insists on it in IA-32e mode */
		.present = 1,
		.s = 0,
		.g = 0,
	};
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

	struct kvm_segment data = boot_flat_segment(BOOT_GDT_DATA_SEL, 0x3, 0);
	sregs->cs = boot_flat_segment(BOOT_GDT_CODE_SEL, 0xb, 1);
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

	sregs->cr0 = BOOT_CR0;
	sregs->cr3 = LAYOUT_PML4;
	sregs->cr4 |= X86_CR4_PAE;
	sregs->efer |= BOOT_EFER_LME | BOOT_EFER_LMA;
}
