/* loader/image_list.c and loader/raw.c: the record of what went where, its
 * overlap rule, its table and JSON forms, and raw loads. */
#define _GNU_SOURCE  /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

static struct image_record record(enum image_kind kind, const char *path, uint64_t addr,
				  uint64_t size)
{
	return (struct image_record){ .kind = kind, .origin = IMAGE_ORIGIN_FILE, .path = (char *)path,
				      .image = { addr, 0x1000, size }, .claim_end = addr + size };
}

START_TEST(test_overlap_is_half_open)
{
	struct image_list list;
	image_list_init(&list);
	struct error err = { 0 };
	struct image_record k = record(IMAGE_KIND_KERNEL, "vmlinux", 0x1000000, 0x100000);
	k.claim_end = 0x3000000;   /* the kernel owns more than its bytes */
	ck_assert_int_eq(image_list_add(&list, &k, &err), 0);
	ck_assert_ptr_null(image_list_overlap(&list, 0xff0000, 0x1000000));
	ck_assert_ptr_null(image_list_overlap(&list, 0x3000000, 0x3001000));
	ck_assert_ptr_nonnull(image_list_overlap(&list, 0xff0000, 0x1000001));
	ck_assert_ptr_nonnull(image_list_overlap(&list, 0x2fff000, 0x3000000));
	ck_assert_ptr_nonnull(image_list_overlap(&list, 0x0, UINT64_MAX));
	ck_assert_int_eq(image_list_check_free(&list, 0x2000000, 0x2001000, "blob", "raw image",
					       &err), -1);
	ck_assert_str_eq(err.msg, "blob: raw image at [0x2000000, 0x2001000) overlaps kernel "
			 "vmlinux at [0x1000000, 0x3000000)");
	ck_assert_int_eq(image_list_check_free(NULL, 0, 1, "x", "y", &err), 0);
	image_list_free(&list);
	ck_assert_uint_eq(list.count, 0);
}
END_TEST

START_TEST(test_add_copies_the_path)
{
	struct image_list list;
	image_list_init(&list);
	struct error err = { 0 };
	char path[] = "initrd.img";
	for (int i = 0; i < 20; i++) {   /* grows past the first allocation */
		struct image_record r = record(IMAGE_KIND_INITRD, path, 0x100000 * (uint64_t)i, 1);
		ck_assert_int_eq(image_list_add(&list, &r, &err), 0);
	}
	path[0] = 'X';
	ck_assert_uint_eq(list.count, 20);
	ck_assert_str_eq(list.items[19].path, "initrd.img");
	ck_assert_uint_eq(list.items[19].image.load_paddr, 19 * 0x100000);
	image_list_free(&list);
}
END_TEST

static char *print(const struct image_list *list, bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	if (json)
		image_list_print_json(list, out);
	else
		image_list_print_table(list, out);
	fclose(out);
	return text;
}

static void fill_sample(struct image_list *list)
{
	struct error err = { 0 };
	struct image_record k = record(IMAGE_KIND_KERNEL, "bzImage", 0x100000, 0x7e5000);
	k.image.alignment = 0x200000;
	k.format = "bzImage+lz4";
	struct image_record raw = record(IMAGE_KIND_RAW, "a \"b\"\\c\n", 0x3000000, 16);
	raw.origin = IMAGE_ORIGIN_CLIENT;
	raw.image.alignment = 1;
	raw.has_raw_addr = true;
	raw.raw_addr = 0x3000000;
	struct image_record gen = record(IMAGE_KIND_BOOT_DATA, "zero-page", 0x7000, 0x1000);
	gen.origin = IMAGE_ORIGIN_GENERATED;
	ck_assert_int_eq(image_list_add(list, &k, &err), 0);
	ck_assert_int_eq(image_list_add(list, &raw, &err), 0);
	ck_assert_int_eq(image_list_add(list, &gen, &err), 0);
}

START_TEST(test_table)
{
	struct image_list list;
	image_list_init(&list);
	fill_sample(&list);
	char *text = print(&list, false);
	ck_assert_str_eq(text,
		"KIND       ORIGIN    ADDRESS      SIZE         ALIGN      RAW-ADDRESS  FORMAT        PATH\n"
		"kernel     file      0x100000     0x7e5000     0x200000   -            bzImage+lz4   bzImage\n"
		"raw        client    0x3000000    0x10         0x1        0x3000000    -             a \"b\"\\c\n\n"
		"boot-data  generated 0x7000       0x1000       0x1000     -            -             zero-page\n");
	free(text);
	image_list_free(&list);
}
END_TEST

