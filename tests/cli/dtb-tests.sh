#!/usr/bin/env bash
# The device tree from the outside (--dtb, --dump-dtb; README "What the
# guest sees").  None of these needs /dev/kvm: --dump-dtb writes the tree
# and exits before minivmm opens it, and every bad --dtb FILE is refused
# before then too.
#
#   tests/cli/dtb-tests.sh MINIVMM [GUESTDIR]
#
# GUESTDIR (default: DIR/guests beside MINIVMM) holds check.bzimage and
# check-pvh.elf from tests/guests/guests.mk (they never run).  The cases:
#
#   dump-dtb          --dump-dtb writes minivmm's tree and exits 0 with
#                     nothing on stderr; Debian's `dtc -I dtb -O dts`
#                     decompiles it with no warning, and it holds the
#                     command line, the initrd range, one cpu node per vCPU
#   dump-dtb-file     --dtb FILE --dump-dtb: the user's nodes, /chosen
#                     filled in by minivmm (its bootargs replaced)
#   dtb-malformed-*   a FILE that is text, truncated, or missing: exit 2,
#                     one line naming the file and what is wrong
#   dtb-pvh           --dtb FILE for a kernel that boots through PVH: exit 2
#   dump-dtb-off      --dump-dtb with --dtb off: exit 2
#   dump-dtb-over-*   --dump-dtb naming the kernel or the --dtb FILE: exit 2,
#                     the file unchanged
#
# Prints "ok NAME" / "FAIL NAME: why", then "N passed, N failed".
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 MINIVMM [GUESTDIR]" >&2
	exit 2
fi
MINIVMM=$1
GUESTDIR=${2:-$(dirname "$MINIVMM")/guests}
CHECK=$GUESTDIR/check.bzimage
PVH=$GUESTDIR/check-pvh.elf
for f in "$CHECK" "$PVH"; do
	[ -f "$f" ] || { echo "$0: $f is missing (make guests)" >&2; exit 2; }
