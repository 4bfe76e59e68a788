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

static struct kvm_cpuid2 *vcpu_supported_cpuid(struct kvm_system *sys, struct error *err)
{
	/* The number of entries differs between hosts: start small and grow
	 * while KVM answers E2BIG (api.rst 4.46). */
	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c) {
			error_set(err, "out of memory for CPUID entries");
			return NULL;
		}
		c->nent = n;
		if (ioctl(sys->fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		int e = errno;
		free(c);
		if (e != E2BIG) {
			error_set(err, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
			return NULL;
		}
	}
	error_set(err, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	return NULL;
}

static void vcpu_adjust_cpuid(struct kvm_cpuid2 *c, int index, int ncpus)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		switch (e->function) {
		case 1:
			/* EBX[31:24] initial APIC ID, [23:16] logical processors. */
			e->ebx = (e->ebx & 0x0000ffffu) | ((uint32_t)index << 24) |
				 ((uint32_t)(ncpus & 0xff) << 16);
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			break;
		case 6:
			e->ecx &= ~CPUID_6_ECX_EPB;
			break;
		case 0xb:
		case 0x1f:
			/* EDX: x2APIC ID of this logical processor. */
			e->edx = (uint32_t)index;
			break;
		}
	}
}

static int vcpu_setup_cpuid(struct kvm_vcpu *vcpu, int ncpus, struct error *err)
{
	struct kvm_cpuid2 *c = vcpu_supported_cpuid(vcpu->vm->sys, err);
	if (!c)
		return -1;
	vcpu_adjust_cpuid(c, vcpu->index, ncpus);
	int r = ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	int e = errno;
	free(c);
	if (r < 0)
		return error_set(err, "vCPU %d: KVM_SET_CPUID2 failed: %s", vcpu->index, strerror(e));
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
		return error_set(err, "out of memory for MSRs");
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
		return error_set(err, "vCPU %d: KVM_SET_MSRS failed: %s", vcpu->index, strerror(e));
	if (r < N)
		return error_set(err, "vCPU %d: KVM refused MSR 0x%x", vcpu->index,
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
		return error_set(err, "vCPU %d: KVM_GET_LAPIC failed: %s", vcpu->index, strerror(errno));
	uint32_t *lint0 = lapic_reg(&s, APIC_LVT_LINT0);
	uint32_t *lint1 = lapic_reg(&s, APIC_LVT_LINT1);
	*lint0 = (*lint0 & ~APIC_DELIVERY_MASK) | APIC_DELIVERY_EXTINT;
	*lint1 = (*lint1 & ~APIC_DELIVERY_MASK) | APIC_DELIVERY_NMI;
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &s) < 0)
		return error_set(err, "vCPU %d: KVM_SET_LAPIC failed: %s", vcpu->index, strerror(errno));
	return 0;
}

static int vcpu_setup_fpu(struct kvm_vcpu *vcpu, struct error *err)
{
	struct kvm_fpu fpu = { .fcw = FPU_FCW_DEFAULT, .mxcsr = FPU_MXCSR_DEFAULT };
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return error_set(err, "vCPU %d: KVM_SET_FPU failed: %s", vcpu->index, strerror(errno));
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
		return error_set(err, "vCPU %d: KVM_CREATE_VCPU failed: %s", index, strerror(errno));
	vcpu->run = mmap(NULL, (size_t)vm->sys->vcpu_mmap_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		error_set(err, "vCPU %d: cannot map kvm_run: %s", index, strerror(errno));
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
