// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - directory operations of a writable union: create, mkdir,
 * mknod, symlink, link, O_TMPFILE, unlink, rmdir and rename.
 *
 * Every change ends in the upper layer with one atomic step: a name that
 * exists below is hidden by a whiteout made in the same rename that moves
 * the object away (RENAME_WHITEOUT); an object that must replace a whiteout
 * is prepared in the work directory and renamed over it; a renamed
 * directory with lower contents records where it came from (redirect).
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/backing-file.h>

#include "layerfs.h"
#include "parse.h"

static struct mnt_idmap *lfs_uidmap(struct lfs_fs *lfs)
{
	return mnt_idmap(lfs->layers[0].mnt);
}

/* Does name exist in a lower layer below dir (not hidden by a whiteout)? */
static int lfs_name_below(struct inode *dir, const struct qstr *name)
{
	struct lfs_inode *li = LFS_I(dir);
	unsigned int i;

	for (i = lfs_name_index_start(dir, name); i < li->numlower; i++) {
		struct lfs_entry *e = &li->lower[i];
		struct dentry *d;
		int found;

		d = lookup_one_unlocked(mnt_idmap(e->layer->mnt), name->name,
					e->dentry, name->len);
		if (IS_ERR(d))
			return PTR_ERR(d);
		found = d_is_positive(d) ? !lfs_is_whiteout(d) : -1;
		dput(d);
		if (found >= 0)
			return found;
	}
	return 0;
}

/* What a new object is to be. */
struct lfs_cattr {
	umode_t mode;
	dev_t rdev;
	const char *link;
	struct dentry *hardlink;	/* upper dentry to link to */
};

static int lfs_create_real(struct lfs_fs *lfs, struct inode *udir,
			   struct dentry *newd, struct lfs_cattr *a)
{
	struct mnt_idmap *idmap = lfs_uidmap(lfs);

	if (a->hardlink)
		return vfs_link(a->hardlink, idmap, udir, newd, NULL);
	switch (a->mode & S_IFMT) {
	case S_IFREG:
		return vfs_create(idmap, udir, newd, a->mode, true);
	case S_IFDIR:
		return lfs_do_mkdir(lfs, udir, newd, a->mode);
	case S_IFLNK:
		return vfs_symlink(idmap, udir, newd, a->link);
	default:
		return vfs_mknod(idmap, udir, newd, a->mode, a->rdev);
	}
}

/*
 * Objects made in the work dir miss what the target directory would have
 * given them: its group, when it is set-group-ID.
 */
static int lfs_inherit_group(struct lfs_fs *lfs, struct dentry *udir,
			     struct dentry *d)
{
	struct inode *dir = d_inode(udir);
	struct iattr attr = {
		.ia_valid = ATTR_GID,
		.ia_vfsgid = VFSGIDT_INIT(dir->i_gid),
	};
	int err;

	if (!(dir->i_mode & S_ISGID))
		return 0;
	inode_lock(d_inode(d));
	err = notify_change(lfs_uidmap(lfs), d, &attr, NULL);
	inode_unlock(d_inode(d));
	return err;
}

/*
 * ...and its default ACL and set-group-ID bit: made in the work dir, the
 * object gets the work dir's (none); mode is what the target gives.
 */
static int lfs_inherit_dir(struct lfs_fs *lfs, struct dentry *udir,
			   struct dentry *d, umode_t mode,
			   struct lfs_new_acls *acls)
{
	int err = lfs_inherit_group(lfs, udir, d);

	return err ?: lfs_acl_new_apply(lfs, d, mode, acls);
}

/* Remove an object made in the work dir that is not to be used. */
static void lfs_drop_temp(struct lfs_fs *lfs, struct dentry *temp)
{
	struct inode *work = d_inode(lfs->workdir);

	inode_lock_nested(work, I_MUTEX_PARENT);
	if (temp->d_parent == lfs->workdir && d_is_positive(temp))
		lfs_do_remove(lfs, work, temp);
	inode_unlock(work);
	dput(temp);
}

/*
 * The object to replace a whiteout in udir with, made in the work dir and
 * given what udir would have given it; a directory is made opaque, so the
 * lower contents the whiteout hid stay hidden.
 */
static struct dentry *lfs_work_object(struct lfs_fs *lfs, struct dentry *udir,
				      struct lfs_cattr *a)
{
	struct inode *work = d_inode(lfs->workdir);
	struct lfs_new_acls acls = { };
	struct lfs_cattr wa = *a;
	struct dentry *temp;
	int err = 0;

