#!/usr/bin/env bash
# bench-tests.sh MINIVMM BENCH_DIR — tests where scripts/bench.sh runs parts
# 2-4 and how it reports the box's failures (no figure is checked: speed
# lives in `make bench` only):
#   - MINIVMM_KVM that is not auto|host|box: 2;
#   - MINIVMM_KVM=host without a usable KVM device: 1, with the reason;
#   - MINIVMM_KVM=box: parts 2-4 run in the KVM box, the header, the parts'
#     headings and their summary rows say so, and every figure comes back;
#     the rows of the parts that always run in the box (1, 5 twice, 6, 7a,
#     7c) say they were skipped, and why;
#   - part 7's figure for a read (scripts/bench-command-box.sh --mibps):
#     MiB/s from the real dd's line for 256 MiB, and a refusal (1, a
#     BENCH-BOX-FAIL line) for a read that fell short or no dd line at all;
#   - a VMM that fails in the box: 1, reported as the bench's failure, not
#     the box's;
#   - a box whose QEMU ends at once (92) or stays silent (95: a stub QEMU and
#     BENCH_BOX_STALL_S=5) is retried once, then reported as a BOX FAILURE
#     with the box's status, and no summary;
#   - the same for part 1's box, which the rounds of parts 1, 5 and 6 share
#     (bench.sh's box_rounds): a box whose QEMU ends at once (92) or stays
#     silent (95: no console line for BENCH_BOX_STALL_S=5 s) is replaced by
#     a fresh one twice, then a BOX FAILURE with its status, and no summary.
# Parts 1, 5 and 6 are skipped (BENCH_SKIP_BOX=1) but in the last tests,
# runs are few.
# Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
set -u
if [ $# -ne 2 ]; then
	echo "usage: tests/scripts/bench-tests.sh MINIVMM BENCH_DIR" >&2
	exit 2
fi
minivmm=$(realpath -m "$1")
bench_dir=$(realpath -m "$2")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"
for f in "$minivmm" "$bench_dir/run-timer" "$bench_dir/exit-cost"; do
	[ -x "$f" ] || { echo "bench-tests: $f is missing (make bench-build builds it)" >&2; exit 2; }
done
# shellcheck source=tests/scripts/lib.sh
. "$repo/tests/scripts/lib.sh"
tests_begin bench-tests

# Part 7's read figure, from this machine's own dd (the one the guests run:
# both see the host's root), and its refusals.  No VMM, no box.
why=
dd if=/dev/zero of=/dev/null bs=1M count=256 2>"$tmp/dd-whole"
v=$(sh "$repo/scripts/bench-command-box.sh" --mibps "$tmp/dd-whole") || why+="a whole read refused: $v; "
[[ "$v" =~ ^[0-9]+\.[0-9]$ ]] || why+="not a MiB/s figure for a whole read: '$v'; "
want=$(awk '/ copied, / { printf "%.1f", $1 / 1048576 / $(NF - 3) }' "$tmp/dd-whole")
[ "$v" = "$want" ] || why+="$v MiB/s, want $want (bytes / MiB / seconds of dd's line); "
dd if=/dev/zero of=/dev/null bs=1M count=255 2>"$tmp/dd-short"
v=$(sh "$repo/scripts/bench-command-box.sh" --mibps "$tmp/dd-short") && why+="a short read accepted: $v; "
[[ "$v" == "BENCH-BOX-FAIL dd round 0: dd did not read the whole file: '267386880 bytes "* ]] ||
	why+="no BENCH-BOX-FAIL line for a short read: '$v'; "
echo "dd: error reading '/x': Input/output error" >"$tmp/dd-none"
v=$(sh "$repo/scripts/bench-command-box.sh" --mibps "$tmp/dd-none") && why+="no dd line accepted: $v; "
[[ "$v" == "BENCH-BOX-FAIL dd round 0: dd did not read the whole file: 'no dd line'" ]] ||
	why+="no BENCH-BOX-FAIL line without a dd line: '$v'; "
result "bench: part 7's MiB/s comes from dd's line for the whole 256 MiB, else the run fails" "$why"
# bench ENV... -- MINIVMM: scripts/bench.sh MINIVMM BENCH_DIR with part 1
# skipped, few runs and ENV; output in $tmp/out, status in $rc.
bench() {
	local -a envs=(BENCH_SKIP_BOX=1 BENCH_RUNS=1 BENCH_RSS_RUNS=1)
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	(cd "$repo" && env "${envs[@]}" timeout 900 scripts/bench.sh "$2" "$bench_dir") >"$tmp/out" 2>&1
	rc=$?
}

bench MINIVMM_KVM=nowhere -- "$minivmm"
why=
[ "$rc" = 2 ] || why+="exit status $rc, want 2; "
grep -q "^bench: MINIVMM_KVM is 'nowhere'" "$tmp/out" || why+="no line naming the bad value; "
result "bench: MINIVMM_KVM=nowhere is refused" "$why"

# A device that does not exist, so that the case runs on any host.
bench MINIVMM_KVM=host MINIVMM_KVM_DEVICE=/nonexistent/kvm -- "$minivmm"
why=
[ "$rc" = 1 ] || why+="exit status $rc, want 1; "
grep -q '^bench: MINIVMM_KVM=host, but /nonexistent/kvm does not exist' "$tmp/out" ||
	why+="no line with the reason; "
result "bench: MINIVMM_KVM=host without a KVM device fails" "$why"

bench MINIVMM_KVM=box -- "$minivmm"
why=
[ "$rc" = 0 ] || why+="exit status $rc, want 0; "
grep -q '^parts 2-4: in the KVM box (' "$tmp/out" || why+="the header does not say parts 2-4 run in the box; "
for part in 2 3 4; do
	grep -q "^== $part\. .*(in the KVM box: its nested /dev/kvm)" "$tmp/out" ||
		why+="part $part's heading does not say it ran in the box; "
done
[ "$(grep -c '^box   [234] .* \(met\|not met\)$' "$tmp/out")" = 4 ] ||
	why+="not 4 summary rows for parts 2-4 marked box, each with a verdict; "
grep -q '^host ' "$tmp/out" && why+="a summary row marked host; "
[ "$(grep -c '^box   \(1\|5\|6\|7a\|7c\) .* skipped (BENCH_SKIP_BOX=1)$' "$tmp/out")" = 6 ] ||
	why+="not 6 summary rows for parts 1, 5, 6, 7 saying they were skipped; "
grep -q '^BENCH-VALUE \|^BOX-STATUS ' "$tmp/out" && why+="the box's own lines shown; "
result "bench: MINIVMM_KVM=box runs parts 2-4 in the box and labels them so" "$why"

# A minivmm that ends every run with 2: the bench's failure, not the box's.
printf '#!/bin/sh\necho "minivmm (a stub that fails)"\nexit 2\n' >"$tmp/minivmm-fails"
chmod +x "$tmp/minivmm-fails"
bench MINIVMM_KVM=box -- "$tmp/minivmm-fails"
why=
[ "$rc" = 1 ] || why+="exit status $rc, want 1; "
grep -q '^bench: minivmm ended the trivial guest with status 2' "$tmp/out" || why+="no line from the bench in the box; "
grep -q '^bench: parts 2-4 in the KVM box failed' "$tmp/out" || why+="no line saying the box's bench failed; "
grep -q 'BOX FAILURE' "$tmp/out" && why+="reported as a box failure; "
grep -q '^== summary' "$tmp/out" && why+="a summary for a run that failed; "
result "bench: a VMM failing in the box is the bench's failure (1), not the box's" "$why"

for stub in "dies:92" "silent:95"; do
	bench MINIVMM_KVM=box BOX_QEMU="$tmp/qemu-${stub%:*}" BENCH_BOX_STALL_S=5 -- "$minivmm"
	want=${stub#*:}
	why=
	[ "$rc" = "$want" ] || why+="exit status $rc, want the box's $want; "
	[ "$(grep -c "^  the box failed (status $want, box: line above); once more in a fresh box" "$tmp/out")" = 1 ] ||
		why+="not retried exactly once; "
	grep -q "^bench: BOX FAILURE parts 2-4: the KVM box failed with status $want" "$tmp/out" ||
		why+="no BOX FAILURE line; "
	grep -q '^== summary' "$tmp/out" && why+="a summary for parts that did not run; "
	result "bench: a box whose QEMU ${stub%:*} is retried once, then a BOX FAILURE ($want)" "$why"
done

for stub in "dies:92" "silent:95"; do
	bench BENCH_SKIP_BOX=0 BENCH_BOX_RUNS=1 BOX_QEMU="$tmp/qemu-${stub%:*}" BENCH_BOX_STALL_S=5 -- "$minivmm"
	want=${stub#*:}
	why=
	[ "$rc" = "$want" ] || why+="exit status $rc, want the box's $want; "
	[ "$(grep -c '^  .* restarting a fresh box for the rest (restart [12] of 2)$' "$tmp/out")" = 2 ] ||
		why+="not restarted exactly twice; "
	grep -q "^bench: BOX FAILURE part 1: .*, 0 of 1 runs done; not a VMM's failure$" "$tmp/out" ||
		why+="no BOX FAILURE line for part 1; "
	grep -q '^== summary' "$tmp/out" && why+="a summary for parts that did not run; "
	result "bench: part 1's box whose QEMU ${stub%:*} is replaced twice, then a BOX FAILURE ($want)" "$why"
done

tests_end
