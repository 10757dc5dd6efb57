#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# layerctl store commands on plain folders: import (folder, tar, gzip, zstd,
# OCI layout with whiteouts), images, history, ls, export round trip, rmi,
# diff and commit read from a container's writable layer, rm, errors.
. "$(dirname "$0")/lib.sh"
W=$SCRATCH/store; rm -rf "$W"; mkdir -p "$W"
export LAYERFS_ROOT=$W/root
if [ "$(id -u)" != 0 ]; then skip "store tests need root (mknod, trusted xattrs)"; exit 0; fi
exec </dev/null	# no test may wait for a terminal

R=$W/rootfs
mkdir -p $R/etc/conf.d $R/bin $R/var/log
echo hello >$R/etc/motd; echo a=1 >$R/etc/conf.d/a; echo b=2 >$R/etc/conf.d/b
echo '#!/bin/sh' >$R/bin/tool; chmod 755 $R/bin/tool; ln -s tool $R/bin/tool2
echo log >$R/var/log/old.log

t "import a folder" $L import $R base
ID=$(cat $W/out)
case $ID in sha256:????????????????????????????????????????????????????????????????) ok "import prints the image id";; *) nok "import prints the image id: $ID";; esac
t "images lists it" sh -c "$L images | grep -q '^base '"
t "history shows the import" sh -c "$L history base | grep -q 'layerctl import'"
same "ls shows the tree" "$(printf 'bin\netc\nvar')" "$($L ls base)"
t "import the same folder again under another name" $L import $R base-again
same "the layer is stored once" 1 "$(ls $LAYERFS_ROOT/layers | wc -l)"

(cd $R && tar cf $W/r.tar . && gzip -c $W/r.tar >$W/r.tar.gz)
t "import a plain tar" $L import $W/r.tar fromtar
t "import a gzip tar" $L import $W/r.tar.gz fromgz
t "import a tar from standard input on top of a base" sh -c "$L import --base fromgz - stacked <$W/r.tar"
same "stacked image has two layers" 2 "$($L inspect stacked | grep -c '"sha256:')"
if command -v zstd >/dev/null 2>&1; then
	zstd -q -c $W/r.tar >$W/r.tar.zst
	t "import a zstd tar" $L import $W/r.tar.zst fromzst
	same "zstd tar content" "hello" "$(cat $LAYERFS_ROOT/layers/*/diff/etc/motd | sort -u)"
else
	skip "zstd not installed"
fi

# --- source_digest: a layer from a tar keeps the digest of the tar as given ---
# (its id stays the digest of the canonical tar, the same from any source)
src_of() { grep -o '"source_digest": *"sha256:[0-9a-f]*"' $LAYERFS_ROOT/layers/$1/layer.json | grep -o '[0-9a-f]\{64\}'; }
layer_of() { $L inspect "$1" | grep -o 'sha256:[0-9a-f]*' | head -1 | cut -c8-; }
hist_src() { $L history "$1" | sed 1d | cut -c44-55 | sed 's/ *$//'; }	# the SOURCE column
for f in plain gz zst stdin; do mkdir -p $W/s-$f; echo $f >$W/s-$f/which; done
(cd $W/s-plain && tar cf $W/s.tar .)
(cd $W/s-gz && tar cf - . | gzip -c >$W/s.tar.gz)
(cd $W/s-stdin && tar cf - . | gzip -c >$W/stdin.tar.gz)
t "import a plain tar" $L import $W/s.tar s-plain
same "its layer.json keeps the tar's digest as source_digest" "$(sha $W/s.tar)" "$(src_of $(layer_of s-plain))"
t "import a gzip tar" $L import $W/s.tar.gz s-gz
same "a gzip tar's source_digest is that of the compressed file" "$(sha $W/s.tar.gz)" "$(src_of $(layer_of s-gz))"
same "history shows it" "$(sha $W/s.tar.gz | cut -c1-12)" "$(hist_src s-gz)"
t "the same content from a folder" $L import $W/s-gz s-gz-folder
same "has the same layer id: the canonical tar's, not the source's" "$(layer_of s-gz)" "$(layer_of s-gz-folder)"
t "import a gzip tar from standard input" sh -c "$L import - s-stdin <$W/stdin.tar.gz"
same "source_digest of standard input: the bytes read" "$(sha $W/stdin.tar.gz)" "$(src_of $(layer_of s-stdin))"
if command -v zstd >/dev/null 2>&1; then
	(cd $W/s-zst && tar cf - . | zstd -q -c >$W/s.tar.zst)
	t "import a zstd tar" $L import $W/s.tar.zst s-zst
	same "a zstd tar's source_digest is that of the compressed file" "$(sha $W/s.tar.zst)" "$(src_of $(layer_of s-zst))"
