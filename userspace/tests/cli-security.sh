#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What a container keeps of root's privileges: the capability sets
# (docker's default set, --cap-add/--cap-drop), no_new_privs
# (--no-new-privs, --security-opt no-new-privileges) and no descriptor of
# the host beyond 0, 1 and 2; for run and for exec.  Read from
# /proc/self/status and /proc/self/fd inside the container.  Needs root, a
# union filesystem and a static busybox, like cli-run.sh.
# per-runtime: run once on each OCI runtime (run-tests.sh, mkselftest.sh)
. "$(dirname "$0")/lib.sh"
W=$SCRATCH/sec; rm -rf "$W"; mkdir -p "$W"
export LAYERFS_ROOT=$W/root

need_containers "container security tests" || exit 0
exec </dev/null

R=$W/rootfs
mkdir -p $R/bin $R/etc $R/mnt
cp "$BB" $R/bin/busybox
for a in $($R/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $R/bin/$a; done
echo "root:x:0:0:root:/root:/bin/sh" >$R/etc/passwd
echo motd >$R/etc/motd
t "import a busybox image" $L import $R sbb

# "Cap*" and NoNewPrivs lines of the container's /proc/self/status, one line
caps() { $L run --rm "$@" sbb sh -c 'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):" /proc/self/status' | tr -s '\t\n' ' '; }
DEF=00000000a80425fb	# docker's default set
status() { echo "CapInh: 0000000000000000 CapPrm: $1 CapEff: $1 CapBnd: $1 CapAmb: 0000000000000000 NoNewPrivs: $2 "; }

same "default: docker's capability set, bounding too; no_new_privs off" "$(status $DEF 0)" "$(caps)"
same "--no-new-privs sets no_new_privs" "$(status $DEF 1)" "$(caps --no-new-privs)"
same "--security-opt no-new-privileges" "$(status $DEF 1)" "$(caps --security-opt no-new-privileges)"
same "--security-opt no-new-privileges:false" "$(status $DEF 0)" "$(caps --security-opt no-new-privileges:false)"
same "--cap-drop CHOWN" "$(status 00000000a80425fa 0)" "$(caps --cap-drop CHOWN)"
same "--cap-drop ALL" "$(status 0000000000000000 0)" "$(caps --cap-drop ALL)"
same "--cap-drop ALL --cap-add NET_BIND_SERVICE (order does not matter)" "$(status 0000000000000400 0)" \
	"$(caps --cap-add cap_net_bind_service --cap-drop all)"
same "--cap-add SYS_ADMIN" "$(status 00000000a82425fb 0)" "$(caps --cap-add SYS_ADMIN)"

# the sets are enforced
t "chown works with the default set" $L run --rm sbb chown 1:1 /etc/motd
$L run --rm --cap-drop CHOWN sbb chown 1:1 /etc/motd 2>/dev/null
[ $? -ne 0 ] && ok "chown refused without CAP_CHOWN" || nok "chown refused without CAP_CHOWN"
$L run --rm sbb mount -t tmpfs none /mnt 2>/dev/null
[ $? -ne 0 ] && ok "no mount in the container by default (no CAP_SYS_ADMIN)" || nok "no mount in the container by default (no CAP_SYS_ADMIN)"
t "mount with --cap-add SYS_ADMIN" $L run --rm --cap-add SYS_ADMIN sbb mount -t tmpfs none /mnt

fails "unknown capability" $L run --rm --cap-add NO_SUCH_CAP sbb true
fails "unsupported --security-opt" $L run --rm --security-opt apparmor=unconfined sbb true

# the default seccomp profile: in force, and it refuses what docker's does
same "a seccomp filter by default" 2 "$($L run --rm sbb sh -c 'grep ^Seccomp: /proc/self/status' | tr -dc 0-9)"
same "--security-opt seccomp=unconfined: none" 0 \
	"$($L run --rm --security-opt seccomp=unconfined sbb sh -c 'grep ^Seccomp: /proc/self/status' | tr -dc 0-9)"
$L run --rm sbb unshare -U true 2>/dev/null
[ $? -ne 0 ] && ok "seccomp refuses unshare (a user namespace needs no capability)" ||
	nok "seccomp refuses unshare (a user namespace needs no capability)"
t "seccomp=unconfined: unshare -U works" $L run --rm --security-opt seccomp=unconfined sbb unshare -U true
t "--cap-add SYS_ADMIN allows unshare again, as with docker" $L run --rm --cap-add SYS_ADMIN sbb unshare -U true
same "nothing left behind by refused runs" "" "$($L ps -q)"
t "nothing half-made in the store" clean_store

# no host descriptor reaches the container: 7 and 9 are open here
fds() { tr '\n' ' '; }
same "run: only 0, 1, 2 (and ls's own 3) open in the container" "0 1 2 3 " \
	"$($L run --rm sbb ls /proc/self/fd 7</dev/null 9>>$W/fd9 | fds)"

# exec: the container's settings, its own descriptors only
t "run -d with --no-new-privs --cap-drop NET_RAW" $L run -d --name sec1 --no-new-privs --cap-drop NET_RAW sbb sleep 1000
wait_running sec1
same "exec: the container's capability set and no_new_privs" "$(status 00000000a80405fb 1)" \
	"$($L exec sec1 sh -c 'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):" /proc/self/status' | tr -s '\t\n' ' ')"
same "exec: only 0, 1, 2 (and ls's own 3) open" "0 1 2 3 " \
	"$($L exec sec1 ls /proc/self/fd 7</dev/null 9>>$W/fd9 | fds)"
same "PID 1 of the container has the set as well" "00000000a80405fb" \
	"$($L exec sec1 sh -c 'grep CapBnd /proc/1/status' | tr -d '\t' | cut -d: -f2)"
t "rm it" $L rm -f sec1
t "rmi" $L rmi sbb
rm -rf "$W"
exit 0
