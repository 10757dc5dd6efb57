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
#                      cycle's operation order and the moment of the kill,
#                      as a fraction of the workload's running time (the
#                      operation that moment falls on still varies with
#                      the machine's speed).
#   LFS_VM_DIR         work and log directory (default .cache/crash)
#   KVER, LFS_KERNEL, LFS_VM_MEM as for scripts/run-vm.sh
#
# Disks: /dev/vda an ext4 holding each cycle's upper and work directories
# (the image the cuts hit); /dev/vdb the lower layers (ext4, attached with snapshot=on
# so the image file itself never changes).  Killing QEMU keeps every write
# the guest had completed, so what the cut tests is the order in which
# changes reach the disk: the upper file system's journal commits (forced
# at random moments by a sync loop in the guest) against layerfs's steps.
#
# Boot K checks cycle K (its union, mounted again over what the cut left)
# and runs cycle K+1's workload, so K cycles take K+1 boots.
#
# Output: TAP lines per cycle (the union's state, the work directory, the
# lower layers), per boot (the kernel console), and at the end (rmmod and
# taint, e2fsck); last line `N passed, N failed`.  Logs of boot K in
# $LFS_VM_DIR/boot-K/.
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

reports='BUG:|BUG [^ ]+ \(|WARNING:|Oops|general protection|KFENCE|kernel BUG|list_add corruption|list_del corruption|Kernel panic|UBSAN:|INFO: task .* blocked for more than|rcu: INFO:|detected stall'

