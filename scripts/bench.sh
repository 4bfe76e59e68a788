#!/usr/bin/env bash
# bench.sh MINIVMM BENCH_DIR — `make bench`: minivmm against a peer, each
# comparison measured in this one run, as medians over several runs.
# (bench.sh --box-half MINIVMM BENCH_DIR: parts 2-4 alone, for bench.sh's own
# run of them inside the KVM box; see "Where parts 2-4 run".)
#
#   1. boot to userspace, always in the KVM box (scripts/box-run.sh: QEMU TCG
#      with nested SVM, so a real kernel can boot on a nested /dev/kvm): Debian's
#      cloud kernel + the busybox initramfs (images/guest-initramfs.sh), from
#      the VMM's start to the marker MINIVMM-GUEST-USERSPACE-OK on its
#      console; minivmm against QEMU microvm, same kernel, initrd, command
#      line (minivmm's effective one, read from --verbose), 256 MiB, 1 vCPU.
#      The box half is scripts/bench-box.sh.  A box that stalls (no console
#      line for BENCH_BOX_STALL_S seconds) is killed and a fresh one boots
#      the runs still missing, at most twice (parts 5 and 6 too).
#   2. start to exit: a trivial PVH guest (bench/guests/exit-pvh.S) that
#      writes 0 to the debug-exit port at once; both VMMs must exit with
#      status 1.  Mostly the VMM's own setup and teardown.
#   3. peak RSS beyond guest RAM, 256 MiB and 4 GiB guests that only halt
#      (bench/guests/halt-pvh.S): VmHWM minus the Rss of the guest RAM mapping
#      (the anonymous mapping(s) at least as large as the guest's memory),
#      read from /proc 0.5 s after the start (and later if the mapping is not
#      there yet: QEMU starts slowly in the box).
#   4. one port-I/O exit (a read of the serial LSR) through minivmm's device
#      bus against a bare KVM_RUN loop (bench/exit_cost.c).  Its ratio is the
#      median of the per-round ratios (each round runs both loops back to
#      back), not the ratio of the two medians: steadier on a shared host.
#   5. disk reads measured inside the guest, always in the KVM box: the
#      cloud kernel + the disk tests' busybox initramfs
#      (images/disk-initramfs.sh: the kernel's virtio modules) reads a
#      512 MiB raw file of pseudo-random bytes in the box's RAM with
#      bench/guests/diskread.c: 256 MiB in 1 MiB O_DIRECT reads (MiB/s),
#      then BENCH_DISK_RAND 4 KiB O_DIRECT reads at pseudo-random offsets,
#      one at a time (reads/s); the guest's own clock, so neither VMM's boot
#      is in it.  minivmm --disk FILE,ro (virtio-rng on, as by default)
#      against QEMU microvm,pcie=on with virtio-blk-pci on the same file,
#      readonly, cache=writeback (the host's page cache, as minivmm's
#      preadv) and aio=threads; same kernel, initramfs, command line.
#      Both must read the file's own data (checksums).
#   6. in the same box: minivmm's boot to the marker of that initramfs
#      (printed once the virtio modules are loaded, so the virtio drivers
#      have bound to minivmm's devices) with PCI and one disk (--disk
#      FILE,ro, virtio-rng on as by default) against its boot without PCI
#      (--no-rng and no disk, so minivmm adds pci=off), same kernel and
#      initramfs.  Parts 5 and 6 share one box (scripts/bench-disk-box.sh),
#      their runs alternating round by round.
#   7. a command in the guest (issue 15), always in the KVM box, one box
#      run over the host's own files (box-run.sh --host-root, the box's
#      root user: virtiofsd needs root), the two sides alternating round by
#      round (scripts/bench-command-box.sh):
#      a. `minivmm --kernel CLOUD -- true` (the cloud kernel alone; minivmm
#         finds its modules beside it in the package), from exec to exit
#         status, against QEMU doing the same job the way virtme-ng does
#         it: Debian's virtiofsd serving / (started first, on a socket
#         path), QEMU -M microvm,accel=kvm,pcie=on,rtc=on (virtme-ng's x86
#         default) with vhost-user-fs-device on virtio-mmio, -cpu host, 256
#         MiB of shared memfd RAM (-numa node,memdev=), 1 vCPU, the same
#         kernel and a tiny initramfs built here (bench/guests/
#         cmd-initramfs.sh: the static bench/guests/cmdinit.c, the modules
#         virtio_mmio, virtiofs, overlay and their dependencies) whose init
#         mounts the root with a tmpfs overlay, runs `true`, prints
#         BENCH-CMD-STATUS 0 only once it returned 0, and powers off; timed
#         as one sh job from its exec to its exit (virtiofsd's start and
#         end included, as minivmm's are); the job must end with 0 after
#         that line.
#      c. a 256 MiB file in the box's RAM read in each guest through
#         virtio-fs, `dd if=FILE of=/dev/null bs=1M` (minivmm -- dd, and
#         the same command in QEMU's guest), MiB/s from dd's own line (the
#         guest's clock); every byte must have been read.
#
# Where parts 2-4 run: the same rule and switch as the tests that need KVM
# (tests/with-kvm.sh).  MINIVMM_KVM=auto (default): on this machine's
# /dev/kvm when it opens read-write, else in the KVM box; MINIVMM_KVM=host or
# box forces one place.  In the box, bench.sh runs itself there
# (scripts/box-run.sh --host-root, with --box-half: parts 2-4 only, on the
# box's nested /dev/kvm, QEMU microvm with -accel kvm beside minivmm) and
# collects the figures from the box's console; a box that stalls or does not
# start is replaced by a fresh one, once.  The two VMMs of one comparison
# always run in the same place, so no ratio mixes host and box numbers, and
# the output and the summary say where each part ran.
#
# Reading the output: a header (date, kernel, CPU, which KVM module serves
# /dev/kvm, versions, where parts 2-4 run), then each part with its
# individual runs, then last a summary table, one line per comparison: where
# it ran, the minivmm median, the peer's, their ratio (minivmm / peer: below
# 1 means minivmm is faster or smaller, except in part 5, where the figures
# are throughput and above 1 means minivmm reads faster) and whether the
# target is met.
# Targets (issue 6): 1 at most 0.6 x QEMU microvm; 2 at most 0.05 x; 3
# minivmm's overhead at most 1 MiB; 4 the bus adds at most 5 % (ratio <=
# 1.05).  Issue 14: 5 at least 1.0 x QEMU's MiB/s and reads/s; 6 PCI and a
# disk add at most 5 % to the boot (ratio <= 1.05).  Issue 15: 7a at most
# 0.5 x QEMU's time, 7c at least 0.9 x QEMU's MiB/s.  Numbers from a
# software KVM (kvm_pvm: 7-10 us per exit) or from inside the box (TCG) are
# only comparable within the same run and place.
#
# Environment: BENCH_RUNS (runs of each VMM in part 2, default 20),
# BENCH_RSS_RUNS (part 3, default 3), BENCH_BOX_RUNS (part 1, default 5),
# BENCH_BOX_STALL_S (seconds without a console line from a box before it
# counts as stalled and a fresh one takes over, default 150),
# BENCH_DISK_RUNS (part 5, default 3), BENCH_DISK_RAND (part 5's random
# reads per run, default 1000), BENCH_PCI_RUNS (part 6, default 5),
# BENCH_CMD_RUNS (part 7, rounds of both sides, default 3),
# BENCH_SKIP_BOX=1 (skip parts 1, 5, 6 and 7, the parts that always run in
# the box: the quick run), BENCH_SKIP_DISK=1 (skip parts 5 and 6),
# BENCH_SKIP_CMD=1 (skip part 7), BENCH_CMD_PEER_ONLY=1 (part 7 measures
# QEMU's side alone: while minivmm's -- CMD cannot run; its rows then say
# minivmm was not measured), MINIVMM_VIRTIOFSD (the virtiofsd for QEMU's
# side, default /usr/lib/qemu/virtiofsd), MINIVMM_KVM (above),
# MINIVMM_CACHE (see scripts/fetch-kernel.sh).
# Exit status 0 when every measure was taken (met or not), 1 with one line
# `bench: ...` on stderr when one could not be (missing tools, a VMM that
# failed), 2 for a usage error, 90-95 when the KVM box itself failed (the
# status of scripts/box-run.sh, after the retries) with a line
# `bench: BOX FAILURE ...`: never a pass, and not a VMM's failure.
set -euo pipefail

