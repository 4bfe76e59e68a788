#!/usr/bin/env bash
# tests/box/virtio-tests.sh MINIVMM — the virtio-over-PCI tests with real
# kernels (issue 14: --disk, virtio-rng, --no-rng, --console-device virtio),
# run inside the KVM box (scripts/box-run.sh --host-root: QEMU TCG + nested
# KVM, the host's files seen read-only under a RAM overlay).
#
#   tests/box/virtio-tests.sh MINIVMM
#
# With each kernel, Debian's cloud kernel (virtio drivers as modules, loaded
# by the initramfs) and the project's minimal kernel (images/minimal-kernel.sh
# prints the folder holding its bzImage; MINIVMM_MINIMAL_KERNEL=PATH names a
# bzImage instead; drivers built in), two guest boots in ONE box run:
#
#   disks boot  --disk DATA_RW,serial=vt-data --disk BIG,serial=vt-big
#               --disk DATA_RO,ro,serial=vt-ro, virtio-rng on (the default),
#               the initramfs of images/disk-initramfs.sh running
#               tests/box/virtio-guest.sh (its header lists the guest's
#               checks); DATA_* are copies of images/disk-image.sh data, BIG
#               is `truncate -s 3G`.  Then, outside the guest: `debugfs -R
#               'dump /new'` reads the 64 MiB file the guest wrote, its
#               sha256 must match the guest's own (printed, and in
#               /new.sha256), `e2fsck -fn` must find DATA_RW clean, DATA_RO's
#               sha256 must be unchanged, and BIG's MiB at 3071 MiB must be
#               what the guest wrote there.
#   root boot   --disk ROOT --no-rng, ROOT a copy of images/disk-image.sh
#               root: the cloud kernel with the initramfs, which loads the
#               modules and switch_roots to /dev/vda (minivmm.root=/dev/vda);
#               the minimal kernel with no initramfs at all, `root=/dev/vda
#               rw` and --console-device virtio (console=hvc0).  The root's
#               /sbin/init reports the device of /, whether it could write,
#               the consoles and the hw_random state; debugfs reads back the
#               file it wrote and e2fsck -fn finds ROOT clean.
#
# The tests, per kernel (KERNEL is cloud or minimal):
#   KERNEL: read, write 64 MiB, read back   (disks boot: rw- checks + host)
#   KERNEL: a ,ro disk is never written     (disks boot: ro- checks + host)
#   KERNEL: 3 disks in order, 3 GiB, serial= (disks boot: multi- checks + host)
#   KERNEL: /dev/hwrng gives bytes           (disks boot: rng- checks)
#   KERNEL: root on /dev/vda                 (root boot)
#   KERNEL: --no-rng: no hw_random source    (root boot: hwrng none, no
#                                            virtio entropy device, 0 bytes)
# A boot must end with minivmm's status 0 (the guest's poweroff -f) within
# its --timeout 240 (a busybox timeout kills it at 300 s).  The verdicts
# are made in the box, right after each boot (the box's files are gone once
# it ends), and sent back on its console as `VT-RESULT KEY ok` or
# `VT-RESULT KEY FAIL why`.
#
# Prints `ok NAME`, `FAIL NAME: why` (with the tail of that boot's console),
# `skip NAME: why`, then `N passed, N failed[, N skipped]`.  Exit 0 only if
# none failed.  A box that stalls or does not start is retried once in a
# fresh box; tests the box's own failure kept from a result print
# `BOX FAILURE NAME: the box failed: ...` and the run ends with the box's
# status (90-95) unless a test failed (1).  Skipped, never passed: the
# minimal kernel's tests while images/minimal-kernel.sh is not in the tree;
# under CI=true a skip fails.
# V=1 echoes the whole box console as it goes.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
self=$repo/tests/box/virtio-tests.sh
KERNELS=(cloud minimal)
# key  boot  name (after "KERNEL: ")
TESTS=(
	"rw disks read, write 64 MiB, read back on the host (virtio-blk)"
	"ro disks a ,ro disk is never written"
	"multi disks 3 disks in the order given, a 3 GiB sparse disk, serial="
	"rng disks /dev/hwrng gives bytes (virtio-rng)"
	"root root root on /dev/vda"
	"norng root --no-rng: no hw_random source"
)
BOOT_TIMEOUT=240

