#!/usr/bin/env bash
# Tests scripts/extract-vmlinux.
#
#   tests/scripts/run-tests.sh [CC]
#
# CC (default cc) links a tiny ELF64 from a one-line assembly file.  Synthetic
# bzImages are built around it: a setup area with setup_sects, "HdrS",
# version 0x020f, payload_offset and payload_length (boot.rst), and the ELF
# compressed the way the kernel's build does it, in each format the kernel
# offers, with the uncompressed size appended as a little-endian u32 for
# every format but gzip.  The extracted file must be
# byte-identical to the ELF.  Bad images must each give exit status 1 and
# exactly one stderr line "extract-vmlinux: FILE: reason", and leave OUT alone.
#
# When Debian's cloud and generic kernels are in the cache (scripts/
# fetch-kernel.sh; MINIVMM_CACHE overrides <repo>/cache), both are extracted
# and must be ELF64 x86-64 with a Xen PHYS32_ENTRY (PVH) note; otherwise those
# tests are skipped with the reason (the box tests run them in CI).
#
# Prints "ok NAME" / "FAIL NAME: why" / "skip NAME: why" per test, then
# "N passed, N failed[, N skipped]"; exits 0 only when nothing failed.
set -u

if [ $# -gt 1 ]; then
	echo "usage: $0 [CC]" >&2
	exit 2
fi
CC=${1:-cc}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
EXTRACT=$repo/scripts/extract-vmlinux
CACHE=${MINIVMM_CACHE:-$repo/cache}/kernels
TIMEOUT=120
TIMEOUT_BIN=$(command -v timeout)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-script-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0

ok() {
	echo "ok $1${2:+ ($2)}"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1: $2"
	if [ -s "$tmp/err" ]; then
		echo "  --- extract-vmlinux stderr:"
		head -n 10 "$tmp/err" | cut -c 1-300 | sed 's/^/  | /'
	fi
	failed=$((failed + 1))
}

skip() {
	echo "skip $1: $2"
	skipped=$((skipped + 1))
}

# run IMAGE OUT: extract-vmlinux with a time limit; sets $status, fills
# $tmp/err.  EXTRACT_PATH, when set, replaces PATH for it.
run() {
	if [ -n "${EXTRACT_PATH:-}" ]; then
		PATH=$EXTRACT_PATH "$TIMEOUT_BIN" -k 5 "$TIMEOUT" "$BASH" "$EXTRACT" "$@" \
			</dev/null >"$tmp/stdout" 2>"$tmp/err"
	else
		timeout -k 5 "$TIMEOUT" "$EXTRACT" "$@" </dev/null >"$tmp/stdout" 2>"$tmp/err"
	fi
	status=$?
}

# le32 N: N as 4 little-endian bytes, written as printf escapes.
le32() {
	printf '\\x%02x\\x%02x\\x%02x\\x%02x' \
		$(($1 & 0xff)) $((($1 >> 8) & 0xff)) $((($1 >> 16) & 0xff)) $((($1 >> 24) & 0xff))
}

# le16 N: N as 2 little-endian bytes, written as printf escapes.
le16() {
	printf '\\x%02x\\x%02x' $(($1 & 0xff)) $((($1 >> 8) & 0xff))
}

# put FILE OFFSET ESCAPES: writes the printf escapes into FILE at OFFSET.
put() {
	# shellcheck disable=SC2059  # the format is the escaped bytes
	printf "$3" | dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none
}

# size_of FILE
size_of() {
	local n
	n=$(wc -c <"$1")
	echo $((n))
}

# make_bzimage OUT PAYLOAD [VERSION [SETUP_SECTS [LENGTH]]]: a bzImage whose
# protected-mode part is 0x123 filler bytes, PAYLOAD, then 0x40 trailing bytes
# (like the real image's code around the payload).  LENGTH overrides
# payload_length (default: PAYLOAD's size).
make_bzimage() {
	local out=$1 payload=$2 version=${3:-0x020f} sects=${4:-3}
	local length=${5:-$(size_of "$2")} setup
	setup=$(( ((sects == 0 ? 4 : sects) + 1) * 512 ))
	head -c "$setup" /dev/zero >"$out"
	put "$out" 0x1f1 "$(printf '\\x%02x' "$((sects))")"
	put "$out" 0x1fe '\x55\xaa'                  # boot_flag
	put "$out" 0x200 '\xeb\x6a'                  # jump past the header
	put "$out" 0x202 'HdrS'
	put "$out" 0x206 "$(le16 "$version")"
	put "$out" 0x211 '\x01'                      # loadflags: LOADED_HIGH
	put "$out" 0x214 "$(le32 0x100000)"          # code32_start
	put "$out" 0x248 "$(le32 0x123)"             # payload_offset
	put "$out" 0x24c "$(le32 "$length")"         # payload_length
	{
		head -c $((0x123)) /dev/zero | tr '\0' '\314'
		cat "$payload"
		head -c $((0x40)) /dev/zero | tr '\0' '\220'
	} >>"$out"
}

# compress FORMAT IN OUT: IN compressed as the kernel's build does it
# (scripts/Makefile.lib: gzip alone; the others followed by size_append).
compress() {
	local format=$1 in=$2 out=$3
	case $format in
	gzip) gzip -n -9 -c <"$in" ;;
	xz) xz --check=crc32 --x86 --lzma2=dict=1MiB -c <"$in" ;;
	lz4) lz4 -l -9 -q -c <"$in" ;;
	zstd) zstd -q -19 -c <"$in" ;;
	bzip2) bzip2 -9 -c <"$in" ;;
	lzma) xz --format=lzma -9 -c <"$in" ;;
	esac >"$out" || return 1
	if [ "$format" != gzip ]; then
		# shellcheck disable=SC2059  # the format is the escaped bytes
		printf "$(le32 "$(size_of "$in")")" >>"$out"
	fi
}

