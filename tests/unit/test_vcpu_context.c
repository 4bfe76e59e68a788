/* kvm/vcpu_context.c: the register table, one-register get/set, and every
 * check that refuses a value before KVM sees it.  Pure: no /dev/kvm. */
#include <string.h>

#include "kvm/kvm.h"
#include "tests/unit/unit.h"

#define EFER_LME X86_EFER_LME
#define EFER_LMA X86_EFER_LMA

/* A 64-bit context like the one boot/ builds for the Linux entry. */
static void long_mode_context(struct kvm_regs *r, struct kvm_sregs *s)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->rflags = 0x2;
	s->cr0 = 0x80000011;      /* PG | ET | PE */
	s->cr4 = 0x20;            /* PAE */
	s->efer = EFER_LME | EFER_LMA;
	s->apic_base = 0xfee00900;
	s->cs.l = 1;
}

/* What KVM reports for a vCPU after reset: real mode, CD | NW | ET. */
static void reset_context(struct kvm_regs *r, struct kvm_sregs *s)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->rflags = 0x2;
	s->cr0 = 0x60000010;
	s->apic_base = 0xfee00900;
	s->cs.db = 0;
}

START_TEST(names_round_trip)
{
	for (int i = 0; i < VCPU_REG_COUNT; i++) {
		const char *name = vcpu_reg_name((enum vcpu_reg)i);
		ck_assert_ptr_nonnull(name);
		enum vcpu_reg got = VCPU_REG_COUNT;
		ck_assert_int_eq(vcpu_reg_by_name(name, &got), 0);
		ck_assert_int_eq(got, i);
		/* Upper case finds the same register. */
		char upper[32];
		size_t n = strlen(name);
		ck_assert_uint_lt(n, sizeof(upper));
		for (size_t j = 0; j <= n; j++)
			upper[j] = (char)(name[j] >= 'a' && name[j] <= 'z' ? name[j] - 32 : name[j]);
		got = VCPU_REG_COUNT;
		ck_assert_int_eq(vcpu_reg_by_name(upper, &got), 0);
		ck_assert_int_eq(got, i);
		/* Names are unique. */
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(name, vcpu_reg_name((enum vcpu_reg)k));
	}
}
END_TEST

START_TEST(names_known_and_unknown)
{
	enum vcpu_reg r;
	ck_assert_int_eq(vcpu_reg_by_name("rax", &r), 0);
	ck_assert_int_eq(r, VCPU_REG_RAX);
	ck_assert_int_eq(vcpu_reg_by_name("Cr3", &r), 0);
	ck_assert_int_eq(r, VCPU_REG_CR3);
	ck_assert_int_eq(vcpu_reg_by_name("EFER", &r), 0);
	ck_assert_int_eq(r, VCPU_REG_EFER);
	r = VCPU_REG_RBX;
	ck_assert_int_eq(vcpu_reg_by_name("xmm0", &r), -1);
	ck_assert_int_eq(vcpu_reg_by_name("", &r), -1);
	ck_assert_int_eq(vcpu_reg_by_name("ra", &r), -1);
	ck_assert_int_eq(vcpu_reg_by_name(NULL, &r), -1);
	ck_assert_int_eq(r, VCPU_REG_RBX);
	ck_assert_ptr_null(vcpu_reg_name(VCPU_REG_COUNT));
	ck_assert_ptr_null(vcpu_reg_name((enum vcpu_reg)-1));
}
END_TEST

/* A valid value for register i, different for every register. */
static uint64_t distinct_value(int i)
{
	switch (i) {
	case VCPU_REG_RFLAGS: return 0x202;
	case VCPU_REG_CR0: return 0x11;
	case VCPU_REG_CR8: return 0xc;
	case VCPU_REG_APIC_BASE: return 0xfee00800;
	default: return 0x100 + (uint64_t)i;
	}
}

/* Each register maps to its own field: writing a distinct value to every
 * register in turn and reading it back through the struct field. */
