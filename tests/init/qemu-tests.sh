#!/usr/bin/env bash
# Runs minivmm-init as a real guest's PID 1 with QEMU as the host side, so
# that the guest half of `minivmm --kernel K -- CMD` (issue 15) is tested
# before, and apart from, minivmm's own host half.  QEMU plays minivmm's
# part of the contract (guest/command.h, guest/init_ports.c): the
# initramfs layer (newc cpio: /init, the modules,
# /minivmm/command), one virtio-serial device with the four named ports
# minivmm.stdin/stdout/stderr/status, and one vhost-user-fs device per tag
# served by Debian's virtiofsd (minivmm-root for /, minivmm-share0 for a
# share).  TCG is enough (a run takes a few seconds); KVM is used when
# /dev/kvm is usable.
#
#   tests/init/qemu-tests.sh MINIVMM-INIT
#
# Needs qemu-system-x86_64 and /usr/lib/qemu/virtiofsd (Debian's
# qemu-system-x86 and qemu-system-common), root (virtiofsd's sandbox), and
# Debian's cloud kernel unpacked in the cache (scripts/fetch-kernel.sh;
# MINIVMM_CACHE overrides <repo>/cache).  What is missing makes every case a
# "skip" with the reason, never a pass.
#
# Not covered here: the command's stdin.  QEMU's chardevs cannot close a
# port at the input's EOF the way minivmm does (PORT_OPEN 0), so the stdin
# port is left unconnected; tests/unit/test_guest_run.c covers the stdin
# plumbing on the host.
#
# Prints "ok NAME" / "FAIL NAME: why" / "skip NAME: why" per test, then
# "N passed, N failed[, N skipped]"; exits 0 only when nothing failed.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 MINIVMM-INIT" >&2
	exit 2
fi
INIT=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
CACHE=${MINIVMM_CACHE:-$repo/cache}
KVER=6.1.0-57-cloud-amd64
KDIR=$CACHE/kernels/linux-image-$KVER
KERNEL=$KDIR/boot/vmlinuz-$KVER
MODDIR=$KDIR/lib/modules/$KVER
VIRTIOFSD=/usr/lib/qemu/virtiofsd
# Dependencies first (modinfo -F depends of each).
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	 virtio_console fuse virtiofs overlay"

passed=0
failed=0
skipped=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

why_not=""
if [ ! -x "$INIT" ]; then
	why_not="$1 is not an executable"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	why_not="no qemu-system-x86_64 (Debian package qemu-system-x86)"
elif [ ! -x "$VIRTIOFSD" ]; then
	why_not="no $VIRTIOFSD (Debian package qemu-system-common)"
elif [ "$(id -u)" != 0 ]; then
	why_not="virtiofsd needs root"
elif [ ! -f "$KERNEL" ] || [ ! -d "$MODDIR" ]; then
	why_not="Debian's cloud kernel $KVER is not unpacked in $CACHE/kernels (scripts/fetch-kernel.sh)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/minivmm-init-tests.XXXXXX") || exit 2
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ "$failed" -gt 0 ]; then
		echo "the failed cases' files are kept in $tmp/cases"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel=kvm
fi

# The records file and modules go into one initramfs per case.
rec() { printf '%s\0' "$1" >> "$W/ird/minivmm/command"; }

