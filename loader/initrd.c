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
	/* Room between the kernel (rounded up to a page) and the top. */
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
		 uint64_t kernel_reserved_end, const char *name, uint64_t *addr,
		 struct error *err)
{
	if (size == 0)
		return error_set(err, "%s: initrd is empty", name);
	/* top: first byte the initrd must not reach.  initrd_addr_max is the
	 * highest byte address it may use, so its + 1 is an end; the compare
	 * first keeps UINT64_MAX from wrapping. */
	uint64_t top = initrd_addr_max >= low_ram_end ? low_ram_end : initrd_addr_max + 1;
	if (size > top)
		return initrd_no_room(size, top, kernel_reserved_end, name, err);
	uint64_t at = (top - size) & ~(INITRD_ALIGN - 1);
	if (at < kernel_reserved_end)
		return initrd_no_room(size, top, kernel_reserved_end, name, err);
	*addr = at;
	return 0;
}

int initrd_load(struct guest_memory *mem, const uint8_t *data, size_t size,
		const char *name, const struct guest_kernel_image *kernel,
		struct guest_image *out, struct error *err)
{
	const struct setup_header *hdr = &kernel->setup_header;
	uint64_t addr_max = hdr->version >= INITRD_V_ADDR_MAX ? hdr->initrd_addr_max
							       : INITRD_OLD_ADDR_MAX;
	uint64_t addr;
	if (initrd_place(size, guest_memory_low_end(mem), addr_max, kernel->reserved_end,
			 name, &addr, err) < 0)
		return -1;
	if (guest_memory_write(mem, addr, data, size) < 0)
		return error_set(err, "%s: cannot copy the initrd to 0x%" PRIx64, name, addr);
	out->load_paddr = addr;
	out->alignment = INITRD_ALIGN;
	out->size = size;
	return 0;
}
