#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Power cut during layerfs changes: K cycles of (boot, run the workload on a
# union, kill QEMU with SIGKILL at a random moment; boot again, mount the
# union over what the dead VM left, check it).  See selftests/crash/lfs-crash.c
# for the operations and the states allowed after a cut.
#
# usage: scripts/crash-test.sh
# environment:
#   LFS_CRASH_ROUNDS   cycles (default 4)
#   LFS_CRASH_FSTYPES  file systems, used in turn (default "layerfs";
#                      "layerfs overlay" runs overlayfs as the reference)
#   LFS_CRASH_SEED     master seed (default random; printed): it gives each
#                      cycle's operation order and the operation and delay
#                      at which the VM is killed.  The wall-clock moment of
#                      the kill still varies from run to run.
#   LFS_VM_DIR         work and log directory (default .cache/crash)
#   KVER, LFS_KERNEL, LFS_VM_MEM as for scripts/run-vm.sh
#
# Disks: /dev/vda a fresh ext4 per cycle holding upper/ and work/ (the image
# the cut hits); /dev/vdb the lower layers (ext4, attached with snapshot=on
# so the image file itself never changes).  Killing QEMU keeps every write
# the guest had completed, so what the cut tests is the order in which
# changes reach the disk: the upper file system's journal commits (forced
# at random moments by a sync loop in the guest) against layerfs's steps.
#
# Output: per cycle, TAP lines (the union's state, the work directory, the
# lower layers, e2fsck, the kernel console); last line `N passed, N failed`.
# Logs of cycle N in $LFS_VM_DIR/cycle-N/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${LFS_CRASH_ROUNDS:-4}
read -r -a fstypes <<<"${LFS_CRASH_FSTYPES:-layerfs}"
seed=${LFS_CRASH_SEED:-$(( $(od -An -N2 -tu2 /dev/urandom) ))}
vm=${LFS_VM_DIR:-$top/.cache/crash}
mkdir -p "$vm"
vm=$(cd "$vm" && pwd)

