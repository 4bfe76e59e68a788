/* The CPUID policy of a vCPU: what KVM_GET_SUPPORTED_CPUID offers, with the
 * topology minivmm gives its guests and the few bits it changes besides
 * (api.rst KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2; Intel SDM vol. 2A
 * "CPUID"; AMD APM vol. 3 appendix E).  Pure: boot_vcpu_setup_build uses it
 * to fill struct kvm_vcpu_setup. */
#include <stdbool.h>
#include <stdint.h>

#include "boot/boot.h"

/* CPUID bits (Intel SDM vol. 2A, CPUID). */
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_6_ECX_EPB        (1u << 3)  /* energy-perf bias MSR: not emulated */

/* ---- CPUID topology ----------------------------------------------------
 *
 * Every vCPU is a core of one package, one thread per core, and its APIC ID
 * is its index (the MADT says the same).  The APIC ID then splits into an
 * SMT field of 0 bits and a core field of ceil(log2(ncpus)) bits (Intel SDM
 * vol. 3A 9.9.1 "Hierarchical Mapping of Shared Resources"; AMD APM vol. 3
 * appendix E, "Multiple Core Calculation"). */

/* Leaf 1 (SDM vol. 2A, CPUID, "Initial EAX Value = 01H"). */
#define CPUID_1_EBX_LOGICAL_SHIFT 16       /* [23:16] addressable logical IDs */
#define CPUID_1_EBX_APIC_ID_SHIFT 24       /* [31:24] initial APIC ID */
#define CPUID_1_ECX_TSC_DEADLINE  (1u << 24)
#define CPUID_1_EDX_HTT           (1u << 28)
/* Leaf 4 and AMD's 0x8000001D: EAX[4:0] cache type (0: no more caches),
 * [7:5] level, [25:14] logical processors sharing it - 1; leaf 4 only:
 * [31:26] addressable core IDs in the package - 1. */
#define CPUID_CACHE_TYPE_MASK     0x1fu
#define CPUID_CACHE_LEVEL(eax)    (((eax) >> 5) & 7u)
#define CPUID_CACHE_SHARING_SHIFT 14
#define CPUID_CACHE_SHARING_MASK  (0xfffu << CPUID_CACHE_SHARING_SHIFT)
#define CPUID_4_CORES_SHIFT       26
#define CPUID_4_CORES_MASK        (0x3fu << CPUID_4_CORES_SHIFT)
/* Leaves 0xB and 0x1F (SDM vol. 2A, CPUID, "V2 Extended Topology"):
 * EAX[4:0] shift to the next level's ID, EBX[15:0] logical processors at
 * this level, ECX[7:0] the subleaf, [15:8] level type, EDX x2APIC ID. */
#define CPUID_TOPO_TYPE_INVALID   0u
#define CPUID_TOPO_TYPE_SMT       1u
#define CPUID_TOPO_TYPE_CORE      2u
#define CPUID_TOPO_LEVELS         3        /* SMT, core, the invalid end */
/* AMD APM vol. 3, appendix E: 0x80000008 ECX[7:0] NC (cores - 1),
 * [15:12] ApicIdSize; 0x8000001E EAX extended APIC ID, EBX[7:0] core ID,
 * [15:8] threads per core - 1, ECX[7:0] node ID, [10:8] nodes - 1. */
#define CPUID_80000008_ECX_NC_MASK       0xffu
#define CPUID_80000008_ECX_APIC_ID_SHIFT 12
#define CPUID_80000008_ECX_APIC_ID_MASK  (0xfu << CPUID_80000008_ECX_APIC_ID_SHIFT)

int boot_vcpu_cpuid_core_shift(int ncpus)
{
	int shift = 0;
	while (shift < 31 && (1 << shift) < ncpus)
		shift++;
	return shift;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Drops every subleaf of leaf fn and appends the topology levels: SMT
 * (shift 0, one thread), core (shift, ncpus) and the invalid level that
 * ends the list.  Returns the new entry count. */
static uint32_t cpuid_rewrite_topology(struct kvm_cpuid2 *c, uint32_t fn, uint32_t apic_id,
				       uint32_t ncpus, uint32_t shift)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function != fn)
			c->entries[n++] = c->entries[i];
	const uint32_t eax[CPUID_TOPO_LEVELS] = { 0, shift, 0 };
	const uint32_t ebx[CPUID_TOPO_LEVELS] = { 1, ncpus, 0 };
	const uint32_t type[CPUID_TOPO_LEVELS] = {
		CPUID_TOPO_TYPE_SMT, CPUID_TOPO_TYPE_CORE, CPUID_TOPO_TYPE_INVALID,
	};
	for (uint32_t level = 0; level < CPUID_TOPO_LEVELS; level++)
		c->entries[n++] = (struct kvm_cpuid_entry2){
			.function = fn,
			.index = level,
			.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = eax[level],
			.ebx = ebx[level],
			.ecx = level | (type[level] << 8),
			.edx = apic_id,
		};
	return n;
}

