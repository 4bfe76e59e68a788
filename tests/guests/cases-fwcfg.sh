# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): fw_cfg.  The
# fwcfg guest (fwcfg.c) reads the device through its ports (`rep insb`) and
# DMA, then aims DMA descriptors and buffers outside RAM, across its end,
# at a wrapping address and at a 4 GiB length, and registers a vmcoreinfo
# note as Linux does.
#
#   fwcfg           every check passes (status 85), no word from minivmm
#                   but the debug-exit reason: a hostile guest is no news
#   fwcfg-verbose   with --verbose, one note for the refused transfers and
#                   one for the registration, at the guest's address
#
# FWCFG_TEXT is what fwcfg.c expects opt/test to hold, commas included.

FWCFG=$GUESTDIR/fwcfg.bzimage
FWCFG_TEXT="fw_cfg from the host, commas, and all"
FWCFG_PASS=85   # GUEST_EXIT_FWCFG_PASS 0x2a: (0x2a << 1) | 1

# check_fwcfg_report: the guest's own account of each step.  Appends to $why.
check_fwcfg_report() {
	local line
	for line in "fwcfg: signature QEMU, DMA signature QEMU CFG, id 0x3, ram 0x4000000, cpus 1" \
		    "fwcfg: opt/test through rep insb: \"$FWCFG_TEXT\"" \
		    "fwcfg: DMA read into a buffer across the end of RAM: ERROR" \
		    "fwcfg: DMA read at an address + length that wraps: ERROR" \
		    "fwcfg: DMA read of length 0xffffffff: ERROR" \
		    "fwcfg: descriptor across the end of RAM: ERROR" \
		    "fwcfg: descriptors outside RAM: ignored, still running" \
		    "fwcfg: the low half alone after a transfer: ok" \
		    "fwcfg: DMA write of etc/vmcoreinfo: ok" \
		    "fwcfg: all checks passed"; do
		grep -qxF "$line" "$tmp/console" || why+="no '$line' from the guest; "
	done
	grep -qx 'fwcfg: directory of 2 files: etc/vmcoreinfo opt/test' "$tmp/console" ||
		why+="the directory is not 'etc/vmcoreinfo opt/test' in name order: $(
			grep -m1 '^fwcfg: directory' "$tmp/console"); "
}

if begin_test fwcfg; then
	run --kernel "$FWCFG" --mem 64M --fw-cfg "opt/test,string=$FWCFG_TEXT" </dev/null
	check_exit "$FWCFG_PASS"
	check_fwcfg_report
	finish_test
fi

# The same from a file (file=), with --verbose: the first refused transfer
# is noted once, the registration names the guest's note.
if begin_test fwcfg-verbose; then
	printf '%s' "$FWCFG_TEXT" >"$tmp/fwcfg-test.txt"
	run --kernel "$FWCFG" --mem 64M --fw-cfg "opt/test,file=$tmp/fwcfg-test.txt" --verbose \
		</dev/null
	check_common "$FWCFG_PASS"
	check_fwcfg_report
	[ "$(grep -c '^minivmm: fw_cfg: guest DMA refused ' "$tmp/err")" = 1 ] ||
		why+="expected one 'minivmm: fw_cfg: guest DMA refused' note, found $(
			grep -c 'DMA refused' "$tmp/err"); "
	reg=$(grep -m1 '^fwcfg: registered vmcoreinfo ' "$tmp/console")
	want="minivmm: fw_cfg: the guest registered its vmcoreinfo: paddr=$(word paddr "$reg") size=$(word size "$reg") format=1"
	if [ -z "$reg" ]; then
		why+="the guest printed no 'fwcfg: registered vmcoreinfo' line; "
	elif ! grep -qxF "$want" "$tmp/err"; then
		why+="no '$want' on stderr; "
	fi
	finish_test
fi
