#!/usr/bin/env bash
# Installs what minivmm needs to build and test, from Debian's packages only
# (`make run` and `make test` call it first).  Nothing to do: silent, 0.  As
# root: apt-get installs what is missing.  Not root: one line naming the
# missing packages and the command that installs them, and 1.
set -euo pipefail
PACKAGES=(
	build-essential clang pkg-config linux-libc-dev   # compilers, kvm.h, bootparam.h
	llvm                                               # make fuzz-coverage: llvm-profdata, llvm-cov
	check libfdt-dev                                   # unit tests, device trees
	device-tree-compiler                               # dtc: the --dump-dtb tests decompile the tree
	qemu-system-x86 busybox-static cpio kmod           # the KVM box and test initramfs
	xz-utils zstd lz4 gzip bzip2                       # payload compressors: test guests, extract-vmlinux
	zlib1g-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev  # minivmm decompresses a bzImage's payload
	libseccomp-dev                                     # the per-thread seccomp filters (vmm/seccomp.c)
	binutils jq acpica-tools                           # readelf: vmlinux notes, dumps; jq: JSON in the tests; iasl -d: ACPI tables
	makedumpfile                                       # reads minivmm's vmcores in the box test
	gdb                                                # the gdb stub's box test (tests/box/gdb-tests.sh)
	e2fsprogs util-linux                               # disk tests: mkfs.ext4 -d, debugfs, e2fsck; flock, setpriv
	linux-source-6.1 bc bison flex libelf-dev            # images/minimal-kernel.sh builds the project's kernel
	man-db groff-base                                  # install tests: man --warnings, groff -ww on minivmm.1
	dpkg-dev debhelper lintian                         # the Debian package: dpkg-buildpackage, dh, lintian
)
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
install="apt-get install --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}; install them as root with: sudo $install" >&2
	exit 1
fi
command -v apt-get >/dev/null ||
	{ echo "install-deps: apt-get not found: minivmm's set-up needs Debian's packages (${missing[*]})" >&2; exit 1; }
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -qq || { echo "install-deps: apt-get update failed" >&2; exit 1; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
	{ echo "install-deps: failed: $install" >&2; exit 1; }
