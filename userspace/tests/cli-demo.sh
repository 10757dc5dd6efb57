#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo's judging: a failing scene fails the demo (scripts/vm/demo.sh
# --scenes), and the containers scene (demo/50-containers.sh) stops with a
# clear line where layerfs cannot take a writable layer, instead of running
# on something else.  On the host, or in the VM from /usr/share/layerfs.
. "$(dirname "$0")/lib.sh"
W=$SCRATCH/demo; rm -rf "$W"; mkdir -p "$W/good" "$W/bad"

DEMO= SCENE=
for d in "${T:-/nonexistent}/../../scripts/vm" /usr/share/layerfs; do
	[ -f "$d/demo.sh" ] && DEMO=$d/demo.sh && break
done
for d in "${T:-/nonexistent}/../demo" /usr/share/layerfs/demo.d; do
	[ -f "$d/50-containers.sh" ] && SCENE=$d/50-containers.sh && break
done
if [ -z "$DEMO" ] || [ -z "$SCENE" ]; then skip "demo scripts not found"; exit 0; fi

echo 'echo first ran' >$W/good/10-a.sh
echo 'echo second ran' >$W/good/20-b.sh
cp $W/good/10-a.sh $W/bad/10-a.sh
echo 'echo second ran; exit 3' >$W/bad/20-b.sh
echo 'echo third ran' >$W/bad/30-c.sh
t "scenes that all pass: the demo passes" sh $DEMO --scenes $W/good
sh $DEMO --scenes $W/bad >$W/demo.out 2>&1; rc=$?
[ $rc -ne 0 ] && ok "a failing scene fails the demo (exit status $rc)" || nok "a failing scene fails the demo"
same "every scene still runs" 3 "$(grep -c ' ran$' $W/demo.out)"
t "the failing scene is named" grep -q 'failed: 20-b.sh (exit status 3)' $W/demo.out

if grep -qw layerfs /proc/filesystems; then
	skip "the containers scene without layerfs: layerfs is loaded here (make demo runs the scene)"
else
	PATH=$B:$PATH sh $SCENE >$W/demo.out 2>&1; rc=$?
	if [ $rc -ne 0 ] && grep -q 'layerfs cannot mount a writable layer here' $W/demo.out; then
		ok "without layerfs the containers scene fails, saying so (exit status $rc)"
	else
		nok "without layerfs the containers scene fails, saying so (exit status $rc)"; sed 's/^/#   /' $W/demo.out | head -5
	fi
fi
rm -rf "$W"
exit 0
