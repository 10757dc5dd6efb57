#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM half of `make bench` (busybox sh), installed as /bench/run.sh
# by scripts/bench.sh and started by the VM init in lfs.mode=bench.
#
# Runs every case on each base (tmpfs, the ext4 scratch disk at /mnt/ext4),
# each on the bare filesystem ("native"), overlayfs and layerfs, REPS times,
# the filesystems interleaved within each repetition.  Timings come from
# /bench/lfsbench (one "BENCH base=.. case=.. param=.. fs=.. rep=.. value=..
# unit=.." line each); set-up and progress lines start with "#".  The scale
# (counts, sizes, repetitions) comes from /bench/config, written by the host.
set -u
. /bench/config
B=/bench/lfsbench
M=/mnt/union
mkdir -p $M /bench/tmpfs
export PATH=/usr/bin:/bin:/usr/sbin:/sbin

log() { echo "# $*"; }
up() { cut -d' ' -f1 /proc/uptime; }
dropcaches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
fail() { echo "# BENCH-ERROR $*"; errors=$((errors + 1)); }
errors=0

# mnt FS LOWERS UPPER WORK NATIVE: mount the union (or, for native, bind
# NATIVE) on $M.  Paths may be relative to the current directory (short
# option strings for 500 layers).  UPPER empty: a read-only union.
mnt() {
	o="lowerdir=$2"
	[ -n "$3" ] && o="$o,upperdir=$3,workdir=$4"
	# overlayfs refuses a read-only union of one layer: one lower layer
	# gets an empty upper layer (for layerfs too, to compare the same)
	if [ -z "$3" ] && [ "$1" != native ] && [ "${2#*:}" = "$2" ]; then
		fresh .u1 .w1
		o="$o,upperdir=.u1,workdir=.w1"
	fi
	case $1 in
	native) $B - mount bind "$5" $M x ;;
	layerfs) $B - mount layerfs none $M "$o" ;;
	overlay) $B - mount overlay none $M "$o" ;;
	overlay-meta) $B - mount overlay none $M "$o,metacopy=on,redirect_dir=on" ;;
	esac || { fail "mount $1 $o"; mok=0; }
}
# after a failed mount, measure nothing until the next umnt
mok=1
umnt() { [ $mok = 1 ] && { umount $M || fail "umount $M"; }; mok=1; }
# fresh DIR...: empty directories
fresh() { rm -rf "$@"; mkdir -p "$@"; }
lab() { echo "base=$base case=$1 param=$2 fs=$3 rep=$4"; }
# b LABEL-ARGS(4) -- COMMAND...: run a timed command, report failures
b() {
	[ $mok = 1 ] || return 0
	bl=$(lab "$1" "$2" "$3" "$4")
	shift 4
	$B "$bl" "$@" || fail "$bl: $*"
}
case_start() { cs=$(up); log "case $1 on $base (uptime ${cs}s)"; }
case_end() { log "TIME base=$base case=$1 seconds=$(awk -v a="$cs" -v b="$(up)" 'BEGIN { printf "%.1f", b - a }')"; }
want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

# --- cold and warm lookup over 1..500 layers -------------------------------
# Layers 0..MAXL-1 in $R/L, the bottom one (MAXL-1) holds f0..f{N-1}; every
# other layer one file of its own, so the root directory is merged at every
# depth.  L layers = the bottom one and the L-1 above it.
case_lookup() {
	case_start lookup
	R=$root/lookup
	fresh $R/L
	cd $R/L || return
	maxl=0
	for l in $LOOKUP_LAYERS; do [ "$l" -gt $maxl ] && maxl=$l; done
	i=0
	while [ $i -lt $maxl ]; do
		mkdir $i && : > $i/k$i
		i=$((i + 1))
	done
	bottom=$((maxl - 1))
	$B - mkfiles $bottom f $LOOKUP_N 0
	for l in $LOOKUP_LAYERS; do
		n=$((LOOKUP_BUDGET / l))
		[ $n -gt $LOOKUP_N ] && n=$LOOKUP_N
		lowers=$(seq -s: $((maxl - l)) $bottom)
		log "lookup: $l layers, $n names"
		rep=1
		while [ $rep -le $REPS ]; do
			for fs in native overlay layerfs; do
				for kind in present absent; do
					p=f e=1
					[ $kind = absent ] && p=x e=0
					dropcaches
					mnt $fs "$lowers" "" "" $bottom
					b lookup-cold-$kind L$l $fs $rep lookup $M $p $n $e
					b lookup-warm-$kind L$l $fs $rep lookup $M $p $n $e
					umnt
				done
			done
			rep=$((rep + 1))
		done
	done
	cd /
	rm -rf $R
	case_end lookup
}

