// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - append-only and immutable flags of union objects.
 *
 * They are kept in trusted.layerfs.protattr on the upper object, not set
 * on it: a really immutable upper directory would refuse the copy-up of
 * its children (which an immutable directory allows to change), and a
 * really append-only or immutable upper file would refuse the links that
 * join its other names.  The union inode carries the flags (S_APPEND,
 * S_IMMUTABLE), so the VFS enforces them on every union operation as on
 * a plain filesystem.  Flags set on the real upper object by other means
 * are honoured as well (lfs_copyattr); a chattr through the union moves
 * them into the record.
 */
#include <linux/fs.h>
#include <linux/fileattr.h>
#include <linux/xattr.h>

#include "layerfs.h"
#include "parse.h"

#define LFS_PROT_FS_FLAGS	(FS_APPEND_FL | FS_IMMUTABLE_FL)
#define LFS_PROT_FSX_FLAGS	(FS_XFLAG_APPEND | FS_XFLAG_IMMUTABLE)

/* Only regular files and directories have chattr flags in the union. */
static bool lfs_prot_applies(umode_t mode)
{
	return S_ISREG(mode) || S_ISDIR(mode);
}

/* LFS_PROT_* from inode flags (S_APPEND, S_IMMUTABLE). */
unsigned int lfs_prot_from_iflags(unsigned int iflags)
{
	return ((iflags & S_APPEND) ? LFS_PROT_APPEND : 0) |
	       ((iflags & S_IMMUTABLE) ? LFS_PROT_IMMUTABLE : 0);
}

/* The inode flags the record gives the union inode. */
unsigned int lfs_prot_iflags(struct inode *inode)
{
	unsigned long flags = LFS_I(inode)->flags;

	return (test_bit(LFS_I_PROT_APPEND, &flags) ? S_APPEND : 0) |
	       (test_bit(LFS_I_PROT_IMMUTABLE, &flags) ? S_IMMUTABLE : 0);
}

/* Remember the recorded flags in the union inode (lfs_copyattr applies). */
void lfs_prot_remember(struct inode *inode, unsigned int prot)
{
	struct lfs_inode *li = LFS_I(inode);

	assign_bit(LFS_I_PROT_APPEND, &li->flags, prot & LFS_PROT_APPEND);
	assign_bit(LFS_I_PROT_IMMUTABLE, &li->flags,
		   prot & LFS_PROT_IMMUTABLE);
}

/*
 * Read the record of an upper object, with the mounter's credentials
 * (lookups run with the caller's).  None, or one that is not ours to
 * read, is no flags; a malformed one is reported and ignored, as a
 * missing one would be.
 */
static unsigned int lfs_prot_read(struct lfs_fs *lfs, struct dentry *upper)
{
	char buf[LFS_PROT_MAX_LEN];
	const struct cred *old;
	unsigned int prot = 0;
	ssize_t len;

	old = lfs_compat_override_creds(lfs->creator_cred);
	len = lfs_getxattr_real(&lfs->layers[0], upper, LFS_XATTR_PROTATTR,
				buf, sizeof(buf));
	lfs_compat_revert_creds(old);
	if (len == -ENODATA || len == -EOPNOTSUPP)
		return 0;
	if (len < 0 || lfs_parse_protattr(buf, len, &prot)) {
		pr_warn_ratelimited("layerfs: invalid protattr on %pd (%zd): ignored\n",
				    upper, len);
		return 0;
	}
	return prot;
}

/* At inode set-up and adoption of an upper object: take its record. */
void lfs_prot_load(struct inode *inode, struct dentry *upper)
{
	if (lfs_prot_applies(d_inode(upper)->i_mode))
		lfs_prot_remember(inode,
				  lfs_prot_read(LFS_FS(inode->i_sb), upper));
}

/* Write (or, for no flags, remove) the record; caller overrides creds. */
int lfs_prot_write(struct lfs_fs *lfs, struct dentry *upper,
		   unsigned int prot)
{
	char buf[LFS_PROT_MAX_LEN];
	size_t len = lfs_format_protattr(prot, buf);
	int err;

	if (len)
		return lfs_setxattr_real(lfs, upper, LFS_XATTR_PROTATTR, buf,
					 len);
	err = vfs_removexattr(mnt_idmap(lfs->layers[0].mnt), upper,
			      LFS_XATTR_PROTATTR);
	return err == -ENODATA ? 0 : err;
}

/* A copy takes the flags its lower object has, as a record. */
int lfs_prot_copy_up(struct lfs_fs *lfs, struct inode *lower,
		     struct dentry *copy, unsigned int *prot)
{
	*prot = 0;
	if (!lfs_prot_applies(lower->i_mode))
		return 0;
	*prot = lfs_prot_from_iflags(lower->i_flags);
	return *prot ? lfs_prot_write(lfs, copy, *prot) : 0;
}

/* What lsattr shows: the real object's flags and the recorded ones. */
void lfs_prot_fileattr_get(struct inode *inode, struct fileattr *fa)
{
	unsigned int iflags = lfs_prot_iflags(inode);

	if (iflags & S_APPEND) {
		fa->flags |= FS_APPEND_FL;
		fa->fsx_xflags |= FS_XFLAG_APPEND;
	}
	if (iflags & S_IMMUTABLE) {
		fa->flags |= FS_IMMUTABLE_FL;
		fa->fsx_xflags |= FS_XFLAG_IMMUTABLE;
	}
}

/*
 * chattr through the union on the upper object: the protection flags go
 * into the record, the others to the real object, which is left without
 * protection flags.  Record first: a crash in between leaves the object
 * protected twice, never unprotected.  An upper object that has the
 * flags for real (set outside the union) refuses a change of its xattrs,
 * so its real flags are cleared first; only there can a crash in between
 * leave it unprotected.  Caller overrides creds and holds write access.
 */
int lfs_prot_fileattr_set(struct lfs_fs *lfs, struct inode *inode,
			  struct dentry *upper, struct fileattr *fa)
{
	struct mnt_idmap *idmap = mnt_idmap(lfs->layers[0].mnt);
	unsigned int was = lfs_prot_from_iflags(lfs_prot_iflags(inode));
	unsigned int prot;
	bool real_prot;
	int err;

	prot = ((fa->flags & FS_APPEND_FL) ? LFS_PROT_APPEND : 0) |
	       ((fa->flags & FS_IMMUTABLE_FL) ? LFS_PROT_IMMUTABLE : 0);
	fa->flags &= ~LFS_PROT_FS_FLAGS;
	fa->fsx_xflags &= ~LFS_PROT_FSX_FLAGS;
	real_prot = IS_APPEND(d_inode(upper)) || IS_IMMUTABLE(d_inode(upper));

	if (real_prot) {
		err = vfs_fileattr_set(idmap, upper, fa);
		if (!err)
			err = lfs_prot_write(lfs, upper, prot);
	} else {
		err = lfs_prot_write(lfs, upper, prot);
		if (!err)
			err = vfs_fileattr_set(idmap, upper, fa);
		/* A refused chattr changes nothing: the old record back. */
		if (err && prot != was)
			lfs_prot_write(lfs, upper, was);
	}
	/* What is on disk now, whichever step failed. */
	lfs_prot_remember(inode, lfs_prot_read(lfs, upper));
	return err;
}