	if (!a->hardlink)
		err = lfs_acl_new_prepare(d_inode(udir), &wa.mode, &acls);
	if (err)
		return ERR_PTR(err);
	inode_lock_nested(work, I_MUTEX_PARENT);
	temp = lfs_temp_name(lfs);
	err = PTR_ERR_OR_ZERO(temp);
	if (!err)
		err = lfs_create_real(lfs, work, temp, &wa);
	inode_unlock(work);
	if (!err && !a->hardlink)
		err = lfs_inherit_dir(lfs, udir, temp, wa.mode, &acls);
	if (!err && !a->hardlink && S_ISDIR(wa.mode))
		err = lfs_set_opaque(lfs, temp);
	lfs_acl_new_release(&acls);
	if (err && !IS_ERR(temp))
		lfs_drop_temp(lfs, temp);
	return err ? ERR_PTR(err) : temp;
}

/*
 * Replace the whiteout at name in udir with a new object, atomically: the
 * object is made in the work dir and renamed over the whiteout (exchanged
 * with it for a directory).
 */
static struct dentry *lfs_create_over_whiteout(struct lfs_fs *lfs,
					       struct dentry *udir,
					       const struct qstr *name,
					       struct lfs_cattr *a)
{
	struct inode *work = d_inode(lfs->workdir);
	bool is_dir = S_ISDIR(a->mode) && !a->hardlink;
	struct dentry *temp, *newd = NULL, *trap;
	int err;

	temp = lfs_work_object(lfs, udir, a);
	if (IS_ERR(temp))
		return temp;
	trap = lock_rename(lfs->workdir, udir);
	err = -EIO;
	if (IS_ERR(trap) || trap || temp->d_parent != lfs->workdir)
		goto out_unlock;
	newd = lfs_lookup_upper_locked(lfs, udir, name);
	err = PTR_ERR_OR_ZERO(newd);
	if (err) {
		newd = NULL;
		goto out_unlock;
	}
	err = lfs_is_whiteout(newd) ? 0 : -EEXIST;
	if (!err)
		err = lfs_do_rename(lfs, work, temp, d_inode(udir), newd,
				    is_dir ? RENAME_EXCHANGE : 0);
	/* After an exchange newd names the whiteout, now in work. */
	if (!err && is_dir)
		lfs_do_unlink(lfs, work, newd);
out_unlock:
	if (!IS_ERR(trap))
		unlock_rename(lfs->workdir, udir);
	dput(newd);
	/* Either way the new object is temp, at the target name. */
	if (!err)
		return temp;
	lfs_drop_temp(lfs, temp);
	return ERR_PTR(err);
}

/* Make the new object in the upper layer; returns its upper dentry. */
static struct dentry *lfs_create_upper(struct lfs_fs *lfs,
				       struct dentry *udir,
				       const struct qstr *name,
				       struct lfs_cattr *a)
{
	struct inode *dir = d_inode(udir);
	struct dentry *newd;
	int err;

	inode_lock_nested(dir, I_MUTEX_PARENT);
	newd = lfs_lookup_upper_locked(lfs, udir, name);
	if (IS_ERR(newd)) {
		inode_unlock(dir);
		return newd;
	}
	if (lfs_is_whiteout(newd)) {
		inode_unlock(dir);
		dput(newd);
		return lfs_create_over_whiteout(lfs, udir, name, a);
	}
	err = d_is_positive(newd) ? -EEXIST : lfs_create_real(lfs, dir, newd, a);
	inode_unlock(dir);
	if (err) {
		dput(newd);
		return ERR_PTR(err);
	}
	return newd;
}

static int lfs_create_object(struct inode *dir, struct dentry *dentry,
			     struct lfs_cattr *a)
{
	struct lfs_fs *lfs = LFS_FS(dir->i_sb);
	struct inode *inode;
	struct lfs_creds creds;
	struct dentry *newd;
	int err;

	err = lfs_copy_up(dentry->d_parent, LFS_COPY_META);
	if (err)
		return err;
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	err = lfs_override_creds_create(dentry, a->mode, &creds);
	if (err)
		goto out_drop;
	newd = lfs_create_upper(lfs, lfs_upper(dir), &dentry->d_name, a);
	lfs_revert_creds_create(&creds);
	if (IS_ERR(newd)) {
		err = PTR_ERR(newd);
		goto out_drop;
	}