# boot DIR APPEND: QEMU in the background, pid in $qpid.
boot() {
	local dir=$1
	mkdir -p "$dir"
	rm -f "$dir/console.log" "$dir/output.log"
	: > "$dir/output.log"
	qemu-system-x86_64 -m "${LFS_VM_MEM:-1024}" -smp 2 -nographic -no-reboot \
		-monitor none -kernel "$kernel" -initrd "$vm/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=5 panic=-1 slub_debug=FZPU kfence.sample_interval=100 log_buf_len=4M lfs.mode=crash $2" \
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

# Each cycle: file system, workload seed, and the moment of the kill in
# thousandths of the workload's running time (up to 1.1: now and then
# after its end).  The running time is estimated from the cycles before
# (the guest's timestamps), 3 s at first.
declare -a fst cseed frac done_ops started
for ((c = 1; c <= rounds; c++)); do
	fst[c]=${fstypes[$(( (c - 1) % ${#fstypes[@]} ))]}
	cseed[c]=$(( RANDOM * 32768 + RANDOM ))
	frac[c]=$(( RANDOM % 1100 ))
done
run_ms=3000

# One upper image for the whole run: cycle K works in cK/upper, cK/work,
# checked (and removed) by the next boot, which runs cycle K+1's workload.
rm -f "$vm/upper.img"
truncate -s 1G "$vm/upper.img"
mke2fs -F -q -t ext4 "$vm/upper.img"

start_all=$SECONDS
for ((b = 0; b <= rounds; b++)); do
	dir=$vm/boot-$b
	rm -rf "$dir"
	w=$((b + 1))
	append=
	[ "$b" -ge 1 ] && [ -n "${started[b]:-}" ] &&
		append="lfs.crash.verify=$b:${fst[b]}:${cseed[b]}:${done_ops[b]}"
	[ "$w" -le "$rounds" ] && append="$append lfs.crash.work=$w:${fst[w]}:${cseed[w]}"
	t0=$SECONDS
	for attempt in 1 2 3; do
		boot "$dir" "$append"
		if [ "$w" -le "$rounds" ]; then
			wait_for "$dir" '^# LFS-CRASH-WORK|LFS-CRASH-MOUNT-FAILED|LFS-CRASH-EXIT' 600 && break
			kill -9 "$qpid" 2>/dev/null
		fi
		wait "$qpid" 2>/dev/null
		boot_crashed "$dir" || break
		echo "# boot $b: the guest kernel crashed before /init (QEMU TCG); booting again"
	done

	# The next cycle's workload, cut at a random moment.
	if [ "$w" -le "$rounds" ]; then
		if tr -d '\r' < "$dir/output.log" | grep -q '^# LFS-CRASH-WORK'; then
			started[w]=1
			delay=$(( run_ms * ${frac[w]} / 1000 ))
			sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		fi
		kill -9 "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	out=$(tr -d '\r' < "$dir/output.log")

	# This boot's check of the cycle before.
	if [ "$b" -ge 1 ]; then
		grep -E '^# (leftovers|FAIL|in flight)|^#   ' <<<"$out" |
			sed "s/^# /# cycle $b: /"
		results=$(sed -n '/^# LFS-CRASH-VERIFY /,/^# LFS-CRASH-VERIFIED/p' <<<"$out" |
			grep -E '^(not )?ok - ')
		if [ -z "${started[b]:-}" ]; then
			:	# reported when its workload did not start
		elif [ -z "$results" ] || ! grep -q '^# LFS-CRASH-VERIFIED' <<<"$out"; then
			tap not-ok "cycle $b (${fst[b]}): the check did not finish (logs in $dir)"
		fi
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			if [[ "$line" == ok* ]]; then
				tap ok "cycle $b (${fst[b]}): ${line#ok - }"
			else
				tap not-ok "cycle $b (${fst[b]}): ${line#not ok - }"
			fi
		done <<<"$results"
	fi
	if [ "$w" -le "$rounds" ]; then
		if [ -z "${started[w]:-}" ]; then
			tap not-ok "cycle $w (${fst[w]}): the workload did not start (logs in $dir)"
		else
			work=$(sed -n '/^# LFS-CRASH-WORK/,$p' <<<"$out")
			done_ops[w]=$(grep -c '^done ' <<<"$work")
			last=$(grep -E '^(start|done) ' <<<"$work" | tail -n1)
			echo "# cycle $w: ${fst[w]} seed ${cseed[w]}, killed at ${frac[w]}/1000 of ${run_ms} ms; ${done_ops[w]} ops confirmed, last line \"$last\""
			# The workload's running time, from the guest's clock.
			ms=$(awk -v n="$nops" '$1 == "start" && t0 == "" { t0 = $NF }
				$1 == "done" { d = $2; t = $NF }
				END { if (d > 0 && t > t0) printf "%d", (t - t0) * n / d }' <<<"$work")
			[ -n "$ms" ] && [ "$ms" -gt 0 ] && run_ms=$ms
			if grep -vE '^(start|done|#) ' <<<"$work" | grep -q .; then
				grep -vE '^(start|done) ' <<<"$work" | sed 's/^/#   work: /'
				tap not-ok "cycle $w (${fst[w]}): the workload failed before the cut"
			fi
		fi
	fi

	# Kernel reports on this boot's console (warnings included: loglevel=5).
	bad=$(tr -d '\r' < "$dir/console.log" | grep -E "$reports" | head -n 5)
	if [ -n "$bad" ]; then
		sed 's/^/#   /' <<<"$bad"
		tap not-ok "boot $b: kernel reports on the console ($dir/console.log)"
	else
		tap ok "boot $b: kernel console clean"
	fi
	echo "# boot $b took $((SECONDS - t0)) s"
done

# The last boot ended normally: rmmod, taint, the dmesg dump.
if "$top/scripts/vm-scan.sh" --kernel-only "$vm/boot-$rounds" >"$vm/scan.log" 2>&1; then
	tap ok "last boot: rmmod layerfs, no kernel reports, no taint"
else
	sed 's/^/#   /' "$vm/scan.log" | head -n 20
	tap not-ok "last boot: kernel side ($vm/scan.log)"
fi
# The upper file system itself, after every replay and a clean unmount.
if e2fsck -fn "$vm/upper.img" >"$vm/e2fsck.log" 2>&1; then
	tap ok "e2fsck -fn of the upper file system clean after $rounds power cuts"
else
	sed 's/^/#   /' "$vm/e2fsck.log" | head -n 20
	tap not-ok "e2fsck -fn of the upper file system ($vm/e2fsck.log)"
fi
echo "# $rounds cycles, $((rounds + 1)) boots in $((SECONDS - start_all)) s"
finish
