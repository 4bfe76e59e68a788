#!/usr/bin/env bash
# tests/box/console-virtio.sh MINIVMM — --console-device virtio both ways,
# in the KVM box: the project's minimal kernel (virtio_console built in)
# boots the busybox initramfs with its shell on the console, which is then
# virtio-console's hvc0.  Commands given on minivmm's stdin before the
# guest is up (held until the guest opens the port) run in that shell; what
# they print comes back on stdout; /proc/consoles names hvc0; poweroff -f
# ends the run with 0.
# Prints "ok NAME" or "FAIL NAME: why", then "N passed, N failed".  A box
# that does not start or stalls is retried once, then reported as a BOX
# FAILURE with its status (90-95), as tests/box/run-tests.sh does.
set -u
name="--console-device virtio: input and output through hvc0"
[ $# -eq 1 ] || { echo "usage: tests/box/console-virtio.sh MINIVMM" >&2; exit 2; }
minivmm=$(realpath "$1")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"

result() {   # result WHY: ok when WHY is empty
	if [ -z "$1" ]; then
		echo "ok $name"
		echo "1 passed, 0 failed"
		exit 0
	fi
	echo "FAIL $name: ${1%; }"
	[ -s "$tmp/console" ] && tr -d '\r' <"$tmp/console" | tail -n 20 | sed 's/^/    | /'
	echo "0 passed, 1 failed"
	exit 1
}

kdir=$("$repo/images/minimal-kernel.sh" 2>"$tmp/kernel.err") ||
	result "images/minimal-kernel.sh failed: $(tail -n 1 "$tmp/kernel.err")"
"$repo/images/guest-initramfs.sh" "$tmp/guest.cpio.gz" 2>"$tmp/initramfs.err" ||
	result "images/guest-initramfs.sh failed: $(tail -n 1 "$tmp/initramfs.err")"

cmd="printf '%s\n' 'echo CV-INPUT-\$((6*7))' 'cat /proc/consoles' 'poweroff -f' |
	$(shq "$minivmm") --kernel $(shq "$kdir/bzImage") --initrd $(shq "$tmp/guest.cpio.gz") \
	--console-device virtio --cmdline minivmm.shell --timeout 120 2>&1; echo CV-STATUS \$?"
cd "$tmp" || exit 2
box_run_retried "$tmp/console" --host-root --timeout 400 --stall 300 -- "$cmd"
case "$box_rc" in
90 | 91 | 92 | 95)
	[ -z "$box_err" ] || { echo "BOX FAILURE $name: $box_err"; exit "$box_rc"; } ;;
esac

why=
status=$(sed -n 's/^CV-STATUS \([0-9]*\).*/\1/p' "$tmp/console" | tr -d '\r' | tail -n 1)
[ "$status" = 0 ] || why+="minivmm's exit status '${status:-none}', want 0; "
grep -q '^CV-INPUT-42' "$tmp/console" || why+="the command typed on stdin did not run (no CV-INPUT-42); "
grep -q '^hvc0 ' "$tmp/console" || why+="/proc/consoles does not name hvc0; "
grep -q '^ttyS0 ' "$tmp/console" && why+="/proc/consoles names ttyS0 too; "
result "$why"
