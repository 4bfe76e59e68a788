# shellcheck shell=bash
# Sourced by the initramfs recipes (images/disk-initramfs.sh,
# bench/guests/cmd-initramfs.sh): the modules a guest loads itself, taken
# from an unpacked Debian kernel package.
#
#   kernel_modules_copy KERNEL_ROOT DEST NAME...
#
# copies NAME... and what they depend on from KERNEL_ROOT/lib/modules/<one
# version>/ into DEST as plain NAME.ko files (compressed ones decompressed),
# with DEST/load-order listing them dependencies first.  The order comes from
# `modinfo -F depends` on the package's own files (Debian's package ships no
# modules.dep), a depth-first walk; a module the kernel has built in
# (modules.builtin) is skipped.  Errors go through the caller's die.
kernel_modules_copy() {
	local kernel_root=$1 dest=$2 modinfo moddir f n m
	shift 2
	modinfo=$(command -v modinfo || echo /sbin/modinfo)
	[ -x "$modinfo" ] || die "modinfo not found (install kmod)"
	local moddirs=("$kernel_root"/lib/modules/*/)
	if [ ${#moddirs[@]} -ne 1 ] || [ ! -d "${moddirs[0]}" ]; then
		die "$kernel_root: expected exactly one lib/modules/<version>/ folder"
	fi
	moddir=${moddirs[0]%/}
	# Every module file by its module name (file name without .ko*, '-'
	# read as '_', as the kernel does).
	local -A file_of=() builtin=() state=()
	while IFS= read -r -d '' f; do
		n=${f##*/}
		n=${n%%.ko*}
		file_of[${n//-/_}]=$f
	done < <(find "$moddir/kernel" -name '*.ko*' -print0)
	if [ -f "$moddir/modules.builtin" ]; then
		while read -r f; do
			n=${f##*/}
			n=${n%%.ko*}
			builtin[${n//-/_}]=1
		done <"$moddir/modules.builtin"
	fi
	local order=()
	# visit NAME: NAME's dependencies first, then NAME.
	visit() {
		local n=${1//-/_} dep deps
		[ -n "${builtin[$n]:-}" ] && return 0
		case "${state[$n]:-}" in
		ordered) return 0 ;;
		visiting) die "module dependency loop through $n" ;;
		esac
		[ -n "${file_of[$n]:-}" ] || die "$moddir: no module $n (neither a file nor built in)"
		state[$n]=visiting
		deps=$("$modinfo" -F depends "${file_of[$n]}") || die "modinfo ${file_of[$n]} failed"
		for dep in ${deps//,/ }; do visit "$dep"; done
		state[$n]=ordered
		order+=("$n")
	}
	for m in "$@"; do visit "$m"; done
	mkdir -p "$dest"
	: >"$dest/load-order"
	for n in "${order[@]}"; do
		f=${file_of[$n]}
		case "$f" in
		*.ko) cp "$f" "$dest/$n.ko" ;;
		*.ko.xz) xz -dc "$f" >"$dest/$n.ko" || die "xz -d $f failed" ;;
		*.ko.zst) zstd -qdc "$f" >"$dest/$n.ko" || die "zstd -d $f failed" ;;
		*.ko.gz) gzip -dc "$f" >"$dest/$n.ko" || die "gzip -d $f failed" ;;
		*) die "unknown module file type: $f" ;;
		esac
		echo "$n" >>"$dest/load-order"
	done
}
