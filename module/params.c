// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - mount options: parsing (fs_context), remount and
 * show_options.  Paths are only recorded here; super.c resolves and
 * validates them when the superblock is set up.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "layerfs.h"
#include "parse.h"

enum lfs_opt {
	LFS_OPT_LOWERDIR,
	LFS_OPT_LOWERDIR_ADD,
	LFS_OPT_UPPERDIR,
	LFS_OPT_WORKDIR,
	LFS_OPT_VOLATILE,
};

static const struct fs_parameter_spec lfs_param_spec[] = {
	fsparam_string("lowerdir", LFS_OPT_LOWERDIR),
	fsparam_string("lowerdir+", LFS_OPT_LOWERDIR_ADD),
	fsparam_string("upperdir", LFS_OPT_UPPERDIR),
	fsparam_string("workdir", LFS_OPT_WORKDIR),
	fsparam_flag("volatile", LFS_OPT_VOLATILE),
	{}
};

struct lfs_fs_context {
	struct lfs_config config;
};

void lfs_config_free(struct lfs_config *config)
{
	unsigned int i;

	for (i = 0; i < config->nr_lower; i++)
		kfree(config->lowerdirs[i]);
	kfree(config->lowerdirs);
	kfree(config->upperdir);
	kfree(config->workdir);
	memset(config, 0, sizeof(*config));
}

static int lfs_add_lower(struct fs_context *fc, char *path)
{
	struct lfs_config *config = &((struct lfs_fs_context *)fc->fs_private)->config;
	char **dirs;

	if (config->nr_lower >= LFS_MAX_LAYERS) {
		kfree(path);
		return invalfc(fc, "too many lower layers, the limit is %d",
			       LFS_MAX_LAYERS);
	}
	dirs = krealloc_array(config->lowerdirs, config->nr_lower + 1,
			      sizeof(*dirs), GFP_KERNEL);
	if (!dirs) {
		kfree(path);
		return -ENOMEM;
	}
	dirs[config->nr_lower++] = path;
	config->lowerdirs = dirs;
	return 0;
}

/* Take one entry off a colon-separated layer list (parse.c). */
static char *lfs_next_lower(struct fs_context *fc, const char **pos, int *err)
{
	const char *next;
	char *out;

	out = kmalloc(strlen(*pos) + 1, GFP_KERNEL);
	if (!out) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!lfs_parse_lower_entry(*pos, out, &next)) {
		kfree(out);
		*err = next ? invalfc(fc, "empty entry in lowerdir") :
			      invalfc(fc, "empty entry at the end of lowerdir");
		return NULL;
	}
	*pos = next;
	return out;
}

static void lfs_drop_lowers(struct lfs_config *config)
{
	while (config->nr_lower)
		kfree(config->lowerdirs[--config->nr_lower]);
}

static int lfs_parse_lowerdir(struct fs_context *fc, const char *list)
{
	struct lfs_config *config = &((struct lfs_fs_context *)fc->fs_private)->config;
	const char *pos = list;
	int err = 0;

	/* lowerdir= replaces whatever was given before. */
	lfs_drop_lowers(config);
	if (!*pos)
		return invalfc(fc, "empty lowerdir");
	while (pos && !err) {
		char *path = lfs_next_lower(fc, &pos, &err);

		if (path)
			err = lfs_add_lower(fc, path);
	}
	if (err)
		lfs_drop_lowers(config);
	return err;
}

static int lfs_set_string(char **dst, struct fs_parameter *param)
{
	kfree(*dst);
	*dst = param->string;
	param->string = NULL;
	return 0;
}

