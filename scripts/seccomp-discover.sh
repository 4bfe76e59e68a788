#!/usr/bin/env bash
# seccomp-discover.sh — which system calls minivmm's seccomp filters
# (vmm/seccomp_policy.c) would refuse in the box suites.
#
# usage: scripts/seccomp-discover.sh MINIVMM [SUITE...]
#
# Runs each box suite (default: every script of the Makefile's box-test,
# one box at a time) with the filters in log mode: the box kernel gets
# MINIVMM_SECCOMP_DISCOVER=1 on its command line, which it hands to init's
# environment and so to minivmm (vmm/seccomp.h: the filters' default action
# is then SCMP_ACT_LOG), and loglevel=6, so that each call a filter would
# have refused is let through and shows on the box's console as an audit
# record (type=1326, seccomp(2) SECCOMP_RET_LOG).  The suites' consoles are
# kept (V=1); the records are counted by thread (comm=: vcpuN, io, gdb
# stub, minivmm for main) and system call.  Prints one line per
# thread and call, "count thread syscall-number name", then the suites'
# own summaries.  Exits 0 when no call was logged, 1 when some were, 2 on
# a usage error.  The suites' pass or fail does not change the status:
# read their summaries.
set -u

if [ $# -lt 1 ]; then
	sed -n '/^# usage:/,/^# a usage error/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
minivmm=$1
shift
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
	suites=(run-tests virtio-tests console-virtio ctrl-a-x command-tests report-tests gdb-tests)
fi
[ -x "$minivmm" ] || { echo "seccomp-discover: $minivmm is not an executable" >&2; exit 2; }
out=${SECCOMP_DISCOVER_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/seccomp-discover.XXXXXX")}
mkdir -p "$out"
export BOX_APPEND="${BOX_APPEND:-} loglevel=6 MINIVMM_SECCOMP_DISCOVER=1"
export V=1
for s in "${suites[@]}"; do
	script=$repo/tests/box/$s.sh
	[ -x "$script" ] || { echo "seccomp-discover: no box suite $script" >&2; exit 2; }
	echo "seccomp-discover: $s (console: $out/$s.log)" >&2
	"$script" "$minivmm" >"$out/$s.log" 2>&1
	echo "seccomp-discover: $s ended with $?" >&2
done

# audit: type=1326 ... comm="vcpu0" exe=... syscall=110 ...
records=$(cat "$out"/*.log | tr -d '\r' | grep -ao 'type=1326.*' |
	sed -nE 's/.*comm="([^"]*)".*syscall=([0-9]+).*/\1\t\2/p')
status=0
if [ -n "$records" ]; then
	status=1
	# The names from the kernel's own header (linux-libc-dev).
	printf '%s\n' "$records" | sort | uniq -c | sort -rn |
		awk -F'\t' -v hdr=/usr/include/x86_64-linux-gnu/asm/unistd_64.h '
			BEGIN { while ((getline l < hdr) > 0) if (split(l, f, " ") == 3 && f[1] == "#define") { sub(/^__NR_/, "", f[2]); name[f[3]] = f[2] } }
			{ split($1, c, " "); printf "%6d %-16s %4d %s\n", c[1], substr($1, index($1, c[2])), $2, ($2 in name ? name[$2] : "?") }'
else
	echo "seccomp-discover: no call was logged"
fi
for s in "${suites[@]}"; do
	echo "$s: $(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$out/$s.log" | tail -n 1)"
done
exit "$status"
