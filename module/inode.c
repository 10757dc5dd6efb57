// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - union inodes: creation from a lookup result, the inode cache
 * that keeps hard links one inode, permission, getattr and symlinks.
 */
#include <linux/fs.h>
#include <linux/fileattr.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "layerfs.h"

/*
 * The inode is going (destroy_inode): drop the references of its stack.
 * The pointers stay, and so does the lower array until lfs_free_inode(),
 * after an RCU grace period: a path walk in RCU mode may still be reading
 * them (lfs_permission() with MAY_NOT_BLOCK).  The dentries themselves are
 * freed after a grace period too; one may turn negative meanwhile, which
 * such a reader takes as -ECHILD.
 */
void lfs_inode_put_stack(struct lfs_inode *li)
{
	unsigned int i;

	dput(li->upper);
	for (i = 0; i < li->numlower; i++)
		dput(li->lower[i].dentry);
}

/* From ->free_inode, after the grace period: nobody can see it now. */
void lfs_inode_free_stack(struct lfs_inode *li)
{
	if (li->lower != &li->lower1)
		kfree(li->lower);
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

/*
 * Called in RCU path walk too (MAY_NOT_BLOCK), on an inode that may be
 * going: its real inode may be gone already (lfs_inode_put_stack()), and
 * then the walk must start again in ref mode (-ECHILD).
 */
int lfs_permission(struct mnt_idmap *idmap, struct inode *inode, int mask)
{
	struct lfs_layer *layer;
	struct inode *real = lfs_real_inode_layer(inode, &layer);
	const struct cred *old;
	int err;

	if (!real) {
		WARN_ON_ONCE(!(mask & MAY_NOT_BLOCK));
		return -ECHILD;
	}

	/* The caller's rights, on what the union shows... */
	err = generic_permission(&nop_mnt_idmap, inode, mask);
	if (err)
		return err;

	/* ...and the mounter's, on the real object that will serve it. */
	old = lfs_override_creds(inode->i_sb);
	if (layer->idx && !special_file(real->i_mode) && (mask & MAY_WRITE)) {
		/* A write to a lower object means reading it for copy-up. */
		mask &= ~(MAY_WRITE | MAY_APPEND);
		mask |= MAY_READ;
	}
	err = inode_permission(mnt_idmap(layer->mnt), real, mask);
	lfs_revert_creds(old);
	return err;
}

int lfs_getattr(struct mnt_idmap *idmap, const struct path *path,
		struct kstat *stat, u32 request_mask, unsigned int flags)
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

	/* Blocks in use are those of the data, still below for metacopy. */
	if (lfs_is_metacopy(inode)) {
		struct kstat lstat;

		lfs_data_path(inode, &real);
		old = lfs_override_creds(inode->i_sb);
		err = vfs_getattr_nosec(&real, &lstat, STATX_BLOCKS, flags);
		lfs_revert_creds(old);
		if (err)
			return err;
		stat->blocks = lstat.blocks;
	}

	stat->dev = inode->i_sb->s_dev;
	stat->ino = inode->i_ino;
	if (test_bit(LFS_I_LINKGROUP, &LFS_I(inode)->flags))
		stat->nlink = inode->i_nlink;
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

/* Which copy-up a change of attributes needs. */
static enum lfs_copy_up_mode lfs_setattr_copy_mode(struct inode *inode,
						   struct iattr *attr)
{
	if (attr->ia_valid & ATTR_SIZE)
		return attr->ia_size ? LFS_COPY_DATA : LFS_COPY_NODATA;
	return LFS_COPY_META;
}

int lfs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
		struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	const struct cred *old;
	struct dentry *upper;
	int err;

	err = setattr_prepare(&nop_mnt_idmap, dentry, attr);
	if (err)
		return err;
	err = lfs_copy_up(dentry, lfs_setattr_copy_mode(inode, attr));
	if (err)
		return err;
	/* A shrinking or growing metacopy file needs its data first. */
	if ((attr->ia_valid & ATTR_SIZE) && lfs_is_metacopy(inode)) {
		err = lfs_copy_data_up(dentry);
		if (err)
			return err;
	}

	/* The union file means nothing to the upper filesystem. */
	attr->ia_valid &= ~ATTR_FILE;
	/* notify_change() recomputes the mode when it kills suid/sgid. */
	if (attr->ia_valid & (ATTR_KILL_SUID | ATTR_KILL_SGID))
		attr->ia_valid &= ~ATTR_MODE;

	upper = lfs_upper(inode);
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	old = lfs_override_creds(inode->i_sb);
	inode_lock(d_inode(upper));
	err = notify_change(mnt_idmap(lfs->layers[0].mnt), upper, attr, NULL);
	inode_unlock(d_inode(upper));
	lfs_revert_creds(old);
	mnt_drop_write(lfs->layers[0].mnt);
	if (!err)
		lfs_copyattr(inode);
	return err;
}

