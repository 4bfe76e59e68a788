/* libFuzzer target: bzimage_parse and bzimage_load over arbitrary files
 * (boot.rst), loading into 64 MiB of fake guest RAM (fuzz_loader.h) with
 * no image list.  Besides the sanitizers, it checks the contract: a message
 * naming the file on error; on success a 64-bit Linux kernel whose
 * protected-mode part lies inside the file and whose claim covers it; a
 * load at code32_start, or at the address asked for rounded up to the
 * alignment, inside RAM with its whole claim, holding the file's
 * protected-mode part.
 *
 * The load request comes from the legacy boot sector's bytes 2-4, which
 * the boot protocol leaves to real-mode code and the parser never reads:
 * bytes 2-3 the load address in pages (up to 256 MiB, past RAM on
 * purpose), byte 4 the alignment as a shift (0: the image's own; shifts
 * below 12 are refused).  See tests/fuzz/fuzz.mk. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "loader/loader.h"
#include "tests/fuzz/fuzz_loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = { 0 };
	struct guest_kernel_image k;
	if (bzimage_parse(data, size, "fuzz", &k, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	if (k.format != KERNEL_FORMAT_BZIMAGE || k.image.size == 0 || k.image.size >= size ||
	    k.reserved_end < k.image.load_paddr ||
	    k.reserved_end - k.image.load_paddr < k.image.size)
		__builtin_trap();

	struct load_request req = { .protocol = KERNEL_BOOT_AUTO };
	req.load_address = (uint64_t)(data[2] | data[3] << 8) * LOADER_PAGE_SIZE;
	if (data[4])
		req.alignment = 1ULL << (data[4] & 63);
	struct image_file file = { .path = "fuzz", .origin = IMAGE_ORIGIN_CLIENT,
				   .data = (uint8_t *)data, .size = size };
	struct guest_memory *mem = fuzz_ram();
	struct guest_kernel_image l;
	if (bzimage_load(mem, NULL, &file, &req, &l, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	uint64_t at = l.image.load_paddr;
	const uint8_t *p = guest_memory_ptr(mem, at, l.image.size);
	if (l.image.size != k.image.size ||
	    (req.load_address && (at < req.load_address || (at & (l.image.alignment - 1)))) ||
	    (!req.load_address && at != k.image.load_paddr) ||
	    l.reserved_end < at + l.image.size ||
	    l.reserved_end > guest_memory_low_end(mem) || !p ||
	    memcmp(p, data + size - l.image.size, l.image.size) != 0)
		__builtin_trap();
	return 0;
}
