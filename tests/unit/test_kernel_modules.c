/* loader/kernel_modules.c and kernel_modules_command.c: modules folders
 * built in a temporary folder from synthetic .ko files (ko_builder.c), so
 * these checks run anywhere.  The real kernels' checks are in
 * test_real_kernels.c. */
#define _GNU_SOURCE   /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/ko_builder.h"
#include "tests/unit/payload_builder.h"
#include "tests/unit/unit.h"

#define RELEASE "6.1.0-test-amd64"

static char tmp[TEST_TMPDIR_SIZE];

static void tmp_make(void)
{
	test_tmpdir_make(tmp, "modules");
}

static void tmp_remove(void)
{
	test_tmpdir_remove(tmp);
}

static char *at(const char *fmt, const char *arg)
{
	char *rel = NULL, *path = NULL;
	ck_assert_int_ge(asprintf(&rel, fmt, arg), 0);
	ck_assert_int_ge(asprintf(&path, "%s/%s", tmp, rel), 0);
	free(rel);
	return path;
}

/* A module file at DIR/REL (DIR relative to tmp). */
static void put_module(const char *dir, const char *rel, const char *name, const char *depends,
		       const char *release)
{
	struct test_ko ko;
	test_ko_make_module(&ko, name, depends, release);
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/%s/%s", tmp, dir, rel), 0);
	test_write_file(path, ko.data, ko.size);
	free(path);
	test_ko_free(&ko);
}

/* The same, compressed in `format` (xz, zstd or gzip) as kmod's
 * .ko.xz, .ko.zst and .ko.gz are. */
static void put_packed_module(const char *dir, const char *rel, const char *name,
			      const char *depends, const char *release,
			      enum bzimage_payload_format format)
{
	struct test_ko ko;
	test_ko_make_module(&ko, name, depends, release);
	struct test_stream stream;
	test_stream_compress(&stream, format, ko.data, ko.size);
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/%s/%s", tmp, dir, rel), 0);
	test_write_file(path, stream.data, stream.size);
	free(path);
	test_stream_free(&stream);
	test_ko_free(&ko);
}

static void put_text(const char *dir, const char *rel, const char *text)
{
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/%s/%s", tmp, dir, rel), 0);
	test_write_file(path, text, strlen(text));
	free(path);
}

#define MODDIR "root/lib/modules/" RELEASE

/* A Debian-like folder without modules.dep: virtio_pci needs the modern
 * device and the core; the console's file is spelt with a '-'; overlay is
 * built in. */
static void put_debian_like(void)
{
	put_module(MODDIR, "kernel/drivers/virtio/virtio.ko", "virtio", "", RELEASE);
	put_module(MODDIR, "kernel/drivers/virtio/virtio_ring.ko", "virtio_ring", "", RELEASE);
	put_module(MODDIR, "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
		   "virtio_pci_modern_dev", "", RELEASE);
	put_module(MODDIR, "kernel/drivers/virtio/virtio_pci.ko", "virtio_pci",
		   "virtio_ring,virtio_pci_modern_dev,virtio", RELEASE);
	put_module(MODDIR, "kernel/drivers/char/virtio-console.ko", "virtio_console",
		   "virtio,virtio_ring", RELEASE);
	put_module(MODDIR, "kernel/fs/fuse/fuse.ko", "fuse", "", RELEASE);
	put_module(MODDIR, "kernel/fs/fuse/virtiofs.ko", "virtiofs", "fuse,virtio,virtio_ring",
		   RELEASE);
	put_module(MODDIR, "kernel/drivers/block/unrelated.ko", "unrelated", "nowhere", RELEASE);
	put_text(MODDIR, "modules.builtin", "kernel/fs/overlayfs/overlay.ko\n"
		 "kernel/lib/crc32.ko\n");
	put_text(MODDIR, "modules.order",
		 "kernel/drivers/virtio/virtio.ko\n"
		 "kernel/drivers/virtio/virtio_ring.ko\n"
		 "kernel/drivers/virtio/virtio_pci_modern_dev.ko\n"
		 "kernel/drivers/virtio/virtio_pci.ko\n"
		 "kernel/drivers/char/virtio-console.ko\n"
		 "kernel/fs/fuse/fuse.ko\n"
		 "kernel/fs/fuse/virtiofs.ko\n"
		 "kernel/drivers/block/unrelated.ko\n");
}

