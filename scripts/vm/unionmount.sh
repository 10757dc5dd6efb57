#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM runner of `make unionmount` (scripts/unionmount.sh puts it in the
# initramfs as /unionmount/run.sh, with python3 and a copy of
# unionmount-testsuite in /unionmount/suite, and the run's parameters in
# /unionmount/config: FSTYPES, MODES (separated by ";") and TESTS).
#
# The suite stops at its first failing test, so every test runs on its
# own: one "# UM-RESULT <fstype> | <mode> | <test> | ok (N s)|FAIL" line each,
# then the last lines of a failing test's output, and one
# "# UM-MODE <fstype> | <mode> | <passed> <failed>" line per mode.
# "# UM-END" closes the run.
. /unionmount/config
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
mkdir -p /base /lower /upper
cd /unionmount/suite || exit 1
echo "# UM-START fstypes=$FSTYPES tests=$(echo "$TESTS" | wc -w)"
for fs in $FSTYPES; do
	export UNIONMOUNT_FSTYPE=$fs
	echo "$MODES" | tr ';' '\n' | while read -r mode; do
		[ -n "$mode" ] || continue
		# layerfs gives every object the union's st_dev and puts the
		# layer in st_ino's top bits, as overlayfs does with xino=on:
		# the suite's st_dev checks for layers on several filesystems
		# know that as --xino.
		if [ "$fs" = layerfs ]; then
			case " $mode " in
			*" --samefs "*|*" --xino "*) ;;
			*) mode="$mode --xino" ;;
			esac
		fi
		pass=0
		fail=0
		for t in $TESTS; do
			t0=$(date +%s)
			# shellcheck disable=SC2086
			if timeout "${LIMIT:-600}" python3 ./run $mode "$t" \
				>/tmp/um.log 2>&1; then
				echo "# UM-RESULT $fs | $mode | $t | ok ($(($(date +%s) - t0)) s)"
				pass=$((pass + 1))
			else
				echo "# UM-RESULT $fs | $mode | $t | FAIL"
				tail -n 12 /tmp/um.log | sed 's/^/#   /'
				fail=$((fail + 1))
			fi
		done
		python3 ./run -c >/dev/null 2>&1
		echo "# UM-MODE $fs | $mode | $pass $fail"
	done
done
echo "# UM-END"
