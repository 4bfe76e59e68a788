/* vCPU creation: a new vCPU gets the state boot/ decided for it (struct
 * kvm_vcpu_setup: CPUID, XCR0, MSRs, local APIC LINT pins, FPU), handed to
 * KVM as it is (api.rst KVM_CREATE_VCPU, KVM_SET_CPUID2, KVM_SET_XCRS,
 * KVM_SET_MSRS, KVM_GET_LAPIC/KVM_SET_LAPIC, KVM_SET_FPU).  No policy here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/x86.h"
#include "kvm/kvm.h"

static int vcpu_apply_cpuid(struct kvm_vcpu *vcpu, const struct kvm_vcpu_setup *setup,
			    struct error *err)
{
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, setup->cpuid) < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_CPUID2 failed: %s", vcpu->index,
				      strerror(errno));
	/* After the CPUID, which says which XCR0 bits KVM accepts.  A KVM that
	 * refuses the value leaves the guest to set XCR0 itself, as on real
	 * hardware after reset. */
	if (setup->xcr0 > 1) {
		struct kvm_xcrs xcrs = { .nr_xcrs = 1,
					 .xcrs = { { .xcr = 0, .value = setup->xcr0 } } };
		(void)ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs);
	}
	return 0;
}

static int vcpu_apply_msrs(struct kvm_vcpu *vcpu, const struct kvm_vcpu_setup *setup,
			   struct error *err)
{
	uint32_t n = setup->nmsrs;
	if (n == 0)
		return 0;
	if (n > KVM_VCPU_SETUP_MAX_MSRS)
		return error_set_host(err, "vCPU %d: %u MSRs to set, at most %d", vcpu->index, n,
				      KVM_VCPU_SETUP_MAX_MSRS);
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + n * sizeof(msrs->entries[0]));
	if (!msrs)
		return error_set_host(err, "out of memory for MSRs");
	msrs->nmsrs = n;
	memcpy(msrs->entries, setup->msrs, n * sizeof(msrs->entries[0]));
	/* KVM_SET_MSRS returns how many it set: the first one refused is next. */
	int r = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	int e = errno;
	free(msrs);
	if (r < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_MSRS failed: %s", vcpu->index, strerror(e));
	if ((uint32_t)r < n)
		return error_set_host(err, "vCPU %d: KVM refused MSR 0x%x", vcpu->index,
				      setup->msrs[r].index);
	return 0;
}

static uint32_t *lapic_reg(struct kvm_lapic_state *s, int off)
{
	return (uint32_t *)(void *)&s->regs[off];
}

static void lapic_set_delivery(struct kvm_lapic_state *s, int off, uint32_t delivery)
{
	uint32_t *lvt = lapic_reg(s, off);
	*lvt = (*lvt & ~(uint32_t)X86_APIC_LVT_DELIVERY_MASK) |
	       (delivery & X86_APIC_LVT_DELIVERY_MASK);
}

static int vcpu_apply_lapic(struct kvm_vcpu *vcpu, const struct kvm_vcpu_setup *setup,
			    struct error *err)
{
	struct kvm_lapic_state s;
	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &s) < 0)
		return error_set_host(err, "vCPU %d: KVM_GET_LAPIC failed: %s", vcpu->index, strerror(errno));
	lapic_set_delivery(&s, X86_APIC_LVT_LINT0, setup->lint0_delivery);
	lapic_set_delivery(&s, X86_APIC_LVT_LINT1, setup->lint1_delivery);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &s) < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_LAPIC failed: %s", vcpu->index, strerror(errno));
	return 0;
}

static int vcpu_apply_fpu(struct kvm_vcpu *vcpu, const struct kvm_vcpu_setup *setup,
			  struct error *err)
{
	struct kvm_fpu fpu = setup->fpu;
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return error_set_host(err, "vCPU %d: KVM_SET_FPU failed: %s", vcpu->index, strerror(errno));
	return 0;
}

int kvm_vcpu_create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, int index,
		    const struct kvm_vcpu_setup *setup, struct error *err)
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
	if (vcpu_apply_cpuid(vcpu, setup, err) < 0 || vcpu_apply_msrs(vcpu, setup, err) < 0 ||
	    vcpu_apply_lapic(vcpu, setup, err) < 0 || vcpu_apply_fpu(vcpu, setup, err) < 0)
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
