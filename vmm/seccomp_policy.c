/* What each minivmm thread may ask of the kernel once the guest runs: the
 * one place the filters are written down (issue 17).  seccomp.c builds a
 * filter per thread from these tables with libseccomp (seccomp_init(3),
 * seccomp_rule_add(3)); a call not listed raises SIGSYS (SECCOMP_RET_TRAP,
 * seccomp(2)) and ends the run with 8, naming the call and the thread.
 *
 * A thread's list is its groups' union.  Entries name calls as libseccomp
 * does (seccomp_syscall_resolve_name(3)), which is also how glibc's wrapper
 * reaches them on x86-64 (poll is ppoll-free here, open is openat, ...).
 * ioctl is allowed per request number only. */
#include <asm/ioctls.h>
#include <linux/kvm.h>

#include "vmm/seccomp_policy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define IOCTL(req, why) { "ioctl", (unsigned long)(req), why }

/* Every filtered thread: glibc's own needs, locks, stderr, the end. */
static const struct seccomp_rule seccomp_common[] = {
	{ "futex", 0, "pthread mutexes, condition variables, joins" },
	{ "write", 0, "stderr lines, eventfd wake-ups (vm_stop_request), the SIGSYS report" },
	{ "read", 0, "eventfds and pipes the thread waits on" },
	{ "mmap", 0, "malloc: a new arena or a large block" },
	{ "munmap", 0, "free of a large block; glibc unmapping a joined thread's stack" },
	{ "mprotect", 0, "malloc growing a thread's arena" },
	{ "madvise", 0, "glibc releasing a finished thread's stack (MADV_DONTNEED), malloc trims" },
	{ "brk", 0, "malloc on the main arena" },
	{ "rt_sigprocmask", 0, "glibc blocks signals while a thread exits" },
	{ "rt_sigreturn", 0, "return from the vCPU kick handler and other handlers" },
	{ "clock_gettime", 0, "time when the vDSO cannot answer" },
	{ "clock_nanosleep", 0, "vcpu_kick's retry when the signal queue is full" },
	{ "nanosleep", 0, "the same through older glibc" },
	{ "getpid", 0, "pthread_kill, raise" },
	{ "gettid", 0, "pthread_kill, raise" },
	{ "tgkill", 0, "pthread_kill: kicking a vCPU out of KVM_RUN" },
	{ "sched_yield", 0, "glibc's lock back-off" },
	{ "restart_syscall", 0, "a sleep interrupted by the kick signal goes on" },
	{ "exit", 0, "a thread's end" },
	{ "exit_group", 0, "the process's end; the SIGSYS report's exit with 8" },
	IOCTL(TCGETS, "isatty and tcgetattr on the console; glibc's tcsetattr reads the "
		      "terminal back"),
	IOCTL(TCSETSF, "the terminal put back (tcsetattr TCSAFLUSH): by main at the end, by "
		       "any thread's SIGSYS report"),
};

/* The vCPU threads: KVM_RUN, and what an exit's device work needs (the
 * devices run on the vCPU thread that touched them, DESIGN "Devices"). */
static const struct seccomp_rule seccomp_vcpu[] = {
	IOCTL(KVM_RUN, "run the guest (api.rst 4.10)"),
	IOCTL(KVM_GET_REGS, "registers for a dump or gdb (vcpu_pause), or a crash's report"),
	IOCTL(KVM_GET_SREGS, "the same, special registers"),
	IOCTL(KVM_SET_REGS, "gdb: a step over a breakpoint moves RIP (gdb_stub_debug_exit)"),
	IOCTL(KVM_SET_GUEST_DEBUG, "gdb: breakpoints and single steps on this vCPU"),
	IOCTL(KVM_IRQ_LINE, "the 8250's interrupt line, raised by the port write that causes it"),
	IOCTL(KVM_REGISTER_COALESCED_MMIO, "the 8250's THR writes wait in KVM's ring"),
	IOCTL(KVM_UNREGISTER_COALESCED_MMIO, "... and stop waiting when the guest needs THR-empty"),
	IOCTL(KVM_SET_GSI_ROUTING, "a guest write to an MSI-X table entry"),
	IOCTL(KVM_IRQFD, "virtio-pci: the guest enabling a queue's vector"),
	IOCTL(KVM_IOEVENTFD, "virtio-pci: the guest enabling a queue or moving a BAR"),
	{ "sendmsg", 0, "vhost-user messages to virtiofsd as the guest starts or resets virtio-fs" },
	{ "poll", 0, "vhost-user: waiting for virtiofsd's reply, with a deadline" },
	{ "recvfrom", 0, "vhost-user: virtiofsd's reply (recv)" },
	{ "close", 0, "a queue's eventfds replaced as the guest resets a device" },
	{ "eventfd2", 0, "virtio-pci: a queue's notify and call eventfds, made as it is enabled" },
	{ "getrandom", 0, "virtio-rng answers in the notify's thread when no I/O thread runs" },
};

