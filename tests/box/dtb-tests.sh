#!/usr/bin/env bash
# tests/box/dtb-tests.sh MINIVMM — the project's minimal kernel built with
# CONFIG_OF and CONFIG_OF_EARLY_FLATTREE (images/minimal-kernel.config plus
# images/minimal-kernel-of.config) booted with minivmm's device tree (issue
# 19), in ONE run of the KVM box (scripts/box-run.sh --host-root).  Each
# guest is a `-- CMD` run:
#
#   bootargs   --dtb auto (the default) passes the tree: the guest's
#              /proc/device-tree/chosen/bootargs is its /proc/cmdline, which
#              holds the --cmdline given
#   cpus       --cpus 2 with the tree and no MADT: both CPUs come up (from
#              the tree's cpu nodes), /proc/device-tree has cpu@0 and cpu@1,
#              the IOAPIC, UART and PCI nodes, and there is no ACPI APIC
#              table (MADT)
#   off        --dtb off: no /proc/device-tree, the MADT is back, 2 CPUs
#   file       --dump-dtb then --dtb FILE of that dump: the tree boots again
#              with this run's /chosen
#
# Every run has 8250.nr_uarts=0: with a tree, the 8250's first interrupt
# panics Linux 6.1 on minivmm (images/minimal-kernel-of.config says why), so
# these guests have no UART; `-- CMD` talks over virtio-console ports.
#
# Prints `ok NAME` or `FAIL NAME: why`, a `# ID: exit N` line per minivmm
# run, then `N passed, N failed`.  A box that does not start or stalls is
# retried once in a fresh box, then each test is a BOX FAILURE and the run
# ends with the box's status (90-95); a test with no result never counts as
# passed.  V=1 echoes the box's console.  The kernel: MINIVMM_MINIMAL_KERNEL
# (a bzImage with CONFIG_OF_EARLY_FLATTREE=y), or else built here by
# images/minimal-kernel.sh from a copy of it beside the two fragments
# joined (its own cache entry; about as long as the minimal kernel's build
# the first time).  Not part of `make box-test`: that second kernel build
# would double CI's kernel time.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTS=(
	"bootargs /proc/device-tree/chosen/bootargs is the command line"
	"cpus two CPUs from the tree, no MADT"
	"off --dtb off: no tree, the MADT describes the CPUs"
	"file --dtb FILE of a --dump-dtb dump boots with a fresh /chosen"
)
RUN_TIMEOUT=120

# ============================================================================
# The box half: bash tests/box/dtb-tests.sh --in-box DIR.  DIR/env sets
# MINIVMM and MINIMAL_KERNEL.
# ============================================================================

# shellcheck disable=SC2153 # MINIVMM comes from DIR/env
# run ID ARGS...: minivmm ARGS, stdout and stderr in $work/ID.out, ID.err,
# status in $rc.
run() {
	local id=$1
	shift
	timeout -s KILL $((RUN_TIMEOUT + 30)) "$MINIVMM" --timeout "$RUN_TIMEOUT" "$@" \
		</dev/null >"$work/$id.out" 2>"$work/$id.err"
	rc=$?
	echo "DT-INFO $id: exit $rc $(grep -v '^ *$' "$work/$id.err" | tail -n 1 | cut -c1-200)"
}

# why_rc WANT: a complaint when $rc is not WANT.
why_rc() {
	[ "$rc" = "$1" ] && return
	printf "exit status %s, want %s (%s); " "$rc" "$1" \
		"$(grep -v '^ *$' "$work/$id.err" | tail -n 1 | cut -c1-200)"
}

# has LINE: a complaint unless the command printed LINE.
has() {
	grep -qxF -- "$1" "$work/$id.out" && return
	printf "the guest did not print '%s'; " "$1"
}

verdict() {
	if [ -z "$2" ]; then
		echo "DT-RESULT $1 ok"
		return
	fi
	echo "DT-RESULT $1 FAIL ${2%; }"
	tail -n 20 "$work/$id.out" | sed "s/^/DT-OUT $1: /"
	tail -n 20 "$work/$id.err" | sed "s/^/DT-ERR $1: /"
}

# What the guest reports: its command line both ways, its CPUs, the nodes.
# (bootargs ends with a NUL, /proc/cmdline with a newline.)
# shellcheck disable=SC2016 # expanded by the guest's shell
REPORT='echo "bootargs=[$(tr -d "\000" </proc/device-tree/chosen/bootargs 2>/dev/null)]"
echo "cmdline=[$(cat /proc/cmdline)]"
echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
for n in cpus/cpu@0 cpus/cpu@1 interrupt-controller@fec00000 isa/serial@i3f8 pci@e0000000; do
	[ -d /proc/device-tree/$n ] && echo "node $n"
done
[ -e /proc/device-tree ] || echo "no device tree"
[ -e /sys/firmware/acpi/tables/APIC ] && echo "madt" || echo "no madt"
true'

