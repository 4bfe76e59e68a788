#!/usr/bin/env bash
# Hands minivmm bad input (everything the user hands in is hostile) and
# checks that each case is a usage/setup error: exit status 2, exactly one
# "minivmm: ..." line on stderr naming the problem, no crash and no
# sanitizer report.  Also a host failure (8), signals during
# setup (130), --help and --version.
#
#   tests/cli/run-tests.sh MINIVMM [GUESTDIR]
#
# GUESTDIR (default: DIR/guests beside MINIVMM) holds check.bzimage from
# tests/guests/guests.mk, the base of the corrupted-image cases.  Prints
# "ok NAME" / "FAIL NAME: why" / "skip NAME: why" per test, then "N passed,
# N failed[, N skipped]"; exits 0 only when nothing failed.
#
# None of these cases needs /dev/kvm: minivmm checks all the user's input,
# images placed in guest RAM included, before it opens /dev/kvm, so each
# case reads the same on every machine, with KVM or without.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 MINIVMM [GUESTDIR]" >&2
	exit 2
fi
MINIVMM=$1
GUESTDIR=${2:-$(dirname "$MINIVMM")/guests}
if [ ! -x "$MINIVMM" ]; then
	echo "$0: $MINIVMM is not an executable" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-cli-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0
OUTER_TIMEOUT=20


report_output() {
	if [ -s "$tmp/err" ]; then
		echo "  --- minivmm stderr:"
		head -n 20 "$tmp/err" | cut -c 1-300 | sed 's/^/  | /'
	fi
	if [ -s "$tmp/out" ]; then
		echo "  --- minivmm stdout:"
		head -n 10 "$tmp/out" | cut -c 1-300 | sed 's/^/  | /'
	fi
}

ok() {
	echo "ok $1"
	passed=$((passed + 1))
}

# skip NAME WHY: a case that cannot run on this build; counted apart.
skip() {
	echo "skip $1: $2"
	skipped=$((skipped + 1))
}

fail() {
	echo "FAIL $1: $2"
	report_output
	failed=$((failed + 1))
}

# run ARGS...: minivmm with stdin from /dev/null; sets $status, fills
# $tmp/out and $tmp/err.  run_under, when set, is a command minivmm runs
# under (for instance one that sets a ulimit first).
run_under=()
run() {
	timeout -k 5 "$OUTER_TIMEOUT" "${run_under[@]}" "$MINIVMM" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# crash_check: appends to $why when minivmm crashed or a sanitizer spoke.
crash_check() {
	if [ "$status" -ge 128 ]; then
		why+="exit status $status: killed by signal $((status - 128)); "
	elif [ "$status" = 124 ] && [ ! -s "$tmp/err" ]; then
		why+="still running after ${OUTER_TIMEOUT}s; "
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/err" "$tmp/out"; then
		why+="sanitizer report; "
	fi
}

# keep_file FILE: the next expect_error also fails when FILE's bytes change
# (no input file is ever damaged).
keep_file() {
	kept_file=$1
	cp "$1" "$tmp/kept-copy"
}
kept_file=""

# expect_error NAME -F|-E PATTERN ARGS...: minivmm ARGS must exit 2 with
# exactly one stderr line "minivmm: ..." that contains PATTERN, a fixed
# string (-F) or an extended regex (-E), case-insensitively.
expect_error() {
	expect_failure 2 "$@"
}

# expect_failure STATUS NAME -F|-E PATTERN ARGS...: the same with another
# exit status.
expect_failure() {
	local want=$1 name=$2 kind=$3 pattern=$4 lines line
	shift 4
	why=""
	run "$@"
	crash_check
	lines=$(wc -l <"$tmp/err")
	line=$(head -n 1 "$tmp/err")
	[ "$status" = "$want" ] || why+="exit status $status, expected $want; "
	if [ "$lines" != 1 ] || [ -n "$(tail -c 1 "$tmp/err")" ]; then
		why+="expected exactly one line on stderr, got $lines newline(s); "
	fi
	case $line in
	"minivmm: "?*) ;;
	*) why+="stderr does not start with 'minivmm: <reason>'; " ;;
	esac
	if ! grep -qi "$kind" -- "$pattern" "$tmp/err"; then
		why+="the message does not name the problem ('$pattern'); "
	fi
	if [ -n "$kept_file" ] && ! cmp -s "$tmp/kept-copy" "$kept_file"; then
		why+="$kept_file was changed; "
	fi
	kept_file=""
	if [ -z "$why" ]; then
		ok "$name"
	else
		fail "$name" "${why%; }"
	fi
}

