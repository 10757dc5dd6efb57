// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - module init/exit, the filesystem type, superblock set-up
 * (resolving and checking the layers), statfs and the inode cache.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/seq_file.h>

#include "layerfs.h"

static struct kmem_cache *lfs_inode_cachep;

static struct inode *lfs_alloc_inode(struct super_block *sb)
{
	struct lfs_inode *li = alloc_inode_sb(sb, lfs_inode_cachep, GFP_KERNEL);

	if (!li)
		return NULL;
	li->upper = NULL;
	li->upperdata = false;
	li->lower = NULL;
	li->numlower = 0;
	li->flags = 0;
	li->dir_cache = NULL;
	li->version = 0;
	li->name_index = NULL;
	li->lookups = 0;
	return &li->vfs_inode;
}

/* After an RCU grace period: RCU walkers may read the stack till then. */
static void lfs_free_inode(struct inode *inode)
{
	lfs_inode_free_stack(LFS_I(inode));
	kmem_cache_free(lfs_inode_cachep, LFS_I(inode));
}

static void lfs_destroy_inode(struct inode *inode)
{
	struct lfs_inode *li = LFS_I(inode);

	lfs_inode_put_stack(li);
	lfs_name_index_free(li);
	if (li->dir_cache)
		lfs_dir_cache_free(li->dir_cache);
	li->dir_cache = NULL;
}

static int lfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	const struct cred *old;
	struct path real;
	int err;

	lfs_real_path(d_inode(sb->s_root), &real);
	old = lfs_override_creds(sb);
	err = vfs_statfs(&real, buf);
	lfs_revert_creds(old);
	if (!err) {
		buf->f_type = LFS_SUPER_MAGIC;
		buf->f_fsid = uuid_to_fsid(sb->s_uuid.b);
	}
	return err;
}

/* syncfs() of the union syncs the upper filesystem, unless volatile. */
static int lfs_sync_fs(struct super_block *sb, int wait)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	struct lfs_layer *upper = lfs_upper_layer(lfs);
	struct super_block *upper_sb;
	int err;

	if (!upper || lfs->config.is_volatile || !wait)
		return 0;
	upper_sb = upper->mnt->mnt_sb;
	down_read(&upper_sb->s_umount);
	err = sync_filesystem(upper_sb);
	up_read(&upper_sb->s_umount);
	return err;
}

static const struct super_operations lfs_super_operations = {
	.sync_fs	= lfs_sync_fs,
	.alloc_inode	= lfs_alloc_inode,
	.free_inode	= lfs_free_inode,
	.destroy_inode	= lfs_destroy_inode,
	.drop_inode	= generic_delete_inode,
	.statfs		= lfs_statfs,
	.show_options	= lfs_show_options,
};

/* One RCU grace period for all layers, not one each. */
static void lfs_unmount_layers(struct lfs_fs *lfs)
{
	struct vfsmount **mnts;
	unsigned int i, n = 0;

	if (!lfs->layers)
		return;
	mnts = kcalloc(lfs->nr_layers, sizeof(*mnts), GFP_KERNEL | __GFP_NOFAIL);
	for (i = 0; i < lfs->nr_layers; i++)
		if (lfs->layers[i].mnt)
			mnts[n++] = lfs->layers[i].mnt;
	kern_unmount_array(mnts, n);
	kfree(mnts);
}

static void lfs_free_fs(struct lfs_fs *lfs)
{
	if (!lfs)
		return;
	lfs_workdir_release(lfs);
	lfs_unmount_layers(lfs);
	kfree(lfs->layers);
	if (lfs->creator_cred)
		put_cred(lfs->creator_cred);
	lfs_config_free(&lfs->config);
	kfree(lfs);
}

/* Resolve one layer path and check that it can take part in a union. */
static int lfs_resolve_layer(struct fs_context *fc, const char *what,
			     const char *name, struct path *path)
{
	int err;

	err = kern_path(name, LOOKUP_FOLLOW, path);
	if (err == -ENOENT) {
		errorfc(fc, "%s \"%s\" does not exist", what, name);
		return err;
	}
	if (err) {
		errorfc(fc, "%s \"%s\" cannot be resolved (error %d)",
			what, name, err);
		return err;
	}
	if (!d_is_dir(path->dentry)) {
		path_put(path);
		errorfc(fc, "%s \"%s\" is not a directory", what, name);
		return -ENOTDIR;
	}
	/*
	 * The union shows and copies up the owners the layers store: an
	 * idmapped layer would lose its mapping (an owner it leaves unmapped
	 * would show, and be copied up, as the raw owner, e.g. root).
	 */
	if (is_idmapped_mnt(path->mnt)) {
		path_put(path);
		return invalfc(fc, "%s \"%s\" is on an idmapped mount (not supported)",
			       what, name);
	}
	return 0;
}