# beside_out: the names in $tmp/out, the folder OUT is written to.
beside_out() {
	find "$tmp/out" -mindepth 1 -maxdepth 1 -printf '%f '
}

# expect_extract NAME IMAGE ELF: extraction succeeds silently and gives ELF.
expect_extract() {
	local name=$1 image=$2 elf=$3 out=$tmp/out/$1.vmlinux why=""
	rm -rf "$tmp/out" && mkdir "$tmp/out"
	run "$image" "$out"
	[ "$status" = 0 ] || why+="exit status $status, expected 0; "
	[ -s "$tmp/err" ] && why+="stderr is not empty; "
	if [ ! -f "$out" ]; then
		why+="$out was not written; "
	elif ! cmp -s "$elf" "$out"; then
		why+="$out differs from the compressed ELF; "
	fi
	[ "$(beside_out | wc -w)" -le 1 ] || why+="files left beside OUT: $(beside_out); "
	if [ -z "$why" ]; then ok "$name"; else fail "$name" "${why%; }"; fi
}

# expect_reject NAME PATTERN IMAGE [OUT]: exit status 1, exactly one stderr
# line "extract-vmlinux: IMAGE: ..." containing PATTERN (an extended regex,
# case-insensitive), and OUT (default a fresh file holding "old") unchanged,
# with nothing left beside it.
expect_reject() {
	local name=$1 pattern=$2 image=$3 out=${4:-$tmp/out/$1.vmlinux} why="" lines line
	rm -rf "$tmp/out" && mkdir "$tmp/out"
	[ $# -ge 4 ] || echo old >"$out"
	run "$image" "$out"
	lines=$(wc -l <"$tmp/err")
	line=$(head -n 1 "$tmp/err")
	[ "$status" = 1 ] || why+="exit status $status, expected 1; "
	if [ "$lines" != 1 ] || [ -n "$(tail -c 1 "$tmp/err")" ]; then
		why+="expected exactly one line on stderr, got $lines newline(s); "
	fi
	case $line in
	"extract-vmlinux: $image: "?*) ;;
	*) why+="stderr does not start with 'extract-vmlinux: $image: '; " ;;
	esac
	grep -qiE -- "$pattern" "$tmp/err" || why+="the message does not say '$pattern'; "
	if [ $# -lt 4 ]; then
		[ "$(cat "$out" 2>/dev/null)" = old ] || why+="OUT was changed; "
		[ "$(beside_out | wc -w)" = 1 ] || why+="files left beside OUT: $(beside_out); "
	fi
	if [ -z "$why" ]; then ok "$name"; else fail "$name" "${why%; }"; fi
}

# --- the tiny ELF64 --------------------------------------------------------

printf '.globl _start\n_start:\n\thlt\n' >"$tmp/tiny.S"
if ! "$CC" -nostdlib -static -Wl,--build-id=none -o "$tmp/tiny.elf" "$tmp/tiny.S" 2>"$tmp/err"; then
	fail build-tiny-elf "$CC could not link a one-line assembly file"
	echo "$passed passed, $failed failed"
	exit 1
fi
ELF=$tmp/tiny.elf
if [ "$(od -An -tx1 -N5 "$ELF" | tr -d ' \n')" != 7f454c4602 ]; then
	fail build-tiny-elf "$CC did not produce an ELF64 file"
	echo "$passed passed, $failed failed"
	exit 1
fi

# --- every format round-trips -----------------------------------------------

