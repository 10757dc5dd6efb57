#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the VM log scanner (scripts/vm-scan.sh) on fabricated logs:
# does it count TAP right and catch every kind of kernel report?  TAP output.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
scan=$top/scripts/vm-scan.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
bad=0

# The tail of a clean run: rmmod, dmesg, taint O+E, end of init.
clean_tail() {
	printf '# LFS-SELFTESTS-DONE\nLFS-RMMOD-OK\n# LFS-DMESG-BEGIN\n[    0.000000] Linux version 6.12\n[    1.0] layerfs: loading out-of-tree module taints kernel.\n# LFS-DMESG-END\n# LFS-TAINTED 12288\n# LFS-INIT-END\n'
}
block() {	# fstype test rc lines...
	local t=$1 name=$2 rc=$3
	shift 3
	echo "# LFS-RUN fstype=$t base=/tmp/lfs test=$name"
	printf '%s\n' "$@"
	echo "# LFS-RUN-END rc=$rc"
}
# expect NAME "P F S" EXIT: run the scanner on $tmp/{console,output}.log
expect() {
	local name=$1 want=$2 wantrc=$3 got rc
	n=$((n + 1))
	"$scan" "$tmp" > "$tmp/scan.out" 2>&1
	rc=$?
	got=$(cat "$tmp/counts" 2>/dev/null)
	if [ "$got" = "$want" ] && [ "$rc" = "$wantrc" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "# want counts '$want' exit $wantrc, got '$got' exit $rc"
		sed 's/^/#   /' "$tmp/scan.out"
		bad=$((bad + 1))
	fi
}
console() { printf '%s\n' "$@" > "$tmp/console.log"; }

echo "TAP version 13"
echo "1..18"

console "[    0.0] Linux version 6.12"
{ block layerfs a 0 "1..3" "ok 1 x" "ok 2 y # SKIP no xattrs" "ok 3 z # XFAIL known"
  block overlay a 0 "1..1" "ok 1 x"; clean_tail; } | sed 's/$/\r/' > "$tmp/output.log"
expect "clean run with CRLF; SKIP and XFAIL are skipped" "2 0 2" 0

{ block layerfs a 1 "1..2" "# a.c:1:Expected" "not ok 1 x" "ok 2 y"; clean_tail; } > "$tmp/output.log"
expect "a failing test" "1 1 0" 1

{ block layerfs a 139 "1..1"; clean_tail; } > "$tmp/output.log"
expect "non-zero rc without a failing line is one failure" "0 1 0" 1

{ block layerfs a 0 "1..3" "ok 1 x"; clean_tail; } > "$tmp/output.log"
expect "fewer results than planned" "1 1 0" 1

{ echo "# LFS-RUN fstype=layerfs base=/tmp/lfs test=a"; echo "1..2"; echo "ok 1 x"; clean_tail; } > "$tmp/output.log"
expect "a block without its end" "1 1 0" 1

{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } | grep -v SELFTESTS-DONE > "$tmp/output.log"
expect "no LFS-SELFTESTS-DONE" "1 1 0" 1

{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } | sed 's/LFS-RMMOD-OK/LFS-RMMOD-FAIL/' > "$tmp/output.log"
expect "rmmod failed" "1 1 0" 1

{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } | sed 's/TAINTED 12288/TAINTED 12800/' > "$tmp/output.log"
expect "taint W" "1 1 0" 1

{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } | grep -v INIT-END > "$tmp/output.log"
expect "VM died before the end of init" "1 1 0" 1

for report in \
	"BUG: KASAN: use-after-free in lfs_lookup" \
	"BUG layerfs_inode (Tainted: G OE): Objects remaining on __kmem_cache_shutdown()" \
	"WARNING: CPU: 1 PID: 328 at fs/namespace.c:1429 mntput_no_expire" \
	"list_del corruption. prev->next should be ffff" \
	"general protection fault, probably for non-canonical address"; do
	{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } |
		sed "s|^\[    1.0\] layerfs.*|[    2.0] $report|" > "$tmp/output.log"
	expect "dmesg report: ${report%% *}" "1 1 0" 1
done

{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } | grep -v 'Linux version' > "$tmp/output.log"
expect "dmesg ring buffer wrapped" "1 1 0" 1

console "[    3.0] Oops: 0000 [#1] PREEMPT SMP"
{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } > "$tmp/output.log"
expect "console report: Oops" "1 1 0" 1

# an OOM kill: in a memory cgroup (layerctl --memory) it is no report, a
# machine-wide one is
oom() {	# constraint
	printf '%s\n' "[    5.0] awk invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0" \
		"[    5.0] Call Trace:" "[    5.0]  <TASK>" "[    5.0]  dump_stack_lvl+0x5d/0x80" \
		"[    5.0]  oom_kill_process+0xfa/0x200" "[    5.0]  </TASK>" \
		"[    5.0] oom-kill:constraint=$1,nodemask=(null),task=awk,pid=613,uid=0" \
		"[    5.0] Memory cgroup out of memory: Killed process 613 (awk) total-vm:48856kB"
}
oom CONSTRAINT_MEMCG > "$tmp/console.log"
{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } |
	sed "/layerfs: loading/r $tmp/console.log" > "$tmp/output.log"
expect "a memory cgroup's OOM kill is no kernel report" "1 0 0" 0
oom CONSTRAINT_NONE > "$tmp/console.log"
{ block layerfs a 0 "1..1" "ok 1 x"; clean_tail; } |
	sed "/layerfs: loading/r $tmp/console.log" > "$tmp/output.log"
expect "a machine-wide OOM kill is" "1 1 0" 1

[ $bad = 0 ]