else
	skip "zstd not installed"
fi
same "a folder import has no source digest" "-" "$(hist_src base)"

# --- an OCI layout with whiteouts ---
O=$W/oci; mkdir -p $W/l1/a $W/l1/d $W/l2/a $W/l2/d
echo keep >$W/l1/a/keep; echo old >$W/l1/a/old; echo gone >$W/l1/gone; echo x >$W/l1/d/x
: >$W/l2/.wh.gone; : >$W/l2/a/.wh.old; : >$W/l2/d/.wh..wh..opq; echo y >$W/l2/d/y
(cd $W/l1 && tar cf $W/l1.tar .)
(cd $W/l2 && tar cf - . | gzip -c >$W/l2.tar.gz)
L1=$(sha $W/l1.tar); L2=$(sha $W/l2.tar.gz)
oci_layout $O '{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]}' $W/l1.tar $W/l2.tar.gz
t "import an OCI layout with whiteouts" $L import $O ocimg
same "root: whiteout .wh.gone hides gone" "$(printf 'a\nd')" "$($L ls ocimg)"
same "a: .wh.old hides old" "keep" "$($L ls ocimg /a)"
same "d: .wh..wh..opq hides the lower d/x" "y" "$($L ls ocimg /d)"
same "history has both OCI entries" 2 "$($L history ocimg | grep -c 'layer [12]$')"
same "OCI layers keep their blob digests as source_digest, shown by history (top first)" \
	"$(printf '%.12s\n%.12s' $L2 $L1)" "$(hist_src ocimg)"
fails "import --ref of a missing ref" $L import --ref nosuch $O x
cp $O/blobs/sha256/$L1 $W/save; echo corrupt >>$O/blobs/sha256/$L1
fails "a corrupt blob is refused" $L import $O corrupt
cp $W/save $O/blobs/sha256/$L1
mkdir -p $W/l3; echo new >$W/l3/new; (cd $W/l3 && tar cf $W/l3.tar .)
echo "not a tar" >$W/bad.tar
oci_layout $W/oci-bad '{}' $W/l3.tar $W/bad.tar
LAYERS=$(ls $LAYERFS_ROOT/layers)
fails "an OCI layout whose second layer is not a tar is refused" $L import $W/oci-bad bad
same "no layer of it is left (its first one was imported)" "$LAYERS" "$(ls $LAYERFS_ROOT/layers)"
t "nothing left over after failed imports" clean_store

