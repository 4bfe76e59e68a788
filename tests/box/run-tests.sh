#!/usr/bin/env bash
# tests/box/run-tests.sh MINIVMM — real-kernel boot tests, run inside the KVM
# box (scripts/box-run.sh: QEMU TCG + nested KVM), because the host's /dev/kvm
# may not be able to run a real kernel.
#
#   tests/box/run-tests.sh MINIVMM       all tests
#   tests/box/run-tests.sh --probe-only  only "box: nested KVM works"
#
# Fetches Debian's cloud kernel (the guest) and generic kernel (the box), builds
# the guest's busybox initramfs, and in ONE box run (a box boot costs seconds)
# runs, each reported on its own:
#   box: nested KVM works          tests/box/kvm-probe.c: /dev/kvm, a VM, KVM_RUN
#   boot cloud kernel (default memory)   minivmm --kernel --initrd --timeout 120;
#                                        minivmm decompresses the bzImage's
#                                        lz4 payload and boots the vmlinux in
#                                        it (--print-images: bzImage+lz4)
#   boot cloud kernel (--mem 3584M)      the same with --mem 3584M
#   boot cloud kernel at --kernel-addr 0x2000000   the bzImage as it is: the
#                                        only boot that runs the kernel's own
#                                        in-guest decompressor
#   boot cloud kernel piped through stdin  --kernel - with the bzImage on stdin
#   boot cloud vmlinux (64-bit entry)    the ELF scripts/extract-vmlinux pulls
#                                        out of the bzImage, --boot linux64
#   boot cloud vmlinux (PVH)             the same ELF, --boot pvh
#   cloud kernel with --cpus 4 sees 4 CPUs   the marker says cpus=4
#   guest poweroff -f ends minivmm with 0    ACPI S5 (minivmm.end=poweroff)
#   guest kernel panic ends minivmm with 4   a sysrq panic with pvpanic loaded
#                                            (minivmm.end=panic): reported once,
#                                            with the kernel's panic line
#   panic without an initramfs ends minivmm with 4   no --initrd: the kernel
#                                            cannot mount a root; the panic line
#                                            is the reason (no pvpanic driver)
#   panic with a missing init ends minivmm with 4    rdinit=/nonexistent
#   panic when init exits ends minivmm with 4        minivmm.end=exit
#   panic=0 hangs: --timeout gives 124 and the report names the panic
#                                            rdinit=/nonexistent panic=0
#   --expect ends a guest that never stops   minivmm.end=hang, --expect the
#                                            marker, --result-json read back
#   the guest reads fw_cfg                   qemu_fw_cfg binds to QEMU0002: the
#                                            guest lists etc/vmcoreinfo and
#                                            prints an --fw-cfg opt/ string
#   makedumpfile reads the panic's vmcore    minivmm.end=panic with --dump
#                                            --dump-on crash: 4 and a vmcore
#                                            whose kernel log (makedumpfile
#                                            --dump-dmesg, through the guest's
#                                            VMCOREINFO) has the line the init
#                                            wrote to /dev/kmsg
# A boot passes when minivmm exits with the status wanted (0 unless said) and
# the guest printed its marker line MINIVMM-GUEST-USERSPACE-OK.  The initramfs
# carries the cloud kernel's pvpanic and qemu_fw_cfg modules
# (images/guest-initramfs.sh). The guest tests run only if the probe passed: a
# broken box is reported as that, not as a minivmm failure.
#
# Prints `ok NAME` or `FAIL NAME: why` (with the tail of that test's console)
# per test, then `N passed, N failed`. Exit 0 only if all passed. A box that
# stalls or does not start is retried once in a fresh box; tests the box's
# own failure kept from a result print `BOX FAILURE NAME: the box failed: ...`
# and the run ends with the box's status (90-95) unless a test failed (1).
# Missing qemu or packages fail loudly (scripts/install-deps.sh installs them).
# V=1 echoes the whole box console as it goes.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"
probe_only=0
if [ "${1:-}" = --probe-only ]; then
	probe_only=1
	minivmm=
