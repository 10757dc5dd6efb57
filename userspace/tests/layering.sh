#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The userspace library is layered: each part may include only its own
# header and those of the parts below it, so no part calls one above it
# and there is no cycle.  Bottom up (one header per part):
order="util digest layer store oci diff record mount secure runtime cmd"
# which part each source file belongs to (by default its own name)
part() {
	case $1 in
	store_add) echo store ;;
	bundle|seccomp|lifecycle) echo runtime ;;
	cmd_*|help|layerctl) echo cmd ;;
	mount_main) echo mount ;;
	*) echo "$1" ;;
	esac
}
level() { n=0; for p in $order; do [ "$p" = "$1" ] && { echo $n; return; }; n=$((n + 1)); done; echo 99; }
S=$(cd "$(dirname "$0")/../src" && pwd)
bad=
for f in "$S"/*.c "$S"/*.h; do
	b=$(basename "$f"); b=${b%.*}
	me=$(level "$(part "$b")")
	[ "$me" = 99 ] && { bad="$bad $b(no part)"; continue; }
	for h in $(sed -n 's/^#include "\([a-z_]*\)\.h"$/\1/p' "$f"); do
		[ "$(level "$h")" -le "$me" ] || bad="$bad $b->$h"
	done
done
if [ -z "$bad" ]; then echo "ok - userspace layering: no part includes a part above it ($order)"
else echo "not ok - userspace layering: includes upwards:$bad"; fi
