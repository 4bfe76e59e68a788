#!/usr/bin/env bash
# minimal-kernel.sh — build the project's own minimal kernel and print the
# folder that holds it: bzImage, vmlinux (the ELF with the PVH note, for
# `minivmm --kernel vmlinux`), System.map, the .config it was built from and
# build.log; and in its subfolder of/ the same kernel with a device tree
# (images/minimal-kernel-of.config added: CONFIG_OF_EARLY_FLATTREE), which
# tests/box/dtb-tests.sh boots (bzImage, vmlinux, System.map, .config).
#
#   images/minimal-kernel.sh        (or `make minimal-kernel`)
#
# The kernel is Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz),
# configured as `make tinyconfig` for x86_64 plus images/minimal-kernel.config,
# then `make olddefconfig`; of/ is that build tree with
# images/minimal-kernel-of.config merged in, olddefconfig again and `make
# bzImage` again, which recompiles only what the changed options reach
# (Kbuild's fixdep records the CONFIG_ symbols each object used).  Kconfig
# silently drops an option whose dependencies are off
# (Documentation/kbuild/kconfig-language.rst), so every option either
# fragment sets is checked in the resulting .config, and each one that did
# not stick is named on its own line: the build stops there.
#
# Build time, measured on 2 cores shared with other work (Debian 12, gcc 12,
# linux-source-6.1 6.1.192-3): 10 min 45 s wall for an uncached build (unpack
# and configuration ~1 min, `make -j2 bzImage` 9.5 min; 12 min user + 5.5 min
# system CPU), and 33 min when the 2 cores were busy with other builds.
# The of/ kernel after it, from the same tree: CONFIG_OF reaches most of the
# kernel through <linux/of.h>, so 894 of the 1311 compilation units are
# compiled again: 498 s against 1130 s for the shared kernel's `make
# bzImage` in one run (2 cores busy with other builds and two KVM boxes),
# 353 s against 501 s (unpack and configuration included) in a quieter
# one, 854 s in all; a separate build from scratch would cost the whole of
# the shared kernel's time again.
# Cached: about 0.1 s, the folder is printed at once.
#
# Cache: ${MINIVMM_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minivmm/kernels}/minimal-<hash>/,
# outside the clone, where <hash> covers the fragment, this script's code (not
# its comments) and the linux-source-6.1 package version: change any and the
# next call rebuilds.
# A build happens in a temporary folder beside the cache and is renamed into
# place (rename(2) is atomic), under a flock(1) on minimal-<hash>.lock, so a
# folder that exists is complete and two concurrent callers build it once.
#
# Needs the Debian packages linux-source-6.1 build-essential bc bison flex
# libelf-dev lz4 (scripts/install-deps.sh installs them).  Any failure: one
# line `minimal-kernel: ...` on stderr and 1; when the build itself failed,
# after the build log's last lines, the log kept as minimal-<hash>.failed.log.
set -euo pipefail

die() { echo "minimal-kernel: $*" >&2; exit 1; }

