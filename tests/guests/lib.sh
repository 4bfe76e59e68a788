# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh: the machinery its test cases
# (cases-*.sh) share.  It defines functions and constants and runs nothing.
#
#   reporting    begin_test NAME / finish_test, ok, fail, skip; the counters
#                $passed, $failed, $skipped; $why collects a test's problems
#   /dev/kvm     kvm_probe (sets $kvm_reason), kvm_ok NAME
#   running      run ARGS... (sets $status, $hung; $tmp/out, $tmp/err,
#                $tmp/console), check_common, check_exit, check_stderr_reason,
#                check_setup_error, describe_status
#   parsing      value, word, hex, canon_e820, e820_ram, differences,
#                vmm_images
#   images       fnv1a, setup_size, bzimage_kernel_size, guest_name
#   guest report check_report (any checking guest), check_guest_report
#                (bzImage), check_elf_report, check_pvh_report, and their
#                parts check_report_{base,kernel,e820,cmdline,initrd,raw}
#
# The caller sets MINIVMM, GUESTDIR and tmp (a scratch folder) first.

# Outer limit per minivmm run: a hang fails the test instead of blocking CI.
OUTER_TIMEOUT=60
# The guest-physical layout the checks rely on (boot/layout.h, contract).
HOLE_START=$((0xc0000000))      # RAM stops at 3 GiB ...
HOLE_END=$((0x100000000))       # ... and resumes at 4 GiB
INITRD_ADDR_MAX=$((0x7fffffff)) # what tests/guests/header.S declares (and
                                # minivmm's header for an ELF kernel)
# Where the guests' code is linked (header.S, guests.mk's GUEST_*_LINK_ADDR).
BZIMAGE_LOAD_ADDR=$((0x100000))
ELF_LINK_ADDR=$((0x200000))
PVH_LINK_ADDR=$((0x100000))

# --- reporting ---------------------------------------------------------

passed=0
failed=0
skipped=0

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

# begin_test NAME: starts test NAME with no problems noted yet ($why
# empty).  True when it may run; otherwise kvm_ok has reported it.
begin_test() {
	test_name=$1
	why=""
	kvm_ok "$1"
}

# finish_test: reports the test begin_test started: ok, or FAIL with $why.
finish_test() {
	if [ -z "$why" ]; then
		ok "$test_name"
	else
		fail "$test_name" "${why%; }"
	fi
}

# --- /dev/kvm ----------------------------------------------------------

# shellcheck source=tests/kvm-device.sh
. "$(dirname "${BASH_SOURCE[0]}")/../kvm-device.sh"

# kvm_probe: sets $kvm_reason, why the tests cannot use KVM ("" when they
# can).  Besides /dev/kvm itself: /dev/kvm opens but KVM still does not work
# (no VM can be created, old API...): minivmm says so with status 2 on a
# boot that needs nothing else.
kvm_probe() {
	kvm_reason=$(kvm_device_problem)
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
	249) echo " (PVH guest entered at e_entry in 64-bit mode, not at its PVH entry)" ;;
	247) echo " (a payload bzImage's own entry ran: minivmm booted it as it is)" ;;
	4) echo " (guest crashed)" ;;
	2) echo " (usage or setup error)" ;;
	124) echo " (minivmm --timeout expired)" ;;
	*) echo "" ;;
	esac
}

# check_stderr_reason: a non-zero exit prints exactly one "minivmm: <reason>"
# line besides the --verbose lines.  Other diagnostics (a register dump after
# a crash, the --print-images table) may come with it, but not under the
# "minivmm: " prefix.
VERBOSE_LINE='^minivmm: (image (kernel|initrd|raw) |cmdline "|e820 )'
check_stderr_reason() {
	local n
	n=$(grep -vE "$VERBOSE_LINE" "$tmp/err" | grep -c '^minivmm: .')
	if [ "$n" != 1 ]; then
		why+="expected exactly one 'minivmm: <reason>' line on stderr, found $n; "
	fi
}

# check_exit EXPECTED_STATUS: check_common, and the one reason on stderr.
check_exit() {
	check_common "$1"
	check_stderr_reason
}

# check_setup_error FILE: exit status 2, nothing on stderr but one
# "minivmm: " line that names FILE, and the guest never ran.
check_setup_error() {
	[ "$hung" = 0 ] || why+="minivmm still running after ${OUTER_TIMEOUT}s; "
	[ "$status" = 2 ] || why+="exit status $status, expected 2$(describe_status "$status"); "
	[ "$(wc -l <"$tmp/err")" = 1 ] || why+="expected one line on stderr, found $(wc -l <"$tmp/err"); "
	grep -q '^minivmm: ' "$tmp/err" || why+="stderr does not start with 'minivmm: '; "
	grep -qF "$1" "$tmp/err" || why+="the message does not name $1; "
	[ ! -s "$tmp/console" ] || why+="the guest ran; "
}

