/* pvpanic as QEMU's hw/misc/pvpanic.c behaves and Linux's
 * drivers/misc/pvpanic/ expects: the driver reads the port once to learn
 * which events the device takes (pvpanic-mmio: ioread8, masked with its own
 * PVPANIC_PANICKED | PVPANIC_CRASH_LOADED), and on panic writes
 * PVPANIC_CRASH_LOADED when a kdump kernel is loaded, else PVPANIC_PANICKED. */
#include <string.h>

#include "vmm/devices/pvpanic.h"
#include "vmm/exit_status.h"

void pvpanic_init(struct pvpanic *p, struct vm_stop *stop)
{
	memset(p, 0, sizeof(*p));
	p->stop = stop;
	p->log = stderr;
}

static void pvpanic_event(struct pvpanic *p, uint8_t event)
{
	/* PANICKED first, as QEMU: a guest that sets both still needs the host
	 * to act. */
	if (event & PVPANIC_PANICKED) {
		if (vm_stop_request(p->stop, EXIT_GUEST_CRASHED, "guest kernel panicked"))
			p->stopped_vm = true;
		return;
	}
	/* The guest records the crash itself (docs/specs/pvpanic.rst bit 1:
	 * "the host should record it or report it, but should not affect the
	 * execution of the guest").  Said once: a guest can write it in a loop. */
	if ((event & PVPANIC_CRASH_LOADED) && !p->crash_loaded_noted) {
		p->crash_loaded_noted = true;
		fprintf(p->log, "minivmm: pvpanic: the guest reports a panic its crash kernel "
			"handles (CRASH_LOADED); the guest keeps running\n");
	}
}

void pvpanic_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct pvpanic *p = opaque;
	if (size == 0)
		return;
	if (is_write) {
		if (offset == 0)
			pvpanic_event(p, data[0]);
		return;
	}
	memset(data, 0xff, size);
	if (offset == 0)
		data[0] = PVPANIC_EVENTS;
}
