/* QEMU's pvpanic ISA device (docs/specs/pvpanic.rst, hw/misc/pvpanic.c): one
 * byte at LAYOUT_PORT_PVPANIC, announced in the DSDT as ACPI device
 * QEMU0001, where Linux's pvpanic-mmio driver finds it.  A read shows the
 * events the device recognises; the guest writes the event that happened
 * (Linux's UAPI <misc/pvpanic.h>):
 *
 *   PVPANIC_PANICKED      the kernel panicked: the VM ends with
 *                         EXIT_GUEST_CRASHED, "guest kernel panicked"
 *   PVPANIC_CRASH_LOADED  the kernel panicked and a kdump kernel takes over:
 *                         the guest must keep running; noted once on the log
 *
 * Other bits are ignored, as the spec asks of the device. */
#ifndef MINIVMM_VMM_DEVICES_PVPANIC_H
#define MINIVMM_VMM_DEVICES_PVPANIC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <misc/pvpanic.h>

#include "vmm/stop.h"

#define PVPANIC_PORTS  1
#define PVPANIC_EVENTS (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

struct pvpanic {
	struct vm_stop *stop;
	FILE *log;                  /* stderr; replaceable for tests */
	bool crash_loaded_noted;    /* serialized by the io_bus lock */
	bool stopped_vm;            /* PANICKED is what stopped the VM */
};

void pvpanic_init(struct pvpanic *p, struct vm_stop *stop);

/* io_bus handler for the one port; opaque is the struct pvpanic.  Only the
 * byte at the port is the device's: the other bytes of a wider access belong
 * to ports nobody owns (read as 0xff, writes dropped). */
void pvpanic_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