int lfs_fileattr_get(struct dentry *dentry, struct fileattr *fa)
{
	struct inode *inode = d_inode(dentry);
	const struct cred *old;
	struct path real;
	int err;

	lfs_real_path(inode, &real);
	old = lfs_override_creds(inode->i_sb);
	err = vfs_fileattr_get(real.dentry, fa);
	lfs_revert_creds(old);
	if (!err)
		lfs_prot_fileattr_get(inode, fa);
	return err;
}

int lfs_fileattr_set(struct mnt_idmap *idmap, struct dentry *dentry,
		     struct fileattr *fa)
{
	struct inode *inode = d_inode(dentry);
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	const struct cred *old;
	int err;

	/*
	 * Metadata only: append-only and immutable are a record on the
	 * copy (protattr.c), which stays writable for copy-up and links.
	 */
	err = lfs_copy_up(dentry, LFS_COPY_META);
	if (err)
		return err;
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	old = lfs_override_creds(inode->i_sb);
	err = lfs_prot_fileattr_set(lfs, inode, lfs_upper(inode), fa);
	lfs_revert_creds(old);
	mnt_drop_write(lfs->layers[0].mnt);
	lfs_copyattr(inode);
	return err;
}

static const struct inode_operations lfs_file_inode_operations = {
	.permission	= lfs_permission,
	.getattr	= lfs_getattr,
	.setattr	= lfs_setattr,
	.set_acl	= lfs_set_acl,
	.listxattr	= lfs_listxattr,
	.get_inode_acl	= lfs_get_inode_acl,
	.get_acl	= lfs_get_acl,
	.fileattr_get	= lfs_fileattr_get,
	.fileattr_set	= lfs_fileattr_set,
};

static const struct inode_operations lfs_symlink_inode_operations = {
	.get_link	= lfs_get_link,
	.getattr	= lfs_getattr,
	.setattr	= lfs_setattr,
	.listxattr	= lfs_listxattr,
};