	/* A new link is instantiated by lfs_link() with the shared inode. */
	if (!a->hardlink) {
		inode = lfs_new_upper_inode(dir->i_sb, newd);
		if (IS_ERR(inode)) {
			dput(newd);
			err = PTR_ERR(inode);
			goto out_drop;
		}
		d_instantiate(dentry, inode);
	}
	dput(newd);
	lfs_dir_changed(dir);
out_drop:
	mnt_drop_write(lfs->layers[0].mnt);
	return err;
}

static int lfs_create(struct mnt_idmap *idmap, struct inode *dir,
		      struct dentry *dentry, umode_t mode, bool excl)
{
	struct lfs_cattr a = { .mode = (mode & 07777) | S_IFREG };

	return lfs_create_object(dir, dentry, &a);
}

static int lfs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
		     struct dentry *dentry, umode_t mode)
{
	struct lfs_cattr a = { .mode = (mode & 07777) | S_IFDIR };

	return lfs_create_object(dir, dentry, &a);
}

static int lfs_mknod(struct mnt_idmap *idmap, struct inode *dir,
		     struct dentry *dentry, umode_t mode, dev_t rdev)
{
	struct lfs_cattr a = { .mode = mode, .rdev = rdev };

	/* A whiteout made through the union would hide lower files. */
	if (S_ISCHR(mode) && rdev == WHITEOUT_DEV)
		return -EPERM;
	return lfs_create_object(dir, dentry, &a);
}

static int lfs_symlink(struct mnt_idmap *idmap, struct inode *dir,
		       struct dentry *dentry, const char *link)
{
	struct lfs_cattr a = { .mode = S_IFLNK | 0777, .link = link };

	return lfs_create_object(dir, dentry, &a);
}

static int lfs_prepare_move(struct lfs_fs *lfs, struct dentry *dentry,
			    int target_below);

/*
 * The new name has nothing below it, so after a remount only a redirect
 * (as a rename records) leads it to the origin: without one the two
 * names became two inodes with two st_ino.
 */
static int lfs_link_prepare(struct dentry *old, struct inode *dir)
{
	struct lfs_fs *lfs = LFS_FS(dir->i_sb);
	const struct cred *old_cred;
	int err;

	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	old_cred = lfs_override_creds(dir->i_sb);
	err = lfs_prepare_move(lfs, old, 0);
	lfs_revert_creds(old_cred);
	mnt_drop_write(lfs->layers[0].mnt);
	return err;
}

static int lfs_link(struct dentry *old, struct inode *dir,
		    struct dentry *new)
{
	struct inode *inode = d_inode(old);
	struct lfs_cattr a = { .mode = inode->i_mode };
	int err;

	err = lfs_copy_up(old, LFS_COPY_META);
	if (!err)
		err = lfs_link_prepare(old, dir);
	if (err)
		return err;
	a.hardlink = lfs_upper(inode);
	err = lfs_create_object(dir, new, &a);
	if (err)
		return err;
	/* One more name in the merged view (see lfs_names()). */
	inc_nlink(inode);
	ihold(inode);
	d_instantiate(new, inode);
	return 0;
}

static int lfs_tmpfile(struct mnt_idmap *idmap, struct inode *dir,
		       struct file *file, umode_t mode)
{
	struct dentry *dentry = file->f_path.dentry;
	struct lfs_fs *lfs = LFS_FS(dir->i_sb);
	struct lfs_creds creds;
	struct path udir;
	struct file *realfile;
	struct inode *inode;
	int err;

	err = lfs_copy_up(dentry->d_parent, LFS_COPY_META);
	if (err)
		return err;
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	err = lfs_override_creds_create(dentry, (mode & 07777) | S_IFREG,
					&creds);
	if (err)
		goto out_drop;
	lfs_upper_path(dir, &udir);
	realfile = backing_tmpfile_open(file, file->f_flags | O_LARGEFILE,
					&udir, (mode & 07777) | S_IFREG,
					current_cred());
	lfs_revert_creds_create(&creds);
	err = PTR_ERR_OR_ZERO(realfile);
	if (err)
		goto out_drop;

	inode = lfs_new_upper_inode(dir->i_sb, realfile->f_path.dentry);
	if (IS_ERR(inode)) {
		fput(realfile);
		err = PTR_ERR(inode);
		goto out_drop;
	}
	/* Our nlink is the real tmpfile's (0): d_tmpfile() would drop it. */
	d_mark_tmpfile(file, inode);
	d_instantiate(dentry, inode);
	err = lfs_file_attach(file, inode, realfile);
	if (err) {
		fput(realfile);
		goto out_drop;
	}
	err = finish_open(file, dentry, lfs_file_opened);
	/* Without FMODE_OPENED ->release() will not run for file. */
	if (!(file->f_mode & FMODE_OPENED))
		lfs_file_detach(file);
out_drop:
	mnt_drop_write(lfs->layers[0].mnt);
	return err;
}

