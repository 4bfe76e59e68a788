#!/bin/sh
# tests/box/virtio-guest.sh — the guest half of tests/box/virtio-tests.sh:
# baked into images/disk-initramfs.sh's image as /tests/virtio.sh and run by
# its /init for minivmm.test=virtio, under busybox sh.
#
# minivmm gives it, in this order (so /dev/vda, vdb, vdc):
#   --disk DATA_RW,serial=vt-data     images/disk-image.sh data, a copy
#   --disk BIG,serial=vt-big          truncate -s 3G: an empty sparse file
#   --disk DATA_RO,ro,serial=vt-ro    images/disk-image.sh data, another copy
# and virtio-rng (the default).
#
# Prints one line per check, `GUEST-CHECK ok NAME` or
# `GUEST-CHECK FAIL NAME: why`, and what the host checks after the run:
#   GUEST-INFO new-sha256 HASH   the file /new it wrote to vda
#   GUEST-INFO big-sha256 HASH   the MiB it wrote at 3071 MiB into vdb
# and exits with the number of failed checks.  The checks, by group (the
# host's tests are named after the groups):
#   multi-  the serials of vda, vdb, vdc are vt-data, vt-big, vt-ro (so the
#           order is the order given); vdb has 6291456 sectors; one MiB of
#           random data written at vdb's last MiB (past 2^31 bytes) reads
#           back the same once the page cache is dropped
#   rw-     vda mounts read-write; every file in SHA256SUMS has its sum and
#           SHA256SUMS lists every file; a new 64 MiB file of /dev/urandom
#           bytes is written as /new with its sum in /new.sha256, synced and
#           unmounted; mounted again, /new and the first files still have
#           their sums
#   ro-     vdc says ro in sysfs; mounts with -o ro beside vda; its files
#           have their sums; creating a file fails; a raw write (dd
#           of=/dev/vdc) fails
#   rng-    /dev/hwrng gives 64 bytes; the kernel's hw_random source is
#           virtio's
fails=0
ok() { echo "GUEST-CHECK ok $1"; }
bad() {
	echo "GUEST-CHECK FAIL $1: $2"
	fails=$((fails + 1))
}
# one_line TEXT: TEXT with its newlines as spaces, at most 300 bytes.
one_line() { printf '%s' "$1" | tr '\n' ' ' | cut -c 1-300; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# The disks may still be probing when /init gets here.
i=0
while { [ ! -b /dev/vda ] || [ ! -b /dev/vdb ] || [ ! -b /dev/vdc ]; } && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# --- multi: order, serials, a 3 GiB disk ---------------------------------------
why=
for pair in vda:vt-data vdb:vt-big vdc:vt-ro; do
	d=${pair%%:*} want=${pair#*:}
	got=$(cat "/sys/block/$d/serial" 2>/dev/null) || got="(no /sys/block/$d/serial)"
	[ "$got" = "$want" ] || why="$why$d's serial is '$got', want '$want'; "
done
if [ -z "$why" ]; then ok multi-serial-order; else
	bad multi-serial-order "${why}block devices: $(ls /sys/block | tr '\n' ' ')"
fi
size=$(cat /sys/block/vdb/size 2>/dev/null)
if [ "$size" = 6291456 ]; then ok multi-big-size; else
	bad multi-big-size "/sys/block/vdb/size is '$size', want 6291456 (3 GiB)"
fi
if head -c 1048576 /dev/urandom >/tmp/big-mib &&
	err=$(dd if=/tmp/big-mib of=/dev/vdb bs=1048576 seek=3071 count=1 conv=fsync 2>&1); then
	want=$(sha256sum </tmp/big-mib | cut -d' ' -f1)
	echo "GUEST-INFO big-sha256 $want"
	drop_caches
	got=$(dd if=/dev/vdb bs=1048576 skip=3071 count=1 2>/dev/null | sha256sum | cut -d' ' -f1)
	if [ "$got" = "$want" ]; then ok multi-big-end; else
		bad multi-big-end "the MiB at 3071 MiB reads back as sha256 $got, wrote $want"
	fi
else
	bad multi-big-end "writing the MiB at 3071 MiB of /dev/vdb failed: $(one_line "$err")"
fi
rm -f /tmp/big-mib

# --- rw: mount, verify, write 64 MiB, read back -----------------------------------
mkdir -p /mnt/rw /mnt/ro
if err=$(mount -t ext4 -o rw /dev/vda /mnt/rw 2>&1); then
	ok rw-mount
	if ! cd /mnt/rw; then
		bad rw-files "cannot cd /mnt/rw"
	elif ! err=$(sha256sum -c SHA256SUMS 2>&1); then
		bad rw-files "sha256sum -c SHA256SUMS: $(one_line "$(echo "$err" | grep -v ': OK$')")"
	else
		listed=$(wc -l <SHA256SUMS)
		present=$(find . -path ./lost+found -prune -o -type f ! -name SHA256SUMS -print | wc -l)
		if [ "$listed" -gt 0 ] && [ "$listed" = "$present" ]; then ok rw-files; else
			bad rw-files "SHA256SUMS lists $listed files, the disk has $present"
		fi
	fi
	if err=$(head -c 67108864 /dev/urandom >new 2>&1) &&
		[ "$(wc -c <new)" = 67108864 ] &&
		sha256sum new >new.sha256 &&
		sync; then
		echo "GUEST-INFO new-sha256 $(cut -d' ' -f1 new.sha256)"
		cd /
		if err=$(umount /mnt/rw 2>&1); then ok rw-write; else
			bad rw-write "umount /mnt/rw: $(one_line "$err")"
		fi
	else
		bad rw-write "writing /mnt/rw/new: $(one_line "$err") (size $(wc -c <new 2>/dev/null))"
		cd /
		umount /mnt/rw 2>/dev/null
	fi
	# Read back from the disk, not from the page cache.
	drop_caches
	if err=$(mount -t ext4 -o ro /dev/vda /mnt/rw 2>&1); then
		if err=$(cd /mnt/rw && sha256sum -c new.sha256 SHA256SUMS 2>&1); then ok rw-readback; else
			bad rw-readback "after a remount: $(one_line "$(echo "$err" | grep -v ': OK$')")"
		fi
		umount /mnt/rw
	else
		bad rw-readback "mounting /dev/vda again failed: $(one_line "$err")"
	fi
else
	bad rw-mount "mount -t ext4 /dev/vda: $(one_line "$err")"
fi

# --- ro: a read-only disk, beside vda --------------------------------------------------
ro=$(cat /sys/block/vdc/ro 2>/dev/null)
if [ "$ro" = 1 ]; then ok ro-flag; else bad ro-flag "/sys/block/vdc/ro is '$ro', want 1"; fi
mount -t ext4 -o rw /dev/vda /mnt/rw 2>/dev/null || mount -t ext4 -o ro /dev/vda /mnt/rw 2>/dev/null
if err=$(mount -t ext4 -o ro /dev/vdc /mnt/ro 2>&1); then
	ok ro-mount
	if err=$(cd /mnt/ro && sha256sum -c SHA256SUMS 2>&1); then ok ro-files; else
		bad ro-files "sha256sum -c SHA256SUMS: $(one_line "$(echo "$err" | grep -v ': OK$')")"
	fi
	if touch /mnt/ro/written 2>/dev/null; then
		bad ro-write-fails "creating /mnt/ro/written worked on a read-only disk"
	else
		ok ro-write-fails
	fi
	umount /mnt/ro
else
	bad ro-mount "mount -t ext4 -o ro /dev/vdc: $(one_line "$err")"
fi
umount /mnt/rw 2>/dev/null
if dd if=/dev/zero of=/dev/vdc bs=4096 count=1 conv=fsync 2>/dev/null; then
	bad ro-raw-write-fails "dd of=/dev/vdc worked on a read-only disk"
else
	ok ro-raw-write-fails
fi

# --- rng: virtio-rng -------------------------------------------------------------
n=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)
if [ "$n" = 64 ]; then ok rng-read; else
	bad rng-read "dd if=/dev/hwrng bs=64 count=1 gave $n bytes, want 64"
fi
cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
case "$cur" in
virtio*) ok rng-source ;;
*) bad rng-source "the hw_random source is '$cur' (rng_available: $(cat /sys/class/misc/hw_random/rng_available 2>/dev/null)), want virtio_rng" ;;
esac

exit "$fails"
