#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in a VM booted into the Debian bookworm root filesystem
# (scripts/mkrootfs.sh) on the distribution's 6.12 kernel, with layerfs
# and the distro's overlay module loaded: for real-distribution suites
# (fstests, container engines) that the busybox test VM cannot run.
#
# usage: scripts/rootfs-vm.sh CMD.sh [NAME=DIR ...]
#
#   CMD.sh    a bash script run as root in the VM, in /payload, with its
#             output on this terminal and in $vm/output.log; it writes its
#             files to $LFS_RESULTS (/payload/results), copied back to
#             $vm/results afterwards
#   NAME=DIR  DIR is copied to /payload/NAME in the VM (hard links where
#             the filesystem allows, without .git; the payload disk is
#             rebuilt each run)
#
# Disks: /dev/vda the root filesystem (a throw-away qcow2 snapshot over the
# cached raw image, which stays pristine), /dev/vdb the payload (ext4 made
# with mke2fs -d: the command, the modules in /payload/lfs/modules with
# their load order, userspace/build in /payload/lfs/bin, the NAME=DIR
# trees), then one blank sparse raw disk per LFS_VM_DISKS entry
# ("NAME:SIZE ...", e.g. "test:4G scratch:4G" gives /dev/vdc and /dev/vdd).
# Boot: a small initramfs (busybox, virtio_blk; ext4 is built in) mounts
# them and switch_roots to scripts/vm/payload-init.
#
# Judging: the command's exit status and, as for the busybox test VM,
# scripts/vm-scan.sh --kernel-only (kernel reports in the console and the
# dmesg dump, rmmod layerfs, taint); exits 0 only when both are clean.
#
# environment: KVER, LFS_KERNEL, LFS_MODROOT, LFS_MODULE as for
#   scripts/run-vm.sh; LFS_VM_DIR (default .cache/rootfs-vm), LFS_VM_MEM
#   (MiB, default 2048), LFS_VM_CPUS (default 2), LFS_VM_TIMEOUT (seconds,
#   default 3600), LFS_VM_DISKS, LFS_VM_SKIPMOD (modules not to load, e.g.
#   "overlay"), LFS_VM_APPEND (extra kernel command line).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: rootfs-vm.sh CMD.sh [NAME=DIR ...]}
shift
[ -r "$cmd" ] || { echo "rootfs-vm: $cmd not found" >&2; exit 2; }
# shellcheck source=scripts/vm-common.sh
. "$top/scripts/vm-common.sh"
vm_kernel
"$top/scripts/mkrootfs.sh" "$top/.cache/rootfs/rootfs.img"
vm_workdir "$top/.cache/rootfs-vm"
rm -rf "$vm/console.log" "$vm/output.log" "$vm/qemu.log" "$vm/results" \
	"$vm/timeout" "$vm/payload" "$vm"/disk-*.img

# The initramfs: busybox, virtio_blk, /init.
root=$vm/initramfs.root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,newroot}
cp "$(command -v busybox)" "$root/bin/busybox"
for applet in sh mount umount insmod sleep mkdir switch_root cat echo; do
	ln -s busybox "$root/bin/$applet"
done
install -m 755 "$top/scripts/vm/rootfs-init" "$root/init"
# shellcheck source=scripts/vm-modules.sh
. "$top/scripts/vm-modules.sh"
vm_modules_init "$root/lib/modules"
add_named_module virtio_blk
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) | gzip -1 > "$vm/initramfs.cpio.gz"

# The payload.
pl=$vm/payload
mkdir -p "$pl/lfs/bin"
install -m 755 "$top/scripts/vm/payload-init" "$pl/lfs/init"
install -m 755 "$cmd" "$pl/lfs/cmd"
vm_modules_init "$pl/lfs/modules"
for m in overlay loop dm-flakey xfs ${LFS_VM_MODULES:-}; do
	add_named_module "$m"
