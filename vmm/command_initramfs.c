/* The initramfs layer for `minivmm --kernel K -- CMD` (issue 15), as the
 * contract between minivmm and minivmm-init sets it:
 *
 *   newc cpio, uncompressed (buffer-format.rst), appended after the user's
 *   initrd (padded with zeros to 4 bytes) or standing alone, holding
 *     /dev /proc /sys /minivmm /minivmm/modules   directories, 0755
 *     /init                       minivmm-init, 0755
 *     /minivmm/modules/NAME.ko    the modules the guest loads (maybe none);
 *                                 a compressed module keeps its ending,
 *                                 NAME.ko.xz or NAME.ko.zst, and is loaded
 *                                 with MODULE_INIT_COMPRESSED_FILE
 *     /minivmm/command            the run's records
 *
 *   /minivmm/command is a sequence of NUL-terminated "key=value" records,
 *   in this order:
 *     module=/minivmm/modules/NAME.ko   repeated, in load order
 *     root=TAG                          virtio-fs tag of the host's root
 *     share=TAG,rw|ro,GUESTDIR          repeated; GUESTDIR is the rest
 *     cwd=ABSPATH
 *     env=NAME=VALUE                    repeated
 *     arg=STRING                        repeated, argv in order (>= 1)
 *
 * An archive later in the initrd replaces files of earlier ones, so this
 * layer's /init wins over one the user's initrd has. */
#define _GNU_SOURCE   /* open_memstream */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/prefault.h"
#include "vmm/command_initramfs.h"

#define COMMAND_MODULES_DIR "/minivmm/modules"
#define COMMAND_FILE "/minivmm/command"
#define COMMAND_LAYER_NAME "minivmm -- CMD initramfs"

static int command_check_tag(const char *tag, const char *what, struct error *err)
{
	if (!tag || !*tag)
		return error_set(err, "-- CMD: the %s has no virtio-fs tag", what);
	if (strlen(tag) > COMMAND_TAG_MAX)
		return error_set(err, "-- CMD: the %s's virtio-fs tag '%s' is longer than %d "
				 "bytes", what, tag, COMMAND_TAG_MAX);
	if (strchr(tag, ','))
		return error_set(err, "-- CMD: the %s's virtio-fs tag '%s' holds a ','", what,
				 tag);
	return 0;
}

static int command_check(const struct command_desc *cmd, struct error *err)
{
	if (!cmd->argv || cmd->argc == 0 || !cmd->argv[0])
		return error_set(err, "-- CMD: no command given after --");
	for (size_t i = 0; i < cmd->argc; i++)
		if (!cmd->argv[i])
			return error_set(err, "-- CMD: argument %zu is missing", i);
	if (!cmd->cwd || cmd->cwd[0] != '/')
		return error_set(err, "-- CMD: the working directory '%s' is not an absolute "
				 "path", cmd->cwd ? cmd->cwd : "");
	if (command_check_tag(cmd->root_tag, "root", err) < 0)
		return -1;
	for (size_t i = 0; i < cmd->nshares; i++) {
		const struct command_share *s = &cmd->shares[i];
		if (command_check_tag(s->tag, "share", err) < 0)
			return -1;
		if (!s->guest_dir || s->guest_dir[0] != '/')
			return error_set(err, "-- CMD: share %s: the guest folder '%s' is not an "
					 "absolute path", s->tag, s->guest_dir ? s->guest_dir : "");
	}
	for (size_t i = 0; i < cmd->nenv; i++) {
		const char *e = cmd->env[i];
		if (!e || e[0] == '=' || !strchr(e, '='))
			return error_set(err, "-- CMD: environment entry '%s' is not NAME=VALUE",
					 e ? e : "");
	}
	return 0;
}

/* One record and its NUL. */
static __attribute__((format(printf, 2, 3))) void command_put(FILE *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc(0, out);
}

int command_records(const struct command_desc *cmd, const struct kernel_module_list *modules,
		    char **data, size_t *size, struct error *err)
{
	*data = NULL;
	*size = 0;
	if (command_check(cmd, err) < 0)
		return -1;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return error_set_host(err, "-- CMD: out of memory for the command records");
	for (size_t i = 0; modules && i < modules->count; i++)
		command_put(out, "module=" COMMAND_MODULES_DIR "/%s", modules->items[i].file_name);
	command_put(out, "root=%s", cmd->root_tag);
	for (size_t i = 0; i < cmd->nshares; i++) {
		const struct command_share *s = &cmd->shares[i];
		command_put(out, "share=%s,%s,%s", s->tag, s->read_only ? "ro" : "rw",
			    s->guest_dir);
	}
	command_put(out, "cwd=%s", cmd->cwd);
	for (size_t i = 0; i < cmd->nenv; i++)
		command_put(out, "env=%s", cmd->env[i]);
	for (size_t i = 0; i < cmd->argc; i++)
		command_put(out, "arg=%s", cmd->argv[i]);
	if (ferror(out) | fclose(out)) {
		free(buf);
		return error_set_host(err, "-- CMD: out of memory for the command records");
	}
	*data = buf;
	*size = len;
	return 0;
}

static int command_add_host_file(struct cpio_writer *w, const char *path, const char *name,
				 uint32_t perm, struct error *err)
{
	struct image_file file = { 0 };
	if (image_file_read(&file, path, err) < 0)
		return -1;
	int rc = cpio_add_file(w, name, perm, file.data, file.size, err);
	image_file_free(&file);
	return rc;
}

