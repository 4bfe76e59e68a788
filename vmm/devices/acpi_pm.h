/* The hardware-reduced ACPI platform's power registers (ACPI 6.4 §4.8.3.7
 * "Sleep Control and Status Registers", §4.8.3.6 "Reset Register"), three
 * byte-wide I/O ports at LAYOUT_PORT_ACPI_PM that the FADT's
 * SLEEP_CONTROL_REG, SLEEP_STATUS_REG and RESET_REG point at
 * (boot/acpi_*.c):
 *
 *   sleep control  SLP_EN with SLP_TYP 5 (\_S5, soft off) ends the VM with
 *                  EXIT_GUEST_OFF; SLP_EN with another sleep type, a state
 *                  the DSDT does not offer, is noted once on the log and
 *                  answered as an immediate wake (WAK_STS set); writes
 *                  without SLP_EN do nothing.  Reads 0.
 *   sleep status   WAK_STS (bit 7), write 1 to clear.
 *   reset          ACPI_RESET_VALUE ends the VM with EXIT_GUEST_OFF, as
 *                  every reset does; other values do nothing.  Reads 0. */
#ifndef MINIVMM_VMM_DEVICES_ACPI_PM_H
#define MINIVMM_VMM_DEVICES_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/stop.h"

/* Register offsets from the device's base (boot/layout.h). */
#define ACPI_PM_SLEEP_CONTROL 0
#define ACPI_PM_SLEEP_STATUS  1
#define ACPI_PM_RESET         2
#define ACPI_PM_PORTS         3

struct acpi_pm {
	struct vm_stop *stop;
	FILE *log;                  /* stderr; replaceable for tests */
	/* Serialized by the io_bus lock, like every device's registers. */
	uint8_t sleep_status;       /* WAK_STS or 0 */
	bool other_sleep_noted;     /* the unsupported-state note was said */
};

void acpi_pm_init(struct acpi_pm *pm, struct vm_stop *stop);

/* io_bus handler for the ACPI_PM_PORTS ports; opaque is the struct acpi_pm.
 * Each register is one byte: a wider access is taken byte by byte, as an
 * 8-bit ISA device sees it, and bytes past the last register read as 0xff. */
void acpi_pm_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
