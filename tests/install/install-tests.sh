#!/usr/bin/env bash
# make install and make uninstall (issue 18), into DESTDIR folders under a
# scratch folder, never the machine's own:
#   files-PREFIX     PREFIX=/usr/local (the default) and PREFIX=/usr: exactly
#                    minivmm, minivmm-init, the man page and the bash
#                    completion, where README "Install" says, with their modes
#   version          the installed minivmm --version: "minivmm X.Y.Z" with
#                    X.Y.Z from the file VERSION (and git's description on a
#                    build that is not the release tag's)
#   finds-init       the installed minivmm finds the installed minivmm-init:
#                    `-- true` with a --share folder that does not exist
#                    stops at the share (exit 2, the share named), a check
#                    minivmm makes only once minivmm-init was found; needs no
#                    /dev/kvm nor root
#   init-missing     the same with the installed minivmm-init taken away:
#                    the error names PREFIX/libexec/minivmm/minivmm-init, so
#                    that is where the installed minivmm looked
#   completion       bash loads the installed completion: complete -p minivmm
#   uninstall-PREFIX make uninstall leaves no file, and no libexec/minivmm
#
#   tests/install/install-tests.sh BUILD    (BUILD: make's build folder)
# Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD" >&2
	exit 2
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$1
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
# shellcheck source=tests/scripts/lib.sh
. "$repo/tests/scripts/lib.sh"
tests_begin install-tests
CHECK=$BUILD/guests/check.bzimage
release=$(cat "$repo/VERSION")

# files_in ROOT: every file and link under ROOT, relative, sorted.
files_in() {
	(cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort)
}

for prefix in /usr/local /usr; do
	root=$tmp/root${prefix//\//-}
	p=${prefix#/}
	make -s -C "$repo" --no-print-directory BUILD="$BUILD" DESTDIR="$root" \
		${prefix:+PREFIX=$prefix} install >"$tmp/out" 2>&1
	status=$?
	why=''
	[ "$status" = 0 ] || why+="make install: exit status $status; "
	printf '%s\n' "$p/bin/minivmm" "$p/libexec/minivmm/minivmm-init" \
		"$p/share/bash-completion/completions/minivmm" "$p/share/man/man1/minivmm.1" |
		LC_ALL=C sort >"$tmp/want"
	files_in "$root" >"$tmp/got"
	if ! cmp -s "$tmp/want" "$tmp/got"; then
		why+="installed files differ from the list: $(diff "$tmp/want" "$tmp/got" | grep '^[<>]' | tr '\n' ' '); "
	fi
	for f in bin/minivmm libexec/minivmm/minivmm-init share/man/man1/minivmm.1 \
		share/bash-completion/completions/minivmm; do
		want=644
		case $f in bin/* | libexec/*) want=755 ;; esac
		[ ! -e "$root$prefix/$f" ] || [ "$(stat -c %a "$root$prefix/$f")" = "$want" ] ||
			why+="$prefix/$f has mode $(stat -c %a "$root$prefix/$f"), want $want; "
	done
	cmp -s "$BUILD/minivmm-init" "$root$prefix/libexec/minivmm/minivmm-init" ||
		why+="the installed minivmm-init is not the build's; "
	result "files-$prefix" "$why"
done

# The rest on the default PREFIX's tree.
root=$tmp/root-usr-local
bin=$root/usr/local/bin/minivmm
init=$root/usr/local/libexec/minivmm/minivmm-init

why=''
"$bin" --version >"$tmp/out" 2>&1 || why+="exit status $?; "
grep -qxE "minivmm ${release//./\\.}( \(git [^()]+\))?" "$tmp/out" ||
	why+="the line is not 'minivmm ${release}[ (git ...)]': $(head -c 200 "$tmp/out"); "
result version "$why"

# run_command NAME TEXT [NOT]: the installed minivmm's -- true with a
# missing --share ends with 2 and one line naming TEXT (and not NOT).
run_command() {
	local why=''
	if [ ! -f "$CHECK" ]; then
		: >"$tmp/out"
		result "$1" "$CHECK is missing (make guests)"
		return
	fi
	timeout -k 5 60 "$bin" --kernel "$CHECK" --share "$tmp/no-such-folder" -- true \
		</dev/null >"$tmp/out" 2>&1
	local status=$?
	[ "$status" = 2 ] || why+="exit status $status, want 2; "
	[ "$(wc -l <"$tmp/out")" = 1 ] || why+="want one line of output, got $(wc -l <"$tmp/out"); "
	grep -qF -- "$2" "$tmp/out" || why+="the line does not name $2; "
	[ -z "${3:-}" ] || ! grep -qF -- "$3" "$tmp/out" || why+="the line speaks of $3; "
	result "$1" "$why"
}
run_command finds-init "$tmp/no-such-folder" minivmm-init
mv "$init" "$tmp/init-away"
run_command init-missing "$init"
mv "$tmp/init-away" "$init"

why=''
bash -c '. "$1" && complete -p minivmm' _ "$root/usr/local/share/bash-completion/completions/minivmm" \
	>"$tmp/out" 2>&1 || why+="bash could not load it; "
grep -q -- '-F _minivmm minivmm' "$tmp/out" || why+="no 'complete -F _minivmm minivmm'; "
result completion "$why"

for prefix in /usr/local /usr; do
	root=$tmp/root${prefix//\//-}
	why=''
	make -s -C "$repo" --no-print-directory BUILD="$BUILD" DESTDIR="$root" PREFIX="$prefix" \
		uninstall >"$tmp/out" 2>&1 || why+="make uninstall: exit status $?; "
	files_in "$root" >"$tmp/got"
	[ ! -s "$tmp/got" ] || why+="left behind: $(tr '\n' ' ' <"$tmp/got"); "
	[ ! -e "$root$prefix/libexec/minivmm" ] || why+="$prefix/libexec/minivmm is still there; "
	result "uninstall-$prefix" "$why"
done
tests_end
