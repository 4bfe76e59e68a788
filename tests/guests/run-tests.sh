#!/usr/bin/env bash
# Boots the tiny test guests (tests/guests/guests.mk) under minivmm and checks
# what they report against minivmm's --verbose account and its exit status.
#
#   tests/guests/run-tests.sh MINIVMM GUESTDIR
#
# Prints "ok NAME" or "FAIL NAME: why" (followed by minivmm's stderr and the
# guest console) per test, then "N passed, N failed[, N skipped]".  Exits 0
# only when nothing failed.  The tests need a usable /dev/kvm: in CI
# (CI=true) its absence fails them, elsewhere they are skipped with the reason.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 MINIVMM GUESTDIR" >&2
	exit 2
fi
MINIVMM=$1
GUESTDIR=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-guest-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0
# Outer limit per minivmm run: a hang fails the test instead of blocking CI.
OUTER_TIMEOUT=60
# The guest-physical layout the checks rely on (boot/layout.h, contract).
HOLE_START=$((0xc0000000))      # RAM stops at 3 GiB ...
HOLE_END=$((0x100000000))       # ... and resumes at 4 GiB
INITRD_ADDR_MAX=$((0x7fffffff)) # what tests/guests/header.S declares
CMDLINE_SIZE=2047               # likewise
CMDLINE_EXIT="exit=8 "          # leads the longest command line: status 17

# --- reporting ---------------------------------------------------------

ok() {
	echo "ok $1"
	passed=$((passed + 1))
}

# fail NAME WHY: prints the reason and what the last run left behind.
fail() {
	echo "FAIL $1: $2"
	if [ -s "$tmp/err" ]; then
		echo "  --- minivmm stderr:"
		tail -n 30 "$tmp/err" | sed 's/^/  | /'
	fi
	if [ -s "$tmp/console" ]; then
		echo "  --- guest console:"
		tail -n 40 "$tmp/console" | tr -d '\r' | sed 's/^/  | /'
	fi
	failed=$((failed + 1))
}

skip() {
	echo "skip $1: $2"
	skipped=$((skipped + 1))
}

# --- /dev/kvm ----------------------------------------------------------

# shellcheck source=tests/kvm-device.sh
. "$(dirname "$0")/../kvm-device.sh"
kvm_reason=$(kvm_device_problem)

# /dev/kvm opens but KVM still does not work (no VM can be created, old
# API...): minivmm says so with status 2 on a boot that needs nothing else.
kvm_probe() {
	[ -n "$kvm_reason" ] && return
	timeout -k 5 "$OUTER_TIMEOUT" "$MINIVMM" --kernel "$GUESTDIR/check.bzimage" --console none \
		</dev/null >/dev/null 2>"$tmp/probe.err"
	if [ $? = 2 ] && grep -qi 'kvm' "$tmp/probe.err"; then
		kvm_reason="minivmm cannot use KVM: $(head -n 1 "$tmp/probe.err")"
	fi
}

# kvm_ok NAME: true when the test may run; otherwise records a failure (CI)
# or a skip (elsewhere) for it.
kvm_ok() {
	[ -z "$kvm_reason" ] && return 0
	if [ "${CI:-}" = "true" ]; then
		: >"$tmp/err"
		: >"$tmp/console"
		fail "$1" "$kvm_reason (CI=true: KVM tests must run in CI)"
	else
		skip "$1" "$kvm_reason"
	fi
	return 1
}

# --- running minivmm ---------------------------------------------------

# run [minivmm args...]: runs minivmm (stdin is the caller's: every test
# redirects it), stdout to $tmp/out, stderr to $tmp/err.  Sets $status
# and $hung (1 when the outer timeout had to stop it).  $tmp/console is the
# guest console: stdout, with carriage returns dropped.
run() {
	local start end
	start=$(date +%s)
	timeout --preserve-status -k 5 "$OUTER_TIMEOUT" "$MINIVMM" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	end=$(date +%s)
	hung=0
	if [ $((end - start)) -ge "$OUTER_TIMEOUT" ]; then
		hung=1
	fi
	tr -d '\r' <"$tmp/out" >"$tmp/console"
}