done
command -v dtc >/dev/null ||
	{ echo "$0: dtc is missing (Debian's device-tree-compiler; scripts/install-deps.sh)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-dtb-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

result() {
	if [ -z "$2" ]; then
		echo "ok $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1: ${2%; }"
		for f in err dts dtc-err; do
			[ -s "$tmp/$f" ] && { echo "  --- $f:"; head -n 20 "$tmp/$f" | sed 's/^/  | /'; }
		done
		failed=$((failed + 1))
	fi
}

run() {
	timeout -k 5 20 "$MINIVMM" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# decompile FILE: dtc's source in $tmp/dts, its warnings in $tmp/dtc-err;
# appends to $why when dtc fails or warns.
decompile() {
	dtc -I dtb -O dts -o "$tmp/dts" "$1" 2>"$tmp/dtc-err" || why+="dtc: exit status $?; "
	[ ! -s "$tmp/dtc-err" ] || why+="dtc warned: $(head -c 300 "$tmp/dtc-err"); "
}

# has LINE: the decompiled source has LINE (leading tabs ignored).
has() {
	sed 's/^\t*//' "$tmp/dts" | grep -qxF -- "$1" || why+="no '$1' in the tree; "
}

# expect_error NAME PATTERN ARGS...: exit 2, one stderr line "minivmm: ..."
# holding PATTERN.
expect_error() {
	local name=$1 pattern=$2
	shift 2
	why=''
	run "$@"
	[ "$status" = 2 ] || why+="exit status $status, expected 2; "
	[ "$(wc -l <"$tmp/err")" = 1 ] || why+="expected one line on stderr; "
	grep -q '^minivmm: ' "$tmp/err" || why+="stderr does not start with 'minivmm: '; "
	grep -qF -- "$pattern" "$tmp/err" || why+="the message lacks '$pattern'; "
	result "$name" "$why"
}

head -c 300000 /dev/zero >"$tmp/initrd.img"

why=''
run --kernel "$CHECK" --initrd "$tmp/initrd.img" --cpus 3 --cmdline "dtb.test=1" \
	--dump-dtb "$tmp/out.dtb"
[ "$status" = 0 ] || why+="exit status $status, expected 0; "
[ ! -s "$tmp/err" ] || why+="stderr is not empty; "
if [ -s "$tmp/out.dtb" ]; then
	decompile "$tmp/out.dtb"
	grep -q '^[[:space:]]*bootargs = ".*dtb\.test=1";$' "$tmp/dts" || why+="bootargs lack the command line; "
	for line in 'cpu@0 {' 'cpu@1 {' 'cpu@2 {' 'compatible = "intel,ce4100-ioapic";' \
		    'compatible = "intel,ce4100-lapic";' 'compatible = "ns16550a";' \
		    'device_type = "memory";' 'compatible = "pci-host-ecam-generic";'; do
		has "$line"
	done
	grep -q 'linux,initrd-start' "$tmp/dts" || why+="no linux,initrd-start; "
	grep -q 'cpu@3' "$tmp/dts" && why+="a fourth cpu node; "
else
	why+="no tree written; "
fi
result dump-dtb "$why"

why=''
cat >"$tmp/user.dts" <<'EOF'
/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	model = "a user's board";
	chosen {
		bootargs = "from the file";
	};
};
EOF
dtc -I dts -O dtb -o "$tmp/user.dtb" "$tmp/user.dts" 2>"$tmp/dtc-err" || why+="dtc could not build the user's tree; "
run --kernel "$CHECK" --initrd "$tmp/initrd.img" --dtb "$tmp/user.dtb" --cmdline "dtb.test=2" \
	--dump-dtb "$tmp/out.dtb"
[ "$status" = 0 ] || why+="exit status $status, expected 0; "
[ ! -s "$tmp/err" ] || why+="stderr is not empty; "
if [ -s "$tmp/out.dtb" ]; then
	decompile "$tmp/out.dtb"
	has 'model = "a user'"'"'s board";'
	grep -q '^[[:space:]]*bootargs = ".*dtb\.test=2";$' "$tmp/dts" || why+="bootargs are not minivmm's; "
	grep -q 'from the file' "$tmp/dts" && why+="the file's bootargs are still there; "
	grep -q 'linux,initrd-end' "$tmp/dts" || why+="no linux,initrd-end; "
	grep -q 'cpus {' "$tmp/dts" && why+="minivmm added its own nodes; "
else
	why+="no tree written; "
fi
result dump-dtb-file "$why"

echo "not a tree" >"$tmp/text.dtb"
expect_error dtb-malformed-text "$tmp/text.dtb: not a device tree blob" \
	--kernel "$CHECK" --dtb "$tmp/text.dtb" --dump-dtb "$tmp/x.dtb"
head -c 100 "$tmp/user.dtb" >"$tmp/short.dtb"
expect_error dtb-malformed-truncated "$tmp/short.dtb: truncated device tree" \
	--kernel "$CHECK" --dtb "$tmp/short.dtb"
expect_error dtb-malformed-missing "$tmp/missing.dtb" \
	--kernel "$CHECK" --dtb "$tmp/missing.dtb"
expect_error dtb-pvh "the kernel boots through the PVH entry" \
	--kernel "$PVH" --dtb "$tmp/user.dtb"
expect_error dump-dtb-off "--dump-dtb with --dtb off" \
	--kernel "$CHECK" --dtb off --dump-dtb "$tmp/x.dtb"
# The dump replaces its path: never over an image, nor the --dtb FILE.
cp "$CHECK" "$tmp/kernel.bzimage"
cp "$tmp/user.dtb" "$tmp/user-copy.dtb"
expect_error dump-dtb-over-kernel "--dump-dtb $tmp/kernel.bzimage: that is the image" \
	--kernel "$tmp/kernel.bzimage" --dump-dtb "$tmp/kernel.bzimage"
cmp -s "$CHECK" "$tmp/kernel.bzimage" || { echo "FAIL dump-dtb-over-kernel: the kernel changed"; failed=$((failed + 1)); }
expect_error dump-dtb-over-dtb "--dump-dtb $tmp/user.dtb: that is the image" \
	--kernel "$CHECK" --dtb "$tmp/user.dtb" --dump-dtb "$tmp/user.dtb"
cmp -s "$tmp/user.dtb" "$tmp/user-copy.dtb" || { echo "FAIL dump-dtb-over-dtb: the --dtb file changed"; failed=$((failed + 1)); }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
