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
# Run in a scratch directory: checkpatch drops a .checkpatch-camelcase.*
# cache file into its current directory.
files=()
for f in "$@"; do
	case "$f" in /*) files+=("$f") ;; *) files+=("$PWD/$f") ;; esac
done
here=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
out=$(cd "$scratch" && perl "$cp" --strict --no-tree --no-summary --terse --show-types \
	-f "${files[@]}" 2>&1 | sed "s|^$here/||")
[ -n "$out" ] && printf '%s\n' "$out"
errors=$(grep -c ': ERROR:' <<<"$out")
warnings=$(grep -c ': WARNING:' <<<"$out")
checks=$(grep -c ': CHECK:' <<<"$out")
echo "checkpatch: $# files, $errors errors, $warnings warnings, $checks checks"
[ "$errors" = 0 ]
