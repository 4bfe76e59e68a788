#!/usr/bin/env bash
# Builds the Debian package (debian/) with `dpkg-buildpackage -b -us -uc`
# and checks it with lintian, which must report no error and no warning
# (debian/minivmm.lintian-overrides holds the explained exceptions).
#   scripts/package-deb.sh [OUTDIR]     (default: build/deb)
# The build runs in a copy of the tree (the files git tracks or would add,
# as they are now, uncommitted edits included), so the tree itself is left
# as it was: no debian/minivmm/, no build stamps, no .deb beside it.
# OUTDIR receives minivmm_VERSION_ARCH.deb (and the -dbgsym package); the
# path of the main .deb is the last line printed.  The copy has no git, so
# the version (scripts/version.sh) comes from this tree's git through
# MINIVMM_GIT_DESCRIBE.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$top/build/deb}
for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null ||
		{ echo "package-deb: $tool not found (scripts/install-deps.sh installs it: dpkg-dev, debhelper, lintian)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/minivmm
mkdir -p "$src" "$out"

if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$src" -xf -
	MINIVMM_GIT_DESCRIBE=$(git -C "$top" describe --tags --match 'v[0-9]*' --always --dirty --abbrev=7)
	export MINIVMM_GIT_DESCRIBE
else
	tar -C "$top" --exclude=./build --exclude='./build-*' --exclude=./cache -cf - . | tar -C "$src" -xf -
fi
echo "package-deb: building minivmm $("$src/scripts/version.sh" "$src") in $src" >&2

(cd "$src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log" >&2; echo "package-deb: dpkg-buildpackage failed" >&2; exit 1; }

debs=("$work"/minivmm_*.deb)
[ -f "${debs[0]}" ] || { echo "package-deb: no minivmm_*.deb was built" >&2; exit 1; }
rm -f "$out"/minivmm_*.deb "$out"/minivmm-dbgsym_*.deb
cp "$work"/*.deb "$out/"
deb=$out/$(basename "${debs[0]}")

# lintian on the .deb: any E: or W: line fails (overrides are explained
# in debian/minivmm.lintian-overrides); I: and N: lines are shown.
lintian --info "$deb" >"$work/lintian.log" 2>&1 || true
sed 's/^/lintian: /' "$work/lintian.log" >&2
if grep -qE '^[EW]: ' "$work/lintian.log"; then
	echo "package-deb: lintian reports errors or warnings on $deb" >&2
	exit 1
fi
echo "$deb"
