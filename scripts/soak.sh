#!/usr/bin/env bash
# scripts/soak.sh MINIVMM [ASAN_MINIVMM] — `make soak` (issue 17): boots
# Debian's cloud kernel with the busybox initramfs (images/guest-
# initramfs.sh: its marker, then poweroff) SOAK_RUNS times (default 200) in
# ONE run of the KVM box, each with --cpus 1-4 and --mem 192M-1G at random,
# and one fault at a random moment (a kind each run, in turn):
#
#   none        nothing: 0
#   stop        SIGSTOP, then SIGCONT 1-3 s later: 0
#   dump        --dump FILE and SIGUSR1 during the boot: 0, and FILE is an
#               ELF vmcore when the signal found minivmm running
#   stdout-closed   stdout is a pipe whose reader leaves after 0-64 KiB: 0
#               (the console's output is dropped, and named at the end)
#   stdout-stalled  the reader sleeps 1-4 s before it reads: 0
#   timeout     --timeout 1-2, inside the boot: 124
#   sigterm     SIGTERM during the boot: 130
#   disk        --disk IMAGE, truncated to nothing during the boot (the
#               kernel's reads of it fail): 0
#
# Every run must end with its status within its deadline plus 5 s (the
# deadline: --timeout 90, or the fault's own timeout, which counts from the
# guest's start, plus SETUP s for minivmm's setup before it: 10, the ASan
# build's in a busy box), print no sanitizer
# report, and, for the faults that stop the run (timeout, sigterm), the time
# from the fault to minivmm's exit is kept: the table shows the slowest.
# Every SOAK_ASAN_EVERY-th run (default 10) uses ASAN_MINIVMM (the `make
# asan` build) when given.  A signal that finds minivmm gone (the guest was
# quicker) is counted as "late", and the run is judged as "none".
#
# Prints a line a run, then the table (runs, faults by kind, outcomes, the
# slowest stop) and `N passed, N failed`.  SOAK_SEED fixes the random
# choices (the seed is printed either way); V=1 echoes the box's console.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KINDS=(none stop dump stdout-closed stdout-stalled timeout sigterm disk)
DEADLINE=90
SETUP=10

