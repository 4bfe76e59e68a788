/* vmm/command_initramfs.c: the -- CMD layer as the contract sets it (the
 * records of /minivmm/command, the files and folders), appended to an
 * initrd, and minivmm-init found beside minivmm. */
#define _GNU_SOURCE   /* asprintf */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/cpio_reader.h"
#include "tests/unit/ko_builder.h"
#include "tests/unit/unit.h"
#include "vmm/command_initramfs.h"

static char tmp[TEST_TMPDIR_SIZE];

static void tmp_make(void)
{
	test_tmpdir_make(tmp, "layer");
}

static void tmp_remove(void)
{
	test_tmpdir_remove(tmp);
}

static char *tmp_file(const char *name, const char *text)
{
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/%s", tmp, name), 0);
	test_write_file(path, text, strlen(text));
	return path;
}

static char *argv_sample[] = { "sh", "-c", "echo a,b; printf '%s\\n' \"$X\"", "" };
static char *env_sample[] = { "X=a=b", "TERM=dumb", "EMPTY=" };
static const struct command_share shares_sample[] = {
	{ .tag = "minivmm-share0", .read_only = false, .guest_dir = "/work/out" },
	{ .tag = "minivmm-share1", .read_only = true, .guest_dir = "/data/a,b" },
};

static struct command_desc desc_sample(void)
{
	return (struct command_desc){
		.argv = argv_sample, .argc = 4, .cwd = "/home/user/src",
		.root_tag = COMMAND_ROOT_TAG, .shares = shares_sample, .nshares = 2,
		.env = env_sample, .nenv = 3,
	};
}

/* Two modules, one compressed, as kernel_modules_resolve lists them. */
static void modules_sample(struct kernel_module_list *list, char *fuse, char *vfs)
{
	memset(list, 0, sizeof(*list));
	list->count = list->capacity = 2;
	list->items = calloc(2, sizeof(*list->items));
	list->items[0] = (struct kernel_module){ strdup("fuse"), fuse, strdup("fuse.ko.xz") };
	list->items[1] = (struct kernel_module){ strdup("virtiofs"), vfs, strdup("virtiofs.ko") };
	list->dir = strdup(tmp);
}

/* The records of data, split at their NULs; the last must end with one. */
static size_t split_records(const uint8_t *data, size_t size, const char **out, size_t max)
{
	ck_assert_uint_gt(size, 0);
	ck_assert_uint_eq(data[size - 1], 0);
	size_t n = 0;
	for (size_t off = 0; off < size; off += strlen((const char *)data + off) + 1) {
		ck_assert_uint_lt(n, max);
		out[n++] = (const char *)data + off;
	}
	return n;
}

static const char *const records_want[] = {
	"module=/minivmm/modules/fuse.ko.xz",
	"module=/minivmm/modules/virtiofs.ko",
	"root=minivmm-root",
	"share=minivmm-share0,rw,/work/out",
	"share=minivmm-share1,ro,/data/a,b",
	"cwd=/home/user/src",
	"env=X=a=b",
	"env=TERM=dumb",
	"env=EMPTY=",
	"arg=sh",
	"arg=-c",
	"arg=echo a,b; printf '%s\\n' \"$X\"",
	"arg=",
};
#define NRECORDS (sizeof(records_want) / sizeof(records_want[0]))

