// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - union inodes: creation from a lookup result, the inode cache
 * that keeps hard links one inode, permission, getattr and symlinks.
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>

#include "layerfs.h"

void lfs_inode_free_stack(struct lfs_inode *li)
{
	unsigned int i;

	dput(li->upper);
	li->upper = NULL;
	for (i = 0; i < li->numlower; i++)
		dput(li->lower[i].dentry);
	if (li->lower != &li->lower1)
		kfree(li->lower);
	li->lower = NULL;
	li->numlower = 0;
}

static int lfs_inode_take_stack(struct lfs_inode *li,
				struct lfs_lookup_result *res)
{
	unsigned int i;

	if (res->numlower == 1) {
		li->lower = &li->lower1;
	} else if (res->numlower) {
		li->lower = kmemdup(res->lower,
				    res->numlower * sizeof(*res->lower),
				    GFP_KERNEL);
		if (!li->lower)
			return -ENOMEM;
	}
	for (i = 0; i < res->numlower; i++) {
		li->lower[i] = res->lower[i];
		dget(li->lower[i].dentry);
	}
	li->numlower = res->numlower;
	li->upper = dget(res->upper);
	return 0;
}

static int lfs_permission(struct mnt_idmap *idmap, struct inode *inode,
			  int mask)
{
	struct lfs_layer *layer = lfs_real_layer(inode);
	struct inode *real = lfs_real_inode(inode);
	const struct cred *old;
	int err;

	/* The caller's rights, on what the union shows... */
	err = generic_permission(&nop_mnt_idmap, inode, mask);
	if (err)
		return err;

	/* ...and the mounter's, on the real object that will serve it. */
	old = lfs_override_creds(inode->i_sb);
	if (!lfs_upper(inode) && !special_file(real->i_mode) &&
	    (mask & MAY_WRITE)) {
		/* A write to a lower object means reading it for copy-up. */
		mask &= ~(MAY_WRITE | MAY_APPEND);
		mask |= MAY_READ;
	}
	err = inode_permission(mnt_idmap(layer->mnt), real, mask);
	lfs_revert_creds(old);
	return err;
}

static int lfs_getattr(struct mnt_idmap *idmap, const struct path *path,
		       struct kstat *stat, u32 request_mask,
		       unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	const struct cred *old;
	struct path real;
	int err;

	lfs_real_path(inode, &real);
	old = lfs_override_creds(inode->i_sb);
	/* The security check, if asked for, was done on the union inode. */
	if (flags & AT_GETATTR_NOSEC)
		err = vfs_getattr_nosec(&real, stat, request_mask, flags);
	else
		err = vfs_getattr(&real, stat, request_mask, flags);
	lfs_revert_creds(old);
	if (err)
		return err;

	stat->dev = inode->i_sb->s_dev;
	stat->ino = inode->i_ino;
	/* Counting the subdirectories of a merged dir is not worth it. */
	if (test_bit(LFS_I_MERGED, &LFS_I(inode)->flags))
		stat->nlink = 1;
	return 0;
}

static const char *lfs_get_link(struct dentry *dentry, struct inode *inode,
				struct delayed_call *done)
{
	const struct cred *old;
	struct path real;
	const char *link;

	if (!dentry)
		return ERR_PTR(-ECHILD);
	lfs_real_path(inode, &real);
	old = lfs_override_creds(inode->i_sb);
	link = vfs_get_link(real.dentry, done);
	lfs_revert_creds(old);
	return link;
}

static struct posix_acl *lfs_get_inode_acl(struct inode *inode, int type,
					   bool rcu)
{
	struct inode *real = lfs_real_inode(inode);
	const struct cred *old;
	struct posix_acl *acl;

	if (!IS_POSIXACL(real))
		return NULL;
	if (rcu)
		return get_cached_acl_rcu(real, type);
	old = lfs_override_creds(inode->i_sb);
	acl = get_inode_acl(real, type);
	lfs_revert_creds(old);
	return acl;
}

static struct posix_acl *lfs_get_acl(struct mnt_idmap *idmap,
				     struct dentry *dentry, int type)
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

const struct inode_operations lfs_dir_inode_operations = {
	.lookup		= lfs_lookup,
	.permission	= lfs_permission,
	.getattr	= lfs_getattr,
	.listxattr	= lfs_listxattr,
	.get_inode_acl	= lfs_get_inode_acl,
	.get_acl	= lfs_get_acl,
};

