// SPDX-License-Identifier: GPL-2.0
/*
 * Adding to the store: layers (from folders and tars, through their
 * canonical tar), images and names; removing layers no image uses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "layer.h"
#include "store.h"

/*
 * @tmp is a store temp dir holding "diff": compute the canonical digest and
 * move it into place, or drop it when the layer is already stored.
 */
static int commit_tmp_layer(struct store *st, char *tmp, const char *source_digest,
			    char out[LFS_DIGEST_HEX + 1], const struct tar_result *known)
{
	struct tar_result res;
	char *diff = xasprintf("%s/diff", tmp), *dst, *meta;
	json_object *o;
	int r = -1;

	if (known)
		res = *known;
	else if (layer_write_tar(diff, -1, &res, NULL))
		goto out;
	dst = store_path(st, "layers/%s", res.digest);
	if (is_dir(dst)) {
		rm_rf(tmp);
		memcpy(out, res.digest, LFS_DIGEST_HEX + 1);
		free(dst);
		r = 0;
		goto out;
	}
	o = json_object_new_object();
	{
		char *d = xasprintf("sha256:%s", res.digest);

		json_object_object_add(o, "digest", json_object_new_string(d));
		free(d);
	}
	json_object_object_add(o, "tar_size", json_object_new_int64((int64_t)res.tar_size));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)res.content_size));
	{
		char *now = now_rfc3339();

		json_object_object_add(o, "created", json_object_new_string(now));
		free(now);
	}
	if (source_digest)
		json_object_object_add(o, "source_digest", json_object_new_string(source_digest));
	meta = xasprintf("%s/layer.json", tmp);
	r = json_save(meta, o);
	free(meta);
	json_object_put(o);
	if (!r && rename(tmp, dst)) {
		if (errno == ENOTEMPTY || errno == EEXIST) {
			rm_rf(tmp);	/* raced with another import of the same layer */
		} else {
			lfs_err_errno("cannot move layer into %s", dst);
			r = -1;
		}
	}
	if (!r)
		memcpy(out, res.digest, LFS_DIGEST_HEX + 1);
	free(dst);
out:
	free(diff);
	return r;
}

int store_add_layer_dir(struct store *st, const char *dir, char out[LFS_DIGEST_HEX + 1],
			const struct tar_opts *opts)
{
	char *tmp = store_tmpdir(st), *tarp = NULL, *diff = NULL;
	struct tar_result res;
	int fd, r = -1;

	if (!tmp)
		return -1;
	tarp = xasprintf("%s/layer.tar", tmp);
	diff = xasprintf("%s/diff", tmp);
	fd = open(tarp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		lfs_err_errno("cannot create %s", tarp);
		goto fail;
	}
	r = layer_write_tar(dir, fd, &res, opts);
	close(fd);
	if (r)
		goto fail;
	r = -1;
	{
		char *dst = store_path(st, "layers/%s", res.digest);
		bool have = is_dir(dst);

		free(dst);
		if (have) {
			memcpy(out, res.digest, LFS_DIGEST_HEX + 1);
			rm_rf(tmp);
			r = 0;
			goto done;
		}
	}
	if (mkdir(diff, 0755)) {
		lfs_err_errno("cannot create %s", diff);
		goto fail;
	}
	if (layer_extract_file(tarp, diff, NULL))
		goto fail;
	unlink(tarp);
	r = commit_tmp_layer(st, tmp, NULL, out, &res);
	if (r)
		goto fail;
	goto done;
fail:
	rm_rf(tmp);
	r = -1;
done:
	free(tarp);
	free(diff);
	free(tmp);
	return r;
}

int store_add_layer_tar(struct store *st, const char *tarfile, char out[LFS_DIGEST_HEX + 1])
{
	char *tmp = store_tmpdir(st), *diff, *source = NULL, raw[LFS_DIGEST_HEX + 1];
	int r = -1;

	if (!tmp)
		return -1;
	diff = xasprintf("%s/diff", tmp);
	if (mkdir(diff, 0755)) {
		lfs_err_errno("cannot create %s", diff);
		goto out;
	}
	if (layer_extract_file(tarfile, diff, raw))
		goto out;
	source = xasprintf("sha256:%s", raw);
	r = commit_tmp_layer(st, tmp, source, out, NULL);
out:
	free(source);
	if (r)
		rm_rf(tmp);
	free(diff);
	free(tmp);
	return r;
}

