#!/usr/bin/env bash
# Tests tests/with-kvm.sh, which runs a test group where KVM is:
#   - MINIVMM_KVM that is not auto|host|box: 2;
#   - MINIVMM_KVM=host without a usable KVM device: FAIL, 1 (never a pass);
#   - MINIVMM_KVM=box: the command runs in the box, in this folder, with CI
#     passed in, and its own exit status comes back, 90-95 included;
#   - a box whose QEMU ends at once (92) or stays silent (95, a stub QEMU
#     and WITH_KVM_STALL=5) is retried once, then reported as a BOX FAILURE
#     with the box's status.
# Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"
# shellcheck source=tests/scripts/lib.sh
. "$repo/tests/scripts/lib.sh"
tests_begin with-kvm-tests
# with_kvm ENV... -- ARGS...: tests/with-kvm.sh ARGS with ENV, output in
# $tmp/out, status in $rc.
with_kvm() {
	local -a envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	(cd "$repo" && env "${envs[@]}" timeout 600 tests/with-kvm.sh "$@") >"$tmp/out" 2>&1
	rc=$?
}

with_kvm MINIVMM_KVM=nowhere -- grp true
why=
[ "$rc" = 2 ] || why+="exit status $rc, want 2; "
grep -q "MINIVMM_KVM is 'nowhere'" "$tmp/out" || why+="no line naming the bad value; "
result "with-kvm: MINIVMM_KVM=nowhere is refused" "$why"

# A device that does not exist, so that the case runs on any host.
with_kvm MINIVMM_KVM=host MINIVMM_KVM_DEVICE=/nonexistent/kvm -- grp true
why=
[ "$rc" = 1 ] || why+="exit status $rc, want 1; "
grep -q '^FAIL grp: MINIVMM_KVM=host, but /nonexistent/kvm does not exist' "$tmp/out" ||
	why+="no FAIL line; "
result "with-kvm: MINIVMM_KVM=host without a KVM device fails" "$why"

# 93 is also a box status (timeout): the command's own comes back as it is.
with_kvm MINIVMM_KVM=box CI=maybe -- grp sh -c 'pwd; echo "ci=$CI"; test -c /dev/kvm && echo kvm-here; exit 93'
why=
[ "$rc" = 93 ] || why+="exit status $rc, want the command's 93; "
grep -q '^== grp: in the KVM box (' "$tmp/out" || why+="it does not say it runs in the box; "
grep -qx "$repo" "$tmp/out" || why+="the command did not start in $repo; "
grep -qx 'ci=maybe' "$tmp/out" || why+="CI did not reach the command; "
grep -qx 'kvm-here' "$tmp/out" || why+="no /dev/kvm for the command; "
grep -q 'BOX FAILURE\|once more in a fresh box' "$tmp/out" && why+="the command's 93 was taken for the box's; "
result "with-kvm: MINIVMM_KVM=box runs the command in the box, its status passed back" "$why"

for stub in dies:92 silent:95; do
	with_kvm MINIVMM_KVM=box BOX_QEMU="$tmp/qemu-${stub%:*}" WITH_KVM_STALL=5 -- grp echo "ok ran"
	want=${stub#*:}
	why=
	[ "$rc" = "$want" ] || why+="exit status $rc, want the box's $want; "
	[ "$(grep -c "^== grp: the box failed (status $want); once more in a fresh box" "$tmp/out")" = 1 ] ||
		why+="not retried exactly once; "
	grep -q "^BOX FAILURE grp: the KVM box failed with status $want" "$tmp/out" || why+="no BOX FAILURE line; "
	grep -q '^ok \|^FAIL ' "$tmp/out" && why+="a test result line for a run that did not happen; "
	result "with-kvm: a box whose QEMU ${stub%:*} is retried once, then a BOX FAILURE ($want)" "$why"
done

tests_end