# --- merged readdir of READDIR_N entries over 1..64 layers -----------------
case_readdir() {
	case_start readdir
	for l in $READDIR_LAYERS; do
		R=$root/readdir
		fresh $R/nat
		cd $R || return
		$B - mkfiles nat e $READDIR_N 0
		i=0
		per=$((READDIR_N / l))
		while [ $i -lt $l ]; do
			mkdir $i
			cnt=$per
			[ $i = $((l - 1)) ] && cnt=$((READDIR_N - per * (l - 1)))
			$B - mkfiles $i "l${i}_" $cnt 0
			i=$((i + 1))
		done
		lowers=$(seq -s: 0 $((l - 1)))
		log "readdir: $READDIR_N entries over $l layers"
		rep=1
		while [ $rep -le $REPS ]; do
			for fs in native overlay layerfs; do
				mnt $fs "$lowers" "" "" nat
				b readdir-first L$l $fs $rep readdir $M 1 $READDIR_N
				b readdir-warm L$l $fs $rep readdir $M $READDIR_PASSES $READDIR_N
				umnt
			done
			rep=$((rep + 1))
		done
		cd /
		rm -rf $R
	done
	# a directory that exists in one layer of four (most directories of an
	# image): overlayfs passes it straight through to the real directory
	R=$root/readdir
	fresh $R/0 $R/1 $R/2 $R/3/d $R/nat/d
	cd $R || return
	$B - mkfiles 3/d e $READDIR_N 0
	$B - mkfiles nat/d e $READDIR_N 0
	rep=1
	while [ $rep -le $REPS ]; do
		for fs in native overlay layerfs; do
			mnt $fs 0:1:2:3 "" "" nat
			b readdir-first 1of4 $fs $rep readdir $M/d 1 $READDIR_N
			b readdir-warm 1of4 $fs $rep readdir $M/d $READDIR_PASSES $READDIR_N
			umnt
		done
		rep=$((rep + 1))
	done
	cd /
	rm -rf $R
	case_end readdir
}

# --- reads of a big lower file ---------------------------------------------
case_read() {
	case_start read
	R=$root/read
	fresh $R/0 $R/1
	cd $R || return
	: > 0/other
	$B - mkfile 1/big $READ_MB
	$B - seqread 1/big 1024
	rep=1
	while [ $rep -le $REPS ]; do
		for fs in native overlay layerfs; do
			mnt $fs 0:1 "" "" 1
			b read-seq ${READ_MB}MiB $fs $rep seqread $M/big 1024
			b read-rand 4KiB $fs $rep randread $M/big $RAND_N
			b read-mmap ${READ_MB}MiB $fs $rep mmapread $M/big
			umnt
		done
		rep=$((rep + 1))
	done
	cd /
	rm -rf $R
	case_end read
}