int store_repos_save(struct store *st, json_object *repos)
{
	char *p = store_path(st, "repositories.json");
	int r = json_save(p, repos);

	free(p);
	return r;
}

json_object *new_image_config(void)
{
	json_object *c = json_object_new_object(), *cfg = json_object_new_object();
	json_object *env = json_object_new_array(), *cmd = json_object_new_array();
	json_object *rootfs = json_object_new_object();
	char *now = now_rfc3339();

	json_object_object_add(c, "created", json_object_new_string(now));
	json_object_object_add(c, "architecture", json_object_new_string("amd64"));
	json_object_object_add(c, "os", json_object_new_string("linux"));
	json_object_array_add(env, json_object_new_string(
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	json_object_array_add(cmd, json_object_new_string("/bin/sh"));
	json_object_object_add(cfg, "Env", env);
	json_object_object_add(cfg, "Cmd", cmd);
	json_object_object_add(c, "config", cfg);
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", json_object_new_array());
	json_object_object_add(c, "rootfs", rootfs);
	json_object_object_add(c, "history", json_object_new_array());
	free(now);
	return c;
}

void config_add_history(json_object *config, const char *created_by, const char *comment,
			bool empty)
{
	json_object *h, *e = json_object_new_object();
	char *now = now_rfc3339();

	if (!json_object_object_get_ex(config, "history", &h)) {
		h = json_object_new_array();
		json_object_object_add(config, "history", h);
	}
	json_object_object_add(e, "created", json_object_new_string(now));
	json_object_object_add(e, "created_by", json_object_new_string(created_by));
	if (comment)
		json_object_object_add(e, "comment", json_object_new_string(comment));
	if (empty)
		json_object_object_add(e, "empty_layer", json_object_new_boolean(1));
	json_object_array_add(h, e);
	json_object_object_add(config, "created", json_object_new_string(now));
	free(now);
}

int image_save(struct store *st, json_object *config, const char *name,
	       char id[LFS_DIGEST_HEX + 1])
{
	char *bytes = json_plain(config), *dir, *p;
	int r = 0;

	sha256_buf(bytes, strlen(bytes), id);
	dir = store_path(st, "images/%s", id);
	p = xasprintf("%s/config.json", dir);
	if (!path_exists(p)) {
		if (mkdir(dir, 0700) && errno != EEXIST) {
			lfs_err_errno("cannot create %s", dir);
			r = -1;
		} else {
			r = write_text_atomic(p, bytes, strlen(bytes));
		}
	}
	if (!r && name) {
		json_object *repos = store_repos(st);
		char *v = xasprintf("sha256:%s", id);

		if (!repos) {
			r = -1;
		} else {
			json_object_object_add(repos, name, json_object_new_string(v));
			r = store_repos_save(st, repos);
			json_object_put(repos);
		}
		free(v);
	}
	free(p);
	free(dir);
	free(bytes);
	return r;
}

/* Remove layers no image refers to, and leftovers in tmp/. */
int store_gc_layers(struct store *st)
{
	struct strv used = { 0 };
	char *d = store_path(st, "images");
	DIR *dh = opendir(d);
	struct dirent *de;

	free(d);
	while (dh && (de = readdir(dh))) {
		json_object *cfg;

		if (strlen(de->d_name) != LFS_DIGEST_HEX)
			continue;
		cfg = image_config(st, de->d_name);
		if (!cfg) {
			strv_free(&used);
			closedir(dh);
			return -1;	/* be safe: keep everything */
		}
		image_layers(cfg, &used);
		json_object_put(cfg);
	}
	if (dh)
		closedir(dh);
	d = store_path(st, "layers");
	dh = opendir(d);
	free(d);
	while (dh && (de = readdir(dh))) {
		bool keep = false;

		if (de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < used.n && !keep; i++)
			keep = !strcmp(used.v[i], de->d_name);
		if (!keep) {
			char *p = store_path(st, "layers/%s", de->d_name);

			rm_rf(p);
			free(p);
		}
	}
	if (dh)
		closedir(dh);
	strv_free(&used);
	return 0;
}
