# Guest images and the KVM box (see images/*.sh, scripts/fetch-kernel.sh,
# scripts/box-run.sh). Nothing here runs while make reads the file, so `make`
# works without the packages these need (busybox-static, cpio, qemu-system-x86).
#
#   make kernels          fetch Debian's cloud and generic kernels into cache/
#   make guest-initramfs  build $(BUILD)/images/guest.cpio.gz (busybox, /init)
#   make minimal-kernel   build the project's kernel from linux-source-6.1 into
#                         ~/.cache/minivmm/kernels/ and print its folder
#   make box-probe        check that the KVM box gives a working nested /dev/kvm

.PHONY: kernels guest-initramfs minimal-kernel box-probe

kernels:
	scripts/fetch-kernel.sh cloud
	scripts/fetch-kernel.sh generic

guest-initramfs: $(BUILD)/images/guest.cpio.gz

$(BUILD)/images/guest.cpio.gz: images/guest-initramfs.sh
	images/guest-initramfs.sh $@

# Cached outside the clone and keyed by its inputs, so the script itself
# decides whether to build (about 10 minutes) or print the folder at once.
minimal-kernel:
	images/minimal-kernel.sh

box-probe:
	tests/box/run-tests.sh --probe-only