# boot NAME [RECORD...] -- ARG...: runs one guest; records go before the
# args in the contract's order (module, root, share, cwd, env, arg); a
# record "-" stands for all the modules; SHARE_HOST names the host folder
# behind minivmm-share0.  Leaves $W/{status,out,err,console}.
boot() {
	W=$tmp/cases/$1
	shift
	mkdir -p "$W/ird/minivmm/modules" "$W/ird/dev" "$W/ird/proc" "$W/ird/sys"
	cp "$INIT" "$W/ird/init"
	: > "$W/ird/minivmm/command"
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		if [ "$1" = "-" ]; then
			for m in $MODULES; do
				f=$(find "$MODDIR" -name "$m.ko*" | head -n 1)
				cp "$f" "$W/ird/minivmm/modules/"
				rec "module=/minivmm/modules/$(basename "$f")"
			done
		else
			rec "$1"
		fi
		shift
	done
	shift
	for a in "$@"; do rec "arg=$a"; done
	(cd "$W/ird" && find . | cpio -o -H newc --quiet > "$W/initrd")

	local fsdev=()
	"$VIRTIOFSD" --socket-path="$W/fs0.sock" -o source=/ -o sandbox=chroot \
		> "$W/virtiofsd0.log" 2>&1 &
	pids+=($!)
	fsdev+=(-chardev "socket,id=fs0,path=$W/fs0.sock"
		-device vhost-user-fs-pci,chardev=fs0,tag=minivmm-root)
	if [ -n "${SHARE_HOST:-}" ]; then
		"$VIRTIOFSD" --socket-path="$W/fs1.sock" -o source="$SHARE_HOST" \
			-o sandbox=chroot > "$W/virtiofsd1.log" 2>&1 &
		pids+=($!)
		fsdev+=(-chardev "socket,id=fs1,path=$W/fs1.sock"
			-device vhost-user-fs-pci,chardev=fs1,tag=minivmm-share0)
	fi
	for _ in $(seq 100); do
		[ -S "$W/fs0.sock" ] && { [ -z "${SHARE_HOST:-}" ] || [ -S "$W/fs1.sock" ]; } && break
		sleep 0.05
	done
	: > "$W/out"
	: > "$W/err"
	: > "$W/status"
	timeout 120 qemu-system-x86_64 -M q35,accel=$accel -m 512 -nographic -no-reboot \
		-object memory-backend-memfd,id=mem,size=512M,share=on -numa node,memdev=mem \
		-kernel "$KERNEL" -initrd "$W/initrd" -append "console=ttyS0 panic=-1" \
		"${fsdev[@]}" \
		-device virtio-serial-pci \
		-chardev null,id=cin -device virtserialport,chardev=cin,name=minivmm.stdin \
		-chardev "file,id=cout,path=$W/out" -device virtserialport,chardev=cout,name=minivmm.stdout \
		-chardev "file,id=cerr,path=$W/err" -device virtserialport,chardev=cerr,name=minivmm.stderr \
		-chardev "file,id=cst,path=$W/status" -device virtserialport,chardev=cst,name=minivmm.status \
		> "$W/console" 2>&1
	W_RC=$?
}

# expect NAME WHAT GOT WANT
expect() {
	if [ "$3" = "$4" ]; then
		return 0
	fi
	fail "$1" "$2 is '$3', expected '$4' (console: $W/console)"
	return 1
}

# case NAME STATUS-LINE [RECORDS...] -- ARGS...: the status line must be
# exactly STATUS-LINE and QEMU must have ended by the guest's power-off.
case_status() {
	local name=$1 want=$2
	shift 2
	if [ -n "$why_not" ]; then
		skip "$name" "$why_not"
		return 1
	fi
	boot "$name" "$@"
	expect "$name" "QEMU's exit status" "$W_RC" 0 || return 1
	expect "$name" "the status line" "$(cat "$W/status")" "$want" || return 1
	return 0
}

BASE=(- root=minivmm-root cwd=/ env=TERM=dumb)

case_status true "exit 0" "${BASE[@]}" -- true && ok true
case_status false "exit 1" "${BASE[@]}" -- false && ok false
case_status exit-42 "exit 42" "${BASE[@]}" -- sh -c 'exit 42' && ok exit-42
case_status kill-9 "signal 9" "${BASE[@]}" -- sh -c 'kill -9 $$' && ok kill-9

if case_status not-found "exit 127" "${BASE[@]}" -- minivmm-no-such-command; then
	case "$(cat "$W/err")" in
	*minivmm-no-such-command*"not found"*) ok not-found ;;
	*) fail not-found "stderr is '$(cat "$W/err")', expected the shell's not-found line" ;;
	esac
fi