/* The I/O thread: virtio device work (virtio-blk, -rng, -console, -fs). */
static const struct seccomp_rule seccomp_io[] = {
	{ "epoll_wait", 0, "io_thread_main waits for notifications" },
	{ "epoll_pwait", 0, "the same through glibc's epoll_wait" },
	{ "epoll_ctl", 0, "a watch added while the thread runs" },
	{ "preadv", 0, "virtio-blk reads" },
	{ "pwritev", 0, "virtio-blk writes" },
	{ "pread64", 0, "virtio-blk reads of one segment" },
	{ "pwrite64", 0, "virtio-blk writes of one segment" },
	{ "fdatasync", 0, "virtio-blk flush" },
	{ "fsync", 0, "virtio-blk flush on glibc's fallback" },
	{ "fallocate", 0, "virtio-blk discard and write-zeroes (PUNCH_HOLE, ZERO_RANGE)" },
	{ "getrandom", 0, "virtio-rng's bytes" },
	{ "poll", 0, "virtio-console: room on the console or the command's output" },
	{ "writev", 0, "virtio-console output" },
	IOCTL(KVM_SET_GSI_ROUTING, "MSI-X routes changed by a device reset"),
	IOCTL(KVM_SIGNAL_MSI, "an interrupt sent without an irqfd"),
	IOCTL(KVM_IRQ_LINE, "an interrupt on a legacy line"),
};

/* The gdb stub's thread: the socket, and the vCPUs' state while they are
 * held. */
static const struct seccomp_rule seccomp_gdb[] = {
	{ "poll", 0, "gdb_stub_thread waits for gdb and for events" },
	{ "accept", 0, "gdb connects" },
	{ "accept4", 0, "the same through glibc" },
	{ "close", 0, "gdb's connection ends" },
	{ "sendto", 0, "packets to gdb (send)" },
	{ "recvfrom", 0, "packets from gdb (recv)" },
	{ "setsockopt", 0, "TCP_NODELAY on gdb's connection" },
	{ "fcntl", 0, "the connection's flags" },
	IOCTL(KVM_GET_REGS, "gdb's g packet"),
	IOCTL(KVM_SET_REGS, "gdb's G packet"),
	IOCTL(KVM_GET_SREGS, "gdb's g packet: segments, control registers"),
	IOCTL(KVM_SET_SREGS, "gdb's G packet"),
	IOCTL(KVM_SET_GUEST_DEBUG, "breakpoints, watchpoints, single steps"),
	IOCTL(KVM_GET_MSRS, "fs_base and gs_base"),
	IOCTL(KVM_TRANSLATE, "addresses gdb reads"),
};

/* The main thread once the vCPUs run: machine_wait (signals, stdin, the
 * deadline), the dump on SIGUSR1, then the end of the run: the vmcore, the
 * report, virtiofsd's stop, the teardown child's fork, the frees. */
