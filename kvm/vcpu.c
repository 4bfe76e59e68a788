/* vCPU creation: CPUID, MSRs, local APIC LINT pins and FPU state, the way a
 * Linux guest expects to find a freshly reset x86 CPU after its firmware
 * (api.rst 4.7 KVM_CREATE_VCPU, 4.46 KVM_GET_SUPPORTED_CPUID, 4.3 KVM_SET_MSRS,
 * 4.57 KVM_SET_LAPIC; peer practice in shared/reference/peer-vmms.md §1.3). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm.h"

/* CPUID bits (Intel SDM vol. 2A, CPUID). */
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_6_ECX_EPB        (1u << 3)  /* energy-perf bias MSR: not emulated */

/* MSR numbers (Intel SDM vol. 4). */
#define MSR_IA32_TSC            0x10
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

#define MISC_ENABLE_FAST_STRING 1ULL
/* MTRRs enabled (bit 11), default type write-back (6): without this Linux
 * maps all RAM uncached and boots slowly (Firecracker PR #5526). */
#define MTRR_DEF_TYPE_ENABLED_WB ((1ULL << 11) | 6)

/* Local APIC register offsets and LVT delivery modes (SDM vol. 3A 11.5.1). */
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_DELIVERY_MASK   (7u << 8)
#define APIC_DELIVERY_EXTINT (7u << 8)
#define APIC_DELIVERY_NMI    (4u << 8)

/* x87 control word and MXCSR after FNINIT / reset (SDM vol. 1 8.1.5, 10.2.3). */
#define FPU_FCW_DEFAULT   0x37f
#define FPU_MXCSR_DEFAULT 0x1f80

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

int vcpu_cpuid_core_shift(int ncpus)
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

int vcpu_cpuid_adjust(struct kvm_cpuid2 *c, uint32_t capacity, int index, int ncpus,
		      bool tsc_deadline)
{
	if (ncpus < 1 || index < 0 || index >= ncpus || c->nent > capacity ||
	    capacity - c->nent < VCPU_CPUID_EXTRA_ENTRIES)
		return -1;
	const uint32_t apic_id = (uint32_t)index, n = (uint32_t)ncpus;
	const uint32_t shift = (uint32_t)vcpu_cpuid_core_shift(ncpus);
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

/* XCR0 bits of user state components (SDM vol. 1 13.1): x87, SSE, AVX,
 * the AVX-512 trio and PKRU; MPX (bits 3-4) and AMX (17-18, which needs
 * arch_prctl permission) are left to the guest. */
#define XCR0_BOOT_MASK 0x2e7ull

/* The XCR0 a vCPU starts with: what leaf 0xD.0 EDX:EAX offers, user states
 * only; 0 when the table has no leaf 0xD. */
static uint64_t vcpu_boot_xcr0(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0xd && c->entries[i].index == 0)
			return (c->entries[i].eax | ((uint64_t)c->entries[i].edx << 32)) &
			       XCR0_BOOT_MASK;
	return 0;
}

static int vcpu_setup_cpuid(struct kvm_vcpu *vcpu, int ncpus, struct error *err)
{
	const struct kvm_cpuid2 *supported = kvm_system_supported_cpuid(vcpu->vm->sys, err);
	if (!supported)
		return -1;
	/* A copy with room for the entries vcpu_cpuid_adjust may add. */
	uint32_t capacity = supported->nent + VCPU_CPUID_EXTRA_ENTRIES;
	size_t size = sizeof(*supported) + supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + capacity * sizeof(c->entries[0]));
	if (!c)
		return error_set_host(err, "out of memory for CPUID entries");
	memcpy(c, supported, size);
	if (vcpu_cpuid_adjust(c, capacity, vcpu->index, ncpus, vcpu->vm->sys->tsc_deadline) < 0) {
		free(c);
		return error_set_host(err, "vCPU %d of %d: cannot build its CPUID", vcpu->index, ncpus);
	}
	int r = ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	int e = errno;
	uint64_t xcr0 = vcpu_boot_xcr0(c);
	free(c);
	if (r < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_CPUID2 failed: %s", vcpu->index, strerror(e));
	/* XCR0 starts with the user states the guest's CPUID offers (reset
	 * has x87 only), the value Linux itself sets.  KVM recomputes CPUID
	 * 0xD.0 EBX (the XSAVE size for XCR0) only when it sees the guest's
	 * XSETBV, which a nested hypervisor may not pass on (QEMU TCG in the
	 * KVM box): Linux then finds a size that does not match its own and
	 * prints a WARNING with a backtrace and 29 CPUID lines (~1 s of
	 * serial console in the box).  A KVM that refuses it leaves the
	 * guest to set XCR0 as usual. */
	if (xcr0 > 1) {
		struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = xcr0 } } };
		(void)ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs);
	}
	return 0;
}

