/* loader/bzimage.c: header checks (boot.rst), sizes, placement and copy. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

#define PAYLOAD 4096

static int parse(struct test_bzimage *img, struct guest_kernel_image *k, struct error *err)
{
	return bzimage_parse(img->data, img->size, "k", k, err);
}

START_TEST(test_valid_header)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(parse(&img, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.size, PAYLOAD);
	ck_assert_uint_eq(k.image.load_paddr, TEST_CODE32);
	ck_assert_uint_eq(k.image.alignment, TEST_ALIGNMENT);
	ck_assert_uint_eq(k.entry, TEST_CODE32 + 0x200);
	ck_assert_int_eq(k.protocol, KERNEL_BOOT_LINUX64);
	/* Relocatable, loaded below 16 MiB: the decompressor runs from
	 * pref_address for init_size bytes. */
	ck_assert_uint_eq(k.reserved_end, TEST_PREF_ADDR + TEST_INIT_SIZE);
	ck_assert_mem_eq(&k.setup_header, test_bzimage_header(&img), sizeof(struct setup_header));
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_bad_magic)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	test_bzimage_header(&img)->header = 0x54726448;  /* "HdrT" */
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(parse(&img, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: not a bzImage (no HdrS signature)");
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_old_protocol)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	test_bzimage_header(&img)->version = 0x0100;
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(parse(&img, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: boot protocol 1.00 too old (minivmm needs 2.00 or newer)");
	/* 2.00 itself is new enough to be a bzImage; it then lacks 64-bit. */
	test_bzimage_header(&img)->version = 0x0200;
	ck_assert_int_eq(parse(&img, &k, &err), -1);
	test_assert_error(err.msg, "k: kernel has no 64-bit entry point", "2.00");
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_no_loaded_high)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	test_bzimage_header(&img)->loadflags &= (uint8_t)~LOADED_HIGH;
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(parse(&img, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: not a bzImage: LOADED_HIGH not set (zImage?)");
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_no_64bit_entry)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct setup_header *h = test_bzimage_header(&img);
	struct guest_kernel_image k;
	struct error err = { 0 };

	h->xloadflags &= (uint16_t)~XLF_KERNEL_64;
	ck_assert_int_eq(parse(&img, &k, &err), -1);
	test_assert_error(err.msg, "k: kernel has no 64-bit entry point", "XLF_KERNEL_64", "2.15");

	/* Before 2.12 xloadflags is not a header field: its bytes mean nothing. */
	h->xloadflags = 0x7f;
	h->version = 0x020b;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse(&img, &k, &err), -1);
	test_assert_error(err.msg, "k: kernel has no 64-bit entry point", "2.11");

	h->version = 0x020c;
	ck_assert_msg(parse(&img, &k, &err) == 0, "%s", err.msg);
	test_bzimage_free(&img);
}
END_TEST

/* Cut points in a 4-sector setup (2560 bytes) + 4096-byte payload image. */
static const struct {
	size_t size;
	const char *why;
} truncations[] = {
	{ 0, "too short for a bzImage setup header" },
	{ 1, "too short for a bzImage setup header" },
	{ 0x1f1, "too short for a bzImage setup header" },
	{ 600, "too short for a bzImage setup header" },
	{ 0x26b, "too short for a bzImage setup header" },
	{ 0x26c, "setup ends at 2560 but file is 620 bytes" },
	{ 2559, "setup ends at 2560 but file is 2559 bytes" },
	{ 2560, "setup ends at 2560 but file is 2560 bytes" },
	{ 2561, "kernel ends at 6656 (syssize) but file is 2561 bytes" },
	/* syssize counts 16-byte paragraphs (boot.rst): a file may end up to
	 * 15 bytes short of them (syssize_rounding below), not 16. */
	{ 2560 + PAYLOAD - 16, "kernel ends at 6656 (syssize) but file is 6640 bytes" },
};

START_TEST(test_truncated)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	size_t n = truncations[_i].size;
	/* An exact-size copy, so AddressSanitizer catches any read past it. */
	uint8_t *cut = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(cut);
	memcpy(cut, img.data, n);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(bzimage_parse(cut, n, "k", &k, &err), -1);
	test_assert_error(err.msg, "k: truncated: ", truncations[_i].why);
	free(cut);
	test_bzimage_free(&img);
}
END_TEST

