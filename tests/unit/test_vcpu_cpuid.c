/* boot_vcpu_cpuid_adjust (boot/vcpu_cpuid.c): the CPUID each vCPU sees
 * describes one package of ncpus cores, one thread each, APIC ID = index,
 * on an Intel-shaped and an AMD-shaped table as KVM_GET_SUPPORTED_CPUID
 * gives them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "tests/unit/unit.h"

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* Registers of a host-like table; the bits the adjustment must keep are set
 * in the fields it rewrites' neighbours. */
static const struct kvm_cpuid_entry2 fake_entries[] = {
	{ .function = 0, .eax = 0x1f },
	{ .function = 1, .eax = 0x000906ea, .ebx = 0x07100800, .ecx = 0x7ffafbff, .edx = 0xbfebfbff },
	/* leaf 4: L1d, L1i, L2, L3, end; host says 8 cores, 2 threads share */
	{ .function = 4, .index = 0, .flags = SIG, .eax = 0x1c004121, .ebx = 0x01c0003f, .ecx = 0x3f },
	{ .function = 4, .index = 1, .flags = SIG, .eax = 0x1c004122, .ebx = 0x01c0003f, .ecx = 0x3f },
	{ .function = 4, .index = 2, .flags = SIG, .eax = 0x1c004143, .ebx = 0x00c0003f, .ecx = 0x3ff },
	{ .function = 4, .index = 3, .flags = SIG, .eax = 0x1c03c163, .ebx = 0x02c0003f, .ecx = 0x2fff },
	{ .function = 4, .index = 4, .flags = SIG, .eax = 0 },
	{ .function = 6, .eax = 0x4, .ecx = 0x9 },
	/* The host's own topology: 2 threads per core, 16 logical. */
	{ .function = 0xb, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 7 },
	{ .function = 0xb, .index = 1, .flags = SIG, .eax = 4, .ebx = 16, .ecx = 0x201, .edx = 7 },
	{ .function = 0x1f, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 7 },
	{ .function = 0x1f, .index = 1, .flags = SIG, .eax = 4, .ebx = 16, .ecx = 0x201, .edx = 7 },
	{ .function = 0x1f, .index = 2, .flags = SIG, .eax = 0, .ebx = 0, .ecx = 0x2, .edx = 7 },
	{ .function = 0x80000000, .eax = 0x80000021 },
	{ .function = 0x80000008, .eax = 0x3030, .ecx = 0x00037007 },
	/* AMD cache topology: L1d, L1i, L2, L3 shared by 16, end */
	{ .function = 0x8000001d, .index = 0, .flags = SIG, .eax = 0x00004121 },
	{ .function = 0x8000001d, .index = 1, .flags = SIG, .eax = 0x00004122 },
	{ .function = 0x8000001d, .index = 2, .flags = SIG, .eax = 0x00004143 },
	{ .function = 0x8000001d, .index = 3, .flags = SIG, .eax = 0x0003c163 },
	{ .function = 0x8000001d, .index = 4, .flags = SIG, .eax = 0 },
	{ .function = 0x8000001e, .eax = 9, .ebx = 0x0104, .ecx = 0x0302 },
};
#define FAKE_N (sizeof(fake_entries) / sizeof(fake_entries[0]))
#define CAPACITY (FAKE_N + BOOT_VCPU_CPUID_EXTRA_ENTRIES)

static struct kvm_cpuid2 *fake_cpuid(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CAPACITY * sizeof(c->entries[0]));
	ck_assert_ptr_nonnull(c);
	memcpy(c->entries, fake_entries, sizeof(fake_entries));
	c->nent = FAKE_N;
	return c;
}

/* The only entry for (fn, index); fails the test when there is not exactly one. */
static const struct kvm_cpuid_entry2 *entry(const struct kvm_cpuid2 *c, uint32_t fn,
					    uint32_t index)
{
	const struct kvm_cpuid_entry2 *found = NULL;
	for (uint32_t i = 0; i < c->nent; i++) {
		if (c->entries[i].function != fn || c->entries[i].index != index)
			continue;
		ck_assert_msg(!found, "two entries for leaf 0x%x.%u", fn, index);
		found = &c->entries[i];
	}
	ck_assert_msg(found != NULL, "no entry for leaf 0x%x.%u", fn, index);
	return found;
}

