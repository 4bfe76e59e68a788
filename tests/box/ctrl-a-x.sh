#!/usr/bin/env bash
# tests/box/ctrl-a-x.sh MINIVMM — `make run` through the KVM box, on a
# terminal (a pty from script(1)): once the guest's shell prompt shows,
# Ctrl-A x ends minivmm (130, "Ctrl-A x typed"), and with it the box; the
# box's QEMU does not take the keys first (its escape is Ctrl-]).
# Prints "ok NAME" or "FAIL NAME: why", then "N passed, N failed".
set -u
name="make run in the box: Ctrl-A x ends the run"
[ $# -eq 1 ] || { echo "usage: tests/box/ctrl-a-x.sh MINIVMM" >&2; exit 2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
command -v script >/dev/null || { echo "FAIL $name: script(1) is missing (bsdutils)"; echo "0 passed, 1 failed"; exit 1; }

tmp=$(mktemp -d)
trap 'exec 3>&-; rm -rf "$tmp"' EXIT
mkfifo "$tmp/keys"
DEMO_BOX=1 script -qefc "$(printf '%q ' "$repo/scripts/run-demo.sh" "$1")" /dev/null \
	<"$tmp/keys" >"$tmp/log" 2>&1 &
pid=$!
exec 3>"$tmp/keys"
# The guest's prompt, within 5 minutes (the box and the kernel boot under TCG).
for _ in $(seq 300); do
	grep -q 'minivmm-guest:' "$tmp/log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 1
done
why=
if grep -q 'minivmm-guest:' "$tmp/log"; then
	printf '\001x' >&3
	# It ends by itself; a hang is ended after 2 minutes and fails.
	for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
	kill -0 "$pid" 2>/dev/null && { why="still running 2 minutes after Ctrl-A x; "; kill "$pid"; }
	wait "$pid"
	rc=$?
	[ "$rc" = 130 ] || why+="exit status $rc, want 130; "
	grep -q 'minivmm: Ctrl-A x typed' "$tmp/log" || why+="minivmm did not say 'Ctrl-A x typed'; "
else
	kill "$pid" 2>/dev/null
	why="no guest shell prompt within 5 minutes"
fi
if [ -z "$why" ]; then
	echo "ok $name"
	echo "1 passed, 0 failed"
else
	echo "FAIL $name: ${why%; }"
	tr -d '\r' <"$tmp/log" | tail -n 15 | sed 's/^/    | /'
	echo "0 passed, 1 failed"
	exit 1
fi
