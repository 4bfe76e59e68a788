/* /dev/kvm trouble is reported by cause, without a real /dev/kvm. */
#include <check.h>
#include <string.h>

#include "kvm/kvm.h"

START_TEST(missing_device_named)
{
	struct kvm_system sys;
	struct error err = { "" };
	ck_assert_int_lt(kvm_system_open(&sys, "/nonexistent/kvm", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/kvm does not exist"));
}
END_TEST

START_TEST(not_a_kvm_device)
{
	/* /dev/null opens but answers no KVM ioctl: the API version check fails. */
	struct kvm_system sys;
	struct error err = { "" };
	ck_assert_int_lt(kvm_system_open(&sys, "/dev/null", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "/dev/null: KVM API version -1, minivmm needs 12"));
	ck_assert_int_eq(sys.fd, -1);
}
END_TEST

Suite *kvm_system_suite(void)
{
	Suite *s = suite_create("kvm_system");
	TCase *t = tcase_create("kvm_system");
	tcase_add_test(t, missing_device_named);
	tcase_add_test(t, not_a_kvm_device);
	suite_add_tcase(s, t);
	return s;
}
