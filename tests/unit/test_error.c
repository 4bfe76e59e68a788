/* Error kinds (common/error.h): what the user can fix (exit 2) against what
 * failed on the host (exit 8), checked where it can be without /dev/kvm. */
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <check.h>

#include "boot/layout.h"
#include "common/error.h"
#include "tests/unit/unit.h"
#include "kvm/kvm.h"

START_TEST(kinds_follow_the_setter)
{
	struct error err = { 0 };
	ck_assert_int_eq(err.kind, ERROR_USER);
	ck_assert_int_eq(error_set_host(&err, "KVM_%s failed", "CREATE_VM"), -1);
	ck_assert_int_eq(err.kind, ERROR_HOST);
	ck_assert_str_eq(err.msg, "KVM_CREATE_VM failed");
	/* The last error set is the one reported, kind and all. */
	ck_assert_int_eq(error_set(&err, "bad %s", "image"), -1);
	ck_assert_int_eq(err.kind, ERROR_USER);
	struct error wrapped = { 0 };
	error_set_host(&err, "out of memory");
	ck_assert_int_eq(error_set_as(&wrapped, err.kind, "vmlinux: %s", err.msg), -1);
	ck_assert_int_eq(wrapped.kind, ERROR_HOST);
	ck_assert_str_eq(wrapped.msg, "vmlinux: out of memory");
	ck_assert_int_eq(error_set_host(NULL, "nowhere"), -1);
}
END_TEST

/* Guest RAM the address space cannot hold (RLIMIT_AS, in a child of its
 * own): the mmap fails with ENOMEM, a host failure naming the call, not
 * the user's bad input. */
static int map_ram_beyond_limit(void)
{
	struct rlimit lim = { 256ULL << 20, 256ULL << 20 };
	if (setrlimit(RLIMIT_AS, &lim) < 0)
		return 10;
	struct kvm_vm vm;
	struct kvm_vm_config cfg = {
		.ram_size = 1ULL << 30,
		.mmio_hole_start = LAYOUT_MMIO_HOLE_START,
		.mmio_hole_end = LAYOUT_MMIO_HOLE_END,
	};
	struct error err = { 0 };
	if (kvm_vm_map_ram(&vm, &cfg, &err) == 0)
		return 11;
	if (err.kind != ERROR_HOST)
		return 12;
	if (!strstr(err.msg, "mmap of 1024 MiB of guest RAM failed: "))
		return 13;
	return 0;
}

START_TEST(guest_ram_beyond_the_address_space_is_a_host_failure)
{
	ck_assert_int_eq(test_run_in_child(map_ram_beyond_limit), 0);
}
END_TEST

Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *t = tcase_create("error");
	tcase_add_test(t, kinds_follow_the_setter);
	tcase_add_test(t, guest_ram_beyond_the_address_space_is_a_host_failure);
	suite_add_tcase(s, t);
	return s;
}
