#!/usr/bin/env bash
# run-demo.sh MINIVMM — `make run`: boot Debian's cloud kernel with a busybox
# initramfs to an interactive shell. Type `exit` (or Ctrl-D) in the guest shell
# to reboot it and end minivmm.
#
# Directly on this host when it has hardware virtualization (a vmx or svm flag
# in /proc/cpuinfo and a usable /dev/kvm); otherwise inside the KVM box
# (scripts/box-run.sh: QEMU TCG + nested KVM); Ctrl-a x ends minivmm there too.
#
# Environment: DEMO_MEM (guest RAM, default minivmm's), DEMO_BOX=1 (use the box
# even where the host could boot directly).
set -euo pipefail

die() { echo "run-demo: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: run-demo.sh MINIVMM"
minivmm=$1
[ -x "$minivmm" ] || die "$minivmm is not an executable (build it with make)"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kdir=$("$repo/scripts/fetch-kernel.sh" cloud) || die "cannot fetch the cloud kernel"
kernel=$(find "$kdir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
[ -n "$kernel" ] || die "no vmlinuz in $kdir/boot"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$repo/images/guest-initramfs.sh" "$tmp/guest.cpio.gz" "$kdir" || die "cannot build the guest initramfs"

mem_args=()
if [ -n "${DEMO_MEM:-}" ]; then
	[[ "$DEMO_MEM" =~ ^[0-9]+[KMG]?$ ]] || die "DEMO_MEM wants a size such as 512M, not '$DEMO_MEM'"
	mem_args=(--mem "$DEMO_MEM")
fi
[ -t 0 ] || echo "run-demo: stdin is not a terminal: the guest shell will read from it" >&2

hw=0
grep -qwE 'vmx|svm' /proc/cpuinfo && hw=1
kvm_ok=0
[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && kvm_ok=1

set +e
if [ "$hw" = 1 ] && [ "$kvm_ok" = 1 ] && [ "${DEMO_BOX:-0}" != 1 ]; then
	echo "run-demo: VMX/SVM and /dev/kvm here: booting directly with $minivmm"
	"$minivmm" --kernel "$kernel" --initrd "$tmp/guest.cpio.gz" --cmdline minivmm.shell "${mem_args[@]}"
	rc=$?
else
	if [ "$hw" = 0 ]; then
		echo "run-demo: no VMX/SVM here: booting inside the KVM box (QEMU TCG + nested KVM)"
	elif [ "$kvm_ok" = 0 ]; then
		echo "run-demo: /dev/kvm is missing or not usable here: booting inside the KVM box (QEMU TCG + nested KVM)"
	else
		echo "run-demo: DEMO_BOX=1: booting inside the KVM box (QEMU TCG + nested KVM)"
	fi
	echo "run-demo: the box takes a few seconds to start; Ctrl-a x ends minivmm and the box (Ctrl-] x quits the box's QEMU)"
	m=${minivmm##*/}
	k=${kernel##*/}
	"$repo/scripts/box-run.sh" --interactive --files "$minivmm" "$kernel" "$tmp/guest.cpio.gz" -- \
		"$m --kernel $k --initrd guest.cpio.gz --cmdline minivmm.shell ${mem_args[*]}"
	rc=$?
fi
echo "run-demo: exit status $rc"
exit "$rc"
