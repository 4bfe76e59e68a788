# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): ELF kernels and
# the entry protocol: check-elf.elf through the 64-bit protocol,
# check-pvh.elf through its PVH note, and what --boot chooses or refuses.

# check-elf.elf has no PVH note (only another Xen note): by default and with
# --boot linux64 minivmm enters it at e_entry through the 64-bit protocol,
# with a setup header of its own making (check.c checks it).
for boot in "" "--boot linux64"; do
	if begin_test "elf-linux64${boot:+-explicit}"; then
		# shellcheck disable=SC2086 # $boot is zero or two words
		run --kernel "$ELF" $boot --initrd "$INITRD" --cmdline "exit=21 foo=bar" --verbose </dev/null
		check_elf_report 43 "exit=21 foo=bar" "$INITRD"
		finish_test
	fi
done

# check-pvh.elf has the PVH note (second of two Xen notes): by default and
# with --boot pvh minivmm enters it there in 32-bit protected mode.
for boot in "" "--boot pvh"; do
	if begin_test "pvh${boot:+-explicit}"; then
		# shellcheck disable=SC2086 # $boot is zero or two words
		run --kernel "$PVH" $boot --initrd "$INITRD" --cmdline "exit=21 foo=bar" --verbose </dev/null
		check_pvh_report 43 "exit=21 foo=bar" "$INITRD"
		finish_test
	fi
done

# No initrd: no module; RAM past 4 GiB in the memory map.
if begin_test pvh-no-initrd-4G; then
	run --kernel "$PVH" --mem 4G --cmdline "exit=3" --verbose </dev/null
	check_pvh_report 7 "exit=3" ""
	grep -q "^e820 addr=0x100000000 " "$tmp/console" || why+="no RAM at 4 GiB in the PVH memory map; "
	finish_test
fi

# --boot linux64 overrides the note: the PVH guest is entered at e_entry in
# 64-bit mode, where it exits with 0x7c (status 249).
if begin_test pvh-guest-boot-linux64; then
	run --kernel "$PVH" --boot linux64 </dev/null
	check_exit 249
	finish_test
fi

# A moved PVH kernel: Linux's PVH entry runs only at its link address, so
# auto falls back to the 64-bit entry (the e_entry stub's status 249) and an
# explicit --boot pvh is refused.
if begin_test pvh-guest-moved-auto-linux64; then
	run --kernel "$PVH" --kernel-addr 0x2000000 --verbose </dev/null
	check_common 249
	grep -q 'protocol=linux64' "$tmp/err" || why+="--verbose does not say protocol=linux64; "
	finish_test
fi
if begin_test pvh-guest-moved-boot-pvh-refused; then
	run --kernel "$PVH" --kernel-addr 0x2000000 --boot pvh </dev/null
	check_setup_error "$PVH"
	grep -q 'link address' "$tmp/err" || why+="the message does not say why; "
	finish_test
fi

# --boot pvh for a kernel without the PVH note is a setup error that names it.
for k in "$ELF" "$CHECK"; do
	if begin_test "boot-pvh-without-note-$(guest_name "$k")"; then
		run --kernel "$k" --boot pvh </dev/null
		check_setup_error "$k"
		finish_test
	fi
done
