#!/bin/sh
# bench-box.sh RUNS [FIRST] — the half of `make bench` that runs inside the
# KVM box (scripts/bench.sh ships it there with scripts/box-run.sh --files;
# busybox sh, working directory /box).  Boots the guest kernel + initramfs
# with minivmm and with QEMU microvm, alternating, for the runs FIRST (default
# 1) to RUNS: FIRST > 1 when bench.sh restarts a stalled box for the runs
# still missing.  Prints one line per boot:
#
#   BENCH-BOX minivmm|qemu RUN MS
#
# BENCH-BOX-ROUND RUN once both of a run's boots are in, and, after each
# VMM's first boot, what it printed on stderr, if anything, as BENCH-BOX-NOTE
# lines.  First of all, a BENCH-BOX-ONCE line with the command line both
# guests get (bench.sh's box_rounds shows it once per bench).
# MS: run-timer's milliseconds from the VMM's start to the marker on its
# console.  On a failure: BENCH-BOX-FAIL with the reason, the VMM's last
# output, and exit status 1.
#
# Expects in /box: minivmm, qemu-system-x86_64, bios-microvm.bin (QEMU's
# microvm firmware) and linuxboot_dma.bin (the option ROM QEMU loads a bzImage
# with), both found through -L /box, run-timer, guest-kernel (a
# bzImage), guest.cpio.gz (images/guest-initramfs.sh) and exit-pvh.elf (the
# bench's trivial guest: minivmm --verbose with it says minivmm's effective
# command line, here, where /dev/kvm is, whatever the host has).  The line,
# with --cmdline minivmm.end=hang, goes whole to QEMU's -append, so both
# guests boot with the same line and stay up after the marker until
# run-timer kills them.
set -eu

runs=$1
first=${2:-1}
marker=MINIVMM-GUEST-USERSPACE-OK
cmdline=$(./minivmm --verbose --kernel exit-pvh.elf --cmdline minivmm.end=hang 2>&1 >/dev/null |
	sed -n 's/^minivmm: cmdline "\(.*\)"$/\1/p' | head -n1)
if [ -z "$cmdline" ]; then
	echo "BENCH-BOX-FAIL minivmm --verbose printed no 'minivmm: cmdline \"...\"' line"
	exit 1
fi
echo "BENCH-BOX-ONCE command line (both): $cmdline"

# boot VMM RUN: one timed boot; prints its line or fails.
boot() {
	vmm=$1 run=$2
	case "$vmm" in
	minivmm)
		set -- ./minivmm --kernel guest-kernel --initrd guest.cpio.gz \
			--mem 256M --cpus 1 --cmdline minivmm.end=hang ;;
	qemu)
		set -- ./qemu-system-x86_64 -M microvm -accel kvm -cpu host -m 256M -smp 1 \
			-nodefaults -no-user-config -nographic -serial stdio -L /box \
			-kernel guest-kernel -initrd guest.cpio.gz -append "$cmdline" ;;
	esac
	if ms=$(./run-timer --marker "$marker" --timeout 120 -- "$@" 2>/tmp/bench-err); then
		echo "BENCH-BOX $vmm $run $ms"
		# What the VMM said on stderr (a missing ROM, say), once.
		[ "$run" != 1 ] || sed "s/^/BENCH-BOX-NOTE $vmm: /" /tmp/bench-err
	else
		echo "BENCH-BOX-FAIL $vmm run $run did not reach the marker:"
		cat /tmp/bench-err
		exit 1
	fi
}

run=$first
while [ "$run" -le "$runs" ]; do
	boot minivmm "$run"
	boot qemu "$run"
	echo "BENCH-BOX-ROUND $run"
	run=$((run + 1))
done
