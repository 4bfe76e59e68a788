# shellcheck shell=bash
# shellcheck disable=SC2154,SC2153 # tmp, GUESTDIR, INITRD come from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): the device tree.
# The dtb guest (dtb.c, an ELF kernel entered through the 64-bit protocol)
# walks the tree of setup_data with libfdt and checks it against
# boot_params; here its account is checked against minivmm's --verbose one.
#
#   dtb-auto    the guest carries the warning only a kernel with
#               CONFIG_OF_EARLY_FLATTREE has, so --dtb auto (the default)
#               passes minivmm's tree: bootargs is minivmm's command line,
#               the initrd range is where minivmm put the initrd, the memory
#               ranges are its e820 RAM, one cpu node per vCPU (status 81)
#   dtb-off     --dtb off: no tree in setup_data (status 79)
#   dtb-file    --dtb FILE: the user's tree (its model) with minivmm's
#               /chosen (status 81)

DTB=$GUESTDIR/dtb.elf
DTB_PASS=81   # GUEST_EXIT_DTB_PASS 0x28: (0x28 << 1) | 1
DTB_NONE=79   # GUEST_EXIT_DTB_NONE 0x27

# check_dtb_against_verbose: the guest's bootargs, initrd and memory lines
# against minivmm's --verbose cmdline, image initrd and e820 lines.
check_dtb_against_verbose() {
	local cmdline initrd addr size want
	cmdline=$(sed -n 's/^minivmm: cmdline "\(.*\)"$/\1/p' "$tmp/err")
	grep -qxF "dtb: bootargs \"$cmdline\"" "$tmp/console" ||
		why+="the tree's bootargs are not minivmm's command line \"$cmdline\"; "
	initrd=$(grep -m1 '^minivmm: image initrd ' "$tmp/err")
	addr=$(value addr "$initrd")
	size=$(value size "$initrd")
	if [ -z "$addr" ]; then
		why+="no 'minivmm: image initrd' line; "
	else
		want="dtb: initrd $(hex "$addr")-$(hex $((addr + size)))"
		grep -qxF "$want" "$tmp/console" || why+="no '$want' from the guest; "
	fi
	want=$(grep '^minivmm: e820 .* type=1$' "$tmp/err" |
		sed 's/^minivmm: e820 addr=\(0x[0-9a-f]*\) size=\(0x[0-9a-f]*\) type=1$/dtb: memory \1 size \2/')
	[ -n "$want" ] || why+="no e820 RAM lines from minivmm; "
	[ "$want" = "$(grep '^dtb: memory ' "$tmp/console")" ] ||
		why+="the tree's memory is not minivmm's e820 RAM; "
}

if begin_test dtb-auto; then
	run --kernel "$DTB" --initrd "$INITRD" --cpus 2 --cmdline "dtb.guest=auto" --verbose \
		</dev/null
	check_common "$DTB_PASS"
	grep -qxF "dtb: all checks passed" "$tmp/console" || why+="the guest did not pass its checks; "
	grep -qxF 'dtb: cpus 2, model "minivmm"' "$tmp/console" || why+="not 2 cpus in minivmm's tree; "
	grep -qE '^dtb: setup_data 0xf0000 len [0-9]+$' "$tmp/console" ||
		why+="the tree is not at LAYOUT_DTB (0xf0000); "
	check_dtb_against_verbose
	finish_test
fi

if begin_test dtb-off; then
	run --kernel "$DTB" --initrd "$INITRD" --dtb off </dev/null
	check_exit "$DTB_NONE"
	grep -qxF "dtb: No valid device tree found, continuing without" "$tmp/console" ||
		why+="the guest found a tree; "
	finish_test
fi

if begin_test dtb-file; then
	printf '/dts-v1/;\n/ {\n\tmodel = "a user board";\n\tchosen {\n\t\tbootargs = "old";\n\t};\n};\n' \
		>"$tmp/user.dts"
	if dtc -I dts -O dtb -o "$tmp/user.dtb" "$tmp/user.dts" 2>"$tmp/err"; then
		run --kernel "$DTB" --initrd "$INITRD" --dtb "$tmp/user.dtb" --cmdline "dtb.guest=file" \
			--verbose </dev/null
		check_common "$DTB_PASS"
		grep -qxF 'dtb: cpus 0, model "a user board"' "$tmp/console" || why+="not the user's tree; "
		grep -qxF "dtb: no memory node" "$tmp/console" || why+="minivmm added a memory node; "
		grep -q '^dtb: bootargs ".*dtb\.guest=file"$' "$tmp/console" || why+="bootargs not minivmm's; "
	else
		why+="dtc failed on the user's tree; "
	fi
	finish_test
fi
