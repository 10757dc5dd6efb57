#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests on the host against its overlayfs (root needed), on a
# tmpfs base and an ext4-or-whatever-the-host-has base, with the image
# layers from mklayers.sh in a loop-mounted ext4 image (or the plain
# directory when loop devices are unavailable). Output as run.sh's.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cache=${LFS_HOST_CACHE:-$here/../.cache/selftests-host}
[ "$(id -u)" = 0 ] || { echo "host-test: needs root (mounts)"; exit 1; }
grep -qw overlay /proc/filesystems || { echo "host-test: no overlayfs on this host"; exit 1; }

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tm=$cache/tmpfs img=$cache/img mnt=$cache/img-mnt
cleanup() {
	umount "$tm" 2>/dev/null
	umount "$mnt" 2>/dev/null
}
trap cleanup EXIT
cleanup
mkdir -p "$tm" "$mnt" "$cache/disk"
mount -t tmpfs -o size=1g,mode=755 tmpfs "$tm" || exit 1

bash "$here/mklayers.sh" "$img" >/dev/null || exit 1
image=$img
rm -f "$cache/layers.img"
truncate -s 64M "$cache/layers.img"
if mke2fs -F -q -t ext4 -d "$img" "$cache/layers.img" &&
   mount -o loop,ro "$cache/layers.img" "$mnt" 2>/dev/null; then
	image=$mnt
else
	echo "# host-test: loop mount unavailable, using $img directly"
fi

LFS_RUN_DIR=$here/build LFS_RUN_FSTYPES=overlay \
LFS_RUN_BASES="$tm/lfs $cache/disk/lfs" LFS_IMAGE=$image \
	sh "$here/run.sh"
