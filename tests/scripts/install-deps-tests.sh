#!/usr/bin/env bash
# Tests scripts/install-deps.sh, the set-up `make run` and `make test` do
# first, without installing anything: a stub dpkg-query (first on PATH)
# says which packages are missing.
#   - nothing missing: silent, 0;
#   - not root, two packages missing: 1 and exactly one stderr line naming
#     both and the command that installs them (run as nobody, setpriv(1)).
# Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-deps-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
passed=0 failed=0
result() { # NAME WHY
	if [ -z "$2" ]; then echo "ok $1"; passed=$((passed + 1)); else echo "FAIL $1: ${2%; }"; failed=$((failed + 1)); fi
}

# The stub: "dpkg-query -W -f=${Status} PKG" says PKG is installed unless
# it is listed in $tmp/missing.
mkdir "$tmp/bin"
cat >"$tmp/bin/dpkg-query" <<STUB
#!/bin/sh
for p; do :; done
if grep -qx "\$p" "$tmp/missing"; then echo "unknown ok not-installed"; else echo "install ok installed"; fi
STUB
chmod 755 "$tmp/bin/dpkg-query"
: >"$tmp/missing"
chmod 644 "$tmp/missing"

name="install-deps: nothing missing, nothing said"
PATH=$tmp/bin:$PATH bash "$repo/scripts/install-deps.sh" >"$tmp/out" 2>"$tmp/err"
rc=$?
why=
[ "$rc" = 0 ] || why+="exit status $rc, want 0; "
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || why+="it printed: $(cat "$tmp/out" "$tmp/err" | head -n 3); "
result "$name" "$why"

name="install-deps: not root, one line naming the packages and the command"
printf 'check\nlibfdt-dev\n' >"$tmp/missing"
if [ "$(id -u)" = 0 ]; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	command -v setpriv >/dev/null || as_user=()
else
	as_user=(env)
fi
if [ ${#as_user[@]} -eq 0 ]; then
	result "$name" "setpriv (util-linux) is missing: cannot run as a user who isn't root"
else
	"${as_user[@]}" env PATH="$tmp/bin:$PATH" bash "$repo/scripts/install-deps.sh" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	why=
	[ "$rc" = 1 ] || why+="exit status $rc, want 1; "
	[ "$(wc -l <"$tmp/err")" = 1 ] || why+="$(wc -l <"$tmp/err") stderr lines, want 1; "
	grep -q 'check libfdt-dev' "$tmp/err" || why+="the line does not name the packages; "
	grep -q 'apt-get install .*check libfdt-dev' "$tmp/err" || why+="the line does not give the install command; "
	[ -n "$why" ] && why+="stderr: $(head -c 300 "$tmp/err"); "
	result "$name" "$why"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
