/* loader/kernel_modinfo.c: a module's .modinfo strings, and the ways a
 * broken .ko file is refused without a read outside it. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/ko_builder.h"
#include "tests/unit/unit.h"

/* Parses an exact-size copy, so AddressSanitizer sees any read past it. */
static int parse(const uint8_t *data, size_t size, struct kernel_modinfo *info,
		 struct error *err)
{
	uint8_t *copy = malloc(size ? size : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, data, size);
	int rc = kernel_modinfo_parse(copy, size, "m.ko", info, err);
	free(copy);
	return rc;
}

START_TEST(test_modinfo_fields)
{
	struct test_ko ko;
	struct kernel_modinfo info;
	struct error err = { 0 };
	test_ko_make_module(&ko, "virtiofs", "fuse,virtio,virtio_ring", "6.1.0-57-cloud-amd64");
	ck_assert_int_eq(parse(ko.data, ko.size, &info, &err), 0);
	ck_assert_str_eq(info.name, "virtiofs");
	ck_assert_str_eq(info.depends, "fuse,virtio,virtio_ring");
	ck_assert_str_eq(info.vermagic, "6.1.0-57-cloud-amd64 SMP mod_unload ");
	kernel_modinfo_free(&info);
	test_ko_free(&ko);

	/* No dependencies: "depends=" with nothing after it. */
	test_ko_make_module(&ko, "overlay", "", "6.1.0");
	ck_assert_int_eq(parse(ko.data, ko.size, &info, &err), 0);
	ck_assert_str_eq(info.depends, "");
	kernel_modinfo_free(&info);
	test_ko_free(&ko);

	/* NUL padding between strings (section alignment), a last string
	 * without its NUL at the section's end, and no name= (before 5.2). */
	static const char padded[] = "depends=a\0\0\0\0vermagic=5.10.0 SMP\0\0\0alias=x";
	test_ko_make(&ko, padded, sizeof(padded) - 1);
	ck_assert_int_eq(parse(ko.data, ko.size, &info, &err), 0);
	ck_assert_ptr_null(info.name);
	ck_assert_str_eq(info.depends, "a");
	ck_assert_str_eq(info.vermagic, "5.10.0 SMP");
	kernel_modinfo_free(&info);
	test_ko_free(&ko);

	/* A section without modinfo keys: no depends at all. */
	test_ko_make(&ko, "license=GPL", 12);
	ck_assert_int_eq(parse(ko.data, ko.size, &info, &err), 0);
	ck_assert_ptr_null(info.depends);
	kernel_modinfo_free(&info);
	test_ko_free(&ko);
}
END_TEST

static void expect_refusal(struct test_ko *ko, const char *fragment)
{
	struct kernel_modinfo info;
	struct error err = { 0 };
	ck_assert_int_eq(parse(ko->data, ko->size, &info, &err), -1);
	test_assert_error(err.msg, "m.ko: ", fragment);
	ck_assert_ptr_null(info.depends);
}

static Elf64_Ehdr *ehdr(struct test_ko *ko) { return (Elf64_Ehdr *)ko->data; }
static Elf64_Shdr *shdr(struct test_ko *ko, unsigned i)
{
	return (Elf64_Shdr *)(ko->data + ko->shoff) + i;
}

START_TEST(test_modinfo_broken_files)
{
	struct test_ko ko;
	test_ko_make_module(&ko, "m", "", "6.1.0");
	memcpy(ko.data, "\x7f" "ELG", 4);
	expect_refusal(&ko, "not an ELF file");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	ko.data[EI_CLASS] = ELFCLASS32;
	expect_refusal(&ko, "not a little-endian ELF64 file");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	ehdr(&ko)->e_shnum = 0;
	expect_refusal(&ko, "no section headers");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	ehdr(&ko)->e_shentsize = 40;
	expect_refusal(&ko, "e_shentsize 40");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	ehdr(&ko)->e_shstrndx = 4;
	expect_refusal(&ko, "e_shstrndx 4 is not one of its 4 sections");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	ehdr(&ko)->e_shoff = ~0ULL - 8;
	expect_refusal(&ko, "section headers at 0xfffffffffffffff7 lie outside");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	ehdr(&ko)->e_shnum = 0xffff;
	ehdr(&ko)->e_shstrndx = 3;
	expect_refusal(&ko, "lie outside the");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	shdr(&ko, 2)->sh_size = ~0ULL;
	expect_refusal(&ko, "the .modinfo section [");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	shdr(&ko, 2)->sh_offset = ko.size;
	expect_refusal(&ko, "the .modinfo section [");
	test_ko_free(&ko);

	test_ko_make_module(&ko, "m", "", "6.1.0");
	shdr(&ko, 3)->sh_offset = ko.size - 2;
	expect_refusal(&ko, "the section name section [");
	test_ko_free(&ko);

	/* No .modinfo: its name renamed, or the name index out of range. */
	test_ko_make_module(&ko, "m", "", "6.1.0");
	shdr(&ko, 2)->sh_name = 1;
	expect_refusal(&ko, "no .modinfo section");
	shdr(&ko, 2)->sh_name = 0x7fffffff;
	expect_refusal(&ko, "no .modinfo section");
	test_ko_free(&ko);
}
END_TEST

/* Every prefix of a good module is refused, none read past its end. */
START_TEST(test_modinfo_truncated)
{
	struct test_ko ko;
	test_ko_make_module(&ko, "m", "a,b", "6.1.0");
	for (size_t cut = 0; cut < ko.size; cut++) {
		struct kernel_modinfo info;
		struct error err = { 0 };
		ck_assert_int_eq(parse(ko.data, cut, &info, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.msg, "m.ko: "));
	}
	test_ko_free(&ko);
}
END_TEST

Suite *kernel_modinfo_suite(void)
{
	Suite *s = suite_create("kernel_modinfo");
	TCase *tc = tcase_create("modinfo");
	tcase_add_test(tc, test_modinfo_fields);
	tcase_add_test(tc, test_modinfo_broken_files);
	tcase_add_test(tc, test_modinfo_truncated);
	suite_add_tcase(s, tc);
	return s;
}
