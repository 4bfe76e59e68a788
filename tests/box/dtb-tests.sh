#!/usr/bin/env bash
# tests/box/dtb-tests.sh MINIVMM — the project's minimal kernel built with
# CONFIG_OF and CONFIG_OF_EARLY_FLATTREE (images/minimal-kernel.config plus
# images/minimal-kernel-of.config: images/minimal-kernel.sh's of/) booted
# with minivmm's device tree (issue 19), in ONE run of the KVM box
# (scripts/box-run.sh --host-root).  Each guest is a `-- CMD` run:
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
#   serial     the 8250 with the tree, interrupt-driven: the kernel's
#              `ttyS0 at I/O 0x3f8 (irq = 4` line, and a line the command
#              writes to /dev/ttyS0 (sent by the driver's THRE interrupt
#              handler) reaches minivmm's console, its interrupt counted
#              in /proc/interrupts on IOAPIC pin 4.  With a tree Linux 6.1 sets pic_mode and
#              leaves the boot CPU's LINT0 taking the 8259's output; this
#              fails (a panic at the 8250's first interrupt, vector 4) when
#              minivmm leaves KVM's 8259 at its power-on state instead of
#              masked (kvm/vm.c, kvm_vm_pic_firmware_state)
#   legacy-pic --dtb off and acpi=off: no MADT, no tree, so Linux programs
#              the 8259 itself (probe_8259A, init_8259A) over the state
#              minivmm left, and the 8250's IRQ 4 arrives through it
#              (XT-PIC in /proc/interrupts), the same serial checks
#
# Prints `ok NAME` or `FAIL NAME: why`, a `# ID: exit N` line per minivmm
# run, then `N passed, N failed`.  A box that does not start or stalls is
# retried once in a fresh box, then each test is a BOX FAILURE and the run
# ends with the box's status (90-95); a test with no result never counts as
# passed.  V=1 echoes the box's console.  The kernel:
# MINIVMM_MINIMAL_OF_KERNEL (a bzImage with CONFIG_OF_EARLY_FLATTREE=y), or
# else the of/ kernel of images/minimal-kernel.sh (cached; `make test`
# builds it first, with the shared minimal kernel, in one build tree).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTS=(
	"bootargs /proc/device-tree/chosen/bootargs is the command line"
	"cpus two CPUs from the tree, no MADT"
	"off --dtb off: no tree, the MADT describes the CPUs"
	"file --dtb FILE of a --dump-dtb dump boots with a fresh /chosen"
	"serial the 8250 works, interrupt-driven, with the tree"
	"legacy-pic --dtb off acpi=off: Linux programs the 8259, the 8250 works through it"
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
for n in cpus/cpu@0 cpus/cpu@1 interrupt-controller@fec00000 isa@3f8/serial@i3f8 pci@e0000000; do
	[ -d /proc/device-tree/$n ] && echo "node $n"
done
[ -e /proc/device-tree ] || echo "no device tree"
[ -e /sys/firmware/acpi/tables/APIC ] && echo "madt" || echo "no madt"
true'

# The 8250 through its tty: the line goes out from the driver's THRE
# interrupt handler, not by polling (the kernel's own console output
# polls), and the port is open while /proc/interrupts is read.
# shellcheck disable=SC2016 # expanded by the guest's shell
SERIAL='exec 3>/dev/ttyS0 || exit 3
echo "DT-SERIAL-FROM-USERSPACE" >&3
sleep 0.5
echo "irq=[$(grep -w ttyS0 /proc/interrupts)]"
exec 3>&-
true'

# serial_checks: the complaints about a SERIAL run ($id).
serial_checks() {
	local line n
	grep -q 'ttyS0 at I/O 0x3f8 (irq = 4' "$work/$id.err" ||
		printf "the kernel's log lacks 'ttyS0 at I/O 0x3f8 (irq = 4'; "
	grep -q 'DT-SERIAL-FROM-USERSPACE' "$work/$id.err" ||
		printf "the line written to /dev/ttyS0 did not reach the console; "
	line=$(sed -n 's/^irq=\[\(.*\)\]$/\1/p' "$work/$id.out")
	n=$(echo "$line" | awk '{ s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }')
	[ "${n:-0}" -gt 0 ] || printf "no ttyS0 interrupt counted in /proc/interrupts ('%s'); " "$line"
	[[ $line =~ $1 ]] || printf "ttyS0's interrupt is not %s ('%s'); " "$1" "$line"
}