/*
 * Take the upper object at name out of udir and into the work dir, leaving
 * a whiteout in its place when below says the name exists in a lower
 * layer.  Returns the object's new dentry in the work dir.
 */
static struct dentry *lfs_move_to_work(struct lfs_fs *lfs, struct dentry *udir,
				       struct dentry *expect, bool below)
{
	struct inode *work = d_inode(lfs->workdir);
	struct dentry *temp = NULL, *cur = NULL, *trap;
	int err;

	trap = lock_rename(lfs->workdir, udir);
	if (IS_ERR(trap))
		return trap;
	err = -EIO;
	if (trap)
		goto out;
	cur = lfs_lookup_upper_locked(lfs, udir, &expect->d_name);
	err = PTR_ERR_OR_ZERO(cur);
	if (err) {
		cur = NULL;
		goto out;
	}
	err = (d_is_positive(cur) && d_inode(cur) == d_inode(expect)) ?
	      0 : -ESTALE;
	if (!err) {
		temp = lfs_temp_name(lfs);
		err = PTR_ERR_OR_ZERO(temp);
		if (err)
			temp = NULL;
	}
	if (!err)
		err = lfs_do_rename(lfs, d_inode(udir), cur, work, temp,
				    below ? RENAME_WHITEOUT : 0);
	dput(temp);
	if (err)
		dput(cur);
out:
	unlock_rename(lfs->workdir, udir);
	/* The rename moved cur onto temp's name in the work dir. */
	return err ? ERR_PTR(err) : cur;
}

/* Remove an object that is in the work dir, and all below it. */
static int lfs_remove_from_work(struct lfs_fs *lfs, struct dentry *d)
{
	struct inode *work = d_inode(lfs->workdir);
	int err = 0;

	if (d_is_dir(d))
		err = lfs_work_cleanup(lfs, d, 0);
	if (!err && d_is_positive(d)) {
		inode_lock_nested(work, I_MUTEX_PARENT);
		if (d->d_parent == lfs->workdir && !d_unhashed(d))
			err = lfs_do_remove(lfs, work, d);
		inode_unlock(work);
	}
	return err;
}

/* Put a whiteout where only lower layers have the name. */
static int lfs_whiteout_name(struct lfs_fs *lfs, struct dentry *udir,
			     const struct qstr *name)
{
	struct inode *dir = d_inode(udir);
	struct dentry *d;
	int err;

	inode_lock_nested(dir, I_MUTEX_PARENT);
	d = lfs_lookup_upper_locked(lfs, udir, name);
	err = PTR_ERR_OR_ZERO(d);
	if (!err) {
		err = d_is_negative(d) ? lfs_do_whiteout(lfs, dir, d) : -ESTALE;
		dput(d);
	}
	inode_unlock(dir);
	return err;
}

/* The upper dentry under this union dentry's name, if it is upper. */
static struct dentry *lfs_upper_of_name(struct lfs_fs *lfs,
					struct dentry *udir,
					struct dentry *dentry)
{
	struct dentry *upper = lfs_upper(d_inode(dentry));
	struct dentry *d;

	if (!upper)
		return NULL;
	inode_lock_nested(d_inode(udir), I_MUTEX_PARENT);
	d = lfs_lookup_upper_locked(lfs, udir, &dentry->d_name);
	inode_unlock(d_inode(udir));
	if (IS_ERR(d))
		return d;
	if (d_is_positive(d) && d_inode(d) == d_inode(upper))
		return d;
	dput(d);
	return NULL;
}

static int lfs_remove_locked(struct lfs_fs *lfs, struct inode *dir,
			     struct dentry *dentry, int below)
{
	struct dentry *udir = lfs_upper(dir);
	struct dentry *u, *moved;
	int err;

	u = lfs_upper_of_name(lfs, udir, dentry);
	if (IS_ERR(u))
		return PTR_ERR(u);
	if (!u)
		return below ? lfs_whiteout_name(lfs, udir, &dentry->d_name) :
			       -ESTALE;

