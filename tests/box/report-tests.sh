#!/usr/bin/env bash
# tests/box/report-tests.sh MINIVMM — the kernel's problem reports as
# verdicts (issue 16: --fail-on, exit status 10, the "reports" list of
# --result-json) with the project's minimal kernel and LKDTM
# (Documentation/fault-injection/provoke-crashes.rst), in ONE run of the
# KVM box (scripts/box-run.sh --host-root).  Each guest is a `-- CMD` run
# whose command mounts debugfs and writes a crash type to
# /sys/kernel/debug/provoke-crash/DIRECT (the kernel's log is hidden in
# that mode: the watch must still see it):
#
#   clean        -- true with --fail-on all gives 0 and an empty list
#   warning      WARNING: listed as "warning" with its console line (the
#                line is in the console tail there); 0 without --fail-on,
#                0 with --fail-on soft-lockup (not listed), 10 with
#                --fail-on all: the reason names the kind and the line on
#                stderr and in the report, command_status stays 0, and the
#                kernel's log is printed on stderr
#   bug          BUG (the writer is killed, the kernel goes on): "kernel BUG
#                at drivers/misc/lkdtm/bugs.c" listed as "bug"; 0 without,
#                10 with --fail-on all
#   oops         EXCEPTION: "BUG: kernel NULL pointer dereference" (bug) and
#                "Oops: 0002" (oops) both listed; --fail-on oops names oops
#   hungtask     HUNG_TASK in the background, hung_task_timeout_secs=1:
#                "INFO: task ... blocked for more than" listed as
#                "hung-task"; 0 without, 10 with --fail-on all
#   panic        PANIC with --fail-on all: the crash stays 4, and the panic
#                is still listed
#   softlockup   SOFTLOCKUP from the command line (lkdtm.cpoint_name=DIRECT,
#                no command) with watchdog_thresh=1 and --expect: "watchdog:
#                BUG: soft lockup" listed as "soft-lockup" (not "bug"); 0
#                without, 10 with --fail-on all
#
# Prints `ok NAME` or `FAIL NAME: why`, a `# ID: exit N {...}` line per
# minivmm run (its reason and reports), then `N passed, N failed`.  A box
# that does not start or stalls is retried once in a fresh box, then each
# test is a BOX FAILURE and the run ends with the box's status (90-95); a
# test with no result never counts as passed.  V=1 echoes the box's console.
# MINIVMM_MINIMAL_KERNEL=PATH uses that bzImage instead of building
# images/minimal-kernel.sh's.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTS=(
	"clean a clean run with --fail-on all gives 0 and no report"
	"warning WARNING is listed, 0 without --fail-on, 10 with it"
	"bug BUG is listed as bug, 0 without --fail-on, 10 with it"
	"oops EXCEPTION lists bug and oops; --fail-on oops names oops"
	"hungtask a hung task is hung-task, 0 without --fail-on, 10 with it"
	"panic a panic with --fail-on all stays 4 and is listed"
	"softlockup a soft lockup is soft-lockup, 0 without --fail-on, 10 with it"
)
RUN_TIMEOUT=120

# ============================================================================
# The box half: bash tests/box/report-tests.sh --in-box DIR.  DIR/env sets
# MINIVMM and MINIMAL_KERNEL.
# ============================================================================

# shellcheck disable=SC2153 # MINIVMM comes from DIR/env
# run ID ARGS...: minivmm ARGS, stdout and stderr in $work/ID.out, ID.err,
# the report in ID.json, status in $rc.
run() {
	local id=$1
	shift
	rm -f "$work/$id.json"
	timeout -s KILL $((RUN_TIMEOUT + 30)) "$MINIVMM" --timeout "$RUN_TIMEOUT" \
		--result-json "$work/$id.json" "$@" </dev/null >"$work/$id.out" 2>"$work/$id.err"
	rc=$?
	# What each run gave, for the log (V=1 shows it as it comes).
	echo "RT-INFO $id: exit $rc $(jq -c '{reason, command_status, reports: [.reports[] | "\(.kind)@\(.line): \(.text)"], reports_dropped}' \
		"$work/$id.json" 2>&1 | cut -c1-600)"
}

# why_rc WANT: a complaint when $rc is not WANT, with minivmm's last line.
why_rc() {
	[ "$rc" = "$1" ] && return
	printf "exit status %s, want %s (%s); " "$rc" "$1" \
		"$(grep -v '^ *$' "$work/$id.err" | tail -n 1 | cut -c1-200)"
}

# jq_check FILTER WHAT: a complaint naming WHAT unless jq -e FILTER holds
# for the report.
jq_check() {
	jq -e "$1" "$work/$id.json" >/dev/null 2>&1 && return
	printf "%s (report: %s); " "$2" "$(jq -c '{status, reason, command_status, reports, reports_dropped}' \
		"$work/$id.json" 2>&1 | cut -c1-400)"
}