# --- parsing what the guests and minivmm print ---------------------------

# value FIELD LINE: the number after "FIELD=" in LINE, as decimal ("" if none).
value() {
	local re="(^| )$1=(0x[0-9a-fA-F]+|[0-9]+)( |$)"
	if [[ $2 =~ $re ]]; then
		echo "$((BASH_REMATCH[2]))"
	fi
}

# word FIELD LINE: the word after "FIELD=" in LINE ("" if none).
word() {
	local re="(^| )$1=([^ ]+)( |$)"
	if [[ $2 =~ $re ]]; then
		echo "${BASH_REMATCH[2]}"
	fi
}

hex() {
	printf '0x%x' "$1"
}

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

# e820_ram: "ADDR SIZE" (hex) of each RAM entry in the guest's memory map
# ($tmp/e820.guest, written by check_report_e820).
e820_ram() {
	awk '$4 == "type=1" { split($2, a, "="); split($3, s, "="); print a[2] " " s[2] }' "$tmp/e820.guest"
}

# differences FILE1 FILE2: the lines that differ ("< " FILE1's, "> "
# FILE2's) on one line, each followed by ';'.
differences() {
	diff "$1" "$2" | grep '^[<>]' | tr '\n' ';'
}

# vmm_images: "KIND ADDR SIZE" (decimal) for each --verbose image line.
vmm_images() {
	local line
	grep '^minivmm: image ' "$tmp/err" | while IFS= read -r line; do
		[[ $line =~ ^minivmm:\ image\ ([a-z-]+)\  ]] &&
			echo "${BASH_REMATCH[1]} $(value addr "$line") $(value size "$line")"
	done | sort
}

# --- images and checksums ------------------------------------------------

# fnv1a FILE: 32-bit FNV-1a of the file, as 0x%08x (what the guests print).
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

# bzimage_kernel_size IMAGE: the protected-mode code's bytes, what minivmm
# loads and reports as the kernel.
bzimage_kernel_size() {
	echo $(($(stat -c %s "$1") - $(setup_size "$1")))
}

