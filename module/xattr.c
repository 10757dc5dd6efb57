// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - extended attributes.  Everything is passed to the real object
 * except our private names (and overlayfs's, which we interpret): those can
 * be neither seen nor changed through the union, so whiteouts, opaque
 * markers and redirects cannot be forged or read by users.
 */
#include <linux/fs.h>
#include <linux/xattr.h>
#include <linux/slab.h>

#include "layerfs.h"
#include "parse.h"

static int lfs_xattr_get(const struct xattr_handler *handler,
			 struct dentry *dentry, struct inode *inode,
			 const char *name, void *buffer, size_t size)
{
	const struct cred *old;
	struct path real;
	ssize_t res;

	if (lfs_is_private_xattr(name))
		return -ENODATA;
	lfs_real_path(inode, &real);
	old = lfs_override_creds(inode->i_sb);
	res = vfs_getxattr(mnt_idmap(real.mnt), real.dentry, name, buffer,
			   size);
	lfs_revert_creds(old);
	return res;
}

/* Removing what is not there changes nothing: no copy-up for that. */
static bool lfs_xattr_absent(struct inode *inode, const char *name)
{
	const struct cred *old;
	struct path real;
	ssize_t res;

	lfs_real_path(inode, &real);
	old = lfs_override_creds(inode->i_sb);
	res = vfs_getxattr(mnt_idmap(real.mnt), real.dentry, name, NULL, 0);
	lfs_revert_creds(old);
	return res == -ENODATA;
}

/* Set (value) or remove (!value) an xattr: on the upper copy. */
static int lfs_xattr_set(const struct xattr_handler *handler,
			 struct mnt_idmap *idmap, struct dentry *dentry,
			 struct inode *inode, const char *name,
			 const void *value, size_t size, int flags)
{
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	struct mnt_idmap *uidmap;
	const struct cred *old;
	struct dentry *upper;
	int err;

	if (lfs_is_private_xattr(name))
		return -EPERM;
	if (!dentry)
		return -EOPNOTSUPP;
	if (!value && !lfs_upper(inode) && lfs_xattr_absent(inode, name))
		return -ENODATA;
	err = lfs_copy_up(dentry, LFS_COPY_META);
	if (err)
		return err;
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	uidmap = mnt_idmap(lfs->layers[0].mnt);
	upper = lfs_upper(inode);
	old = lfs_override_creds(inode->i_sb);
	if (value)
		err = vfs_setxattr(uidmap, upper, name, value, size, flags);
	else
		err = vfs_removexattr(uidmap, upper, name);
	lfs_revert_creds(old);
	mnt_drop_write(lfs->layers[0].mnt);
	lfs_copyattr(inode);
	return err;
}

/* Private names are dropped; trusted.* only for those who may read them. */
static bool lfs_can_list(const char *name)
{
	if (lfs_is_private_xattr(name))
		return false;
	if (!strncmp(name, XATTR_TRUSTED_PREFIX, XATTR_TRUSTED_PREFIX_LEN))
		return ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
	return true;
}

ssize_t lfs_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct inode *inode = d_inode(dentry);
	const struct cred *old;
	struct path real;
	ssize_t res;

	lfs_real_path(inode, &real);
	old = lfs_override_creds(inode->i_sb);
	res = vfs_listxattr(real.dentry, list, size);
	lfs_revert_creds(old);
	if (res <= 0 || !size)
		return res;

	/* Squeeze out what the caller may not see, in place (parse.c). */
	return lfs_parse_xattr_list(list, res, lfs_can_list);
}

static const struct xattr_handler lfs_xattr_handler = {
	.prefix	= "",	/* every name; the VFS has checked permissions */
	.get	= lfs_xattr_get,
	.set	= lfs_xattr_set,
};

const struct xattr_handler * const lfs_xattr_handlers[] = {
	&lfs_xattr_handler,
	NULL,
};
