/* The vCPU register context, pure part: one table naming every register a
 * crash report or a debugger needs, where it lives in KVM's kvm_regs /
 * kvm_sregs, and the architectural rules a value must follow.  No ioctl here:
 * kvm/vcpu_regs.c wraps these for a live vCPU.  The shape follows seL4's
 * guest_x86_context.h (get/set the whole context or one register). */
#include <stddef.h>
#include <strings.h>

#include <asm/processor-flags.h>

#include "common/x86.h"
#include "kvm/kvm.h"

/* How a register's value is checked before it is stored. */
enum vcpu_reg_check {
	CHECK_NONE,
	CHECK_RFLAGS,
	CHECK_CR0,
	CHECK_CR4,
	CHECK_CR8,
	CHECK_EFER,
	CHECK_APIC_BASE,
	CHECK_U16,       /* selectors, descriptor-table limits */
	CHECK_ADDRESS,   /* RIP and bases: canonical in long mode */
};

struct vcpu_reg_desc {
	const char *name;
	bool in_sregs;
	uint8_t width;   /* bytes: 8 or 2 */
	uint8_t check;   /* enum vcpu_reg_check */
	size_t offset;
};

#define R(id, field, chk) \
	[VCPU_REG_##id] = { #field, false, 8, chk, offsetof(struct kvm_regs, field) }
#define S(id, name, field, width, chk) \
	[VCPU_REG_##id] = { name, true, width, chk, offsetof(struct kvm_sregs, field) }

static const struct vcpu_reg_desc vcpu_regs[VCPU_REG_COUNT] = {
	R(RAX, rax, CHECK_NONE), R(RBX, rbx, CHECK_NONE), R(RCX, rcx, CHECK_NONE),
	R(RDX, rdx, CHECK_NONE), R(RSI, rsi, CHECK_NONE), R(RDI, rdi, CHECK_NONE),
	R(RSP, rsp, CHECK_NONE), R(RBP, rbp, CHECK_NONE), R(R8, r8, CHECK_NONE),
	R(R9, r9, CHECK_NONE), R(R10, r10, CHECK_NONE), R(R11, r11, CHECK_NONE),
	R(R12, r12, CHECK_NONE), R(R13, r13, CHECK_NONE), R(R14, r14, CHECK_NONE),
	R(R15, r15, CHECK_NONE), R(RIP, rip, CHECK_ADDRESS), R(RFLAGS, rflags, CHECK_RFLAGS),
	S(CR0, "cr0", cr0, 8, CHECK_CR0),
	S(CR2, "cr2", cr2, 8, CHECK_NONE),
	S(CR3, "cr3", cr3, 8, CHECK_NONE),   /* bits above MAXPHYADDR: left to KVM */
	S(CR4, "cr4", cr4, 8, CHECK_CR4),
	S(CR8, "cr8", cr8, 8, CHECK_CR8),
	S(EFER, "efer", efer, 8, CHECK_EFER),
	S(APIC_BASE, "apic_base", apic_base, 8, CHECK_APIC_BASE),
	S(CS, "cs", cs.selector, 2, CHECK_U16),
	S(DS, "ds", ds.selector, 2, CHECK_U16),
	S(ES, "es", es.selector, 2, CHECK_U16),
	S(FS, "fs", fs.selector, 2, CHECK_U16),
	S(GS, "gs", gs.selector, 2, CHECK_U16),
	S(SS, "ss", ss.selector, 2, CHECK_U16),
	S(TR, "tr", tr.selector, 2, CHECK_U16),
	S(FS_BASE, "fs_base", fs.base, 8, CHECK_ADDRESS),
	S(GS_BASE, "gs_base", gs.base, 8, CHECK_ADDRESS),
	S(TR_BASE, "tr_base", tr.base, 8, CHECK_ADDRESS),
	S(GDT_BASE, "gdt_base", gdt.base, 8, CHECK_ADDRESS),
	S(GDT_LIMIT, "gdt_limit", gdt.limit, 2, CHECK_U16),
	S(IDT_BASE, "idt_base", idt.base, 8, CHECK_ADDRESS),
	S(IDT_LIMIT, "idt_limit", idt.limit, 2, CHECK_U16),
};

#undef R
#undef S

/* Architectural bits (SDM Vol. 3A 2.5 control registers, 2.2.1 EFER):
 * CR0 and CR4 from asm/processor-flags.h, EFER from common/x86.h. */
/* SCE, LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE: every other bit is reserved. */
#define EFER_DEFINED 0xfd01ULL
/* SDM Vol. 1 3.4.3: bit 1 reads as 1; bits 3, 5, 15 and 22-63 are reserved 0. */
#define RFLAGS_FIXED1   (1ULL << 1)
#define RFLAGS_RESERVED ((1ULL << 3) | (1ULL << 5) | (1ULL << 15) | ~((1ULL << 22) - 1))
/* SDM Vol. 3A 10.4.4 (IA32_APIC_BASE): bits 7:0 and 9 are reserved, and so are
 * bits 63:52 whatever MAXPHYADDR is; lower base bits are left to KVM. */
#define APIC_BASE_RESERVED (0xffULL | (1ULL << 9) | ~((1ULL << 52) - 1))

int vcpu_reg_by_name(const char *name, enum vcpu_reg *out)
{
	if (!name)
		return -1;
	for (int i = 0; i < VCPU_REG_COUNT; i++) {
		if (strcasecmp(name, vcpu_regs[i].name) == 0) {
			*out = (enum vcpu_reg)i;
			return 0;
		}
	}
	return -1;
}

static bool vcpu_reg_valid(enum vcpu_reg reg)
{
	return (unsigned)reg < VCPU_REG_COUNT;
}

const char *vcpu_reg_name(enum vcpu_reg reg)
{
	return vcpu_reg_valid(reg) ? vcpu_regs[reg].name : NULL;
}

/* SDM Vol. 1 3.3.7.1: with 48-bit linear addresses, bits 63:47 are all equal. */
static bool vcpu_addr_canonical(uint64_t addr)
{
	uint64_t top = addr >> 47;
	return top == 0 || top == 0x1ffff;
}

/* The reason value is not acceptable for reg, or NULL.  efer is the EFER the
 * vCPU will run with (it decides whether addresses must be canonical). */
static const char *vcpu_reg_check_value(const struct vcpu_reg_desc *d, uint64_t value,
					uint64_t efer)
{
	switch ((enum vcpu_reg_check)d->check) {
	case CHECK_NONE:
		return NULL;
	case CHECK_RFLAGS:
		if (!(value & RFLAGS_FIXED1))
			return "bit 1 must be 1 (SDM Vol. 1 3.4.3)";
		if (value & RFLAGS_RESERVED)
			return "reserved bits 3, 5, 15 or 63:22 set (SDM Vol. 1 3.4.3)";
		return NULL;
	case CHECK_CR0:
		if (value >> 32)
			return "reserved bits 63:32 set (SDM Vol. 3A 2.5)";
		if ((value & X86_CR0_PG) && !(value & X86_CR0_PE))
			return "PG set without PE (SDM Vol. 3A 2.5)";
		if ((value & X86_CR0_NW) && !(value & X86_CR0_CD))
			return "NW set without CD (SDM Vol. 3A 2.5)";
		return NULL;
	case CHECK_CR4:
		/* Lower reserved bits depend on the CPU: KVM checks those. */
		return value >> 32 ? "reserved bits 63:32 set (SDM Vol. 3A 2.5)" : NULL;
	case CHECK_CR8:
		return value > 15 ? "TPR class above 15 (SDM Vol. 3A 2.5)" : NULL;
	case CHECK_EFER:
		return value & ~EFER_DEFINED ? "reserved bits set (SDM Vol. 3A 2.2.1)" : NULL;
	case CHECK_APIC_BASE:
		return value & APIC_BASE_RESERVED ?
		       "reserved bits 7:0, 9 or 63:52 set (SDM Vol. 3A 10.4.4)" : NULL;
	case CHECK_U16:
		return value > 0xffff ? "wider than 16 bits" : NULL;
	case CHECK_ADDRESS:
		if ((efer & X86_EFER_LMA) && !vcpu_addr_canonical(value))
			return "not canonical in long mode (SDM Vol. 1 3.3.7.1)";
		return NULL;
	}
	return NULL;
}

static void *vcpu_reg_field(const struct vcpu_reg_desc *d, const void *regs, const void *sregs)
{
	return (char *)(d->in_sregs ? sregs : regs) + d->offset;
}

static int vcpu_reg_unknown(enum vcpu_reg reg, struct error *err)
{
	return error_set(err, "unknown vCPU register %d", (int)reg);
}

int vcpu_context_get_reg(const struct kvm_regs *regs, const struct kvm_sregs *sregs,
			 enum vcpu_reg reg, uint64_t *out, struct error *err)
{
	if (!vcpu_reg_valid(reg))
		return vcpu_reg_unknown(reg, err);
	const struct vcpu_reg_desc *d = &vcpu_regs[reg];
	const void *p = vcpu_reg_field(d, regs, sregs);
	*out = d->width == 8 ? *(const uint64_t *)p : *(const uint16_t *)p;
	return 0;
}

int vcpu_context_set_reg(struct kvm_regs *regs, struct kvm_sregs *sregs, enum vcpu_reg reg,
			 uint64_t value, struct error *err)
{
	if (!vcpu_reg_valid(reg))
		return vcpu_reg_unknown(reg, err);
	const struct vcpu_reg_desc *d = &vcpu_regs[reg];
	/* A new EFER decides for itself whether the vCPU is in long mode. */
	uint64_t efer = reg == VCPU_REG_EFER ? value : sregs->efer;
	const char *why = vcpu_reg_check_value(d, value, efer);
	if (why)
		return error_set(err, "vCPU register %s: 0x%llx refused: %s", d->name,
				 (unsigned long long)value, why);
	void *p = vcpu_reg_field(d, regs, sregs);
	if (d->width == 8)
		*(uint64_t *)p = value;
	else
		*(uint16_t *)p = (uint16_t)value;
	return 0;
}

int vcpu_context_check_sregs(const struct kvm_sregs *s, struct error *err)
{
	for (int i = 0; i < VCPU_REG_COUNT; i++) {
		const struct vcpu_reg_desc *d = &vcpu_regs[i];
		/* EFER's reserved bits depend on the CPU (AMD keeps adding
		 * some), and KVM checks them against it; a state KVM itself
		 * reported must not be refused here. */
		if (!d->in_sregs || d->check == CHECK_EFER)
			continue;
		uint64_t value;
		vcpu_context_get_reg(NULL, s, (enum vcpu_reg)i, &value, NULL);
		const char *why = vcpu_reg_check_value(d, value, s->efer);
		if (why)
			return error_set(err, "vCPU special registers: %s=0x%llx: %s", d->name,
					 (unsigned long long)value, why);
	}
	/* The rules KVM_SET_SREGS enforces with a bare EINVAL: EFER.LME with
	 * CR0.PG is IA-32e mode, which needs CR4.PAE and EFER.LMA; outside it
	 * EFER.LMA and CS.L must be clear (SDM Vol. 3A 2.2.1, 9.8.5). */
	bool ia32e = (s->efer & X86_EFER_LME) && (s->cr0 & X86_CR0_PG);
	if (ia32e && !(s->cr4 & X86_CR4_PAE))
		return error_set(err, "vCPU special registers: long mode (efer=0x%llx cr0=0x%llx) "
				 "needs CR4.PAE, cr4=0x%llx (SDM Vol. 3A 9.8.5)",
				 (unsigned long long)s->efer, (unsigned long long)s->cr0,
				 (unsigned long long)s->cr4);
	if (ia32e != !!(s->efer & X86_EFER_LMA))
		return error_set(err, "vCPU special registers: EFER.LMA must equal EFER.LME && "
				 "CR0.PG (efer=0x%llx cr0=0x%llx, SDM Vol. 3A 2.2.1)",
				 (unsigned long long)s->efer, (unsigned long long)s->cr0);
	if (!ia32e && s->cs.l)
		return error_set(err, "vCPU special registers: CS.L set outside long mode "
				 "(efer=0x%llx, SDM Vol. 3A 5.2.1)", (unsigned long long)s->efer);
	/* SDM Vol. 3A 5.2.1: L=1 with D=1 is reserved. */
	if (ia32e && s->cs.l && s->cs.db)
		return error_set(err, "vCPU special registers: CS.L and CS.D both set in long mode "
				 "(SDM Vol. 3A 5.2.1)");
	return 0;
}
