#!/usr/bin/env bash
# Prints minivmm's version as `minivmm --version` shows it after "minivmm ".
# The release number is the one line of the file VERSION at the top of the
# tree (the only place it is written).  Then:
#   - a clean checkout of the tag vX.Y.Z whose X.Y.Z is VERSION: just X.Y.Z
#     (a release build: "0.5.0");
#   - any other git checkout: X.Y.Z and what git describe says, so that a
#     build between releases never passes for the release: "0.5.0 (git
#     abc1234)", "0.5.0 (git v0.5.0-3-gabc1234)", "-dirty" with uncommitted
#     changes;
#   - no git (a copy of the tree, such as the Debian package's build):
#     MINIVMM_GIT_DESCRIBE, when set, stands for git describe's output
#     (scripts/package-deb.sh sets it from the tree it copied); otherwise
#     just X.Y.Z, as a release tarball.
#   scripts/version.sh [TOP]     (TOP: the tree, default this script's ../)
set -euo pipefail
top=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
read -r base <"$top/VERSION" || { echo "version.sh: $top/VERSION: no version line" >&2; exit 1; }
case $base in
[0-9]*.[0-9]*.[0-9]*) ;;
*) echo "version.sh: $top/VERSION: '$base' is not X.Y.Z" >&2; exit 1 ;;
esac
describe=${MINIVMM_GIT_DESCRIBE:-}
# (the tree's own git only: a copy inside another checkout is no checkout)
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top" && pwd -P)" ]; then
	describe=$(git -C "$top" describe --tags --match 'v[0-9]*' --always --dirty --abbrev=7 2>/dev/null || true)
fi
if [ -z "$describe" ] || [ "$describe" = "v$base" ]; then
	echo "$base"
else
	echo "$base (git $describe)"
fi
