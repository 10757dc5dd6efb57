// SPDX-License-Identifier: GPL-2.0
/*
 * The layerctl store:
 *   ROOT/layers/<sha256>/diff          layer folder (layerfs on-disk format)
 *   ROOT/layers/<sha256>/layer.json    digest, sizes, creation time
 *   ROOT/images/<id>/config.json       OCI image config; id = sha256 of it
 *   ROOT/repositories.json             { "name": "sha256:<id>" }
 *   ROOT/containers/<name>/            container.json, state.json, upper, work, merged
 *   ROOT/tmp/                          work in progress, renamed into place when done
 *   ROOT/lock                          flock serialising changes to the store
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lfs.h"

int store_open(struct store *st, const char *root, bool create)
{
	const char *sub[] = { "layers", "images", "containers", "tmp" };

	st->lockfd = -1;
	if (need_root("the store holds whiteouts, owners and trusted.* attributes"))
		return -1;
	if (!root)
		root = getenv("LAYERFS_ROOT");
	if (!root || !*root)
		root = LFS_DEFAULT_ROOT;
	st->root = xstrdup(root);
	if (!is_dir(root)) {
		if (!create) {
			lfs_err("store %s does not exist (nothing imported yet?)", root);
			return -1;
		}
		if (mkdir_p(root, 0700))
			return -1;
	}
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char *p = store_path(st, "%s", sub[i]);

		if (mkdir(p, 0700) && errno != EEXIST) {
			lfs_err_errno("cannot create %s", p);
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

int store_lock(struct store *st)
{
	char *p;

	if (st->lockfd >= 0)
		return 0;
	p = store_path(st, "lock");
	st->lockfd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lockfd < 0) {
		lfs_err_errno("cannot open %s", p);
		free(p);
		return -1;
	}
	free(p);
	while (flock(st->lockfd, LOCK_EX)) {
		if (errno != EINTR) {
			lfs_err_errno("cannot lock the store");
			return -1;
		}
	}
	return 0;
}

void store_unlock(struct store *st)
{
	if (st->lockfd >= 0) {
		close(st->lockfd);
		st->lockfd = -1;
	}
}

void store_close(struct store *st)
{
	store_unlock(st);
	free(st->root);
	st->root = NULL;
}

char *store_path(struct store *st, const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;

	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		rel = NULL;
	va_end(ap);
	if (!rel) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	p = xasprintf("%s/%s", st->root, rel);
	free(rel);
	return p;
}

char *store_tmpdir(struct store *st)
{
	char hex[17];
	char *p;

	random_hex(hex, 16);
	p = store_path(st, "tmp/%s", hex);
	if (mkdir(p, 0700)) {
		lfs_err_errno("cannot create %s", p);
		free(p);
		return NULL;
	}
	return p;
}

char *layer_diff_path(struct store *st, const char *hex)
{
	return store_path(st, "layers/%s/diff", hex);
}

json_object *layer_meta(struct store *st, const char *hex)
{
	char *p = store_path(st, "layers/%s/layer.json", hex);
	json_object *o = json_load(p);

	free(p);
	return o;
}

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

json_object *store_repos(struct store *st)
{
	char *p = store_path(st, "repositories.json");
	json_object *o;

	if (!path_exists(p)) {
		free(p);
		return json_object_new_object();
	}
	o = json_load(p);
	free(p);
	return o;
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

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int image_resolve(struct store *st, const char *ref, char id[LFS_DIGEST_HEX + 1])
{
	json_object *repos = store_repos(st);
	const char *v = NULL;
	char *alt = NULL;
	const char *hex;
	int found = 0;

	if (!repos)
		return -1;
	v = json_str(repos, ref);
	if (!v && !strchr(ref, ':')) {
		alt = xasprintf("%s:latest", ref);
		v = json_str(repos, alt);
	}
	if (!v && strlen(ref) > 7 && !strcmp(ref + strlen(ref) - 7, ":latest")) {
		alt = xstrndup(ref, strlen(ref) - 7);
		v = json_str(repos, alt);
	}
	if (v && !strncmp(v, "sha256:", 7) && strlen(v) == 71) {
		memcpy(id, v + 7, LFS_DIGEST_HEX + 1);
		json_object_put(repos);
		free(alt);
		return 0;
	}
	json_object_put(repos);
	free(alt);
	hex = !strncmp(ref, "sha256:", 7) ? ref + 7 : ref;
	if (strlen(hex) >= 4 && strlen(hex) <= LFS_DIGEST_HEX && is_hex(hex)) {
		char *d = store_path(st, "images");
		DIR *dh = opendir(d);
		struct dirent *de;

		free(d);
		while (dh && (de = readdir(dh))) {
			if (strlen(de->d_name) == LFS_DIGEST_HEX &&
			    !strncmp(de->d_name, hex, strlen(hex))) {
				memcpy(id, de->d_name, LFS_DIGEST_HEX + 1);
				found++;
			}
		}
		if (dh)
			closedir(dh);
		if (found == 1)
			return 0;
		if (found > 1) {
			lfs_err("image id prefix %s is ambiguous", ref);
			return -1;
		}
	}
	lfs_err("no such image: %s", ref);
	return -1;
}

json_object *image_config(struct store *st, const char *id)
{
	char *p = store_path(st, "images/%s/config.json", id);
	json_object *o = json_load(p);

	free(p);
	return o;
}

char *image_name_of(struct store *st, const char *id)
{
	json_object *repos = store_repos(st);
	char *name = NULL;

	if (!repos)
		return NULL;
	json_object_object_foreach(repos, k, v) {
		const char *s = json_object_get_string(v);

		if (s && !strncmp(s, "sha256:", 7) && !strcmp(s + 7, id)) {
			name = xstrdup(k);
			break;
		}
	}
	json_object_put(repos);
	return name;
}

int image_layers(json_object *config, struct strv *out)
{
	json_object *rootfs, *ids;
	size_t n;

	if (!json_object_object_get_ex(config, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", &ids) ||
	    !json_object_is_type(ids, json_type_array)) {
		lfs_err("image config has no rootfs.diff_ids");
		return -1;
	}
	n = json_object_array_length(ids);
	for (size_t i = n; i-- > 0;) {
		const char *d = json_object_get_string(json_object_array_get_idx(ids, i));

		if (!d || strncmp(d, "sha256:", 7) || strlen(d) != 71) {
			lfs_err("image config has a bad layer digest");
			return -1;
		}
		strv_add(out, d + 7);
	}
	return 0;
}

char *lowerdir_escape(const char *path)
{
	char *o = xmalloc(strlen(path) * 2 + 1), *p = o;

	for (; *path; path++) {
		if (*path == ':' || *path == '\\' || *path == ',')
			*p++ = '\\';
		*p++ = *path;
	}
	*p = 0;
	return o;
}

char *image_lowerdir(struct store *st, const char *id)
{
	json_object *cfg = image_config(st, id);
	struct strv l = { 0 };
	size_t len = 1;
	char *out;

	if (!cfg)
		return NULL;
	if (image_layers(cfg, &l)) {
		json_object_put(cfg);
		return NULL;
	}
	json_object_put(cfg);
	if (!l.n) {
		lfs_err("image %.12s has no layers", id);
		strv_free(&l);
		return NULL;
	}
	for (size_t i = 0; i < l.n; i++) {
		char *p = layer_diff_path(st, l.v[i]), *e;

		if (!is_dir(p)) {
			lfs_err("layer %.12s of image %.12s is missing from the store", l.v[i], id);
			free(p);
			strv_free(&l);
			return NULL;
		}
		e = lowerdir_escape(p);
		free(p);
		free(l.v[i]);
		l.v[i] = e;
		len += strlen(e) + 1;
	}
	out = xmalloc(len);
	out[0] = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			strcat(out, ":");
		strcat(out, l.v[i]);
	}
	strv_free(&l);
	return out;
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
