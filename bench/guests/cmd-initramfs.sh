#!/usr/bin/env bash
# cmd-initramfs.sh KERNEL_ROOT CMD_INIT OUT — the tiny initramfs of the QEMU
# guest in `make bench` part 7 (gzip'd newc cpio): CMD_INIT (bench/guests/
# cmdinit.c, static) as /init, and from KERNEL_ROOT (an unpacked Debian
# kernel package, as scripts/fetch-kernel.sh prints it) the modules that a
# guest needs to mount its root from virtiofsd over virtio-mmio and put a
# tmpfs overlay on it: virtio_mmio, virtiofs, overlay, and what they depend
# on, as plain .ko files in /modules with /modules/load-order (dependencies
# first).  The order comes from `modinfo -F depends` on the package's own
# files (Debian's package ships no modules.dep), a depth-first walk, as
# images/disk-initramfs.sh does; a module the kernel has built in
# (modules.builtin) is skipped.
set -euo pipefail

die() { echo "cmd-initramfs: $*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: cmd-initramfs.sh KERNEL_ROOT CMD_INIT OUT.cpio.gz"
kernel_root=$1 init=$2 out=$3
CMD_MODULES=(virtio_mmio virtiofs overlay)

[ -x "$init" ] || die "$init: not an executable"
modinfo=$(command -v modinfo || echo /sbin/modinfo)
[ -x "$modinfo" ] || die "modinfo not found (install kmod)"
moddirs=("$kernel_root"/lib/modules/*/)
if [ ${#moddirs[@]} -ne 1 ] || [ ! -d "${moddirs[0]}" ]; then
	die "$kernel_root: expected exactly one lib/modules/<version>/ folder"
fi
moddir=${moddirs[0]%/}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/modules"
cp "$init" "$root/init"

# Every module file by its module name ('-' read as '_', as the kernel does).
declare -A file_of=() builtin=() state=()
while IFS= read -r -d '' f; do
	n=${f##*/}
	n=${n%%.ko*}
	file_of[${n//-/_}]=$f
done < <(find "$moddir/kernel" -name '*.ko*' -print0)
if [ -f "$moddir/modules.builtin" ]; then
	while read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		builtin[${n//-/_}]=1
	done <"$moddir/modules.builtin"
fi
order=()
visit() {   # visit NAME: NAME's dependencies first, then NAME
	local n=${1//-/_} dep deps
	[ -z "${builtin[$n]:-}" ] || return 0
	case "${state[$n]:-}" in
	ordered) return 0 ;;
	visiting) die "module dependency loop through $n" ;;
	esac
	[ -n "${file_of[$n]:-}" ] || die "$moddir: no module $n (neither a file nor built in)"
	state[$n]=visiting
	deps=$("$modinfo" -F depends "${file_of[$n]}") || die "modinfo ${file_of[$n]} failed"
	for dep in ${deps//,/ }; do visit "$dep"; done
	state[$n]=ordered
	order+=("$n")
}
for m in "${CMD_MODULES[@]}"; do visit "$m"; done
: >"$root/modules/load-order"
for n in "${order[@]}"; do
	f=${file_of[$n]}
	case "$f" in
	*.ko) cp "$f" "$root/modules/$n.ko" ;;
	*.ko.xz) xz -dc "$f" >"$root/modules/$n.ko" || die "xz -d $f failed" ;;
	*.ko.zst) zstd -qdc "$f" >"$root/modules/$n.ko" || die "zstd -d $f failed" ;;
	*.ko.gz) gzip -dc "$f" >"$root/modules/$n.ko" || die "gzip -d $f failed" ;;
	*) die "unknown module file type: $f" ;;
	esac
	echo "$n" >>"$root/modules/load-order"
done
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -6n >"$out" || die "cannot write $out"
