#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: layerfs against overlayfs and the bare filesystem, in one
# boot of the test VM (lfs.mode=bench; the in-VM runner is bench/vm-bench.sh,
# the timing driver bench/lfsbench.c).  Prints the table of medians and
# ratios; writes to results/ (git-ignored):
#   bench-STAMP.log   the raw VM output (BENCH lines, progress, errors)
#   bench-STAMP.csv   one row per base/case/param/fs: median, min, max, ...
#   bench-STAMP.txt   the table printed at the end
#   bench-STAMP.svg   ratios layerfs/overlayfs and layerfs/native (gnuplot)
#   latest.*          copies of the newest run
#
# environment:
#   LFS_BENCH_SCALE  full (default) or quick (a smoke run of a few minutes)
#   LFS_BENCH_CASES  subset of "lookup readdir read copyup files untar cstart profile"
#   LFS_BENCH_BASES  subset of "tmpfs ext4"
#   LFS_BENCH_MEM    VM memory in MiB (default 4096)
#   LFS_BENCH_TIMEOUT seconds (default 2400)
#   KVER, LFS_MODULE as for scripts/run-vm.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
t0=$(date +%s)

if [ -z "${KVER:-}" ]; then
	KVER=$(ls -d /lib/modules/6.12*-cloud-amd64 2>/dev/null | sort -V | tail -n1)
	KVER=${KVER##*/}
fi
export KVER
kernel=/boot/vmlinuz-$KVER
[ -r "$kernel" ] || { echo "bench: $kernel not found (run make setup)" >&2; exit 1; }
command -v gnuplot >/dev/null || echo "bench: gnuplot not installed: no plot"

vm=$top/.cache/bench
res=$top/results
mkdir -p "$vm" "$res"
exec 9>"$vm/.lock"
flock -n 9 || { echo "bench: another bench run is using $vm; waiting"; flock 9; }

# --- the scale ----------------------------------------------------------------
scale=${LFS_BENCH_SCALE:-full}
case "$scale" in
full)
	REPS=5 LOOKUP_N=5000 LOOKUP_BUDGET=2500000 READDIR_N=10000 READDIR_PASSES=5
	READ_MB=256 RAND_N=20000 COPYUP_KIB="4 1024 65536 524288"
	FILES_N=10000 FILES_LOWER_N=2000 CSTART_N=20
	;;
quick)
	REPS=2 LOOKUP_N=200 LOOKUP_BUDGET=10000 READDIR_N=1000 READDIR_PASSES=2
	READ_MB=16 RAND_N=2000 COPYUP_KIB="4 1024 16384"
	FILES_N=500 FILES_LOWER_N=200 CSTART_N=3
	;;
*) echo "bench: LFS_BENCH_SCALE is full or quick" >&2; exit 2 ;;
esac
CASES=${LFS_BENCH_CASES:-lookup readdir read copyup files untar cstart profile}
BASES=${LFS_BENCH_BASES:-tmpfs ext4}
mem=${LFS_BENCH_MEM:-4096}

# --- build ------------------------------------------------------------------
"${MAKE:-make}" --no-print-directory -C "$top" module
modver=$(git -C "$top" log -1 --format='%h %ad' --date=format:'%Y-%m-%d %H:%M' -- module/ 2>/dev/null || echo unknown)
[ -n "$(git -C "$top" status --porcelain -- module/ 2>/dev/null)" ] && modver="$modver + uncommitted changes"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
extra=$vm/extra
rm -rf "$extra"
mkdir -p "$extra/bench"
gcc -std=c11 -static -O2 -Wall -Wextra -Werror -o "$extra/bench/lfsbench" bench/lfsbench.c
install -m 755 bench/vm-bench.sh "$extra/bench/run.sh"
# The source tree to untar: kernel UAPI headers, made here from /usr/include.
tar cf "$extra/bench/src.tar" -C /usr/include linux asm-generic
src_files=$(tar tf "$extra/bench/src.tar" | wc -l)
src_kib=$(( $(stat -c %s "$extra/bench/src.tar") / 1024 ))
cat > "$extra/bench/config" <<EOF
# written by scripts/bench.sh (scale $scale)
REPS=$REPS
LOOKUP_LAYERS="1 8 32 128 500"
LOOKUP_N=$LOOKUP_N
LOOKUP_BUDGET=$LOOKUP_BUDGET
READDIR_LAYERS="1 4 16 64"
READDIR_N=$READDIR_N
READDIR_PASSES=$READDIR_PASSES
READ_MB=$READ_MB
RAND_N=$RAND_N
COPYUP_KIB="$COPYUP_KIB"
FILES_N=$FILES_N
FILES_LOWER_N=$FILES_LOWER_N
CSTART_N=$CSTART_N
TMPFS_MB=$(( mem * 3 / 4 ))
CASES="$CASES"
BASES="$BASES"
EOF
LFS_VM_EXTRA=$extra LFS_XATTR=/nonexistent "$top/scripts/mkinitramfs.sh" "$vm/initramfs.cpio.gz"

