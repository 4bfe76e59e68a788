#!/usr/bin/env bash
# tests/acpi/run-tests.sh ACPI_DUMP — minivmm's ACPI tables as acpica-tools'
# iasl reads them.
#
# ACPI_DUMP is tests/acpi/acpi-dump.c built against the project library
# (`make acpi-test` builds it): it writes the tables for N vCPUs as
# DIR/<SIG>.dat, with --pci those of a machine with the PCI host bridge.
# For 1 and 4 vCPUs (and 255, the most the MADT takes) without PCI, and for
# 1 and 255 with it:
#   - RSDP: this iasl cannot disassemble an RSDP from a file (its signature
#     "RSD PTR " fails the table-name check), so the script checks it itself:
#     signature, revision 2, length 36, both checksums, XSDT address.
#   - every other table goes through `iasl -d`, which must succeed without
#     errors, warnings or an "Incorrect checksum";
#   - XSDT.dsl: 2 table addresses, 3 with PCI (the MCFG);
#   - FACP.dsl: "Hardware Reduced (V5) : 1", "Reset Register Supported : 1",
#     "MSI Not Supported (V4) : 0", sleep control register at 0x600, status
#     at 0x601, reset at 0x602;
#   - APIC.dsl: N "Processor Local APIC" subtables, one I/O APIC, two
#     Interrupt Source Overrides, a Local APIC NMI;
#   - DSDT.dsl: _S5, PNP0501, PNP0303, PNP0B00, QEMU0001, QEMU0002 (fw_cfg,
#     _STA 0x0B, ports 0x510-0x51B); then the
#     disassembled DSDT is compiled again with iasl: 0 errors, and compiled
#     without optimisations (-oa) it must give back the same AML, but for
#     the header's compiler fields and checksum and the resource templates'
#     End Tag checksums (iasl writes 0 there, "checksum not computed").
#   - without PCI: no MCFG.dat, and no PCI0 or PNP0A08/PNP0A03 in the DSDT;
#   - with PCI: MCFG.dsl with revision 1 and one allocation: base
#     0xE0000000, segment 0, buses 0-0; in DSDT.dsl, Device (PCI0) inside
#     Scope (\_SB) with _HID PNP0A08, _CID PNP0A03, _SEG, _UID and _BBN
#     Zero, and a _CRS of WordBusNumber 0-0 (producer), IO 0xCF8 length 8,
#     producer WordIO windows 0x0000-0x0CF7 and 0x0D00-0xFFFF, and a
#     producer DWordMemory window 0xC0000000-0xDFFFFFFF (length 0x20000000).
#
# Prints `ok NAME` or `FAIL NAME: why` per test, then `N passed, N failed`.
# Exit 0 only if all passed.  Missing iasl fails loudly
# (scripts/install-deps.sh installs acpica-tools).
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 ACPI_DUMP" >&2
	exit 2
fi
dump=$1

passed=0
failed=0
ok() {
	echo "ok $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

if ! command -v iasl >/dev/null 2>&1; then
	echo "FAIL acpi: iasl not found; run scripts/install-deps.sh (it installs acpica-tools)"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -x "$dump" ]; then
	echo "FAIL acpi: $dump is not an executable (make acpi-test builds it)"
	echo "0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-acpi-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# The bytes of FILE as one decimal number per line.
bytes() {
	od -An -v -tu1 "$1" | tr -s ' ' '\n' | sed '/^$/d'
}

