/* Opening /dev/kvm and checking that it offers what minivmm needs
 * (Documentation/virt/kvm/api.rst, "General description" and "KVM_CHECK_EXTENSION"). */
#include <errno.h>
#include <fcntl.h>
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
};

int kvm_system_open(struct kvm_system *sys, const char *path, struct error *err)
{
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
	sys->vcpu_mmap_size = ioctl(sys->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sys->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		error_set(err, "%s: KVM_GET_VCPU_MMAP_SIZE: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	close(sys->fd);
	sys->fd = -1;
	return -1;
}

void kvm_system_close(struct kvm_system *sys)
{
	if (sys->fd >= 0)
		close(sys->fd);
	sys->fd = -1;
}
