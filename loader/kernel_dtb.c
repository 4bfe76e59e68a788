/* Whether a kernel reads the device tree of boot_params' setup_data
 * (SETUP_DTB, boot.rst): only one built with CONFIG_OF_EARLY_FLATTREE does.
 * Without it x86_flattree_get_config (arch/x86/kernel/devicetree.c) is
 * empty and the tree is silently ignored; with it, x86_dtb_init unflattens
 * the tree through drivers/of/fdt.c's unflatten_and_copy_device_tree,
 * whose warning below is compiled in only with that option (it sits inside
 * fdt.c's #ifdef CONFIG_OF_EARLY_FLATTREE).  So the string in the vmlinux
 * says "reads a tree", and its absence "ignores one". */
#define _GNU_SOURCE   /* memmem */
#include <string.h>

#include "loader/loader.h"

#define KERNEL_DTB_MARKER "No valid device tree found, continuing without"

static bool kernel_dtb_marked(const uint8_t *data, size_t size)
{
	return memmem(data, size, KERNEL_DTB_MARKER, sizeof(KERNEL_DTB_MARKER) - 1) != NULL;
}

bool kernel_reads_dtb(const struct image_file *kernel)
{
	const struct bzimage_payload *kept = bzimage_vmlinux_payload(kernel);
	if (kept)
		return kernel_dtb_marked(kept->data, kept->size);
	if (kernel->size >= 4 && memcmp(kernel->data, "\x7f" "ELF", 4) == 0)
		return kernel_dtb_marked(kernel->data, kernel->size);
	/* A bzImage minivmm boots as it is: its payload is the guest's to
	 * decompress, and minivmm cannot tell. */
	return false;
}
