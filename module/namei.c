// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - looking a name up across the stack of a directory.
 *
 * The parent's stack is searched top down.  The first object found decides
 * what the name is: a whiteout ends the search with nothing, a non-directory
 * is the answer by itself, a directory is merged with the directories of the
 * same name further down until an opaque one or a non-directory is met.
 *
 * Three upper-layer markers change that (format in Documentation/):
 *   redirect  an upper directory that was renamed finds its lower
 *             directories by the path it came from, not by its name;
 *   origin    a copied-up file names the inode it was copied from, which is
 *             looked for under the same name so st_ino stays the same and
 *             hard links stay joined;
 *   metacopy  a file copied up for a metadata change only; its data is
 *             still read from the origin.
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "layerfs.h"
#include "parse.h"

void lfs_lookup_result_put(struct lfs_lookup_result *res)
{
	unsigned int i;

	dput(res->upper);
	for (i = 0; i < res->numlower; i++)
		dput(res->lower[i].dentry);
	kfree(res->lower);
	memset(res, 0, sizeof(*res));
}

static struct dentry *lfs_lookup_real(struct lfs_layer *layer,
				      struct dentry *base,
				      const struct qstr *name)
{
	return lookup_one_unlocked(mnt_idmap(layer->mnt), name->name, base,
				   name->len);
}

/*
 * A lower directory hides the layers below it when it is marked opaque, or
 * when its own layer also whites its name out, AUFS-style (it was deleted
 * and made again).  1 if it does, 0 if not, or an error.
 */
static int lfs_lower_dir_opaque(struct lfs_entry *parent, struct dentry *d,
				const struct qstr *name)
{
	int ret;

	if (lfs_is_opaque_dir(parent->layer, d))
		return 1;
	ret = lfs_aufs_opaque(parent->layer, d);
	if (ret)
		return ret;
	return lfs_aufs_whiteout(parent->layer, parent->dentry, name);
}

static int lfs_alloc_lowers(struct lfs_lookup_result *res, unsigned int n)
{
	if (!n)
		return 0;
	res->lower = kcalloc(n, sizeof(*res->lower), GFP_KERNEL);
	if (!res->lower)
		return -ENOMEM;
	res->maxlower = n;
	return 0;
}

/* Add a lower object to the stack (which owns the reference from now). */
static int lfs_add_lower(struct lfs_lookup_result *res,
			 struct lfs_layer *layer, struct dentry *d)
{
	if (res->numlower == res->maxlower) {
		unsigned int n = res->maxlower ? res->maxlower * 2 : 2;
		struct lfs_entry *l;

		l = krealloc_array(res->lower, n, sizeof(*l), GFP_KERNEL);
		if (!l) {
			dput(d);
			return -ENOMEM;
		}
		res->lower = l;
		res->maxlower = n;
	}
	res->lower[res->numlower].layer = layer;
	res->lower[res->numlower].dentry = d;
	res->numlower++;
	return 0;
}

static void lfs_drop_lowers(struct lfs_lookup_result *res)
{
	while (res->numlower)
		dput(res->lower[--res->numlower].dentry);
}

/*
 * The origin record of a copy of lower: the inode's number, generation and
 * filesystem, so that a lower layer rebuilt with the same inode numbers,
 * or an inode number used again, is not taken for the copy's origin.
 */
int lfs_format_origin(struct inode *lower, char *buf, size_t size)
{
	const uuid_t *uuid = &lower->i_sb->s_uuid;
	int len;

	if (uuid_is_null(uuid))
		len = snprintf(buf, size, "%lu:%u:", lower->i_ino,
			       lower->i_generation);
	else
		len = snprintf(buf, size, "%lu:%u:%16phN", lower->i_ino,
			       lower->i_generation, uuid->b);
	return len < size ? len : -ENAMETOOLONG;
}

