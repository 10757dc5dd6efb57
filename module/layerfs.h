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

/* Inode flags of the real inode that the union inode carries too. */
#define LFS_COPY_I_FLAGS	(S_SYNC | S_APPEND | S_IMMUTABLE)

/* chattr flags a copy-up sets on the copy (append/immutable: a record). */
#define LFS_COPY_FS_FLAGS	(FS_SYNC_FL | FS_NOATIME_FL | FS_NODUMP_FL | \
				 FS_DIRSYNC_FL | FS_NOCOW_FL)

/* Private xattrs, never visible or settable through the union. */
#define LFS_XATTR_PREFIX	XATTR_TRUSTED_PREFIX "layerfs."
#define LFS_XATTR_OPAQUE	LFS_XATTR_PREFIX "opaque"
#define LFS_XATTR_REDIRECT	LFS_XATTR_PREFIX "redirect"
#define LFS_XATTR_ORIGIN	LFS_XATTR_PREFIX "origin"
#define LFS_XATTR_METACOPY	LFS_XATTR_PREFIX "metacopy"
#define LFS_XATTR_LINKSUP	LFS_XATTR_PREFIX "linksup"
#define LFS_XATTR_LOWERLINKS	LFS_XATTR_PREFIX "lowerlinks"
#define LFS_XATTR_PROTATTR	LFS_XATTR_PREFIX "protattr"
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
	struct dentry *workdir;		/* staging dir: <workdir>/work */
	struct dentry *workbase;	/* the workdir the user gave */
	struct dentry *indexdir;	/* <workdir>/index: hard-linked copies */
	struct list_head inuse;		/* in share.c's list while mounted */
	struct super_block *sb;
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
	LFS_I_REDIRECT,		/* upper dir found its lowers by redirect */
	LFS_I_LINKGROUP,	/* lower file with several names: i_nlink exact */
	LFS_I_PROT_APPEND,	/* upper's protattr record says append-only */
	LFS_I_PROT_IMMUTABLE,	/* upper's protattr record says immutable */
};

/* Per-dentry flags, in d_fsdata: facts about the name, not the inode. */
enum {
	LFS_D_LOWER,		/* name exists below: removal needs a whiteout */
	LFS_D_UPPER,		/* name exists in the upper layer */
};

static inline unsigned long *lfs_dflags(struct dentry *dentry)
{
	return (unsigned long *)&dentry->d_fsdata;
}

struct lfs_dir_cache;
struct lfs_name_index;

struct lfs_inode {
	struct inode vfs_inode;
	struct dentry *upper;		/* set once, at creation or copy-up */
	bool upperdata;			/* upper serves the data too: set once */
	struct lfs_entry *lower;	/* top first; points at lower1 if one */
	unsigned int numlower;
	struct lfs_entry lower1;
	unsigned long flags;
	struct mutex lock;		/* copy-up and readdir cache */
	struct lfs_dir_cache *dir_cache;
	u64 version;			/* bumped on every change of a dir */
	struct lfs_name_index *name_index;	/* lower names (nameidx.c) */
	unsigned int lookups;		/* searches, before the index exists */
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
	/* Pairs with the release in lfs_set_upper(). */
	return smp_load_acquire(&LFS_I(inode)->upper);
}

/*
 * The upper object holds the data too (not a metadata-only copy): set
 * after lfs_set_upper() and, for a metacopy file, only once its data is
 * complete and durable, with release; a reader that sees it (acquire)
 * sees the upper dentry and the data.  Without it the data is lower[0]'s.
 */
static inline bool lfs_has_upperdata(struct inode *inode)
{
	/* Pairs with the release in lfs_set_upperdata(). */
	return smp_load_acquire(&LFS_I(inode)->upperdata);
}

/* Metadata up, data still below; stable only under li->lock. */
static inline bool lfs_is_metacopy(struct inode *inode)
{
	return lfs_upper(inode) && !lfs_has_upperdata(inode);
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
	bool metacopy;
	bool redirect;
	bool name_below;		/* the name itself exists in a lower layer */
};

/* Which of the union's objects a copy-up must bring along. */
enum lfs_copy_up_mode {
	LFS_COPY_META,		/* metadata only, data stays below (metacopy) */
	LFS_COPY_DATA,		/* everything */
	LFS_COPY_NODATA,	/* metadata, file truncated to zero (O_TRUNC) */
};

