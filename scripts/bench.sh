#!/usr/bin/env bash
# bench.sh MINIVMM BENCH_DIR — `make bench`: minivmm against a peer, each
# comparison measured in this one run, as medians over several runs.
#
#   1. boot to userspace, in the KVM box (scripts/box-run.sh: QEMU TCG with
#      nested SVM, so a real kernel can boot on a nested /dev/kvm): Debian's
#      cloud kernel + the busybox initramfs (images/guest-initramfs.sh), from
#      the VMM's start to the marker MINIVMM-GUEST-USERSPACE-OK on its
#      console; minivmm against QEMU microvm, same kernel, initrd, command
#      line (minivmm's effective one, read from --verbose), 256 MiB, 1 vCPU.
#      The box half is scripts/bench-box.sh.  A box that stalls (no console
#      line for BENCH_BOX_STALL_S seconds) is killed and a fresh one boots
#      the runs still missing, at most twice.
#   2. start to exit on this machine's /dev/kvm: a trivial PVH guest
#      (bench/guests/exit-pvh.S) that writes 0 to the debug-exit port at
#      once; both VMMs must exit with status 1.  Mostly the VMM's own setup
#      and teardown.
#   3. peak RSS beyond guest RAM, 256 MiB and 4 GiB guests that only halt
#      (bench/guests/halt-pvh.S): VmHWM minus the Rss of the guest RAM mapping
#      (the anonymous mapping(s) at least as large as the guest's memory),
#      read from /proc after 0.5 s.
#   4. one port-I/O exit (a read of the serial LSR) through minivmm's device
#      bus against a bare KVM_RUN loop (bench/exit_cost.c).  Its ratio is the
#      median of the per-round ratios (each round runs both loops back to
#      back), not the ratio of the two medians: steadier on a shared host.
#
# Reading the output: a header (date, kernel, CPU, which KVM module serves
# /dev/kvm, versions), then each part with its individual runs, then last a
# summary table, one line per comparison: the minivmm median, the peer's,
# their ratio (minivmm / peer: below 1 means minivmm is faster or smaller) and
# whether the target is met.  Targets (issue 6): 1 at most 0.6 x QEMU microvm;
# 2 at most 0.05 x; 3 minivmm's overhead at most 1 MiB; 4 the bus adds at most 5 %
# (ratio <= 1.05).  Numbers from a software KVM (kvm_pvm: 7-10 us per exit)
# or from inside the box (TCG) are only comparable within the same run.
#
# Environment: BENCH_RUNS (runs of each VMM in part 2, default 20),
# BENCH_RSS_RUNS (part 3, default 3), BENCH_BOX_RUNS (part 1, default 5),
# BENCH_BOX_STALL_S (part 1: seconds without a console line from the box
# before it counts as stalled and a fresh one takes over, default 150),
# BENCH_SKIP_BOX=1 (skip part 1: the quick run), MINIVMM_CACHE (see
# scripts/fetch-kernel.sh).
# Exit status 0 when every measure was taken (met or not), 1 with one line
# `bench: ...` on stderr when one could not be (missing tools, a VMM that
# failed), 2 for a usage error.
set -euo pipefail

