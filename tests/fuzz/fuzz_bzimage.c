/* libFuzzer target: bzimage_parse over arbitrary files (boot.rst).  Besides
 * the sanitizers, it checks the contract: a message naming the file on
 * error; on success a 64-bit Linux kernel whose protected-mode part lies
 * inside the file and whose claim covers it.  See tests/fuzz/fuzz.mk. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = { 0 };
	struct guest_kernel_image k;
	if (bzimage_parse(data, size, "fuzz", &k, &err) < 0) {
		if (strncmp(err.msg, "fuzz: ", 6) != 0)
			__builtin_trap();
		return 0;
	}
	if (k.format != KERNEL_FORMAT_BZIMAGE || k.image.size == 0 || k.image.size >= size ||
	    k.reserved_end < k.image.load_paddr ||
	    k.reserved_end - k.image.load_paddr < k.image.size)
		__builtin_trap();
	return 0;
}
