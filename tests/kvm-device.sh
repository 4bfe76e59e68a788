# shellcheck shell=bash
# Sourced by the test runners and the bench, so that each decides where KVM
# is by one rule and says why in the same words.
#
#   kvm_device_problem   why the KVM device cannot be used by this user
#                        (nothing when it can); the device is /dev/kvm, or
#                        MINIVMM_KVM_DEVICE (tests point it at a missing path)
#   kvm_place WHO        host or box, from MINIVMM_KVM (auto|host|box,
#                        default auto: host when the device opens); 1 with a
#                        line "WHO: ..." on stderr for any other value
#   shq WORD             WORD quoted for any POSIX sh (the box runs the
#                        host's /bin/sh, which may not be bash)
kvm_device_problem() {
	local dev=${MINIVMM_KVM_DEVICE:-/dev/kvm}
	if [ ! -e "$dev" ]; then
		echo "$dev does not exist"
	elif [ ! -c "$dev" ]; then
		echo "$dev is not a character device"
	elif ! (exec 3<>"$dev") 2>/dev/null; then
		echo "$dev cannot be opened read-write by $(id -un 2>/dev/null || id -u)"
	fi
}

kvm_place() {
	case "${MINIVMM_KVM:-auto}" in
	auto) if [ -z "$(kvm_device_problem)" ]; then echo host; else echo box; fi ;;
	host | box) echo "$MINIVMM_KVM" ;;
	*) echo "$1: MINIVMM_KVM is '$MINIVMM_KVM': want auto, host or box" >&2; return 1 ;;
	esac
}

shq() {
	local q="'\\''"
	printf "'%s'" "${1//\'/$q}"
}

# box_run_retried OUT BOX-ARGS...: scripts/box-run.sh BOX-ARGS in the
# current folder, its console in OUT (also echoed as it comes with V=1) and
# its stderr in OUT.err; once more in a fresh box when the box itself failed
# to start or stalled (90, 91, 92, 95 with a `box:` line).  Prints "# box
# run: N s, ..." and box-run.sh's other stderr lines; sets box_rc and
# box_err (its last `box:` line, empty when none).
box_run_retried() {
	local out=$1 attempt start box
	box=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/box-run.sh
	start=$(date +%s)
	shift
	for attempt in 1 2; do
		if [ "${V:-0}" = 1 ]; then
			"$box" "$@" 2>"$out.err" | tee "$out"
			box_rc=${PIPESTATUS[0]}
		else
			"$box" "$@" >"$out" 2>"$out.err"
			box_rc=$?
		fi
		echo "# box run: $(($(date +%s) - start)) s, box-run.sh exit status $box_rc"
		box_err=$(grep '^box: ' "$out.err" | tail -n 1)
		grep -v '^box: ' "$out.err" | sed 's/^/    | /'
		case "$box_rc" in
		90 | 91 | 92 | 95)
			if [ "$attempt" = 1 ] && [ -n "$box_err" ]; then
				echo "# ${box_err}: once more in a fresh box"
				continue
			fi ;;
		esac
		return 0
	done
}

# The host half of a box test script.  TESTS holds "KEY name" entries and
# the box prints "PREFIX-RESULT KEY ok" or "PREFIX-RESULT KEY FAIL why"
# for each; with BOX_SCOPES set (the command tests' kernels), each test
# runs once per scope, as "SCOPE-KEY", named "SCOPE: name".  passed and
# failed count.
#
#   box_fail_all WHY             every test fails for one reason; exits 1
#   box_results PREFIX CONSOLE   an ok/FAIL line for each test, from the
#                                console box_run_retried wrote (box_rc,
#                                box_err); a test with no result fails
#   box_exit                     the summary line; exits 0, the box's own
#                                status (90-95) when the box failed, or 1
box_fail_all() {
	local s t
	for s in "${BOX_SCOPES[@]-}"; do
		for t in "${TESTS[@]}"; do
			echo "FAIL ${s:+$s: }${t#* }: $1"
			failed=$((failed + 1))
		done
	done
	echo "$passed passed, $failed failed"
	exit 1
}

box_results() {
	local prefix=$1 console=$2 s t key name line
	for s in "${BOX_SCOPES[@]-}"; do
		for t in "${TESTS[@]}"; do
			key=${s:+$s-}${t%% *} name=${s:+$s: }${t#* }
			line=$(tr -d '\r' <"$console" | grep "^$prefix-RESULT $key " | tail -n 1)
			if [ "${line#"$prefix-RESULT $key "}" = ok ]; then
				echo "ok $name"
				passed=$((passed + 1))
			elif [ -n "$line" ]; then
				echo "FAIL $name: ${line#"$prefix-RESULT $key FAIL "}"
				failed=$((failed + 1))
			elif [ "$box_rc" -ge 90 ] && [ "$box_rc" -le 95 ]; then
				echo "BOX FAILURE $name: $box_err"
				failed=$((failed + 1))
			else
				echo "FAIL $name: no result from the box (box status $box_rc;" \
					"$(tr -d '\r' <"$console" | grep "^$prefix-SETUP-FAIL" | head -n 1))"
				failed=$((failed + 1))
			fi
		done
	done
}

box_exit() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ] && exit 0
	[ "$box_rc" -ge 90 ] && [ "$box_rc" -le 95 ] && exit "$box_rc"
	exit 1
}
