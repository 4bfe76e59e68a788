/* Placeholder: filled in by the change that adds power_devices. */
#include "tests/unit/unit.h"

Suite *power_devices_suite(void)
{
	return suite_create("power_devices");
}
