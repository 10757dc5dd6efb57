# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced (bash) by the VM launchers, scripts/run-vm.sh (the busybox test
# VM) and scripts/rootfs-vm.sh (the Debian root filesystem VM): which
# kernel to boot and the locked work directory.
#
#   vm_kernel           sets and exports KVER (default: newest
#                       6.12*-cloud-amd64, or the newest in LFS_MODROOT),
#                       sets kernel (LFS_KERNEL, default /boot/vmlinuz-$KVER)
#   vm_workdir DEFAULT  sets vm to LFS_VM_DIR or DEFAULT (created), takes
#                       its lock on fd 9: a second run there waits

vm_kernel() {
	if [ -z "${KVER:-}" ]; then
		if [ -n "${LFS_MODROOT:-}" ]; then
			KVER=$(ls -d "$LFS_MODROOT"/lib/modules/*/ 2>/dev/null | sort -V | tail -n1)
			KVER=$(basename "$KVER")
		else
			KVER=$(ls -d /lib/modules/6.12*-cloud-amd64 2>/dev/null | sort -V | tail -n1)
			KVER=${KVER##*/}
		fi
	fi
	export KVER
	kernel=${LFS_KERNEL:-/boot/vmlinuz-$KVER}
	[ -r "$kernel" ] || { echo "$0: $kernel not found (run make setup)" >&2; exit 1; }
}

vm_workdir() {
	vm=${LFS_VM_DIR:-$1}
	mkdir -p "$vm"
	vm=$(cd "$vm" && pwd)
	exec 9>"$vm/.lock"
	if ! flock -n 9; then
		echo "$0: another VM is using $vm; waiting (set LFS_VM_DIR to run in parallel)"
		flock 9
	fi
}

# vm_qemu INITRD APPEND: the common QEMU command line in the array qemu
# (software emulation, LFS_VM_MEM MiB, LFS_VM_CPUS CPUs, no reboot, the
# kernel console to $vm/console.log as the first serial port); the caller
# adds its disks and further serial ports.
# shellcheck disable=SC2034  # qemu is for the caller
vm_qemu() {
	qemu=(qemu-system-x86_64 -m "${LFS_VM_MEM:-1024}" -smp "${LFS_VM_CPUS:-2}"
		-nographic -no-reboot -monitor none
		-kernel "$kernel" -initrd "$1" -append "$2"
		-serial "file:$vm/console.log")
}