START_TEST(test_json)
{
	struct image_list list;
	image_list_init(&list);
	char *text = print(&list, true);
	ck_assert_str_eq(text, "[]\n");
	free(text);
	fill_sample(&list);
	text = print(&list, true);
	ck_assert_str_eq(text,
		"[{\"kind\":\"kernel\",\"origin\":\"file\",\"path\":\"bzImage\",\"load_paddr\":1048576,"
		"\"size\":8278016,\"alignment\":2097152,\"raw_addr\":null,\"format\":\"bzImage+lz4\"},"
		"{\"kind\":\"raw\",\"origin\":\"client\",\"path\":\"a \\\"b\\\"\\\\c\\n\","
		"\"load_paddr\":50331648,\"size\":16,\"alignment\":1,\"raw_addr\":50331648,"
		"\"format\":null},"
		"{\"kind\":\"boot-data\",\"origin\":\"generated\",\"path\":\"zero-page\","
		"\"load_paddr\":28672,\"size\":4096,\"alignment\":4096,\"raw_addr\":null,"
		"\"format\":null}]\n");
	free(text);
	image_list_free(&list);
}
END_TEST

static int load_raw(struct test_ram *ram, struct image_list *list, uint64_t addr, size_t size,
		    struct guest_image *out, struct error *err)
{
	static uint8_t data[8192];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = test_payload_byte(i);
	struct image_file file = { .path = "blob", .origin = IMAGE_ORIGIN_FILE, .data = data,
				   .size = size };
	return raw_load(&ram->mem, list, &file, addr, out, err);
}

START_TEST(test_raw_load)
{
	struct test_ram ram;
	test_ram_init(&ram, 3584 * MiB);
	struct image_list list;
	image_list_init(&list);
	struct guest_image out;
	struct error err = { 0 };
	/* Exactly at the address, however odd, and recorded as raw. */
	ck_assert_int_eq(load_raw(&ram, &list, 0x3000003, 5000, &out, &err), 0);
	ck_assert_uint_eq(out.load_paddr, 0x3000003);
	ck_assert_uint_eq(out.size, 5000);
	ck_assert_uint_eq(out.alignment, 1);
	for (size_t i = 0; i < 5000; i++)
		ck_assert_uint_eq(ram.host[0x3000003 + i], test_payload_byte(i));
	ck_assert_uint_eq(list.count, 1);
	ck_assert(list.items[0].has_raw_addr);
	ck_assert_uint_eq(list.items[0].raw_addr, 0x3000003);
	ck_assert_int_eq(list.items[0].kind, IMAGE_KIND_RAW);
	/* Above 4 GiB is RAM too. */
	ck_assert_int_eq(load_raw(&ram, &list, 4 * GiB + 0x1000, 100, &out, &err), 0);
	/* Rejections: overlap, the hole, past RAM, overflow. */
	ck_assert_int_eq(load_raw(&ram, &list, 0x3000000, 8192, &out, &err), -1);
	ck_assert_str_eq(err.msg, "blob: raw image at [0x3000000, 0x3002000) overlaps raw blob at "
			 "[0x3000003, 0x300138b)");
	ck_assert_int_eq(load_raw(&ram, &list, 0x3000000, 3, &out, &err), 0);  /* touches, no overlap */
	ck_assert_int_eq(load_raw(&ram, &list, 3 * GiB - 4096, 8192, &out, &err), -1);
	ck_assert_str_eq(err.msg, "blob: raw image at [0xbffff000, 0xc0001000) is not all guest RAM");
	ck_assert_int_eq(load_raw(&ram, &list, 4 * GiB + 512 * MiB, 1, &out, &err), -1);
	ck_assert_int_eq(load_raw(&ram, &list, UINT64_MAX - 10, 100, &out, &err), -1);
	test_assert_error(err.msg, "blob: raw image at 0xfffffffffffffff5 runs past the end");
	ck_assert_uint_eq(list.count, 3);
	image_list_free(&list);
	test_ram_free(&ram);
}
END_TEST

Suite *images_suite(void)
{
	Suite *s = suite_create("images");
	TCase *tc = tcase_create("list");
	tcase_add_test(tc, test_overlap_is_half_open);
	tcase_add_test(tc, test_add_copies_the_path);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("raw");
	tcase_add_test(tc, test_raw_load);
	suite_add_tcase(s, tc);
	return s;
}
