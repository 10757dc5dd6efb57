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
# *.dmesg, in part-001/) go to $LFS_RESULTS/$LFS_FSTESTS_FSTYPE.
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

# One ./check run, in the order given (the overlay tests first by
# default), with an xunit report that check rewrites before each test; a
# time budget (LFS_FSTESTS_BUDGET seconds, 0: none) stops check (SIGTERM:
# it writes its summary) with every finished test reported.  The tests
# asked for (names, globs, -g DIR/GROUP) that it did not reach are listed
# in not-reached.
expand() {
	local a prev=
	for a in $LFS_FSTESTS_ARGS; do
		if [ "$prev" = -g ]; then
			awk -v d="${a%%/*}" -v g="${a#*/}" '!/^#/ {
				for (i = 2; i <= NF; i++) if ($i == g) { print d "/" $1; break } }' \
				"tests/${a%%/*}/group.list" 2>/dev/null
		elif [ "${a#-}" = "$a" ]; then
			(cd tests && ls -d $a 2>/dev/null)
		fi
		prev=$a
	done | grep -E '^[a-z0-9]+/[0-9]+$'
}
dir=$res/part-001
mkdir -p "$dir"
sed -i "s|^export RESULT_BASE=.*|export RESULT_BASE=$dir|" local.config
budget=${LFS_FSTESTS_BUDGET:-0}
echo "fstests: ./check -overlay -R xunit --exact-order $LFS_FSTESTS_ARGS ($fstype, budget ${budget}s)"
start=$(date +%s)
# shellcheck disable=SC2086
if [ "$budget" -gt 0 ]; then
	timeout --kill-after=300 "$budget" ./check -overlay -R xunit --exact-order $LFS_FSTESTS_ARGS
else
	./check -overlay -R xunit --exact-order $LFS_FSTESTS_ARGS
fi
echo "fstests: check exited $? after $(( $(date +%s) - start ))s"
expand | while read -r t; do
	grep -q "name=\"$t\"" "$dir/result.xml" 2>/dev/null || echo "$t"
done > "$res/not-reached"
cp -f local.config "$res/" 2>/dev/null
echo "fstests: $(grep -c . "$res/not-reached") tests not reached (time budget)"
exit 0
