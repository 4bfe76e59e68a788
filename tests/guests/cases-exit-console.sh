# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): how a run ends
# (debug-exit widths, triple fault, --timeout, reset) and what it does with
# the console and the terminal (--console file/none, stdin closed or
# /dev/null, the terminal's modes put back).

# debug-exit written as a 16-bit and a 32-bit value.
for w in 2 4; do
	if begin_test "debug-exit-width$w"; then
		run --kernel "$CHECK" --cmdline "exit=0x33 exitw=$w" </dev/null
		check_exit $((0x33 * 2 + 1))
		finish_test
	fi
done

# No exit= on the command line: the guest writes 0, status 1.  The file
# held more than the guest prints: once setup succeeds it starts empty.
if begin_test console-file; then
	yes 'stale line of an earlier run' | head -n 5000 >"$tmp/console-file.txt"
	run --kernel "$CHECK" --console "file:$tmp/console-file.txt" </dev/null
	check_exit 1
	[ ! -s "$tmp/out" ] || why+="stdout is not empty with --console file: ($(head -c 200 "$tmp/out" | tr '\n' '|')); "
	if [ ! -f "$tmp/console-file.txt" ]; then
		why+="$tmp/console-file.txt was not created; "
	else
		grep -q '^serial ok' "$tmp/console-file.txt" || why+="no 'serial ok' in the console file; "
		grep -q 'stale line' "$tmp/console-file.txt" && why+="the console file kept an earlier run's bytes; "
		grep -q '^FAIL' "$tmp/console-file.txt" && why+="the guest reported: $(grep -m1 '^FAIL' "$tmp/console-file.txt"); "
	fi
	finish_test
fi

if begin_test console-none; then
	run --kernel "$CHECK" --console none --cmdline "exit=4" </dev/null
	check_exit 9
	[ ! -s "$tmp/out" ] || why+="stdout is not empty with --console none; "
	finish_test
fi

if begin_test triple-fault; then
	run --kernel "$GUESTDIR/triple-fault.bzimage" </dev/null
	check_exit 4
	grep -q '^triple-fault: ' "$tmp/console" || why+="the guest's line before the fault is missing from stdout; "
	finish_test
fi

if begin_test timeout; then
	run --kernel "$GUESTDIR/spin.bzimage" --timeout 2 </dev/null
	check_exit 124
	grep -q '^spin: ' "$tmp/console" || why+="the guest's line before spinning is missing from stdout; "
	finish_test
fi

if begin_test reset; then
	run --kernel "$GUESTDIR/reset.bzimage" </dev/null
	check_common 0
	grep -q '^reset: ' "$tmp/console" || why+="the guest's line before the reset is missing from stdout; "
	finish_test
fi

if begin_test stdin-closed; then
	run --kernel "$CHECK" --cmdline "exit=5" <&-
	check_exit 11
	grep -qx 'serial ok' "$tmp/console" || why+="no 'serial ok' on stdout; "
	finish_test
fi

if begin_test stdin-devnull; then
	run --kernel "$CHECK" --cmdline "exit=6" </dev/null
	check_exit 13
	grep -qx 'serial ok' "$tmp/console" || why+="no 'serial ok' on stdout; "
	finish_test
fi

# On a terminal minivmm puts stdin in raw mode; every way out must put it
# back.  script(1) gives minivmm a pseudo-terminal; stty reads it afterwards.
if begin_test terminal-restored; then
	for how in "check.bzimage --cmdline exit=1" "spin.bzimage --timeout 1" \
		   "triple-fault.bzimage" "reset.bzimage"; do
		# shellcheck disable=SC2086 # $how is a guest and its options
		modes=$(script -qec "stty sane; $MINIVMM --kernel $GUESTDIR/$how >/dev/null 2>&1; stty -a" /dev/null)
		for mode in icanon echo isig icrnl; do
			grep -qw -- "-$mode" <<<"$modes" && why+="'$how' left -$mode; "
			grep -qw -- "$mode" <<<"$modes" || why+="'$how': no stty output; "
		done
	done
	finish_test
fi
