#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian bookworm root filesystem image for the distribution
# suites (fstests now, container engines later), once.
#
# usage: scripts/mkrootfs.sh [OUT.img]
#
# debootstrap --variant=minbase bookworm, then apt-get install (no
# recommends) of the package lists below in a chroot, then an ext4 image of
# the tree with mke2fs -d (no loop mount).  The image is cached as
# .cache/rootfs/rootfs.img (or OUT.img) and rebuilt only when the package
# lists or the mirror change: .cache/rootfs/rootfs.pkgs keeps what it was
# built from.  The VM never writes to it: scripts/rootfs-vm.sh boots a qcow2
# snapshot over it.  Needs root (debootstrap, chroot), about 5-10 minutes
# and 1.5 GiB of disk.
#
# environment: LFS_MIRROR (default http://deb.debian.org/debian),
#   LFS_ROOTFS_SIZE (MiB of the image, default 3072; sparse).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/.cache/rootfs/rootfs.img}
mirror=${LFS_MIRROR:-http://deb.debian.org/debian}

# What xfstests needs at run time (it is built on the host, see
# scripts/fstests.sh, against the same bookworm libraries).
FSTESTS_PKGS="bash perl xfsprogs e2fsprogs attr acl quota bc gawk psmisc
	util-linux python3 fio libacl1 libattr1 libaio1 liburing2 libuuid1
	libcap2-bin kmod procps diffutils file hostname dmsetup uuid-runtime
	xz-utils"
# Container engines and their helpers, for the container-suite work.
CONTAINER_PKGS="podman buildah crun runc conmon netavark uidmap skopeo"
PKGS=$(echo $FSTESTS_PKGS $CONTAINER_PKGS | tr ' ' '\n' | sort -u | tr '\n' ' ')

stamp="${out%.img}.pkgs"
want="bookworm minbase $mirror: $PKGS"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "mkrootfs: $out is up to date"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "mkrootfs: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "mkrootfs: no debootstrap (run make setup)" >&2; exit 1; }

dir=$(dirname "$out")/rootfs.tree
mkdir -p "$(dirname "$out")"
rm -rf "$dir"
cleanup() {
	for m in proc sys dev/pts dev; do
		mountpoint -q "$dir/$m" 2>/dev/null && umount -l "$dir/$m"
	done
	return 0
}
trap cleanup EXIT

echo "mkrootfs: debootstrap --variant=minbase bookworm (log: $dir.log)"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 ||
	{ tail -n 20 "$dir.log" >&2; exit 1; }

mount -t proc proc "$dir/proc"
mount -t sysfs sysfs "$dir/sys"
mount --bind /dev "$dir/dev"
mount --bind /dev/pts "$dir/dev/pts"
# No service may start in the chroot.
printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
chmod 755 "$dir/usr/sbin/policy-rc.d"
echo "mkrootfs: apt-get install $PKGS"
# shellcheck disable=SC2086
chroot "$dir" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
	apt-get install -y -q --no-install-recommends $PKGS >>"$dir.log" 2>&1 ||
	{ tail -n 20 "$dir.log" >&2; exit 1; }
chroot "$dir" apt-get clean
rm -f "$dir/usr/sbin/policy-rc.d"
cleanup
trap - EXIT
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
echo layerfs-rootfs > "$dir/etc/hostname"

size=${LFS_ROOTFS_SIZE:-3072}
echo "mkrootfs: $(du -sh "$dir" | cut -f1) of files -> ${size} MiB ext4 image $out"
rm -f "$out.tmp"
truncate -s "${size}M" "$out.tmp"
mke2fs -F -q -t ext4 -L lfs-rootfs -d "$dir" "$out.tmp"
mv "$out.tmp" "$out"
echo "$want" > "$stamp"
rm -rf "$dir"
echo "mkrootfs: done"