static uint32_t count_leaf(const struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nent; i++)
		n += c->entries[i].function == fn;
	return n;
}

static void check_topology_leaf(const struct kvm_cpuid2 *c, uint32_t fn, int index, int ncpus,
				int shift)
{
	ck_assert_uint_eq(count_leaf(c, fn), 3);
	const struct kvm_cpuid_entry2 *smt = entry(c, fn, 0), *core = entry(c, fn, 1),
				      *end = entry(c, fn, 2);
	/* SMT level: no bits, one thread per core. */
	ck_assert_uint_eq(smt->eax, 0);
	ck_assert_uint_eq(smt->ebx, 1);
	ck_assert_uint_eq(smt->ecx, 0x100);
	/* Core level: the package's cores. */
	ck_assert_uint_eq(core->eax, (uint32_t)shift);
	ck_assert_uint_eq(core->ebx, (uint32_t)ncpus);
	ck_assert_uint_eq(core->ecx, 0x201);
	/* The invalid level ends the list, still echoing the subleaf. */
	ck_assert_uint_eq(end->eax, 0);
	ck_assert_uint_eq(end->ebx, 0);
	ck_assert_uint_eq(end->ecx, 2);
	for (const struct kvm_cpuid_entry2 *e = smt; e; e = e == smt ? core : e == core ? end : NULL) {
		ck_assert_uint_eq(e->edx, (uint32_t)index);
		ck_assert_uint_eq(e->flags, SIG);
	}
}

/* Every leaf for one vCPU of ncpus. */
static void check_vcpu(int index, int ncpus, int shift, bool tsc_deadline)
{
	struct kvm_cpuid2 *c = fake_cpuid();
	ck_assert_int_eq(boot_vcpu_cpuid_adjust(c, CAPACITY, index, ncpus, tsc_deadline), 0);
	uint32_t ids = 1u << shift;   /* addressable IDs in the package */

	const struct kvm_cpuid_entry2 *l1 = entry(c, 1, 0);
	ck_assert_uint_eq(l1->eax, 0x000906ea);
	ck_assert_uint_eq(l1->ebx >> 24, (uint32_t)index);
	ck_assert_uint_eq((l1->ebx >> 16) & 0xff, ids > 0xff ? 0xff : ids);
	ck_assert_uint_eq(l1->ebx & 0xffff, 0x0800);          /* CLFLUSH size kept */
	ck_assert_uint_eq(!!(l1->edx & (1u << 28)), ncpus > 1); /* HTT */
	ck_assert_uint_eq(l1->edx & ~(1u << 28), 0xbfebfbff & ~(1u << 28));
	ck_assert(l1->ecx & (1u << 31));                       /* hypervisor */
	ck_assert_uint_eq(!!(l1->ecx & (1u << 24)), tsc_deadline);
	ck_assert_uint_eq(l1->ecx & ~((1u << 31) | (1u << 24)), 0x7ffafbff & ~(1u << 24));

	/* Leaf 4: addressable cores, per-core L1/L2, package-wide L3. */
	for (uint32_t sub = 0; sub < 4; sub++) {
		uint32_t eax = entry(c, 4, sub)->eax;
		ck_assert_uint_eq(eax >> 26, ids - 1 > 63 ? 63 : ids - 1);
		ck_assert_uint_eq((eax >> 14) & 0xfff, sub < 3 ? 0 : ids - 1);
		ck_assert_uint_eq(eax & 0x3fff, fake_entries[2 + sub].eax & 0x3fff);
	}
	ck_assert_uint_eq(entry(c, 4, 4)->eax, 0);

	ck_assert_uint_eq(entry(c, 6, 0)->ecx, 0x1);   /* EPB (bit 3) cleared */

	check_topology_leaf(c, 0xb, index, ncpus, shift);
	check_topology_leaf(c, 0x1f, index, ncpus, shift);

	/* AMD: cores - 1 and the APIC ID bits for them; PerfTscSize kept. */
	uint32_t ecx8 = entry(c, 0x80000008, 0)->ecx;
	ck_assert_uint_eq(ecx8 & 0xff, (uint32_t)ncpus - 1);
	ck_assert_uint_eq((ecx8 >> 12) & 0xf, (uint32_t)shift);
	ck_assert_uint_eq(ecx8 & ~0xf0ffu, 0x00030000);
	for (uint32_t sub = 0; sub < 4; sub++)
		ck_assert_uint_eq((entry(c, 0x8000001d, sub)->eax >> 14) & 0xfff,
				  sub < 3 ? 0 : ids - 1);
	const struct kvm_cpuid_entry2 *e1e = entry(c, 0x8000001e, 0);
	ck_assert_uint_eq(e1e->eax, (uint32_t)index);
	ck_assert_uint_eq(e1e->ebx, (uint32_t)index & 0xff);   /* 1 thread per core */
	ck_assert_uint_eq(e1e->ecx, 0);                        /* node 0 of 1 */

	/* Nothing else came or went: 0xB lost one subleaf's worth and gained
	 * the end marker, 0x1F kept its count. */
	ck_assert_uint_eq(c->nent, FAKE_N + 1);
	free(c);
}