/* boot.rst "syssize": "The size of the protected-mode code in units of
 * 16-byte paragraphs", rounded up: a file ending 1 to 15 bytes before
 * setup + syssize * 16 is whole, as GRUB and QEMU take it, and loads as
 * the bytes it has. */
START_TEST(test_syssize_rounding)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct guest_kernel_image k;
	struct error err = { 0 };
	for (size_t short_by = 1; short_by <= 15; short_by++) {
		size_t n = img.size - short_by;
		uint8_t *cut = malloc(n);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, img.data, n);
		ck_assert_msg(bzimage_parse(cut, n, "k", &k, &err) == 0, "%zu: %s", short_by, err.msg);
		ck_assert_uint_eq(k.image.size, PAYLOAD - short_by);
		struct test_ram ram;
		test_ram_init(&ram, 64 * MiB);
		ck_assert_msg(test_bzimage_load(&ram.mem, cut, n, "k", 0, &k, &err) == 0, "%s", err.msg);
		ck_assert_uint_eq(ram.host[TEST_CODE32 + PAYLOAD - short_by - 1],
				  test_payload_byte(PAYLOAD - short_by - 1));
		test_ram_free(&ram);
		free(cut);
	}
	/* One more paragraph short is no rounding: the file is cut. */
	test_bzimage_header(&img)->syssize += 1;
	ck_assert_int_eq(parse(&img, &k, &err), -1);
	test_assert_error(err.msg, "k: truncated: kernel ends at 6672 (syssize)");
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_setup_sects_zero_means_four)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 0, PAYLOAD);  /* 4 sectors laid out, 0 written */
	ck_assert_uint_eq(test_bzimage_header(&img)->setup_sects, 0);
	ck_assert_uint_eq(img.setup_size, 5 * 512);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(parse(&img, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.size, PAYLOAD);

	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	ck_assert_msg(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0, &k, &err) == 0,
		      "%s", err.msg);
	ck_assert_uint_eq(ram.host[TEST_CODE32], test_payload_byte(0));
	ck_assert_uint_eq(ram.host[TEST_CODE32 + PAYLOAD - 1], test_payload_byte(PAYLOAD - 1));
	test_ram_free(&ram);

	/* With 0 read as 4, a file holding only 1 sector of setup is short. */
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(bzimage_parse(img.data, 2 * 512, "k", &k, &err), -1);
	test_assert_error(err.msg, "k: truncated: setup ends at 2560");
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_many_setup_sects)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 39, PAYLOAD);  /* Debian 6.1's value */
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(parse(&img, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(img.setup_size, 0x5000);
	ck_assert_uint_eq(k.image.size, PAYLOAD);
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_header_copy_stops_at_declared_end)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	/* jump EB 66: the header ends at 0x268, before kernel_info_offset. */
	test_bzimage_header(&img)->jump = 0x66eb;
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(parse(&img, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(test_bzimage_header(&img)->kernel_info_offset, 0x1234);
	ck_assert_uint_eq(k.setup_header.kernel_info_offset, 0);
	ck_assert_uint_eq(k.setup_header.init_size, TEST_INIT_SIZE);
	test_bzimage_free(&img);
}
END_TEST

/* A kernel_alignment that is not a power of two cannot be aligned to:
 * GRUB then loads the kernel as not relocatable, and so does minivmm, at
 * its own address; only a move elsewhere is refused. */
START_TEST(test_bad_kernel_alignment)
{
	static const uint32_t bad[] = { 0x300000, 0, 0x200001 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct test_bzimage img;
		test_bzimage_make(&img, 4, PAYLOAD);
		test_bzimage_header(&img)->kernel_alignment = bad[i];
		struct guest_kernel_image k;
		struct error err = { 0 };
		ck_assert_msg(parse(&img, &k, &err) == 0, "0x%x: %s", bad[i], err.msg);
		ck_assert_uint_eq(k.image.alignment, 0x1000);
		ck_assert_uint_eq(k.image.load_paddr, TEST_CODE32);
		ck_assert_uint_eq(k.entry, TEST_CODE32 + X86_BOOT_ENTRY64_OFFSET);
		/* Runs at pref_address, as a kernel that is not relocatable. */
		ck_assert_uint_eq(k.reserved_end, TEST_PREF_ADDR + TEST_INIT_SIZE);

		struct test_ram ram;
		test_ram_init(&ram, 64 * MiB);
		ck_assert_msg(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0, &k, &err) == 0,
			      "%s", err.msg);
		ck_assert_uint_eq(ram.host[TEST_CODE32], test_payload_byte(0));
		ck_assert_int_eq(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0x2000000, &k,
						   &err), -1);
		test_assert_error(err.msg, "k: kernel is not relocatable");
		test_ram_free(&ram);
		test_bzimage_free(&img);
	}
}
END_TEST

