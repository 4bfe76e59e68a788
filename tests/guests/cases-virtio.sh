# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): virtio over PCI.
# The virtio guest (virtio.c) is a hostile driver of minivmm's virtio-rng:
# it breaks the virtqueue and PCI rules one at a time and checks that the
# device asks for a reset and then works again.  Under `make asan` the
# sanitizers watch minivmm meanwhile.
#
#   virtio-hostile  every check passes (status 83); minivmm names the first
#                   broken rule once on stderr, nothing more
#   virtio-no-rng   --no-rng: no PCI device, no host bridge; the guest finds
#                   nothing (status 255, its FAIL line)

VIRTIO=$GUESTDIR/virtio.bzimage
VIRTIO_PASS=83   # GUEST_EXIT_VIRTIO_PASS 0x29: (0x29 << 1) | 1

if begin_test virtio-hostile; then
	run --kernel "$VIRTIO" --mem 64M </dev/null
	check_common "$VIRTIO_PASS"   # two minivmm lines: the broken rule, the debug-exit
	for what in "a buffer in the MMIO hole" "a buffer that wraps around" "a chain that loops" \
		    "an indirect table inside an indirect table" "a chain longer than the queue" \
		    "an avail index that jumps by more than the queue size" \
		    "a queue size that is not a power of two"; do
		grep -qxF "virtio: $what: needs reset" "$tmp/console" || why+="no '$what: needs reset' from the guest; "
	done
	for line in "virtio: writes past MSI-X, the PBA and config space: ignored" \
		    "virtio: the BAR over RAM and back: RAM stayed RAM" "virtio: all checks passed"; do
		grep -qxF "$line" "$tmp/console" || why+="no '$line' from the guest; "
	done
	n=$(grep -c 'needs a reset' "$tmp/err")
	[ "$n" = 1 ] || why+="minivmm named a broken rule $n times on stderr, not once; "
	grep -q '^minivmm: virtio-rng (PCI 00:01.0): .*the device needs a reset (said once)$' "$tmp/err" ||
		why+="no 'virtio-rng (PCI 00:01.0): ... needs a reset' line; "
	finish_test
fi

if begin_test virtio-no-rng; then
	run --kernel "$VIRTIO" --mem 64M --no-rng </dev/null
	[ "$status" = 255 ] || why+="exit status $status, expected 255$(describe_status "$status"); "
	grep -qxF "FAIL: virtio: no virtio-rng on bus 0" "$tmp/console" ||
		why+="the guest found a virtio-rng with --no-rng; "
	grep -qE 'AddressSanitizer|runtime error:' "$tmp/err" && why+="sanitizer report on stderr; "
	finish_test
fi
