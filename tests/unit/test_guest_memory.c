/* kvm/guest_memory.c: region split and the one checked translation. */
#include <string.h>

#include "boot/layout.h"
#include "tests/unit/unit.h"

START_TEST(test_small_ram_is_one_region)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	ck_assert_int_eq(ram.mem.nregions, 1);
	ck_assert_uint_eq(ram.mem.regions[0].gpa, 0);
	ck_assert_uint_eq(ram.mem.regions[0].size, 64 * MiB);
	ck_assert_ptr_eq(ram.mem.regions[0].host, ram.host);
	ck_assert_ptr_eq(ram.mem.host_base, ram.host);
	ck_assert_uint_eq(ram.mem.ram_size, 64 * MiB);
	ck_assert_uint_eq(guest_memory_low_end(&ram.mem), 64 * MiB);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_ram_exactly_hole_start_is_one_region)
{
	struct test_ram ram;
	test_ram_init(&ram, 3 * GiB);
	ck_assert_int_eq(ram.mem.nregions, 1);
	ck_assert_uint_eq(guest_memory_low_end(&ram.mem), 3 * GiB);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_large_ram_splits_around_hole)
{
	struct test_ram ram;
	test_ram_init(&ram, 3584 * MiB);
	ck_assert_int_eq(ram.mem.nregions, 2);
	ck_assert_uint_eq(ram.mem.regions[0].gpa, 0);
	ck_assert_uint_eq(ram.mem.regions[0].size, 3 * GiB);
	ck_assert_uint_eq(ram.mem.regions[1].gpa, 4 * GiB);
	ck_assert_uint_eq(ram.mem.regions[1].size, 512 * MiB);
	ck_assert_ptr_eq(ram.mem.regions[1].host, ram.host + 3 * GiB);
	ck_assert_uint_eq(guest_memory_low_end(&ram.mem), 3 * GiB);
	/* The byte at 4 GiB is the host byte right after low RAM. */
	ck_assert_ptr_eq(guest_memory_ptr(&ram.mem, 4 * GiB, 1), ram.host + 3 * GiB);
	ck_assert_ptr_eq(guest_memory_ptr(&ram.mem, 4 * GiB + 512 * MiB - 1, 1),
			 ram.host + 3584 * MiB - 1);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_ptr_bounds)
{
	struct test_ram ram;
	test_ram_init(&ram, 3584 * MiB);
	const struct guest_memory *m = &ram.mem;
	ck_assert_ptr_eq(guest_memory_ptr(m, 0, 1), ram.host);
	ck_assert_ptr_eq(guest_memory_ptr(m, 0, 3 * GiB), ram.host);
	ck_assert_ptr_eq(guest_memory_ptr(m, 3 * GiB - 1, 1), ram.host + 3 * GiB - 1);
	ck_assert_ptr_null(guest_memory_ptr(m, 3 * GiB - 1, 2));     /* into the hole */
	ck_assert_ptr_null(guest_memory_ptr(m, 3 * GiB, 1));         /* in the hole */
	ck_assert_ptr_null(guest_memory_ptr(m, 4 * GiB - 1, 2));     /* hole into RAM */
	ck_assert_ptr_null(guest_memory_ptr(m, 0, 3 * GiB + 1));
	ck_assert_ptr_null(guest_memory_ptr(m, 4 * GiB + 512 * MiB, 1)); /* past the end */
	ck_assert_ptr_null(guest_memory_ptr(m, 4 * GiB, 512 * MiB + 1));
	ck_assert_ptr_null(guest_memory_ptr(m, 0, 0));               /* len 0 */
	ck_assert_ptr_null(guest_memory_ptr(NULL, 0, 1));
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_ptr_overflow)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	const struct guest_memory *m = &ram.mem;
	/* gpa + len wraps to a small number: must not pass as "inside RAM". */
	ck_assert_ptr_null(guest_memory_ptr(m, UINT64_MAX, 2));
	ck_assert_ptr_null(guest_memory_ptr(m, UINT64_MAX - 0xff, 0x1000));
	ck_assert_ptr_null(guest_memory_ptr(m, 0x1000, UINT64_MAX));
	ck_assert_ptr_null(guest_memory_ptr(m, 0x1000, UINT64_MAX - 0xfff));
	ck_assert_ptr_null(guest_memory_ptr(m, UINT64_MAX, UINT64_MAX));
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_write_read_roundtrip)
{
	struct test_ram ram;
	test_ram_init(&ram, 3584 * MiB);
	const char msg[] = "minivmm";
	char back[sizeof(msg)] = { 0 };
	ck_assert_int_eq(guest_memory_write(&ram.mem, 4 * GiB + 0x10, msg, sizeof(msg)), 0);
	ck_assert_mem_eq(ram.host + 3 * GiB + 0x10, msg, sizeof(msg));
	ck_assert_int_eq(guest_memory_read(&ram.mem, 4 * GiB + 0x10, back, sizeof(back)), 0);
	ck_assert_str_eq(back, msg);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_write_outside_ram_fails_untouched)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	uint8_t buf[16];
	memset(buf, 0xab, sizeof(buf));
	ck_assert_int_eq(guest_memory_write(&ram.mem, 64 * MiB - 8, buf, sizeof(buf)), -1);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(ram.host[64 * MiB - 8 + i], 0);
	ck_assert_int_eq(guest_memory_read(&ram.mem, 64 * MiB - 8, buf, sizeof(buf)), -1);
	ck_assert_int_eq(guest_memory_write(&ram.mem, 0, buf, 0), -1);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_init_refuses_bad_input)
{
	struct guest_memory mem;
	struct error err = { 0 };
	static uint8_t host[8192];
	ck_assert_int_eq(guest_memory_init(&mem, host, 0, 3 * GiB, 4 * GiB, &err), -1);
	ck_assert_str_eq(err.msg, "guest RAM size is 0");
	ck_assert_int_eq(guest_memory_init(&mem, NULL, 4096, 3 * GiB, 4 * GiB, &err), -1);
	ck_assert_int_eq(guest_memory_init(&mem, host, 4097, 3 * GiB, 4 * GiB, &err), -1);
	test_assert_error(err.msg, "guest RAM size 0x1001", "4 KiB");
	ck_assert_int_eq(guest_memory_init(&mem, host, 4096, 4 * GiB, 3 * GiB, &err), -1);
	test_assert_error(err.msg, "bad MMIO hole", "0x100000000");
	ck_assert_int_eq(guest_memory_init(&mem, host, 4096, 0, 4 * GiB, &err), -1);
	/* The RAM above the hole would end past 2^64. */
	ck_assert_int_eq(guest_memory_init(&mem, host, 16 * GiB, 4096,
					   UINT64_MAX - 0xfff, &err), -1);
	test_assert_error(err.msg, "guest RAM of", "does not fit above");
	ck_assert_int_eq(mem.nregions, 0);
	ck_assert_uint_eq(guest_memory_low_end(&mem), 0);
}
END_TEST

START_TEST(test_empty_hole_is_one_region)
{
	struct guest_memory mem;
	struct error err = { 0 };
	static uint8_t host[4 * 4096];
	ck_assert_int_eq(guest_memory_init(&mem, host, sizeof(host), 8192, 8192, &err), 0);
	ck_assert_int_eq(mem.nregions, 1);
	ck_assert_ptr_eq(guest_memory_ptr(&mem, 8190, 4), host + 8190);
}
END_TEST

Suite *guest_memory_suite(void)
{
	Suite *s = suite_create("guest_memory");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_small_ram_is_one_region);
	tcase_add_test(tc, test_ram_exactly_hole_start_is_one_region);
	tcase_add_test(tc, test_large_ram_splits_around_hole);
	tcase_add_test(tc, test_ptr_bounds);
	tcase_add_test(tc, test_ptr_overflow);
	tcase_add_test(tc, test_write_read_roundtrip);
	tcase_add_test(tc, test_write_outside_ram_fails_untouched);
	tcase_add_test(tc, test_init_refuses_bad_input);
	tcase_add_test(tc, test_empty_hole_is_one_region);
	suite_add_tcase(s, tc);
	return s;
}
