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
 *
 * Changes are made on the upper copy with the mounter's credentials, but
 * whether the change keeps the set-group-ID bit is the caller's matter:
 * see lfs_acl_override_creds().
 *
 * Objects made in the work directory and renamed over a whiteout would get
 * the work directory's default ACL (none) instead of their parent's:
 * lfs_acl_new_prepare() and lfs_acl_new_apply() give them their parent's.
 */
#include <linux/fs.h>
#include <linux/cred.h>
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

	/* An RCU walk that met the inode as it was being destroyed. */
	if (unlikely(!real))
		return ERR_PTR(-ECHILD);
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

/*
 * The real filesystem decides whether a change of ACL clears S_ISGID
 * (posix_acl_update_mode(): when the caller is neither in the file's group
 * nor has CAP_FSETID; tmpfs also on a removal, ext4 only on a set), but it
 * sees the mounter's credentials, which always pass.  A caller who would
 * not pass gets the mounter's credentials with the caller's groups and
 * without CAP_FSETID: the real filesystem then decides as it does for a
 * setfacl made on it directly.  Every other right (CAP_FOWNER to change
 * the upper copy, which the mounter owns) stays the mounter's.
 */
static int lfs_acl_override_creds(struct mnt_idmap *idmap,
				  struct inode *inode, struct lfs_creds *c)
{
	kgid_t fsgid = current_fsgid();
	struct group_info *groups;
	struct cred *new;

	c->mid = NULL;
	if (in_group_or_capable(idmap, inode, i_gid_into_vfsgid(idmap, inode))) {
		c->old = lfs_override_creds(inode->i_sb);
		return 0;
	}
	groups = get_current_groups();
	c->old = lfs_override_creds(inode->i_sb);
	new = prepare_creds();
	if (!new) {
		lfs_revert_creds(c->old);
		put_group_info(groups);
		return -ENOMEM;
	}
	new->fsgid = fsgid;
	set_groups(new, groups);
	put_group_info(groups);
	cap_lower(new->cap_effective, CAP_FSETID);
	c->mid = lfs_compat_override_creds(new);
	put_cred(new);
	return 0;
}

static void lfs_acl_revert_creds(struct lfs_creds *c)
{
	if (c->mid)
		lfs_compat_revert_creds(c->mid);
	lfs_revert_creds(c->old);
}

int lfs_set_acl(struct mnt_idmap *idmap, struct dentry *dentry,
		struct posix_acl *acl, int type)
{
	struct inode *inode = d_inode(dentry);
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	const char *name = posix_acl_xattr_name(type);
	struct lfs_creds creds;
	int err;

	if (!IS_POSIXACL(d_inode(lfs->layers[0].mnt->mnt_root)))
		return -EOPNOTSUPP;
	err = lfs_copy_up(dentry, LFS_COPY_META);
	if (err)
		return err;
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	err = lfs_acl_override_creds(idmap, inode, &creds);
	if (err)
		goto out_drop;
	if (acl)
		err = vfs_set_acl(mnt_idmap(lfs->layers[0].mnt),
				  lfs_upper(inode), name, acl);
	else
		err = vfs_remove_acl(mnt_idmap(lfs->layers[0].mnt),
				     lfs_upper(inode), name);
	lfs_acl_revert_creds(&creds);
out_drop:
	mnt_drop_write(lfs->layers[0].mnt);
	lfs_copyattr(inode);
	return err;
}

/*
 * What the directory udir gives a new object of *mode: its default ACL
 * (or the umask) shapes the mode and yields the new object's ACLs; a
 * directory in a set-group-ID directory is set-group-ID too.  Symlinks
 * and hard links take nothing.
 */
int lfs_acl_new_prepare(struct inode *udir, umode_t *mode,
			struct lfs_new_acls *n)
{
	n->acl = NULL;
	n->default_acl = NULL;
	if (S_ISDIR(*mode) && (udir->i_mode & S_ISGID))
		*mode |= S_ISGID;
	/* Without ACLs the upper filesystem applies the umask. */
	if (!IS_POSIXACL(udir)) {
		*mode &= ~current_umask();
		return 0;
	}
	return posix_acl_create(udir, mode, &n->default_acl, &n->acl);
}

static int lfs_acl_set_new(struct mnt_idmap *idmap, struct dentry *d,
			   const char *name, struct posix_acl *acl)
{
	if (!acl)
		return 0;
	return vfs_set_acl(idmap, d, name, acl);
}

/*
 * Give d, just made in the work directory (where the umask and no default
 * ACL applied), the mode and ACLs lfs_acl_new_prepare() computed.
 */
int lfs_acl_new_apply(struct lfs_fs *lfs, struct dentry *d, umode_t mode,
		      struct lfs_new_acls *n)
{
	struct mnt_idmap *idmap = mnt_idmap(lfs->layers[0].mnt);
	struct inode *inode = d_inode(d);
	struct iattr attr = { .ia_valid = ATTR_MODE, .ia_mode = mode };
	int err = 0;

	if (S_ISLNK(mode))
		return 0;
	if (inode->i_mode != mode) {
		inode_lock(inode);
		err = notify_change(idmap, d, &attr, NULL);
		inode_unlock(inode);
	}
	if (!err)
		err = lfs_acl_set_new(idmap, d, XATTR_NAME_POSIX_ACL_ACCESS,
				      n->acl);
	if (!err)
		err = lfs_acl_set_new(idmap, d, XATTR_NAME_POSIX_ACL_DEFAULT,
				      n->default_acl);
	return err;
}

void lfs_acl_new_release(struct lfs_new_acls *n)
{
	posix_acl_release(n->acl);
	posix_acl_release(n->default_acl);
}