for format in gzip xz lz4 zstd bzip2 lzma; do
	if ! compress "$format" "$ELF" "$tmp/$format.payload" 2>"$tmp/err"; then
		fail "extract-$format" "could not compress the test ELF with $format"
		continue
	fi
	make_bzimage "$tmp/$format.bzimage" "$tmp/$format.payload"
	expect_extract "extract-$format" "$tmp/$format.bzimage" "$ELF"
done

# setup_sects 0 means 4 (boot.rst).
make_bzimage "$tmp/sects0.bzimage" "$tmp/gzip.payload" 0x020f 0
expect_extract setup-sects-0 "$tmp/sects0.bzimage" "$ELF"

# Protocol 2.08 itself is enough.
make_bzimage "$tmp/v208.bzimage" "$tmp/xz.payload" 0x0208
expect_extract protocol-2.08 "$tmp/v208.bzimage" "$ELF"

# More than one 8 MiB lz4 legacy block: the appended size must not be taken
# for the next block's header.
{ cat "$ELF"; seq 1 1500000; } >"$tmp/big.elf"
compress lz4 "$tmp/big.elf" "$tmp/big-lz4.payload"
make_bzimage "$tmp/big-lz4.bzimage" "$tmp/big-lz4.payload"
expect_extract extract-lz4-multiblock "$tmp/big-lz4.bzimage" "$tmp/big.elf"

# OUT is replaced, not appended to.
rm -rf "$tmp/out" && mkdir "$tmp/out"
head -c 100000 /dev/zero >"$tmp/out/existing"
run "$tmp/zstd.bzimage" "$tmp/out/existing"
if [ "$status" = 0 ] && cmp -s "$ELF" "$tmp/out/existing"; then
	ok replaces-out
else
	fail replaces-out "exit status $status, or OUT is not exactly the ELF"
fi

# --- bad images ---------------------------------------------------------------

expect_reject missing-file 'no such file' "$tmp/does-not-exist"
expect_reject directory 'not a regular file' "$tmp"

head -c 100 "$tmp/xz.bzimage" >"$tmp/short.bzimage"
expect_reject too-short 'not a bzImage' "$tmp/short.bzimage"

expect_reject not-bzimage 'not a bzImage.*HdrS' "$ELF"

make_bzimage "$tmp/v207.bzimage" "$tmp/xz.payload" 0x0207
expect_reject protocol-2.07 'protocol 2\.07.*too old' "$tmp/v207.bzimage"

# payload_length runs 0x41 bytes past the end (0x40 trailing bytes follow).
make_bzimage "$tmp/past-end.bzimage" "$tmp/xz.payload" 0x020f 3 $(($(size_of "$tmp/xz.payload") + 0x41))
expect_reject payload-past-end 'payload outside the file' "$tmp/past-end.bzimage"

# payload_offset pointing far beyond the file.
cp "$tmp/xz.bzimage" "$tmp/offset-past-end.bzimage"
put "$tmp/offset-past-end.bzimage" 0x248 "$(le32 0xfffffff0)"
expect_reject payload-offset-past-end 'payload outside the file' "$tmp/offset-past-end.bzimage"

printf 'this is not compressed data, just text\n' >"$tmp/text.payload"
make_bzimage "$tmp/unknown.bzimage" "$tmp/text.payload"
expect_reject unknown-compression 'unknown compression.*74 68 69 73 20 69' "$tmp/unknown.bzimage"

# One byte in the middle of the compressed data flipped.
for format in xz gzip zstd; do
	cp "$tmp/$format.payload" "$tmp/corrupt-$format.payload"
	mid=$(($(size_of "$tmp/$format.payload") / 2))
	b=$(od -An -tu1 -j "$mid" -N1 "$tmp/$format.payload")
	put "$tmp/corrupt-$format.payload" "$mid" "$(printf '\\x%02x' $((b ^ 0x55)))"
	make_bzimage "$tmp/corrupt-$format.bzimage" "$tmp/corrupt-$format.payload"
	expect_reject "corrupt-$format" "$format decompression failed" "$tmp/corrupt-$format.bzimage"
done

# The appended size disagrees with the data.
head -c $(($(size_of "$tmp/bzip2.payload") - 4)) "$tmp/bzip2.payload" >"$tmp/badsize.payload"
# shellcheck disable=SC2059  # the format is the escaped bytes
printf "$(le32 $(($(size_of "$ELF") + 1)))" >>"$tmp/badsize.payload"
make_bzimage "$tmp/badsize.bzimage" "$tmp/badsize.payload"
expect_reject size-mismatch "decompression failed: $(size_of "$ELF") bytes.*says $(($(size_of "$ELF") + 1))" \
	"$tmp/badsize.bzimage"