START_TEST(test_not_relocatable)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	test_bzimage_header(&img)->relocatable_kernel = 0;
	test_bzimage_header(&img)->kernel_alignment = 0x300000;  /* ignored */
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(parse(&img, &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.alignment, 0x1000);
	ck_assert_uint_eq(k.reserved_end, TEST_PREF_ADDR + TEST_INIT_SIZE);

	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	ck_assert_int_eq(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0x2000000, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: kernel is not relocatable: it must be loaded at "
			 "0x100000, not 0x2000000");
	ck_assert_int_eq(test_bzimage_load(&ram.mem, img.data, img.size, "k", TEST_CODE32, &k, &err), 0);
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_load_copies_payload)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	memset(ram.host + TEST_CODE32 - 16, 0x5a, PAYLOAD + 32);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_msg(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0, &k, &err) == 0,
		      "%s", err.msg);
	ck_assert_mem_eq(ram.host + TEST_CODE32, img.data + img.setup_size, PAYLOAD);
	ck_assert_uint_eq(ram.host[TEST_CODE32 - 1], 0x5a);
	ck_assert_uint_eq(ram.host[TEST_CODE32 + PAYLOAD], 0x5a);
	ck_assert_uint_eq(k.image.load_paddr, TEST_CODE32);
	ck_assert_uint_eq(k.entry, TEST_CODE32 + 0x200);
	ck_assert_uint_eq(k.image.size, PAYLOAD);
	ck_assert_uint_eq(k.reserved_end, TEST_PREF_ADDR + TEST_INIT_SIZE);
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

/* A chosen address is rounded up to the alignment (kernel_alignment 2 MiB
 * unless the request says otherwise);
 * reserved_end = max(load + size, max(align_up(load, 2 MiB), 16 MiB) + init_size). */
static const struct {
	uint64_t load, alignment, landed, reserved_end;
} placements[] = {
	{ 0x200000, 0, 0x200000, TEST_PREF_ADDR + TEST_INIT_SIZE },
	{ 0x1000000, 0, 0x1000000, 0x1000000 + TEST_INIT_SIZE },
	{ 0x1900000, 0, 0x1a00000, 0x1a00000 + TEST_INIT_SIZE },
	{ 0x2000000, 0, 0x2000000, 0x2000000 + TEST_INIT_SIZE },
	{ 0x2000123, 0, 0x2200000, 0x2200000 + TEST_INIT_SIZE },
	/* A smaller alignment keeps the copy lower; the decompressor still
	 * moves to kernel_alignment, which reserved_end accounts for. */
	{ 0x1900000, 0x1000, 0x1900000, 0x1a00000 + TEST_INIT_SIZE },
	{ 0x2000123, 0x1000, 0x2001000, 0x2200000 + TEST_INIT_SIZE },
	{ 0x2000123, 0x4000000, 0x4000000, 0x4000000 + TEST_INIT_SIZE },
};

