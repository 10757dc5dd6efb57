// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - copy-up: bringing a lower object into the upper layer before it
 * is changed.
 *
 * The copy is prepared in the work directory (an O_TMPFILE for regular
 * files, a temporary name for everything else): data, then xattrs, then
 * owner and mode, then times last.  Unless the mount is volatile it is made
 * durable, and only then linked or renamed into the upper directory, so the
 * union shows either the lower object or the complete copy, never a partial
 * one.  A metadata change of a regular file copies metadata only; the data
 * follows on the first open for write.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fileattr.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "layerfs.h"
#include "parse.h"

/* Large copies go in pieces, so a fatal signal can stop them. */
#define LFS_COPY_CHUNK	(8 << 20)

struct lfs_copy {
	struct dentry *dentry;		/* union object being copied up */
	struct lfs_fs *lfs;
	struct dentry *udir;		/* upper parent directory */
	struct path lower;		/* lower object */
	struct path data;		/* where its data is (a metacopy chain) */
	struct kstat stat;		/* its attributes */
	enum lfs_copy_up_mode mode;
	bool metacopy;			/* leaving the data below */
	unsigned int prot;		/* LFS_PROT_* recorded on the copy */
};

static struct mnt_idmap *lfs_uidmap(struct lfs_fs *lfs)
{
	return mnt_idmap(lfs->layers[0].mnt);
}