# check_common EXPECTED_STATUS: the checks every run shares.  Appends
# problems to $why.
check_common() {
	local want=$1
	if [ "$hung" = 1 ]; then
		why+="minivmm still running after ${OUTER_TIMEOUT}s (stopped by the test's own timeout, status $status); "
		return
	fi
	if [ "$status" != "$want" ]; then
		why+="exit status $status, expected $want$(describe_status "$status"); "
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/err"; then
		why+="sanitizer report on stderr; "
	fi
	if grep -q '^FAIL' "$tmp/console"; then
		why+="the guest reported: $(grep -m1 '^FAIL' "$tmp/console"); "
	fi
}

# A hint for statuses the guests use for their own trouble.
describe_status() {
	case $1 in
	255) echo " (guest check failed: debug-exit 0x7f)" ;;
	253) echo " (guest: UART never reported THRE)" ;;
	251) echo " (guest entered at the 32-bit entry, not load+0x200)" ;;
	4) echo " (guest crashed)" ;;
	2) echo " (usage or setup error)" ;;
	124) echo " (minivmm --timeout expired)" ;;
	*) echo "" ;;
	esac
}

# check_stderr_reason: a non-zero exit prints exactly one "minivmm: <reason>"
# line besides the --verbose lines.  Other diagnostics (a register dump after
# a crash) may come with it, but not under the "minivmm: " prefix.
VERBOSE_LINE='^minivmm: (image (kernel|initrd) |cmdline "|e820 )'
check_stderr_reason() {
	local n
	n=$(grep -vE "$VERBOSE_LINE" "$tmp/err" | grep -c '^minivmm: .')
	if [ "$n" != 1 ]; then
		why+="expected exactly one 'minivmm: <reason>' line on stderr, found $n; "
	fi
}

# --- helpers for the checking guest --------------------------------------

# Canonical "e820 addr=0x.. size=0x.. type=N" lines from lines in either
# hex notation (0x0 or 0).  Reads stdin; bad lines come out as "BAD: line".
canon_e820() {
	local line
	while IFS= read -r line; do
		if [[ $line =~ ^e820\ addr=(0x[0-9a-fA-F]+|[0-9]+)\ size=(0x[0-9a-fA-F]+|[0-9]+)\ type=([0-9]+)$ ]]; then
			printf 'e820 addr=0x%x size=0x%x type=%d\n' \
				"$((BASH_REMATCH[1]))" "$((BASH_REMATCH[2]))" "$((10#${BASH_REMATCH[3]}))"
		else
			printf 'BAD: %s\n' "$line"
		fi
	done
}

# value FIELD LINE: the number after "FIELD=" in LINE, as decimal ("" if none).
value() {
	local re="(^| )$1=(0x[0-9a-fA-F]+|[0-9]+)( |$)"
	if [[ $2 =~ $re ]]; then
		echo "$((BASH_REMATCH[2]))"
	fi
}

# fnv1a FILE: 32-bit FNV-1a of the file, as 0x%08x (what check.c prints).
fnv1a() {
	local h=2166136261 b
	for b in $(od -An -v -tu1 "$1"); do
		h=$(((h ^ b) * 16777619 & 0xffffffff))
	done
	printf '0x%08x\n' "$h"
}

# setup_size IMAGE: bytes in front of the protected-mode code.
setup_size() {
	local sects
	sects=$(od -An -tu1 -j 497 -N 1 "$1" | tr -d ' ')
	[ "$sects" = 0 ] && sects=4
	echo $(((sects + 1) * 512))
}

