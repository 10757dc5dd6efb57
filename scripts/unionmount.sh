#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make unionmount UNIONMOUNT=/path/to/unionmount-testsuite`: run
# unionmount-testsuite (https://github.com/amir73il/unionmount-testsuite,
# not part of this tree: CI cannot fetch it, so this is never part of
# make check) in the test VM, on layerfs and on overlayfs, in several of
# its modes, and print the counts per filesystem type and mode.
#
# The suite is python: the host's python3 (binary, shared libraries and
# the part of its standard library the suite imports) goes into the
# initramfs with a copy of the suite.  The copy is changed in two places,
# the checkout is not: the filesystem type comes from $UNIONMOUNT_FSTYPE
# (the suite only knows overlay and fuse), and for layerfs the overlayfs
# feature options the suite adds (redirect_dir=on, index=on, ...) are left
# out of the mount command (layerfs has no such options: redirects, the
# index and metacopy are always on).  Everything else, the checks
# included, is the suite's own.  On layerfs the modes without --samefs
# get --xino (scripts/vm/unionmount.sh says why).  Each test runs on its
# own, since the suite stops at its first failure.
#
# environment:
#   UNIONMOUNT          the checkout (required)
#   UNIONMOUNT_FSTYPES  default "layerfs overlay"
#   UNIONMOUNT_MODES    ";"-separated argument sets, default
#                       "--ov;--ov --verify;--ov --samefs;--ov=10;
#                        --ov=10 --verify;--ov=10 --samefs;
#                        --ov=10 --samefs --verify"
#   UNIONMOUNT_TESTS    default: the suite's own list (run --ov)
#   UNIONMOUNT_TIMEOUT  seconds for the VM (default 5400)
#   UNIONMOUNT_VM_DIR   work and log directory (default .cache/unionmount;
#                       runs sharing one wait for each other)
#   KVER, LFS_MODULE as for scripts/run-vm.sh
# Logs in UNIONMOUNT_VM_DIR (output.log: every result, with the last lines
# of each failing test's output).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
suite=${UNIONMOUNT:-}
if [ -z "$suite" ] || [ ! -f "$suite/run" ] || [ ! -d "$suite/tests" ]; then
	echo "unionmount: no unionmount-testsuite checkout at '${suite}': make unionmount UNIONMOUNT=/path/to/unionmount-testsuite" >&2
	exit 2
fi
suite=$(cd "$suite" && pwd)
py=$(readlink -f /usr/bin/python3 2>/dev/null || true)
[ -x "$py" ] || { echo "unionmount: /usr/bin/python3 is needed" >&2; exit 2; }

