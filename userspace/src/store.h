/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store (ROOT/layers, images, repositories.json, containers, tmp, lock).
 * store.c reads it (all mount.layerfs needs: names, image configs, the
 * folders of an image's layers); store_add.c adds layers and images and
 * collects unused layers.
 */
#ifndef LFS_STORE_H
#define LFS_STORE_H

#include "util.h"

struct tar_opts;

struct store {
	char *root;
	int lockfd;
};
int store_open(struct store *st, const char *root, bool create);
int store_lock(struct store *st);
void store_unlock(struct store *st);
void store_close(struct store *st);
char *store_path(struct store *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *store_tmpdir(struct store *st);
char *layer_diff_path(struct store *st, const char *digest_hex);
json_object *layer_meta(struct store *st, const char *digest_hex);
/* Resolve a name or id prefix; returns 0 and fills id, or -1 (lfs_err set). */
int image_resolve(struct store *st, const char *ref, char id_out[LFS_DIGEST_HEX + 1]);
json_object *image_config(struct store *st, const char *id);
json_object *store_repos(struct store *st);
char *image_name_of(struct store *st, const char *id);
/* Layer digests of an image config, top layer first, hex without "sha256:". */
int image_layers(json_object *config, struct strv *out);
/*
 * The layer folders of image @id, top first, appended to @dirs: the one
 * place that turns an image into the folders a union stacks.  -1 (lfs_err
 * set) when the image or one of its folders is missing.
 */
int image_layer_dirs(struct store *st, const char *id, struct strv *dirs);

/* ---- store_add.c ---- */
/* Add the layer in folder @dir (copied in through its canonical tar). */
int store_add_layer_dir(struct store *st, const char *dir, char digest_out[LFS_DIGEST_HEX + 1],
			const struct tar_opts *opts);
/*
 * Add a layer from a tar file (any compression); a new layer records the
 * sha256 of the file as given as source_digest in its layer.json.
 */
int store_add_layer_tar(struct store *st, const char *tarfile, char digest_out[LFS_DIGEST_HEX + 1]);
/* Images: config is an OCI image config; returns image id hex. */
int image_save(struct store *st, json_object *config, const char *name, char id_out[LFS_DIGEST_HEX + 1]);
int store_repos_save(struct store *st, json_object *repos);
int store_gc_layers(struct store *st);
json_object *new_image_config(void);
void config_add_history(json_object *config, const char *created_by, const char *comment, bool empty);

#endif
