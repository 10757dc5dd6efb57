// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - merged readdir.
 *
 * A directory's listing is built once from each real directory of its
 * stack, top first: the first layer to name an entry decides it, a whiteout
 * hides the name in every layer below and is not listed itself.  The result
 * is an array kept with the inode until the directory changes, so repeated
 * listings and telldir/seekdir work on a stable list: a position is simply
 * an index into it.  rewinddir() picks up changes made since.
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/mm.h>

#include "layerfs.h"

/*
 * Entries are carved out of chunks rather than allocated one by one; the
 * chunks double from a small first one, so a directory costs about what it
 * holds.
 */
#define LFS_CHUNK_MIN	512
#define LFS_CHUNK_MAX	(64 * 1024)

struct lfs_chunk {
	struct lfs_chunk *next;
	size_t used;
	size_t size;
	char data[];
};

struct lfs_dirent {
	struct rb_node node;
	struct lfs_dirent *next_new;	/* entries found in the current layer */
	u64 ino;
	unsigned int len;
	unsigned char type;
	bool whiteout;
	bool from_upper;
	bool fix_ino;			/* also below: st_ino may differ */
	unsigned short aufs_idx;	/* AUFS whiteout of this layer, or 0 */
	char name[];
};

struct lfs_dir_cache {
	refcount_t ref;
	u64 version;
	unsigned int count;
	unsigned int size;
	struct lfs_dirent **ents;
	struct lfs_chunk *chunks;
};

/* Per open directory. */
struct lfs_dir_file {
	struct lfs_dir_cache *cache;
};

struct lfs_readdir_ctx {
	struct dir_context ctx;
	struct super_block *sb;
	struct lfs_dir_cache *cache;
	struct rb_root names;
	struct lfs_layer *layer;
	struct lfs_dirent *new_head;
	struct lfs_dirent **new_tail;
	bool seen;		/* the last iterate_dir() gave any entry */
	bool last;		/* reading the bottom directory of the stack */
	int err;
};

void lfs_dir_cache_free(struct lfs_dir_cache *cache)
{
	struct lfs_chunk *c;

	if (!cache || !refcount_dec_and_test(&cache->ref))
		return;
	while ((c = cache->chunks)) {
		cache->chunks = c->next;
		kvfree(c);
	}
	kvfree(cache->ents);
	kfree(cache);
}

static struct lfs_dirent *lfs_dirent_alloc(struct lfs_dir_cache *cache,
					   unsigned int len)
{
	size_t need = ALIGN(sizeof(struct lfs_dirent) + len + 1, 8);
	struct lfs_chunk *c = cache->chunks;

	if (!c || c->used + need > c->size - sizeof(*c)) {
		size_t size = c ? min_t(size_t, c->size * 2, LFS_CHUNK_MAX) :
				 LFS_CHUNK_MIN;

		/* Charged to the caller's memory cgroup: it asked for it. */
		c = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!c)
			return NULL;
		c->next = cache->chunks;
		c->used = 0;
		c->size = size;
		cache->chunks = c;
	}
	c->used += need;
	return (struct lfs_dirent *)(c->data + c->used - need);
}

static int lfs_name_cmp(const char *name, unsigned int len,
			const struct lfs_dirent *e)
{
	int cmp = memcmp(name, e->name, min(len, e->len));

	return cmp ?: (int)len - (int)e->len;
}

/* Find name; if absent, return where to link it in through *link. */
static struct lfs_dirent *lfs_name_find(struct rb_root *root,
					const char *name, unsigned int len,
					struct rb_node **parent,
					struct rb_node ***link)
{
	struct rb_node **p = &root->rb_node;

	*parent = NULL;
	while (*p) {
		struct lfs_dirent *e = rb_entry(*p, struct lfs_dirent, node);
		int cmp = lfs_name_cmp(name, len, e);

		if (!cmp)
			return e;
		*parent = *p;
		p = cmp < 0 ? &(*p)->rb_left : &(*p)->rb_right;
	}
	*link = p;
	return NULL;
}

