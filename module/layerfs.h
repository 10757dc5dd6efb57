/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * layerfs - the writable container layer as a stacking filesystem.
 *
 * The private header: every structure, flag and prototype shared between
 * the files of the module, grouped by the file that defines them.
 *
 * Vocabulary used throughout:
 *   layer   one real directory tree: the upper (writable) layer or a lower
 *           (read-only) one.  Layer 0 is always the upper slot, lower layers
 *           are 1..n, top first.
 *   real    an object (dentry, inode, file) of the filesystem a layer lives
 *           on, as opposed to the layerfs object stacked on top of it.
 *   stack   the real objects that make up one layerfs object: at most one in
 *           the upper layer, then any number in lower layers, top first.
 */
#ifndef _LAYERFS_H
#define _LAYERFS_H

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/xattr.h>

#include "compat.h"

#define LFS_SUPER_MAGIC		0x4c465331	/* "LFS1" */

/* Most layers in one union.  Per-inode stacks are sized by what exists. */
#define LFS_MAX_LAYERS		1024

/* Private xattrs, never visible or settable through the union. */
#define LFS_XATTR_PREFIX	XATTR_TRUSTED_PREFIX "layerfs."
#define LFS_XATTR_OPAQUE	LFS_XATTR_PREFIX "opaque"
#define LFS_XATTR_REDIRECT	LFS_XATTR_PREFIX "redirect"
#define LFS_XATTR_ORIGIN	LFS_XATTR_PREFIX "origin"
#define LFS_XATTR_METACOPY	LFS_XATTR_PREFIX "metacopy"
/* Layers written by overlayfs (docker's overlay2 driver) are read as-is. */
#define LFS_OVL_XATTR_PREFIX	XATTR_TRUSTED_PREFIX "overlay."
#define LFS_OVL_XATTR_OPAQUE	LFS_OVL_XATTR_PREFIX "opaque"

/* One real directory tree taking part in the union. */
struct lfs_layer {
	struct vfsmount *mnt;		/* private clone; NULL for no upper */
	unsigned int idx;		/* 0 = upper, 1.. = lower, top first */
	unsigned int fsid;		/* which distinct filesystem, for st_ino */
};

/* What the user asked for; kept as given for show_options(). */
struct lfs_config {
	char **lowerdirs;
	unsigned int nr_lower;
	char *upperdir;
	char *workdir;
	bool is_volatile;
};

/* Per-superblock state. */
struct lfs_fs {
	struct lfs_layer *layers;	/* [0] upper slot, [1..nr_lower] */
	unsigned int nr_layers;		/* nr_lower + 1 */
	struct dentry *workdir;		/* real workdir, in layers[0].mnt */
	const struct cred *creator_cred;
	struct lfs_config config;
	unsigned int xino_bits;		/* high st_ino bits holding the fsid */
	bool xino_warned;
};

/* One real object of a stack. */
struct lfs_entry {
	struct lfs_layer *layer;
	struct dentry *dentry;
};

/* lfs_inode.flags */
enum {
	LFS_I_OPAQUE,		/* upper dir hides everything below it */
	LFS_I_MERGED,		/* dir made of more than one real dir */
};

struct lfs_dir_cache;

struct lfs_inode {
	struct inode vfs_inode;
	struct dentry *upper;		/* set once, at creation or copy-up */
	struct lfs_entry *lower;	/* top first; points at lower1 if one */
	unsigned int numlower;
	struct lfs_entry lower1;
	unsigned long flags;
	struct mutex lock;		/* copy-up and readdir cache */
	struct lfs_dir_cache *dir_cache;
	u64 version;			/* bumped on every change of a dir */
};

static inline struct lfs_inode *LFS_I(struct inode *inode)
{
	return container_of(inode, struct lfs_inode, vfs_inode);
}

static inline struct lfs_fs *LFS_FS(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct lfs_layer *lfs_upper_layer(struct lfs_fs *lfs)
{
	return lfs->layers[0].mnt ? &lfs->layers[0] : NULL;
}

/* Upper dentry of an inode, or NULL; pairs with lfs_set_upper(). */
static inline struct dentry *lfs_upper(struct inode *inode)
{
	return smp_load_acquire(&LFS_I(inode)->upper);
}

/*
 * A whiteout is a character device 0/0.  The dcache does not tag it with a
 * type of its own, so look at the inode.
 */
static inline bool lfs_is_whiteout(struct dentry *real)
{
	struct inode *inode = d_inode(real);

	return inode && IS_WHITEOUT(inode);
}

/* The result of looking a name up across the layers (namei.c). */
struct lfs_lookup_result {
	struct dentry *upper;
	struct lfs_entry *lower;	/* array of at most nr_layers */
	unsigned int numlower;
	bool opaque;
};

/* util.c */
const struct cred *lfs_override_creds(struct super_block *sb);
void lfs_revert_creds(const struct cred *old);
void lfs_real_path(struct inode *inode, struct path *path);
struct inode *lfs_real_inode(struct inode *inode);
struct lfs_layer *lfs_real_layer(struct inode *inode);
bool lfs_is_private_xattr(const char *name);
ssize_t lfs_getxattr_real(struct lfs_layer *layer, struct dentry *real,
			  const char *name, void *value, size_t size);
bool lfs_is_opaque_dir(struct lfs_layer *layer, struct dentry *real);
u64 lfs_ino(struct super_block *sb, struct lfs_layer *layer, u64 ino);
void lfs_copyattr(struct inode *inode);

/* namei.c */
struct dentry *lfs_lookup(struct inode *dir, struct dentry *dentry,
			  unsigned int flags);
void lfs_lookup_result_put(struct lfs_lookup_result *res);

/* inode.c */
extern const struct inode_operations lfs_dir_inode_operations;
struct inode *lfs_get_inode(struct super_block *sb,
			    struct lfs_lookup_result *res);
struct inode *lfs_new_root_inode(struct super_block *sb,
				 struct lfs_lookup_result *res);
void lfs_inode_free_stack(struct lfs_inode *li);

/* file.c */
extern const struct file_operations lfs_file_operations;

/* readdir.c */
extern const struct file_operations lfs_dir_operations;
void lfs_dir_cache_free(struct lfs_dir_cache *cache);

/* xattr.c */
extern const struct xattr_handler * const lfs_xattr_handlers[];
ssize_t lfs_listxattr(struct dentry *dentry, char *list, size_t size);

/* params.c */
int lfs_init_fs_context(struct fs_context *fc);
int lfs_show_options(struct seq_file *m, struct dentry *root);
void lfs_config_free(struct lfs_config *config);
void lfs_take_config(struct fs_context *fc, struct lfs_config *config);

/* super.c */
int lfs_fill_super(struct super_block *sb, struct fs_context *fc);

#endif /* _LAYERFS_H */
