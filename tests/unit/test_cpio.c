/* loader/cpio.c: newc archives as buffer-format.rst describes them, read
 * back by an independent parser (cpio_reader.c) and, where the cpio tool
 * is installed, by `cpio -it`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/cpio_reader.h"
#include "tests/unit/unit.h"

/* Names of every length mod 4 and data of every length mod 4, so each
 * padding case is met. */
static void build_sample(struct cpio_writer *w)
{
	struct error err = { 0 };
	cpio_writer_init(w);
	ck_assert_int_eq(cpio_add_dir(w, "/dev", 0755, &err), 0);
	ck_assert_int_eq(cpio_add_dir(w, "d", 0700, &err), 0);
	ck_assert_int_eq(cpio_add_dir(w, "d/ab", 0755, &err), 0);
	ck_assert_int_eq(cpio_add_dir(w, "d/abc", 0755, &err), 0);
	static const uint8_t bytes[] = "0123456789";
	for (size_t len = 0; len <= 5; len++) {
		char name[32];
		snprintf(name, sizeof(name), "d/f%zu", len);
		ck_assert_int_eq(cpio_add_file(w, name, len % 2 ? 0755 : 0644, bytes, len, &err),
				 0);
	}
	ck_assert_int_eq(cpio_add_file(w, "/init", 0755, "\x7f" "ELF", 4, &err), 0);
	ck_assert_int_eq(cpio_finish(w, &err), 0);
}

START_TEST(test_cpio_roundtrip)
{
	struct cpio_writer w;
	build_sample(&w);
	ck_assert_uint_eq(w.size % 4, 0);
	struct test_cpio c;
	test_cpio_parse(&c, w.data, w.size, 0);
	ck_assert_uint_eq(c.end, w.size);
	ck_assert_uint_eq(c.count, 11);

	const struct test_cpio_entry *e = test_cpio_find(&c, "dev");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->mode, S_IFDIR | 0755);
	ck_assert_uint_eq(e->size, 0);
	ck_assert_uint_eq(e->nlink, 2);
	ck_assert_ptr_nonnull(e = test_cpio_find(&c, "d"));
	ck_assert_uint_eq(e->mode, S_IFDIR | 0700);
	for (size_t len = 0; len <= 5; len++) {
		char name[32];
		snprintf(name, sizeof(name), "d/f%zu", len);
		ck_assert_ptr_nonnull(e = test_cpio_find(&c, name));
		ck_assert_uint_eq(e->mode, S_IFREG | (len % 2 ? 0755 : 0644));
		ck_assert_uint_eq(e->size, len);
		ck_assert_mem_eq(e->data, "0123456789", len);
		ck_assert_uint_eq(e->uid, 0);
		ck_assert_uint_eq(e->gid, 0);
		ck_assert_uint_eq(e->nlink, 1);
	}
	ck_assert_ptr_nonnull(e = test_cpio_find(&c, "init"));
	ck_assert_mem_eq(e->data, "\x7f" "ELF", 4);
	/* Inode numbers are distinct, so no entry reads as a hard link. */
	for (size_t i = 0; i < c.count; i++)
		for (size_t j = i + 1; j < c.count; j++)
			ck_assert_uint_ne(c.entries[i].ino, c.entries[j].ino);
	test_cpio_free(&c);
	cpio_writer_free(&w);
}
END_TEST

START_TEST(test_cpio_empty_archive)
{
	struct cpio_writer w;
	struct error err = { 0 };
	cpio_writer_init(&w);
	ck_assert_int_eq(cpio_finish(&w, &err), 0);
	/* 110 + "TRAILER!!!\0" = 121, padded to 124. */
	ck_assert_uint_eq(w.size, 124);
	struct test_cpio c;
	test_cpio_parse(&c, w.data, w.size, 0);
	ck_assert_uint_eq(c.count, 0);
	test_cpio_free(&c);
	cpio_writer_free(&w);
}
END_TEST