# --- copy-up: open for write, chmod ----------------------------------------
case_copyup() {
	case_start copyup
	R=$root/copyup
	fresh $R/lo
	cd $R || return
	for s in $COPYUP_KIB; do
		if [ $s -lt 1024 ]; then
			$B - mkfiles lo "s$s" 1 $((s * 1024))
			mv lo/s${s}0 lo/s$s
		else
			$B - mkfile lo/s$s $((s / 1024))
		fi
	done
	sync
	rep=1
	while [ $rep -le $REPS ]; do
		for fs in native overlay overlay-meta layerfs; do
			for op in openwrite chmod; do
				fresh u w
				# no writeback of the last copy in this one's fsync
				sync
				mnt $fs lo u w lo
				for s in $COPYUP_KIB; do
					b copyup-$op ${s}KiB $fs $rep $op $M/s$s
				done
				umnt
				# the native chmod changed the lower files
				[ $fs = native ] && chmod 644 lo/*
			done
		done
		rep=$((rep + 1))
	done
	cd /
	rm -rf $R
	case_end copyup
}

# --- create, rename, unlink in a merged directory ---------------------------
case_files() {
	case_start files
	R=$root/files
	fresh $R/0/d $R/1/d
	cd $R || return
	: > 0/d/top
	$B - mkfiles 1/d f $FILES_LOWER_N 100
	rep=1
	while [ $rep -le $REPS ]; do
		for fs in native overlay layerfs; do
			fresh u w nat/d
			$B - mkfiles nat/d f $FILES_LOWER_N 100
			mnt $fs 0:1 u w nat
			b create ${FILES_N} $fs $rep create $M/d n $FILES_N
			b rename ${FILES_N} $fs $rep rename $M/d n m $FILES_N
			b unlink ${FILES_N} $fs $rep unlink $M/d m $FILES_N
			b unlink-lower ${FILES_LOWER_N} $fs $rep unlink $M/d f $FILES_LOWER_N
			umnt
		done
		rep=$((rep + 1))
	done
	cd /
	rm -rf $R
	case_end files
}

# --- untar of a source tree: into a new directory, and over the same tree --
# in the lower layer (busybox tar unlinks each file, then creates it).
case_untar() {
	case_start untar
	R=$root/untar
	fresh $R/new/d $R/old/d
	cd $R || return
	tar xf /bench/src.tar -C old/d
	rep=1
	while [ $rep -le $REPS ]; do
		for fs in native overlay layerfs; do
			for kind in new over; do
				lower=new
				[ $kind = over ] && lower=old
				fresh u w nat/d
				[ $kind = over ] && tar xf /bench/src.tar -C nat/d
				sync
				mnt $fs $lower u w nat
				b untar-$kind src.tar $fs $rep exec /bin/tar xf /bench/src.tar -C $M/d
				umnt
			done
		done
		rep=$((rep + 1))
	done
	cd /
	rm -rf $R
	case_end untar
}

# --- container start: mount, chroot + exec /bin/true, umount ----------------
case_cstart() {
	case_start cstart
	R=$root/cstart
	fresh $R/0/etc $R/1/bin $R/1/etc $R/1/usr/bin
	cd $R || return
	cp /bin/busybox 1/bin/true
	echo bench > 0/etc/hostname
	: > 1/etc/passwd
	rep=1
	while [ $rep -le $REPS ]; do
		for fs in native overlay layerfs; do
			fresh u w
			o="lowerdir=0:1,upperdir=u,workdir=w"
			case $fs in
			native) b cstart mount+exec $fs $rep cstart $CSTART_N $M bind 1 x ;;
			*) b cstart mount+exec $fs $rep cstart $CSTART_N $M $fs none "$o" ;;
			esac
		done
		rep=$((rep + 1))
	done
	cd /
	rm -rf $R
	case_end cstart
}

# --- profiles: where the time goes, per kernel function ---------------------
# function_graph (perf has no PMU under TCG) on every layerfs or overlay
# function and the VFS calls they make into the layers; the trace is
# summarised in the VM: calls, total and mean inclusive time per function
# (tracing inflates the absolute times; compare the shares).
T=/sys/kernel/tracing
VFS_FUNCS="backing_file_read_iter vfs_iter_read rw_verify_area
	security_file_permission fsnotify filemap_read override_creds
	revert_creds vfs_fsync ext4_sync_file shmem_file_read_iter
	ext4_file_read_iter lookup_one_unlocked lookup_one_len lookup_positive_unlocked
	iterate_dir dentry_open vfs_getxattr __vfs_getxattr vfs_setxattr
	vfs_create vfs_unlink vfs_rename vfs_link vfs_mkdir vfs_whiteout
	vfs_fsync_range vfs_copy_file_range vfs_clone_file_range notify_change
	vfs_tmpfile kernel_tmpfile_open d_alloc_parallel backing_file_open
	generic_permission inode_permission lock_rename"
trace_on() {	# MODULE
	echo 0 > $T/tracing_on
	echo nop > $T/current_tracer
	echo 16384 > $T/buffer_size_kb
	: > $T/set_ftrace_filter
	echo ":mod:$1" > $T/set_ftrace_filter
	for f in $VFS_FUNCS; do echo $f >> $T/set_ftrace_filter 2>/dev/null; done
	echo 1 > $T/options/funcgraph-tail 2>/dev/null
	echo 0 > $T/options/funcgraph-irqs 2>/dev/null
	echo function_graph > $T/current_tracer
	: > $T/trace
	echo 1 > $T/tracing_on
}
trace_off() {	# NAME: print the top functions by total inclusive time
	echo 0 > $T/tracing_on
	log "PROFILE $1 (function, calls, total us, mean us; inclusive)"
	awk '
	/ us / && /[|]/ {
		t = $0; sub(/ us .*/, "", t); sub(/.*[ +!#*@$]/, "", t)
		f = $0; sub(/.*[|][ ]*/, "", f)
		if (f ~ /^} \/\* /) { sub(/^} \/\* /, "", f); sub(/ \*\/.*/, "", f) }
		else if (f ~ /\(\);/) sub(/\(\);.*/, "", f)
		else next
		sub(/ \[.*\]/, "", f)
		n[f]++; tot[f] += t
	}
	END { for (f in n) printf "%s %d %.1f %.2f\n", f, n[f], tot[f], tot[f] / n[f] }' $T/trace |
		sort -k3 -g -r | head -n 25 | awk -v p="$1" '{ printf "# PROF %s %-32s %7d %10.1f %9.2f\n", p, $1, $2, $3, $4 }'
	echo nop > $T/current_tracer
	: > $T/set_ftrace_filter
}

