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
 * This file reads it and finds things in it; store_add.c writes.
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
#include "store.h"

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

int image_layer_dirs(struct store *st, const char *id, struct strv *dirs)
{
	json_object *cfg = image_config(st, id);
	struct strv l = { 0 };
	int r = 0;

	if (!cfg)
		return -1;
	if (image_layers(cfg, &l)) {
		json_object_put(cfg);
		return -1;
	}
	json_object_put(cfg);
	if (!l.n) {
		lfs_err("image %.12s has no layers", id);
		r = -1;
	}
	for (size_t i = 0; i < l.n && !r; i++) {
		char *p = layer_diff_path(st, l.v[i]);

		if (!is_dir(p)) {
			lfs_err("layer %.12s of image %.12s is missing from the store", l.v[i], id);
			free(p);
			r = -1;
			break;
		}
		strv_addn(dirs, p);
	}
	strv_free(&l);
	return r;
}
