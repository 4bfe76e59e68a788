/* Runs every unit-test suite through one SRunner.  Check prints its summary
 * line ("100%: Checks: N, Failures: 0, Errors: 0"); the exit status is
 * non-zero when any check failed.
 *
 * The checks tagged UNIT_TAG_KVM need a usable /dev/kvm.  Check's own
 * CK_INCLUDE_TAGS / CK_EXCLUDE_TAGS choose when set (make unit-test runs the
 * rest here and the tagged ones where KVM is, tests/with-kvm.sh).  When
 * neither is set and /dev/kvm cannot be opened, the tagged checks are left
 * out with a "skip" line saying why, except under CI=true: there they run,
 * and fail, since a check that did not run never counts as passed.
 *
 * The checks tagged "virtiofsd" need root and Debian's virtiofsd; left
 * out the same way (a "did not run" line) where either is missing, and
 * run under CI=true, where they then fail (tests/with-virtiofsd.sh).
 *
 * To add a suite: write `Suite *NAME_suite(void)` in tests/unit/test_NAME.c
 * and add one line `X(NAME)` to UNIT_SUITES below. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "tests/unit/unit.h"

#define UNIT_SUITES(X)   \
	X(guest_memory)  \
	X(shared_ram)    \
	X(image_file)    \
	X(prefault)      \
	X(images)        \
	X(bzimage)       \
	X(bzimage_payload) \
	X(kernel_release)  \
	X(elf)           \
	X(elf_load)      \
	X(pvh_note)      \
	X(initrd)        \
	X(cpio)          \
	X(kernel_modinfo) \
	X(kernel_modules) \
	X(real_kernels)   \
	X(command_initramfs) \
	X(cmdline)       \
	X(e820)          \
	X(boot_params)   \
	X(dtb)           \
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
	X(vcpu_setup)    \
	X(acpi)          \
	X(aml)           \
	X(power_devices) \
	X(expect)        \
	X(console)       \
	X(console_watch) \
	X(run_report)    \
	X(json)          \
	X(interrupt)     \
	X(error)         \
	X(fw_cfg)        \
	X(pci)           \
	X(vmcore)        \
	X(virtio_console) \
	X(virtq)          \
	X(virtio_rng)     \
	X(virtio_blk)     \
	X(virtio_blk_open) \
	X(vhost_user)      \
	X(virtio_fs)       \
	X(virtiofsd)       \
	X(guest_command)   \
	X(guest_run)       \
	X(gdb_packet)      \
	X(gdb_regs)        \
	X(gdb_pagewalk)    \
	X(gdb_breakpoints) \
	X(seccomp)

#define UNIT_DECLARE(name) Suite *name##_suite(void);
UNIT_SUITES(UNIT_DECLARE)

#define UNIT_ENTRY(name) name##_suite,
static Suite *(*const unit_suites[])(void) = { UNIT_SUITES(UNIT_ENTRY) };

/* Why the checks tagged "virtiofsd" cannot run here (they need root and
 * Debian's virtiofsd), NULL when they can. */
static const char *unit_virtiofsd_problem(void)
{
	if (geteuid() != 0)
		return "they need root";
	const char *env = getenv("MINIVMM_VIRTIOFSD");
	if ((env && *env && access(env, X_OK) == 0) || access("/usr/lib/qemu/virtiofsd", X_OK) == 0 ||
	    access("/usr/libexec/virtiofsd", X_OK) == 0)
		return NULL;
	return "virtiofsd is not installed (Debian's qemu-system-common)";
}

/* The tags whose checks are to be left out, space-separated, else NULL. */
static const char *unit_exclude_tags(void)
{
	static char tags[64];
	if (getenv("CK_INCLUDE_TAGS") || getenv("CK_EXCLUDE_TAGS"))
		return NULL;
	const char *ci = getenv("CI");
	if (ci && strcmp(ci, "true") == 0)
		return NULL;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
	} else {
		printf("skip the checks tagged '%s': /dev/kvm is not usable here (%m); "
		       "make unit-test runs them in the KVM box\n", UNIT_TAG_KVM);
		strcat(tags, UNIT_TAG_KVM " ");
	}
	const char *why = unit_virtiofsd_problem();
	if (why) {
		printf("did not run the checks tagged 'virtiofsd': %s\n", why);
		strcat(tags, "virtiofsd");
	}
	return tags[0] ? tags : NULL;
}

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	for (size_t i = 0; i < sizeof(unit_suites) / sizeof(unit_suites[0]); i++)
		srunner_add_suite(sr, unit_suites[i]());
	srunner_run_tagged(sr, NULL, NULL, NULL, unit_exclude_tags(), CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
