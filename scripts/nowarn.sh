#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: scripts/nowarn.sh COMMAND...
# Run a build command and fail if it fails or prints any compiler, sparse or
# modpost warning: warnings are errors in every layerfs build, including
# sub-builds whose Makefiles we do not own.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || exit "$rc"
if grep -Eiq '(^|[^a-z_])warning:' "$log"; then
	echo "nowarn: the build above printed warnings, which are errors here:" >&2
	grep -Ei '(^|[^a-z_])warning:' "$log" | head -n 20 >&2
	exit 1
fi
exit 0