static const struct seccomp_rule seccomp_main[] = {
	{ "poll", 0, "machine_wait: the stop event, the signalfd, stdin" },
	{ "ppoll", 0, "the same through some glibc paths" },
	{ "close", 0, "descriptors closed at the end of the run" },
	{ "openat", 0, "the --dump vmcore, /proc/self/pagemap, the report" },
	{ "open", 0, "the same through older paths" },
	{ "fstat", 0, "stdio's first write to a stream" },
	{ "newfstatat", 0, "fstat through glibc 2.33+" },
	{ "lseek", 0, "the report and the dump" },
	{ "ftruncate", 0, "the report rewritten" },
	{ "fchmod", 0, "the dump and the report get their mode (common/file_replace.c)" },
	{ "pread64", 0, "/proc/self/pagemap (vmcore), virtiofsd's log tail" },
	{ "pwrite64", 0, "the vmcore's pages" },
	{ "writev", 0, "stdio flushing a buffered stream" },
	{ "rename", 0, "the vmcore and the report put in place" },
	{ "renameat", 0, "the same through glibc" },
	{ "renameat2", 0, "the same" },
	{ "unlink", 0, "a failed dump's temporary file" },
	{ "unlinkat", 0, "the same through glibc" },
	{ "fsync", 0, "the report and the dump made durable" },
	{ "fdatasync", 0, "the same" },
	{ "fcntl", 0, "descriptor flags" },
	{ "getrandom", 0, "temporary file names" },
	{ "kill", 0, "virtiofsd stopped (SIGTERM, then SIGKILL)" },
	{ "wait4", 0, "virtiofsd reaped (waitpid)" },
	{ "waitid", 0, "the same through a pidfd" },
	{ "pidfd_open", 0, "waiting for virtiofsd with a deadline" },
	{ "pipe2", 0, "kvm_vm_release_after_exit's cue to its child" },
	{ "clone", 0, "fork of kvm_vm_release_after_exit's child" },
	{ "clone3", 0, "the same through newer glibc" },
	{ "set_robust_list", 0, "glibc's fork in the child" },
	{ "rt_sigaction", 0, "signal(SIGPIPE) and handlers at the end" },
	{ "sigaltstack", 0, "glibc and sanitizer runtimes at exit" },
	IOCTL(KVM_GET_REGS, "the --dump-on dump at the end reads the joined vCPUs"),
	IOCTL(KVM_GET_SREGS, "the same"),
	IOCTL(KVM_SET_GUEST_DEBUG, "gdb's breakpoints cleared when the run ends"),
	IOCTL(KVM_SET_GSI_ROUTING, "MSI-X routes on a device's end"),
	IOCTL(KVM_IOEVENTFD, "ioeventfds removed as devices go"),
	IOCTL(KVM_IRQFD, "irqfds removed as devices go"),
	/* The teardown child inherits this filter; its own calls must pass
	 * both (seccomp(2): every filter is run, the strictest answer wins). */
	{ "close_range", 0, "the teardown child closes what it does not need" },
	{ "chdir", 0, "the teardown child leaves the working directory" },
	{ "prctl", 0, "the teardown child sets PR_SET_NO_NEW_PRIVS for its filter" },
	{ "seccomp", 0, "the teardown child installs its own filter" },
};

/* kvm_vm_release_after_exit's child: holds the VM's descriptor until the
 * parent has exited, then exits. */
static const struct seccomp_rule seccomp_teardown[] = {
	{ "close", 0, "the other end of the cue" },
	{ "close_range", 0, "every descriptor but the VM and the cue" },
	{ "chdir", 0, "to /: the caller's directory is not held" },
	{ "read", 0, "the cue: EOF when the parent exits" },
	{ "write", 0, "the SIGSYS report" },
	{ "rt_sigreturn", 0, "a handler's return" },
	{ "exit_group", 0, "_exit once the parent is gone" },
};

/* The sanitizer runtimes (make asan): ASan unmaps a thread's alternate
 * signal stack and shadow as it exits, and UBSan's reports write to
 * stderr. */
static const struct seccomp_rule seccomp_sanitizer[] = {
	{ "sigaltstack", 0, "ASan sets and clears a thread's alternate signal stack" },
	{ "rt_sigaction", 0, "ASan's handlers" },
	{ "sched_getaffinity", 0, "the sanitizer's thread registry" },
	{ "prctl", 0, "the sanitizer's thread names" },
	{ "openat", 0, "the sanitizer reads /proc/self/maps for a report" },
	{ "close", 0, "the same" },
	{ "readlink", 0, "the sanitizer names the binary in a report" },
	{ "fstat", 0, "the same" },
	{ "newfstatat", 0, "the same" },
};

