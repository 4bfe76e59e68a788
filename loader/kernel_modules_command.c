/* The modules minivmm -- CMD needs for one kernel: found in a modules
 * folder (kernel_modules.c), or none when the kernel has the drivers built
 * in, which only the kernel itself can tell when no folder is found. */
#define _GNU_SOURCE   /* memmem */
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

/* fs/fuse/virtio_fs.c registers its filesystem as "virtiofs"
 * (virtio_fs_type.name), a string a kernel holds only when that driver is
 * linked into it; Documentation/filesystems/virtiofs.rst mounts it as
 * `mount -t virtiofs`. */
#define BUILTIN_MARKER "virtiofs"

int kernel_has_builtin_virtiofs(const struct image_file *kernel, bool *builtin,
				struct error *err)
{
	*builtin = false;
	const struct bzimage_payload *kept = bzimage_vmlinux_payload(kernel);
	if (kept || kernel_is_elf(kernel)) {
		const uint8_t *data = kept ? kept->data : kernel->data;
		size_t size = kept ? kept->size : kernel->size;
		*builtin = memmem(data, size, BUILTIN_MARKER, sizeof(BUILTIN_MARKER) - 1) != NULL;
		return 0;
	}
	struct guest_kernel_image k;
	if (bzimage_parse(kernel->data, kernel->size, kernel->path, &k, err) < 0)
		return -1;
	struct bzimage_payload payload = { 0 };
	int rc = bzimage_payload_decompress(&k.setup_header, kernel->data, kernel->size,
					    kernel->path, BZIMAGE_PAYLOAD_MAX_SIZE, NULL, 0,
					    &payload, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return error_set(err, "%s: cannot tell whether virtio-fs is built in: minivmm "
				 "does not decompress its %s payload", kernel->path,
				 bzimage_payload_format_name(payload.format));
	*builtin = memmem(payload.data, payload.size, BUILTIN_MARKER,
			  sizeof(BUILTIN_MARKER) - 1) != NULL;
	bzimage_payload_free(&payload);
	return 0;
}

/* "A, B or C" into a bounded buffer (struct error holds the line anyway). */
static void command_join_places(const struct kernel_module_places *places, char *buf,
				size_t size)
{
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < places->count && len < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == places->count ? " or " : ", ";
		int n = snprintf(buf + len, size - len, "%s%s", sep, places->paths[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int kernel_modules_for_command(const struct image_file *kernel, const char *modules_option,
			       struct kernel_module_list *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	char *release = NULL;
	if (kernel_release(kernel, &release, err) < 0)
		return -1;
	struct kernel_module_places places;
	int rc = -1;
	if (kernel_module_places_init(&places, release, modules_option, kernel->path, err) < 0)
		goto out;
	const char *dir = kernel_module_places_find(&places);
	if (dir) {
		rc = kernel_modules_resolve(dir, release, kernel_modules_command,
					    KERNEL_MODULES_COMMAND_COUNT, out, err);
		if (rc < 0 && err) {
			char inner[sizeof(err->msg)];
			memcpy(inner, err->msg, sizeof(inner));
			error_set_as(err, err->kind, "%s (kernel %s): %s", kernel->path, release,
				     inner);
		}
		goto out_places;
	}
	bool builtin;
	if (kernel_has_builtin_virtiofs(kernel, &builtin, err) < 0)
		goto out_places;
	if (builtin) {
		rc = 0;
		goto out_places;
	}
	char where[400];
	command_join_places(&places, where, sizeof(where));
	error_set(err, "%s (kernel %s) needs the modules virtio_pci, virtio_console, virtiofs "
		  "and overlay: no modules folder in %s%s", kernel->path, release, where,
		  places.has_option ? "" : " (give --modules DIR)");
out_places:
	kernel_module_places_free(&places);
out:
	free(release);
	return rc;
}