static const struct inode_operations lfs_file_inode_operations = {
	.permission	= lfs_permission,
	.getattr	= lfs_getattr,
	.listxattr	= lfs_listxattr,
	.get_inode_acl	= lfs_get_inode_acl,
	.get_acl	= lfs_get_acl,
};

static const struct inode_operations lfs_symlink_inode_operations = {
	.get_link	= lfs_get_link,
	.getattr	= lfs_getattr,
	.listxattr	= lfs_listxattr,
};

static const struct inode_operations lfs_special_inode_operations = {
	.permission	= lfs_permission,
	.getattr	= lfs_getattr,
	.listxattr	= lfs_listxattr,
	.get_inode_acl	= lfs_get_inode_acl,
	.get_acl	= lfs_get_acl,
};

static void lfs_set_ops(struct inode *inode, struct inode *real)
{
	umode_t mode = real->i_mode & S_IFMT;

	inode->i_mode = mode;
	switch (mode) {
	case S_IFREG:
		inode->i_op = &lfs_file_inode_operations;
		inode->i_fop = &lfs_file_operations;
		break;
	case S_IFDIR:
		inode->i_op = &lfs_dir_inode_operations;
		inode->i_fop = &lfs_dir_operations;
		break;
	case S_IFLNK:
		inode->i_op = &lfs_symlink_inode_operations;
		break;
	default:
		inode->i_op = &lfs_special_inode_operations;
		init_special_inode(inode, mode, real->i_rdev);
		break;
	}
}

/* The object whose inode number the union shows: the top lower one. */
static struct lfs_layer *lfs_origin(struct lfs_lookup_result *res,
				    struct super_block *sb,
				    struct dentry **dentry)
{
	if (res->numlower) {
		*dentry = res->lower[0].dentry;
		return res->lower[0].layer;
	}
	*dentry = res->upper;
	return &LFS_FS(sb)->layers[0];
}

static int lfs_fill_inode(struct inode *inode, struct lfs_lookup_result *res)
{
	struct lfs_inode *li = LFS_I(inode);
	struct lfs_layer *olayer;
	struct dentry *origin;
	struct inode *real;
	int err;

	err = lfs_inode_take_stack(li, res);
	if (err)
		return err;
	olayer = lfs_origin(res, inode->i_sb, &origin);
	inode->i_ino = lfs_ino(inode->i_sb, olayer, d_inode(origin)->i_ino);
	real = lfs_real_inode(inode);
	lfs_set_ops(inode, real);
	/* Times live in the real inode; the VFS must not touch ours. */
	inode->i_flags |= S_NOATIME | S_NOCMTIME;
	if (S_ISDIR(inode->i_mode)) {
		if ((res->upper ? 1 : 0) + res->numlower > 1)
			set_bit(LFS_I_MERGED, &li->flags);
		if (res->opaque)
			set_bit(LFS_I_OPAQUE, &li->flags);
	}
	set_nlink(inode, real->i_nlink);
	lfs_copyattr(inode);
	return 0;
}

static int lfs_inode_test(struct inode *inode, void *key)
{
	return inode->i_private == key;
}

static int lfs_inode_set(struct inode *inode, void *key)
{
	inode->i_private = key;
	return 0;
}

/*
 * Directories get a fresh inode per dentry.  Other objects are hashed by the
 * real inode they stem from, so that hard links in a layer stay one inode in
 * the union.
 */
struct inode *lfs_get_inode(struct super_block *sb,
			    struct lfs_lookup_result *res)
{
	struct dentry *top = res->upper ?: res->lower[0].dentry;
	struct inode *inode;
	struct dentry *origin;
	int err;

	if (d_is_dir(top)) {
		inode = new_inode(sb);
		if (!inode)
			return ERR_PTR(-ENOMEM);
		err = lfs_fill_inode(inode, res);
		if (err) {
			iput(inode);
			return ERR_PTR(err);
		}
		return inode;
	}

	lfs_origin(res, sb, &origin);
	inode = iget5_locked(sb, (unsigned long)d_inode(origin),
			     lfs_inode_test, lfs_inode_set, d_inode(origin));
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;
	err = lfs_fill_inode(inode, res);
	if (err) {
		iget_failed(inode);
		return ERR_PTR(err);
	}
	unlock_new_inode(inode);
	return inode;
}

struct inode *lfs_new_root_inode(struct super_block *sb,
				 struct lfs_lookup_result *res)
{
	struct inode *inode = lfs_get_inode(sb, res);

	/* The root is never opaque: there is nothing above it to hide. */
	if (!IS_ERR(inode))
		clear_bit(LFS_I_OPAQUE, &LFS_I(inode)->flags);
	return inode;
}
