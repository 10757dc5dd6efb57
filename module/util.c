// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - small helpers shared by every part of the module: credential
 * override, which real object serves an inode, private xattr names and
 * st_ino composition.
 */
#include <linux/fs.h>
#include <linux/xattr.h>
#include <linux/namei.h>
#include <linux/security.h>

#include "layerfs.h"
#include "parse.h"

/*
 * Every call into a layer runs with the credentials of whoever mounted the
 * union, so that a user may see what the union shows without needing rights
 * on the layers themselves.  The caller's rights are checked on the union
 * inode before we get here.
 */
const struct cred *lfs_override_creds(struct super_block *sb)
{
	return lfs_compat_override_creds(LFS_FS(sb)->creator_cred);
}

void lfs_revert_creds(const struct cred *old)
{
	lfs_compat_revert_creds(old);
}

/* The real object that serves data and attributes: upper first. */
void lfs_real_path(struct inode *inode, struct path *path)
{
	struct lfs_inode *li = LFS_I(inode);
	struct dentry *upper = lfs_upper(inode);

	if (upper) {
		path->mnt = LFS_FS(inode->i_sb)->layers[0].mnt;
		path->dentry = upper;
	} else {
		path->mnt = li->lower[0].layer->mnt;
		path->dentry = li->lower[0].dentry;
	}
}

/*
 * The real inode that serves attributes, and its layer, read once so the
 * two agree.  Safe in RCU walk: NULL when the stack of an inode being
 * destroyed is gone (a dentry turned negative), which such a caller
 * answers with -ECHILD; a caller holding a reference never sees NULL.
 */
struct inode *lfs_real_inode_layer(struct inode *inode,
				   struct lfs_layer **layer)
{
	struct dentry *upper = lfs_upper(inode);
	struct lfs_entry *lower;

	if (upper) {
		*layer = &LFS_FS(inode->i_sb)->layers[0];
		return d_inode_rcu(upper);
	}
	lower = READ_ONCE(LFS_I(inode)->lower);
	if (!lower)
		return NULL;
	*layer = lower[0].layer;
	return d_inode_rcu(lower[0].dentry);
}

struct inode *lfs_real_inode(struct inode *inode)
{
	struct lfs_layer *layer;

	return lfs_real_inode_layer(inode, &layer);
}

struct lfs_layer *lfs_real_layer(struct inode *inode)
{
	if (lfs_upper(inode))
		return &LFS_FS(inode->i_sb)->layers[0];
	return LFS_I(inode)->lower[0].layer;
}

/* Names we own, and overlayfs's, which we interpret and so must hide. */
bool lfs_is_private_xattr(const char *name)
{
	return !strncmp(name, LFS_XATTR_PREFIX, strlen(LFS_XATTR_PREFIX)) ||
	       !strncmp(name, LFS_OVL_XATTR_PREFIX,
			strlen(LFS_OVL_XATTR_PREFIX));
}

/* Read an xattr of a real object; caller has overridden credentials. */
ssize_t lfs_getxattr_real(struct lfs_layer *layer, struct dentry *real,
			  const char *name, void *value, size_t size)
{
	return vfs_getxattr(mnt_idmap(layer->mnt), real, name, value, size);
}

static bool lfs_xattr_is_y(struct lfs_layer *layer, struct dentry *real,
			   const char *name)
{
	char val;

	return lfs_parse_opaque(&val, lfs_getxattr_real(layer, real, name,
							&val, 1));
}

/*
 * An opaque directory hides everything below it.  Our own marker and the
 * one overlayfs writes are both honoured, so layer folders produced by
 * overlayfs or docker can be used as lower layers unchanged.
 */
bool lfs_is_opaque_dir(struct lfs_layer *layer, struct dentry *real)
{
	return lfs_xattr_is_y(layer, real, LFS_XATTR_OPAQUE) ||
	       lfs_xattr_is_y(layer, real, LFS_OVL_XATTR_OPAQUE);
}

/*
 * st_ino as users see it.  With every layer on one filesystem the real inode
 * number is already unique.  Otherwise the filesystem's index goes into the
 * top bits (the upper filesystem is index 0, so its numbers are unchanged).
 * A real number too large for the remaining bits is passed on as is: it
 * might collide, which is reported once.
 */
u64 lfs_ino(struct super_block *sb, struct lfs_layer *layer, u64 ino)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	unsigned int shift;

	if (!lfs->xino_bits || !layer->fsid)
		return ino;
	shift = 64 - lfs->xino_bits;
	if (ino >> shift) {
		if (!lfs->xino_warned) {
			lfs->xino_warned = true;
			pr_warn("layerfs: inode number %llu too large to compose a unique st_ino\n",
				ino);
		}
		return ino;
	}
	return ino | ((u64)layer->fsid << shift);
}

