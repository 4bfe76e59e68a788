/* Placeholder: filled in by the change that adds acpi. */
#include "tests/unit/unit.h"

Suite *acpi_suite(void)
{
	return suite_create("acpi");
}
