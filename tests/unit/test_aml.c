/* Placeholder: filled in by the change that adds aml. */
#include "tests/unit/unit.h"

Suite *aml_suite(void)
{
	return suite_create("aml");
}
