#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge a finished test VM run from its logs.
#
# usage: scripts/vm-scan.sh [--kernel-only] VMDIR
#
# Reads VMDIR/console.log (kernel console) and VMDIR/output.log (TAP blocks
# from /selftests/run.sh and the init's protocol lines).  Counts TAP result
# lines (`ok N`, `not ok N`; `# SKIP` and `# XFAIL` count as skipped, never
# passed) across all `# LFS-RUN` blocks; a block ending with a non-zero rc
# and no failing line counts as one failure, as does a block that never
# ends or reports fewer results than its plan.  Each of these is one more
# failure: a kernel report in the console or the dmesg dump, no
# LFS-RMMOD-OK, no `# LFS-SELFTESTS-DONE`, a taint other than O/E, a VM
# that timed out or never reached the end of its init.
#
# Prints a per-test summary and the failing lines, writes
# "passed failed skipped" to VMDIR/counts and exits 1 on any failure.
# --kernel-only (demo mode) checks only the kernel side: reports, rmmod, taint.
set -uo pipefail

kernel_only=0
if [ "${1:-}" = --kernel-only ]; then
	kernel_only=1
	shift
fi
vm=${1:?usage: vm-scan.sh [--kernel-only] VMDIR}
console=$vm/console.log
output=$vm/output.log
rm -f "$vm/reports.txt"
[ -f "$console" ] || : > "$console"
[ -f "$output" ] || : > "$output"

# Kernel reports we refuse to see, as an extended regular expression.
# The debug kernel's (make check-debug) are in it too: "BUG: KASAN:",
# "BUG: sleeping function called from invalid context", lockdep's
# "WARNING: possible circular/recursive locking", "WARNING: inconsistent
# lock state", and DEBUG_LOCKS_WARN_ON, which turns lockdep off.
reports='BUG:|BUG [^ ]+ \(|WARNING:|Oops|general protection|KFENCE|kernel BUG|list_add corruption|list_del corruption|unreferenced object|Call Trace|Kernel panic|UBSAN:|INFO: task .* blocked for more than|rcu: INFO:|detected stall|DEBUG_LOCKS_WARN_ON'

failed=0
fails=()
fail() { fails+=("$*"); failed=$((failed + 1)); }

# A memory cgroup's OOM kill is what layerctl's --memory test provokes on
# purpose (userspace/tests/cli-limits.sh): its report (from "invoked
# oom-killer" to "Memory cgroup out of memory: Killed process", with a
# call trace) is left out, and only when it says CONSTRAINT_MEMCG; a
# machine-wide OOM still fails the run.
no_memcg_oom() {
	tr -d '\r' | awk '
	/ invoked oom-killer: / { inb = 1; buf = ""; memcg = 0 }
	inb { buf = buf $0 "\n"; if (/CONSTRAINT_MEMCG/) memcg = 1
	      if (/out of memory: Killed process/) { if (!memcg) printf "%s", buf; inb = 0 }
	      next }
	{ print }
	END { if (inb) printf "%s", buf }'
}
cons() { no_memcg_oom < "$console"; }
dmesg_dump() { no_memcg_oom < "$output" | sed -n '/^# LFS-DMESG-BEGIN/,/^# LFS-DMESG-END/p'; }

# 1. Kernel reports: the console log and the dmesg dump.
creports=$(cons | grep -E -n "$reports" | grep -v 'Call Trace:' | head -n 10)
dreports=$(dmesg_dump | grep -E "$reports" | grep -v 'Call Trace:' | head -n 10)
[ -n "$creports$dreports" ] || {
	# A bare call trace (e.g. a lockdep or sleeping-in-atomic splat).
	creports=$(cons | grep -E -n "$reports" | head -n 10)
	dreports=$(dmesg_dump | grep -E "$reports" | head -n 10)
}
if [ -n "$creports$dreports" ]; then
	# Each report with the lines that follow it (RIP, call trace).
	dmesg_dump |
		awk -v re="$reports" '
		$0 ~ re && left <= 0 { print "----"; left = 40 }
		left > 0 { print; left-- }' > "$vm/reports.txt"
	fail "kernel reports (the first 10; all in $console and the dmesg dump in $output; excerpts in $vm/reports.txt):"
	# The dmesg dump has everything the console has; the console is
	# what is left when the VM died before the dump.
	if [ -n "$dreports" ]; then
		while IFS= read -r l; do fails+=("    dmesg: $l"); done <<<"$dreports"
	else
		while IFS= read -r l; do fails+=("    console:$l"); done <<<"$creports"
	fi