if case_status out-err-apart "exit 3" "${BASE[@]}" -- \
	sh -c 'echo out; echo err >&2; printf "\001\000\377" ; exit 3'; then
	if [ "$(od -An -c "$W/out" | tr -s ' ')" = "$(printf 'out\n\001\000\377' | od -An -c | tr -s ' ')" ] &&
	   [ "$(cat "$W/err")" = err ]; then
		ok out-err-apart
	else
		fail out-err-apart "stdout '$(od -An -c "$W/out")' / stderr '$(cat "$W/err")'"
	fi
fi

if case_status uname "exit 0" "${BASE[@]}" -- uname -r; then
	expect uname "uname -r" "$(cat "$W/out")" "$KVER" && ok uname
fi

# A file of the host read by path, in the host's working directory.
mkdir -p "$tmp/files"
marker=$tmp/files/host-file
echo "host $$" > "$marker"
if case_status host-file "exit 0" - root=minivmm-root "cwd=$tmp/files" -- cat host-file; then
	expect host-file "stdout" "$(cat "$W/out")" "host $$" && ok host-file
fi

# Writes land in the overlay: the guest reads them back, the host is unchanged.
before=$(sha256sum "$marker")
if case_status overlay "exit 0" "${BASE[@]}" -- \
	sh -c "echo guest > $marker; cat $marker; echo new > $tmp/files/new-file"; then
	if expect overlay "stdout" "$(cat "$W/out")" guest &&
	   expect overlay "the host's file" "$(sha256sum "$marker")" "$before" &&
	   expect overlay "the host's new file" "$(ls "$tmp/files/new-file" 2>&1 >/dev/null | grep -c 'No such')" 1; then
		ok overlay
	fi
fi

# The environment is the env records plus PATH and HOME (and the shell's PWD).
if case_status environment "exit 0" - root=minivmm-root cwd=/ env=A=1 "env=B=x y" -- env; then
	expect environment "env" "$(grep -v '^PWD=' "$W/out" | sort | tr '\n' ';')" \
		"A=1;B=x y;HOME=/root;PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin;" &&
		ok environment
fi

# A share, at a GUESTDIR with a comma, whose writes reach the host; the
# command runs in it.
mkdir -p "$tmp/share"
SHARE_HOST=$tmp/share
if case_status share "exit 0" - root=minivmm-root "share=minivmm-share0,rw,/mnt/a,b" \
	"cwd=/mnt/a,b" -- sh -c 'echo x > out; pwd'; then
	expect share "pwd" "$(cat "$W/out")" "/mnt/a,b" &&
		expect share "the host's file" "$(cat "$tmp/share/out" 2>&1)" x && ok share
fi
# Read-only: the write fails (sh: 2 for a failed redirection), the host's
# folder stays empty.
rm -f "$tmp/share/out"
if case_status share-ro "exit 2" - root=minivmm-root "share=minivmm-share0,ro,/mnt/ro" \
	cwd=/ -- sh -c 'echo x > /mnt/ro/out'; then
	expect share-ro "the host's folder" "$(ls "$tmp/share")" "" && ok share-ro
fi
SHARE_HOST=

# Failures before the command runs: an error line, and a power-off.
case_status unknown-record "error unknown record timeout" "${BASE[@]}" timeout=5 -- true &&
	ok unknown-record
case_status bad-cwd \
	"error cannot enter the working directory /nonexistent: No such file or directory" \
	- root=minivmm-root cwd=/nonexistent -- true && ok bad-cwd
case_status missing-module \
	"error cannot open module /minivmm/modules/nope.ko: No such file or directory" \
	"${BASE[@]}" module=/minivmm/modules/nope.ko -- true && ok missing-module
# fs/fuse/virtio_fs.c: an unknown tag is EINVAL.
case_status bad-root-tag \
	"error cannot mount virtiofs minivmm-nope on /run/minivmm/host: Invalid argument" \
	- root=minivmm-nope cwd=/ -- true && ok bad-root-tag

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