START_TEST(test_layer_contents)
{
	tmp_make();
	char *init = tmp_file("minivmm-init", "\x7f" "ELF init binary");
	struct kernel_module_list mods;
	modules_sample(&mods, tmp_file("fuse.ko.xz", "\xfd" "7zXZ fuse"),
		       tmp_file("virtiofs.ko", "\x7f" "ELF virtiofs"));
	struct command_desc cmd = desc_sample();
	struct cpio_writer layer;
	struct error err = { 0 };
	ck_assert_msg(command_initramfs_build(init, &mods, &cmd, &layer, &err) == 0, "%s",
		      err.msg);

	struct test_cpio c;
	test_cpio_parse(&c, layer.data, layer.size, 0);
	ck_assert_uint_eq(c.end, layer.size);
	static const char *const dirs[] = { "dev", "proc", "sys", "minivmm", "minivmm/modules" };
	for (size_t i = 0; i < 5; i++) {
		/* Folders first, in this order: parents before children. */
		ck_assert_str_eq(c.entries[i].name, dirs[i]);
		ck_assert_uint_eq(c.entries[i].mode, S_IFDIR | 0755);
	}
	const struct test_cpio_entry *e = test_cpio_find(&c, "init");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->mode, S_IFREG | 0755);
	ck_assert_uint_eq(e->size, strlen("\x7f" "ELF init binary"));
	ck_assert_mem_eq(e->data, "\x7f" "ELF init binary", e->size);
	ck_assert_ptr_nonnull(e = test_cpio_find(&c, "minivmm/modules/fuse.ko.xz"));
	ck_assert_uint_eq(e->mode, S_IFREG | 0644);
	ck_assert_mem_eq(e->data, "\xfd" "7zXZ fuse", e->size);
	ck_assert_ptr_nonnull(e = test_cpio_find(&c, "minivmm/modules/virtiofs.ko"));
	ck_assert_mem_eq(e->data, "\x7f" "ELF virtiofs", e->size);
	ck_assert_uint_eq(c.count, 9);

	ck_assert_ptr_nonnull(e = test_cpio_find(&c, "minivmm/command"));
	ck_assert_uint_eq(e->mode, S_IFREG | 0644);
	const char *records[32];
	size_t n = split_records(e->data, e->size, records, 32);
	ck_assert_uint_eq(n, NRECORDS);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(records[i], records_want[i]);
	test_cpio_free(&c);
	cpio_writer_free(&layer);

	/* No modules (a kernel with the drivers built in): no module records,
	 * the folder still there. */
	ck_assert_int_eq(command_initramfs_build(init, NULL, &cmd, &layer, &err), 0);
	test_cpio_parse(&c, layer.data, layer.size, 0);
	ck_assert_uint_eq(c.count, 7);
	ck_assert_ptr_nonnull(test_cpio_find(&c, "minivmm/modules"));
	ck_assert_ptr_nonnull(e = test_cpio_find(&c, "minivmm/command"));
	n = split_records(e->data, e->size, records, 32);
	ck_assert_uint_eq(n, NRECORDS - 2);
	ck_assert_str_eq(records[0], "root=minivmm-root");
	test_cpio_free(&c);
	cpio_writer_free(&layer);

	kernel_module_list_free(&mods);
	free(init);
	tmp_remove();
}
END_TEST

static void expect_desc_error(const struct command_desc *cmd, const char *want)
{
	char *data = (char *)"untouched";
	size_t size = 1;
	struct error err = { 0 };
	ck_assert_int_eq(command_records(cmd, NULL, &data, &size, &err), -1);
	ck_assert_ptr_null(data);
	ck_assert_uint_eq(size, 0);
	ck_assert_str_eq(err.msg, want);
}

START_TEST(test_layer_bad_descriptions)
{
	struct command_desc cmd = desc_sample();
	cmd.argc = 0;
	expect_desc_error(&cmd, "-- CMD: no command given after --");
	cmd = desc_sample();
	cmd.cwd = "relative/dir";
	expect_desc_error(&cmd, "-- CMD: the working directory 'relative/dir' is not an "
			  "absolute path");
	cmd = desc_sample();
	cmd.root_tag = "";
	expect_desc_error(&cmd, "-- CMD: the root has no virtio-fs tag");
	cmd = desc_sample();
	cmd.root_tag = "0123456789012345678901234567890123456";
	expect_desc_error(&cmd, "-- CMD: the root's virtio-fs tag "
			  "'0123456789012345678901234567890123456' is longer than 36 bytes");
	struct command_share bad = { .tag = "a,b", .guest_dir = "/x" };
	cmd = desc_sample();
	cmd.shares = &bad;
	cmd.nshares = 1;
	expect_desc_error(&cmd, "-- CMD: the share's virtio-fs tag 'a,b' holds a ','");
	bad = (struct command_share){ .tag = "minivmm-share0", .guest_dir = "x" };
	expect_desc_error(&cmd, "-- CMD: share minivmm-share0: the guest folder 'x' is not an "
			  "absolute path");
	static char *env_bad[] = { "NOEQUALS" };
	cmd = desc_sample();
	cmd.env = env_bad;
	cmd.nenv = 1;
	expect_desc_error(&cmd, "-- CMD: environment entry 'NOEQUALS' is not NAME=VALUE");
	static char *env_noname[] = { "=x" };
	cmd.env = env_noname;
	expect_desc_error(&cmd, "-- CMD: environment entry '=x' is not NAME=VALUE");

	/* A 36-byte tag is the longest there is, and fits. */
	cmd = desc_sample();
	cmd.root_tag = "012345678901234567890123456789012345";
	char *data;
	size_t size;
	struct error err = { 0 };
	ck_assert_int_eq(command_records(&cmd, NULL, &data, &size, &err), 0);
	free(data);
}
END_TEST

