// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - who uses an upper directory: one union, mounted any number of
 * times.
 *
 * Two superblocks writing one upper directory would each cache their own
 * view of it and corrupt the other's.  Yet container engines mount a
 * container's layer again while it is mounted (a build step mounts it to
 * compute a diff, often from another mount namespace).  overlayfs allows
 * that with a warning and leaves the result undefined.  layerfs gives a
 * second mount of the same union (the same upper and work directories,
 * the same lower layers in the same order, the same volatile option) the
 * superblock of the first: one set of inodes and caches, so every mount
 * sees every change at once.  Naming an upper or work directory that a
 * mounted union uses with any other layers is refused with EBUSY.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "layerfs.h"

/* Upper and work directories of every mounted union. */
static DEFINE_MUTEX(lfs_inuse_lock);
static LIST_HEAD(lfs_inuse_list);

static bool lfs_dir_in(struct dentry *d, struct lfs_fs *other)
{
	return d == other->layers[0].mnt->mnt_root || d == other->workbase;
}

/* Claim the upper and work directories of a union being mounted. */
int lfs_claim_dirs(struct fs_context *fc, struct lfs_fs *lfs)
{
	struct dentry *upper = lfs->layers[0].mnt->mnt_root;
	struct lfs_fs *other;
	int err = 0;

	mutex_lock(&lfs_inuse_lock);
	list_for_each_entry(other, &lfs_inuse_list, inuse) {
		if (lfs_dir_in(upper, other) || lfs_dir_in(lfs->workbase, other)) {
			errorfc(fc, "upperdir \"%s\" or workdir is in use by another mount",
				lfs->config.upperdir);
			err = -EBUSY;
			break;
		}
	}
	if (!err)
		list_add(&lfs->inuse, &lfs_inuse_list);
	mutex_unlock(&lfs_inuse_lock);
	return err;
}

void lfs_release_dirs(struct lfs_fs *lfs)
{
	mutex_lock(&lfs_inuse_lock);
	if (!list_empty(&lfs->inuse))
		list_del_init(&lfs->inuse);
	mutex_unlock(&lfs_inuse_lock);
}

/* The layer paths of a mount request: lowers, then upper, then work. */
struct lfs_share_req {
	struct path *paths;
	unsigned int nr;		/* resolved so far */
	unsigned int nr_lower;
	bool is_volatile;
};

static int lfs_share_resolve(struct lfs_config *config,
			     struct lfs_share_req *req)
{
	unsigned int i;
	int err;

	req->paths = kcalloc(config->nr_lower + 2, sizeof(*req->paths),
			     GFP_KERNEL);
	if (!req->paths)
		return -ENOMEM;
	req->nr_lower = config->nr_lower;
	req->is_volatile = config->is_volatile;
	for (i = 0; i < config->nr_lower + 2; i++) {
		const char *name = i < config->nr_lower ? config->lowerdirs[i] :
				   i == config->nr_lower ? config->upperdir :
				   config->workdir;

		err = kern_path(name, LOOKUP_FOLLOW, &req->paths[i]);
		if (err)
			return err;
		req->nr = i + 1;
	}
	return 0;
}

static void lfs_share_req_free(struct lfs_share_req *req)
{
	while (req->nr)
		path_put(&req->paths[--req->nr]);
	kfree(req->paths);
}

static bool lfs_same_dir(struct vfsmount *mnt, const struct path *path)
{
	return mnt->mnt_root == path->dentry &&
	       mnt->mnt_sb == path->dentry->d_sb;
}

static bool lfs_same_union(struct lfs_fs *other,
			   const struct lfs_share_req *req)
{
	unsigned int i;

	if (other->config.nr_lower != req->nr_lower ||
	    other->config.is_volatile != req->is_volatile ||
	    !lfs_same_dir(other->layers[0].mnt, &req->paths[req->nr_lower]) ||
	    other->workbase != req->paths[req->nr_lower + 1].dentry)
		return false;
	for (i = 0; i < req->nr_lower; i++)
		if (!lfs_same_dir(other->layers[i + 1].mnt, &req->paths[i]))
			return false;
	return true;
}

