#!/usr/bin/env bash
# Installs what minivmm needs to build and test, from Debian's packages only.
set -euo pipefail
PACKAGES=(
	build-essential clang pkg-config linux-libc-dev   # compilers, kvm.h, bootparam.h
	check libfdt-dev                                   # unit tests, device trees
	qemu-system-x86 busybox-static cpio kmod           # the KVM box and test initramfs
	xz-utils zstd lz4 gzip bzip2                       # payload compressors: test guests, extract-vmlinux
	zlib1g-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev  # minivmm decompresses a bzImage's payload
	binutils jq acpica-tools                           # readelf: vmlinux notes, dumps; jq: JSON in the tests; iasl -d: ACPI tables
	makedumpfile                                       # reads minivmm's vmcores in the box test
)
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