# check_guest_report IMAGE EXIT_WANTED USER_CMDLINE MEM_BYTES INITRD:
# everything the checking guest run with --verbose must agree on.  MEM_BYTES
# and INITRD may be empty.  Appends problems to $why.
check_guest_report() {
	local image=$1 user_cmdline=$3 mem=$4 initrd=$5
	local guest_cmd vm_cmd kline ksize want_ksize
	check_common "$2"
	check_stderr_reason

	grep -qx 'long mode ok' "$tmp/console" || why+="no 'long mode ok' from the guest; "
	grep -qx 'paging ok' "$tmp/console" || why+="no 'paging ok' from the guest; "
	grep -qx 'header ok' "$tmp/console" || why+="no 'header ok' from the guest; "
	grep -qx 'serial ok' "$tmp/console" || why+="no 'serial ok' on stdout; "

	# The kernel image line: 0x100000, the protected-mode size, entry +0x200.
	kline=$(grep -m1 '^minivmm: image kernel ' "$tmp/err")
	if [ -z "$kline" ]; then
		why+="no 'minivmm: image kernel' line with --verbose; "
	else
		ksize=$(value size "$kline")
		want_ksize=$(($(stat -c %s "$image") - $(setup_size "$image")))
		[ "$(value addr "$kline")" = $((0x100000)) ] || why+="kernel addr is not 0x100000 in '$kline'; "
		[ "$(value entry "$kline")" = $((0x100200)) ] || why+="kernel entry is not 0x100200 in '$kline'; "
		[ "$ksize" = "$want_ksize" ] ||
			why+="kernel size in '$kline' is not the protected-mode size $(printf '0x%x' "$want_ksize"); "
	fi

	# e820: the guest's table and minivmm's account, entry by entry.
	grep '^e820 ' "$tmp/console" | canon_e820 >"$tmp/e820.guest"
	sed -n 's/^minivmm: e820 /e820 /p' "$tmp/err" | canon_e820 >"$tmp/e820.vmm"
	if [ ! -s "$tmp/e820.guest" ]; then
		why+="the guest printed no e820 entries; "
	elif grep -q '^BAD' "$tmp/e820.guest" "$tmp/e820.vmm"; then
		why+="malformed e820 line: $(grep -h -m1 '^BAD' "$tmp/e820.guest" "$tmp/e820.vmm"); "
	elif ! cmp -s "$tmp/e820.guest" "$tmp/e820.vmm"; then
		why+="e820 seen by the guest differs from --verbose: $(diff "$tmp/e820.vmm" "$tmp/e820.guest" | grep '^[<>]' | tr '\n' ';'); "
	fi
	if [ -n "$mem" ] && [ -s "$tmp/e820.guest" ]; then
		local ram_end want_end=$mem
		# RAM past the 32-bit MMIO hole [3 GiB, 4 GiB) continues at 4 GiB.
		if [ "$mem" -gt "$HOLE_START" ]; then
			want_end=$((HOLE_END + mem - HOLE_START))
		fi
		ram_end=$(awk '$4 == "type=1" { split($2, a, "="); split($3, s, "="); print a[2] " " s[2] }' "$tmp/e820.guest" |
			while read -r a s; do echo $((a + s)); done | sort -n | tail -n 1)
		[ "$ram_end" = "$want_end" ] ||
			why+="e820 RAM ends at $(printf '0x%x' "${ram_end:-0}"), expected $(printf '0x%x' "$want_end") for --mem $(printf '0x%x' "$mem"); "
	fi

	# The command line: the same string on both sides, user part appended.
	guest_cmd=$(sed -n 's/^cmdline "\(.*\)"$/\1/p' "$tmp/console")
	vm_cmd=$(sed -n 's/^minivmm: cmdline "\(.*\)"$/\1/p' "$tmp/err")
	if [ -z "$guest_cmd" ]; then
		why+="the guest printed no command line; "
	elif [ "$guest_cmd" != "$vm_cmd" ]; then
		why+="command line seen by the guest ('$guest_cmd') differs from --verbose ('$vm_cmd'); "
	fi
	case $guest_cmd in
	"console=ttyS0"*) ;;
	*) why+="command line does not start with console=ttyS0; " ;;
	esac
	if [ -n "$user_cmdline" ]; then
		case $guest_cmd in
		"console=ttyS0 "*" $user_cmdline") ;;
		*) why+="command line does not end with ' $user_cmdline' after console=ttyS0; " ;;
		esac
	fi

	# The initrd: where, how big, and the bytes themselves.
	local gline vline gaddr gsize vaddr vsize lowend
	gline=$(grep -m1 '^initrd ' "$tmp/console")
	vline=$(grep -m1 '^minivmm: image initrd ' "$tmp/err")
	if [ -z "$initrd" ]; then
		[ "$gline" = "initrd none" ] || why+="no initrd given, but the guest saw '$gline'; "
		[ -z "$vline" ] || why+="no initrd given, but --verbose printed '$vline'; "
		return
	fi
	gaddr=$(value addr "$gline")
	gsize=$(value size "$gline")
	vaddr=$(value addr "$vline")
	vsize=$(value size "$vline")
	if [ -z "$gaddr" ] || [ -z "$gsize" ]; then
		why+="the guest printed no initrd address/size (got '$gline'); "
		return
	fi
	[ -n "$vline" ] || why+="no 'minivmm: image initrd' line with --verbose; "
	if [ "$gaddr" != "$vaddr" ] || [ "$gsize" != "$vsize" ]; then
		why+="initrd seen by the guest ('$gline') differs from --verbose ('$vline'); "
	fi
	[ "$gsize" = "$(stat -c %s "$initrd")" ] || why+="initrd size $gsize is not the file's $(stat -c %s "$initrd"); "
	[ $((gaddr % 4096)) = 0 ] || why+="initrd address $(printf '0x%x' "$gaddr") not page aligned; "
	# Low RAM's end: the e820 RAM entry that holds the initrd.  The initrd
	# must also end at or below initrd_addr_max (0x7fffffff in the guests).
	lowend=$(awk '$4 == "type=1" { split($2, a, "="); split($3, s, "="); print a[2] " " s[2] }' "$tmp/e820.guest" |
		while read -r a s; do
			if [ "$gaddr" -ge $((a)) ] && [ "$gaddr" -lt $((a + s)) ]; then echo $((a + s)); fi
		done | head -n 1)
	if [ -z "$lowend" ]; then
		why+="initrd address $(printf '0x%x' "$gaddr") is in no e820 RAM entry; "
	else
		local limit=$lowend
		[ "$limit" -le $((INITRD_ADDR_MAX + 1)) ] || limit=$((INITRD_ADDR_MAX + 1))
		if [ $((gaddr + gsize)) -gt "$limit" ]; then
			why+="initrd ends past $(printf '0x%x' "$limit") (end of its RAM entry or initrd_addr_max + 1); "
		elif [ $((gaddr + gsize)) -le $((limit - 4096)) ]; then
			why+="initrd at $(printf '0x%x' "$gaddr") is not as high as possible below $(printf '0x%x' "$limit"); "
		fi
	fi
	if [ -n "$mem" ]; then
		local top=$mem want
		[ "$top" -le "$HOLE_START" ] || top=$HOLE_START
		[ "$top" -le $((INITRD_ADDR_MAX + 1)) ] || top=$((INITRD_ADDR_MAX + 1))
		want=$(((top - gsize) / 4096 * 4096))
		[ "$gaddr" = "$want" ] ||
			why+="initrd at $(printf '0x%x' "$gaddr"), expected $(printf '0x%x' "$want") for --mem $(printf '0x%x' "$mem"); "
	fi
	local gfnv want_fnv
	gfnv=$(sed -n 's/^initrd-fnv=\(0x[0-9a-f]*\)$/\1/p' "$tmp/console")
	if [ "$gsize" -gt $((1 << 20)) ]; then
		# check.c does not hash more than 1 MiB (emulated code is slow).
		grep -qx 'initrd-fnv=skipped.*' "$tmp/console" || why+="the guest did not say it skipped the checksum; "
	elif [ -z "$gfnv" ]; then
		why+="the guest printed no initrd checksum; "
	elif want_fnv=$(fnv1a "$initrd") && [ "$((gfnv))" != "$((want_fnv))" ]; then
		why+="initrd checksum in the guest $gfnv, host $want_fnv: the bytes differ; "
	fi
}