	/* A plain upper file goes in one step. */
	if (!below && !d_is_dir(u)) {
		inode_lock_nested(d_inode(udir), I_MUTEX_PARENT);
		err = (u->d_parent == udir && !d_unhashed(u)) ?
		      lfs_do_unlink(lfs, d_inode(udir), u) : -ESTALE;
		inode_unlock(d_inode(udir));
		dput(u);
		return err;
	}
	/*
	 * Otherwise out of the way first (leaving the whiteout, if one is
	 * needed, in the same step), then cleared out of sight.
	 */
	moved = lfs_move_to_work(lfs, udir, u, below);
	dput(u);
	if (IS_ERR(moved))
		return PTR_ERR(moved);
	err = lfs_remove_from_work(lfs, moved);
	dput(moved);
	/* The name is gone either way; what is left in work goes later. */
	return err == -ENOTEMPTY ? 0 : err;
}

static int lfs_remove(struct inode *dir, struct dentry *dentry, bool is_dir)
{
	struct lfs_fs *lfs = LFS_FS(dir->i_sb);
	struct inode *inode = d_inode(dentry);
	const struct cred *old;
	int err, below;

	if (is_dir) {
		err = lfs_check_empty_dir(inode);
		if (err)
			return err;
	}
	/* A name of a lower hard-link group is counted by its copy. */
	if (!is_dir && test_bit(LFS_I_LINKGROUP, &LFS_I(inode)->flags))
		err = lfs_copy_up(dentry, LFS_COPY_META);
	else
		err = lfs_copy_up(dentry->d_parent, LFS_COPY_META);
	if (err)
		return err;
	err = mnt_want_write(lfs->layers[0].mnt);
	if (err)
		return err;
	old = lfs_override_creds(dir->i_sb);
	below = lfs_name_below(dir, &dentry->d_name);
	err = below < 0 ? below : lfs_remove_locked(lfs, dir, dentry, below);
	if (!err && !is_dir)
		lfs_index_drop_orphan(lfs, inode);
	lfs_revert_creds(old);
	mnt_drop_write(lfs->layers[0].mnt);
	if (err)
		return err;

	lfs_dir_changed(dir);
	if (is_dir)
		clear_nlink(inode);
	else if (inode->i_nlink)
		drop_nlink(inode);
	return 0;
}

static int lfs_unlink(struct inode *dir, struct dentry *dentry)
{
	return lfs_remove(dir, dentry, false);
}

static int lfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	return lfs_remove(dir, dentry, true);
}

/* Put "/name" in front of *p, which points into buf. */
static int lfs_prepend(char *buf, char **p, const char *name, size_t len)
{
	if (*p - buf < len + 1)
		return -ENAMETOOLONG;
	*p -= len;
	memcpy(*p, name, len);
	*--*p = '/';
	return 0;
}

static int lfs_prepend_dname(char *buf, char **p, struct dentry *d)
{
	int err;

	spin_lock(&d->d_lock);
	err = lfs_prepend(buf, p, d->d_name.name, d->d_name.len);
	spin_unlock(&d->d_lock);
	return err;
}

/*
 * Where a directory's contents are in the lower layers: its path from the
 * root, except that the part up to a redirected ancestor is replaced by
 * that ancestor's redirect.
 */
static char *lfs_lower_path(struct lfs_fs *lfs, struct dentry *dentry)
{
	struct dentry *d = dget(dentry);
	char *buf, *p, *redirect = NULL;
	ssize_t len;
	int err = 0;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf) {
		dput(d);
		return ERR_PTR(-ENOMEM);
	}
	p = buf + PATH_MAX - 1;
	*p = '\0';
	while (!err && !IS_ROOT(d) &&
	       !test_bit(LFS_I_REDIRECT, &LFS_I(d_inode(d))->flags)) {
		struct dentry *parent = dget_parent(d);

		err = lfs_prepend_dname(buf, &p, d);
		dput(d);
		d = parent;
	}
	if (!err && !IS_ROOT(d)) {
		redirect = kmalloc(PATH_MAX, GFP_KERNEL);
		err = -ENOMEM;
		if (redirect) {
			len = vfs_getxattr(lfs_uidmap(lfs),
					   lfs_upper(d_inode(d)),
					   LFS_XATTR_REDIRECT, redirect,
					   PATH_MAX - 1);
			/*
			 * Checked at lookup, but the upper layer may have been
			 * changed since: never trust the length of an empty or
			 * odd value to build on.
			 */
			if (len == -ENODATA ||
			    (len >= 0 && !lfs_parse_redirect_valid(redirect, len)))
				len = -EIO;
			err = len < 0 ? len : lfs_prepend(buf, &p, redirect + 1,
							  len - 1);
		}
	}
	dput(d);
	kfree(redirect);
	if (!err)
		memmove(buf, p, buf + PATH_MAX - p);
	if (err) {
		kfree(buf);
		return ERR_PTR(err);
	}
	return buf;
}

