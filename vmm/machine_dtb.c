/* The device tree a boot passes (--dtb) or writes (--dump-dtb): which one,
 * built by boot/ once the images are placed, and the dump file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "boot/boot.h"
#include "common/file_replace.h"
#include "common/write_all.h"
#include "vmm/machine.h"

int machine_dtb_decide(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	bool linux64 = m->kernel.protocol == KERNEL_BOOT_LINUX64 &&
		       setup_data_supported(&m->kernel.setup_header);
	switch (cfg->dtb) {
	case DTB_OFF:
		m->dtb_pass = false;
		return 0;
	case DTB_AUTO:
		m->dtb_pass = linux64 && kernel_reads_dtb(&m->kernel_file);
		return 0;
	case DTB_FILE:
		break;
	}
	if (image_file_read(&m->dtb_file, cfg->dtb_path, err) < 0)
		return -1;
	/* A tree the user asked for that could not reach the kernel would be
	 * a silent failure: say why instead (with --dump-dtb it is only
	 * written). */
	if (m->kernel.protocol != KERNEL_BOOT_LINUX64 && !cfg->dump_dtb_path)
		return error_set(err, "--dtb %s: the kernel boots through the PVH entry, whose "
				 "start info has no place for a device tree (--boot linux64 takes "
				 "the 64-bit entry)", cfg->dtb_path);
	if (!linux64 && !cfg->dump_dtb_path)
		return error_set(err, "--dtb %s: the kernel's boot protocol %u.%02u has no "
				 "setup_data for a device tree (2.09 and later have)", cfg->dtb_path,
				 m->kernel.setup_header.version >> 8,
				 m->kernel.setup_header.version & 0xff);
	m->dtb_pass = true;
	return 0;
}

int machine_dtb_build(struct machine *m, struct error *err)
{
	const struct vm_config *cfg = m->cfg;
	if (!m->dtb_pass && !cfg->dump_dtb_path)
		return 0;
	m->dtb = malloc(DTB_MAX_SIZE);
	if (!m->dtb)
		return error_set_host(err, "out of memory for the device tree");
	struct dtb_machine d = {
		.mem = &m->vm.mem,
		.ncpus = cfg->ncpus,
		.pci = vm_config_has_pci(cfg),
		.cmdline = m->cmdline,
		.initrd = m->initrd_file.data ? &m->initrd : NULL,
	};
	if (cfg->dtb == DTB_FILE)
		return dtb_from_file(m->dtb_file.data, m->dtb_file.size, m->dtb_file.path, &d, m->dtb,
				     DTB_MAX_SIZE, err);
	return dtb_build(&d, m->dtb, DTB_MAX_SIZE, err);
}

int machine_dtb_write_dump(struct machine *m, struct error *err)
{
	const char *path = m->cfg->dump_dtb_path;
	char *tmp;
	int fd = file_replace_begin(path, "--dump-dtb", &tmp, err);
	if (fd < 0)
		return -1;
	/* Readable as any file the user writes (file_replace makes it 0600). */
	mode_t mask = umask(0);
	umask(mask);
	bool ok = fchmod(fd, 0666 & ~mask) == 0 &&
		  write_all(fd, m->dtb, fdt_totalsize(m->dtb)) == 0;
	int e = errno;
	if (!ok)
		error_set(err, "--dump-dtb %s: cannot write it: %s", path, strerror(e));
	return file_replace_finish(fd, tmp, path, "--dump-dtb", ok, err) < 0 || !ok ? -1 : 0;
}