# patch FILE OFFSET BYTES...: overwrites bytes (given as 0xNN) in place.
patch() {
	local file=$1 off=$2 esc="" b
	shift 2
	for b in "$@"; do
		esc+=$(printf '\\%03o' "$((b))")
	done
	# shellcheck disable=SC2059  # the format is the escaped bytes
	printf "$esc" | dd of="$file" bs=1 seek="$((off))" conv=notrunc status=none
}

CHECK=$GUESTDIR/check.bzimage
have_check=1
[ -f "$CHECK" ] || have_check=0

# needs_check NAME: false (and a failure) when check.bzimage is missing.
needs_check() {
	[ "$have_check" = 1 ] && return 0
	: >"$tmp/err"
	: >"$tmp/out"
	fail "$1" "$CHECK is missing (make guests)"
	return 1
}

# --- kernel images -------------------------------------------------------

missing=$tmp/missing.bzimage
expect_error missing-kernel -F "$missing" --kernel "$missing"

: >"$tmp/empty.bzimage"
expect_error empty-kernel -F "$tmp/empty.bzimage" --kernel "$tmp/empty.bzimage"

# Text long enough to hold a setup header, so the format checks must catch it.
for i in $(seq 1 100); do
	echo "line $i: this is a text file, not a kernel"
done >"$tmp/text.bzimage"
expect_error text-kernel -F "$tmp/text.bzimage" --kernel "$tmp/text.bzimage"

expect_error directory-kernel -F "$tmp" --kernel "$tmp"

if needs_check truncated-kernel; then
	head -c 1000 "$CHECK" >"$tmp/truncated.bzimage"
	expect_error truncated-kernel -F "$tmp/truncated.bzimage" --kernel "$tmp/truncated.bzimage"
fi

# One field of a good image spoiled at a time (boot.rst setup_header offsets).
# name  offset  bytes
corruptions=(
	"bad-magic 0x202 0x48 0x64 0x72 0x58"    # "HdrX" instead of "HdrS"
	"old-protocol 0x206 0xff 0x01"           # version 1.255, before bzImage
	"not-loaded-high 0x211 0x00"             # a zImage (loadflags bit 0 clear)
	"no-64bit-entry 0x236 0x00 0x00"         # xloadflags without XLF_KERNEL_64
	"setup-past-end 0x1f1 0xff"              # setup_sects 255: 128 KiB of setup
)
for c in "${corruptions[@]}"; do
	read -r cname coff cbytes <<<"$c"
	if needs_check "$cname"; then
		cp "$CHECK" "$tmp/$cname.bzimage"
		# shellcheck disable=SC2086  # cbytes is a list of bytes
		patch "$tmp/$cname.bzimage" "$coff" $cbytes
		expect_error "$cname" -F "$tmp/$cname.bzimage" --kernel "$tmp/$cname.bzimage"
	fi
done

