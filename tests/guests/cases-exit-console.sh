# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): how a run ends
# (debug-exit widths, triple fault, --timeout, reset, the kernel's panic
# line, --fail-on) and what it does with the console and the terminal (--console
# file/none, stdin closed or /dev/null, the terminal's modes put back, a
# pipe nobody reads).

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

# --- the kernel's panic line -------------------------------------------------
# panic.bzimage prints what Linux prints when it panics before any driver
# tells the host, then resets (panic=-1), hangs (panic=0) or writes to
# pvpanic.  The report is one member a line (vmm/run_report.c), read here
# with grep.
PANIC_LINE="Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"

if begin_test panic-line-then-reset; then
	rm -f "$tmp/panic.json"
	run --kernel "$GUESTDIR/panic.bzimage" --result-json "$tmp/panic.json" </dev/null
	check_exit 4
	grep -qxF "minivmm: guest kernel panicked: $PANIC_LINE" "$tmp/err" ||
		why+="stderr does not give the panic line as the reason; "
	grep -qxF "  \"kernel_panic\": \"$PANIC_LINE\"," "$tmp/panic.json" ||
		why+="the report's kernel_panic is not the line; "
	grep -qxF "  \"reason\": \"guest kernel panicked: $PANIC_LINE\"," "$tmp/panic.json" ||
		why+="the report's reason is not the line; "
	finish_test
fi

# panic=0: the kernel hangs; the timeout stays the status, the report
# still says a panic was seen.
if begin_test panic-line-then-hang; then
	rm -f "$tmp/panic.json"
	run --kernel "$GUESTDIR/panic.bzimage" --cmdline guest.end=hang --timeout 1 \
		--result-json "$tmp/panic.json" </dev/null
	check_exit 124
	grep -qxF "  \"kernel_panic\": \"$PANIC_LINE\"," "$tmp/panic.json" ||
		why+="the report's kernel_panic is not the line; "
	finish_test
fi

# pvpanic after the line (the driver's panic notifier): one report, with
# the line.
if begin_test panic-line-then-pvpanic; then
	run --kernel "$GUESTDIR/panic.bzimage" --cmdline guest.end=pvpanic </dev/null
	check_exit 4
	grep -qxF "minivmm: guest kernel panicked: $PANIC_LINE" "$tmp/err" ||
		why+="stderr does not give the panic line as the reason; "
	[ "$(grep -c panicked "$tmp/err")" = 1 ] || why+="the panic is reported more than once; "
	finish_test
fi

# Lines that only look like the panic line: the reset the guest asks for
# is 0, as documented.
if begin_test panic-look-alike-then-reset; then
	rm -f "$tmp/panic.json"
	run --kernel "$GUESTDIR/panic.bzimage" --cmdline guest.alike \
		--result-json "$tmp/panic.json" </dev/null
	check_common 0
	grep -qxF '  "kernel_panic": null,' "$tmp/panic.json" || why+="the report's kernel_panic is not null; "
	finish_test
fi

# --fail-on (issue 16) on the serial console of a plain boot: the panic
# line is a report too, listed with its console line (the guest's second);
# a reset after it stays a crash (4) with --fail-on all, a hang until
# --timeout becomes 10 with --fail-on panic, naming it; look-alikes are no
# report, and the reset after them stays 0.
PANIC_REPORT="    {\"kind\": \"panic\", \"line\": 2, \"text\": \"$PANIC_LINE\"}"
if begin_test fail-on-panic-then-reset; then
	rm -f "$tmp/panic.json"
	run --kernel "$GUESTDIR/panic.bzimage" --fail-on all --result-json "$tmp/panic.json" </dev/null
	check_exit 4
	grep -qxF "minivmm: guest kernel panicked: $PANIC_LINE" "$tmp/err" ||
		why+="stderr does not give the panic line as the reason; "
	grep -qxF "$PANIC_REPORT" "$tmp/panic.json" || why+="the report does not list the panic; "
	finish_test
fi