# ============================================================================
# The box half: bash scripts/soak.sh --in-box DIR.  DIR/env sets MINIVMM,
# ASAN_MINIVMM, KERNEL, INITRD, RUNS, ASAN_EVERY and SEED.
# ============================================================================

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# alive PID: the process is there and not yet a zombie.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# shellcheck disable=SC2153 # MINIVMM, ASAN_MINIVMM, RUNS, SEED come from DIR/env
# soak_one I: one run; prints "SOAK-RUN I KIND CPUS MEM BIN WANT GOT MS STOP_MS
# VERDICT WHY".
soak_one() {
	local i=$1 kind=${KINDS[$((($1 - 1) % ${#KINDS[@]}))]}
	local cpus=$((RANDOM % 4 + 1)) mem bin=plain exe=$MINIVMM
	local -a mems=(192M 256M 512M 1G)
	mem=${mems[$((RANDOM % 4))]}
	if [ -n "$ASAN_MINIVMM" ] && [ $((i % ASAN_EVERY)) = 0 ]; then
		bin=asan exe=$ASAN_MINIVMM
	fi
	local -a args=(--kernel "$KERNEL" --initrd "$INITRD" --cpus "$cpus" --mem "$mem"
		--cmdline minivmm.end=poweroff)
	local deadline=$DEADLINE want=0 delay_ms=$((200 + RANDOM % 2500)) why=''
	rm -f "$work/dump" "$work/out" "$work/err"
	case $kind in
	dump) args+=(--dump "$work/dump") ;;
	timeout) deadline=$((1 + RANDOM % 2)) want=124 ;;
	sigterm) want=130 ;;
	disk) truncate -s 16M "$work/disk.img" && args+=(--disk "$work/disk.img") ;;
	esac
	args+=(--timeout "$deadline")

	local start pid late=0 fault_ms=0 reader=''
	start=$(now_ms)
	case $kind in
	stdout-closed)
		local keep=$((RANDOM % 65536))
		mkfifo "$work/fifo"
		{ head -c "$keep" >/dev/null; } <"$work/fifo" &
		reader=$!
		"$exe" "${args[@]}" >"$work/fifo" 2>"$work/err" </dev/null &
		pid=$! ;;
	stdout-stalled)
		local nap=$((1 + RANDOM % 4))
		mkfifo "$work/fifo"
		{ sleep "$nap"; cat >/dev/null; } <"$work/fifo" &
		reader=$!
		"$exe" "${args[@]}" >"$work/fifo" 2>"$work/err" </dev/null &
		pid=$! ;;
	*)
		"$exe" "${args[@]}" >"$work/out" 2>"$work/err" </dev/null &
		pid=$! ;;
	esac

	local sig=''
	case $kind in stop) sig=STOP ;; dump) sig=USR1 ;; sigterm) sig=TERM ;; esac
	if [ -n "$sig" ] || [ "$kind" = disk ]; then
		sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
		if alive "$pid"; then
			fault_ms=$(now_ms)
			if [ "$kind" = disk ]; then
				: >"$work/disk.img"
			else
				kill -s "$sig" "$pid" 2>/dev/null || late=1
			fi
		else
			late=1
		fi
		if [ "$kind" = stop ] && [ "$late" = 0 ]; then
			sleep $((1 + RANDOM % 3))
			kill -s CONT "$pid" 2>/dev/null
			deadline=$((deadline + 3))
		fi
	fi
	[ "$late" = 1 ] && [ "$kind" != disk ] && want=0

	# The watchdog: setup, the deadline plus 5 s, then SIGKILL and a hang.
	local limit=$((start + (SETUP + deadline + 5) * 1000)) got hung=0
	while alive "$pid"; do
		if [ "$(now_ms)" -gt "$limit" ]; then
			kill -9 "$pid" 2>/dev/null
			hung=1
			break
		fi
		sleep 0.05
	done
	wait "$pid"
	got=$?
	local end
	end=$(now_ms)
	[ -n "$reader" ] && { kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null; rm -f "$work/fifo"; }
	# The timeout's fault is the timer itself: its stop is measured from
	# where it would be with no setup at all (an upper bound).
	[ "$kind" = timeout ] && fault_ms=$((start + deadline * 1000))
	local stop_ms=-1
	case $kind in timeout | sigterm) [ "$fault_ms" -gt 0 ] && stop_ms=$((end - fault_ms)) ;; esac

	[ "$hung" = 1 ] && why+="still running $((SETUP + deadline + 5)) s after its start: killed; "
	[ "$got" = "$want" ] || why+="exit status $got, want $want ($(grep -v '^ *$' "$work/err" | tail -n 1 | cut -c1-160)); "
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$work/err"; then
		why+="a sanitizer report: $(grep -m1 -E 'ERROR: |runtime error:' "$work/err" | cut -c1-160); "
	fi
	if [ "$kind" = dump ] && [ "$late" = 0 ] && [ "$got" = 0 ] &&
		[ "$(head -c 4 "$work/dump" 2>/dev/null | od -An -c | tr -d ' ')" != '177ELF' ]; then
		why+="SIGUSR1 wrote no ELF vmcore; "
	fi
	local verdict=ok
	[ -n "$why" ] && verdict=FAIL
	[ "$late" = 1 ] && [ "$kind" != disk ] && kind="$kind(late)"
	echo "SOAK-RUN $i $kind $cpus $mem $bin $want $got $((end - start)) $stop_ms $verdict ${why%; }"
	# A failure shows the end of the guest's console and of minivmm's
	# stderr (the pipe kinds kept no console).
	if [ "$verdict" = FAIL ]; then
		tail -n 8 "$work/out" 2>/dev/null | tr -d '\r' | cut -c1-160 | sed "s/^/SOAK-TAIL $i console: /"
		tail -n 4 "$work/err" | cut -c1-160 | sed "s/^/SOAK-TAIL $i stderr: /"
	fi
}

