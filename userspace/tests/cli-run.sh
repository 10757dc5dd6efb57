#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Containers end to end: run, exec, start, stop, kill, diff, commit, rm,
# volumes, signals, errors; mount.layerfs with many layers and as a
# containers/storage mount_program.  Needs root and a union filesystem:
# LAYERFS_FSTYPE (layerfs in the VM; on the host overlay is picked when the
# layerfs module is not loaded).  Needs a static busybox for the image.
# per-runtime: run once on each OCI runtime (run-tests.sh, mkselftest.sh)
. "$(dirname "$0")/lib.sh"
W=$SCRATCH/run; rm -rf "$W"; mkdir -p "$W"
export LAYERFS_ROOT=$W/root

need_containers "container tests" || exit 0
echo "# fstype $LAYERFS_FSTYPE"
exec </dev/null	# no test may wait for a terminal

R=$W/rootfs
mkdir -p $R/bin $R/etc $R/root
cp "$BB" $R/bin/busybox
for a in $($R/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $R/bin/$a; done
echo "root:x:0:0:root:/root:/bin/sh" >$R/etc/passwd
echo "image motd" >$R/etc/motd
mkdir -p $R/opt/app; echo one >$R/opt/app/one
t "import a busybox image" $L import -e GREETING=hi $R bb
IMGLAYER=$LAYERFS_ROOT/layers/$($L inspect bb | grep -o 'sha256:[0-9a-f]*' | head -1 | cut -c8-)/diff
IMGSUM=$(tree_sum $IMGLAYER)

# exit status, PID 1, hostname, environment, namespaces
$L run --rm bb true; same "exit status 0 passed through" 0 $?
$L run --rm bb sh -c 'exit 7'; same "exit status 7 passed through" 7 $?
$L run --name k9 bb sleep 100 & P=$!
wait_running k9; $L kill k9 >/dev/null; wait $P; same "killed by SIGKILL gives 137" 137 $?
$L rm k9 >/dev/null
same "CMD is PID 1" 1 "$($L run --rm bb sh -c 'echo $$')"
HOSTNAME_BEFORE=$(uname -n)
same "hostname set" box1 "$($L run --rm --hostname box1 bb hostname)"
same "the host's hostname is unchanged" "$HOSTNAME_BEFORE" "$(uname -n)"
NS="mnt uts ipc pid net"
in=$($L run --rm bb sh -c "for n in $NS; do readlink /proc/self/ns/\$n; done" | tr '\n' ' ')
set -- $in
for n in $NS; do
	h=$(readlink /proc/self/ns/$n)
	if [ $n = net ]; then same "the host's network namespace by default" "$h" "$1"
	elif [ -n "$1" ] && [ "$1" != "$h" ]; then ok "own $n namespace ($1, the host's $h)"
	else nok "own $n namespace ($1, the host's $h)"; fi
	shift
done
n=$($L run --rm --network none bb readlink /proc/self/ns/net)
[ -n "$n" ] && [ "$n" != "$(readlink /proc/self/ns/net)" ] && ok "--network none: own network namespace" ||
	nok "--network none: own network namespace ($n)"
# pivot_root: the union is the root of the container's mount namespace and
# nothing of the host's mount table is left in it (entered from the host,
# which sees the namespace's root, not the container's chroot)
$L run --name pv bb sleep 100 >/dev/null & P=$!
wait_running pv
pid=$($L ps | sed -n 's/^pv .*running (pid \([0-9]*\)).*/\1/p')
mi=$(nsenter -t "$pid" -m -p cat /proc/self/mountinfo 2>&1)
same "pivot_root: the namespace's root is the union" "$LAYERFS_FSTYPE" \
	"$(echo "$mi" | awk '$5 == "/" { sub(/.* - /, ""); print $1 }')"
same "pivot_root: only the container's own mounts" "" \
	"$(echo "$mi" | awk '{ print $5 }' | grep -Ev '^/$|^/(proc|sys|tmp|dev)(/.*)?$')"
$L rm -f pv >/dev/null; wait $P
same "image env and -e" "hi there" "$($L run --rm -e WHO=there bb sh -c 'echo $GREETING $WHO')"
same "-e K takes K's value from the environment" "from-env" "$(KV=from-env $L run --rm -e KV bb sh -c 'echo $KV')"
same "-e K of an unset K sets nothing" "unset" "$(unset KV; $L run --rm -e KV bb sh -c 'echo ${KV-unset}')"
same "working directory" /srv/app "$($L run --rm -w /srv/app bb pwd)"
same "own PID namespace: only our process" /proc/1 "$($L run --rm bb sh -c 'echo /proc/[0-9]*')"
t "/dev/null, /tmp, /sys, /proc in the container" $L run --rm bb sh -c 'echo x >/dev/null && touch /tmp/t && test -d /sys/kernel && test -r /proc/self/status'
same "--network none: only a loopback" lo "$($L run --rm --network none bb ls /sys/class/net)"
same "stdin is attached" "piped" "$(echo piped | $L run --rm bb cat)"
same "--rm leaves no container" "" "$($L ps -q)"

# seed: a new file shows as A in diff
t "run a container that writes a file" $L run --name demo bb sh -c 'echo "This is sample text." > /sample.txt'
same "diff shows the added file" "A /sample.txt" "$($L diff demo)"
t "a changed and a deleted file" $L run --name c2 bb sh -c 'echo more >>/etc/motd; rm /etc/passwd; mkdir -p /var/data; echo d >/var/data/f'
same "diff lists exactly what was created, changed and deleted" \
	"$(printf 'C /etc\nC /etc/motd\nD /etc/passwd\nA /var\nA /var/data\nA /var/data/f')" "$($L diff c2)"

# seed: two containers from one image are independent
t "container app1" $L run --name app1 bb sh -c 'echo unique-to-app1 >/tmp2 ; mkdir -p /srv; echo unique-to-app1 >/srv/marker.txt'
t "container app2" $L create --name app2 bb true
t "start app2" $L start app2
$L run --name app3 bb test -e /srv/marker.txt; same "app1's file is not in another container" 1 $?
same "app1 still has it" unique-to-app1 "$($L start app1 >/dev/null; cat $LAYERFS_ROOT/containers/app1/upper/srv/marker.txt)"
same "image unchanged by containers" "$IMGSUM" "$(tree_sum $IMGLAYER)"

# create with -e, -w and --hostname, then start: status, stdin, the settings
t "create with -e, -w, --hostname" $L create --name cr -e A=1 -w /work --hostname hc bb sh -c 'echo "$A $(pwd) $(hostname) $(cat)"; exit 3'
same "ps shows it created" 1 "$($L ps | grep -c '^cr .*created')"
echo in >$W/stdin
$L start cr <$W/stdin >$W/out; same "start passes the exit status" 3 $?
same "start runs it with create's -e, -w, --hostname and its stdin" "1 /work hc in" "$(cat $W/out)"
same "ps shows it exited" 1 "$($L ps | grep -c '^cr .*exited (3)')"

# the image's command and working directory (import -c, -w)
t "import with -c and -w" $L import -c /bin/sh -c -c -c 'echo "$(pwd) ran"' -w /srv/wd $R bbcw
same "run uses the image's command and working directory" "/srv/wd ran" "$($L run --rm bbcw)"
same "-w overrides the image's working directory" "/tmp ran" "$($L run --rm -w /tmp bbcw)"
same "the image's working directory is no change" "" "$($L run --name wdc bbcw >/dev/null; $L diff wdc)"

# --root: containers in the store given on the command line
t "--root: import into another store" $L --root $W/root5 import $R r5
t "--root: run -d there" $L --root $W/root5 run -d --name r5c r5 sleep 1000
same "--root: ps there" 1 "$($L --root $W/root5 ps | grep -c '^r5c .*running')"
same "--root: exec there" "image motd" "$($L --root $W/root5 exec r5c cat /etc/motd)"
same "--root: not in \$LAYERFS_ROOT" "" "$($L ps -q | grep r5c)"
t "--root: rm -f, rmi there" sh -c "$L --root $W/root5 rm -f r5c && $L --root $W/root5 rmi r5"
same "--root: nothing left there" "" "$(ls -A $W/root5/containers)$(ls -A $W/root5/layers)"

# start again keeps the writable layer
t "run a counter container" $L run --name cnt bb sh -c 'echo 1 >>/count'
t "start it again" $L start cnt
same "writable layer kept across start" 2 "$($L run --rm bb true; cat $LAYERFS_ROOT/containers/cnt/upper/count | wc -l)"

# commit: a committed image runs with the change present
t "commit c2" $L commit -m "edited motd" c2 bb2
same "committed image runs with the change" "$(printf 'image motd\nmore')" "$($L run --rm bb2 cat /etc/motd)"
$L run --rm bb2 test -e /etc/passwd; same "deletion kept in the committed image" 1 $?
t "history shows the commit" sh -c "$L history bb2 | grep -q 'edited motd'"

# renamed image directories (redirect) and metadata-only copy-ups (metacopy)
# are committed in full, read through the union
XO=; [ "$LAYERFS_FSTYPE" = overlay ] && XO=redirect_dir=on,metacopy=on
t "rename an image directory, chmod an image file" env LAYERFS_MOUNT_OPTS=$XO $L run --name mv1 bb sh -c 'mv /opt/app /opt/app2 && chmod 600 /etc/motd'
same "diff of a rename" "$(printf 'C /etc\nC /etc/motd\nC /opt\nD /opt/app\nA /opt/app2')" "$($L diff mv1)"
t "commit the stopped container" env LAYERFS_MOUNT_OPTS=$XO $L commit mv1 bb-mv
same "the renamed directory is complete in the new image" "one" "$($L run --rm bb-mv cat /opt/app2/one)"
$L run --rm bb-mv test -e /opt/app; same "the old name is gone" 1 $?
same "chmod kept, data from the image" "600 image motd" "$($L run --rm bb-mv sh -c 'echo $(stat -c %a /etc/motd) $(cat /etc/motd)')"
t "run -d a container to commit while running" env LAYERFS_MOUNT_OPTS=$XO $L run -d --name mv2 bb sleep 1000
t "rename in the running container" $L exec mv2 sh -c 'mv /opt/app /opt/app3 && chmod 640 /etc/motd'
t "commit the running container" $L commit mv2 bb-mv2
same "renamed directory and chmod in that image" "one 640" "$($L run --rm bb-mv2 sh -c 'echo $(cat /opt/app3/one) $(stat -c %a /etc/motd)')"
t "rm them" $L rm -f mv1 mv2

# volumes survive rm
mkdir -p $W/vol
t "write into a volume" $L run --name v1 -v $W/vol:/data bb sh -c 'echo kept >/data/file'
$L run --rm -v $W/vol:/data:ro bb sh -c 'echo x >/data/other' 2>/dev/null; [ $? -ne 0 ] && ok "read-only volume refuses writes" || nok "read-only volume refuses writes"
same "volume mount point is not a change" "" "$($L diff v1)"
t "rm the container" $L rm v1
same "data in the volume survives rm" kept "$(cat $W/vol/file)"

# rm removes the layer and its data, the image stays byte for byte
UPPER=$LAYERFS_ROOT/containers/demo
t "rm demo" $L rm demo
t "its writable layer and data are gone" test ! -e $UPPER
same "image layer byte-for-byte unchanged" "$IMGSUM" "$(tree_sum $IMGLAYER)"

# detached, exec, stop, kill, signals
t "run -d" $L run -d --name bg bb sh -c 'trap "echo got-term; exit 3" TERM; echo up; while :; do sleep 0.1; done'
i=0; while [ $i -lt 600 ] && ! $L logs bg | grep -q up; do sleep 0.1; i=$((i+1)); done	# trap set
same "ps shows it running" 1 "$($L ps | grep -c '^bg .*running')"
same "exec runs in the container" "hi-from-exec" "$($L exec -e X=hi-from-exec bg sh -c 'echo $X')"
same "exec sees the container's PID namespace" 1 "$($L exec bg sh -c 'cat /proc/1/cmdline | tr "\0" " " | grep -c trap')"
$L exec bg sh -c 'exit 5'; same "exec passes the exit status" 5 $?
same "exec -w sets the working directory" /etc "$($L exec -w /etc bg pwd)"
same "exec is in the container's namespaces" "" \
	"$($L exec bg sh -c 'for n in mnt uts ipc pid net; do [ $(readlink /proc/self/ns/$n) = $(readlink /proc/1/ns/$n) ] || echo $n; done')"
fails "rm of a running container is refused" $L rm bg
fails "start of a running container is refused" $L start bg
t "stop sends TERM" $L stop -t 5 bg
same "stopped container exited with its TERM handler's status" 1 "$($L ps | grep -c '^bg .*exited (3)')"
t "logs shows the output" sh -c "$L logs bg | grep -q got-term"
t "start -d again" $L start -d bg
t "kill it" $L kill bg
same "killed container is exited" 1 "$($L ps | grep -c '^bg .*exited')"
t "run -d with a trap for USR1" $L run -d --name ks bb sh -c 'trap "exit 42" USR1; echo up; while :; do sleep 0.1; done'
i=0; while [ $i -lt 600 ] && ! $L logs ks | grep -q up; do sleep 0.1; i=$((i+1)); done
fails "kill -s with an unknown signal" $L kill -s NOSUCH ks
t "kill -s USR1" $L kill -s USR1 ks
i=0; while [ $i -lt 600 ] && ! $L ps | grep -q '^ks .*exited'; do sleep 0.1; i=$((i+1)); done
same "the signal reached its trap" 1 "$($L ps | grep -c '^ks .*exited (42)')"
mkdir -p $W/vol2
t "run -d another, with a volume" $L run -d --name bg2 -v $W/vol2:/data bb sh -c 'echo kept >/data/f; while :; do sleep 1; done'
i=0; while [ ! -s $W/vol2/f ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
t "rm -f a running container" $L rm -f bg2
same "bg2 is gone" "" "$($L ps -q | grep bg2)"
t "its writable layer too" test ! -e $LAYERFS_ROOT/containers/bg2
same "its volume's data is kept" kept "$(cat $W/vol2/f)"
same "nothing of it mounted here" "" "$(grep -F "$W/vol2" /proc/mounts)"
mkdir -p $W/sig
$L run --name sig -v $W/sig:/sig bb sh -c 'trap "exit 9" USR1; touch /sig/ready; while :; do sleep 0.1; done' &
P=$!; i=0; while [ ! -e $W/sig/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
kill -USR1 $P; wait $P
same "signals to layerctl run reach the container" 9 $?

# mistakes
fails "command not found in the image" $L run --name nf bb /no/such/command
same "a failed run leaves no container" "" "$($L ps -q | grep nf)"
$L run --rm bb nosuchcmd 2>/dev/null; same "command not found exits 127" 127 $?
fails "missing volume" $L run -v $W/nonexistent:/x bb true
fails "unknown image" $L run nosuch true
fails "name in use" $L run --name cnt bb true
fails "run -d of a command not in the image" $L run -d --name fd bb /no/such/command
same "run -d passes its exit status" 127 $rc
same "a failed run -d leaves no container" "" "$($L ps -q | grep -x fd)"
fails "filesystem type not available" env LAYERFS_FSTYPE=nosuchfs $L run bb true
t "nothing half-made in the store" clean_store

# an OCI layout with whiteouts and an opaque directory, seen through a
# container and mount.layerfs image=: layerfs only (overlay ignores
# trusted.layerfs.opaque, so the host's overlay runs skip it)
if [ "$LAYERFS_FSTYPE" = layerfs ]; then
	mkdir -p $W/wh/etc $W/wh/opt/app $W/ml/ocm
	: >$W/wh/etc/.wh.motd; : >$W/wh/opt/app/.wh..wh..opq; echo two >$W/wh/opt/app/two
	(cd $R && tar cf $W/base.tar .)
	(cd $W/wh && tar cf - . | gzip -c >$W/wh.tar.gz)
	oci_layout $W/ocw '{"Cmd":["/bin/sh"]}' $W/base.tar $W/wh.tar.gz
	t "import an OCI layout with .wh.motd and an opaque /opt/app" $L import $W/ocw ocwh
	same "in a container: the whited-out file is gone, the opaque directory hides the lower one" \
		"absent two passwd" "$(echo $($L run --rm ocwh sh -c 'test -e /etc/motd && echo present || echo absent; ls /opt/app; ls /etc | grep passwd'))"
	t "mount.layerfs image= of it" $M none $W/ml/ocm -o image=ocwh,ro
	same "through mount.layerfs image=: the same" "absent two" \
		"$(test -e $W/ml/ocm/etc/motd && echo present || echo absent) $(ls $W/ml/ocm/opt/app)"
	umount $W/ml/ocm
	t "rmi it" $L rmi ocwh
else
	for c in "import" "container" "mount.layerfs image="; do
		skip "OCI whiteouts and opaque directories ($c): layerfs only, this is $LAYERFS_FSTYPE"
	done
fi

# mount.layerfs
mkdir -p $W/ml/l $W/ml/m
i=1; LOW=""
while [ $i -le 300 ]; do mkdir -p $W/ml/l/layer-with-a-long-name-$i; echo $i >$W/ml/l/layer-with-a-long-name-$i/f$i; LOW="$LOW${LOW:+:}$W/ml/l/layer-with-a-long-name-$i"; i=$((i+1)); done
t "mount 300 layers (${#LOW} bytes of lowerdir)" $M none $W/ml/m -o "lowerdir=$LOW,upperdir=$W/ml/u,workdir=$W/ml/w,x-layerfs.mkdirs"
same "all 300 layers visible" 300 "$(ls $W/ml/m | wc -l)"
umount $W/ml/m
mkdir -p $W/ml/in/l1/sub $W/ml/in/l2
fails "mount point inside a layer is refused" $M none $W/ml/in/l1/sub -o "lowerdir=$W/ml/in/l2:$W/ml/in/l1"
same "nothing mounted there" "" "$(grep " $W/ml/in/l1/sub " /proc/mounts)"
t "mount_program convention: options first, relative paths, no source" sh -c "cd $W/ml && $M -o lowerdir=l/layer-with-a-long-name-1:l/layer-with-a-long-name-2,upperdir=u,workdir=w m"
same "mount_program mount works" "$(printf 'f1\nf2')" "$(ls $W/ml/m)"
umount $W/ml/m
fails "a missing layer: one line with the reason" $M none $W/ml/m -o lowerdir=$W/nonexistent
fails "an unknown option: the kernel's message" $M none $W/ml/m -o lowerdir=$W/ml/l/layer-with-a-long-name-1,no_such_option
t "-f checks without mounting" $M -f none $W/ml/m -o lowerdir=$W/ml/l/layer-with-a-long-name-1
same "nothing mounted by -f" "" "$(ls $W/ml/m)"
t "image= mounts an image from the store" $M none $W/ml/m -o image=bb2,ro
t "the image's files are there" test -f $W/ml/m/etc/motd
umount $W/ml/m
t "container= mounts a container's layers" $M none $W/ml/m -o container=cnt
same "with its writable layer" 2 "$(wc -l <$W/ml/m/count)"
umount $W/ml/m

for c in $($L ps -q); do $L rm -f $c >/dev/null; done
t "rmi all images" $L rmi bb bb2 bb-mv bb-mv2 bbcw
same "no layers left" "" "$(ls $LAYERFS_ROOT/layers)"
rm -rf "$W"
exit 0