/* Where a copied-up file recorded it came from. */
static int lfs_read_origin(struct lfs_layer *layer, struct dentry *upper,
			   struct lfs_origin_id *id)
{
	char buf[LFS_ORIGIN_MAX];
	ssize_t len;

	len = lfs_getxattr_real(layer, upper, LFS_XATTR_ORIGIN, buf,
				sizeof(buf));
	if (len < 0)
		return len;
	return lfs_parse_origin_id(buf, len, id);
}

/*
 * Is lower the recorded origin?  1: number, generation and filesystem
 * match; 0: the number matches, but the record (an old one) says no more;
 * -1: it is not.
 */
static int lfs_origin_match(const struct lfs_origin_id *id,
			    struct inode *lower)
{
	uuid_t uuid;

	if (id->ino != lower->i_ino)
		return -1;
	if (!id->verified)
		return 0;
	import_uuid(&uuid, id->uuid);
	if (id->gen != lower->i_generation ||
	    !uuid_equal(&uuid, &lower->i_sb->s_uuid))
		return -1;
	return 1;
}

/*
 * The redirect of a real object into buf (PATH_MAX bytes), NUL-terminated:
 * its length, 0 when it has none, -EIO when it is not a valid one.
 */
static int lfs_read_redirect(struct lfs_layer *layer, struct dentry *real,
			     char *buf)
{
	ssize_t len;

	len = lfs_getxattr_real(layer, real, LFS_XATTR_REDIRECT, buf,
				PATH_MAX - 1);
	if (len == -ENODATA || len == -EOPNOTSUPP)
		return 0;
	if (len < 0 || !lfs_parse_redirect_valid(buf, len)) {
		pr_warn_ratelimited("layerfs: invalid redirect on %pd (%zd)\n",
				    real, len);
		return -EIO;
	}
	buf[len] = '\0';
	return len;
}

/* A lower regular file whose data is further down (written as metacopy). */
static bool lfs_is_lower_metacopy(struct lfs_layer *layer, struct dentry *d)
{
	ssize_t len;

	if (!d_is_reg(d))
		return false;
	len = lfs_getxattr_real(layer, d, LFS_XATTR_METACOPY, NULL, 0);
	return len >= 0;
}

/*
 * A search of the lower layers for one name.  It starts relative to the
 * parent's lower directories; a lower object that carries a redirect (a
 * directory renamed, a metacopy file renamed or linked while that layer was
 * the upper one) sends the search of the layers below it to the path its
 * redirect names, from their roots.  Each layer is searched at most once,
 * top down, so the search ends whatever the redirects say.
 */
enum lfs_want { LFS_WANT_ANY, LFS_WANT_DIR, LFS_WANT_DATA };

struct lfs_walk {
	struct lfs_lookup_result *res;
	enum lfs_want want;
	struct dentry *meta;		/* metacopy file waiting for its data */
	struct lfs_layer *meta_layer;
	char *path;			/* redirect to follow below, or NULL */
	char *next;			/* path for the layers below this one */
	unsigned int from;		/* first layer idx the path applies to */
	bool stop;
};

/*
 * The object below a metacopy file must be the one it was copied from
 * (recorded inode number, same type and size): a changed or hostile layer
 * cannot make us serve another file's data.
 */
static int lfs_check_lower_data(struct lfs_walk *w, struct dentry *d)
{
	struct lfs_origin_id id;

	if (d_is_reg(d) &&
	    !lfs_read_origin(w->meta_layer, w->meta, &id) &&
	    lfs_origin_match(&id, d_inode(d)) >= 0 &&
	    i_size_read(d_inode(d)) == i_size_read(d_inode(w->meta)))
		return 0;
	pr_warn_ratelimited("layerfs: lower metacopy file %pd has no valid origin\n",
			    w->meta);
	return -EIO;
}

/*
 * A lower object with a redirect: the layers below it are searched by the
 * path it names, from their roots.  Most objects have none, which one
 * size query tells without a buffer.
 */