# ELF headers spoiled one way at a time (gABI "ELF Header": e_ident[4] is
# the class, e_machine is at 18).  elf_header CLASS MACHINE (hex): a 64-byte
# header with no program headers behind it.
elf_header() {
	local class=$1 machine=$2
	# shellcheck disable=SC2059  # the format is the escaped bytes
	printf "\x7fELF\\x$class\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\\x$machine\x00\x01\x00\x00\x00"
	# e_entry 0, e_phoff 64, e_shoff 0, e_flags 0, e_ehsize 64,
	# e_phentsize 56, e_phnum 0, no sections
	head -c 8 /dev/zero
	printf '\x40\x00\x00\x00\x00\x00\x00\x00'
	head -c 12 /dev/zero
	printf '\x40\x00\x38\x00\x00\x00\x00\x00\x00\x00\x00\x00'
}
elf_header 01 3e >"$tmp/elf32.vmlinux"
expect_error elf-wrong-class -E 'ELF32|class' --kernel "$tmp/elf32.vmlinux"
elf_header 02 03 >"$tmp/i386.vmlinux"
expect_error elf-wrong-machine -E 'machine' --kernel "$tmp/i386.vmlinux"
elf_header 02 3e | head -c 30 >"$tmp/short.vmlinux"
expect_error elf-truncated -E 'truncated|too short' --kernel "$tmp/short.vmlinux"
elf_header 02 3e >"$tmp/nophdr.vmlinux"
expect_error elf-no-program-headers -E 'program header' --kernel "$tmp/nophdr.vmlinux"

if needs_check boot-pvh-bzimage; then
	expect_error boot-pvh-bzimage -F 'PVH' --kernel "$CHECK" --boot pvh
fi
if needs_check boot-unknown; then
	expect_error boot-unknown -F "--boot 'efi'" --kernel "$CHECK" --boot efi
fi
if needs_check stdin-twice; then
	expect_error stdin-twice -F "stdin" --kernel - --initrd -
fi

# --- placement -------------------------------------------------------------

if needs_check kernel-addr-not-a-number; then
	expect_error kernel-addr-not-a-number -F "--kernel-addr 'high'" --kernel "$CHECK" --kernel-addr high
fi
if needs_check kernel-align-not-power-of-two; then
	expect_error kernel-align-not-power-of-two -F 'power of two' \
		--kernel "$CHECK" --kernel-addr 0x2000000 --kernel-align 0x3000
fi
if needs_check kernel-addr-not-relocatable; then
	cp "$CHECK" "$tmp/fixed.bzimage"
	patch "$tmp/fixed.bzimage" 0x234 0x00   # relocatable_kernel = 0
	expect_error kernel-addr-not-relocatable -F 'not relocatable' \
		--kernel "$tmp/fixed.bzimage" --kernel-addr 0x2000000
fi
if needs_check kernel-addr-past-ram; then
	expect_error kernel-addr-past-ram -F 'does not fit' --kernel "$CHECK" --mem 64M --kernel-addr 0x8000000
fi
head -c 8192 /dev/urandom >"$tmp/blob.bin"
if needs_check load-bad-syntax; then
	expect_error load-bad-syntax -F 'FILE@ADDR' --kernel "$CHECK" --load "$tmp/blob.bin"
fi
if needs_check load-missing-file; then
	expect_error load-missing-file -F "$tmp/missing.bin" --kernel "$CHECK" --load "$tmp/missing.bin@0x3000000"
fi
if needs_check load-outside-ram; then
	expect_error load-outside-ram -F 'not all guest RAM' --kernel "$CHECK" --mem 64M \
		--load "$tmp/blob.bin@0x3fff000"
fi
if needs_check load-overlaps-kernel; then
	expect_error load-overlaps-kernel -E 'overlaps kernel' --kernel "$CHECK" \
		--load "$tmp/blob.bin@0x101000"
fi
if needs_check load-overlaps-boot-data; then
	expect_error load-overlaps-boot-data -E 'overlaps boot-data zero-page' --kernel "$CHECK" \
		--load "$tmp/blob.bin@0x6800"
fi
if needs_check load-overlaps-load; then
	expect_error load-overlaps-load -E 'overlaps raw' --kernel "$CHECK" \
		--load "$tmp/blob.bin@0x3000000" --load "$tmp/blob.bin@0x3001000"
