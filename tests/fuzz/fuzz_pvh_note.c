/* libFuzzer target: pvh_note_find over arbitrary PT_NOTE bytes (Xen's
 * docs/misc/pvh.pandoc).  Besides the sanitizers, it checks the contract: 1,
 * 0 or -1, and a message naming the file on -1.  See tests/fuzz/fuzz.mk. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = { 0 };
	uint32_t entry = 0;
	int rc = pvh_note_find(data, size, "fuzz", &entry, &err);
	if (rc < -1 || rc > 1)
		__builtin_trap();
	if (rc < 0 && strncmp(err.msg, "fuzz: ", 6) != 0)
		__builtin_trap();
	return 0;
}