/* Two layers may not share any part of their trees. */
static int lfs_check_overlap(struct fs_context *fc, struct path *paths,
			     const char **names, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			struct dentry *a = paths[i].dentry;
			struct dentry *b = paths[j].dentry;

			if (a->d_sb != b->d_sb)
				continue;
			if (a == b)
				return invalfc(fc, "\"%s\" is given twice, also as \"%s\"",
					       names[i], names[j]);
			if (is_subdir(a, b) || is_subdir(b, a))
				return invalfc(fc, "layers \"%s\" and \"%s\" overlap",
					       names[i], names[j]);
		}
	}
	return 0;
}

/* Number the distinct filesystems under the union, for st_ino. */
static void lfs_assign_fsids(struct lfs_fs *lfs)
{
	unsigned int i, j, nfs = 0;

	for (i = 0; i < lfs->nr_layers; i++) {
		struct lfs_layer *l = &lfs->layers[i];

		if (!l->mnt)
			continue;
		l->fsid = nfs;
		for (j = 0; j < i; j++) {
			struct lfs_layer *o = &lfs->layers[j];

			if (o->mnt && o->mnt->mnt_sb == l->mnt->mnt_sb) {
				l->fsid = o->fsid;
				break;
			}
		}
		if (l->fsid == nfs)
			nfs++;
	}
	lfs->xino_bits = nfs > 1 ? fls(nfs - 1) : 0;
}

/* Resolve every layer path: lowers first, then upper and work. */
static int lfs_resolve_all(struct fs_context *fc, struct lfs_config *config,
			   struct path *paths, const char **names,
			   unsigned int *nr)
{
	unsigned int i;
	int err;

	for (i = 0; i < config->nr_lower; i++) {
		names[i] = config->lowerdirs[i];
		err = lfs_resolve_layer(fc, "lowerdir", names[i], &paths[i]);
		if (err)
			return err;
		*nr = i + 1;
	}
	if (!config->upperdir)
		return 0;
	names[i] = config->upperdir;
	err = lfs_resolve_layer(fc, "upperdir", names[i], &paths[i]);
	if (err)
		return err;
	*nr = ++i;
	names[i] = config->workdir;
	err = lfs_resolve_layer(fc, "workdir", names[i], &paths[i]);
	if (err)
		return err;
	*nr = ++i;
	return 0;
}

static int lfs_check_upper(struct fs_context *fc, struct lfs_config *config,
			   struct path *upper, struct path *work)
{
	if (__mnt_is_readonly(upper->mnt))
		return invalfc(fc, "upperdir \"%s\" is on a read-only mount",
			       config->upperdir);
	if (upper->mnt != work->mnt)
		return invalfc(fc, "workdir \"%s\" is not on the mount of upperdir",
			       config->workdir);
	return 0;
}

static struct vfsmount *lfs_clone_layer(struct fs_context *fc,
					struct path *path, const char *name)
{
	struct vfsmount *mnt = clone_private_mount(path);

	if (IS_ERR(mnt))
		errorfc(fc, "cannot use \"%s\" as a layer (error %ld)", name,
			PTR_ERR(mnt));
	return mnt;
}

static int lfs_setup_layers(struct super_block *sb, struct fs_context *fc,
			    struct path *paths, const char **names)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	struct lfs_config *config = &lfs->config;
	unsigned int i, nr = 0, n = config->nr_lower;
	int depth = 0;
	int err;

	err = lfs_resolve_all(fc, config, paths, names, &nr);
	if (!err && config->upperdir)
		err = lfs_check_upper(fc, config, &paths[n], &paths[n + 1]);
	if (!err)
		err = lfs_check_overlap(fc, paths, names, nr);
	if (err)
		goto out;

	for (i = 0; i < nr; i++)
		depth = max(depth, paths[i].mnt->mnt_sb->s_stack_depth);
	sb->s_stack_depth = depth + 1;
	if (sb->s_stack_depth > FILESYSTEM_MAX_STACK_DEPTH) {
		err = invalfc(fc, "layers are stacked too deep (limit %d)",
			      FILESYSTEM_MAX_STACK_DEPTH);
		goto out;
	}

	lfs->nr_layers = n + 1;
	for (i = 0; i < n; i++) {
		struct vfsmount *mnt = lfs_clone_layer(fc, &paths[i], names[i]);

		if (IS_ERR(mnt)) {
			err = PTR_ERR(mnt);
			goto out;
		}
		/* Lower layers are never written through us. */
		mnt->mnt_flags |= MNT_READONLY | MNT_NOATIME;
		lfs->layers[i + 1].mnt = mnt;
		lfs->layers[i + 1].idx = i + 1;
		if (IS_POSIXACL(d_inode(paths[i].dentry)))
			sb->s_flags |= SB_POSIXACL;
	}
	if (config->upperdir) {
		struct vfsmount *mnt = lfs_clone_layer(fc, &paths[n], names[n]);

		if (IS_ERR(mnt)) {
			err = PTR_ERR(mnt);
			goto out;
		}
		/* Times in the upper layer follow the upper mount's rules. */
		mnt->mnt_flags &= ~(MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME);
		lfs->layers[0].mnt = mnt;
		if (IS_POSIXACL(d_inode(paths[n].dentry)))
			sb->s_flags |= SB_POSIXACL;
		err = lfs_workdir_setup(sb, fc, paths[n + 1].dentry);
		if (err)
			goto out;
	}
	lfs_assign_fsids(lfs);