# finish_test NAME: reports $why.
finish_test() {
	if [ -z "$why" ]; then
		ok "$1"
	else
		fail "$1" "${why%; }"
	fi
}

# --- the tests -----------------------------------------------------------

for g in check setup0 triple-fault spin reset; do
	if [ ! -f "$GUESTDIR/$g.bzimage" ]; then
		echo "$0: $GUESTDIR/$g.bzimage is missing (make guests)" >&2
		exit 2
	fi
done
if [ ! -x "$MINIVMM" ]; then
	echo "$0: $MINIVMM is not an executable" >&2
	exit 2
fi

kvm_probe

CHECK=$GUESTDIR/check.bzimage
# An initrd of pseudo-random bytes (the same every run: ZX81's LCG, exact in
# awk's doubles); an odd size, so it ends mid-page.
INITRD=$tmp/initrd.bin
LC_ALL=C awk 'BEGIN { x = 1; for (i = 0; i < 5003; i++) { x = (x * 75 + 74) % 65537; printf "%c", x % 256 } }' >"$INITRD"
if [ "$(stat -c %s "$INITRD")" != 5003 ]; then
	echo "$0: awk did not write the 5003-byte test initrd" >&2
	exit 2
fi

# check guest, default RAM: the full report.
name="check-initrd"
if kvm_ok $name; then
	why=""
	run --kernel "$CHECK" --initrd "$INITRD" --cmdline "exit=21 foo=bar" --verbose </dev/null
	check_guest_report "$CHECK" 43 "exit=21 foo=bar" "" "$INITRD"
	finish_test $name
