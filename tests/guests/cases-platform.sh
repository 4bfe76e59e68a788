# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# shellcheck disable=SC2016 # $name in the jq filters is jq's (--arg), not the shell's
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): the platform's
# ways out and CI mode.
#
#   acpi-off        power-off through the ACPI tables' sleep control register: 0
#   pvpanic         a panic reported through pvpanic: 4, "guest kernel panicked"
#   pic-masked      the 8259 pair masked at entry: IRQ 4 raised with
#                   interrupts on reaches nothing (KVM's power-on state would
#                   deliver vector 4 through LINT0: a triple fault, 4); the
#                   IMRs read 0xff; Linux's probe and init sequence works: 77
#   expect-*        --expect: 0 once the console shows the string, 124 when
#                   --timeout comes first, 6 when the guest resets first
#   result-json-*   --result-json's report, read with jq
#
# The CI-mode runs have stdin from /dev/null and stdout to a file (run's
# $tmp/out): no terminal anywhere, as under CI.

SPIN=$GUESTDIR/spin.bzimage
SPIN_LINE="spin: looping forever"
# Longer than any of these runs needs: reaching it means --expect missed.
EXPECT_TIMEOUT=30

if begin_test acpi-off; then
	run --kernel "$GUESTDIR/acpi-off.bzimage" --verbose </dev/null
	check_exit 0
	grep -q '^acpi-off: writing ' "$tmp/console" || why+="the guest never reached its write to the sleep control register; "
	grep -qx 'minivmm: guest powered off (ACPI S5)' "$tmp/err" || why+="no 'minivmm: guest powered off (ACPI S5)' with --verbose; "
	finish_test
fi

if begin_test pic-masked; then
	run --kernel "$GUESTDIR/pic.bzimage" </dev/null
	check_exit 77
	for line in "pic: nothing arrived through the 8259" "pic: both IMRs read 0xff" \
		    "pic: programmed as Linux's init_8259A does"; do
		grep -qxF "$line" "$tmp/console" || why+="no '$line' from the guest; "
	done
	finish_test
fi

# The guest writes CRASH_LOADED and unknown bits first (the VM must go on),
# then PANICKED.
if begin_test pvpanic; then
	run --kernel "$GUESTDIR/pvpanic.bzimage" </dev/null
	check_common 4
	grep -q '^pvpanic: port 0x505 reads ' "$tmp/console" || why+="the guest's read of port 0x505 is missing; "
	for line in "pvpanic: still running after CRASH_LOADED" "pvpanic: still running after unknown bits" \
		    "pvpanic: writing PANICKED"; do
		grep -qx "$line" "$tmp/console" || why+="no '$line' from the guest; "
	done
	[ "$(tail -n 1 "$tmp/err")" = "minivmm: guest kernel panicked" ] ||
		why+="stderr does not end with 'minivmm: guest kernel panicked'; "
	[ "$(grep -c 'CRASH_LOADED' "$tmp/err")" = 1 ] || why+="expected CRASH_LOADED noted once on stderr; "
	[ "$(grep -c '^minivmm: ' "$tmp/err")" = 2 ] ||
		why+="expected two 'minivmm: ' lines (the CRASH_LOADED note, the reason); "
	finish_test
fi

if begin_test expect-match; then
	run --kernel "$SPIN" --expect "$SPIN_LINE" --timeout "$EXPECT_TIMEOUT" </dev/null
	check_common 0
	grep -qx "$SPIN_LINE" "$tmp/console" || why+="the guest's line is missing from stdout; "
	finish_test
fi

# A prefix of the guest's line is enough: the match does not wait for the
# end of the line.
if begin_test expect-partial; then
	run --kernel "$SPIN" --expect "spin: loop" --timeout "$EXPECT_TIMEOUT" </dev/null
	check_common 0
	finish_test
fi

if begin_test expect-timeout; then
	run --kernel "$SPIN" --expect "$SPIN_LINE and more" --timeout 2 </dev/null
	check_exit 124
	finish_test
fi

if begin_test expect-missing-reset; then
	run --kernel "$GUESTDIR/reset.bzimage" --expect "never printed" </dev/null
	check_exit 6
	grep -q '^reset: ' "$tmp/console" || why+="the guest's line before the reset is missing from stdout; "
	finish_test
fi

if begin_test expect-missing-power-off; then
	run --kernel "$GUESTDIR/acpi-off.bzimage" --expect "never printed" </dev/null
	check_exit 6
	finish_test
fi

# A crash is still a crash (4), not a missing string (6).
if begin_test expect-crash; then
	run --kernel "$GUESTDIR/pvpanic.bzimage" --expect "never printed" </dev/null
	check_common 4
	[ "$(tail -n 1 "$tmp/err")" = "minivmm: guest kernel panicked" ] ||
		why+="stderr does not end with 'minivmm: guest kernel panicked'; "
	finish_test