die() { echo "bench: $*" >&2; exit 1; }
# box_fail STATUS WHY: the KVM box itself failed (scripts/box-run.sh's 90-95).
box_fail() { local rc=$1; shift; echo "bench: BOX FAILURE $*; not a VMM's failure" >&2; exit "$rc"; }
usage() { echo "usage: scripts/bench.sh [--box-half] MINIVMM BENCH_DIR" >&2; exit 2; }
box_half=0
if [ "${1:-}" = --box-half ]; then box_half=1; shift; fi
[ $# -eq 2 ] || usage
minivmm=$(realpath -m "$1")
bench_dir=$(realpath -m "$2")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"

count_env() {   # count_env NAME DEFAULT: a positive whole number from the environment
	local v=${!1:-$2}
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive whole number, not '$v'"
	echo "$v"
}
runs=$(count_env BENCH_RUNS 20)
rss_runs=$(count_env BENCH_RSS_RUNS 3)
box_runs=$(count_env BENCH_BOX_RUNS 5)
stall_s=$(count_env BENCH_BOX_STALL_S 150)
disk_runs=$(count_env BENCH_DISK_RUNS 3)
disk_rand=$(count_env BENCH_DISK_RAND 1000)
pci_runs=$(count_env BENCH_PCI_RUNS 5)
cmd_runs=$(count_env BENCH_CMD_RUNS 3)
skip_box=${BENCH_SKIP_BOX:-0}
skip_disk=${BENCH_SKIP_DISK:-0}
skip_cmd=${BENCH_SKIP_CMD:-0}
cmd_peer_only=${BENCH_CMD_PEER_ONLY:-0}
# --box-half: this is the run inside the box, parts 2-4 only.
[ "$box_half" = 0 ] || skip_box=1

# Where parts 2-4 run (tests/with-kvm.sh's rule): host or box.
kvm_reason=$(kvm_device_problem)
place=$(kvm_place bench) || exit 2
[ "$box_half" = 0 ] || place=host
case "$place" in
host) place_note="this machine's /dev/kvm" ;;
box) place_note="in the KVM box (${kvm_reason:-MINIVMM_KVM=box}): nested KVM under QEMU TCG, QEMU microvm beside minivmm" ;;
esac
[ "$box_half" = 0 ] || place_note="in the KVM box: its nested /dev/kvm under QEMU TCG"

