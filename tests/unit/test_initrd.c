/* loader/initrd.c: placement (high, page-aligned, within initrd_addr_max and
 * low RAM, above the kernel) and the copy. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

START_TEST(test_fits_at_top_of_ram)
{
	uint64_t addr = 0;
	struct error err = { 0 };
	ck_assert_int_eq(initrd_place(10 * MiB, 256 * MiB, 0x7fffffff, 24 * MiB, NULL, "i",
				      &addr, &err), 0);
	ck_assert_uint_eq(addr, 246 * MiB);
	ck_assert_uint_eq(addr % 4096, 0);
	ck_assert_uint_le(addr + 10 * MiB, 256 * MiB);
	ck_assert_uint_ge(addr, 24 * MiB);
}
END_TEST

START_TEST(test_unaligned_size_rounds_down)
{
	uint64_t addr = 0;
	struct error err = { 0 };
	uint64_t size = 10 * MiB + 1;
	ck_assert_int_eq(initrd_place(size, 256 * MiB, 0x7fffffff, 24 * MiB, NULL, "i",
				      &addr, &err), 0);
	ck_assert_uint_eq(addr, 246 * MiB - 4096);
	ck_assert_uint_eq(addr % 4096, 0);
	ck_assert_uint_le(addr + size, 256 * MiB);
}
END_TEST

START_TEST(test_below_initrd_addr_max)
{
	uint64_t addr = 0;
	struct error err = { 0 };
	/* 3 GiB of low RAM, but the kernel takes initrds only below 896 MiB. */
	ck_assert_int_eq(initrd_place(4 * MiB + 123, 3 * GiB, 0x37ffffff, 24 * MiB, NULL, "i",
				      &addr, &err), 0);
	ck_assert_uint_eq(addr, 0x38000000 - 4 * MiB - 4096);
	ck_assert_uint_le(addr + 4 * MiB + 123 - 1, 0x37ffffff);
	/* initrd_addr_max is the last usable byte: an initrd may end on it. */
	ck_assert_int_eq(initrd_place(4096, 3 * GiB, 0x37ffffff, 24 * MiB, NULL, "i", &addr, &err), 0);
	ck_assert_uint_eq(addr, 0x37fff000);
	/* An unlimited kernel is limited by low RAM. */
	ck_assert_int_eq(initrd_place(4096, 1 * GiB, UINT64_MAX, 24 * MiB, NULL, "i", &addr, &err), 0);
	ck_assert_uint_eq(addr, 1 * GiB - 4096);
}
END_TEST

START_TEST(test_bigger_than_ram)
{
	uint64_t addr = 0x1234;
	struct error err = { 0 };
	ck_assert_int_eq(initrd_place(300 * MiB, 256 * MiB, 0x7fffffff, 24 * MiB, NULL, "i",
				      &addr, &err), -1);
	ck_assert_str_eq(err.msg, "i: initrd of 300 MiB does not fit in guest RAM below "
			 "0x10000000 (room above the kernel: 232 MiB)");
	ck_assert_uint_eq(addr, 0x1234);
}
END_TEST

START_TEST(test_would_overlap_kernel)
{
	uint64_t addr = 0;
	struct error err = { 0 };
	/* 200 MiB would start at 56 MiB, inside the kernel's 80 MiB. */
	ck_assert_int_eq(initrd_place(200 * MiB, 256 * MiB, 0x7fffffff, 80 * MiB, NULL, "i",
				      &addr, &err), -1);
	ck_assert_str_eq(err.msg, "i: initrd of 200 MiB does not fit in guest RAM below "
			 "0x10000000 (room above the kernel: 176 MiB)");
	/* Exactly the room there is fits, and starts right at the kernel's end. */
	ck_assert_int_eq(initrd_place(176 * MiB, 256 * MiB, 0x7fffffff, 80 * MiB, NULL, "i",
				      &addr, &err), 0);
	ck_assert_uint_eq(addr, 80 * MiB);
	/* One byte more needs a page more. */
	ck_assert_int_eq(initrd_place(176 * MiB + 1, 256 * MiB, 0x7fffffff, 80 * MiB, NULL, "i",
				      &addr, &err), -1);
	test_assert_error(err.msg, "i: initrd of 176.0 MiB does not fit", "room above the "
			  "kernel: 176 MiB");
}
END_TEST

START_TEST(test_empty)
{
	uint64_t addr = 0;
	struct error err = { 0 };
	ck_assert_int_eq(initrd_place(0, 256 * MiB, 0x7fffffff, 24 * MiB, NULL, "i", &addr, &err), -1);
	ck_assert_str_eq(err.msg, "i: initrd is empty");
}
END_TEST