# ============================================================================
# The box half: bash tests/box/virtio-tests.sh --in-box DIR, in the box's
# view of the host.  DIR holds env (MINIVMM, CLOUD_KERNEL, MINIMAL_KERNEL),
# the initramfs images and the disk image templates.
# ============================================================================
in_box() {
	local dir=$1 work k
	# shellcheck source=/dev/null
	. "$dir/env"
	work=$(mktemp -d /tmp/virtio-box.XXXXXX) || { echo "VT-SETUP-FAIL mktemp"; return 1; }
	for k in "${KERNELS[@]}"; do
		local kernel_var=${k^^}_KERNEL
		[ -n "${!kernel_var:-}" ] || continue
		box_disks_boot "$k" "${!kernel_var}" "$dir" "$work"
		box_root_boot "$k" "${!kernel_var}" "$dir" "$work"
	done
	rm -rf "$work"
}

# vm ID ARGS...: one minivmm run, its console and stderr on the box's
# console between VT-BEGIN ID and VT-END ID STATUS, and in $work/ID.log
# (without CRs).
vm() {
	local id=$1 s rc
	shift
	s=$(cut -d' ' -f1 /proc/uptime)
	echo "VT-BEGIN $id"
	# shellcheck disable=SC2153 # MINIVMM comes from $dir/env
	timeout -s KILL $((BOOT_TIMEOUT + 60)) "$MINIVMM" --timeout "$BOOT_TIMEOUT" "$@" </dev/null 2>&1 |
		sed -u 's/\r*$//' | tee "$work/$id.log"
	rc=${PIPESTATUS[0]}
	echo
	echo "VT-END $id $rc"
	echo "$rc" >"$work/$id.rc"
	awk -v n="$id" -v s="$s" '{ printf "VT-TIME %s %.1f\n", n, $1 - s }' /proc/uptime
}

# exit_meaning RC: minivmm's exit-status contract (vmm/exit_status.h), in words.
exit_meaning() {
	case "$1" in
	2) echo " (usage or setup error)" ;;
	4) echo " (the guest crashed)" ;;
	6) echo " (--expect: the guest ended first)" ;;
	8) echo " (minivmm failed on the host)" ;;
	124) echo " (--timeout $BOOT_TIMEOUT expired)" ;;
	130) echo " (interrupted)" ;;
	137) echo " (killed: still running $((BOOT_TIMEOUT + 60)) s after its start despite --timeout $BOOT_TIMEOUT)" ;;
	*) [ $(($1 % 2)) = 1 ] && [ "$1" -lt 128 ] && echo " (the guest wrote $(($1 >> 1)) to the debug-exit port)" ;;
	esac
}

# boot_why ID: why boot ID went wrong as a whole (nothing when it ended
# with 0): its status, and every module the initramfs could not load.
boot_why() {
	local rc why=
	rc=$(cat "$work/$1.rc" 2>/dev/null)
	[ "$rc" = 0 ] || why="minivmm exit status ${rc:-none}$(exit_meaning "${rc:-0}"); "
	why+=$(grep -o 'GUEST-CHECK FAIL insmod-.*' "$work/$1.log" | sed 's/^GUEST-CHECK FAIL //; s/$/; /' | tr -d '\n')
	# minivmm's own last word, when it said one.
	[ -z "$why" ] || why+=$(grep '^minivmm: ' "$work/$1.log" | tail -n 1 | sed 's/$/; /')
	printf '%s' "$why"
}

# guest_why ID CHECK...: each CHECK must have its `GUEST-CHECK ok` line in
# boot ID's console; the guest's words for those that failed.
guest_why() {
	local id=$1 c line why=
	shift
	for c in "$@"; do
		grep -q "GUEST-CHECK ok $c\$" "$work/$id.log" && continue
		line=$(grep -o "GUEST-CHECK FAIL $c: .*" "$work/$id.log" | head -n 1)
		if [ -n "$line" ]; then
			why+="${line#GUEST-CHECK FAIL }; "
		else
			why+="the guest did not report $c; "
		fi
	done
	printf '%s' "$why"
}