/* A new entry for name, not yet listed nor in the tree. */
static struct lfs_dirent *lfs_dirent_new(struct lfs_readdir_ctx *rd,
					 const char *name, int namelen)
{
	struct lfs_dirent *e = lfs_dirent_alloc(rd->cache, namelen);

	if (!e) {
		rd->err = -ENOMEM;
		return NULL;
	}
	memcpy(e->name, name, namelen);
	e->name[namelen] = '\0';
	e->len = namelen;
	e->whiteout = false;
	e->from_upper = !rd->layer->idx;
	e->fix_ino = false;
	e->aufs_idx = 0;
	e->next_new = NULL;
	return e;
}

/* e is what this layer shows: list it once the layer has been read. */
static void lfs_dirent_show(struct lfs_readdir_ctx *rd, struct lfs_dirent *e,
			    u64 ino, unsigned int d_type)
{
	e->type = d_type;
	e->ino = lfs_ino(rd->sb, rd->layer, ino);
	e->whiteout = false;
	e->aufs_idx = 0;
	*rd->new_tail = e;
	rd->new_tail = &e->next_new;
}

/*
 * A name reserved for AUFS-style whiteouts (aufs.c) is never listed; in a
 * lower layer with layers below it, ".wh.NAME" hides NAME in them.
 */
static bool lfs_fill_aufs(struct lfs_readdir_ctx *rd, const char *name,
			  int namelen)
{
	struct rb_node *parent, **link;
	struct lfs_dirent *e;
	const char *target;
	unsigned int len;

	if (!rd->layer->idx || rd->last)
		return true;
	len = lfs_aufs_target(name, namelen, &target);
	if (!len || lfs_name_find(&rd->names, target, len, &parent, &link))
		return true;
	e = lfs_dirent_new(rd, target, len);
	if (!e)
		return false;
	e->whiteout = true;
	e->aufs_idx = rd->layer->idx;
	rb_link_node(&e->node, parent, link);
	rb_insert_color(&e->node, &rd->names);
	return true;
}

static bool lfs_fill_merge(struct dir_context *ctx, const char *name,
			   int namelen, loff_t offset, u64 ino,
			   unsigned int d_type)
{
	struct lfs_readdir_ctx *rd = container_of(ctx, struct lfs_readdir_ctx,
						  ctx);
	struct rb_node *parent, **link;
	struct lfs_dirent *e;

	rd->seen = true;
	if (name[0] == '.' && (namelen == 1 ||
			       (namelen == 2 && name[1] == '.')))
		return true;
	if (lfs_aufs_reserved(name, namelen))
		return lfs_fill_aufs(rd, name, namelen);
	/* A name already given by a layer above keeps that layer's answer. */
	e = lfs_name_find(&rd->names, name, namelen, &parent, &link);
	if (e) {
		/* An AUFS whiteout hides the layers below, not its own. */
		if (e->aufs_idx && e->aufs_idx == rd->layer->idx)
			lfs_dirent_show(rd, e, ino, d_type);
		/* A copied-up or merged object shows its origin's st_ino. */
		else if (e->from_upper && !e->whiteout)
			e->fix_ino = true;
		return true;
	}

	e = lfs_dirent_new(rd, name, namelen);
	if (!e)
		return false;
	/*
	 * Names are looked up only by the layers below: the bottom directory
	 * of the stack (the only one, for most directories of an image) skips
	 * the tree, which is most of the cost of a first listing.
	 */
	if (!rd->last) {
		rb_link_node(&e->node, parent, link);
		rb_insert_color(&e->node, &rd->names);
	}
	lfs_dirent_show(rd, e, ino, d_type);
	return true;
}

/*
 * A whiteout shows in a listing as a character device (or as "unknown" on
 * filesystems without d_type).  Such entries are looked up once the real
 * directory is no longer being iterated.
 */
static int lfs_check_entry(struct lfs_layer *layer, struct dentry *realdir,
			   struct lfs_dirent *e)
{
	struct dentry *d;

	if (e->type != DT_CHR && e->type != DT_UNKNOWN)
		return 0;
	d = lookup_one_unlocked(mnt_idmap(layer->mnt), e->name, realdir,
				e->len);
	if (IS_ERR(d))
		return PTR_ERR(d);
	if (lfs_is_whiteout(d))
		e->whiteout = true;
	else if (d_really_is_positive(d))
		e->type = fs_umode_to_dtype(d_inode(d)->i_mode);
	dput(d);
	return 0;
}