/*
 * Would the request pass, as a fresh mount, the checks the union passed?
 * The paths it reached (an idmapped or read-only bind of the same
 * directories, upper and work on two mounts) and the mounter's own
 * credentials (a weaker mounter must not write with the first one's): if
 * not, the fresh mount's set-up says what is wrong.
 */
static bool lfs_share_allowed(struct fs_context *fc,
			      const struct lfs_share_req *req,
			      const struct cred *creator)
{
	const struct path *upper = &req->paths[req->nr_lower];
	const struct path *work = &req->paths[req->nr_lower + 1];
	const struct cred *cred = current_cred();
	unsigned int i;

	if (fc->exclusive || __mnt_is_readonly(upper->mnt) ||
	    upper->mnt != work->mnt)
		return false;
	for (i = 0; i < req->nr; i++)
		if (is_idmapped_mnt(req->paths[i].mnt))
			return false;
	return uid_eq(cred->fsuid, creator->fsuid) &&
	       gid_eq(cred->fsgid, creator->fsgid) &&
	       cap_issubset(creator->cap_effective, cred->cap_effective);
}

/*
 * The mounted union req names again, with an active reference, or NULL;
 * ERR_PTR(-EBUSY) when its directories are used with other layers.
 */
static struct super_block *lfs_share_find(struct fs_context *fc,
					  const struct lfs_share_req *req)
{
	struct dentry *upper = req->paths[req->nr_lower].dentry;
	struct dentry *work = req->paths[req->nr_lower + 1].dentry;
	struct super_block *sb = NULL;
	struct lfs_fs *other;

	mutex_lock(&lfs_inuse_lock);
	list_for_each_entry(other, &lfs_inuse_list, inuse) {
		if (!lfs_dir_in(upper, other) && !lfs_dir_in(work, other))
			continue;
		if (!lfs_same_union(other, req)) {
			errorfc(fc, "upperdir \"%s\" or workdir is mounted with other layers",
				other->config.upperdir);
			sb = ERR_PTR(-EBUSY);
		} else if (lfs_share_allowed(fc, req, other->creator_cred) &&
			   atomic_inc_not_zero(&other->sb->s_active)) {
			sb = other->sb;
		}
		break;
	}
	mutex_unlock(&lfs_inuse_lock);
	return sb;
}

/*
 * Mount an already mounted union again: 1 with fc->root set (and the
 * superblock locked, as get_tree leaves it), 0 when fc names no mounted
 * union, or an error.
 */
int lfs_get_tree_shared(struct fs_context *fc, struct lfs_config *config)
{
	struct lfs_share_req req = {};
	struct super_block *sb;
	int err;

	if (!config->upperdir || !config->workdir)
		return 0;
	/* What cannot be resolved, the full set-up reports. */
	err = lfs_share_resolve(config, &req);
	sb = err ? NULL : lfs_share_find(fc, &req);
	lfs_share_req_free(&req);
	if (IS_ERR_OR_NULL(sb))
		return PTR_ERR_OR_ZERO(sb);

	down_write(&sb->s_umount);
	/* The first mount may have failed after we found it. */
	if (!sb->s_root) {
		deactivate_locked_super(sb);
		return 0;
	}
	/* As sget_fc(): never hand a superblock to another namespace. */
	if (sb->s_user_ns != fc->user_ns) {
		deactivate_locked_super(sb);
		errorfc(fc, "upperdir \"%s\" is in use by a mount of another user namespace",
			config->upperdir);
		return -EBUSY;
	}
	if (sb_rdonly(sb) && !(fc->sb_flags & SB_RDONLY)) {
		deactivate_locked_super(sb);
		errorfc(fc, "upperdir \"%s\" is in use by a read-only mount",
			config->upperdir);
		return -EBUSY;
	}
	fc->root = dget(sb->s_root);
	return 1;
}
