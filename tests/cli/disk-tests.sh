#!/usr/bin/env bash
# Bad disks for minivmm's --disk (and the other virtio options): each is a
# usage/setup error, exit status 2 with exactly one stderr line
# "minivmm: ..." that names the file (or the option), no crash, no sanitizer
# report, and no disk file changed.  Like tests/cli/run-tests.sh, none of
# these needs /dev/kvm: minivmm checks the user's input before it opens it.
#
#   tests/cli/disk-tests.sh MINIVMM [GUESTDIR]
#
# GUESTDIR (default: DIR/guests beside MINIVMM) holds check.bzimage from
# tests/guests/guests.mk, the kernel of every case (it never runs).  The cases:
# a missing file, a folder, a file the user cannot read (run as nobody when
# this runs as root, whom file modes do not stop), an empty file, a size that
# is not a multiple of 512, a disk that is also the --kernel, --initrd,
# --dump, --result-json or --console file, the same disk twice, 17 disks, a
# disk another process holds an exclusive flock(2) lock on
# (`flock -x FILE sleep 30` style), a bad ,OPTION, and a bad
# --console-device.  Prints "ok NAME" / "FAIL NAME: why" / "skip NAME: why"
# (a case that cannot run as nobody here), then "N passed, N failed[, N
# skipped]".
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 MINIVMM [GUESTDIR]" >&2
	exit 2
fi
MINIVMM=$(realpath "$1")
GUESTDIR=${2:-$(dirname "$MINIVMM")/guests}
CHECK=$(realpath "$GUESTDIR/check.bzimage" 2>/dev/null || echo "$GUESTDIR/check.bzimage")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/scripts/lib.sh
. "$repo/tests/scripts/lib.sh"
tests_begin disk-tests
skipped=0
lock_pid=

# finish: the summary; 0 only when nothing failed.
finish() {
	[ -z "$lock_pid" ] || kill "$lock_pid" 2>/dev/null
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" = 0 ]
	exit
}
# skip NAME WHY: not run here; a failure under CI=true (a test that did not
# run never counts as passed, and CI must not stay silent about it).
skip() {
	if [ "${CI:-}" = true ]; then
		: >"$tmp/out"
		result "$1" "not run under CI=true: $2"
	else
		echo "skip $1: $2"
		skipped=$((skipped + 1))
	fi
}

CASES=(disk-missing disk-directory disk-unreadable disk-empty disk-not-sector-multiple
	disk-is-the-kernel disk-is-the-initrd disk-is-the-dump disk-is-the-result-json
	disk-is-the-console disk-twice disk-seventeen disk-locked disk-bad-option
	console-device-bad)
if [ ! -x "$MINIVMM" ]; then
	echo "$0: $MINIVMM is not an executable" >&2
	exit 2
fi
if [ ! -f "$CHECK" ]; then
	: >"$tmp/out"
	for c in "${CASES[@]}"; do result "$c" "$CHECK is missing (make guests)"; done
	finish
fi

# run [--as-nobody] ARGS...: minivmm ARGS, stdin /dev/null, stdout and
# stderr in $tmp/stdout and $tmp/stderr, both in $tmp/out (shown under a
# FAIL); the status in $status.
run() {
	local as=()
	if [ "$1" = --as-nobody ]; then
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
		shift
	fi
	timeout -k 5 20 "${as[@]}" "$MINIVMM" "$@" </dev/null >"$tmp/stdout" 2>"$tmp/stderr"
	status=$?
	{ cat "$tmp/stderr"; cat "$tmp/stdout"; } >"$tmp/out"
}

# expect_error NAME TEXT [--as-nobody] ARGS...: minivmm ARGS (--kernel CHECK
# first, unless ARGS has a --kernel) exits 2 with exactly one stderr line "minivmm: ..." containing TEXT (a
# fixed string); every file in $kept keeps its bytes.
kept=()
expect_error() {
	local name=$1 text=$2 as=() f why=
	shift 2
	if [ "${1:-}" = --as-nobody ]; then as=(--as-nobody); shift; fi
	local -A sum=()
	for f in "${kept[@]}"; do sum[$f]=$(sha256sum <"$f"); done
	local kernel=(--kernel "$CHECK")
	for f in "$@"; do [ "$f" = --kernel ] && kernel=(); done
	run "${as[@]}" "${kernel[@]}" "$@"
	if [ "$status" -ge 128 ]; then
		why+="exit status $status: killed by signal $((status - 128)); "
	elif [ "$status" != 2 ]; then
		why+="exit status $status, want 2; "
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/out"; then
		why+="sanitizer report; "
	fi
	if [ "$(wc -l <"$tmp/stderr")" != 1 ] || [ -n "$(tail -c 1 "$tmp/stderr")" ]; then
		why+="want exactly one line on stderr, got $(wc -l <"$tmp/stderr"); "
	fi
	case $(head -n 1 "$tmp/stderr") in
	"minivmm: "?*) ;;
	*) why+="stderr does not start with 'minivmm: <reason>'; " ;;
	esac
	grep -qF -- "$text" "$tmp/stderr" || why+="the line does not name '$text'; "
	for f in "${kept[@]}"; do
		[ "$(sha256sum <"$f")" = "${sum[$f]}" ] || why+="$f was changed; "
	done
	kept=()
	result "$name" "$why"
}

