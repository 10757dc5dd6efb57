// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - the work directory.
 *
 * Every change to the upper layer that takes more than one step (copy-up,
 * creating over a whiteout, removing a directory) is prepared in
 * <workdir>/work and moved into place with a single rename or link, so a
 * crash leaves the old state or the new one, plus leftovers here that the
 * next mount removes.  This file also probes, at mount time, that the upper
 * filesystem can do what we rely on, and keeps the marker of a volatile
 * mount.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "layerfs.h"

#define LFS_WORK_NAME		"work"
#define LFS_VOLATILE_NAME	"volatile"
/* Deepest tree a crash can leave in work/ is 2; allow slack, not recursion. */
#define LFS_WORK_MAX_DEPTH	8

static struct mnt_idmap *lfs_upper_idmap(struct lfs_fs *lfs)
{
	return mnt_idmap(lfs->layers[0].mnt);
}

static struct dentry *lfs_lookup_child(struct lfs_fs *lfs,
				       struct dentry *parent, const char *name)
{
	return lookup_one(lfs_upper_idmap(lfs), name, parent, strlen(name));
}

/* Remove everything below dir, a directory in the work area. */
int lfs_work_cleanup(struct lfs_fs *lfs, struct dentry *dir, int depth)
{
	struct path path = { .mnt = lfs->layers[0].mnt, .dentry = dir };
	struct inode *inode = d_inode(dir);
	struct lfs_name *n;
	LIST_HEAD(names);
	int err;

	if (depth > LFS_WORK_MAX_DEPTH)
		return -ELOOP;
	err = lfs_list_dir(&path, &names);
	if (err)
		return err;
	list_for_each_entry(n, &names, list) {
		struct dentry *d;

		inode_lock_nested(inode, I_MUTEX_PARENT);
		d = lookup_one(lfs_upper_idmap(lfs), n->name, dir, n->len);
		inode_unlock(inode);
		if (IS_ERR(d)) {
			err = PTR_ERR(d);
			break;
		}
		if (d_is_dir(d))
			err = lfs_work_cleanup(lfs, d, depth + 1);
		if (!err && d_is_positive(d)) {
			inode_lock_nested(inode, I_MUTEX_PARENT);
			if (d->d_parent == dir && !d_unhashed(d))
				err = lfs_do_remove(lfs, inode, d);
			inode_unlock(inode);
		}
		dput(d);
		if (err)
			break;
	}
	lfs_free_names(&names);
	return err;
}

/* The workdir holds nothing but what layerfs itself put there. */
static int lfs_workdir_check_empty(struct fs_context *fc, struct lfs_fs *lfs)
{
	struct path path = { .mnt = lfs->layers[0].mnt, .dentry = lfs->workbase };
	struct lfs_name *n;
	LIST_HEAD(names);
	int err;

	err = lfs_list_dir(&path, &names);
	if (err) {
		errorfc(fc, "cannot read workdir \"%s\" (error %d)",
			lfs->config.workdir, err);
		return err;
	}
	list_for_each_entry(n, &names, list) {
		if (!strcmp(n->name, LFS_WORK_NAME) ||
		    !strcmp(n->name, LFS_VOLATILE_NAME))
			continue;
		errorfc(fc, "workdir \"%s\" is not empty (holds \"%s\")",
			lfs->config.workdir, n->name);
		err = -ENOTEMPTY;
		break;
	}
	lfs_free_names(&names);
	return err;
}

static int lfs_check_volatile_marker(struct fs_context *fc, struct lfs_fs *lfs)
{
	struct inode *base = d_inode(lfs->workbase);
	struct dentry *d;
	bool found;

	inode_lock_nested(base, I_MUTEX_PARENT);
	d = lfs_lookup_child(lfs, lfs->workbase, LFS_VOLATILE_NAME);
	inode_unlock(base);
	if (IS_ERR(d))
		return PTR_ERR(d);
	found = d_is_positive(d);
	dput(d);
	if (!found)
		return 0;
	/* The upper layer may hold any mix of old and new data. */
	errorfc(fc, "upperdir \"%s\" was mounted volatile and not unmounted cleanly",
		lfs->config.upperdir);
	return -EINVAL;
}

