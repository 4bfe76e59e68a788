#!/usr/bin/env bash
# tests/with-kvm.sh GROUP COMMAND [ARGS...] — runs one group of tests that
# needs KVM where KVM is: on this machine's /dev/kvm when it is usable,
# otherwise inside the KVM box (scripts/box-run.sh --host-root: the box
# mounts this machine's files read-only, so COMMAND runs there unchanged,
# in this folder).  Says first where the group runs, and why.
#
# MINIVMM_KVM chooses the place:
#   auto (default)  the host's /dev/kvm when it opens read-write (kvm_pvm
#                   included: tiny guests run fine there), else the box
#   host            the host's /dev/kvm; without one the group fails
#   box             the KVM box, even where the host has /dev/kvm
#
# Exit status: COMMAND's own, or when the box itself failed (after one retry
# with a fresh box for a box that stalled or did not start) the box's
# status, 90-95 (scripts/box-run.sh), after a line "BOX FAILURE GROUP: ...":
# a box failure is never a pass and never reads as a test failure.  Where
# the box cannot even be set up (status 94: no QEMU, no kernel package) the
# group fails under CI=true and is reported as skipped, with the reason,
# elsewhere.
#
# Environment passed into the box: CI, V, MINIVMM_KVM (as host), Check's
# CK_* selection, ASAN_OPTIONS and UBSAN_OPTIONS.  WITH_KVM_TIMEOUT (seconds
# for the whole box run, default 2400) and WITH_KVM_STALL (seconds of
# console silence before the box counts as stalled, default 300).
set -u

if [ $# -lt 2 ]; then
	echo "usage: tests/with-kvm.sh GROUP COMMAND [ARGS...]" >&2
	exit 2
fi
group=$1
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/kvm-device.sh
. "$here/kvm-device.sh"

where=$(kvm_place with-kvm) || exit 2
reason=$(kvm_device_problem)

if [ "$where" = host ]; then
	if [ -n "$reason" ]; then
		echo "FAIL $group: MINIVMM_KVM=host, but $reason"
		exit 1
	fi
	echo "== $group: on the host's /dev/kvm"
	exec "$@"
fi

why=${reason:-MINIVMM_KVM=box}
echo "== $group: in the KVM box ($why)"
# The command line for the box's /bin/sh, every word quoted.
cmd="export MINIVMM_KVM=host"
for v in CI V ASAN_OPTIONS UBSAN_OPTIONS CK_RUN_SUITE CK_RUN_CASE CK_INCLUDE_TAGS \
	CK_EXCLUDE_TAGS CK_VERBOSITY CK_DEFAULT_TIMEOUT CK_TIMEOUT_MULTIPLIER; do
	[ -n "${!v+set}" ] && cmd+=" $v=$(shq "${!v}")"
done
cmd+="; exec"
for a in "$@"; do cmd+=" $(shq "$a")"; done

# The box's own failures are the statuses 90-95 that come with a "box:"
# line on stderr; without one, 90-95 is the command's own status.
errlog=$(mktemp "${TMPDIR:-/tmp}/with-kvm.XXXXXX") || exit 2
trap 'rm -f "$errlog"' EXIT
box_failed() { [ "$rc" -ge 90 ] && [ "$rc" -le 95 ] && grep -q '^box: ' "$errlog"; }
for attempt in 1 2; do
	"$here/../scripts/box-run.sh" --host-root --timeout "${WITH_KVM_TIMEOUT:-2400}" \
		--stall "${WITH_KVM_STALL:-300}" -- "$cmd" 2>"$errlog"
	rc=$?
	cat "$errlog" >&2   # box-run.sh's stderr: QEMU's words and its box: line
	box_failed || break
	case "$rc" in
	90 | 91 | 92 | 95)
		# The box did not start, or stopped: a fresh one, once.
		if [ "$attempt" = 1 ]; then
			echo "== $group: the box failed (status $rc); once more in a fresh box"
			continue
		fi ;;
	94)
		if [ "${CI:-}" != true ]; then
			echo "skip $group: the KVM box cannot be set up here (status 94, see the box: line above)"
			exit 0
		fi ;;
	esac
	break
done
if box_failed; then
	echo "BOX FAILURE $group: the KVM box failed with status $rc (see the box: line above); the tests did not run to the end"
fi
exit "$rc"
