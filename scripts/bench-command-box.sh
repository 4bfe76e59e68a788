#!/bin/sh
# bench-command-box.sh SIDES RUNS MINIVMM QEMU VIRTIOFSD RUN_TIMER KERNEL
#                      INITRAMFS [FIRST]
# — the half of `make bench` part 7 that runs inside the KVM box
# (scripts/bench.sh starts it there with scripts/box-run.sh --host-root: the
# host's own files, read-only under a RAM overlay, as the box's root user,
# so that virtiofsd, which needs root, can run; paths are the host's).
#
# First it makes FILE, 256 MiB of zeros in the box's RAM (/tmp, under the
# overlay's tmpfs), and runs each side once untimed, so that neither pays
# alone for reading its binaries over the box's 9p.  Then round by round,
# FIRST (default 1: more when bench.sh restarts a stalled box for the
# rounds still missing) to RUNS, the two sides in turn (which goes first
# alternates from round to round):
#
#   7a. a command in a fresh guest, exec to exit status:
#       minivmm:  MINIVMM --kernel KERNEL --cmdline quiet -- true
#                 (its modules: beside the kernel in the Debian package)
#       QEMU:     sh, virtiofsd and QEMU as virtme-ng runs them (below),
#                 timed from sh's exec to its exit, which follows QEMU's
#                 and virtiofsd's; the guest's init must print
#                 BENCH-CMD-STATUS 0 (true ran, under the mounted root).
#   7c. a 256 MiB host file read in the guest through virtio-fs:
#       the same with the command `dd if=FILE of=/dev/null bs=1M`; dd's own
#       line (bytes copied, seconds: the guest's clock, so neither boot is
#       in it) gives MiB/s; all 268435456 bytes must have been read.
#
# QEMU the way virtme-ng runs it: -M microvm,accel=kvm,pcie=on,rtc=on (its
# x86 default) with its virtio devices on virtio-mmio (-device
# vhost-user-fs-device, -global virtio-mmio.force-legacy=false), -cpu host,
# RAM from -object memory-backend-memfd,share=on with -numa node,memdev=
# (QEMU's docs/system/devices/vhost-user.rst: a vhost-user back end maps
# guest RAM, so it must be shared), the share's tag ROOTFS, and virtiofsd
# started first on a socket path (-o source=/, -o cache=always as minivmm
# for its read-only root, -o sandbox=chroot: its namespace sandbox cannot
# pivot_root into / itself, EBUSY).  The guest: KERNEL with INITRAMFS
# (bench/guests/cmd-initramfs.sh: cmd-init, which loads virtio_mmio,
# virtiofs, overlay and their dependencies, mounts the root with a tmpfs
# overlay, runs the command and powers off), the command line
# "console=ttyS0 quiet panic=-1 CMD_CWD=<dir> -- CMD...", 256 MiB, 1 vCPU.
# minivmm's guest: its own defaults (256 MiB, 1 vCPU) and quiet on its
# command line too, so that both kernels print the same (little) on the
# serial console: the VMMs do the same job.
#
# SIDES: both, or qemu (QEMU's side alone: bench.sh's BENCH_CMD_PEER_ONLY).
# Prints, per figure,
#
#   BENCH-BOX KEY ROUND VALUE
#
# KEY: true-minivmm, true-qemu (ms, run-timer's), read-minivmm, read-qemu
# (MiB/s); after each round BENCH-BOX-ROUND ROUND; BENCH-BOX-ONCE lines
# worth showing once (QEMU's command line, what a side said on stderr).
# On a failure: BENCH-BOX-FAIL with the reason and the side's last output,
# and exit status 1.
set -eu