/*
 * An object about to appear under another name: one with lower contents (a
 * merged directory, or a copied-up file with its origin) records where they
 * are (redirect); a directory without them hides what the new name has
 * below (opaque).
 */
static int lfs_prepare_move(struct lfs_fs *lfs, struct dentry *dentry,
			    int target_below)
{
	struct inode *inode = d_inode(dentry);
	struct dentry *upper = lfs_upper(inode);
	char *path;
	int err;

	if (!LFS_I(inode)->numlower) {
		if (!d_is_dir(dentry) || !target_below)
			return 0;
		return lfs_set_opaque(lfs, upper);
	}
	if (test_bit(LFS_I_REDIRECT, &LFS_I(inode)->flags))
		return 0;
	path = lfs_lower_path(lfs, dentry);
	if (IS_ERR(path))
		return PTR_ERR(path);
	err = lfs_setxattr_real(lfs, upper, LFS_XATTR_REDIRECT, path,
				strlen(path));
	kfree(path);
	if (!err)
		set_bit(LFS_I_REDIRECT, &LFS_I(inode)->flags);
	return err;
}

struct lfs_rename {
	struct lfs_fs *lfs;
	struct inode *olddir, *newdir;
	struct dentry *old, *new;
	struct dentry *uold, *unew;	/* upper parents */
	unsigned int flags;
	int old_below, new_below;
	/* An overwritten directory swapped for an empty one (see below). */
	struct dentry *emptied;		/* its upper copy, now in work */
	struct dentry *empty;		/* the empty one, at its name */
	struct timespec64 unew_atime, unew_mtime;	/* before the swap */
};

/* The empty directory that stands in for target: its owner, mode, times. */
static int lfs_empty_dir_attrs(struct lfs_fs *lfs, struct dentry *temp,
			       struct dentry *target)
{
	struct inode *t = d_inode(target);
	struct iattr ia = {
		.ia_valid = ATTR_UID | ATTR_GID | ATTR_MODE | ATTR_ATIME |
			    ATTR_MTIME | ATTR_ATIME_SET | ATTR_MTIME_SET,
		.ia_vfsuid = VFSUIDT_INIT(t->i_uid),
		.ia_vfsgid = VFSGIDT_INIT(t->i_gid),
		.ia_mode = t->i_mode,
		.ia_atime = inode_get_atime(t),
		.ia_mtime = inode_get_mtime(t),
	};
	int err;

	inode_lock(d_inode(temp));
	err = notify_change(lfs_uidmap(lfs), temp, &ia, NULL);
	inode_unlock(d_inode(temp));
	return err;
}

/*
 * A directory about to be overwritten is empty in the union, but its upper
 * copy may still hold whiteouts: swap it for an empty opaque directory with
 * its owner, mode and times, which shows the same, so the real rename can
 * replace it.  The old copy waits in the work dir until the rename is done
 * (lfs_rename_finish()): a failed rename swaps it back.
 */
static int lfs_empty_upper_dir(struct lfs_rename *r, struct dentry *target)
{
	struct lfs_fs *lfs = r->lfs;
	struct lfs_cattr a = { .mode = S_IFDIR | 0700 };
	struct inode *work = d_inode(lfs->workdir);
	struct dentry *temp, *cur = NULL, *trap;
	int err;

	inode_lock_nested(work, I_MUTEX_PARENT);
	temp = lfs_temp_name(lfs);
	err = PTR_ERR_OR_ZERO(temp);
	if (!err)
		err = lfs_create_real(lfs, work, temp, &a);
	inode_unlock(work);
	if (!err)
		err = lfs_set_opaque(lfs, temp);
	if (!err)
		err = lfs_empty_dir_attrs(lfs, temp, target);
	if (err)
		goto out;

	trap = lock_rename(lfs->workdir, r->unew);
	if (IS_ERR(trap)) {
		err = PTR_ERR(trap);
		goto out;
	}
	r->unew_atime = inode_get_atime(d_inode(r->unew));
	r->unew_mtime = inode_get_mtime(d_inode(r->unew));
	cur = trap ? ERR_PTR(-EIO) :
	      lfs_lookup_upper_locked(lfs, r->unew, &target->d_name);
	err = PTR_ERR_OR_ZERO(cur);
	if (err)
		cur = NULL;
	else if (d_inode(cur) != d_inode(target))
		err = -ESTALE;
	else
		err = lfs_do_rename(lfs, work, temp, d_inode(r->unew), cur,
				    RENAME_EXCHANGE);
	unlock_rename(lfs->workdir, r->unew);
	if (!err) {
		/* After the exchange cur names the old directory, in work. */
		r->emptied = cur;
		r->empty = temp;
		return 0;
	}
	dput(cur);
out:
	if (!IS_ERR_OR_NULL(temp)) {
		lfs_remove_from_work(lfs, temp);
		dput(temp);
	}
	return err;
}

