/* vmm/gdb_breakpoints.c: the software breakpoint table and the debug
 * register slots with their DR7 (SDM Vol. 3B 18.2.4). */
#include "tests/unit/unit.h"
#include "vmm/gdb_breakpoints.h"

START_TEST(test_sw_table)
{
	struct gdb_breakpoints b;
	gdb_breakpoints_init(&b);
	ck_assert_int_eq(gdb_sw_add(&b, 0x1000, 0x2000, 0x55), 0);
	ck_assert_int_eq(gdb_sw_add(&b, 0x1000, 0x2000, 0x55), -1);   /* twice */
	ck_assert_int_eq(gdb_sw_find(&b, 0x1000), 0);
	ck_assert_int_eq(gdb_sw_find(&b, 0x1001), -1);
	struct gdb_sw_breakpoint out;
	ck_assert_int_eq(gdb_sw_remove(&b, 0x1001, &out), -1);
	ck_assert_int_eq(gdb_sw_remove(&b, 0x1000, &out), 0);
	ck_assert_uint_eq(out.gpa, 0x2000);
	ck_assert_uint_eq(out.saved, 0x55);
	ck_assert_int_eq(b.nsw, 0);
	for (int i = 0; i < GDB_SW_BREAKPOINTS_MAX; i++)
		ck_assert_int_eq(gdb_sw_add(&b, (uint64_t)i, 0, 0), 0);
	ck_assert_int_eq(gdb_sw_add(&b, 0xffff, 0, 0), -1);   /* full */
}
END_TEST

START_TEST(test_hw_slots_and_dr7)
{
	struct gdb_breakpoints b;
	gdb_breakpoints_init(&b);
	uint64_t dr[4];
	ck_assert_uint_eq(gdb_hw_dr7(&b, dr), 0x400);
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_EXEC, 0xffffffff81000000ULL, 1), 0);
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_WRITE, 0x2000, 4), 1);
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_ACCESS, 0x3000, 8), 2);
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_WRITE, 0x4001, 2), -1);   /* unaligned */
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_WRITE, 0x4000, 3), -1);   /* length */
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_READ, 0x4000, 4), -1);    /* no read-only */
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_WRITE, 0x4000, 2), 3);
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_WRITE, 0x5000, 1), -1);   /* full */
	uint64_t dr7 = gdb_hw_dr7(&b, dr);
	ck_assert_uint_eq(dr[0], 0xffffffff81000000ULL);
	ck_assert_uint_eq(dr[1], 0x2000);
	/* G0-G3, bit 10, GE; slot 0 exec len 1 (0000), slot 1 write len 4
	 * (RW 01, LEN 11), slot 2 access len 8 (RW 11, LEN 10), slot 3
	 * write len 2 (RW 01, LEN 01). */
	ck_assert_uint_eq(dr7, 0xaa | 0x600 | (0x0ULL << 16) | (0xdULL << 20) | (0xbULL << 24) |
			  (0x5ULL << 28));
	ck_assert_int_eq(gdb_hw_hit(&b, 0x2), 1);
	ck_assert_int_eq(gdb_hw_hit(&b, 0x4000), -1);   /* BS only */
	ck_assert_int_eq(gdb_hw_remove(&b, GDB_HW_WRITE, 0x2000, 2), -1);
	ck_assert_int_eq(gdb_hw_remove(&b, GDB_HW_WRITE, 0x2000, 4), 0);
	ck_assert_int_eq(gdb_hw_hit(&b, 0x2), -1);
	ck_assert_int_eq(gdb_hw_add(&b, GDB_HW_EXEC, 0x1234, 0), 1);   /* exec: len 1 */
	ck_assert_int_eq(gdb_hw_remove(&b, GDB_HW_EXEC, 0x1234, 5), 0);
}
END_TEST

Suite *gdb_breakpoints_suite(void)
{
	Suite *s = suite_create("gdb_breakpoints");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_sw_table);
	tcase_add_test(tc, test_hw_slots_and_dr7);
	suite_add_tcase(s, tc);
	return s;
}