START_TEST(test_layer_missing_files)
{
	tmp_make();
	struct command_desc cmd = desc_sample();
	struct cpio_writer layer;
	struct error err = { 0 };
	char *missing = NULL;
	ck_assert_int_ge(asprintf(&missing, "%s/no-init", tmp), 0);
	ck_assert_int_eq(command_initramfs_build(missing, NULL, &cmd, &layer, &err), -1);
	ck_assert_ptr_null(layer.data);
	ck_assert_ptr_nonnull(strstr(err.msg, missing));

	char *init = tmp_file("minivmm-init", "init");
	struct kernel_module_list mods;
	modules_sample(&mods, strdup(missing), tmp_file("virtiofs.ko", "x"));
	ck_assert_int_eq(command_initramfs_build(init, &mods, &cmd, &layer, &err), -1);
	ck_assert_ptr_null(layer.data);
	ck_assert_ptr_nonnull(strstr(err.msg, missing));
	kernel_module_list_free(&mods);
	free(init);
	free(missing);
	tmp_remove();
}
END_TEST

/* An initrd of each length mod 4 gets zeros up to the boundary, then the
 * layer, which parses from there; the initrd's bytes are untouched. */
START_TEST(test_layer_append)
{
	struct cpio_writer layer;
	struct error err = { 0 };
	cpio_writer_init(&layer);
	ck_assert_int_eq(cpio_add_file(&layer, "/init", 0755, "i", 1, &err), 0);
	ck_assert_int_eq(cpio_finish(&layer, &err), 0);
	for (size_t len = 0; len <= 9; len++) {
		uint8_t *initrd = NULL;
		if (len) {
			initrd = malloc(len);
			memset(initrd, 0xa5, len);
		}
		size_t size = len;
		ck_assert_int_eq(command_initramfs_append(&initrd, &size, layer.data, layer.size,
							  &err), 0);
		size_t start = (len + 3) & ~(size_t)3;
		ck_assert_uint_eq(size, start + layer.size);
		for (size_t i = 0; i < len; i++)
			ck_assert_uint_eq(initrd[i], 0xa5);
		for (size_t i = len; i < start; i++)
			ck_assert_uint_eq(initrd[i], 0);
		struct test_cpio c;
		test_cpio_parse(&c, initrd, size, start);
		ck_assert_uint_eq(c.end, size);
		ck_assert_ptr_nonnull(test_cpio_find(&c, "init"));
		test_cpio_free(&c);
		free(initrd);
	}
	/* Standing alone: the layer becomes the initrd image. */
	struct image_file file;
	size_t layer_size = layer.size;
	ck_assert_int_eq(command_initramfs_image(&file, &layer, &err), 0);
	ck_assert_ptr_null(layer.data);
	ck_assert_uint_eq(file.size, layer_size);
	ck_assert_int_eq(file.origin, IMAGE_ORIGIN_GENERATED);
	ck_assert_str_eq(file.path, "minivmm -- CMD initramfs");
	image_file_free(&file);
	cpio_writer_free(&layer);
}
END_TEST

START_TEST(test_layer_gnu_cpio_extracts_it)
{
	tmp_make();
	char *init = tmp_file("minivmm-init", "#!/bin/sh\n");
	struct command_desc cmd = desc_sample();
	struct cpio_writer layer;
	struct error err = { 0 };
	ck_assert_int_eq(command_initramfs_build(init, NULL, &cmd, &layer, &err), 0);
	/* Behind a 5-byte "initrd", as the kernel would see it. */
	uint8_t *initrd = malloc(5);
	memcpy(initrd, "07070", 5);
	size_t size = 5;
	ck_assert_int_eq(command_initramfs_append(&initrd, &size, layer.data, layer.size, &err),
			 0);
	char *archive = tmp_file("layer.cpio", "");
	test_write_file(archive, initrd + 8, size - 8);
	char *cmdline = NULL;
	ck_assert_int_ge(asprintf(&cmdline, "cd %s && mkdir x && cd x && cpio -id --quiet "
				  "-H newc < ../layer.cpio && test -x init && test -d dev && "
				  "test -d minivmm/modules && test -s minivmm/command", tmp), 0);
	ck_assert_int_eq(system(cmdline), 0);
	free(cmdline);
	free(archive);
	free(initrd);
	free(init);
	cpio_writer_free(&layer);
	tmp_remove();
}
END_TEST