START_TEST(test_extreme_values_do_not_wrap)
{
	uint64_t addr = 0;
	struct error err = { 0 };
	ck_assert_int_eq(initrd_place(UINT64_MAX, 256 * MiB, UINT64_MAX, 24 * MiB, NULL, "i",
				      &addr, &err), -1);
	ck_assert_int_eq(initrd_place(UINT64_MAX - 4095, 128 * MiB, UINT64_MAX, 0, NULL, "i",
				      &addr, &err), -1);
	/* The whole address space is room enough: it lands at 0. */
	ck_assert_int_eq(initrd_place(UINT64_MAX - 4095, UINT64_MAX, UINT64_MAX, 0, NULL, "i",
				      &addr, &err), 0);
	ck_assert_uint_eq(addr, 0);
	ck_assert_int_eq(initrd_place(4096, 256 * MiB, 0x7fffffff, UINT64_MAX, NULL, "i",
				      &addr, &err), -1);
	test_assert_error(err.msg, "i: initrd of 4 KiB", "room above the kernel: 0 bytes");
	ck_assert_int_eq(initrd_place(4096, 0, 0x7fffffff, 0, NULL, "i", &addr, &err), -1);
	/* Largest possible placement does not wrap either. */
	ck_assert_int_eq(initrd_place(4096, UINT64_MAX, UINT64_MAX, 0, NULL, "i", &addr, &err), 0);
	ck_assert_uint_eq(addr, 0xffffffffffffe000ULL);
}
END_TEST

static void load_kernel(struct test_ram *ram, struct guest_kernel_image *k)
{
	struct test_bzimage img;
	struct error err = { 0 };
	test_bzimage_make(&img, 4, 4096);
	ck_assert_msg(test_bzimage_load(&ram->mem, img.data, img.size, "k", 0, k, &err) == 0,
		      "%s", err.msg);
	test_bzimage_free(&img);
}

