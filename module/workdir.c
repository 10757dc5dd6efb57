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
#define LFS_INDEX_NAME		"index"
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
		    !strcmp(n->name, LFS_INDEX_NAME) ||
		    !strcmp(n->name, LFS_VOLATILE_NAME))
			continue;
		err = invalfc(fc, "workdir \"%s\" is not empty (holds \"%s\")",
			      lfs->config.workdir, n->name);
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

/*
 * A feature the upper filesystem lacks makes a bad mount (EINVAL, as for
 * any other refused option); an I/O or memory error stays what it is.
 */
static int lfs_probe_err(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
	case -ENOTTY:
	case -EINVAL:
	case -EPERM:
		return -EINVAL;
	}
	return err;
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
	return lfs_probe_err(err);
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
		return lfs_probe_err(PTR_ERR(f));
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
	return lfs_probe_err(err);
}

/*
 * An index entry serves no name when its copy has no other link (no
 * upper name) and every lower name of the group was copied up (the count
 * of names copied up reached the lower link count below): each of them
 * then left the union as an upper link.  The count never runs ahead of
 * the links made, so a crash cannot make a group look gone early; a
 * lower name hidden by a higher lower layer is never copied up, and
 * keeps its group's entry.
 */
static bool lfs_index_serves_none(struct lfs_fs *lfs, struct dentry *entry,
				  u64 below)
{
	if (d_is_dir(entry) || d_inode(entry)->i_nlink != 1 || below < 2)
		return false;
	return lfs_links_up(lfs, entry) >= below;
}

/*
 * The last name of a hard-link group left the union: remove its index
 * entry.  Called after that removal reached the upper layer; a crash in
 * between leaves an entry that the next mount removes (lfs_index_cleanup).
 * Caller overrides creds and holds write access to the upper layer.
 */
void lfs_index_drop_orphan(struct lfs_fs *lfs, struct inode *inode)
{
	struct lfs_inode *li = LFS_I(inode);
	struct dentry *upper = lfs_upper(inode);
	struct inode *lower;

	if (!upper || !li->numlower || !lfs->indexdir ||
	    !test_bit(LFS_I_LINKGROUP, &li->flags))
		return;
	lower = d_inode(li->lower[0].dentry);
	mutex_lock(&li->lock);
	if (lfs_index_serves_none(lfs, upper, lower->i_nlink))
		lfs_index_remove(lfs, upper, lower);
	mutex_unlock(&li->lock);
}

/* One entry of the index at mount: removed if it serves no name. */
static int lfs_index_check_entry(struct lfs_fs *lfs, const struct lfs_name *n)
{
	struct inode *dir = d_inode(lfs->indexdir);
	struct dentry *d;
	int err = 0;

	inode_lock_nested(dir, I_MUTEX_PARENT);
	d = lookup_one(lfs_upper_idmap(lfs), n->name, lfs->indexdir, n->len);
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
	} else {
		/* Most entries still have names: no xattr read for those. */
		if (d_is_positive(d) && d_inode(d)->i_nlink == 1 &&
		    lfs_index_serves_none(lfs, d, lfs_lower_links(lfs, d)))
			err = lfs_do_unlink(lfs, dir, d);
		dput(d);
	}
	inode_unlock(dir);
	return err;
}

/*
 * At mount: remove the index entries whose names are all gone, left by a
 * crash between the last name's removal and its entry's.  Without the
 * lower link count recorded at copy-up (an entry made before that record
 * existed) an entry is kept: only the lower file could tell.  A failure
 * here costs space, not correctness: reported, and the mount goes on.
 */
