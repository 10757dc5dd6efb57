#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM (lfs.mode=crash; scripts/crash-test.sh puts this in the
# initramfs as /crash/run.sh): the check of one power-cut cycle and/or the
# workload of the next.  /dev/vda (mounted at /mnt/ext4 by the init) holds
# one cK/upper and cK/work pair per cycle; /dev/vdb (/mnt/img) the lower
# layers l1 and l2 made by `lfs-crash gen`.  Kernel command line:
#   lfs.crash.verify=K:FSTYPE:SEED:DONE  check cycle K, whose workload was
#       cut after DONE confirmed operations: count the leftovers in its work
#       directory, mount the union (which must remove them), check every
#       operation's names, unmount, check the lower layers, remove cK.
#   lfs.crash.work=K:FSTYPE:SEED  then run cycle K's workload on a new
#       union until the host kills the VM.
# TAP lines without numbers (the host numbers them), then
# "# LFS-CRASH-VERIFIED"; "# LFS-CRASH-WORK" when the workload starts.
lower=/mnt/img mnt=/mnt/union
verify= work=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	lfs.crash.verify=*) verify=${arg#*=} ;;
	lfs.crash.work=*) work=${arg#*=} ;;
	esac
done
uptime() { cut -d' ' -f1 /proc/uptime; }

opts() {	# K FSTYPE
	o=lowerdir=$lower/l1:$lower/l2,upperdir=/mnt/ext4/c$1/upper,workdir=/mnt/ext4/c$1/work
	[ "$2" = overlay ] && o=$o,redirect_dir=on,index=on,metacopy=on
	echo "$o"
}

check() {	# K FSTYPE SEED DONE
	wd=/mnt/ext4/c$1/work/work
	echo "# LFS-CRASH-VERIFY cycle=$1 fstype=$2 seed=$3 done=$4 uptime=$(uptime)"
	leftovers=$(ls -A "$wd" 2>/dev/null | wc -l)
	echo "# leftovers in $wd before the mount: $leftovers"
	[ "$leftovers" = 0 ] || ls -lA "$wd" 2>/dev/null | sed '1d; s/^/#   /'
	# What of the operation under way at the cut reached the upper layer.
	set -- "$@" $(/crash/lfs-crash inflight "$3" "$4")
	if [ -n "${5:-}" ]; then
		echo "# in flight at the cut: $5 $6; in the upper layer:"
		(cd "/mnt/ext4/c$1/upper" && find "$5" -exec ls -ld {} + 2>&1) | sed 's/^/#   /'
	fi
	if ! mount -t "$2" none "$mnt" -o "$(opts "$1" "$2")"; then
		echo "not ok - mount after the power cut"
		dmesg | tail -n 5 | sed 's/^/# /'
		return
	fi
	left=$(ls -A "$wd" 2>/dev/null)
	if [ -z "$left" ]; then
		echo "ok - work directory clean after the mount ($leftovers leftovers before)"
	else
		echo "not ok - work directory not clean after the mount: $(echo $left)"
	fi
	/crash/lfs-crash verify "$mnt" "$3" "$4"
	umount "$mnt" || echo "not ok - umount"
	/crash/lfs-crash lowers "$lower"
	rm -rf "/mnt/ext4/c$1"
	echo "# LFS-CRASH-VERIFIED uptime=$(uptime)"
}

if [ -n "$verify" ]; then
	IFS=: read -r k fstype seed done <<EOT
$verify
EOT
	check "$k" "$fstype" "$seed" "$done"
fi
if [ -n "$work" ]; then
	IFS=: read -r k fstype seed <<EOT
$work
EOT
	mkdir -p "/mnt/ext4/c$k/upper" "/mnt/ext4/c$k/work"
	sync
	echo "# LFS-CRASH-MOUNT cycle=$k fstype=$fstype seed=$seed uptime=$(uptime)"
	mount -t "$fstype" none "$mnt" -o "$(opts "$k" "$fstype")" ||
		{ echo "# LFS-CRASH-MOUNT-FAILED"; exit 1; }
	exec /crash/lfs-crash work "$mnt" "$seed"
fi
