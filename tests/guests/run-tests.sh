#!/usr/bin/env bash
# Boots the tiny test guests (tests/guests/guests.mk) under minivmm and checks
# what they report against minivmm's --verbose account and its exit status.
#
#   tests/guests/run-tests.sh MINIVMM GUESTDIR
#
# Prints "ok NAME" or "FAIL NAME: why" (followed by minivmm's stderr and the
# guest console) per test, then "N passed, N failed[, N skipped]".  Exits 0
# only when nothing failed.  The tests need a usable /dev/kvm: in CI
# (CI=true) its absence fails them, elsewhere they are skipped with the reason.
#
# The helpers are in lib.sh; the tests in cases-*.sh, sourced below in order.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 MINIVMM GUESTDIR" >&2
	exit 2
fi
MINIVMM=$1
GUESTDIR=$2
here=$(dirname "$0")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-guest-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=tests/guests/lib.sh
. "$here/lib.sh"

for g in check.bzimage setup0.bzimage triple-fault.bzimage spin.bzimage flood.bzimage \
	 panic.bzimage reset.bzimage \
	 smp.bzimage acpi-off.bzimage pvpanic.bzimage pic.bzimage fwcfg.bzimage pattern.bzimage virtio.bzimage \
	 check-elf.elf check-pvh.elf payload-gzip.bzimage payload-bzip2.bzimage \
	 payload-lzma.bzimage payload-xz.bzimage payload-lz4.bzimage payload-zstd.bzimage \
	 payload-none.bzimage dtb.elf; do
	if [ ! -f "$GUESTDIR/$g" ]; then
		echo "$0: $GUESTDIR/$g is missing (make guests)" >&2
		exit 2
	fi
done
if [ ! -x "$MINIVMM" ]; then
	echo "$0: $MINIVMM is not an executable" >&2
	exit 2
fi
# The dump tests read minivmm's vmcores with readelf.
if ! command -v readelf >/dev/null; then
	echo "$0: readelf is missing (binutils; scripts/install-deps.sh)" >&2
	exit 2
fi

# Without a usable /dev/kvm, kvm_ok (through begin_test) fails every test
# in CI and skips it elsewhere.
kvm_probe

# The checking guests, one per way into a kernel.
CHECK=$GUESTDIR/check.bzimage
ELF=$GUESTDIR/check-elf.elf
PVH=$GUESTDIR/check-pvh.elf
# An initrd of pseudo-random bytes (the same every run: ZX81's LCG, exact in
# awk's doubles); an odd size, so it ends mid-page.
INITRD=$tmp/initrd.bin
LC_ALL=C awk 'BEGIN { x = 1; for (i = 0; i < 5003; i++) { x = (x * 75 + 74) % 65537; printf "%c", x % 256 } }' >"$INITRD"
if [ "$(stat -c %s "$INITRD")" != 5003 ]; then
	echo "$0: awk did not write the 5003-byte test initrd" >&2
	exit 2
fi

# shellcheck source=tests/guests/cases-boot.sh
. "$here/cases-boot.sh"
# shellcheck source=tests/guests/cases-elf-pvh.sh
. "$here/cases-elf-pvh.sh"
# shellcheck source=tests/guests/cases-placement.sh
. "$here/cases-placement.sh"
# shellcheck source=tests/guests/cases-payload.sh
. "$here/cases-payload.sh"
# shellcheck source=tests/guests/cases-exit-console.sh
. "$here/cases-exit-console.sh"
# shellcheck source=tests/guests/cases-smp.sh
. "$here/cases-smp.sh"
# shellcheck source=tests/guests/cases-platform.sh
. "$here/cases-platform.sh"
# shellcheck source=tests/guests/cases-fwcfg.sh
. "$here/cases-fwcfg.sh"
# shellcheck source=tests/guests/cases-virtio.sh
. "$here/cases-virtio.sh"
# shellcheck source=tests/guests/cases-dtb.sh
. "$here/cases-dtb.sh"
# shellcheck source=tests/guests/cases-dump.sh
. "$here/cases-dump.sh"
# shellcheck source=tests/guests/cases-trace.sh
. "$here/cases-trace.sh"
# shellcheck source=tests/guests/cases-seccomp.sh
. "$here/cases-seccomp.sh"

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
