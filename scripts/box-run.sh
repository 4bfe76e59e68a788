#!/usr/bin/env bash
# box-run.sh — run a shell command inside the "KVM box": QEMU with TCG and an
# emulated AMD CPU with SVM+NPT, booting Debian's generic kernel with kvm.ko
# and kvm-amd.ko loaded, so the command sees a real (nested) /dev/kvm. This is
# how real Linux kernels are booted with minivmm on a host whose /dev/kvm
# cannot run them (e.g. kvm_pvm without VMX/SVM).
#
# usage: box-run.sh [--mem SIZE] [--smp N] [--timeout SECS] [--interactive]
#                   [--stall SECS] [--host-root] [--files FILE...]
#                   -- 'shell command'
#
#   --mem SIZE      the box's RAM, QEMU syntax (default 6G: room for a 3.5 GiB guest)
#   --smp N         the box's CPUs (default 1: faster than 2 under TCG here)
#   --timeout SECS  hard limit for the whole box run (default 300; 0 = none;
#                   with --interactive the default is none)
#   --stall SECS    end the box when its console has been silent for SECS
#                   seconds (-> 95): its emulated CPU has stopped for good
#   --interactive   connect this terminal to the command (keys go to it raw,
#                   Ctrl-a too, so minivmm's Ctrl-a x ends minivmm; Ctrl-] x
#                   quits QEMU, Ctrl-] h lists QEMU's other keys)
#   --host-root     run the command in the host's own filesystem: the box
#                   mounts this machine's / read-only over virtio-9p under
#                   an overlay whose writes stay in the box's RAM, and
#                   chroots into it, with the box's /dev (so /dev/kvm),
#                   /proc and /sys; the command starts in this folder under
#                   the host's /bin/sh, so scripts, binaries and tools are
#                   used where they are, and no host file ever changes
#   --files ...     copied into the box as /box/<basename>, with the shared
#                   libraries and dynamic loader they need (ldd); /box is the
#                   command's working directory and is first on its PATH
#
# The console (the command's stdout and stderr, and any kernel messages) is
# echoed to stdout. The command runs under busybox sh, stdin /dev/null unless
# --interactive.
#
# Exit status:
#   0-255 but 90-95   the command's own exit status
#   90  box: failed to load a kernel module (kvm, kvm_amd or a dependency)
#   91  box: /dev/kvm missing after loading the modules
#   92  box: QEMU ended without a BOX-STATUS line (box kernel panic, QEMU
#       failed or was quit, e.g. Ctrl-a x)
#   93  box: the whole box run hit --timeout
#   95  box: stalled: the console was silent for --stall SECS
#   94  box: could not set up the box on the host (usage, a missing tool
#       or package, the kernel could not be fetched, a --files file missing),
#       or the box could not mount the host's root (--host-root)
# The box's own failures always print one line starting `box:` on stderr, so a
# command that itself exits 90-95 can still be told apart.
#
# Environment: BOX_SMP and BOX_MEM (defaults for --smp and --mem),
# BOX_QEMU (default qemu-system-x86_64), BOX_CPU (default
# EPYC-Rome,+svm,+npt), BOX_APPEND (extra box kernel parameters),
# MINIVMM_CACHE (the cache folder, default <repo>/cache), BOX_KERNEL_DIR (an
# unpacked generic kernel package, as `fetch-kernel.sh generic` prints: saves
# the ~1 s apt look-up when the caller has done it already).
set -euo pipefail

EXIT_MODULE=90 EXIT_NOKVM=91 EXIT_NOSTATUS=92 EXIT_TIMEOUT=93 EXIT_SETUP=94 EXIT_STALL=95

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
setup_fail() { echo "box: $*" >&2; exit "$EXIT_SETUP"; }
# usage [STATUS]: the help text; on stdout for --help (status 0), else stderr.
usage() {
	local text
	text=$(sed -n '/^# usage:/,/can still be told apart/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//')
	if [ "${1:-$EXIT_SETUP}" = 0 ]; then echo "$text"; else echo "$text" >&2; fi
	exit "${1:-$EXIT_SETUP}"
}