if [ -z "${KVER:-}" ]; then
	KVER=$(ls -d /lib/modules/6.12*-cloud-amd64 2>/dev/null | sort -V | tail -n1)
	KVER=${KVER##*/}
fi
export KVER
kernel=${LFS_KERNEL:-/boot/vmlinuz-$KVER}
[ -r "$kernel" ] || { echo "crash-test: $kernel not found (run make setup)" >&2; exit 1; }

exec 9>"$vm/.lock"
flock -n 9 || { echo "crash-test: waiting for another run in $vm"; flock 9; }

passed=0 failed=0 n=0
tap() {	# ok|not-ok DESCRIPTION
	n=$((n + 1))
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}
finish() {
	echo "# seed $seed (replay: LFS_CRASH_SEED=$seed LFS_CRASH_ROUNDS=$rounds LFS_CRASH_FSTYPES=\"${fstypes[*]}\" scripts/crash-test.sh)"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}
trap 'tap not-ok "interrupted"; finish' HUP INT TERM

echo "# crash-test: seed $seed, $rounds cycles on ${fstypes[*]}, logs in $vm"
RANDOM=$seed

# The workload and checker, and the lower layers (made once).
bin=$vm/lfs-crash
src=$top/selftests/crash/lfs-crash.c
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$bin" "$src" || { tap not-ok "build lfs-crash"; finish; }
fi
nops=$("$bin" ops 2>/dev/null || echo 32)
rm -rf "$vm/lowers" "$vm/extra"
mkdir -p "$vm/lowers" "$vm/extra/crash"
"$bin" gen "$vm/lowers" || { tap not-ok "make the lower layers"; finish; }
rm -f "$vm/lowers.img"
truncate -s 160M "$vm/lowers.img"
mke2fs -F -q -t ext4 -d "$vm/lowers" "$vm/lowers.img" || { tap not-ok "mke2fs lowers"; finish; }
rm -rf "$vm/lowers"
install -m 755 "$bin" "$vm/extra/crash/lfs-crash"
install -m 755 "$top/selftests/crash/run.sh" "$vm/extra/crash/run.sh"
LFS_VM_EXTRA=$vm/extra "$top/scripts/mkinitramfs.sh" "$vm/initramfs.cpio.gz" ||
	{ tap not-ok "mkinitramfs"; finish; }
mkdir -p "$vm/empty/upper" "$vm/empty/work"

reports='BUG:|BUG [^ ]+ \(|WARNING:|Oops|general protection|KFENCE|kernel BUG|list_add corruption|list_del corruption|Kernel panic|UBSAN:|INFO: task .* blocked for more than|rcu: INFO:|detected stall'

# boot DIR PHASE SEED DONE FSTYPE: QEMU in the background, pid in $qpid.
boot() {
	local dir=$1
	rm -f "$dir/console.log" "$dir/output.log"
	: > "$dir/output.log"
	qemu-system-x86_64 -m "${LFS_VM_MEM:-1024}" -smp 2 -nographic -no-reboot \
		-monitor none -kernel "$kernel" -initrd "$vm/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 slub_debug=FZPU kfence.sample_interval=100 log_buf_len=4M lfs.mode=crash lfs.crash.phase=$2 lfs.crash.seed=$3 lfs.crash.done=$4 lfs.crash.fstype=$5" \
		-drive "file=$vm/upper.img,if=virtio,format=raw" \
		-drive "file=$vm/lowers.img,if=virtio,format=raw,snapshot=on" \
		-serial "file:$dir/console.log" -serial "file:$dir/output.log" \
		</dev/null >"$dir/qemu.log" 2>&1 &
	qpid=$!
}

# Wait (up to SECS) until output.log of DIR has a line matching RE; false
# if QEMU ended first or time ran out.
wait_for() {	# DIR RE SECS
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		tr -d '\r' < "$1/output.log" | grep -qE "$2" && return 0
		kill -0 "$qpid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# The guest kernel died before /init (QEMU TCG code patching): boot again.
boot_crashed() {	# DIR
	! grep -q "LFS-INIT-START" "$1/output.log" && grep -q "Oops: int3" "$1/console.log" 2>/dev/null
}

start_all=$SECONDS
for ((c = 1; c <= rounds; c++)); do
	dir=$vm/cycle-$c
	rm -rf "$dir"
	mkdir -p "$dir/work" "$dir/verify"
	fstype=${fstypes[$(( (c - 1) % ${#fstypes[@]} ))]}
	cseed=$(( RANDOM * 32768 + RANDOM ))
	target=$(( RANDOM % (nops + 2) ))	# op to reach; > nops: after all
	delay=$(( RANDOM % 250 ))		# ms after its start (ops take 20-500 ms)
	t0=$SECONDS
	rm -f "$vm/upper.img"
	truncate -s 512M "$vm/upper.img"
	mke2fs -F -q -t ext4 -d "$vm/empty" "$vm/upper.img"

	# Phase 1: work, then the power cut.
	for attempt in 1 2 3; do
		boot "$dir/work" work "$cseed" 0 "$fstype"
		wait_for "$dir/work" '^# LFS-CRASH-WORK|LFS-CRASH-MOUNT-FAILED|LFS-CRASH-EXIT' 300 && break
		kill -9 "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
		boot_crashed "$dir/work" || break
		echo "# cycle $c: the guest kernel crashed before /init (QEMU TCG); booting again"
	done
	if ! tr -d '\r' < "$dir/work/output.log" | grep -q '^# LFS-CRASH-WORK'; then
		kill -9 "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
		tap not-ok "cycle $c ($fstype): the workload did not start (logs in $dir/work)"
		continue
	fi
	if [ "$target" -ge "$nops" ]; then
		wait_for "$dir/work" '^# LFS-CRASH-ALLDONE' 600
	else
		wait_for "$dir/work" "^start $target " 600
	fi
	sleep "$(printf '0.%03d' "$delay")"
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	done_ops=$(tr -d '\r' < "$dir/work/output.log" | grep -c '^done ')
	last=$(tr -d '\r' < "$dir/work/output.log" | grep -E '^(start|done) ' | tail -n1)
	echo "# cycle $c: $fstype seed $cseed, killed ${delay} ms after op $target started; $done_ops ops confirmed, last line \"$last\""
	if grep -qiE 'error|fail' <(tr -d '\r' < "$dir/work/output.log" | grep -vE '^(start|done|#) '); then
		tr -d '\r' < "$dir/work/output.log" | grep -vE '^(start|done) ' | sed 's/^/#   work: /'
		tap not-ok "cycle $c ($fstype): the workload failed before the cut"
	fi

	t1=$SECONDS
	# Phase 2: boot again; the mount of vda replays the journal.
	for attempt in 1 2 3; do
		boot "$dir/verify" verify "$cseed" "$done_ops" "$fstype"
		wait "$qpid"
		boot_crashed "$dir/verify" || break
		echo "# cycle $c: the guest kernel crashed before /init (QEMU TCG); booting again"
	done
	out=$(tr -d '\r' < "$dir/verify/output.log")
	grep -E '^# (leftovers|FAIL)' <<<"$out" | sed "s/^# /# cycle $c: /"
	results=$(grep -E '^(not )?ok - ' <<<"$out")
	if [ -z "$results" ] || ! grep -q '^# LFS-CRASH-EXIT' <<<"$out"; then
		tap not-ok "cycle $c ($fstype): the verify boot did not finish (logs in $dir/verify)"
	fi
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [[ "$line" == ok* ]]; then
			tap ok "cycle $c ($fstype): ${line#ok - }"
		else
			tap not-ok "cycle $c ($fstype): ${line#not ok - }"
		fi
	done <<<"$results"

	# The upper file system itself, after the replay and a clean unmount.
	if e2fsck -fn "$vm/upper.img" >"$dir/e2fsck.log" 2>&1; then
		tap ok "cycle $c ($fstype): e2fsck -fn of the upper file system clean"
	else
		sed 's/^/#   /' "$dir/e2fsck.log" | head -n 20
		tap not-ok "cycle $c ($fstype): e2fsck -fn of the upper file system (log $dir/e2fsck.log)"
	fi

	# Kernel reports: none while working, none while checking.
	bad=$(tr -d '\r' < "$dir/work/console.log" | grep -E "$reports" | head -n 5)
	if [ -n "$bad" ]; then
		sed 's/^/#   /' <<<"$bad"
		tap not-ok "cycle $c ($fstype): kernel reports during the workload ($dir/work/console.log)"
	fi
	if "$top/scripts/vm-scan.sh" --kernel-only "$dir/verify" >"$dir/verify/scan.log" 2>&1; then
		tap ok "cycle $c ($fstype): kernel console clean (rmmod, no reports)"
	else
		sed 's/^/#   /' "$dir/verify/scan.log" | head -n 20
		tap not-ok "cycle $c ($fstype): kernel console ($dir/verify/scan.log)"
	fi
	echo "# cycle $c took $((SECONDS - t0)) s (work boot $((t1 - t0)) s, verify boot $((SECONDS - t1)) s)"
done
echo "# $rounds cycles in $((SECONDS - start_all)) s"
finish
