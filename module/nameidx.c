// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - the name index: lookups flat in the number of layers.
 *
 * A cold lookup in a merged directory asks every lower layer in turn until
 * one has the name; a name that is absent costs one real lookup per layer
 * (and leaves a negative dentry in each).  Lower layers never change while
 * mounted, so once a directory has been searched a few times we read each
 * of its lower directories once and keep, for every name, the first layer
 * of its stack that holds it.  A lookup then starts right there, and a name
 * in no lower layer costs no lower lookup at all.  The upper layer is always
 * asked directly: it changes.
 *
 * The index is built without locks and published with cmpxchg(); a
 * directory too large for it, or on a case-folding filesystem (where
 * listings and lookups disagree on names), is marked as having none.
 */
#include <linux/fs.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "layerfs.h"

/* Searches of a directory before its index is built, and its lower depth. */
#define LFS_NIDX_AFTER_LOOKUPS	4
#define LFS_NIDX_MIN_LOWERS	2
/* Bound on memory: directories with more lower entries get no index. */
#define LFS_NIDX_MAX_NAMES	(256 * 1024)

struct lfs_nidx_ent {
	struct rb_node node;
	unsigned int pos;		/* first position in the lower stack */
	unsigned int len;
	char name[];
};

struct lfs_name_index {
	struct rb_root names;
	unsigned int count;
	bool unusable;			/* too big, or names are folded */
};

struct lfs_nidx_ctx {
	struct dir_context ctx;
	struct lfs_name_index *idx;
	unsigned int pos;
	int err;
	bool seen;	/* the last iterate_dir() gave any entry */
};

static int lfs_nidx_cmp(const char *name, unsigned int len,
			const struct lfs_nidx_ent *e)
{
	int cmp = memcmp(name, e->name, min(len, e->len));

	return cmp ?: (int)len - (int)e->len;
}

static struct lfs_nidx_ent *lfs_nidx_find(struct rb_root *root,
					  const char *name, unsigned int len,
					  struct rb_node **parent,
					  struct rb_node ***link)
{
	struct rb_node **p = &root->rb_node;

	*parent = NULL;
	while (*p) {
		struct lfs_nidx_ent *e = rb_entry(*p, struct lfs_nidx_ent, node);
		int cmp = lfs_nidx_cmp(name, len, e);

		if (!cmp)
			return e;
		*parent = *p;
		p = cmp < 0 ? &(*p)->rb_left : &(*p)->rb_right;
	}
	*link = p;
	return NULL;
}

static bool lfs_nidx_actor(struct dir_context *ctx, const char *name,
			   int len, loff_t offset, u64 ino, unsigned int type)
{
	struct lfs_nidx_ctx *nc = container_of(ctx, struct lfs_nidx_ctx, ctx);
	struct lfs_name_index *idx = nc->idx;
	struct rb_node *parent, **link;
	struct lfs_nidx_ent *e;

	nc->seen = true;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return true;
	/* ".wh.NAME" (aufs.c): the search for NAME stops in this layer. */
	if (lfs_aufs_reserved(name, len)) {
		len = lfs_aufs_target(name, len, &name);
		if (!len)
			return true;
	}
	/* A higher layer already named it: that is where lookup starts. */
	if (lfs_nidx_find(&idx->names, name, len, &parent, &link))
		return true;
	if (idx->count >= LFS_NIDX_MAX_NAMES) {
		nc->err = -E2BIG;
		return false;
	}
	e = kmalloc(struct_size(e, name, len), GFP_KERNEL);
	if (!e) {
		nc->err = -ENOMEM;
		return false;
	}
	memcpy(e->name, name, len);
	e->len = len;
	e->pos = nc->pos;
	rb_link_node(&e->node, parent, link);
	rb_insert_color(&e->node, &idx->names);
	idx->count++;
	return true;
}

static void lfs_nidx_free(struct lfs_name_index *idx)
{
	struct lfs_nidx_ent *e, *tmp;

	rbtree_postorder_for_each_entry_safe(e, tmp, &idx->names, node)
		kfree(e);
	kfree(idx);
}

void lfs_name_index_free(struct lfs_inode *li)
{
	if (li->name_index)
		lfs_nidx_free(li->name_index);
	li->name_index = NULL;
}

static int lfs_nidx_read(struct lfs_nidx_ctx *nc, struct lfs_entry *e)
{
	struct path path = { .mnt = e->layer->mnt, .dentry = e->dentry };
	struct file *f;
	int err;

	if (sb_has_encoding(e->dentry->d_sb))
		return -EOPNOTSUPP;
	f = dentry_open(&path, O_RDONLY | O_DIRECTORY | O_LARGEFILE,
			current_cred());
	if (IS_ERR(f))
		return PTR_ERR(f);
	err = lfs_iterate_all(f, &nc->ctx, &nc->seen, &nc->err);
	fput(f);
	return err ?: nc->err;
}

/* Read every lower directory of dir; caller overrides credentials. */
static struct lfs_name_index *lfs_nidx_build(struct inode *dir)
{
	struct lfs_inode *li = LFS_I(dir);
	struct lfs_nidx_ctx nc = { .ctx.actor = lfs_nidx_actor };
	unsigned int i;
	int err = 0;

	nc.idx = kzalloc(sizeof(*nc.idx), GFP_KERNEL);
	if (!nc.idx)
		return NULL;
	nc.idx->names = RB_ROOT;
	for (i = 0; !err && i < li->numlower; i++) {
		nc.pos = i;
		err = lfs_nidx_read(&nc, &li->lower[i]);
	}
	if (err) {
		/* Keep the verdict, not the names: do not try again. */
		struct lfs_name_index *none = nc.idx;

		nc.idx = kzalloc(sizeof(*nc.idx), GFP_KERNEL);
		lfs_nidx_free(none);
		if (nc.idx)
			nc.idx->unusable = true;
	}
	return nc.idx;
}

static struct lfs_name_index *lfs_nidx_get(struct inode *dir)
{
	struct lfs_inode *li = LFS_I(dir);
	struct lfs_name_index *idx = READ_ONCE(li->name_index);

	if (idx)
		return idx->unusable ? NULL : idx;
	if (li->numlower < LFS_NIDX_MIN_LOWERS ||
	    ++li->lookups < LFS_NIDX_AFTER_LOOKUPS)
		return NULL;
	idx = lfs_nidx_build(dir);
	if (!idx)
		return NULL;
	/* Another lookup may have built one meanwhile: keep the first. */
	if (cmpxchg(&li->name_index, NULL, idx)) {
		lfs_nidx_free(idx);
		idx = READ_ONCE(li->name_index);
	}
	return idx->unusable ? NULL : idx;
}

/*
 * Where in dir's lower stack the search for name has to start: the first
 * position that holds it, numlower when none does, 0 without an index.
 * Caller overrides credentials.
 */
unsigned int lfs_name_index_start(struct inode *dir, const struct qstr *name)
{
	struct lfs_name_index *idx = lfs_nidx_get(dir);
	struct rb_node *parent, **link;
	struct lfs_nidx_ent *e;

	if (!idx)
		return 0;
	e = lfs_nidx_find(&idx->names, name->name, name->len, &parent, &link);
	return e ? e->pos : LFS_I(dir)->numlower;
}
