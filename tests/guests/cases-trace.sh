# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp, GUESTDIR and CHECK come from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): --trace-boot, the
# boot timeline on stderr.  Checks the events' names and order and that the
# numbers are the ones --result-json reports; never how long anything took.

# trace_lines: the "minivmm: trace:" lines of the last run, as
# "NAME MS" (MS "-" when the event was not reached), in printed order.
trace_lines() {
	sed -n 's/^minivmm: trace: *\([-0-9.]*\) ms  \([a-z_]*\).*/\2 \1/p' "$tmp/err"
}

# check_trace_order: every event once, in timeline order, reached ones
# never earlier than the one before.
check_trace_order() {
	local names
	names=$(trace_lines | awk '{ printf "%s ", $1 }')
	[ "$names" = "start images_loaded vm_created first_guest_instruction first_console_byte marker end " ] ||
		why+="trace events are '$names'; "
	trace_lines | awk '$2 != "-" { if ($2 + 0 < last) bad = 1; last = $2 + 0 } END { exit bad }' ||
		why+="a reached event is earlier than the one before it: $(trace_lines | tr '\n' ' '); "
}

if begin_test trace-boot-expect && jq_ok trace-boot-expect; then
	rm -f "$tmp/result.json"
	run --kernel "$GUESTDIR/spin.bzimage" --expect "spin: looping forever" --timeout 30 \
		--trace-boot --result-json "$tmp/result.json" </dev/null
	check_common 0
	check_trace_order
	for ev in start images_loaded vm_created first_guest_instruction first_console_byte marker end; do
		printed=$(trace_lines | awk -v e="$ev" '$1 == e { print $2 }')
		reported=$(jq -r --arg e "$ev" '.timings_ms[$e] | if . == null then "-" else "\(.)" end' \
			"$tmp/result.json" 2>/dev/null)
		# jq drops trailing zeros (1.5 for 1.500): compare as numbers.
		if [ "$printed" = - ] || ! awk -v a="$printed" -v b="$reported" 'BEGIN { exit !(a == b) }'; then
			why+="$ev: --trace-boot says '$printed', --result-json '$reported'; "
		fi
	done
	finish_test
fi

# Without --expect there is no marker; every other event is reached.
if begin_test trace-boot-no-expect; then
	run --kernel "$CHECK" --cmdline "exit=4" --trace-boot </dev/null
	check_common 9
	check_trace_order
	trace_lines | grep -qx "marker -" || why+="marker is not '(not reached)' without --expect; "
	for ev in start images_loaded vm_created first_guest_instruction first_console_byte end; do
		trace_lines | grep -q "^$ev [0-9]" || why+="$ev has no time; "
	done
	finish_test
fi