# --- prerequisites: all of them, named at once, on one line -------------------
timer=$bench_dir/run-timer
exit_cost=$bench_dir/exit-cost
diskread=$bench_dir/diskread
cmd_init=$bench_dir/cmd-init
virtiofsd=${MINIVMM_VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
exit_guest=$bench_dir/exit-pvh.elf
halt_guest=$bench_dir/halt-pvh.elf
qemu="qemu-system-x86_64"
# QEMU's microvm firmware (a symlink to qboot.rom: the box gets a copy of the
# file itself) and the option ROMs QEMU adds to load a bzImage or a PVH ELF;
# without them in the box QEMU says so and boots another way.
qemu_roms=(/usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/pvh.bin)
missing=()
for f in "$minivmm" "$timer" "$exit_cost"; do [ -x "$f" ] || missing+=("$f"); done
for f in "$exit_guest" "$halt_guest"; do [ -f "$f" ] || missing+=("$f"); done
command -v "$qemu" >/dev/null || missing+=("$qemu (qemu-system-x86)")
for f in "${qemu_roms[@]}"; do [ -e "$f" ] || missing+=("$f (qemu-system-data)"); done
# Parts 2-4 on this machine need its /dev/kvm; in the box, the box's.
[ "$place" != host ] || [ -z "$kvm_reason" ] ||
	die "MINIVMM_KVM=host, but $kvm_reason (MINIVMM_KVM=auto or box runs parts 2-4 in the KVM box)"
if [ "$skip_box" != 1 ] || [ "$place" = box ]; then
	for tool in cpio gzip apt-cache apt-get dpkg-deb timeout setsid; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	if [ ! -x /bin/busybox ] || LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
		missing+=("busybox-static")
	fi
	command -v depmod >/dev/null || [ -x /sbin/depmod ] || missing+=("depmod (kmod)")
fi
if [ "$skip_box" != 1 ] && [ "$skip_disk" != 1 ]; then
	[ -x "$diskread" ] || missing+=("$diskread")
	command -v modinfo >/dev/null || [ -x /sbin/modinfo ] || missing+=("modinfo (kmod)")
fi
if [ "$skip_box" != 1 ] && [ "$skip_cmd" != 1 ]; then
	[ -x "$cmd_init" ] || missing+=("$cmd_init")
	# minivmm -- CMD's guest side, which minivmm takes from beside itself.
	[ "$cmd_peer_only" = 1 ] || [ -x "${minivmm%/*}/minivmm-init" ] || missing+=("${minivmm%/*}/minivmm-init")
	[ -x "$virtiofsd" ] || missing+=("$virtiofsd (qemu-system-common)")
	command -v modinfo >/dev/null || [ -x /sbin/modinfo ] || missing+=("modinfo (kmod)")
fi
if [ ${#missing[@]} -gt 0 ]; then
	list=$(printf '%s, ' "${missing[@]}")
	die "missing ${list%, } (make bench-build builds the project's own, scripts/install-deps.sh installs the packages)"
fi

tmp=$(mktemp -d)
# A VMM started in the background (part 3) ignores SIGINT, as every
# background job of a script does: kill it ourselves on the way out.
# The box (part 1) runs in a session of its own, which no Ctrl-C reaches.
bg_pid='' box_pid=''
cleanup() {
	[ -z "$bg_pid" ] || kill -KILL "$bg_pid" 2>/dev/null || true
	[ -z "$box_pid" ] || kill -TERM -- "-$box_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# median: the median of the numbers on stdin, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# fmt DECIMALS NUMBER
fmt() { awk -v p="$1" -v v="$2" 'BEGIN { printf "%." p "f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# --- what this machine is ------------------------------------------------------
kvm_module=unknown
for m in kvm_pvm kvm_intel kvm_amd; do
	[ -d "/sys/module/$m" ] && { kvm_module=$m; break; }
done
case "$kvm_module" in
kvm_pvm) kvm_note="kvm_pvm (software KVM: no VMX/SVM)" ;;
kvm_intel) kvm_note="kvm_intel (VMX)" ;;
kvm_amd) kvm_note="kvm_amd (SVM)" ;;
*) kvm_note="unknown (no kvm_pvm, kvm_intel or kvm_amd in /sys/module)" ;;
esac
[ -z "$kvm_reason" ] || kvm_note="not usable: $kvm_reason"
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
if [ "$box_half" = 1 ]; then
	# One line about the box, under the outer run's header.
	echo "  box: Linux $(uname -r), ${cpu_model:-unknown CPU} x $(nproc) CPUs, /dev/kvm $kvm_note"
	echo
else
	echo "minivmm benchmarks, $(date '+%Y-%m-%d %H:%M:%S %Z')"
	echo "host:      Linux $(uname -r), ${cpu_model:-unknown CPU} x $(nproc) CPUs"
	echo "/dev/kvm:  $kvm_note"
	echo "minivmm:   $("$minivmm" --version 2>&1 | head -n1)"
	echo "peer:      $("$qemu" --version | head -n1)"
	echo "parts 2-4: $place_note"
	echo
fi

# --- the parts that always run in the KVM box (1, 5, 6) -------------------------
# box_rounds TAG RUNS ROUND_S BOX_SCRIPT ARGS... -- FILES...: runs
# "sh BOX_SCRIPT ARGS... FIRST" in the KVM box (box-run.sh --files FILES:
# QEMU TCG with nested SVM) until RUNS rounds are in.  The box script prints
# BENCH-BOX KEY ROUND VALUE per figure and BENCH-BOX-ROUND ROUND once a
# round is whole; a round counts only then, so every figure of a part has
# the same number of samples, which go to $tmp/TAG-KEY, one a line.  Shown
# as they come: each figure (the label and unit of box_label[KEY] and
# box_unit[KEY]), BENCH-BOX-ONCE lines once per run (a fresh box says them
# again), BENCH-BOX-NOTE lines.
# The box can stall: the emulated CPU halts for good with its timer
# interrupt lost (QEMU 7.2 TCG, see box-run.sh), so nothing inside the box
# times out.  A watchdog here on the box's console (no line for $stall_s s:
# longer than run-timer's 120 s limit inside, so a boot that truly hangs is
# still reported by the box itself) kills it, and a fresh box runs the
# rounds still missing (FIRST, the box script's last argument, is the first
# of them), at most twice.  A box that fails to start (90-92, 95) is
# replaced the same way; one that timed out (93) or could not be set up
# (94) ends the bench with the box's status.  ROUND_S: a generous bound on
# a round's box time, for box-run.sh's --timeout.
# box_rounds --host-root TAG ... -- (no FILES): the box runs "sh
# BOX_SCRIPT ARGS... FIRST" in this machine's own files (box-run.sh
# --host-root, the box's root user), BOX_SCRIPT and ARGS being this
# machine's paths.
declare -A box_label=() box_unit=()
box_label_width=7
box_rounds() {
	local host_root=0
	if [ "$1" = --host-root ]; then host_root=1; shift; fi
	local tag=$1 rounds=$2 round_s=$3 script=$4
	shift 4
	local -a args=() files=() where=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	files=("$@")
	local cmd="sh ${script##*/} ${args[*]}" a
	where=(--files "${files[@]}" "$script")
	if [ "$host_root" = 1 ]; then
		cmd="sh $(shq "$script")"
		for a in "${args[@]}"; do cmd+=" $(shq "$a")"; done
		where=(--host-root)
	fi
	local done_runs=0 restarts=0 box_timeout box_fd stalled pending line box_rc
	local key run value what="part $tag"
	[[ "$tag" != *-* ]] || what="parts $tag"
	: >"$tmp/$tag-once"
	while [ "$done_runs" -lt "$rounds" ]; do
		# Box boot ~10 s, then the rounds still missing.
		box_timeout=$((180 + (rounds - done_runs) * round_s))
		# In a session of its own, so that a stalled box goes whole: box-run.sh,
		# timeout, QEMU and the pipe between them.
		exec {box_fd}< <(BOX_KERNEL_DIR=$box_kdir exec setsid "$repo/scripts/box-run.sh" \
			--mem 2G --timeout "$box_timeout" "${where[@]}" \
			-- "$cmd $((done_runs + 1))" 2>"$tmp/box.err")
		box_pid=$!
		# The console goes to box.log; the figures are shown as they come.
		: >"$tmp/box.log"
		stalled=0 pending=
		while :; do
			if IFS= read -r -t "$stall_s" -u "$box_fd" line; then
				printf '%s\n' "$line" >>"$tmp/box.log"
				case "$line" in
				"BENCH-BOX "*)
					read -r _ key run value <<<"$line"
					printf '  run %d: %-*s %9.1f %s\n' "$run" "$box_label_width" \
						"${box_label[$key]:-$key}" "$value" "${box_unit[$key]:-}"
					pending+="$key $value"$'\n' ;;
				"BENCH-BOX-ROUND "*)
					while read -r key value; do
						[ -z "$key" ] || echo "$value" >>"$tmp/$tag-$key"
					done <<<"${pending%$'\n'}"
					done_runs=${line#BENCH-BOX-ROUND } pending= ;;
				"BENCH-BOX-NOTE "*) echo "  note, ${line#BENCH-BOX-NOTE }" ;;
				"BENCH-BOX-ONCE "*)
					grep -Fqx -- "$line" "$tmp/$tag-once" || echo "  ${line#BENCH-BOX-ONCE }"
					printf '%s\n' "$line" >>"$tmp/$tag-once" ;;
				esac
			else
				# read's status is above 128 when it timed out, 1 at the end.
				[ $? -le 128 ] || stalled=1
				break
			fi
		done
		if [ "$stalled" = 1 ]; then
			# TERM first, so that box-run.sh removes its temporary files.
			kill -TERM -- "-$box_pid" 2>/dev/null || true
			sleep 2
			kill -KILL -- "-$box_pid" 2>/dev/null || true
		fi
		exec {box_fd}<&-
		box_rc=0
		wait "$box_pid" || box_rc=$?
		box_pid=
		if [ "$stalled" = 1 ]; then
			restarts=$((restarts + 1))
			if [ "$restarts" -gt 2 ]; then
				tail -n 5 "$tmp/box.log" >&2
				box_fail 95 "$what: the box stalled $restarts times (no console line for ${stall_s} s), $done_runs of $rounds runs done"
			fi
			echo "  box stalled: no console line for ${stall_s} s after $done_runs of $rounds runs;" \
				"restarting a fresh box for the rest (restart $restarts of 2)"
			continue
		fi
		# The command's own status comes with a BOX-STATUS line; without one,
		# box-run.sh itself did not end as it should: a box failure too.
		if [ "$box_rc" != 0 ] && ! grep -qx "BOX-STATUS $box_rc" "$tmp/box.log"; then
			case "$box_rc" in
			9[0-5]) ;;
			*)
				echo "box: scripts/box-run.sh ended with status $box_rc and no BOX-STATUS line" >>"$tmp/box.err"
				box_rc=92 ;;
			esac
		fi
		case "$box_rc" in
		90 | 91 | 92 | 95)
			# The box did not start (or stopped): a fresh one, as for a stall.
			cat "$tmp/box.err" >&2
			restarts=$((restarts + 1))
			[ "$restarts" -le 2 ] ||
				box_fail "$box_rc" "$what: the KVM box failed with status $box_rc (box: line above), $done_runs of $rounds runs done"
			echo "  the box failed (status $box_rc) after $done_runs of $rounds runs;" \
				"restarting a fresh box for the rest (restart $restarts of 2)"
			continue ;;
		93 | 94)
			tail -n 20 "$tmp/box.log" >&2
			cat "$tmp/box.err" >&2
			box_fail "$box_rc" "$what: the KVM box failed with status $box_rc (box: line above), $done_runs of $rounds runs done" ;;
		esac
		if [ "$box_rc" != 0 ]; then
			# The run that failed, or else the end of the box's console.
			if grep -q '^BENCH-BOX-FAIL' "$tmp/box.log"; then
				sed -n '/^BENCH-BOX-FAIL/,$p' "$tmp/box.log" | head -n 40 >&2
			else
				tail -n 20 "$tmp/box.log" >&2
			fi
			cat "$tmp/box.err" >&2
			die "$what in the box failed (scripts/box-run.sh exit status $box_rc)"
		fi
		[ "$done_runs" = "$rounds" ] ||
			die "$what: the box did not print every BENCH-BOX-ROUND line ($rounds rounds)"
	done
}