box_tests() {
	local why id
	local -a K=(--kernel "$MINIMAL_KERNEL")

	id=bootargs
	run "$id" "${K[@]}" --cmdline "dtb.box=bootargs" -- sh -c "$REPORT"
	why=$(why_rc 0)
	local b c
	b=$(sed -n 's/^bootargs=\[\(.*\)\]$/\1/p' "$work/$id.out")
	c=$(sed -n 's/^cmdline=\[\(.*\)\]$/\1/p' "$work/$id.out")
	[ -n "$b" ] || why+="no /proc/device-tree/chosen/bootargs; "
	[ "$b" = "$c" ] || why+="bootargs '$b' is not /proc/cmdline '$c'; "
	[[ $b == *dtb.box=bootargs* ]] || why+="bootargs lack the --cmdline given; "
	verdict bootargs "$why"

	id=cpus
	run "$id" "${K[@]}" --cpus 2 -- sh -c "$REPORT"
	why=$(why_rc 0)
	why+=$(has "cpus=2")
	for n in cpus/cpu@0 cpus/cpu@1 interrupt-controller@fec00000 isa@3f8/serial@i3f8 pci@e0000000; do
		why+=$(has "node $n")
	done
	why+=$(has "no madt")
	verdict cpus "$why"

	id=off
	run "$id" "${K[@]}" --cpus 2 --dtb off -- sh -c "$REPORT"
	why=$(why_rc 0)
	why+=$(has "cpus=2")
	why+=$(has "no device tree")
	why+=$(has "madt")
	verdict off "$why"

	id="file"
	run "$id-dump" "${K[@]}" --cmdline "dtb.box=dump" --dump-dtb "$work/dumped.dtb"
	why=$(why_rc 0)
	run "$id" "${K[@]}" --dtb "$work/dumped.dtb" --cmdline "dtb.box=file" -- sh -c "$REPORT"
	why+=$(why_rc 0)
	grep -q '^bootargs=\[.*dtb\.box=file.*\]$' "$work/$id.out" ||
		why+="bootargs are not this run's command line; "
	grep -q 'dtb\.box=dump' "$work/$id.out" && why+="the dump's old bootargs are still there; "
	why+=$(has "node cpus/cpu@0")
	verdict file "$why"

	id=serial
	run "$id" "${K[@]}" --verbose -- sh -c "$REPORT
$SERIAL"
	why=$(why_rc 0)
	why+=$(has "no madt")
	why+=$(serial_checks 'IO-APIC +4-edge')
	verdict serial "$why"

	id=legacy-pic
	run "$id" "${K[@]}" --dtb off --cmdline acpi=off --verbose -- sh -c "$REPORT
$SERIAL"
	why=$(why_rc 0)
	why+=$(has "no device tree")
	why+=$(serial_checks '^ *4: .*XT-PIC')
	verdict legacy-pic "$why"
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

[ -x "${minivmm%/*}/minivmm-init" ] || box_fail_all "${minivmm%/*}/minivmm-init is missing (make builds it)"
if [ -n "${MINIVMM_MINIMAL_OF_KERNEL:-}" ]; then
	minimal=$MINIVMM_MINIMAL_OF_KERNEL
else
	kdir=$("$repo/images/minimal-kernel.sh" 2>"$tmp/kernel.err") ||
		box_fail_all "images/minimal-kernel.sh failed: $(tail -n 1 "$tmp/kernel.err")"
	minimal=$kdir/of/bzImage
fi
# The tree reaches only a kernel that reads it: without these every test
# would fail for a reason that is not minivmm's.
config=$(dirname "$minimal")/.config
for opt in CONFIG_OF CONFIG_OF_EARLY_FLATTREE CONFIG_PROC_FS CONFIG_VIRTIO_CONSOLE; do
	[ ! -e "$config" ] || grep -qx "$opt=y" "$config" || box_fail_all "$minimal: $opt=y is not in $config"
done
{
	echo "MINIVMM=$(shq "$minivmm")"
	echo "MINIMAL_KERNEL=$(shq "$minimal")"
} >"$tmp/env"

cmd="bash $(shq "$repo/tests/box/dtb-tests.sh") --in-box $(shq "$tmp")"
box_run_retried "$tmp/console" --host-root --timeout 900 --stall 300 -- "$cmd"

box_results DT "$tmp/console"
tr -d '\r' <"$tmp/console" | sed -n 's/^DT-INFO /# /p; s/^DT-OUT /# stdout of /p; s/^DT-ERR /# stderr of /p'
box_exit
