/* Placeholder: filled in by the change that adds vmcore. */
#include "tests/unit/unit.h"

Suite *vmcore_suite(void)
{
	return suite_create("vmcore");
}
