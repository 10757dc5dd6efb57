#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs (cpio newc, gzip).
#
# usage: scripts/mkinitramfs.sh OUT.cpio.gz
# environment:
#   KVER        kernel release whose modules to take (required)
#   LFS_MODROOT a root holding lib/modules/$KVER (default /; a debug kernel's
#               modules_install INSTALL_MOD_PATH)
#   LFS_MODULE  layerfs.ko to include (default module/layerfs.ko)
#   LFS_XATTR   the static lfs-xattr helper (default .cache/vm/lfs-xattr)
#   LFS_SELFTESTS_BUILD  the selftest binaries (default selftests/build)
#   LFS_VM_EXTRA  optional directory copied over the root last (for local
#               experiments, e.g. a throwaway /selftests/run.sh)
#
# Contents: busybox with every applet linked, /init, the modules in
# /lib/modules with /lib/modules/load-order, selftests/build/* and
# selftests/*.sh in /selftests, userspace/build/* in /usr/bin, the shared
# libraries all of those need, the demo in /usr/share/layerfs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: mkinitramfs.sh OUT.cpio.gz}
: "${KVER:?KVER must be set}"
module=${LFS_MODULE:-$top/module/layerfs.ko}
xattr=${LFS_XATTR:-$top/.cache/vm/lfs-xattr}

root=$(dirname "$out")/initramfs.root
rm -rf "$root"
mkdir -p "$root"
cd "$root"
mkdir -p bin sbin usr/bin usr/sbin lib lib64 lib/modules proc sys dev tmp \
	run root etc mnt selftests usr/share/layerfs/demo.d
mknod -m 600 dev/console c 5 1
mknod -m 666 dev/null c 1 3

# busybox and its applets
busybox=$(command -v busybox)
cp "$busybox" bin/busybox
while read -r applet; do
	[ -e "$applet" ] || [ -L "$applet" ] || ln -s /bin/busybox "$applet"
done < <(bin/busybox --list-full)
install -m 755 "$top/scripts/vm/init" init

cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > etc/group <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo layerfs-vm > etc/hostname

# Kernel modules: the distro's, decompressed, with their dependencies.
# shellcheck source=scripts/vm-modules.sh
. "$top/scripts/vm-modules.sh"
vm_modules_init lib/modules
add_named_module virtio_blk
add_named_module overlay
# wr_eio: an ext4 on dm-flakey over a loop device, to inject EIO.
add_named_module loop
add_named_module dm-flakey
# wr_reflink: an xfs (it can clone) on a loop device.
add_named_module xfs
if [ -f "$module" ]; then
	add_module_file "$module" layerfs.ko
else
	echo "mkinitramfs: $module not built; the VM will run without it" >&2
fi

# Test programs and userspace tools
tests_build=${LFS_SELFTESTS_BUILD:-$top/selftests/build}
if [ -d "$tests_build" ]; then
	cp -a "$tests_build/." selftests/
fi
for f in "$top"/selftests/*.sh; do
	[ -f "$f" ] && install -m 755 "$f" selftests/
done
if [ -d "$top/userspace/build" ]; then
	find "$top/userspace/build" -maxdepth 1 -type f -perm -u+x \
		-exec cp -a {} usr/bin/ \;
fi
[ -x "$xattr" ] && install -m 755 "$xattr" usr/bin/lfs-xattr
# Host programs the tests use when present (their libraries follow below);
# mke2fs makes wr_eio's ext4 (busybox's makes only ext2), mkfs.xfs
# wr_reflink's xfs.
# crun and runc run layerctl's containers (userspace/tests run the runner
# suite on each).
for tool in zstd mke2fs mkfs.xfs crun runc; do
	if p=$(command -v "$tool" 2>/dev/null) && [ ! -e "usr/bin/$tool" ]; then
		cp -L "$p" "usr/bin/$tool"
	fi
done
install -m 755 "$top/scripts/vm/demo.sh" usr/share/layerfs/demo.sh
for f in "$top"/userspace/demo/*.sh; do
	[ -f "$f" ] && install -m 755 "$f" usr/share/layerfs/demo.d/
done

if [ -n "${LFS_VM_EXTRA:-}" ]; then
	cp -a "$LFS_VM_EXTRA/." .
fi

# Shared libraries of every dynamic ELF program we ship (not busybox).
find selftests usr/bin -type f -perm -u+x 2>/dev/null | while read -r f; do
	head -c4 "$f" | grep -q ELF || continue
	ldd "$f" 2>/dev/null || true
done | awk '/=> \// {print $3} /^[ \t]*\/[^ ]+ \(0x/ {print $1}' | sort -u |
while read -r lib; do
	[ -e ".$lib" ] && continue
	mkdir -p ".$(dirname "$lib")"
	cp -L "$lib" ".$lib"
done

find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0 | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