static int lfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct lfs_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	if (fc->purpose == FS_CONTEXT_FOR_RECONFIGURE) {
		/*
		 * mount(8) hands the original options back on remount; the
		 * layers of a mounted union cannot change, so old-API
		 * remounts ignore them and new-API ones are told so.
		 */
		if (fc->oldapi)
			return 0;
		return invalfc(fc, "%s cannot be changed on remount",
			       param->key);
	}

	opt = fs_parse(fc, lfs_param_spec, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case LFS_OPT_LOWERDIR:
		return lfs_parse_lowerdir(fc, param->string);
	case LFS_OPT_LOWERDIR_ADD:
		if (!*param->string)
			return invalfc(fc, "empty lowerdir+");
		opt = lfs_add_lower(fc, param->string);
		param->string = NULL;
		return opt;
	case LFS_OPT_UPPERDIR:
		if (!*param->string)
			return invalfc(fc, "empty upperdir");
		return lfs_set_string(&ctx->config.upperdir, param);
	case LFS_OPT_WORKDIR:
		if (!*param->string)
			return invalfc(fc, "empty workdir");
		return lfs_set_string(&ctx->config.workdir, param);
	case LFS_OPT_VOLATILE:
		ctx->config.is_volatile = true;
		return 0;
	}
	return -EINVAL;
}

static int lfs_get_tree(struct fs_context *fc)
{
	struct lfs_fs_context *ctx = fc->fs_private;
	int err = lfs_get_tree_shared(fc, &ctx->config);

	if (err)
		return err < 0 ? err : 0;
	return get_tree_nodev(fc, lfs_fill_super);
}

static int lfs_reconfigure(struct fs_context *fc)
{
	struct super_block *sb = fc->root->d_sb;
	struct lfs_fs *lfs = LFS_FS(sb);
	struct lfs_layer *upper = lfs_upper_layer(lfs);
	int err = 0;

	if (!(fc->sb_flags & SB_RDONLY) && !upper) {
		errorfc(fc, "a union without upperdir is read-only");
		return -EROFS;
	}

	if ((fc->sb_flags & SB_RDONLY) && !sb_rdonly(sb) && upper &&
	    !lfs->config.is_volatile) {
		struct super_block *upper_sb = upper->mnt->mnt_sb;

		down_read(&upper_sb->s_umount);
		err = sync_filesystem(upper_sb);
		up_read(&upper_sb->s_umount);
	}
	return err;
}

static void lfs_free_fc(struct fs_context *fc)
{
	struct lfs_fs_context *ctx = fc->fs_private;

	if (ctx) {
		lfs_config_free(&ctx->config);
		kfree(ctx);
	}
}

static const struct fs_context_operations lfs_context_ops = {
	.parse_param	= lfs_parse_param,
	.get_tree	= lfs_get_tree,
	.reconfigure	= lfs_reconfigure,
	.free		= lfs_free_fc,
};

int lfs_init_fs_context(struct fs_context *fc)
{
	struct lfs_fs_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	fc->fs_private = ctx;
	fc->ops = &lfs_context_ops;
	return 0;
}

/* Hand the parsed options over to the superblock being set up. */
void lfs_take_config(struct fs_context *fc, struct lfs_config *config)
{
	struct lfs_fs_context *ctx = fc->fs_private;

	*config = ctx->config;
	memset(&ctx->config, 0, sizeof(ctx->config));
}

/*
 * A path shows as it was given: colons and backslashes inside it carry the
 * backslash of lowerdir syntax, which /proc/mounts octal-escapes in turn.
 */
static void lfs_show_path(struct seq_file *m, const char *path)
{
	char *buf = kmalloc(strlen(path) * 2 + 1, GFP_KERNEL);

	if (!buf) {
		seq_escape(m, path, ":, \t\n\\");
		return;
	}
	lfs_escape_lower_entry(path, buf);
	seq_escape(m, buf, ", \t\n\\");
	kfree(buf);
}

int lfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct lfs_config *config = &LFS_FS(root->d_sb)->config;
	unsigned int i;

	seq_puts(m, ",lowerdir=");
	for (i = 0; i < config->nr_lower; i++) {
		if (i)
			seq_putc(m, ':');
		lfs_show_path(m, config->lowerdirs[i]);
	}
	if (config->upperdir) {
		seq_puts(m, ",upperdir=");
		lfs_show_path(m, config->upperdir);
		seq_puts(m, ",workdir=");
		lfs_show_path(m, config->workdir);
	}
	if (config->is_volatile)
		seq_puts(m, ",volatile");
	return 0;
}
