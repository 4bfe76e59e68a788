/* The exit-status contract (README "Exit status", --help).  CI systems trust
 * these numbers: change them only with the README. */
#ifndef MINIVMM_VMM_EXIT_STATUS_H
#define MINIVMM_VMM_EXIT_STATUS_H

enum exit_status {
	EXIT_GUEST_OFF     = 0,   /* guest powered off or asked for a reset; --expect matched */
	/* odd values: (v << 1) | 1 for a value v written to the debug-exit port */
	EXIT_USAGE         = 2,   /* bad option, bad image, /dev/kvm trouble */
	EXIT_GUEST_CRASHED = 4,   /* pvpanic, triple fault, failed entry, internal error */
	EXIT_EXPECT_MISSING = 6,  /* --expect: the guest ended before the console showed it */
	EXIT_HOST_FAILED   = 8,   /* minivmm itself failed on the host (ERROR_HOST at
	                           * setup, or while the guest ran), or on the
	                           * --dump-on dump of a run that ended with 0,
	                           * or a system call a thread's seccomp filter
	                           * forbids (seccomp.c) */
	EXIT_GUEST_REPORTED = 10, /* --fail-on: the guest kernel reported a problem of a
	                           * listed kind on the console (console_watch.h);
	                           * replaces 0, odd, 6, 124 and CMD's status, never
	                           * a crash (4), 2, 8 or 130 */
	EXIT_TIMEOUT       = 124, /* --timeout expired (as timeout(1)) */
	EXIT_INTERRUPTED   = 130, /* SIGINT/SIGTERM/SIGHUP or Ctrl-A x */
};

#endif