static int vcpu_setup_msrs(struct kvm_vcpu *vcpu, struct error *err)
{
	static const struct { uint32_t index; uint64_t value; } boot_msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 },
		{ MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 },
		{ MSR_STAR, 0 },
		{ MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },
		{ MSR_SYSCALL_MASK, 0 },
		{ MSR_LSTAR, 0 },
		{ MSR_IA32_TSC, 0 },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
		{ MSR_MTRR_DEF_TYPE, MTRR_DEF_TYPE_ENABLED_WB },
	};
	enum { N = sizeof(boot_msrs) / sizeof(boot_msrs[0]) };
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + N * sizeof(msrs->entries[0]));
	if (!msrs)
		return error_set_host(err, "out of memory for MSRs");
	msrs->nmsrs = N;
	for (int i = 0; i < N; i++) {
		msrs->entries[i].index = boot_msrs[i].index;
		msrs->entries[i].data = boot_msrs[i].value;
	}
	/* KVM_SET_MSRS returns how many it set: the first one refused is next. */
	int r = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	int e = errno;
	free(msrs);
	if (r < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_MSRS failed: %s", vcpu->index, strerror(e));
	if (r < N)
		return error_set_host(err, "vCPU %d: KVM refused MSR 0x%x", vcpu->index,
				 boot_msrs[r].index);
	return 0;
}

static uint32_t *lapic_reg(struct kvm_lapic_state *s, int off)
{
	return (uint32_t *)(void *)&s->regs[off];
}

static int vcpu_setup_lapic(struct kvm_vcpu *vcpu, struct error *err)
{
	/* The PIC's output reaches the CPU through LINT0 in ExtINT mode and NMIs
	 * through LINT1, as an MP-spec "virtual wire" firmware leaves them
	 * (MP spec 1.4 §3.6.2.2). */
	struct kvm_lapic_state s;
	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &s) < 0)
		return error_set_host(err, "vCPU %d: KVM_GET_LAPIC failed: %s", vcpu->index, strerror(errno));
	uint32_t *lint0 = lapic_reg(&s, APIC_LVT_LINT0);
	uint32_t *lint1 = lapic_reg(&s, APIC_LVT_LINT1);
	*lint0 = (*lint0 & ~APIC_DELIVERY_MASK) | APIC_DELIVERY_EXTINT;
	*lint1 = (*lint1 & ~APIC_DELIVERY_MASK) | APIC_DELIVERY_NMI;
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &s) < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_LAPIC failed: %s", vcpu->index, strerror(errno));
	return 0;
}

static int vcpu_setup_fpu(struct kvm_vcpu *vcpu, struct error *err)
{
	struct kvm_fpu fpu = { .fcw = FPU_FCW_DEFAULT, .mxcsr = FPU_MXCSR_DEFAULT };
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_FPU failed: %s", vcpu->index, strerror(errno));
	return 0;
}

int kvm_vcpu_create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, int index, int ncpus,
		    struct error *err)
{
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->run = MAP_FAILED;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0)
		return error_set_host(err, "vCPU %d: KVM_CREATE_VCPU failed: %s", index, strerror(errno));
	vcpu->run = mmap(NULL, (size_t)vm->sys->vcpu_mmap_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		error_set_host(err, "vCPU %d: mmap of kvm_run failed: %s", index, strerror(errno));
		goto fail;
	}
	if (vcpu_setup_cpuid(vcpu, ncpus, err) < 0 || vcpu_setup_msrs(vcpu, err) < 0 ||
	    vcpu_setup_lapic(vcpu, err) < 0 || vcpu_setup_fpu(vcpu, err) < 0)
		goto fail;
	return 0;
fail:
	kvm_vcpu_destroy(vcpu);
	return -1;
}

void kvm_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (vcpu->run && vcpu->run != MAP_FAILED)
		munmap(vcpu->run, (size_t)vcpu->vm->sys->vcpu_mmap_size);
	vcpu->run = NULL;
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->fd = -1;
}

struct kvm_coalesced_mmio_ring *kvm_vcpu_coalesced_ring(const struct kvm_vcpu *vcpu,
							uint32_t *entries)
{
	const struct kvm_system *sys = vcpu->vm->sys;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t offset = (size_t)sys->coalesced_ring_page * page;
	if (!sys->coalesced_ring_page || offset + page > (size_t)sys->vcpu_mmap_size)
		return NULL;
	/* linux/kvm.h's KVM_COALESCED_MMIO_MAX, with the page size it assumes. */
	*entries = (uint32_t)((page - sizeof(struct kvm_coalesced_mmio_ring)) /
			      sizeof(struct kvm_coalesced_mmio));
	return (struct kvm_coalesced_mmio_ring *)(void *)((char *)vcpu->run + offset);
}
