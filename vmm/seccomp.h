/* Per-thread seccomp filters (issue 17; the lists: seccomp_policy.c).
 * main builds every thread's filter at setup (seccomp_setup); each thread
 * then installs its own once its setup is done (seccomp_thread_enter),
 * without SECCOMP_FILTER_FLAG_TSYNC: a filter binds the thread that loads
 * it and the threads and children it creates later (seccomp(2)).  A call a
 * filter refuses raises SIGSYS; the handler prints one line naming the
 * call and the thread and ends the process with 8 (exit_status.h). */
#ifndef MINIVMM_VMM_SECCOMP_H
#define MINIVMM_VMM_SECCOMP_H

#include <stdbool.h>

#include "common/error.h"
#include "vmm/seccomp_policy.h"

/* Off (--seccomp off), nothing is built and seccomp_thread_enter does
 * nothing.  On, the filters are built with SCMP_ACT_TRAP as the default
 * action, or SCMP_ACT_LOG when the environment has
 * MINIVMM_SECCOMP_DISCOVER=1 (scripts/seccomp-discover.sh: the kernel logs
 * each refused call as an audit record, type=1326, and lets it run), and
 * the SIGSYS handler is installed.  A failure is the host's (exit 8). */
int seccomp_setup(bool on, struct error *err);
/* Installs thread t's filter in the calling thread; index numbers the
 * vCPU.  A filter that cannot be installed ends the run as a refused call
 * would, with one line and 8: the thread must not run unfiltered. */
void seccomp_thread_enter(enum seccomp_thread t, int index);
/* The same for kvm_vm_release_after_exit's child. */
void seccomp_teardown_enter(void);
/* What the SIGSYS report runs before the process exits, on the thread
 * that trapped: async-signal-safe, and only calls every thread's list
 * allows (seccomp_policy.c: the terminal's TCGETS and TCSETSF).  The teardown child
 * drops it. */
void seccomp_on_trap(void (*cleanup)(void));

#endif