/* Mirror the real inode's attributes into the union inode. */
void lfs_copyattr(struct inode *inode)
{
	struct inode *real = lfs_real_inode(inode);

	/*
	 * Immutable and append-only are enforced on the union inode: the
	 * real object's, and those of the upper object's record.
	 */
	inode_set_flags(inode, (real->i_flags & LFS_COPY_I_FLAGS) |
			lfs_prot_iflags(inode), LFS_COPY_I_FLAGS);
	inode->i_uid = real->i_uid;
	inode->i_gid = real->i_gid;
	inode->i_mode = real->i_mode;
	inode_set_atime_to_ts(inode, inode_get_atime(real));
	inode_set_mtime_to_ts(inode, inode_get_mtime(real));
	inode_set_ctime_to_ts(inode, inode_get_ctime(real));
	i_size_write(inode, i_size_read(real));
}

/*
 * New objects belong to the caller: the mounter's credentials, with the
 * caller's fsuid and fsgid, which the upper filesystem gives the new inode.
 * A security module computes the new object's context from the caller's
 * credentials (c->old) and puts it in ours, as it would for a creation
 * made directly (security_dentry_create_files_as(); SELinux, Smack).
 */
int lfs_override_creds_create(struct dentry *dentry, umode_t mode,
			      struct lfs_creds *c)
{
	kuid_t fsuid = current_fsuid();
	kgid_t fsgid = current_fsgid();
	struct cred *new;
	int err;

	c->old = lfs_override_creds(dentry->d_sb);
	new = prepare_creds();
	if (!new) {
		lfs_revert_creds(c->old);
		return -ENOMEM;
	}
	new->fsuid = fsuid;
	new->fsgid = fsgid;
	err = security_dentry_create_files_as(dentry, mode, &dentry->d_name,
					      c->old, new);
	if (err) {
		put_cred(new);
		lfs_revert_creds(c->old);
		return err;
	}
	c->mid = lfs_compat_override_creds(new);
	put_cred(new);
	return 0;
}

void lfs_revert_creds_create(struct lfs_creds *c)
{
	lfs_compat_revert_creds(c->mid);
	lfs_revert_creds(c->old);
}

/*
 * The object whose data a read serves: the upper one only once it has the
 * data (lfs_has_upperdata()), lower[0] before, also while only metadata
 * is up.  A reader thus gets the old data or all of the new, never the
 * sparse upper file of a metadata-only copy.
 */
void lfs_data_path(struct inode *inode, struct path *path)
{
	struct lfs_inode *li = LFS_I(inode);

	if (lfs_has_upperdata(inode)) {
		lfs_upper_path(inode, path);
		return;
	}
	path->mnt = li->lower[0].layer->mnt;
	path->dentry = li->lower[0].dentry;
}

void lfs_upper_path(struct inode *inode, struct path *path)
{
	path->mnt = LFS_FS(inode->i_sb)->layers[0].mnt;
	path->dentry = lfs_upper(inode);
}

/* Publish the upper dentry of an inode; readers use lfs_upper(). */
void lfs_set_upper(struct inode *inode, struct dentry *upper)
{
	/* Everything about upper is written before readers can see it. */
	smp_store_release(&LFS_I(inode)->upper, upper);
}

/*
 * Publish that the upper object has the data; after lfs_set_upper() and
 * after the data copy.  Readers use lfs_has_upperdata().
 */
void lfs_set_upperdata(struct inode *inode)
{
	/* The upper dentry and the data first; pairs with the acquire. */
	smp_store_release(&LFS_I(inode)->upperdata, true);
}

/* A directory's entries changed: listings made before are stale. */
void lfs_dir_changed(struct inode *dir)
{
	WRITE_ONCE(LFS_I(dir)->version, LFS_I(dir)->version + 1);
	if (lfs_upper(dir))
		lfs_copyattr(dir);
}

/* Look name up in an upper directory whose inode the caller has locked. */
struct dentry *lfs_lookup_upper_locked(struct lfs_fs *lfs,
				       struct dentry *parent,
				       const struct qstr *name)
{
	return lookup_one(mnt_idmap(lfs->layers[0].mnt), name->name, parent,
			  name->len);
}

int lfs_setxattr_real(struct lfs_fs *lfs, struct dentry *real,
		      const char *name, const void *value, size_t size)
{
	return vfs_setxattr(mnt_idmap(lfs->layers[0].mnt), real, name, value,
			    size, 0);
}

int lfs_set_opaque(struct lfs_fs *lfs, struct dentry *real)
{
	return lfs_setxattr_real(lfs, real, LFS_XATTR_OPAQUE, "y", 1);
}

static atomic64_t lfs_temp_seq = ATOMIC64_INIT(0);

/* A fresh name in the work directory; caller holds the workdir lock. */
struct dentry *lfs_temp_name(struct lfs_fs *lfs)
{
	struct dentry *d;
	char name[32];

	snprintf(name, sizeof(name), "#lfs%llx",
		 (u64)atomic64_inc_return(&lfs_temp_seq));
	d = lookup_one(mnt_idmap(lfs->layers[0].mnt), name, lfs->workdir,
		       strlen(name));
	if (!IS_ERR(d) && d_is_positive(d)) {
		dput(d);
		return ERR_PTR(-EEXIST);
	}
	return d;
}