fi

for mem in 64M 1G 4G; do
	name=check-mem-$mem
	if kvm_ok "$name"; then
		why=""
		case $mem in
		*M) bytes=$((${mem%M} << 20)) ;;
		*G) bytes=$((${mem%G} << 30)) ;;
		esac
		run --kernel "$CHECK" --initrd "$INITRD" --mem "$mem" --cmdline "exit=21 foo=bar" --verbose </dev/null
		check_guest_report "$CHECK" 43 "exit=21 foo=bar" "$bytes" "$INITRD"
		finish_test "$name"
	fi
done

# The command line at exactly cmdline_size bytes boots and arrives whole;
# one byte more is a setup error.  The default part comes from a --verbose
# run with a one-word user part.
name="cmdline-max"
if kvm_ok $name; then
	why=""
	run --kernel "$CHECK" --cmdline "exit=0" --verbose </dev/null
	default=$(sed -n 's/^minivmm: cmdline "\(.*\) exit=0"$/\1/p' "$tmp/err")
	if [ -z "$default" ]; then
		why+="no 'minivmm: cmdline \"... exit=0\"' line from --verbose; "
	else
		pad=$((CMDLINE_SIZE - ${#default} - 1 - ${#CMDLINE_EXIT}))
		user="$CMDLINE_EXIT$(printf 'y%.0s' $(seq 1 "$pad"))"
		run --kernel "$CHECK" --cmdline "$user" </dev/null
		check_common 17
		check_stderr_reason
		guest_cmd=$(sed -n 's/^cmdline "\(.*\)"$/\1/p' "$tmp/console")
		[ "$guest_cmd" = "$default $user" ] ||
			why+="the guest saw a ${#guest_cmd}-byte command line, not the $CMDLINE_SIZE bytes given; "
		if [ -z "$why" ]; then
			run --kernel "$CHECK" --cmdline "${user}y" </dev/null
			[ "$status" = 2 ] || why+="a command line of $((CMDLINE_SIZE + 1)) bytes: exit status $status, expected 2; "
			[ "$(wc -l <"$tmp/err")" = 1 ] || why+="a command line of $((CMDLINE_SIZE + 1)) bytes: expected one line on stderr; "
			grep -qiE '^minivmm: .*(command line|cmdline)' "$tmp/err" ||
				why+="a command line of $((CMDLINE_SIZE + 1)) bytes: the message does not mention the command line; "
		fi
	fi
	finish_test $name
fi

# The largest initrd that fits between the kernel's init_size region
# [0x100000, 0x300000) and the end of 16 MiB of RAM: it must go right at
# 0x300000 (check.c fails if it overlaps the kernel's region).  One byte more
# is tests/cli's initrd-overlaps-kernel.
name="initrd-above-kernel"
if kvm_ok $name; then
	why=""
	truncate -s 13M "$tmp/initrd13M.bin"
	run --kernel "$CHECK" --initrd "$tmp/initrd13M.bin" --mem 16M --cmdline "exit=9" --verbose </dev/null
	check_guest_report "$CHECK" 19 "exit=9" $((16 << 20)) "$tmp/initrd13M.bin"
	finish_test $name
fi

name="check-no-initrd"
if kvm_ok $name; then
	why=""
	run --kernel "$CHECK" --cmdline "exit=2" --verbose </dev/null
	check_guest_report "$CHECK" 5 "exit=2" "" ""
	finish_test $name
fi

# setup_sects = 0 means 4: the protected-mode code is at file offset 5*512.
name="setup0"
if kvm_ok $name; then
	why=""
	run --kernel "$GUESTDIR/setup0.bzimage" --cmdline "exit=7" --verbose </dev/null
	check_guest_report "$GUESTDIR/setup0.bzimage" 15 "exit=7" "" ""
	finish_test $name
fi

# debug-exit written as a 16-bit and a 32-bit value.
for w in 2 4; do
	name=debug-exit-width$w
	if kvm_ok $name; then
		why=""
		run --kernel "$CHECK" --cmdline "exit=0x33 exitw=$w" </dev/null
		check_common $((0x33 * 2 + 1))
		check_stderr_reason
		finish_test $name
	fi
done

# No exit= on the command line: the guest writes 0, status 1.
name="console-file"
if kvm_ok $name; then
	why=""
	run --kernel "$CHECK" --console "file:$tmp/console-file.txt" </dev/null
	check_common 1
	check_stderr_reason
	[ ! -s "$tmp/out" ] || why+="stdout is not empty with --console file: ($(head -c 200 "$tmp/out" | tr '\n' '|')); "
	if [ ! -f "$tmp/console-file.txt" ]; then
		why+="$tmp/console-file.txt was not created; "
	else
		grep -q '^serial ok' "$tmp/console-file.txt" || why+="no 'serial ok' in the console file; "
		grep -q '^FAIL' "$tmp/console-file.txt" && why+="the guest reported: $(grep -m1 '^FAIL' "$tmp/console-file.txt"); "
	fi
	finish_test $name
fi

name="console-none"
if kvm_ok $name; then
	why=""
	run --kernel "$CHECK" --console none --cmdline "exit=4" </dev/null
	check_common 9
	check_stderr_reason
	[ ! -s "$tmp/out" ] || why+="stdout is not empty with --console none; "
	finish_test $name
fi

name="triple-fault"
if kvm_ok $name; then
	why=""
	run --kernel "$GUESTDIR/triple-fault.bzimage" </dev/null
	check_common 4
	check_stderr_reason
	grep -q '^triple-fault: ' "$tmp/console" || why+="the guest's line before the fault is missing from stdout; "
	finish_test $name
fi

name="timeout"
if kvm_ok $name; then
	why=""
	run --kernel "$GUESTDIR/spin.bzimage" --timeout 2 </dev/null
	check_common 124
	check_stderr_reason
	grep -q '^spin: ' "$tmp/console" || why+="the guest's line before spinning is missing from stdout; "
	finish_test $name
fi

name="reset"
if kvm_ok $name; then
	why=""
	run --kernel "$GUESTDIR/reset.bzimage" </dev/null
	check_common 0
	grep -q '^reset: ' "$tmp/console" || why+="the guest's line before the reset is missing from stdout; "
	finish_test $name
fi

name="stdin-closed"
if kvm_ok $name; then
	why=""
	run --kernel "$CHECK" --cmdline "exit=5" <&-
	check_common 11
	check_stderr_reason
	grep -qx 'serial ok' "$tmp/console" || why+="no 'serial ok' on stdout; "
	finish_test $name
fi

name="stdin-devnull"
if kvm_ok $name; then
	why=""
	run --kernel "$CHECK" --cmdline "exit=6" </dev/null
	check_common 13
	check_stderr_reason
	grep -qx 'serial ok' "$tmp/console" || why+="no 'serial ok' on stdout; "
	finish_test $name
fi

# On a terminal minivmm puts stdin in raw mode; every way out must put it
# back.  script(1) gives minivmm a pseudo-terminal; stty reads it afterwards.
name="terminal-restored"
if kvm_ok $name; then
	why=""
	for how in "check.bzimage --cmdline exit=1" "spin.bzimage --timeout 1" \
		   "triple-fault.bzimage" "reset.bzimage"; do
		# shellcheck disable=SC2086 # $how is a guest and its options
		modes=$(script -qec "stty sane; $MINIVMM --kernel $GUESTDIR/$how >/dev/null 2>&1; stty -a" /dev/null)
		for mode in icanon echo isig icrnl; do
			grep -qw -- "-$mode" <<<"$modes" && why+="'$how' left -$mode; "
			grep -qw -- "$mode" <<<"$modes" || why+="'$how': no stty output; "
		done
	done
	finish_test $name
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