die() { echo "bench: $*" >&2; exit 1; }
[ $# -eq 2 ] || { echo "usage: scripts/bench.sh MINIVMM BENCH_DIR" >&2; exit 2; }
minivmm=$(realpath -m "$1")
bench_dir=$(realpath -m "$2")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

count_env() {   # count_env NAME DEFAULT: a positive whole number from the environment
	local v=${!1:-$2}
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive whole number, not '$v'"
	echo "$v"
}
runs=$(count_env BENCH_RUNS 20)
rss_runs=$(count_env BENCH_RSS_RUNS 3)
box_runs=$(count_env BENCH_BOX_RUNS 5)
stall_s=$(count_env BENCH_BOX_STALL_S 150)
skip_box=${BENCH_SKIP_BOX:-0}

# --- prerequisites: all of them, named at once, on one line -------------------
timer=$bench_dir/run-timer
exit_cost=$bench_dir/exit-cost
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
if [ ! -c /dev/kvm ]; then
	missing+=("/dev/kvm")
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	missing+=("read/write access to /dev/kvm")
fi
if [ "$skip_box" != 1 ]; then
	for tool in cpio gzip apt-cache apt-get dpkg-deb timeout setsid; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	if [ ! -x /bin/busybox ] || LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
		missing+=("busybox-static")
	fi
	command -v depmod >/dev/null || [ -x /sbin/depmod ] || missing+=("depmod (kmod)")
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
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "minivmm benchmarks, $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "host:     Linux $(uname -r), ${cpu_model:-unknown CPU} x $(nproc) CPUs"
echo "/dev/kvm: $kvm_note"
echo "minivmm:  $("$minivmm" --version 2>&1 | head -n1)"
echo "peer:     $("$qemu" --version | head -n1)"
echo

# --- 1. boot to userspace in the KVM box ---------------------------------------
if [ "$skip_box" != 1 ]; then
	echo "== 1. boot to userspace in the KVM box (nested KVM under QEMU TCG), runs of each: $box_runs"
	kdir=$("$repo/scripts/fetch-kernel.sh" cloud) || die "cannot fetch the cloud kernel (scripts/fetch-kernel.sh cloud)"
	kernel=$(find "$kdir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
	[ -n "$kernel" ] || die "no vmlinuz in $kdir/boot"
	box_kdir=$("$repo/scripts/fetch-kernel.sh" generic) || die "cannot fetch the box kernel (scripts/fetch-kernel.sh generic)"
	"$repo/images/guest-initramfs.sh" "$tmp/guest.cpio.gz" "$kdir" || die "cannot build the guest initramfs"
	# minivmm's effective command line, with the same --cmdline it gets in
	# the box, for QEMU's -append.
	cmdline=$("$minivmm" --verbose --kernel "$exit_guest" --cmdline minivmm.end=hang 2>&1 >/dev/null |
		sed -n 's/^minivmm: cmdline "\(.*\)"$/\1/p' | head -n1 || true)
	[ -n "$cmdline" ] || die "minivmm --verbose printed no 'minivmm: cmdline \"...\"' line"
	printf '%s\n' "$cmdline" >"$tmp/cmdline.txt"
	echo "  guest: ${kernel##*/} + busybox initramfs, 256 MiB, 1 vCPU"
	echo "  command line (both): $cmdline"
	ln -s "$kernel" "$tmp/guest-kernel"
	echo "  (the box itself boots first: ~10 s more)"
	# The box can stall: the emulated CPU halts for good with its timer
	# interrupt lost (QEMU 7.2 TCG, see box-run.sh), so nothing inside the box
	# times out.  A watchdog here on the box's console (no line for
	# $stall_s s: longer than run-timer's 120 s limit inside, so a boot that
	# truly hangs is still reported by the box itself) kills it, and a fresh
	# box boots the runs still missing, at most twice.  A run counts once both
	# its boots are in, so both VMMs get the same number of samples.
	: >"$tmp/boot-minivmm"
	: >"$tmp/boot-qemu"
	done_runs=0 restarts=0
	while [ "$done_runs" -lt "$box_runs" ]; do
		# Box boot ~10 s, each guest boot up to a minute under TCG: generous.
		box_timeout=$((180 + (box_runs - done_runs) * 2 * 60))
		# In a session of its own, so that a stalled box goes whole: box-run.sh,
		# timeout, QEMU and the pipe between them.
		exec {box_fd}< <(BOX_KERNEL_DIR=$box_kdir exec setsid "$repo/scripts/box-run.sh" \
			--mem 2G --timeout "$box_timeout" \
			--files "$minivmm" "$(command -v "$qemu")" "${qemu_roms[@]}" "$timer" \
			"$repo/scripts/bench-box.sh" "$tmp/guest-kernel" "$tmp/guest.cpio.gz" "$tmp/cmdline.txt" \
			-- "sh bench-box.sh $box_runs $((done_runs + 1))" 2>"$tmp/box.err")
		box_pid=$!
		# The console goes to box.log; the runs are shown as they come.
		: >"$tmp/box.log"
		stalled=0 pending=
		while :; do
			if IFS= read -r -t "$stall_s" -u "$box_fd" line; then
				printf '%s\n' "$line" >>"$tmp/box.log"
				case "$line" in
				"BENCH-BOX "*)
					read -r _ vmm run ms <<<"$line"
					if [ "$vmm" = minivmm ]; then
						pending=$ms
						printf '  run %d: %-7s %9.1f ms\n' "$run" minivmm "$ms"
					else
						printf '  run %d: %-7s %9.1f ms\n' "$run" QEMU "$ms"
						if [ -n "$pending" ]; then
							echo "$pending" >>"$tmp/boot-minivmm"
							echo "$ms" >>"$tmp/boot-qemu"
							done_runs=$run pending=
						fi
					fi ;;
				"BENCH-BOX-NOTE "*) echo "  note, ${line#BENCH-BOX-NOTE }" ;;
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
				die "the box stalled $restarts times (no console line for ${stall_s} s), $done_runs of $box_runs runs done"
			fi
			echo "  box stalled: no console line for ${stall_s} s after $done_runs of $box_runs runs;" \
				"restarting a fresh box for the rest (restart $restarts of 2)"
			continue
		fi
		if [ "$box_rc" != 0 ]; then
			# The boot that failed, or else the end of the box's console.
			if grep -q '^BENCH-BOX-FAIL' "$tmp/box.log"; then
				sed -n '/^BENCH-BOX-FAIL/,$p' "$tmp/box.log" | head -n 40 >&2
			else
				tail -n 20 "$tmp/box.log" >&2
			fi
			cat "$tmp/box.err" >&2
			die "the box part failed (scripts/box-run.sh exit status $box_rc)"
		fi
		[ "$done_runs" = "$box_runs" ] ||
			die "the box did not print one BENCH-BOX line per boot ($box_runs runs each)"
	done
	boot_minivmm=$(median <"$tmp/boot-minivmm")
	boot_qemu=$(median <"$tmp/boot-qemu")
	echo "  median: minivmm $(fmt 0 "$boot_minivmm") ms, QEMU $(fmt 0 "$boot_qemu") ms"
	echo