if [ "$skip_box" != 1 ]; then
	kdir=$("$repo/scripts/fetch-kernel.sh" cloud) || die "cannot fetch the cloud kernel (scripts/fetch-kernel.sh cloud)"
	kernel=$(find "$kdir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
	[ -n "$kernel" ] || die "no vmlinuz in $kdir/boot"
	box_kdir=$("$repo/scripts/fetch-kernel.sh" generic) || die "cannot fetch the box kernel (scripts/fetch-kernel.sh generic)"
	ln -s "$kernel" "$tmp/guest-kernel"
fi

# --- 1. boot to userspace in the KVM box ---------------------------------------
if [ "$skip_box" != 1 ]; then
	echo "== 1. boot to userspace in the KVM box (nested KVM under QEMU TCG), runs of each: $box_runs"
	"$repo/images/guest-initramfs.sh" "$tmp/guest.cpio.gz" "$kdir" || die "cannot build the guest initramfs"
	# (minivmm's effective command line, which QEMU gets too, is read in the
	# box: minivmm --verbose says it once /dev/kvm is open.)
	echo "  guest: ${kernel##*/} + busybox initramfs, 256 MiB, 1 vCPU"
	echo "  (the box itself boots first: ~10 s more)"
	box_label=([minivmm]=minivmm [qemu]=QEMU) box_unit=([minivmm]=ms [qemu]=ms) box_label_width=7
	# Each guest boot takes up to a minute under TCG: generous.
	box_rounds 1 "$box_runs" 120 "$repo/scripts/bench-box.sh" "$box_runs" -- \
		"$minivmm" "$(command -v "$qemu")" "${qemu_roms[@]}" "$timer" \
		"$tmp/guest-kernel" "$tmp/guest.cpio.gz" "$exit_guest"
	boot_minivmm=$(median <"$tmp/1-minivmm")
	boot_qemu=$(median <"$tmp/1-qemu")
	echo "  median: minivmm $(fmt 0 "$boot_minivmm") ms, QEMU $(fmt 0 "$boot_qemu") ms"
	echo
fi

# --- 5 and 6. the disk, and booting with PCI, in the KVM box -------------------
if [ "$skip_box" != 1 ] && [ "$skip_disk" != 1 ]; then
	echo "== 5. disk reads in the guest, minivmm --disk vs QEMU virtio-blk-pci, runs of each: $disk_runs"
	echo "== 6. boot to the marker with PCI and a disk vs without PCI (minivmm), runs of each: $pci_runs"
	echo "  (both in one KVM box, nested KVM under QEMU TCG, rounds alternating the runs)"
	# The disk tests' initramfs (the cloud kernel's virtio modules, loaded in
	# dependency order) with two tests, and diskread in a second archive
	# after it: the kernel unpacks archives put one after another, in order
	# (Documentation/driver-api/early-userspace/buffer-format.rst).
	printf '#!/bin/sh\nwhile :; do sleep 3600; done\n' >"$tmp/hang.sh"
	"$repo/images/disk-initramfs.sh" --modules "$kdir" --test diskbench="$repo/bench/guests/diskbench.sh" \
		--test hang="$tmp/hang.sh" "$tmp/disk-base.cpio.gz" || die "cannot build the disk bench's initramfs"
	mkdir -p "$tmp/disk-extra/bin"
	cp "$diskread" "$tmp/disk-extra/bin/diskread"
	(cd "$tmp/disk-extra" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) |
		gzip -6n >"$tmp/disk-extra.cpio.gz"
	cat "$tmp/disk-base.cpio.gz" "$tmp/disk-extra.cpio.gz" >"$tmp/disk-bench.cpio.gz"
	echo "  guest: ${kernel##*/} + busybox initramfs with the virtio modules, 256 MiB, 1 vCPU;"
	echo "  disk: 512 MiB of pseudo-random bytes in the box's RAM (tmpfs), made in each box;"
	echo "  5: in the guest, 256 MiB in 1 MiB O_DIRECT reads, then $disk_rand 4 KiB O_DIRECT reads"
	echo "     at pseudo-random offsets, one at a time; QEMU: microvm,pcie=on, -drive"
	echo "     readonly=on,cache=writeback,aio=threads (the host's page cache, preadv on a thread pool),"
	echo "     minivmm: --disk FILE,ro (preadv on its I/O thread), rng on as by default"
	echo "  6: minivmm --no-rng, no disk (so pci=off) vs --disk FILE,ro (PCI, virtio-blk and -rng)"
	box_label=([boot-nopci]="minivmm, no PCI" [boot-pci]="minivmm, PCI + disk"
		[seq-minivmm]="minivmm, sequential" [seq-qemu]="QEMU, sequential"
		[rand-minivmm]="minivmm, random 4 KiB" [rand-qemu]="QEMU, random 4 KiB")
	box_unit=([boot-nopci]=ms [boot-pci]=ms [seq-minivmm]=MiB/s [seq-qemu]=MiB/s
		[rand-minivmm]=reads/s [rand-qemu]=reads/s)
	box_label_width=21
	# A round: two boots (~10 s each under TCG) and two disk runs (QEMU's
	# boot alone ~20 s): generous.
	box_rounds 5-6 "$((disk_runs > pci_runs ? disk_runs : pci_runs))" 360 \
		"$repo/scripts/bench-disk-box.sh" "$disk_runs" "$pci_runs" "$disk_rand" -- \
		"$minivmm" "$(command -v "$qemu")" "${qemu_roms[@]}" "$timer" "$diskread" \
		"$tmp/guest-kernel" "$tmp/disk-bench.cpio.gz" "$exit_guest"
	seq_minivmm=$(median <"$tmp/5-6-seq-minivmm")
	seq_qemu=$(median <"$tmp/5-6-seq-qemu")
	rand_minivmm=$(median <"$tmp/5-6-rand-minivmm")
	rand_qemu=$(median <"$tmp/5-6-rand-qemu")
	boot_nopci=$(median <"$tmp/5-6-boot-nopci")
	boot_pci=$(median <"$tmp/5-6-boot-pci")
	echo "  median: 5. sequential minivmm $(fmt 1 "$seq_minivmm") MiB/s, QEMU $(fmt 1 "$seq_qemu") MiB/s;" \
		"random minivmm $(fmt 0 "$rand_minivmm") reads/s, QEMU $(fmt 0 "$rand_qemu") reads/s"
	echo "          6. minivmm boot with PCI + disk $(fmt 0 "$boot_pci") ms, without PCI $(fmt 0 "$boot_nopci") ms"
	echo
fi

# --- 7. a command in the guest, in the KVM box ----------------------------------
if [ "$skip_box" != 1 ] && [ "$skip_cmd" != 1 ]; then
	cmd_sides=both
	[ "$cmd_peer_only" != 1 ] || cmd_sides=qemu
	echo "== 7. a command in the guest, minivmm -- CMD vs QEMU + virtiofsd as virtme-ng runs them," \
		"runs of each: $cmd_runs"
	echo "  (one KVM box over this machine's files, nested KVM under QEMU TCG, rounds alternating the sides)"
	"$repo/bench/guests/cmd-initramfs.sh" "$kdir" "$cmd_init" "$tmp/cmd.cpio" ||
		die "cannot build part 7's initramfs (bench/guests/cmd-initramfs.sh)"
	echo "  guest: ${kernel##*/}, 256 MiB, 1 vCPU; minivmm: the kernel alone (its own initramfs layer);"
	echo "  QEMU: a tiny initramfs (bench/guests/cmdinit.c + virtio_mmio, virtiofs, overlay modules)"
	echo "  a: \`minivmm --kernel K -- true\` and QEMU's job running true, exec to exit status"
	echo "  c: dd if=FILE of=/dev/null bs=1M in the guest, FILE 256 MiB in the box's RAM, read"
	echo "     through virtio-fs; MiB/s from dd's own line (the guest's clock)"
	[ "$cmd_sides" = both ] || echo "  BENCH_CMD_PEER_ONLY=1: QEMU's side alone, minivmm not measured"
	box_label=([true-minivmm]="minivmm, -- true" [true-qemu]="QEMU, true"
		[read-minivmm]="minivmm, 256 MiB read" [read-qemu]="QEMU, 256 MiB read")
	box_unit=([true-minivmm]=ms [true-qemu]=ms [read-minivmm]=MiB/s [read-qemu]=MiB/s)
	box_label_width=21
	# A round: two commands (~6 s each under TCG) and two 256 MiB reads
	# (~20 s each), plus one untimed run of each side first: generous.
	box_rounds --host-root 7 "$cmd_runs" 240 "$repo/scripts/bench-command-box.sh" \
		"$cmd_sides" "$cmd_runs" "$minivmm" "$(command -v "$qemu")" "$virtiofsd" "$timer" \
		"$kernel" "$tmp/cmd.cpio" --
	true_qemu=$(median <"$tmp/7-true-qemu")
	read_qemu=$(median <"$tmp/7-read-qemu")
	if [ "$cmd_sides" = both ]; then
		true_minivmm=$(median <"$tmp/7-true-minivmm")
		read_minivmm=$(median <"$tmp/7-read-minivmm")
		echo "  median: a. minivmm $(fmt 0 "$true_minivmm") ms, QEMU $(fmt 0 "$true_qemu") ms;" \
			"c. minivmm $(fmt 1 "$read_minivmm") MiB/s, QEMU $(fmt 1 "$read_qemu") MiB/s"
	else
		echo "  median: a. QEMU $(fmt 0 "$true_qemu") ms; c. QEMU $(fmt 1 "$read_qemu") MiB/s"
	fi
	echo
fi

# --- summary (printed last) -------------------------------------------------------
# verdict RATIO_OR_VALUE OP LIMIT: met / not met
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<") ? v < l : (op == ">=") ? v >= l : v <= l
		print ok ? "met" : "not met" }'
}
row() {   # row WHERE WHAT MINIVMM PEER RATIO TARGET VERDICT
	printf '%-5s %-50s %11s %11s %7s  %-20s %s\n' "$@"
}
summary() {
	echo "== summary: medians; ratio = minivmm / peer (4: the median of the per-round ratios;"
	echo "   5 and 7c: throughput, so above 1 is minivmm faster; 6: peer = minivmm without PCI)"
	echo "   where: box = the KVM box (nested KVM under QEMU TCG), host = this machine's"
	echo "   /dev/kvm; both sides of a row ran in the same place, in this run"
	row "where" "what" "minivmm" "peer" "ratio" "target" "verdict"
	local r
	if [ "$skip_box" != 1 ]; then
		r=$(ratio "$boot_minivmm" "$boot_qemu")
		row box "1 boot to marker, vs QEMU microvm" "$(fmt 0 "$boot_minivmm") ms" "$(fmt 0 "$boot_qemu") ms" \
			"$r" "ratio <= 0.6" "$(verdict "$r" '<=' 0.6)"
	else
		row box "1 boot to marker, vs QEMU microvm" "-" "-" "-" "ratio <= 0.6" "skipped (BENCH_SKIP_BOX=1)"
	fi
	r=$(ratio "$exit_minivmm" "$exit_qemu")
	row "$place" "2 start to exit, trivial guest, vs QEMU microvm" "$(fmt 1 "$exit_minivmm") ms" \
		"$(fmt 1 "$exit_qemu") ms" "$r" "ratio <= 0.05" "$(verdict "$r" '<=' 0.05)"
	r=$(ratio "$rss_minivmm_256" "$rss_qemu_256")
	row "$place" "3 RSS overhead, 256 MiB guest, vs QEMU microvm" "$rss_minivmm_256 KiB" "$rss_qemu_256 KiB" \
		"$r" "minivmm <= 1024 KiB" "$(verdict "$rss_minivmm_256" '<=' 1024)"
	r=$(ratio "$rss_minivmm_4g" "$rss_qemu_4g")
	row "$place" "3 RSS overhead, 4 GiB guest, vs QEMU microvm" "$rss_minivmm_4g KiB" "$rss_qemu_4g KiB" \
		"$r" "minivmm <= 1024 KiB" "$(verdict "$rss_minivmm_4g" '<=' 1024)"
	row "$place" "4 port exit via the io bus, vs bare KVM_RUN loop" "$(fmt 0 "$cost_bus") ns" \
		"$(fmt 0 "$cost_bare") ns" "$cost_ratio" "ratio <= 1.05" "$(verdict "$cost_ratio" '<=' 1.05)"
	local skipped=
	if [ "$skip_box" = 1 ]; then skipped="skipped (BENCH_SKIP_BOX=1)"
	elif [ "$skip_disk" = 1 ]; then skipped="skipped (BENCH_SKIP_DISK=1)"
	fi
	if [ -z "$skipped" ]; then
		r=$(ratio "$seq_minivmm" "$seq_qemu")
		row box "5 disk, 256 MiB in 1 MiB reads, vs QEMU" "$(fmt 1 "$seq_minivmm") MiB/s" \
			"$(fmt 1 "$seq_qemu") MiB/s" "$r" "ratio >= 1.0" "$(verdict "$r" '>=' 1.0)"
		r=$(ratio "$rand_minivmm" "$rand_qemu")
		row box "5 disk, random 4 KiB reads, vs QEMU" "$(fmt 0 "$rand_minivmm") IOPS" \
			"$(fmt 0 "$rand_qemu") IOPS" "$r" "ratio >= 1.0" "$(verdict "$r" '>=' 1.0)"
		r=$(ratio "$boot_pci" "$boot_nopci")
		row box "6 boot, PCI + disk vs no PCI (minivmm both)" "$(fmt 0 "$boot_pci") ms" \
			"$(fmt 0 "$boot_nopci") ms" "$r" "ratio <= 1.05" "$(verdict "$r" '<=' 1.05)"
	else
		row box "5 disk, 256 MiB in 1 MiB reads, vs QEMU" "-" "-" "-" "ratio >= 1.0" "$skipped"
		row box "5 disk, random 4 KiB reads, vs QEMU" "-" "-" "-" "ratio >= 1.0" "$skipped"
		row box "6 boot, PCI + disk vs no PCI (minivmm both)" "-" "-" "-" "ratio <= 1.05" "$skipped"
	fi
	local what_a="7a -- true, exec to exit status, vs QEMU+virtiofsd" what_c="7c 256 MiB host file read in the guest, vs QEMU"
	skipped=
	if [ "$skip_box" = 1 ]; then skipped="skipped (BENCH_SKIP_BOX=1)"
	elif [ "$skip_cmd" = 1 ]; then skipped="skipped (BENCH_SKIP_CMD=1)"
	fi
	if [ -n "$skipped" ]; then
		row box "$what_a" "-" "-" "-" "ratio <= 0.5" "$skipped"
		row box "$what_c" "-" "-" "-" "ratio >= 0.9" "$skipped"
	elif [ "$cmd_peer_only" = 1 ]; then
		row box "$what_a" "-" "$(fmt 0 "$true_qemu") ms" "-" "ratio <= 0.5" "minivmm not measured (BENCH_CMD_PEER_ONLY=1)"
		row box "$what_c" "-" "$(fmt 1 "$read_qemu") MiB/s" "-" "ratio >= 0.9" "minivmm not measured (BENCH_CMD_PEER_ONLY=1)"
	else
		r=$(ratio "$true_minivmm" "$true_qemu")
		row box "$what_a" "$(fmt 0 "$true_minivmm") ms" "$(fmt 0 "$true_qemu") ms" "$r" "ratio <= 0.5" \
			"$(verdict "$r" '<=' 0.5)"
		r=$(ratio "$read_minivmm" "$read_qemu")
		row box "$what_c" "$(fmt 1 "$read_minivmm") MiB/s" "$(fmt 1 "$read_qemu") MiB/s" "$r" "ratio >= 0.9" \
			"$(verdict "$r" '>=' 0.9)"
	fi
}

