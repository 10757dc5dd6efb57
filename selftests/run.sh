#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM entry point of the layerfs selftests (busybox sh, POSIX).
# Runs every test binary next to this script for each filesystem type and
# each scratch base, printing the binaries' TAP output between
#   # LFS-RUN fstype=<t> base=<b> test=<name>
#   # LFS-RUN-END rc=<exit code>
# and finally "# LFS-SELFTESTS-DONE". image needs only one base, and so
# does wr_eio (its faulty layers are ext4s of their own; the base only
# holds their backing files), and wr_reflink (its layers are on an xfs of
# its own).
#
# Environment (defaults are what the VM wants):
#   LFS_RUN_FSTYPES  "layerfs overlay"
#   LFS_RUN_BASES    "/tmp/lfs /mnt/ext4/lfs"
#   LFS_RUN_TESTS    all executables here (names, space-separated; the
#                    name "layerctl" stands for the runner's tests below)
#   LFS_RUN_DIR      directory holding the binaries (default: this script's)
#   LFS_RUN_LIMIT    wall-clock seconds per binary (default 900)
#   LFS_IMAGE        passed through to the binaries (prebuilt layer tree)

dir=${LFS_RUN_DIR:-$(cd "$(dirname "$0")" && pwd)}
fstypes=${LFS_RUN_FSTYPES:-layerfs overlay}
bases=${LFS_RUN_BASES:-/tmp/lfs /mnt/ext4/lfs}
limit=${LFS_RUN_LIMIT:-900}

if [ -z "${LFS_RUN_TESTS:-}" ]; then
	tests=
	for f in "$dir"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		case "$f" in *.sh | *.o) continue ;; esac
		tests="$tests ${f##*/}"
	done
else
	tests=$LFS_RUN_TESTS
fi

# Issue 3: the lower layers are byte-for-byte unchanged after the whole
# suite. Every writable-union fixture checks its own lowers when it ends
# (lfs_wr_check_lowers); this covers the shared image layers, which every
# read-only test and the image test use as lowerdir: names, types, modes,
# owners, sizes, mtimes, link counts, xattrs and contents, before and
# after.
tree_sum() {
	(cd "$1" && find . | sort | while IFS= read -r p; do
		stat -c '%n %f %u:%g %s %Y %h' "$p"
		command -v lfs-xattr >/dev/null && lfs-xattr list "$p" 2>/dev/null |
			while IFS= read -r x; do
				printf '%s=' "$x"
				lfs-xattr get "$p" "$x" 2>/dev/null
			done
		[ -f "$p" ] && [ ! -L "$p" ] && sha256sum < "$p"
	done) | sha256sum | cut -d' ' -f1
}
lowers_before=
[ -n "${LFS_IMAGE:-}" ] && [ -d "$LFS_IMAGE" ] && lowers_before=$(tree_sum "$LFS_IMAGE")

start=$(date +%s)
for t in $fstypes; do
	first=1
	for b in $bases; do
		for name in $tests; do
			[ "$name" = layerctl ] && continue
			if [ "$name" = image -o "$name" = wr_eio -o \
				"$name" = wr_reflink ] &&
				[ $first = 0 ]; then
				continue
			fi
			echo "# LFS-RUN fstype=$t base=$b test=$name"
			mkdir -p "$b"
			t0=$(date +%s)
			LFS_FSTYPE=$t LFS_BASE=$b timeout "$limit" "$dir/$name" 2>&1
			rc=$?
			echo "# LFS-RUN-END rc=$rc"
			echo "# LFS-TIME fstype=$t base=$b test=$name seconds=$(($(date +%s) - t0))"
			# Mounts die with the tests' private mount namespaces;
			# remove scratch left by a test that was killed.
			rm -rf "$b"/t.* 2>/dev/null
		done
		first=0
	done
done
# The container runner end to end (issue 4), on layerfs: its host-side
# tests cover overlay already, and it takes minutes under emulation.
runner=${LFS_RUN_RUNNER-/usr/bin/layerctl-selftest}
case " $fstypes " in *" layerfs "*)
	case " ${LFS_RUN_TESTS:-layerctl} " in *" layerctl "*) ;; *) runner= ;; esac
	if [ -n "$runner" ]; then
		echo "# LFS-RUN fstype=layerfs base=/tmp/lfs test=layerctl"
		mkdir -p /tmp/lfs
		t0=$(date +%s)
		if [ -x "$runner" ]; then
			LFS_FSTYPE=layerfs LFS_BASE=/tmp/lfs timeout "$limit" "$runner" 2>&1
			rc=$?
		else
			echo "not ok 1 layerctl-selftest missing from the VM"
			rc=1
		fi
		echo "# LFS-RUN-END rc=$rc"
		echo "# LFS-TIME fstype=layerfs base=/tmp/lfs test=layerctl seconds=$(($(date +%s) - t0))"
	fi
	;;
esac
if [ -n "$lowers_before" ]; then
	echo "# LFS-RUN fstype=- base=$LFS_IMAGE test=lowers-unchanged"
	echo "TAP version 13"
	echo "1..1"
	after=$(tree_sum "$LFS_IMAGE")
	if [ "$after" = "$lowers_before" ]; then
		echo "ok 1 image layers unchanged by the whole suite ($after)"
	else
		echo "not ok 1 image layers changed: $lowers_before before, $after after"
	fi
	echo "# LFS-RUN-END rc=0"
fi
echo "# LFS-TIME total seconds=$(($(date +%s) - start))"
echo "# LFS-SELFTESTS-DONE"
