/* Booting a bzImage through the vmlinux inside it.  The bzImage's own entry
 * would copy itself, decompress its payload, parse the ELF and apply
 * relocations in the guest (arch/x86/boot/compressed/misc.c
 * extract_kernel); here the host decompresses the payload
 * (bzimage_payload.c) and loads the ELF at its link address, which is where
 * that decompressor puts it when it does not randomize (boot.rst
 * "pref_address": "the preferred load address for the kernel";
 * misc.c: LOAD_PHYSICAL_ADDR).  The vCPU then starts at the vmlinux's
 * startup_64 through the 64-bit boot protocol (boot.rst "64-bit BOOT
 * PROTOCOL"), with the bzImage's own setup header in boot_params, as the
 * decompressor would have left it.  KASLR, which only the decompressor
 * applies, does not happen: as with any vmlinux booted directly
 * (Firecracker's way). */
#include <elf.h>
#include <endian.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

struct bzimage_vmlinux {
	/* data NULL: the bzImage boots as it is. */
	struct bzimage_payload payload;
};

#define BZIMAGE_VMLINUX_HINT "(--boot linux64 lets the guest decompress it)"

const struct bzimage_payload *bzimage_vmlinux_payload(const struct image_file *file)
{
	if (!file->vmlinux || !file->vmlinux->payload.data)
		return NULL;
	return &file->vmlinux->payload;
}

void bzimage_vmlinux_release(struct image_file *file)
{
	if (!file->vmlinux)
		return;
	bzimage_payload_free(&file->vmlinux->payload);
	free(file->vmlinux);
	file->vmlinux = NULL;
}

/* The decompressed vmlinux as a file of its own, under the bzImage's name,
 * so that elf.c's messages name what the user handed in. */
static struct image_file bzimage_vmlinux_file(const struct image_file *file)
{
	return (struct image_file){ .path = file->path, .origin = file->origin,
				    .data = file->vmlinux->payload.data,
				    .size = file->vmlinux->payload.size };
}

/* boot.rst "payload_offset": "The uncompressed payload is currently always
 * ELF" for Linux; a kernel that only implements the Linux boot protocol
 * (another OS, a memory tester) may carry anything there and unpack it
 * with its own code.  Only a little-endian ELF64 for x86-64 can be a
 * vmlinux minivmm loads (elf.c); anything else is such a kernel's
 * business, so it boots through its own entry, as GRUB and QEMU boot it
 * (neither looks at the payload). */
static bool bzimage_vmlinux_is_x86_64_elf(const struct bzimage_payload *payload)
{
	Elf64_Ehdr eh;
	if (payload->size < sizeof(eh))
		return false;
	memcpy(&eh, payload->data, sizeof(eh));
	return memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	       eh.e_ident[EI_DATA] == ELFDATA2LSB && le16toh(eh.e_machine) == EM_X86_64;
}

/* 1: an ELF linked at pref_address; 0: no x86-64 ELF64 (see above) or linked
 * elsewhere, so the bzImage boots as it is (its decompressor relocates);
 * -1: an x86-64 ELF64 minivmm cannot load, which the kernel's own parse_elf
 * would not take either: a broken Linux kernel, refused here rather than
 * crashing in the guest.  A payload decompressed into guest RAM whose
 * segments cannot move in place there gets a mapping of its own. */
static int bzimage_vmlinux_check(const struct setup_header *hdr,
				 struct bzimage_payload *payload, const char *name,
				 struct error *err)
{
	if (!bzimage_vmlinux_is_x86_64_elf(payload))
		return 0;
	const char *fmt = bzimage_payload_format_name(payload->format);
	char label[sizeof(((struct error *)0)->msg)];
	snprintf(label, sizeof(label), "%s: the bzImage's %s payload", name, fmt);
	struct elf_kernel_info info;
	struct error why;
	if (elf_parse(payload->data, payload->size, label, &info, &why) < 0)
		return error_set_as(err, why.kind, "%s " BZIMAGE_VMLINUX_HINT, why.msg);
	if (info.link_start != hdr->pref_address)
		return 0;
	if (payload->borrowed && !elf_moves_in_place(&info) &&
	    bzimage_payload_own(payload, name, err) < 0)
		return -1;
	return 1;
}

/* Guest RAM from pref_address up to init_size, as much of it as is RAM:
 * where the kernel's own decompressor writes the vmlinux before it moves
 * the segments into place (boot.rst "init_size": "the amount of linear
 * contiguous memory starting at the kernel runtime start address that the
 * kernel needs before it is capable of examining its memory map"), and
 * where the payload is decompressed here too, so that loading is a move
 * within RAM the kernel claims anyway instead of a copy from a buffer of
 * tens of MiB that the host first zeroes.  NULL without guest RAM. */
