# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): --dump, --dump-on
# and SIGUSR1.  The pattern guest (pattern.c) fills [16 MiB, 17 MiB) with
# words that name their own address, then exits (status 1), triple-faults
# (pattern.end=crash) or prints a tick every second (pattern.end=tick).
#
#   dump-on-exit          --cpus 2: an ELF core with a PT_NOTE (NT_PRSTATUS
#                         and QEMU note per vCPU), one PT_LOAD for all of RAM
#                         at 0, the pattern's bytes, holes for the rest
#   dump-on-crash         a triple fault with --dump-on crash,timeout: 4
#   dump-on-timeout       --timeout with --dump-on timeout: 124
#   dump-on-exit-not-crash  a crash with --dump-on exit: no dump
#   dump-fails-status-stays  a dump that cannot be written (a 2 MiB file
#                         size limit): one line, the
#                         guest's status 1 stays
#   dump-fails-0-becomes-8   the same after an --expect match: 8
#   sigusr1-dumps-running-guest  --cpus 4, three SIGUSR1: three dumps, the
#                         guest ticks on after them, --timeout ends it
#   sigusr1-without-dump  one line, the guest ticks on
#
# The dump checks read the file with readelf, dd and od: no tool of
# minivmm's own decides whether minivmm's dump is right.

PATTERN=$GUESTDIR/pattern.bzimage
PATTERN_START=$((0x1000000))   # pattern.c
PATTERN_SIZE=$((0x100000))
DUMP_MEM=$((64 << 20))
NT_PRSTATUS_SIZE=356           # header 12, "CORE" 8, elf_prstatus 336
# What minivmm says after each dump.
WROTE_LINE='^minivmm: wrote a vmcore of [0-9]+ MiB \([0-9]+ MiB of RAM\) to '

# check_vmcore FILE NCPUS [after-shutdown]: FILE is the dump of the
# pattern guest with NCPUS vCPUs and DUMP_MEM of RAM (after-shutdown: taken
# after a triple fault).  Appends to $why.
check_vmcore() {
	local file=$1 ncpus=$2 phdrs type off vaddr paddr filesz memsz note i v bad
	if [ ! -f "$file" ]; then
		why+="no dump at $file; "
		return
	fi
	[ "$(readelf -hW "$file" | awk '$1 == "Type:" { print $2 }')" = CORE ] ||
		why+="the dump is not an ELF core (readelf -h); "
	readelf -nW "$file" >"$tmp/notes" 2>&1
	[ "$(grep -cE '^ +CORE +0x00000150[[:space:]]+NT_PRSTATUS' "$tmp/notes")" = "$ncpus" ] ||
		why+="readelf -n lists $(grep -c NT_PRSTATUS "$tmp/notes") NT_PRSTATUS notes, not $ncpus; "
	[ "$(grep -cE '^ +QEMU +0x000001b0' "$tmp/notes")" = "$ncpus" ] ||
		why+="readelf -n lists $(grep -c QEMU "$tmp/notes") QEMU notes, not $ncpus; "

	# PT_NOTE first, then one PT_LOAD: all of RAM at 0, page-aligned in the file.
	phdrs=$(readelf -lW "$file" | awk '$1 == "NOTE" || $1 == "LOAD" { print $1 }' | tr '\n' ' ')
	[ "$phdrs" = "NOTE LOAD " ] || why+="program headers are '$phdrs', not 'NOTE LOAD '; "
	read -r type off vaddr paddr filesz memsz _ < <(readelf -lW "$file" | awk '$1 == "LOAD"')
	if [ "$type" != LOAD ]; then
		why+="no PT_LOAD; "
		return
	fi
	if [ $((paddr)) != 0 ] || [ $((vaddr)) != 0 ] || [ $((filesz)) != "$DUMP_MEM" ] ||
		[ $((memsz)) != "$DUMP_MEM" ] || [ $((off % 4096)) != 0 ]; then
		why+="the PT_LOAD is offset $off vaddr $vaddr paddr $paddr filesz $filesz memsz $memsz, not all of RAM at 0 from a page boundary; "
	fi

	# The pattern: each word's low half is its address, the high half ~address.
	bad=$(dd if="$file" bs=4096 skip=$(((off + PATTERN_START) / 4096)) count=$((PATTERN_SIZE / 4096)) \
		status=none | od -An -v -tu4 -w8 |
		LC_ALL=C awk -v a="$PATTERN_START" 'NF != 2 || $1 != a || $2 != 4294967295 - a {
				if (!bad++) first = sprintf("0x%x holds %s", a, $0) }
			{ a += 8 }
			END { if (NR != '$((PATTERN_SIZE / 8))') print "only " NR " words"; else if (bad) print bad " words differ, first: " first }')
	[ -z "$bad" ] || why+="the pattern in the dump: $bad; "

	# Sparse: the guest touched a few MiB of its 64.
	[ $(($(stat -c '%b * %B' "$file"))) -lt $((DUMP_MEM / 4)) ] ||
		why+="the dump occupies $(du -k "$file" | cut -f1) KiB: not sparse; "

	# NT_PRSTATUS i: pr_pid (desc + 32) is i + 1; vCPU 0's rip (desc + 112
	# + 16 * 8) is in the guest's code.
	note=$(sed -n 's/^Displaying notes found at file offset \(0x[0-9a-f]*\) .*/\1/p' "$tmp/notes")
	for ((i = 0; i < ncpus; i++)); do
		v=$(od -An -tu4 -j $((note + i * NT_PRSTATUS_SIZE + 20 + 32)) -N 4 "$file" | tr -d ' ')
		[ "$v" = $((i + 1)) ] || why+="NT_PRSTATUS $i has pr_pid $v, not $((i + 1)); "
	done
	v=$(od -An -tu8 -j $((note + 20 + 112 + 16 * 8)) -N 8 "$file" | tr -d ' ')
	# After a triple fault, KVM on AMD SVM (kvm_amd) has reinitialised the
	# VMCB (the APM leaves it undefined after a SHUTDOWN intercept): the
	# vCPU then sits at the reset vector.
	if [ "${3:-}" = after-shutdown ] && [ -d /sys/module/kvm_amd ]; then
		[ "${v:-0}" = $((0xfff0)) ] ||
			why+="vCPU 0's rip in the dump is $(hex "${v:-0}"), not the reset vector KVM on AMD leaves; "
	elif [ "${v:-0}" -lt "$BZIMAGE_LOAD_ADDR" ] || [ "$v" -ge $((BZIMAGE_LOAD_ADDR + 0x200000)) ]; then
		why+="vCPU 0's rip in the dump is $(hex "${v:-0}"), not in the guest's code; "
	fi
}