static int load_aligned(struct test_ram *ram, struct test_bzimage *img, struct image_list *list,
			uint64_t load, uint64_t alignment, struct guest_kernel_image *k,
			struct error *err)
{
	struct image_file file = { .path = "k", .data = img->data, .size = img->size };
	struct load_request req = { .load_address = load, .alignment = alignment };
	return bzimage_load(&ram->mem, list, &file, &req, k, err);
}

START_TEST(test_load_at_chosen_address)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct test_ram ram;
	test_ram_init(&ram, 128 * MiB);
	struct guest_kernel_image k;
	struct error err = { 0 };
	uint64_t load = placements[_i].landed;
	ck_assert_msg(load_aligned(&ram, &img, NULL, placements[_i].load, placements[_i].alignment,
				   &k, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(k.image.load_paddr, load);
	ck_assert_uint_eq(k.image.alignment,
			  placements[_i].alignment ? placements[_i].alignment : TEST_ALIGNMENT);
	ck_assert_uint_eq(k.entry, load + 0x200);
	ck_assert_uint_eq(k.reserved_end, placements[_i].reserved_end);
	ck_assert_mem_eq(ram.host + load, img.data + img.setup_size, PAYLOAD);
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_reserved_end_covers_big_image)
{
	/* An image longer than the decompression area ends the reservation. */
	struct test_bzimage img;
	test_bzimage_make(&img, 4, 12 * MiB);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(bzimage_parse(img.data, img.size, "k", &k, &err), 0);
	struct test_ram ram;
	test_ram_init(&ram, 64 * MiB);
	ck_assert_int_eq(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0x1e00000, &k, &err), 0);
	ck_assert_uint_eq(k.reserved_end, 0x1e00000 + 12 * MiB);
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_load_does_not_fit)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, 2 * MiB);
	struct test_ram ram;
	test_ram_init(&ram, 2 * MiB);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: kernel of 0x200000 bytes at 0x100000 does not fit in "
			 "guest RAM (RAM ends at 0x200000)");
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_decompression_area_beyond_ram)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct test_ram ram;
	struct guest_kernel_image k;
	struct error err = { 0 };
	test_ram_init(&ram, 16 * MiB);
	ck_assert_int_eq(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: kernel needs guest RAM up to 0x1800000 to decompress "
			 "(init_size 0x800000) but RAM ends at 0x1000000");
	ck_assert_uint_eq(ram.host[TEST_CODE32], 0);  /* nothing copied */
	test_ram_free(&ram);
	/* Exactly enough RAM is enough. */
	test_ram_init(&ram, TEST_PREF_ADDR + TEST_INIT_SIZE);
	ck_assert_msg(test_bzimage_load(&ram.mem, img.data, img.size, "k", 0, &k, &err) == 0,
		      "%s", err.msg);
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_bad_load_addresses)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct test_ram ram;
	test_ram_init(&ram, 3584 * MiB);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(load_aligned(&ram, &img, NULL, 0x10000, 0x1000, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: load address 0x10000 is below 1 MiB");
	ck_assert_int_eq(test_bzimage_load(&ram.mem, img.data, img.size, "k", UINT64_MAX - 0x100,
				      &k, &err), -1);
	test_assert_error(err.msg, "k: load address 0xfffffffffffffeff is out of range");
	/* In RAM, but above 4 GiB: not in low RAM. */
	ck_assert_int_eq(load_aligned(&ram, &img, NULL, 4 * GiB, 0x1000, &k, &err), -1);
	test_assert_error(err.msg, "k: kernel of 0x1000 bytes at 0x100000000 does not fit",
			  "RAM ends at 0xc0000000");
	/* In the MMIO hole. */
	ck_assert_int_eq(load_aligned(&ram, &img, NULL, 3 * GiB, 0x1000, &k, &err), -1);
	test_assert_error(err.msg, "k: kernel of 0x1000 bytes at 0xc0000000 does not fit");
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

START_TEST(test_bad_alignments)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct test_ram ram;
	test_ram_init(&ram, 128 * MiB);
	struct guest_kernel_image k;
	struct error err = { 0 };
	ck_assert_int_eq(load_aligned(&ram, &img, NULL, 0x2000000, 0x3000, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: alignment 0x3000 is not a power of two");
	ck_assert_int_eq(load_aligned(&ram, &img, NULL, 0x2000000, 0x800, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: alignment 0x800 is below the 4 KiB page size");
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

/* The kernel is recorded with its whole claim, and refuses to land on
 * anything already placed. */
START_TEST(test_image_list)
{
	struct test_bzimage img;
	test_bzimage_make(&img, 4, PAYLOAD);
	struct test_ram ram;
	test_ram_init(&ram, 128 * MiB);
	struct guest_kernel_image k;
	struct error err = { 0 };
	struct image_list list;
	image_list_init(&list);
	struct image_record blob = { .kind = IMAGE_KIND_RAW, .path = "blob",
				     .image = { 0x1400000, 1, 0x1000 }, .claim_end = 0x1401000 };
	ck_assert_int_eq(image_list_add(&list, &blob, &err), 0);
	/* The copy at 2 MiB is clear of the blob, but the decompression area
	 * [16 MiB, 16 MiB + init_size) is not. */
	ck_assert_int_eq(load_aligned(&ram, &img, &list, 0x200000, 0, &k, &err), -1);
	ck_assert_str_eq(err.msg, "k: kernel at [0x200000, 0x1800000) overlaps raw blob at "
			 "[0x1400000, 0x1401000)");
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(load_aligned(&ram, &img, &list, 0x2000000, 0, &k, &err), 0);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_int_eq(list.items[1].kind, IMAGE_KIND_KERNEL);
	ck_assert_str_eq(list.items[1].path, "k");
	ck_assert_uint_eq(list.items[1].image.load_paddr, 0x2000000);
	ck_assert_uint_eq(list.items[1].image.size, PAYLOAD);
	ck_assert_uint_eq(list.items[1].claim_end, 0x2000000 + TEST_INIT_SIZE);
	image_list_free(&list);
	test_ram_free(&ram);
	test_bzimage_free(&img);
}
END_TEST

Suite *bzimage_suite(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_valid_header);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_old_protocol);
	tcase_add_test(tc, test_no_loaded_high);
	tcase_add_test(tc, test_no_64bit_entry);
	tcase_add_loop_test(tc, test_truncated, 0, sizeof(truncations) / sizeof(truncations[0]));
	tcase_add_test(tc, test_syssize_rounding);
	tcase_add_test(tc, test_setup_sects_zero_means_four);
	tcase_add_test(tc, test_many_setup_sects);
	tcase_add_test(tc, test_header_copy_stops_at_declared_end);
	tcase_add_test(tc, test_bad_kernel_alignment);
	tcase_add_test(tc, test_not_relocatable);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_load_copies_payload);
	tcase_add_loop_test(tc, test_load_at_chosen_address, 0,
			    sizeof(placements) / sizeof(placements[0]));
	tcase_add_test(tc, test_reserved_end_covers_big_image);
	tcase_add_test(tc, test_load_does_not_fit);
	tcase_add_test(tc, test_decompression_area_beyond_ram);
	tcase_add_test(tc, test_bad_load_addresses);
	tcase_add_test(tc, test_bad_alignments);
	tcase_add_test(tc, test_image_list);
	suite_add_tcase(s, tc);
	return s;
}
