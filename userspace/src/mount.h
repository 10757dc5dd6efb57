/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mount layer (mount.c): mount options (the mount helper's grammar,
 * lowerdir in the kernel's, from module/parse.c), the fsopen/fsconfig/
 * fsmount mount of a union, and the union of a container.
 */
#ifndef LFS_MOUNT_H
#define LFS_MOUNT_H

#include "store.h"

struct mount_req {
	struct strv kopts;	/* key[=value] passed to the kernel, in order */
	struct strv lowers;	/* split lower layers, top first */
	char *upperdir, *workdir;
	unsigned long attr;	/* MOUNT_ATTR_* */
	bool ro, mkdirs, remount;
	char *image, *container, *store;
	const char *fstype;
};
/* Split a mount option string at commas, honouring double quotes. */
int mountopt_split(const char *opts, struct strv *out);
/* Split lowerdir value at unescaped colons, unescaping "\:" and "\\". */
int lowerdir_split(const char *val, struct strv *out);
char *lowerdir_escape(const char *path);
int mount_req_parse(struct mount_req *r, const char *opts);
int mount_req_resolve(struct mount_req *r);
int mount_req_apply(struct mount_req *r, const char *target, bool fake, bool verbose);
void mount_req_free(struct mount_req *r);
const char *lfs_fstype(void);
bool fstype_available(const char *fstype);
/* 0 when the union's filesystem type is there, else -1 with the reason */
int union_fs_check(void);
/* Mount container @name's union (of image @image) on @target. */
int union_mount_container(struct store *st, const char *name, const char *image,
			  const char *target, bool ro);

#endif
