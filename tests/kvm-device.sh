# shellcheck shell=bash
# Sourced by the test runners: kvm_device_problem prints why /dev/kvm cannot
# be used by this user (nothing when it can), so every runner skips or fails
# for the same reason in the same words.
kvm_device_problem() {
	if [ ! -e /dev/kvm ]; then
		echo "/dev/kvm does not exist"
	elif [ ! -c /dev/kvm ]; then
		echo "/dev/kvm is not a character device"
	elif ! (exec 3<>/dev/kvm) 2>/dev/null; then
		echo "/dev/kvm cannot be opened read-write by $(id -un 2>/dev/null || id -u)"
	fi
}