static void expect_names(const struct kernel_module_list *list, const char *const *names,
			 size_t n)
{
	for (size_t i = 0; i < list->count && i < n; i++)
		ck_assert_msg(strcmp(list->items[i].name, names[i]) == 0,
			      "module %zu is %s, expected %s", i, list->items[i].name, names[i]);
	ck_assert_uint_eq(list->count, n);
}

START_TEST(test_modules_from_modinfo)
{
	tmp_make();
	put_debian_like();
	struct kernel_module_list list;
	struct error err = { 0 };
	char *dir = at("%s", MODDIR);
	ck_assert_msg(kernel_modules_resolve(dir, RELEASE, kernel_modules_command,
					     KERNEL_MODULES_COMMAND_COUNT, &list, &err) == 0,
		      "%s", err.msg);
	static const char *const order[] = {
		"virtio_ring", "virtio_pci_modern_dev", "virtio", "virtio_pci",
		"virtio_console", "fuse", "virtiofs",
	};
	expect_names(&list, order, sizeof(order) / sizeof(order[0]));
	ck_assert_str_eq(list.dir, dir);
	ck_assert_str_eq(list.items[4].file_name, "virtio_console.ko");
	char *console = at("%s/kernel/drivers/char/virtio-console.ko", MODDIR);
	ck_assert_str_eq(list.items[4].path, console);
	free(console);
	kernel_module_list_free(&list);

	/* A module in updates/ replaces the one in kernel/, whichever the
	 * walk meets first. */
	put_module(MODDIR, "updates/virtio_console.ko", "virtio_console", "virtio", RELEASE);
	put_module(MODDIR, "a-updates/virtio_console.ko", "virtio_console", "virtio", RELEASE);
	static const char *const console_only[] = { "virtio_console" };
	ck_assert_int_eq(kernel_modules_resolve(dir, RELEASE, console_only, 1, &list, &err), 0);
	ck_assert_uint_eq(list.count, 2);
	char *updated = at("%s/updates/virtio_console.ko", MODDIR);
	ck_assert_str_eq(list.items[1].path, updated);
	free(updated);
	kernel_module_list_free(&list);

	/* Names given with '-' are the same modules. */
	static const char *const dashed[] = { "virtio-pci" };
	ck_assert_int_eq(kernel_modules_resolve(dir, RELEASE, dashed, 1, &list, &err), 0);
	ck_assert_uint_eq(list.count, 4);
	ck_assert_str_eq(list.items[3].name, "virtio_pci");
	kernel_module_list_free(&list);
	free(dir);
	tmp_remove();
}
END_TEST

/* modules.order names the files of kernel/, so kernel/ is not walked: stray
 * copies there that the list does not name (built for another kernel) are
 * never looked at.  A listed ".ko" that was installed compressed is
 * taken as it is; a list that names a file that is not there (a folder put
 * together by hand) gives way to a walk. */