if [ -z "${KVER:-}" ]; then
	KVER=$(ls -d /lib/modules/6.12*-cloud-amd64 2>/dev/null | sort -V | tail -n1)
	KVER=${KVER##*/}
fi
export KVER
kernel=/boot/vmlinuz-$KVER
[ -r "$kernel" ] || { echo "unionmount: $kernel not found (run make setup)" >&2; exit 1; }

vm=${UNIONMOUNT_VM_DIR:-$top/.cache/unionmount}
mkdir -p "$vm"
exec 9>"$vm/.lock"
flock -n 9 || { echo "unionmount: another run is using $vm; waiting"; flock 9; }

"${MAKE:-make}" --no-print-directory -C "$top" module

# --- the suite, patched copy ------------------------------------------------
extra=$vm/extra
rm -rf "$extra"
mkdir -p "$extra/unionmount" "$extra/usr/bin"
cp -a "$suite" "$extra/unionmount/suite"
rm -rf "$extra/unionmount/suite/.git"
s=$extra/unionmount/suite
patch_line() {	# file old new: replace a whole line, which must exist
	grep -qxF -- "$2" "$s/$1" || {
		echo "unionmount: $1 of this suite has no line '$2'; update scripts/unionmount.sh" >&2
		exit 1
	}
	F="$s/$1" OLD="$2" NEW="$3" "$py" -c 'import os
p, o, n = os.environ["F"], os.environ["OLD"], os.environ["NEW"]
t = open(p).read().split("\n")
open(p, "w").write("\n".join(n if l == o else l for l in t))'
}
patch_line settings.py '        self.__fstype = "overlay"' \
	'        self.__fstype = os.getenv("UNIONMOUNT_FSTYPE") or "overlay"'
patch_line settings.py '        self.__fsname = "overlay"' \
	'        self.__fsname = self.__fstype'
patch_line mount_union.py '        mntopt = cfg.mntopts()' \
	'        mntopt = cfg.mount_mntopts()'
patch_line remount_union.py '        mntopt = cfg.mntopts()' \
	'        mntopt = cfg.mount_mntopts()'
cat >> "$s/settings.py" <<'EOF'

    # added by layerfs's scripts/unionmount.sh: layerfs has none of the
    # overlayfs feature options (its redirects, index and metacopy are on)
    def mount_mntopts(self):
        if self.__fstype != "layerfs":
            return self.__mntopts
        ovl = ("redirect_dir", "index", "metacopy", "xino", "nfs_export")
        keep = [o for o in self.__mntopts[2:].split(",")
                if o.split("=")[0] not in ovl]
        return "-o" + ",".join(keep)
EOF
install -m 755 "$top/scripts/vm/unionmount.sh" "$extra/unionmount/run.sh"

# The suite's test list (the one `run --ov` uses with redirect_dir).
tests=${UNIONMOUNT_TESTS:-$(awk '/^tests = \[/ { on = 1; next }
	/^if len\(args\) > 0:/ { on = 0 }
	on && match($0, /"[a-z0-9-]+"/) { t = substr($0, RSTART + 1, RLENGTH - 2); if (t != "rename-exdev") print t }' \
	"$s/run" | tr '\n' ' ')}
[ -n "$tests" ] || { echo "unionmount: no test list found in $s/run" >&2; exit 1; }
modes=${UNIONMOUNT_MODES:---ov;--ov --verify;--ov --samefs;--ov=10;--ov=10 --verify;--ov=10 --samefs;--ov=10 --samefs --verify}
fstypes=${UNIONMOUNT_FSTYPES:-layerfs overlay}
cat > "$extra/unionmount/config" <<EOF
FSTYPES="$fstypes"
MODES="$modes"
TESTS="$tests"
EOF

# --- python3: the binary (mkinitramfs adds its libraries) and the modules
# the suite loads, as the host's python finds them.
cp "$py" "$extra/usr/bin/python3"
"$py" -m compileall -q "$s" >/dev/null || true
(cd "$s" && "$py" - <<'EOF'
import sys, os, importlib, importlib.util
sys.path.insert(0, ".")
for m in ("settings", "context", "tool_box", "set_up", "mount_union",
          "unmount_union", "remount_union", "direct", "argparse", "tempfile",
          "inspect", "types", "enum", "errno", "stat", "shutil"):
    importlib.import_module(m)
for f in sorted(os.listdir("tests")):
    if f.endswith(".py"):
        importlib.import_module("tests." + f[:-3])
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f and f.startswith(sys.base_prefix + "/lib/python3"):
        print(f)
        c = importlib.util.cache_from_source(f) if f.endswith(".py") else ""
        if c and os.path.exists(c):
            print(c)
EOF
) > "$vm/pyfiles"
# site and its imports, run at every start
"$py" -c 'import sys, os
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f and f.startswith(sys.base_prefix + "/lib/python3"):
        print(f)' >> "$vm/pyfiles"
pylib=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
echo "$pylib/os.py" >> "$vm/pyfiles"
sort -u "$vm/pyfiles" | while read -r f; do
	mkdir -p "$extra$(dirname "$f")"
	cp -a "$f" "$extra$f"
done

LFS_VM_EXTRA=$extra LFS_XATTR=/nonexistent "$top/scripts/mkinitramfs.sh" "$vm/initramfs.cpio.gz"
# The VM's init mounts two disks; the suite uses neither (its layers are
# on tmpfs), so two small empty ones.
for d in scratch layers; do
	rm -f "$vm/$d.img"
	truncate -s 64M "$vm/$d.img"
	mke2fs -F -q -t ext4 "$vm/$d.img"
done

# --- run --------------------------------------------------------------------
log=$vm/output.log
append="console=ttyS0 quiet panic=-1 slub_debug=FZPU log_buf_len=4M lfs.mode=unionmount"
boot() {
	echo "unionmount: booting $KVER; $(echo "$tests" | wc -w) tests x $(echo "$modes" | tr ';' '\n' | grep -c .) modes x $fstypes; log in $log"
	rm -f "$vm/console.log" "$vm/proto.log"
	: > "$log"
	timeout "${UNIONMOUNT_TIMEOUT:-5400}" qemu-system-x86_64 -m 1024 -smp 2 \
		-nographic -no-reboot -monitor none \
		-kernel "$kernel" -initrd "$vm/initramfs.cpio.gz" -append "$append" \
		-drive "file=$vm/scratch.img,if=virtio,format=raw" \
		-drive "file=$vm/layers.img,if=virtio,format=raw" \
		-serial "file:$vm/console.log" -serial "file:$log" \
		-serial "file:$vm/proto.log" </dev/null >"$vm/qemu.log" 2>&1 &
	qpid=$!
	tail -n +1 -s 1 -f --pid=$qpid "$log" 2>/dev/null |
		awk '{ sub(/\r$/, "") } /^# UM-MODE|FAIL$/ { print "  " $0; fflush() }' || true
	rc=0
	wait $qpid || rc=$?
}
# As in run-vm.sh: a boot that dies in QEMU TCG's code patching before
# /init ran is retried.
for attempt in 1 2 3; do
	boot
	grep -q "LFS-INIT-START" "$vm/proto.log" 2>/dev/null && break
	grep -q "Oops: int3" "$vm/console.log" 2>/dev/null || break
	echo "unionmount: the guest kernel crashed during boot (QEMU TCG); booting again"
done
ok=1
[ $rc = 124 ] && { echo "unionmount: TIMEOUT"; ok=0; }
cp "$vm/proto.log" "$vm/output.proto" 2>/dev/null || true
# vm-scan.sh reads console.log and output.log (the protocol lines)
mkdir -p "$vm/scan"
cp "$vm/console.log" "$vm/scan/console.log"
cp "$vm/proto.log" "$vm/scan/output.log"
"$top/scripts/vm-scan.sh" --kernel-only "$vm/scan" || ok=0
tr -d '\r' < "$log" | grep -q '^# UM-END' || { echo "unionmount: the run did not finish"; ok=0; }

echo "unionmount-testsuite $(git -C "$suite" log -1 --format=%h 2>/dev/null || echo '?'), passed/failed per mode:"
tr -d '\r' < "$log" | awk -F' [|] ' '/^# UM-MODE / { sub(/^# UM-MODE /, "", $1); split($3, c, " ");
	printf "  %-8s %-28s %3d passed %3d failed\n", $1, $2, c[1], c[2] }'
fails=$(tr -d '\r' < "$log" | grep -c '^# UM-RESULT .* FAIL$' || true)
if [ "$fails" != 0 ]; then
	echo "failing tests:"
	tr -d '\r' < "$log" | sed -n 's/^# UM-RESULT \(.*\) | FAIL$/  \1/p'
	ok=0
fi
[ $ok = 1 ]
