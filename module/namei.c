// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - looking a name up across the stack of a directory.
 *
 * The parent's stack is searched top down.  The first object found decides
 * what the name is: a whiteout ends the search with nothing, a non-directory
 * is the answer by itself, a directory is merged with the directories of the
 * same name further down until an opaque one or a non-directory is met.
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "layerfs.h"

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
 * What the upper layer says of the name.  Returns 1 when the search must
 * stop here (whiteout, non-directory, opaque directory), 0 to go on into the
 * lower layers, or an error.
 */
static int lfs_lookup_upper(struct lfs_layer *layer, struct dentry *base,
			    const struct qstr *name,
			    struct lfs_lookup_result *res)
{
	struct dentry *d = lfs_lookup_real(layer, base, name);

	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d_is_negative(d) || lfs_is_whiteout(d)) {
		bool stop = lfs_is_whiteout(d);

		dput(d);
		return stop;
	}
	res->upper = d;
	if (!d_is_dir(d))
		return 1;
	res->opaque = lfs_is_opaque_dir(layer, d);
	return res->opaque;
}

/* Same for one lower layer; found tells whether a directory is above. */
static int lfs_lookup_lower(struct lfs_entry *parent, const struct qstr *name,
			    bool found, struct lfs_lookup_result *res)
{
	struct dentry *d = lfs_lookup_real(parent->layer, parent->dentry, name);

	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d_is_negative(d)) {
		dput(d);
		return 0;
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
	return lfs_is_opaque_dir(parent->layer, d);
}

/* Look name up below the directory inode dir; caller overrides creds. */
static int lfs_lookup_stack(struct inode *dir, const struct qstr *name,
			    struct lfs_lookup_result *res)
{
	struct lfs_inode *pli = LFS_I(dir);
	struct dentry *pupper = lfs_upper(dir);
	unsigned int i;
	int stop = 0;

	if (pli->numlower) {
		res->lower = kcalloc(pli->numlower, sizeof(*res->lower),
				     GFP_KERNEL);
		if (!res->lower)
			return -ENOMEM;
	}
	if (pupper)
		stop = lfs_lookup_upper(&LFS_FS(dir->i_sb)->layers[0], pupper,
					name, res);
	for (i = 0; !stop && i < pli->numlower; i++)
		stop = lfs_lookup_lower(&pli->lower[i], name,
					res->upper || res->numlower, res);
	return stop < 0 ? stop : 0;
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