static void lfs_index_cleanup(struct lfs_fs *lfs)
{
	struct path path = { .mnt = lfs->layers[0].mnt,
			     .dentry = lfs->indexdir };
	struct lfs_name *n;
	LIST_HEAD(names);
	int err;

	err = lfs_list_dir(&path, &names);
	list_for_each_entry(n, &names, list) {
		err = lfs_index_check_entry(lfs, n);
		if (err)
			break;
	}
	lfs_free_names(&names);
	if (err)
		pr_warn("layerfs: cannot clean the index of \"%s\" (error %d)\n",
			lfs->config.workdir, err);
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
	if (err)
		return err;
	/* Kept across mounts: the upper copies of lower hard links. */
	work = lfs_workbase_mkdir(lfs, LFS_INDEX_NAME);
	if (IS_ERR(work))
		return PTR_ERR(work);
	lfs->indexdir = work;
	lfs_index_cleanup(lfs);
	if (!lfs->config.is_volatile)
		return 0;

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
	INIT_LIST_HEAD(&lfs->inuse);
	err = lfs_claim_dirs(fc, lfs);
	if (err)
		return err;
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
	/* Data written through the union may be lost: the marker stays. */
	if (lfs_upper_wb_error(lfs)) {
		pr_warn("layerfs: write-back errors on the upper filesystem of a volatile mount; keeping %s\n",
			LFS_VOLATILE_NAME);
		return;
	}

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
	if (lfs->workbase)
		lfs_release_dirs(lfs);
	dput(lfs->indexdir);
	dput(lfs->workdir);
	dput(lfs->workbase);
	lfs->indexdir = NULL;
	lfs->workdir = NULL;
	lfs->workbase = NULL;
}

/*
 * The index: <workdir>/index/<fs>-<ino> is a hard link to the upper copy
 * of a lower file that has several links, so every other name of that
 * lower file finds the copy, also after a remount.  The name is made of
 * the lower filesystem's identity and the lower inode number; the entry's
 * origin xattr confirms it on use.
 */
int lfs_index_name(struct inode *lower, char *buf, size_t size)
{
	struct super_block *sb = lower->i_sb;
	int len;

	if (uuid_is_null(&sb->s_uuid))
		len = snprintf(buf, size, "dev%x-%lx", sb->s_dev, lower->i_ino);
	else
		len = snprintf(buf, size, "%pUb-%lx", &sb->s_uuid, lower->i_ino);
	return len < size ? len : -ENAMETOOLONG;
}

/* The upper copy of a hard-linked lower inode, or NULL. */
struct dentry *lfs_index_lookup(struct lfs_fs *lfs, struct inode *lower)
{
	char name[64];
	struct dentry *d;
	int len;

	if (!lfs->indexdir)
		return NULL;
	len = lfs_index_name(lower, name, sizeof(name));
	if (len < 0)
		return NULL;
	d = lookup_one_unlocked(lfs_upper_idmap(lfs), name, lfs->indexdir, len);
	if (IS_ERR(d) || d_is_positive(d))
		return d;
	dput(d);
	return NULL;
}

/*
 * Record the upper copy of a lower inode that has other names.  Copy-up
 * does this before the copy gets its own name, so a crash between the two
 * steps leaves a copy every name finds, not one name split from the rest.
 * An entry naming another inode is refused rather than replaced.
 */
int lfs_index_add(struct lfs_fs *lfs, struct dentry *upper,
		  struct inode *lower)
{
	struct inode *dir = d_inode(lfs->indexdir);
	char name[64];
	struct dentry *d;
	int len, err;

	len = lfs_index_name(lower, name, sizeof(name));
	if (len < 0)
		return len;
	inode_lock_nested(dir, I_MUTEX_PARENT);
	d = lookup_one(lfs_upper_idmap(lfs), name, lfs->indexdir, len);
	err = PTR_ERR_OR_ZERO(d);
	if (!err) {
		if (d_is_negative(d))
			err = vfs_link(upper, lfs_upper_idmap(lfs), dir, d, NULL);
		else if (d_inode(d) != d_inode(upper))
			err = -EEXIST;
		dput(d);
	}
	inode_unlock(dir);
	return err;
}

/* Undo lfs_index_add when the copy could not be given its name after all. */
void lfs_index_remove(struct lfs_fs *lfs, struct dentry *upper,
		      struct inode *lower)
{
	struct inode *dir = d_inode(lfs->indexdir);
	char name[64];
	struct dentry *d;
	int len;

	len = lfs_index_name(lower, name, sizeof(name));
	if (len < 0)
		return;
	inode_lock_nested(dir, I_MUTEX_PARENT);
	d = lookup_one(lfs_upper_idmap(lfs), name, lfs->indexdir, len);
	if (!IS_ERR(d)) {
		if (d_inode(d) == d_inode(upper))
			lfs_do_unlink(lfs, dir, d);
		dput(d);
	}
	inode_unlock(dir);
}