# A good disk to stand beside the bad one: the case must be about the bad one.
head -c 65536 /dev/urandom >"$tmp/good.img"

expect_error disk-missing "$tmp/missing.img" --disk "$tmp/missing.img"
mkdir "$tmp/folder.img"
expect_error disk-directory "$tmp/folder.img" --disk "$tmp/good.img" --disk "$tmp/folder.img"

# Unreadable: mode 0 stops everyone but root, so root runs minivmm as nobody
# (who must reach minivmm, the kernel and the folder).
head -c 4096 /dev/urandom >"$tmp/unreadable.img"
chmod 0000 "$tmp/unreadable.img"
if [ "$(id -u)" != 0 ]; then
	expect_error disk-unreadable "$tmp/unreadable.img" --disk "$tmp/unreadable.img"
elif ! command -v setpriv >/dev/null; then
	skip disk-unreadable "running as root and setpriv (util-linux) is missing, so the case cannot run as nobody"
elif ! setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -r "$CHECK" ||
	! setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -x "$MINIVMM"; then
	skip disk-unreadable "nobody cannot read $CHECK or run $MINIVMM"
else
	chmod 0755 "$tmp"
	expect_error disk-unreadable "$tmp/unreadable.img" --as-nobody --disk "$tmp/unreadable.img"
	chmod 0700 "$tmp"
fi

: >"$tmp/empty.img"
expect_error disk-empty "$tmp/empty.img" --disk "$tmp/empty.img"
head -c $((3 * 512 + 100)) /dev/urandom >"$tmp/odd-size.img"
kept=("$tmp/odd-size.img")
expect_error disk-not-sector-multiple "$tmp/odd-size.img" --disk "$tmp/odd-size.img"

# A disk is written by the guest: never a file minivmm reads or writes for
# another purpose.  Each such file keeps its bytes.
cp "$CHECK" "$tmp/kernel-copy"
kept=("$tmp/kernel-copy")
expect_error disk-is-the-kernel "$tmp/kernel-copy" --kernel "$tmp/kernel-copy" --disk "$tmp/kernel-copy"
head -c 8192 /dev/urandom >"$tmp/initrd.img"
kept=("$tmp/initrd.img")
expect_error disk-is-the-initrd "$tmp/initrd.img" --initrd "$tmp/initrd.img" --disk "$tmp/initrd.img"
cp "$tmp/good.img" "$tmp/dump.img"
kept=("$tmp/dump.img")
expect_error disk-is-the-dump "$tmp/dump.img" --dump "$tmp/dump.img" --disk "$tmp/dump.img"
cp "$tmp/good.img" "$tmp/report.img"
kept=("$tmp/report.img")
expect_error disk-is-the-result-json "$tmp/report.img" --result-json "$tmp/report.img" --disk "$tmp/report.img"
cp "$tmp/good.img" "$tmp/console.img"
kept=("$tmp/console.img")
expect_error disk-is-the-console "$tmp/console.img" --console "file:$tmp/console.img" --disk "$tmp/console.img"
# Two virtio-blk devices writing one file would corrupt it: also through a
# second name (a symbolic link).
ln -s good.img "$tmp/good-link.img"
kept=("$tmp/good.img")
expect_error disk-twice "$tmp/good-link.img" --disk "$tmp/good.img" --disk "$tmp/good-link.img"

disks=()
for i in $(seq 1 17); do
	head -c 512 /dev/zero >"$tmp/d$i.img"
	disks+=(--disk "$tmp/d$i.img")
done
expect_error disk-seventeen "$tmp/d17.img" "${disks[@]}"

# Another process (another minivmm, a mount, an image tool) holds the disk:
# an exclusive flock, as flock(1) takes it.  The holder is one process (the
# subshell execs sleep with the locked descriptor), ended by its id.
cp "$tmp/good.img" "$tmp/locked.img"
(flock -x 9 && exec sleep 30) 9>>"$tmp/locked.img" &
lock_pid=$!
for _ in $(seq 1 100); do
	flock -n -x "$tmp/locked.img" true 2>/dev/null || break
	sleep 0.05
done
if flock -n -x "$tmp/locked.img" true 2>/dev/null; then
	: >"$tmp/out"
	result disk-locked "flock(1) did not take the lock on $tmp/locked.img within 5 s"
else
	kept=("$tmp/locked.img")
	expect_error disk-locked "$tmp/locked.img" --disk "$tmp/locked.img"
fi
kill "$lock_pid" 2>/dev/null
wait "$lock_pid" 2>/dev/null
lock_pid=

expect_error disk-bad-option "$tmp/good.img,rw" --disk "$tmp/good.img,rw"
expect_error console-device-bad "--console-device" --console-device bogus

finish
