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
 * The index is one allocation the size of what it holds: the names, each
 * with its position, and an array of their offsets sorted by name for a
 * binary search.  It is built without locks, published with cmpxchg() and
 * read under RCU, so the shrinker (shrink.c) can drop it at any time; the
 * next lookups build it again.  A directory too large for it, or on a
 * case-folding filesystem (where listings and lookups disagree on names),
 * is marked as having none.
 */
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "layerfs.h"

/* Searches of a directory before its index is built, and its lower depth. */
#define LFS_NIDX_AFTER_LOOKUPS	4
#define LFS_NIDX_MIN_LOWERS	2
/* Bound on memory: directories with more lower entries get no index. */
#define LFS_NIDX_MAX_NAMES	(256 * 1024)

/* An entry: position (2 bytes, little endian), length (1 byte), name. */
#define LFS_NIDX_HDR		3

struct lfs_name_index {
	struct rcu_head rcu;
	unsigned int count;
	u32 off[];		/* sorted by name; the entries follow */
};

/* The verdict "no index here", shared by every such directory. */
static struct lfs_name_index lfs_nidx_none;

/* What a build collects: every entry of every lower directory, in order. */
struct lfs_nidx_ctx {
	struct dir_context ctx;
	u8 *buf;
	size_t used, size;
	u32 *off;
	unsigned int count, max;
	unsigned int pos;
	int err;
	bool seen;	/* the last iterate_dir() gave any entry */
};

static const u8 *lfs_nidx_ents(const struct lfs_name_index *idx)
{
	return (const u8 *)&idx->off[idx->count];
}

static unsigned int lfs_nidx_pos(const u8 *e)
{
	return e[0] | (e[1] << 8);
}

static int lfs_nidx_cmp(const char *name, unsigned int len, const u8 *e)
{
	unsigned int elen = e[2];
	int cmp = memcmp(name, e + LFS_NIDX_HDR, min(len, elen));

	return cmp ?: (int)len - (int)elen;
}

/* Sort by name, then by position: the first of equal names is the top. */
static int lfs_nidx_sort_cmp(const void *a, const void *b, const void *priv)
{
	const u8 *buf = priv;
	const u8 *ea = buf + *(const u32 *)a, *eb = buf + *(const u32 *)b;
	int cmp = lfs_nidx_cmp((const char *)ea + LFS_NIDX_HDR, ea[2], eb);

	return cmp ?: (int)lfs_nidx_pos(ea) - (int)lfs_nidx_pos(eb);
}

static int lfs_nidx_grow(void **p, size_t *size, size_t need, size_t elem)
{
	size_t n = max3(*size * 2, need, (size_t)(256 / elem));
	void *q;

	if (need <= *size)
		return 0;
	q = kvrealloc(*p, n * elem, GFP_KERNEL_ACCOUNT);
	if (!q)
		return -ENOMEM;
	*p = q;
	*size = n;
	return 0;
}

static int lfs_nidx_add(struct lfs_nidx_ctx *nc, const char *name, int len)
{
	size_t max = nc->max;
	int err;

	if (len > U8_MAX)
		return -ENAMETOOLONG;
	if (nc->count >= LFS_NIDX_MAX_NAMES)
		return -E2BIG;
	err = lfs_nidx_grow((void **)&nc->off, &max, nc->count + 1,
			    sizeof(*nc->off));
	nc->max = max;
	if (!err)
		err = lfs_nidx_grow((void **)&nc->buf, &nc->size,
				    nc->used + LFS_NIDX_HDR + len, 1);
	if (err)
		return err;
	nc->off[nc->count++] = nc->used;
	nc->buf[nc->used] = nc->pos & 0xff;
	nc->buf[nc->used + 1] = nc->pos >> 8;
	nc->buf[nc->used + 2] = len;
	memcpy(nc->buf + nc->used + LFS_NIDX_HDR, name, len);
	nc->used += LFS_NIDX_HDR + len;
	return 0;
}

