# Guest images and the KVM box (see images/*.sh, scripts/fetch-kernel.sh,
# scripts/box-run.sh). Nothing here runs while make reads the file, so `make`
# works without the packages these need (busybox-static, cpio, qemu-system-x86).
#
#   make kernels          fetch Debian's cloud and generic kernels into cache/
#   make guest-initramfs  build $(BUILD)/images/guest.cpio.gz (busybox, /init)
#   make box-probe        check that the KVM box gives a working nested /dev/kvm

.PHONY: kernels guest-initramfs box-probe

kernels:
	scripts/fetch-kernel.sh cloud
	scripts/fetch-kernel.sh generic

guest-initramfs: $(BUILD)/images/guest.cpio.gz

$(BUILD)/images/guest.cpio.gz: images/guest-initramfs.sh
	images/guest-initramfs.sh $@

box-probe:
	tests/box/run-tests.sh --probe-only
