/* The vCPU threads, one per vCPU: KVM_RUN until the guest stops, turning
 * each exit into device work or a stop reason (api.rst 5. "The kvm_run
 * structure").  What the threads share is locked where it lives: the io bus
 * serializes device accesses, struct vm_stop the stop reason. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "vmm/exit_status.h"
#include "vmm/machine.h"
#include "vmm/seccomp.h"

static const char *exit_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
		[KVM_EXIT_IO] = "KVM_EXIT_IO",
		[KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
		[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
		[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
		[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
		[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
		[KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
		[KVM_EXIT_NMI] = "KVM_EXIT_NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
		[KVM_EXIT_OSI] = "KVM_EXIT_OSI",
		[KVM_EXIT_WATCHDOG] = "KVM_EXIT_WATCHDOG",
		[KVM_EXIT_EPR] = "KVM_EXIT_EPR",
		[KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
		[KVM_EXIT_IOAPIC_EOI] = "KVM_EXIT_IOAPIC_EOI",
		[KVM_EXIT_HYPERV] = "KVM_EXIT_HYPERV",
		[KVM_EXIT_X86_RDMSR] = "KVM_EXIT_X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "KVM_EXIT_X86_WRMSR",
		[KVM_EXIT_DIRTY_RING_FULL] = "KVM_EXIT_DIRTY_RING_FULL",
		[KVM_EXIT_X86_BUS_LOCK] = "KVM_EXIT_X86_BUS_LOCK",
	};
	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "an exit reason this minivmm does not know";
}

static const char *internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION: return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "exception while delivering an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
	default: return "unknown suberror";
	}
}

int vcpu_io_exit(struct io_bus *bus, struct kvm_run *run, size_t run_size)
{
	/* count accesses of size bytes each at data_offset in kvm_run (string
	 * instructions give count > 1).  The offset comes from KVM, but a bad
	 * one must not make us read outside the mapping. */
	uint64_t size = run->io.size, count = run->io.count;
	uint64_t end = run->io.data_offset + size * count;
	if (size == 0 || size > 4 || end > (uint64_t)run_size)
		return -1;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	for (uint64_t i = 0; i < count; i++)
		io_bus_access(bus, run->io.port, is_write, data + i * size, (uint32_t)size);
	return 0;
}

void vcpu_mmio_exit(struct io_bus *bus, struct kvm_run *run)
{
	/* len is KVM's, at most the 8 bytes of data (api.rst KVM_EXIT_MMIO);
	 * checked all the same. */
	uint32_t len = run->mmio.len;
	if (len == 0 || len > sizeof(run->mmio.data))
		return;
	io_bus_access(bus, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data, len);
}

/* The reason naming the crashed vCPU, then its registers, only when this
 * crash is what stops the VM: another vCPU's registers would not match the
 * reason that wins.  main prints the reason after the threads are joined,
 * so the dump still comes first on stderr. */
static void vcpu_crash(struct machine_vcpu *v, const char *what, const char *detail)
{
	if (vm_stop_request(&v->m->stop, EXIT_GUEST_CRASHED, "vCPU %d: %s: %s", v->vcpu.index,
			    what, detail))
		kvm_vcpu_dump(&v->vcpu, stderr);
}

static void vcpu_pause(struct machine_vcpu *v);

/* Returns false when the loop must end. */
static bool vcpu_handle_exit(struct machine_vcpu *v, struct kvm_run *run)
{
	struct machine *m = v->m;
	char detail[128];
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (vcpu_io_exit(&m->bus, run, (size_t)m->sys.vcpu_mmap_size) < 0) {
			vm_stop_request(&m->stop, EXIT_HOST_FAILED,
					"vCPU %d: KVM reported a port access outside kvm_run (size %u, count %u)",
					v->vcpu.index, run->io.size, run->io.count);
			return false;
		}
		return true;
	case KVM_EXIT_MMIO:
		vcpu_mmio_exit(&m->mmio, run);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_DEBUG:
		/* A breakpoint, watchpoint or step of gdb's (api.rst 5,
		 * KVM_EXIT_DEBUG); without --gdb, KVM never exits so. */
		if (m->gdb) {
			if (gdb_stub_debug_exit(m->gdb, v->vcpu.index, &run->debug.arch))
				vcpu_pause(v);
			return true;
		}
		__attribute__((fallthrough));
	case KVM_EXIT_SHUTDOWN:
		vcpu_crash(v, "guest crashed", "triple fault (KVM_EXIT_SHUTDOWN)");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(detail, sizeof(detail), "hardware entry failure reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_crash(v, "guest crashed: KVM_EXIT_FAIL_ENTRY", detail);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(detail, sizeof(detail), "suberror %u, %s", run->internal.suberror,
			 internal_error_name(run->internal.suberror));
		vcpu_crash(v, "guest crashed: KVM_EXIT_INTERNAL_ERROR", detail);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ||
		    run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
			vm_stop_request(&m->stop, EXIT_GUEST_OFF, "guest powered off or reset");
			return false;
		}
		snprintf(detail, sizeof(detail), "system event type %u", run->system_event.type);
		vcpu_crash(v, "guest crashed: KVM_EXIT_SYSTEM_EVENT", detail);
		return false;
	default:
		snprintf(detail, sizeof(detail), "%s (%u)", exit_reason_name(run->exit_reason),
			 run->exit_reason);
		vcpu_crash(v, "guest stopped with an exit minivmm cannot handle", detail);
		return false;
	}
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;   /* only here to interrupt KVM_RUN with EINTR */
}

