#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# layerctl store commands on plain folders: import (folder, tar, gzip, zstd,
# OCI layout with whiteouts), images, history, ls, export round trip, rmi,
# diff and commit read from a container's writable layer, rm, errors.
. "$(dirname "$0")/lib.sh"
W=$SCRATCH/store; rm -rf "$W"; mkdir -p "$W"
export LAYERFS_ROOT=$W/root
if [ "$(id -u)" != 0 ]; then skip "store tests need root (mknod, trusted xattrs)"; exit 0; fi

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

# --- an OCI layout with whiteouts, built by hand ---
O=$W/oci; mkdir -p $O/blobs/sha256 $W/l1/a $W/l1/d $W/l2/a $W/l2/d
echo keep >$W/l1/a/keep; echo old >$W/l1/a/old; echo gone >$W/l1/gone; echo x >$W/l1/d/x
: >$W/l2/.wh.gone; : >$W/l2/a/.wh.old; : >$W/l2/d/.wh..wh..opq; echo y >$W/l2/d/y
(cd $W/l1 && tar cf $W/l1.tar .)
(cd $W/l2 && tar cf - . | gzip -c >$W/l2.tar.gz)
gunzip -c $W/l2.tar.gz >$W/l2.tar
L1=$(sha $W/l1.tar); L2=$(sha $W/l2.tar.gz); D2=$(sha $W/l2.tar)
cp $W/l1.tar $O/blobs/sha256/$L1; cp $W/l2.tar.gz $O/blobs/sha256/$L2
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]},"history":[{"created_by":"layer one"},{"created_by":"layer two"}]}' $L1 $D2 >$W/config.json
C=$(sha $W/config.json); cp $W/config.json $O/blobs/sha256/$C
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
	$C $(size $W/config.json) $L1 $(size $W/l1.tar) $L2 $(size $W/l2.tar.gz) >$W/manifest.json
MD=$(sha $W/manifest.json); cp $W/manifest.json $O/blobs/sha256/$MD
printf '{"imageLayoutVersion":"1.0.0"}' >$O/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $MD $(size $W/manifest.json) >$O/index.json

t "import an OCI layout with whiteouts" $L import $O ocimg
same "root: whiteout .wh.gone hides gone" "$(printf 'a\nd')" "$($L ls ocimg)"
same "a: .wh.old hides old" "keep" "$($L ls ocimg /a)"
same "d: .wh..wh..opq hides the lower d/x" "y" "$($L ls ocimg /d)"
same "history has both OCI entries" 2 "$($L history ocimg | grep -c 'layer one\|layer two')"
fails "import --ref of a missing ref" $L import --ref nosuch $O x
cp $O/blobs/sha256/$L1 $W/save; echo corrupt >>$O/blobs/sha256/$L1
fails "a corrupt blob is refused" $L import $O corrupt
cp $W/save $O/blobs/sha256/$L1
t "no temp leftovers after failed imports" clean_store

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
t "no temp leftovers" clean_store
t "rm c2" $L rm c2

for c in import images history ls rmi export tag inspect create run start exec ps logs stop kill rm diff commit; do
	$L $c --help >$W/out 2>&1 && grep -q "^Usage: layerctl $c" $W/out || { nok "$c --help"; continue; }
done
ok "--help on every command"
t "layerctl --help" sh -c "$L --help | grep -q Usage"
t "mount.layerfs --help" sh -c "$M --help | grep -q mount_program"
rm -rf "$W"
exit 0