static uint8_t *bzimage_vmlinux_room(struct guest_memory *mem, const struct setup_header *hdr,
				     size_t *size)
{
	uint64_t start = hdr->pref_address, end = guest_memory_low_end(mem);
	*size = 0;
	if (start >= end)
		return NULL;
	uint64_t len = end - start < hdr->init_size ? end - start : hdr->init_size;
	uint8_t *room = guest_memory_ptr(mem, start, len);
	if (room)
		*size = (size_t)len;
	return room;
}

int bzimage_vmlinux_prepare(struct image_file *file, struct guest_memory *mem, uint64_t max_size,
			    struct error *err)
{
	const char *name = file->path;
	struct bzimage_vmlinux *v = file->vmlinux;
	if (v) {
		if (!v->payload.data)
			return 0;
		if (v->payload.size > max_size)
			return error_set(err, "%s: the bzImage's %s payload decompresses to 0x%zx bytes, "
					 "more than guest RAM (0x%" PRIx64 ") " BZIMAGE_VMLINUX_HINT,
					 name, bzimage_payload_format_name(v->payload.format),
					 v->payload.size, max_size);
		return 1;
	}

	struct guest_kernel_image bz;
	if (bzimage_parse(file->data, file->size, name, &bz, err) < 0)
		return -1;
	if (!(v = calloc(1, sizeof(*v))))
		return error_set_host(err, "%s: out of memory", name);
	size_t room_size = 0;
	uint8_t *room = mem ? bzimage_vmlinux_room(mem, &bz.setup_header, &room_size) : NULL;
	int rc = bzimage_payload_decompress(&bz.setup_header, file->data, file->size, name,
					    max_size, room, room_size, &v->payload, err);
	if (rc > 0 && (rc = bzimage_vmlinux_check(&bz.setup_header, &v->payload, name, err)) <= 0)
		bzimage_payload_free(&v->payload);
	if (rc < 0) {
		free(v);
		return -1;
	}
	file->vmlinux = v;
	return rc;
}

int bzimage_vmlinux_describe(const struct image_file *file, struct guest_kernel_image *out,
			     struct error *err)
{
	const char *name = file->path;
	struct guest_kernel_image bz;
	if (!file->vmlinux || !file->vmlinux->payload.data)
		return error_set(err, "%s: internal error: no decompressed payload", name);
	struct image_file elf = bzimage_vmlinux_file(file);
	if (bzimage_parse(file->data, file->size, name, &bz, err) < 0 ||
	    elf_describe(&elf, NULL, out, err) < 0)
		return -1;
	out->format = KERNEL_FORMAT_BZIMAGE_PAYLOAD;
	out->payload_format = file->vmlinux->payload.format;
	out->setup_header = bz.setup_header;
	/* The 64-bit entry with boot_params is the way in, as from the
	 * decompressor; a PVH note in the vmlinux is not used. */
	out->has_pvh_entry = false;
	out->pvh_entry = 0;
	/* boot.rst "init_size": the kernel may use that much from its runtime
	 * start (here pref_address, where it is linked) before it reads the
	 * memory map; bzimage_parse checked that the sum does not overflow. */
	uint64_t init_end = bz.setup_header.pref_address + bz.setup_header.init_size;
	if (init_end > out->reserved_end)
		out->reserved_end = init_end;
	return 0;
}

int bzimage_vmlinux_load(struct guest_memory *mem, struct image_list *list,
			 struct image_file *file, struct guest_kernel_image *out,
			 struct error *err)
{
	const char *name = file->path;
	struct guest_kernel_image k, loaded;
	if (bzimage_vmlinux_describe(file, &k, err) < 0)
		return -1;
	uint64_t ram_end = guest_memory_low_end(mem);
	if (k.reserved_end > ram_end)
		return error_set(err, "%s: the kernel needs guest RAM up to 0x%" PRIx64 " (its "
				 "vmlinux and init_size 0x%x) but RAM ends at 0x%" PRIx64, name,
				 k.reserved_end, k.setup_header.init_size, ram_end);
	/* The whole claim, which holds every segment, before anything is
	 * copied; elf_load itself then checks each segment against RAM. */
	if (image_list_check_free(list, k.image.load_paddr, k.reserved_end, name, "kernel",
				  err) < 0)
		return -1;
	struct image_file elf = bzimage_vmlinux_file(file);
	struct load_request at_link = { .protocol = KERNEL_BOOT_LINUX64 };
	if (elf_load(mem, NULL, &elf, &at_link, &loaded, err) < 0)
		return -1;
	struct image_record rec = {
		.kind = IMAGE_KIND_KERNEL, .origin = file->origin, .path = file->path,
		.image = k.image, .format = kernel_format_name(&k), .claim_end = k.reserved_end,
	};
	if (list && image_list_add(list, &rec, err) < 0)
		return -1;
	bzimage_vmlinux_release(file);
	*out = k;
	return 0;
}