# listed KIND HEADER: a complaint unless the report lists a KIND report
# whose text starts with HEADER, on a console line that the tail shows with
# that text.
listed() {
	jq_check "[.reports[] | select(.kind == \"$1\" and (.text | startswith(\"$2\")))] | length >= 1" \
		"no $1 report starting '$2' listed"
	jq_check "[.reports[] | select(.kind == \"$1\") | .line] | all(. > 0)" "a $1 report without its line"
	jq_check "[.reports[] | select(.kind == \"$1\") | .text] as \$t | .console_tail | any(contains(\$t[0]))" \
		"the first $1 report's text is not in the console tail"
}

# failed KIND HEADER: a complaint unless the run's reason, on stderr and in
# the report, names KIND and a line starting with HEADER.
failed() {
	local want="the guest kernel reported a problem ($1, console line "
	grep -qF "minivmm: $want" "$work/$id.err" ||
		printf "stderr lacks 'minivmm: %s...' (last line: %s); " "$want" \
			"$(tail -n 1 "$work/$id.err" | cut -c1-200)"
	jq_check ".status == 10 and (.reason | startswith(\"$want\")) and (.reason | contains(\"): $2\"))" \
		"the report's reason does not name $1 and '$2'"
}

# verdict KEY WHY; a failure shows the end of its last run's console.
verdict() {
	if [ -z "$2" ]; then
		echo "RT-RESULT $1 ok"
		return
	fi
	echo "RT-RESULT $1 FAIL ${2%; }"
	jq -r '.console_tail[]' "$work/$id.json" 2>&1 | tail -n 30 | sed "s/^/RT-TAIL $1: /"
}

# The command's start: debugfs, where LKDTM's DIRECT is ($D, for the
# shells the commands start too).
DEBUGFS='mount -t debugfs none /sys/kernel/debug && export D=/sys/kernel/debug/provoke-crash/DIRECT'

box_tests() {
	local why id
	local -a K=(--kernel "$MINIMAL_KERNEL")

	id=clean
	run "$id" "${K[@]}" --fail-on all -- true
	why=$(why_rc 0)
	why+=$(jq_check '.status == 0 and .reports == [] and .reports_dropped == 0' "reports listed for a clean run")
	verdict clean "$why"

	id=warning
	run "$id" "${K[@]}" -- sh -c "$DEBUGFS && echo WARNING > \$D"
	why=$(why_rc 0)
	why+=$(listed warning "WARNING: CPU: ")
	why+=$(jq_check '.command_status == 0' "command_status is not 0")
	run "$id" "${K[@]}" --fail-on soft-lockup,hung-task -- sh -c "$DEBUGFS && echo WARNING > \$D"
	why+=$(why_rc 0)
	run "$id" "${K[@]}" --fail-on all -- sh -c "$DEBUGFS && echo WARNING > \$D"
	why+=$(why_rc 10)
	why+=$(failed warning "WARNING: CPU: ")
	why+=$(listed warning "WARNING: CPU: ")
	why+=$(jq_check '.command_status == 0' "with --fail-on all, command_status is not the command's 0")
	grep -q 'lkdtm_WARNING' "$work/$id.err" || why+="stderr lacks the kernel's log (lkdtm_WARNING); "
	verdict warning "$why"

	# The inner shell is the writer BUG() kills; the outer one goes on.
	id=bug
	run "$id" "${K[@]}" -- sh -c "$DEBUGFS && sh -c 'echo BUG > \$D'; exit 0"
	why=$(why_rc 0)
	why+=$(listed bug "kernel BUG at drivers/misc/lkdtm/bugs.c:")
	run "$id" "${K[@]}" --fail-on all -- sh -c "$DEBUGFS && sh -c 'echo BUG > \$D'; exit 0"
	why+=$(why_rc 10)
	why+=$(failed bug "kernel BUG at drivers/misc/lkdtm/bugs.c:")
	verdict bug "$why"

	id=oops
	run "$id" "${K[@]}" --fail-on oops -- sh -c "$DEBUGFS && sh -c 'echo EXCEPTION > \$D'; exit 0"
	why=$(why_rc 10)
	why+=$(listed bug "BUG: kernel NULL pointer dereference")
	why+=$(listed oops "Oops: ")
	why+=$(failed oops "Oops: ")
	verdict oops "$why"

	# HUNG_TASK sleeps uninterruptibly for ever, in the background; the
	# detector wakes at once when its timeout is written
	# (kernel/hung_task.c, proc_dohung_task_timeout_secs) and reports a
	# task that did not run for that long at its next look.  The command
	# ends once the kernel's log holds the report (3 when it never came in
	# 60 s), not after a fixed sleep: the box's speed varies.
	local hang="$DEBUGFS && echo 1 > /proc/sys/kernel/hung_task_timeout_secs &&
		{ sh -c 'echo HUNG_TASK > \$D' & } && i=0 &&
		while ! dmesg | grep -q 'blocked for more than'; do
			i=\$((i + 1)); [ \$i -le 60 ] || exit 3; sleep 1; done"
	id=hungtask
	run "$id" "${K[@]}" -- sh -c "$hang"
	why=$(why_rc 0)
	why+=$(listed hung-task "INFO: task sh:")
	run "$id" "${K[@]}" --fail-on all -- sh -c "$hang"
	why+=$(why_rc 10)
	why+=$(failed hung-task "INFO: task sh:")
	why+=$(jq_check '.command_status == 0' "with --fail-on all, command_status is not the command's 0")
	verdict hungtask "$why"

	id=panic
	run "$id" "${K[@]}" --fail-on all -- sh -c "$DEBUGFS && echo PANIC > \$D; sleep 10"
	why=$(why_rc 4)
	why+=$(listed panic "Kernel panic - not syncing: dumptest")
	why+=$(jq_check '.status == 4 and .command_status == null' "not a crash with command_status null")
	verdict panic "$why"

	# SOFTLOCKUP spins with preemption off for ever.  LKDTM built in runs
	# it at once when its DIRECT crash point is given on the command line
	# (drivers/misc/lkdtm/core.c, lkdtm_register_cpoint), on the one vCPU
	# during the initcalls, after lockup_detector_init (init/main.c): the
	# watchdog's timer reports it after 2 * watchdog_thresh s
	# (kernel/watchdog.c) and --expect ends the run.  No second vCPU, no
	# command: a run with a vCPU spinning beside the command's once hung
	# the box's later guests.  Last, for the same reason.
	id=softlockup
	local -a S=(--cmdline "watchdog_thresh=1 lkdtm.cpoint_name=DIRECT lkdtm.cpoint_type=SOFTLOCKUP"
		--expect "soft lockup - CPU#0 stuck for")
	run "$id" "${K[@]}" "${S[@]}"
	why=$(why_rc 0)
	why+=$(listed soft-lockup "watchdog: BUG: soft lockup - CPU#0")
	run "$id" "${K[@]}" "${S[@]}" --fail-on all
	why+=$(why_rc 10)
	why+=$(failed soft-lockup "watchdog: BUG: soft lockup - CPU#0")
	why+=$(jq_check '[.reports[] | select(.kind == "bug")] == []' "the soft lockup is also listed as bug")
	verdict softlockup "$why"
}

