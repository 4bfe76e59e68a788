# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh, status from run (lib.sh)
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): the checking
# bzImages booted through the 64-bit protocol at their default placement:
# the full report with and without an initrd, with several --mem sizes, the
# longest command line, the largest initrd that fits, setup_sects = 0.

# check guest, default RAM: the full report.
if begin_test check-initrd; then
	run --kernel "$CHECK" --initrd "$INITRD" --cmdline "exit=21 foo=bar" --verbose </dev/null
	check_guest_report "$CHECK" 43 "exit=21 foo=bar" "" "$INITRD"
	finish_test
fi

for mem in 64M 1G 4G; do
	if begin_test "check-mem-$mem"; then
		case $mem in
		*M) bytes=$((${mem%M} << 20)) ;;
		*G) bytes=$((${mem%G} << 30)) ;;
		esac
		run --kernel "$CHECK" --initrd "$INITRD" --mem "$mem" --cmdline "exit=21 foo=bar" --verbose </dev/null
		check_guest_report "$CHECK" 43 "exit=21 foo=bar" "$bytes" "$INITRD"
		finish_test
	fi
done

# The command line at exactly cmdline_size bytes boots and arrives whole;
# one byte more is a setup error.  The default part comes from a --verbose
# run with a one-word user part.
CMDLINE_SIZE=2047               # what tests/guests/header.S declares
CMDLINE_EXIT="exit=8 "          # leads the longest command line: status 17
if begin_test cmdline-max; then
	run --kernel "$CHECK" --cmdline "exit=0" --verbose </dev/null
	default=$(sed -n 's/^minivmm: cmdline "\(.*\) exit=0"$/\1/p' "$tmp/err")
	if [ -z "$default" ]; then
		why+="no 'minivmm: cmdline \"... exit=0\"' line from --verbose; "
	else
		pad=$((CMDLINE_SIZE - ${#default} - 1 - ${#CMDLINE_EXIT}))
		user="$CMDLINE_EXIT$(printf 'y%.0s' $(seq 1 "$pad"))"
		run --kernel "$CHECK" --cmdline "$user" </dev/null
		check_exit 17
		guest_cmd=$(sed -n 's/^cmdline "\(.*\)"$/\1/p' "$tmp/console")
		[ "$guest_cmd" = "$default $user" ] ||
			why+="the guest saw a ${#guest_cmd}-byte command line, not the $CMDLINE_SIZE bytes given; "
		if [ -z "$why" ]; then
			run --kernel "$CHECK" --cmdline "${user}y" </dev/null
			[ "$status" = 2 ] || why+="a command line of $((CMDLINE_SIZE + 1)) bytes: exit status $status, expected 2; "
			[ "$(wc -l <"$tmp/err")" = 1 ] || why+="a command line of $((CMDLINE_SIZE + 1)) bytes: expected one line on stderr; "
			grep -qiE '^minivmm: .*(command line|cmdline)' "$tmp/err" ||
				why+="a command line of $((CMDLINE_SIZE + 1)) bytes: the message does not mention the command line; "
		fi
	fi
	finish_test
fi

# The largest initrd that fits between the kernel's region and the end of
# 16 MiB of RAM must go right after that region (the guest fails if it
# overlaps).  A bzImage owns [load, runtime_start + init_size) (boot.rst
# "init_size"): setup0.bzimage, not relocatable, runs at pref_address, so
# [0x100000, 0x300000) and 13 MiB fit; check.bzimage is relocatable, runs at
# load aligned up to kernel_alignment, so [0x100000, 0x400000) and 12 MiB
# fit.  One byte more is tests/cli's initrd-overlaps-kernel.
for g in setup0:13 check:12; do
	if begin_test "initrd-above-kernel-${g%:*}"; then
		size=${g#*:}
		truncate -s "${size}M" "$tmp/initrd${size}M.bin"
		run --kernel "$GUESTDIR/${g%:*}.bzimage" --initrd "$tmp/initrd${size}M.bin" --mem 16M \
			--cmdline "exit=9" --verbose </dev/null
		check_guest_report "$GUESTDIR/${g%:*}.bzimage" 19 "exit=9" $((16 << 20)) "$tmp/initrd${size}M.bin"
		finish_test
	fi
done

if begin_test check-no-initrd; then
	run --kernel "$CHECK" --cmdline "exit=2" --verbose </dev/null
	check_guest_report "$CHECK" 5 "exit=2" "" ""
	finish_test
fi

# setup_sects = 0 means 4: the protected-mode code is at file offset 5*512.
if begin_test setup0; then
	run --kernel "$GUESTDIR/setup0.bzimage" --cmdline "exit=7" --verbose </dev/null
	check_guest_report "$GUESTDIR/setup0.bzimage" 15 "exit=7" "" ""
	finish_test
fi
