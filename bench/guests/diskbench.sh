#!/bin/sh
# bench/guests/diskbench.sh — the guest side of `make bench` part 5: a test
# of images/disk-initramfs.sh's /init (minivmm.test=diskbench), which runs
# it under busybox sh once the virtio modules are loaded.  Reads
# bench.disk=SEQ_MIB,RAND_READS from the kernel command line, waits for
# /dev/vda, says how the disk's interrupts arrive (a BENCH-DISK-IRQ line:
# the /proc/interrupts lines of the virtio devices, MSI-X or not) and runs
# /bin/diskread (bench/guests/diskread.c), whose BENCH-DISK line carries
# the figures.  Its exit status is diskread's, so /init prints
# MINIVMM-DISK-TEST PASS or FAIL, and powers off.
seq=256 rand=1000
# shellcheck disable=SC2013 # words, as the kernel splits its command line
for word in $(cat /proc/cmdline); do
	case "$word" in
	bench.disk=*,*)
		v=${word#bench.disk=}
		seq=${v%,*} rand=${v#*,} ;;
	esac
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -b /dev/vda ]; then
	echo "GUEST-CHECK FAIL diskbench: no /dev/vda after 10 s"
	exit 1
fi
echo "BENCH-DISK-IRQ $(grep -i virtio /proc/interrupts | tr -s ' ' | tr '\n' ';')"
/bin/diskread --seq "$seq" --rand "$rand" /dev/vda