# check_wrote FILE N: N "minivmm: wrote a vmcore ... to FILE" lines on stderr.
check_wrote() {
	local n
	n=$(grep -cE "$WROTE_LINE$1\$" "$tmp/err")
	[ "$n" = "$2" ] || why+="$n 'minivmm: wrote a vmcore of N MiB (M MiB of RAM) to $1' lines on stderr, not $2; "
}

if begin_test dump-on-exit; then
	rm -f "$tmp/vmcore"
	run --kernel "$PATTERN" --mem 64M --cpus 2 --dump "$tmp/vmcore" --dump-on exit </dev/null
	check_common 1
	check_wrote "$tmp/vmcore" 1
	check_vmcore "$tmp/vmcore" 2
	[ "$(grep -c '^minivmm: ' "$tmp/err")" = 2 ] || why+="expected two 'minivmm: ' lines (the dump, the reason); "
	finish_test
fi

if begin_test dump-on-crash; then
	rm -f "$tmp/vmcore"
	run --kernel "$PATTERN" --mem 64M --cmdline pattern.end=crash --dump "$tmp/vmcore" \
		--dump-on crash,timeout </dev/null
	check_common 4
	check_wrote "$tmp/vmcore" 1
	check_vmcore "$tmp/vmcore" 1 after-shutdown
	finish_test
fi

# 6 s: the pattern must be whole before the timeout, and on a software KVM
# with the cores busy filling it once took longer than 2 s.
if begin_test dump-on-timeout; then
	rm -f "$tmp/vmcore"
	run --kernel "$PATTERN" --mem 64M --cmdline pattern.end=tick --timeout 6 \
		--dump "$tmp/vmcore" --dump-on timeout </dev/null
	check_common 124
	check_wrote "$tmp/vmcore" 1
	check_vmcore "$tmp/vmcore" 1
	finish_test
fi

if begin_test dump-on-exit-not-crash; then
	rm -f "$tmp/vmcore"
	run --kernel "$PATTERN" --mem 64M --cmdline pattern.end=crash --dump "$tmp/vmcore" \
		--dump-on exit </dev/null
	check_exit 4
	[ ! -e "$tmp/vmcore" ] || why+="a dump was written for a crash with --dump-on exit; "
	finish_test
fi

# A dump that cannot be written is one line; the guest's own status is the
# bigger news and stays.  Nothing is left behind.
# A dump that fails when written (its folder is checked at setup): a file
# size limit of 2 MiB, with SIGXFSZ ignored so that write() says EFBIG.
FSIZE_MINIVMM=$tmp/minivmm-fsize-2M
printf '#!/bin/sh\nulimit -f 2048\ntrap "" XFSZ\nexec "%s" "$@"\n' "$MINIVMM" >"$FSIZE_MINIVMM"
chmod +x "$FSIZE_MINIVMM"

