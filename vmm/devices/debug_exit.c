#include <string.h>

#include "vmm/devices/debug_exit.h"
#include "vmm/stop.h"

void debug_exit_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	(void)offset;
	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	uint32_t v = 0;
	memcpy(&v, data, size > sizeof(v) ? sizeof(v) : size);
	/* exit(3) keeps the low 8 bits, as QEMU's does. */
	int status = (int)(((v << 1) | 1) & 0xff);
	vm_stop_request(opaque, status, "guest wrote 0x%x to the debug-exit port: exit status %d",
			v, status);
}