#define GROUP(n, r) { n, r, N(r) }
static const struct seccomp_group seccomp_group_common = GROUP("common", seccomp_common);
static const struct seccomp_group seccomp_group_vcpu = GROUP("vcpu", seccomp_vcpu);
static const struct seccomp_group seccomp_group_io = GROUP("io thread", seccomp_io);
static const struct seccomp_group seccomp_group_gdb = GROUP("gdb stub", seccomp_gdb);
static const struct seccomp_group seccomp_group_main = GROUP("main", seccomp_main);
static const struct seccomp_group seccomp_group_teardown = GROUP("teardown child", seccomp_teardown);
static const struct seccomp_group seccomp_group_sanitizer = GROUP("sanitizer runtime", seccomp_sanitizer);

/* A sanitizer build: gcc says __SANITIZE_ADDRESS__, clang __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define SECCOMP_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECCOMP_SANITIZER 1
#endif
#endif
#ifndef SECCOMP_SANITIZER
#define SECCOMP_SANITIZER 0
#endif

#if SECCOMP_SANITIZER
#define SECCOMP_MAYBE_SANITIZER , &seccomp_group_sanitizer
#else
#define SECCOMP_MAYBE_SANITIZER
#endif

static const struct seccomp_group *const seccomp_lists[SECCOMP_THREADS][SECCOMP_GROUPS_MAX] = {
	[SECCOMP_THREAD_MAIN] = { &seccomp_group_common, &seccomp_group_main SECCOMP_MAYBE_SANITIZER },
	[SECCOMP_THREAD_VCPU] = { &seccomp_group_common, &seccomp_group_vcpu SECCOMP_MAYBE_SANITIZER },
	[SECCOMP_THREAD_IO] = { &seccomp_group_common, &seccomp_group_io SECCOMP_MAYBE_SANITIZER },
	[SECCOMP_THREAD_GDB] = { &seccomp_group_common, &seccomp_group_gdb SECCOMP_MAYBE_SANITIZER },
	[SECCOMP_THREAD_TEARDOWN] = { &seccomp_group_teardown SECCOMP_MAYBE_SANITIZER },
};

/* Every group, the sanitizer's too: what the unit tests check. */
static const struct seccomp_group *const seccomp_all[] = {
	&seccomp_group_common, &seccomp_group_vcpu, &seccomp_group_io, &seccomp_group_gdb,
	&seccomp_group_main, &seccomp_group_teardown, &seccomp_group_sanitizer,
};

const struct seccomp_group *const *seccomp_policy_all_groups(size_t *n)
{
	*n = N(seccomp_all);
	return seccomp_all;
}

const struct seccomp_group *const *seccomp_policy_groups(enum seccomp_thread t, size_t *n)
{
	size_t i = 0;
	while (i < SECCOMP_GROUPS_MAX && seccomp_lists[t][i])
		i++;
	*n = i;
	return seccomp_lists[t];
}

const char *seccomp_thread_name(enum seccomp_thread t)
{
	static const char *const names[SECCOMP_THREADS] = {
		[SECCOMP_THREAD_MAIN] = "main", [SECCOMP_THREAD_VCPU] = "vcpu",
		[SECCOMP_THREAD_IO] = "io", [SECCOMP_THREAD_GDB] = "gdb stub",
		[SECCOMP_THREAD_TEARDOWN] = "teardown child",
	};
	return names[t];
}

int seccomp_policy_filtered(enum seccomp_thread t)
{
	/* LeakSanitizer's check at exit runs from the main thread: it
	 * ptraces the process's threads from a helper it clones and reads
	 * /proc/self/maps (the LeakSanitizer design notes, "Stop the world");
	 * a list wide enough for that would not be the main thread's.  So
	 * under a sanitizer main, and the child it forks, stay unfiltered;
	 * every other thread keeps its filter. */
	return !(SECCOMP_SANITIZER && (t == SECCOMP_THREAD_MAIN || t == SECCOMP_THREAD_TEARDOWN));
}