# result KEY KERNEL WHY: the verdict line for the host.
verdict() {
	if [ -z "$3" ]; then echo "VT-RESULT $2-$1 ok"; else echo "VT-RESULT $2-$1 FAIL ${3%; }"; fi
}

# fsck_why IMAGE: e2fsck -fn's complaint, if any.
fsck_why() {
	local out
	out=$(e2fsck -fn "$1" 2>&1) ||
		echo "e2fsck -fn ${1##*/} exit status $?: $(echo "$out" | grep -v '^Pass \|^e2fsck ' | head -n 4 | tr '\n' ' '); "
}

box_disks_boot() {
	local k=$1 kernel=$2 dir=$3 work=$4 id=$1-disks initrd boot why w got want ro_before ro_after
	initrd=$dir/disk-cloud.cpio.gz
	[ "$k" = cloud ] || initrd=$dir/disk-builtin.cpio.gz
	cp --sparse=always "$dir/data.ext4" "$work/$k-rw.ext4" &&
		cp --sparse=always "$dir/data.ext4" "$work/$k-ro.ext4" &&
		truncate -s 3G "$work/$k-big.img" || { echo "VT-SETUP-FAIL $id: cannot copy the disk images"; return; }
	ro_before=$(sha256sum <"$work/$k-ro.ext4")
	vm "$id" --kernel "$kernel" --initrd "$initrd" \
		--disk "$work/$k-rw.ext4,serial=vt-data" --disk "$work/$k-big.img,serial=vt-big" \
		--disk "$work/$k-ro.ext4,ro,serial=vt-ro" --cmdline minivmm.test=virtio
	boot=$(boot_why "$id")
	grep -qE 'MINIVMM-DISK-TEST (PASS|FAIL)' "$work/$id.log" ||
		boot+="the guest's test script did not finish (no MINIVMM-DISK-TEST line); "

	# rw: the guest's checks, then the file it wrote, read from the image.
	why=$boot$(guest_why "$id" rw-mount rw-files rw-write rw-readback)
	want=$(grep -o 'GUEST-INFO new-sha256 [0-9a-f]\{64\}' "$work/$id.log" | tail -n 1 | cut -d' ' -f3)
	if [ -n "$want" ]; then
		if ! w=$(debugfs -R "dump /new $work/new" "$work/$k-rw.ext4" 2>&1) || [ ! -s "$work/new" ]; then
			why+="debugfs could not dump /new from the disk: $(echo "$w" | tail -n 2 | tr '\n' ' '); "
		else
			got=$(sha256sum <"$work/new" | cut -d' ' -f1)
			[ "$got" = "$want" ] ||
				why+="/new as debugfs reads it from the disk has sha256 $got ($(stat -c %s "$work/new") bytes), the guest wrote $want; "
			got=$(debugfs -R 'cat /new.sha256' "$work/$k-rw.ext4" 2>/dev/null | cut -d' ' -f1)
			[ "$got" = "$want" ] || why+="/new.sha256 on the disk says '$got', the guest printed $want; "
		fi
		rm -f "$work/new"
	elif [ -z "$why" ]; then
		why="the guest printed no GUEST-INFO new-sha256; "
	fi
	why+=$(fsck_why "$work/$k-rw.ext4")
	verdict rw "$k" "$why"

	# ro: the guest could not write it, and nothing else did either.
	why=$boot$(guest_why "$id" ro-flag ro-mount ro-files ro-write-fails ro-raw-write-fails)
	ro_after=$(sha256sum <"$work/$k-ro.ext4")
	[ "$ro_after" = "$ro_before" ] || why+="the ,ro disk's file changed: sha256 ${ro_after%% *}, was ${ro_before%% *}; "
	verdict ro "$k" "$why"

	# multi: order, size, and the MiB written at the 3 GiB disk's end.
	why=$boot$(guest_why "$id" multi-serial-order multi-big-size multi-big-end)
	want=$(grep -o 'GUEST-INFO big-sha256 [0-9a-f]\{64\}' "$work/$id.log" | tail -n 1 | cut -d' ' -f3)
	if [ -n "$want" ]; then
		got=$(dd if="$work/$k-big.img" bs=1M skip=3071 count=1 status=none | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || why+="the 3 GiB disk's file holds sha256 $got at 3071 MiB, the guest wrote $want; "
	elif [ -z "$why" ]; then
		why="the guest printed no GUEST-INFO big-sha256; "
	fi
	got=$(stat -c %s "$work/$k-big.img")
	[ "$got" = 3221225472 ] || why+="the 3 GiB disk's file is now $got bytes; "
	verdict multi "$k" "$why"

	why=$boot$(guest_why "$id" rng-read rng-source)
	verdict rng "$k" "$why"
	rm -f "$work/$k-rw.ext4" "$work/$k-ro.ext4" "$work/$k-big.img"
}

box_root_boot() {
	local k=$1 kernel=$2 dir=$3 work=$4 id=$1-root boot why line got
	cp --sparse=always "$dir/root.ext4" "$work/$k-root.ext4" ||
		{ echo "VT-SETUP-FAIL $id: cannot copy the root image"; return; }
	if [ "$k" = cloud ]; then
		vm "$id" --kernel "$kernel" --initrd "$dir/disk-cloud.cpio.gz" --disk "$work/$k-root.ext4" \
			--no-rng --cmdline minivmm.root=/dev/vda
	else
		vm "$id" --kernel "$kernel" --disk "$work/$k-root.ext4" --no-rng --console-device virtio \
			--cmdline "root=/dev/vda rw rootfstype=ext4"
	fi
	boot=$(boot_why "$id")
	line=$(grep -o 'MINIVMM-ROOTDISK-OK .*' "$work/$id.log" | tail -n 1)
	# field NAME: NAME=VALUE's value in the root's report line.
	field() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

	why=$boot
	if [ -z "$line" ]; then
		why+="the root disk's /sbin/init did not report (no MINIVMM-ROOTDISK-OK line)"
		why+="$(grep -o 'MINIVMM-DISK-INITRAMFS-FAIL .*' "$work/$id.log" | head -n 1 | sed 's/^/: /'); "
	else
		[ "$(field root-dev)" = "$(field vda-dev)" ] && [ "$(field vda-dev)" != none ] ||
			why+="/ is on device $(field root-dev), /dev/vda is $(field vda-dev); "
		[ "$(field rw)" = yes ] || why+="the root's init could not write to /; "
		if [ "$k" = cloud ]; then
			grep -q 'MINIVMM-DISK-INITRAMFS switch_root to /dev/vda' "$work/$id.log" ||
				why+="the initramfs did not say it switch_roots to /dev/vda; "
		else
			case ",$(field console)," in
			*,hvc0,*) ;;
			*) why+="the kernel's console is '$(field console)', want hvc0 (--console-device virtio); " ;;
			esac
		fi
		got=$(debugfs -R 'cat /rootdisk-booted' "$work/$k-root.ext4" 2>/dev/null)
		case "$got" in
		"booted from "*) ;;
		*) why+="the root disk has no /rootdisk-booted as the guest wrote it (debugfs: '$got'); " ;;
		esac
	fi
	why+=$(fsck_why "$work/$k-root.ext4")
	verdict root "$k" "$why"

	why=$boot
	if [ -z "$line" ]; then
		why+="the root disk's /sbin/init did not report the hw_random state; "
	else
		case "$(field hwrng)" in none | missing) ;; *) why+="the hw_random source is '$(field hwrng)', want none; " ;; esac
		[ "$(field virtio-rng-devices)" = 0 ] || why+="$(field virtio-rng-devices) virtio entropy devices; "
		[ "$(field hwrng-bytes)" = 0 ] || why+="/dev/hwrng gave $(field hwrng-bytes) bytes; "
	fi
	verdict norng "$k" "$why"
	rm -f "$work/$k-root.ext4"
}

