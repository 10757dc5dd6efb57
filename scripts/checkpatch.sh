#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: scripts/checkpatch.sh FILE...
# checkpatch.pl --strict on whole files; fails when it reports any ERROR
# (warnings and checks are shown, not fatal).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cp=${KSRC_CACHE:-$top/.cache/ksrc}/scripts/checkpatch.pl
if [ ! -f "$cp" ]; then
	echo "checkpatch: $cp missing (run make setup)" >&2
	exit 1
fi
[ $# -gt 0 ] || { echo "checkpatch: no files" >&2; exit 1; }
out=$(perl "$cp" --strict --no-tree --no-summary --terse --show-types -f "$@" 2>&1)
[ -n "$out" ] && printf '%s\n' "$out"
errors=$(grep -c ': ERROR:' <<<"$out")
warnings=$(grep -c ': WARNING:' <<<"$out")
checks=$(grep -c ': CHECK:' <<<"$out")
echo "checkpatch: $# files, $errors errors, $warnings warnings, $checks checks"
[ "$errors" = 0 ]