elif [ $# -eq 1 ]; then
	minivmm=$1
else
	echo "usage: tests/box/run-tests.sh MINIVMM | --probe-only" >&2
	exit 2
fi

passed=0 failed=0 box_failed=0 box_rc=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
# fail NAME WHY: a test failed; or, when WHY is the box's own failure
# ("the box failed: ..."), the box did: that is never a minivmm failure.
fail() {
	case "$2" in
	"the box failed: "*) echo "BOX FAILURE $1: $2"; box_failed=$((box_failed + 1)) ;;
	*) echo "FAIL $1: $2"; failed=$((failed + 1)) ;;
	esac
}
# The summary; exit 1 when a test failed, else the box's status (90-95)
# when the box failed, else 0.
finish() {
	if [ "$box_failed" -gt 0 ]; then
		echo "$passed passed, $failed failed, $box_failed not run: the box failed"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" -eq 0 ] || exit 1
	[ "$box_failed" -eq 0 ] || exit "$box_rc"
	exit 0
}
# indent: the console lines shown under a FAIL.
indent() { sed 's/^/    | /'; }

T_PROBE="box: nested KVM works"
T_BOOT="boot cloud kernel (default memory)"
T_BOOT_MEM="boot cloud kernel (--mem 3584M)"
T_BOOT_ADDR="boot cloud kernel at --kernel-addr 0x2000000"
T_BOOT_STDIN="boot cloud kernel piped through stdin"
T_BOOT_ELF="boot cloud vmlinux (64-bit entry)"
T_BOOT_PVH="boot cloud vmlinux (PVH)"
T_CPUS="cloud kernel with --cpus 4 sees 4 CPUs"
T_POWEROFF="guest poweroff -f ends minivmm with 0"
T_PANIC="guest kernel panic ends minivmm with 4"
T_NOINITRD="panic without an initramfs ends minivmm with 4"
T_NOINIT="panic with a missing init ends minivmm with 4"
T_INITEXIT="panic when init exits ends minivmm with 4"
T_PANIC0="panic=0 hangs: --timeout gives 124 and the report names the panic"
T_EXPECT="--expect ends a guest that never stops"
T_FWCFG="the guest reads fw_cfg"
T_DUMP="makedumpfile reads the panic's vmcore"
if [ "$probe_only" = 1 ]; then
	tests=("$T_PROBE")
else
	tests=("$T_PROBE" "$T_BOOT" "$T_BOOT_MEM" "$T_BOOT_ADDR" "$T_BOOT_STDIN" "$T_BOOT_ELF"
		"$T_BOOT_PVH" "$T_CPUS" "$T_POWEROFF" "$T_PANIC" "$T_NOINITRD" "$T_NOINIT"
		"$T_INITEXIT" "$T_PANIC0" "$T_EXPECT" "$T_FWCFG" "$T_DUMP")
fi
# fail_all WHY: every test fails for one reason (nothing could run).
fail_all() {
	local t
	for t in "${tests[@]}"; do fail "$t" "$1"; done
	finish
}

# --- prerequisites: all of them, named at once -------------------------------
missing=()
for tool in qemu-system-x86_64 cpio gzip apt-get dpkg-deb timeout "${CC:-cc}"; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ! -x /bin/busybox ] || LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
	missing+=("busybox-static")
