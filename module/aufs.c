// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - AUFS-style whiteouts and opaque markers in lower layers.
 *
 * containers/storage extracts image layers with the whiteouts of the OCI
 * layer format, as files, whenever a mount program is configured (as it is
 * for fuse-overlayfs and for mount.layerfs):
 *
 *   .wh.NAME        NAME is deleted: it hides NAME in every layer below
 *                   (a NAME in the same layer stays visible, and a
 *                   directory NAME there is opaque: the layer was made by
 *                   deleting NAME and creating it again);
 *   .wh..wh..opq    the directory holding it is opaque;
 *   .wh..wh.*       other AUFS metadata, meaning nothing here.
 *
 * In a lower layer these are read as whiteouts and opaque markers.  No
 * name starting with ".wh." is ever listed or looked up through the union,
 * and the union refuses to create one (EPERM, as aufs does), so a layer
 * written through layerfs never holds one and reads the same when it
 * becomes a lower layer.  In the upper layer such names are hidden and
 * mean nothing: layerfs writes its own whiteouts there.
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/string.h>

#include "layerfs.h"

#define LFS_AUFS_WH		".wh."
#define LFS_AUFS_WH_LEN		(sizeof(LFS_AUFS_WH) - 1)
#define LFS_AUFS_META		".wh..wh."
#define LFS_AUFS_OPQ		".wh..wh..opq"

/* Any name starting with ".wh.": reserved, never a name of the union. */
bool lfs_aufs_reserved(const char *name, unsigned int len)
{
	return len >= LFS_AUFS_WH_LEN &&
	       !memcmp(name, LFS_AUFS_WH, LFS_AUFS_WH_LEN);
}

/*
 * What a reserved name in a listing stands for: the name it whites out
 * (in *target), or nothing (0) for AUFS metadata and the opaque marker.
 */
unsigned int lfs_aufs_target(const char *name, unsigned int len,
			     const char **target)
{
	if (len >= sizeof(LFS_AUFS_META) - 1 &&
	    !memcmp(name, LFS_AUFS_META, sizeof(LFS_AUFS_META) - 1))
		return 0;
	*target = name + LFS_AUFS_WH_LEN;
	return len - LFS_AUFS_WH_LEN;
}

/* Does the real directory dir hold name?  1, 0, or an error. */
static int lfs_aufs_has(struct lfs_layer *layer, struct dentry *dir,
			const char *name, unsigned int len)
{
	struct dentry *d;
	int ret;

	d = lookup_one_unlocked(mnt_idmap(layer->mnt), name, dir, len);
	/*
	 * A directory the mounter cannot search, or a filesystem with
	 * shorter names: no marker can matter there, and the name itself
	 * must stay reachable as before.
	 */
	if (d == ERR_PTR(-EACCES) || d == ERR_PTR(-ENAMETOOLONG))
		return 0;
	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = d_is_positive(d);
	dput(d);
	return ret;
}

/* Is name whited out, AUFS-style, in the lower directory dir? */
int lfs_aufs_whiteout(struct lfs_layer *layer, struct dentry *dir,
		      const struct qstr *name)
{
	char buf[NAME_MAX + 1];

	if (name->len > NAME_MAX - LFS_AUFS_WH_LEN)
		return 0;
	memcpy(buf, LFS_AUFS_WH, LFS_AUFS_WH_LEN);
	memcpy(buf + LFS_AUFS_WH_LEN, name->name, name->len);
	return lfs_aufs_has(layer, dir, buf, LFS_AUFS_WH_LEN + name->len);
}

/* Does the lower directory dir hold the AUFS opaque marker? */
int lfs_aufs_opaque(struct lfs_layer *layer, struct dentry *dir)
{
	return lfs_aufs_has(layer, dir, LFS_AUFS_OPQ,
			    sizeof(LFS_AUFS_OPQ) - 1);
}
