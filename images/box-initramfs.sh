#!/usr/bin/env bash
# box-initramfs.sh — the two halves of the KVM box's initramfs (see
# scripts/box-run.sh, which is the only caller).
#
#   box-initramfs.sh base KERNEL_DIR CACHE_DIR
#       The part that depends only on the box kernel: static busybox, the
#       modules that give /dev/kvm (kvm, kvm-amd and what modules.dep says
#       they need, in load order) and /init. Built once into CACHE_DIR as
#       base-<key>.cpio.gz, <key> covering this script, busybox and the
#       kernel; prints the path.
#
#   box-initramfs.sh payload OUT MODE COMMAND [FILE...]
#       The part for one run, an uncompressed newc cpio (the kernel unpacks
#       concatenated archives, compressed or not, in order): each FILE at
#       /box/<basename>, the shared libraries and dynamic loader they need at
#       their own paths (from ldd), COMMAND in /etc/box/cmd and MODE
#       (batch|interactive) in /etc/box/mode.  With HOSTROOT=DIR in the
#       environment, /etc/box/hostroot holds DIR: the command then runs
#       chrooted in the host's root filesystem (virtio-9p tag "hostroot",
#       read-only, under an overlay whose writes stay in the box's RAM,
#       with the box's own /dev, /proc and /sys), in folder DIR, under the
#       host's /bin/sh and PATH.
#
# The box's /init prints, on the console:
#   BOX-ERROR 90 failed to load <module>: <insmod's words>   (then powers off)
#   BOX-ERROR 91 /dev/kvm missing after loading modules      (then powers off)
#   BOX-STATUS <rc>    after COMMAND ran, with its exit status (then powers off)
# Needs busybox-static, cpio, gzip, and kmod's depmod when the kernel tree
# has no modules.dep yet (Debian's package ships none: depmod makes it).
set -euo pipefail

die() { echo "box-initramfs: $*" >&2; exit 1; }

# Modules the box loads (with everything modules.dep lists for them).
BOX_MODULES=(kvm kvm-amd)
# Loaded only for a run in the host's root (payload --host-root): the
# host's filesystem arrives over virtio-9p (QEMU's -virtfs).
BOX_HOSTROOT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

busybox=${BUSYBOX:-/bin/busybox}

check_tools() {
	[ -x "$busybox" ] || die "$busybox not found (install busybox-static)"
	if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is dynamically linked (install busybox-static)"
	fi
	command -v cpio >/dev/null || die "cpio not found (install cpio)"
	command -v gzip >/dev/null || die "gzip not found (install gzip)"
}

# cpio_dir DIR: a newc archive of DIR's contents, all owned by root, on stdout.
cpio_dir() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet)
}

