#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: build (once, cached) a 6.12 kernel from linux-source-6.12
# with KASAN, PROVE_LOCKING, DEBUG_KMEMLEAK and DEBUG_ATOMIC_SLEEP, build
# layerfs.ko against it, and run the whole VM suite on it.  vm-scan.sh then
# fails the run on any KASAN, lockdep, kmemleak or sleep-in-atomic report.
#
#   scripts/debug-kernel.sh build   kernel + modules + layerfs.ko only
#   scripts/debug-kernel.sh check   build, then the VM suite (default)
#
# environment: LFS_DEBUG_JOBS (make -j, default 2), LFS_TIMEOUT_SCALE (the
#   selftests' per-test limits times this, default 20), LFS_VM_DIR (default
#   .cache/vm-debug), LFS_VM_MEM (MiB, default 3072), LFS_VM_TIMEOUT
#   (seconds, default 10800), and run-vm.sh's LFS_RUN_* to narrow the run.
#   The suite runs on layerfs only by default (LFS_RUN_FSTYPES=layerfs):
#   overlayfs is the reference, not what this kernel is for, and the guest
#   is about 20 times slower (the layerfs suite on tmpfs alone took 40
#   minutes; both bases and the runner about 100).
#
# The kernel starts from x86_64_defconfig + kvm_guest.config (a small guest
# config, so it builds on 2 cores) and scripts/debug-kernel.config on top.
# It is rebuilt only when the resulting config changes: its hash is stored
# next to the bzImage.
set -euo pipefail
# Run from make check-debug: the kernel's make must not see our make's flags.
unset MAKEFLAGS MFLAGS MAKELEVEL

top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache/debug-kernel
src=$cache/src
modroot=$cache/root
moddir=$cache/module
tarball=/usr/src/linux-source-6.12.tar.xz
fragment=$top/scripts/debug-kernel.config
jobs=${LFS_DEBUG_JOBS:-2}
scale=${LFS_TIMEOUT_SCALE:-20}
mode=${1:-check}
case "$mode" in build|check) ;; *) echo "usage: $0 [build|check]" >&2; exit 2 ;; esac

log() { echo "debug-kernel: $*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# Build dependencies of a kernel tree; DEBUG_INFO_NONE means no dwarves.
install_deps() {
	local p st missing=()

	for p in flex bison bc libelf-dev libssl-dev; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	as_root apt-get install -y "${missing[@]}"
}

extract() {
	[ -f "$src/Makefile" ] && return 0
	[ -f "$tarball" ] || { log "$tarball missing (apt-get install linux-source-6.12)"; exit 1; }
	log "extracting $tarball"
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
}

# The CONFIG_ lines of a config file, hashed: what decides a rebuild.
config_hash() {
	grep '^CONFIG_' "$1" | sha256sum | cut -d' ' -f1
}

# The wanted config, in .config.lfs (the built tree's .config is untouched
# until we know it differs).
configure() {
	local cfg=.config.lfs

	(cd "$src" &&
	 KCONFIG_CONFIG=$cfg make -s x86_64_defconfig &&
	 KCONFIG_CONFIG=$cfg scripts/kconfig/merge_config.sh -m $cfg \
		kernel/configs/kvm_guest.config "$fragment" >/dev/null &&
	 KCONFIG_CONFIG=$cfg make -s olddefconfig)
	check_config "$src/$cfg"
}

# merge_config.sh only warns when a value did not stick; the debug options
# are the point of this kernel, so a missing one is an error.
check_config() {
	local opt bad=0

	for opt in KASAN PROVE_LOCKING DEBUG_KMEMLEAK DEBUG_ATOMIC_SLEEP \
		   OVERLAY_FS VIRTIO_BLK BLK_DEV_DM DM_FLAKEY EXT4_FS DEBUG_FS; do
		grep -Eq "^CONFIG_$opt=(y|m)" "$1" || {
			log "CONFIG_$opt is not set in the merged config"
			bad=1
		}
	done
	return $bad
}

# Cached: a bzImage and installed modules built from the same effective
# config (a comment-only change to the fragment does not rebuild).
build_kernel() {
	local hash start

	configure
	hash=$(config_hash "$src/.config.lfs")
	if [ -f "$src/arch/x86/boot/bzImage" ] && [ -d "$modroot/lib/modules" ] &&
	   [ "$(cat "$cache/config.sha256" 2>/dev/null)" = "$hash" ]; then
		rm -f "$src/.config.lfs"
		log "kernel $(kernel_release) cached"
		return 0
	fi
	rm -f "$cache/config.sha256"
	mv "$src/.config.lfs" "$src/.config"
	start=$(date +%s)
	log "building bzImage and modules with -j$jobs (long: KASAN + lockdep)"
	nice -n 15 make -C "$src" -j"$jobs" bzImage modules
	rm -rf "$modroot"
	make -C "$src" -s INSTALL_MOD_PATH="$modroot" modules_install
	echo "$hash" >"$cache/config.sha256"
	log "kernel $(kernel_release) built in $(( $(date +%s) - start )) s"
}

kernel_release() {
	make -C "$src" -s kernelrelease
}

# A copy of module/, so module/layerfs.ko (built for the distro kernel and
# used by everyone else) is not clobbered.
build_layerfs() {
	rm -rf "$moddir"
	mkdir -p "$moddir"
	cp "$top"/module/*.[ch] "$top"/module/Kbuild "$moddir/"
	rm -f "$moddir"/*.mod.c
	log "building layerfs.ko against $(kernel_release)"
	nice -n 15 make -C "$src" M="$moddir" -j"$jobs" modules
}

# The selftests with their per-test limits raised to match (the guest
# runs about 20 times slower), in a build directory of their own.
build_selftests() {
	log "building the selftests with LFS_TIMEOUT_SCALE=$scale"
	make -C "$top/selftests" -s BUILD="$cache/selftests" \
		LFS_TIMEOUT_SCALE="$scale" KSRC_CACHE="$top/.cache/ksrc"
}

# The whole VM suite on the debug kernel.  KASAN and lockdep make the guest
# several times slower under emulation: more memory (KASAN's shadow is an
# eighth of it, kmemleak keeps metadata per object) and a longer timeout.
run_suite() {
	LFS_SELFTESTS_BUILD=$cache/selftests \
	LFS_KERNEL=$src/arch/x86/boot/bzImage \
	LFS_MODROOT=$modroot \
	KVER=$(kernel_release) \
	LFS_MODULE=$moddir/layerfs.ko \
	LFS_VM_DIR=${LFS_VM_DIR:-$top/.cache/vm-debug} \
	LFS_VM_MEM=${LFS_VM_MEM:-3072} \
	LFS_VM_TIMEOUT=${LFS_VM_TIMEOUT:-10800} \
	LFS_RUN_FSTYPES=${LFS_RUN_FSTYPES:-layerfs} \
	LFS_RUN_LIMIT=${LFS_RUN_LIMIT:-2700} \
		"$top/scripts/run-vm.sh" check
}

main() {
	mkdir -p "$cache"
	install_deps
	extract
	build_kernel
	build_layerfs
	[ "$mode" = build ] && return 0
	build_selftests
	run_suite
}

# One line, parsed before main runs: the script may be edited meanwhile.
main "$@"; exit $?