static int lfs_walk_redirect(struct lfs_walk *w, struct lfs_layer *layer,
			     struct dentry *d)
{
	ssize_t size;
	char *buf;
	int len;

	size = lfs_getxattr_real(layer, d, LFS_XATTR_REDIRECT, NULL, 0);
	if (size == -ENODATA || size == -EOPNOTSUPP)
		return 0;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = lfs_read_redirect(layer, d, buf);
	if (len <= 0) {
		kfree(buf);
		return len;
	}
	kfree(w->path);
	w->path = buf;
	w->from = layer->idx + 1;
	return 0;
}

/*
 * What one lower object found for name in parent does to the search: 1
 * when it ends it, 0 to go on, or an error.  Consumes the reference on d.
 */
static int lfs_walk_take(struct lfs_walk *w, struct lfs_entry *parent,
			 const struct qstr *name, struct dentry *d)
{
	struct lfs_layer *layer = parent->layer;
	int err;

	if (d_is_negative(d)) {
		dput(d);
		return lfs_aufs_whiteout(layer, parent->dentry, name);
	}
	if (lfs_is_whiteout(d) || (w->want == LFS_WANT_DIR && !d_is_dir(d))) {
		dput(d);
		return 1;
	}
	if (w->want == LFS_WANT_DATA) {
		err = lfs_check_lower_data(w, d);
		if (err) {
			dput(d);
			return err;
		}
	}
	err = lfs_add_lower(w->res, layer, d);
	if (err)
		return err;
	if (d_is_dir(d)) {
		w->want = LFS_WANT_DIR;
		err = lfs_lower_dir_opaque(parent, d, name);
		return err ?: lfs_walk_redirect(w, layer, d);
	}
	if (!lfs_is_lower_metacopy(layer, d)) {
		w->want = LFS_WANT_ANY;
		return 1;
	}
	w->want = LFS_WANT_DATA;
	w->meta = d;
	w->meta_layer = layer;
	return lfs_walk_redirect(w, layer, d);
}

/* The next component of a path at *p; false at its end. */
static bool lfs_next_component(const char **p, struct qstr *name)
{
	while (**p == '/')
		(*p)++;
	name->name = *p;
	while (**p && **p != '/')
		(*p)++;
	name->len = *p - (const char *)name->name;
	return name->len != 0;
}

/*
 * The directory on the way that a path goes through in one layer: an
 * opaque one ends the search below this layer, a redirected one sends the
 * rest of the path elsewhere for the layers below.
 */
static int lfs_walk_through(struct lfs_walk *w, struct lfs_entry *parent,
			    const struct qstr *name, struct dentry *d,
			    const char *rest)
{
	struct lfs_layer *layer = parent->layer;
	char *buf;
	int len;

	len = lfs_lower_dir_opaque(parent, d, name);
	if (len < 0)
		return len;
	if (len)
		w->stop = true;
	len = lfs_getxattr_real(layer, d, LFS_XATTR_REDIRECT, NULL, 0);
	if (len == -ENODATA || len == -EOPNOTSUPP)
		return 0;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = lfs_read_redirect(layer, d, buf);
	if (len > 0 && len + strlen(rest) < PATH_MAX) {
		strcat(buf, rest);
		kfree(w->next);
		w->next = buf;
		return 0;
	}
	kfree(buf);
	return len < 0 ? len : (len ? -ENAMETOOLONG : 0);
}

/*
 * Walk w->path in one layer from its root: the object at its end, which may
 * be negative, with its parent directory in *parent (a reference the
 * caller drops) and its name in *name; or NULL when the path is not there.
 * A whiteout or non-directory on the way hides the path in every layer
 * below as well.
 */
static struct dentry *lfs_walk_layer(struct lfs_walk *w,
				     struct lfs_entry *parent,
				     struct qstr *name)
{
	struct dentry *d = dget(parent->layer->mnt->mnt_root);
	const char *p = w->path;
	int err;