START_TEST(core_shift)
{
	static const int want[][2] = {
		{ 1, 0 }, { 2, 1 }, { 3, 2 }, { 4, 2 }, { 5, 3 }, { 32, 5 }, { 33, 6 }, { 255, 8 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_int_eq(boot_vcpu_cpuid_core_shift(want[i][0]), want[i][1]);
}
END_TEST

START_TEST(topology_per_count)
{
	/* ncpus, its shift; several indexes each: the first, the second, the
	 * last, one in the middle. */
	static const int counts[][2] = { { 1, 0 }, { 2, 1 }, { 3, 2 }, { 4, 2 }, { 32, 5 }, { 255, 8 } };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		int n = counts[i][0];
		int idx[] = { 0, 1, n / 2, n - 1 };
		for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++)
			if (idx[k] < n)
				check_vcpu(idx[k], n, counts[i][1], (k & 1) != 0);
	}
}
END_TEST

START_TEST(every_vcpu_of_32_has_its_own_id)
{
	for (int index = 0; index < 32; index++)
		check_vcpu(index, 32, 5, true);
}
END_TEST

START_TEST(no_topology_leaves_none_added)
{
	/* A KVM whose table stops before 0xB: nothing is invented. */
	struct kvm_cpuid2 *c = fake_cpuid();
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function != 0xb && c->entries[i].function != 0x1f)
			c->entries[n++] = c->entries[i];
	c->nent = n;
	ck_assert_int_eq(boot_vcpu_cpuid_adjust(c, CAPACITY, 1, 4, false), 0);
	ck_assert_uint_eq(c->nent, n);
	ck_assert_uint_eq(count_leaf(c, 0xb) + count_leaf(c, 0x1f), 0);
	ck_assert_uint_eq(entry(c, 1, 0)->ebx >> 24, 1);
	free(c);
}
END_TEST

START_TEST(refuses_bad_arguments_untouched)
{
	struct kvm_cpuid2 *c = fake_cpuid();
	/* Too little room for the topology subleaves. */
	ck_assert_int_eq(boot_vcpu_cpuid_adjust(c, CAPACITY - 1, 0, 2, true), -1);
	ck_assert_int_eq(boot_vcpu_cpuid_adjust(c, 0, 0, 2, true), -1);
	/* An index outside the VM, no vCPUs at all. */
	ck_assert_int_eq(boot_vcpu_cpuid_adjust(c, CAPACITY, 2, 2, true), -1);
	ck_assert_int_eq(boot_vcpu_cpuid_adjust(c, CAPACITY, -1, 2, true), -1);
	ck_assert_int_eq(boot_vcpu_cpuid_adjust(c, CAPACITY, 0, 0, true), -1);
	ck_assert_uint_eq(c->nent, FAKE_N);
	ck_assert_mem_eq(c->entries, fake_entries, sizeof(fake_entries));
	free(c);
}
END_TEST

Suite *vcpu_cpuid_suite(void)
{
	Suite *s = suite_create("vcpu_cpuid");
	TCase *t = tcase_create("vcpu_cpuid");
	tcase_add_test(t, core_shift);
	tcase_add_test(t, topology_per_count);
	tcase_add_test(t, every_vcpu_of_32_has_its_own_id);
	tcase_add_test(t, no_topology_leaves_none_added);
	tcase_add_test(t, refuses_bad_arguments_untouched);
	suite_add_tcase(s, t);
	return s;
}