# The little-endian unsigned value of LEN (1, 2, 4 or 8) bytes at OFFSET
# in FILE (od reads the host's byte order, and x86 is little-endian).
le() {
	od -An -v -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

# Sum of the first LEN bytes of FILE, mod 256.
checksum() {
	bytes "$1" | head -n "$2" | awk '{ s += $1 } END { print s % 256 }'
}

check_rsdp() {
	local dir=$1 name=$2 f=$1/RSDP.dat
	if [ ! -f "$f" ]; then
		fail "$name" "no RSDP.dat"
		return
	fi
	local size sig
	size=$(stat -c %s "$f")
	sig=$(head -c 8 "$f")
	if [ "$size" -ne 36 ] || [ "$sig" != "RSD PTR " ]; then
		fail "$name" "not a 36-byte \"RSD PTR \" ($size bytes, \"$sig\")"
	elif [ "$(le "$f" 15 1)" -ne 2 ] || [ "$(le "$f" 20 4)" -ne 36 ]; then
		fail "$name" "revision $(le "$f" 15 1), length $(le "$f" 20 4); want 2 and 36"
	elif [ "$(checksum "$f" 20)" -ne 0 ]; then
		fail "$name" "checksum over the first 20 bytes is not 0"
	elif [ "$(checksum "$f" 36)" -ne 0 ]; then
		fail "$name" "extended checksum over the 36 bytes is not 0"
	elif [ "$(le "$f" 24 8)" -eq 0 ]; then
		fail "$name" "XsdtAddress is 0"
	else
		ok "$name"
	fi
}

# iasl -d SIG.dat: must succeed and say nothing about errors, warnings or
# checksums, in its output or in the .dsl.
disassemble() {
	local dir=$1 sig=$2 name=$3
	if [ ! -f "$dir/$sig.dat" ]; then
		fail "$name" "acpi-dump wrote no $sig.dat"
		return 1
	fi
	if ! (cd "$dir" && iasl -d "$sig.dat") >"$dir/$sig.out" 2>&1; then
		fail "$name" "iasl -d failed: $(grep -iE 'error|invalid' "$dir/$sig.out" | head -n 2 | tr -s ' \n' ' ')"
		return 1
	fi
	local bad
	bad=$(cd "$dir" && grep -iE 'error|warning|incorrect checksum|invalid' "$sig.out" "$sig.dsl" |
	      head -n 2 | tr -s ' \n' ' ')
	if [ -n "$bad" ]; then
		fail "$name" "iasl -d complains: $bad"
		return 1
	fi
	return 0
}

# ERE pattern must match a line of FILE, COUNT times (default: at least once).
expect() {
	local file=$1 pattern=$2 count=${3:-}
	local n
	n=$(grep -cE "$pattern" "$file")
	if [ -n "$count" ]; then
		[ "$n" -eq "$count" ] || { echo "$n lines match /$pattern/, want $count"; return 1; }
	else
		[ "$n" -ge 1 ] || { echo "no line matches /$pattern/"; return 1; }
	fi
}

check_fadt() {
	local dir=$1 name=$2 f=$1/FACP.dsl why
	disassemble "$dir" FACP "$name" || return
	# The GAS Address lines follow their register's header line.
	if ! why=$(expect "$f" 'Hardware Reduced \(V5\) : 1') ||
	   ! why=$(expect "$f" 'Reset Register Supported \(V2\) : 1') ||
	   ! why=$(expect "$f" '8042 Present on ports 60/64 \(V2\) : 1') ||
	   ! why=$(expect "$f" 'CMOS RTC Not Present \(V5\) : 0') ||
	   ! why=$(expect "$f" 'MSI Not Supported \(V4\) : 0') ||
	   ! why=$(grep -A5 'Sleep Control Register' "$f" | expect /dev/stdin 'Address : 0000000000000600') ||
	   ! why=$(grep -A5 'Sleep Status Register' "$f" | expect /dev/stdin 'Address : 0000000000000601') ||
	   ! why=$(grep -A5 'Reset Register :' "$f" | expect /dev/stdin 'Address : 0000000000000602') ||
	   ! why=$(grep -A5 'Sleep Control Register' "$f" | expect /dev/stdin 'Space ID : 01 \[SystemIO\]') ||
	   ! why=$(expect "$f" 'Value to cause reset : 01'); then
		fail "$name" "FACP.dsl: $why"
		return
	fi
	ok "$name"
}

check_madt() {
	local dir=$1 name=$2 ncpus=$3 f=$1/APIC.dsl why
	disassemble "$dir" APIC "$name" || return
	if ! why=$(expect "$f" 'Subtable Type : 00 \[Processor Local APIC\]' "$ncpus") ||
	   ! why=$(expect "$f" 'Subtable Type : 01 \[I/O APIC\]' 1) ||
	   ! why=$(expect "$f" 'Address : FEC00000' 1) ||
	   ! why=$(expect "$f" 'Subtable Type : 02 \[Interrupt Source Override\]' 2) ||
	   ! why=$(expect "$f" 'Subtable Type : 04 \[Local APIC NMI\]' 1) ||
	   ! why=$(expect "$f" 'Local Apic ID : '"$(printf %02X $((ncpus - 1)))") ||
	   ! why=$(expect "$f" 'Local Apic Address : FEE00000' 1); then
		fail "$name" "APIC.dsl: $why"
		return
	fi
	ok "$name"
}

# The XSDT lists COUNT tables.
check_xsdt() {
	local dir=$1 name=$2 count=$3 f=$1/XSDT.dsl why
	disassemble "$dir" XSDT "$name" || return
	if ! why=$(expect "$f" 'ACPI Table Address +[0-9]+ : ' "$count"); then
		fail "$name" "XSDT.dsl: $why"
		return
	fi
	ok "$name"
}

# The lines of FILE from the first matching ERE PATTERN to the brace that
# closes the block it opens (iasl puts each brace on a line of its own).
block() {
	# Through the environment: awk -v would take the pattern's backslashes
	# as escapes.
	PATTERN=$2 awk '
		!on && $0 ~ ENVIRON["PATTERN"] { on = 1 }
		on {
			print
			n = gsub(/\{/, "{"); depth += n; opened += n
			depth -= gsub(/\}/, "}")
			if (opened && depth <= 0)
				exit
		}' "$1"
}

# PCI Firmware spec 3.2 section 4.1.2: one allocation for bus 0's ECAM.
check_mcfg() {
	local dir=$1 name=$2 f=$1/MCFG.dsl why
	disassemble "$dir" MCFG "$name" || return
	if ! why=$(expect "$f" 'Table Length : 0000003C') ||
	   ! why=$(expect "$f" 'Revision : 01') ||
	   ! why=$(expect "$f" 'Base Address : ' 1) ||
	   ! why=$(expect "$f" 'Base Address : 00000000E0000000') ||
	   ! why=$(expect "$f" 'Segment Group Number : 0000') ||
	   ! why=$(expect "$f" 'Start Bus Number : 00') ||
	   ! why=$(expect "$f" 'End Bus Number : 00'); then
		fail "$name" "MCFG.dsl: $why"
		return
	fi
	ok "$name"
}

# The root bridge (DSDT.dsl, which check_dsdt has disassembled).
check_dsdt_pci() {
	local dir=$1 name=$2 f=$1/DSDT.dsl p=$1/PCI0.dsl why
	if [ ! -f "$f" ]; then
		fail "$name" "no DSDT.dsl"
		return
	fi
	block "$f" 'Device \(PCI0\)' >"$p"
	# Each descriptor's fields follow its first line.
	if ! why=$(block "$f" 'Scope \(\\_SB\)' | expect /dev/stdin '^ +Device \(PCI0\)' 1) ||
	   ! why=$(expect "$p" 'Name \(_HID, EisaId \("PNP0A08"\)') ||
	   ! why=$(expect "$p" 'Name \(_CID, EisaId \("PNP0A03"\)') ||
	   ! why=$(expect "$p" 'Name \(_SEG, Zero\)') ||
	   ! why=$(expect "$p" 'Name \(_UID, Zero\)') ||
	   ! why=$(expect "$p" 'Name \(_BBN, Zero\)') ||
	   ! why=$(expect "$p" 'WordBusNumber \(ResourceProducer, MinFixed, MaxFixed, PosDecode,' 1) ||
	   ! why=$(grep -A6 'WordBusNumber (' "$p" | expect /dev/stdin '0x0000, +// Range Minimum') ||
	   ! why=$(grep -A6 'WordBusNumber (' "$p" | expect /dev/stdin '0x0000, +// Range Maximum') ||
	   ! why=$(grep -A6 'WordBusNumber (' "$p" | expect /dev/stdin '0x0001, +// Length') ||
	   ! why=$(expect "$p" 'IO \(Decode16,' 1) ||
	   ! why=$(grep -A5 'IO (Decode16,' "$p" | expect /dev/stdin '0x0CF8, +// Range Minimum') ||
	   ! why=$(grep -A5 'IO (Decode16,' "$p" | expect /dev/stdin '0x08, +// Length') ||
	   ! why=$(expect "$p" 'WordIO \(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,' 2) ||
	   ! why=$(grep -A6 'WordIO (' "$p" | expect /dev/stdin '0x0000, +// Range Minimum') ||
	   ! why=$(grep -A6 'WordIO (' "$p" | expect /dev/stdin '0x0CF7, +// Range Maximum') ||
	   ! why=$(grep -A6 'WordIO (' "$p" | expect /dev/stdin '0x0D00, +// Range Minimum') ||
	   ! why=$(grep -A6 'WordIO (' "$p" | expect /dev/stdin '0xFFFF, +// Range Maximum') ||
	   ! why=$(expect "$p" 'DWordMemory \(ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,' 1) ||
	   ! why=$(grep -A6 'DWordMemory (' "$p" | expect /dev/stdin '0xC0000000, +// Range Minimum') ||
	   ! why=$(grep -A6 'DWordMemory (' "$p" | expect /dev/stdin '0xDFFFFFFF, +// Range Maximum') ||
	   ! why=$(grep -A6 'DWordMemory (' "$p" | expect /dev/stdin '0x20000000, +// Length'); then
		fail "$name" "DSDT.dsl, Device (PCI0): $why"
		return
	fi
	ok "$name"
}

# Without PCI: neither the MCFG nor the root bridge.
check_no_pci() {
	local dir=$1 name=$2 f=$1/DSDT.dsl
	if [ -e "$dir/MCFG.dat" ]; then
		fail "$name" "acpi-dump wrote an MCFG.dat"
	elif [ ! -f "$f" ]; then
		fail "$name" "no DSDT.dsl"
	elif grep -qE 'PCI0|PNP0A08|PNP0A03' "$f"; then
		fail "$name" "DSDT.dsl: $(grep -m1 -E 'PCI0|PNP0A08|PNP0A03' "$f" | tr -s ' ')"
	else
		ok "$name"
	fi
}

check_dsdt() {
	local dir=$1 name=$2 f=$1/DSDT.dsl why
	disassemble "$dir" DSDT "$name" || return
	if ! why=$(expect "$f" 'Name \(\\_S5, Package \(0x04\)') ||
	   ! why=$(expect "$f" 'EisaId \("PNP0501"\)') ||
	   ! why=$(expect "$f" 'EisaId \("PNP0303"\)') ||
	   ! why=$(expect "$f" 'EisaId \("PNP0B00"\)') ||
	   ! why=$(expect "$f" 'Name \(_HID, "QEMU0001"\)') ||
	   ! why=$(expect "$f" 'Name \(_HID, "QEMU0002"\)') ||
	   ! why=$(grep -A12 -F 'Device (FWCF)' "$f" | expect /dev/stdin 'Name \(_STA, 0x0B\)') ||
	   ! why=$(grep -A12 -F 'Device (FWCF)' "$f" | expect /dev/stdin '0x0510, +// Range Minimum') ||
	   ! why=$(grep -A12 -F 'Device (FWCF)' "$f" | expect /dev/stdin '0x0C, +// Length') ||
	   ! why=$(expect "$f" 'Scope \(\\_SB\)'); then
		fail "$name" "DSDT.dsl: $why"
		return
	fi
	ok "$name"
}

# The disassembled DSDT compiles again without errors.
check_dsdt_recompile() {
	local dir=$1 name=$2
	if ! (cd "$dir" && iasl -p "$dir/recompiled" DSDT.dsl) >"$dir/recompile.out" 2>&1; then
		fail "$name" "iasl DSDT.dsl failed: $(grep -iE 'error' "$dir/recompile.out" | head -n 2 | tr -s ' \n' ' ')"
		return
	fi
	if ! grep -qE 'Compilation successful\. 0 Errors' "$dir/recompile.out"; then
		fail "$name" "$(grep -E 'Compilation|Error' "$dir/recompile.out" | head -n 2 | tr -s ' \n' ' ')"
		return
	fi
	ok "$name"
}

# Compiled without optimisations, the disassembly gives back our AML: the
# only differing bytes are the header's checksum (offset 9) and compiler ID
# and revision (28..35), and End Tag checksums, which iasl leaves 0.
check_dsdt_same_aml() {
	local dir=$1 name=$2
	if ! (cd "$dir" && iasl -oa -p "$dir/unoptimised" DSDT.dsl) >"$dir/unopt.out" 2>&1; then
		fail "$name" "iasl -oa DSDT.dsl failed"
		return
	fi
	local ours=$dir/DSDT.dat theirs=$dir/unoptimised.aml
	if [ "$(stat -c %s "$ours")" -ne "$(stat -c %s "$theirs")" ]; then
		fail "$name" "$(stat -c %s "$ours") bytes, iasl makes $(stat -c %s "$theirs")"
		return
	fi
	# cmp -l: 1-based offset, our byte, iasl's byte (octal).
	local why
	why=$(cmp -l "$ours" "$theirs" | awk -v ours="$(bytes "$ours" | tr '\n' ' ')" '
		BEGIN { n = split(ours, b, " ") }
		{
			off = $1 - 1
			if (off == 9 || (off >= 28 && off < 36))
				next
			if (off >= 1 && b[off] == 121 && $3 == 0)   # 0x79: End Tag
				next
			printf "byte 0x%x: ours 0%s, iasl 0%s\n", off, $2, $3
			exit
		}')
	if [ -n "$why" ]; then
		fail "$name" "$why"
		return
	fi
	ok "$name"
}

# NCPUS [--pci]: the tables for NCPUS vCPUs, without or with PCI.
check_config() {
	local ncpus=$1 pci=${2:-} dir=$tmp/cpus-$1 what="$1 vCPUs"
	local xsdt="FADT and MADT" entries=2
	if [ -n "$pci" ]; then
		dir+=-pci
		what+=", PCI"
		xsdt="FADT, MADT and MCFG"
		entries=3
	fi
	mkdir -p "$dir"
	if ! "$dump" ${pci:+"$pci"} "$ncpus" "$dir" 2>"$dir/dump.err"; then
		fail "acpi-dump $what" "$(head -n 1 "$dir/dump.err")"
		return
	fi
	check_rsdp "$dir" "RSDP ($what)"
	check_xsdt "$dir" "XSDT: $xsdt ($what)" "$entries"
	check_fadt "$dir" "FADT: hardware-reduced, sleep and reset registers, MSI ($what)"
	check_madt "$dir" "MADT: local APICs, IOAPIC, overrides, NMI ($what)" "$ncpus"
	check_dsdt "$dir" "DSDT: _S5 and the devices ($what)"
	check_dsdt_recompile "$dir" "DSDT recompiles with 0 errors ($what)"
	check_dsdt_same_aml "$dir" "DSDT: iasl -oa gives back the same AML ($what)"
	if [ -n "$pci" ]; then
		check_mcfg "$dir" "MCFG: ECAM at 0xE0000000, segment 0, buses 0-0 ($what)"
		check_dsdt_pci "$dir" "DSDT: PCI0 root bridge and its _CRS windows ($what)"
	else
		check_no_pci "$dir" "no MCFG, no PCI0 ($what)"
	fi
}

for ncpus in 1 4 255; do
	check_config "$ncpus"
done
for ncpus in 1 255; do
	check_config "$ncpus" --pci
done

# The refusals acpi_tables_build makes reach the tool's exit status.
for args in 0 256 "--pci 256"; do
	# shellcheck disable=SC2086  # args is words on purpose
	if "$dump" $args "$tmp" 2>"$tmp/refused.err"; then
		fail "$args vCPUs refused" "acpi-dump succeeded"
	elif ! grep -q "1 to 255" "$tmp/refused.err"; then
		fail "$args vCPUs refused" "$(head -n 1 "$tmp/refused.err")"
	else
		ok "$args vCPUs refused"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
