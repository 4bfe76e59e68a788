/* boot/page_tables.c: walk the tables like the MMU does (SDM Vol. 3A,
 * "4-Level Paging") and check the identity map of [0, 4 GiB). */
#include "boot/boot.h"
#include "tests/unit/unit.h"

#define ADDR_MASK 0x000ffffffffff000ULL

static uint64_t entry_at(const struct test_ram *ram, uint64_t table, uint64_t index)
{
	uint64_t e = 0;
	ck_assert_int_eq(guest_memory_read(&ram->mem, table + index * 8, &e, sizeof(e)), 0);
	return e;
}

/* Translates va; returns -1 when not mapped. */
static int walk(const struct test_ram *ram, uint64_t va, uint64_t *pa)
{
	uint64_t e = entry_at(ram, LAYOUT_PML4, (va >> 39) & 511);
	if (!(e & 1))
		return -1;
	e = entry_at(ram, e & ADDR_MASK, (va >> 30) & 511);
	if (!(e & 1))
		return -1;
	if (e & 0x80) {
		*pa = (e & ADDR_MASK & ~((1ULL << 30) - 1)) | (va & ((1ULL << 30) - 1));
		return 0;
	}
	e = entry_at(ram, e & ADDR_MASK, (va >> 21) & 511);
	if (!(e & 1))
		return -1;
	if (e & 0x80) {
		*pa = (e & ADDR_MASK & ~((1ULL << 21) - 1)) | (va & ((1ULL << 21) - 1));
		return 0;
	}
	e = entry_at(ram, e & ADDR_MASK, (va >> 12) & 511);
	if (!(e & 1))
		return -1;
	*pa = (e & ADDR_MASK) | (va & 0xfff);
	return 0;
}

static const uint64_t probes[] = {
	0, 0x7000, 0x1fffff, 0x200000, 0x1000000 + 0x345, 0x3fffffff, 0x40000000,
	1 * GiB + 0x12345, 2 * GiB + 0x1fffff, 0xbfffffff, 0xc0000000, 0xfee00000,
	0xffffffff,
};

START_TEST(test_identity_for_probes)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct error err = { 0 };
	ck_assert_int_eq(page_tables_build(&ram.mem, &err), 0);
	uint64_t pa = ~0ULL;
	ck_assert_msg(walk(&ram, probes[_i], &pa) == 0, "0x%llx not mapped",
		      (unsigned long long)probes[_i]);
	ck_assert_uint_eq(pa, probes[_i]);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_nothing_above_4g)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct error err = { 0 };
	ck_assert_int_eq(page_tables_build(&ram.mem, &err), 0);
	uint64_t pa;
	ck_assert_int_eq(walk(&ram, 4 * GiB, &pa), -1);
	ck_assert_int_eq(walk(&ram, 512 * GiB, &pa), -1);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_entry_flags)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct error err = { 0 };
	ck_assert_int_eq(page_tables_build(&ram.mem, &err), 0);
	ck_assert_uint_eq(entry_at(&ram, LAYOUT_PML4, 0), LAYOUT_PDPT | 0x3);
	for (int i = 1; i < 512; i++)
		ck_assert_uint_eq(entry_at(&ram, LAYOUT_PML4, i), 0);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(entry_at(&ram, LAYOUT_PDPT, i),
				  i < 4 ? (LAYOUT_PD + (uint64_t)i * 0x1000) | 0x3 : 0);
	for (uint64_t i = 0; i < 4 * 512; i++)
		ck_assert_uint_eq(entry_at(&ram, LAYOUT_PD, i), (i << 21) | 0x83);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_ram_too_small)
{
	struct test_ram ram;
	test_ram_init(&ram, 0x9000);
	struct error err = { 0 };
	ck_assert_int_eq(page_tables_build(&ram.mem, &err), -1);
	ck_assert_str_eq(err.msg, "guest RAM too small for the page tables at 0x9000");
	test_ram_free(&ram);
}
END_TEST

Suite *page_tables_suite(void)
{
	Suite *s = suite_create("page_tables");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_identity_for_probes, 0, sizeof(probes) / sizeof(probes[0]));
	tcase_add_test(tc, test_nothing_above_4g);
	tcase_add_test(tc, test_entry_flags);
	tcase_add_test(tc, test_ram_too_small);
	suite_add_tcase(s, tc);
	return s;
}
