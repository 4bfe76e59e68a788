/* The input layout of fuzz_modules.c, shared with the seed writer
 * (fuzz_seeds.c): parts separated by FUZZ_MODULES_SEP, each the file of
 * the modules folder named here (an empty part: no such file), then the
 * command description. */
#ifndef MINIVMM_TESTS_FUZZ_MODULES_H
#define MINIVMM_TESTS_FUZZ_MODULES_H

#define FUZZ_MODULES_SEP "\n%%%%\n"

static const char *const fuzz_modules_dirs[] = {
	"kernel", "kernel/drivers", "kernel/fs",
};

/* As Debian's packages lay them out (modules.order names them from
 * kernel/); fuse is gzip-compressed, as CONFIG_MODULE_COMPRESS_GZIP
 * leaves it. */
static const char *const fuzz_modules_files[] = {
	"modules.builtin",
	"modules.dep",
	"modules.order",
	"kernel/drivers/virtio_pci.ko",
	"kernel/drivers/virtio_console.ko",
	"kernel/fs/virtiofs.ko",
	"kernel/fs/overlay.ko",
	"kernel/fs/fuse.ko.gz",
};

#define FUZZ_MODULES_FIRST_KO 3
#define FUZZ_MODULES_COMMAND  8   /* the last part */
#define FUZZ_MODULES_PARTS    9

#endif
