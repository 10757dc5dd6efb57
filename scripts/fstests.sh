#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xfstests on overlayfs and on layerfs in its place, in the Debian root
# filesystem VM (scripts/rootfs-vm.sh), and the comparison of the two.
#
# usage: make fstests FSTESTS=/path/to/xfstests
#        (or FSTESTS=... scripts/fstests.sh)
#
# FSTESTS is an xfstests checkout (not part of this tree; nothing of it is
# ever copied here).  It is built on this host when it has not been (a
# bookworm host builds for the bookworm root filesystem; the build
# dependencies are installed with apt-get when missing), then copied into
# the VM's payload disk, where scripts/vm/fstests-guest.sh runs
# ./check -overlay on an ext4 base once per filesystem type.
#
# environment:
#   FSTESTS_FSTYPES  default "overlay layerfs"
#   FSTESTS_ARGS     arguments to ./check, default "overlay/* -g generic/quick"
#   FSTESTS_BUDGET   minutes per filesystem type after which ./check is
#                    stopped (default 0: no limit); the tests finished are
#                    reported, those not reached are listed
#   FSTESTS_TIMEOUT  seconds per VM, default 14400
# Results: .cache/fstests/<fstype>/results/<fstype>/part-NNN/ (xunit
# result.xml, check.log, *.out.bad, *.full),
# the VM logs in .cache/fstests/<fstype>/, and the report
# (scripts/fstests-report.py) in .cache/fstests/report.txt.  Exit status:
# non-zero when a VM run was not clean (kernel report, rmmod, timeout) or
# the report could not be made; test failures are counted, not fatal,
# since overlayfs itself fails some.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${FSTESTS:-}
if [ -z "$src" ] || [ ! -f "$src/check" ]; then
	echo "fstests: FSTESTS='$src' is not an xfstests checkout (make fstests FSTESTS=/path/to/xfstests)" >&2
	exit 1
fi
src=$(cd "$src" && pwd)
"$top/scripts/setup.sh"
${MAKE:-make} --no-print-directory -C "$top" build

# Host build of xfstests (and what the root filesystem VM needs).
need=()
for p in debootstrap qemu-utils autoconf automake libtool make gcc \
	xfslibs-dev uuid-dev libattr1-dev libacl1-dev libaio-dev \
	liburing-dev libgdbm-dev libcap-dev pkg-config; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "fstests: apt-get install ${need[*]}"
	apt-get install -y -q "${need[@]}" >/dev/null
fi
out=$top/.cache/fstests
mkdir -p "$out"
# make is quick when it is built (under a minute); the first build takes
# about 20 minutes on 2 busy cores.
echo "fstests: make in $src (log: $out/build.log)"
# (flock: runs of one fstype each may start together)
flock "$out/.build-lock" sh -c 'cd "$1" && nice make -j2 >"$2" 2>&1' - \
	"$src" "$out/build.log" || { tail -n 20 "$out/build.log" >&2; exit 1; }
args=${FSTESTS_ARGS:-overlay/* -g generic/quick}
rc=0
for fstype in ${FSTESTS_FSTYPES:-overlay layerfs}; do
	case "$fstype" in
	overlay) skip= ;;
	layerfs) skip=overlay ;;
	*) echo "fstests: unknown fstype $fstype (overlay or layerfs)" >&2; exit 2 ;;
	esac
	cmd=$out/$fstype.cmd
	{
		printf 'export LFS_FSTESTS_FSTYPE=%q LFS_FSTESTS_ARGS=%q LFS_FSTESTS_BUDGET=%d\n' \
			"$fstype" "$args" $(( ${FSTESTS_BUDGET:-0} * 60 ))
		cat "$top/scripts/vm/fstests-guest.sh"
	} > "$cmd"
	echo "fstests: $fstype: ./check -overlay $args"
	LFS_VM_DIR=$out/$fstype LFS_VM_SKIPMOD=$skip \
		LFS_VM_DISKS="test:10G scratch:10G" \
		LFS_VM_TIMEOUT=${FSTESTS_TIMEOUT:-14400} \
		"$top/scripts/rootfs-vm.sh" "$cmd" xfstests="$src" || rc=1
done
python3 "$top/scripts/fstests-report.py" "$out" | tee "$out/report.txt" || rc=1
exit $rc
