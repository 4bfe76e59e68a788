/* Kernels of any format: tell bzImage from ELF by their magic, and settle
 * which entry protocol the guest starts through. */
#include <endian.h>
#include <string.h>

#include "loader/loader.h"

/* bzImage: "HdrS" at 0x202 (common/x86.h); ELF: "\x7fELF" at 0 (gABI
 * e_ident). */

bool kernel_is_elf(const struct image_file *file)
{
	return file->size >= 4 && memcmp(file->data, "\x7f" "ELF", 4) == 0;
}

static bool kernel_is_bzimage(const struct image_file *file)
{
	uint32_t magic;
	if (file->size < X86_BOOT_HDRS_OFFSET + sizeof(magic))
		return false;
	memcpy(&magic, file->data + X86_BOOT_HDRS_OFFSET, sizeof(magic));
	return le32toh(magic) == X86_BOOT_HDRS_MAGIC;
}

int kernel_choose_protocol(struct guest_kernel_image *k, enum kernel_boot_protocol req,
			   const char *name, struct error *err)
{
	/* Linux's PVH entry runs at its link address (Linux 6.1's
	 * arch/x86/platform/pvh/head.S; rust-vmm linux-loader looks for the
	 * note only when the kernel is not moved), so a moved kernel goes
	 * through the 64-bit entry. */
	bool moved = k->relocation_offset != 0;
	if (req == KERNEL_BOOT_AUTO)
		req = k->has_pvh_entry && !moved ? KERNEL_BOOT_PVH : KERNEL_BOOT_LINUX64;
	if (req == KERNEL_BOOT_PVH && moved)
		return error_set(err, "%s: --boot pvh: the PVH entry runs at the kernel's link "
				 "address 0x%llx; drop --kernel-addr or use --boot linux64", name,
				 (unsigned long long)(k->image.load_paddr - (uint64_t)k->relocation_offset));
	if (req == KERNEL_BOOT_PVH && !k->has_pvh_entry)
		return error_set(err, "%s: --boot pvh: the kernel has no PVH entry note "
				 "(XEN_ELFNOTE_PHYS32_ENTRY)%s", name,
				 k->format == KERNEL_FORMAT_BZIMAGE ? "; a bzImage never has one, "
				 "use the ELF vmlinux" : "");
	/* Unmoved, the PVH entry is the note's 32-bit value: it can be entered
	 * in 32-bit protected mode as it is. */
	k->protocol = req;
	k->entry = req == KERNEL_BOOT_PVH ? k->pvh_entry : k->linux64_entry;
	return 0;
}

const char *kernel_format_name(const struct guest_kernel_image *k)
{
	switch (k->format) {
	case KERNEL_FORMAT_BZIMAGE: return "bzImage";
	case KERNEL_FORMAT_ELF: return "ELF";
	case KERNEL_FORMAT_BZIMAGE_PAYLOAD:
#define KERNEL_PAYLOAD_NAME(id, name) case BZIMAGE_PAYLOAD_##id: return "bzImage+" name;
		switch (k->payload_format) {
		BZIMAGE_PAYLOAD_FORMATS(KERNEL_PAYLOAD_NAME)
		case BZIMAGE_PAYLOAD_UNKNOWN: break;
		}
#undef KERNEL_PAYLOAD_NAME
		return "bzImage+?";
	}
	return "?";
}

/* --kernel-addr and --kernel-align ask for a place the vmlinux is not
 * linked for; --boot linux64 asks for the bzImage's own 64-bit entry, and
 * --boot pvh for an entry a bzImage does not have (kernel_choose_protocol
 * says so). */
bool kernel_wants_payload(const struct load_request *req)
{
	return req->protocol == KERNEL_BOOT_AUTO && !req->load_address && !req->alignment;
}

int kernel_parse(struct image_file *file, const struct load_request *req,
		 struct guest_memory *mem, struct guest_kernel_image *out, struct error *err)
{
	if (kernel_is_elf(file)) {
		if (elf_describe(file, req, out, err) < 0)
			return -1;
	} else if (!kernel_is_bzimage(file) && file->size >= X86_BOOT_HDRS_OFFSET + sizeof(uint32_t)) {
		return error_set(err, "%s: not a kernel: neither a bzImage (no HdrS signature) "
				 "nor an ELF vmlinux", file->path);
	} else if (bzimage_parse(file->data, file->size, file->path, out, err) < 0) {
		return -1;
	} else if (kernel_wants_payload(req)) {
		/* kernel_load checks the size against guest RAM. */
		int rc = bzimage_vmlinux_prepare(file, mem, BZIMAGE_PAYLOAD_MAX_SIZE, err);
		if (rc < 0 || (rc > 0 && bzimage_vmlinux_describe(file, out, err) < 0))
			return -1;
	}
	return kernel_choose_protocol(out, req->protocol, file->path, err);
}

int kernel_load(struct guest_memory *mem, struct image_list *list,
		struct image_file *file, const struct load_request *req,
		struct guest_kernel_image *out, struct error *err)
{
	int rc;
	if (kernel_is_elf(file)) {
		rc = elf_load(mem, list, file, req, out, err);
	} else if (kernel_wants_payload(req) && kernel_is_bzimage(file)) {
		/* Not into guest RAM here: the claim is checked only after. */
		rc = bzimage_vmlinux_prepare(file, NULL, mem->ram_size, err);
		if (rc >= 0)
			rc = rc ? bzimage_vmlinux_load(mem, list, file, out, err)
				: bzimage_load(mem, list, file, req, out, err);
	} else {
		rc = bzimage_load(mem, list, file, req, out, err);
	}
	if (rc < 0)
		return -1;
	return kernel_choose_protocol(out, req->protocol, file->path, err);
}
