# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp, GUESTDIR and INITRD come from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): bzImages whose
# payload minivmm decompresses itself (guests.mk: payload-FORMAT.bzimage).
# The payload is the checking guest as an ELF linked at pref_address; the
# bzImage's own code exits with status 247 the moment it runs.  So 43 from
# the guest (exit=21) means minivmm booted the payload, with the bzImage's
# own setup header (check.c checks it); 247 means the bzImage as it is.

PAYLOAD_LINK_ADDR=$((0x1000000))   # guests.mk GUEST_PAYLOAD_LINK_ADDR
OUTER_ENTRY_STATUS=247             # guest.h GUEST_EXIT_OUTER_ENTRY 0x7b

# kernel_format: the FORMAT column of the --print-images kernel row
# (KIND ORIGIN ADDRESS SIZE ALIGN RAW-ADDRESS FORMAT PATH).
kernel_format() {
	awk '$1 == "kernel" { print $7 }' "$tmp/err"
}

# Every format minivmm decompresses: the full report from the vmlinux
# inside, entered at e_entry through the 64-bit protocol (not through the
# PVH note it also has), at its link address, with its span as its size.
for format in gzip bzip2 lzma xz lz4 zstd; do
	image=$GUESTDIR/payload-$format.bzimage
	if begin_test "payload-$format"; then
		run --kernel "$image" --initrd "$INITRD" --cmdline "exit=21 foo=bar" --verbose \
			--print-images </dev/null
		check_report_base 43 "long mode ok" "paging ok" "header ok"
		check_report_kernel "$PAYLOAD_LINK_ADDR" $((PAYLOAD_LINK_ADDR + 0x200)) span linux64
		check_report_e820 ""
		check_report_cmdline "exit=21 foo=bar"
		check_report_initrd "$INITRD" ""
		[ "$(kernel_format)" = "bzImage+$format" ] ||
			why+="--print-images says format '$(kernel_format)', not bzImage+$format; "
		awk -v k="$image" '$1 == "kernel" && $8 == k { found = 1 } END { exit !found }' "$tmp/err" ||
			why+="the kernel row does not name $image; "
		finish_test
	fi
done

# What keeps the bzImage as it is, so that its own entry runs: --boot
# linux64 (the bzImage's 64-bit entry), --kernel-addr (the vmlinux is
# linked for one address; --kernel-align comes only with it), and a payload
# minivmm does not know (here the ELF uncompressed: no compression magic).
LZ4_PAYLOAD=$GUESTDIR/payload-lz4.bzimage
for args in "--boot linux64" "--kernel-addr 0x2000000"; do
	option=${args%% *}
	if begin_test "payload-kept-${option#--}"; then
		# shellcheck disable=SC2086 # $args is two words
		run --kernel "$LZ4_PAYLOAD" $args --print-images </dev/null
		check_exit "$OUTER_ENTRY_STATUS"
		[ "$(kernel_format)" = bzImage ] ||
			why+="--print-images says format '$(kernel_format)', not bzImage; "
		finish_test
	fi
done
if begin_test payload-unknown-format; then
	run --kernel "$GUESTDIR/payload-none.bzimage" --print-images --verbose </dev/null
	check_exit "$OUTER_ENTRY_STATUS"
	[ "$(kernel_format)" = bzImage ] || why+="--print-images says format '$(kernel_format)', not bzImage; "
	grep -q "^minivmm: image kernel addr=$(hex "$BZIMAGE_LOAD_ADDR") " "$tmp/err" ||
		why+="the bzImage was not loaded at $(hex "$BZIMAGE_LOAD_ADDR"); "
	finish_test
fi

# A corrupt payload is a setup error naming the file and the format, and
# the way out; --boot linux64 takes that way (the guest would decompress).
if begin_test payload-corrupt; then
	bad=$tmp/payload-corrupt.bzimage
	cp "$GUESTDIR/payload-gzip.bzimage" "$bad"
	offset=$(od -An -tu4 -j $((0x248)) -N 4 "$bad" | tr -d ' ')
	length=$(od -An -tu4 -j $((0x24c)) -N 4 "$bad" | tr -d ' ')
	# The middle of the deflate data: gzip's CRC-32 catches any change.
	at=$(($(setup_size "$bad") + offset + length / 2))
	printf '\377\000\377\000' | dd of="$bad" bs=1 seek="$at" conv=notrunc status=none
	run --kernel "$bad" </dev/null
	check_setup_error "$bad"
	grep -q "the bzImage's gzip payload is corrupt: .*(--boot linux64 lets the guest decompress it)" "$tmp/err" ||
		why+="the message does not say the gzip payload is corrupt and how to boot anyway; "
	if [ -z "$why" ]; then
		run --kernel "$bad" --boot linux64 </dev/null
		check_exit "$OUTER_ENTRY_STATUS"
	fi
	finish_test
fi

# A kernel that only implements the Linux boot protocol (guests.mk:
# foreign.bzimage, shaped like memtest86+): not relocatable, a gzip payload
# that is no ELF, its file 15 bytes short of syssize paragraphs.  It boots
# at its own address through its own 64-bit entry, as GRUB and QEMU boot
# it: its code runs (247) at code32_start, entered at + 0x200.
if begin_test foreign-own-entry; then
	image=$GUESTDIR/foreign.bzimage
	run --kernel "$image" --verbose --print-images </dev/null
	check_exit "$OUTER_ENTRY_STATUS"
	[ "$(kernel_format)" = bzImage ] || why+="--print-images says format '$(kernel_format)', not bzImage; "
	grep -q "^minivmm: image kernel addr=$(hex "$BZIMAGE_LOAD_ADDR") size=$(hex "$(bzimage_kernel_size "$image")") entry=$(hex $((BZIMAGE_LOAD_ADDR + 0x200))) protocol=linux64 " "$tmp/err" ||
		why+="the kernel is not at $(hex "$BZIMAGE_LOAD_ADDR"), entered at + 0x200 through linux64; "
	grep -q "^outer: the bzImage's own 64-bit entry ran" "$tmp/console" ||
		why+="the console does not show the image's own entry running; "
	finish_test
fi