file_bytes=268435456
fail() {
	echo "BENCH-BOX-FAIL $*"
	exit 1
}
# mibps ROUND SIDE FILE: MiB/s from dd's line in FILE ("N bytes (...)
# copied, S s, ..."), which must say the whole file.
mibps() {
	line=$(grep ' bytes .* copied, ' "$3" | tail -n1 || true)
	bytes=${line%% *}
	secs=$(echo "$line" | sed -n 's/.* copied, \([0-9.e+-]*\) s, .*/\1/p')
	if [ "$bytes" != "$file_bytes" ] || [ -z "$secs" ]; then
		fail "$2 round $1: dd did not read the whole file: '${line:-no dd line}'"
	fi
	awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f\n", b / 1048576 / s }'
}

# (bench-command-box.sh --mibps FILE: mibps alone, for tests/scripts/
# bench-tests.sh, which checks the parsing without KVM.)
if [ "${1:-}" = --mibps ] && [ $# = 2 ]; then
	mibps 0 dd "$2"
	exit 0
fi

[ $# -ge 8 ] || { echo "BENCH-BOX-FAIL usage: bench-command-box.sh SIDES RUNS MINIVMM QEMU VIRTIOFSD RUN_TIMER KERNEL INITRAMFS [FIRST]"; exit 1; }
sides=$1 runs=$2 minivmm=$3 qemu=$4 virtiofsd=$5 timer=$6 kernel=$7 initramfs=$8
first=${9:-1}
file=/tmp/bench-cmd-256m
work=$(mktemp -d /tmp/bench-cmd.XXXXXX)
job=$work/qemu-job.sh

dd if=/dev/zero of="$file" bs=1M count=256 2>/dev/null || fail "cannot make $file"

# The QEMU side's job, one sh script: run-timer times it whole.  Its
# arguments: OUT and the command.  QEMU's console (the init's lines, the
# command's output) goes to OUT.
cat >"$job" <<EOF
#!/bin/sh
out=\$1
shift
sock=$work/virtiofsd.sock
rm -f "\$sock"
"$virtiofsd" --socket-path="\$sock" -o source=/ -o cache=always -o sandbox=chroot \\
	-o log_level=err 2>$work/virtiofsd.err &
vfs=\$!
# virtiofsd listens once its socket exists (virtme-ng waits for it too).
n=0
while [ ! -S "\$sock" ]; do
	n=\$((n + 1))
	[ "\$n" -le 2000 ] || { echo "virtiofsd made no socket" >&2; kill \$vfs; exit 125; }
	kill -0 \$vfs 2>/dev/null || { echo "virtiofsd ended:" >&2; cat $work/virtiofsd.err >&2; exit 125; }
	sleep 0.005
done
rc=0
"$qemu" -M microvm,accel=kvm,pcie=on,rtc=on -cpu host -m 256M -smp 1 \\
	-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \\
	-nodefaults -no-user-config -nographic -serial stdio \\
	-chardev socket,id=vfs,path="\$sock" -device vhost-user-fs-device,chardev=vfs,tag=ROOTFS \\
	-global virtio-mmio.force-legacy=false \\
	-kernel "$kernel" -initrd "$initramfs" \\
	-append "console=ttyS0 quiet panic=-1 CMD_CWD=\$PWD -- \$*" </dev/null >"\$out" || rc=\$?
# virtiofsd ends when QEMU's connection closes; its end is part of the job.
wait \$vfs || true
exit \$rc
EOF

# (The job's own words, $sock and $* among them, named for the reader.)
# shellcheck disable=SC2016
echo "BENCH-BOX-ONCE 7. QEMU: $(sed -n '/-M microvm/,/-append/p' "$job" | tr -d '\\\t' | tr '\n' ' ' |
	sed 's/ *<\/dev\/null.*//; s/  */ /g; s/"\$sock"/SOCKET/; s/\$PWD/'"$(echo "$PWD" | sed 's/[\/&]/\\&/g')"'/; s/\$\*/CMD/')"
# shellcheck disable=SC2016
echo "BENCH-BOX-ONCE 7. virtiofsd for QEMU: $(sed -n 's/^"[^"]*" \(--socket-path.*\) \\$/\1/p' "$job" |
	sed 's/"\$sock"/SOCKET/') -o log_level=err"

# qemu_run ROUND CMD...: one QEMU job; leaves its milliseconds in $ms and
# its console in $work/qemu.out; fails unless the job ended with 0 after
# the init's BENCH-CMD-STATUS 0.
qemu_run() {
	round=$1
	shift
	if ! res=$("$timer" --timeout 120 -- sh "$job" "$work/qemu.out" "$@" 2>"$work/qemu.err"); then
		cat "$work/qemu.err"
		fail "QEMU round $round ($*): the job did not end (run-timer failed)"
	fi
	ms=${res%% *}
	status=${res#* }
	tr -d '\r' <"$work/qemu.out" >"$work/qemu.txt"
	if [ "$status" != 0 ] || ! grep -qx 'BENCH-CMD-STATUS 0' "$work/qemu.txt"; then
		echo "BENCH-BOX-FAIL QEMU round $round ($*): exit status $status," \
			"$(grep '^BENCH-CMD-' "$work/qemu.txt" | tail -n1 || echo 'no BENCH-CMD-STATUS line')"
		tail -n 20 "$work/qemu.txt"
		cat "$work/qemu.err"
		exit 1
	fi
}

# minivmm_run ROUND CMD...: the same for minivmm; its stderr (dd's line)
# in $work/minivmm.err.
minivmm_run() {
	round=$1
	shift
	if ! res=$("$timer" --timeout 120 -- "$minivmm" --kernel "$kernel" --cmdline quiet -- "$@" \
		2>"$work/minivmm.err"); then
		cat "$work/minivmm.err"
		fail "minivmm round $round ($*): it did not end (run-timer failed)"
	fi
	ms=${res%% *}
	status=${res#* }
	if [ "$status" != 0 ]; then
		echo "BENCH-BOX-FAIL minivmm round $round ($*): exit status $status, not the command's 0"
		tail -n 20 "$work/minivmm.err"
		exit 1
	fi
}

true_run() {   # true_run SIDE ROUND
	case "$1" in
	minivmm) minivmm_run "$2" true ;;
	qemu) qemu_run "$2" true ;;
	esac
	echo "BENCH-BOX true-$1 $2 $ms"
}
read_run() {   # read_run SIDE ROUND
	case "$1" in
	minivmm)
		minivmm_run "$2" dd if="$file" of=/dev/null bs=1M
		v=$(mibps "$2" minivmm "$work/minivmm.err") || { echo "$v"; exit 1; } ;;
	qemu)
		qemu_run "$2" dd if="$file" of=/dev/null bs=1M
		v=$(mibps "$2" QEMU "$work/qemu.txt") || { echo "$v"; exit 1; } ;;
	esac
	echo "BENCH-BOX read-$1 $2 $v"
}

case "$sides" in
both) order1="minivmm qemu" order2="qemu minivmm" ;;
qemu) order1=qemu order2=qemu ;;
*) fail "SIDES is both or qemu, not '$sides'" ;;
esac

# Untimed: each side's binaries, kernel and modules into the box's page
# cache.  What a side says on stderr, once.
for side in $order1; do
	case "$side" in
	minivmm) minivmm_run 0 true; sed 's/^/BENCH-BOX-NOTE minivmm: /' "$work/minivmm.err" ;;
	qemu) qemu_run 0 true; sed 's/^/BENCH-BOX-NOTE QEMU: /' "$work/qemu.err" ;;
	esac
done

round=$first
while [ "$round" -le "$runs" ]; do
	# Which side goes first alternates, so that a drift in the box's speed
	# (the host's other work) favours neither.
	if [ $((round % 2)) = 1 ]; then order=$order1; else order=$order2; fi
	for side in $order; do true_run "$side" "$round"; done
	for side in $order; do read_run "$side" "$round"; done
	echo "BENCH-BOX-ROUND $round"
	round=$((round + 1))
done
rm -rf "$work" "$file"
