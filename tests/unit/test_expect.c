/* Placeholder: filled in by the change that adds expect. */
#include "tests/unit/unit.h"

Suite *expect_suite(void)
{
	return suite_create("expect");
}