# shellcheck disable=SC2153
in_box() {
	# shellcheck source=/dev/null
	. "$1/env"
	work=$(mktemp -d /tmp/soak.XXXXXX) || { echo "SOAK-SETUP-FAIL mktemp"; return 1; }
	RANDOM=$SEED
	local i
	for ((i = 1; i <= RUNS; i++)); do
		soak_one "$i"
	done
	echo "SOAK-DONE"
}

if [ "${1:-}" = --in-box ]; then
	in_box "$2"
	exit 0
fi

# ============================================================================
# The host half.
# ============================================================================
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: scripts/soak.sh MINIVMM [ASAN_MINIVMM]" >&2
	exit 2
fi
die() { echo "soak: $*" >&2; exit 2; }
minivmm=$(realpath "$1") || die "$1: no such file"
asan=''
[ $# -eq 2 ] && { asan=$(realpath "$2") || die "$2: no such file"; }
runs=${SOAK_RUNS:-200}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "SOAK_RUNS is '$runs': want a positive number"
every=${SOAK_ASAN_EVERY:-10}
[[ "$every" =~ ^[1-9][0-9]*$ ]] || die "SOAK_ASAN_EVERY is '$every': want a positive number"
seed=${SOAK_SEED:-$((RANDOM * 32768 + RANDOM))}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"

kdir=$("$repo/scripts/fetch-kernel.sh" cloud 2>"$tmp/fetch.err") ||
	die "scripts/fetch-kernel.sh cloud failed: $(tail -n 1 "$tmp/fetch.err")"
"$repo/images/guest-initramfs.sh" "$tmp/guest.cpio.gz" "$kdir" >/dev/null ||
	die "images/guest-initramfs.sh failed"
{
	echo "MINIVMM=$(shq "$minivmm")"
	echo "ASAN_MINIVMM=$(shq "$asan")"
	echo "KERNEL=$(shq "$(echo "$kdir"/boot/vmlinuz-*)")"
	echo "INITRD=$(shq "$tmp/guest.cpio.gz")"
	echo "RUNS=$runs"
	echo "ASAN_EVERY=$every"
	echo "SEED=$seed"
} >"$tmp/env"

echo "# soak: $runs runs, seed $seed, ASan build every ${every}th run: ${asan:-none}"
cmd="bash $(shq "$repo/scripts/soak.sh") --in-box $(shq "$tmp")"
box_run_retried "$tmp/console" --host-root --timeout $((runs * (DEADLINE + 15) + 300)) \
	--stall 300 -- "$cmd"

tr -d '\r' <"$tmp/console" | grep '^SOAK-RUN ' | cut -d' ' -f2- >"$tmp/runs"
tr -d '\r' <"$tmp/console" | grep -q '^SOAK-DONE' || echo "# the box did not finish: status $box_rc ${box_err:-}"
awk '{ why = ""; for (f = 11; f <= NF; f++) why = why " " $f
	printf "%s %3d %-22s cpus=%s mem=%-4s %-5s want %-3s got %-3s %6d ms%s\n",
		($10 == "ok" ? "ok  " : "FAIL"), $1, $2, $3, $4, $5, $6, $7, $8, why }' "$tmp/runs"
tr -d '\r' <"$tmp/console" | sed -n 's/^SOAK-TAIL /#   /p'
echo
echo "# kind                   runs   ok  failed  late   slowest run  slowest stop"
for k in "${KINDS[@]}"; do
	awk -v k="$k" '
		{ base = $2; sub(/\(late\)$/, "", base) }
		base == k { n++; if ($10 == "ok") ok++; else bad++; if ($2 ~ /late/) late++
			if ($8 > slow) slow = $8; if ($9 > stop) stop = $9 }
		END { printf "# %-22s %5d %5d %7d %5d %10d ms %10s\n", k, n, ok, bad, late, slow,
			(stop > 0 ? stop " ms" : "-") }' stop=-1 "$tmp/runs"
done
passed=$(awk '$10 == "ok"' "$tmp/runs" | wc -l)
failed=$(awk '$10 != "ok"' "$tmp/runs" | wc -l)
asan_runs=$(awk '$5 == "asan"' "$tmp/runs" | wc -l)
missing=$((runs - passed - failed))
echo "# ASan runs: $asan_runs; runs with no result: $missing"
failed=$((failed + missing))
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