/* Copy [0, len) from src to dst keeping holes; dst already has size len. */
static int lfs_copy_range(struct file *src, struct file *dst, loff_t len)
{
	unsigned int flags = file_inode(src)->i_sb == file_inode(dst)->i_sb ?
			     0 : COPY_FILE_SPLICE;
	loff_t pos = 0;

	if (vfs_clone_file_range(src, 0, dst, 0, len, 0) == len)
		return 0;

	while (pos < len) {
		loff_t data = vfs_llseek(src, pos, SEEK_DATA);
		loff_t hole;

		if (data == -ENXIO)
			break;
		if (data < 0)
			return data;
		hole = vfs_llseek(src, data, SEEK_HOLE);
		if (hole < 0)
			return hole;
		hole = min(hole, len);
		for (pos = data; pos < hole;) {
			ssize_t n = vfs_copy_file_range(src, pos, dst, pos,
							min_t(loff_t, hole - pos,
							      LFS_COPY_CHUNK),
							flags);
			if (n < 0)
				return n;
			if (!n)
				return -EIO;
			pos += n;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return 0;
}

/*
 * Called under the copy-up's mnt_want_write() on the upper mount, which
 * holds the upper sb's freeze protection (sb_start_write).  Clone and
 * copy_file_range take that protection on dst again, and a second read
 * hold deadlocks when a freeze of the upper fs starts in between (lockdep:
 * "possible recursive locking detected", sb_writers).  So the data is
 * copied without our hold, as the VFS expects its callers to; the mount
 * write count stays, and dst is our tmpfile or an upper file li->lock
 * keeps other copy-ups away from.
 */
static int lfs_copy_data(struct lfs_fs *lfs, const struct path *lower,
			 struct file *dst, loff_t len)
{
	struct super_block *usb = file_inode(dst)->i_sb;
	struct file *src;
	int err;

	if (!len)
		return 0;
	src = dentry_open(lower, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(src))
		return PTR_ERR(src);
	sb_end_write(usb);
	err = lfs_copy_range(src, dst, len);
	sb_start_write(usb);
	fput(src);
	if (!err && !lfs->config.is_volatile)
		err = vfs_fsync(dst, 0);
	return err;
}

static int lfs_setattr_real(struct lfs_fs *lfs, struct dentry *d,
			    struct iattr *attr)
{
	struct inode *inode = d_inode(d);
	int err;

	inode_lock(inode);
	err = notify_change(lfs_uidmap(lfs), d, attr, NULL);
	inode_unlock(inode);
	return err;
}

/* Owner, then mode (a chown clears set-id bits), times last. */
static int lfs_copy_attrs(struct lfs_fs *lfs, struct dentry *d,
			  const struct kstat *stat)
{
	struct iattr attr = {
		.ia_valid = ATTR_UID | ATTR_GID,
		.ia_vfsuid = VFSUIDT_INIT(stat->uid),
		.ia_vfsgid = VFSGIDT_INIT(stat->gid),
	};
	int err;

	err = lfs_setattr_real(lfs, d, &attr);
	if (!err && !S_ISLNK(stat->mode)) {
		attr.ia_valid = ATTR_MODE;
		attr.ia_mode = stat->mode;
		err = lfs_setattr_real(lfs, d, &attr);
	}
	if (!err) {
		attr.ia_valid = ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET |
				ATTR_MTIME_SET;
		attr.ia_atime = stat->atime;
		attr.ia_mtime = stat->mtime;
		err = lfs_setattr_real(lfs, d, &attr);
	}
	return err;
}

static int lfs_copy_acl(struct lfs_fs *lfs, const struct path *lower,
			struct dentry *d, int type)
{
	const char *name = posix_acl_xattr_name(type);
	struct posix_acl *acl;
	int err;

	if (!IS_POSIXACL(d_inode(lower->dentry)) || !IS_POSIXACL(d_inode(d)))
		return 0;
	acl = vfs_get_acl(mnt_idmap(lower->mnt), lower->dentry, name);
	if (IS_ERR_OR_NULL(acl))
		return PTR_ERR_OR_ZERO(acl) == -ENODATA ? 0 : PTR_ERR_OR_ZERO(acl);
	err = vfs_set_acl(lfs_uidmap(lfs), d, name, acl);
	posix_acl_release(acl);
	return err;
}

static int lfs_copy_one_xattr(struct lfs_fs *lfs, const struct path *lower,
			      struct dentry *d, const char *name, void **buf,
			      size_t *bufsize)
{
	ssize_t size;

	size = vfs_getxattr(mnt_idmap(lower->mnt), lower->dentry, name, NULL, 0);
	if (size == -ENODATA)
		return 0;
	if (size < 0)
		return size;
	if (size > *bufsize) {
		void *nbuf = kvmalloc(size, GFP_KERNEL);

		if (!nbuf)
			return -ENOMEM;
		kvfree(*buf);
		*buf = nbuf;
		*bufsize = size;
	}
	size = vfs_getxattr(mnt_idmap(lower->mnt), lower->dentry, name, *buf,
			    size);
	if (size < 0)
		return size;
	return vfs_setxattr(lfs_uidmap(lfs), d, name, *buf, size, 0);
}

/*
 * Whether a security module wants xattr name of the lower object on the
 * copy (security_inode_copy_up_xattr()): 1 to copy, 0 to leave out (EVM
 * drops a signature that would not verify on the copy; SELinux and Smack
 * their labels, which the copy gets from lfs_copy_creds()), -errno to fail
 * the copy-up.  Names no module knows are copied.
 */
static int lfs_lsm_keeps_xattr(const struct path *lower, const char *name)
{
	int err = security_inode_copy_up_xattr(lower->dentry, name);

	if (err == -ECANCELED)
		return 0;
	if (err && err != -EOPNOTSUPP)
		return err;
	return 1;
}

/* Every xattr but ours (and ACLs, which go through the ACL API). */
static int lfs_copy_xattrs(struct lfs_fs *lfs, const struct path *lower,
			   struct dentry *d)
{
	char *list = NULL, *name;
	size_t bufsize = 0;
	void *buf = NULL;
	int err = 0, keep;
	ssize_t len;

	len = vfs_listxattr(lower->dentry, NULL, 0);
	if (len <= 0)
		goto acls;
	list = kvmalloc(len, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	len = vfs_listxattr(lower->dentry, list, len);
	if (len < 0) {
		err = len;
		goto out;
	}
	for (name = list; !err && name < list + len;
	     name += strnlen(name, list + len - name) + 1) {
		if (lfs_is_private_xattr(name) || is_posix_acl_xattr(name))
			continue;
		keep = lfs_lsm_keeps_xattr(lower, name);
		if (keep < 0) {
			err = keep;
			break;
		}
		if (!keep)
			continue;
		err = lfs_copy_one_xattr(lfs, lower, d, name, &buf, &bufsize);
		/* What the upper filesystem cannot store, it cannot store. */
		if (err == -EOPNOTSUPP)
			err = 0;
	}
	if (err)
		goto out;
acls:
	err = lfs_copy_acl(lfs, lower, d, ACL_TYPE_ACCESS);
	if (!err && S_ISDIR(d_inode(lower->dentry)->i_mode))
		err = lfs_copy_acl(lfs, lower, d, ACL_TYPE_DEFAULT);
	if (err == -EOPNOTSUPP)
		err = 0;
out:
	kvfree(buf);
	kvfree(list);
	return err;
}

static int lfs_set_origin(struct lfs_fs *lfs, struct dentry *d,
			  struct inode *lower)
{
	char buf[LFS_ORIGIN_MAX];
	int len = lfs_format_origin(lower, buf, sizeof(buf));

	if (len < 0)
		return len;
	return lfs_setxattr_real(lfs, d, LFS_XATTR_ORIGIN, buf, len);
}

/* chattr flags such as nodump or nocow, where both sides have them. */
static int lfs_copy_fileattr(struct lfs_copy *c, struct dentry *d)
{
	struct fileattr fa = { .flags_valid = true };
	struct fileattr nfa = { .flags_valid = true };
	int err;

	if (!S_ISREG(c->stat.mode) && !S_ISDIR(c->stat.mode))
		return 0;
	err = vfs_fileattr_get(c->lower.dentry, &fa);
	if (err || !(fa.flags & LFS_COPY_FS_FLAGS))
		return 0;
	err = vfs_fileattr_get(d, &nfa);
	if (err)
		return 0;
	nfa.flags |= fa.flags & LFS_COPY_FS_FLAGS;
	err = vfs_fileattr_set(lfs_uidmap(c->lfs), d, &nfa);
	return err == -EOPNOTSUPP || err == -ENOTTY || err == -EINVAL ? 0 : err;
}

/* What every copy carries besides data: xattrs, markers, attributes. */
static int lfs_copy_meta(struct lfs_copy *c, struct dentry *d)
{
	int err;

	err = lfs_copy_xattrs(c->lfs, &c->lower, d);
	if (!err)
		err = lfs_copy_fileattr(c, d);
	if (!err)
		err = lfs_prot_copy_up(c->lfs, d_inode(c->lower.dentry), d,
				       &c->prot);
	if (!err && !S_ISDIR(c->stat.mode))
		err = lfs_set_origin(c->lfs, d, d_inode(c->lower.dentry));
	if (!err && c->metacopy)
		err = lfs_setxattr_real(c->lfs, d, LFS_XATTR_METACOPY, NULL, 0);
	if (!err)
		err = lfs_copy_attrs(c->lfs, d, &c->stat);
	return err;
}

/*
 * A copy of a lower file that has other names goes into the index before
 * it gets this name, so that after a crash at any step every name shows
 * the same file: the lower one, or the copy (found through the index).
 */
static bool lfs_copy_has_links(const struct lfs_copy *c)
{
	return !S_ISDIR(c->stat.mode) && c->stat.nlink > 1;
}

/*
 * A count recorded on an upper copy, read with the mounter's credentials
 * (trusted.* needs them); no record or a bad one reads as 0.
 */
static u64 lfs_read_count(struct lfs_fs *lfs, struct dentry *upper,
			  const char *name)
{
	const struct cred *old;
	char buf[24];
	ssize_t len;
	u64 n = 0;

	old = lfs_compat_override_creds(lfs->creator_cred);
	len = lfs_getxattr_real(&lfs->layers[0], upper, name, buf, sizeof(buf));
	lfs_compat_revert_creds(old);
	if (len <= 0 || lfs_parse_origin(buf, len, &n))
		n = 0;
	return n;
}

/*
 * How many names of a lower hard-link group were copied up (each is then
 * an upper link of the copy), recorded on the copy: the group's count in
 * the union is the copy's links but the index one, plus the lower names
 * not copied up (lfs_names()).  A copy is made with 0 and counts each
 * name once it is linked, so a crash in between counts one name too many,
 * never too few.  No record or a bad one reads as 0: a count that can be
 * too high, never too low.  Called from lookup too, with the caller's
 * credentials: trusted.* needs the mounter's.
 */
u64 lfs_links_up(struct lfs_fs *lfs, struct dentry *upper)
{
	return lfs_read_count(lfs, upper, LFS_XATTR_LINKSUP);
}

/*
 * The lower file's link count when the copy was made, recorded so that
 * the mount can tell an index entry whose names are all gone without
 * finding the lower file (lfs_index_cleanup()).  No record or a bad one
 * reads as 0: unknown.
 */
u64 lfs_lower_links(struct lfs_fs *lfs, struct dentry *upper)
{
	return lfs_read_count(lfs, upper, LFS_XATTR_LOWERLINKS);
}

static int lfs_set_count(struct lfs_fs *lfs, struct dentry *upper,
			 const char *name, u64 n)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", n);
	return lfs_setxattr_real(lfs, upper, name, buf, strlen(buf));
}

static int lfs_set_links_up(struct lfs_fs *lfs, struct dentry *upper, u64 n)
{
	return lfs_set_count(lfs, upper, LFS_XATTR_LINKSUP, n);
}

/*
 * After a name of the group was linked: one more copied up.  The link is
 * there and the count errs on the high side if this fails, so the call
 * that linked does not fail for it.
 */
static void lfs_count_link_up(struct lfs_fs *lfs, struct dentry *upper,
			      u64 before)
{
	int err = lfs_set_links_up(lfs, upper, before + 1);

	if (err)
		pr_warn_ratelimited("layerfs: cannot count a hard link of %pd (error %d): its st_nlink may be one too high\n",
				    upper, err);
}

static int lfs_copy_index(struct lfs_copy *c, struct dentry *copy)
{
	int err;

	if (!lfs_copy_has_links(c))
		return 0;
	err = lfs_set_links_up(c->lfs, copy, 0);
	if (!err)
		err = lfs_set_count(c->lfs, copy, LFS_XATTR_LOWERLINKS,
				    c->stat.nlink);
	if (!err)
		err = lfs_index_add(c->lfs, copy, d_inode(c->lower.dentry));
	return err;
}

static void lfs_copy_unindex(struct lfs_copy *c, struct dentry *copy)
{
	if (lfs_copy_has_links(c))
		lfs_index_remove(c->lfs, copy, d_inode(c->lower.dentry));
}

/* Link the finished O_TMPFILE into the upper directory under its name. */
static struct dentry *lfs_link_into_place(struct lfs_copy *c,
					  struct dentry *temp)
{
	struct inode *udir = d_inode(c->udir);
	struct dentry *newd;
	int err;

	inode_lock_nested(udir, I_MUTEX_PARENT);
	newd = lfs_lookup_upper_locked(c->lfs, c->udir, &c->dentry->d_name);
	if (IS_ERR(newd))
		goto out;
	err = d_is_negative(newd) ? 0 : -EEXIST;
	if (!err)
		err = vfs_link(temp, lfs_uidmap(c->lfs), udir, newd, NULL);
	if (err) {
		dput(newd);
		newd = ERR_PTR(err);
	}
out:
	inode_unlock(udir);
	return newd;
}

/*
 * A security module may want the copy created with other credentials than
 * the mounter's (SELinux: with the union object's label), which it makes
 * in security_inode_copy_up().  They are in force while the copy is being
 * created, not for the rest of the copy-up.
 */
static int lfs_copy_creds(struct lfs_copy *c, const struct cred **old)
{
	struct cred *new = NULL;
	int err;

	*old = NULL;
	err = security_inode_copy_up(c->dentry, &new);
	if (err < 0)
		return err;
	if (new) {
		*old = lfs_compat_override_creds(new);
		put_cred(new);
	}
	return 0;
}

static void lfs_copy_creds_revert(const struct cred *old)
{
	if (old)
		lfs_compat_revert_creds(old);
}

static struct dentry *lfs_copy_up_reg(struct lfs_copy *c)
{
	struct path work = { .mnt = c->lfs->layers[0].mnt,
			     .dentry = c->lfs->workdir };
	struct iattr size = { .ia_valid = ATTR_SIZE };
	const struct cred *old;
	struct file *tmp;
	struct dentry *newd;
	int err;

	err = lfs_copy_creds(c, &old);
	if (err)
		return ERR_PTR(err);
	tmp = kernel_tmpfile_open(lfs_uidmap(c->lfs), &work, S_IFREG | 0600,
				  O_RDWR | O_LARGEFILE, current_cred());
	lfs_copy_creds_revert(old);
	if (IS_ERR(tmp))
		return ERR_CAST(tmp);

	size.ia_size = c->mode == LFS_COPY_NODATA ? 0 : c->stat.size;
	err = lfs_setattr_real(c->lfs, tmp->f_path.dentry, &size);
	if (!err && c->mode == LFS_COPY_DATA)
		err = lfs_copy_data(c->lfs, &c->data, tmp, c->stat.size);
	if (!err)
		err = lfs_copy_meta(c, tmp->f_path.dentry);
	if (!err)
		err = lfs_copy_index(c, tmp->f_path.dentry);
	if (err) {
		fput(tmp);
		return ERR_PTR(err);
	}
	newd = lfs_link_into_place(c, tmp->f_path.dentry);
	if (IS_ERR(newd))
		lfs_copy_unindex(c, tmp->f_path.dentry);
	fput(tmp);
	return newd;
}

/* Make the non-regular copy under a temporary name in the work dir. */
static int lfs_make_temp(struct lfs_copy *c, struct dentry *temp)
{
	struct inode *work = d_inode(c->lfs->workdir);
	struct mnt_idmap *idmap = lfs_uidmap(c->lfs);
	umode_t mode = c->stat.mode;
	DEFINE_DELAYED_CALL(done);
	const char *link;
	int err;

	switch (mode & S_IFMT) {
	case S_IFDIR:
		return lfs_do_mkdir(c->lfs, work, temp, S_IFDIR | 0700);
	case S_IFLNK:
		link = vfs_get_link(c->lower.dentry, &done);
		if (IS_ERR(link))
			return PTR_ERR(link);
		err = vfs_symlink(idmap, work, temp, link);
		do_delayed_call(&done);
		return err;
	default:
		return vfs_mknod(idmap, work, temp, (mode & S_IFMT) | 0600,
				 c->stat.rdev);
	}
}

/* Directories, symlinks and special files: temp name, then rename. */
static struct dentry *lfs_copy_up_other(struct lfs_copy *c)
{
	struct lfs_fs *lfs = c->lfs;
	struct dentry *temp, *newd = NULL, *trap;
	struct inode *work = d_inode(lfs->workdir);
	const struct cred *old;
	int err;

	err = lfs_copy_creds(c, &old);
	if (err)
		return ERR_PTR(err);
	inode_lock_nested(work, I_MUTEX_PARENT);
	temp = lfs_temp_name(lfs);
	err = PTR_ERR_OR_ZERO(temp);
	if (!err)
		err = lfs_make_temp(c, temp);
	inode_unlock(work);
	lfs_copy_creds_revert(old);
	if (err)
		goto out;
	err = lfs_copy_meta(c, temp);
	if (!err)
		err = lfs_copy_index(c, temp);
	if (err)
		goto out_cleanup;

	trap = lock_rename(lfs->workdir, c->udir);
	err = -EIO;
	if (IS_ERR(trap) || trap || temp->d_parent != lfs->workdir)
		goto out_unlock;
	newd = lfs_lookup_upper_locked(lfs, c->udir, &c->dentry->d_name);
	err = PTR_ERR_OR_ZERO(newd);
	if (!err && d_is_positive(newd))
		err = -EEXIST;
	if (!err)
		err = lfs_do_rename(lfs, work, temp, d_inode(c->udir), newd, 0);
out_unlock:
	if (!IS_ERR(trap))
		unlock_rename(lfs->workdir, c->udir);
	if (!err) {
		/* The rename moved temp onto the target name. */
		dput(newd);
		return temp;
	}
	if (!IS_ERR_OR_NULL(newd))
		dput(newd);
	lfs_copy_unindex(c, temp);
out_cleanup:
	inode_lock_nested(work, I_MUTEX_PARENT);
	if (temp->d_parent == lfs->workdir && d_is_positive(temp))
		lfs_do_remove(lfs, work, temp);
	inode_unlock(work);
out:
	if (!IS_ERR_OR_NULL(temp))
		dput(temp);
	return ERR_PTR(err);
}

/* The name of this union dentry exists in the upper layer already. */
static bool lfs_name_is_upper(struct dentry *dentry, struct dentry *udir)
{
	struct dentry *upper = lfs_upper(d_inode(dentry));
	bool same;

	if (!upper)
		return false;
	if (d_is_dir(upper))
		return true;
	spin_lock(&upper->d_lock);
	same = upper->d_parent == udir &&
	       upper->d_name.len == dentry->d_name.len &&
	       !memcmp(upper->d_name.name, dentry->d_name.name,
		       dentry->d_name.len);
	spin_unlock(&upper->d_lock);
	return same;
}

/*
 * Another name of an inode already copied up (a hard link in a lower
 * layer): link the upper inode under this name too, so the names stay one
 * file.
 */
static int lfs_link_up(struct lfs_copy *c)
{
	struct dentry *upper = lfs_upper(d_inode(c->dentry));
	struct inode *udir = d_inode(c->udir);
	struct dentry *newd;
	bool linked = false;
	u64 before;
	int err;

	/*
	 * An upper file made append-only or immutable outside the union
	 * (through it, the flags are a record: protattr.c) cannot get
	 * another link; nor can its names be removed or renamed, so the
	 * shared upper inode serves this name from below until the flag goes.
	 */
	if (IS_APPEND(d_inode(upper)) || IS_IMMUTABLE(d_inode(upper)))
		return 0;
	before = lfs_links_up(c->lfs, upper);
	inode_lock_nested(udir, I_MUTEX_PARENT);
	newd = lfs_lookup_upper_locked(c->lfs, c->udir, &c->dentry->d_name);
	err = PTR_ERR_OR_ZERO(newd);
	if (!err && d_is_positive(newd)) {
		err = d_inode(newd) == d_inode(upper) ? 0 : -EEXIST;
	} else if (!err) {
		err = vfs_link(upper, lfs_uidmap(c->lfs), udir, newd, NULL);
		linked = !err;
	}
	inode_unlock(udir);
	if (!IS_ERR(newd))
		dput(newd);
	if (linked)
		lfs_count_link_up(c->lfs, upper, before);
	return err;
}

static int lfs_copy_up_new(struct lfs_copy *c)
{
	struct inode *inode = d_inode(c->dentry);
	struct lfs_inode *li = LFS_I(inode);
	struct dentry *newd;
	int err;

	c->lower.mnt = li->lower[0].layer->mnt;
	c->lower.dentry = li->lower[0].dentry;
	lfs_lower_data_path(inode, &c->data);
	err = vfs_getattr_nosec(&c->lower, &c->stat, STATX_BASIC_STATS,
				AT_STATX_SYNC_AS_STAT);
	if (err)
		return err;

	if (S_ISREG(c->stat.mode)) {
		c->metacopy = c->mode == LFS_COPY_META && c->stat.size;
		newd = lfs_copy_up_reg(c);
	} else {
		newd = lfs_copy_up_other(c);
	}
	if (IS_ERR(newd))
		return PTR_ERR(newd);
	if (lfs_copy_has_links(c))
		lfs_count_link_up(c->lfs, newd, 0);
	if (c->metacopy)
		set_bit(LFS_I_METACOPY, &li->flags);
	lfs_prot_remember(inode, c->prot);
	lfs_set_upper(inode, newd);
	lfs_copyattr(inode);
	return 0;
}

static int lfs_copy_up_locked(struct lfs_copy *c)
{
	struct inode *inode = d_inode(c->dentry);
	int err = 0;

	if (!lfs_upper(inode))
		err = lfs_copy_up_new(c);
	else if (!lfs_name_is_upper(c->dentry, c->udir))
		err = lfs_link_up(c);
	/* Any write needs the data: O_TRUNC of a metacopy file included. */
	if (!err && c->mode != LFS_COPY_META &&
	    test_bit(LFS_I_METACOPY, &LFS_I(inode)->flags))
		err = lfs_copy_data_up_locked(c->lfs, inode);
	return err;
}

/*
 * Copying a child up must not change the parent's times: the directory
 * did not change in the union.  Put back what it had.
 */
static void lfs_restore_times(struct lfs_fs *lfs, struct dentry *udir,
			      const struct kstat *st)
{
	struct iattr attr = {
		.ia_valid = ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET |
			    ATTR_MTIME_SET,
		.ia_atime = st->atime,
		.ia_mtime = st->mtime,
	};

	lfs_setattr_real(lfs, udir, &attr);
}

static int lfs_copy_up_one(struct dentry *dentry, enum lfs_copy_up_mode mode)
{
	struct inode *inode = d_inode(dentry);
	struct lfs_inode *li = LFS_I(inode);
	struct lfs_copy c = {
		.dentry = dentry,
		.lfs = LFS_FS(dentry->d_sb),
		.mode = mode,
	};
	struct path upath = { .mnt = c.lfs->layers[0].mnt };
	struct dentry *parent;
	const struct cred *old;
	struct kstat pstat;
	int err;

	mutex_lock(&li->lock);
	parent = dget_parent(dentry);
	c.udir = lfs_upper(d_inode(parent));
	upath.dentry = c.udir;
	err = mnt_want_write(c.lfs->layers[0].mnt);
	if (!err) {
		old = lfs_override_creds(dentry->d_sb);
		err = vfs_getattr_nosec(&upath, &pstat, STATX_ATIME | STATX_MTIME,
					AT_STATX_SYNC_AS_STAT);
		if (!err)
			err = lfs_copy_up_locked(&c);
		if (!err)
			lfs_restore_times(c.lfs, c.udir, &pstat);
		lfs_revert_creds(old);
		mnt_drop_write(c.lfs->layers[0].mnt);
	}
	dput(parent);
	mutex_unlock(&li->lock);
	return err;
}

static bool lfs_needs_copy_up(struct dentry *dentry,
			      enum lfs_copy_up_mode mode)
{
	struct inode *inode = d_inode(dentry);
	struct dentry *parent;
	bool done;

	if (!lfs_upper(inode))
		return true;
	if (mode != LFS_COPY_META &&
	    test_bit(LFS_I_METACOPY, &LFS_I(inode)->flags))
		return true;
	if (d_is_dir(dentry))
		return false;
	parent = dget_parent(dentry);
	done = lfs_name_is_upper(dentry, lfs_upper(d_inode(parent)));
	dput(parent);
	return !done;
}

/* Bring every ancestor of dentry that is only below into the upper layer. */
static int lfs_copy_up_parents(struct dentry *dentry)
{
	for (;;) {
		struct dentry *next = dget_parent(dentry);
		struct dentry *parent;
		int err;

		if (lfs_upper(d_inode(next))) {
			dput(next);
			return 0;
		}
		/* Find the topmost one whose parent is up already. */
		for (;;) {
			parent = dget_parent(next);
			if (lfs_upper(d_inode(parent)))
				break;
			dput(next);
			next = parent;
		}
		dput(parent);
		err = lfs_copy_up_one(next, LFS_COPY_META);
		dput(next);
		if (err)
			return err;
	}
}

int lfs_copy_up(struct dentry *dentry, enum lfs_copy_up_mode mode)
{
	int err;

	if (!lfs_upper_layer(LFS_FS(dentry->d_sb)))
		return -EROFS;
	if (!lfs_needs_copy_up(dentry, mode))
		return 0;
	err = lfs_copy_up_parents(dentry);
	if (!err)
		err = lfs_copy_up_one(dentry, mode);
	return err;
}

int lfs_copy_up_for_open(struct dentry *dentry, int flags)
{
	if (!(OPEN_FMODE(flags) & FMODE_WRITE) && !(flags & O_TRUNC))
		return 0;
	return lfs_copy_up(dentry, (flags & O_TRUNC) ? LFS_COPY_NODATA :
						       LFS_COPY_DATA);
}

/*
 * The data of a metacopy file follows its metadata: copied in place into
 * the (sparse, full-size) upper file, made durable, and only then is the
 * marker removed.  Until that moment reads are served from below, so a
 * crash at any point shows the old data.
 */
int lfs_copy_data_up_locked(struct lfs_fs *lfs, struct inode *inode)
{
	struct lfs_inode *li = LFS_I(inode);
	struct path lower;
	struct path upper;
	struct file *dst;
	int err;

	lfs_lower_data_path(inode, &lower);
	lfs_upper_path(inode, &upper);
	dst = dentry_open(&upper, O_WRONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	err = lfs_copy_data(lfs, &lower, dst, i_size_read(d_inode(upper.dentry)));
	fput(dst);
	if (!err)
		err = vfs_removexattr(lfs_uidmap(lfs), upper.dentry,
				      LFS_XATTR_METACOPY);
	if (!err)
		clear_bit(LFS_I_METACOPY, &li->flags);
	return err;
}

int lfs_copy_data_up(struct dentry *dentry)
{
	return lfs_copy_up(dentry, LFS_COPY_DATA);
}
