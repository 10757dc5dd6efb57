# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced (bash): copy the distribution's kernel modules, decompressed and
# with their dependencies, into a VM image being built.  Used by
# scripts/mkinitramfs.sh (the test VM's initramfs) and scripts/rootfs-vm.sh
# (the payload disk of the Debian root filesystem VM).
#
#   vm_modules_init DIR   start a module set in DIR: DIR/load-order lists
#                         the .ko files in the order to insmod them
#   add_named_module NAME a distro module and its dependencies (fine when
#                         built in); exits when it does not exist
#   add_module_file KO [NAME]  a module built here (layerfs.ko), its
#                         dependencies first, as NAME (default: its own)
#
# needs: KVER; LFS_MODROOT (a root holding lib/modules/$KVER, default /).

moddir=${LFS_MODROOT:-}/lib/modules/$KVER
declare -A have=()

vm_modules_init() {
	moddest=$1
	have=()
	mkdir -p "$moddest"
	: > "$moddest/load-order"
}

modpath() {	# module name -> path relative to $moddir
	local n=${1//-/_} alt=${1//_/-}
	grep -m1 -E "^(.*/)?($n|$alt)\.ko(\.xz|\.gz|\.zst)?:" "$moddir/modules.dep" |
		cut -d: -f1
}

# modules.dep lists a module's dependencies; load the last one first.
add_distro_module() {	# relative path in modules.dep
	local rel=$1 deps dep i name
	name=$(basename "$rel"); name=${name%%.ko*}
	[ -z "${have[$name]:-}" ] || return 0
	have[$name]=1
	deps=$(grep -E "^$rel:" "$moddir/modules.dep" | cut -d: -f2)
	# shellcheck disable=SC2206
	local arr=($deps)
	for ((i = ${#arr[@]} - 1; i >= 0; i--)); do
		add_distro_module "${arr[i]}"
	done
	case "$rel" in
	*.xz) xz -dc "$moddir/$rel" > "$moddest/$name.ko" ;;
	*.gz) gzip -dc "$moddir/$rel" > "$moddest/$name.ko" ;;
	*.zst) zstd -qdc "$moddir/$rel" > "$moddest/$name.ko" ;;
	*) cp "$moddir/$rel" "$moddest/$name.ko" ;;
	esac
	echo "$name.ko" >> "$moddest/load-order"
}

add_named_module() {	# module name; silently fine when built in
	local rel
	rel=$(modpath "$1")
	if [ -n "$rel" ]; then
		add_distro_module "$rel"
	elif ! grep -qE "/${1//-/_}\.ko$|/${1//_/-}\.ko$" "$moddir/modules.builtin"; then
		echo "vm-modules: module $1 not found for $KVER" >&2
		exit 1
	fi
}

add_module_file() {	# path of a module built here [, name to give it]
	local ko=$1 dep name=${2:-$(basename "$1")}
	for dep in $(modinfo -F depends "$ko" | tr , ' '); do
		add_named_module "$dep"
	done
	cp "$ko" "$moddest/$name"
	echo "$name" >> "$moddest/load-order"
}