out:
	for (i = 0; i < nr; i++)
		path_put(&paths[i]);
	return err;
}

static struct dentry *lfs_make_root(struct super_block *sb)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	struct lfs_lookup_result res = {};
	struct inode *inode;
	unsigned int i;

	res.lower = kcalloc(lfs->nr_layers - 1, sizeof(*res.lower),
			    GFP_KERNEL);
	if (!res.lower)
		return ERR_PTR(-ENOMEM);
	for (i = 1; i < lfs->nr_layers; i++) {
		res.lower[i - 1].layer = &lfs->layers[i];
		res.lower[i - 1].dentry = dget(lfs->layers[i].mnt->mnt_root);
	}
	res.numlower = lfs->nr_layers - 1;
	if (lfs_upper_layer(lfs))
		res.upper = dget(lfs->layers[0].mnt->mnt_root);
	inode = lfs_new_root_inode(sb, &res);
	lfs_lookup_result_put(&res);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	return d_make_root(inode) ?: ERR_PTR(-ENOMEM);
}

int lfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct lfs_fs *lfs;
	struct path *paths = NULL;
	const char **names = NULL;
	struct dentry *root;
	unsigned int n;
	int err;

	lfs = kzalloc(sizeof(*lfs), GFP_KERNEL);
	if (!lfs)
		return -ENOMEM;
	sb->s_fs_info = lfs;
	lfs->sb = sb;
	lfs_take_config(fc, &lfs->config);

	n = lfs->config.nr_lower;
	if (!n)
		return invalfc(fc, "missing lowerdir: at least one lower layer is needed");
	if (!lfs->config.upperdir != !lfs->config.workdir)
		return invalfc(fc, "upperdir and workdir must be given together");
	if (lfs->config.is_volatile && !lfs->config.upperdir)
		return invalfc(fc, "volatile needs upperdir and workdir");

	err = -ENOMEM;
	lfs->creator_cred = prepare_creds();
	lfs->layers = kcalloc(n + 1, sizeof(*lfs->layers), GFP_KERNEL);
	paths = kcalloc(n + 2, sizeof(*paths), GFP_KERNEL);
	names = kcalloc(n + 2, sizeof(*names), GFP_KERNEL);
	if (!lfs->creator_cred || !lfs->layers || !paths || !names)
		goto out;

	err = lfs_setup_layers(sb, fc, paths, names);
	if (err)
		goto out;

	sb->s_magic = LFS_SUPER_MAGIC;
	sb->s_op = &lfs_super_operations;
	sb->s_xattr = lfs_xattr_handlers;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
	if (!lfs_upper_layer(lfs))
		sb->s_flags |= SB_RDONLY;
	uuid_gen(&sb->s_uuid);

	root = lfs_make_root(sb);
	if (IS_ERR(root)) {
		err = PTR_ERR(root);
		goto out;
	}
	sb->s_root = root;
	err = 0;
out:
	kfree(paths);
	kfree(names);
	return err;
}

static void lfs_kill_sb(struct super_block *sb)
{
	struct lfs_fs *lfs = LFS_FS(sb);

	kill_anon_super(sb);
	lfs_free_fs(lfs);
}

static struct file_system_type lfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "layerfs",
	.init_fs_context	= lfs_init_fs_context,
	.parameters		= NULL,
	.kill_sb		= lfs_kill_sb,
};
MODULE_ALIAS_FS("layerfs");

static void lfs_inode_init_once(void *p)
{
	struct lfs_inode *li = p;

	inode_init_once(&li->vfs_inode);
	mutex_init(&li->lock);
}

static int __init lfs_init(void)
{
	int err;

	lfs_inode_cachep = kmem_cache_create("layerfs_inode",
					     sizeof(struct lfs_inode), 0,
					     SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					     lfs_inode_init_once);
	if (!lfs_inode_cachep)
		return -ENOMEM;
	err = register_filesystem(&lfs_fs_type);
	if (err)
		kmem_cache_destroy(lfs_inode_cachep);
	return err;
}

static void __exit lfs_exit(void)
{
	unregister_filesystem(&lfs_fs_type);
	/* Inodes are freed after an RCU grace period. */
	rcu_barrier();
	kmem_cache_destroy(lfs_inode_cachep);
}

module_init(lfs_init);
module_exit(lfs_exit);

MODULE_DESCRIPTION("layerfs: union filesystem for container layers");
MODULE_AUTHOR("layerfs developers");
MODULE_LICENSE("GPL");
