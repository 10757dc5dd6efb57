#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What docker and podman users reach for beyond the basics: cgroup limits
# (--memory: a process past it is killed; --pids-limit: forks are refused;
# --cpus), --user, --read-only and --tmpfs.  Needs root, a union filesystem,
# a static busybox and, for the limits, cgroups the runtime can use.
# per-runtime: run once on each OCI runtime (run-tests.sh, mkselftest.sh)
. "$(dirname "$0")/lib.sh"
W=$SCRATCH/lim; rm -rf "$W"; mkdir -p "$W"
export LAYERFS_ROOT=$W/root

need_containers "container limit tests" || exit 0
exec </dev/null

R=$W/rootfs
mkdir -p $R/bin $R/etc $R/home/app
cp "$BB" $R/bin/busybox
for a in $($R/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $R/bin/$a; done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:1235:app:/home/app:/bin/sh\n' >$R/etc/passwd
printf 'root:x:0:\napp:x:1235:\nstaff:x:50:\n' >$R/etc/group
t "import a busybox image" $L import $R lbb

# cgroup files of the container's own group, v2 (or v1 for runc on a hybrid host)
cg() { v2=$1 v1=$2; shift 2; $L run --rm "$@" lbb sh -c "cat /sys/fs/cgroup/$v2 2>/dev/null || cat /sys/fs/cgroup/$v1"; }
# limits need cgroups the runtime manages: v2, or runc on a hybrid host
if [ "$CGROUPS" = v2 ] || [ "${LAYERFS_RUNTIME##*/}" = runc ]; then CGOK=1; else CGOK=; fi
if [ -n "$CGOK" ] && { [ "$CGROUPS" != v2 ] || need_limits "limits"; }; then
	same "--memory 32m is the group's memory limit" 33554432 "$(cg memory.max memory/memory.limit_in_bytes --memory 32m)"
	$L run --rm --memory 32m lbb awk 'BEGIN { s = "x"; while (1) s = s s }' 2>/dev/null
	same "a process past --memory is killed (SIGKILL: 137)" 137 $?
	same "under --memory it works" 1048576 \
		"$($L run --rm --memory 64m lbb awk 'BEGIN { s = "x"; for (i = 0; i < 20; i++) s = s s; print length(s) }')"
	same "--pids-limit 5 is the group's pids limit" 5 "$(cg pids.max pids/pids.max --pids-limit 5)"
	out=$($L run --rm --pids-limit 5 lbb sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 20 & done; echo all-started' 2>&1)
	case $out in *"can't fork"*) ok "--pids-limit 5: the sixth fork is refused" ;;
	*) nok "--pids-limit 5: the sixth fork is refused (got: $out)" ;; esac
	same "without --pids-limit all ten start" all-started \
		"$($L run --rm lbb sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done; echo all-started')"
	c=$(cg cpu.max cpu/cpu.cfs_quota_us --cpus 0.5)
	case $c in "50000 100000"|50000) ok "--cpus 0.5: a quota of half a CPU" ;;
	*) nok "--cpus 0.5: a quota of half a CPU ($c)" ;; esac
else
	for c in memory-limit memory-kill memory-under pids-limit pids-fork pids-none cpus; do
		skip "$c: this host's cgroups ($CGROUPS) are not managed by ${LAYERFS_RUNTIME##*/}"
	done
fi
fails "--memory of nothing" $L run --rm --memory 1x lbb true
fails "--pids-limit 0" $L run --rm --pids-limit 0 lbb true
fails "--cpus -1" $L run --rm --cpus -1 lbb true

# --user
same "--user 1000:1000" "1000 1000" "$($L run --rm --user 1000:1000 lbb sh -c 'echo $(id -u) $(id -g)')"
same "--user NAME: uid and group from the image's /etc/passwd" "1234 1235" "$($L run --rm --user app lbb sh -c 'echo $(id -u) $(id -g)')"
same "--user NAME:GROUP from /etc/group" "1234 50" "$($L run --rm --user app:staff lbb sh -c 'echo $(id -u) $(id -g)')"
same "a file the user makes is the user's" 1234 "$($L run --rm --user app lbb sh -c 'touch /tmp/f && stat -c %u /tmp/f')"
$L run --rm --user app lbb touch /etc/x 2>/dev/null
[ $? -ne 0 ] && ok "--user app cannot write root's /etc" || nok "--user app cannot write root's /etc"
fails "--user of a name the image lacks" $L run --rm --user nosuch lbb true
same "a refused --user leaves no container" "" "$($L ps -q)"

# --read-only and --tmpfs
$L run --rm --read-only lbb touch /etc/x 2>/dev/null
[ $? -ne 0 ] && ok "--read-only: the root refuses writes" || nok "--read-only: the root refuses writes"
t "--read-only: /tmp is still writable" $L run --rm --read-only lbb touch /tmp/x
t "--tmpfs /scratch: a tmpfs there" $L run --name tf --tmpfs /scratch:size=1m lbb sh -c 'grep -q " /scratch tmpfs .*size=1024k" /proc/mounts && echo x >/scratch/f'
same "--tmpfs: neither the mount point nor its files are changes" "" "$($L diff tf)"
t "rm it" $L rm tf
fails "--tmpfs of a relative path" $L run --rm --tmpfs scratch lbb true
t "rmi" $L rmi lbb
t "nothing half-made in the store" clean_store
rm -rf "$W"
exit 0
