// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - small helpers shared by every part of the module: credential
 * override, which real object serves an inode, private xattr names and
 * st_ino composition.
 */
#include <linux/fs.h>
#include <linux/xattr.h>
#include <linux/fs_stack.h>

#include "layerfs.h"

/*
 * Every call into a layer runs with the credentials of whoever mounted the
 * union, so that a user may see what the union shows without needing rights
 * on the layers themselves.  The caller's rights are checked on the union
 * inode before we get here.
 */
const struct cred *lfs_override_creds(struct super_block *sb)
{
	return lfs_compat_override_creds(LFS_FS(sb)->creator_cred);
}

void lfs_revert_creds(const struct cred *old)
{
	lfs_compat_revert_creds(old);
}

/* The real object that serves data and attributes: upper first. */
void lfs_real_path(struct inode *inode, struct path *path)
{
	struct lfs_inode *li = LFS_I(inode);
	struct dentry *upper = lfs_upper(inode);

	if (upper) {
		path->mnt = LFS_FS(inode->i_sb)->layers[0].mnt;
		path->dentry = upper;
	} else {
		path->mnt = li->lower[0].layer->mnt;
		path->dentry = li->lower[0].dentry;
	}
}

struct inode *lfs_real_inode(struct inode *inode)
{
	struct dentry *upper = lfs_upper(inode);

	return d_inode(upper ?: LFS_I(inode)->lower[0].dentry);
}

struct lfs_layer *lfs_real_layer(struct inode *inode)
{
	if (lfs_upper(inode))
		return &LFS_FS(inode->i_sb)->layers[0];
	return LFS_I(inode)->lower[0].layer;
}

/* Names we own, and overlayfs's, which we interpret and so must hide. */
bool lfs_is_private_xattr(const char *name)
{
	return !strncmp(name, LFS_XATTR_PREFIX, strlen(LFS_XATTR_PREFIX)) ||
	       !strncmp(name, LFS_OVL_XATTR_PREFIX,
			strlen(LFS_OVL_XATTR_PREFIX));
}

/* Read an xattr of a real object; caller has overridden credentials. */
ssize_t lfs_getxattr_real(struct lfs_layer *layer, struct dentry *real,
			  const char *name, void *value, size_t size)
{
	return vfs_getxattr(mnt_idmap(layer->mnt), real, name, value, size);
}

static bool lfs_xattr_is_y(struct lfs_layer *layer, struct dentry *real,
			   const char *name)
{
	char val;

	return lfs_getxattr_real(layer, real, name, &val, 1) == 1 &&
	       val == 'y';
}

/*
 * An opaque directory hides everything below it.  Our own marker and the
 * one overlayfs writes are both honoured, so layer folders produced by
 * overlayfs or docker can be used as lower layers unchanged.
 */
bool lfs_is_opaque_dir(struct lfs_layer *layer, struct dentry *real)
{
	return lfs_xattr_is_y(layer, real, LFS_XATTR_OPAQUE) ||
	       lfs_xattr_is_y(layer, real, LFS_OVL_XATTR_OPAQUE);
}

/*
 * st_ino as users see it.  With every layer on one filesystem the real inode
 * number is already unique.  Otherwise the filesystem's index goes into the
 * top bits (the upper filesystem is index 0, so its numbers are unchanged).
 * A real number too large for the remaining bits is passed on as is: it
 * might collide, which is reported once.
 */
u64 lfs_ino(struct super_block *sb, struct lfs_layer *layer, u64 ino)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	unsigned int shift;

	if (!lfs->xino_bits || !layer->fsid)
		return ino;
	shift = 64 - lfs->xino_bits;
	if (ino >> shift) {
		if (!lfs->xino_warned) {
			lfs->xino_warned = true;
			pr_warn("layerfs: inode number %llu too large to compose a unique st_ino\n",
				ino);
		}
		return ino;
	}
	return ino | ((u64)layer->fsid << shift);
}

/* Mirror the real inode's attributes into the union inode. */
void lfs_copyattr(struct inode *inode)
{
	struct inode *real = lfs_real_inode(inode);

	inode->i_uid = real->i_uid;
	inode->i_gid = real->i_gid;
	inode->i_mode = real->i_mode;
	inode_set_atime_to_ts(inode, inode_get_atime(real));
	inode_set_mtime_to_ts(inode, inode_get_mtime(real));
	inode_set_ctime_to_ts(inode, inode_get_ctime(real));
	i_size_write(inode, i_size_read(real));
}