# The box's /init. Runs as PID 1 under busybox sh.
write_init() {
	cat >"$1" <<'EOF'
#!/bin/busybox sh
# KVM box /init (built by images/box-initramfs.sh)
export PATH=/box:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp

box_fail() {
	code=$1; shift
	echo "BOX-ERROR $code $*"
	dmesg | tail -n 8 | sed 's/^/box-dmesg: /'
	sync
	poweroff -f
	sleep 60
}

while read -r name file; do
	err=$(insmod "/lib/modules/box/$file" 2>&1) ||
		box_fail 90 "failed to load $name: $(echo "$err" | tail -n 1)"
done </etc/box/modules

# devtmpfs makes /dev/kvm when kvm registers its misc device; make it by
# hand only if that did not happen but the device is there.
if [ ! -c /dev/kvm ] && [ -r /sys/class/misc/kvm/dev ]; then
	IFS=: read -r major minor </sys/class/misc/kvm/dev
	mknod /dev/kvm c "$major" "$minor"
fi
[ -c /dev/kvm ] || box_fail 91 "/dev/kvm missing after loading modules"

# A run in the host's root: its filesystem over virtio-9p, read-only, is
# the lower layer of an overlay whose upper layer is a tmpfs, so the command
# may write anywhere (/tmp, a build folder) and the host's files never
# change; with the box's own devices (/dev/kvm), proc and sys.
run="sh /etc/box/cmd"
if [ -f /etc/box/hostroot ]; then
	while read -r name file; do
		err=$(insmod "/lib/modules/box/$file" 2>&1) ||
			box_fail 90 "failed to load $name: $(echo "$err" | tail -n 1)"
	done </etc/box/modules-hostroot
	mkdir -p /lower /rw /host
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower ||
		box_fail 94 "cannot mount the host's root (virtio-9p tag hostroot)"
	mount -t tmpfs tmpfs /rw && mkdir /rw/upper /rw/work &&
		mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /host ||
		box_fail 94 "cannot mount an overlay over the host's root"
	mount -t devtmpfs devtmpfs /host/dev && mkdir -p /host/dev/pts /host/dev/shm &&
		mount -t devpts devpts /host/dev/pts &&
		mount -t tmpfs tmpfs /host/dev/shm && mount -t proc proc /host/proc &&
		mount -t sysfs sysfs /host/sys ||
		box_fail 94 "cannot mount /dev, /proc and /sys in the host's root"
	# What udev would add and bash's process substitution needs.
	ln -s /proc/self/fd /host/dev/fd && ln -s fd/0 /host/dev/stdin &&
		ln -s fd/1 /host/dev/stdout && ln -s fd/2 /host/dev/stderr
	dir=$(cat /etc/box/hostroot)
	[ -d "/host$dir" ] || box_fail 94 "the host's folder $dir is not in the box's view of the host"
	{
		echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp'
		echo "cd '$dir' || exit 94"
		cat /etc/box/cmd
	} >/host/.box-cmd
	run="chroot /host /bin/sh /.box-cmd"
fi

cd /box
if [ "$(cat /etc/box/mode)" = interactive ]; then
	# Every key goes through to the command (e.g. to minivmm and on to its
	# guest): no echo, no line editing, no signals from this console.
	stty raw -echo </dev/console
	$run </dev/console >/dev/console 2>&1
	rc=$?
	stty sane </dev/console
else
	$run </dev/null >/dev/console 2>&1
	rc=$?
fi
echo
echo "BOX-STATUS $rc"
sync
poweroff -f
sleep 60
EOF
	chmod 0755 "$1"
}

