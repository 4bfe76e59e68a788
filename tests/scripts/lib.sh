# shellcheck shell=bash
# Sourced by the script tests that drive the KVM box (with-kvm-tests.sh,
# bench-tests.sh): what they share.  tests_begin NAME sets up:
#   $tmp           a scratch folder, removed on exit; a run's output goes to
#                  $tmp/out, shown under a FAIL
#   result NAME WHY  "ok NAME", or "FAIL NAME: WHY"; counts in $passed,
#                  $failed; tests_end prints "N passed, N failed"
#   $tmp/qemu-dies, $tmp/qemu-silent  stub QEMUs for BOX_QEMU: one that
#                  ends at once (box-run.sh: 92), one that writes its
#                  -pidfile and waits, silent (with --stall: 95)
tests_begin() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-$1.XXXXXX") || exit 2
	trap 'rm -rf "$tmp"' EXIT
	passed=0 failed=0
	printf '#!/bin/sh\nexit 1\n' >"$tmp/qemu-dies"
	cat >"$tmp/qemu-silent" <<'STUB'
#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = -pidfile ] && echo $$ >"$2"; shift; done
exec sleep 600
STUB
	chmod +x "$tmp/qemu-dies" "$tmp/qemu-silent"
}

result() {
	if [ -z "$2" ]; then
		echo "ok $1"; passed=$((passed + 1))
	else
		echo "FAIL $1: ${2%; }"; tail -n 8 "$tmp/out" | sed 's/^/    | /'; failed=$((failed + 1))
	fi
}

tests_end() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}
