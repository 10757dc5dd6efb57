// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - POSIX ACLs.
 *
 * The union inode never caches an ACL: every permission check and every
 * read of an ACL goes to the real inode of the moment, whose filesystem
 * caches it and drops that cache on every change.  A change through the
 * union, a copy-up (which swaps the real inode) and a change made directly
 * in the upper layer are thereby all seen at once.  In RCU walk only the
 * real inode's cached ACL is used; when it has none cached the walk drops
 * out of RCU mode (-ECHILD from check_acl()) and reads it properly.
 */
#include <linux/fs.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>

#include "layerfs.h"

/* Every union inode but a symlink (which has no ACL operations). */
void lfs_acl_init(struct inode *inode)
{
	if (IS_ENABLED(CONFIG_FS_POSIX_ACL) && !S_ISLNK(inode->i_mode)) {
		inode->i_acl = ACL_DONT_CACHE;
		inode->i_default_acl = ACL_DONT_CACHE;
	}
}

struct posix_acl *lfs_get_inode_acl(struct inode *inode, int type, bool rcu)
{
	struct inode *real = lfs_real_inode(inode);
	const struct cred *old;
	struct posix_acl *acl;

	if (!IS_POSIXACL(real))
		return NULL;
	/* What the real inode has cached, or "not cached": -ECHILD. */
	if (rcu)
		return get_cached_acl_rcu(real, type);
	old = lfs_override_creds(inode->i_sb);
	acl = get_inode_acl(real, type);
	lfs_revert_creds(old);
	return acl;
}

struct posix_acl *lfs_get_acl(struct mnt_idmap *idmap, struct dentry *dentry,
			      int type)
{
	struct inode *inode = d_inode(dentry);
	struct lfs_layer *layer = lfs_real_layer(inode);
	const struct cred *old;
	struct posix_acl *acl;
	struct path real;

	lfs_real_path(inode, &real);
	if (!IS_POSIXACL(d_inode(real.dentry)))
		return NULL;
	old = lfs_override_creds(inode->i_sb);
	acl = vfs_get_acl(mnt_idmap(layer->mnt), real.dentry,
			  posix_acl_xattr_name(type));
	lfs_revert_creds(old);
	return acl;
}

int lfs_set_acl(struct mnt_idmap *idmap, struct dentry *dentry,
		struct posix_acl *acl, int type)
{
	struct inode *inode = d_inode(dentry);
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	const char *name = posix_acl_xattr_name(type);
	const struct cred *old;
	int err;

	if (!IS_POSIXACL(d_inode(lfs->layers[0].mnt->mnt_root)))
		return -EOPNOTSUPP;
	err = lfs_copy_up(dentry, LFS_COPY_META);
	if (err)
		return err;
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	old = lfs_override_creds(inode->i_sb);
	if (acl)
		err = vfs_set_acl(mnt_idmap(lfs->layers[0].mnt),
				  lfs_upper(inode), name, acl);
	else
		err = vfs_remove_acl(mnt_idmap(lfs->layers[0].mnt),
				     lfs_upper(inode), name);
	lfs_revert_creds(old);
	mnt_drop_write(lfs->layers[0].mnt);
	lfs_copyattr(inode);
	return err;
}