static int lfs_cache_append(struct lfs_dir_cache *cache, struct lfs_dirent *e)
{
	if (cache->count == cache->size) {
		unsigned int size = max(16U, cache->size * 2);
		struct lfs_dirent **ents;

		ents = kvrealloc(cache->ents, size * sizeof(*ents),
				 GFP_KERNEL_ACCOUNT);
		if (!ents)
			return -ENOMEM;
		cache->ents = ents;
		cache->size = size;
	}
	cache->ents[cache->count++] = e;
	return 0;
}

static int lfs_read_layer(struct lfs_readdir_ctx *rd, struct lfs_layer *layer,
			  struct dentry *realdir)
{
	struct path path = { .mnt = layer->mnt, .dentry = realdir };
	struct lfs_dirent *e;
	struct file *realfile;
	int err;

	realfile = dentry_open(&path, O_RDONLY | O_DIRECTORY | O_LARGEFILE,
			       current_cred());
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);

	rd->layer = layer;
	rd->new_head = NULL;
	rd->new_tail = &rd->new_head;
	err = lfs_iterate_all(realfile, &rd->ctx, &rd->seen, &rd->err);
	fput(realfile);
	if (err || rd->err)
		return err ?: rd->err;

	for (e = rd->new_head; e; e = e->next_new) {
		err = lfs_check_entry(layer, realdir, e);
		if (!err && !e->whiteout)
			err = lfs_cache_append(rd->cache, e);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Entries of the upper layer that exist below too are copied-up files or
 * merged directories, whose st_ino is their origin's: look them up the way
 * lookup does, so readdir's d_ino and stat's st_ino agree.
 */
static int lfs_fix_inos(struct inode *dir, struct lfs_dir_cache *cache)
{
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < cache->count; i++) {
		struct lfs_dirent *e = cache->ents[i];
		struct lfs_lookup_result res = {};
		struct qstr name = QSTR_INIT(e->name, e->len);

		if (!e->fix_ino)
			continue;
		err = lfs_lookup_stack(dir, &name, &res);
		if (!err && (res.upper || res.numlower))
			e->ino = lfs_stack_ino(dir->i_sb, &res);
		lfs_lookup_result_put(&res);
		/*
		 * A name whose markers are invalid (lookup says EIO) stays
		 * listed with its real d_ino: one broken entry must not make
		 * the whole directory unlistable, nor hide which name it is.
		 */
		if (err != -ENOMEM)
			err = 0;
	}
	return err;
}

/* Build the listing of dir; caller holds LFS_I(dir)->lock. */
static struct lfs_dir_cache *lfs_dir_cache_build(struct inode *dir)
{
	struct lfs_inode *li = LFS_I(dir);
	struct lfs_readdir_ctx rd = {
		.ctx.actor = lfs_fill_merge,
		.sb = dir->i_sb,
		.names = RB_ROOT,
	};
	struct dentry *upper = lfs_upper(dir);
	const struct cred *old;
	unsigned int i;
	int err = 0;

	rd.cache = kzalloc(sizeof(*rd.cache), GFP_KERNEL_ACCOUNT);
	if (!rd.cache)
		return ERR_PTR(-ENOMEM);
	refcount_set(&rd.cache->ref, 1);
	rd.cache->version = li->version;

	old = lfs_override_creds(dir->i_sb);
	rd.last = !li->numlower;
	if (upper)
		err = lfs_read_layer(&rd, &LFS_FS(dir->i_sb)->layers[0], upper);
	for (i = 0; !err && i < li->numlower; i++) {
		rd.last = i == li->numlower - 1;
		err = lfs_read_layer(&rd, li->lower[i].layer,
				     li->lower[i].dentry);
	}
	if (!err && upper && li->numlower)
		err = lfs_fix_inos(dir, rd.cache);
	lfs_revert_creds(old);
	if (err) {
		lfs_dir_cache_free(rd.cache);
		return ERR_PTR(err);
	}
	return rd.cache;
}

/* The current listing of dir, with a reference for the caller. */
static struct lfs_dir_cache *lfs_dir_cache_get(struct inode *dir)
{
	struct lfs_inode *li = LFS_I(dir);
	struct lfs_dir_cache *cache;