/* st_ino of the object a lookup found: that of its top lower object. */
u64 lfs_stack_ino(struct super_block *sb, struct lfs_lookup_result *res)
{
	if (res->numlower)
		return lfs_ino(sb, res->lower[0].layer,
			       d_inode(res->lower[0].dentry)->i_ino);
	return lfs_ino(sb, &LFS_FS(sb)->layers[0], d_inode(res->upper)->i_ino);
}

struct lfs_list_ctx {
	struct dir_context ctx;
	struct list_head *names;
	int err;
	bool seen;	/* the last iterate_dir() gave any entry */
};

static bool lfs_list_actor(struct dir_context *ctx, const char *name,
			   int len, loff_t offset, u64 ino, unsigned int type)
{
	struct lfs_list_ctx *lc = container_of(ctx, struct lfs_list_ctx, ctx);
	struct lfs_name *n;

	lc->seen = true;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return true;
	n = kmalloc(struct_size(n, name, len + 1), GFP_KERNEL);
	if (!n) {
		lc->err = -ENOMEM;
		return false;
	}
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->len = len;
	n->type = type;
	list_add_tail(&n->list, lc->names);
	return true;
}

/*
 * iterate_dir() to the end of a real directory: again while a pass gives
 * entries (the actor sets *seen) and moves the position, so a filesystem
 * that hands out the same entries again cannot hold us here; a fatal
 * signal ends it.  An error of the actor (*actor_err) ends it too.
 */
int lfs_iterate_all(struct file *file, struct dir_context *ctx, bool *seen,
		    const int *actor_err)
{
	for (;;) {
		loff_t pos = file->f_pos;
		int err;

		*seen = false;
		err = iterate_dir(file, ctx);
		if (err || *actor_err || !*seen || file->f_pos == pos)
			return err;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

/* All names of a real directory (not . and ..); caller overrides creds. */
int lfs_list_dir(const struct path *dir, struct list_head *names)
{
	struct lfs_list_ctx lc = {
		.ctx.actor = lfs_list_actor,
		.names = names,
	};
	struct file *f;
	int err;

	f = dentry_open(dir, O_RDONLY | O_DIRECTORY | O_LARGEFILE,
			current_cred());
	if (IS_ERR(f))
		return PTR_ERR(f);
	err = lfs_iterate_all(f, &lc.ctx, &lc.seen, &lc.err);
	fput(f);
	if (err || lc.err)
		lfs_free_names(names);
	return err ?: lc.err;
}

void lfs_free_names(struct list_head *names)
{
	struct lfs_name *n, *tmp;

	list_for_each_entry_safe(n, tmp, names, list) {
		list_del(&n->list);
		kfree(n);
	}
}

/* Thin wrappers for changes to the upper layer; dir is locked. */
int lfs_do_rename(struct lfs_fs *lfs, struct inode *olddir,
		  struct dentry *old, struct inode *newdir, struct dentry *new,
		  unsigned int flags)
{
	struct mnt_idmap *idmap = mnt_idmap(lfs->layers[0].mnt);
	struct renamedata rd = {
		.old_mnt_idmap	= idmap,
		.old_dir	= olddir,
		.old_dentry	= old,
		.new_mnt_idmap	= idmap,
		.new_dir	= newdir,
		.new_dentry	= new,
		.flags		= flags,
	};

	return vfs_rename(&rd);
}

int lfs_do_unlink(struct lfs_fs *lfs, struct inode *dir, struct dentry *d)
{
	return vfs_unlink(mnt_idmap(lfs->layers[0].mnt), dir, d, NULL);
}

int lfs_do_rmdir(struct lfs_fs *lfs, struct inode *dir, struct dentry *d)
{
	return vfs_rmdir(mnt_idmap(lfs->layers[0].mnt), dir, d);
}

int lfs_do_remove(struct lfs_fs *lfs, struct inode *dir, struct dentry *d)
{
	if (d_is_dir(d))
		return lfs_do_rmdir(lfs, dir, d);
	return lfs_do_unlink(lfs, dir, d);
}

int lfs_do_whiteout(struct lfs_fs *lfs, struct inode *dir, struct dentry *d)
{
	return vfs_whiteout(mnt_idmap(lfs->layers[0].mnt), dir, d);
}

/* The filesystems we stack on instantiate the dentry on mkdir. */
int lfs_do_mkdir(struct lfs_fs *lfs, struct inode *dir, struct dentry *d,
		 umode_t mode)
{
	int err = vfs_mkdir(mnt_idmap(lfs->layers[0].mnt), dir, d, mode);

	if (!err && (d_unhashed(d) || d_is_negative(d))) {
		pr_warn_once("layerfs: upper filesystem left mkdir uninstantiated\n");
		return -EIO;
	}
	return err;
}