/* Leaf 4 / 0x8000001D: the first two levels are per core, the rest (L3)
 * is shared by the whole package. */
static void cpuid_cache_sharing(struct kvm_cpuid_entry2 *e, uint32_t package_ids)
{
	if ((e->eax & CPUID_CACHE_TYPE_MASK) == 0)
		return;
	uint32_t sharing = CPUID_CACHE_LEVEL(e->eax) <= 2 ? 0 : min_u32(package_ids - 1, 0xfff);
	e->eax = (e->eax & ~CPUID_CACHE_SHARING_MASK) | (sharing << CPUID_CACHE_SHARING_SHIFT);
}

int boot_vcpu_cpuid_adjust(struct kvm_cpuid2 *c, uint32_t capacity, int index, int ncpus,
			   bool tsc_deadline)
{
	if (ncpus < 1 || index < 0 || index >= ncpus || c->nent > capacity ||
	    capacity - c->nent < BOOT_VCPU_CPUID_EXTRA_ENTRIES)
		return -1;
	const uint32_t apic_id = (uint32_t)index, n = (uint32_t)ncpus;
	const uint32_t shift = (uint32_t)boot_vcpu_cpuid_core_shift(ncpus);
	/* Addressable IDs: a power of two, as real CPUs report (SDM vol. 3A
	 * 9.9.1).  Leaf 1 has 8 bits for it: from 129 vCPUs on it says 255,
	 * whose order (what software takes of it) is still 8. */
	const uint32_t package_ids = 1u << shift;
	bool has_topology[2] = { false, false };

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0x0000ffffu) | (apic_id << CPUID_1_EBX_APIC_ID_SHIFT) |
				 (min_u32(package_ids, 0xff) << CPUID_1_EBX_LOGICAL_SHIFT);
			/* HTT: EBX[23:16] is valid, more than one logical
			 * processor in the package. */
			if (ncpus > 1)
				e->edx |= CPUID_1_EDX_HTT;
			else
				e->edx &= ~CPUID_1_EDX_HTT;
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			/* KVM_GET_SUPPORTED_CPUID need not report the LAPIC
			 * timer's TSC-deadline mode: it is there when
			 * KVM_CAP_TSC_DEADLINE_TIMER is (api.rst,
			 * KVM_GET_SUPPORTED_CPUID).  Without it an AMD guest
			 * calibrates the LAPIC timer slowly, and a hardware-
			 * reduced ACPI guest has no PIT to do that with
			 * (Firecracker PR #1959). */
			if (tsc_deadline)
				e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
			else
				e->ecx &= ~CPUID_1_ECX_TSC_DEADLINE;
			break;
		case 4:
			cpuid_cache_sharing(e, package_ids);
			if ((e->eax & CPUID_CACHE_TYPE_MASK) != 0)
				e->eax = (e->eax & ~CPUID_4_CORES_MASK) |
					 (min_u32(package_ids - 1, 0x3f) << CPUID_4_CORES_SHIFT);
			break;
		case 6:
			e->ecx &= ~CPUID_6_ECX_EPB;
			break;
		case 0xb:
			has_topology[0] = true;
			break;
		case 0x1f:
			has_topology[1] = true;
			break;
		case 0x80000008:
			e->ecx = (e->ecx & ~(CPUID_80000008_ECX_NC_MASK | CPUID_80000008_ECX_APIC_ID_MASK)) |
				 (n - 1) | (shift << CPUID_80000008_ECX_APIC_ID_SHIFT);
			break;
		case 0x8000001d:
			cpuid_cache_sharing(e, package_ids);
			break;
		case 0x8000001e:
			/* One thread per core, core ID = APIC ID, node 0 of 1. */
			e->eax = apic_id;
			e->ebx = apic_id & 0xff;
			e->ecx = 0;
			e->edx = 0;
			break;
		}
	}
	if (has_topology[0])
		c->nent = cpuid_rewrite_topology(c, 0xb, apic_id, n, shift);
	if (has_topology[1])
		c->nent = cpuid_rewrite_topology(c, 0x1f, apic_id, n, shift);
	return 0;
}