START_TEST(get_set_every_class)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct error err = { 0 };
	long_mode_context(&r, &s);
	uint64_t v;

	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RAX, 0x1122334455667788ULL, &err), 0);
	ck_assert_uint_eq(r.rax, 0x1122334455667788ULL);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_R15, 0xf15, &err), 0);
	ck_assert_uint_eq(r.r15, 0xf15);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RSP, 0xffff800000001000ULL, &err), 0);
	ck_assert_uint_eq(r.rsp, 0xffff800000001000ULL);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RIP, 0xffffffff81000000ULL, &err), 0);
	ck_assert_uint_eq(r.rip, 0xffffffff81000000ULL);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RFLAGS, 0x246, &err), 0);
	ck_assert_uint_eq(r.rflags, 0x246);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_CR3, 0x9000, &err), 0);
	ck_assert_uint_eq(s.cr3, 0x9000);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_CR2, 0xdeadbeef, &err), 0);
	ck_assert_uint_eq(s.cr2, 0xdeadbeef);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_CR8, 15, &err), 0);
	ck_assert_uint_eq(s.cr8, 15);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_EFER, 0xd01, &err), 0);
	ck_assert_uint_eq(s.efer, 0xd01);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_APIC_BASE, 0xfee00d00, &err), 0);
	ck_assert_uint_eq(s.apic_base, 0xfee00d00);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_SS, 0x18, &err), 0);
	ck_assert_uint_eq(s.ss.selector, 0x18);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_FS_BASE, 0x7f0000001000ULL, &err), 0);
	ck_assert_uint_eq(s.fs.base, 0x7f0000001000ULL);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_GDT_LIMIT, 0xffff, &err), 0);
	ck_assert_uint_eq(s.gdt.limit, 0xffff);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_IDT_BASE, 0xfffffe0000000000ULL, &err), 0);
	ck_assert_uint_eq(s.idt.base, 0xfffffe0000000000ULL);
	/* A selector write leaves the rest of the segment alone. */
	ck_assert_uint_eq(s.ss.base, 0);
	ck_assert_uint_eq(s.cs.l, 1);

	/* Every register reads back what was written to it, and only it. */
	struct kvm_regs r2;
	struct kvm_sregs s2;
	memset(&r2, 0, sizeof(r2));
	memset(&s2, 0, sizeof(s2));   /* EFER 0: not long mode, any address */
	for (int i = 0; i < VCPU_REG_COUNT; i++) {
		if (i == VCPU_REG_EFER)
			continue;
		ck_assert_msg(vcpu_context_set_reg(&r2, &s2, (enum vcpu_reg)i, distinct_value(i),
						   &err) == 0,
			      "%s: %s", vcpu_reg_name((enum vcpu_reg)i), err.msg);
	}
	for (int i = 0; i < VCPU_REG_COUNT; i++) {
		if (i == VCPU_REG_EFER)
			continue;
		ck_assert_int_eq(vcpu_context_get_reg(&r2, &s2, (enum vcpu_reg)i, &v, &err), 0);
		ck_assert_msg(v == distinct_value(i), "%s reads 0x%llx",
			      vcpu_reg_name((enum vcpu_reg)i), (unsigned long long)v);
	}
	ck_assert_uint_eq(r2.rbx, 0x100 + VCPU_REG_RBX);
	ck_assert_uint_eq(s2.tr.selector, 0x100 + VCPU_REG_TR);
	ck_assert_uint_eq(s2.gs.base, 0x100 + VCPU_REG_GS_BASE);
	ck_assert_uint_eq(s2.idt.limit, 0x100 + VCPU_REG_IDT_LIMIT);
}
END_TEST

START_TEST(unknown_register)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct error err = { 0 };
	long_mode_context(&r, &s);
	uint64_t v = 7;
	ck_assert_int_eq(vcpu_context_get_reg(&r, &s, VCPU_REG_COUNT, &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown vCPU register"));
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, (enum vcpu_reg)-1, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown vCPU register -1"));
}
END_TEST

/* A refused value: -1, a message naming the register, the value and the
 * reason, and both structs exactly as before. */
static void assert_refused(struct kvm_regs *r, struct kvm_sregs *s, enum vcpu_reg reg,
			   uint64_t value, const char *value_text, const char *reason)
{
	struct kvm_regs r0 = *r;
	struct kvm_sregs s0 = *s;
	struct error err = { 0 };
	ck_assert_int_eq(vcpu_context_set_reg(r, s, reg, value, &err), -1);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "vCPU register %s: %s refused", vcpu_reg_name(reg),
		 value_text);
	test_assert_error(err.msg, prefix, reason);
	ck_assert_mem_eq(r, &r0, sizeof(r0));
	ck_assert_mem_eq(s, &s0, sizeof(s0));
}