# --- export and re-import keep every digest ---
t "export an image as an OCI layout" $L export ocimg $W/exp
t "the export is a valid layout" test -f $W/exp/oci-layout -a -f $W/exp/index.json
ok=1
for b in $W/exp/blobs/sha256/*; do [ "$(sha $b)" = "$(basename $b)" ] || ok=0; done
[ $ok = 1 ] && ok "every exported blob matches its digest" || nok "every exported blob matches its digest"
EXPORTED_ID=$($L images | awk '$1=="ocimg"{print $2}')
LAYERS_BEFORE=$(ls $LAYERFS_ROOT/layers | sort)
LAYERFS_ROOT=$W/root2 $L import $W/exp back >/dev/null 2>&1
same "re-import gives the same image id" "$EXPORTED_ID" "$(LAYERFS_ROOT=$W/root2 $L images | awk '$1=="back"{print $2}')"
same "re-import gives the same layer digests" "$(for l in $($L inspect ocimg | grep -o 'sha256:[0-9a-f]*'); do echo $l; done)" \
	"$(for l in $(LAYERFS_ROOT=$W/root2 $L inspect back | grep -o 'sha256:[0-9a-f]*'); do echo $l; done)"
same "whiteouts survive the round trip" "$(printf 'a\nd')" "$(LAYERFS_ROOT=$W/root2 $L ls back)"
t "exported layer tar holds OCI whiteout markers" sh -c "for f in $W/exp/blobs/sha256/*; do tar tf \$f 2>/dev/null; done | grep -q '\.wh\.\.wh\.\.opq'"

# --- other tools read our export (when installed) ---
if command -v skopeo >/dev/null 2>&1; then
	t "skopeo inspects the exported layout" skopeo inspect oci:$W/exp:latest
	skopeo copy -q oci:$W/exp:latest oci:$W/skopeo:gz --dest-compress >/dev/null 2>&1
	LAYERFS_ROOT=$W/root3 $L import --ref gz $W/skopeo viaskopeo >/dev/null 2>&1
	same "a gzip copy made by skopeo imports to the same image id" "$EXPORTED_ID" "$(LAYERFS_ROOT=$W/root3 $L images | awk '$1=="viaskopeo"{print $2}')"
else
	skip "skopeo not installed"
fi
if command -v umoci >/dev/null 2>&1; then
	t "umoci unpacks the exported layout" umoci unpack --image $W/exp:latest $W/bundle
	same "umoci applies our whiteouts" "a d | keep | y" "$(echo $(ls $W/bundle/rootfs) \| $(ls $W/bundle/rootfs/a) \| $(ls $W/bundle/rootfs/d))"
else
	skip "umoci not installed"
fi

# --- containers on folders: diff, commit, rm, rmi ---
t "create a container" $L create --name c1 base
UP=$LAYERFS_ROOT/containers/c1/upper
same "a new container has no changes" "" "$($L diff c1)"
BASE_LAYER=$LAYERFS_ROOT/layers/$($L inspect base | grep -o 'sha256:[0-9a-f]*' | head -1 | cut -c8-)/diff
BASE_SUM=$(tree_sum $BASE_LAYER)
# what a container would leave in its writable layer
mkdir -p $UP/etc $UP/var/log $UP/new/dir
echo changed >$UP/etc/motd
echo new >$UP/etc/added
mknod $UP/etc/conf.d c 0 0 2>/dev/null || true
mknod $UP/var/log/old.log c 0 0
echo n >$UP/new/dir/file
same "diff lists exactly the changes" "$(printf 'C /etc\nA /etc/added\nD /etc/conf.d\nC /etc/motd\nA /new\nA /new/dir\nA /new/dir/file\nC /var\nC /var/log\nD /var/log/old.log')" "$($L diff c1)"
t "commit the container" $L commit -m "my change" c1 committed
same "committed image has two layers" 2 "$($L inspect committed | grep -c '"sha256:')"
t "history shows the commit on top" sh -c "$L history committed | sed -n 2p | grep -q 'layerctl commit c1.*(my change)'"
same "committed image shows the change" "$(printf 'added\nmotd')" "$($L ls committed /etc)"
same "deletions are kept in the new layer" "" "$($L ls committed /var/log)"
t "the new layer holds whiteouts" sh -c "ls -l $LAYERFS_ROOT/layers/*/diff/var/log/old.log | grep -q '^c'"
fails "rmi is refused while a container uses the image" $L rmi base
t "rm the container" $L rm c1
t "its writable layer is gone" test ! -e $LAYERFS_ROOT/containers/c1
same "the image layer is unchanged" "$BASE_SUM" "$(tree_sum $BASE_LAYER)"
t "rmi base (another name still refers to it)" $L rmi base
t "rmi base-again" $L rmi base-again
t "committed image still complete" sh -c "$L ls committed /etc | grep -q motd"
N_BEFORE=$(ls $LAYERFS_ROOT/layers | wc -l)
t "rmi committed" $L rmi committed
N_AFTER=$(ls $LAYERFS_ROOT/layers | wc -l)
[ "$N_AFTER" -lt "$N_BEFORE" ] && ok "unused layers are deleted ($N_BEFORE -> $N_AFTER)" || nok "unused layers are deleted ($N_BEFORE -> $N_AFTER)"

ID=$($L import $R byid 2>/dev/null | cut -c8-19)
t "tag gives a second name" $L tag byid byid2
fails "rmi by id of an image with two names is refused" $L rmi $ID
t "rmi of one name" $L rmi byid2
t "rmi by id prefix removes the image and its last name" $L rmi $ID
same "no image named byid left" "" "$($L images -q | grep byid)"

mkdir -p $W/rma; echo only-in-rma >$W/rma/f
t "import an image with a layer of its own" $L import $W/rma rma
RMA=$(layer_of rma)
fails "rmi rma nosuch: the second one fails" $L rmi rma nosuch
same "rma is removed" "" "$($L images -q | grep -x rma)"
t "and its layer, though a later image failed" test ! -e $LAYERFS_ROOT/layers/$RMA

# --- --root: the store named on the command line, not $LAYERFS_ROOT ---
t "--root DIR import" $L --root $W/root4 import $R r4
t "--root=DIR lists it" sh -c "$L --root=$W/root4 images -q | grep -qx r4"
t "the image is in that store" test -n "$(ls $W/root4/layers)"
same "and not in \$LAYERFS_ROOT" "" "$($L images -q | grep -x r4)"
t "--root rmi" $L --root $W/root4 rmi r4
same "--root gc: no layers left there" "" "$(ls $W/root4/layers)"

