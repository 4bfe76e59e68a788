/* vmm/gdb_pagewalk.c over a fake guest RAM: identity without paging, the
 * 4-level walk with 4 KiB, 2 MiB and 1 GiB pages (SDM Vol. 3A 4.5), entries
 * not present, tables outside RAM. */
#include "tests/unit/unit.h"
#include "vmm/gdb_pagewalk.h"

#define P 0x3ULL    /* present, writable */
#define PS 0x80ULL

static void put(struct test_ram *ram, uint64_t table, unsigned index, uint64_t e)
{
	ck_assert_int_eq(guest_memory_write(&ram->mem, table + index * 8ULL, &e, 8), 0);
}

static const struct gdb_paging long_mode = {
	.cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500,
};

/* PML4 at 0x1000.  VA 0xffffffff80000000 (PML4 511, PDPT 510): 1 GiB page
 * at 0x40000000... but RAM is 64 MiB, the walk does not care where the
 * page lands.  VA 0x200000 (PML4 0, PDPT 0, PD 1): 2 MiB page at 0x600000.
 * VA 0x5000 (PD 0 -> PT at 0x4000, PT 5): 4 KiB page at 0x9000. */
static void build(struct test_ram *ram)
{
	test_ram_init(ram, 64 * MiB);
	put(ram, 0x1000, 0, 0x2000 | P);
	put(ram, 0x1000, 511, 0x5000 | P);
	put(ram, 0x5000, 510, 0x40000000 | P | PS);
	put(ram, 0x2000, 0, 0x3000 | P);
	put(ram, 0x3000, 0, 0x4000 | P);
	put(ram, 0x3000, 1, 0x600000 | P | PS | 0x1000);   /* PAT bit is not address */
	put(ram, 0x4000, 5, 0x9000 | P | (1ULL << 63));    /* XD is not address */
	put(ram, 0x4000, 6, 0x9000);                       /* not present */
	put(ram, 0x3000, 2, 0x7ffff000 | P);               /* a PT outside RAM */
}

START_TEST(test_4k_page)
{
	struct test_ram ram;
	build(&ram);
	uint64_t pa, left;
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &long_mode, 0x5123, &pa, &left), 0);
	ck_assert_uint_eq(pa, 0x9123);
	ck_assert_uint_eq(left, 0x1000 - 0x123);
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &long_mode, 0x6000, &pa, &left), -1);
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &long_mode, 0x7000, &pa, &left), -1);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_2m_page)
{
	struct test_ram ram;
	build(&ram);
	uint64_t pa, left;
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &long_mode, 0x2abcde, &pa, &left), 0);
	ck_assert_uint_eq(pa, 0x6abcde);
	ck_assert_uint_eq(left, 0x200000 - 0xabcde);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_1g_page)
{
	struct test_ram ram;
	build(&ram);
	uint64_t pa, left;
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &long_mode, 0xffffffff81234567ULL, &pa, &left), 0);
	ck_assert_uint_eq(pa, 0x41234567);
	ck_assert_uint_eq(left, 0x40000000 - 0x1234567);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_not_present_and_outside_ram)
{
	struct test_ram ram;
	build(&ram);
	uint64_t pa, left;
	/* PML4 entry 1 is empty. */
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &long_mode, 1ULL << 39, &pa, &left), -1);
	/* PD 2 points to a table outside RAM. */
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &long_mode, 0x400000, &pa, &left), -1);
	/* CR3 outside RAM. */
	struct gdb_paging bad = long_mode;
	bad.cr3 = 0xfff0000000ULL;
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &bad, 0x5000, &pa, &left), -1);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_modes)
{
	struct test_ram ram;
	build(&ram);
	uint64_t pa, left;
	struct gdb_paging off = { .cr0 = 0x11 };
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &off, 0x1234567, &pa, &left), 0);
	ck_assert_uint_eq(pa, 0x1234567);
	ck_assert_uint_eq(left, 0x1000 - 0x567);
	struct gdb_paging pae = { .cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20 };
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &pae, 0x5000, &pa, &left), -1);
	struct gdb_paging la57 = long_mode;
	la57.cr4 |= 1 << 12;
	ck_assert_int_eq(gdb_pagewalk(&ram.mem, &la57, 0x5000, &pa, &left), -1);
	test_ram_free(&ram);
}
END_TEST

Suite *gdb_pagewalk_suite(void)
{
	Suite *s = suite_create("gdb_pagewalk");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_4k_page);
	tcase_add_test(tc, test_2m_page);
	tcase_add_test(tc, test_1g_page);
	tcase_add_test(tc, test_not_present_and_outside_ram);
	tcase_add_test(tc, test_modes);
	suite_add_tcase(s, tc);
	return s;
}
