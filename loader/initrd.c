/* Initial ramdisk placement (boot.rst "ramdisk_image", "initrd_addr_max"):
 * as high as the kernel allows, page-aligned, above everything the kernel
 * claims while it starts.  High placement is what GRUB and QEMU do; it keeps
 * the initrd away from the kernel's decompression area below it. */
#include <inttypes.h>
#include <stdio.h>

#include "loader/loader.h"

#define INITRD_ALIGN 0x1000ULL
/* boot.rst "initrd_addr_max": before protocol 2.03 the field is absent and
 * the highest address is 0x37ffffff. */
#define INITRD_V_ADDR_MAX      0x0203
#define INITRD_OLD_ADDR_MAX    0x37ffffffULL

/* "300 MiB", "1.5 MiB", "12 KiB", "100 bytes": sizes as a person reads them. */
static const char *initrd_size_str(uint64_t size, char *buf, size_t len)
{
	if (size >= (1ULL << 20) && size % (1ULL << 20) == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", size >> 20);
	else if (size >= (1ULL << 20))
		snprintf(buf, len, "%.1f MiB", (double)size / (1 << 20));
	else if (size >= 1024 && size % 1024 == 0)
		snprintf(buf, len, "%" PRIu64 " KiB", size >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", size);
	return buf;
}

static int initrd_no_room(uint64_t size, uint64_t top, uint64_t reserved_end,
			  const char *name, struct error *err)
{
	/* Room between the kernel (rounded up to a page) and the top; other
	 * images in it may leave less. */
	uint64_t floor = reserved_end > UINT64_MAX - (INITRD_ALIGN - 1)
		? UINT64_MAX : (reserved_end + INITRD_ALIGN - 1) & ~(INITRD_ALIGN - 1);
	uint64_t room = top > floor ? top - floor : 0;
	char want[32], have[32];
	return error_set(err, "%s: initrd of %s does not fit in guest RAM below 0x%" PRIx64
			 " (room above the kernel: %s)", name,
			 initrd_size_str(size, want, sizeof(want)), top,
			 initrd_size_str(room, have, sizeof(have)));
}

int initrd_place(uint64_t size, uint64_t low_ram_end, uint64_t initrd_addr_max,
		 uint64_t floor, const struct image_list *list, const char *name,
		 uint64_t *addr, struct error *err)
{
	if (size == 0)
		return error_set(err, "%s: initrd is empty", name);
	/* top: first byte the initrd must not reach.  initrd_addr_max is the
	 * highest byte address it may use, so its + 1 is an end; the compare
	 * first keeps UINT64_MAX from wrapping. */
	uint64_t top = initrd_addr_max >= low_ram_end ? low_ram_end : initrd_addr_max + 1;
	if (size > top)
		return initrd_no_room(size, top, floor, name, err);
	/* Top down: below each image in the way, until one spot is free. */
	uint64_t at = (top - size) & ~(INITRD_ALIGN - 1);
	const struct image_record *in_the_way;
	while (at >= floor && (in_the_way = image_list_overlap(list, at, at + size))) {
		if (in_the_way->image.load_paddr < size)
			break;
		at = (in_the_way->image.load_paddr - size) & ~(INITRD_ALIGN - 1);
	}
	if (at < floor || image_list_overlap(list, at, at + size))
		return initrd_no_room(size, top, floor, name, err);
	*addr = at;
	return 0;
}

/* An address the caller chose, rounded up to the alignment. */
static int initrd_chosen_address(const struct load_request *req, const char *name,
				 uint64_t *addr, struct error *err)
{
	if (loader_check_alignment(req->alignment, name, err) < 0)
		return -1;
	uint64_t mask = (req->alignment ? req->alignment : INITRD_ALIGN) - 1;
	if (__builtin_add_overflow(req->load_address, mask, addr))
		return error_set(err, "%s: initrd address 0x%" PRIx64 " is out of range", name,
				 req->load_address);
	*addr &= ~mask;
	return 0;
}

int initrd_load(struct guest_memory *mem, struct image_list *list,
		const struct image_file *file, const struct guest_kernel_image *kernel,
		const struct load_request *req, struct guest_image *out, struct error *err)
{
	const char *name = file->path;
	const struct setup_header *hdr = &kernel->setup_header;
	uint64_t addr_max = hdr->version >= INITRD_V_ADDR_MAX ? hdr->initrd_addr_max
							       : INITRD_OLD_ADDR_MAX;
	uint64_t addr, size = file->size;
	if (!req->load_address) {
		if (initrd_place(size, guest_memory_low_end(mem), addr_max, kernel->reserved_end,
				 list, name, &addr, err) < 0)
			return -1;
	} else {
		if (initrd_chosen_address(req, name, &addr, err) < 0)
			return -1;
		if (!guest_memory_ptr(mem, addr, size))
			return error_set(err, "%s: initrd at [0x%" PRIx64 ", 0x%" PRIx64 ") is not "
					 "all guest RAM", name, addr, addr + size);
		if (addr + size - 1 > addr_max)
			return error_set(err, "%s: initrd at 0x%" PRIx64 " ends above the kernel's "
					 "initrd_addr_max 0x%" PRIx64, name, addr, addr_max);
		if (image_list_check_free(list, addr, addr + size, name, "initrd", err) < 0)
			return -1;
	}
	if (guest_memory_write(mem, addr, file->data, size) < 0)
		return error_set(err, "%s: cannot copy the initrd to 0x%" PRIx64, name, addr);
	out->load_paddr = addr;
	out->alignment = req->load_address && req->alignment ? req->alignment : INITRD_ALIGN;
	out->size = size;
	struct image_record rec = {
		.kind = IMAGE_KIND_INITRD, .origin = file->origin, .path = file->path,
		.image = *out, .claim_end = addr + size,
	};
	return list ? image_list_add(list, &rec, err) : 0;
}
