#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build, checkpatch, sparse, host-side tests, the VM suite, a
# few power-cut cycles (scripts/crash-test.sh).  The last
# line printed is `N passed, N failed` (`, N skipped` when any); the exit
# status is non-zero on any failure.
#
# Host-side tests: scripts/tests/scan-test.sh (the VM log scanner),
# scripts/tests/fstests-test.sh (make fstests' argument check and report,
# no VM), and
# hooks run when the sub-Makefile has the target:
#   make -C userspace test       (the runner's unit tests)
#   make -C selftests/fuzz check (parser unit tests and a short fuzz run)
# `make -C selftests host-test` (the selftests against the host's own
# overlayfs) is a development aid, not part of the check: the host kernel
# is whatever the machine runs (CI's differs from ours, and its overlayfs
# answered seekdir differently), while the VM suite runs the same tests
# against the overlayfs of the kernel we target.
# Their output is counted from a final `N passed, N failed[, N skipped]`
# line when there is one, otherwise from TAP `ok`/`not ok` lines; a non-zero
# exit with nothing failing counts as one failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make=${MAKE:-make}
logs=$top/.cache/check
mkdir -p "$logs"

passed=0 failed=0 skipped=0
failures=()
final() {
	echo
	if [ ${#failures[@]} -gt 0 ]; then
		echo "check: failing parts:"
		printf '  %s\n' "${failures[@]}"
	fi
	line="$passed passed, $failed failed"
	[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
	echo "$line"
	[ "$failed" = 0 ]
	exit
}
# Killed from outside (CI timeout, ^C): still say where we were.
trap 'failures+=("interrupted by a signal"); failed=$((failed + 1)); final' HUP INT TERM

# 1. Build everything; nothing else makes sense without it.
echo "== build"
if ! "$make" -k --no-print-directory -C "$top" build; then
	failed=$((failed + 1))
	failures+=("build (see above)")
	final
fi

# 2. checkpatch --strict on the module: errors fail.
echo "== checkpatch"
if "$make" --no-print-directory -C "$top" checkpatch >"$logs/checkpatch.log" 2>&1; then
	passed=$((passed + 1))
	tail -n1 "$logs/checkpatch.log"
else
	cat "$logs/checkpatch.log"
	failed=$((failed + 1))
	failures+=("checkpatch reports errors ($logs/checkpatch.log)")
fi

# 2b. sparse over every module source (C=2): any warning fails.
echo "== sparse"
if "$make" --no-print-directory -C "$top" sparse >"$logs/sparse.log" 2>&1 &&
	! grep -q "warning:\|error:" "$logs/sparse.log"; then
	passed=$((passed + 1))
	echo "sparse: clean"
else
	grep "warning:\|error:" "$logs/sparse.log" || tail -n 20 "$logs/sparse.log"
	failed=$((failed + 1))
	failures+=("sparse reports problems ($logs/sparse.log)")
fi

# 3. Host-side tests.
has_target() {	# DIR TARGET
	local out
	[ -f "$1/Makefile" ] || return 1
	out=$("$make" -n -C "$1" "$2" 2>&1)
	! grep -q "No rule to make target '$2'" <<<"$out"
}
count_output() {	# LOG RC -> "p f s"
	awk -v rc="$2" '
	{ sub(/\r$/, "") }
	/^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
		sp = $1; sf = $3; ss = ($5 == "" ? 0 : $5); summary = 1; next
	}
	/^(not )?ok [0-9]+/ {
		d = ""; i = index($0, " # "); if (i > 0) d = toupper(substr($0, i + 3))
		if ($1 == "not") tf++
		else if (d ~ /^(SKIP|XFAIL)/) ts++
		else tp++
	}
	END {
		if (summary) { p = sp; f = sf; s = ss } else { p = tp; f = tf; s = ts }
		if (rc != 0 && f == 0) f = 1
		printf "%d %d %d\n", p, f, s
	}' "$1"
}
run_counted() {	# LABEL LOG COMMAND...
	local label=$1 log=$2 rc p f s
	shift 2
	echo "== host tests: $label"
	# The full output goes to the log; show failures and the summary.
	"$@" > "$log" 2>&1
	rc=$?
	grep -E '^(not ok |Bail out!)|^[0-9]+ passed, [0-9]+ failed' "$log" | sed 's/^/  /'
	[ "$rc" = 0 ] || { echo "  (exit status $rc; last lines of $log:)"; tail -n 15 "$log" | sed 's/^/  | /'; }
	read -r p f s < <(count_output "$log" "$rc")
	echo "host tests ($label): $p passed, $f failed, $s skipped"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" = 0 ] || failures+=("host tests: $label ($log)")
}
run_counted "VM log scanner self-test" "$logs/scan-test.log" "$top/scripts/tests/scan-test.sh"
run_counted "make fstests host side self-test" "$logs/fstests-test.log" "$top/scripts/tests/fstests-test.sh"
for hook in "userspace test" "selftests/fuzz check"; do
	set -- $hook
	dir=$1 target=$2
	if ! has_target "$dir" "$target"; then
		echo "== host tests: no '$target' target in $dir/ yet, skipping"
		continue
	fi
	run_counted "make -C $dir $target" "$logs/${dir//\//-}-$target.log" \
		"$make" --no-print-directory -C "$dir" "$target"
done

# 4. The VM suite.
echo "== VM suite"
if [ ! -f module/layerfs.ko ]; then
	failed=$((failed + 1))
	failures+=("module/layerfs.ko not built")
	final
fi
"$top/scripts/run-vm.sh" check
rc=$?
if [ -f "$top/.cache/vm/counts" ]; then
	read -r p f s < "$top/.cache/vm/counts"
else
	p=0 f=1 s=0
fi
[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
[ "$f" = 0 ] || failures+=("VM suite (logs in $top/.cache/vm/)")

# 5. Power cut: a few kill/verify cycles (`make crash` runs many more).
echo "== power-cut test (scripts/crash-test.sh)"
"$top/scripts/crash-test.sh" >"$logs/crash.log" 2>&1
rc=$?
grep -E '^not ok |^# cycle [0-9]+: [a-z]+ seed|^# seed|^[0-9]+ passed, [0-9]+ failed' \
	"$logs/crash.log" | sed 's/^/  /'
read -r p f s < <(count_output "$logs/crash.log" "$rc")
passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
[ "$f" = 0 ] || failures+=("power-cut test ($logs/crash.log, cycles in $top/.cache/crash/)")
final