# --- tree_sum (the tests' layer comparison) sees xattrs and link counts ---
mkdir -p $W/ts; echo a >$W/ts/f
TS=$(tree_sum $W/ts)
if have_xattr_tools; then
	xattr_set $W/ts/f user.t 1 2>/dev/null || xattr_set $W/ts/f trusted.t 1
	[ "$(tree_sum $W/ts)" != "$TS" ] && ok "tree_sum sees an xattr" || nok "tree_sum sees an xattr"
else
	skip "tree_sum: no getfattr (package attr) or lfs-xattr"
fi
TS=$(tree_sum $W/ts); ln $W/ts/f $W/ts-link
[ "$(tree_sum $W/ts)" != "$TS" ] && ok "tree_sum sees a link count" || nok "tree_sum sees a link count"

# --- mistakes: one line, non-zero, nothing left behind ---
fails "import of a missing source" $L import $W/nonexistent x
fails "import with an invalid name" $L import $R 'bad name'
fails "history of an unknown image" $L history nosuch
fails "rmi of an unknown image" $L rmi nosuch
fails "create from an unknown image" $L create nosuch
t "create c2" $L create --name c2 fromtar
fails "create with a name in use" $L create --name c2 fromtar
fails "create with a missing volume" $L create -v $W/nonexistent:/data fromtar
fails "create with a relative volume target" $L create -v $W:data fromtar
fails "diff of an unknown container" $L diff nosuch
fails "commit of an unknown container" $L commit nosuch
fails "rm of an unknown container" $L rm nosuch
fails "stop of a container that is not running" $L stop c2
fails "exec in a container that is not running" $L exec c2 true
fails "export to a non-empty folder" $L export fromtar $R
fails "unknown command" $L frobnicate
same "only c2 exists" "c2" "$($L ps -q)"
# not root: every command says so in one line and touches nothing
mkdir -p $W/nr; chmod 1777 $W/nr
snap() { (cd $LAYERFS_ROOT && find . | sort | xargs stat -c '%n %s %y'); }
STORE=$(snap)
for c in "import $R x" "import - x" images "history base" "ls fromtar" "inspect fromtar" \
	"rmi fromtar" "tag fromtar x" "export fromtar $W/nr/exp" "create fromtar" "run fromtar true" \
	"start c2" "exec c2 true" ps "logs c2" "stop c2" "kill c2" "rm c2" "diff c2" "commit c2 x"; do
	fails_with "not root: $c" 'must be run as root' as_nobody $L $c
done
same "not root: the store is untouched" "$STORE" "$(snap)"
fails_with "not root, no store yet: images" 'must be run as root' as_nobody env LAYERFS_ROOT=$W/nr/store $L images
fails_with "not root, no store yet: run" 'must be run as root' as_nobody env LAYERFS_ROOT=$W/nr/store $L run fromtar true
fails_with "not root: mount.layerfs image=" 'must be run as root' as_nobody $M none $W/nr -o image=fromtar
fails_with "not root: mount.layerfs" 'must be run as root' as_nobody $M none $W/nr -o lowerdir=$R
same "not root: no store made, nothing mounted" "" "$(ls -A $W/nr; grep -F " $W/nr" /proc/mounts)"

# the layerfs module not loaded (the VM has it: skipped there)
if grep -qw layerfs /proc/filesystems; then
	for c in run start mount.layerfs; do skip "$c without the layerfs module: layerfs is loaded"; done
else
	fails_with "run without the layerfs module" 'layerfs .*not available: module not loaded' \
		env LAYERFS_FSTYPE=layerfs $L run fromtar true
	fails_with "start without the layerfs module" 'layerfs .*not available: module not loaded' \
		env LAYERFS_FSTYPE=layerfs $L start c2
	fails_with "mount.layerfs without the layerfs module" 'layerfs .*not known.*module not loaded' \
		env LAYERFS_FSTYPE=layerfs $M none $W/nr -o lowerdir=$R
fi
same "still only c2" "c2" "$($L ps -q)"

t "nothing half-made in the store" clean_store
t "rm c2" $L rm c2

for c in import images history ls rmi export tag inspect create run start exec ps logs stop kill rm diff commit; do
	$L $c --help >$W/out 2>&1 && grep -q "^Usage: layerctl $c" $W/out || { nok "$c --help"; continue; }
done
ok "--help on every command"
t "layerctl --help" sh -c "$L --help | grep -q Usage"
t "mount.layerfs --help" sh -c "$M --help | grep -q mount_program"
rm -rf "$W"
exit 0
