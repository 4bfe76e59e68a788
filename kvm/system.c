/* Opening /dev/kvm and checking that it offers what minivmm needs
 * (Documentation/virt/kvm/api.rst, "General description" and "KVM_CHECK_EXTENSION"). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/kvm.h"

/* api.rst: "Applications should refuse to run if KVM_GET_API_VERSION returns a
 * value other than 12." */
#define KVM_API_VERSION_REQUIRED 12

static const struct {
	long cap;
	const char *name;
} kvm_required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
};

/* api.rst 4.7 KVM_CREATE_VCPU: the most vCPUs a VM may have is
 * KVM_CAP_MAX_VCPUS; without that capability, KVM_CAP_NR_VCPUS (otherwise
 * only the recommended number); without either, 4. */
static int kvm_system_max_vcpus(int fd)
{
	int n = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (n <= 0)
		n = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	return n > 0 ? n : 4;
}

/* Fetches sys->cpuid, or sets sys->cpuid_err.  The number of entries
 * differs between hosts (75 on kvm_pvm, about 60-110 elsewhere): start where
 * one call does, grow while KVM answers E2BIG (api.rst 4.46). */
static void *kvm_system_fetch_cpuid(void *arg)
{
	struct kvm_system *sys = arg;
	for (uint32_t n = 256; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c) {
			error_set_host(&sys->cpuid_err, "out of memory for CPUID entries");
			return NULL;
		}
		c->nent = n;
		if (ioctl(sys->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			sys->cpuid = c;
			return NULL;
		}
		int e = errno;
		free(c);
		if (e != E2BIG) {
			error_set_host(&sys->cpuid_err, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
			return NULL;
		}
	}
	error_set_host(&sys->cpuid_err, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	return NULL;
}

static void kvm_system_join_cpuid(struct kvm_system *sys)
{
	if (sys->cpuid_thread_running)
		pthread_join(sys->cpuid_thread, NULL);
	sys->cpuid_thread_running = false;
}

const struct kvm_cpuid2 *kvm_system_supported_cpuid(struct kvm_system *sys, struct error *err)
{
	kvm_system_join_cpuid(sys);
	if (!sys->cpuid && !sys->cpuid_err.msg[0])
		kvm_system_fetch_cpuid(sys);   /* the thread could not start */
	if (!sys->cpuid && err)
		*err = sys->cpuid_err;
	return sys->cpuid;
}

int kvm_system_open(struct kvm_system *sys, const char *path, struct error *err)
{
	sys->cpuid_thread_running = false;
	sys->cpuid = NULL;
	sys->cpuid_err.msg[0] = '\0';
	sys->fd = open(path, O_RDWR | O_CLOEXEC);
	if (sys->fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return error_set(err, "%s does not exist: is the kvm module loaded and does this machine offer virtualization?", path);
		if (e == EACCES || e == EPERM)
			return error_set(err, "%s: permission denied: add yourself to the kvm group or run as root", path);
		return error_set(err, "%s: cannot open: %s", path, strerror(e));
	}
	int version = ioctl(sys->fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION_REQUIRED) {
		error_set(err, "%s: KVM API version %d, minivmm needs %d", path, version,
			  KVM_API_VERSION_REQUIRED);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(kvm_required_caps) / sizeof(kvm_required_caps[0]); i++) {
		if (ioctl(sys->fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <= 0) {
			error_set(err, "%s: capability %s is missing", path, kvm_required_caps[i].name);
			goto fail;
		}
	}
	sys->max_vcpus = kvm_system_max_vcpus(sys->fd);
	sys->tsc_deadline = ioctl(sys->fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	sys->coalesced_pio = ioctl(sys->fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) > 0;
	int ring_page = ioctl(sys->fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	sys->coalesced_ring_page = ring_page > 0 ? ring_page : 0;
	sys->vcpu_mmap_size = ioctl(sys->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sys->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		error_set(err, "%s: KVM_GET_VCPU_MMAP_SIZE: %s", path, strerror(errno));
		goto fail;
	}
	/* Without the thread, kvm_system_supported_cpuid fetches it itself. */
	sys->cpuid_thread_running =
		pthread_create(&sys->cpuid_thread, NULL, kvm_system_fetch_cpuid, sys) == 0;
	return 0;
fail:
	close(sys->fd);
	sys->fd = -1;
	return -1;
}

void kvm_system_close(struct kvm_system *sys)
{
	kvm_system_join_cpuid(sys);
	free(sys->cpuid);
	sys->cpuid = NULL;
	if (sys->fd >= 0)
		close(sys->fd);
	sys->fd = -1;
}

int kvm_system_check_vcpus(const struct kvm_system *sys, int ncpus, struct error *err)
{
	if (ncpus < 1)
		return error_set(err, "%d vCPUs asked for: a VM needs at least one", ncpus);
	if (ncpus > sys->max_vcpus)
		return error_set(err, "%d vCPUs asked for, but this KVM allows at most %d per VM",
				 ncpus, sys->max_vcpus);
	return 0;
}
