#!/usr/bin/env bash
# guest-initramfs.sh OUT — build the guest's busybox initramfs (gzip'd newc cpio).
#
# Its /init mounts proc, sys and dev, prints the marker line
#
#     MINIVMM-GUEST-USERSPACE-OK cpus=<online CPUs> kernel=<uname -r>
#
# and then, if the kernel command line holds `minivmm.shell`, runs an interactive
# shell on the console and reboots when it exits; otherwise reboots at once.
# minivmm boots with reboot=k, so `reboot -f` is the i8042 reset and minivmm
# exits 0: a boot test needs only the exit status and the marker.
#
# Needs busybox-static, cpio and gzip (scripts/install-deps.sh installs them).
set -euo pipefail

die() { echo "guest-initramfs: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: guest-initramfs.sh OUT.cpio.gz"
out=$1

busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "$busybox not found (install busybox-static)"
# A dynamically linked busybox (Debian's plain 'busybox') would need its libc
# in the image too; only the static one stands alone.
if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked (install busybox-static)"
fi
command -v cpio >/dev/null || die "cpio not found (install cpio)"
command -v gzip >/dev/null || die "gzip not found (install gzip)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,etc}
cp "$busybox" "$root/bin/busybox"
# Applet links at build time: cheaper than `busybox --install` on every boot.
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# minivmm guest /init (built by images/guest-initramfs.sh)
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
cpus=$(nproc 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
echo "MINIVMM-GUEST-USERSPACE-OK cpus=$cpus kernel=$(uname -r)"
for word in $(cat /proc/cmdline); do
	if [ "$word" = minivmm.shell ]; then
		echo "minivmm guest shell: 'exit' or Ctrl-D reboots (and ends minivmm)"
		export HOME=/root PS1='minivmm-guest:\w# '
		cd /root
		# cttyhack gives the shell the console's real tty as its controlling
		# terminal, so Ctrl-C and job control work.
		setsid cttyhack sh -l
		break
	fi
done
sync
reboot -f
EOF
chmod 0755 "$root/init"

# No device nodes needed at build time: the kernel creates /dev/console for
# the initramfs itself when the archive lacks it, and devtmpfs does the rest.
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -9n >"$tmp/out.cpio.gz"
mv "$tmp/out.cpio.gz" "$out"