/* Find or make <workbase>/name as a directory. */
static struct dentry *lfs_workbase_mkdir(struct lfs_fs *lfs, const char *name)
{
	struct inode *base = d_inode(lfs->workbase);
	struct dentry *d;
	int err = 0;

	inode_lock_nested(base, I_MUTEX_PARENT);
	d = lfs_lookup_child(lfs, lfs->workbase, name);
	if (!IS_ERR(d) && d_is_negative(d))
		err = lfs_do_mkdir(lfs, base, d, S_IFDIR | 0700);
	else if (!IS_ERR(d) && !d_is_dir(d))
		err = -ENOTDIR;
	inode_unlock(base);
	if (err) {
		dput(d);
		return ERR_PTR(err);
	}
	return d;
}

static int lfs_probe_xattr(struct fs_context *fc, struct lfs_fs *lfs)
{
	const char *name = LFS_XATTR_PREFIX "probe";
	int err;

	err = lfs_setxattr_real(lfs, lfs->workdir, name, "y", 1);
	if (!err)
		err = vfs_removexattr(lfs_upper_idmap(lfs), lfs->workdir, name);
	if (err)
		errorfc(fc, "upperdir \"%s\": no trusted.* xattrs (error %d)",
			lfs->config.upperdir, err);
	return err;
}

static int lfs_probe_tmpfile(struct fs_context *fc, struct lfs_fs *lfs)
{
	struct path work = { .mnt = lfs->layers[0].mnt, .dentry = lfs->workdir };
	struct file *f;

	f = kernel_tmpfile_open(lfs_upper_idmap(lfs), &work, S_IFREG | 0600,
				O_RDWR, current_cred());
	if (IS_ERR(f)) {
		errorfc(fc, "upper filesystem of \"%s\" does not support O_TMPFILE (error %ld)",
			lfs->config.upperdir, PTR_ERR(f));
		return PTR_ERR(f);
	}
	fput(f);
	return 0;
}

/* d_type of the probe file as the upper filesystem lists it. */
static int lfs_probe_dtype(struct lfs_fs *lfs, const char *name)
{
	struct path work = { .mnt = lfs->layers[0].mnt, .dentry = lfs->workdir };
	struct lfs_name *n;
	LIST_HEAD(names);
	int err, type = DT_UNKNOWN;

	err = lfs_list_dir(&work, &names);
	if (err)
		return err;
	list_for_each_entry(n, &names, list)
		if (!strcmp(n->name, name))
			type = n->type;
	lfs_free_names(&names);
	return type == DT_REG ? 0 : -EOPNOTSUPP;
}

/* Make a file and rename it away leaving a whiteout (RENAME_WHITEOUT). */
static int lfs_probe_rename_whiteout(struct lfs_fs *lfs, char *moved)
{
	struct inode *work = d_inode(lfs->workdir);
	struct dentry *a, *b = NULL, *w;
	char name[32];
	int err;

	inode_lock_nested(work, I_MUTEX_PARENT);
	a = lfs_temp_name(lfs);
	if (IS_ERR(a)) {
		err = PTR_ERR(a);
		goto out;
	}
	strscpy(name, a->d_name.name, sizeof(name));
	err = vfs_create(lfs_upper_idmap(lfs), work, a, S_IFREG | 0600, true);
	if (err)
		goto out_a;
	b = lfs_temp_name(lfs);
	if (IS_ERR(b)) {
		err = PTR_ERR(b);
		b = NULL;
		goto out_a;
	}
	strscpy(moved, b->d_name.name, 32);
	err = lfs_do_rename(lfs, work, a, work, b, RENAME_WHITEOUT);
	if (err)
		goto out_a;
	w = lfs_lookup_child(lfs, lfs->workdir, name);
	if (IS_ERR(w)) {
		err = PTR_ERR(w);
	} else {
		err = lfs_is_whiteout(w) ? 0 : -EOPNOTSUPP;
		dput(w);
	}
out_a:
	dput(a);
	dput(b);
out:
	inode_unlock(work);
	return err;
}