	kfree(w->next);
	w->next = NULL;
	while (lfs_next_component(&p, name)) {
		struct dentry *c = lfs_lookup_real(parent->layer, d, name);

		if (IS_ERR(c)) {
			dput(d);
			return c;
		}
		while (*p == '/')
			p++;
		parent->dentry = d;
		if (!*p)
			return c;
		if (d_is_negative(c) || lfs_is_whiteout(c) || !d_is_dir(c)) {
			err = d_is_positive(c) ? 1 :
			      lfs_aufs_whiteout(parent->layer, d, name);
			if (err > 0)
				w->stop = true;
			dput(c);
			dput(d);
			return err < 0 ? ERR_PTR(err) : NULL;
		}
		err = lfs_walk_through(w, parent, name, c, p - 1);
		dput(d);
		if (err) {
			dput(c);
			return ERR_PTR(err);
		}
		d = c;
	}
	dput(d);
	return NULL;
}

/* The layers from w->from down, by w->path from their roots. */
static int lfs_walk_path(struct lfs_fs *lfs, struct lfs_walk *w)
{
	unsigned int idx;
	int stop = 0;

	for (idx = w->from; !stop && !w->stop && idx < lfs->nr_layers; idx++) {
		struct lfs_entry parent = { .layer = &lfs->layers[idx] };
		struct qstr name;
		struct dentry *d = lfs_walk_layer(w, &parent, &name);
		char *next = w->next;

		if (IS_ERR(d))
			return PTR_ERR(d);
		w->next = NULL;
		if (d) {
			stop = lfs_walk_take(w, &parent, &name, d);
			dput(parent.dentry);
		}
		/* A directory on the way redirected: the rest goes there. */
		if (next && stop >= 0 && w->from <= idx) {
			kfree(w->path);
			w->path = next;
			next = NULL;
		}
		kfree(next);
	}
	return stop < 0 ? stop : 0;
}

/* The end of a walk: metacopy without data below is an error. */
static int lfs_walk_end(struct lfs_walk *w, int err)
{
	kfree(w->path);
	kfree(w->next);
	if (!err && w->want == LFS_WANT_DATA) {
		pr_warn_ratelimited("layerfs: lower metacopy file %pd has no data below\n",
				    w->meta);
		err = -EIO;
	}
	return err;
}

/*
 * Search a stack of lower directories for name, appending to res; want_dir
 * when what is above is a directory (a non-directory below ends it).
 */
static int lfs_lookup_lowers(struct super_block *sb, struct lfs_entry *stack,
			     unsigned int n, const struct qstr *name,
			     bool want_dir, struct lfs_lookup_result *res)
{
	struct lfs_walk w = { .res = res };
	unsigned int i;
	int stop = 0;

	w.want = want_dir || res->numlower ? LFS_WANT_DIR : LFS_WANT_ANY;
	for (i = 0; !stop && i < n && !w.path; i++) {
		struct dentry *d = lfs_lookup_real(stack[i].layer,
						   stack[i].dentry, name);

		stop = IS_ERR(d) ? PTR_ERR(d) :
		       lfs_walk_take(&w, &stack[i], name, d);
	}
	if (!stop && w.path)
		stop = lfs_walk_path(LFS_FS(sb), &w);
	return lfs_walk_end(&w, stop < 0 ? stop : 0);
}

/* Search dir's own lower stack, from where the name index says to. */
static int lfs_lookup_dir_lowers(struct inode *dir, const struct qstr *name,
				 bool want_dir, struct lfs_lookup_result *res)
{
	struct lfs_inode *li = LFS_I(dir);
	unsigned int start = lfs_name_index_start(dir, name);

	return lfs_lookup_lowers(dir->i_sb, li->lower + start,
				 li->numlower - start, name, want_dir, res);
}

/*
 * The lower objects of a renamed upper object: its old path walked from the
 * root through the lower layers, with the normal lookup rules (redirects
 * in lower layers included), so what it merges with is exactly what the
 * old path showed below the upper layer.
 */