if begin_test dump-fails-status-stays; then
	MINIVMM=$FSIZE_MINIVMM run --kernel "$PATTERN" --mem 64M --dump "$tmp/big.vmcore" \
		--dump-on exit </dev/null
	check_common 1
	grep -qF "minivmm: dump $tmp/big.vmcore: " "$tmp/err" ||
		why+="no 'minivmm: dump $tmp/big.vmcore: ...' line; "
	[ "$(grep -c '^minivmm: ' "$tmp/err")" = 2 ] || why+="expected two 'minivmm: ' lines (the dump's failure, the reason); "
	finish_test
fi

# ... but a run that would have ended with 0 has failed: 8, and the dump's
# failure is the one reason.
if begin_test dump-fails-0-becomes-8; then
	MINIVMM=$FSIZE_MINIVMM run --kernel "$PATTERN" --mem 64M --cmdline pattern.end=tick \
		--expect "pattern: filled" --timeout 30 --dump "$tmp/big.vmcore" --dump-on exit </dev/null
	check_exit 8
	grep -qF "minivmm: dump $tmp/big.vmcore: " "$tmp/err" ||
		why+="the reason is not 'dump $tmp/big.vmcore: ...'; "
	finish_test
fi

# --- SIGUSR1: minivmm runs in the background, the test signals it ---------

# start_bg ARGS...: minivmm in the background, stdout to $tmp/out and
# stderr to $tmp/err; its pid in $bg_pid.
start_bg() {
	: >"$tmp/out"
	: >"$tmp/err"
	"$MINIVMM" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" &
	bg_pid=$!
}

# wait_for FILE REGEX [N]: true once FILE has N (default 1) lines matching
# REGEX, within 20 s.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -cE "$2" "$1")" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

# ticks: the guest's last tick number so far (0 before the first).
ticks() {
	tr -d '\r' <"$tmp/out" | sed -n 's/^pattern: tick \([0-9]*\)$/\1/p' | tail -n 1 | grep . || echo 0
}

# check_ticks_on: the guest ticks again after now, so it was not stopped.
check_ticks_on() {
	local t
	t=$(ticks)
	wait_for "$tmp/out" "^pattern: tick $((t + 1))" ||
		why+="the guest printed no tick after tick $t: it did not go on; "
}

# finish_bg: waits for minivmm (killing it after OUTER_TIMEOUT) and sets
# $status, $hung and $tmp/console as run does.
# shellcheck disable=SC2034 # status and hung are for lib.sh's check_common
finish_bg() {
	local i
	hung=0
	for ((i = 0; i < OUTER_TIMEOUT * 10; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$bg_pid" 2>/dev/null; then
		hung=1
		kill -KILL "$bg_pid"
	fi
	wait "$bg_pid"
	status=$?
	tr -d '\r' <"$tmp/out" >"$tmp/console"
}

# Three dumps of a running 4-vCPU guest (three of them waiting for their
# SIPI inside KVM_RUN): each one written whole, the guest ticks on after
# each, and ends only at --timeout.  No --dump-on: no dump at the end.
if begin_test sigusr1-dumps-running-guest; then
	rm -f "$tmp/vmcore"
	start_bg --kernel "$PATTERN" --mem 64M --cpus 4 --cmdline pattern.end=tick --timeout 12 \
		--dump "$tmp/vmcore"
	wait_for "$tmp/out" '^pattern: tick 1' || why+="the guest never ticked; "
	for n in 1 2 3; do
		[ -z "$why" ] || break
		kill -USR1 "$bg_pid"
		wait_for "$tmp/err" "$WROTE_LINE" "$n" ||
			why+="after SIGUSR1 number $n, $(grep -cE "$WROTE_LINE" "$tmp/err") dumps written; "
		check_ticks_on
	done
	finish_bg
	check_common 124
	check_wrote "$tmp/vmcore" 3
	check_vmcore "$tmp/vmcore" 4
	finish_test
fi

if begin_test sigusr1-without-dump; then
	start_bg --kernel "$PATTERN" --mem 64M --cmdline pattern.end=tick --timeout 6
	wait_for "$tmp/out" '^pattern: tick 1' || why+="the guest never ticked; "
	kill -USR1 "$bg_pid"
	wait_for "$tmp/err" '^minivmm: SIGUSR1 asks for a dump, but no --dump PATH was given; the guest goes on$' ||
		why+="no line saying SIGUSR1 found no --dump; "
	check_ticks_on
	finish_bg
	check_common 124
	[ "$(grep -c '^minivmm: ' "$tmp/err")" = 2 ] || why+="expected two 'minivmm: ' lines (SIGUSR1's, the reason); "
	finish_test
fi
