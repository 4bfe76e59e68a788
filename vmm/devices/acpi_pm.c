/* What the guest does with these registers is Linux's
 * drivers/acpi/acpica/hwesleep.c: acpi_hw_extended_sleep clears WAK_STS
 * (writes it to the status register), writes (SLP_TYP << 2) | SLP_EN to the
 * control register, then polls the status register until WAK_STS is set;
 * acpi_hw_extended_wake clears WAK_STS again.  acpi_reset writes RESET_VALUE
 * to RESET_REG. */
#include <string.h>

#include "boot/boot.h"
#include "vmm/devices/acpi_pm.h"
#include "vmm/exit_status.h"

_Static_assert(LAYOUT_PORT_ACPI_SLEEP_CONTROL == LAYOUT_PORT_ACPI_PM + ACPI_PM_SLEEP_CONTROL &&
	       LAYOUT_PORT_ACPI_SLEEP_STATUS == LAYOUT_PORT_ACPI_PM + ACPI_PM_SLEEP_STATUS &&
	       LAYOUT_PORT_ACPI_RESET == LAYOUT_PORT_ACPI_PM + ACPI_PM_RESET &&
	       LAYOUT_PORT_ACPI_PM_LEN == ACPI_PM_PORTS,
	       "the layout's ACPI ports are the device's registers");

void acpi_pm_init(struct acpi_pm *pm, struct vm_stop *stop)
{
	memset(pm, 0, sizeof(*pm));
	pm->stop = stop;
	pm->log = stderr;
}

static void acpi_pm_sleep_control(struct acpi_pm *pm, uint8_t v)
{
	if (!(v & ACPI_SLEEP_CONTROL_SLP_EN))
		return;   /* SLP_TYP alone starts nothing (§4.8.3.7) */
	unsigned type = (v & ACPI_SLEEP_CONTROL_SLP_TYP_MASK) >> ACPI_SLEEP_CONTROL_SLP_TYP_SHIFT;
	if (type == ACPI_SLEEP_TYPE_S5) {
		vm_stop_request(pm->stop, EXIT_GUEST_OFF, "guest powered off (ACPI S5)");
		return;
	}
	if (!pm->other_sleep_noted) {
		pm->other_sleep_noted = true;
		fprintf(pm->log, "minivmm: guest asked for ACPI sleep type %u, which minivmm does "
			"not offer (only S5, power off); the guest keeps running\n", type);
	}
	/* No sleep happened: report a wake at once, or the guest's wait for
	 * WAK_STS (acpi_hw_extended_sleep) would never end. */
	pm->sleep_status |= ACPI_SLEEP_STATUS_WAK_STS;
}

static void acpi_pm_write(struct acpi_pm *pm, unsigned reg, uint8_t v)
{
	switch (reg) {
	case ACPI_PM_SLEEP_CONTROL:
		acpi_pm_sleep_control(pm, v);
		break;
	case ACPI_PM_SLEEP_STATUS:
		/* Write 1 to clear; the reserved bits 0-6 hold nothing. */
		pm->sleep_status &= (uint8_t)~(v & ACPI_SLEEP_STATUS_WAK_STS);
		break;
	case ACPI_PM_RESET:
		if (v == ACPI_RESET_VALUE)
			vm_stop_request(pm->stop, EXIT_GUEST_OFF, "guest reset (ACPI reset register)");
		break;
	default:
		break;
	}
}

static uint8_t acpi_pm_read(struct acpi_pm *pm, unsigned reg)
{
	switch (reg) {
	case ACPI_PM_SLEEP_CONTROL:
	case ACPI_PM_RESET:
		return 0;   /* write-only registers */
	case ACPI_PM_SLEEP_STATUS:
		return pm->sleep_status;
	default:
		return 0xff;
	}
}

void acpi_pm_io(void *opaque, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct acpi_pm *pm = opaque;
	for (uint32_t i = 0; i < size; i++) {
		unsigned reg = (unsigned)offset + i;
		if (is_write)
			acpi_pm_write(pm, reg, data[i]);
		else
			data[i] = acpi_pm_read(pm, reg);
	}
}
