#!/usr/bin/env bash
# tests/box/command-tests.sh MINIVMM — `minivmm --kernel K -- CMD` (issue
# 15) with real kernels, in the KVM box (scripts/box-run.sh --host-root: the
# host's files read-only under a RAM overlay, the box's root user).  With
# each kernel, Debian's cloud kernel given alone (no --initrd: minivmm packs
# minivmm-init and the virtio modules itself) and the project's minimal
# kernel (drivers built in; images/minimal-kernel.sh, or
# MINIVMM_MINIMAL_KERNEL=PATH), as its bzImage (minimal) and as the ELF
# vmlinux beside it (vmlinux: booted through its PVH note, its release read
# from its banner), in ONE box run:
#
#   KERNEL: exit statuses      -- true, false, sh -c 'exit 42',
#                              sh -c 'kill -9 $$' give 0, 1, 42, 137
#   KERNEL: command not found  127, and the shell's "not found" on stderr
#   KERNEL: stdout and stderr  10 MiB of random bytes on stdout and 1 MiB on
#                              stderr arrive byte-exact and apart
#   KERNEL: stdin              printf abc | minivmm -- cat prints abc, and
#                              cat ends: the guest saw stdin's EOF
#   KERNEL: host files         a file of the box is read by its path, in
#                              the box's working directory
#   KERNEL: --share            sh -c 'echo x > DIR/out' leaves out on the host
#   KERNEL: overlay            without a share, writes anywhere change nothing
#                              on the host (checksums before and after)
#   KERNEL: panic              sh -c 'echo c > /proc/sysrq-trigger' gives 4,
#                              and --result-json has command_status null
#   KERNEL: uname -r           prints the guest kernel's own release
#   KERNEL: timeout            --timeout 20 -- sleep 600 gives 124, and
#                              --result-json has command_status null
#   KERNEL: kernel log         -- echo hi: stdout is "hi" alone and stderr
#                              empty; with --verbose the kernel's log is on
#                              stderr; --result-json keeps its tail either way
#   KERNEL: options            --cpus 2 --mem 512M --cmdline minivmm.x=1
#                              --dump F --dump-on exit keep their meaning:
#                              nproc, MemTotal, /proc/cmdline, an ELF vmcore
#
# Prints `ok NAME` or `FAIL NAME: why`, then `N passed, N failed`.  A box
# that does not start or stalls is retried once in a fresh box, then each
# test is a BOX FAILURE and the run ends with the box's status (90-95).
# V=1 echoes the box's console.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Every test runs with each kernel (box_results in tests/kvm-device.sh).
BOX_SCOPES=(cloud minimal vmlinux)
TESTS=(
	"status exit statuses: true, false, exit 42, kill -9 give 0, 1, 42, 137"
	"notfound a missing command gives 127 and the shell's line"
	"stdio 10 MiB on stdout and 1 MiB on stderr, byte-exact and apart"
	"stdin printf abc | minivmm -- cat prints abc and ends"
	"hostfile a file of the box is read by its path"
	"share --share DIR: the guest's write reaches the host"
	"overlay without a share, the host is unchanged"
	"panic a panic mid-command gives 4 and command_status null"
	"uname uname -r prints the guest kernel's release"
	"timeout --timeout ends the command with 124"
	"log the kernel's log stays off stdout, on stderr only with --verbose"
	"options --cpus, --mem, --cmdline and --dump keep their meaning"
)
RUN_TIMEOUT=120

# ============================================================================
# The box half: bash tests/box/command-tests.sh --in-box DIR.  DIR/env sets
# MINIVMM, CLOUD_KERNEL, MINIMAL_KERNEL, MINIMAL_RELEASE.
# ============================================================================

# shellcheck disable=SC2153 # MINIVMM comes from DIR/env
# run ID ARGS...: minivmm ARGS with stdin from $work/ID.in (else
# /dev/null), stdout and stderr in $work/ID.out, ID.err, status in $rc.
run() {
	local id=$1 in=/dev/null
	shift
	[ -e "$work/$id.in" ] && in=$work/$id.in
	timeout -s KILL $((RUN_TIMEOUT + 30)) "$MINIVMM" --timeout "$RUN_TIMEOUT" "$@" \
		<"$in" >"$work/$id.out" 2>"$work/$id.err"
	rc=$?
}

# why_rc WANT: a complaint when $rc is not WANT, with minivmm's last line.
why_rc() {
	[ "$rc" = "$1" ] && return
	printf "exit status %s, want %s (%s); " "$rc" "$1" \
		"$(grep -v '^ *$' "$work/$id.err" | tail -n 1 | cut -c1-200)"
}

verdict() {   # verdict KEY KERNEL WHY
	if [ -z "$3" ]; then echo "CT-RESULT $2-$1 ok"; else echo "CT-RESULT $2-$1 FAIL ${3%; }"; fi
}

