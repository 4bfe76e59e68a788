#!/usr/bin/env bash
# scripts/record-portio.sh MINIVMM OUT — records the port I/O of a real
# boot as the seed trace of the `portio` and `fw_cfg` fuzz targets
# (tests/fuzz/fuzz_seeds.c reads OUT; the committed one is
# tests/fuzz/traces/cloud-boot.pio).  In ONE run of the KVM box, with the
# box kernel's kvm:kvm_pio tracepoint on, minivmm boots Debian's cloud
# kernel with the busybox initramfs (images/guest-initramfs.sh) twice, to
# its marker and then poweroff (ACPI S5), then reboot (the i8042 reset);
# its init loads qemu_fw_cfg, whose probe writes etc/vmcoreinfo by DMA.
# `quiet` shortens the console.  OUT gets one access a line, as the
# tracepoint reports it:
#
#   r|w PORT SIZE COUNT VALUE      (hex port and value; COUNT > 1 for rep ins/outs)
#
# preceded by `# ` comment lines saying how it was made.  Exit status: 0,
# 1 when the box did not produce a trace, 2 on a usage error.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${1:-}" = --in-box ]; then
	# shellcheck source=/dev/null
	. "$2/env"
	t=/sys/kernel/tracing
	[ -d $t/events ] || mount -t tracefs nodev $t || { echo "PIO-FAIL no tracefs"; exit 0; }
	[ -d $t/events/kvm/kvm_pio ] || { echo "PIO-FAIL no kvm:kvm_pio event"; exit 0; }
	echo 0 >$t/tracing_on
	echo 16384 >$t/buffer_size_kb
	: >$t/trace
	echo 1 >$t/events/kvm/kvm_pio/enable
	echo 1 >$t/tracing_on
	for end in poweroff reboot; do
		# shellcheck disable=SC2153 # from DIR/env
		"$MINIVMM" --kernel "$KERNEL" --initrd "$INITRD" --timeout 120 \
			--cmdline "quiet minivmm.end=$end" >/dev/null 2>&1
		echo "PIO-STATUS $end $?"
	done
	echo 0 >$t/tracing_on
	echo 0 >$t/events/kvm/kvm_pio/enable
	# "pio_write at 0x3f8 size 1 count 1 val 0x41" -> "w 3f8 1 1 41"
	sed -n 's/.*kvm_pio: pio_\(read\|write\) at 0x\([0-9a-f]*\) size \([0-9]*\) count \([0-9]*\) val 0x\([0-9a-f]*\).*/PIO \1 \2 \3 \4 \5/p' \
		$t/trace | sed 's/^PIO read /PIO r /; s/^PIO write /PIO w /'
	echo "PIO-DONE"
	exit 0
fi

if [ $# -ne 2 ]; then
	echo "usage: scripts/record-portio.sh MINIVMM OUT" >&2
	exit 2
fi
minivmm=$(realpath "$1") || { echo "record-portio: $1: no such file" >&2; exit 2; }
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"
kdir=$("$repo/scripts/fetch-kernel.sh" cloud) || { echo "record-portio: scripts/fetch-kernel.sh cloud failed" >&2; exit 1; }
"$repo/images/guest-initramfs.sh" "$tmp/guest.cpio.gz" "$kdir" >/dev/null ||
	{ echo "record-portio: images/guest-initramfs.sh failed" >&2; exit 1; }
kernel=$(echo "$kdir"/boot/vmlinuz-*)
{
	echo "MINIVMM=$(shq "$minivmm")"
	echo "KERNEL=$(shq "$kernel")"
	echo "INITRD=$(shq "$tmp/guest.cpio.gz")"
} >"$tmp/env"
box_run_retried "$tmp/console" --host-root --timeout 900 --stall 300 -- \
	"bash $(shq "$repo/scripts/record-portio.sh") --in-box $(shq "$tmp")"
tr -d '\r' <"$tmp/console" >"$tmp/clean"
grep '^PIO-STATUS\|^PIO-FAIL' "$tmp/clean"
if ! grep -q '^PIO-DONE' "$tmp/clean" || ! grep -q '^PIO [rw] ' "$tmp/clean"; then
	echo "record-portio: the box made no trace (status $box_rc ${box_err:-})" >&2
	exit 1
fi
{
	echo "# The port I/O of two boots of $(basename "$kernel") with the busybox"
	echo "# initramfs under minivmm, as the KVM box's kvm:kvm_pio tracepoint saw it"
	echo "# (scripts/record-portio.sh, $(date -u +%Y-%m-%d)): r|w PORT SIZE COUNT VALUE."
	sed -n 's/^PIO //p' "$tmp/clean"
} >"$out"
echo "record-portio: $(grep -c '^[rw] ' "$out") accesses in $out"