static int lfs_follow_redirect(struct super_block *sb, const char *path,
			       struct lfs_lookup_result *res)
{
	struct lfs_walk w = { .res = res, .from = 1 };
	int err;

	lfs_drop_lowers(res);
	w.path = kstrdup(path, GFP_KERNEL);
	if (!w.path)
		return -ENOMEM;
	err = lfs_walk_path(LFS_FS(sb), &w);
	return lfs_walk_end(&w, err);
}

/*
 * Follow the redirect of an upper object, if it has one: 1 if it did, 0 if
 * there is none.  want_dir: what the target must be.
 */
static int lfs_check_redirect(struct super_block *sb, struct lfs_layer *layer,
			      struct lfs_lookup_result *res, bool want_dir)
{
	char *buf;
	int len;
	int err;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = lfs_read_redirect(layer, res->upper, buf);
	if (len <= 0) {
		kfree(buf);
		return len;
	}
	res->redirect = true;
	err = lfs_follow_redirect(sb, buf, res);
	kfree(buf);
	if (!err && res->numlower &&
	    d_is_dir(res->lower[0].dentry) != want_dir)
		lfs_drop_lowers(res);
	return err ?: 1;
}

/*
 * A copied-up file is joined with its origin when the same name below still
 * holds an object of the same type and identity.  Anything else (the file
 * was renamed, or the lower layers changed) leaves the upper file on its
 * own, which only costs st_ino stability.
 */
static int lfs_find_origin(struct inode *dir, const struct qstr *name,
			   struct lfs_lookup_result *res)
{
	struct lfs_inode *pli = LFS_I(dir);
	struct lfs_layer *upper = &LFS_FS(dir->i_sb)->layers[0];
	struct inode *uinode = d_inode(res->upper);
	struct lfs_origin_id id;
	struct inode *origin;
	int err;

	if (lfs_read_origin(upper, res->upper, &id))
		return 0;
	/* A renamed file finds its origin by its old path. */
	err = lfs_check_redirect(dir->i_sb, upper, res, false);
	if (!err && pli->numlower)
		err = lfs_lookup_dir_lowers(dir, name, false, res);
	if (err < 0 || !res->numlower)
		return err < 0 ? err : 0;
	origin = d_inode(res->lower[0].dentry);
	if (lfs_origin_match(&id, origin) >= 0 &&
	    (origin->i_mode & S_IFMT) == (uinode->i_mode & S_IFMT))
		return 0;
	/* Not our origin: forget it. */
	while (res->numlower)
		dput(res->lower[--res->numlower].dentry);
	return 0;
}

/*
 * Metadata-only copy-ups are trusted only with a verified origin of the
 * recorded size: a hostile or changed lower layer cannot make us serve
 * data of another file.
 */
static int lfs_check_metacopy(struct lfs_layer *layer,
			      struct lfs_lookup_result *res)
{
	struct inode *uinode = d_inode(res->upper);
	ssize_t len;

	if (!S_ISREG(uinode->i_mode))
		return 0;
	len = lfs_getxattr_real(layer, res->upper, LFS_XATTR_METACOPY, NULL, 0);
	if (len == -ENODATA || len == -EOPNOTSUPP)
		return 0;
	if (len >= 0 && res->numlower &&
	    i_size_read(d_inode(res->lower[0].dentry)) == i_size_read(uinode)) {
		res->metacopy = true;
		return 0;
	}
	pr_warn_ratelimited("layerfs: metacopy file %pd has no valid origin\n",
			    res->upper);
	return -EIO;
}

/*
 * What the upper layer says of the name.  Returns 1 when the lower layers
 * need not be searched by name, 0 to go on, or an error.
 */