static bool lfs_nidx_actor(struct dir_context *ctx, const char *name,
			   int len, loff_t offset, u64 ino, unsigned int type)
{
	struct lfs_nidx_ctx *nc = container_of(ctx, struct lfs_nidx_ctx, ctx);

	nc->seen = true;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return true;
	/* ".wh.NAME" (aufs.c): the search for NAME stops in this layer. */
	if (lfs_aufs_reserved(name, len)) {
		len = lfs_aufs_target(name, len, &name);
		if (!len)
			return true;
	}
	nc->err = lfs_nidx_add(nc, name, len);
	return !nc->err;
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

/* Is the i-th sorted entry a name already given by the one before? */
static bool lfs_nidx_dup(struct lfs_nidx_ctx *nc, unsigned int i)
{
	const u8 *e = nc->buf + nc->off[i];

	return i && !lfs_nidx_cmp((const char *)e + LFS_NIDX_HDR, e[2],
				  nc->buf + nc->off[i - 1]);
}

/* Sort what was read, keep the top entry of each name, in one block. */
static struct lfs_name_index *lfs_nidx_pack(struct lfs_nidx_ctx *nc)
{
	struct lfs_name_index *idx;
	unsigned int i, n = 0;
	size_t bytes = 0;
	u8 *p;

	sort_r(nc->off, nc->count, sizeof(*nc->off), lfs_nidx_sort_cmp, NULL,
	       nc->buf);
	for (i = 0; i < nc->count; i++) {
		if (lfs_nidx_dup(nc, i))
			continue;
		n++;
		bytes += LFS_NIDX_HDR + nc->buf[nc->off[i] + 2];
	}
	idx = kvmalloc(struct_size(idx, off, n) + bytes, GFP_KERNEL_ACCOUNT);
	if (!idx)
		return NULL;
	idx->count = n;
	p = (u8 *)lfs_nidx_ents(idx);
	for (i = 0, n = 0; i < nc->count; i++) {
		const u8 *e = nc->buf + nc->off[i];

		if (lfs_nidx_dup(nc, i))
			continue;
		idx->off[n++] = p - lfs_nidx_ents(idx);
		memcpy(p, e, LFS_NIDX_HDR + e[2]);
		p += LFS_NIDX_HDR + e[2];
	}
	return idx;
}

/* Read every lower directory of dir; caller overrides credentials. */
static struct lfs_name_index *lfs_nidx_build(struct inode *dir)
{
	struct lfs_inode *li = LFS_I(dir);
	struct lfs_nidx_ctx nc = { .ctx.actor = lfs_nidx_actor };
	struct lfs_name_index *idx = NULL;
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < li->numlower; i++) {
		nc.pos = i;
		err = lfs_nidx_read(&nc, &li->lower[i]);
	}
	if (!err)
		idx = lfs_nidx_pack(&nc);
	else if (err != -ENOMEM)
		idx = &lfs_nidx_none;	/* keep the verdict: do not try again */
	if (!idx)
		li->lookups = 0;	/* out of memory: try later */
	kvfree(nc.off);
	kvfree(nc.buf);
	return idx;
}

static void lfs_nidx_free(struct lfs_name_index *idx)
{
	if (idx && idx != &lfs_nidx_none)
		kvfree(idx);
}

/* The inode is going away: nobody can be reading its index. */
void lfs_name_index_free(struct lfs_inode *li)
{
	lfs_nidx_free(rcu_dereference_protected(li->name_index, true));
	RCU_INIT_POINTER(li->name_index, NULL);
}

/*
 * The shrinker takes the index away (the verdict "none" stays: it is not
 * memory); lookups that are still reading it finish before it is freed.
 */
bool lfs_name_index_drop(struct lfs_inode *li)
{
	struct lfs_name_index *idx = rcu_access_pointer(li->name_index);

	if (!idx || idx == &lfs_nidx_none)
		return false;
	if (cmpxchg((struct lfs_name_index __force **)&li->name_index, idx,
		    NULL) != idx)
		return false;
	li->lookups = 0;
	kvfree_rcu(idx, rcu);
	return true;
}

/* Build dir's index if it has been searched often enough. */
static void lfs_nidx_make(struct inode *dir)
{
	struct lfs_inode *li = LFS_I(dir);
	struct lfs_name_index *idx;

	if (li->numlower < LFS_NIDX_MIN_LOWERS ||
	    ++li->lookups < LFS_NIDX_AFTER_LOOKUPS)
		return;
	idx = lfs_nidx_build(dir);
	if (!idx)
		return;
	/* Another lookup may have built one meanwhile: keep the first. */
	if (cmpxchg((struct lfs_name_index __force **)&li->name_index, NULL,
		    idx)) {
		lfs_nidx_free(idx);
		return;
	}
	if (idx != &lfs_nidx_none)
		lfs_cache_track(dir);
}

/* Binary search: the first position holding name, numlower if none. */
static unsigned int lfs_nidx_find(const struct lfs_name_index *idx,
				  const struct qstr *name,
				  unsigned int numlower)
{
	const u8 *ents = lfs_nidx_ents(idx);
	unsigned int lo = 0, hi = idx->count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const u8 *e = ents + idx->off[mid];
		int cmp = lfs_nidx_cmp(name->name, name->len, e);

		if (!cmp)
			return lfs_nidx_pos(e);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return numlower;
}

/* Where the index says to start, or -1 without one. */
static int lfs_nidx_start(struct inode *dir, const struct qstr *name)
{
	struct lfs_inode *li = LFS_I(dir);
	struct lfs_name_index *idx;
	int start = -1;

	rcu_read_lock();
	idx = rcu_dereference(li->name_index);
	if (idx == &lfs_nidx_none)
		start = 0;
	else if (idx)
		start = lfs_nidx_find(idx, name, li->numlower);
	rcu_read_unlock();
	if (idx && idx != &lfs_nidx_none &&
	    !test_bit(LFS_I_CACHE_REF, &li->flags))
		set_bit(LFS_I_CACHE_REF, &li->flags);
	return start;
}

/*
 * Where in dir's lower stack the search for name has to start: the first
 * position that holds it, numlower when none does, 0 without an index.
 * Caller overrides credentials.
 */
unsigned int lfs_name_index_start(struct inode *dir, const struct qstr *name)
{
	int start = lfs_nidx_start(dir, name);

	if (start >= 0)
		return start;
	lfs_nidx_make(dir);
	start = lfs_nidx_start(dir, name);
	return start >= 0 ? start : 0;
}