if [ "${1:-}" = --in-box ]; then
	[ $# -eq 2 ] || { echo "usage: virtio-tests.sh --in-box DIR" >&2; exit 2; }
	in_box "$2"
	exit 0
fi

# ============================================================================
# The host half.
# ============================================================================
[ $# -eq 1 ] || { echo "usage: tests/box/virtio-tests.sh MINIVMM" >&2; exit 2; }
minivmm=$(realpath "$1" 2>/dev/null || echo "$1")
# shellcheck source=tests/kvm-device.sh
. "$repo/tests/kvm-device.sh"

passed=0 failed=0 skipped=0 box_failed=0 box_rc=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() {
	case "$2" in
	"the box failed: "*) echo "BOX FAILURE $1: $2"; box_failed=$((box_failed + 1)) ;;
	*) echo "FAIL $1: $2"; failed=$((failed + 1)) ;;
	esac
}
# skip NAME WHY: not run; a failure under CI=true.
# shellcheck disable=SC2317 # called through each_test
skip() {
	if [ "${CI:-}" = true ]; then
		fail "$1" "not run under CI=true: $2"
	else
		echo "skip $1: $2"
		skipped=$((skipped + 1))
	fi
}
finish() {
	local s="$passed passed, $failed failed"
	[ "$skipped" -eq 0 ] || s+=", $skipped skipped"
	[ "$box_failed" -eq 0 ] || s+=", $box_failed not run: the box failed"
	echo "$s"
	[ "$failed" -eq 0 ] || exit 1
	[ "$box_failed" -eq 0 ] || exit "$box_rc"
	exit 0
}
indent() { sed 's/^/    | /'; }
# test_name KERNEL KEY: the name a test is reported under.
test_name() {
	local t
	for t in "${TESTS[@]}"; do
		read -r key _ rest <<<"$t"
		[ "$key" = "$2" ] && { echo "$1: $rest"; return; }
	done
}
# each_test KERNEL FUNCTION WHY: FUNCTION NAME WHY for each of KERNEL's tests.
each_test() {
	local t key
	for t in "${TESTS[@]}"; do
		read -r key _ _ <<<"$t"
		"$2" "$(test_name "$1" "$key")" "$3"
	done
}
# fail_all WHY: every test of every kernel not yet decided fails.
kernels_run=()
fail_all() {
	local k
	for k in "${kernels_run[@]}"; do each_test "$k" fail "$1"; done
	finish
}
kernels_run=("${KERNELS[@]}")

