#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of make fstests' host side, without a VM: an absent FSTESTS is
# one line and exit 1, and scripts/fstests-report.py counts fabricated
# xunit reports right and names the tests failing only on layerfs.  TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
bad=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n $1"; }
check() {	# NAME COMMAND...: ok when the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

echo "1..8"
for v in "" "$tmp/nonexistent"; do
	rc=0
	FSTESTS=$v "$top/scripts/fstests.sh" >"$tmp/out" 2>&1 || rc=$?
	check "FSTESTS='${v:+path}' absent: exit 1" test "$rc" = 1
	check "FSTESTS='${v:+path}' absent: one line naming FSTESTS" \
		sh -c "[ \$(wc -l < '$tmp/out') = 1 ] && grep -q 'FSTESTS=' '$tmp/out'"
done

# xunit(TYPE, "name status [message]"...)
xunit() {
	local dir=$1
	shift
	mkdir -p "$dir"
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<testsuite name="xfstests" failures="0" skipped="0" tests="0">'
		for t in "$@"; do
			set -- $t
			echo "<testcase classname=\"xfstests.global\" name=\"$1\" time=\"1\">"
			case "$2" in
			fail) echo "<failure message=\"- output mismatch\" type=\"TestFail\" />" ;;
			notrun) echo "<skipped message=\"${3:-why}\" />" ;;
			esac
			echo "</testcase>"
		done
		echo '</testsuite>'
	} > "$dir/result.xml"
}
r=$tmp/r
xunit "$r/overlay/results/overlay/part-001" "overlay/001 pass" "overlay/002 fail" "overlay/003 pass"
xunit "$r/overlay/results/overlay/part-002" "generic/001 notrun" "generic/002 pass"
echo generic/003 > "$r/overlay/results/overlay/not-reached"
xunit "$r/layerfs/results/layerfs/part-001" "overlay/001 fail" "overlay/002 fail" "overlay/003 notrun nomodule"
xunit "$r/layerfs/results/layerfs/part-002" "generic/001 notrun" "generic/002 pass"
mkdir -p "$r/layerfs/results/layerfs/part-001/overlay"
printf 'QA output created by 001\nsome differing line\n' \
	> "$r/layerfs/results/layerfs/part-001/overlay/001.out.bad"
: > "$r/layerfs/results/layerfs/not-reached"
python3 "$top/scripts/fstests-report.py" "$r" > "$tmp/report" 2>&1
check "report: overlay counts" grep -Eq '^overlay +5 +3 +1 +1 +1$' "$tmp/report"
check "report: layerfs counts" grep -Eq '^layerfs +5 +1 +2 +2 +0$' "$tmp/report"
check "report: failing only on layerfs, with its first differing line" \
	grep -q '^  overlay/001: some differing line$' "$tmp/report"
check "report: not run only on layerfs, with the reason" \
	grep -q '^  overlay/003: nomodule$' "$tmp/report"
[ $bad = 0 ] || { echo "# report was:"; sed 's/^/# /' "$tmp/report"; }
echo "$((n - bad)) passed, $bad failed"
[ $bad = 0 ]