case_profile() {
	case_start profile
	mount -t tracefs nodev $T 2>/dev/null
	[ -w $T/current_tracer ] || { log "no tracefs: no profiles"; return; }
	R=$root/profile
	# chmod of big (sparse) lower files, and 4 KiB random reads
	fresh $R/lo
	cd $R || return
	i=0
	while [ $i -lt 10 ]; do truncate -s 512M lo/big$i; i=$((i + 1)); done
	$B - mkfile lo/data 64
	for fs in overlay-meta layerfs; do
		mod=${fs%-meta}
		fresh u w
		mnt $fs lo u w x
		trace_on $mod
		i=0
		while [ $i -lt 10 ]; do $B - chmod $M/big$i; i=$((i + 1)); done
		trace_off "$base-chmod-512MiB-x10-$fs"
		trace_on $mod
		$B - randread $M/data 2000
		trace_off "$base-randread-4KiB-x2000-$fs"
		umnt
	done
	cd /
	rm -rf $R
	if [ $base != tmpfs ]; then
		case_end profile
		return 0
	fi
	fresh $R/L $R/rd
	cd $R/L || return
	i=0
	while [ $i -lt 128 ]; do
		mkdir $i && : > $i/k$i
		i=$((i + 1))
	done
	$B - mkfiles 127 f 100 0
	lowers=$(seq -s: 0 127)
	for fs in overlay layerfs; do
		mod=$fs
		dropcaches
		mnt $fs "$lowers" "" "" x
		trace_on $mod
		$B - lookup $M x 100 0
		trace_off "lookup-cold-absent-L128-$fs"
		umnt
	done
	cd $R/rd || return
	mkdir 0 && $B - mkfiles 0 e $READDIR_N 0
	for fs in overlay layerfs; do
		mnt $fs 0 "" "" x
		trace_on $fs
		$B - readdir $M 1 $READDIR_N
		trace_off "readdir-first-L1-$fs"
		umnt
	done
	cd $R || return
	mkdir -p lo/d && $B - mkfiles lo/d f 200 100 && $B - mkfile lo/big 1
	for fs in overlay layerfs; do
		fresh u w
		mnt $fs lo u w x
		trace_on $fs
		$B - create $M/d n 200
		$B - unlink $M/d f 200
		$B - openwrite $M/big
		trace_off "create+unlink-lower+copyup-$fs"
		umnt
	done
	cd /
	rm -rf $R
	case_end profile
}

start=$(up)
log "LFS-BENCH-START kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) mem_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
log "config: $(grep -v '^#' /bench/config | tr '\n' ' ')"
for base in $BASES; do
	case $base in
	tmpfs)
		mount -t tmpfs -o size=${TMPFS_MB}m tmpfs /bench/tmpfs || fail "tmpfs"
		root=/bench/tmpfs
		;;
	ext4)
		root=/mnt/ext4/bench
		mkdir -p $root
		;;
	esac
	for c in lookup readdir read copyup files untar cstart profile; do
		# profiles once, on the first base: they cost 5 minutes each
		[ $c = profile ] && [ $base != "${BASES%% *}" ] && continue
		want $c && case_$c
	done
	[ $base = tmpfs ] && umount /bench/tmpfs
done
log "LFS-BENCH-END errors=$errors seconds=$(awk -v a="$start" -v b="$(up)" 'BEGIN { printf "%.0f", b - a }')"
[ $errors = 0 ]
