/* boot_vcpu_setup_build (boot/vcpu_setup.c): the state every vCPU starts
 * with besides its registers, decided as data without /dev/kvm: the CPUID
 * (as boot_vcpu_cpuid_adjust makes it), XCR0 from leaf 0xD, the MSR list,
 * the LINT pins and the FPU. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "common/x86.h"
#include "tests/unit/unit.h"

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* A supported table of n entries. */
static struct kvm_cpuid2 *table(const struct kvm_cpuid_entry2 *entries, uint32_t n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	ck_assert_ptr_nonnull(c);
	c->nent = n;
	memcpy(c->entries, entries, n * sizeof(c->entries[0]));
	return c;
}
#define TABLE(a) table((a), sizeof(a) / sizeof((a)[0]))

/* Leaf 0xD.0 offers x87, SSE, AVX, MPX (3-4), AVX-512 (5-7), PKRU (9) and
 * AMX (17-18), and a bit 32 (EDX bit 0) no user state has; subleaf 1 comes
 * first and must not be taken for it. */
static const struct kvm_cpuid_entry2 intel_like[] = {
	{ .function = 0, .eax = 0xd },
	{ .function = 1, .eax = 0x000906ea, .ebx = 0x00100800, .ecx = 0x7ffafbff, .edx = 0xbfebfbff },
	{ .function = 0xd, .index = 1, .flags = SIG, .eax = 0xf, .edx = 0 },
	{ .function = 0xd, .index = 0, .flags = SIG, .eax = 0x000602ff, .ebx = 0x340,
	  .ecx = 0x2b00, .edx = 1 },
	{ .function = 0x80000000, .eax = 0x80000008 },
};

START_TEST(cpuid_adjusted_as_boot_vcpu_cpuid_adjust_does)
{
	struct kvm_cpuid2 *supported = TABLE(intel_like);
	for (int index = 0; index < 3; index++) {
		struct kvm_vcpu_setup setup;
		struct error err = { 0 };
		bool tsc_deadline = index != 1;
		ck_assert_msg(boot_vcpu_setup_build(&setup, supported, index, 3, tsc_deadline,
						    &err) == 0, "%s", err.msg);
		ck_assert_ptr_nonnull(setup.cpuid);

		/* The same table boot_vcpu_cpuid_adjust makes of a copy. */
		uint32_t cap = supported->nent + BOOT_VCPU_CPUID_EXTRA_ENTRIES;
		struct kvm_cpuid2 *want = calloc(1, sizeof(*want) + cap * sizeof(want->entries[0]));
		ck_assert_ptr_nonnull(want);
		memcpy(want, supported, sizeof(*supported) + supported->nent * sizeof(want->entries[0]));
		ck_assert_int_eq(boot_vcpu_cpuid_adjust(want, cap, index, 3, tsc_deadline), 0);
		ck_assert_uint_eq(setup.cpuid->nent, want->nent);
		ck_assert_mem_eq(setup.cpuid->entries, want->entries,
				 want->nent * sizeof(want->entries[0]));
		/* Leaf 1 says whose it is; the hypervisor bit and TSC-deadline. */
		ck_assert_uint_eq(setup.cpuid->entries[1].ebx >> 24, (uint32_t)index);
		ck_assert(setup.cpuid->entries[1].ecx & (1u << 31));
		ck_assert_uint_eq(!!(setup.cpuid->entries[1].ecx & (1u << 24)), tsc_deadline);
		free(want);
		boot_vcpu_setup_free(&setup);
		ck_assert_ptr_null(setup.cpuid);
	}
	/* The supported table stays as KVM gave it, for the next vCPU. */
	ck_assert_uint_eq(supported->nent, sizeof(intel_like) / sizeof(intel_like[0]));
	ck_assert_mem_eq(supported->entries, intel_like, sizeof(intel_like));
	free(supported);
}
END_TEST

