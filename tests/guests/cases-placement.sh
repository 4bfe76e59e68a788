# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh, status from run (lib.sh)
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): where the images
# go and where they come from: --kernel-addr, --initrd-addr, --load, the
# initrd below what is already placed, images read from pipes, and
# --print-images.

# A blob of random bytes for --load: an odd size at an odd address, which
# must arrive byte for byte exactly there.
BLOB=$tmp/blob.bin
BLOB_ADDR=0x1000123
head -c 4099 /dev/urandom >"$BLOB"
BLOB_RAW="raw=$BLOB_ADDR,$(stat -c %s "$BLOB")"

# run_blob KERNEL [OPTION...]: runs KERNEL with the test initrd and the blob
# at BLOB_ADDR, tells the guest where the blob is (exit=21 $BLOB_RAW), adds
# the OPTIONs and --verbose.
run_blob() {
	local kernel=$1
	shift
	run --kernel "$kernel" --initrd "$INITRD" --load "$BLOB@$BLOB_ADDR" --cmdline "exit=21 $BLOB_RAW" \
		"$@" --verbose
}

# check_blob_report KERNEL: what a run like run_blob's must show: the
# checking guest's full report, and the blob's bytes at BLOB_ADDR.
check_blob_report() {
	check_report "$1" 43 "exit=21 $BLOB_RAW" "$INITRD"
	check_report_raw "$BLOB" "$BLOB_ADDR"
}

# --kernel-addr moves an ELF as one block: 0x2100000 rounded up to
# --kernel-align 0x200000 is 0x2200000, e_entry moves with it, the
# position-independent guest runs there, and the synthesized header says so.
if begin_test elf-kernel-addr; then
	run --kernel "$ELF" --kernel-addr 0x2100000 --kernel-align 0x200000 --initrd "$INITRD" \
		--cmdline "exit=21" --verbose </dev/null
	check_elf_report 43 "exit=21" "$INITRD" $((0x2200000))
	hline=$(grep -m1 '^header ' "$tmp/console")
	[ "$(value kernel_alignment "$hline")" = $((0x200000)) ] ||
		why+="hdr.kernel_alignment is not the 0x200000 used: '$hline'; "
	finish_test
fi

