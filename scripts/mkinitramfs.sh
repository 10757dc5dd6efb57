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
moddir=${LFS_MODROOT:-}/lib/modules/$KVER

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

# Kernel modules: the distro's, decompressed, with their dependencies
# (modules.dep lists a module's dependencies; load the last one first).
: > lib/modules/load-order
declare -A have=()
modpath() {	# module name -> path relative to $moddir
	local n=${1//-/_} alt=${1//_/-}
	grep -m1 -E "^(.*/)?($n|$alt)\.ko(\.xz|\.gz|\.zst)?:" "$moddir/modules.dep" |
		cut -d: -f1
}
add_distro_module() {	# relative path in modules.dep
	local rel=$1 deps dep i name
	name=$(basename "$rel"); name=${name%%.ko*}
	[ -z "${have[$name]:-}" ] || return 0
	have[$name]=1
	deps=$(grep -E "^$rel:" "$moddir/modules.dep" | cut -d: -f2)
	# shellcheck disable=SC2206
	local arr=($deps)
	for ((i = ${#arr[@]} - 1; i >= 0; i--)); do
		add_distro_module "${arr[i]}"
	done
	case "$rel" in
	*.xz) xz -dc "$moddir/$rel" > "lib/modules/$name.ko" ;;
	*.gz) gzip -dc "$moddir/$rel" > "lib/modules/$name.ko" ;;
	*.zst) zstd -qdc "$moddir/$rel" > "lib/modules/$name.ko" ;;
	*) cp "$moddir/$rel" "lib/modules/$name.ko" ;;
	esac
	echo "$name.ko" >> lib/modules/load-order
}
add_named_module() {	# module name; silently fine when built in
	local rel
	rel=$(modpath "$1")
	if [ -n "$rel" ]; then
		add_distro_module "$rel"
	elif ! grep -qE "/${1//-/_}\.ko$|/${1//_/-}\.ko$" "$moddir/modules.builtin"; then
		echo "mkinitramfs: module $1 not found for $KVER" >&2
		exit 1
	fi
}
add_named_module virtio_blk
add_named_module overlay
# wr_eio: an ext4 on dm-flakey over a loop device, to inject EIO.
add_named_module loop
add_named_module dm-flakey
# wr_reflink: an xfs (it can clone) on a loop device.
add_named_module xfs
if [ -f "$module" ]; then
	for dep in $(modinfo -F depends "$module" | tr , ' '); do
		add_named_module "$dep"
	done
	cp "$module" lib/modules/layerfs.ko
	echo layerfs.ko >> lib/modules/load-order
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