START_TEST(xcr0_from_leaf_0xd)
{
	struct kvm_vcpu_setup setup;
	struct error err = { 0 };
	/* User states only: x87, SSE, AVX, AVX-512, PKRU; not MPX, AMX or
	 * what EDX offers. */
	struct kvm_cpuid2 *c = TABLE(intel_like);
	ck_assert_int_eq(boot_vcpu_setup_build(&setup, c, 0, 1, false, &err), 0);
	ck_assert_uint_eq(setup.xcr0, 0x2e7);
	boot_vcpu_setup_free(&setup);

	/* x87 and SSE only: just those. */
	c->entries[3].eax = 0x3;
	c->entries[3].edx = 0;
	ck_assert_int_eq(boot_vcpu_setup_build(&setup, c, 0, 1, false, &err), 0);
	ck_assert_uint_eq(setup.xcr0, 0x3);
	boot_vcpu_setup_free(&setup);
	free(c);

	/* No leaf 0xD at all: 0, XCR0 left as reset has it. */
	static const struct kvm_cpuid_entry2 no_xsave[] = {
		{ .function = 0, .eax = 1 },
		{ .function = 1, .eax = 0x000906ea },
	};
	c = TABLE(no_xsave);
	ck_assert_int_eq(boot_vcpu_setup_build(&setup, c, 0, 1, false, &err), 0);
	ck_assert_uint_eq(setup.xcr0, 0);
	boot_vcpu_setup_free(&setup);
	free(c);
}
END_TEST

START_TEST(msr_list)
{
	static const struct { uint32_t index; uint64_t value; } want[] = {
		{ X86_MSR_SYSENTER_CS, 0 },
		{ X86_MSR_SYSENTER_ESP, 0 },
		{ X86_MSR_SYSENTER_EIP, 0 },
		{ X86_MSR_STAR, 0 },
		{ X86_MSR_CSTAR, 0 },
		{ X86_MSR_KERNEL_GS_BASE, 0 },
		{ X86_MSR_SYSCALL_MASK, 0 },
		{ X86_MSR_LSTAR, 0 },
		{ X86_MSR_TSC, 0 },
		{ X86_MSR_MISC_ENABLE, 0x1 },     /* fast strings */
		{ X86_MSR_MTRR_DEF_TYPE, 0x806 }, /* MTRRs on, write-back */
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	struct kvm_cpuid2 *c = TABLE(intel_like);
	struct kvm_vcpu_setup setup;
	struct error err = { 0 };
	ck_assert_int_eq(boot_vcpu_setup_build(&setup, c, 0, 1, false, &err), 0);
	ck_assert_uint_eq(setup.nmsrs, N);
	ck_assert_uint_le(setup.nmsrs, KVM_VCPU_SETUP_MAX_MSRS);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(setup.msrs[i].index, want[i].index);
		ck_assert_uint_eq(setup.msrs[i].data, want[i].value);
		ck_assert_uint_eq(setup.msrs[i].reserved, 0);
	}
	boot_vcpu_setup_free(&setup);
	free(c);
}
END_TEST

START_TEST(lint_pins_and_fpu)
{
	struct kvm_cpuid2 *c = TABLE(intel_like);
	struct kvm_vcpu_setup setup;
	struct error err = { 0 };
	ck_assert_int_eq(boot_vcpu_setup_build(&setup, c, 0, 1, false, &err), 0);
	/* Virtual wire: the PIC on LINT0 (ExtINT, 111b), NMIs on LINT1 (100b). */
	ck_assert_uint_eq(setup.lint0_delivery, 0x700);
	ck_assert_uint_eq(setup.lint1_delivery, 0x400);
	/* FNINIT's control word, MXCSR's reset value, nothing else. */
	struct kvm_fpu want = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	ck_assert_mem_eq(&setup.fpu, &want, sizeof(want));
	boot_vcpu_setup_free(&setup);
	free(c);
}
END_TEST

START_TEST(refuses_bad_index_with_nothing_to_free)
{
	struct kvm_cpuid2 *c = TABLE(intel_like);
	struct kvm_vcpu_setup setup;
	struct error err = { 0 };
	ck_assert_int_eq(boot_vcpu_setup_build(&setup, c, 2, 2, false, &err), -1);
	ck_assert_str_eq(err.msg, "vCPU 2 of 2: cannot build its CPUID");
	ck_assert_ptr_null(setup.cpuid);
	boot_vcpu_setup_free(&setup);
	ck_assert_int_eq(boot_vcpu_setup_build(&setup, c, 0, 0, false, &err), -1);
	ck_assert_ptr_null(setup.cpuid);
	free(c);
}
END_TEST

Suite *vcpu_setup_suite(void)
{
	Suite *s = suite_create("vcpu_setup");
	TCase *t = tcase_create("vcpu_setup");
	tcase_add_test(t, cpuid_adjusted_as_boot_vcpu_cpuid_adjust_does);
	tcase_add_test(t, xcr0_from_leaf_0xd);
	tcase_add_test(t, msr_list);
	tcase_add_test(t, lint_pins_and_fpu);
	tcase_add_test(t, refuses_bad_index_with_nothing_to_free);
	suite_add_tcase(s, t);
	return s;
}
