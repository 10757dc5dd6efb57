#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The layerfs demo, run in the test VM by `make demo` (lfs.mode=demo).
# Builds three small lower layers on tmpfs, mounts them as one read-only
# union with `mount -t layerfs`, and shows each layer next to the merged
# view.  Afterwards it runs every /usr/share/layerfs/demo.d/*.sh in order
# (copied there from userspace/demo/*.sh), so other parts can add scenes;
# the demo fails when one of them does.  `demo.sh --scenes DIR` runs only
# the scenes in DIR (the userspace tests check the judging that way).

L=/l
U=/mnt/union
W=20	# column width

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$'
	for a in "$@"; do
		case "$a" in
		*[\ \>\|\;]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	echo
	"$@"
}

# One line per object below $1: path, / for directories, -> for symlinks,
# [whiteout] for a 0/0 character device, [opaque] for an opaque directory.
tree() {
	(cd "$1" && find . -mindepth 1 | sort) | while read -r p; do
		f="$1/${p#./}"
		n=${p#./}
		if [ -L "$f" ]; then
			n="$n -> $(readlink "$f")"
		elif [ -d "$f" ]; then
			n="$n/"
			for x in trusted.layerfs.opaque trusted.overlay.opaque; do
				[ "$(lfs-xattr get "$f" $x 2>/dev/null)" = y ] &&
					n="$n [opaque]" && break
			done
		elif [ -c "$f" ] && [ "$(stat -c '%t:%T' "$f")" = 0:0 ]; then
			n="$n [whiteout]"
		fi
		echo "$n"
	done
}

# Print the trees of the given directories side by side under their titles.
side_by_side() {
	i=0
	files=
	for d in "$@"; do
		i=$((i + 1))
		{ echo "${d##*/}"; echo "------------------"; tree "$d"; } > /tmp/col.$i
		files="$files /tmp/col.$i"
	done
	awk -v w=$W -v n=$i '
	FNR == 1 { f++ }
	{ cell[f, FNR] = $0; if (FNR > rows) rows = FNR }
	END {
		for (r = 1; r <= rows; r++) {
			line = ""
			for (c = 1; c <= n; c++) {
				s = cell[c, r]
				if (length(s) > w - 1) s = substr(s, 1, w - 2) "~"
				line = line sprintf("%-" w "s", s)
			}
			sub(/ +$/, "", line)
			print line
		}
	}' $files
	rm -f /tmp/col.*
}

# Run every DIR/*.sh; false when one of them failed.  A scene exits 0 only
# when every step did what it shows (its commands meant to fail included).
scenes() {
	bad=
	for scene in "$1"/*.sh; do
		[ -f "$scene" ] || continue
		bold "$(basename "$scene")"
		sh "$scene" || bad="$bad $(basename "$scene") (exit status $?)"
	done
	[ -z "$bad" ] && return 0
	printf '\n\033[31mfailed:%s\033[0m\n' "$bad"
	return 1
}
if [ "${1:-}" = --scenes ]; then
	scenes "$2"
	exit
fi

bold "layerfs demo: three read-only layers, one merged view"
mkdir -p $L $U
mount -t tmpfs tmpfs $L
mkdir -p $L/base $L/mid $L/top

# base: a tiny "distribution"
mkdir -p $L/base/etc $L/base/bin $L/base/srv/data
printf 'NAME="Layer Linux"\nVERSION_ID="1.0"\n' > $L/base/etc/os-release
echo "welcome to the base layer" > $L/base/etc/motd
echo base > $L/base/etc/hostname
printf '#!/bin/sh\necho hello from the base layer\n' > $L/base/bin/hello
chmod 755 $L/base/bin/hello
ln -s hello $L/base/bin/hi
echo one > $L/base/srv/data/one
echo two > $L/base/srv/data/two

# mid: adds /app, replaces /etc/hostname, deletes /etc/motd with a whiteout
mkdir -p $L/mid/app $L/mid/etc
echo "greeting=hello" > $L/mid/app/app.conf
echo mid > $L/mid/etc/hostname
mknod $L/mid/etc/motd c 0 0

# top: changes the app config and replaces /srv/data with an opaque directory
mkdir -p $L/top/app $L/top/srv/data
echo "greeting=bonjour" > $L/top/app/app.conf
echo three > $L/top/srv/data/three
lfs-xattr set $L/top/srv/data trusted.layerfs.opaque y

bold "mount"
if ! run mount -t layerfs none $U -o lowerdir=$L/top:$L/mid:$L/base; then
	echo "the layerfs mount failed; dmesg says:"
	dmesg | tail -n 5
	exit 1
fi
run grep layerfs /proc/mounts

bold "the layers (top first) and the union"
side_by_side $L/top $L/mid $L/base $U
echo
echo "(the union hides the whiteout and everything under the opaque directory)"

bold "reading through the union"
run cat $U/etc/os-release
run cat $U/etc/hostname
run cat $U/app/app.conf
run $U/bin/hi
run ls -l $U/etc
run stat -c '%n: inode %i, %s bytes, mode %A' $U/etc/hostname $U/bin/hello
run df -h $U

bold "writes fail: the union is read-only (EROFS)"
run sh -c "echo change > $U/etc/hostname"
run touch $U/newfile
run mkdir $U/newdir
run rm -f $U/etc/hostname
run mv $U/app $U/app2

bold "unmount"
run umount $U
run umount $L

scenes /usr/share/layerfs/demo.d
rc=$?
bold "done"
exit $rc
