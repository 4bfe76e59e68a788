/* libFuzzer target: a bzImage's compressed payload (boot.rst
 * "payload_offset", "payload_length") decompressed on the host as the
 * loader does with Debian's libraries: gzip, bzip2, lzma, xz, lz4 (legacy
 * frame) and zstd, chosen by the magic, each stream followed by its
 * trailing le32 size (scripts/Makefile.lib size_append; gzip's own ISIZE).
 * The input is the payload; it is placed after a one-sector setup in a
 * file whose header declares it.  Besides the sanitizers, the contract:
 * success gives exactly the declared size, no more than allowed; a failure
 * names the file.  See tests/fuzz/fuzz.mk. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/x86.h"
#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a payload may decompress to here: far more than the seeds need
 * (the test guests' vmlinux is tens of KiB), little enough that each run
 * stays fast under ASan. */
#define FUZZ_PAYLOAD_MAX (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > UINT32_MAX - X86_BOOT_SETUP_SIZE(1))
		return 0;
	struct setup_header hdr = { .setup_sects = 1, .version = 0x020f,
				    .payload_offset = 0, .payload_length = (uint32_t)size };
	size_t setup = X86_BOOT_SETUP_SIZE(1);
	uint8_t *file = malloc(setup + size);
	if (!file)
		__builtin_trap();
	memset(file, 0, setup);
	memcpy(file + setup, data, size);
	struct error err = { 0 };
	struct bzimage_payload out;
	int rc = bzimage_payload_decompress(&hdr, file, setup + size, "fuzz", FUZZ_PAYLOAD_MAX, NULL,
					    0, &out, &err);
	if (rc < 0 && strncmp(err.msg, "fuzz: ", 6) != 0)
		__builtin_trap();
	if (rc > 0 && (out.size == 0 || out.size > FUZZ_PAYLOAD_MAX || out.size != (size_t)
		       (data[size - 4] | data[size - 3] << 8 | data[size - 2] << 16 |
			(uint32_t)data[size - 1] << 24)))
		__builtin_trap();
	if (rc == 0 && bzimage_payload_supported(out.format) && size != 0)
		__builtin_trap();
	bzimage_payload_free(&out);
	free(file);
	return 0;
}
