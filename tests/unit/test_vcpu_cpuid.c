/* Placeholder: filled in by the change that adds vcpu_cpuid. */
#include "tests/unit/unit.h"

Suite *vcpu_cpuid_suite(void)
{
	return suite_create("vcpu_cpuid");
}
