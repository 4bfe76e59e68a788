#!/usr/bin/env bash
# fetch-kernel.sh FLAVOUR — fetch one of Debian's own kernel packages into the
# git-ignored cache and print the folder it was unpacked into.
#
#   FLAVOUR  cloud    linux-image-<version>-cloud-amd64 (small, virtio only;
#                     the kernel minivmm boots in the tests and the demo)
#            generic  linux-image-<version>-amd64 (has kvm.ko and kvm-amd.ko;
#                     the kernel of the KVM box, see scripts/box-run.sh)
#
# The version is the one the meta-package (linux-image-cloud-amd64 or
# linux-image-amd64) depends on today. The package is fetched with
# `apt-get download` into cache/kernels/ at the repository root and unpacked with
# `dpkg -x` into cache/kernels/<package>/; the kernel is then at
# <dir>/boot/vmlinuz-* and its modules under <dir>/lib/modules/*/.
# Idempotent: nothing is downloaded when the unpacked folder is already there.
#
# Environment: MINIVMM_CACHE overrides the cache folder (default <repo>/cache).
# Exit status: 0 and the folder on stdout; 1 with one line on stderr otherwise.
set -euo pipefail

die() { echo "fetch-kernel: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: fetch-kernel.sh cloud|generic"
case "$1" in
	cloud) meta=linux-image-cloud-amd64 ;;
	generic) meta=linux-image-amd64 ;;
	*) die "unknown flavour '$1' (want cloud or generic)" ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${MINIVMM_CACHE:-$repo/cache}/kernels
mkdir -p "$cache"

for tool in apt-cache apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || die "$tool not found: this needs a Debian system with apt"
done

# The concrete package the meta-package depends on, e.g. linux-image-6.1.0-56-amd64.
resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}
pkg=$(resolve || true)
if [ -z "$pkg" ]; then
	# An apt that has never been updated knows no packages yet.
	if [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >&2 || die "apt-get update failed"
		pkg=$(resolve || true)
	fi
	if [ -z "$pkg" ]; then
		# Offline but already fetched once: use the newest one in the cache.
		suffix=amd64; [ "$1" = cloud ] && suffix=cloud-amd64
		pkg=$(find "$cache" -mindepth 1 -maxdepth 1 -type d \
			-name "linux-image-*-$suffix" -printf '%f\n' 2>/dev/null |
			grep -E "^linux-image-[0-9.]+-[0-9]+-$suffix\$" | sort -V | tail -n1 || true)
		[ -n "$pkg" ] || die "cannot resolve $meta: apt-cache depends $meta names no linux-image package (run apt-get update as root)"
	fi
fi

dir=$cache/$pkg
if [ -d "$dir/boot" ] && compgen -G "$dir/boot/vmlinuz-*" >/dev/null; then
	echo "$dir"
	exit 0
fi

tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"   # apt-get download drops to user _apt, which must write here
echo "fetch-kernel: downloading $pkg" >&2
(cd "$tmp" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
[ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
dpkg-deb -x "$deb" "$tmp/root" || die "dpkg -x $deb failed"
compgen -G "$tmp/root/boot/vmlinuz-*" >/dev/null || die "$pkg has no boot/vmlinuz-*"
# Keep the .deb beside the tree (it is the provenance); rename is atomic, so a
# half-unpacked tree is never taken for a finished one.
mv "$deb" "$cache/"
rm -rf "$dir"
mv "$tmp/root" "$dir"
echo "$dir"