START_TEST(rflags_checked)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode_context(&r, &s);
	assert_refused(&r, &s, VCPU_REG_RFLAGS, 0x0, "0x0", "bit 1 must be 1");
	assert_refused(&r, &s, VCPU_REG_RFLAGS, 0x202 | (1 << 3), "0x20a", "reserved");
	assert_refused(&r, &s, VCPU_REG_RFLAGS, 0x202 | (1 << 5), "0x222", "reserved");
	assert_refused(&r, &s, VCPU_REG_RFLAGS, 0x202 | (1 << 15), "0x8202", "reserved");
	assert_refused(&r, &s, VCPU_REG_RFLAGS, 0x202 | (1 << 22), "0x400202", "SDM Vol. 1 3.4.3");
	assert_refused(&r, &s, VCPU_REG_RFLAGS, 0x8000000000000002ULL, "0x8000000000000002",
		       "reserved");
	/* Every defined flag at once (CF..ID) is fine. */
	struct error err;
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RFLAGS, 0x3f7fd7, &err), 0);
}
END_TEST

START_TEST(cr0_checked)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode_context(&r, &s);
	assert_refused(&r, &s, VCPU_REG_CR0, 0x80000000, "0x80000000", "PG set without PE");
	assert_refused(&r, &s, VCPU_REG_CR0, 0x20000011, "0x20000011", "NW set without CD");
	assert_refused(&r, &s, VCPU_REG_CR0, 0x100000011ULL, "0x100000011", "bits 63:32");
	struct error err;
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_CR0, 0x60000010, &err), 0);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_CR0, 0x80050033, &err), 0);
}
END_TEST

START_TEST(cr4_cr8_checked)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode_context(&r, &s);
	assert_refused(&r, &s, VCPU_REG_CR4, 1ULL << 32, "0x100000000", "bits 63:32");
	assert_refused(&r, &s, VCPU_REG_CR8, 16, "0x10", "above 15");
	struct error err;
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_CR4, 0x3406f0, &err), 0);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_CR8, 0, &err), 0);
}
END_TEST

START_TEST(efer_apic_base_checked)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode_context(&r, &s);
	assert_refused(&r, &s, VCPU_REG_EFER, 0x502, "0x502", "reserved bits");
	assert_refused(&r, &s, VCPU_REG_EFER, 0x10500, "0x10500", "reserved bits");
	assert_refused(&r, &s, VCPU_REG_APIC_BASE, 0xfee00901, "0xfee00901", "reserved");
	assert_refused(&r, &s, VCPU_REG_APIC_BASE, 0xfee00b00, "0xfee00b00", "reserved");
	assert_refused(&r, &s, VCPU_REG_APIC_BASE, 0x10000fee00900ULL | (1ULL << 52),
		       "0x110000fee00900", "reserved");
	struct error err;
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_EFER, 0xfd01, &err), 0);
}
END_TEST

START_TEST(selectors_and_limits_16_bit)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode_context(&r, &s);
	assert_refused(&r, &s, VCPU_REG_CS, 0x10000, "0x10000", "16 bits");
	assert_refused(&r, &s, VCPU_REG_IDT_LIMIT, 0x10000, "0x10000", "16 bits");
}
END_TEST

START_TEST(canonical_in_long_mode)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode_context(&r, &s);
	assert_refused(&r, &s, VCPU_REG_RIP, 0x0000800000000000ULL, "0x800000000000",
		       "not canonical");
	assert_refused(&r, &s, VCPU_REG_GS_BASE, 0xffff7fffffffffffULL, "0xffff7fffffffffff",
		       "SDM Vol. 1 3.3.7.1");
	assert_refused(&r, &s, VCPU_REG_GDT_BASE, 0x1000000000000000ULL, "0x1000000000000000",
		       "not canonical");
	struct error err;
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RIP, 0x00007fffffffffffULL, &err), 0);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RIP, 0xffff800000000000ULL, &err), 0);
	/* Outside long mode the same values are only bits in a register. */
	reset_context(&r, &s);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_RIP, 0x0000800000000000ULL, &err), 0);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_FS_BASE, 0x1000000000000000ULL, &err), 0);
	/* Setting EFER.LMA judges nothing else: that is check_sregs' job. */
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_EFER, EFER_LME | EFER_LMA, &err), 0);
}
END_TEST