# --- 2-4 in the KVM box -----------------------------------------------------------
# This script again, inside the box (--box-half: parts 2-4 on the box's
# /dev/kvm), over the host's own files (box-run.sh --host-root).  Its lines
# are shown as they come, less the box's own (BOX-STATUS, kernel messages);
# its BENCH-VALUE lines carry the medians back.
if [ "$place" = box ]; then
	echo "== parts 2-4 in the KVM box (${kvm_reason:-MINIVMM_KVM=box}): the box boots first, ~10 s;"
	echo "   both VMMs on the box's nested /dev/kvm, so these figures compare only with each other"
	inner="BENCH_RUNS=$runs BENCH_RSS_RUNS=$rss_runs exec $(shq "$repo/scripts/bench.sh") --box-half $(shq "$minivmm") $(shq "$bench_dir")"
	# Generous: part 2's runs take up to ~2 s each in the box, part 3's ~4 s.
	box_timeout=$((600 + runs * 10 + rss_runs * 40))
	for attempt in 1 2; do
		# The console goes to a file, shown from there while box-run.sh
		# lives: its end, not the pipe's, ends the part, so nothing it leaves
		# behind holding its stdout can hold up the bench.  In a session of
		# its own, so that it goes whole (QEMU too) on Ctrl-C or after its end.
		: >"$tmp/box24.log"
		setsid "$repo/scripts/box-run.sh" --host-root --timeout "$box_timeout" --stall "$stall_s" \
			-- "$inner" </dev/null >"$tmp/box24.log" 2>"$tmp/box24.err" &
		box_pid=$!
		# (The showing runs in the background: bash runs the INT and TERM
		# traps at once while it waits, not only after a foreground pipeline.)
		tail -n +1 -f --pid="$box_pid" "$tmp/box24.log" |
			grep --line-buffered -Ev '^(BENCH-VALUE |BOX-STATUS |\[ *[0-9]+\.[0-9]+\] )' &
		show_pid=$!
		box_rc=0
		wait "$box_pid" || box_rc=$?
		wait "$show_pid" || true
		kill -TERM -- "-$box_pid" 2>/dev/null || true
		box_pid=
		cat "$tmp/box24.err" >&2
		# The command's own status comes with a BOX-STATUS line; without one,
		# box-run.sh itself did not end as it should: a box failure too.
		if [ "$box_rc" != 0 ] && ! grep -qx "BOX-STATUS $box_rc" "$tmp/box24.log"; then
			case "$box_rc" in
			9[0-5]) ;;
			*)
				echo "box: scripts/box-run.sh ended with status $box_rc and no BOX-STATUS line" >&2
				box_rc=92 ;;
			esac
		fi
		case "$box_rc" in
		90 | 91 | 92 | 94 | 95)
			# The box did not start, or stopped: a fresh one, once.
			if [ "$attempt" = 1 ]; then
				echo "  the box failed (status $box_rc, box: line above); once more in a fresh box"
				continue
			fi ;;
		esac
		break
	done
	case "$box_rc" in
	0) ;;
	9[0-5]) box_fail "$box_rc" "parts 2-4: the KVM box failed with status $box_rc (box: line above); parts 2-4 were not measured" ;;
	*) die "parts 2-4 in the KVM box failed (its bench.sh ended with status $box_rc: see its bench: line above)" ;;
	esac
	for v in exit_minivmm exit_qemu rss_minivmm_256 rss_qemu_256 rss_minivmm_4g rss_qemu_4g \
		cost_bare cost_bus cost_ratio; do
		val=$(sed -n "s/^BENCH-VALUE $v \([0-9.][0-9.]*\)\$/\1/p" "$tmp/box24.log" | tail -n1)
		[ -n "$val" ] || die "the bench in the KVM box printed no BENCH-VALUE line for $v"
		printf -v "$v" '%s' "$val"
	done
	summary
	exit 0
