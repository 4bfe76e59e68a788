#!/bin/sh
# bench-disk-box.sh DISK_RUNS BOOT_RUNS RAND_READS [FIRST] — the half of
# `make bench` parts 5 and 6 that runs inside the KVM box (scripts/bench.sh
# ships it there with scripts/box-run.sh --files; busybox sh, working
# directory /box).
#
# First it makes the disk: 512 MiB of pseudo-random bytes in the box's RAM
# (/tmp is a tmpfs), with diskread --make, and reads it itself (diskread
# --buffered) for the checksums every guest must then print.  Then round by
# round, FIRST (default 1: more when bench.sh restarts a stalled box for the
# rounds still missing) to the larger of DISK_RUNS and BOOT_RUNS, the two
# runs of a pair in turn (which goes first alternates from round to round):
#
#   6. (rounds <= BOOT_RUNS) minivmm boots the guest to the marker twice:
#      without PCI (--no-rng and no disk: minivmm adds pci=off) and with
#      PCI and one disk (--disk IMAGE,ro, virtio-rng on as by default).
#   5. (rounds <= DISK_RUNS) the guest reads the disk (diskread: 256 MiB in
#      1 MiB O_DIRECT reads, then RAND_READS 4 KiB O_DIRECT reads at
#      pseudo-random offsets) on minivmm (--disk IMAGE,ro) and on QEMU
#      (microvm with PCIe, virtio-blk-pci on the same file, readonly,
#      cache=writeback, aio=threads: the host's page cache and a plain
#      preadv from a thread, as minivmm does), then powers off.
#
# Each boot, whatever the VMM, gets the same kernel, initramfs and command
# line (minivmm's effective line for a machine with a disk, read from
# --verbose), except that minivmm adds pci=off to its own line when it has
# no PCI device.  Prints, per figure,
#
#   BENCH-BOX KEY ROUND VALUE
#
# KEY: boot-nopci, boot-pci (ms to the marker, run-timer's), seq-minivmm,
# seq-qemu (MiB/s), rand-minivmm, rand-qemu (reads/s); after each round
# BENCH-BOX-ROUND ROUND, and BENCH-BOX-ONCE lines worth showing once (the
# command line, how each guest's disk interrupts arrive, what a VMM said on
# stderr).  On a failure: BENCH-BOX-FAIL with the reason, the VMM's last
# output, and exit status 1.
#
# Expects in /box: minivmm, qemu-system-x86_64, bios-microvm.bin and
# linuxboot_dma.bin (found through -L /box), run-timer, diskread (static),
# guest-kernel (the cloud kernel's bzImage), disk-bench.cpio.gz
# (images/disk-initramfs.sh with the kernel's virtio modules, the tests
# diskbench (bench/guests/diskbench.sh) and hang, and /bin/diskread) and
# exit-pvh.elf (for minivmm --verbose's command line).
set -eu

disk_runs=$1 boot_runs=$2 rand=$3
first=${4:-1}
img=/tmp/bench-disk.img
seq_mib=256
# Printed by the initramfs's /init once the virtio modules are loaded.
marker='MINIVMM-DISK-INITRAMFS kernel='

fail() {
	echo "BENCH-BOX-FAIL $*"
	exit 1
}

./diskread --make "$img" 512 || fail "cannot make the disk image $img"
want=$(./diskread --buffered --seq "$seq_mib" --rand "$rand" "$img") ||
	fail "cannot read the disk image $img"
# The data's checksums, the part of the line that any reader must repeat.
sums() { echo "$1" | sed -n 's/.* \(seq_sum=[0-9a-f]* rand_sum=[0-9a-f]*\)$/\1/p'; }
want_sums=$(sums "$want")
[ -n "$want_sums" ] || fail "diskread printed no checksums: $want"

guest_cmdline="minivmm.test=diskbench bench.disk=$seq_mib,$rand"
cmdline=$(./minivmm --verbose --kernel exit-pvh.elf --disk "$img,ro" --cmdline "$guest_cmdline" 2>&1 >/dev/null |
	sed -n 's/^minivmm: cmdline "\(.*\)"$/\1/p' | head -n1)
[ -n "$cmdline" ] || fail "minivmm --verbose printed no 'minivmm: cmdline \"...\"' line"
echo "BENCH-BOX-ONCE 5. command line (both): $cmdline"
echo "BENCH-BOX-ONCE 6. command line: minivmm's default + minivmm.test=hang (+ pci=off without PCI)"

