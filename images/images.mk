# Guest images and the KVM box (see images/*.sh, scripts/fetch-kernel.sh,
# scripts/box-run.sh). Nothing here runs while make reads the file, so `make`
# works without the packages these need (busybox-static, cpio, qemu-system-x86).
#
#   make kernels          fetch Debian's cloud and generic kernels into cache/
#   make guest-initramfs  build $(BUILD)/images/guest.cpio.gz (busybox, /init)
#   make minimal-kernel   build the project's kernel from linux-source-6.1 into
#                         ~/.cache/minivmm/kernels/ and print its folder
#   make box-probe        check that the KVM box gives a working nested /dev/kvm
#   make disk-initramfs   build $(BUILD)/images/disk-cloud.cpio.gz (the cloud
#                         kernel's virtio modules, loaded in dependency order)
#                         and $(BUILD)/images/disk-builtin.cpio.gz (no modules,
#                         for a kernel with virtio built in); both run
#                         tests/box/virtio-guest.sh for minivmm.test=virtio
#                         and switch_root to a disk for minivmm.root=DEV
#                         (images/disk-initramfs.sh)
#   make disk-data        build $(BUILD)/images/data.ext4: files of known
#                         sha256 and their list SHA256SUMS (mkfs.ext4 -d)
#   make disk-root        build $(BUILD)/images/root.ext4: a root disk whose
#                         /sbin/init reports and powers off (images/disk-image.sh)
# The disk images are made fresh by each test run too; none is committed.

.PHONY: kernels guest-initramfs minimal-kernel box-probe disk-initramfs disk-data disk-root

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

disk-initramfs: $(BUILD)/images/disk-cloud.cpio.gz $(BUILD)/images/disk-builtin.cpio.gz

$(BUILD)/images/disk-cloud.cpio.gz: images/disk-initramfs.sh tests/box/virtio-guest.sh
	kdir=$$(scripts/fetch-kernel.sh cloud) && \
	images/disk-initramfs.sh --modules "$$kdir" --test virtio=tests/box/virtio-guest.sh $@

$(BUILD)/images/disk-builtin.cpio.gz: images/disk-initramfs.sh tests/box/virtio-guest.sh
	images/disk-initramfs.sh --test virtio=tests/box/virtio-guest.sh $@

disk-data: $(BUILD)/images/data.ext4

$(BUILD)/images/data.ext4: images/disk-image.sh
	images/disk-image.sh data $@

disk-root: $(BUILD)/images/root.ext4

$(BUILD)/images/root.ext4: images/disk-image.sh
	images/disk-image.sh root $@
