#!/usr/bin/env bash
# disk-initramfs.sh [--modules KERNEL_ROOT] [--test NAME=FILE]... OUT
# — build the initramfs of the virtio disk tests (gzip'd newc cpio): static
# busybox, the virtio drivers a kernel package builds as modules, and an /init
# that runs a test script baked into the image or hands over to a root disk.
#
#   --modules KERNEL_ROOT  an unpacked Debian kernel package (what
#                          scripts/fetch-kernel.sh prints): DISK_MODULES below
#                          and everything they depend on are copied from its
#                          lib/modules/<version>/, decompressed (busybox's
#                          insmod takes plain .ko files), and loaded by /init
#                          in dependency order.  The guest kernel must then be
#                          that package's kernel.  A module the kernel has
#                          built in (modules.builtin) is skipped.  Without
#                          --modules the image carries no module at all: for
#                          a kernel with the drivers built in (the project's
#                          minimal kernel).
#   --test NAME=FILE       FILE becomes /tests/NAME.sh (repeatable); the
#                          kernel command line word minivmm.test=NAME runs it.
#
# The dependency order comes from `modinfo -F depends` on the package's own
# files: Debian's package ships no modules.dep (depmod makes it on install),
# and a module's depends= field names the modules it needs, which are loaded
# first (a depth-first walk).
#
# /init mounts proc, sys and devtmpfs, loads the modules (a failure prints
# `GUEST-CHECK FAIL insmod-NAME: why`), prints
#
#     MINIVMM-DISK-INITRAMFS kernel=<uname -r> modules=<count loaded>
#
# and then does what the kernel command line says:
#   minivmm.test=NAME   runs /tests/NAME.sh under busybox sh.  The script
#                       prints its own `GUEST-CHECK ok NAME` and
#                       `GUEST-CHECK FAIL NAME: why` lines and exits with the
#                       number of failures; /init then prints
#                       `MINIVMM-DISK-TEST PASS` (status 0) or
#                       `MINIVMM-DISK-TEST FAIL status=N`, syncs and powers
#                       off (`poweroff -f`: ACPI S5, minivmm's exit status 0).
#   minivmm.root=DEV    waits up to 10 s for the block device DEV, mounts it
#                       (ext4, read-write) and `switch_root`s to its
#                       /sbin/init; if it cannot, prints
#                       `MINIVMM-DISK-INITRAMFS-FAIL why` and powers off.
#   minivmm.shell       an interactive shell on the console (powers off when
#                       it exits).
#   nothing             prints `MINIVMM-DISK-TEST FAIL status=no-test` and
#                       powers off.
#
# Needs busybox-static, cpio, gzip; with --modules, kmod's modinfo and xz or
# zstd for compressed modules (scripts/install-deps.sh installs them).
set -euo pipefail

die() { echo "disk-initramfs: $*" >&2; exit 1; }
usage() { die "usage: disk-initramfs.sh [--modules KERNEL_ROOT] [--test NAME=FILE]... OUT.cpio.gz"; }

# What the disk tests need from a kernel that builds them as modules: the
# PCI transport, the three virtio devices minivmm offers, and ext4 (built in
# by Debian's cloud kernel, so skipped there).
DISK_MODULES=(virtio_pci virtio_blk virtio_console virtio_rng ext4)

kernel_root='' tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--modules) [ $# -ge 2 ] || usage; kernel_root=$2; shift 2 ;;
	--test) [ $# -ge 2 ] || usage; tests+=("$2"); shift 2 ;;
	--*) usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
out=$1

busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "$busybox not found (install busybox-static)"
# A dynamically linked busybox would need its libc in the image too.
if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked (install busybox-static)"
fi
command -v cpio >/dev/null || die "cpio not found (install cpio)"
command -v gzip >/dev/null || die "gzip not found (install gzip)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,etc,mnt,newroot,tests,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done

for t in "${tests[@]}"; do
	name=${t%%=*} file=${t#*=}
	[[ "$t" == *=* && "$name" =~ ^[A-Za-z0-9_-]+$ ]] || die "--test wants NAME=FILE, not '$t'"
	[ -f "$file" ] || die "--test $name: no such file: $file"
	cp "$file" "$root/tests/$name.sh"
	chmod 0755 "$root/tests/$name.sh"
done

# --- modules, in dependency order -------------------------------------------
if [ -n "$kernel_root" ]; then
	# shellcheck source=images/kernel-modules.sh
	. "$(dirname "${BASH_SOURCE[0]}")/kernel-modules.sh"
	kernel_modules_copy "$kernel_root" "$root/lib/modules" "${DISK_MODULES[@]}"
fi

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# minivmm disk-test /init (built by images/disk-initramfs.sh)
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
loaded=0
if [ -f /lib/modules/load-order ]; then
	while read -r m; do
		if err=$(insmod "/lib/modules/$m.ko" 2>&1); then
			loaded=$((loaded + 1))
		else
			echo "GUEST-CHECK FAIL insmod-$m: $err"
		fi
	done </lib/modules/load-order
fi
echo "MINIVMM-DISK-INITRAMFS kernel=$(uname -r) modules=$loaded"
test= root= shell=
for word in $(cat /proc/cmdline); do
	case "$word" in
	minivmm.test=*) test=${word#minivmm.test=} ;;
	minivmm.root=*) root=${word#minivmm.root=} ;;
	minivmm.shell) shell=1 ;;
	esac
done
end() {
	sync
	poweroff -f
	sleep 60
}
if [ -n "$root" ]; then
	i=0
	while [ ! -b "$root" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if [ ! -b "$root" ]; then
		echo "MINIVMM-DISK-INITRAMFS-FAIL no block device $root after 10 s; block devices: $(ls /sys/block | tr '\n' ' ')"
		end
	fi
	if ! err=$(mount -t ext4 -o rw "$root" /newroot 2>&1); then
		echo "MINIVMM-DISK-INITRAMFS-FAIL cannot mount $root: $err"
		end
	fi
	if [ ! -x /newroot/sbin/init ]; then
		echo "MINIVMM-DISK-INITRAMFS-FAIL $root has no executable /sbin/init"
		end
	fi
	echo "MINIVMM-DISK-INITRAMFS switch_root to $root"
	# The new root mounts its own /proc and /sys; /dev goes along.
	umount /proc /sys
	if [ -d /newroot/dev ]; then mount --move /dev /newroot/dev; else umount /dev; fi
	exec switch_root /newroot /sbin/init
fi
if [ -n "$shell" ]; then
	export HOME=/root PS1='minivmm-disk:\w# '
	cd /root
	setsid cttyhack sh -l
	end
fi
if [ -z "$test" ]; then
	echo "MINIVMM-DISK-TEST FAIL status=no-test (no minivmm.test=NAME on the command line)"
	end
fi
if [ ! -f "/tests/$test.sh" ]; then
	echo "MINIVMM-DISK-TEST FAIL status=no-such-test (/tests/$test.sh; have: $(ls /tests | tr '\n' ' '))"
	end
fi
sh "/tests/$test.sh"
rc=$?
if [ $rc = 0 ]; then
	echo "MINIVMM-DISK-TEST PASS"
else
	echo "MINIVMM-DISK-TEST FAIL status=$rc"
fi
end
EOF
chmod 0755 "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -6n >"$tmp/out.cpio.gz"
mv "$tmp/out.cpio.gz" "$out"