fi
if needs_check initrd-addr-overlaps-kernel; then
	expect_error initrd-addr-overlaps-kernel -E 'overlaps kernel' --kernel "$CHECK" \
		--initrd "$tmp/blob.bin" --initrd-addr 0x180000
fi

# --fw-cfg: QEMU's -fw_cfg rules (opt/ names of at most 55 characters, a
# non-empty file= or string=); a file that cannot be read is a setup error
# naming it, found before the guest runs.
if needs_check fw-cfg-no-value; then
	expect_error fw-cfg-no-value -F 'opt/NAME,file=PATH' --kernel "$CHECK" --fw-cfg opt/x
fi
if needs_check fw-cfg-not-opt; then
	expect_error fw-cfg-not-opt -F 'must start with opt/' --kernel "$CHECK" --fw-cfg etc/vmcoreinfo,string=x
fi
if needs_check fw-cfg-name-too-long; then
	expect_error fw-cfg-name-too-long -F 'at most 55 fit' --kernel "$CHECK" \
		--fw-cfg "opt/$(printf 'n%.0s' $(seq 1 52)),string=x"
fi
if needs_check fw-cfg-empty-string; then
	expect_error fw-cfg-empty-string -F 'neither may be empty' --kernel "$CHECK" --fw-cfg opt/x,string=
fi
if needs_check fw-cfg-bad-kind; then
	expect_error fw-cfg-bad-kind -F "--fw-cfg 'opt/x,blob=1'" --kernel "$CHECK" --fw-cfg opt/x,blob=1
fi
if needs_check fw-cfg-twice; then
	expect_error fw-cfg-twice -F 'opt/x is given twice' --kernel "$CHECK" \
		--fw-cfg opt/x,string=a --fw-cfg opt/x,string=b
fi
if needs_check fw-cfg-missing-file; then
	expect_error fw-cfg-missing-file -F "$tmp/missing.fwcfg" --kernel "$CHECK" \
		--fw-cfg "opt/x,file=$tmp/missing.fwcfg"
fi
if needs_check fw-cfg-empty-file; then
	: >"$tmp/empty.fwcfg"
	expect_error fw-cfg-empty-file -F "$tmp/empty.fwcfg" --kernel "$CHECK" --fw-cfg "opt/x,file=$tmp/empty.fwcfg"
fi
if needs_check fw-cfg-directory; then
	expect_error fw-cfg-directory -F "$tmp" --kernel "$CHECK" --fw-cfg "opt/x,file=$tmp"
fi

# --- initrd --------------------------------------------------------------

if needs_check initrd-missing; then
	expect_error initrd-missing -F "$tmp/missing.initrd" \
		--kernel "$CHECK" --initrd "$tmp/missing.initrd"
fi

if needs_check initrd-larger-than-ram; then
	truncate -s 100M "$tmp/big.initrd"
	expect_error initrd-larger-than-ram -F "$tmp/big.initrd" \
		--kernel "$CHECK" --mem 64M --initrd "$tmp/big.initrd"
fi

# 16 MiB of RAM, the kernel's [0x100000, 0x100000 + init_size 2 MiB): 13 MiB
# fit above it (tests/guests' initrd-above-kernel), one byte more does not.
if needs_check initrd-overlaps-kernel; then
	truncate -s $(((13 << 20) + 1)) "$tmp/13M-plus-1.initrd"
	expect_error initrd-overlaps-kernel -F "$tmp/13M-plus-1.initrd" \
		--kernel "$CHECK" --mem 16M --initrd "$tmp/13M-plus-1.initrd"
fi

# --- options -------------------------------------------------------------

if needs_check mem-zero; then
	expect_error mem-zero -E 'mem' --kernel "$CHECK" --mem 0
fi
if needs_check mem-bad-suffix; then
	expect_error mem-bad-suffix -E 'mem' --kernel "$CHECK" --mem 12X
fi
if needs_check mem-overflow; then
	expect_error mem-overflow -E 'mem' --kernel "$CHECK" --mem 99999999999G