/* util.c */
const struct cred *lfs_override_creds(struct super_block *sb);
void lfs_revert_creds(const struct cred *old);
struct lfs_creds {
	const struct cred *old;
	const struct cred *mid;
};

int lfs_override_creds_create(struct dentry *dentry, umode_t mode,
			      struct lfs_creds *c);
void lfs_revert_creds_create(struct lfs_creds *c);
void lfs_real_path(struct inode *inode, struct path *path);
void lfs_data_path(struct inode *inode, struct path *path);
void lfs_upper_path(struct inode *inode, struct path *path);
bool lfs_is_upper_only(struct inode *inode);
void lfs_set_upper(struct inode *inode, struct dentry *upper);
void lfs_set_upperdata(struct inode *inode);
void lfs_dir_changed(struct inode *dir);
struct dentry *lfs_lookup_upper_locked(struct lfs_fs *lfs,
				       struct dentry *parent,
				       const struct qstr *name);
struct inode *lfs_real_inode_layer(struct inode *inode,
				   struct lfs_layer **layer);
struct inode *lfs_real_inode(struct inode *inode);
struct lfs_layer *lfs_real_layer(struct inode *inode);
bool lfs_is_private_xattr(const char *name);
ssize_t lfs_getxattr_real(struct lfs_layer *layer, struct dentry *real,
			  const char *name, void *value, size_t size);
bool lfs_is_opaque_dir(struct lfs_layer *layer, struct dentry *real);
u64 lfs_ino(struct super_block *sb, struct lfs_layer *layer, u64 ino);
void lfs_copyattr(struct inode *inode);
int lfs_setxattr_real(struct lfs_fs *lfs, struct dentry *real,
		      const char *name, const void *value, size_t size);
int lfs_set_opaque(struct lfs_fs *lfs, struct dentry *real);
struct dentry *lfs_temp_name(struct lfs_fs *lfs);
u64 lfs_stack_ino(struct super_block *sb, struct lfs_lookup_result *res);

struct lfs_name {
	struct list_head list;
	unsigned int len;
	unsigned int type;
	char name[];
};

int lfs_iterate_all(struct file *file, struct dir_context *ctx, bool *seen,
		    const int *actor_err);
int lfs_list_dir(const struct path *dir, struct list_head *names);
void lfs_free_names(struct list_head *names);
int lfs_do_rename(struct lfs_fs *lfs, struct inode *olddir,
		  struct dentry *old, struct inode *newdir, struct dentry *new,
		  unsigned int flags);
int lfs_do_unlink(struct lfs_fs *lfs, struct inode *dir, struct dentry *d);
int lfs_do_rmdir(struct lfs_fs *lfs, struct inode *dir, struct dentry *d);
int lfs_do_remove(struct lfs_fs *lfs, struct inode *dir, struct dentry *d);
int lfs_do_whiteout(struct lfs_fs *lfs, struct inode *dir, struct dentry *d);
int lfs_do_mkdir(struct lfs_fs *lfs, struct inode *dir, struct dentry *d,
		 umode_t mode);

/* workdir.c */
int lfs_workdir_setup(struct super_block *sb, struct fs_context *fc,
		      struct dentry *workbase);
int lfs_index_name(struct inode *lower, char *buf, size_t size);
struct dentry *lfs_index_lookup(struct lfs_fs *lfs, struct inode *lower);
int lfs_index_add(struct lfs_fs *lfs, struct dentry *upper,
		  struct inode *lower);
void lfs_index_remove(struct lfs_fs *lfs, struct dentry *upper,
		      struct inode *lower);
void lfs_index_drop_orphan(struct lfs_fs *lfs, struct inode *inode);
void lfs_workdir_release(struct lfs_fs *lfs);
int lfs_work_cleanup(struct lfs_fs *lfs, struct dentry *dir, int depth);

/* aufs.c */
bool lfs_aufs_reserved(const char *name, unsigned int len);
unsigned int lfs_aufs_target(const char *name, unsigned int len,
			     const char **target);
int lfs_aufs_whiteout(struct lfs_layer *layer, struct dentry *dir,
		      const struct qstr *name);
int lfs_aufs_opaque(struct lfs_layer *layer, struct dentry *dir);