START_TEST(test_load_copies_at_placed_address)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct guest_kernel_image k;
	load_kernel(&ram, &k);
	size_t size = 1 * MiB + 5;
	uint8_t *data = malloc(size);
	for (size_t i = 0; i < size; i++)
		data[i] = test_payload_byte(i);
	struct guest_image out;
	struct error err = { 0 };
	ck_assert_msg(test_initrd_load(&ram.mem, data, size, "i", &k, &out, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(out.load_paddr, 63 * MiB - 4096);
	ck_assert_uint_eq(out.size, size);
	ck_assert_uint_eq(out.alignment, 4096);
	ck_assert_mem_eq(ram.host + out.load_paddr, data, size);
	free(data);
	test_ram_free(&ram);
}
END_TEST

START_TEST(test_load_uses_kernel_limits)
{
	struct test_ram ram;
	test_ram_init(&ram, 1 * GiB);
	struct guest_kernel_image k;
	load_kernel(&ram, &k);
	uint8_t data[4096] = { 1 };
	struct guest_image out;
	struct error err = { 0 };
	ck_assert_int_eq(test_initrd_load(&ram.mem, data, sizeof(data), "i", &k, &out, &err), 0);
	ck_assert_uint_eq(out.load_paddr, 1 * GiB - 4096);

	k.setup_header.initrd_addr_max = 0x0fffffff;
	ck_assert_int_eq(test_initrd_load(&ram.mem, data, sizeof(data), "i", &k, &out, &err), 0);
	ck_assert_uint_eq(out.load_paddr, 0x10000000 - 4096);

	/* Before 2.03 the field is absent and the limit is 0x37ffffff. */
	k.setup_header.version = 0x0202;
	k.setup_header.initrd_addr_max = 0x7fffffff;
	ck_assert_int_eq(test_initrd_load(&ram.mem, data, sizeof(data), "i", &k, &out, &err), 0);
	ck_assert_uint_eq(out.load_paddr, 0x38000000 - 4096);

	/* The kernel's reservation is honoured. */
	k.reserved_end = 1 * GiB;
	ck_assert_int_eq(test_initrd_load(&ram.mem, data, sizeof(data), "i", &k, &out, &err), -1);
	test_assert_error(err.msg, "i: initrd of 4 KiB does not fit");
	test_ram_free(&ram);
}
END_TEST

static struct image_record raw_record(uint64_t addr, uint64_t size)
{
	return (struct image_record){ .kind = IMAGE_KIND_RAW, .path = "blob",
				      .image = { addr, 1, size }, .claim_end = addr + size };
}

/* Automatic placement steps down below whatever is already there. */
START_TEST(test_place_avoids_other_images)
{
	struct image_list list;
	image_list_init(&list);
	struct error err = { 0 };
	struct image_record a = raw_record(250 * MiB, 2 * MiB), b = raw_record(240 * MiB, 6 * MiB);
	ck_assert_int_eq(image_list_add(&list, &a, &err), 0);
	ck_assert_int_eq(image_list_add(&list, &b, &err), 0);
	uint64_t addr;
	/* 5 MiB fits neither above a (1 MiB left) nor between b and a (4 MiB). */
	ck_assert_int_eq(initrd_place(5 * MiB, 253 * MiB, 0x7fffffff, 24 * MiB, &list, "i",
				      &addr, &err), 0);
	ck_assert_uint_eq(addr, 235 * MiB);
	ck_assert_int_eq(initrd_place(4 * MiB, 253 * MiB, 0x7fffffff, 24 * MiB, &list, "i",
				      &addr, &err), 0);
	ck_assert_uint_eq(addr, 246 * MiB);
	/* Nothing left above the floor. */
	ck_assert_int_eq(initrd_place(5 * MiB, 253 * MiB, 0x7fffffff, 236 * MiB, &list, "i",
				      &addr, &err), -1);
	test_assert_error(err.msg, "i: initrd of 5 MiB does not fit");
	/* An image at the very bottom: the search stops instead of wrapping. */
	struct image_record low = raw_record(0, 236 * MiB);
	ck_assert_int_eq(image_list_add(&list, &low, &err), 0);
	ck_assert_int_eq(initrd_place(5 * MiB, 253 * MiB, 0x7fffffff, 0, &list, "i", &addr,
				      &err), -1);
	image_list_free(&list);
}
END_TEST

static int load_at(struct test_ram *ram, struct image_list *list,
		   const struct guest_kernel_image *k, uint64_t addr, uint64_t alignment,
		   size_t size, struct guest_image *out, struct error *err)
{
	static uint8_t data[2 * 4096];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = test_payload_byte(i);
	struct image_file file = { .path = "i", .data = data, .size = size };
	struct load_request req = { .load_address = addr, .alignment = alignment };
	return initrd_load(&ram->mem, list, &file, k, &req, out, err);
}

START_TEST(test_load_at_chosen_address)
{
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	struct guest_kernel_image k;
	load_kernel(&ram, &k);
	struct image_list list;
	image_list_init(&list);
	struct guest_image out;
	struct error err = { 0 };
	/* Rounded up to the page by default, to the alignment asked for. */
	ck_assert_int_eq(load_at(&ram, &list, &k, 0x3000001, 0, 8192, &out, &err), 0);
	ck_assert_uint_eq(out.load_paddr, 0x3001000);
	ck_assert_uint_eq(out.alignment, 4096);
	ck_assert_uint_eq(ram.host[0x3001000], test_payload_byte(0));
	ck_assert_uint_eq(ram.host[0x3001000 + 8191], test_payload_byte(8191));
	ck_assert_int_eq(load_at(&ram, &list, &k, 0x3100001, 0x100000, 100, &out, &err), 0);
	ck_assert_uint_eq(out.load_paddr, 0x3200000);
	ck_assert_uint_eq(out.alignment, 0x100000);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_int_eq(list.items[0].kind, IMAGE_KIND_INITRD);
	ck_assert_uint_eq(list.items[0].claim_end, 0x3001000 + 8192);
	/* Overlapping what is already there. */
	ck_assert_int_eq(load_at(&ram, &list, &k, 0x3002000, 0, 8192, &out, &err), -1);
	ck_assert_str_eq(err.msg, "i: initrd at [0x3002000, 0x3004000) overlaps initrd i at "
			 "[0x3001000, 0x3003000)");
	/* Not RAM, above initrd_addr_max, a bad alignment, an overflow. */
	ck_assert_int_eq(load_at(&ram, &list, &k, 64 * MiB - 4096, 0, 8192, &out, &err), -1);
	ck_assert_str_eq(err.msg, "i: initrd at [0x3fff000, 0x4001000) is not all guest RAM");
	k.setup_header.initrd_addr_max = 0x2000fff;
	ck_assert_int_eq(load_at(&ram, &list, &k, 0x2000000, 0, 8192, &out, &err), -1);
	ck_assert_str_eq(err.msg, "i: initrd at 0x2000000 ends above the kernel's "
			 "initrd_addr_max 0x2000fff");
	ck_assert_int_eq(load_at(&ram, &list, &k, 0x2000000, 0x1800, 100, &out, &err), -1);
	ck_assert_str_eq(err.msg, "i: alignment 0x1800 is not a power of two");
	ck_assert_int_eq(load_at(&ram, &list, &k, UINT64_MAX - 10, 0, 100, &out, &err), -1);
	test_assert_error(err.msg, "i: initrd address 0xfffffffffffffff5 is out of range");
	ck_assert_uint_eq(list.count, 2);
	image_list_free(&list);
	test_ram_free(&ram);
}
END_TEST

Suite *initrd_suite(void)
{
	Suite *s = suite_create("initrd");
	TCase *tc = tcase_create("place");
	tcase_add_test(tc, test_fits_at_top_of_ram);
	tcase_add_test(tc, test_unaligned_size_rounds_down);
	tcase_add_test(tc, test_below_initrd_addr_max);
	tcase_add_test(tc, test_bigger_than_ram);
	tcase_add_test(tc, test_would_overlap_kernel);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_extreme_values_do_not_wrap);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_test(tc, test_load_copies_at_placed_address);
	tcase_add_test(tc, test_load_uses_kernel_limits);
	tcase_add_test(tc, test_place_avoids_other_images);
	tcase_add_test(tc, test_load_at_chosen_address);
	suite_add_tcase(s, tc);
	return s;
}
