#!/usr/bin/env bash
# disk-image.sh — ext4 disk images for the virtio disk tests, made by
# `mkfs.ext4 -d FOLDER` (e2fsprogs): no root, no loop device, no mount.
#
#   disk-image.sh data OUT [SIZE]
#       A data disk (label vt-data, default size 192M: room for the 64 MiB
#       file the guest writes): files of known content (random bytes, sizes
#       from 0 bytes to 5 MiB, one in a subfolder, one with a hole) and, at
#       its root, SHA256SUMS listing every other file as `sha256sum` writes
#       it (`<hash>  ./path`), so `cd MOUNT && sha256sum -c SHA256SUMS`
#       checks them all.
#
#   disk-image.sh root OUT [SIZE]
#       A root disk (label vt-root, default 64M): static busybox with its
#       applet links in /bin, /dev/console and /dev/null (made with debugfs,
#       so no root is needed), and an /sbin/init script that mounts /proc,
#       /sys and devtmpfs, writes /rootdisk-booted (read back from the image
#       by the tests), and prints one line
#
#           MINIVMM-ROOTDISK-OK root-dev=MAJ:MIN vda-dev=MAJ:MIN rw=yes|no
#               console=<active consoles> hwrng=<rng_current>
#               virtio-rng-devices=N hwrng-bytes=N
#
#       (on one line): the device of / (/proc/self/mountinfo) and of
#       /dev/vda, whether / took a write, the kernel's consoles, the
#       hw_random source in use and the number of virtio entropy devices,
#       and how many of 64 bytes /dev/hwrng gave; then remounts / read-only
#       and powers off (`poweroff -f`).  Booted as root=/dev/vda directly, or
#       through images/disk-initramfs.sh's minivmm.root=/dev/vda.
#
#   disk-image.sh folder FOLDER OUT SIZE
#       Any folder as an ext4 image of SIZE (mkfs.ext4's size syntax).
#
# Needs e2fsprogs (mkfs.ext4, debugfs) and, for root, busybox-static.
set -euo pipefail

die() { echo "disk-image: $*" >&2; exit 1; }
usage() { die "usage: disk-image.sh data OUT [SIZE] | root OUT [SIZE] | folder FOLDER OUT SIZE"; }

PATH=$PATH:/sbin:/usr/sbin
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not found (install e2fsprogs)"
command -v debugfs >/dev/null || die "debugfs not found (install e2fsprogs)"

# make_ext4 FOLDER OUT SIZE LABEL: OUT, a new sparse ext4 of SIZE holding
# FOLDER's files; written beside OUT and renamed over it when complete.
make_ext4() {
	local folder=$1 out=$2 size=$3 label=$4 part
	mkdir -p "$(dirname "$out")"
	part=$(mktemp "$out.XXXXXX")
	rm -f "$part"
	mkfs.ext4 -q -F -L "$label" -d "$folder" "$part" "$size" >/dev/null ||
		{ rm -f "$part"; die "mkfs.ext4 -d $folder $out $size failed"; }
	mv "$part" "$out"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ $# -ge 1 ] || usage
kind=$1
shift
case "$kind" in
data)
	[ $# -eq 1 ] || [ $# -eq 2 ] || usage
	out=$1 size=${2:-192M}
	d=$tmp/data
	mkdir -p "$d/sub/deeper"
	: >"$d/empty"
	head -c 1 /dev/urandom >"$d/one-byte"
	head -c 511 /dev/urandom >"$d/sector-less-one"
	head -c 4096 /dev/urandom >"$d/one-block"
	head -c $(((1 << 20) + 7)) /dev/urandom >"$d/sub/a-mebibyte-and-seven"
	head -c $((5 << 20)) /dev/urandom >"$d/sub/deeper/five-mebibytes"
	# A hole of 3 MiB, then data: the guest reads zeros the image never stored.
	head -c 4096 /dev/urandom >"$d/sparse"
	truncate -s $((3 << 20)) "$d/sparse"
	head -c 4096 /dev/urandom >>"$d/sparse"
	echo "minivmm virtio disk test data" >"$d/hello.txt"
	(cd "$d" && find . -type f ! -name SHA256SUMS -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum) >"$tmp/SHA256SUMS"
	mv "$tmp/SHA256SUMS" "$d/SHA256SUMS"
	make_ext4 "$d" "$out" "$size" vt-data
	;;
root)
	[ $# -eq 1 ] || [ $# -eq 2 ] || usage
	out=$1 size=${2:-64M}
	busybox=${BUSYBOX:-/bin/busybox}
	[ -x "$busybox" ] || die "$busybox not found (install busybox-static)"
	if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is dynamically linked (install busybox-static)"
	fi
	r=$tmp/root
	mkdir -p "$r"/{bin,sbin,dev,proc,sys,tmp,root,etc}
	cp "$busybox" "$r/bin/busybox"
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$r/bin/$applet"
	done
	cat >"$r/sbin/init" <<'EOF'
#!/bin/busybox sh
# minivmm root-disk /sbin/init (built by images/disk-image.sh root)
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Already there when the initramfs moved its /dev here.
grep -q '^[^ ]* /dev devtmpfs ' /proc/mounts || mount -t devtmpfs devtmpfs /dev 2>/dev/null
rootdev=$(awk '$5 == "/" { d = $3 } END { print d }' /proc/self/mountinfo)
vdadev=$(cat /sys/block/vda/dev 2>/dev/null || echo none)
rw=no
echo "booted from $rootdev" >/rootdisk-booted && sync && rw=yes
consoles=$(cat /sys/class/tty/console/active 2>/dev/null | tr ' ' ,)
rng=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null || echo missing)
nrng=0
for f in /sys/bus/virtio/devices/*/device; do
	[ -f "$f" ] && [ "$(cat "$f")" = 0x0004 ] && nrng=$((nrng + 1))
done
bytes=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)
echo "MINIVMM-ROOTDISK-OK root-dev=$rootdev vda-dev=$vdadev rw=$rw console=${consoles:-none} hwrng=$rng virtio-rng-devices=$nrng hwrng-bytes=$bytes"
mount -o remount,ro / 2>/dev/null
sync
poweroff -f
sleep 60
EOF
	chmod 0755 "$r/sbin/init"
	make_ext4 "$r" "$tmp/root.ext4" "$size" vt-root
	# Device nodes without root: debugfs writes them into the image.
	# (its mknod takes a name in the current folder, not a path)
	printf 'cd /dev\nmknod console c 5 1\nsif console mode 020600\nmknod null c 1 3\nsif null mode 020666\n' >"$tmp/mknod.cmds"
	debugfs -w -f "$tmp/mknod.cmds" "$tmp/root.ext4" >"$tmp/mknod.out" 2>&1 &&
		debugfs -R 'ls -l /dev' "$tmp/root.ext4" 2>/dev/null | grep -q ' console *$' ||
		die "debugfs mknod in $out failed: $(tr '\n' ' ' <"$tmp/mknod.out")"
	mkdir -p "$(dirname "$out")"
	mv "$tmp/root.ext4" "$out"
	;;
folder)
	[ $# -eq 3 ] || usage
	[ -d "$1" ] || die "$1 is not a folder"
	make_ext4 "$1" "$2" "$3" vt-disk
	;;
*) usage ;;
esac
