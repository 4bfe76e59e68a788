/* boot/vcpu_state.c: the registers for the 64-bit entry, and their
 * agreement with the GDT that gdt_build writes. */
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

#define ENTRY 0x100200ULL

/* What KVM reports for a fresh vCPU (as far as this test cares): the
 * values minivmm does not set must survive. */
static void reset_sregs(struct kvm_sregs *s)
{
	memset(s, 0x5a, sizeof(*s));
	s->cr0 = 0x60000010;       /* CD | NW | ET */
	s->cr4 = 0x200;            /* OSFXSR, as a stand-in for any other bit */
	s->efer = 0x1;             /* SCE */
	s->apic_base = 0xfee00900;
}

START_TEST(test_general_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	memset(&regs, 0x77, sizeof(regs));
	reset_sregs(&sregs);
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	struct kvm_regs expect;
	memset(&expect, 0, sizeof(expect));
	expect.rip = ENTRY;
	expect.rsi = LAYOUT_ZERO_PAGE;
	expect.rsp = LAYOUT_BOOT_STACK;
	expect.rbp = LAYOUT_BOOT_STACK;
	expect.rflags = 0x2;
	ck_assert_mem_eq(&regs, &expect, sizeof(regs));
	ck_assert_uint_eq(regs.rflags & 0x200, 0);  /* IF = 0 */
}
END_TEST

START_TEST(test_control_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	ck_assert_uint_eq(sregs.cr0, 0x80000031);   /* PG | NE | ET | PE, caches on */
	ck_assert_uint_eq(sregs.cr3, LAYOUT_PML4);
	ck_assert_uint_eq(sregs.cr4, 0x200 | 0x20);  /* kept | PAE */
	ck_assert_uint_eq(sregs.efer, 0x1 | 0x100 | 0x400);  /* kept | LME | LMA */
	ck_assert_uint_eq(sregs.apic_base, 0xfee00900);
	ck_assert_uint_eq(sregs.gdt.base, LAYOUT_GDT);
	ck_assert_uint_eq(sregs.gdt.limit, BOOT_GDT_ENTRIES * 8 - 1);
	ck_assert_uint_eq(sregs.idt.base, LAYOUT_IDT);
	ck_assert_uint_eq(sregs.idt.limit, 0);
}
END_TEST

START_TEST(test_segment_registers)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	struct kvm_segment ldt = sregs.ldt;
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	ck_assert_uint_eq(sregs.cs.selector, 0x10);
	ck_assert_uint_eq(sregs.cs.type, 0xb);
	ck_assert_uint_eq(sregs.cs.l, 1);
	ck_assert_uint_eq(sregs.cs.db, 0);
	const struct kvm_segment *data[] = { &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss };
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		ck_assert_uint_eq(data[i]->selector, 0x18);
		ck_assert_uint_eq(data[i]->type, 0x3);
		ck_assert_uint_eq(data[i]->db, 1);
		ck_assert_uint_eq(data[i]->l, 0);
		ck_assert_uint_eq(data[i]->base, 0);
		ck_assert_uint_eq(data[i]->limit, 0xffffffff);
		ck_assert_uint_eq(data[i]->g, 1);
		ck_assert_uint_eq(data[i]->present, 1);
		ck_assert_uint_eq(data[i]->unusable, 0);
	}
	ck_assert_uint_eq(sregs.tr.selector, 0x20);
	ck_assert_uint_eq(sregs.tr.type, 11);
	ck_assert_uint_eq(sregs.tr.limit, 0x67);
	ck_assert_uint_eq(sregs.tr.s, 0);
	ck_assert_mem_eq(&sregs.ldt, &ldt, sizeof(ldt));
}
END_TEST

/* The hidden state KVM gets must be what loading each selector from the
 * GDT in guest memory would give (SDM: the limit is scaled by G). */
static void assert_matches_gdt(const struct test_ram *ram, const struct kvm_sregs *sregs,
			       const struct kvm_segment *seg)
{
	ck_assert_uint_le(seg->selector + (seg->s ? 7u : 15u), sregs->gdt.limit);
	uint64_t lo, hi;
	memcpy(&lo, ram->host + sregs->gdt.base + seg->selector, 8);
	memcpy(&hi, ram->host + sregs->gdt.base + seg->selector + 8, 8);
	struct test_descriptor d = test_decode_descriptor(lo, seg->s ? 0 : hi);
	uint64_t limit = d.g ? ((uint64_t)d.limit << 12) | 0xfff : d.limit;
	ck_assert_uint_eq(seg->base, d.base);
	ck_assert_uint_eq(seg->limit, limit);
	ck_assert_uint_eq(seg->type, d.type);
	ck_assert_uint_eq(seg->s, d.s);
	ck_assert_uint_eq(seg->dpl, d.dpl);
	ck_assert_uint_eq(seg->present, d.p);
	ck_assert_uint_eq(seg->l, d.l);
	ck_assert_uint_eq(seg->db, d.db);
	ck_assert_uint_eq(seg->g, d.g);
	ck_assert_uint_eq(seg->avl, d.avl);
}

START_TEST(test_segments_match_gdt)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct error err = { { 0 } };
	ck_assert_int_eq(gdt_build(&ram.mem, &err), 0);
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	reset_sregs(&sregs);
	boot_vcpu_state_linux64(&regs, &sregs, ENTRY, LAYOUT_ZERO_PAGE);
	assert_matches_gdt(&ram, &sregs, &sregs.cs);
	assert_matches_gdt(&ram, &sregs, &sregs.ds);
	assert_matches_gdt(&ram, &sregs, &sregs.es);
	assert_matches_gdt(&ram, &sregs, &sregs.fs);
	assert_matches_gdt(&ram, &sregs, &sregs.gs);
	assert_matches_gdt(&ram, &sregs, &sregs.ss);
	assert_matches_gdt(&ram, &sregs, &sregs.tr);
	test_ram_free(&ram);
}
END_TEST

Suite *vcpu_state_suite(void)
{
	Suite *s = suite_create("vcpu_state");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_general_registers);
	tcase_add_test(tc, test_control_registers);
	tcase_add_test(tc, test_segment_registers);
	tcase_add_test(tc, test_segments_match_gdt);
	suite_add_tcase(s, tc);
	return s;
}
