#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Demo scene (run in the VM by scripts/vm/demo.sh): containers with layerctl.
# Import an image, run containers with their own writable layer, look at
# their changes with diff, keep them with commit, throw them away with rm.

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '\033[2m# %s\033[0m\n' "$*"; }
# show the command as one would type it: arguments with spaces in quotes
show() {
	printf '$'
	for a in "$@"; do
		case $a in *[\ \"\$\;\>\<\|]*) printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac
	done
	printf '\n'
}
failed=0
# run: must succeed; oops: shows a command that is meant to fail
run() { show "$@"; "$@" || { rc=$?; failed=1; printf '\033[31m(unexpected exit status %s)\033[0m\n' $rc; }; }
oops() { show "$@"; if "$@"; then failed=1; printf '\033[31m(unexpectedly succeeded)\033[0m\n'; fi; }

export LAYERFS_ROOT=/tmp/layerctl
R=/tmp/demo-rootfs
BB=$(for d in /bin /usr/bin /sbin; do [ -x $d/busybox ] && echo $d/busybox && break; done)

# The containers' writable layers are layerfs's: if it cannot take one,
# stop here and say why (no quiet fallback to overlay).
P=$(mktemp -d)
mkdir -p $P/l $P/u $P/w $P/m
if ! err=$(mount -t layerfs none $P/m -o lowerdir=$P/l,upperdir=$P/u,workdir=$P/w 2>&1); then
	printf '\033[31mlayerfs cannot mount a writable layer here, so no containers: %s\033[0m\n' "$err"
	dmesg 2>/dev/null | tail -n 3
	rm -rf $P
	exit 1
fi
umount $P/m
rm -rf $P
export LAYERFS_FSTYPE=layerfs

bold "an image: a busybox root filesystem, imported into the layerctl store"
mkdir -p $R/bin $R/etc $R/root $R/srv
cp $BB $R/bin/busybox
for a in $($R/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $R/bin/$a; done
echo "root:x:0:0:root:/root:/bin/sh" > $R/etc/passwd
echo "Welcome to the demo image" > $R/etc/motd
run layerctl import -m "busybox root" $R busybox
run layerctl images
run layerctl history busybox

bold "run a container: the command is PID 1 on a union of the image and its own writable layer"
say "layerctl mounts the union and hands it to the OCI runtime (crun; --runtime runc for runc)"
run layerctl run --rm --hostname demo-box busybox sh -c 'echo "pid $$ on $(hostname)"; grep " / " /proc/mounts | cut -c1-60; cat /etc/motd'

bold "limits: a container with 32 MiB of memory; a process that wants more is killed"
run layerctl run --rm --memory 32m busybox sh -c 'echo "memory.max: $(cat /sys/fs/cgroup/memory.max)"'
say "awk doubles a string until it no longer fits: the kernel kills it, exit status 137 (SIGKILL)"
show layerctl run --rm --memory 32m busybox awk 'BEGIN { s = "x"; while (1) s = s s }'
layerctl run --rm --memory 32m busybox awk 'BEGIN { s = "x"; while (1) s = s s }'
rc=$?; echo "exit status $rc"; [ $rc = 137 ] || failed=1
run layerctl run --rm --pids-limit 5 --user 1000:1000 --read-only busybox sh -c 'echo "uid $(id -u), pids.max $(cat /sys/fs/cgroup/pids.max), $(grep -c ^Seccomp:.2 /proc/self/status) seccomp filter"; touch /x 2>&1 || echo "read-only root: no writes"'

bold "the container layer: write a file, then ask what changed (docker diff)"
run layerctl run --name demo busybox sh -c 'echo "This is sample text." > /sample.txt'
run layerctl diff demo
say "the file lives only in demo's writable layer:"
run ls $LAYERFS_ROOT/containers/demo/upper

bold "two containers from one image are independent"
run layerctl run -d --name app1 busybox sleep 1000
run layerctl run -d --name app2 busybox sleep 1000
run layerctl exec app1 sh -c "echo unique-to-app1 > /srv/marker.txt"
oops layerctl exec app2 ls /srv/marker.txt
run layerctl ps
run layerctl diff app1
run layerctl diff app2

bold "changes, deletions: C and D"
run layerctl run --name edit busybox sh -c 'echo "edited" >> /etc/motd; rm /etc/passwd'
run layerctl diff edit

bold "commit: the writable layer becomes a new read-only layer of a new image"
run layerctl commit -m "add sample.txt" demo busybox:sample
run layerctl history busybox:sample
run layerctl run --rm busybox:sample cat /sample.txt

bold "volumes outlive their containers"
mkdir -p /tmp/vol
run layerctl run --name writer -v /tmp/vol:/data busybox sh -c 'echo "written in a container" > /data/note'
run layerctl rm writer
run cat /tmp/vol/note

bold "rm throws the writable layer away; the image is untouched"
run layerctl rm -f app1 app2 edit
run layerctl rm demo
run layerctl ps
oops layerctl run --rm busybox ls /sample.txt
run layerctl run --rm busybox:sample ls /sample.txt

bold "export as an OCI layout, import it back: same digests"
run layerctl export busybox:sample /tmp/oci
run ls /tmp/oci /tmp/oci/blobs/sha256
run layerctl --root /tmp/layerctl2 import /tmp/oci again
run layerctl images
run layerctl --root /tmp/layerctl2 images

bold "mount.layerfs: a long layer list goes through fsconfig, one layer at a time"
mkdir -p /tmp/many/m
LOW=
i=1
while [ $i -le 300 ]; do
	mkdir -p /tmp/many/layer-number-$i
	echo $i > /tmp/many/layer-number-$i/file-$i
	LOW="$LOW${LOW:+:}/tmp/many/layer-number-$i"
	i=$((i + 1))
done
say "300 layers: lowerdir= is ${#LOW} bytes, more than mount(2) takes in one page"
printf '$ mount.layerfs none /tmp/many/m -o lowerdir=/tmp/many/layer-number-1:...:/tmp/many/layer-number-300,upperdir=/tmp/many/u,workdir=/tmp/many/w,x-layerfs.mkdirs\n'
mount.layerfs none /tmp/many/m -o "lowerdir=$LOW,upperdir=/tmp/many/u,workdir=/tmp/many/w,x-layerfs.mkdirs" || failed=1
printf '$ ls /tmp/many/m | wc -l\n'; n=$(ls /tmp/many/m | wc -l); echo $n
[ $n = 300 ] || failed=1
run umount /tmp/many/m
say "mistakes get one line saying why:"
oops mount.layerfs none /tmp/many/m -o lowerdir=/tmp/nonexistent
oops layerctl run busybox no-such-command
oops layerctl rmi nosuch
exit $failed
