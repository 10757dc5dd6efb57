#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the layerfs test VM.
#
# usage: scripts/run-vm.sh check|demo|shell
#
#   check  runs /selftests/run.sh in the VM, then scans the logs
#          (scripts/vm-scan.sh); exit status 0 only when all is clean.
#          Counts go to .cache/vm/counts ("passed failed skipped").
#   demo   runs the demo with its output on this terminal, then checks
#          that the kernel console stayed clean.
#   shell  an interactive shell in the VM (ttyS1 on this terminal).
#
# environment: KVER (default: newest 6.12*-cloud-amd64 with a /boot image),
#   LFS_KERNEL (kernel image, default /boot/vmlinuz-$KVER), LFS_MODROOT
#   (a root holding lib/modules/$KVER, default /; make check-debug uses both),
#   LFS_MODULE (default module/layerfs.ko), LFS_VM_TIMEOUT (seconds, default
#   1800), LFS_VM_EXTRA (directory copied over the initramfs root, for local
#   experiments), LFS_VM_MEM (MiB, default 1024), LFS_VM_APPEND (extra kernel
#   command line), LFS_RUN_TESTS / LFS_RUN_FSTYPES / LFS_RUN_BASES (narrow
#   the in-VM run, e.g. LFS_RUN_TESTS="lookup readdir"), LFS_RUN_LIMIT
#   (seconds per test binary in the VM, default 900), LFS_VM_DIR (work and log directory, default .cache/vm;
#   runs sharing one directory are serialized).
#
# Logs, all in .cache/vm/ (or LFS_VM_DIR): console.log (kernel console, ttyS0), output.log
# (test output and the protocol lines, ttyS1; ttyS2 in demo mode), qemu.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-check}
case "$mode" in check|demo|shell) ;; *) echo "usage: $0 check|demo|shell" >&2; exit 2 ;; esac

# shellcheck source=scripts/vm-common.sh
. "$top/scripts/vm-common.sh"
vm_kernel
vm_workdir "$top/.cache/vm"
rm -f "$vm/console.log" "$vm/output.log" "$vm/qemu.log" "$vm/counts"

# The static xattr helper (busybox has no setfattr).
xattr=$vm/lfs-xattr
if [ ! -x "$xattr" ] || [ "$top/scripts/vm/lfs-xattr.c" -nt "$xattr" ]; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$xattr" "$top/scripts/vm/lfs-xattr.c"
fi

# /dev/vda: a fresh sparse scratch ext4.
rm -f "$vm/scratch.img"
truncate -s 2G "$vm/scratch.img"
mke2fs -F -q -t ext4 "$vm/scratch.img"

# /dev/vdb: the prebuilt layer tree from selftests/mklayers.sh.
layers=$vm/layers
rm -rf "$layers"
mkdir -p "$layers"
if [ "$mode" = check ] && [ -f "$top/selftests/mklayers.sh" ]; then
	echo "run-vm: building the layer image with selftests/mklayers.sh"
	bash "$top/selftests/mklayers.sh" "$layers"
fi
kib=$(du -sk --apparent-size "$layers" | cut -f1)
inodes=$(find "$layers" | wc -l)
size_mib=$(( (kib * 2 + inodes * 4) / 1024 + 64 ))
rm -f "$vm/layers.img"
truncate -s "${size_mib}M" "$vm/layers.img"
mke2fs -F -q -t ext4 -N $(( inodes * 2 + 4096 )) -d "$layers" \
	"$vm/layers.img" "${size_mib}M"

"$top/scripts/mkinitramfs.sh" "$vm/initramfs.cpio.gz"