done
module=${LFS_MODULE:-$top/module/layerfs.ko}
[ -f "$module" ] || { echo "rootfs-vm: $module not built (run make)" >&2; exit 1; }
add_module_file "$module" layerfs.ko
if [ -d "$top/userspace/build" ]; then
	find "$top/userspace/build" -maxdepth 1 -type f -perm -u+x \
		-exec cp -a {} "$pl/lfs/bin/" \;
fi
for arg in "$@"; do
	name=${arg%%=*} src=${arg#*=}
	[ -d "$src" ] || { echo "rootfs-vm: $src is not a directory" >&2; exit 2; }
	cp -al "$src" "$pl/$name" 2>/dev/null || { rm -rf "${pl:?}/$name"; cp -a "$src" "$pl/$name"; }
	rm -rf "${pl:?}/$name/.git"
done
kib=$(du -sk --apparent-size "$pl" | cut -f1)
inodes=$(find "$pl" | wc -l)
size_mib=$(( kib * 3 / 2 / 1024 + inodes * 4 / 1024 + 512 ))
truncate -s "${size_mib}M" "$vm/payload.img"
mke2fs -F -q -t ext4 -N $(( inodes * 2 + 65536 )) -d "$pl" "$vm/payload.img"

rm -f "$vm/root.qcow2"
qemu-img create -q -f qcow2 -b "$top/.cache/rootfs/rootfs.img" -F raw "$vm/root.qcow2"

append="console=ttyS0 quiet panic=-1 slub_debug=FZPU kfence.sample_interval=100 log_buf_len=4M ${LFS_VM_APPEND:-}"
[ -n "${LFS_VM_SKIPMOD:-}" ] && append="$append lfs.skipmod=$(echo $LFS_VM_SKIPMOD | tr ' ' ,)"
LFS_VM_MEM=${LFS_VM_MEM:-2048}
vm_qemu "$vm/initramfs.cpio.gz" "$append"
qemu+=(-serial "file:$vm/output.log"
	-drive "file=$vm/root.qcow2,if=virtio,format=qcow2"
	-drive "file=$vm/payload.img,if=virtio,format=raw")
for d in ${LFS_VM_DISKS:-}; do
	img=$vm/disk-${d%%:*}.img
	truncate -s "${d#*:}" "$img"
	qemu+=(-drive "file=$img,if=virtio,format=raw")
done

timeout=${LFS_VM_TIMEOUT:-3600}
echo "rootfs-vm: booting $KVER into the Debian root filesystem (timeout ${timeout}s; logs in $vm)"
start=$(date +%s)
: > "$vm/output.log"
timeout "$timeout" "${qemu[@]}" </dev/null >"$vm/qemu.log" 2>&1 &
qpid=$!
tail -n +1 -s 0.5 -f --pid=$qpid "$vm/output.log" 2>/dev/null |
	awk '{ sub(/\r$/, "") } /^# LFS-DMESG-BEGIN/ { q = 1 } !q { print; fflush() }
	     /^# LFS-DMESG-END/ { q = 0 }' || true
rc=0
wait $qpid || rc=$?
echo "rootfs-vm: VM exited after $(( $(date +%s) - start ))s (status $rc)"
[ $rc = 124 ] && { echo "rootfs-vm: TIMEOUT after ${timeout}s" | tee -a "$vm/qemu.log"; touch "$vm/timeout"; }

# The command's files, read straight from the image (no loop mount).
debugfs -R "rdump /results $vm" "$vm/payload.img" >/dev/null 2>&1 ||
	echo "rootfs-vm: could not copy the results out of $vm/payload.img"
rm -rf "$pl" "$vm/payload.img" "$vm/root.qcow2" "$vm"/disk-*.img

ok=0
"$top/scripts/vm-scan.sh" --kernel-only "$vm" || ok=1
[ -e "$vm/timeout" ] && ok=1
cmdrc=$(tr -d '\r' < "$vm/output.log" | sed -n 's/^# LFS-CMD-EXIT \([0-9]*\).*/\1/p' | tail -n1)
if [ "${cmdrc:-none}" != 0 ]; then
	echo "rootfs-vm: the command exited with status ${cmdrc:-none (it did not finish)}"
	ok=1
fi
exit $ok
