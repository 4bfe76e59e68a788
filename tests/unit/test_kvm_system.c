/* /dev/kvm trouble is reported by cause, without a real /dev/kvm; and the
 * context API on a live vCPU, which needs one (skipped outside CI when it is
 * missing, a failure under CI=true, as tests/kvm-device.sh does). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/layout.h"
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

#define MSR_LSTAR 0xc0000082U   /* SDM Vol. 4: IA32_LSTAR, any canonical value */

START_TEST(context_on_a_live_vcpu)
{
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		const char *ci = getenv("CI");
		ck_assert_msg(!(ci && strcmp(ci, "true") == 0), "/dev/kvm is not usable (CI=true)");
		fprintf(stderr, "skip context_on_a_live_vcpu: /dev/kvm is not usable\n");
		return;
	}
	struct kvm_system sys;
	struct kvm_vm vm;
	struct kvm_vcpu vcpu;
	struct error err = { "" };
	struct kvm_vm_config cfg = {
		.ram_size = 16 << 20, .mmio_hole_start = LAYOUT_MMIO_HOLE_START,
		.mmio_hole_end = LAYOUT_MMIO_HOLE_END, .tss_addr = LAYOUT_TSS,
		.identity_map_addr = LAYOUT_IDENTITY_MAP,
	};
	ck_assert_msg(kvm_system_open(&sys, "/dev/kvm", &err) == 0, "%s", err.msg);
	ck_assert_msg(kvm_vm_create(&vm, &sys, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_msg(kvm_vcpu_create(&vcpu, &vm, 0, 1, &err) == 0, "%s", err.msg);

	uint64_t v = 0;
	ck_assert_msg(kvm_vcpu_set_reg(&vcpu, VCPU_REG_RAX, 0x1234567890abcdefULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(kvm_vcpu_set_reg(&vcpu, VCPU_REG_CR3, 0x9000, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(kvm_vcpu_get_reg(&vcpu, VCPU_REG_RAX, &v, &err), 0);
	ck_assert_uint_eq(v, 0x1234567890abcdefULL);
	ck_assert_int_eq(kvm_vcpu_get_reg(&vcpu, VCPU_REG_CR3, &v, &err), 0);
	ck_assert_uint_eq(v, 0x9000);
	/* Refused before KVM sees it, and the vCPU keeps its value. */
	ck_assert_int_eq(kvm_vcpu_set_reg(&vcpu, VCPU_REG_RFLAGS, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "rflags"));
	ck_assert_int_eq(kvm_vcpu_get_reg(&vcpu, VCPU_REG_RFLAGS, &v, &err), 0);
	ck_assert_uint_eq(v, 0x2);

	ck_assert_msg(kvm_vcpu_set_msr(&vcpu, MSR_LSTAR, 0xffffffff81000000ULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(kvm_vcpu_get_msr(&vcpu, MSR_LSTAR, &v, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(v, 0xffffffff81000000ULL);
	/* An MSR no CPU has. */
	ck_assert_int_eq(kvm_vcpu_get_msr(&vcpu, 0x4d494e49, &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "MSR 0x4d494e49"));

	kvm_vcpu_destroy(&vcpu);
	kvm_vm_destroy(&vm);
	kvm_system_close(&sys);
}
END_TEST

Suite *kvm_system_suite(void)
{
	Suite *s = suite_create("kvm_system");
	TCase *t = tcase_create("kvm_system");
	tcase_add_test(t, missing_device_named);
	tcase_add_test(t, not_a_kvm_device);
	tcase_add_test(t, context_on_a_live_vcpu);
	suite_add_tcase(s, t);
	return s;
}
