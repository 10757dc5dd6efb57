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

/*
 * One lower layer's answer for the name.  Returns 1 when the search must stop
 * (whiteout, non-directory, opaque directory), 0 to go on, or an error.
 */
static int lfs_lookup_lower(struct lfs_entry *parent, const struct qstr *name,
			    bool found, struct lfs_lookup_result *res)
{
	struct dentry *d = lfs_lookup_real(parent->layer, parent->dentry, name);

	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d_is_negative(d)) {
		dput(d);
		return lfs_aufs_whiteout(parent->layer, parent->dentry, name);
	}
	/* A whiteout, or a non-directory under a directory, ends it. */
	if (lfs_is_whiteout(d) || (found && !d_is_dir(d))) {
		dput(d);
		return 1;
	}
	res->lower[res->numlower].layer = parent->layer;
	res->lower[res->numlower].dentry = d;
	res->numlower++;
	if (!d_is_dir(d))
		return 1;
	return lfs_lower_dir_opaque(parent, d, name);
}

/* Search a stack of lower directories for name, appending to res. */
static int lfs_lookup_lowers(struct lfs_entry *stack, unsigned int n,
			     const struct qstr *name, bool found,
			     struct lfs_lookup_result *res)
{
	unsigned int i;
	int stop = 0;

	for (i = 0; !stop && i < n; i++)
		stop = lfs_lookup_lower(&stack[i], name,
					found || res->numlower, res);
	return stop < 0 ? stop : 0;
}

/* Search dir's own lower stack, from where the name index says to. */
static int lfs_lookup_dir_lowers(struct inode *dir, const struct qstr *name,
				 bool found, struct lfs_lookup_result *res)
{
	struct lfs_inode *li = LFS_I(dir);
	unsigned int start = lfs_name_index_start(dir, name);

	return lfs_lookup_lowers(li->lower + start, li->numlower - start,
				 name, found, res);
}

static int lfs_alloc_lowers(struct lfs_lookup_result *res, unsigned int n)
{
	if (!n)
		return 0;
	res->lower = kcalloc(n, sizeof(*res->lower), GFP_KERNEL);
	return res->lower ? 0 : -ENOMEM;
}

/*
 * The lower directories of a renamed directory: walk its old path from the
 * root through the lower layers, with the normal lookup rules, so what it
 * merges with is exactly what the old path showed below the upper layer.
 */
static int lfs_follow_redirect(struct super_block *sb, const char *path,
			       struct lfs_lookup_result *res)
{
	struct lfs_inode *root = LFS_I(d_inode(sb->s_root));
	struct lfs_lookup_result cur = {};
	const char *p = path;
	int err;

	err = lfs_alloc_lowers(&cur, root->numlower);
	if (err)
		return err;
	memcpy(cur.lower, root->lower, root->numlower * sizeof(*cur.lower));
	cur.numlower = root->numlower;
	for (err = 0; err < (int)cur.numlower; err++)
		dget(cur.lower[err].dentry);
	err = 0;

	while (*p && cur.numlower) {
		struct lfs_lookup_result next = {};
		struct qstr name;

		while (*p == '/')
			p++;
		name.name = p;
		while (*p && *p != '/')
			p++;
		name.len = p - (const char *)name.name;
		if (!name.len)
			break;
		err = lfs_alloc_lowers(&next, cur.numlower);
		if (!err)
			err = lfs_lookup_lowers(cur.lower, cur.numlower, &name,
						false, &next);
		lfs_lookup_result_put(&cur);
		cur = next;
		if (err)
			break;
		while (*p == '/')
			p++;
		/* Only the last component may be a non-directory. */
		if (*p && cur.numlower && !d_is_dir(cur.lower[0].dentry)) {
			lfs_lookup_result_put(&cur);
			break;
		}
	}
	if (err) {
		lfs_lookup_result_put(&cur);
		return err;
	}
	kfree(res->lower);
	res->lower = cur.lower;
	res->numlower = cur.numlower;
	return 0;
}

/*
 * Follow the redirect of an upper object, if it has one: 1 if it did, 0 if
 * there is none.  want_dir: what the target must be.
 */
static int lfs_check_redirect(struct super_block *sb, struct lfs_layer *layer,
			      struct lfs_lookup_result *res, bool want_dir)
{
	char *buf;
	ssize_t len;
	int err;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = lfs_getxattr_real(layer, res->upper, LFS_XATTR_REDIRECT, buf,
				PATH_MAX - 1);
	if (len == -ENODATA || len == -EOPNOTSUPP) {
		kfree(buf);
		return 0;
	}
	if (len < 0 || !lfs_parse_redirect_valid(buf, len)) {
		pr_warn_ratelimited("layerfs: invalid redirect on upper directory %pd (%zd)\n",
				    res->upper, len);
		kfree(buf);
		return -EIO;
	}
	buf[len] = '\0';
	res->redirect = true;
	err = lfs_follow_redirect(sb, buf, res);
	kfree(buf);
	if (!err && res->numlower &&
	    d_is_dir(res->lower[0].dentry) != want_dir) {
		while (res->numlower)
			dput(res->lower[--res->numlower].dentry);
	}
	return err ?: 1;
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
