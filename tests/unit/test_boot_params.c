/* boot/boot_params.c: the zero page a loaded kernel receives. */
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

#define KERNEL_AT 0x2000000ULL

struct fixture {
	struct test_ram ram;
	struct guest_kernel_image kernel;
	struct guest_image initrd;
};

/* A 64 MiB guest with a synthetic kernel and a 1 MiB initrd, the zero page
 * area first filled with 0xff so that unwritten bytes show. */
static void fixture_init(struct fixture *f)
{
	struct test_bzimage img;
	struct error err = { 0 };
	test_ram_init(&f->ram, 64 * MiB);
	memset(f->ram.host + LAYOUT_ZERO_PAGE, 0xff, sizeof(struct boot_params));
	test_bzimage_make(&img, 4, 4096);
	/* Not at code32_start, so that code32_start must be rewritten. */
	ck_assert_msg(test_bzimage_load(&f->ram.mem, img.data, img.size, "k", KERNEL_AT, &f->kernel,
				   &err) == 0, "%s", err.msg);
	test_bzimage_free(&img);
	static uint8_t initrd[1 * MiB];
	ck_assert_msg(test_initrd_load(&f->ram.mem, initrd, sizeof(initrd), "i", &f->kernel,
				  &f->initrd, &err) == 0, "%s", err.msg);
}

static const struct boot_params *zero_page(const struct fixture *f)
{
	return (const struct boot_params *)(f->ram.host + LAYOUT_ZERO_PAGE);
}

START_TEST(test_loader_fields)
{
	struct fixture f;
	fixture_init(&f);
	struct error err = { 0 };
	/* Loader-written fields the image may carry other values in. */
	struct setup_header *h = &f.kernel.setup_header;
	h->vid_mode = 0xfffd;
	h->type_of_loader = 0x21;
	h->heap_end_ptr = 0x5be0;
	h->cmd_line_ptr = 0x9999;
	h->setup_data = 0x123456;
	h->hardware_subarch = 3;
	h->hardware_subarch_data = 0x77;
	ck_assert_msg(boot_params_build(&f.ram.mem, &f.kernel, &f.initrd, "console=ttyS0",
					LAYOUT_ACPI_TABLES, &err) == 0, "%s", err.msg);
	const struct boot_params *bp = zero_page(&f);
	ck_assert_uint_eq(bp->hdr.type_of_loader, 0xff);
	ck_assert_uint_eq(bp->hdr.loadflags, LOADED_HIGH | CAN_USE_HEAP);
	ck_assert_uint_eq(bp->hdr.heap_end_ptr, 0xfe00);
	ck_assert_uint_eq(bp->hdr.vid_mode, 0xffff);
	ck_assert_uint_eq(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
	ck_assert_uint_eq(bp->ext_cmd_line_ptr, 0);
	ck_assert_str_eq((const char *)f.ram.host + LAYOUT_CMDLINE, "console=ttyS0");
	ck_assert_uint_eq(bp->hdr.code32_start, KERNEL_AT);
	ck_assert_uint_eq(bp->hdr.ramdisk_image, 63 * MiB);
	ck_assert_uint_eq(bp->hdr.ramdisk_image, f.initrd.load_paddr);
	ck_assert_uint_eq(bp->hdr.ramdisk_size, 1 * MiB);
	ck_assert_uint_eq(bp->ext_ramdisk_image, 0);
	ck_assert_uint_eq(bp->ext_ramdisk_size, 0);
	ck_assert_uint_eq(bp->hdr.setup_data, 0);
	ck_assert_uint_eq(bp->hdr.hardware_subarch, 0);
	ck_assert_uint_eq(bp->hdr.hardware_subarch_data, 0);
	ck_assert_uint_eq(bp->sentinel, 0);
	ck_assert_uint_eq(bp->acpi_rsdp_addr, LAYOUT_ACPI_TABLES);
	test_ram_free(&f.ram);
}
END_TEST

START_TEST(test_setup_header_copied)
{
	struct fixture f;
	fixture_init(&f);
	struct error err = { 0 };
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, NULL, "", 0, &err), 0);
	const struct setup_header *h = &zero_page(&f)->hdr;
	ck_assert_uint_eq(h->init_size, TEST_INIT_SIZE);
	ck_assert_uint_eq(h->pref_address, TEST_PREF_ADDR);
	ck_assert_uint_eq(h->kernel_alignment, TEST_ALIGNMENT);
	ck_assert_uint_eq(h->relocatable_kernel, 1);
	ck_assert_uint_eq(h->version, 0x020f);
	ck_assert_uint_eq(h->xloadflags, 0x7f);
	ck_assert_uint_eq(h->cmdline_size, 0x7ff);
	ck_assert_uint_eq(h->initrd_addr_max, 0x7fffffff);
	ck_assert_uint_eq(h->header, 0x53726448);   /* "HdrS" (boot.rst) */
	ck_assert_uint_eq(h->boot_flag, 0xaa55);
	ck_assert_uint_eq(h->kernel_info_offset, 0x1234);
	test_ram_free(&f.ram);
}
END_TEST