fi
command -v depmod >/dev/null || [ -x /sbin/depmod ] || missing+=("depmod (kmod)")
command -v jq >/dev/null || missing+=("jq")
command -v makedumpfile >/dev/null || missing+=("makedumpfile")
if [ ${#missing[@]} -gt 0 ]; then
	fail_all "missing ${missing[*]} (run scripts/install-deps.sh)"
fi
# Without minivmm the probe still runs: it tells whether the box works.
guest_skip_why=
if [ "$probe_only" = 0 ] && [ ! -x "$minivmm" ]; then
	guest_skip_why="not run: $minivmm is not an executable (build it with make)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- what the box needs ----------------------------------------------------------
if ! "${CC:-cc}" -O2 -std=gnu11 -Wall -Wextra -Werror -o "$tmp/kvm-probe" \
	"$repo/tests/box/kvm-probe.c" 2>"$tmp/cc.err"; then
	indent <"$tmp/cc.err"
	fail_all "cannot compile tests/box/kvm-probe.c"
fi
if ! box_kdir=$("$repo/scripts/fetch-kernel.sh" generic 2>"$tmp/fetch.err"); then
	indent <"$tmp/fetch.err"
	fail_all "cannot fetch the box's generic kernel"
fi
files=("$tmp/kvm-probe")
# shellcheck disable=SC2016 # expanded in the box, by its sh
box_cmd='t() {
	n=$1; shift; s=$(cut -d" " -f1 /proc/uptime)
	echo "BOXTEST-BEGIN $n"; "$@"; r=$?; echo
	echo "BOXTEST-END $n $r"
	awk -v n="$n" -v s="$s" "{ printf \"BOXTEST-TIME %s %.1f\n\", n, \$1 - s }" /proc/uptime
}
t probe kvm-probe'
if [ "$probe_only" = 0 ] && [ -z "$guest_skip_why" ]; then
	if ! cloud_kdir=$("$repo/scripts/fetch-kernel.sh" cloud 2>"$tmp/fetch.err"); then
		indent <"$tmp/fetch.err"
		fail "$T_PROBE" "not run: no guest kernel to test with"
		tests=("${tests[@]:1}")
		fail_all "cannot fetch the cloud kernel"
	fi
	guest_kernel=$(find "$cloud_kdir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
	if ! "$repo/images/guest-initramfs.sh" "$tmp/guest.cpio.gz" "$cloud_kdir" 2>"$tmp/initramfs.err"; then
		indent <"$tmp/initramfs.err"
		fail "$T_PROBE" "not run: no guest initramfs"
		tests=("${tests[@]:1}")
		fail_all "cannot build the guest initramfs"
	fi
	if ! "$repo/scripts/extract-vmlinux" "$guest_kernel" "$tmp/vmlinux" 2>"$tmp/extract.err"; then
		indent <"$tmp/extract.err"
		fail "$T_PROBE" "not run: cannot extract the cloud kernel's vmlinux"
		tests=("${tests[@]:1}")
		fail_all "scripts/extract-vmlinux failed"
	fi
	files+=("$minivmm" "$guest_kernel" "$tmp/guest.cpio.gz" "$tmp/vmlinux" "$(command -v makedumpfile)")
	k=${guest_kernel##*/}
	m=${minivmm##*/}
	# busybox timeout as a safety net: a minivmm that ignores its own
	# --timeout costs that test, not the others.
	box_cmd+="
if [ \$r = 0 ]; then
	t boot timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --print-images
	t boot-mem timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --mem 3584M
	t boot-addr timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --kernel-addr 0x2000000 --verbose
	t boot-stdin sh -c \"timeout -s KILL 150 $m --kernel - --initrd guest.cpio.gz --timeout 120 --verbose < $k\"
	t boot-elf timeout -s KILL 150 $m --kernel vmlinux --initrd guest.cpio.gz --timeout 120 --boot linux64 --verbose
	t boot-pvh timeout -s KILL 150 $m --kernel vmlinux --initrd guest.cpio.gz --timeout 120 --boot pvh --verbose
	t cpus timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --cpus 4
	t poweroff timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --cmdline minivmm.end=poweroff --verbose
	t panic timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --cmdline minivmm.end=panic
	t noinitrd timeout -s KILL 150 $m --kernel $k --timeout 120
	t noinit timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --cmdline rdinit=/nonexistent
	t initexit timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --cmdline minivmm.end=exit
	t panic0 timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 40 --cmdline \"rdinit=/nonexistent panic=0\" --result-json panic0.json
	echo PANIC0-JSON-BEGIN; cat panic0.json; echo; echo PANIC0-JSON-END
	t expect timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --cmdline minivmm.end=hang --expect MINIVMM-GUEST-USERSPACE-OK --result-json result.json
	echo RESULT-JSON-BEGIN; cat result.json; echo; echo RESULT-JSON-END
	t fwcfg timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --fw-cfg opt/minivmm-test,string=hello-from-the-host
	t dump timeout -s KILL 150 $m --kernel $k --initrd guest.cpio.gz --timeout 120 --cmdline minivmm.end=panic --dump vmcore --dump-on crash
	t dmesg makedumpfile --dump-dmesg vmcore dmesg.txt
	grep -F minivmm-guest dmesg.txt | sed 's/^/DMESG: /'; tail -n 3 dmesg.txt | sed 's/^/DMESG-TAIL: /'
fi"
fi

# --- one box run -------------------------------------------------------------------
# A box that stalls (no console line for 300 s) or does not start is
# retried once, in a fresh box.
export BOX_KERNEL_DIR=$box_kdir
box_run_retried "$tmp/console" --timeout 420 --stall 300 --files "${files[@]}" -- "$box_cmd"

# section NAME: the console lines of one test, without its markers.
section() {
	awk -v n="$1" '$0 == "BOXTEST-BEGIN " n { on = 1; next }
		on && index($0, "BOXTEST-END " n " ") == 1 { exit }
		on { print }' "$tmp/console"
}
# result NAME: the exit status the box saw for that test, empty if it never ended.
result() {
	sed -n "s/^BOXTEST-END $1 \([0-9][0-9]*\)\$/\1/p" "$tmp/console" | tail -n1
}
began() { grep -qx "BOXTEST-BEGIN $1" "$tmp/console"; }

# Why a test has no result: the box's own failure, if it said one.
no_result() {
	if [ -n "$box_err" ]; then
		echo "the box failed: ${box_err#box: } (box-run.sh exit status $box_rc)"
	else
		echo "no result (box-run.sh exit status $box_rc)"
	fi
}

rc=$(result probe)
if [ "$rc" = 0 ]; then
	ok "$T_PROBE"
else
	if [ -z "$rc" ]; then
		fail "$T_PROBE" "$(no_result)"
		tail -n 20 "$tmp/console" | indent
	else
		fail "$T_PROBE" "kvm-probe exit status $rc"
		section probe | tail -n 20 | indent
	fi
	[ "$probe_only" = 1 ] && finish
	tests=("${tests[@]:1}")
	[ -z "$rc" ] && [ -n "$box_err" ] && fail_all "$(no_result)"
	fail_all "not run: the box has no working nested KVM"
fi
[ "$probe_only" = 1 ] && finish
if [ -n "$guest_skip_why" ]; then
	tests=("${tests[@]:1}")
	fail_all "$guest_skip_why"
fi

# The time each test took in the box, for the log.
sed -n 's/^BOXTEST-TIME \([^ ]*\) \([0-9.]*\)$/# \1: \2 s in the box/p' "$tmp/console"

# exit_meaning RC: minivmm's exit-status contract (vmm/exit_status.h), in words.
exit_meaning() {
	case "$1" in
	2) echo " (usage or setup error)" ;;
	4) echo " (the guest crashed)" ;;
	8) echo " (minivmm failed on the host)" ;;
	124) echo " (--timeout expired)" ;;
	130) echo " (interrupted)" ;;
	*) [ $(($1 % 2)) = 1 ] && [ "$1" -lt 128 ] && echo " (the guest wrote $(($1 >> 1)) to the debug-exit port)" ;;
	esac
}

