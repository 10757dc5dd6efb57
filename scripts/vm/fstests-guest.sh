#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the Debian root filesystem VM (scripts/rootfs-vm.sh, started by
# scripts/fstests.sh): run xfstests' ./check -overlay from /payload/xfstests
# on an ext4 base (TEST_DEV /dev/vdc, SCRATCH_DEV /dev/vdd), with the
# overlay fstype given as LFS_FSTESTS_FSTYPE:
#   overlay  the distro's overlayfs, as xfstests knows it
#   layerfs  layerfs in its place: a mount.overlay helper (mount(8) runs
#            /usr/sbin/mount.TYPE for -t TYPE) mounts layerfs instead, so
#            the tests' own "mount -t overlay" calls reach layerfs too.  It
#            drops the options that only ask for what layerfs always does
#            (redirect_dir=on|follow, index=on, metacopy=on, xino=on|auto)
#            and passes the others on, so layerfs refuses those it lacks.
#            overlay.ko is not loaded (lfs.skipmod=overlay): tests that
#            need an overlayfs module parameter are "not run".  xfstests
#            compares the type in /proc/mounts with "overlay": a small
#            local edit of common/rc (OVL_KERNEL_FSTYP) maps layerfs to it.
# LFS_FSTESTS_ARGS: the arguments to ./check (tests, -g groups, -x ...);
# LFS_FSTESTS_BUDGET: seconds after which no further chunk of tests starts.
# Results (xunit result.xml, check.log, *.out.bad, *.full, *.notrun,
# *.dmesg, per chunk in part-NNN/) go to $LFS_RESULTS/$LFS_FSTESTS_FSTYPE.
set -u
fstype=${LFS_FSTESTS_FSTYPE:?}
res=$LFS_RESULTS/$fstype
mkdir -p "$res"
cd /payload/xfstests || exit 1

getent group fsgqa >/dev/null || groupadd fsgqa
for u in fsgqa fsgqa2 123456-fsgqa; do
	getent passwd "$u" >/dev/null || useradd -m -g fsgqa "$u"
done
mkfs.ext4 -F -q /dev/vdc && mkfs.ext4 -F -q /dev/vdd || exit 1
mkdir -p /mnt/test /mnt/scratch
cat > local.config <<CONF
export FSTYP=ext4
export TEST_DEV=/dev/vdc
export TEST_DIR=/mnt/test
export SCRATCH_DEV=/dev/vdd
export SCRATCH_MNT=/mnt/scratch
export RESULT_BASE=$res
CONF

if [ "$fstype" = layerfs ]; then
	export OVL_KERNEL_FSTYP=layerfs
	perl -0pi -e '
		s{(-e .s/fuse\.ceph-fuse/ceph-fuse/.)}{$1 -e "s/^\${OVL_KERNEL_FSTYP:-overlay}\\\$/overlay/"};
		s{(\tlocal fstype=\$\{2:-\$FSTYP\}\n)}{$1\t[ "\$fstype" = overlay ] && fstype=\${OVL_KERNEL_FSTYP:-overlay}\n}g
	' common/rc
	grep -c OVL_KERNEL_FSTYP common/rc | grep -qx 3 ||
		{ echo "fstests-guest: could not adapt common/rc"; exit 1; }
	cat > /usr/sbin/mount.overlay <<'SHIM'
#!/bin/bash
# mount(8) helper: mount layerfs where xfstests mounts overlay.
src=$1 dst=$2
shift 2
args=() opts=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o) IFS=, read -ra o <<<"$2"; opts+=("${o[@]}"); shift 2 ;;
	-t) shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
keep=()
for x in "${opts[@]}"; do
	case "$x" in
	redirect_dir=on|redirect_dir=follow|index=on|metacopy=on|xino=on|xino=auto) ;;
	*) keep+=("$x") ;;
	esac
done
o=$(IFS=,; echo "${keep[*]}")
exec mount -i -t layerfs "${args[@]}" ${o:+-o "$o"} "$src" "$dst"
SHIM
	chmod 755 /usr/sbin/mount.overlay
fi

# The tests, in chunks of 4, each ./check run with its own xunit report
# (part-NNN/result.xml), so that a time budget (LFS_FSTESTS_BUDGET seconds,
# 0: none) ends the run between chunks with every finished test reported;
# the tests not reached are listed in not-reached.
# shellcheck disable=SC2086
list=$(./check -n -overlay $LFS_FSTESTS_ARGS 2>/dev/null |
	awk '/^[a-z0-9]+\/[0-9]+ *$/ { print $1 }')
# The overlay tests first: they are what this run is about, and a time
# budget should cut the generic ones.
list=$(echo "$list" | grep '^overlay/'; echo "$list" | grep -v '^overlay/')
n=$(echo "$list" | grep -c .)
echo "fstests: $n tests: ./check -overlay -R xunit $LFS_FSTESTS_ARGS ($fstype)"
budget=${LFS_FSTESTS_BUDGET:-0}
start=$(date +%s)
part=0
: > "$res/not-reached"
while read -r -a chunk; do
	[ ${#chunk[@]} -gt 0 ] || continue
	if [ "$budget" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$budget" ]; then
		printf '%s\n' "${chunk[@]}" >> "$res/not-reached"
		continue
	fi
	part=$((part + 1))
	dir=$(printf '%s/part-%03d' "$res" $part)
	mkdir -p "$dir"
	sed -i "s|^export RESULT_BASE=.*|export RESULT_BASE=$dir|" local.config
	./check -overlay -R xunit "${chunk[@]}"
done < <(echo "$list" | xargs -n 4)
cp -f local.config "$res/" 2>/dev/null
left=$(grep -c . "$res/not-reached")
echo "fstests: done after $(( $(date +%s) - start ))s; $left tests not reached (time budget)"
exit 0