/* The swaps in the target's parent changed its times: put them back. */
static void lfs_rename_restore_times(struct lfs_rename *r)
{
	struct iattr ia = {
		.ia_valid = ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET |
			    ATTR_MTIME_SET,
		.ia_atime = r->unew_atime,
		.ia_mtime = r->unew_mtime,
	};

	inode_lock(d_inode(r->unew));
	notify_change(lfs_uidmap(r->lfs), r->unew, &ia, NULL);
	inode_unlock(d_inode(r->unew));
}

/*
 * After the real rename: the old copy of an overwritten directory goes; if
 * the rename failed, it takes its name back from the empty stand-in, so
 * the union is as before the call.
 */
static void lfs_rename_finish(struct lfs_rename *r, int err)
{
	struct lfs_fs *lfs = r->lfs;
	struct dentry *gone = r->emptied;
	struct dentry *trap;

	if (!gone)
		return;
	if (err) {
		trap = lock_rename(lfs->workdir, r->unew);
		if (!IS_ERR(trap)) {
			if (!trap && gone->d_parent == lfs->workdir &&
			    r->empty->d_parent == r->unew &&
			    !d_unhashed(gone) && !d_unhashed(r->empty) &&
			    !lfs_do_rename(lfs, d_inode(lfs->workdir), gone,
					   d_inode(r->unew), r->empty,
					   RENAME_EXCHANGE))
				gone = r->empty;
			unlock_rename(lfs->workdir, r->unew);
		}
		if (gone == r->empty)
			lfs_rename_restore_times(r);
	}
	lfs_remove_from_work(lfs, gone);
	dput(r->emptied);
	dput(r->empty);
	r->emptied = NULL;
	r->empty = NULL;
}

static int lfs_rename_copy_up(struct lfs_rename *r)
{
	int err;

	err = lfs_copy_up(r->old, LFS_COPY_META);
	if (!err)
		err = lfs_copy_up(r->new->d_parent, LFS_COPY_META);
	if (!err && (r->flags & RENAME_EXCHANGE))
		err = lfs_copy_up(r->new, LFS_COPY_META);
	/* A replaced name of a lower hard-link group, as in lfs_remove(). */
	else if (!err && d_really_is_positive(r->new) &&
		 test_bit(LFS_I_LINKGROUP, &LFS_I(d_inode(r->new))->flags))
		err = lfs_copy_up(r->new, LFS_COPY_META);
	return err;
}

/* Decide the markers and the real rename's flags; caller overrides creds. */
static int lfs_rename_prepare(struct lfs_rename *r, unsigned int *rflags)
{
	bool exchange = r->flags & RENAME_EXCHANGE;
	struct dentry *unew_obj;
	int err = 0;

	r->old_below = lfs_name_below(r->olddir, &r->old->d_name);
	r->new_below = lfs_name_below(r->newdir, &r->new->d_name);
	if (r->old_below < 0)
		return r->old_below;
	if (r->new_below < 0)
		return r->new_below;

	err = lfs_prepare_move(r->lfs, r->old, r->new_below);
	if (!err && exchange)
		err = lfs_prepare_move(r->lfs, r->new, r->old_below);
	if (err)
		return err;

	*rflags = exchange ? RENAME_EXCHANGE :
		  (r->old_below ? RENAME_WHITEOUT : 0);
	if (exchange || d_is_negative(r->new) || !d_is_dir(r->new))
		return 0;
	/* Overwriting a directory: its upper copy must really be empty. */
	unew_obj = lfs_upper_of_name(r->lfs, r->unew, r->new);
	if (IS_ERR_OR_NULL(unew_obj))
		return PTR_ERR_OR_ZERO(unew_obj);
	err = lfs_empty_upper_dir(r, unew_obj);
	dput(unew_obj);
	return err;
}

