/* Raw images (--load FILE@ADDR): headerless bytes copied to exactly the
 * address the user gave (Arm Iris Developer Guide, ARM 101196, §4.7.1 raw
 * mode: rawAddr). */
#include <inttypes.h>

#include "loader/loader.h"

int raw_load(struct guest_memory *mem, struct image_list *list, const struct image_file *file,
	     uint64_t addr, struct guest_image *out, struct error *err)
{
	const char *name = file->path;
	uint64_t end;
	if (__builtin_add_overflow(addr, (uint64_t)file->size, &end))
		return error_set(err, "%s: raw image at 0x%" PRIx64 " runs past the end of the "
				 "address space", name, addr);
	if (!guest_memory_ptr(mem, addr, file->size))
		return error_set(err, "%s: raw image at [0x%" PRIx64 ", 0x%" PRIx64 ") is not all "
				 "guest RAM", name, addr, end);
	if (image_list_check_free(list, addr, end, name, "raw image", err) < 0)
		return -1;
	guest_memory_write(mem, addr, file->data, file->size);  /* checked just above */
	*out = (struct guest_image){ .load_paddr = addr, .alignment = 1, .size = file->size };
	struct image_record rec = {
		.kind = IMAGE_KIND_RAW, .origin = file->origin, .path = file->path,
		.image = *out, .claim_end = end, .has_raw_addr = true, .raw_addr = addr,
	};
	return list ? image_list_add(list, &rec, err) : 0;
}
