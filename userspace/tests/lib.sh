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
fails() {
	d=$1; shift
	"$@" >"$W/out" 2>"$W/err"; rc=$?
	n=$(wc -l <"$W/err")
	if [ $rc -ne 0 ] && [ "$n" -eq 1 ]; then ok "$d: $(cat "$W/err")"
	else nok "$d (rc=$rc, $n lines on stderr)"; sed 's/^/#   /' "$W/err" | head -5; fi
}

# same DESC EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then ok "$1"
	else nok "$1"; echo "#   expected: $(echo "$2" | tr '\n' '|')"; echo "#   got:      $(echo "$3" | tr '\n' '|')"; fi
}

# nothing half-made: no temp leftovers in the store
clean_store() { [ -z "$(ls -A "$LAYERFS_ROOT/tmp" 2>/dev/null)" ]; }

# a tree listing with metadata, to compare layers byte for byte
tree_sum() { (cd "$1" && find . | sort | while read -r f; do stat -c '%n %f %s %u %g %Y %t %T' "$f"; [ -f "$f" ] && [ ! -L "$f" ] && sha256sum <"$f"; done) | sha256sum | cut -c1-64; }

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
}
