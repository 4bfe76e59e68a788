/* vmm/gdb_regs.c: the target description and the `g` layout it implies
 * (GDB manual, "i386 Features"). */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/gdb_packet.h"
#include "vmm/gdb_regs.h"

static void long_mode(struct kvm_regs *r, struct kvm_sregs *s)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->rflags = 0x2;
	s->cr0 = 0x80050033;
	s->cr4 = 0x20;
	s->efer = 0x500;
	s->cs.selector = 0x10;
	s->cs.l = 1;
	s->ss.selector = 0x18;
}

static uint64_t le_at(const char *hex, int off, int size)
{
	uint8_t b[8] = { 0 };
	ck_assert_int_eq(gdb_hex_decode(hex + 2 * off, (size_t)size, b), 0);
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

START_TEST(test_layout_offsets)
{
	/* The core feature's fixed offsets (276 bytes), then ours. */
	ck_assert_int_eq(gdb_reg_offset(0), 0);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_RIP), 128);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_EFLAGS), 136);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_CS), 140);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_ST0), 164);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_FCTRL), 244);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_FS_BASE), 276);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_CR0), 292);
	ck_assert_int_eq(gdb_reg_offset(GDB_REG_EFER) + 8, GDB_REGS_BYTES);
	ck_assert_int_eq(gdb_reg_size(GDB_REG_COUNT), -1);
	ck_assert_int_eq(gdb_reg_size(-1), -1);
}
END_TEST

START_TEST(test_g_values)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode(&r, &s);
	r.rax = 0x1122334455667788ULL;
	r.rbp = 0xbbbb;
	r.rsp = 0x5555;
	r.rip = 0xffffffff81000000ULL;
	s.fs.base = 0xf5;
	s.cr3 = 0x9000;
	static char out[2 * GDB_REGS_BYTES + 1];
	gdb_regs_format(&r, &s, out);
	ck_assert_uint_eq(strlen(out), 2 * GDB_REGS_BYTES);
	ck_assert_mem_eq(out, "8877665544332211", 16);   /* little-endian */
	ck_assert_uint_eq(le_at(out, 6 * 8, 8), 0xbbbb);     /* rbp before rsp */
	ck_assert_uint_eq(le_at(out, 7 * 8, 8), 0x5555);
	ck_assert_uint_eq(le_at(out, 128, 8), 0xffffffff81000000ULL);
	ck_assert_uint_eq(le_at(out, 136, 4), 0x2);
	ck_assert_uint_eq(le_at(out, 140, 4), 0x10);
	ck_assert_uint_eq(le_at(out, 144, 4), 0x18);
	ck_assert_mem_eq(out + 2 * 164, "xxxx", 4);           /* x87: unavailable */
	ck_assert_uint_eq(le_at(out, 276, 8), 0xf5);
	ck_assert_uint_eq(le_at(out, gdb_reg_offset(GDB_REG_CR0), 8), 0x80050033);
	ck_assert_uint_eq(le_at(out, gdb_reg_offset(GDB_REG_CR0 + 2), 8), 0x9000);
	ck_assert_uint_eq(le_at(out, gdb_reg_offset(GDB_REG_EFER), 8), 0x500);
}
END_TEST

START_TEST(test_G_roundtrip_and_change)
{
	struct kvm_regs r, r2;
	struct kvm_sregs s, s2;
	long_mode(&r, &s);
	r.rcx = 7;
	static char out[2 * GDB_REGS_BYTES + 1];
	gdb_regs_format(&r, &s, out);
	r2 = r;
	s2 = s;
	struct error err;
	/* The unchanged reply, x87 "xx" and all, stores nothing. */
	ck_assert_int_eq(gdb_regs_parse(&r2, &s2, out, strlen(out), &err), 0);
	ck_assert_mem_eq(&r2, &r, sizeof(r));
	ck_assert_mem_eq(&s2, &s, sizeof(s));
	memcpy(out + 2 * 64, "2a00000000000000", 16);   /* r8 = 42 */
	ck_assert_int_eq(gdb_regs_parse(&r2, &s2, out, strlen(out), &err), 0);
	ck_assert_uint_eq(r2.r8, 42);
	/* Wrong length, bad hex, and a value the context API refuses (a
	 * non-canonical RIP in long mode) leave everything as it was. */
	ck_assert_int_eq(gdb_regs_parse(&r2, &s2, out, strlen(out) - 2, &err), -1);
	out[0] = 'z';
	ck_assert_int_eq(gdb_regs_parse(&r2, &s2, out, strlen(out), &err), -1);
	out[0] = '0';
	memcpy(out + 2 * 128, "0000000000008000", 16);
	ck_assert_int_eq(gdb_regs_parse(&r2, &s2, out, strlen(out), &err), -1);
	ck_assert_uint_eq(r2.rip, 0);
}
END_TEST

START_TEST(test_p_and_P)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	long_mode(&r, &s);
	char one[21];
	r.rdx = 0xabcdef;
	ck_assert_int_eq(gdb_reg_format(&r, &s, 3, one), 0);
	ck_assert_str_eq(one, "efcdab0000000000");
	ck_assert_int_eq(gdb_reg_format(&r, &s, GDB_REG_EFLAGS, one), 0);
	ck_assert_str_eq(one, "02000000");
	ck_assert_int_eq(gdb_reg_format(&r, &s, GDB_REG_ST0, one), 0);
	ck_assert_str_eq(one, "xxxxxxxxxxxxxxxxxxxx");
	ck_assert_int_eq(gdb_reg_format(&r, &s, 99, one), -1);
	uint8_t v[8] = { 0x34, 0x12 };
	struct error err;
	ck_assert_int_eq(gdb_reg_store(&r, &s, 15, v, &err), 0);
	ck_assert_uint_eq(r.r15, 0x1234);
	ck_assert_int_eq(gdb_reg_store(&r, &s, 99, v, &err), -1);
	uint8_t cr8[8] = { 16 };
	ck_assert_int_eq(gdb_reg_store(&r, &s, GDB_REG_CR0 + 4, cr8, &err), -1);
}
END_TEST

START_TEST(test_target_xml)
{
	const char *x = gdb_target_xml();
	ck_assert_ptr_nonnull(strstr(x, "<architecture>i386:x86-64</architecture>"));
	ck_assert_ptr_nonnull(strstr(x, "org.gnu.gdb.i386.core"));
	ck_assert_ptr_nonnull(strstr(x, "org.gnu.gdb.i386.segments"));
	/* One <reg per gdb register, in the table's order, with its size. */
	const char *p = x;
	int n = 0;
	while ((p = strstr(p, "<reg name=\"")) != NULL) {
		const char *bits = strstr(p, "bitsize=\"");
		ck_assert_ptr_nonnull(bits);
		ck_assert_int_eq(atoi(bits + 9), 8 * gdb_reg_size(n));
		n++;
		p++;
	}
	ck_assert_int_eq(n, GDB_REG_COUNT);
	ck_assert_ptr_nonnull(strstr(x, "<reg name=\"efer\""));
	ck_assert_ptr_null(strchr(x, '#'));
}
END_TEST

Suite *gdb_regs_suite(void)
{
	Suite *s = suite_create("gdb_regs");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_layout_offsets);
	tcase_add_test(tc, test_g_values);
	tcase_add_test(tc, test_G_roundtrip_and_change);
	tcase_add_test(tc, test_p_and_P);
	tcase_add_test(tc, test_target_xml);
	suite_add_tcase(s, tc);
	return s;
}