static int lfs_lookup_upper(struct inode *dir, const struct qstr *name,
			    struct lfs_lookup_result *res)
{
	struct lfs_layer *layer = &LFS_FS(dir->i_sb)->layers[0];
	struct dentry *d = lfs_lookup_real(layer, lfs_upper(dir), name);
	int err;

	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d_is_negative(d) || lfs_is_whiteout(d)) {
		bool stop = lfs_is_whiteout(d);

		dput(d);
		return stop;
	}
	res->upper = d;
	if (!d_is_dir(d)) {
		err = lfs_find_origin(dir, name, res);
		if (!err)
			err = lfs_check_metacopy(layer, res);
		return err ?: 1;
	}
	res->opaque = lfs_is_opaque_dir(layer, d);
	if (res->opaque)
		return 1;
	return lfs_check_redirect(dir->i_sb, layer, res, true);
}

/*
 * A lower file with several links may have been copied up through another
 * of its names: the index has that copy, which this name shares.
 */
static int lfs_check_index(struct super_block *sb,
			   struct lfs_lookup_result *res)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	struct inode *lower = d_inode(res->lower[0].dentry);
	struct lfs_origin_id id;
	struct dentry *idx;

	if (!lfs->indexdir || d_is_dir(res->lower[0].dentry) ||
	    lower->i_nlink < 2)
		return 0;
	idx = lfs_index_lookup(lfs, lower);
	if (IS_ERR_OR_NULL(idx))
		return PTR_ERR_OR_ZERO(idx);
	/* Only a verified record: an index entry joins names for good. */
	if (lfs_read_origin(&lfs->layers[0], idx, &id) ||
	    lfs_origin_match(&id, lower) < 1 ||
	    (d_inode(idx)->i_mode & S_IFMT) != (lower->i_mode & S_IFMT)) {
		dput(idx);
		return 0;
	}
	res->upper = idx;
	return lfs_check_metacopy(&lfs->layers[0], res);
}

/* Look name up below the directory inode dir; caller overrides creds. */
int lfs_lookup_stack(struct inode *dir, const struct qstr *name,
		     struct lfs_lookup_result *res)
{
	struct lfs_inode *pli = LFS_I(dir);
	int stop = 0;
	int err;

	err = lfs_alloc_lowers(res, pli->numlower);
	if (err)
		return err;
	if (lfs_upper(dir))
		stop = lfs_lookup_upper(dir, name, res);
	if (stop < 0)
		return stop;
	if (stop)
		return 0;
	err = lfs_lookup_dir_lowers(dir, name, res->upper, res);
	if (!err && !res->upper && res->numlower)
		err = lfs_check_index(dir->i_sb, res);
	return err;
}

struct dentry *lfs_lookup(struct inode *dir, struct dentry *dentry,
			  unsigned int flags)
{
	struct lfs_lookup_result res = {};
	struct inode *inode = NULL;
	const struct cred *old;
	int err;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	/* Reserved for AUFS-style whiteouts (aufs.c): never a union name. */
	if (lfs_aufs_reserved(dentry->d_name.name, dentry->d_name.len))
		return ERR_PTR(-EPERM);

	old = lfs_override_creds(dir->i_sb);
	err = lfs_lookup_stack(dir, &dentry->d_name, &res);
	lfs_revert_creds(old);
	if (!err && (res.upper || res.numlower)) {
		inode = lfs_get_inode(dir->i_sb, &res);
		if (IS_ERR(inode))
			err = PTR_ERR(inode);
	}
	lfs_lookup_result_put(&res);
	if (err)
		return ERR_PTR(err);
	return d_splice_alias(inode, dentry);
}

/* Path of a union dentry from the union root, for redirects. */
char *lfs_union_path(struct dentry *dentry, char **buf)
{
	char *p;

	*buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!*buf)
		return ERR_PTR(-ENOMEM);
	p = dentry_path_raw(dentry, *buf, PATH_MAX);
	if (IS_ERR(p)) {
		kfree(*buf);
		*buf = NULL;
	}
	return p;
}
