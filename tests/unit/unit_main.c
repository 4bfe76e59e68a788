/* Runs every unit-test suite through one SRunner.  Check prints its summary
 * line ("100%: Checks: N, Failures: 0, Errors: 0"); the exit status is
 * non-zero when any check failed.
 *
 * To add a suite: write `Suite *NAME_suite(void)` in tests/unit/test_NAME.c
 * and add one line `X(NAME)` to UNIT_SUITES below. */
#include <stdlib.h>

#include <check.h>

#define UNIT_SUITES(X)   \
	X(guest_memory)  \
	X(image_file)    \
	X(images)        \
	X(bzimage)       \
	X(bzimage_payload) \
	X(elf)           \
	X(elf_load)      \
	X(pvh_note)      \
	X(initrd)        \
	X(cmdline)       \
	X(e820)          \
	X(boot_params)   \
	X(page_tables)   \
	X(gdt)           \
	X(vcpu_state)    \
	X(pvh)           \
	X(options)       \
	X(serial)        \
	X(devices)       \
	X(kvm_system)    \
	X(vcpu_context)  \
	X(vcpu_cpuid)    \
	X(acpi)          \
	X(aml)           \
	X(power_devices) \
	X(expect)        \
	X(run_report)    \
	X(json)          \
	X(interrupt)     \
	X(fw_cfg)        \
	X(vmcore)

#define UNIT_DECLARE(name) Suite *name##_suite(void);
UNIT_SUITES(UNIT_DECLARE)

#define UNIT_ENTRY(name) name##_suite,
static Suite *(*const unit_suites[])(void) = { UNIT_SUITES(UNIT_ENTRY) };

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	for (size_t i = 0; i < sizeof(unit_suites) / sizeof(unit_suites[0]); i++)
		srunner_add_suite(sr, unit_suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