# status_why ID WANT: why test ID did not end with status WANT (nothing when
# it did); its console goes to $tmp/ID.console.
status_why() {
	local rc
	rc=$(result "$1")
	section "$1" >"$tmp/$1.console"
	if [ -z "$rc" ]; then
		echo "$(no_result)$(began "$1" && echo "; it was running this test")"
	elif [ "$rc" = 137 ]; then
		echo "minivmm did not end within 150 s despite --timeout 120 (killed)"
	elif [ "$rc" != "$2" ]; then
		echo "minivmm exit status $rc$(exit_meaning "$rc"), want $2"
	fi
}
# report ID NAME WHY: ok, or FAIL with WHY and the tail of ID's console.
report() {
	if [ -z "$3" ]; then
		ok "$2"
		return
	fi
	fail "$2" "$3"
	echo "    console tail:"
	tail -n 30 "$tmp/$1.console" | indent
}

# check_boot ID NAME STATUS [EXPECT...]: the test passes when minivmm exited
# with STATUS, the guest printed its marker, and the console (with
# minivmm's stderr merged) holds every fixed string EXPECT.  When all that
# holds and $extra_check names a function, it must succeed too (it prints
# why not).
extra_check=
check_boot() {
	local id=$1 name=$2 want=$3 e why
	shift 3
	why=$(status_why "$id" "$want")
	if [ -n "$why" ]; then
		:
	elif ! grep -q 'MINIVMM-GUEST-USERSPACE-OK' "$tmp/$id.console"; then
		why="minivmm exit status $want but no MINIVMM-GUEST-USERSPACE-OK on the console"
	else
		for e in "$@"; do
			grep -qF -- "$e" "$tmp/$id.console" || why+="the console lacks '$e'; "
		done
		if [ -z "$why" ] && [ -n "$extra_check" ]; then
			why=$("$extra_check")
		fi
	fi
	report "$id" "$name" "$why"
}
# By default minivmm decompresses the bzImage's lz4 payload itself and
# loads the vmlinux at its link address, 16 MiB (--print-images: KIND
# ORIGIN ADDRESS SIZE ALIGN RAW-ADDRESS FORMAT PATH).
payload_decompressed() {
	grep -qE 'kernel +file +0x1000000 +0x[0-9a-f]+ +0x[0-9a-f]+ +- +bzImage\+lz4 ' "$tmp/boot.console" ||
		echo "--print-images does not show the kernel at 0x1000000 as bzImage+lz4: $(
			grep -m1 'kernel ' "$tmp/boot.console")"
}
extra_check=payload_decompressed
check_boot boot "$T_BOOT" 0
extra_check=
check_boot boot-mem "$T_BOOT_MEM" 0
# --kernel-addr keeps the bzImage as it is (the vmlinux is linked for one
# address): the in-guest decompressor runs, and keeps being tested, here.
check_boot boot-addr "$T_BOOT_ADDR" 0 "minivmm: image kernel addr=0x2000000 "
check_boot boot-stdin "$T_BOOT_STDIN" 0 "minivmm: image kernel addr=0x1000000 "
check_boot boot-elf "$T_BOOT_ELF" 0 "entry=0x1000000 protocol=linux64"
check_boot boot-pvh "$T_BOOT_PVH" 0 "entry=0x1000850 protocol=pvh"
check_boot cpus "$T_CPUS" 0 "MINIVMM-GUEST-USERSPACE-OK cpus=4 "
check_boot poweroff "$T_POWEROFF" 0 "minivmm: guest powered off (ACPI S5)"
# panicked_once ID LINE: minivmm said once that the guest panicked, with
# the kernel's panic line (LINE is how it starts) as the reason.
panicked_once() {
	local n
	n=$(grep -c '^minivmm: .*panicked' "$tmp/$1.console")
	[ "$n" = 1 ] || echo "$n 'minivmm: ... panicked' lines, want 1; "
	grep -qF "minivmm: guest kernel panicked: $2" "$tmp/$1.console" ||
		echo "the reason is not the kernel's panic line '$2...'"
}
# The line the guest wrote to /dev/kmsg shows the kernel got that far;
# minivmm's last word names the panic, once: pvpanic's report carries the
# console's panic line.
sysrq_panic_once() { panicked_once panic "Kernel panic - not syncing: sysrq triggered crash"; }
extra_check=sysrq_panic_once
check_boot panic "$T_PANIC" 4 "minivmm-guest: panicking on purpose" "minivmm: guest kernel panicked"
extra_check=