int vcpu_read_state(struct machine_vcpu *v, struct error *err)
{
	struct vmcore_cpu *slot = &v->m->pause.cpus[v->vcpu.index];
	if (kvm_vcpu_get_regs(&v->vcpu, &slot->regs, err) < 0 ||
	    kvm_vcpu_get_sregs(&v->vcpu, &slot->sregs, err) < 0)
		return -1;
	return 0;
}

/* A dump of the running guest asked this vCPU to pause (machine_dump.c).
 * It is out of KVM_RUN with EINTR, which KVM returns only after finishing
 * the last exit's I/O (api.rst, immediate_exit), so its registers are the
 * ones the guest goes on with.  Reads them, says it is paused and waits
 * until the dump is written.  The slot is this thread's alone until it
 * says so, and the main thread reads it only after. */
static void vcpu_pause(struct machine_vcpu *v)
{
	struct machine_pause *p = &v->m->pause;
	struct error err = { 0 };
	int rc = vcpu_read_state(v, &err);
	pthread_mutex_lock(&p->lock);
	if (rc < 0 && p->err.msg[0] == '\0')
		p->err = err;
	v->paused = true;
	pthread_cond_signal(&p->paused);
	while (__atomic_load_n(&p->requested, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&p->resume, &p->lock);
	v->paused = false;
	pthread_mutex_unlock(&p->lock);
}

void *vcpu_loop(void *arg)
{
	struct machine_vcpu *v = arg;
	struct machine *m = v->m;
	struct kvm_run *run = v->vcpu.run;

	/* machine_run blocks the kick signal everywhere; this thread takes it. */
	sigset_t kick;
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	/* Its setup is done: from here on, only what its list allows
	 * (seccomp_policy.c). */
	seccomp_thread_enter(SECCOMP_THREAD_VCPU, v->vcpu.index);

	/* The boot processor's first entry is the guest's first instruction
	 * (as near as userspace can tell). */
	if (v->vcpu.index == 0)
		run_timeline_mark(m->timeline, RUN_EVENT_FIRST_INSTRUCTION);
	/* --gdb-wait holds the vCPUs before their first instruction. */
	if (__atomic_load_n(&m->pause.requested, __ATOMIC_SEQ_CST))
		vcpu_pause(v);
	bool access_pending = false;   /* the last exit was a port or MMIO access */
	while (!vm_stop_requested(&m->stop)) {
		access_pending = false;
		int r = ioctl(v->vcpu.fd, KVM_RUN, 0);
		int e = errno;
		/* Port writes KVM queued came before this exit. */
		io_bus_drain_coalesced(&m->bus);
		if (r < 0) {
			if (e == EINTR || e == EAGAIN) {
				/* A kick: the loop condition says whether it
				 * was the stop.  The pause request is read
				 * after immediate_exit is cleared: a request
				 * this read misses came later, and its kick
				 * sets immediate_exit again, so the next
				 * KVM_RUN returns at once. */
				__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				if (__atomic_load_n(&m->pause.requested, __ATOMIC_SEQ_CST))
					vcpu_pause(v);
				continue;
			}
			vm_stop_request(&m->stop, EXIT_HOST_FAILED, "vCPU %d: KVM_RUN failed: %s",
					v->vcpu.index, strerror(e));
			break;
		}
		access_pending = run->exit_reason == KVM_EXIT_IO || run->exit_reason == KVM_EXIT_MMIO;
		if (!vcpu_handle_exit(v, run))
			break;
	}
	/* KVM finishes a port access (the value read, RIP past the instruction)
	 * only on the next KVM_RUN, before it looks at immediate_exit: one more
	 * entry that runs nothing, so an end-of-run dump sees the vCPU after
	 * its last instruction (api.rst, immediate_exit). */
	__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (access_pending && ioctl(v->vcpu.fd, KVM_RUN, 0) < 0 && errno != EINTR && errno != EAGAIN)
		fprintf(stderr, "minivmm: vCPU %d: completing its last exit failed: %s\n",
			v->vcpu.index, strerror(errno));
	/* A dump may be waiting for this vCPU to pause: it never will, and the
	 * stop (requested before the loop ended) tells the waiter why. */
	pthread_mutex_lock(&m->pause.lock);
	pthread_cond_signal(&m->pause.paused);
	pthread_mutex_unlock(&m->pause.lock);
	return NULL;
}

/* Makes a vCPU thread leave KVM_RUN: immediate_exit covers the window
 * before it enters, the signal the time inside, also an application
 * processor that waits there for its SIPI (api.rst, immediate_exit). */
void vcpu_kick(struct machine_vcpu *v)
{
	__atomic_store_n(&v->vcpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	/* A real-time signal can be refused (EAGAIN) when the user's queue of
	 * pending signals is full; a vCPU blocked in KVM_RUN (HLT, an AP
	 * waiting for SIPI) would then never wake.  Try again shortly. */
	while (pthread_kill(v->thread, VCPU_KICK_SIGNAL) == EAGAIN)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
}

int vcpu_kick_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler;
	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}