	mutex_lock(&li->lock);
	cache = li->dir_cache;
	if (cache && cache->version != li->version) {
		li->dir_cache = NULL;
		lfs_dir_cache_free(cache);
		cache = NULL;
	}
	if (!cache) {
		cache = lfs_dir_cache_build(dir);
		if (!IS_ERR(cache)) {
			li->dir_cache = cache;
			lfs_cache_track(dir);
		}
	} else if (!test_bit(LFS_I_CACHE_REF, &li->flags)) {
		set_bit(LFS_I_CACHE_REF, &li->flags);
	}
	if (!IS_ERR(cache))
		refcount_inc(&cache->ref);
	mutex_unlock(&li->lock);
	return cache;
}

/*
 * The shrinker: take the inode's listing if no open directory uses it.
 * Caller holds li->lock.
 */
struct lfs_dir_cache *lfs_dir_cache_steal(struct lfs_inode *li)
{
	struct lfs_dir_cache *cache = li->dir_cache;

	if (!cache || refcount_read(&cache->ref) != 1)
		return NULL;
	li->dir_cache = NULL;
	return cache;
}

/* rmdir and rename over a directory: is it empty in the union? */
int lfs_check_empty_dir(struct inode *dir)
{
	struct lfs_dir_cache *cache = lfs_dir_cache_get(dir);
	int err;

	if (IS_ERR(cache))
		return PTR_ERR(cache);
	err = cache->count ? -ENOTEMPTY : 0;
	lfs_dir_cache_free(cache);
	return err;
}

static int lfs_iterate(struct file *file, struct dir_context *ctx)
{
	struct lfs_dir_file *od = file->private_data;
	struct lfs_dir_cache *cache;
	loff_t i;

	if (!dir_emit_dots(file, ctx))
		return 0;
	if (!od->cache) {
		cache = lfs_dir_cache_get(file_inode(file));
		if (IS_ERR(cache))
			return PTR_ERR(cache);
		od->cache = cache;
	}
	cache = od->cache;
	for (i = ctx->pos - 2; i < cache->count; i++) {
		struct lfs_dirent *e = cache->ents[i];

		if (!dir_emit(ctx, e->name, e->len, e->ino, e->type))
			break;
		ctx->pos++;
	}
	return 0;
}

static loff_t lfs_dir_llseek(struct file *file, loff_t offset, int whence)
{
	struct lfs_dir_file *od = file->private_data;

	switch (whence) {
	case SEEK_CUR:
		offset += file->f_pos;
		break;
	case SEEK_SET:
		break;
	default:
		return -EINVAL;
	}
	if (offset < 0)
		return -EINVAL;
	file->f_pos = offset;
	/* rewinddir() must show what changed since the listing was made. */
	if (!offset && od->cache) {
		lfs_dir_cache_free(od->cache);
		od->cache = NULL;
	}
	return offset;
}

static int lfs_dir_open(struct inode *inode, struct file *file)
{
	struct lfs_dir_file *od = kzalloc(sizeof(*od), GFP_KERNEL_ACCOUNT);

	if (!od)
		return -ENOMEM;
	file->private_data = od;
	return 0;
}

static int lfs_dir_release(struct inode *inode, struct file *file)
{
	struct lfs_dir_file *od = file->private_data;

	lfs_dir_cache_free(od->cache);
	kfree(od);
	return 0;
}

/* fsync of a directory syncs its upper copy, if there is one. */
static int lfs_dir_fsync(struct file *file, loff_t start, loff_t end,
			 int datasync)
{
	struct inode *inode = file_inode(file);
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	struct file *realfile;
	const struct cred *old;
	struct path upper;
	int err;

	if (!lfs_upper(inode) || lfs->config.is_volatile)
		return 0;
	lfs_upper_path(inode, &upper);
	old = lfs_override_creds(inode->i_sb);
	realfile = dentry_open(&upper, O_RDONLY | O_DIRECTORY, current_cred());
	err = PTR_ERR_OR_ZERO(realfile);
	if (!err) {
		err = vfs_fsync_range(realfile, start, end, datasync);
		fput(realfile);
	}
	lfs_revert_creds(old);
	return err;
}

const struct file_operations lfs_dir_operations = {
	.fsync		= lfs_dir_fsync,
	.open		= lfs_dir_open,
	.release	= lfs_dir_release,
	.read		= generic_read_dir,
	.iterate_shared	= lfs_iterate,
	.llseek		= lfs_dir_llseek,
};
