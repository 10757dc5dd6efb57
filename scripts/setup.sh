#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing layerfs needs, then extract the few
# kernel-tree files we use (kselftest harness, checkpatch) into .cache/ksrc.
#
# Idempotent: when everything is present it only runs dpkg-query and a few
# file tests, finishes in well under a second and changes nothing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ksrc=${KSRC_CACHE:-$top/.cache/ksrc}
tarball=/usr/src/linux-source-6.12.tar.xz

packages=(
	build-essential pkg-config sparse
	linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
	linux-source-6.12
	qemu-system-x86 busybox-static cpio e2fsprogs xfsprogs xz-utils
	libarchive-dev libjson-c-dev libssl-dev
	gnuplot-nox
	clang libclang-rt-14-dev
	python3
	skopeo umoci zstd attr
	crun runc
)

ksrc_files=(
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
)

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "setup: need root to run: $*" >&2
		exit 1
	fi
}

# 1. Debian packages: ask dpkg which ones are not installed.
missing=()
for p in "${packages[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# 2. The kernel-tree extract.
need=()
for f in "${ksrc_files[@]}"; do
	[ -s "$ksrc/$f" ] || need+=("$f")
done
if [ ${#need[@]} -gt 0 ]; then
	if [ ! -r "$tarball" ]; then
		echo "setup: $tarball missing (package linux-source-6.12)" >&2
		exit 1
	fi
	echo "setup: extracting ${need[*]} from $tarball into $ksrc"
	mkdir -p "$ksrc"
	# The tarball's top directory is linux-source-6.12/; keep tree paths.
	tar -xJf "$tarball" -C "$ksrc" --strip-components=1 \
		"${need[@]/#/linux-source-6.12/}"
	for f in "${need[@]}"; do
		[ -s "$ksrc/$f" ] || { echo "setup: $f not in $tarball" >&2; exit 1; }
	done
	chmod +x "$ksrc/scripts/checkpatch.pl"
fi

# 3. Sanity: a 6.12 cloud kernel with headers and a bootable image.
kdir=$(ls -d /lib/modules/6.12*-cloud-amd64/build 2>/dev/null | sort -V | tail -n1)
if [ -z "$kdir" ]; then
	echo "setup: no /lib/modules/6.12*-cloud-amd64/build (headers) found" >&2
	exit 1
fi
kver=$(basename "$(dirname "$kdir")")
if [ ! -r "/boot/vmlinuz-$kver" ]; then
	echo "setup: /boot/vmlinuz-$kver missing or unreadable" >&2
	exit 1
fi
