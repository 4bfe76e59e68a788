/* kvm/vm.c kvm_vm_map_ram with shared RAM: a file (kvm/ram_file.c) mapped
 * MAP_SHARED that a vhost-user back end maps too (vhost-user.rst,
 * SET_MEM_TABLE).  No /dev/kvm needed: the RAM is mapped before any VM
 * exists. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kvm/kvm.h"
#include "tests/unit/unit.h"

/* A small hole so that 12 MiB of RAM makes two regions, as 3.5 GiB does
 * in minivmm's layout. */
static const struct kvm_vm_config shared_cfg = {
	.ram_size = 12 * MiB, .mmio_hole_start = 8 * MiB, .mmio_hole_end = 16 * MiB,
	.shared = true,
};

START_TEST(shared_ram_is_a_file_a_back_end_can_map)
{
	struct kvm_vm vm;
	struct error err = { 0 };
	ck_assert_msg(kvm_vm_map_ram(&vm, &shared_cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_ge(vm.mem.fd, 0);
	ck_assert_int_eq(fcntl(vm.mem.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_uint_eq((uintptr_t)vm.mem.host_base % (2 * MiB), 0);   /* 2 MiB pages */
	ck_assert_int_eq(vm.mem.nregions, 2);
	ck_assert_uint_eq(lseek(vm.mem.fd, 0, SEEK_END), 12 * MiB);

	/* What the guest writes at 16 MiB + 4 KiB (second region) is what a
	 * back end sees in its own mapping of the fd at that region's offset. */
	const struct guest_memory_region *r = &vm.mem.regions[1];
	uint64_t offset = (uint64_t)(r->host - vm.mem.host_base);
	ck_assert_uint_eq(offset, 8 * MiB);
	uint8_t *other = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, vm.mem.fd,
			      (off_t)offset);
	ck_assert_ptr_ne(other, MAP_FAILED);
	ck_assert_int_eq(guest_memory_write(&vm.mem, 16 * MiB + 4096, "guest", 6), 0);
	ck_assert_str_eq((char *)other + 4096, "guest");
	memcpy(other + 8192, "back end", 9);
	char seen[9];
	ck_assert_int_eq(guest_memory_read(&vm.mem, 16 * MiB + 8192, seen, sizeof(seen)), 0);
	ck_assert_str_eq(seen, "back end");
	munmap(other, r->size);

	int fd = vm.mem.fd;
	kvm_vm_destroy(&vm);
	ck_assert_int_eq(vm.mem.fd, -1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);   /* closed with the mapping */
}
END_TEST

/* The "THPeligible:" line of /proc/self/smaps for the mapping that starts
 * at addr: 1 when the kernel would back it with transparent huge pages
 * (Documentation/filesystems/proc.rst), -1 when there is no such line. */
static int smaps_thp_eligible(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	ck_assert_ptr_nonnull(f);
	char line[512];
	bool in = false;
	int eligible = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)   /* a mapping's first line */
			in = start == (unsigned long)(uintptr_t)addr;
		else if (in && sscanf(line, "THPeligible: %d", &eligible) == 1)
			break;
	}
	fclose(f);
	return eligible;
}

/* Whether this process may mount (CAP_SYS_ADMIN, bit 21 of CapEff in
 * /proc/self/status: capabilities(7)). */
static bool may_mount(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	ck_assert_ptr_nonnull(f);
	char line[256];
	unsigned long long caps = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps >> 21 & 1;
}

/* Where the host's shmem setting keeps huge pages from a memfd ("never",
 * Debian's default), a minivmm that may mount gets them anyway from
 * ram_file.c's own tmpfs: KVM then maps guest RAM with 2 MiB pages.  A
 * kernel without transparent huge pages, or no right to mount, gets the
 * memfd, and says so; "deny" refuses huge pages to every tmpfs. */
START_TEST(shared_ram_gets_huge_pages_where_a_memfd_would_not)
{
	char setting[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "re");
	if (f) {
		if (!fgets(setting, sizeof(setting), f))
			setting[0] = 0;
		fclose(f);
	}
	struct kvm_vm vm;
	struct error err = { 0 };
	ck_assert_msg(kvm_vm_map_ram(&vm, &shared_cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(vm.ram_huge, setting[0] && may_mount());
	if (vm.ram_huge && !strstr(setting, "[deny]"))
		ck_assert_int_eq(smaps_thp_eligible(vm.mem.host_base), 1);
	kvm_vm_destroy(&vm);
}
END_TEST

/* Without CAP_SYS_ADMIN the tmpfs cannot be mounted (a container's root,
 * or a user): the child that tries exits, and shared RAM is a memfd at
 * once instead of a wait for a descriptor that never comes. */
START_TEST(shared_ram_without_cap_sys_admin_is_a_memfd)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		if (syscall(SYS_capget, &h, d) < 0)
			_exit(10);
		d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
		if (syscall(SYS_capset, &h, d) < 0)
			_exit(11);
		alarm(10);   /* the wait this test is about ends the child */
		bool huge = true;
		struct error err = { 0 };
		int fd = ram_file_open(4 * MiB, &huge, &err);
		_exit(fd >= 0 && !huge ? 0 : 12);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: %s %d", WIFEXITED(status) ? "exit" : "signal",
		      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}
END_TEST

START_TEST(anonymous_ram_stays_the_default)
{
	struct kvm_vm vm;
	struct error err = { 0 };
	struct kvm_vm_config cfg = shared_cfg;
	cfg.shared = false;
	ck_assert_msg(kvm_vm_map_ram(&vm, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(vm.mem.fd, -1);
	kvm_vm_destroy(&vm);

	/* guest_memory_init alone: anonymous too. */
	struct test_ram ram;
	test_ram_init(&ram, 4 * MiB);
	ck_assert_int_eq(ram.mem.fd, -1);
	test_ram_free(&ram);
}
END_TEST

/* A struct kvm_vm zeroed and never mapped (a setup error before the RAM)
 * has fd 0 in it: destroying it must not close stdin. */
START_TEST(destroying_an_unmapped_vm_closes_no_fd)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	int saved = dup(0);
	ck_assert_int_eq(dup2(fds[0], 0), 0);
	struct kvm_vm vm;
	memset(&vm, 0, sizeof(vm));
	vm.fd = -1;
	kvm_vm_destroy(&vm);
	ck_assert_int_ne(fcntl(0, F_GETFD), -1);
	dup2(saved, 0);
	close(saved);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

Suite *shared_ram_suite(void)
{
	Suite *s = suite_create("shared_ram");
	TCase *t = tcase_create("shared_ram");
	tcase_add_test(t, shared_ram_is_a_file_a_back_end_can_map);
	tcase_add_test(t, shared_ram_gets_huge_pages_where_a_memfd_would_not);
	tcase_add_test(t, shared_ram_without_cap_sys_admin_is_a_memfd);
	tcase_add_test(t, anonymous_ram_stays_the_default);
	tcase_add_test(t, destroying_an_unmapped_vm_closes_no_fd);
	suite_add_tcase(s, t);
	return s;
}
