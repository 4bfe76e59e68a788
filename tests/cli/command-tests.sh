#!/usr/bin/env bash
# Bad input for `minivmm --kernel K -- CMD` (issue 15): each is a setup
# error, exit status 2 with exactly one stderr line "minivmm: ..." naming
# the problem, no crash, no sanitizer report.  None of them needs /dev/kvm:
# minivmm checks all of it before it opens the device.
#
#   tests/cli/command-tests.sh MINIVMM [GUESTDIR]
#
# GUESTDIR (default: DIR/guests beside MINIVMM) holds check.bzimage from
# tests/guests/guests.mk, the kernel of the cases that never get as far as
# the kernel's modules.  The cases:
#   share-missing        --share of a folder that does not exist
#   share-not-a-folder   --share of a regular file
#   virtiofsd-missing    MINIVMM_VIRTIOFSD names no program: the line names
#                        Debian's package, qemu-system-common
#   not-root             run as nobody: virtiofsd needs root, say so
#   init-missing         a minivmm with no minivmm-init beside it
#   modules-dir-missing  --modules of a folder that does not exist
#   modules-missing      Debian's cloud kernel (modular) copied alone, with no
#                        modules beside it nor in /lib/modules/VERSION: the
#                        line names the modules it needs
# Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
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
tests_begin command-tests

# expect_error NAME TEXT [--as-nobody] ARGS...: minivmm ARGS (--kernel CHECK
# first, unless ARGS has one) exits 2 with exactly one stderr line
# "minivmm: ..." containing TEXT (a fixed string).
expect_error() {
	local name=$1 text=$2 as=() f why='' minivmm=$MINIVMM
	shift 2
	if [ "${1:-}" = --as-nobody ]; then
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
		shift
	fi
	if [ "${1:-}" = --minivmm ]; then
		minivmm=$2
		shift 2
	fi
	local kernel=(--kernel "$CHECK")
	for f in "$@"; do [ "$f" = --kernel ] && kernel=(); done
	timeout -k 5 60 "${as[@]}" "$minivmm" "${kernel[@]}" "$@" </dev/null >"$tmp/stdout" 2>"$tmp/stderr"
	local status=$?
	{ cat "$tmp/stderr"; cat "$tmp/stdout"; } >"$tmp/out"
	if [ "$status" -ge 128 ]; then
		why+="exit status $status: killed by signal $((status - 128)); "
	elif [ "$status" != 2 ]; then
		why+="exit status $status, want 2; "
	fi
	grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/out" &&
		why+="sanitizer report; "
	if [ "$(wc -l <"$tmp/stderr")" != 1 ] || [ -n "$(tail -c 1 "$tmp/stderr")" ]; then
		why+="want exactly one line on stderr, got $(wc -l <"$tmp/stderr"); "
	fi
	case $(head -n 1 "$tmp/stderr") in
	"minivmm: "?*) ;;
	*) why+="stderr does not start with 'minivmm: <reason>'; " ;;
	esac
	grep -qF -- "$text" "$tmp/stderr" || why+="the line does not name '$text'; "
	result "$name" "$why"
}

if [ ! -f "$CHECK" ]; then
	: >"$tmp/out"
	result setup "$CHECK is missing (make guests)"
	tests_end
	exit
fi

expect_error share-missing "$tmp/no-such-folder" --share "$tmp/no-such-folder" -- true
: >"$tmp/file"
expect_error share-not-a-folder "$tmp/file" --share "$tmp/file:/mnt" -- true
export MINIVMM_VIRTIOFSD=$tmp/no-virtiofsd
expect_error virtiofsd-missing qemu-system-common -- true
unset MINIVMM_VIRTIOFSD
if [ "$(id -u)" = 0 ]; then
	# nobody must reach minivmm and the kernel.
	mkdir -p "$tmp/nobody" && cp "$MINIVMM" "$(dirname "$MINIVMM")/minivmm-init" "$CHECK" "$tmp/nobody/" &&
		chmod -R a+rX "$tmp" &&
		expect_error not-root "root" --as-nobody --minivmm "$tmp/nobody/minivmm" \
			--kernel "$tmp/nobody/$(basename "$CHECK")" -- true
else
	expect_error not-root "root" -- true
fi
mkdir -p "$tmp/alone" && cp "$MINIVMM" "$tmp/alone/minivmm"
expect_error init-missing "$tmp/alone/minivmm-init" --minivmm "$tmp/alone/minivmm" -- true
expect_error modules-dir-missing "$tmp/no-modules" --modules "$tmp/no-modules" -- true

# A modular kernel alone: Debian's cloud kernel, out of its package folder.
if cloud_dir=$("$repo/scripts/fetch-kernel.sh" cloud 2>"$tmp/out"); then
	cloud=$(echo "$cloud_dir"/boot/vmlinuz-*)
	release=$(basename "$cloud_dir"/lib/modules/*)
	if [ -e "/lib/modules/$release" ]; then
		: >"$tmp/out"
		result modules-missing "this machine has /lib/modules/$release: the case cannot be made here"
	else
		mkdir -p "$tmp/kernel/boot" && cp "$cloud" "$tmp/kernel/boot/"
		expect_error modules-missing "virtiofs" --kernel "$tmp/kernel/boot/$(basename "$cloud")" -- true
	fi
else
	result modules-missing "scripts/fetch-kernel.sh cloud failed"
fi
tests_end
