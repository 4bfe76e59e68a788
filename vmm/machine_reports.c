/* --fail-on (README "Problem reports"): a run whose console showed a
 * kernel problem report of a listed kind ends with 10, whatever the guest
 * did next, so that a kernel that warned, oopsed or locked up and then
 * powered off (or ran its command to the end) is not a pass. */
#include <inttypes.h>
#include <stdio.h>

#include "vmm/exit_status.h"
#include "vmm/machine.h"

/* Statuses that say more than a report and stay: the user's or minivmm's
 * own trouble (2, 8), a signal (130), and a crash (4: a panic, pvpanic,
 * a triple fault), which is the bigger news.  The rest (0, a debug-exit
 * value, 6, 124, and the command's own status with -- CMD) become 10: a
 * guest that reported a problem and then ended, or hung until the
 * timeout, has not passed. */
static bool machine_reports_keep(const struct machine *m)
{
	int status = m->stop.status;
	if (m->cfg->command && m->command.ended_run)
		return false;   /* the command's status, whatever its number */
	return status == EXIT_USAGE || status == EXIT_GUEST_CRASHED ||
	       status == EXIT_HOST_FAILED || status == EXIT_INTERRUPTED;
}

void machine_judge_reports(struct machine *m)
{
	const struct console_watch_report *r = console_watch_earliest(&m->watch, m->cfg->fail_on);
	if (!r || machine_reports_keep(m))
		return;
	struct vm_stop *s = &m->stop;
	snprintf(s->reason, sizeof(s->reason),
		 "the guest kernel reported a problem (%s, console line %" PRIu64 "): %.180s",
		 console_watch_kind_name(r->kind), r->line, r->text);
	s->status = EXIT_GUEST_REPORTED;
	if (m->cfg->command && m->command.ended_run) {
		/* The status is no longer the command's (which the report
		 * still gives as command_status): minivmm says why, and the
		 * kernel's log shows, as for any run that failed. */
		m->command.ended_run = false;
		machine_command_print_log(m);
	}
}