static int lfs_rename_real(struct lfs_rename *r, unsigned int rflags)
{
	struct lfs_fs *lfs = r->lfs;
	struct dentry *trap, *od = NULL, *nd = NULL;
	struct dentry *uobj = lfs_upper(d_inode(r->old));
	int err;

	trap = lock_rename(r->uold, r->unew);
	if (IS_ERR(trap))
		return PTR_ERR(trap);
	od = lfs_lookup_upper_locked(lfs, r->uold, &r->old->d_name);
	if (IS_ERR(od)) {
		err = PTR_ERR(od);
		od = NULL;
		goto out;
	}
	err = -ESTALE;
	if (d_is_negative(od) || d_inode(od) != d_inode(uobj) || od == trap)
		goto out;
	nd = lfs_lookup_upper_locked(lfs, r->unew, &r->new->d_name);
	if (IS_ERR(nd)) {
		err = PTR_ERR(nd);
		nd = NULL;
		goto out;
	}
	err = -ENOTEMPTY;
	if (nd == trap)
		goto out;
	if (lfs_is_whiteout(nd) && !(rflags & RENAME_EXCHANGE)) {
		/*
		 * A whiteout at the target: a file simply replaces it; a
		 * directory swaps places with it, which leaves the whiteout
		 * at the old name, or is removed there if none is needed.
		 */
		if (d_is_dir(od)) {
			err = lfs_do_rename(lfs, d_inode(r->uold), od,
					    d_inode(r->unew), nd,
					    RENAME_EXCHANGE);
			if (!err && !r->old_below)
				lfs_do_unlink(lfs, d_inode(r->uold), nd);
			goto out;
		}
		rflags &= ~RENAME_WHITEOUT;
		if (r->old_below)
			rflags |= RENAME_WHITEOUT;
	} else if (rflags & RENAME_EXCHANGE) {
		struct dentry *nobj = lfs_upper(d_inode(r->new));

		if (d_is_negative(nd) || !nobj || d_inode(nd) != d_inode(nobj))
			goto out_stale;
	}
	err = lfs_do_rename(lfs, d_inode(r->uold), od, d_inode(r->unew), nd,
			    rflags);
	goto out;
out_stale:
	err = -ESTALE;
out:
	dput(od);
	dput(nd);
	unlock_rename(r->uold, r->unew);
	return err;
}

static int lfs_rename(struct mnt_idmap *idmap, struct inode *olddir,
		      struct dentry *old, struct inode *newdir,
		      struct dentry *new, unsigned int flags)
{
	struct lfs_rename r = {
		.lfs = LFS_FS(olddir->i_sb),
		.olddir = olddir, .newdir = newdir,
		.old = old, .new = new,
		.flags = flags,
	};
	bool overwrite = d_is_positive(new) && !(flags & RENAME_EXCHANGE);
	const struct cred *old_cred;
	unsigned int rflags = 0;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (overwrite && d_is_dir(new)) {
		err = lfs_check_empty_dir(d_inode(new));
		if (err)
			return err;
	}
	err = lfs_rename_copy_up(&r);
	if (err)
		return err;
	r.uold = lfs_upper(olddir);
	r.unew = lfs_upper(newdir);

	err = mnt_want_write(r.lfs->layers[0].mnt);
	if (err)
		return err;
	old_cred = lfs_override_creds(olddir->i_sb);
	err = lfs_rename_prepare(&r, &rflags);
	if (!err)
		err = lfs_rename_real(&r, rflags);
	lfs_rename_finish(&r, err);
	if (!err && overwrite && !d_is_dir(new))
		lfs_index_drop_orphan(r.lfs, d_inode(new));
	lfs_revert_creds(old_cred);
	mnt_drop_write(r.lfs->layers[0].mnt);
	if (err)
		return err;

	lfs_dir_changed(olddir);
	if (newdir != olddir)
		lfs_dir_changed(newdir);
	if (overwrite) {
		if (d_is_dir(new))
			clear_nlink(d_inode(new));
		else if (d_inode(new)->i_nlink)
			drop_nlink(d_inode(new));
	}
	return 0;
}

const struct inode_operations lfs_dir_inode_operations = {
	.lookup		= lfs_lookup,
	.create		= lfs_create,
	.mkdir		= lfs_mkdir,
	.mknod		= lfs_mknod,
	.symlink	= lfs_symlink,
	.link		= lfs_link,
	.tmpfile	= lfs_tmpfile,
	.unlink		= lfs_unlink,
	.rmdir		= lfs_rmdir,
	.rename		= lfs_rename,
	.permission	= lfs_permission,
	.getattr	= lfs_getattr,
	.setattr	= lfs_setattr,
	.listxattr	= lfs_listxattr,
	.get_inode_acl	= lfs_get_inode_acl,
	.get_acl	= lfs_get_acl,
	.set_acl	= lfs_set_acl,
	.fileattr_get	= lfs_fileattr_get,
	.fileattr_set	= lfs_fileattr_set,
};
