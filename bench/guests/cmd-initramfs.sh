#!/usr/bin/env bash
# cmd-initramfs.sh KERNEL_ROOT CMD_INIT OUT — the tiny initramfs of the QEMU
# guest in `make bench` part 7 (newc cpio, not compressed: virtme-ng's
# mkinitramfs.py writes it so, and so does minivmm): CMD_INIT (bench/guests/
# cmdinit.c, static) as /init, and from KERNEL_ROOT (an unpacked Debian
# kernel package, as scripts/fetch-kernel.sh prints it) the modules that a
# guest needs to mount its root from virtiofsd over virtio-mmio and put a
# tmpfs overlay on it: virtio_mmio, virtiofs, overlay, and what they depend
# on, as plain .ko files in /modules with /modules/load-order (dependencies
# first: images/kernel-modules.sh).
set -euo pipefail

die() { echo "cmd-initramfs: $*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: cmd-initramfs.sh KERNEL_ROOT CMD_INIT OUT.cpio"
kernel_root=$1 init=$2 out=$3
CMD_MODULES=(virtio_mmio virtiofs overlay)

[ -x "$init" ] || die "$init: not an executable"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/modules"
cp "$init" "$root/init"

# shellcheck source=images/kernel-modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../images/kernel-modules.sh"
kernel_modules_copy "$kernel_root" "$root/modules" "${CMD_MODULES[@]}"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) \
	>"$out" || die "cannot write $out"