START_TEST(check_sregs_accepts_real_states)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct error err = { 0 };
	reset_context(&r, &s);
	ck_assert_msg(vcpu_context_check_sregs(&s, &err) == 0, "%s", err.msg);
	long_mode_context(&r, &s);
	ck_assert_msg(vcpu_context_check_sregs(&s, &err) == 0, "%s", err.msg);
	/* 32-bit protected mode, flat (the PVH entry). */
	reset_context(&r, &s);
	s.cr0 = 0x11;
	s.cs.db = 1;
	ck_assert_msg(vcpu_context_check_sregs(&s, &err) == 0, "%s", err.msg);
	/* Long mode with a 32-bit code segment (compatibility mode). */
	long_mode_context(&r, &s);
	s.cs.l = 0;
	s.cs.db = 1;
	ck_assert_msg(vcpu_context_check_sregs(&s, &err) == 0, "%s", err.msg);
}
END_TEST

static void assert_sregs_refused(const struct kvm_sregs *s, const char *fragment)
{
	struct error err = { 0 };
	ck_assert_int_eq(vcpu_context_check_sregs(s, &err), -1);
	test_assert_error(err.msg, "vCPU special registers: ", fragment);
}

START_TEST(check_sregs_refuses)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	/* LMA without PG. */
	long_mode_context(&r, &s);
	s.cr0 = 0x11;
	assert_sregs_refused(&s, "EFER.LMA must equal EFER.LME && CR0.PG");
	/* LMA without LME. */
	long_mode_context(&r, &s);
	s.efer = EFER_LMA;
	assert_sregs_refused(&s, "efer=0x400");
	/* LME and PG without LMA. */
	long_mode_context(&r, &s);
	s.efer = EFER_LME;
	assert_sregs_refused(&s, "EFER.LMA must equal");
	/* Long mode without PAE. */
	long_mode_context(&r, &s);
	s.cr4 = 0;
	assert_sregs_refused(&s, "needs CR4.PAE");
	/* CS.L and CS.D together. */
	long_mode_context(&r, &s);
	s.cs.db = 1;
	assert_sregs_refused(&s, "CS.L and CS.D both set");
	/* CS.L outside long mode. */
	reset_context(&r, &s);
	s.cs.l = 1;
	assert_sregs_refused(&s, "CS.L set outside long mode");
	/* Each register's own rule, named with its value. */
	reset_context(&r, &s);
	s.cr0 = 0x80000000;
	assert_sregs_refused(&s, "cr0=0x80000000: PG set without PE");
	reset_context(&r, &s);
	s.cr8 = 16;
	assert_sregs_refused(&s, "cr8=0x10");
	reset_context(&r, &s);
	/* EFER bits minivmm does not know are KVM's to judge for a whole
	 * state (a newer CPU may define them); one register set by hand is
	 * still refused. */
	s.efer = 1ULL << 20;
	struct error err = { 0 };
	ck_assert_msg(vcpu_context_check_sregs(&s, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(vcpu_context_set_reg(&r, &s, VCPU_REG_EFER, 1ULL << 21, &err), -1);
	test_assert_error(err.msg, "vCPU register efer: 0x200000 refused: reserved bits");
	long_mode_context(&r, &s);
	s.tr.base = 0x0000800000000000ULL;
	assert_sregs_refused(&s, "tr_base=0x800000000000: not canonical");
}
END_TEST

Suite *vcpu_context_suite(void)
{
	Suite *s = suite_create("vcpu_context");
	TCase *t = tcase_create("vcpu_context");
	tcase_add_test(t, names_round_trip);
	tcase_add_test(t, names_known_and_unknown);
	tcase_add_test(t, get_set_every_class);
	tcase_add_test(t, unknown_register);
	tcase_add_test(t, rflags_checked);
	tcase_add_test(t, cr0_checked);
	tcase_add_test(t, cr4_cr8_checked);
	tcase_add_test(t, efer_apic_base_checked);
	tcase_add_test(t, selectors_and_limits_16_bit);
	tcase_add_test(t, canonical_in_long_mode);
	tcase_add_test(t, check_sregs_accepts_real_states);
	tcase_add_test(t, check_sregs_refuses);
	suite_add_tcase(s, t);
	return s;
}