[ $# -eq 0 ] || die "usage: minimal-kernel.sh (no arguments; prints the kernel's folder)"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=$here/$(basename "${BASH_SOURCE[0]}")
fragment=$here/minimal-kernel.config
of_fragment=$here/minimal-kernel-of.config
source_pkg=linux-source-6.1
tarball=/usr/src/$source_pkg.tar.xz
[ -r "$fragment" ] || die "$fragment not found"
[ -r "$of_fragment" ] || die "$of_fragment not found"
[ -r "$tarball" ] ||
	die "$tarball not found: install the Debian package $source_pkg (as root: scripts/install-deps.sh)"
# The package version keys the cache; a tarball not from a package is keyed
# by its size and modification time.
source_version=$(dpkg-query -W -f='${Version}' "$source_pkg" 2>/dev/null) ||
	source_version=$(stat -c 'unpackaged-%s-%Y' "$tarball")

if [ -n "${MINIVMM_KERNEL_CACHE:-}" ]; then
	cache_root=$MINIVMM_KERNEL_CACHE
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
	cache_root=$XDG_CACHE_HOME/minivmm/kernels
elif [ -n "${HOME:-}" ]; then
	cache_root=$HOME/.cache/minivmm/kernels
else
	die "HOME is not set: set MINIVMM_KERNEL_CACHE to the folder for built kernels"
fi
# The script counts without its comment lines, so editing a comment (such as
# the build time above) does not cost a rebuild.
hash=$({ cat "$fragment" "$of_fragment"; grep -v '^[[:space:]]*#' "$script"; echo "$source_pkg $source_version"; } |
	sha256sum | cut -c1-16)
name=minimal-$hash
final=$cache_root/$name

complete() {
	[ -s "$1/bzImage" ] && [ -s "$1/vmlinux" ] && [ -s "$1/.config" ] &&
		[ -s "$1/of/bzImage" ] && [ -s "$1/of/vmlinux" ] && [ -s "$1/of/.config" ]
}

# Fast path: a folder that exists was renamed into place whole.
if complete "$final"; then
	echo "$final"
	exit 0
fi

mkdir -p "$cache_root" || die "cannot create the cache folder $cache_root"
exec 9>"$cache_root/$name.lock" || die "cannot create the lock file $cache_root/$name.lock"
flock 9 || die "cannot lock $cache_root/$name.lock"
# Another caller may have built it while this one waited for the lock.
if complete "$final"; then
	echo "$final"
	exit 0
fi
# Holding the lock, nothing else builds this hash: what is left over is from
# a build that was killed.
rm -rf "$final" "$cache_root/.$name".*

missing=()
for tool in make:build-essential gcc:build-essential bc:bc bison:bison flex:flex \
	perl:perl xz:xz-utils lz4:lz4; do
	command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
# objtool (tools/objtool, run on every x86-64 build) links against libelf.
[ -r /usr/include/libelf.h ] || [ -r /usr/include/elfutils/libelf.h ] || missing+=(libelf-dev)
[ ${#missing[@]} -eq 0 ] ||
	die "missing Debian packages to build the kernel: ${missing[*]} (as root: scripts/install-deps.sh)"

tmp=$(mktemp -d "$cache_root/.$name.XXXXXX") || die "cannot create a build folder in $cache_root"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
out=$tmp/out
mkdir "$out"
log=$out/build.log
src=$tmp/src
mkdir "$src"
: >"$log"

# fail STEP: keep the log beside the cache, show its end, one line, 1.
fail() {
	local kept=$cache_root/$name.failed.log
	cp "$log" "$kept" 2>/dev/null || kept=$log
	echo "minimal-kernel: last lines of the build log:" >&2
	tail -n 40 "$log" | sed 's/^/    /' >&2
	die "$1 failed (log: $kept)"
}
# kmake ARGS: the kernel's make with a clean environment, so nothing the
# caller set (a parent make's MAKEFLAGS with its command-line variables, CC,
# ARCH, O, KBUILD_OUTPUT, KCONFIG_CONFIG, ...) reaches the kernel's build.
kmake() {
	env -i PATH="$PATH" LC_ALL=C TMPDIR="$tmp" \
		make -C "$src" ARCH=x86_64 KBUILD_BUILD_USER=minivmm KBUILD_BUILD_HOST=minivmm "$@" >>"$log" 2>&1
}

echo "minimal-kernel: building $name from $source_pkg $source_version (about 10 minutes on 2 cores); log: $log" >&2
start=$(date +%s)
echo "== unpack $tarball" >>"$log"
tar -xJf "$tarball" -C "$src" --strip-components=1 >>"$log" 2>&1 || fail "unpacking $tarball"
echo "== tinyconfig + $fragment + olddefconfig" >>"$log"
kmake tinyconfig || fail "make tinyconfig"
(cd "$src" && env -i PATH="$PATH" LC_ALL=C scripts/kconfig/merge_config.sh -m .config "$fragment") \
	>>"$log" 2>&1 || fail "merging $fragment"
kmake olddefconfig || fail "make olddefconfig"

# check_fragment FILE: every line of FILE must be in .config as written:
# CONFIG_X=value exactly, `# CONFIG_X is not set` as not set (absent or that
# comment).  Each one that is not is named; then the build stops.
check_fragment() {
	local file=$1 base line sym now why dropped=0
	base=$(basename "$file")
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$src/.config" && continue
			sym=${line%%=*}
			now=$(grep -E "^$sym=" "$src/.config" | cut -d= -f2-) || true
			why="a dependency is off"
			grep -rqE --include='Kconfig*' "^[[:space:]]*(menu)?config ${sym#CONFIG_}\$" "$src" ||
				why="no such option in $source_pkg"
			echo "minimal-kernel: $line from $base was dropped by Kconfig (now ${now:-not set}): $why" >&2
			dropped=1 ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$src/.config" || continue
			echo "minimal-kernel: $sym is set in the resulting .config although $base says it is not (something selects it)" >&2
			dropped=1 ;;
		esac
	done <"$file"
	[ "$dropped" -eq 0 ] || { cp "$log" "$cache_root/$name.failed.log" 2>/dev/null || true; exit 1; }
}
check_fragment "$fragment"

echo "== make -j$(nproc) bzImage" >>"$log"
kmake -j"$(nproc)" bzImage || fail "make bzImage"

cp "$src/arch/x86/boot/bzImage" "$src/vmlinux" "$src/System.map" "$src/.config" "$out/" ||
	die "copying the built kernel into $out failed"
echo "== base kernel built in $(($(date +%s) - start)) s" >>"$log"

# The device-tree variant, from the same tree: only what the options it
# changes reach is compiled again.
of_start=$(date +%s)
echo "== + $of_fragment + olddefconfig" >>"$log"
(cd "$src" && env -i PATH="$PATH" LC_ALL=C scripts/kconfig/merge_config.sh -m .config "$of_fragment") \
	>>"$log" 2>&1 || fail "merging $of_fragment"
kmake olddefconfig || fail "make olddefconfig (of/)"
check_fragment "$of_fragment"
echo "== make -j$(nproc) bzImage (of/)" >>"$log"
kmake -j"$(nproc)" bzImage || fail "make bzImage (of/)"
mkdir "$out/of"
cp "$src/arch/x86/boot/bzImage" "$src/vmlinux" "$src/System.map" "$src/.config" "$out/of/" ||
	die "copying the device-tree kernel into $out/of failed"
echo "== of/ built in $(($(date +%s) - of_start)) s" >>"$log"
echo "== built in $(($(date +%s) - start)) s" >>"$log"
rm -rf "$src"
mv -T "$out" "$final" || die "cannot rename $out to $final"
echo "$final"
