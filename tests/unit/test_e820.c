/* boot/e820.c: the memory map for several RAM sizes, checked entry by entry
 * and against the guest_memory regions it describes. */
#include "boot/boot.h"
#include "tests/unit/unit.h"

#define RAM E820_TYPE_RAM
#define RES E820_TYPE_RESERVED

static const struct {
	uint64_t ram_size;
	int n;
	struct boot_e820_entry e[5];
} maps[] = {
	{ 64 * MiB, 4, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 64 * MiB - 0x100000, RAM } } },
	{ 1 * GiB, 4, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 1 * GiB - 0x100000, RAM } } },
	{ 3584 * MiB, 5, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 3 * GiB - 0x100000, RAM }, { 4 * GiB, 512 * MiB, RAM } } },
	{ 8 * GiB, 5, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 3 * GiB - 0x100000, RAM }, { 4 * GiB, 5 * GiB, RAM } } },
};

START_TEST(test_map_for_ram_size)
{
	struct test_ram ram;
	test_ram_init(&ram, maps[_i].ram_size);
	struct boot_e820_entry table[E820_MAX_ENTRIES_ZEROPAGE];
	struct error err = { 0 };
	int n = e820_build(&ram.mem, table, E820_MAX_ENTRIES_ZEROPAGE, &err);
	ck_assert_msg(n == maps[_i].n, "%d entries (%s)", n, err.msg);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(table[i].addr, maps[_i].e[i].addr);
		ck_assert_uint_eq(table[i].size, maps[_i].e[i].size);
		ck_assert_uint_eq(table[i].type, maps[_i].e[i].type);
	}
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_map_matches_guest_memory)
{
	struct test_ram ram;
	test_ram_init(&ram, maps[_i].ram_size);
	struct boot_e820_entry table[E820_MAX_ENTRIES_ZEROPAGE];
	struct error err = { 0 };
	int n = e820_build(&ram.mem, table, E820_MAX_ENTRIES_ZEROPAGE, &err);
	ck_assert_int_gt(n, 0);
	uint64_t ram_bytes = 0;
	for (int i = 0; i < n; i++) {
		/* Every entry, RAM or reserved, is backed by guest RAM... */
		ck_assert_ptr_nonnull(guest_memory_ptr(&ram.mem, table[i].addr, table[i].size));
		if (table[i].type == RAM)
			ram_bytes += table[i].size;
		/* ...sorted and disjoint. */
		if (i > 0)
			ck_assert_uint_ge(table[i].addr, table[i - 1].addr + table[i - 1].size);
	}
	/* ...and only the legacy hole below 1 MiB is left out of the RAM. */
	ck_assert_uint_eq(ram_bytes, ram.mem.ram_size - (0x100000 - 0x9fc00));
	/* Each region ends exactly where an e820 RAM entry ends. */
	for (int r = 0; r < ram.mem.nregions; r++) {
		uint64_t end = ram.mem.regions[r].gpa + ram.mem.regions[r].size;
		int found = 0;
		for (int i = 0; i < n; i++)
			found |= table[i].type == RAM && table[i].addr + table[i].size == end;
		ck_assert_msg(found, "region %d end 0x%llx not in e820", r,
			      (unsigned long long)end);
	}
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_ram_too_small)
{
	struct test_ram ram;
	test_ram_init(&ram, 1 * MiB);
	struct boot_e820_entry table[8];
	struct error err = { 0 };
	ck_assert_int_eq(e820_build(&ram.mem, table, 8, &err), -1);
	ck_assert_str_eq(err.msg, "guest RAM of 1024 KiB is too small: the kernel needs RAM "
			 "above 1 MiB");
	test_ram_free(&ram);
	test_ram_init(&ram, 1 * MiB + 4096);
	ck_assert_int_eq(e820_build(&ram.mem, table, 8, &err), 4);
	ck_assert_uint_eq(table[3].size, 4096);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_table_too_small)
{
	struct test_ram ram;
	test_ram_init(&ram, 3584 * MiB);
	struct boot_e820_entry table[5];
	struct error err = { 0 };
	ck_assert_int_eq(e820_build(&ram.mem, table, 4, &err), -1);
	ck_assert_str_eq(err.msg, "e820 table full (4 entries)");
	ck_assert_int_eq(e820_build(&ram.mem, table, 5, &err), 5);
	test_ram_free(&ram);
}
END_TEST

Suite *e820_suite(void)
{
	Suite *s = suite_create("e820");
	TCase *tc = tcase_create("core");
	int nmaps = sizeof(maps) / sizeof(maps[0]);
	tcase_add_loop_test(tc, test_map_for_ram_size, 0, nmaps);
	tcase_add_loop_test(tc, test_map_matches_guest_memory, 0, nmaps);
	tcase_add_test(tc, test_ram_too_small);
	tcase_add_test(tc, test_table_too_small);
	suite_add_tcase(s, tc);
	return s;
}