fi

# --- 2. trivial guest, start to exit ------------------------------------------------
part_where="host /dev/kvm"
[ "$box_half" = 0 ] || part_where="in the KVM box: its nested /dev/kvm"
# Part 3 reads a VMM's memory this long after its start: QEMU starts in
# about 0.1 s on a host, in about a second in the box (its code under TCG).
rss_settle=0.5
[ "$box_half" = 0 ] || rss_settle=3
qemu_exit_args=(-M microvm -accel kvm -m 256M -smp 1 -nodefaults -no-user-config -nographic
	-device "isa-debug-exit,iobase=0xf4,iosize=4" -kernel "$exit_guest")
# time_exit NAME CMD...: one start-to-exit run; prints its milliseconds.
time_exit() {
	local name=$1 out status
	shift
	out=$("$timer" --timeout 30 -- "$@" 2>"$tmp/err") || {
		cat "$tmp/err" >&2
		die "$name did not run the trivial guest to its end"
	}
	status=${out#* }
	if [ "$status" != 1 ]; then
		cat "$tmp/err" >&2
		die "$name ended the trivial guest with status $status, not 1 (debug-exit 0)"
	fi
	echo "${out%% *}"
}
echo "== 2. trivial guest, start to exit ($part_where), runs of each: $runs"
echo "  (start to exit status: minivmm leaves KVM's ~20 ms VM teardown to a child"
echo "  that outlives it, QEMU does it before exiting; a pause after each run lets"
echo "  neither's teardown overlap the next run; one untimed run of each goes first,"
echo "  so that neither pays alone for reading its files: in the box, over virtio-9p)"
time_exit minivmm "$minivmm" --kernel "$exit_guest" --mem 256M --cpus 1 >/dev/null
time_exit "QEMU microvm" "$qemu" "${qemu_exit_args[@]}" >/dev/null
sleep 0.1
: >"$tmp/exit-minivmm"
: >"$tmp/exit-qemu"
for ((i = 1; i <= runs; i++)); do
	a=$(time_exit minivmm "$minivmm" --kernel "$exit_guest" --mem 256M --cpus 1)
	sleep 0.1
	b=$(time_exit "QEMU microvm" "$qemu" "${qemu_exit_args[@]}")
	sleep 0.1
	echo "$a" >>"$tmp/exit-minivmm"
	echo "$b" >>"$tmp/exit-qemu"
	printf '  run %2d: minivmm %8.3f ms   QEMU %8.3f ms\n' "$i" "$a" "$b"
done
exit_minivmm=$(median <"$tmp/exit-minivmm")
exit_qemu=$(median <"$tmp/exit-qemu")
echo "  median: minivmm $(fmt 3 "$exit_minivmm") ms, QEMU $(fmt 3 "$exit_qemu") ms"
echo

# --- 3. peak RSS beyond guest RAM ------------------------------------------------
# rss_overhead NAME GUEST_KIB CMD...: starts CMD, waits $rss_settle s (and
# again, up to 20 s, while its guest RAM is not mapped yet), writes
# "HWM GUEST OVERHEAD" in KiB to $tmp/rss, kills it.
rss_overhead() {
	local name=$1 guest_kib=$2 pid hwm guest waited=0
	shift 2
	"$@" </dev/null >/dev/null 2>"$tmp/err" &
	pid=$! bg_pid=$!
	while :; do
		sleep "$rss_settle"
		waited=$(awk -v w="$waited" -v s="$rss_settle" 'BEGIN { print w + s }')
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || true
			cat "$tmp/err" >&2
			die "$name ended before its memory could be read"
		fi
		hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
		# Mapping headers: "start-end perms offset dev inode [path]"; an
		# anonymous mapping has no path.  Sizes and Rss are in kB.
		guest=$(awk -v want="$guest_kib" '
			/^[0-9a-f]+-[0-9a-f]+ / { anon = (NF == 5); next }
			/^Size:/ { big = anon && $2 >= want; next }
			/^Rss:/ && big { sum += $2; found = 1 }
			END { if (!found) exit 1; print sum }' "/proc/$pid/smaps") && break
		awk -v w="$waited" 'BEGIN { exit !(w >= 20) }' || continue
		kill -KILL "$pid"; wait "$pid" || true
		die "$name: no anonymous mapping of at least $guest_kib KiB (its guest RAM) in /proc/$pid/smaps after $waited s"
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	bg_pid=
	echo "$hwm $guest $((hwm - guest))" >"$tmp/rss"
}
echo "== 3. peak RSS beyond the guest RAM it touched ($part_where), runs of each: $rss_runs"
for size in 256M 4G; do
	case "$size" in 256M) kib=$((256 * 1024)) ;; 4G) kib=$((4 * 1024 * 1024)) ;; esac
	: >"$tmp/rss-minivmm-$size"
	: >"$tmp/rss-qemu-$size"
	for ((i = 1; i <= rss_runs; i++)); do
		rss_overhead minivmm "$kib" "$minivmm" --kernel "$halt_guest" --mem "$size" --cpus 1
		read -r ah ag ao <"$tmp/rss"
		rss_overhead "QEMU microvm" "$kib" "$qemu" -M microvm -accel kvm -m "$size" -smp 1 \
			-nodefaults -no-user-config -nographic -kernel "$halt_guest"
		read -r bh bg bo <"$tmp/rss"
		echo "$ao" >>"$tmp/rss-minivmm-$size"
		echo "$bo" >>"$tmp/rss-qemu-$size"
		printf '  %4s run %d: minivmm %6d - %5d guest = %6d KiB   QEMU %6d - %5d guest = %6d KiB\n' \
			"$size" "$i" "$ah" "$ag" "$ao" "$bh" "$bg" "$bo"
	done