START_TEST(test_everything_else_zero)
{
	struct fixture f;
	fixture_init(&f);
	struct error err = { 0 };
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, NULL, "", 0, &err), 0);
	const struct boot_params *bp = zero_page(&f);
	const uint8_t *raw = (const uint8_t *)bp;
	/* Before the header only e820_entries (0x1e8) is set. */
	for (size_t i = 0; i < 0x1f1; i++)
		if (i != 0x1e8)
			ck_assert_msg(raw[i] == 0, "byte 0x%zx is 0x%x", i, raw[i]);
	ck_assert_uint_eq(bp->hdr.ramdisk_image, 0);
	ck_assert_uint_eq(bp->hdr.ramdisk_size, 0);
	/* After the header, only the e820 entries in use. */
	size_t used_end = offsetof(struct boot_params, e820_table) +
			  bp->e820_entries * sizeof(struct boot_e820_entry);
	for (size_t i = 0x1f1 + sizeof(struct setup_header); i < sizeof(*bp); i++)
		if (i < offsetof(struct boot_params, e820_table) || i >= used_end)
			ck_assert_msg(raw[i] == 0, "byte 0x%zx is 0x%x", i, raw[i]);
	test_ram_free(&f.ram);
}
END_TEST

START_TEST(test_e820_in_zero_page)
{
	struct fixture f;
	fixture_init(&f);
	struct error err = { 0 };
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, NULL, "", 0, &err), 0);
	const struct boot_params *bp = zero_page(&f);
	struct boot_e820_entry expect[E820_MAX_ENTRIES_ZEROPAGE];
	int n = e820_build(&f.ram.mem, expect, E820_MAX_ENTRIES_ZEROPAGE, &err);
	ck_assert_int_eq(n, 5);
	ck_assert_uint_eq(bp->e820_entries, 5);
	ck_assert_mem_eq(bp->e820_table, expect, n * sizeof(expect[0]));
	ck_assert_uint_eq(bp->e820_table[3].addr + bp->e820_table[3].size, 64 * MiB);
	ck_assert_uint_eq(bp->e820_table[4].addr, LAYOUT_PCI_ECAM);
	ck_assert_uint_eq(bp->e820_table[4].type, E820_TYPE_RESERVED);
	test_ram_free(&f.ram);
}
END_TEST

START_TEST(test_initrd_above_4g_uses_ext_fields)
{
	struct fixture f;
	fixture_init(&f);
	struct guest_image high = { .load_paddr = 0x123456000ULL, .size = 0x100000005ULL };
	struct error err = { 0 };
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, &high, "", 0, &err), 0);
	const struct boot_params *bp = zero_page(&f);
	ck_assert_uint_eq(bp->hdr.ramdisk_image, 0x23456000);
	ck_assert_uint_eq(bp->ext_ramdisk_image, 1);
	ck_assert_uint_eq(bp->hdr.ramdisk_size, 5);
	ck_assert_uint_eq(bp->ext_ramdisk_size, 1);
	test_ram_free(&f.ram);
}
END_TEST

START_TEST(test_cmdline_limit_from_kernel)
{
	struct fixture f;
	fixture_init(&f);
	struct error err = { 0 };
	char line[300];
	memset(line, 'a', sizeof(line));
	line[256] = '\0';
	f.kernel.setup_header.cmdline_size = 255;
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, NULL, line, 0, &err), -1);
	ck_assert_str_eq(err.msg, "command line is 256 bytes, the kernel accepts at most 255");
	/* Before 2.06 cmdline_size is not a field: the limit is 255 whatever
	 * its bytes say. */
	f.kernel.setup_header.cmdline_size = 0x7ff;
	f.kernel.setup_header.version = 0x0205;
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, NULL, line, 0, &err), -1);
	line[255] = '\0';
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, NULL, line, 0, &err), 0);
	test_ram_free(&f.ram);
}
END_TEST

START_TEST(test_kernel_above_4g_refused)
{
	struct fixture f;
	fixture_init(&f);
	struct error err = { 0 };
	f.kernel.image.load_paddr = 4 * GiB;
	ck_assert_int_eq(boot_params_build(&f.ram.mem, &f.kernel, NULL, "", 0, &err), -1);
	ck_assert_str_eq(err.msg, "kernel load address 0x100000000 is above 4 GiB");
	test_ram_free(&f.ram);
}
END_TEST

Suite *boot_params_suite(void)
{
	Suite *s = suite_create("boot_params");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_loader_fields);
	tcase_add_test(tc, test_setup_header_copied);
	tcase_add_test(tc, test_everything_else_zero);
	tcase_add_test(tc, test_e820_in_zero_page);
	tcase_add_test(tc, test_initrd_above_4g_uses_ext_fields);
	tcase_add_test(tc, test_cmdline_limit_from_kernel);
	tcase_add_test(tc, test_kernel_above_4g_refused);
	suite_add_tcase(s, tc);
	return s;
}