rm -f "$vm/scratch.img"
truncate -s 8G "$vm/scratch.img"
mke2fs -F -q -t ext4 "$vm/scratch.img"

# --- run --------------------------------------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
log=$res/bench-$stamp.log
rm -f "$vm/console.log" "$vm/output.log"
: > "$log"
append="console=ttyS0 quiet panic=-1 log_buf_len=4M lfs.mode=bench"
boot_bench() {
	echo "bench: booting $KVER with ${mem} MiB, 2 vCPUs, scale $scale; output in $log"
	: > "$log"
	timeout "${LFS_BENCH_TIMEOUT:-2400}" qemu-system-x86_64 -m "$mem" -smp 2 \
		-nographic -no-reboot -monitor none \
		-kernel "$kernel" -initrd "$vm/initramfs.cpio.gz" -append "$append" \
		-drive "file=$vm/scratch.img,if=virtio,format=raw" \
		-serial "file:$vm/console.log" -serial "file:$log" \
		-serial "file:$vm/output.log" </dev/null >"$vm/qemu.log" 2>&1 &
	qpid=$!
	tail -n +1 -s 1 -f --pid=$qpid "$log" 2>/dev/null |
		awk '{ sub(/\r$/, "") } /^# (case|lookup|readdir|TIME|BENCH-ERROR|LFS-BENCH)/ { print "  " $0; fflush() }' || true
	rc=0
	wait $qpid || rc=$?
}
# As in run-vm.sh: a guest kernel that hits QEMU TCG's stale patched code
# ("Oops: int3") before /init ran is booted again, at most twice.
for attempt in 1 2 3; do
	boot_bench
	grep -q "LFS-INIT-START" "$vm/output.log" 2>/dev/null && break
	grep -q "Oops: int3" "$vm/console.log" 2>/dev/null || break
	[ $attempt = 3 ] && break
	mv "$vm/console.log" "$vm/console.boot-crash-$attempt.log"
	echo "bench: the guest kernel crashed during boot, before /init (QEMU TCG); booting again"
done
t1=$(date +%s)
echo "bench: VM exited after $((t1 - t0))s in all (status $rc)"
ok=1
[ $rc = 124 ] && { echo "bench: TIMEOUT"; ok=0; }
"$top/scripts/vm-scan.sh" --kernel-only "$vm" || ok=0
tr -d '\r' < "$log" | grep -q '^# LFS-BENCH-END errors=0' || {
	echo "bench: the run did not finish cleanly:"
	tr -d '\r' < "$log" | grep -E '^# BENCH-ERROR|^lfsbench:' | head -n 20 | sed 's/^/  /'
	ok=0
}

# --- report -----------------------------------------------------------------
{
	echo "layerfs benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), scale $scale"
	echo "machine: qemu-system-x86_64 TCG (software emulation), 2 vCPUs, $mem MiB;" \
		"host $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))"
	echo "kernel $KVER; each value: median of $REPS runs (min..max);" \
		"ratio = layerfs cost / other cost (below 1: layerfs is faster)"
	echo "module: last commit $modver; host load average before/after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "make bench took $((t1 - t0)) s (build, images and VM); untar tree: $src_files entries, $src_kib KiB"
	echo
	bash "$top/bench/report.sh" "$log" "$res/bench-$stamp.csv" "$res/bench-$stamp.svg"
} | tee "$res/bench-$stamp.txt"
for f in log csv txt svg; do
	[ -f "$res/bench-$stamp.$f" ] && cp "$res/bench-$stamp.$f" "$res/latest.$f"
done
echo "bench: results in $res/bench-$stamp.{log,csv,txt,svg} (and results/latest.*)"
[ $ok = 1 ]