done
rss_minivmm_256=$(median <"$tmp/rss-minivmm-256M")
rss_qemu_256=$(median <"$tmp/rss-qemu-256M")
rss_minivmm_4g=$(median <"$tmp/rss-minivmm-4G")
rss_qemu_4g=$(median <"$tmp/rss-qemu-4G")
echo "  median overhead: 256M minivmm $rss_minivmm_256 KiB, QEMU $rss_qemu_256 KiB;" \
	"4G minivmm $rss_minivmm_4g KiB, QEMU $rss_qemu_4g KiB"
echo

# --- 4. port exit through the device bus against a bare KVM_RUN loop -----------
echo "== 4. one port exit (in al, dx from 0x3fd) through minivmm's io bus vs a bare KVM_RUN loop ($part_where)"
"$exit_cost" 9 20000 >"$tmp/exit-cost" 2>"$tmp/err" || {
	cat "$tmp/exit-cost" "$tmp/err" >&2
	die "exit-cost failed"
}
sed 's/^/  /' "$tmp/exit-cost"
# The ratio is exit-cost's own: the median of its rounds' bus/bare ratios.
read -r cost_bare cost_bus cost_ratio < <(awk '/^median:/ { print $3, $6, $9 }' "$tmp/exit-cost")
[ -n "${cost_ratio:-}" ] || die "exit-cost printed no median line"
echo

# --- the end: the figures for the outer run, or the summary -------------------
if [ "$box_half" = 1 ]; then
	# For the outer bench.sh, which reads them off the box's console.
	for v in exit_minivmm exit_qemu rss_minivmm_256 rss_qemu_256 rss_minivmm_4g rss_qemu_4g \
		cost_bare cost_bus cost_ratio; do
		echo "BENCH-VALUE $v ${!v}"
	done
	exit 0
fi
summary