# check_panic ID NAME LINE: a panic no driver reported (the guest never
# reached its init, or pvpanic's module): minivmm exited with 4, the
# kernel's panic line (starting with LINE) its one reason.
check_panic() {
	local why
	why=$(status_why "$1" 4)
	[ -n "$why" ] || why=$(panicked_once "$1" "$3")
	report "$1" "$2" "$why"
}
VFS_PANIC="Kernel panic - not syncing: VFS: Unable to mount root fs"
check_panic noinitrd "$T_NOINITRD" "$VFS_PANIC"
check_panic noinit "$T_NOINIT" "$VFS_PANIC"
# Init exits after the marker; pvpanic is loaded by then and reports too.
init_exit_panic() { panicked_once initexit "Kernel panic - not syncing: Attempted to kill init!"; }
extra_check=init_exit_panic
check_boot initexit "$T_INITEXIT" 4 "minivmm guest: init exits"
extra_check=
# panic=0: the kernel hangs after its panic line; the timeout is the
# status, the report names the panic.  40 s: with the box's CPU shared, the
# kernel was once still in its initcalls at 20 s.
sed -n '/^PANIC0-JSON-BEGIN/,/^PANIC0-JSON-END/p' "$tmp/console" | sed '1d;$d' >"$tmp/panic0.json"
why=$(status_why panic0 124)
if [ -z "$why" ] && ! jq -e --arg l "$VFS_PANIC" '.status == 124 and (.kernel_panic | startswith($l))' \
	"$tmp/panic0.json" >/dev/null 2>&1; then
	why="--result-json does not say 124 with the panic line: $(head -c 600 "$tmp/panic0.json")"