# boot KEY ROUND ARGS...: part 6, one minivmm boot to the marker.
boot() {
	key=$1 round=$2
	shift 2
	if ms=$(./run-timer --marker "$marker" --timeout 120 -- ./minivmm --kernel guest-kernel \
		--initrd disk-bench.cpio.gz --mem 256M --cpus 1 --cmdline minivmm.test=hang "$@" \
		2>/tmp/bench-err); then
		echo "BENCH-BOX $key $round $ms"
		[ "$round" != 1 ] || sed "s/^/BENCH-BOX-NOTE $key: /" /tmp/bench-err
	else
		echo "BENCH-BOX-FAIL minivmm ($key) round $round did not reach the marker:"
		cat /tmp/bench-err
		exit 1
	fi
}

# disk VMM ROUND: part 5, one run of the guest's reads; the VMM must end
# with status 0 (the guest powered off) after a BENCH-DISK line whose
# checksums are the image's.
disk() {
	vmm=$1 round=$2
	case "$vmm" in
	minivmm)
		set -- ./minivmm --kernel guest-kernel --initrd disk-bench.cpio.gz --mem 256M --cpus 1 \
			--disk "$img,ro" --cmdline "$guest_cmdline" ;;
	qemu)
		# microvm with pcie=on: a PCIe host bridge (GPEX) announced in ACPI
		# (QEMU's docs/system/i386/microvm.rst); the drive options are
		# QEMU's -drive (cache=writeback is its default, spelled out).
		set -- ./qemu-system-x86_64 -M microvm,pcie=on -accel kvm -cpu host -m 256M -smp 1 \
			-nodefaults -no-user-config -nographic -serial stdio -L /box \
			-kernel guest-kernel -initrd disk-bench.cpio.gz -append "$cmdline" \
			-drive "file=$img,format=raw,if=none,id=disk0,readonly=on,cache=writeback,aio=threads" \
			-device virtio-blk-pci,drive=disk0 ;;
	esac
	rc=0
	timeout 120 "$@" </dev/null >/tmp/bench-out 2>/tmp/bench-err || rc=$?
	line=$(tr -d '\r' </tmp/bench-out | grep '^BENCH-DISK ' | tail -n1 || true)
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		echo "BENCH-BOX-FAIL $vmm round $round: exit status $rc$([ -n "$line" ] || echo ', no BENCH-DISK line'):"
		tr -d '\r' </tmp/bench-out | tail -n 20
		cat /tmp/bench-err
		exit 1
	fi
	if [ "$(sums "$line")" != "$want_sums" ]; then
		echo "BENCH-BOX-FAIL $vmm round $round: the guest read other data than the image holds:"
		echo "  guest: $line"
		echo "  image: $want"
		exit 1
	fi
	seq=$(echo "$line" | sed -n 's/.* seq_mibps=\([0-9.]*\) .*/\1/p')
	iops=$(echo "$line" | sed -n 's/.* rand_iops=\([0-9.]*\) .*/\1/p')
	echo "BENCH-BOX seq-$vmm $round $seq"
	echo "BENCH-BOX rand-$vmm $round $iops"
	if [ "$round" = 1 ]; then
		echo "BENCH-BOX-ONCE 5. $vmm's guest, disk interrupts: $(tr -d '\r' </tmp/bench-out |
			sed -n 's/^BENCH-DISK-IRQ //p' | head -n1)"
		sed "s/^/BENCH-BOX-NOTE $vmm: /" /tmp/bench-err
	fi
}

rounds=$disk_runs
[ "$boot_runs" -le "$rounds" ] || rounds=$boot_runs
round=$first
while [ "$round" -le "$rounds" ]; do
	# Which of a pair goes first alternates from round to round, so that a
	# drift in the box's speed (the host's other work) favours neither.
	if [ "$round" -le "$boot_runs" ]; then
		if [ $((round % 2)) = 1 ]; then
			boot boot-nopci "$round" --no-rng
			boot boot-pci "$round" --disk "$img,ro"
		else
			boot boot-pci "$round" --disk "$img,ro"
			boot boot-nopci "$round" --no-rng
		fi
	fi
	if [ "$round" -le "$disk_runs" ]; then
		if [ $((round % 2)) = 1 ]; then
			disk minivmm "$round"
			disk qemu "$round"
		else
			disk qemu "$round"
			disk minivmm "$round"
		fi
	fi
	echo "BENCH-BOX-ROUND $round"
	round=$((round + 1))
done
