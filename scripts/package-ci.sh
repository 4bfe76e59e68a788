#!/usr/bin/env bash
# CI's package step (.ci/run, after make test), as root on a Debian machine:
# builds the .deb and runs lintian on it (scripts/package-deb.sh: fails on
# any error or warning), installs it with apt-get, checks that the installed
# /usr/bin/minivmm says the version of the file VERSION, boots Debian's
# cloud kernel with it once in the KVM box (`-- true`: the installed minivmm
# finds the installed /usr/libexec/minivmm/minivmm-init, virtiofsd and the
# kernel's modules, and the guest runs the command), removes the package and
# checks that its files are gone.  Each step says what it does; the first
# failure ends the script with 1.
#   scripts/package-ci.sh [OUTDIR]     (default: build/deb)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$top/build/deb}
fail() { echo "package-ci: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (apt-get installs the package)"
if dpkg-query -W -f='${Status}' minivmm 2>/dev/null | grep -q 'install ok installed'; then
	fail "a minivmm package is installed already: this step installs and removes its own"
fi

echo "== package-ci: dpkg-buildpackage and lintian"
deb=$("$top/scripts/package-deb.sh" "$out" | tail -n 1)
[ -f "$deb" ] || fail "scripts/package-deb.sh gave no .deb"

echo "== package-ci: apt-get install $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" ||
	fail "apt-get install $deb"
# From here on the package is removed however the script ends.
trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq minivmm >/dev/null 2>&1 || true' EXIT

release=$(cat "$top/VERSION")
version=$(/usr/bin/minivmm --version) || fail "/usr/bin/minivmm --version: exit status $?"
echo "$version"
[[ $version == "minivmm $release" || $version == "minivmm $release (git "*")" ]] ||
	fail "/usr/bin/minivmm --version says '$version', not minivmm $release"

echo "== package-ci: one boot of Debian's cloud kernel with /usr/bin/minivmm, in the KVM box"
cloud_dir=$("$top/scripts/fetch-kernel.sh" cloud) || fail "scripts/fetch-kernel.sh cloud"
kernel=$(echo "$cloud_dir"/boot/vmlinuz-*)
[ -f "$kernel" ] || fail "no kernel in $cloud_dir/boot"
box_status=0
"$top/scripts/box-run.sh" --host-root --timeout 240 --stall 120 -- \
	"/usr/bin/minivmm --kernel '$kernel' --timeout 120 -- sh -c 'echo package-ci: \$(cat /proc/sys/kernel/osrelease) ran'; echo package-ci: minivmm status \$?" \
	>"$out/box.log" 2>&1 || box_status=$?
grep -E '^package-ci: ' "$out/box.log" || true
krelease=${kernel##*/vmlinuz-}
if ! grep -qx 'package-ci: minivmm status 0' "$out/box.log" ||
	! grep -qxF "package-ci: $krelease ran" "$out/box.log"; then
	tail -n 30 "$out/box.log" >&2
	fail "the box boot with /usr/bin/minivmm did not run the command to status 0 (box-run.sh: $box_status)"
fi

echo "== package-ci: apt-get remove minivmm"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq minivmm || fail "apt-get remove minivmm"
trap - EXIT
for f in /usr/bin/minivmm /usr/libexec/minivmm /usr/share/man/man1/minivmm.1.gz \
	/usr/share/bash-completion/completions/minivmm; do
	[ ! -e "$f" ] || fail "$f is still there after apt-get remove"
done
echo "package-ci: ok: built, lintian-clean, installed, $version, booted, removed"
