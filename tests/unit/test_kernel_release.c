/* loader/kernel_release.c: the release from boot.rst's kernel_version
 * field, and every way a hostile header can break it. */
#include <elf.h>
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
	expect_refusal(&img, "is longer than a release can be (64 bytes at most)");
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

/* A vmlinux-like file: ELF magic, then text with the banners given. */
static struct image_file vmlinux_of(const char *text, size_t len)
{
	uint8_t *data = malloc(64 + len);
	ck_assert_ptr_nonnull(data);
	memset(data, 0, 64);
	memcpy(data, ELFMAG, SELFMAG);
	memcpy(data + 64, text, len);
	return (struct image_file){ .path = (char *)"vmlinux", .data = data, .size = 64 + len };
}

/* The text's own size, NULs inside it included. */
#define vmlinux_with(text) vmlinux_of((text), sizeof(text) - 1)
#define expect_vmlinux_release(text, want) expect_vmlinux_release_of(vmlinux_with(text), (want))
#define expect_vmlinux_refusal(text, fragment) \
	expect_vmlinux_refusal_of(vmlinux_with(text), (fragment))

static void expect_vmlinux_release_of(struct image_file f, const char *want)
{
	struct error err = { 0 };
	char *release = NULL;
	ck_assert_int_eq(kernel_release(&f, &release, &err), 0);
	ck_assert_str_eq(release, want);
	free(release);
	free(f.data);
}

static void expect_vmlinux_refusal_of(struct image_file f, const char *fragment)
{
	struct error err = { 0 };
	char *release = (char *)"untouched";
	ck_assert_int_eq(kernel_release(&f, &release, &err), -1);
	ck_assert_ptr_null(release);
	test_assert_error(err.msg, "vmlinux: ", fragment);
	free(f.data);
}

/* A vmlinux's release comes from linux_banner ("Linux version " UTS_RELEASE
 * " (" ...), the first one followed by a digit. */
START_TEST(test_release_of_vmlinux)
{
	expect_vmlinux_release("xx\0Linux version 6.1.0-57-cloud-amd64 (debian-kernel@lists) #1",
			       "6.1.0-57-cloud-amd64");
	expect_vmlinux_release("Linux version %s\0Linux version 6.1.192 (minivmm@minivmm)",
			       "6.1.192");
	/* At the very end of the file: bounded by it. */
	expect_vmlinux_release("Linux version 6.1", "6.1");
	expect_vmlinux_refusal("no banner here", "no \"Linux version \" banner");
	expect_vmlinux_refusal("Linux version %s only", "no \"Linux version \" banner");
	expect_vmlinux_refusal("Linux version 6.1/../../x (y)", "holds a byte 0x2f");
	char text[200] = "Linux version 6";
	memset(text + strlen(text), '1', 80);
	expect_vmlinux_refusal_of(vmlinux_of(text, strlen(text)), "longer than a release can be");
	/* Without the ELF magic it is read as a bzImage. */
	struct image_file f = vmlinux_with("Linux version 6.1.192 (x)");
	f.data[0] = 'M';
	struct error err = { 0 };
	char *release = NULL;
	ck_assert_int_eq(kernel_release(&f, &release, &err), -1);
	test_assert_error(err.msg, "vmlinux: ", "too short for a bzImage");
	free(f.data);
}
END_TEST

Suite *kernel_release_suite(void)

{
	Suite *s = suite_create("kernel_release");
	TCase *tc = tcase_create("kernel_version");
	tcase_add_test(tc, test_release_first_word);
	tcase_add_test(tc, test_release_hostile_headers);
	tcase_add_test(tc, test_release_truncated);
	tcase_add_test(tc, test_release_of_vmlinux);
	suite_add_tcase(s, tc);
	return s;
}
