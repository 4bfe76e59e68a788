/* The initramfs layer minivmm generates for `minivmm --kernel K -- CMD`
 * (issue 15): minivmm-init as /init, the kernel modules the guest needs,
 * and /minivmm/command, the records minivmm-init reads.  The layout and
 * the records are the contract between minivmm and minivmm-init
 * (command_initramfs.c says it in full). */
#ifndef MINIVMM_VMM_COMMAND_INITRAMFS_H
#define MINIVMM_VMM_COMMAND_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "loader/loader.h"

/* The virtio-fs tag of the host's root filesystem. */
#define COMMAND_ROOT_TAG "minivmm-root"
/* The longest virtio-fs tag (virtio 1.2 section 5.11.4: tag[36], UTF-8,
 * not NUL-terminated when all 36 bytes are used). */
#define COMMAND_TAG_MAX 36
/* Where minivmm-init is looked for: beside the minivmm executable, then
 * in ../COMMAND_INIT_INSTALL_DIR from it (command_init_locate). */
#define COMMAND_INIT_NAME "minivmm-init"
#define COMMAND_INIT_INSTALL_DIR "libexec/minivmm"

/* One --share: mounted at guest_dir from the virtio-fs device `tag`. */
struct command_share {
	const char *tag;        /* "minivmm-share0", ...: no ',' */
	bool read_only;
	const char *guest_dir;  /* absolute; may contain ',' */
};

/* What the guest runs, and where. */
struct command_desc {
	char *const *argv;        /* argv[0] is CMD; argc >= 1 (vm_config's
				     command, command_argc fit as they are) */
	size_t argc;
	const char *cwd;          /* absolute: the host's current directory */
	const char *root_tag;     /* COMMAND_ROOT_TAG */
	const struct command_share *shares;
	size_t nshares;
	char *const *env;         /* "NAME=VALUE" each: exactly the command's
				     environment, plus the init's defaults
				     for PATH and HOME when absent */
	size_t nenv;
};

/* The contents of /minivmm/command: NUL-terminated "key=value" records in
 * the contract's order (module, root, share, cwd, env, arg).  *data is
 * malloc'd.  A bad description (no argv, a relative cwd or guest_dir, a
 * tag empty, too long or holding ',', an env entry without '=') is an
 * error saying which. */
int command_records(const struct command_desc *cmd, const struct kernel_module_list *modules,
		    char **data, size_t *size, struct error *err);

/* The whole layer, finished (trailer written) in *out, which the caller
 * frees with cpio_writer_free: the directories, init_path as /init (0755),
 * each module as /minivmm/modules/FILE_NAME (0644; modules may be NULL or
 * empty) and /minivmm/command.  Errors name the file that could not be
 * read. */
int command_initramfs_build(const char *init_path, const struct kernel_module_list *modules,
			    const struct command_desc *cmd, struct cpio_writer *out,
			    struct error *err);

/* Appends the layer to an initrd in memory (*data malloc'd or NULL, as an
 * image_file's is): the initrd is padded with zeros to a 4-byte boundary
 * first, which the kernel's unpacker skips between archives
 * (buffer-format.rst; init/initramfs.c unpack_to_rootfs). */
int command_initramfs_append(uint8_t **data, size_t *size, const uint8_t *layer,
			     size_t layer_size, struct error *err);

/* The layer as the initrd when the user gave none: file takes over the
 * writer's buffer (path "minivmm -- CMD initramfs", origin generated);
 * the writer is left empty. */
int command_initramfs_image(struct image_file *file, struct cpio_writer *layer,
			    struct error *err);

/* minivmm-init for the minivmm executable EXE, an executable regular file
 * (*path malloc'd): beside EXE (the build tree: make builds both in
 * build/), otherwise in EXE's ../libexec/minivmm/ (make install's PREFIX/bin
 * and PREFIX/libexec/minivmm, the Debian package's /usr/bin and
 * /usr/libexec/minivmm).  Something there that is no executable file, or
 * nothing in either place, is one error naming the paths. */
int command_init_locate(const char *exe, char **path, struct error *err);
/* The same for the running executable (readlink /proc/self/exe). */
int command_init_find(char **path, struct error *err);

#endif