fi
report panic0 "$T_PANIC0" "$why"
# --expect: the guest sleeps forever after its marker, so only the match
# can have ended it with 0 (--timeout gives 124).  The result file agrees.
sed -n '/^RESULT-JSON-BEGIN$/,/^RESULT-JSON-END$/p' "$tmp/console" | sed '1d;$d' >"$tmp/result.json"
expect_result_json() {
	jq -e '.status == 0 and .expect_matched == true and .timings_ms.marker != null
		and (.console_tail | map(select(contains("MINIVMM-GUEST-USERSPACE-OK"))) | length) > 0' \
		"$tmp/result.json" >/dev/null 2>&1 ||
		echo "--result-json does not say status 0, matched, with the marker's time and line: $(head -c 600 "$tmp/result.json")"
}
extra_check=expect_result_json
check_boot expect "$T_EXPECT" 0
extra_check=
check_boot fwcfg "$T_FWCFG" 0 "minivmm guest: fw_cfg etc/vmcoreinfo" \
	"minivmm guest: fw_cfg opt/minivmm-test: hello-from-the-host"
# makedumpfile finds the kernel log through the VMCOREINFO note the guest
# registered; the line the init wrote before the panic must be in it.
dump_dmesg() {
	local rc
	rc=$(result dmesg)
	if [ "$rc" != 0 ]; then
		echo "makedumpfile --dump-dmesg exit status ${rc:-none}: $(section dmesg | tail -n 5 | tr '\n' ' ')"
	elif ! grep -q '^DMESG: .*minivmm-guest: panicking on purpose' "$tmp/console"; then
		echo "the kernel log makedumpfile extracted lacks 'minivmm-guest: panicking on purpose'; it ends: $(
			sed -n 's/^DMESG-TAIL: //p' "$tmp/console" | tr '\n' ' ')"
	fi
}
extra_check=dump_dmesg
check_boot dump "$T_DUMP" 4 "minivmm-guest: panicking on purpose" "minivmm: guest kernel panicked" \
	"minivmm: wrote a vmcore of "
extra_check=
# For the log: the dump, and the line makedumpfile found.
grep -m1 '^minivmm: wrote a vmcore' "$tmp/dump.console" | sed 's/^/# /'
grep -m1 '^DMESG: .*minivmm-guest: panicking on purpose' "$tmp/console" | sed 's/^DMESG: /# makedumpfile: /'
finish