box_kernel() {
	local k=$1 kernel=$2 release=$3 why id sum
	local -a K=(--kernel "$kernel")

	why='' id=$k-status
	run "$id" "${K[@]}" -- true
	why+=$(why_rc 0)
	run "$id" "${K[@]}" -- false
	why+=$(why_rc 1)
	run "$id" "${K[@]}" -- sh -c 'exit 42'
	why+=$(why_rc 42)
	# shellcheck disable=SC2016 # the guest's shell expands $$
	run "$id" "${K[@]}" -- sh -c 'kill -9 $$'
	why+=$(why_rc 137)
	verdict status "$k" "$why"

	id=$k-notfound
	run "$id" "${K[@]}" -- minivmm-no-such-command arg
	why=$(why_rc 127)
	grep -q 'minivmm-no-such-command.*not found' "$work/$id.err" ||
		why+="stderr lacks the shell's 'not found' line: $(head -c 200 "$work/$id.err"); "
	verdict notfound "$k" "$why"

	id=$k-stdio
	run "$id" "${K[@]}" -- sh -c 'cat big.out; cat big.err >&2'
	why=$(why_rc 0)
	cmp -s big.out "$work/$id.out" ||
		why+="stdout differs from big.out ($(stat -c %s "$work/$id.out") bytes of 10485760); "
	cmp -s big.err "$work/$id.err" ||
		why+="stderr differs from big.err ($(stat -c %s "$work/$id.err") bytes of 1048576); "
	verdict stdio "$k" "$why"

	id=$k-stdin
	printf abc >"$work/$id.in"
	run "$id" "${K[@]}" -- cat
	why=$(why_rc 0)
	[ "$(cat "$work/$id.out")" = abc ] || why+="stdout is '$(head -c 100 "$work/$id.out")', want abc; "
	verdict stdin "$k" "$why"

	id=$k-hostfile
	run "$id" "${K[@]}" -- cat "$PWD/marker"
	why=$(why_rc 0)
	cmp -s marker "$work/$id.out" || why+="cat \$PWD/marker printed '$(head -c 100 "$work/$id.out")'; "
	run "$id" "${K[@]}" -- cat marker
	cmp -s marker "$work/$id.out" || why+="cat marker (the working directory) printed '$(head -c 100 "$work/$id.out")'; "
	verdict hostfile "$k" "$why"

	id=$k-share
	rm -rf "$work/share" && mkdir "$work/share"
	run "$id" "${K[@]}" --share "$work/share" -- sh -c "echo x > $work/share/out"
	why=$(why_rc 0)
	[ "$(cat "$work/share/out" 2>/dev/null)" = x ] || why+="$work/share/out on the host is '$(cat "$work/share/out" 2>&1)', want x; "
	verdict share "$k" "$why"

	id=$k-overlay
	sum=$(sha256sum marker /etc/hostname 2>/dev/null)
	run "$id" "${K[@]}" -- sh -c "echo changed > marker; echo changed > /etc/hostname; touch /minivmm-overlay-test; cat marker"
	why=$(why_rc 0)
	[ "$(cat "$work/$id.out")" = changed ] || why+="the guest did not see its own write: '$(head -c 100 "$work/$id.out")'; "
	[ "$(sha256sum marker /etc/hostname 2>/dev/null)" = "$sum" ] || why+="marker or /etc/hostname changed on the host; "
	[ ! -e /minivmm-overlay-test ] || why+="/minivmm-overlay-test appeared on the host; "
	verdict overlay "$k" "$why"

	id=$k-panic
	run "$id" "${K[@]}" --result-json "$work/$id.json" -- sh -c 'echo c > /proc/sysrq-trigger; sleep 10'
	why=$(why_rc 4)
	grep -q '"command_status": null' "$work/$id.json" 2>/dev/null ||
		why+="the report lacks \"command_status\": null: $(grep command_status "$work/$id.json" 2>&1 | head -n 1); "
	verdict panic "$k" "$why"

	id=$k-uname
	run "$id" "${K[@]}" -- uname -r
	why=$(why_rc 0)
	[ "$(cat "$work/$id.out")" = "$release" ] || why+="uname -r printed '$(head -c 100 "$work/$id.out")', want '$release'; "
	verdict uname "$k" "$why"

	id=$k-timeout
	run "$id" "${K[@]}" --timeout 20 --result-json "$work/$id.json" -- sleep 600
	why=$(why_rc 124)
	grep -q '"command_status": null' "$work/$id.json" 2>/dev/null ||
		why+="the report lacks \"command_status\": null; "
	verdict timeout "$k" "$why"

	id=$k-log
	run "$id" "${K[@]}" --result-json "$work/$id.json" -- echo hi
	why=$(why_rc 0)
	[ "$(cat "$work/$id.out")" = hi ] || why+="stdout is '$(head -c 200 "$work/$id.out")', want hi alone; "
	[ ! -s "$work/$id.err" ] || why+="stderr is not empty: '$(head -c 200 "$work/$id.err")'; "
	grep -q '"command_status": 0' "$work/$id.json" 2>/dev/null || why+="the report lacks \"command_status\": 0; "
	grep -q 'Run /init as init process' "$work/$id.json" 2>/dev/null ||
		why+="the report's console tail lacks the kernel's 'Run /init as init process'; "
	run "$id" "${K[@]}" --verbose -- echo hi
	[ "$(cat "$work/$id.out")" = hi ] || why+="with --verbose, stdout is '$(head -c 200 "$work/$id.out")', want hi alone; "
	grep -q 'Run /init as init process' "$work/$id.err" || why+="with --verbose, stderr lacks the kernel's log; "
	verdict log "$k" "$why"

	id=$k-options
	run "$id" "${K[@]}" --cpus 2 --mem 512M --cmdline minivmm.x=1 \
		--dump "$work/$id.vmcore" --dump-on exit -- \
		sh -c 'nproc; grep MemTotal /proc/meminfo; cat /proc/cmdline'
	why=$(why_rc 0)
	[ "$(sed -n 1p "$work/$id.out")" = 2 ] || why+="nproc says '$(sed -n 1p "$work/$id.out")', want 2; "
	local kib
	kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' "$work/$id.out")
	[ "${kib:-0}" -gt 400000 ] && [ "${kib:-0}" -le 524288 ] || why+="MemTotal ${kib:-?} kB for --mem 512M; "
	grep -q 'minivmm.x=1' "$work/$id.out" || why+="/proc/cmdline lacks minivmm.x=1; "
	[ "$(head -c 4 "$work/$id.vmcore" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] ||
		why+="--dump-on exit wrote no ELF vmcore; "
	verdict options "$k" "$why"
}

# shellcheck disable=SC2153 # MINIVMM, *_KERNEL, *_RELEASE come from DIR/env
in_box() {
	# shellcheck source=/dev/null
	. "$1/env"
	work=$(mktemp -d /tmp/command-box.XXXXXX) || { echo "CT-SETUP-FAIL mktemp"; return 1; }
	cd "$work" || return 1
	if ! { head -c 10485760 /dev/urandom >big.out && head -c 1048576 /dev/urandom >big.err &&
		echo "marker $RANDOM" >marker; }; then
		echo "CT-SETUP-FAIL cannot write in $work"
		return 1
	fi
	box_kernel cloud "$CLOUD_KERNEL" "$CLOUD_RELEASE"
	[ -n "${MINIMAL_KERNEL:-}" ] && box_kernel minimal "$MINIMAL_KERNEL" "$MINIMAL_RELEASE"
	[ -n "${MINIMAL_KERNEL:-}" ] && box_kernel vmlinux "$(dirname "$MINIMAL_KERNEL")/vmlinux" \
		"$MINIMAL_RELEASE"
	echo "CT-DONE"
}

if [ "${1:-}" = --in-box ]; then
	in_box "$2"
	exit 0
fi

# ============================================================================
# The host half.
# ============================================================================
[ $# -eq 1 ] || { echo "usage: tests/box/command-tests.sh MINIVMM" >&2; exit 2; }
minivmm=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"
passed=0 failed=0

[ -x "${minivmm%/*}/minivmm-init" ] || box_fail_all "${minivmm%/*}/minivmm-init is missing (make builds it)"
cloud_dir=$("$repo/scripts/fetch-kernel.sh" cloud 2>"$tmp/fetch.err") ||
	box_fail_all "scripts/fetch-kernel.sh cloud failed: $(tail -n 1 "$tmp/fetch.err")"
cloud=$(echo "$cloud_dir"/boot/vmlinuz-*)
cloud_release=$(basename "$cloud_dir"/lib/modules/*)
if [ -n "${MINIVMM_MINIMAL_KERNEL:-}" ]; then
	minimal=$MINIVMM_MINIMAL_KERNEL
else
	kdir=$("$repo/images/minimal-kernel.sh" 2>"$tmp/kernel.err") ||
		box_fail_all "images/minimal-kernel.sh failed: $(tail -n 1 "$tmp/kernel.err")"
	minimal=$kdir/bzImage
fi
minimal_release=$(strings -n 8 "$(dirname "$minimal")/vmlinux" 2>/dev/null |
	sed -n 's/^Linux version \([^ ]*\) .*/\1/p' | head -n 1)
[ -n "$minimal_release" ] || box_fail_all "no 'Linux version' string in $(dirname "$minimal")/vmlinux"
{
	echo "MINIVMM=$(shq "$minivmm")"
	echo "CLOUD_KERNEL=$(shq "$cloud")"
	echo "CLOUD_RELEASE=$(shq "$cloud_release")"
	echo "MINIMAL_KERNEL=$(shq "$minimal")"
	echo "MINIMAL_RELEASE=$(shq "$minimal_release")"
} >"$tmp/env"

cmd="bash $(shq "$repo/tests/box/command-tests.sh") --in-box $(shq "$tmp")"
box_run_retried "$tmp/console" --host-root --timeout 1500 --stall 300 -- "$cmd"

box_results CT "$tmp/console"
box_exit
