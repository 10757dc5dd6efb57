#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM (lfs.mode=crash, put in the initramfs as /crash/run.sh by
# scripts/crash-test.sh): one phase of a power-cut cycle.  /dev/vda (mounted
# at /mnt/ext4 by the init) holds upper/ and work/; /dev/vdb (/mnt/img) the
# lower layers l1 and l2 made by `lfs-crash gen`.  Kernel command line:
#   lfs.crash.phase=work|verify  lfs.crash.seed=N  lfs.crash.done=N
#   lfs.crash.fstype=layerfs|overlay
# work:   mount the union and run the workload until the host kills the VM.
# verify: count the leftovers in the work directory, mount the union (which
#         must remove them), check every operation's names, unmount, check
#         the lower layers.  TAP lines without numbers; the host counts them.
phase=work seed=1 done=0 fstype=layerfs
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	lfs.crash.phase=*) phase=${arg#*=} ;;
	lfs.crash.seed=*) seed=${arg#*=} ;;
	lfs.crash.done=*) done=${arg#*=} ;;
	lfs.crash.fstype=*) fstype=${arg#*=} ;;
	esac
done
lower=/mnt/img upper=/mnt/ext4/upper work=/mnt/ext4/work mnt=/mnt/union
opts=lowerdir=$lower/l1:$lower/l2,upperdir=$upper,workdir=$work
[ "$fstype" = overlay ] && opts=$opts,redirect_dir=on,index=on,metacopy=on
echo "# LFS-CRASH phase=$phase fstype=$fstype seed=$seed done=$done uptime=$(cut -d' ' -f1 /proc/uptime)"

if [ "$phase" = work ]; then
	mount -t "$fstype" none "$mnt" -o "$opts" || { echo "# LFS-CRASH-MOUNT-FAILED"; exit 1; }
	exec /crash/lfs-crash work "$mnt" "$seed"
fi

# What an interrupted change left in the work directory.
leftovers=$(ls -A "$work/work" 2>/dev/null | wc -l)
echo "# leftovers in $work/work before the mount: $leftovers"
ls -lA "$work/work" 2>/dev/null | sed 's/^/#   /'
if ! mount -t "$fstype" none "$mnt" -o "$opts"; then
	echo "not ok - mount after the power cut"
	dmesg | tail -n 5 | sed 's/^/# /'
	exit 1
fi
left=$(ls -A "$work/work" 2>/dev/null)
if [ -z "$left" ]; then
	echo "ok - work directory clean after the mount ($leftovers leftovers before)"
else
	echo "not ok - work directory not clean after the mount: $(echo $left)"
fi
/crash/lfs-crash verify "$mnt" "$seed" "$done"
umount "$mnt" || echo "not ok - umount"
/crash/lfs-crash lowers "$lower"
echo "# LFS-CRASH-VERIFIED uptime=$(cut -d' ' -f1 /proc/uptime)"