fi

# --- --result-json ---------------------------------------------------------

# jq_ok NAME: true when jq is there; otherwise a failure in CI, a skip
# elsewhere.
jq_ok() {
	command -v jq >/dev/null && return 0
	if [ "${CI:-}" = "true" ]; then
		: >"$tmp/err"
		: >"$tmp/console"
		fail "$1" "jq is missing (scripts/install-deps.sh installs it; CI=true)"
	else
		skip "$1" "jq is missing"
	fi
	return 1
}

# check_json FILE DESCRIPTION JQ-ARGS...: jq -e JQ-ARGS on FILE must give
# true; appends DESCRIPTION to $why when it does not.
check_json() {
	local file=$1 what=$2
	shift 2
	jq -e "$@" "$file" >/dev/null 2>&1 || why+="$what; "
}

# check_report_json FILE STATUS KERNEL: what every report holds: valid
# JSON, the status, a reason, one CPU, a start time, the timings every run
# reaches (numbers, in order) and the kernel in the image list.  False when
# there is no report to check further.
check_report_json() {
	local file=$1 status=$2 kernel=$3
	if [ ! -s "$file" ]; then
		why+="no report in $file; "
		return 1
	fi
	if ! jq -e . "$file" >/dev/null 2>&1; then
		why+="the report is not valid JSON: $(head -c 300 "$file" | tr '\n' ' '); "
		return 1
	fi
	check_json "$file" "status is not $status" --argjson s "$status" '.status == $s'
	check_json "$file" "no reason" '.reason | type == "string" and length > 0'
	check_json "$file" "cpus is not 1" '.cpus == 1'
	check_json "$file" "start_time is not an ISO 8601 UTC time" \
		'.start_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?Z$")'
	check_json "$file" "timings_ms.start is not 0" '.timings_ms.start == 0'
	check_json "$file" "start, images_loaded, vm_created, first_guest_instruction, first_console_byte, end: not numbers in that order" \
		'.timings_ms | [.start, .images_loaded, .vm_created, .first_guest_instruction,
		  .first_console_byte, .end] | all(type == "number") and . == sort'
	check_json "$file" "the image list has no kernel $kernel" --arg k "$kernel" \
		'[.images[] | select(.kind == "kernel" and .path == $k)] | length == 1'
	return 0
}

if begin_test result-json-expect && jq_ok result-json-expect; then
	rm -f "$tmp/result.json"
	run --kernel "$SPIN" --expect "$SPIN_LINE" --timeout "$EXPECT_TIMEOUT" \
		--result-json "$tmp/result.json" </dev/null
	check_common 0
	if check_report_json "$tmp/result.json" 0 "$SPIN"; then
		check_json "$tmp/result.json" "expect is not the string given" --arg e "$SPIN_LINE" '.expect == $e'
		check_json "$tmp/result.json" "expect_matched is not true" '.expect_matched == true'
		check_json "$tmp/result.json" "console_tail's last line is not the guest's" --arg l "$SPIN_LINE" \
			'.console_tail[-1] == $l'
		check_json "$tmp/result.json" "marker is not a time between first_console_byte and end" \
			'.timings_ms | (.marker | type == "number") and .first_console_byte <= .marker and .marker <= .end'
	fi
	finish_test
fi

if begin_test result-json-timeout && jq_ok result-json-timeout; then
	rm -f "$tmp/result.json"
	run --kernel "$SPIN" --timeout 1 --result-json "$tmp/result.json" </dev/null
	check_exit 124
	if check_report_json "$tmp/result.json" 124 "$SPIN"; then
		check_json "$tmp/result.json" "the reason does not say timeout" '.reason | test("timeout")'
		check_json "$tmp/result.json" "expect is not null without --expect" '.expect == null and .expect_matched == false'
		check_json "$tmp/result.json" "console_tail's last line is not the guest's" --arg l "$SPIN_LINE" \
			'.console_tail[-1] == $l'
		check_json "$tmp/result.json" "marker is not null without --expect" '.timings_ms.marker == null'
	fi
	finish_test
fi

if begin_test result-json-panic && jq_ok result-json-panic; then
	rm -f "$tmp/result.json"
	run --kernel "$GUESTDIR/pvpanic.bzimage" --result-json "$tmp/result.json" </dev/null
	check_common 4
	if check_report_json "$tmp/result.json" 4 "$GUESTDIR/pvpanic.bzimage"; then
		check_json "$tmp/result.json" "the reason is not 'guest kernel panicked'" '.reason == "guest kernel panicked"'
		check_json "$tmp/result.json" "console_tail's last line is not the guest's last" \
			'.console_tail[-1] == "pvpanic: writing PANICKED"'
	fi
	finish_test
fi