box_tests() {
	local why id
	local -a K=(--kernel "$MINIMAL_KERNEL")
	local U=8250.nr_uarts=0

	id=bootargs
	run "$id" "${K[@]}" --cmdline "$U dtb.box=bootargs" -- sh -c "$REPORT"
	why=$(why_rc 0)
	local b c
	b=$(sed -n 's/^bootargs=\[\(.*\)\]$/\1/p' "$work/$id.out")
	c=$(sed -n 's/^cmdline=\[\(.*\)\]$/\1/p' "$work/$id.out")
	[ -n "$b" ] || why+="no /proc/device-tree/chosen/bootargs; "
	[ "$b" = "$c" ] || why+="bootargs '$b' is not /proc/cmdline '$c'; "
	[[ $b == *dtb.box=bootargs* ]] || why+="bootargs lack the --cmdline given; "
	verdict bootargs "$why"

	id=cpus
	run "$id" "${K[@]}" --cpus 2 --cmdline "$U" -- sh -c "$REPORT"
	why=$(why_rc 0)
	why+=$(has "cpus=2")
	for n in cpus/cpu@0 cpus/cpu@1 interrupt-controller@fec00000 isa/serial@i3f8 pci@e0000000; do
		why+=$(has "node $n")
	done
	why+=$(has "no madt")
	verdict cpus "$why"

	id=off
	run "$id" "${K[@]}" --cpus 2 --dtb off --cmdline "$U" -- sh -c "$REPORT"
	why=$(why_rc 0)
	why+=$(has "cpus=2")
	why+=$(has "no device tree")
	why+=$(has "madt")
	verdict off "$why"

	id="file"
	run "$id-dump" "${K[@]}" --cmdline "$U dtb.box=dump" --dump-dtb "$work/dumped.dtb"
	why=$(why_rc 0)
	run "$id" "${K[@]}" --dtb "$work/dumped.dtb" --cmdline "$U dtb.box=file" -- sh -c "$REPORT"
	why+=$(why_rc 0)
	grep -q '^bootargs=\[.*dtb\.box=file.*\]$' "$work/$id.out" ||
		why+="bootargs are not this run's command line; "
	grep -q 'dtb\.box=dump' "$work/$id.out" && why+="the dump's old bootargs are still there; "
	why+=$(has "node cpus/cpu@0")
	verdict file "$why"

}

# shellcheck disable=SC2153 # MINIVMM, MINIMAL_KERNEL come from DIR/env
in_box() {
	# shellcheck source=/dev/null
	. "$1/env"
	work=$(mktemp -d /tmp/dtb-box.XXXXXX) || { echo "DT-SETUP-FAIL mktemp"; return 1; }
	box_tests
	echo "DT-DONE"
}

if [ "${1:-}" = --in-box ]; then
	in_box "$2"
	exit 0
fi

# ============================================================================
# The host half.
# ============================================================================
[ $# -eq 1 ] || { echo "usage: tests/box/dtb-tests.sh MINIVMM" >&2; exit 2; }
minivmm=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"
passed=0 failed=0

fail_all() {   # fail_all WHY: every test fails for one reason
	local t
	for t in "${TESTS[@]}"; do
		echo "FAIL ${t#* }: $1"
		failed=$((failed + 1))
	done
	echo "$passed passed, $failed failed"
	exit 1
}

[ -x "${minivmm%/*}/minivmm-init" ] || fail_all "${minivmm%/*}/minivmm-init is missing (make builds it)"
if [ -n "${MINIVMM_MINIMAL_KERNEL:-}" ]; then
	minimal=$MINIVMM_MINIMAL_KERNEL
else
	# The script keys its cache on its fragment beside it: a copy with the
	# two fragments joined is a kernel of its own.
	mkdir "$tmp/images"
	cp "$repo/images/minimal-kernel.sh" "$tmp/images/"
	cat "$repo/images/minimal-kernel.config" "$repo/images/minimal-kernel-of.config" \
		>"$tmp/images/minimal-kernel.config"
	kdir=$("$tmp/images/minimal-kernel.sh" 2>"$tmp/kernel.err") ||
		fail_all "images/minimal-kernel.sh (with minimal-kernel-of.config) failed: $(tail -n 1 "$tmp/kernel.err")"
	minimal=$kdir/bzImage
fi
# The tree reaches only a kernel that reads it: without these every test
# would fail for a reason that is not minivmm's.
config=$(dirname "$minimal")/.config
for opt in CONFIG_OF CONFIG_OF_EARLY_FLATTREE CONFIG_PROC_FS CONFIG_VIRTIO_CONSOLE; do
	[ ! -e "$config" ] || grep -qx "$opt=y" "$config" || fail_all "$minimal: $opt=y is not in $config"
done
{
	echo "MINIVMM=$(shq "$minivmm")"
	echo "MINIMAL_KERNEL=$(shq "$minimal")"
} >"$tmp/env"

cmd="bash $(shq "$repo/tests/box/dtb-tests.sh") --in-box $(shq "$tmp")"
box_run_retried "$tmp/console" --host-root --timeout 900 --stall 300 -- "$cmd"

for t in "${TESTS[@]}"; do
	key=${t%% *} name=${t#* }
	line=$(tr -d '\r' <"$tmp/console" | grep "^DT-RESULT $key " | tail -n 1)
	if [ "${line#"DT-RESULT $key "}" = ok ]; then
		echo "ok $name"
		passed=$((passed + 1))
	elif [ -n "$line" ]; then
		echo "FAIL $name: ${line#"DT-RESULT $key FAIL "}"
		failed=$((failed + 1))
	elif [ "$box_rc" -ge 90 ] && [ "$box_rc" -le 95 ]; then
		echo "BOX FAILURE $name: $box_err"
		failed=$((failed + 1))
	else
		echo "FAIL $name: no result from the box (box status $box_rc; $(tr -d '\r' <"$tmp/console" | grep '^DT-SETUP-FAIL' | head -n 1))"
		failed=$((failed + 1))
	fi
done
tr -d '\r' <"$tmp/console" | sed -n 's/^DT-INFO /# /p; s/^DT-OUT /# stdout of /p; s/^DT-ERR /# stderr of /p'
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || { [ "$box_rc" -ge 90 ] && [ "$box_rc" -le 95 ] && exit "$box_rc"; exit 1; }
