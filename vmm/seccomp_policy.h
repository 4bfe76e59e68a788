/* The allow-lists of minivmm's threads (seccomp_policy.c, where each entry
 * says why it is there).  seccomp.c turns them into filters. */
#ifndef MINIVMM_VMM_SECCOMP_POLICY_H
#define MINIVMM_VMM_SECCOMP_POLICY_H

#include <stddef.h>

/* The threads that run under a filter once the guest runs.  Setup-only
 * helpers (kvm/system.c's CPUID thread, kvm/ram_file.c's child) end before
 * it; virtiofsd is a program of its own. */
enum seccomp_thread {
	SECCOMP_THREAD_MAIN,       /* machine_wait, then the end of the run */
	SECCOMP_THREAD_VCPU,       /* vcpu_loop */
	SECCOMP_THREAD_IO,         /* io_thread_main: virtio device work */
	SECCOMP_THREAD_GDB,        /* gdb_stub_thread */
	SECCOMP_THREAD_TEARDOWN,   /* kvm_vm_release_after_exit's child */
	SECCOMP_THREADS
};

/* One allowed system call; for ioctl, one request number (its argument 1
 * compared on its low 32 bits, as the kernel's `unsigned int cmd` is). */
struct seccomp_rule {
	const char *name;          /* as libseccomp names it (seccomp_syscall_resolve_name(3)) */
	unsigned long request;     /* ioctl only: the request; 0 for every other call */
	const char *why;
};

struct seccomp_group {
	const char *name;
	const struct seccomp_rule *rules;
	size_t count;
};

#define SECCOMP_GROUPS_MAX 4

/* The groups thread t's list is made of (common first), n of them. */
const struct seccomp_group *const *seccomp_policy_groups(enum seccomp_thread t, size_t *n);
/* Every group there is, whether or not this build uses it. */
const struct seccomp_group *const *seccomp_policy_all_groups(size_t *n);
/* "main", "vcpu", "io", "gdb stub", "teardown child". */
const char *seccomp_thread_name(enum seccomp_thread t);
/* Whether thread t runs under a filter in this build (seccomp_policy.c:
 * not main and the teardown child under a sanitizer). */
int seccomp_policy_filtered(enum seccomp_thread t);

#endif