START_TEST(test_init_beside)
{
	tmp_make();
	char *exe = tmp_file("minivmm", "");
	char *path = (char *)"untouched";
	struct error err = { 0 };
	char *want = NULL, *installed = NULL;
	ck_assert_int_ge(asprintf(&want, "%s/minivmm-init", tmp), 0);
	char *copy = strdup(tmp);
	ck_assert_ptr_nonnull(copy);
	ck_assert_int_ge(asprintf(&installed, "%s/libexec/minivmm/minivmm-init", dirname(copy)), 0);
	free(copy);
	ck_assert_int_eq(command_init_locate(exe, &path, &err), -1);
	ck_assert_ptr_null(path);
	char *msg = NULL;
	ck_assert_int_ge(asprintf(&msg, "-- CMD needs minivmm-init: not beside minivmm (%s: No "
				  "such file or directory; make builds both) nor where make install "
				  "puts it (%s: No such file or directory)", want, installed), 0);
	ck_assert_str_eq(err.msg, msg);
	free(msg);

	char *init = tmp_file("minivmm-init", "x");
	ck_assert_int_eq(chmod(init, 0644), 0);
	ck_assert_int_eq(command_init_locate(exe, &path, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, ": not an executable file"));
	/* (access(X_OK) wants an execute bit even for root.) */
	ck_assert_int_eq(chmod(init, 0755), 0);
	ck_assert_int_eq(command_init_locate(exe, &path, &err), 0);
	ck_assert_str_eq(path, want);
	free(path);

	/* The running program: beside the unit tests in their build folder
	 * when make built minivmm-init there too, as command_init_locate
	 * says of the real path of /proc/self/exe. */
	char *self = realpath("/proc/self/exe", NULL), *beside = NULL;
	ck_assert_ptr_nonnull(self);
	int want_r = command_init_locate(self, &beside, &err);
	ck_assert_int_eq(command_init_find(&path, &err), want_r);
	if (want_r == 0)
		ck_assert_str_eq(path, beside);
	else
		ck_assert_ptr_nonnull(strstr(err.msg, "/minivmm-init: "));
	free(path);
	free(beside);
	free(self);
	free(init);
	free(want);
	free(installed);
	free(exe);
	tmp_remove();
}
END_TEST

/* An installed tree: PREFIX/bin/minivmm finds PREFIX/libexec/minivmm/
 * minivmm-init (make install, the Debian package), and one beside it
 * (the build tree's place) first. */
START_TEST(test_init_installed)
{
	tmp_make();
	char *bin = NULL, *libexec = NULL, *exe = NULL, *want = NULL, *beside = NULL;
	ck_assert_int_ge(asprintf(&bin, "%s/bin", tmp), 0);
	ck_assert_int_ge(asprintf(&libexec, "%s/libexec/minivmm", tmp), 0);
	ck_assert_int_ge(asprintf(&exe, "%s/minivmm", bin), 0);
	ck_assert_int_ge(asprintf(&want, "%s/minivmm-init", libexec), 0);
	ck_assert_int_ge(asprintf(&beside, "%s/minivmm-init", bin), 0);
	char *parent = NULL;
	ck_assert_int_ge(asprintf(&parent, "%s/libexec", tmp), 0);
	ck_assert_int_eq(mkdir(bin, 0755), 0);
	ck_assert_int_eq(mkdir(parent, 0755), 0);
	ck_assert_int_eq(mkdir(libexec, 0755), 0);
	FILE *f = fopen(want, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(chmod(want, 0755), 0);

	char *path = NULL;
	struct error err = { 0 };
	ck_assert_int_eq(command_init_locate(exe, &path, &err), 0);
	ck_assert_str_eq(path, want);
	free(path);

	f = fopen(beside, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(chmod(beside, 0755), 0);
	ck_assert_int_eq(command_init_locate(exe, &path, &err), 0);
	ck_assert_str_eq(path, beside);
	free(path);

	/* A directory where the installed one should be is named, not passed. */
	ck_assert_int_eq(unlink(beside), 0);
	ck_assert_int_eq(unlink(want), 0);
	ck_assert_int_eq(mkdir(want, 0755), 0);
	ck_assert_int_eq(command_init_locate(exe, &path, &err), -1);
	ck_assert_ptr_null(path);
	ck_assert_ptr_nonnull(strstr(err.msg, want));
	ck_assert_ptr_nonnull(strstr(err.msg, ": not an executable file"));
	ck_assert_int_eq(rmdir(want), 0);
	ck_assert_int_eq(rmdir(libexec), 0);
	ck_assert_int_eq(rmdir(parent), 0);
	ck_assert_int_eq(rmdir(bin), 0);
	free(parent);
	free(bin);
	free(libexec);
	free(exe);
	free(want);
	free(beside);
	tmp_remove();
}
END_TEST

Suite *command_initramfs_suite(void)
{
	Suite *s = suite_create("command_initramfs");
	TCase *tc = tcase_create("layer");
	tcase_add_test(tc, test_layer_contents);
	tcase_add_test(tc, test_layer_bad_descriptions);
	tcase_add_test(tc, test_layer_missing_files);
	tcase_add_test(tc, test_layer_append);
	tcase_add_test(tc, test_init_beside);
	tcase_add_test(tc, test_init_installed);
	suite_add_tcase(s, tc);
	if (system("command -v cpio >/dev/null 2>&1") == 0) {
		TCase *gnu = tcase_create("gnu-cpio");
		tcase_add_test(gnu, test_layer_gnu_cpio_extracts_it);
		suite_add_tcase(s, gnu);
	} else if (!getenv("CK_INCLUDE_TAGS")) {
		printf("not run: command_initramfs: extraction with GNU cpio (no cpio "
		       "installed)\n");
	}
	return s;
}