# guest_name IMAGE: the test name part for a guest image.
guest_name() {
	local n=${1##*/}
	echo "${n%.*}"
}

# --- the checking guests' reports ------------------------------------------

# check_report_base EXIT_WANTED LINE...: the status, the stderr rule, and
# the guest's own "... ok" lines.
check_report_base() {
	local line
	check_exit "$1"
	shift
	for line in "$@" "serial ok"; do
		grep -qx "$line" "$tmp/console" || why+="no '$line' from the guest; "
	done
}

# check_report_kernel ADDR ENTRY SIZE PROTOCOL: minivmm's --verbose kernel
# line, and the guest's own "load addr=.. entry=.. end=.." line (where its
# code really runs) against it.  SIZE "span" means the guest's end - addr.
# Sets $guest_load_end.
check_report_kernel() {
	local kline gline want_size=$3
	gline=$(grep -m1 '^load addr=' "$tmp/console")
	guest_load_end=$(value end "$gline")
	if [ -z "$gline" ] || [ -z "$guest_load_end" ]; then
		why+="the guest printed no 'load addr=.. entry=.. end=..' line; "
		return
	fi
	[ "$(value addr "$gline")" = $(($1)) ] || why+="the guest's code runs at $(word addr "$gline"), not $(hex "$1"); "
	[ "$(value entry "$gline")" = $(($2)) ] || why+="the guest's entry is $(word entry "$gline"), not $(hex "$2"); "
	[ "$want_size" != span ] || want_size=$((guest_load_end - $1))
	kline=$(grep -m1 '^minivmm: image kernel ' "$tmp/err")
	if [ -z "$kline" ]; then
		why+="no 'minivmm: image kernel' line with --verbose; "
		return
	fi
	[ "$(value addr "$kline")" = $(($1)) ] || why+="kernel addr is not $(hex "$1") in '$kline'; "
	[ "$(value entry "$kline")" = $(($2)) ] || why+="kernel entry is not $(hex "$2") in '$kline'; "
	[ "$(value size "$kline")" = $((want_size)) ] || why+="kernel size is not $(hex "$want_size") in '$kline'; "
	[ "$(word protocol "$kline")" = "$4" ] || why+="kernel protocol is not $4 in '$kline'; "
}

# check_report_e820 MEM_BYTES: the guest's memory map and minivmm's account,
# entry by entry; with MEM_BYTES, where RAM ends.
check_report_e820() {
	local mem=$1
	grep '^e820 ' "$tmp/console" | canon_e820 >"$tmp/e820.guest"
	sed -n 's/^minivmm: e820 /e820 /p' "$tmp/err" | canon_e820 >"$tmp/e820.vmm"
	if [ ! -s "$tmp/e820.guest" ]; then
		why+="the guest printed no e820 entries; "
	elif grep -q '^BAD' "$tmp/e820.guest" "$tmp/e820.vmm"; then
		why+="malformed e820 line: $(grep -h -m1 '^BAD' "$tmp/e820.guest" "$tmp/e820.vmm"); "
	elif ! cmp -s "$tmp/e820.guest" "$tmp/e820.vmm"; then
		why+="e820 seen by the guest differs from --verbose: $(differences "$tmp/e820.vmm" "$tmp/e820.guest"); "
	fi
	if [ -n "$mem" ] && [ -s "$tmp/e820.guest" ]; then
		local ram_end want_end=$mem
		# RAM past the 32-bit MMIO hole [3 GiB, 4 GiB) continues at 4 GiB.
		if [ "$mem" -gt "$HOLE_START" ]; then
			want_end=$((HOLE_END + mem - HOLE_START))
		fi
		ram_end=$(e820_ram | while read -r a s; do echo $((a + s)); done | sort -n | tail -n 1)
		[ "$ram_end" = "$want_end" ] ||
			why+="e820 RAM ends at $(hex "${ram_end:-0}"), expected $(hex "$want_end") for --mem $(hex "$mem"); "
	fi
}

# check_report_cmdline USER_CMDLINE: the same string on both sides, the
# user part appended to the default.
check_report_cmdline() {
	local user_cmdline=$1 guest_cmd vm_cmd
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
}

# check_report_initrd INITRD MEM_BYTES [ADDR]: where the initrd is, how big,
# and its bytes.  Without ADDR it must be as high as RAM and
# initrd_addr_max allow (MEM_BYTES, if given, says exactly where); with ADDR
# (--initrd-addr) it must be right there.  INITRD may be empty: no initrd.
check_report_initrd() {
	local initrd=$1 mem=$2 want_addr=${3:-}
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
	[ $((gaddr % 4096)) = 0 ] || why+="initrd address $(hex "$gaddr") not page aligned; "
	if [ -n "$want_addr" ]; then
		[ "$gaddr" = $((want_addr)) ] || why+="initrd at $(hex "$gaddr"), not at $(hex "$want_addr"); "
	else
		# Low RAM's end: the e820 RAM entry that holds the initrd.  The
		# initrd must also end at or below initrd_addr_max (0x7fffffff in
		# the guests).
		lowend=$(e820_ram | while read -r a s; do
				if [ "$gaddr" -ge $((a)) ] && [ "$gaddr" -lt $((a + s)) ]; then echo $((a + s)); fi
			done | head -n 1)
		if [ -z "$lowend" ]; then
			why+="initrd address $(hex "$gaddr") is in no e820 RAM entry; "
		else
			local limit=$lowend
			[ "$limit" -le $((INITRD_ADDR_MAX + 1)) ] || limit=$((INITRD_ADDR_MAX + 1))
			if [ $((gaddr + gsize)) -gt "$limit" ]; then
				why+="initrd ends past $(hex "$limit") (end of its RAM entry or initrd_addr_max + 1); "
			elif [ $((gaddr + gsize)) -le $((limit - 4096)) ]; then
				why+="initrd at $(hex "$gaddr") is not as high as possible below $(hex "$limit"); "
			fi
		fi
		if [ -n "$mem" ]; then
			local top=$mem want
			[ "$top" -le "$HOLE_START" ] || top=$HOLE_START
			[ "$top" -le $((INITRD_ADDR_MAX + 1)) ] || top=$((INITRD_ADDR_MAX + 1))
			want=$(((top - gsize) / 4096 * 4096))
			[ "$gaddr" = "$want" ] ||
				why+="initrd at $(hex "$gaddr"), expected $(hex "$want") for --mem $(hex "$mem"); "
		fi
	fi
	local gfnv want_fnv
	gfnv=$(sed -n 's/^initrd-fnv=\(0x[0-9a-f]*\)$/\1/p' "$tmp/console")
	if [ "$gsize" -gt $((1 << 20)) ]; then
		# The guests do not hash more than 1 MiB (emulated code is slow).
		grep -qx 'initrd-fnv=skipped.*' "$tmp/console" || why+="the guest did not say it skipped the checksum; "
	elif [ -z "$gfnv" ]; then
		why+="the guest printed no initrd checksum; "
	elif want_fnv=$(fnv1a "$initrd") && [ "$((gfnv))" != "$((want_fnv))" ]; then
		why+="initrd checksum in the guest $gfnv, host $want_fnv: the bytes differ; "
	fi
}

# check_report_raw FILE ADDR: the guest's "raw ..." line (cmdline raw=ADDR,
# SIZE) and minivmm's --verbose raw line against the file.
check_report_raw() {
	local file=$1 addr=$(($2)) size gline vline want_fnv
	size=$(stat -c %s "$file")
	gline=$(grep -m1 '^raw ' "$tmp/console")
	vline=$(grep -m1 '^minivmm: image raw ' "$tmp/err")
	if [ -z "$vline" ]; then
		why+="no 'minivmm: image raw' line with --verbose; "
	elif [ "$(value addr "$vline")" != "$addr" ] || [ "$(value size "$vline")" != "$size" ]; then
		why+="'$vline' is not addr=$(hex "$addr") size=$(hex "$size"); "
	fi
	want_fnv=$(fnv1a "$file")
	if [ -z "$gline" ]; then
		why+="the guest printed no 'raw ...' line; "
	elif [ "$(value fnv "$gline")" != "$((want_fnv))" ]; then
		why+="the guest's '$gline': the bytes at $(hex "$addr") differ from the file's (fnv $want_fnv); "
	fi
}

# check_guest_report IMAGE EXIT_WANTED USER_CMDLINE MEM_BYTES INITRD [LOAD
# [INITRD_ADDR]]: everything check.bzimage (or setup0.bzimage) run with
# --verbose must agree on.  MEM_BYTES and INITRD may be empty.  LOAD (default
# 0x100000) is where the protected-mode code must run.  Appends to $why.
check_guest_report() {
	local image=$1 load=${6:-$BZIMAGE_LOAD_ADDR}
	check_report_base "$2" "long mode ok" "paging ok" "header ok"
	check_report_kernel "$load" $((load + 0x200)) "$(bzimage_kernel_size "$image")" linux64
	check_report_e820 "$4"
	check_report_cmdline "$3"
	check_report_initrd "$5" "$4" "${7:-}"
}

# check_elf_report EXIT_WANTED USER_CMDLINE INITRD [LOAD [INITRD_ADDR]]: the
# same for check-elf.elf, entered through the 64-bit protocol at e_entry
# (load + 0x200); its size is its span, .bss included.
check_elf_report() {
	local load=${4:-$ELF_LINK_ADDR}
	check_report_base "$1" "long mode ok" "paging ok" "header ok"
	check_report_kernel "$load" $((load + 0x200)) span linux64
	check_report_e820 ""
	check_report_cmdline "$2"
	check_report_initrd "$3" "" "${5:-}"
}

# check_pvh_report EXIT_WANTED USER_CMDLINE INITRD [INITRD_ADDR]: the same
# for check-pvh.elf, entered through its PVH note at its link address, in
# the state minivmm promises (CS 0x30, DS/ES/SS 0x18).
check_pvh_report() {
	local eline sel
	check_report_base "$1" "pvh entry ok" "start_info ok"
	eline=$(grep -m1 '^entry ebx=' "$tmp/console")
	for sel in cs=0x30 ds=0x18 es=0x18 ss=0x18; do
		[[ " $eline " == *" $sel "* ]] || why+="not $sel at the PVH entry: '$eline'; "
	done
	check_report_kernel "$PVH_LINK_ADDR" "$PVH_LINK_ADDR" span pvh
	check_report_e820 ""
	check_report_cmdline "$2"
	check_report_initrd "$3" "" "${4:-}"
	local nline want=1
	[ -n "$3" ] || want=0
	nline=$(grep -m1 '^start_info ' "$tmp/console")
	[ "$(value nr_modules "$nline")" = "$want" ] || why+="nr_modules is not $want in '$nline'; "
}

# check_report IMAGE EXIT_WANTED USER_CMDLINE INITRD [INITRD_ADDR]: the full
# report of whichever checking guest IMAGE is, at its default placement.
check_report() {
	case ${1##*/} in
	check-elf.elf) check_elf_report "$2" "$3" "$4" "" "${5:-}" ;;
	check-pvh.elf) check_pvh_report "$2" "$3" "$4" "${5:-}" ;;
	*) check_guest_report "$1" "$2" "$3" "" "$4" "" "${5:-}" ;;
	esac
}
