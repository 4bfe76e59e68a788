/* boot/e820.c: the memory map for several RAM sizes, checked entry by entry
 * and against the guest_memory regions it describes.  Every map reserves
 * the PCI ECAM at 0xe0000000 (1 MiB), which Linux needs before it uses the
 * MCFG's ECAM. */
#include <sys/mman.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

#define RAM E820_TYPE_RAM
#define RES E820_TYPE_RESERVED

#define ECAM { 0xe0000000, 0x100000, RES }

static const struct {
	uint64_t ram_size;
	int n;
	struct boot_e820_entry e[6];
} maps[] = {
	{ 64 * MiB, 5, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 64 * MiB - 0x100000, RAM }, ECAM } },
	{ 1 * GiB, 5, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 1 * GiB - 0x100000, RAM }, ECAM } },
	{ 3 * GiB, 5, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 3 * GiB - 0x100000, RAM }, ECAM } },
	{ 3584 * MiB, 6, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 3 * GiB - 0x100000, RAM }, ECAM, { 4 * GiB, 512 * MiB, RAM } } },
	{ 8 * GiB, 6, {
		{ 0, 0x9fc00, RAM }, { 0x9fc00, 0x400, RES }, { 0xe0000, 0x20000, RES },
		{ 0x100000, 3 * GiB - 0x100000, RAM }, ECAM, { 4 * GiB, 5 * GiB, RAM } } },
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
	int ecam = 0;
	for (int i = 0; i < n; i++) {
		/* Every entry, RAM or reserved, is backed by guest RAM, but for the
		 * ECAM, which is the PCI host bridge's MMIO in the hole... */
		if (table[i].addr == LAYOUT_PCI_ECAM) {
			ck_assert_uint_eq(table[i].size, LAYOUT_PCI_ECAM_SIZE);
			ck_assert_uint_eq(table[i].type, RES);
			ck_assert_ptr_null(guest_memory_ptr(&ram.mem, table[i].addr, 1));
			ck_assert_ptr_null(guest_memory_ptr(&ram.mem, table[i].addr +
							     table[i].size - 1, 1));
			ecam++;
		} else {
			ck_assert_ptr_nonnull(guest_memory_ptr(&ram.mem, table[i].addr,
							       table[i].size));
		}
		if (table[i].type == RAM)
			ram_bytes += table[i].size;
		/* ...sorted and disjoint. */
		if (i > 0)
			ck_assert_uint_ge(table[i].addr, table[i - 1].addr + table[i - 1].size);
	}
	ck_assert_int_eq(ecam, 1);
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
	ck_assert_int_eq(e820_build(&ram.mem, table, 8, &err), 5);
	ck_assert_uint_eq(table[3].size, 4096);
	ck_assert_uint_eq(table[4].addr, LAYOUT_PCI_ECAM);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_table_too_small)
{
	struct test_ram ram;
	test_ram_init(&ram, 3584 * MiB);
	struct boot_e820_entry table[6];
	struct error err = { 0 };
	ck_assert_int_eq(e820_build(&ram.mem, table, 4, &err), -1);
	ck_assert_str_eq(err.msg, "e820 table full (4 entries)");
	/* Room for all but the RAM above 4 GiB: the ECAM took it. */
	ck_assert_int_eq(e820_build(&ram.mem, table, 5, &err), -1);
	ck_assert_str_eq(err.msg, "e820 table full (5 entries)");
	ck_assert_int_eq(e820_build(&ram.mem, table, 6, &err), 6);
	test_ram_free(&ram);
}
END_TEST

/* Low RAM that runs into the ECAM (a guest_memory without the MMIO hole
 * layout.h gives): an error, not an overlapping map. */
START_TEST(test_ram_over_ecam)
{
	struct boot_e820_entry table[8];
	struct error err = { 0 };
	uint64_t size = LAYOUT_PCI_ECAM + 4096;
	void *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(host, MAP_FAILED);
	struct guest_memory mem;
	ck_assert_int_eq(guest_memory_init(&mem, host, size, LAYOUT_MMIO_HOLE_END,
					   LAYOUT_MMIO_HOLE_END, &err), 0);
	ck_assert_uint_eq(guest_memory_low_end(&mem), LAYOUT_PCI_ECAM + 4096);
	ck_assert_int_eq(e820_build(&mem, table, 8, &err), -1);
	ck_assert_str_eq(err.msg, "guest RAM below 4 GiB ends at 0xe0001000, past the PCI ECAM "
			 "at 0xe0000000");
	/* Up to the ECAM is fine. */
	munmap(host, size);
	size = LAYOUT_PCI_ECAM;
	host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(host, MAP_FAILED);
	ck_assert_int_eq(guest_memory_init(&mem, host, size, LAYOUT_MMIO_HOLE_END,
					   LAYOUT_MMIO_HOLE_END, &err), 0);
	ck_assert_int_eq(e820_build(&mem, table, 8, &err), 5);
	ck_assert_uint_eq(table[3].addr + table[3].size, LAYOUT_PCI_ECAM);
	ck_assert_uint_eq(table[4].addr, LAYOUT_PCI_ECAM);
	munmap(host, size);
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
	tcase_add_test(tc, test_ram_over_ecam);
	suite_add_tcase(s, tc);
	return s;
}