mem=${BOX_MEM:-6G} smp=${BOX_SMP:-1} timeout_s='' stall_s=0 interactive=0 host_root=0
files=()
while [ $# -gt 0 ]; do
	case "$1" in
	--mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
	--smp) [ $# -ge 2 ] || usage; smp=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	--stall) [ $# -ge 2 ] || usage; stall_s=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--host-root) host_root=1; shift ;;
	--files)
		shift
		# up to the next option or --
		while [ $# -gt 0 ] && [[ "$1" != --* ]]; do files+=("$1"); shift; done ;;
	--) shift; break ;;
	-h | --help) usage 0 ;;
	*) echo "box: unknown option '$1'" >&2; usage ;;
	esac
done
[ $# -eq 1 ] || { echo "box: want exactly one shell command after --" >&2; usage; }
cmd=$1
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || setup_fail "--smp wants a positive number, not '$smp'"
[[ "$mem" =~ ^[1-9][0-9]*[KMGT]?$ ]] || setup_fail "--mem wants a size such as 6G, not '$mem'"
if [ -z "$timeout_s" ]; then
	if [ "$interactive" = 1 ]; then timeout_s=0; else timeout_s=300; fi
fi
[[ "$timeout_s" =~ ^[0-9]+$ ]] || setup_fail "--timeout wants whole seconds, not '$timeout_s'"
[[ "$stall_s" =~ ^[0-9]+$ ]] || setup_fail "--stall wants whole seconds, not '$stall_s'"

qemu=${BOX_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || setup_fail "$qemu not found (install qemu-system-x86)"
command -v timeout >/dev/null || setup_fail "timeout not found (install coreutils)"
for f in "${files[@]}"; do
	[ -f "$f" ] || setup_fail "--files: no such file: $f"
done

cache=${MINIVMM_CACHE:-$repo/cache}
if [ -n "${BOX_KERNEL_DIR:-}" ]; then
	kdir=$BOX_KERNEL_DIR
else
	kdir=$("$repo/scripts/fetch-kernel.sh" generic) ||
		setup_fail "cannot fetch the box kernel (scripts/fetch-kernel.sh generic failed)"
fi
vmlinuz=$(find "$kdir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
[ -n "$vmlinuz" ] || setup_fail "no vmlinuz in $kdir/boot"

# The box boots the uncompressed vmlinux through its PVH entry when it can:
# undoing the bzImage's XZ under TCG costs ~2.5 s of every box run. Extracted
# once into the cache; the bzImage is the fallback.
box_kernel() {
	local out=$cache/box/vmlinux-${vmlinuz##*/vmlinuz-}
	if [ -s "$out" ]; then echo "$out"; return; fi
	command -v xz >/dev/null || { echo "$vmlinuz"; return; }
	local off
	off=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$vmlinuz" | head -n1 | cut -d: -f1)
	mkdir -p "$cache/box"
	local part
	part=$(mktemp "$cache/box/.vmlinux.XXXXXX")
	chmod 0644 "$part"
	# (xz stops at the end of its stream: no pipe, so no SIGPIPE for tail)
	if [ -n "$off" ] &&
		xz -dc --single-stream < <(tail -c +"$((off + 1))" "$vmlinuz") >"$part" 2>/dev/null &&
		[ "$(head -c 4 "$part")" = $'\x7fELF' ] &&
		LC_ALL=C grep -qa 'xen-3.0' "$part"; then
		mv "$part" "$out"
		echo "$out"
	else
		rm -f "$part"
		echo "$vmlinuz"
	fi
}
kernel=$(box_kernel)
base=$("$repo/images/box-initramfs.sh" base "$kdir" "$cache/box") || setup_fail "cannot build the box initramfs"

tmp=$(mktemp -d)
watcher=
trap '[ -z "$watcher" ] || kill "$watcher" 2>/dev/null; rm -rf "$tmp"' EXIT
mode="batch"
[ "$interactive" = 1 ] && mode="interactive"
hostroot_dir=''
[ "$host_root" = 1 ] && hostroot_dir=$PWD
HOSTROOT=$hostroot_dir "$repo/images/box-initramfs.sh" payload "$tmp/payload.cpio" "$mode" "$cmd" "${files[@]}" ||
	setup_fail "cannot pack the files for the box"
# The kernel looks for the next archive only at 4-byte offsets: zero padding
# between the two is skipped.
base_size=$(stat -c %s "$base")
{ cat "$base"; head -c $(((4 - base_size % 4) % 4)) /dev/zero; cat "$tmp/payload.cpio"; } >"$tmp/box.cpio"
rm -f "$tmp/payload.cpio"

# quiet: fewer lines through the emulated UART; panic=-1 with -no-reboot: a
# box kernel panic ends QEMU at once (-> 92) instead of hanging to the timeout.
# nohz=off highres=off: a periodic LAPIC timer.  QEMU 7.2's TCG loses an
# interrupt now and then while the box runs a nested guest (VMRUN updates
# the vCPU's interrupt_request outside the iothread lock, racing with the
# timer that sets it); with the default one-shot timer, which only its
# interrupt re-arms, the box then halts for good (~7 % of bench boots).  A
# periodic timer fires again anyway, so a lost tick costs one tick.
append="console=ttyS0 quiet panic=-1 mitigations=off nohz=off highres=off ${BOX_APPEND:-}"
qemu_args=(
	-accel tcg -cpu "${BOX_CPU:-EPYC-Rome,+svm,+npt}" -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$tmp/box.cpio" -append "$append"
	-pidfile "$tmp/qemu.pid"
)
[ "$host_root" = 1 ] &&
	qemu_args+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
log=$tmp/console.log
errlog=$tmp/qemu.err
limit=()
[ "$timeout_s" != 0 ] && limit=(timeout --foreground -k 10 "$timeout_s")

# stall_watch: kills QEMU once the console log has not grown for $stall_s
# seconds, and leaves $tmp/stalled behind to say why.
stall_watch() {
	local size last=-1 quiet=0
	while sleep 5; do
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$size" = "$last" ]; then quiet=$((quiet + 5)); else quiet=0 last=$size; fi
		if [ "$quiet" -ge "$stall_s" ] && [ -s "$tmp/qemu.pid" ]; then
			: >"$tmp/stalled"
			kill "$(cat "$tmp/qemu.pid")" 2>/dev/null
			return
		fi
	done
}
if [ "$stall_s" != 0 ]; then
	# Its output elsewhere: a watcher left behind must not hold our stdout.
	stall_watch >/dev/null 2>&1 </dev/null &
	watcher=$!
fi

set +e
if [ "$interactive" = 1 ]; then
	# mon:stdio: the terminal goes raw to the box's serial console.  QEMU's
	# escape key is Ctrl-] (-echr 0x1d), so that Ctrl-a reaches minivmm in
	# the box, whose Ctrl-a x ends the run as it does on a host.
	"${limit[@]}" "$qemu" "${qemu_args[@]}" -echr 0x1d -serial mon:stdio 2>"$errlog" | tee "$log"
	qrc=${PIPESTATUS[0]}
else
	"${limit[@]}" "$qemu" "${qemu_args[@]}" -serial stdio </dev/null 2>"$errlog" |
		sed -u 's/\r*$//' | tee "$log"
	qrc=${PIPESTATUS[0]}
fi
set -e
[ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true
watcher=
# QEMU's own words, less its notes on the CPU features TCG does not emulate.
grep -v "TCG doesn't support requested feature" "$errlog" >&2 || true

if [ -e "$tmp/stalled" ]; then
	echo "box: stalled: no console output for ${stall_s}s" >&2
	exit "$EXIT_STALL"
fi
if [ "$timeout_s" != 0 ] && { [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; }; then
	echo "box: timeout: the box run took longer than ${timeout_s}s" >&2
	exit "$EXIT_TIMEOUT"
fi
# The box's /init says BOX-ERROR <code> <why> for its own failures.
err=$(tr -d '\r' <"$log" | grep -E "^BOX-ERROR ($EXIT_MODULE|$EXIT_NOKVM|$EXIT_SETUP) " | tail -n1 || true)
if [ -n "$err" ]; then
	code=${err#BOX-ERROR }
	code=${code%% *}
	echo "box: ${err#BOX-ERROR "$code" }" >&2
	exit "$code"
fi
status=$(tr -d '\r' <"$log" | grep -E '^BOX-STATUS [0-9]+$' | tail -n1 || true)
if [ -z "$status" ]; then
	hint=''
	[ "$interactive" = 1 ] && hint=', quit with Ctrl-] x?'
	echo "box: QEMU ended without a BOX-STATUS line (QEMU exit status $qrc$hint)" >&2
	exit "$EXIT_NOSTATUS"
fi
exit "${status#BOX-STATUS }"
