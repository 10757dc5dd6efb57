#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the host-side userspace tests and print one TAP stream:
# every "ok"/"not ok" line numbered, a plan at the end, and a final
# line "N passed, N failed".  Exit status non-zero on any failure.
# Scripts marked "# per-runtime" run once for each runtime in
# $LFS_RUNTIMES (default: crun runc), with LAYERFS_RUNTIME set.
# Usage: run-tests.sh BUILDDIR
B=$(cd "${1:-build}" && pwd)
T=$(cd "$(dirname "$0")" && pwd)
SCRATCH=${TMPDIR:-/tmp}/layerfs-userspace-tests.$$
mkdir -p "$SCRATCH"
export B T SCRATCH

run_all() {
	echo "# unit tests"
	"$B/unit_tests" "$SCRATCH/unit" || echo "not ok - unit_tests exited with status $?"
	sh "$T/layering.sh"
	for t in "$T"/cli-*.sh; do
		[ -f "$t" ] || continue
		# the container tests run once on each OCI runtime
		rts=-
		grep -q '^# per-runtime' "$t" && rts=${LFS_RUNTIMES:-crun runc}
		for rt in $rts; do
			echo "# $(basename "$t") ${rt#-}"
			[ "$rt" = - ] || export LAYERFS_RUNTIME=$rt
			sh "$t" || echo "not ok - $(basename "$t") ${rt#-} exited with status $?"
		done
	done
}

run_all 2>&1 | awk '
	/^ok / || /^not ok / {
		n++
		sub(/^ok( [0-9]+)?/, "ok " n) || sub(/^not ok( [0-9]+)?/, "not ok " n)
		if ($0 ~ /^not ok/) f++
		else if ($0 ~ /# (SKIP|skip)/) s++
		else p++
		print; fflush(); next
	}
	{ print; fflush() }
	END {
		printf "1..%d\n", n
		if (s) printf "# %d skipped\n", s
		printf "%d passed, %d failed\n", p, f
		exit f ? 1 : 0
	}'
rc=$?
rm -rf "$SCRATCH"
exit $rc