START_TEST(test_cpio_refusals)
{
	struct cpio_writer w;
	struct error err = { 0 };
	cpio_writer_init(&w);
	ck_assert_int_eq(cpio_add_dir(&w, "/", 0755, &err), -1);
	test_assert_error(err.msg, "cpio archive: an entry has an empty name");
	ck_assert_int_eq(cpio_add_file(&w, "big", 0644, "", (size_t)UINT32_MAX + 1, &err), -1);
	test_assert_error(err.msg, "cpio archive: big is 4294967296 bytes");
	ck_assert_uint_eq(w.size, 0);
	ck_assert_int_eq(cpio_finish(&w, &err), 0);
	ck_assert_int_eq(cpio_add_dir(&w, "late", 0755, &err), -1);
	test_assert_error(err.msg, "cpio archive: late added after the trailer");
	cpio_writer_free(&w);
}
END_TEST

/* Found by tests/fuzz/fuzz_modules.c: an entry named "TRAILER!!!" (with
 * or without a leading '/') was written as it came, and the kernel's
 * unpacker stops at the first entry of that name (buffer-format.rst: the
 * archive "is terminated by" it; init/initramfs.c do_header), dropping
 * every entry after it without a word.  The writer refuses the name, and
 * what it wrote before stays whole. */
START_TEST(test_cpio_refuses_trailer_name)
{
	struct cpio_writer w;
	struct error err = { 0 };
	cpio_writer_init(&w);
	ck_assert_int_eq(cpio_add_file(&w, "a", 0644, "x", 1, &err), 0);
	size_t before = w.size;
	ck_assert_int_eq(cpio_add_file(&w, "TRAILER!!!", 0644, "x", 1, &err), -1);
	test_assert_error(err.msg, "cpio archive: an entry named TRAILER!!! would end the archive");
	ck_assert_int_eq(cpio_add_dir(&w, "/TRAILER!!!", 0755, &err), -1);
	test_assert_error(err.msg, "cpio archive: an entry named TRAILER!!! would end the archive");
	ck_assert_uint_eq(w.size, before);
	ck_assert_int_eq(cpio_add_file(&w, "TRAILER!!!x", 0644, "x", 1, &err), 0);
	ck_assert_int_eq(cpio_add_dir(&w, "d", 0755, &err), 0);
	ck_assert_int_eq(cpio_add_file(&w, "d/TRAILER!!!", 0644, "x", 1, &err), 0);
	ck_assert_int_eq(cpio_finish(&w, &err), 0);
	struct test_cpio cpio;
	test_cpio_parse(&cpio, w.data, w.size, 0);
	ck_assert_uint_eq(cpio.count, 4);
	ck_assert_str_eq(cpio.entries[3].name, "d/TRAILER!!!");
	ck_assert_uint_eq(cpio.end, w.size);
	test_cpio_free(&cpio);
	cpio_writer_free(&w);
}
END_TEST

/* GNU cpio lists what the writer wrote, with nothing left over. */
START_TEST(test_cpio_gnu_cpio_reads_it)
{
	struct cpio_writer w;
	build_sample(&w);
	char path[] = "/tmp/minivmm-cpio-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, w.data, w.size), (ssize_t)w.size);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "cpio -it --quiet -H newc < %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char out[1024] = "";
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	int status = pclose(p);
	unlink(path);
	ck_assert_msg(status == 0, "cpio -it failed: %s", out);
	ck_assert_str_eq(out, "dev\nd\nd/ab\nd/abc\nd/f0\nd/f1\nd/f2\nd/f3\nd/f4\nd/f5\ninit\n");
	cpio_writer_free(&w);
}
END_TEST

Suite *cpio_suite(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("newc");
	tcase_add_test(tc, test_cpio_roundtrip);
	tcase_add_test(tc, test_cpio_empty_archive);
	tcase_add_test(tc, test_cpio_refusals);
	tcase_add_test(tc, test_cpio_refuses_trailer_name);
	suite_add_tcase(s, tc);
	/* The cpio tool is in the project's dependencies, but a check that
	 * cannot run is not counted: it is left out, and said so. */
	if (system("command -v cpio >/dev/null 2>&1") == 0) {
		TCase *gnu = tcase_create("gnu-cpio");
		tcase_add_test(gnu, test_cpio_gnu_cpio_reads_it);
		suite_add_tcase(s, gnu);
	} else if (!getenv("CK_INCLUDE_TAGS")) {
		printf("not run: cpio: the check with `cpio -it` (no cpio installed)\n");
	}
	return s;
}