START_TEST(test_modules_from_modules_order)
{
	tmp_make();
	put_debian_like();
	/* Sixteen strays, so that a walk of kernel/ meets one first whatever
	 * order the file system lists folders in. */
	for (int i = 0; i < 16; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "kernel/stray%02d/virtio_console.ko", i);
		put_module(MODDIR, rel, "virtio_console", "", "6.6.6-other");
	}
	char *plain = at("%s/kernel/fs/fuse/fuse.ko", MODDIR);
	ck_assert_int_eq(unlink(plain), 0);
	free(plain);
	put_packed_module(MODDIR, "kernel/fs/fuse/fuse.ko.xz", "fuse", "", RELEASE,
			  BZIMAGE_PAYLOAD_XZ);
	struct kernel_module_list list;
	struct error err = { 0 };
	char *dir = at("%s", MODDIR);
	ck_assert_msg(kernel_modules_resolve(dir, RELEASE, kernel_modules_command,
					     KERNEL_MODULES_COMMAND_COUNT, &list, &err) == 0,
		      "%s", err.msg);
	ck_assert_uint_eq(list.count, 7);
	char *console = at("%s/kernel/drivers/char/virtio-console.ko", MODDIR);
	ck_assert_str_eq(list.items[4].path, console);
	free(console);
	ck_assert_str_eq(list.items[5].file_name, "fuse.ko.xz");
	kernel_module_list_free(&list);

	/* The list names virtiofs where it is not; the walk finds it. */
	put_text(MODDIR, "modules.order", "kernel/drivers/virtio/virtio.ko\n"
		 "kernel/fs/fuse/gone/virtiofs.ko\n");
	static const char *const fs_only[] = { "virtiofs" };
	ck_assert_msg(kernel_modules_resolve(dir, RELEASE, fs_only, 1, &list, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(list.count, 4);
	char *fs = at("%s/kernel/fs/fuse/virtiofs.ko", MODDIR);
	ck_assert_str_eq(list.items[3].path, fs);
	free(fs);
	kernel_module_list_free(&list);
	free(dir);
	tmp_remove();
}
END_TEST

/* modules.dep rules over .modinfo, and names compressed files, which are
 * taken as they are. */
START_TEST(test_modules_from_modules_dep)
{
	tmp_make();
	put_debian_like();
	put_packed_module(MODDIR, "kernel/fs/fuse/fuse.ko.xz", "fuse", "", RELEASE,
			  BZIMAGE_PAYLOAD_XZ);
	/* modules.dep rules: this file's own depends= is not asked. */
	put_packed_module(MODDIR, "kernel/fs/fuse/virtiofs.ko.zst", "virtiofs", "nowhere",
			  RELEASE, BZIMAGE_PAYLOAD_ZSTD);
	put_text(MODDIR, "modules.dep",
		 "kernel/drivers/virtio/virtio.ko:\n"
		 "kernel/drivers/virtio/virtio_ring.ko:\n"
		 "kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
		 "kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko "
		 "kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
		 "kernel/drivers/char/virtio-console.ko: kernel/drivers/virtio/virtio_ring.ko\n"
		 "kernel/fs/fuse/fuse.ko.xz:\n"
		 "kernel/fs/fuse/virtiofs.ko.zst: kernel/fs/fuse/fuse.ko.xz\n");
	struct kernel_module_list list;
	struct error err = { 0 };
	char *dir = at("%s", MODDIR);
	ck_assert_msg(kernel_modules_resolve(dir, RELEASE, kernel_modules_command,
					     KERNEL_MODULES_COMMAND_COUNT, &list, &err) == 0,
		      "%s", err.msg);
	static const char *const order[] = {
		"virtio_pci_modern_dev", "virtio_ring", "virtio", "virtio_pci",
		"virtio_console", "fuse", "virtiofs",
	};
	expect_names(&list, order, sizeof(order) / sizeof(order[0]));
	ck_assert_str_eq(list.items[5].file_name, "fuse.ko.xz");
	ck_assert_str_eq(list.items[6].file_name, "virtiofs.ko.zst");
	char *fuse = at("%s/kernel/fs/fuse/fuse.ko.xz", MODDIR);
	ck_assert_str_eq(list.items[5].path, fuse);
	free(fuse);
	kernel_module_list_free(&list);
	free(dir);
	tmp_remove();
}
END_TEST

/* Without modules.dep, compressed modules are decompressed to read their
 * dependencies, in each format kmod writes; they keep their ending. */
START_TEST(test_modules_compressed_without_dep)
{
	tmp_make();
	put_module(MODDIR, "kernel/drivers/virtio/virtio.ko", "virtio", "", RELEASE);
	put_packed_module(MODDIR, "kernel/drivers/virtio/virtio_ring.ko.xz", "virtio_ring", "",
			  RELEASE, BZIMAGE_PAYLOAD_XZ);
	put_packed_module(MODDIR, "kernel/drivers/virtio/virtio_pci.ko.zst", "virtio_pci",
			  "virtio_ring,virtio", RELEASE, BZIMAGE_PAYLOAD_ZSTD);
	put_packed_module(MODDIR, "kernel/drivers/char/virtio_console.ko.gz", "virtio_console",
			  "virtio_pci", RELEASE, BZIMAGE_PAYLOAD_GZIP);
	put_text(MODDIR, "modules.builtin", "kernel/fs/fuse/virtiofs.ko\n"
		 "kernel/fs/overlayfs/overlay.ko\n");
	struct kernel_module_list list;
	struct error err = { 0 };
	char *dir = at("%s", MODDIR);
	ck_assert_msg(kernel_modules_resolve(dir, RELEASE, kernel_modules_command,
					     KERNEL_MODULES_COMMAND_COUNT, &list, &err) == 0,
		      "%s", err.msg);
	static const char *const order[] = { "virtio_ring", "virtio", "virtio_pci",
					     "virtio_console" };
	expect_names(&list, order, 4);
	ck_assert_str_eq(list.items[0].file_name, "virtio_ring.ko.xz");
	ck_assert_str_eq(list.items[2].file_name, "virtio_pci.ko.zst");
	ck_assert_str_eq(list.items[3].file_name, "virtio_console.ko.gz");
	kernel_module_list_free(&list);

	/* kernel_module_read gives the ELF bytes back. */
	struct test_ko ko;
	test_ko_make_module(&ko, "virtio_pci", "virtio_ring,virtio", RELEASE);
	char *path = at("%s/kernel/drivers/virtio/virtio_pci.ko.zst", MODDIR);
	uint8_t *data;
	size_t size;
	ck_assert_int_eq(kernel_module_read(path, &data, &size, &err), 0);
	ck_assert_uint_eq(size, ko.size);
	ck_assert_mem_eq(data, ko.data, size);
	free(data);
	free(path);
	test_ko_free(&ko);
	free(dir);
	tmp_remove();
}
END_TEST

static void expect_resolve_error(const char *const *wanted, size_t n, const char *fragment)
{
	struct kernel_module_list list;
	struct error err = { 0 };
	char *dir = at("%s", MODDIR);
	ck_assert_int_eq(kernel_modules_resolve(dir, RELEASE, wanted, n, &list, &err), -1);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_ptr_null(list.items);
	ck_assert_msg(strstr(err.msg, fragment), "'%s' lacks '%s'", err.msg, fragment);
	free(dir);
}

START_TEST(test_modules_refusals)
{
	tmp_make();
	put_debian_like();
	static const char *const unrelated[] = { "unrelated" };
	expect_resolve_error(unrelated, 1, "/" MODDIR ": no module nowhere (which unrelated "
			     "needs), and modules.builtin does not list it");
	static const char *const missing[] = { "missing" };
	expect_resolve_error(missing, 1, ": no module missing, and modules.builtin");

	put_module(MODDIR, "kernel/a.ko", "a", "b", RELEASE);
	put_module(MODDIR, "kernel/b.ko", "b", "c", RELEASE);
	put_module(MODDIR, "kernel/c.ko", "c", "a", RELEASE);
	static const char *const cycle[] = { "a" };
	expect_resolve_error(cycle, 1, ": the dependencies of module a form a cycle");

	put_module(MODDIR, "kernel/old.ko", "old", "", "5.10.0-9-amd64");
	static const char *const old[] = { "old" };
	expect_resolve_error(old, 1, "/kernel/old.ko: built for kernel 5.10.0-9-amd64, not "
			     RELEASE);

	put_text(MODDIR, "kernel/broken.ko", "not an ELF");
	static const char *const broken[] = { "broken" };
	expect_resolve_error(broken, 1, "/kernel/broken.ko: not an ELF file");

	put_text(MODDIR, "kernel/packed.ko.xz", "xz");
	static const char *const packed[] = { "packed" };
	expect_resolve_error(packed, 1, "/kernel/packed.ko.xz: not a valid .xz file");
	put_text(MODDIR, "kernel/zpacked.ko.zst", "\x28\xb5\x2f\xfd");
	static const char *const zpacked[] = { "zpacked" };
	expect_resolve_error(zpacked, 1, "/kernel/zpacked.ko.zst: not a valid .zst file");
	put_text(MODDIR, "kernel/gpacked.ko.gz", "\x1f\x8b\x08");
	static const char *const gpacked[] = { "gpacked" };
	expect_resolve_error(gpacked, 1, "/kernel/gpacked.ko.gz: not a valid .gz file");
	put_packed_module(MODDIR, "kernel/oldpacked.ko.zst", "oldpacked", "", "5.10.0",
			  BZIMAGE_PAYLOAD_ZSTD);
	static const char *const oldpacked[] = { "oldpacked" };
	expect_resolve_error(oldpacked, 1, "/kernel/oldpacked.ko.zst: built for kernel 5.10.0");
	tmp_remove();
}
END_TEST

static void expect_places(const char *modules_option, const char *kernel_path,
			  const char *const *want, size_t n)
{
	struct kernel_module_places places;
	struct error err = { 0 };
	ck_assert_int_eq(kernel_module_places_init(&places, RELEASE, modules_option, kernel_path,
						   &err), 0);
	for (size_t i = 0; i < places.count && i < n; i++)
		ck_assert_str_eq(places.paths[i], want[i]);
	ck_assert_uint_eq(places.count, n);
	ck_assert(places.has_option == (modules_option != NULL));
	kernel_module_places_free(&places);
}

START_TEST(test_modules_places)
{
	tmp_make();
	put_text("pkg", "boot/vmlinuz-" RELEASE, "k");
	char *kernel = at("%s", "pkg/boot/vmlinuz-" RELEASE);
	char *beside = at("%s", "pkg/lib/modules/" RELEASE);
	char *opt_root = at("%s", "opt/lib/modules/" RELEASE);
	char *opt = at("%s", "opt");
	const char *all[] = { opt_root, opt, beside, "/lib/modules/" RELEASE };
	expect_places(opt, kernel, all, 4);
	expect_places(NULL, kernel, all + 2, 2);
	/* No kernel path (stdin), or one that does not resolve. */
	expect_places(NULL, NULL, all + 3, 1);
	expect_places(NULL, "/nonexistent/vmlinuz", all + 3, 1);
	/* A kernel in /boot: beside it is the host's own folder, listed once. */
	if (access("/boot", F_OK) == 0) {
		const char *host[] = { "/lib/modules/" RELEASE };
		char *boot_kernel = NULL;
		ck_assert_int_ge(asprintf(&boot_kernel, "/boot/../boot"), 0);
		expect_places(NULL, boot_kernel, host, 1);
		free(boot_kernel);
	}

	/* The first place that is a modules folder wins: DIR itself when
	 * DIR/lib/modules/R is not there. */
	struct kernel_module_places places;
	struct error err = { 0 };
	ck_assert_int_eq(kernel_module_places_init(&places, RELEASE, opt, kernel, &err), 0);
	ck_assert_ptr_null(kernel_module_places_find(&places));
	put_text("pkg", "lib/modules/" RELEASE "/modules.order", "");
	ck_assert_str_eq(kernel_module_places_find(&places), beside);
	put_text("opt", "modules.builtin", "");
	ck_assert_str_eq(kernel_module_places_find(&places), opt);
	put_text("opt", "lib/modules/" RELEASE "/kernel/x.ko", "");
	ck_assert_str_eq(kernel_module_places_find(&places), opt_root);
	kernel_module_places_free(&places);
	/* A folder without any of modules.order, modules.builtin,
	 * modules.dep or kernel/ is not one. */
	put_text("empty", "lib/modules/" RELEASE "/README", "");
	char *empty = at("%s", "empty/lib/modules/" RELEASE);
	ck_assert(!kernel_modules_is_folder(empty));
	ck_assert(kernel_modules_is_folder(beside));
	free(empty);
	free(kernel);
	free(beside);
	free(opt_root);
	free(opt);
	tmp_remove();
}
END_TEST

/* A bzImage whose release is RELEASE and whose gzip payload holds `text`. */
static void make_kernel(struct image_file *file, const char *path, const char *text)
{
	struct test_bzimage img;
	test_payload_bzimage_of(&img, BZIMAGE_PAYLOAD_GZIP, (const uint8_t *)text, strlen(text));
	/* setup_sects 1: the string sits in the second sector, after the
	 * header. */
	test_bzimage_header(&img)->kernel_version = 0x300 - 0x200;
	memcpy(img.data + 0x300, RELEASE " (test@test) #1", sizeof(RELEASE " (test@test) #1"));
	test_write_file(path, img.data, img.size);
	memset(file, 0, sizeof(*file));
	file->path = strdup(path);
	file->data = img.data;
	file->size = img.size;
}

START_TEST(test_modules_for_command)
{
	tmp_make();
	struct image_file kernel;
	struct kernel_module_list list;
	struct error err = { 0 };
	char *kpath = at("%s", "root/boot/vmlinuz-" RELEASE);

	/* Built in: no folder anywhere, and the payload names virtiofs. */
	make_kernel(&kernel, kpath, "...register_filesystem virtiofs fuse...");
	ck_assert_msg(kernel_modules_for_command(&kernel, NULL, &list, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_ptr_null(list.dir);
	kernel_module_list_free(&list);
	image_file_free(&kernel);

	/* Modular and no folder: one line naming the kernel, its release and
	 * each place searched. */
	make_kernel(&kernel, kpath, "...register_filesystem fuse...");
	char *opt = at("%s", "nowhere");
	ck_assert_int_eq(kernel_modules_for_command(&kernel, opt, &list, &err), -1);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "%s (kernel " RELEASE ") needs the modules virtio_pci, "
				  "virtio_console, virtiofs and overlay: no modules folder in "
				  "%s/lib/modules/" RELEASE ", %s, %s/root/lib/modules/" RELEASE
				  " or /lib/modules/" RELEASE, kpath, opt, opt, tmp), 0);
	ck_assert_str_eq(err.msg, want);
	free(want);
	ck_assert_int_eq(kernel_modules_for_command(&kernel, NULL, &list, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, " or /lib/modules/" RELEASE " (give --modules DIR)"));

	/* An ELF vmlinux: its release from its banner, and virtio-fs looked
	 * for in the file itself when no folder is found. */
	static const char elf_text[] = "\177ELF....Linux version " RELEASE " (t@t) #1\0"
				       "register_filesystem virtiofs";
	struct image_file vmlinux = { .path = kpath, .data = (uint8_t *)elf_text,
				      .size = sizeof(elf_text) - 1 };
	ck_assert_msg(kernel_modules_for_command(&vmlinux, NULL, &list, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(list.count, 0);
	kernel_module_list_free(&list);

	/* Beside the kernel, as Debian's package unpacks. */
	put_debian_like();
	ck_assert_msg(kernel_modules_for_command(&kernel, NULL, &list, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(list.count, 7);
	char *dir = at("%s", MODDIR);
	ck_assert_str_eq(list.dir, dir);
	free(dir);
	kernel_module_list_free(&list);

	/* The vmlinux's folder, found as the bzImage's. */
	ck_assert_msg(kernel_modules_for_command(&vmlinux, NULL, &list, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(list.count, 7);
	kernel_module_list_free(&list);

	/* A folder found but lacking a module: the error names the kernel. */
	char *vfs = at("%s", MODDIR "/kernel/fs/fuse/virtiofs.ko");
	ck_assert_int_eq(unlink(vfs), 0);
	ck_assert_int_eq(kernel_modules_for_command(&kernel, NULL, &list, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, " (kernel " RELEASE "): "));
	ck_assert_msg(strstr(err.msg, ": no module virtiofs, and modules.builtin"), "%s", err.msg);
	free(vfs);
	free(opt);
	free(kpath);
	image_file_free(&kernel);
	tmp_remove();
}
END_TEST

Suite *kernel_modules_suite(void)
{
	Suite *s = suite_create("kernel_modules");
	TCase *tc = tcase_create("synthetic");
	tcase_add_test(tc, test_modules_from_modinfo);
	tcase_add_test(tc, test_modules_from_modules_dep);
	tcase_add_test(tc, test_modules_from_modules_order);
	tcase_add_test(tc, test_modules_compressed_without_dep);
	tcase_add_test(tc, test_modules_refusals);
	tcase_add_test(tc, test_modules_places);
	tcase_add_test(tc, test_modules_for_command);
	suite_add_tcase(s, tc);
	return s;
}