fi

# kmemleak (debug kernels): any leak at all fails the run, in layerfs or
# not; the report names the allocating backtrace.
leaks=$(tr -d '\r' < "$output" |
	sed -n '/^# LFS-KMEMLEAK-BEGIN/,/^# LFS-KMEMLEAK-END/p' | grep -v '^# LFS-')
if [ -n "$leaks" ]; then
	n=$(grep -c 'unreferenced object' <<<"$leaks")
	fail "kmemleak: $n unreferenced objects (in $output, # LFS-KMEMLEAK-BEGIN; the first:)"
	while IFS= read -r l; do fails+=("    $l"); done < <(head -n 20 <<<"$leaks")
	{ echo "---- kmemleak"; echo "$leaks"; } >> "$vm/reports.txt"
fi
if tr -d '\r' < "$output" | grep -q '^# LFS-INIT: kmemleak'; then
	fail "kmemleak did not scan (see # LFS-INIT lines)"
fi

# A wrapped ring buffer could have lost a report before the dump.
first=$(awk '{ sub(/\r$/, "") } f { print; exit } /^# LFS-DMESG-BEGIN/ { f = 1 }' "$output")
if [ -n "$first" ] && [[ "$first" != *"Linux version"* ]]; then
	fail "the dmesg dump does not start at boot: the kernel log wrapped, reports may be lost"
fi

# 2. The init's protocol lines.
grep -q '^# LFS-INIT-END' < <(tr -d '\r' < "$output") ||
	fail "the VM did not reach the end of its init (crash, hang or timeout)"
[ -e "$vm/timeout" ] && fail "the VM timed out"
if ! grep -q '^LFS-RMMOD-OK' < <(tr -d '\r' < "$output"); then
	fail "rmmod layerfs did not succeed (LFS-RMMOD-OK missing)"
fi
tainted=$(tr -d '\r' < "$output" | sed -n 's/^# LFS-TAINTED \([0-9]*\).*/\1/p' | tail -n1)
if [ -z "$tainted" ]; then
	fail "no taint value reported"
elif (( tainted & ~(4096 | 8192) )); then
	fail "kernel tainted: $tainted (only O=4096 and E=8192 are expected)"
fi
tr -d '\r' < "$output" | grep '^# LFS-INIT:' | sed 's/^/  /'

demo=$(tr -d '\r' < "$output" | sed -n 's/^# LFS-DEMO-EXIT \([0-9]*\).*/\1/p' | tail -n1)
if [ -n "$demo" ] && [ "$demo" != 0 ]; then
	fail "the demo script exited with status $demo"
fi

