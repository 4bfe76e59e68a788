/* Whether a kernel reads the device tree of boot_params' setup_data
 * (SETUP_DTB, boot.rst): only one built with CONFIG_OF_EARLY_FLATTREE does.
 * Without it x86_flattree_get_config (arch/x86/kernel/devicetree.c) is
 * empty and the tree is silently ignored; with it, x86_dtb_init unflattens
 * the tree through drivers/of/fdt.c's unflatten_and_copy_device_tree,
 * whose warning below is compiled in only with that option (it sits inside
 * fdt.c's #ifdef CONFIG_OF_EARLY_FLATTREE).  So the string in the vmlinux
 * says "reads a tree", and its absence "ignores one". */
#define _GNU_SOURCE   /* memmem */
#include <elf.h>
#include <string.h>

#include "loader/loader.h"

#define KERNEL_DTB_MARKER "No valid device tree found, continuing without"

/* Where the kernel's string literals are: a vmlinux links every
 * .rodata.str* into its .rodata section (arch/x86/kernel/vmlinux.lds.S,
 * RO_DATA), a tenth or so of the file, so the look at every boot costs
 * that much less.  The section headers come from the ELF header (System V
 * gABI, "Sections"), each bound checked; NULL when there is no such
 * section, and then the whole file is searched. */
static const uint8_t *kernel_dtb_rodata(const uint8_t *data, size_t size, size_t *len)
{
	Elf64_Ehdr eh;
	if (size < sizeof(eh))
		return NULL;
	memcpy(&eh, data, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shoff > size || eh.e_shnum > (size - eh.e_shoff) / sizeof(Elf64_Shdr) ||
	    eh.e_shstrndx >= eh.e_shnum)
		return NULL;
	Elf64_Shdr names;
	memcpy(&names, data + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(Elf64_Shdr),
	       sizeof(names));
	if (names.sh_offset > size || names.sh_size > size - names.sh_offset)
		return NULL;
	for (size_t i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, data + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof(sh));
		if (sh.sh_name >= names.sh_size ||
		    names.sh_size - sh.sh_name < sizeof(".rodata") ||
		    memcmp(data + names.sh_offset + sh.sh_name, ".rodata", sizeof(".rodata")) != 0)
			continue;
		if (sh.sh_type != SHT_PROGBITS || sh.sh_offset > size ||
		    sh.sh_size > size - sh.sh_offset)
			return NULL;
		*len = sh.sh_size;
		return data + sh.sh_offset;
	}
	return NULL;
}

static bool kernel_dtb_marked(const uint8_t *data, size_t size)
{
	size_t len;
	const uint8_t *rodata = kernel_dtb_rodata(data, size, &len);
	if (rodata) {
		data = rodata;
		size = len;
	}
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
