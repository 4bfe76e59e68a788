/* The kernel release, the modules and the built-in check against real
 * kernels: Debian's cloud kernel package as `make kernels` unpacks it (a
 * modular kernel whose package has no modules.dep) and the project's
 * minimal kernel (virtio built in, images/minimal-kernel.sh).  They are
 * cached outside the clone, so make unit-test passes their places in
 * MINIVMM_TEST_CLOUD_KERNEL (the unpacked package folder) and
 * MINIVMM_TEST_MINIMAL_KERNEL (the bzImage) when they are there; a check
 * without its kernel is not registered and says "not run", since a check
 * that did not run never counts as passed. */
#define _GNU_SOURCE   /* asprintf */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* The package's only kernel, DIR/boot/vmlinuz-R, and R. */
static void cloud_kernel(char **path, char **release)
{
	const char *pkg = env("MINIVMM_TEST_CLOUD_KERNEL");
	char *boot = NULL;
	ck_assert_int_ge(asprintf(&boot, "%s/boot", pkg), 0);
	DIR *d = opendir(boot);
	ck_assert_msg(d != NULL, "%s: not there", boot);
	struct dirent *de;
	*path = NULL;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "vmlinuz-", 8) == 0) {
			ck_assert_int_ge(asprintf(path, "%s/%s", boot, de->d_name), 0);
			*release = strdup(de->d_name + 8);
			break;
		}
	closedir(d);
	free(boot);
	ck_assert_msg(*path != NULL, "%s/boot has no vmlinuz-*", pkg);
}