fi
if needs_check mem-negative; then
	expect_error mem-negative -E 'mem' --kernel "$CHECK" --mem -64M
fi

expect_error unknown-option -E 'bogus' --bogus
if needs_check unknown-option-after-kernel; then
	expect_error unknown-option-after-kernel -E 'frobnicate' --kernel "$CHECK" --frobnicate
fi
expect_error missing-argument -E 'kernel' --kernel
if needs_check missing-argument-cmdline; then
	expect_error missing-argument-cmdline -E 'cmdline' --kernel "$CHECK" --cmdline
fi
expect_error no-kernel -E 'kernel' --mem 64M
expect_error no-arguments -E 'kernel'

if needs_check timeout-not-a-number; then
	expect_error timeout-not-a-number -E 'timeout' --kernel "$CHECK" --timeout abc
fi
if needs_check timeout-negative; then
	expect_error timeout-negative -E 'timeout' --kernel "$CHECK" --timeout -5
fi

# --cpus: 1 to 255 (xAPIC IDs, vmm/config.h VM_CPUS_MAX).
for c in "zero 0" "too-many 256" "not-a-number abc" "empty ''" "negative -1" "suffix 2K"; do
	read -r cname cval <<<"$c"
	[ "$cval" = "''" ] && cval=""
	if needs_check "cpus-$cname"; then
		expect_error "cpus-$cname" -F "--cpus '$cval'" --kernel "$CHECK" --cpus "$cval"
	fi
done

# CI mode.
if needs_check expect-empty; then
	expect_error expect-empty -F '--expect' --kernel "$CHECK" --expect ''
fi
if needs_check result-json-empty; then
	expect_error result-json-empty -F '--result-json' --kernel "$CHECK" --result-json ''
fi
# The report's file is created at setup, so a path that cannot be written
# fails before the guest runs (and leaves nothing behind).
if needs_check result-json-missing-directory; then
	expect_error result-json-missing-directory -F "$tmp/no-such-dir/result.json" \
		--kernel "$CHECK" --result-json "$tmp/no-such-dir/result.json"
fi
if needs_check result-json-directory; then
	mkdir -p "$tmp/a-directory"
	expect_error result-json-directory -F "$tmp/a-directory" \
		--kernel "$CHECK" --result-json "$tmp/a-directory"
fi
# The report truncates its file at setup: pointed at an image, that would
# destroy the image before it is read.
if needs_check result-json-is-the-kernel; then
	cp "$CHECK" "$tmp/kernel-copy"
	expect_error result-json-is-the-kernel -F "that is the image" \
		--kernel "$tmp/kernel-copy" --result-json "$tmp/kernel-copy"
	cmp -s "$CHECK" "$tmp/kernel-copy" || fail result-json-is-the-kernel "the kernel file was changed"
fi
# A FIFO nobody reads must not hang setup.
if needs_check result-json-fifo-without-reader; then
	mkfifo "$tmp/report.fifo"
	expect_error result-json-fifo-without-reader -F "$tmp/report.fifo" \
		--kernel "$CHECK" --result-json "$tmp/report.fifo"
fi

# Dumps: --dump-on names ends of a run, comma-separated, and needs --dump.
if needs_check dump-empty; then
	expect_error dump-empty -F '--dump: the path must not be empty' --kernel "$CHECK" --dump ''
fi
if needs_check dump-on-without-dump; then
	expect_error dump-on-without-dump -F '--dump-on needs --dump' --kernel "$CHECK" --dump-on crash