/* share.c */
int lfs_claim_dirs(struct fs_context *fc, struct lfs_fs *lfs);
void lfs_release_dirs(struct lfs_fs *lfs);
int lfs_get_tree_shared(struct fs_context *fc, struct lfs_config *config);

/* namei.c */
struct dentry *lfs_lookup(struct inode *dir, struct dentry *dentry,
			  unsigned int flags);
int lfs_lookup_stack(struct inode *dir, const struct qstr *name,
		     struct lfs_lookup_result *res);
void lfs_lookup_result_put(struct lfs_lookup_result *res);
char *lfs_union_path(struct dentry *dentry, char **buf);

/* copy_up.c */
int lfs_copy_up(struct dentry *dentry, enum lfs_copy_up_mode mode);
int lfs_copy_up_for_open(struct dentry *dentry, int flags);
int lfs_copy_data_up(struct dentry *dentry);
int lfs_copy_data_up_locked(struct lfs_fs *lfs, struct inode *inode);
u64 lfs_links_up(struct lfs_fs *lfs, struct dentry *upper);
u64 lfs_lower_links(struct lfs_fs *lfs, struct dentry *upper);

/* dir.c */
extern const struct inode_operations lfs_dir_inode_operations;

/* inode.c */
int lfs_permission(struct mnt_idmap *idmap, struct inode *inode, int mask);
int lfs_getattr(struct mnt_idmap *idmap, const struct path *path,
		struct kstat *stat, u32 request_mask, unsigned int flags);
int lfs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
		struct iattr *attr);
int lfs_fileattr_get(struct dentry *dentry, struct fileattr *fa);
int lfs_fileattr_set(struct mnt_idmap *idmap, struct dentry *dentry,
		     struct fileattr *fa);
struct inode *lfs_get_inode(struct super_block *sb,
			    struct lfs_lookup_result *res);
struct inode *lfs_new_upper_inode(struct super_block *sb,
				  struct dentry *upper);
struct inode *lfs_new_root_inode(struct super_block *sb,
				 struct lfs_lookup_result *res);
void lfs_inode_put_stack(struct lfs_inode *li);
void lfs_inode_free_stack(struct lfs_inode *li);

/* acl.c */
struct lfs_new_acls {
	struct posix_acl *acl;
	struct posix_acl *default_acl;
};

void lfs_acl_init(struct inode *inode);
struct posix_acl *lfs_get_inode_acl(struct inode *inode, int type, bool rcu);
struct posix_acl *lfs_get_acl(struct mnt_idmap *idmap, struct dentry *dentry,
			      int type);
int lfs_set_acl(struct mnt_idmap *idmap, struct dentry *dentry,
		struct posix_acl *acl, int type);
int lfs_acl_new_prepare(struct inode *udir, umode_t *mode,
			struct lfs_new_acls *n);
int lfs_acl_new_apply(struct lfs_fs *lfs, struct dentry *d, umode_t mode,
		      struct lfs_new_acls *n);
void lfs_acl_new_release(struct lfs_new_acls *n);

/* file.c */
extern const struct file_operations lfs_file_operations;
int lfs_file_attach(struct file *file, struct inode *inode,
		    struct file *realfile);
void lfs_file_detach(struct file *file);
int lfs_file_opened(struct inode *inode, struct file *file);

/* nameidx.c */
unsigned int lfs_name_index_start(struct inode *dir, const struct qstr *name);
void lfs_name_index_free(struct lfs_inode *li);

/* readdir.c */
extern const struct file_operations lfs_dir_operations;
void lfs_dir_cache_free(struct lfs_dir_cache *cache);
int lfs_check_empty_dir(struct inode *dir);

/* protattr.c */
struct fileattr;
unsigned int lfs_prot_from_iflags(unsigned int iflags);
unsigned int lfs_prot_iflags(struct inode *inode);
void lfs_prot_remember(struct inode *inode, unsigned int prot);
void lfs_prot_load(struct inode *inode, struct dentry *upper);
int lfs_prot_write(struct lfs_fs *lfs, struct dentry *upper,
		   unsigned int prot);
int lfs_prot_copy_up(struct lfs_fs *lfs, struct inode *lower,
		     struct dentry *copy, unsigned int *prot);
void lfs_prot_fileattr_get(struct inode *inode, struct fileattr *fa);
int lfs_prot_fileattr_set(struct lfs_fs *lfs, struct inode *inode,
			  struct dentry *upper, struct fileattr *fa);

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
