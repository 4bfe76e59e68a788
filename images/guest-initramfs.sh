#!/usr/bin/env bash
# guest-initramfs.sh OUT [KERNEL_ROOT] — build the guest's busybox initramfs
# (gzip'd newc cpio).
#
# KERNEL_ROOT, when given, is an unpacked Debian kernel package (what
# scripts/fetch-kernel.sh prints): the modules in GUEST_MODULES below are
# copied from its lib/modules/<version>/ and loaded by /init in that order,
# so the guest kernel must be that package's kernel.  Today that is the
# pvpanic driver (Debian builds it as a module), so a guest panic reaches
# minivmm as exit status 4, and qemu_fw_cfg, which binds to minivmm's fw_cfg
# (ACPI QEMU0002) and registers the kernel's VMCOREINFO with it.
#
# Its /init mounts proc, sys and dev, loads the modules, prints the marker line
#
#     MINIVMM-GUEST-USERSPACE-OK cpus=<online CPUs> kernel=<uname -r>
#
# and then ends the way the kernel command line asks:
#   minivmm.shell          an interactive shell on the console; reboot when it exits
#   minivmm.end=reboot     reboot -f (the default): the i8042 reset, exit status 0
#                          (minivmm boots with reboot=k)
#   minivmm.end=poweroff   poweroff -f: ACPI S5 through the FADT's sleep
#                          control register, exit status 0
#   minivmm.end=panic      writes a line to /dev/kmsg, then crashes the kernel
#                          (echo c > /proc/sysrq-trigger): pvpanic, exit status 4
#   minivmm.end=exit       init exits: the kernel panics ("Attempted to kill
#                          init!", kernel/exit.c), exit status 4
#   minivmm.end=hang       sleeps forever: only --expect or --timeout end it
# A boot test needs only the exit status and the marker.
#
# Needs busybox-static, cpio and gzip (scripts/install-deps.sh installs them).
set -euo pipefail

die() { echo "guest-initramfs: $*" >&2; exit 1; }

[ $# -eq 1 ] || [ $# -eq 2 ] || die "usage: guest-initramfs.sh OUT.cpio.gz [KERNEL_ROOT]"
out=$1
kernel_root=${2:-}
# Module paths under lib/modules/<version>/kernel/, in load order (a module
# after the ones it depends on: modinfo's depends=).
GUEST_MODULES=(drivers/misc/pvpanic/pvpanic.ko drivers/misc/pvpanic/pvpanic-mmio.ko
	drivers/firmware/qemu_fw_cfg.ko)

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

if [ -n "$kernel_root" ]; then
	moddirs=("$kernel_root"/lib/modules/*/)
	[ ${#moddirs[@]} -eq 1 ] && [ -d "${moddirs[0]}" ] ||
		die "$kernel_root: expected exactly one lib/modules/<version>/ folder"
	mkdir -p "$root/lib/modules"
	for m in "${GUEST_MODULES[@]}"; do
		[ -f "${moddirs[0]}kernel/$m" ] || die "$kernel_root: module $m is missing"
		cp "${moddirs[0]}kernel/$m" "$root/lib/modules/"
		echo "${m##*/}" >>"$root/lib/modules/load-order"
	done
fi

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# minivmm guest /init (built by images/guest-initramfs.sh)
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
if [ -f /lib/modules/load-order ]; then
	while read -r m; do
		insmod "/lib/modules/$m" || echo "minivmm guest: insmod $m failed"
	done </lib/modules/load-order
fi
# What fw_cfg offers (qemu_fw_cfg's sysfs tree): the vmcoreinfo file and the
# contents of every user file (--fw-cfg opt/NAME,...).
fwcfg=/sys/firmware/qemu_fw_cfg/by_name
if [ -d "$fwcfg" ]; then
	[ -e "$fwcfg/etc/vmcoreinfo/raw" ] && echo "minivmm guest: fw_cfg etc/vmcoreinfo"
	# by_name holds symlinks into by_key: -L follows them.
	for f in $(cd "$fwcfg" && find -L opt -name raw 2>/dev/null); do
		echo "minivmm guest: fw_cfg ${f%/raw}: $(cat "$fwcfg/$f")"
	done
fi
cpus=$(nproc 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
echo "MINIVMM-GUEST-USERSPACE-OK cpus=$cpus kernel=$(uname -r)"
end=reboot
for word in $(cat /proc/cmdline); do
	case "$word" in
	minivmm.shell) end=shell ;;
	minivmm.end=*) end=${word#minivmm.end=} ;;
	esac
done
case "$end" in
shell)
	echo "minivmm guest shell: 'exit' or Ctrl-D reboots (and ends minivmm)"
	export HOME=/root PS1='minivmm-guest:\w# '
	cd /root
	# cttyhack gives the shell the console's real tty as its controlling
	# terminal, so Ctrl-C and job control work.
	setsid cttyhack sh -l
	;;
poweroff)
	sync
	poweroff -f
	;;
panic)
	[ -e /sys/bus/platform/drivers/pvpanic-mmio/QEMU0001:00 ] &&
		echo "minivmm guest: pvpanic is bound to QEMU0001"
	echo "minivmm-guest: panicking on purpose" >/dev/kmsg
	echo c >/proc/sysrq-trigger
	;;
hang)
	while :; do sleep 3600; done
	;;
exit)
	echo "minivmm guest: init exits"
	exit 0
	;;
reboot) ;;
*) echo "minivmm guest: unknown minivmm.end=$end, rebooting" ;;
esac
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