fi
# NAME LIST ITEM: the item named as wrong ('_' stands for a space, '-' for nothing).
# --gdb: the address's form, --gdb-wait without it, and a port or socket
# path in use (checked before /dev/kvm, so these read the same everywhere).
if needs_check gdb-bad-address; then
	expect_error gdb-bad-address -F "--gdb 'udp:1': expected tcp:PORT or unix:PATH" --kernel "$CHECK" --gdb udp:1
	expect_error gdb-bad-port -F "--gdb 'tcp:70000': expected tcp:PORT (1-65535)" --kernel "$CHECK" --gdb tcp:70000
	expect_error gdb-wait-without-gdb -F '--gdb-wait needs --gdb' --kernel "$CHECK" --gdb-wait
	: >"$tmp/gdb.sock"
	expect_error gdb-unix-path-in-use -F "$tmp/gdb.sock is in use" --kernel "$CHECK" --gdb "unix:$tmp/gdb.sock"
	[ -e "$tmp/gdb.sock" ] || fail gdb-unix-path-kept "minivmm removed a file it did not make"
fi
if needs_check gdb-port-in-use && command -v python3 >/dev/null; then
	# A listener of our own on a free port; minivmm must name that port.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); sys.stdout.close(); time.sleep(30)' >"$tmp/port" &
	listener=$!
	for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	port=$(cat "$tmp/port")
	expect_error gdb-port-in-use -F "--gdb tcp:$port: port $port is in use" --kernel "$CHECK" --gdb "tcp:$port"
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
fi
for c in "unknown crash,boom boom" "upper-case CRASH CRASH" "empty-item crash,,exit -" \
	 "trailing-comma exit, -" "empty - -" "spaces crash,_timeout _timeout"; do
	read -r cname cval citem <<<"$c"
	cval=${cval//_/ }
	citem=${citem//_/ }
	[ "$cval" = - ] && cval=""
	[ "$citem" = - ] && citem=""
	if needs_check "dump-on-$cname"; then
		expect_error "dump-on-$cname" -F "--dump-on '$cval': '$citem' is not one of crash, timeout, exit" \
			--kernel "$CHECK" --dump "$tmp/vmcore" --dump-on "$cval"
	fi
done
# --fail-on takes kind names (vmm/console_watch.c) or all: anything else is
# a usage error whose one line lists the kinds.
FAIL_ON_KINDS="panic, warning, bug, oops, gpf, kasan, ubsan, lockdep, rcu-stall, soft-lockup, hard-lockup, hung-task, or all"
for c in "unknown warning,boom boom" "upper-case WARNING WARNING" \
	 "empty-item bug,,oops -" "trailing-comma bug, -" "empty - -" "spaces bug,_oops _oops"; do
	read -r cname cval citem <<<"$c"
	cval=${cval//_/ }
	citem=${citem//_/ }
	[ "$cval" = - ] && cval=""
	[ "$citem" = - ] && citem=""
	if needs_check "fail-on-$cname"; then
		expect_error "fail-on-$cname" -F "--fail-on '$cval': '$citem' is not a kind of kernel report; expected a comma-separated list of $FAIL_ON_KINDS" \
			--kernel "$CHECK" --fail-on "$cval"
	fi
done
if needs_check fail-on-missing-value; then
	expect_error fail-on-missing-value -F "option '--fail-on' needs a value" --kernel "$CHECK" --fail-on
fi
# The dump replaces its file whole, by a rename: never an image, a device
# or the report.
if needs_check dump-is-the-kernel; then
	cp "$CHECK" "$tmp/kernel-copy"
	expect_error dump-is-the-kernel -F "--dump $tmp/kernel-copy: that is the image" \
		--kernel "$tmp/kernel-copy" --dump "$tmp/kernel-copy" --dump-on exit
	cmp -s "$CHECK" "$tmp/kernel-copy" || fail dump-is-the-kernel "the kernel file was changed"
fi
if needs_check dump-is-a-device; then
	expect_error dump-is-a-device -F "--dump /dev/null: not a regular file" \
		--kernel "$CHECK" --dump /dev/null
fi
# Checked at setup, not when the guest has crashed.
if needs_check dump-missing-directory; then
	expect_error dump-missing-directory -F "--dump $tmp/no-such-dir/vmcore: cannot create files in" \
		--kernel "$CHECK" --dump "$tmp/no-such-dir/vmcore" --dump-on crash
fi
if needs_check dump-is-the-result-json; then
	expect_error dump-is-the-result-json -F "that is the --result-json file too" \
		--kernel "$CHECK" --result-json "$tmp/both.json" --dump "$tmp/both.json"
fi

if needs_check console-bad-kind; then
	expect_error console-bad-kind -E 'console' --kernel "$CHECK" --console bogus
fi
if needs_check console-file-unwritable; then
	expect_error console-file-unwritable -F "$tmp/no-such-dir/console.txt" \
		--kernel "$CHECK" --console "file:$tmp/no-such-dir/console.txt"
fi
# The console file takes the guest's output, and loses its old bytes only
# once setup has succeeded: never an image, the dump or the report, and a
# setup error leaves it as it was.
if needs_check console-is-the-kernel; then
	cp "$CHECK" "$tmp/kernel-copy"
	keep_file "$tmp/kernel-copy"
	expect_error console-is-the-kernel -F "--console $tmp/kernel-copy: that is the image" \
		--kernel "$tmp/kernel-copy" --console "file:$tmp/kernel-copy"
fi
if needs_check console-is-the-initrd; then
	cp "$tmp/blob.bin" "$tmp/initrd-copy"
	keep_file "$tmp/initrd-copy"
	expect_error console-is-the-initrd -F "--console $tmp/initrd-copy: that is the image" \
		--kernel "$CHECK" --initrd "$tmp/initrd-copy" --console "file:$tmp/initrd-copy"
fi
echo "an earlier run's console output" >"$tmp/console.txt"
if needs_check console-is-the-dump; then
	keep_file "$tmp/console.txt"
	expect_error console-is-the-dump -F "--console $tmp/console.txt: that is the --dump file too" \
		--kernel "$CHECK" --dump "$tmp/console.txt" --console "file:$tmp/console.txt"
fi
# Neither file there yet: the console creates it, the dump would replace it.
if needs_check console-is-the-new-dump; then
	expect_error console-is-the-new-dump -F "that is the --dump file too" \
		--kernel "$CHECK" --dump "$tmp/new-dump" --console "file:$tmp/new-dump"
fi
if needs_check console-is-the-result-json; then
	keep_file "$tmp/console.txt"
	expect_error console-is-the-result-json -F "--console $tmp/console.txt: that is the --result-json file too" \
		--kernel "$CHECK" --result-json "$tmp/console.txt" --console "file:$tmp/console.txt"
fi
# The overlap is found after the console file is open.
if needs_check console-kept-on-setup-error; then
	keep_file "$tmp/console.txt"
	expect_error console-kept-on-setup-error -E 'overlaps kernel' --kernel "$CHECK" \
		--load "$tmp/blob.bin@0x101000" --console "file:$tmp/console.txt"
fi

# check.bzimage says cmdline_size 2047; 3000 bytes of user command line
# cannot fit whatever the default part is.
if needs_check cmdline-too-long; then
	long=$(printf 'x%.0s' $(seq 1 3000))
	expect_error cmdline-too-long -E 'command line|cmdline' --kernel "$CHECK" --cmdline "$long"
fi

# --- host failures -------------------------------------------------------

# What the user cannot fix is 8, naming the failing call, not a usage
# error: here guest RAM beyond what the address space may hold (ulimit -v)
# fails its mmap with ENOMEM.  AddressSanitizer reserves its shadow memory
# beyond any such limit, so a sanitizer build cannot start under it.
if needs_check host-ram-mmap-enomem; then
	if grep -aqE '__asan_init|AddressSanitizer' "$MINIVMM"; then
		skip host-ram-mmap-enomem "an AddressSanitizer build cannot start under ulimit -v"
	else
		run_under=(sh -c 'ulimit -v 262144 && exec "$@"' sh)
		expect_failure 8 host-ram-mmap-enomem -F 'mmap of 1024 MiB of guest RAM failed: Cannot allocate memory' \
			--kernel "$CHECK" --mem 1G
		run_under=()
	fi
fi

# --- signals during setup -------------------------------------------------

# SIGINT, SIGTERM and SIGHUP while setup waits for a kernel from a FIFO that
# nobody writes: status 130, one line naming the signal, and the report
# written with that status (README "Exit status", "CI mode").  The report
# file exists once setup has begun, which is after the handlers are set.
for sig in INT TERM HUP; do
	name=interrupted-setup-sig$sig
	why=""
	rm -f "$tmp/kernel.fifo" "$tmp/interrupted.json"
	mkfifo "$tmp/kernel.fifo"
	"$MINIVMM" --kernel "$tmp/kernel.fifo" --result-json "$tmp/interrupted.json" \
		</dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 1 200); do
		[ -e "$tmp/interrupted.json" ] && break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null || why+="minivmm ended before the signal was sent; "
	kill -s "$sig" "$pid" 2>/dev/null
	# Only a guard against a hang: minivmm that ignored the signal is killed.
	timeout "$OUTER_TIMEOUT" tail -s 0.05 --pid="$pid" -f /dev/null ||
		kill -s KILL "$pid" 2>/dev/null
	wait "$pid"
	status=$?
	[ "$status" = 130 ] || why+="exit status $status, expected 130; "
	[ "$(wc -l <"$tmp/err")" = 1 ] || why+="expected exactly one line on stderr; "
	grep -q "^minivmm: interrupted by SIG$sig during setup$" "$tmp/err" ||
		why+="stderr does not say 'interrupted by SIG$sig during setup'; "
	grep -q '"status": 130,' "$tmp/interrupted.json" 2>/dev/null ||
		why+="the --result-json report does not say status 130; "
	grep -q "\"reason\": \"interrupted by SIG$sig during setup\"" "$tmp/interrupted.json" 2>/dev/null ||
		why+="the --result-json report does not give the reason; "
	if [ -z "$why" ]; then ok "$name"; else fail "$name" "${why%; }"; fi
done

# --- --help and --version ------------------------------------------------

why=""
run --help
crash_check
[ "$status" = 0 ] || why+="exit status $status, expected 0; "
[ ! -s "$tmp/err" ] || why+="stderr is not empty; "
# The exit-status table: each documented status on a line of its own.
for s in 0 2 4 10 124; do
	grep -qE "^[[:space:]]*$s([[:space:]]|$)" "$tmp/out" || why+="no line for exit status $s; "
done
grep -qE '^[[:space:]]*odd[[:space:]].*debug-exit' "$tmp/out" || why+="no line for the odd debug-exit statuses; "
for opt in --kernel --initrd --boot --kernel-addr --kernel-align --initrd-addr --initrd-align --share --modules \
	--load --fw-cfg --print-images --dump --dump-on --fail-on --gdb --gdb-wait --dtb --dump-dtb; do
	grep -q -- "  $opt" "$tmp/out" || why+="$opt not described; "
done
if [ -z "$why" ]; then ok help; else fail help "${why%; }"; fi

why=""
run --version
crash_check
[ "$status" = 0 ] || why+="exit status $status, expected 0; "
[ ! -s "$tmp/err" ] || why+="stderr is not empty; "
[ "$(wc -l <"$tmp/out")" = 1 ] || why+="expected one line on stdout; "
# "minivmm X.Y.Z" from the file VERSION, and git's description on a build
# that is not the release tag's (scripts/version.sh).
release=$(cat "$(dirname "${BASH_SOURCE[0]}")/../../VERSION")
grep -qxE "minivmm ${release//./\\.}( \(git [^()]+\))?" "$tmp/out" ||
	why+="the version line is not 'minivmm $release' nor 'minivmm $release (git ...)': $(head -c 200 "$tmp/out"); "
if [ -z "$why" ]; then ok version; else fail version "${why%; }"; fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
