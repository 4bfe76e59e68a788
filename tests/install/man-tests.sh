#!/usr/bin/env bash
# The man page (doc/minivmm.1) and the bash completion
# (completion/minivmm.bash) against `minivmm --help` (issue 18):
#   man-options          every long option --help prints is in the man page
#   help-options         every long option the man page names is in --help
#   man-sections         the man page has its sections: SYNOPSIS, OPTIONS,
#                        EXIT STATUS (each status of --help), ENVIRONMENT (each
#                        variable minivmm reads with getenv), FILES, EXAMPLES,
#                        SEE ALSO
#   man-warnings         man --warnings and groff -ww say nothing
#   completion-options   the completion offers exactly --help's long options
#
#   tests/install/man-tests.sh MINIVMM
# Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 MINIVMM" >&2
	exit 2
fi
MINIVMM=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAN=$repo/doc/minivmm.1
# shellcheck source=tests/scripts/lib.sh
. "$repo/tests/scripts/lib.sh"
tests_begin man-tests

# long_options: the --words of stdin, one a line, sorted, unique.
long_options() {
	grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u
}

"$MINIVMM" --help >"$tmp/help" 2>"$tmp/out" || echo "--help: exit status $?" >>"$tmp/out"
long_options <"$tmp/help" >"$tmp/help-options"
# The roff source with \- as -, and font changes and \& gone.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$MAN" >"$tmp/man-text"
# (up to EXAMPLES: those show other programs' options too, makedumpfile's)
sed '/^\.SH EXAMPLES/,$d' "$tmp/man-text" | long_options >"$tmp/man-options"

why=''
[ -s "$tmp/help-options" ] || why+="--help printed no option; "
missing=$(LC_ALL=C comm -23 "$tmp/help-options" "$tmp/man-options" | tr '\n' ' ')
[ -z "$missing" ] || why+="not in the man page: $missing; "
result man-options "$why"

why=''
extra=$(LC_ALL=C comm -13 "$tmp/help-options" "$tmp/man-options" | tr '\n' ' ')
[ -z "$extra" ] || why+="in the man page, not in --help: $extra; "
result help-options "$why"

why=''
for section in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
	grep -qx "\.SH \"\?$section\"\?" "$MAN" || why+="no section $section; "
done
# Each status --help lists, as a tagged paragraph of EXIT STATUS.
sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$MAN" >"$tmp/man-status"
for s in $(sed -n '/^Exit status:/,$p' "$tmp/help" | grep -oE '^  [0-9]+|^  odd' | tr -d ' '); do
	grep -qx "\.B $s\|\.I $s" "$tmp/man-status" || why+="EXIT STATUS has no $s; "
done
# Each variable minivmm's own code reads.
sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' "$MAN" >"$tmp/man-env"
for v in $(cd "$repo" && grep -ohE 'getenv\("[A-Z_]+"\)' common/*.c kvm/*.c loader/*.c boot/*.c vmm/*.c \
	vmm/*/*.c vmm/devices/virtio/*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
	grep -q "$v" "$tmp/man-env" || why+="ENVIRONMENT does not name $v; "
done
# The variables -- CMD passes on (machine_command_env_names).
for v in PATH TERM LANG LC_ALL; do
	grep -q "$v" "$tmp/man-env" || why+="ENVIRONMENT does not name $v; "
done
sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$tmp/man-text" >"$tmp/man-examples"
for e in '--expect' '--result-json' '--timeout' ' -- ' '--dump-on'; do
	grep -qF -- "$e" "$tmp/man-examples" || why+="no example with '$e'; "
done
result man-sections "$why"

why=''
MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN" 2>"$tmp/out" >/dev/null || why+="man: exit status $?; "
groff -ww -man -z "$MAN" 2>>"$tmp/out" || why+="groff: exit status $?; "
[ ! -s "$tmp/out" ] || why+="warnings: $(head -c 300 "$tmp/out"); "
result man-warnings "$why"

why=''
bash -c '. "$1" && printf "%s\n" $_minivmm_options' _ "$repo/completion/minivmm.bash" |
	LC_ALL=C sort -u >"$tmp/completion-options"
missing=$(LC_ALL=C comm -23 "$tmp/help-options" "$tmp/completion-options" | tr '\n' ' ')
extra=$(LC_ALL=C comm -13 "$tmp/help-options" "$tmp/completion-options" | tr '\n' ' ')
[ -z "$missing" ] || why+="not offered by the completion: $missing; "
[ -z "$extra" ] || why+="offered, not in --help: $extra; "
result completion-options "$why"
tests_end
