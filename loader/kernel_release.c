/* The kernel release ("6.1.0-57-cloud-amd64", what `uname -r` prints), which
 * names lib/modules/RELEASE: of a vmlinux, from its banner (below); of a
 * bzImage, from the setup header's kernel_version field
 * (Documentation/arch/x86/boot.rst, "Details of header fields",
 * kernel_version, protocol 2.00+): "If set to a nonzero value, contains a
 * pointer to a NUL-terminated human-readable kernel version number string,
 * less 0x200 ... This value should be less than (0x200 * setup_sects)."
 * The string is the release, a space, and the build's details
 * (arch/x86/boot/version.c: UTS_RELEASE " (" LINUX_COMPILE_BY ...").
 *
 * The file is hostile: the pointer must land inside the setup code as the
 * file holds it, the string must end there, and the release must be a
 * plausible path component, since it names lib/modules/RELEASE. */
#define _GNU_SOURCE   /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "loader/loader.h"

/* boot.rst, "THE REAL-MODE KERNEL HEADER": offsets in the file. */
#define RELEASE_SETUP_SECTS_OFFSET    0x1f1
#define RELEASE_HEADER_OFFSET         0x202   /* "HdrS" */
#define RELEASE_VERSION_OFFSET        0x206   /* boot protocol version */
#define RELEASE_KERNEL_VERSION_OFFSET 0x20e   /* the pointer, less 0x200 */
#define RELEASE_POINTER_BASE          0x200
#define RELEASE_SECTOR                512
/* "If this field is 0, the real value is 4" (setup_sects). */
#define RELEASE_DEFAULT_SETUP_SECTS   4

int bzimage_kernel_release(const uint8_t *data, size_t size, const char *name, char **release,
			   struct error *err)
{
	*release = NULL;
	if (!data || size < RELEASE_KERNEL_VERSION_OFFSET + 2)
		return error_set(err, "%s: truncated: %zu bytes is too short for a bzImage "
				 "setup header", name, data ? size : 0);
	if (memcmp(data + RELEASE_HEADER_OFFSET, "HdrS", 4) != 0)
		return error_set(err, "%s: not a bzImage (no HdrS signature): cannot read "
				 "its kernel version", name);
	uint16_t protocol = (uint16_t)le_get(data + RELEASE_VERSION_OFFSET, 2);
	if (protocol < 0x0200)
		return error_set(err, "%s: boot protocol %u.%02u has no kernel_version field",
				 name, protocol >> 8, protocol & 0xff);
	uint16_t pointer = (uint16_t)le_get(data + RELEASE_KERNEL_VERSION_OFFSET, 2);
	if (pointer == 0)
		return error_set(err, "%s: the bzImage declares no kernel version string "
				 "(kernel_version is 0)", name);
	size_t sects = data[RELEASE_SETUP_SECTS_OFFSET];
	if (sects == 0)
		sects = RELEASE_DEFAULT_SETUP_SECTS;
	/* The real-mode code: the boot sector and setup_sects sectors. */
	size_t setup_end = (sects + 1) * RELEASE_SECTOR;
	if (setup_end > size)
		setup_end = size;
	size_t start = (size_t)pointer + RELEASE_POINTER_BASE;
	if (start >= setup_end)
		return error_set(err, "%s: kernel_version points to 0x%zx, past the setup code "
				 "(which ends at 0x%zx)", name, start, setup_end);
	const uint8_t *str = data + start;
	const uint8_t *nul = memchr(str, 0, setup_end - start);
	if (!nul)
		return error_set(err, "%s: the kernel version string at 0x%zx does not end "
				 "within the setup code", name, start);
	size_t len = 0;
	while (str + len < nul && str[len] != ' ')
		len++;
	char where[32];
	snprintf(where, sizeof(where), "at 0x%zx", start);
	return kernel_release_copy(str, len, name, where, release, err);
}

/* Linux's banner, "Linux version " UTS_RELEASE " (" ... (init/version-
 * timestamp.c, linux_banner, 6.1; init/version.c before), which `dmesg`
 * shows first and every vmlinux holds in .rodata. */
#define RELEASE_BANNER "Linux version "

int vmlinux_kernel_release(const uint8_t *data, size_t size, const char *name, char **release,
			   struct error *err)
{
	*release = NULL;
	const size_t prefix = sizeof(RELEASE_BANNER) - 1;
	const uint8_t *at = data ? memmem(data, size, RELEASE_BANNER, prefix) : NULL;
	/* The first banner followed by a digit: the release always starts
	 * with the version number (Makefile: KERNELRELEASE). */
	while (at && !((size_t)(at - data) + prefix < size && at[prefix] >= '0' && at[prefix] <= '9')) {
		size_t next = (size_t)(at - data) + 1;
		at = memmem(data + next, size - next, RELEASE_BANNER, prefix);
	}
	if (!at)
		return error_set(err, "%s: no \"" RELEASE_BANNER "\" banner in the vmlinux: cannot "
				 "read its kernel release", name);
	const uint8_t *str = at + prefix;
	size_t room = size - (size_t)(str - data), len = 0;
	while (len < room && len <= KERNEL_RELEASE_MAX && str[len] != ' ')
		len++;
	char where[48];
	snprintf(where, sizeof(where), "in its banner at 0x%zx", (size_t)(str - data));
	return kernel_release_copy(str, len, name, where, release, err);
}

int kernel_release_copy(const uint8_t *str, size_t len, const char *name, const char *where,
			char **release, struct error *err)
{
	if (len == 0)
		return error_set(err, "%s: the kernel release %s is empty", name, where);
	/* __NEW_UTS_LEN: the release never exceeds 64 bytes. */
	if (len > KERNEL_RELEASE_MAX)
		return error_set(err, "%s: the kernel release %s is longer than a release can be "
				 "(%d bytes at most)", name, where, KERNEL_RELEASE_MAX);
	for (size_t i = 0; i < len; i++) {
		/* Printable, and never a path separator: it names a folder. */
		if (str[i] <= ' ' || str[i] >= 0x7f || str[i] == '/')
			return error_set(err, "%s: the kernel release %s holds a byte 0x%02x that no "
					 "release has", name, where, str[i]);
	}
	if ((len == 1 && str[0] == '.') || (len == 2 && str[0] == '.' && str[1] == '.'))
		return error_set(err, "%s: the kernel release %s is '%.*s'", name, where, (int)len,
				 (const char *)str);
	char *copy = strndup((const char *)str, len);
	if (!copy)
		return error_set_host(err, "%s: out of memory", name);
	*release = copy;
	return 0;
}

int kernel_release(const struct image_file *kernel, char **release, struct error *err)
{
	if (kernel_is_elf(kernel))
		return vmlinux_kernel_release(kernel->data, kernel->size, kernel->path, release,
					      err);
	return bzimage_kernel_release(kernel->data, kernel->size, kernel->path, release, err);
}
