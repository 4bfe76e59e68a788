# shellcheck shell=bash
# shellcheck disable=SC2154 # tmp comes from run-tests.sh, status from run (lib.sh)
# Sourced by tests/guests/run-tests.sh (helpers: lib.sh): --cpus.  The SMP
# guest (smp.c, smp-ap.S) starts every application processor through
# INIT/SIPI and checks the APIC IDs each reports; the checking guest must
# boot as before while the APs wait; a crash on an AP names that vCPU.

SMP=$GUESTDIR/smp.bzimage

# check_smp_report N: the SMP guest's lines for N vCPUs.  Appends to $why.
check_smp_report() {
	local n=$1 ids="" i line
	for ((i = 1; i < n; i++)); do
		ids+=" $i"
	done
	line=$(grep -m1 '^smp: cpus=' "$tmp/console")
	[ "$(value cpus "$line")" = "$n" ] || why+="no 'smp: cpus=$n ...' line; "
	grep -qx "smp: $((n - 1)) APs up:$ids" "$tmp/console" ||
		why+="no 'smp: $((n - 1)) APs up:$ids' line (got '$(grep -m1 'APs up' "$tmp/console")'); "
}

# 1 vCPU: nothing to start.  32 vCPUs: 32 threads, more than the host has
# cores, most of them waiting in KVM_RUN for their SIPI.
for n in 1 2 4 32; do
	if begin_test "smp-cpus-$n"; then
		run --kernel "$SMP" --cpus "$n" --cmdline "cpus=$n" </dev/null
		check_exit 1
		check_smp_report "$n"
		finish_test
	fi
done

# The APs of a guest that never starts them just wait: the checking guest
# reports the same machine as with one vCPU.
if begin_test check-cpus-2; then
	run --kernel "$CHECK" --initrd "$INITRD" --cpus 2 --cmdline "exit=21 foo=bar" --verbose </dev/null
	check_guest_report "$CHECK" 43 "exit=21 foo=bar" "" "$INITRD"
	finish_test
fi

# An AP that crashes (smp_ap_crash: an exception with IDT limit 0) stops the
# VM with status 4, and the report names that vCPU and dumps its registers,
# not the BSP's.  (Where KVM runs real mode in hardware this is a triple
# fault; kvm_pvm, which emulates it, fails the emulation instead: a crash
# either way.)
if begin_test smp-ap-crash; then
	run --kernel "$SMP" --cpus 2 --cmdline "cpus=2 crash-ap=1" </dev/null
	check_exit 4
	grep -q '^minivmm: vCPU 1: guest crashed' "$tmp/err" ||
		why+="the reason does not name vCPU 1 ('minivmm: vCPU 1: guest crashed...'); "
	grep -qx 'vCPU 1 registers:' "$tmp/err" || why+="no register dump of vCPU 1; "
	grep -q '^vCPU 0 registers:' "$tmp/err" && why+="vCPU 0 was dumped too; "
	# KVM on AMD SVM (kvm_amd) reinitialises the VMCB after a SHUTDOWN
	# intercept (the APM leaves its state undefined), so the dump shows the
	# reset state (CS 0xf000 at 0xffff0000); elsewhere, the AP where it
	# faulted.
	if [ -d /sys/module/kvm_amd ]; then
		grep -q '^  cs   sel=0xf000 base=0x00000000ffff0000 ' "$tmp/err" ||
			why+="the dump does not show the AP in the reset state KVM on AMD leaves; "
	else
		grep -q '^  cs   sel=0x1100 base=0x0000000000011000 ' "$tmp/err" ||
			why+="the dump does not show the AP in real mode at the SIPI page 0x11000; "
	fi
	finish_test
fi