static const struct inode_operations lfs_special_inode_operations = {
	.permission	= lfs_permission,
	.getattr	= lfs_getattr,
	.setattr	= lfs_setattr,
	.set_acl	= lfs_set_acl,
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

/*
 * The names of a file in the union.  A lower file with several names (a
 * hard-link group) has them in both layers once copied up: the copy's
 * upper links but the one in the index, plus the lower names not copied
 * up yet (lfs_links_up() counts those that were).  Every removal or
 * renaming over a name of such a group copies that name up first, so
 * the count stays exact across remounts; stat() reports it.  Lower names
 * hidden by a higher layer are counted too, as overlayfs does.
 *
 * Other files: the real file's count, but the union inode's must not
 * reach 0 while a name is left (the VFS checks it before link()), so a
 * copied-up file counts its origin's names on top.
 */
static unsigned int lfs_names(struct inode *inode,
			      struct lfs_lookup_result *res,
			      struct inode *real)
{
	struct inode *lower;
	unsigned int up;
	u64 gone;

	if (S_ISDIR(real->i_mode) || !res->numlower)
		return real->i_nlink;
	lower = d_inode(res->lower[0].dentry);
	if (lower->i_nlink < 2 || !LFS_FS(inode->i_sb)->indexdir)
		return real->i_nlink + (res->upper ? lower->i_nlink : 0);

	set_bit(LFS_I_LINKGROUP, &LFS_I(inode)->flags);
	if (!res->upper)
		return lower->i_nlink;
	up = d_inode(res->upper)->i_nlink;
	gone = min_t(u64, lfs_links_up(LFS_FS(inode->i_sb), res->upper),
		     lower->i_nlink);
	return max((up ? up - 1 : 0) + lower->i_nlink - (unsigned int)gone,
		   1U);
}

static int lfs_fill_inode(struct inode *inode, struct lfs_lookup_result *res)
{
	struct lfs_inode *li = LFS_I(inode);
	struct inode *real;
	int err;

	err = lfs_inode_take_stack(li, res);
	if (err)
		return err;
	inode->i_ino = lfs_stack_ino(inode->i_sb, res);
	real = lfs_real_inode(inode);
	lfs_set_ops(inode, real);
	lfs_acl_init(inode);
	/* Times live in the real inode; the VFS must not touch ours. */
	inode->i_flags |= S_NOATIME | S_NOCMTIME;
	if (S_ISDIR(inode->i_mode)) {
		if ((res->upper ? 1 : 0) + res->numlower > 1)
			set_bit(LFS_I_MERGED, &li->flags);
		if (res->opaque)
			set_bit(LFS_I_OPAQUE, &li->flags);
	}
	if (res->redirect)
		set_bit(LFS_I_REDIRECT, &li->flags);
	if (res->upper)
		lfs_prot_load(inode, res->upper);
	if (res->upper && !res->metacopy)
		lfs_set_upperdata(inode);
	set_nlink(inode, lfs_names(inode, res, real));
	lfs_copyattr(inode);
	return 0;
}

struct lfs_inode_key {
	struct inode *origin;
	struct inode *upper;
};

/*
 * Two names are one union inode when they stem from the same real inode,
 * unless both have been copied up separately (to different upper inodes).
 */
static int lfs_inode_test(struct inode *inode, void *data)
{
	struct lfs_inode_key *key = data;
	struct dentry *upper = lfs_upper(inode);

	if (inode->i_private != key->origin)
		return 0;
	return !upper || !key->upper || d_inode(upper) == key->upper;
}

static int lfs_inode_set(struct inode *inode, void *data)
{
	inode->i_private = ((struct lfs_inode_key *)data)->origin;
	return 0;
}

/*
 * A cached inode met again through a name that has been copied up (a hard
 * link of a lower file copied up through another name, after a remount)
 * takes the upper object, so every name shows the same data.
 */
static void lfs_inode_adopt_upper(struct inode *inode,
				  struct lfs_lookup_result *res)
{
	struct lfs_inode *li = LFS_I(inode);

	if (!res->upper || lfs_upper(inode))
		return;
	mutex_lock(&li->lock);
	if (!lfs_upper(inode)) {
		lfs_prot_load(inode, res->upper);
		lfs_set_upper(inode, dget(res->upper));
		if (!res->metacopy)
			lfs_set_upperdata(inode);
		lfs_copyattr(inode);
	}
	mutex_unlock(&li->lock);
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
	struct lfs_inode_key key;
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
	key.origin = d_inode(origin);
	key.upper = res->upper ? d_inode(res->upper) : NULL;
	inode = iget5_locked(sb, (unsigned long)key.origin, lfs_inode_test,
			     lfs_inode_set, &key);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW)) {
		lfs_inode_adopt_upper(inode, res);
		return inode;
	}
	err = lfs_fill_inode(inode, res);
	if (err) {
		iget_failed(inode);
		return ERR_PTR(err);
	}
	unlock_new_inode(inode);
	return inode;
}

/* A new object just created in the upper layer. */
struct inode *lfs_new_upper_inode(struct super_block *sb,
				  struct dentry *upper)
{
	struct lfs_lookup_result res = { .upper = upper };

	return lfs_get_inode(sb, &res);
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