fi

# --- 2. trivial guest, start to exit (host /dev/kvm) ---------------------------
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
echo "== 2. trivial guest, start to exit (host /dev/kvm), runs of each: $runs"
echo "  (start to exit status: minivmm leaves KVM's ~20 ms VM teardown to a child"
echo "  that outlives it, QEMU does it before exiting; a pause after each run lets"
echo "  neither's teardown overlap the next run)"
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
# rss_overhead NAME GUEST_KIB CMD...: starts CMD, waits 0.5 s, writes
# "HWM GUEST OVERHEAD" in KiB to $tmp/rss, kills it.
rss_overhead() {
	local name=$1 guest_kib=$2 pid hwm guest
	shift 2
	"$@" </dev/null >/dev/null 2>"$tmp/err" &
	pid=$! bg_pid=$!
	sleep 0.5
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
		END { if (!found) exit 1; print sum }' "/proc/$pid/smaps") || {
		kill -KILL "$pid"; wait "$pid" || true
		die "$name: no anonymous mapping of at least $guest_kib KiB (its guest RAM) in /proc/$pid/smaps"
	}
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	bg_pid=
	echo "$hwm $guest $((hwm - guest))" >"$tmp/rss"
}
echo "== 3. peak RSS beyond the guest RAM it touched (host /dev/kvm), runs of each: $rss_runs"
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
echo "== 4. one port exit (in al, dx from 0x3fd) through minivmm's io bus vs a bare KVM_RUN loop"
"$exit_cost" 9 20000 >"$tmp/exit-cost" 2>"$tmp/err" || {
	cat "$tmp/exit-cost" "$tmp/err" >&2
	die "exit-cost failed"
}
sed 's/^/  /' "$tmp/exit-cost"
# The ratio is exit-cost's own: the median of its rounds' bus/bare ratios.
read -r cost_bare cost_bus cost_ratio < <(awk '/^median:/ { print $3, $6, $9 }' "$tmp/exit-cost")
[ -n "${cost_ratio:-}" ] || die "exit-cost printed no median line"
echo

# --- summary ---------------------------------------------------------------------
# verdict RATIO_OR_VALUE OP LIMIT: met / not met
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<") ? v < l : v <= l
		print ok ? "met" : "not met" }'
}
row() {   # row WHAT MINIVMM PEER RATIO TARGET VERDICT
	printf '%-50s %11s %11s %7s  %-20s %s\n' "$@"
}
echo "== summary: medians; ratio = minivmm / peer (4: the median of the per-round ratios)"
row "what" "minivmm" "peer" "ratio" "target" "verdict"
if [ "$skip_box" != 1 ]; then
	r=$(ratio "$boot_minivmm" "$boot_qemu")
	row "1 boot to marker in the KVM box, vs QEMU microvm" "$(fmt 0 "$boot_minivmm") ms" "$(fmt 0 "$boot_qemu") ms" \
		"$r" "ratio <= 0.6" "$(verdict "$r" '<=' 0.6)"
else
	row "1 boot to marker in the KVM box, vs QEMU microvm" "-" "-" "-" "ratio <= 0.6" "skipped (BENCH_SKIP_BOX=1)"
fi
r=$(ratio "$exit_minivmm" "$exit_qemu")
row "2 start to exit, trivial guest, vs QEMU microvm" "$(fmt 1 "$exit_minivmm") ms" "$(fmt 1 "$exit_qemu") ms" \
	"$r" "ratio <= 0.05" "$(verdict "$r" '<=' 0.05)"
r=$(ratio "$rss_minivmm_256" "$rss_qemu_256")
row "3 RSS overhead, 256 MiB guest, vs QEMU microvm" "$rss_minivmm_256 KiB" "$rss_qemu_256 KiB" \
	"$r" "minivmm <= 1024 KiB" "$(verdict "$rss_minivmm_256" '<=' 1024)"
r=$(ratio "$rss_minivmm_4g" "$rss_qemu_4g")
row "3 RSS overhead, 4 GiB guest, vs QEMU microvm" "$rss_minivmm_4g KiB" "$rss_qemu_4g KiB" \
	"$r" "minivmm <= 1024 KiB" "$(verdict "$rss_minivmm_4g" '<=' 1024)"
row "4 port exit via the io bus, vs bare KVM_RUN loop" "$(fmt 0 "$cost_bus") ns" "$(fmt 0 "$cost_bare") ns" \
	"$cost_ratio" "ratio <= 1.05" "$(verdict "$cost_ratio" '<=' 1.05)"