printf 'not an ELF file at all\n' >"$tmp/text.data"
compress gzip "$tmp/text.data" "$tmp/not-elf.payload"
make_bzimage "$tmp/not-elf.bzimage" "$tmp/not-elf.payload"
expect_reject not-elf 'result not an ELF64' "$tmp/not-elf.bzimage"

cp "$ELF" "$tmp/elf32.data"
put "$tmp/elf32.data" 4 '\x01'              # EI_CLASS = ELFCLASS32
compress zstd "$tmp/elf32.data" "$tmp/elf32.payload"
make_bzimage "$tmp/elf32.bzimage" "$tmp/elf32.payload"
expect_reject elf32 'result not an ELF64' "$tmp/elf32.bzimage"

# A PATH with every tool the script uses except zstd.
mkdir "$tmp/bin"
for t in od tr sed wc dirname basename mktemp dd head chmod mv rm xz gzip lz4 bzip2; do
	p=$(command -v "$t") && ln -s "$p" "$tmp/bin/$t"
done
EXTRACT_PATH=$tmp/bin expect_reject missing-decompressor 'needs zstd.*Debian package zstd' "$tmp/zstd.bzimage"
EXTRACT_PATH=$tmp/bin expect_extract restricted-path-works "$tmp/xz.bzimage" "$ELF"

# OUT that cannot be written: the one line names OUT, not the image.
rm -rf "$tmp/out" && mkdir "$tmp/out"
run "$tmp/xz.bzimage" "$tmp/no-such-dir/vmlinux"
if [ "$status" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	grep -q "^extract-vmlinux: $tmp/no-such-dir/vmlinux: " "$tmp/err"; then
	ok out-unwritable
else
	fail out-unwritable "exit status $status, expected 1 with one line naming OUT"
fi

run
if [ "$status" = 2 ] && grep -q '^extract-vmlinux: usage:' "$tmp/err"; then
	ok usage-no-arguments
else
	fail usage-no-arguments "exit status $status, expected 2 and a usage line"
fi
run a b c
if [ "$status" = 2 ]; then ok usage-three-arguments; else fail usage-three-arguments "exit status $status, expected 2"; fi

# --- Debian's kernels ---------------------------------------------------------

# debian_kernel NAME GLOB: extract the newest cached vmlinuz matching GLOB.
debian_kernel() {
	local name=$1 glob=$2 image="" out why="" machine note entry
	local -a found
	# shellcheck disable=SC2206  # GLOB is a glob
	found=($glob)
	if [ -e "${found[0]}" ]; then
		image=$(printf '%s\n' "${found[@]}" | sort -V | tail -n 1)
	fi
	if [ -z "$image" ]; then
		skip "$name" "no $glob (make kernels fetches it)"
		return
	fi
	if ! command -v readelf >/dev/null; then
		fail "$name" "readelf is missing (Debian package binutils)"
		return
	fi
	out=$tmp/$name.vmlinux
	: >"$tmp/err"
	run "$image" "$out"
	if [ "$status" != 0 ]; then
		fail "$name" "extracting $image: exit status $status"
		return
	fi
	[ "$(od -An -tx1 -N5 "$out" | tr -d ' \n')" = 7f454c4602 ] || why+="not ELF64; "
	machine=$(od -An -tu2 -j 18 -N2 --endian=little "$out" | tr -d ' ')
	[ "$machine" = 62 ] || why+="e_machine $machine, expected 62 (x86-64); "
	# binutils prints the Xen note type 18 as "Unknown note type: (0x00000012)"
	# (or by name, should it learn it), then its description bytes.
	note=$(readelf -nW "$out" 2>/dev/null | grep -A1 -E '^ *Xen .*(\(0x00000012\)|PHYS32_ENTRY)' |
		sed -n 's/.*description data: //p' | head -n 1)
	if [ -z "$note" ]; then
		why+="readelf -n shows no Xen PHYS32_ENTRY note; "
	else
		read -r b0 b1 b2 b3 _ <<<"$note"
		entry=$(printf '0x%s%s%s%s' "$b3" "$b2" "$b1" "$b0")
	fi
	if [ -z "$why" ]; then
		ok "$name" "$(basename "$image"): $(size_of "$out") bytes, e_entry $(readelf -hW "$out" |
			sed -n 's/.*Entry point address: *//p'), PVH entry $entry"
	else
		fail "$name" "$(basename "$image"): ${why%; }"
	fi
	rm -f "$out"
}

debian_kernel debian-cloud "$CACHE/linux-image-*-cloud-amd64/boot/vmlinuz-*"
debian_kernel debian-generic "$CACHE/linux-image-[0-9]*[0-9]-amd64/boot/vmlinuz-*"

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
