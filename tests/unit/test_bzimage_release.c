/* loader/bzimage_release.c: the release from boot.rst's kernel_version
 * field, and every way a hostile header can break it. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

#define SETUP_SECTS 4
#define STRING_AT 0x800    /* inside the 5 * 512 bytes of setup code */

static struct test_bzimage *made;

/* The image made last is freed when the next one is made, and at the end
 * by release_done. */
static void make_with(struct test_bzimage *img, const char *version)
{
	if (made)
		test_bzimage_free(made);
	made = img;
	test_bzimage_make(img, SETUP_SECTS, 4096);
	test_bzimage_header(img)->kernel_version = STRING_AT - 0x200;
	memset(img->data + STRING_AT, 0, 0x200);
	if (version)
		memcpy(img->data + STRING_AT, version, strlen(version) + 1);
}

static int release_of(struct test_bzimage *img, char **release, struct error *err)
{
	return bzimage_kernel_release(img->data, img->size, "k.img", release, err);
}

START_TEST(test_release_first_word)
{
	struct test_bzimage img;
	struct error err = { 0 };
	char *release = NULL;
	make_with(&img, "6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP");
	ck_assert_int_eq(release_of(&img, &release, &err), 0);
	ck_assert_str_eq(release, "6.1.0-57-cloud-amd64");
	free(release);
	/* A string that is only the release. */
	make_with(&img, "6.1.192");
	ck_assert_int_eq(release_of(&img, &release, &err), 0);
	ck_assert_str_eq(release, "6.1.192");
	free(release);
	/* setup_sects 0 means 4 (boot.rst). */
	test_bzimage_header(&img)->setup_sects = 0;
	ck_assert_int_eq(release_of(&img, &release, &err), 0);
	ck_assert_str_eq(release, "6.1.192");
	free(release);
	test_bzimage_free(&img);
	made = NULL;
}
END_TEST

static void expect_refusal(struct test_bzimage *img, const char *fragment)
{
	struct error err = { 0 };
	char *release = (char *)"untouched";
	ck_assert_int_eq(release_of(img, &release, &err), -1);
	ck_assert_ptr_null(release);
	test_assert_error(err.msg, "k.img: ", fragment);
}

START_TEST(test_release_hostile_headers)
{
	struct test_bzimage img;
	make_with(&img, "6.1.0");
	test_bzimage_header(&img)->kernel_version = 0;
	expect_refusal(&img, "declares no kernel version string");

	make_with(&img, "6.1.0");
	test_bzimage_header(&img)->kernel_version = 0xffff;
	expect_refusal(&img, "past the setup code");
	/* Inside the file but beyond setup_sects' code. */
	test_bzimage_header(&img)->kernel_version = (SETUP_SECTS + 1) * 512 - 0x200;
	expect_refusal(&img, "past the setup code");

	make_with(&img, NULL);
	memset(img.data + STRING_AT, 'x', (SETUP_SECTS + 1) * 512 - STRING_AT);
	expect_refusal(&img, "does not end within the setup code");

	make_with(&img, "");
	expect_refusal(&img, "is empty");
	make_with(&img, " 6.1.0");
	expect_refusal(&img, "is empty");

	char long_release[100];
	memset(long_release, 'a', 65);
	long_release[65] = 0;
	make_with(&img, long_release);
	expect_refusal(&img, "is 65 bytes long");
	long_release[64] = 0;
	make_with(&img, long_release);
	struct error err = { 0 };
	char *release = NULL;
	ck_assert_int_eq(release_of(&img, &release, &err), 0);
	ck_assert_uint_eq(strlen(release), 64);
	free(release);

	make_with(&img, "../../etc");
	expect_refusal(&img, "holds a byte 0x2f");
	make_with(&img, "6.1\t0");
	expect_refusal(&img, "holds a byte 0x09");
	make_with(&img, "..");
	expect_refusal(&img, "is '..'");

	make_with(&img, "6.1.0");
	memcpy(img.data + 0x202, "HdrX", 4);
	expect_refusal(&img, "not a bzImage (no HdrS signature)");

	make_with(&img, "6.1.0");
	test_bzimage_header(&img)->version = 0x0100;
	expect_refusal(&img, "has no kernel_version field");
	test_bzimage_free(&img);
	made = NULL;
}
END_TEST

/* The string and its bound are checked against the file's own size too:
 * a copy cut inside the string fails without a read past the end. */
START_TEST(test_release_truncated)
{
	struct test_bzimage img;
	struct error err = { 0 };
	char *release = NULL;
	make_with(&img, "6.1.0-57-cloud-amd64 (x)");
	for (size_t cut = 0; cut <= STRING_AT + 4; cut += (cut < 0x220 ? 1 : 0x100)) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, img.data, cut);
		ck_assert_int_eq(bzimage_kernel_release(copy, cut, "k.img", &release, &err), -1);
		ck_assert_ptr_null(release);
		ck_assert_ptr_nonnull(strstr(err.msg, "k.img: "));
		free(copy);
	}
	ck_assert_int_eq(bzimage_kernel_release(NULL, 0, "k.img", &release, &err), -1);
	test_assert_error(err.msg, "k.img: truncated");
	test_bzimage_free(&img);
	made = NULL;
}
END_TEST

Suite *bzimage_release_suite(void)
{
	Suite *s = suite_create("bzimage_release");
	TCase *tc = tcase_create("kernel_version");
	tcase_add_test(tc, test_release_first_word);
	tcase_add_test(tc, test_release_hostile_headers);
	tcase_add_test(tc, test_release_truncated);
	suite_add_tcase(s, tc);
	return s;
}
