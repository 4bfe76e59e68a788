/* kvm-probe: proves that /dev/kvm works where it runs (in the KVM box: that
 * nested KVM works, and that a dynamically linked program with its libraries
 * runs there).  Opens /dev/kvm, asks KVM_GET_API_VERSION, creates a VM and a
 * vCPU, and runs a two-byte real-mode guest (out %al,(%dx); hlt) to its
 * port write.  Prints one line per step; exit 0 only if every step worked.
 *
 * usage: kvm-probe [/dev/kvm]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("kvm-probe: FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/kvm";
	int kvm = open(path, O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail(path);

	int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api < 0)
		return fail("KVM_GET_API_VERSION");
	printf("kvm-probe: KVM_GET_API_VERSION = %d\n", api);
	if (api != KVM_API_VERSION) {
		printf("kvm-probe: FAIL API version %d, want %d\n", api, KVM_API_VERSION);
		return 1;
	}

	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	printf("kvm-probe: KVM_CREATE_VM = fd %d\n", vm);

	/* One page of guest RAM at guest-physical 0x1000 with the code. */
	const size_t ram_size = 0x1000;
	unsigned char *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return fail("mmap");
	static const unsigned char code[] = { 0xee, 0xf4 }; /* out %al,(%dx); hlt */
	memcpy(ram, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0x1000,
		.memory_size = ram_size, .userspace_addr = (unsigned long)ram,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	struct kvm_regs regs = { .rip = 0x1000, .rax = 0x42, .rdx = 0x3f8, .rflags = 2 };
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x3f8 ||
	    run->io.direction != KVM_EXIT_IO_OUT ||
	    ((unsigned char *)run)[run->io.data_offset] != 0x42) {
		printf("kvm-probe: FAIL KVM_RUN: exit reason %u, want KVM_EXIT_IO (%d) "
		       "out 0x42 to port 0x3f8\n", run->exit_reason, KVM_EXIT_IO);
		return 1;
	}
	printf("kvm-probe: KVM_RUN: guest wrote 0x42 to port 0x3f8\n");
	printf("kvm-probe: ok\n");
	return 0;
}
