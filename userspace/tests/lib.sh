# SPDX-License-Identifier: GPL-2.0
# Helpers for the layerctl/mount.layerfs shell tests (POSIX sh, busybox ok).
# Needs: B (directory with the binaries, or LAYERCTL/MOUNT_LAYERFS set),
# SCRATCH (a scratch directory).
L=${LAYERCTL:-$B/layerctl}
M=${MOUNT_LAYERFS:-$B/mount.layerfs}

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
skip() { echo "ok - $* # SKIP"; }

# t DESC CMD...: the command succeeds
t() { d=$1; shift; if "$@" >"$W/out" 2>"$W/err"; then ok "$d"; else nok "$d"; sed 's/^/#   /' "$W/out" "$W/err" | head -20; fi; }

# fails DESC CMD...: the command fails with exactly one line on stderr
fails() { d=$1; shift; fails_with "$d" '' "$@"; }

# fails_with DESC PATTERN CMD...: like fails, and that line matches PATTERN (grep -E)
fails_with() {
	d=$1 pat=$2; shift 2
	"$@" >"$W/out" 2>"$W/err"; rc=$?
	n=$(wc -l <"$W/err")
	if [ $rc -ne 0 ] && [ "$n" -eq 1 ] && grep -Eq -- "$pat" "$W/err"; then ok "$d: $(cat "$W/err")"
	else nok "$d (rc=$rc, $n lines on stderr${pat:+, wanted one matching \"$pat\"})"; sed 's/^/#   /' "$W/err" | head -5; fi
}

# same DESC EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then ok "$1"
	else nok "$1"; echo "#   expected: $(echo "$2" | tr '\n' '|')"; echo "#   got:      $(echo "$3" | tr '\n' '|')"; fi
}

# nothing half-made: every object in the store ($LAYERFS_ROOT) is complete and
# referenced: no temp dirs or files, no layer no image uses, no half-written
# record, no name of a missing image, no container of a missing image, and
# nothing of the store mounted here.  Prints what is left over.
clean_store() {
	S=$LAYERFS_ROOT
	{
		ls -A "$S/tmp" 2>/dev/null | sed 's|^|tmp/|'
		(cd "$S" && find . -maxdepth 3 -name '*.tmp.*') 2>/dev/null
		used=$(cat "$S"/images/*/config.json 2>/dev/null | grep -o 'sha256:[0-9a-f]*' | cut -c8-)
		for l in "$S"/layers/*; do
			[ -e "$l" ] || continue
			n=${l##*/}
			[ -f "$l/layer.json" ] && [ -d "$l/diff" ] || echo "layers/$n incomplete"
			echo "$used" | grep -qx "$n" || echo "layers/$n used by no image"
		done
		for i in "$S"/images/*; do
			[ -e "$i" ] || continue
			[ -f "$i/config.json" ] || echo "images/${i##*/} incomplete"
		done
		for i in $(grep -o 'sha256:[0-9a-f]*' "$S/repositories.json" 2>/dev/null | cut -c8-); do
			[ -d "$S/images/$i" ] || echo "a name of missing image $i"
		done
		for c in "$S"/containers/*; do
			[ -e "$c" ] || continue
			[ -f "$c/container.json" ] && [ -f "$c/state.json" ] && [ -d "$c/upper" ] ||
				{ echo "containers/${c##*/} incomplete"; continue; }
			i=$(grep -o '"image": *"[0-9a-f]*"' "$c/container.json" | grep -o '[0-9a-f]\{64\}')
			[ -d "$S/images/$i" ] || echo "containers/${c##*/} of missing image $i"
		done
		grep -F " $S/" /proc/mounts | cut -d' ' -f2 | sed 's/^/mounted: /'
	} >"$W/leftovers"
	[ -s "$W/leftovers" ] && { sed 's/^/#   left over: /' "$W/leftovers"; return 1; }
	return 0
}

# get/set/list xattrs: getfattr/setfattr (package attr), else the VM's lfs-xattr
xattr_dump() {
	if command -v getfattr >/dev/null; then getfattr -h -d -m - -e hex "$1" 2>/dev/null | grep -v '^#'
	elif command -v lfs-xattr >/dev/null; then
		lfs-xattr list "$1" 2>/dev/null | sort | while IFS= read -r x; do printf '%s=' "$x"; lfs-xattr get "$1" "$x"; echo; done
	else return 1; fi
}
xattr_set() {
	if command -v setfattr >/dev/null; then setfattr -h -n "$2" -v "$3" "$1"
	else lfs-xattr set "$1" "$2" "$3"; fi
}
have_xattr_tools() { command -v getfattr >/dev/null || command -v lfs-xattr >/dev/null; }

# a tree listing with metadata (link counts and xattrs too), to compare layers byte for byte
tree_sum() {
	(cd "$1" && find . | sort | while IFS= read -r f; do
		stat -c '%n %f %s %u %g %Y %t %T %h' "$f"
		xattr_dump "$f"
		[ -f "$f" ] && [ ! -L "$f" ] && sha256sum <"$f"
	done) | sha256sum | cut -c1-64
}

