#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mklayers.sh OUTDIR: build the prebuilt layer tree that the host turns into
# the test VM's ext4 image (mke2fs -d OUTDIR) and that image.c checks:
#
#   OUTDIR/layers/{base,mid,top}   three image layers (top is the highest)
#   OUTDIR/layers.sha256           sha256sum of every regular file, paths
#                                  relative to OUTDIR
#
# Needs root (device nodes, ownership, trusted.* xattrs) and python3 (to set
# xattrs; setfattr may not be installed). The expected merged view is in
# image.c: change both together.
set -euo pipefail

out=${1:?usage: mklayers.sh OUTDIR}
[ "$(id -u)" = 0 ] || { echo "mklayers.sh: must run as root" >&2; exit 1; }
command -v python3 >/dev/null || { echo "mklayers.sh: needs python3" >&2; exit 1; }

mkdir -p "$out"
rm -rf "$out/layers" "$out/layers.sha256"
L=$out/layers
mkdir -p "$L/base" "$L/mid" "$L/top"

f() {	# FILE CONTENT...
	mkdir -p "$(dirname "$1")"
	local p=$1
	shift
	printf '%s\n' "$@" >"$p"
}
xattr() {	# PATH NAME VALUE
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode(), follow_symlinks=False)' "$1" "$2" "$3"
}
whiteout() { mkdir -p "$(dirname "$1")"; mknod "$1" c 0 0; }

# ---- base: the "distribution" layer
b=$L/base
f "$b/etc/os-release" "NAME=layerfs-test-base"
f "$b/etc/config" "base-config"
f "$b/etc/hostname" "base-host"
f "$b/bin/tool" "#!/bin/sh" "echo base tool"
chmod 0755 "$b/bin/tool"
f "$b/removed-file" "removed by mid"
f "$b/removed-dir/x" "x"
f "$b/removed-dir/y" "y"
f "$b/opaque-o/old1" "hidden by the overlay-opaque dir in mid"
f "$b/opaque-l/old1" "hidden by the layerfs-opaque dir in top"
f "$b/shared/from-base" "base"
f "$b/owned" "owned by 1000"
chown 1000:1000 "$b/owned"
chmod 0640 "$b/owned"
mkdir -p "$b/data"
# 1 MiB of deterministic data
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + (i >> 10)) & 255 for i in range(1 << 20)))' >"$b/data/blob"
# a sparse file: 64 KiB data, 1 MiB hole, 64 KiB data, hole to 4 MiB
python3 - "$b/data/sparse" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.pwrite(fd, b"A" * 65536, 0)
os.pwrite(fd, b"B" * 65536, 1 << 20)
os.ftruncate(fd, 4 << 20)
os.close(fd)
EOF
mkdir -p "$b/dev"
mknod "$b/dev/null" c 1 3
mkfifo "$b/dev/fifo"

# ---- mid
m=$L/mid
f "$m/etc/config" "mid-config"
xattr "$m/etc/config" user.layer mid
whiteout "$m/removed-file"
mkdir -p "$m/opaque-o"
xattr "$m/opaque-o" trusted.overlay.opaque y
f "$m/opaque-o/new1" "mid new1"
f "$m/shared/from-mid" "mid"
f "$m/usr/lib/libx.so" "mid-lib"
xattr "$m/usr/lib/libx.so" user.layer mid
xattr "$m/usr/lib/libx.so" trusted.overlay.secret hidden
xattr "$m/usr/lib/libx.so" trusted.layerfs.secret hidden
mkdir -p "$m/etc/alternatives"
ln -s ../../bin/tool "$m/etc/alternatives/tool"

# ---- top
t=$L/top
f "$t/etc/config" "top-config"
f "$t/hello.txt" "hello from top"
whiteout "$t/removed-dir"
mkdir -p "$t/opaque-l"
xattr "$t/opaque-l" trusted.layerfs.opaque y
f "$t/opaque-l/new" "top new"
f "$t/shared/from-top" "top"
ln -s etc/config "$t/link-rel"
ln -s /etc/hostname "$t/link-abs"

# Fixed times so that two runs give the same image.
find "$L" -exec touch -h -d '2024-01-02 03:04:05.123456789' {} +

(cd "$out" && find layers -type f -print0 | sort -z | xargs -0 sha256sum) \
	>"$out/layers.sha256"
echo "mklayers.sh: $(wc -l <"$out/layers.sha256") files in $out/layers"
