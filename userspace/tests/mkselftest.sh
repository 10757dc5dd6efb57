#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Generate build/layerctl-selftest: the shell tests (cli-*.sh) and their
# helpers in one self-contained script, so the VM can run them from
# /usr/bin next to layerctl and mount.layerfs.  It prints numbered TAP, a
# plan and "N passed, N failed", and exits non-zero on failure.
# Usage: mkselftest.sh OUTPUT
T=$(cd "$(dirname "$0")" && pwd)
out=$1
{
	cat <<'HEAD'
#!/bin/sh
# layerctl-selftest: generated from userspace/tests/cli-*.sh; do not edit.
# Env: LAYERFS_FSTYPE or LFS_FSTYPE (default: layerfs if loaded, else
#      overlay), LFS_BASE or TMPDIR (scratch directory), LFS_RUNTIMES (the
#      OCI runtimes the container tests run on, default: crun runc).
B=$(cd "$(dirname "$0")" && pwd)
# the selftests' contract: LFS_FSTYPE / LFS_BASE
[ -z "${LAYERFS_FSTYPE:-}" ] && [ -n "${LFS_FSTYPE:-}" ] && export LAYERFS_FSTYPE=$LFS_FSTYPE
SCRATCH=${LFS_BASE:-${TMPDIR:-/tmp}}/layerctl-selftest.$$
mkdir -p "$SCRATCH"
export B SCRATCH
all() {
HEAD
	for f in "$T"/cli-*.sh; do
		rts=-
		grep -q '^# per-runtime' "$f" && rts='${LFS_RUNTIMES:-crun runc}'
		echo "for rt in $rts; do"
		echo "echo \"# $(basename "$f") \${rt#-}\""
		echo "("
		echo '[ "$rt" = - ] || export LAYERFS_RUNTIME=$rt'
		sed -e '/^\. .*lib\.sh"$/{r '"$T"'/lib.sh' -e 'd;}' -e '/^#!/d' "$f"
		echo ")"
		echo "done"
	done
	cat <<'TAIL'
}
all 2>&1 | awk '
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
TAIL
} >"$out.tmp" && chmod 755 "$out.tmp" && mv "$out.tmp" "$out"