# add_modules MODDIR ROOT LIST MODULE...: copies each MODULE and what
# modules.dep says it needs (unless an earlier list has it) into
# ROOT/lib/modules/box, numbered in load order, and lists them, "name file"
# a line, in ROOT/etc/box/LIST.  modules.dep lists all a module needs, the
# ones needed first at the end; so its line is walked backwards.
add_modules() {
	local moddir=$1 root=$2 list=$3
	shift 3
	local m line dep i seen done_rel rel name file
	local -a deps order=()
	for m in "$@"; do
		line=$(grep -E "/${m}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n1) ||
			die "module $m is not in $moddir/modules.dep"
		read -r -a deps <<<"${line#*:}"
		for ((i = ${#deps[@]} - 1; i >= -1; i--)); do
			if [ "$i" -ge 0 ]; then dep=${deps[i]}; else dep=${line%%:*}; fi
			seen=0
			for done_rel in "${module_done[@]}" "${order[@]}"; do
				[ "$done_rel" = "$dep" ] && seen=1
			done
			[ "$seen" = 1 ] || order+=("$dep")
		done
	done
	: >"$root/etc/box/$list"
	for rel in "${order[@]}"; do
		module_n=$((module_n + 1))
		name=${rel##*/}
		name=${name%%.ko*}
		name=${name//-/_}   # the module's own name, as lsmod shows it
		file=$(printf '%02d-%s.ko' "$module_n" "$name")
		case "$rel" in
		*.ko) cp "$moddir/$rel" "$root/lib/modules/box/$file" ;;
		*.ko.xz) xz -dc "$moddir/$rel" >"$root/lib/modules/box/$file" ;;
		*.ko.zst) zstd -qdc "$moddir/$rel" >"$root/lib/modules/box/$file" ;;
		*) die "unknown module file type: $rel" ;;
		esac
		echo "$name $file" >>"$root/etc/box/$list"
		module_done+=("$rel")
	done
}

build_base() {
	[ $# -eq 2 ] || die "usage: box-initramfs.sh base KERNEL_DIR CACHE_DIR"
	local kdir=$1 cache=$2
	check_tools
	local moddir
	moddir=$(find "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)
	[ -n "$moddir" ] || die "$kdir has no lib/modules/<version>"
	local kver=${moddir##*/}

	local key
	key=$( { cat "${BASH_SOURCE[0]}"; sha256sum "$busybox"; echo "$kdir"; } |
		sha256sum | cut -c1-16)
	local out=$cache/base-$kver-$key.cpio.gz
	if [ -s "$out" ]; then
		echo "$out"
		return
	fi

	if [ ! -s "$moddir/modules.dep" ]; then
		command -v depmod >/dev/null || [ -x /sbin/depmod ] ||
			die "$moddir has no modules.dep and depmod is missing (install kmod)"
		PATH=$PATH:/sbin:/usr/sbin depmod -b "$kdir" "$kver" ||
			die "depmod -b $kdir $kver failed"
	fi

	local tmp
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	local root=$tmp/root
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,box,etc/box,lib/modules/box}
	cp "$busybox" "$root/bin/busybox"
	local applet
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
	done
	module_n=0 module_done=()
	add_modules "$moddir" "$root" modules "${BOX_MODULES[@]}"
	add_modules "$moddir" "$root" modules-hostroot "${BOX_HOSTROOT_MODULES[@]}"
	write_init "$root/init"

	mkdir -p "$cache"
	cpio_dir "$root" | gzip -1n >"$tmp/base.cpio.gz"
	rm -f "$cache/base-$kver-"*.cpio.gz   # archives of older recipes
	mv "$tmp/base.cpio.gz" "$out"
	echo "$out"
}

# ldd_paths FILE: the absolute paths of the libraries FILE loads (none for a
# static or non-ELF file).
ldd_paths() {
	LC_ALL=C ldd "$1" 2>/dev/null | awk '
		/not found/ { print "MISSING " $1; next }
		{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) { print $i; break } }'
}

build_payload() {
	[ $# -ge 3 ] || die "usage: box-initramfs.sh payload OUT MODE COMMAND [FILE...]"
	local out=$1 mode=$2 cmd=$3
	shift 3
	case "$mode" in batch | interactive) ;; *) die "mode must be batch or interactive" ;; esac
	command -v cpio >/dev/null || die "cpio not found (install cpio)"
	local tmp
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	local root=$tmp/root
	mkdir -p "$root/box" "$root/etc/box"
	local f base lib
	for f in "$@"; do
		[ -f "$f" ] || die "no such file: $f"
		base=${f##*/}
		[ ! -e "$root/box/$base" ] || die "two files named $base"
		cp -L "$f" "$root/box/$base"
		while read -r lib; do
			case "$lib" in MISSING*) die "$f needs ${lib#MISSING }, which ldd cannot find" ;; esac
			[ -e "$root$lib" ] && continue
			mkdir -p "$root${lib%/*}"
			cp -L "$lib" "$root$lib"
		done < <(ldd_paths "$f")
	done
	printf '%s\n' "$cmd" >"$root/etc/box/cmd"
	echo "$mode" >"$root/etc/box/mode"
	if [ -n "${HOSTROOT:-}" ]; then
		case "$HOSTROOT" in /*) ;; *) die "HOSTROOT must be an absolute path" ;; esac
		case "$HOSTROOT" in *"'"*) die "HOSTROOT must not contain a single quote" ;; esac
		printf '%s\n' "$HOSTROOT" >"$root/etc/box/hostroot"
	fi
	cpio_dir "$root" >"$out"
}

[ $# -ge 1 ] || die "usage: box-initramfs.sh base|payload ..."
sub=$1
shift
case "$sub" in
base) build_base "$@" ;;
payload) build_payload "$@" ;;
*) die "unknown subcommand '$sub' (want base or payload)" ;;
esac
