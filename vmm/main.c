/* minivmm: options in, exit status out.  The only place that decides to
 * exit. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "common/interrupt.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/exit_status.h"
#include "vmm/machine.h"
#include "vmm/seccomp.h"

/* A closed stdin/stdout/stderr would let the next open() take its number
 * (then /dev/kvm would become "stdin"); park /dev/null there instead. */
static void main_guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (n >= 0 && n != fd)
				close(n);
		}
	}
}

/* A failure before the guest runs: the user's to fix (2), or minivmm's on
 * the host (8), as the error says (common/error.h). */
static int main_setup_status(const struct error *err)
{
	return err->kind == ERROR_HOST ? EXIT_HOST_FAILED : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static struct run_timeline timeline;
	run_timeline_start(&timeline);
	main_guard_std_fds();
	/* SIGUSR1 asks for a dump once the guest runs (machine_run reads it
	 * from a signalfd); one sent earlier waits for that instead of
	 * killing minivmm (its default action). */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	/* SIGINT, SIGTERM and SIGHUP end setup too, with 130 and the report. */
	interrupt_catch();
	struct vm_config cfg;
	struct error err = { 0 };
	switch (options_parse(argc, argv, &cfg, &err)) {
	case OPTIONS_EXIT_OK:
		options_free(&cfg);
		return EXIT_GUEST_OFF;
	case OPTIONS_ERROR:
		fprintf(stderr, "minivmm: %s\n", err.msg);
		options_free(&cfg);
		return main_setup_status(&err);
	case OPTIONS_RUN:
		break;
	}

	/* The filters are built now and installed by each thread once the
	 * guest runs (seccomp.h). */
	if (seccomp_setup(cfg.seccomp, &err) < 0) {
		fprintf(stderr, "minivmm: %s\n", err.msg);
		options_free(&cfg);
		return main_setup_status(&err);
	}
	seccomp_on_trap(console_restore_terminal);
	static struct machine m;
	int status;
	const char *reason;
	int setup = machine_setup(&m, &cfg, &timeline, &err);
	/* Later signals wait for machine_run's signalfd; one that came during
	 * setup wins over what it made setup fail with. */
	interrupt_hold();
	char interrupted[64];
	if (interrupt_signal()) {
		snprintf(interrupted, sizeof(interrupted), "interrupted by %s during setup",
			 interrupt_signal_name(interrupt_signal()));
		status = EXIT_INTERRUPTED;
		reason = interrupted;
		console_close(&m.console);
		fprintf(stderr, "minivmm: %s\n", reason);
	} else if (setup < 0) {
		status = main_setup_status(&err);
		reason = err.msg;
		fprintf(stderr, "minivmm: %s\n", reason);
	} else if (setup > 0) {
		/* --dump-dtb wrote the tree, as QEMU's dumpdtb does. */
		status = EXIT_GUEST_OFF;
		reason = "--dump-dtb: the device tree was written";
		console_close(&m.console);
		if (cfg.verbose)
			fprintf(stderr, "minivmm: %s to %s\n", reason, cfg.dump_dtb_path);
	} else {
		status = machine_run(&m);
		reason = m.stop.reason;
		/* Terminal back to normal before the last word. */
		console_close(&m.console);
		/* A command's own status needs no word: stderr is the
		 * command's. */
		if ((status != 0 && !m.command.ended_run) || cfg.verbose)
			fprintf(stderr, "minivmm: %s\n", reason);
	}
	run_timeline_mark(&timeline, RUN_EVENT_END);
	if (cfg.trace_boot)
		run_timeline_print(&timeline, stderr);
	struct error report_err = { 0 };
	if (machine_report(&m, status, reason, &report_err) < 0) {
		fprintf(stderr, "minivmm: %s\n", report_err.msg);
		if (status == EXIT_GUEST_OFF)
			status = EXIT_HOST_FAILED;
	}
	kvm_vm_release_after_exit(&m.vm, seccomp_teardown_enter);
	machine_teardown(&m);
	options_free(&cfg);
	return status;
}
