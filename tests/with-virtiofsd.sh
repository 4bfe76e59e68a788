#!/usr/bin/env bash
# tests/with-virtiofsd.sh GROUP COMMAND [ARGS...] — runs one group of tests
# that needs Debian's virtiofsd and root (it sandboxes itself in new
# namespaces, and minivmm's read-only shares are read-only bind mounts).
# Where either is missing the group did not run: that is said in one line
# and, under CI=true, is a failure (a test that did not run never counts
# as passed); elsewhere the line is all.  MINIVMM_VIRTIOFSD names another
# binary, as for minivmm.
set -u
if [ $# -lt 2 ]; then
	echo "usage: tests/with-virtiofsd.sh GROUP COMMAND [ARGS...]" >&2
	exit 2
fi
group=$1
shift
reason=
if [ "$(id -u)" != 0 ]; then
	reason="it needs root (virtiofsd's sandbox, read-only bind mounts)"
elif [ -n "${MINIVMM_VIRTIOFSD:-}" ]; then
	[ -x "$MINIVMM_VIRTIOFSD" ] || reason="MINIVMM_VIRTIOFSD=$MINIVMM_VIRTIOFSD is not executable"
elif [ ! -x /usr/lib/qemu/virtiofsd ] && [ ! -x /usr/libexec/virtiofsd ]; then
	reason="virtiofsd is not installed (Debian's qemu-system-common)"
fi
if [ -n "$reason" ]; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL $group: did not run: $reason"
		exit 1
	fi
	echo "SKIP $group: did not run: $reason (not counted as passed)"
	exit 0
fi
echo "== $group: as root with $(command -v "${MINIVMM_VIRTIOFSD:-/usr/lib/qemu/virtiofsd}" 2>/dev/null || echo /usr/libexec/virtiofsd)"
exec "$@"