if begin_test fail-on-panic-then-hang; then
	rm -f "$tmp/panic.json"
	run --kernel "$GUESTDIR/panic.bzimage" --cmdline guest.end=hang --timeout 1 --fail-on panic \
		--result-json "$tmp/panic.json" </dev/null
	check_exit 10
	grep -qxF "minivmm: the guest kernel reported a problem (panic, console line 2): $PANIC_LINE" \
		"$tmp/err" || why+="stderr does not name the report as the reason; "
	grep -qxF "$PANIC_REPORT" "$tmp/panic.json" || why+="the report does not list the panic; "
	grep -qxF '  "status": 10,' "$tmp/panic.json" || why+="the report's status is not 10; "
	finish_test
fi

if begin_test fail-on-look-alike-then-reset; then
	rm -f "$tmp/panic.json"
	run --kernel "$GUESTDIR/panic.bzimage" --cmdline guest.alike --fail-on all \
		--result-json "$tmp/panic.json" </dev/null
	check_common 0
	grep -qxF '  "reports": [],' "$tmp/panic.json" || why+="the report lists reports; "
	finish_test
fi

# --- a console nobody reads ----------------------------------------------------
# flood.bzimage prints for ever into stdout, a pipe whose reader (sleep)
# never reads: the pipe fills at once, and the stop must not wait for it.

UNREAD_LIMIT=20   # the outer limit: a run still going then has hung

# run_unread_pipe TERM_AFTER ARGS...: minivmm ARGS with stdout that pipe
# and stderr in $tmp/err; TERM_AFTER seconds later (- for never) SIGTERM
# (timeout(1) passes it on).  Sets $status, and $hung when the outer limit
# ended it.
run_unread_pipe() {
	local after=$1 start reader pid
	shift
	rm -f "$tmp/unread"
	mkfifo "$tmp/unread"
	# shellcheck disable=SC2217 # the reader holds the pipe open, never reads
	sleep $((UNREAD_LIMIT + 30)) <"$tmp/unread" &
	reader=$!
	start=$(date +%s)
	timeout -k 5 "$UNREAD_LIMIT" "$MINIVMM" "$@" >"$tmp/unread" 2>"$tmp/err" </dev/null &
	pid=$!
	if [ "$after" != - ]; then
		sleep "$after"
		kill -TERM "$pid"
	fi
	wait "$pid"
	# shellcheck disable=SC2034 # read by check_common
	status=$?
	hung=0
	[ $(($(date +%s) - start)) -lt "$UNREAD_LIMIT" ] || hung=1
	kill "$reader" 2>/dev/null
	wait "$reader" 2>/dev/null
	: >"$tmp/console"
}

# check_unread_pipe STATUS: the run ended with STATUS before the outer
# limit, and the output it dropped is named on stderr and counted in the
# report ($tmp/flood.json).
check_unread_pipe() {
	if [ "$hung" = 1 ]; then
		why+="minivmm still running after ${UNREAD_LIMIT}s: the stop waited for the pipe; "
		return
	fi
	check_common "$1"
	grep -qE '^minivmm: console: [0-9]+ bytes of guest output dropped: stdout took no more' "$tmp/err" ||
		why+="stderr does not name the dropped output; "
	[ "$(grep -c '^minivmm: console: ' "$tmp/err")" -le 1 ] || why+="the dropped output is named more than once; "
	grep -qE '^  "console_bytes_dropped": [1-9][0-9]*,$' "$tmp/flood.json" ||
		why+="the report does not count dropped output: $(grep console_bytes_dropped "$tmp/flood.json"); "
}

if begin_test console-unread-pipe-timeout; then
	rm -f "$tmp/flood.json"
	run_unread_pipe - --kernel "$GUESTDIR/flood.bzimage" --timeout 5 --result-json "$tmp/flood.json"
	check_unread_pipe 124
	finish_test
fi

# SIGTERM after 6 s: long enough for the flood to have filled the pipe and
# minivmm's buffer even in a busy KVM box (3 s was not, once).
if begin_test console-unread-pipe-sigterm; then
	rm -f "$tmp/flood.json"
	run_unread_pipe 6 --kernel "$GUESTDIR/flood.bzimage" --result-json "$tmp/flood.json"
	check_unread_pipe 130
	finish_test
fi