# --- prerequisites, named at once --------------------------------------------
missing=()
PATH=$PATH:/sbin:/usr/sbin
for tool in qemu-system-x86_64 cpio gzip apt-get dpkg-deb timeout mkfs.ext4 debugfs e2fsck \
	modinfo truncate sha256sum; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ! -x /bin/busybox ] || LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
	missing+=("busybox-static")
fi
[ ${#missing[@]} -eq 0 ] || fail_all "missing ${missing[*]} (run scripts/install-deps.sh)"
[ -x "$minivmm" ] || fail_all "$minivmm is not an executable (build it with make)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-virtio-tests.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# The box reads these as the host's files (--host-root), as any user.
chmod 0755 "$tmp"

# --- kernels -------------------------------------------------------------------
if ! box_kdir=$("$repo/scripts/fetch-kernel.sh" generic 2>"$tmp/fetch.err"); then
	indent <"$tmp/fetch.err"
	fail_all "cannot fetch the box's generic kernel"
fi
if ! cloud_kdir=$("$repo/scripts/fetch-kernel.sh" cloud 2>"$tmp/fetch.err"); then
	indent <"$tmp/fetch.err"
	fail_all "cannot fetch the cloud kernel"
fi
cloud_kernel=$(find "$cloud_kdir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
minimal_kernel=
if [ -n "${MINIVMM_MINIMAL_KERNEL:-}" ]; then
	minimal_kernel=$(realpath "$MINIVMM_MINIMAL_KERNEL" 2>/dev/null)
	if [ ! -f "$minimal_kernel" ]; then
		each_test minimal fail "MINIVMM_MINIMAL_KERNEL=$MINIVMM_MINIMAL_KERNEL is not a file"
		minimal_kernel=
	fi
elif [ ! -x "$repo/images/minimal-kernel.sh" ]; then
	each_test minimal skip "no minimal kernel: images/minimal-kernel.sh is not in this tree yet"
elif ! kdir=$("$repo/images/minimal-kernel.sh" 2>"$tmp/minimal.err") || [ ! -f "$kdir/bzImage" ]; then
	indent <"$tmp/minimal.err" | tail -n 20
	each_test minimal fail "images/minimal-kernel.sh gave no bzImage${kdir:+ in $kdir}"
else
	minimal_kernel=$(realpath "$kdir/bzImage")
fi
kernels_run=(cloud)
[ -z "$minimal_kernel" ] || kernels_run+=(minimal)

# --- images --------------------------------------------------------------------
build() {
	local what=$1
	shift
	if ! "$@" 2>"$tmp/build.err"; then
		indent <"$tmp/build.err" | tail -n 20
		fail_all "cannot build $what"
	fi
}
build "the cloud kernel's disk initramfs" "$repo/images/disk-initramfs.sh" --modules "$cloud_kdir" \
	--test "virtio=$repo/tests/box/virtio-guest.sh" "$tmp/disk-cloud.cpio.gz"
if [ -n "$minimal_kernel" ]; then
	build "the minimal kernel's disk initramfs" "$repo/images/disk-initramfs.sh" \
		--test "virtio=$repo/tests/box/virtio-guest.sh" "$tmp/disk-builtin.cpio.gz"
fi
build "the data disk image" "$repo/images/disk-image.sh" data "$tmp/data.ext4"
build "the root disk image" "$repo/images/disk-image.sh" root "$tmp/root.ext4"
chmod -R a+rX "$tmp"
{
	echo "MINIVMM=$(shq "$minivmm")"
	echo "CLOUD_KERNEL=$(shq "$cloud_kernel")"
	echo "MINIMAL_KERNEL=$(shq "$minimal_kernel")"
} >"$tmp/env"

# --- one box run ---------------------------------------------------------------
# A box that stalls (no console line for 300 s) or does not start is
# retried once, in a fresh box.
box_cmd="bash $(shq "$self") --in-box $(shq "$tmp")"
export BOX_KERNEL_DIR=$box_kdir
cd "$repo" || exit 2
box_run_retried "$tmp/console" --host-root --timeout 1200 --stall 300 -- "$box_cmd"
sed -n 's/^VT-TIME \([^ ]*\) \([0-9.]*\)$/# \1: \2 s in the box/p' "$tmp/console"
grep '^VT-SETUP-FAIL ' "$tmp/console" | sed 's/^/# /'

# section ID: the console lines of one boot, without its markers.
section() {
	awk -v n="$1" '$0 == "VT-BEGIN " n { on = 1; next }
		on && index($0, "VT-END " n " ") == 1 { exit }
		on { print }' "$tmp/console"
}
for k in "${kernels_run[@]}"; do
	for t in "${TESTS[@]}"; do
		read -r key boot _ <<<"$t"
		name=$(test_name "$k" "$key")
		line=$(grep -E "^VT-RESULT $k-$key (ok|FAIL)( |\$)" "$tmp/console" | tail -n 1)
		case "$line" in
		"VT-RESULT $k-$key ok") ok "$name" ;;
		"VT-RESULT $k-$key FAIL "*)
			fail "$name" "${line#"VT-RESULT $k-$key FAIL "}"
			echo "    console tail ($k-$boot):"
			section "$k-$boot" | grep -v '^VT-' | tail -n 30 | indent ;;
		*)
			if [ -n "$box_err" ]; then
				fail "$name" "the box failed: ${box_err#box: } (box-run.sh exit status $box_rc)"
			else
				fail "$name" "no result (box-run.sh exit status $box_rc)"
				grep -q "^VT-BEGIN $k-$boot\$" "$tmp/console" &&
					section "$k-$boot" | tail -n 20 | indent
			fi ;;
		esac
	done
done
# A box that failed without a test left to blame still fails the run.
if [ "$box_failed" = 0 ] && [ -n "$box_err" ]; then
	echo "BOX FAILURE: ${box_err#box: } (box-run.sh exit status $box_rc)"
	box_failed=1
fi
finish