static size_t index_of(const struct kernel_module_list *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

/* Each module after every dependency its .modinfo names that is not built
 * in, each of the four wanted ones there, none twice. */
static void check_cloud_list(const struct kernel_module_list *list)
{
	for (size_t w = 0; w < KERNEL_MODULES_COMMAND_COUNT; w++)
		ck_assert_msg(index_of(list, kernel_modules_command[w]) != (size_t)-1,
			      "%s missing", kernel_modules_command[w]);
	for (size_t i = 0; i < list->count; i++) {
		ck_assert_uint_eq(index_of(list, list->items[i].name), i);
		struct image_file f = { 0 };
		struct error err = { 0 };
		ck_assert_msg(image_file_read(&f, list->items[i].path, &err) == 0, "%s", err.msg);
		struct kernel_modinfo info;
		ck_assert_msg(kernel_modinfo_parse(f.data, f.size, f.path, &info, &err) == 0, "%s",
			      err.msg);
		for (char *dep = strtok(info.depends, ","); dep; dep = strtok(NULL, ",")) {
			size_t at = index_of(list, dep);
			ck_assert_msg(at < i, "%s needs %s, loaded at %zu", list->items[i].name, dep,
				      at);
		}
		kernel_modinfo_free(&info);
		image_file_free(&f);
	}
}

/* A real kernel's payload decompressed into guest RAM and its segments
 * moved in place there (what minivmm does) loads the same bytes as one
 * decompressed into a mapping of its own and copied. */
static void check_payload_in_place(const char *path)
{
	struct image_file file[2] = { { 0 } };
	struct test_ram ram[2];
	struct image_list list[2];
	struct guest_kernel_image k[2];
	struct load_request req = { 0 };
	struct error err = { 0 };
	struct elf_kernel_info info;
	for (int i = 0; i < 2; i++) {
		test_ram_init(&ram[i], 512 * MiB);
		image_list_init(&list[i]);
		ck_assert_msg(image_file_read(&file[i], path, &err) == 0, "%s", err.msg);
		ck_assert_msg(kernel_parse(&file[i], &req, i ? NULL : &ram[i].mem, &k[i], &err) == 0,
			      "%s", err.msg);
		const struct bzimage_payload *kept = bzimage_vmlinux_payload(&file[i]);
		ck_assert_ptr_nonnull(kept);
		ck_assert_msg(kept->borrowed == !i, "%s: payload %s guest RAM", path,
			      i ? "in" : "not in");
		if (i) {
			const struct bzimage_payload *in_ram = bzimage_vmlinux_payload(&file[0]);
			ck_assert_uint_eq(kept->size, in_ram->size);
			ck_assert(memcmp(kept->data, in_ram->data, kept->size) == 0);
			ck_assert_msg(elf_parse(kept->data, kept->size, path, &info, &err) == 0, "%s",
				      err.msg);
		}
	}
	for (int i = 0; i < 2; i++)
		ck_assert_msg(kernel_load(&ram[i].mem, &list[i], &file[i], &req, &k[i], &err) == 0,
			      "%s", err.msg);
	ck_assert_uint_eq(k[0].entry, k[1].entry);
	ck_assert_uint_eq(k[0].reserved_end, k[1].reserved_end);
	ck_assert_uint_gt(info.nsegments, 1);
	for (unsigned s = 0; s < info.nsegments; s++) {
		const struct elf_segment *seg = &info.segments[s];
		ck_assert_msg(memcmp(ram[0].host + seg->paddr, ram[1].host + seg->paddr,
				     seg->memsz) == 0, "%s: segment %u differs", path, seg->index);
	}
	for (int i = 0; i < 2; i++) {
		image_file_free(&file[i]);
		image_list_free(&list[i]);
		test_ram_free(&ram[i]);
	}
}

START_TEST(test_real_cloud_kernel)
{
	char *path, *release, *got = NULL;
	cloud_kernel(&path, &release);
	struct image_file kernel = { 0 };
	struct error err = { 0 };
	ck_assert_msg(image_file_read(&kernel, path, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(bzimage_kernel_release(kernel.data, kernel.size, path, &got, &err), 0);
	ck_assert_str_eq(got, release);
	free(got);

	bool builtin = true;
	ck_assert_msg(kernel_has_builtin_virtiofs(&kernel, &builtin, &err) == 0, "%s", err.msg);
	ck_assert_msg(!builtin, "%s: the cloud kernel's virtio-fs is a module", path);
	/* Debian's kernels have no CONFIG_OF: --dtb auto passes them no tree. */
	struct guest_kernel_image parsed;
	struct load_request req = { 0 };
	ck_assert_msg(kernel_parse(&kernel, &req, NULL, &parsed, &err) == 0, "%s", err.msg);
	ck_assert_msg(!kernel_reads_dtb(&kernel), "%s: the cloud kernel reads no device tree", path);
	bzimage_vmlinux_release(&kernel);
	check_payload_in_place(path);

	/* Beside the kernel, as the package unpacks. */
	struct kernel_module_list list;
	ck_assert_msg(kernel_modules_for_command(&kernel, NULL, &list, &err) == 0, "%s", err.msg);
	check_cloud_list(&list);
	/* virtio_pci needs at least the core and the ring (all modules in
	 * Debian's cloud kernel); fuse comes with virtiofs. */
	ck_assert_uint_ge(list.count, 7);
	ck_assert_uint_lt(index_of(&list, "fuse"), index_of(&list, "virtiofs"));
	ck_assert_uint_lt(index_of(&list, "virtio"), index_of(&list, "virtio_pci"));
	char *moddir = strdup(list.dir);
	kernel_module_list_free(&list);

	/* --modules as the package folder and as the modules folder itself. */
	const char *pkg = env("MINIVMM_TEST_CLOUD_KERNEL");
	ck_assert_int_eq(kernel_modules_for_command(&kernel, pkg, &list, &err), 0);
	ck_assert_str_eq(list.dir, moddir);
	kernel_module_list_free(&list);
	ck_assert_int_eq(kernel_modules_for_command(&kernel, moddir, &list, &err), 0);
	ck_assert_str_eq(list.dir, moddir);
	check_cloud_list(&list);
	kernel_module_list_free(&list);
	free(moddir);
	image_file_free(&kernel);
	free(path);
	free(release);
}
END_TEST

START_TEST(test_real_minimal_kernel)
{
	const char *path = env("MINIVMM_TEST_MINIMAL_KERNEL");
	struct image_file kernel = { 0 };
	struct error err = { 0 };
	ck_assert_msg(image_file_read(&kernel, path, &err) == 0, "%s", err.msg);
	char *release = NULL;
	ck_assert_int_eq(bzimage_kernel_release(kernel.data, kernel.size, path, &release, &err), 0);
	ck_assert_uint_gt(strlen(release), 0);
	bool builtin = false;
	ck_assert_msg(kernel_has_builtin_virtiofs(&kernel, &builtin, &err) == 0, "%s", err.msg);
	ck_assert_msg(builtin, "%s: the minimal kernel has virtio-fs built in", path);
	/* images/minimal-kernel.config has no CONFIG_OF: --dtb auto passes it
	 * no tree, so every test that boots it sees the machine it always
	 * did (images/minimal-kernel-of.config says why a CONFIG_OF build is
	 * not the shared one). */
	struct guest_kernel_image parsed;
	struct load_request req = { 0 };
	ck_assert_msg(kernel_parse(&kernel, &req, NULL, &parsed, &err) == 0, "%s", err.msg);
	ck_assert_msg(!kernel_reads_dtb(&kernel), "%s: the minimal kernel reads a device tree",
		      path);
	bzimage_vmlinux_release(&kernel);
	check_payload_in_place(path);
	/* Unless the host happens to have its release's modules, no folder is
	 * found and none is needed. */
	char *host = NULL;
	ck_assert_int_ge(asprintf(&host, "/lib/modules/%s", release), 0);
	if (!kernel_modules_is_folder(host)) {
		struct kernel_module_list list;
		ck_assert_msg(kernel_modules_for_command(&kernel, NULL, &list, &err) == 0, "%s",
			      err.msg);
		ck_assert_uint_eq(list.count, 0);
		ck_assert_ptr_null(list.dir);
		kernel_module_list_free(&list);
	}
	free(host);
	/* The vmlinux beside it (images/minimal-kernel.sh keeps it): the same
	 * release from its banner, and virtio-fs found in it. */
	char *vpath = NULL;
	ck_assert_int_ge(asprintf(&vpath, "%.*s/vmlinux", (int)(strrchr(path, '/') - path), path),
			 0);
	struct image_file vmlinux = { 0 };
	ck_assert_msg(image_file_read(&vmlinux, vpath, &err) == 0, "%s", err.msg);
	char *vrelease = NULL;
	ck_assert_msg(kernel_release(&vmlinux, &vrelease, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(vrelease, release);
	builtin = false;
	ck_assert_msg(kernel_has_builtin_virtiofs(&vmlinux, &builtin, &err) == 0, "%s", err.msg);
	ck_assert_msg(builtin, "%s: virtio-fs is built in", vpath);
	free(vrelease);
	image_file_free(&vmlinux);
	free(vpath);
	free(release);
	image_file_free(&kernel);
}
END_TEST

Suite *real_kernels_suite(void)
{
	Suite *s = suite_create("real_kernels");
	TCase *tc = tcase_create("real");
	/* Decompressing Debian's kernel takes a fraction of a second, more
	 * under sanitizers. */
	tcase_set_timeout(tc, 30);
	/* A run of the tagged checks alone (the KVM box's) has none of these:
	 * nothing to say there. */
	bool quiet = env("CK_INCLUDE_TAGS") != NULL;
	if (env("MINIVMM_TEST_CLOUD_KERNEL"))
		tcase_add_test(tc, test_real_cloud_kernel);
	else if (!quiet)
		printf("not run: real_kernels: Debian's cloud kernel (MINIVMM_TEST_CLOUD_KERNEL "
		       "unset: make kernels fetches it)\n");
	if (env("MINIVMM_TEST_MINIMAL_KERNEL"))
		tcase_add_test(tc, test_real_minimal_kernel);
	else if (!quiet)
		printf("not run: real_kernels: the minimal kernel (MINIVMM_TEST_MINIMAL_KERNEL "
		       "unset: make minimal-kernel builds it)\n");
	suite_add_tcase(s, tc);
	return s;
}