passed=0
skipped=0
if [ $kernel_only = 0 ]; then
	grep -q '^# LFS-SELFTESTS-DONE' < <(tr -d '\r' < "$output") ||
		fail "/selftests/run.sh did not finish (# LFS-SELFTESTS-DONE missing)"

	# 3. TAP.  awk prints: summary rows, then "FAIL ..." lines, then a
	#    final "COUNTS p f s".
	tapout=$(tr -d '\r' < "$output" | awk '
	function key() { return test " [" fstype "]" }
	function endblock(why) {
		if (!inblock)
			return
		if (why != "") {
			nfail++; tf[key()]++
			failing[++nfl] = "[" fstype " " base " " test "] " why
		} else if (blockrc != 0 && blockfails == 0) {
			nfail++; tf[key()]++
			failing[++nfl] = "[" fstype " " base " " test "] exited with rc=" blockrc " and no failing TAP line (" results " of " plan " planned results)"
		} else if (blockfails == 0 && plan > 0 && results < plan) {
			nfail++; tf[key()]++
			failing[++nfl] = "[" fstype " " base " " test "] only " results " of " plan " planned results"
		}
		inblock = 0
	}
	BEGIN { test = "(outside any block)"; fstype = "-"; base = "-" }
	/^# LFS-DMESG-BEGIN/ { indmesg = 1; next }
	/^# LFS-DMESG-END/ { indmesg = 0; next }
	indmesg { next }
	/^# LFS-RUN-END/ {
		blockrc = $0; sub(/.*rc=/, "", blockrc); blockrc += 0
		endblock("")
		next
	}
	/^# LFS-RUN / {
		endblock("block ended without # LFS-RUN-END (crash or hang?)")
		inblock = 1; blockfails = 0; results = 0; plan = 0; blockrc = 0
		fstype = "?"; base = "?"; test = "?"
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "fstype") fstype = kv[2]
			else if (kv[1] == "base") base = kv[2]
			else if (kv[1] == "test") test = kv[2]
		}
		if (!(key() in seen)) { seen[key()] = 1; order[++nkeys] = key() }
		ndiag = 0
		next
	}
	/^# LFS-SELFTESTS-DONE/ { endblock("block ended without # LFS-RUN-END (crash or hang?)"); next }
	/^1\.\.[0-9]+/ { if (inblock && plan == 0) { p = $0; sub(/^1\.\./, "", p); plan = p + 0 }; next }
	/^Bail out!/ {
		nfail++; blockfails++; tf[key()]++
		failing[++nfl] = "[" fstype " " base " " test "] " $0
		next
	}
	/^(not )?ok [0-9]+/ {
		results++
		if (!(key() in seen)) { seen[key()] = 1; order[++nkeys] = key() }
		dir = ""
		i = index($0, " # ")
		if (i > 0) dir = toupper(substr($0, i + 3))
		if ($1 == "not") {
			nfail++; blockfails++; tf[key()]++
			failing[++nfl] = "[" fstype " " base " " test "] " $0
			for (j = 1; j <= ndiag; j++)
				failing[++nfl] = "      " diag[j]
		} else if (dir ~ /^(SKIP|XFAIL)/) {
			nskip++; ts[key()]++
		} else {
			npass++; tp[key()]++
		}
		ndiag = 0
		next
	}
	/^#/ {
		if ($0 ~ /^#  *RUN /) ndiag = 0
		if (ndiag < 12) diag[++ndiag] = $0
		else { for (j = 1; j < 12; j++) diag[j] = diag[j + 1]; diag[12] = $0 }
	}
	END {
		endblock("block ended without # LFS-RUN-END (VM died?)")
		for (k = 1; k <= nkeys; k++)
			printf "ROW %-44s %5d passed %4d failed %4d skipped\n", order[k], tp[order[k]], tf[order[k]], ts[order[k]]
		for (k = 1; k <= nfl; k++)
			print "FAIL " failing[k]
		printf "COUNTS %d %d %d\n", npass, nfail, nskip
	}')
	if grep -q '^ROW ' <<<"$tapout"; then
		echo "VM tests (per test binary and filesystem type, both bases summed):"
		sed -n 's/^ROW /  /p' <<<"$tapout"
	fi
	read -r _ p f s < <(grep '^COUNTS ' <<<"$tapout")
	passed=$p
	skipped=$s
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		echo "VM test failures:"
		sed -n 's/^FAIL /  /p' <<<"$tapout" | head -n 200
	fi
fi

if [ ${#fails[@]} -gt 0 ]; then
	echo "VM run problems:"
	printf '  %s\n' "${fails[@]}"
	if [ -s "$vm/reports.txt" ]; then
		echo "First kernel report:"
		awk 'NR > 1 && /^----$/ { exit } NR > 1 { print "  " $0 }' "$vm/reports.txt"
	fi
fi
echo "$passed $failed $skipped" > "$vm/counts"
if [ $kernel_only = 1 ]; then
	if [ $failed = 0 ]; then
		echo "kernel: clean (no reports in console or dmesg, rmmod layerfs ok, taint $tainted)"
		exit 0
	fi
	echo "demo VM run NOT clean (see above); logs in $vm"
	exit 1
fi
summary="VM: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
if [ $failed -gt 0 ]; then
	echo "VM logs: $console (kernel console), $output (tests, dmesg dump)"
	exit 1
fi
exit 0