# check.bzimage is relocatable: at --kernel-addr its protected-mode code runs
# there and hdr.code32_start says so (the guest checks); an address off its
# kernel_alignment (2 MiB) is rounded up.
for a in 0x2000000:0x2000000 0x2080000:0x2200000; do
	if begin_test "bzimage-kernel-addr-${a%:*}"; then
		run --kernel "$CHECK" --kernel-addr "${a%:*}" --initrd "$INITRD" --cmdline "exit=21" \
			--verbose </dev/null
		check_guest_report "$CHECK" 43 "exit=21" "" "$INITRD" $((${a#*:}))
		finish_test
	fi
done

# --initrd-addr puts the initrd right there, rounded up to --initrd-align
# (default: a page): in boot_params for the 64-bit protocol, as module 0
# for PVH.
for t in "$CHECK:0x3000000::0x3000000" "$ELF:0x3000800:0x10000:0x3010000" \
	 "$PVH:0x3000800::0x3001000"; do
	IFS=: read -r k addr align want <<<"$t"
	if begin_test "initrd-addr-$(guest_name "$k")"; then
		run --kernel "$k" --initrd "$INITRD" --initrd-addr "$addr" ${align:+--initrd-align "$align"} \
			--cmdline "exit=21" --verbose </dev/null
		check_report "$k" 43 "exit=21" "$INITRD" "$want"
		finish_test
	fi
done

# --load FILE@ADDR copies the file to exactly ADDR: each form of the checking
# guest hashes that range from the inside (raw=ADDR,SIZE).
for k in "$CHECK" "$ELF" "$PVH"; do
	if begin_test "load-raw-$(guest_name "$k")"; then
		run_blob "$k" </dev/null
		check_blob_report "$k"
		finish_test
	fi
done

# The initrd goes as high as it can below what is already placed: under a
# raw blob at the top of the default 256 MiB.
if begin_test initrd-below-raw; then
	top=$((0xfffd000))
	run --kernel "$CHECK" --initrd "$INITRD" --load "$BLOB@$(hex $top)" \
		--cmdline "exit=21 raw=$(hex $top),$(stat -c %s "$BLOB")" --verbose </dev/null
	check_guest_report "$CHECK" 43 "exit=21 raw=$(hex $top),$(stat -c %s "$BLOB")" "" "$INITRD" "" \
		$(((top - $(stat -c %s "$INITRD")) / 4096 * 4096))
	check_report_raw "$BLOB" $top
	finish_test
fi

# Images from pipes: the kernel on stdin ("-"), the initrd and a raw blob
# through /dev/fd/N.  The guest must see what it sees with the same files by
# path: the same console, the same --verbose account, the same status.
for k in "$CHECK" "$ELF" "$PVH"; do
	if begin_test "stdin-kernel-$(guest_name "$k")"; then
		run_blob "$k" </dev/null
		cp "$tmp/console" "$tmp/console.by-path"
		grep -E "$VERBOSE_LINE" "$tmp/err" >"$tmp/verbose.by-path"
		path_status=$status
		run --kernel - --initrd <(cat "$INITRD") --load <(cat "$BLOB")@"$BLOB_ADDR" \
			--cmdline "exit=21 $BLOB_RAW" --verbose < <(cat "$k")
		check_blob_report "$k"
		[ "$status" = "$path_status" ] || why+="status $status from a pipe, $path_status by path; "
		cmp -s "$tmp/console.by-path" "$tmp/console" ||
			why+="the guest reported differently: $(diff "$tmp/console.by-path" "$tmp/console" | grep '^[<>]' | head -n 4 | tr '\n' ';'); "
		grep -E "$VERBOSE_LINE" "$tmp/err" | cmp -s "$tmp/verbose.by-path" - ||
			why+="--verbose differs from the run by path; "
		finish_test
	fi
done

# --print-images lists what minivmm placed before the guest starts: the
# kernel, the initrd and the raw blob, where --verbose says they are, with
# their paths (origin file) and the raw blob's own address.
if begin_test print-images-table; then
	run_blob "$CHECK" --print-images </dev/null
	check_blob_report "$CHECK"
	# KIND ORIGIN ADDRESS SIZE ALIGN RAW-ADDRESS FORMAT PATH
	awk '$1 == "kernel" || $1 == "initrd" || $1 == "raw"' "$tmp/err" >"$tmp/table"
	while read -r kind _ addr size _ _; do
		echo "$kind $((addr)) $((size))"
	done <"$tmp/table" | sort >"$tmp/images.table"
	vmm_images >"$tmp/images.vmm"
	[ "$(wc -l <"$tmp/images.vmm")" = 3 ] || why+="expected 3 'minivmm: image' lines with --verbose; "
	cmp -s "$tmp/images.vmm" "$tmp/images.table" ||
		why+="--print-images table differs from --verbose: $(differences "$tmp/images.vmm" "$tmp/images.table"); "
	awk -v k="$CHECK" -v i="$INITRD" -v b="$BLOB" -v a="$(hex $((BLOB_ADDR)))" '
		$1 == "kernel" && $2 == "file" && $7 == "bzImage" && $8 == k { n++ }
		$1 == "initrd" && $2 == "file" && $7 == "-" && $8 == i { n++ }
		$1 == "raw" && $2 == "file" && $6 == a && $7 == "-" && $8 == b { n++ }
		END { exit n != 3 }' "$tmp/table" ||
		why+="table rows lack origin file, the formats, the paths or the raw address: $(tr '\n' ';' <"$tmp/table"); "
	finish_test
fi

# The same as JSON (jq when there is one, else sed on the one-line array).
if begin_test print-images-json; then
	run_blob "$CHECK" --print-images=json </dev/null
	check_guest_report "$CHECK" 43 "exit=21 $BLOB_RAW" "" "$INITRD"
	grep -v '^minivmm: ' "$tmp/err" >"$tmp/json"
	if command -v jq >/dev/null; then
		jq -r '.[] | select(.kind == "kernel" or .kind == "initrd" or .kind == "raw")
			| "\(.kind) \(.load_paddr) \(.size) \(.origin) \(.raw_addr) \(.format) \(.path)"' \
			<"$tmp/json" >"$tmp/json.rows" 2>"$tmp/jq.err" ||
			why+="jq cannot read the --print-images=json output: $(head -c 200 "$tmp/jq.err"); "
	else
		tr -d '\n' <"$tmp/json" | sed 's/},{/}\n{/g' |
			sed -n 's/.*"kind":"\(kernel\|initrd\|raw\)","origin":"\([a-z]*\)","path":"\([^"]*\)","load_paddr":\([0-9]*\),"size":\([0-9]*\),"alignment":[0-9]*,"raw_addr":\([0-9a-z]*\),"format":"\{0,1\}\([^",]*\)"\{0,1\}}.*/\1 \4 \5 \2 \6 \7 \3/p' \
			>"$tmp/json.rows"
	fi
	cut -d ' ' -f 1-3 "$tmp/json.rows" | sort >"$tmp/images.json"
	vmm_images >"$tmp/images.vmm"
	cmp -s "$tmp/images.vmm" "$tmp/images.json" ||
		why+="--print-images=json differs from --verbose: $(differences "$tmp/images.vmm" "$tmp/images.json"); "
	grep -qxF "raw $((BLOB_ADDR)) $(stat -c %s "$BLOB") file $((BLOB_ADDR)) null $BLOB" "$tmp/json.rows" ||
		why+="no raw entry with origin file, raw_addr $BLOB_ADDR and its path: $(tr '\n' ';' <"$tmp/json.rows"); "
	grep -qxF "kernel $BZIMAGE_LOAD_ADDR $(bzimage_kernel_size "$CHECK") file null bzImage $CHECK" "$tmp/json.rows" ||
		why+="no kernel entry with origin file, raw_addr null, format bzImage and its path: $(tr '\n' ';' <"$tmp/json.rows"); "
	finish_test
fi

# A kernel read from stdin is the client's, named <stdin>.
if begin_test print-images-stdin; then
	run --kernel - --cmdline "exit=21" --print-images --verbose < <(cat "$ELF")
	check_elf_report 43 "exit=21" ""
	awk '$1 == "kernel" { print $2, $7, $8 }' "$tmp/err" | grep -qx 'client ELF <stdin>' ||
		why+="the kernel row is not 'client ... ELF <stdin>': $(grep -m1 '^kernel' "$tmp/err"); "
	finish_test
fi