append="console=ttyS0 quiet panic=-1 slub_debug=FZPU kfence.sample_interval=100 log_buf_len=4M lfs.mode=$mode ${LFS_VM_APPEND:-}"
# Narrowing a run (space-separated lists, passed on as lfs.* parameters).
[ -n "${LFS_RUN_TESTS:-}" ] && append="$append lfs.tests=$(echo $LFS_RUN_TESTS | tr ' ' ,)"
[ -n "${LFS_RUN_FSTYPES:-}" ] && append="$append lfs.fstypes=$(echo $LFS_RUN_FSTYPES | tr ' ' ,)"
[ -n "${LFS_RUN_BASES:-}" ] && append="$append lfs.bases=$(echo $LFS_RUN_BASES | tr ' ' ,)"
# Seconds per test binary (run.sh's default: 900); slow kernels need more.
[ -n "${LFS_RUN_LIMIT:-}" ] && append="$append lfs.limit=$LFS_RUN_LIMIT"
vm_qemu "$vm/initramfs.cpio.gz" "$append"
qemu+=(-drive "file=$vm/scratch.img,if=virtio,format=raw"
	-drive "file=$vm/layers.img,if=virtio,format=raw")
timeout=${LFS_VM_TIMEOUT:-1800}

# One boot in check mode: the selftests, progress on stdout.
boot_check() {
	echo "run-vm: booting $KVER (timeout ${timeout}s; logs in $vm)"
	start=$(date +%s)
	timeout "$timeout" "${qemu[@]}" -serial "file:$vm/output.log" \
		</dev/null >"$vm/qemu.log" 2>&1 &
	qpid=$!
	# Progress for the person watching: each test block and each failure.
	: >>"$vm/output.log"
	tail -n +1 -s 0.5 -f --pid=$qpid "$vm/output.log" 2>/dev/null |
		awk '{ sub(/\r$/, "") }
		     /^# LFS-RUN /	{ sub(/^# LFS-RUN /, ""); printf "  running %s\n", $0; fflush() }
		     /^not ok /		{ printf "    %s\n", $0; fflush() }' || true
	rc=0
	wait $qpid || rc=$?
	echo "run-vm: VM exited after $(( $(date +%s) - start ))s (status $rc)"
	if [ $rc = 124 ]; then
		echo "run-vm: TIMEOUT: the VM did not finish within ${timeout}s" |
			tee -a "$vm/qemu.log"
		touch "$vm/timeout"
	else
		rm -f "$vm/timeout"
	fi
}

# False only when the guest kernel oopsed before our /init started.
booted_before_crash() {
	grep -q "LFS-INIT-START" "$vm/output.log" 2>/dev/null && return 0
	! grep -q "Oops: int3" "$vm/console.log" 2>/dev/null
}

case "$mode" in
demo|shell)
	[ "$mode" = shell ] && timeout=0
	echo "run-vm: booting the $mode VM ($KVER, software emulation: give it half a minute)"
	rc=0
	timeout --foreground "$timeout" "${qemu[@]}" -serial stdio \
		-serial "file:$vm/output.log" 2>"$vm/qemu.log" || rc=$?
	stty sane 2>/dev/null || true
	echo
	if [ $rc = 124 ]; then
		echo "run-vm: the VM did not finish within ${timeout}s (logs in $vm)"
		exit 1
	fi
	"$top/scripts/vm-scan.sh" --kernel-only "$vm"
	;;
check)
	attempt=1
	while :; do
		boot_check
		booted_before_crash && break
		[ $attempt -ge 3 ] && break
		# The guest kernel died before /init ran, so before layerfs was
		# even loaded: QEMU's multi-threaded TCG now and then runs a
		# stale copy of code the kernel has just patched (an "Oops:
		# int3" in a static branch at boot). Keep that console log and
		# boot again.
		mv "$vm/console.log" "$vm/console.boot-crash-$attempt.log"
		echo "run-vm: the guest kernel crashed during boot, before /init" \
			"(QEMU TCG code patching, no module loaded yet; console in" \
			"console.boot-crash-$attempt.log); booting again"
		attempt=$((attempt + 1))
		rm -f "$vm/output.log" "$vm/qemu.log"
	done
	"$top/scripts/vm-scan.sh" "$vm"
	;;
esac