/* Whiteouts by rename, and d_type in listings: both are relied upon. */
static int lfs_probe_whiteout(struct fs_context *fc, struct lfs_fs *lfs)
{
	const char *what = "RENAME_WHITEOUT";
	char moved[32] = "";
	int err;

	err = lfs_probe_rename_whiteout(lfs, moved);
	if (!err) {
		what = "d_type in directory listings";
		err = lfs_probe_dtype(lfs, moved);
	}
	if (err)
		errorfc(fc, "upper filesystem of \"%s\" does not support %s (error %d)",
			lfs->config.upperdir, what, err);
	/* Whatever the probe left, the cleanup takes. */
	if (lfs_work_cleanup(lfs, lfs->workdir, 0) && !err)
		err = -EIO;
	return err;
}

static int lfs_workdir_prepare(struct fs_context *fc, struct lfs_fs *lfs)
{
	struct dentry *work;
	int err;

	err = lfs_workdir_check_empty(fc, lfs);
	if (!err)
		err = lfs_check_volatile_marker(fc, lfs);
	if (err)
		return err;

	work = lfs_workbase_mkdir(lfs, LFS_WORK_NAME);
	if (IS_ERR(work)) {
		errorfc(fc, "cannot create the work directory in \"%s\" (error %ld)",
			lfs->config.workdir, PTR_ERR(work));
		return PTR_ERR(work);
	}
	lfs->workdir = work;
	/* Leftovers of an interrupted change from an earlier mount. */
	err = lfs_work_cleanup(lfs, work, 0);
	if (err) {
		errorfc(fc, "cannot clean \"%s/work\" (error %d)",
			lfs->config.workdir, err);
		return err;
	}
	err = lfs_probe_xattr(fc, lfs);
	if (!err)
		err = lfs_probe_tmpfile(fc, lfs);
	if (!err)
		err = lfs_probe_whiteout(fc, lfs);
	if (err || !lfs->config.is_volatile)
		return err;

	work = lfs_workbase_mkdir(lfs, LFS_VOLATILE_NAME);
	if (IS_ERR(work))
		return PTR_ERR(work);
	dput(work);
	return 0;
}

int lfs_workdir_setup(struct super_block *sb, struct fs_context *fc,
		      struct dentry *workbase)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	const struct cred *old;
	int err;

	lfs->workbase = dget(workbase);
	old = lfs_override_creds(sb);
	err = mnt_want_write(lfs->layers[0].mnt);
	if (!err) {
		err = lfs_workdir_prepare(fc, lfs);
		mnt_drop_write(lfs->layers[0].mnt);
	}
	lfs_revert_creds(old);
	return err;
}

/*
 * At unmount: a volatile union's changes are made durable now, after which
 * the marker that would refuse the next mount can go.
 */
static void lfs_volatile_done(struct lfs_fs *lfs)
{
	struct super_block *upper_sb = lfs->layers[0].mnt->mnt_sb;
	struct inode *base = d_inode(lfs->workbase);
	struct dentry *d;

	down_read(&upper_sb->s_umount);
	if (sync_filesystem(upper_sb)) {
		up_read(&upper_sb->s_umount);
		return;
	}
	up_read(&upper_sb->s_umount);

	if (mnt_want_write(lfs->layers[0].mnt))
		return;
	inode_lock_nested(base, I_MUTEX_PARENT);
	d = lfs_lookup_child(lfs, lfs->workbase, LFS_VOLATILE_NAME);
	if (!IS_ERR(d)) {
		if (d_is_dir(d))
			lfs_do_rmdir(lfs, base, d);
		dput(d);
	}
	inode_unlock(base);
	mnt_drop_write(lfs->layers[0].mnt);
}

void lfs_workdir_release(struct lfs_fs *lfs)
{
	const struct cred *old;

	if (lfs->workdir && lfs->config.is_volatile && lfs->creator_cred) {
		old = lfs_compat_override_creds(lfs->creator_cred);
		lfs_volatile_done(lfs);
		lfs_compat_revert_creds(old);
	}
	dput(lfs->workdir);
	dput(lfs->workbase);
	lfs->workdir = NULL;
	lfs->workbase = NULL;
}