int command_initramfs_build(const char *init_path, const struct kernel_module_list *modules,
			    const struct command_desc *cmd, struct cpio_writer *out,
			    struct error *err)
{
	static const char *const dirs[] = { "/dev", "/proc", "/sys", "/minivmm",
					    COMMAND_MODULES_DIR };
	char *records = NULL;
	size_t records_size = 0;
	cpio_writer_init(out);
	if (command_records(cmd, modules, &records, &records_size, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (cpio_add_dir(out, dirs[i], 0755, err) < 0)
			goto fail;
	if (command_add_host_file(out, init_path, "/init", 0755, err) < 0)
		goto fail;
	for (size_t i = 0; modules && i < modules->count; i++) {
		const struct kernel_module *m = &modules->items[i];
		char name[PATH_MAX];
		if (snprintf(name, sizeof(name), COMMAND_MODULES_DIR "/%s", m->file_name) >=
		    (int)sizeof(name)) {
			error_set(err, "%s: module file name too long", m->path);
			goto fail;
		}
		if (command_add_host_file(out, m->path, name, 0644, err) < 0)
			goto fail;
	}
	if (cpio_add_file(out, COMMAND_FILE, 0644, records, records_size, err) < 0 ||
	    cpio_finish(out, err) < 0)
		goto fail;
	free(records);
	return 0;
fail:
	free(records);
	cpio_writer_free(out);
	return -1;
}

int command_initramfs_append(uint8_t **data, size_t *size, const uint8_t *layer,
			     size_t layer_size, struct error *err)
{
	size_t pad = (4 - (*size & 3)) & 3, total;
	if (__builtin_add_overflow(*size, pad, &total) ||
	    __builtin_add_overflow(total, layer_size, &total))
		return error_set(err, "-- CMD: the initrd and the generated layer are too large "
				 "together");
	uint8_t *grown = realloc(*data, total ? total : 1);
	if (!grown)
		return error_set_host(err, "-- CMD: out of memory for a %zu-byte initrd", total);
	prefault_buffer(grown + *size, total - *size);
	memset(grown + *size, 0, pad);
	memcpy(grown + *size + pad, layer, layer_size);
	*data = grown;
	*size = total;
	return 0;
}

int command_initramfs_image(struct image_file *file, struct cpio_writer *layer,
			    struct error *err)
{
	memset(file, 0, sizeof(*file));
	file->path = strdup(COMMAND_LAYER_NAME);
	if (!file->path)
		return error_set_host(err, "-- CMD: out of memory");
	file->origin = IMAGE_ORIGIN_GENERATED;
	file->data = layer->data;
	file->size = layer->size;
	memset(layer, 0, sizeof(*layer));
	return 0;
}

/* "dir/name" malloc'd, or NULL. */
static char *command_init_join(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name) < 0)
		return NULL;
	return p;
}

/* 1: PATH is an executable regular file; 0: nothing there (errno kept in
 * *missing_errno); -1: something else there, an error naming it. */
static int command_init_check(const char *path, int *missing_errno, struct error *err)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		*missing_errno = errno;
		return 0;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0)
		return error_set(err, "%s: not an executable file: -- CMD needs minivmm-init "
				 "there (make builds it beside minivmm, make install puts it in "
				 "../" COMMAND_INIT_INSTALL_DIR "/)", path);
	return 1;
}

int command_init_locate(const char *exe, char **path, struct error *err)
{
	*path = NULL;
	char *copy = strdup(exe), *copy2 = strdup(exe);
	char *beside = NULL, *installed = NULL, *prefix = NULL;
	int r = -1, beside_errno = 0, installed_errno = 0;
	if (!copy || !copy2)
		goto oom;
	const char *dir = dirname(copy);
	beside = command_init_join(dir, COMMAND_INIT_NAME);
	/* PREFIX/bin/minivmm -> PREFIX/libexec/minivmm/minivmm-init: found
	 * relative to the executable, so a tree installed with DESTDIR or
	 * moved whole finds its own. */
	prefix = strdup(dirname(dirname(copy2)));
	if (!beside || !prefix)
		goto oom;
	installed = command_init_join(prefix, COMMAND_INIT_INSTALL_DIR "/" COMMAND_INIT_NAME);
	if (!installed)
		goto oom;
	int found = command_init_check(beside, &beside_errno, err);
	if (found == 0)
		found = command_init_check(installed, &installed_errno, err);
	if (found < 0)
		goto out;
	if (found == 0) {
		error_set(err, "-- CMD needs minivmm-init: not beside minivmm (%s: %s; make builds "
			  "both) nor where make install puts it (%s: %s)", beside,
			  strerror(beside_errno), installed, strerror(installed_errno));
		goto out;
	}
	*path = beside_errno ? installed : beside;
	if (*path == installed)
		installed = NULL;
	else
		beside = NULL;
	r = 0;
	goto out;
oom:
	r = error_set_host(err, "out of memory");
out:
	free(copy);
	free(copy2);
	free(prefix);
	free(beside);
	free(installed);
	return r;
}

int command_init_find(char **path, struct error *err)
{
	*path = NULL;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return error_set_host(err, "/proc/self/exe: %s: cannot find minivmm's own "
				      "folder, where minivmm-init is looked for", strerror(errno));
	exe[n] = 0;
	return command_init_locate(exe, path, err);
}