# shellcheck disable=SC2153 # MINIVMM, MINIMAL_KERNEL come from DIR/env
in_box() {
	# shellcheck source=/dev/null
	. "$1/env"
	command -v jq >/dev/null || { echo "RT-SETUP-FAIL jq is missing in the box"; return 1; }
	work=$(mktemp -d /tmp/report-box.XXXXXX) || { echo "RT-SETUP-FAIL mktemp"; return 1; }
	box_tests
	echo "RT-DONE"
}

if [ "${1:-}" = --in-box ]; then
	in_box "$2"
	exit 0
fi

# ============================================================================
# The host half.
# ============================================================================
[ $# -eq 1 ] || { echo "usage: tests/box/report-tests.sh MINIVMM" >&2; exit 2; }
minivmm=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"
passed=0 failed=0

[ -x "${minivmm%/*}/minivmm-init" ] || box_fail_all "${minivmm%/*}/minivmm-init is missing (make builds it)"
command -v jq >/dev/null || box_fail_all "jq is missing (scripts/install-deps.sh)"
if [ -n "${MINIVMM_MINIMAL_KERNEL:-}" ]; then
	minimal=$MINIVMM_MINIMAL_KERNEL
else
	kdir=$("$repo/images/minimal-kernel.sh" 2>"$tmp/kernel.err") ||
		box_fail_all "images/minimal-kernel.sh failed: $(tail -n 1 "$tmp/kernel.err")"
	minimal=$kdir/bzImage
fi
# LKDTM and the detectors are what these tests provoke: a kernel without
# them would make every test fail for a reason that is not minivmm's.
# (A MINIVMM_MINIMAL_KERNEL without its .config beside it is taken as it is.)
config=$(dirname "$minimal")/.config
for opt in CONFIG_LKDTM CONFIG_DEBUG_FS CONFIG_SOFTLOCKUP_DETECTOR CONFIG_DETECT_HUNG_TASK; do
	[ ! -e "$config" ] || grep -qx "$opt=y" "$config" || box_fail_all "$minimal: $opt=y is not in $config"
done
{
	echo "MINIVMM=$(shq "$minivmm")"
	echo "MINIMAL_KERNEL=$(shq "$minimal")"
} >"$tmp/env"

cmd="bash $(shq "$repo/tests/box/report-tests.sh") --in-box $(shq "$tmp")"
box_run_retried "$tmp/console" --host-root --timeout 1200 --stall 300 -- "$cmd"

box_results RT "$tmp/console"
# Each run's status and reports, as the box saw them.
tr -d '\r' <"$tmp/console" | sed -n 's/^RT-INFO /# /p; s/^RT-TAIL /# console of /p'
box_exit
