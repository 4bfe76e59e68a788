# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): the seccomp
# filters bite (issue 17).  minivmm-test-hooks, built beside MINIVMM by
# `make guest-test` and never installed, is minivmm with a test hook: with
# MINIVMM_TEST_SECCOMP_VCPU_GETPPID set, each vCPU thread calls getppid
# once its filter is in (vmm/seccomp.c), which no list allows
# (vmm/seccomp_policy.c).  The run ends with 8 and the one line naming the
# call and the thread; with --seccomp off the same call is harmless.

HOOKS=$(dirname "$MINIVMM")/minivmm-test-hooks

if begin_test seccomp-vcpu-forbidden-call; then
	if [ ! -x "$HOOKS" ]; then
		why+="$HOOKS is missing (make guest-test builds it); "
	else
		MINIVMM=$HOOKS MINIVMM_TEST_SECCOMP_VCPU_GETPPID=1 \
			run --kernel "$CHECK" --cmdline "exit=0x21" </dev/null
		check_common 8
		want='minivmm: seccomp: the vcpu0 thread made a system call its filter forbids: getppid (110) (--seccomp off runs without the filters)'
		grep -qxF "$want" "$tmp/err" || why+="stderr lacks the line '$want'; "
		[ "$(grep -c . "$tmp/err")" = 1 ] || why+="stderr has more than that one line; "
	fi
	finish_test
fi

# On a terminal the console makes raw, the SIGSYS report puts it back
# before the exit (seccomp_on_trap): the shell after minivmm, on the same
# terminal (script(1)'s pty), finds it in canonical mode with echo.
if begin_test seccomp-trap-restores-terminal; then
	if [ ! -x "$HOOKS" ]; then
		why+="$HOOKS is missing (make guest-test builds it); "
	else
		MINIVMM_TEST_SECCOMP_VCPU_GETPPID=1 timeout -k 5 "$OUTER_TIMEOUT" script -qec \
			"$(printf '%q ' "$HOOKS" --kernel "$CHECK" --cmdline exit=0x21); echo STATUS=\$?; stty -a" \
			/dev/null </dev/null >"$tmp/tty" 2>&1
		tr -d '\r' <"$tmp/tty" >"$tmp/err"
		grep -q '^STATUS=8$' "$tmp/err" || why+="minivmm did not end with 8 on the terminal; "
		grep -q 'filter forbids: getppid' "$tmp/err" || why+="no seccomp line on the terminal; "
		grep -qE '(^| )icanon( |;|$)' "$tmp/err" && grep -qE '(^| )echo( |;|$)' "$tmp/err" ||
			why+="the terminal stayed raw: $(grep -oE -- '-?(icanon|echo)( |;|$)' "$tmp/err" | tr '\n' ' '); "
	fi
	finish_test
fi

if begin_test seccomp-off; then
	if [ ! -x "$HOOKS" ]; then
		why+="$HOOKS is missing (make guest-test builds it); "
	else
		MINIVMM=$HOOKS MINIVMM_TEST_SECCOMP_VCPU_GETPPID=1 \
			run --seccomp off --kernel "$CHECK" --cmdline "exit=0x21" </dev/null
		check_exit $((0x21 * 2 + 1))
		grep -q 'seccomp' "$tmp/err" && why+="stderr names seccomp: $(grep -m1 seccomp "$tmp/err"); "
	fi
	finish_test
fi

# The filters are on by default in the shipped binary, and a whole
# two-vCPU boot with the devices passes under them.
if begin_test seccomp-on-by-default; then
	run --kernel "$GUESTDIR/smp.bzimage" --cpus 2 --cmdline cpus=2 </dev/null
	check_exit 1
	grep -q 'seccomp' "$tmp/err" && why+="stderr names seccomp: $(grep -m1 seccomp "$tmp/err"); "
	finish_test
fi

if begin_test seccomp-bad-value; then
	run --seccomp maybe --kernel "$CHECK" </dev/null
	check_common 2
	want="minivmm: --seccomp 'maybe': expected on or off"
	grep -qxF "$want" "$tmp/err" || why+="stderr lacks the line '$want'; "
	finish_test
fi