# as_nobody CMD...: run CMD as uid/gid 65534, keeping the environment
as_nobody() {
	if setpriv --help 2>&1 | grep -q -- --reuid; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		su -p -s /bin/sh -c 'exec "$0" "$@"' nobody -- "$@"	# busybox
	fi
}

# oci_layout DIR CONFIG LAYER...: an OCI image layout in DIR with one image
# (ref v1): the layer tars given, bottom first (*.gz ones gzip-compressed),
# CONFIG as its config's "config" object, history entries "layer N".
oci_layout() {
	o=$1 cf=$2; shift 2
	mkdir -p "$o/blobs/sha256"
	ids= descs= hist= n=0
	for l in "$@"; do
		n=$((n + 1)) b=$(sha "$l")
		cp "$l" "$o/blobs/sha256/$b"
		case $l in
		*.gz) d=$(gunzip -c "$l" | sha256sum | cut -c1-64) mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
		*) d=$b mt=application/vnd.oci.image.layer.v1.tar ;;
		esac
		ids="$ids${ids:+,}\"sha256:$d\""
		descs="$descs${descs:+,}{\"mediaType\":\"$mt\",\"digest\":\"sha256:$b\",\"size\":$(size "$l")}"
		hist="$hist${hist:+,}{\"created_by\":\"layer $n\"}"
	done
	printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
		"$cf" "$ids" "$hist" >"$o/config.json"
	c=$(sha "$o/config.json"); mv "$o/config.json" "$o/blobs/sha256/$c"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
		"$c" "$(size "$o/blobs/sha256/$c")" "$descs" >"$o/manifest.json"
	m=$(sha "$o/manifest.json"); mv "$o/manifest.json" "$o/blobs/sha256/$m"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
		"$m" "$(size "$o/blobs/sha256/$m")" >"$o/index.json"
}

sha() { sha256sum "$1" | cut -c1-64; }
size() { wc -c <"$1" | tr -d ' '; }

# wait (up to a minute) until container $1 is running
wait_running() { i=0; while [ $i -lt 600 ] && ! $L ps | grep -q "^$1 .*running"; do sleep 0.1; i=$((i+1)); done; }

# need_containers WHAT: root, a union filesystem (LAYERFS_FSTYPE, picked when
# unset) and a static busybox for the image (BB); otherwise one skip line
# naming WHAT and a false return.
need_containers() {
	if [ "$(id -u)" != 0 ]; then skip "$1 need root"; return 1; fi
	if [ -z "$LAYERFS_FSTYPE" ]; then
		if grep -qw layerfs /proc/filesystems; then LAYERFS_FSTYPE=layerfs; else LAYERFS_FSTYPE=overlay; fi
	fi
	export LAYERFS_FSTYPE
	if ! grep -qw "$LAYERFS_FSTYPE" /proc/filesystems; then skip "no $LAYERFS_FSTYPE filesystem in this kernel"; return 1; fi
	BB=
	for d in $(echo "$PATH" | tr : ' ') /bin /usr/bin; do [ -x "$d/busybox" ] && BB=$d/busybox && break; done
	if [ -z "$BB" ] || { command -v ldd >/dev/null && ldd "$BB" >/dev/null 2>&1; }; then
		skip "$1 need a static busybox"; return 1
	fi
	RT=${LAYERFS_RUNTIME:-crun}
	if ! command -v "$RT" >/dev/null; then skip "$1 need the OCI runtime $RT"; return 1; fi
	# crun refuses a host whose cgroups are hybrid (v1 controllers, v2
	# mounted beside them): there it runs in a mount namespace with a
	# cgroup2 on /sys/fs/cgroup and no cgroup of its own (so no limits)
	CGROUPS=v2
	if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
		CGROUPS=hybrid
		if [ "$RT" = crun ]; then
			printf '#!/bin/sh\nexec unshare -m sh -c '"'"'mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup && exec crun --cgroup-manager=disabled "$@"'"'"' crun "$@"\n' >"$W/crun"
			chmod 755 "$W/crun"
			export LAYERFS_RUNTIME=$W/crun
		fi
	fi
	export LAYERFS_RUNTIME=${LAYERFS_RUNTIME:-crun}
	echo "# runtime $LAYERFS_RUNTIME, cgroups $CGROUPS"
}

# need_limits WHAT: cgroup v2 with the memory and pids controllers for the
# runtime's containers; otherwise one skip line and a false return
need_limits() {
	if [ "$CGROUPS" != v2 ] || ! grep -qw memory /sys/fs/cgroup/cgroup.controllers ||
	   ! grep -qw pids /sys/fs/cgroup/cgroup.controllers; then
		skip "$1 need cgroup v2 with memory and pids controllers (this host: $CGROUPS)"; return 1
	fi
}
