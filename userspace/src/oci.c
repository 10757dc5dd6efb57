// SPDX-License-Identifier: GPL-2.0
/*
 * OCI image layout import and export (image-spec v1: oci-layout,
 * index.json, blobs/sha256/...).  Layer blobs may be plain, gzip or zstd
 * tars; export writes uncompressed layer tars whose digest is the layer id,
 * so a layout we export imports back to the same layer digests and image id.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "layer.h"
#include "oci.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define REF_ANNOTATION "org.opencontainers.image.ref.name"

bool is_oci_layout(const char *dir)
{
	char *a = xasprintf("%s/oci-layout", dir), *b = xasprintf("%s/index.json", dir);
	bool r = path_exists(a) && path_exists(b);

	free(a);
	free(b);
	return r;
}

/* Path of a verified blob. */
static char *blob_path(const char *dir, const char *digest)
{
	char hex[LFS_DIGEST_HEX + 1];
	char *p;

	if (!digest || strncmp(digest, "sha256:", 7) || strlen(digest) != 71 ||
	    strspn(digest + 7, "0123456789abcdef") != LFS_DIGEST_HEX) {
		lfs_err("unsupported or malformed digest %s", digest ? digest : "(none)");
		return NULL;
	}
	p = xasprintf("%s/blobs/sha256/%s", dir, digest + 7);
	if (sha256_file(p, hex)) {
		lfs_err("blob %.19s is missing from %s", digest, dir);
		free(p);
		return NULL;
	}
	if (strcmp(hex, digest + 7)) {
		lfs_err("blob %.19s is corrupt: its content hashes to sha256:%.12s", digest, hex);
		free(p);
		return NULL;
	}
	return p;
}

static json_object *load_blob_json(const char *dir, const char *digest)
{
	char *p = blob_path(dir, digest);
	json_object *o;

	if (!p)
		return NULL;
	o = json_load(p);
	free(p);
	return o;
}

static bool platform_ok(json_object *desc)
{
	json_object *pl;
	const char *os, *arch;

	if (!json_object_object_get_ex(desc, "platform", &pl))
		return true;
	os = json_str(pl, "os");
	arch = json_str(pl, "architecture");
	return (!os || !strcmp(os, "linux")) && (!arch || !strcmp(arch, "amd64"));
}

/* Pick a manifest descriptor from an index, following nested indexes. */
static json_object *pick_manifest(const char *dir, json_object *index, const char *ref, int depth)
{
	json_object *mans;
	size_t n;

	if (depth > 4) {
		lfs_err("OCI index nesting too deep");
		return NULL;
	}
	if (!json_object_object_get_ex(index, "manifests", &mans) ||
	    !json_object_is_type(mans, json_type_array) || !(n = json_object_array_length(mans))) {
		lfs_err("%s: index has no manifests", dir);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(mans, i), *ann;
		const char *mt = json_str(d, "mediaType"), *rn = NULL;

		if (json_object_object_get_ex(d, "annotations", &ann))
			rn = json_str(ann, REF_ANNOTATION);
		if (ref && depth == 0 && (!rn || strcmp(rn, ref)))
			continue;
		if (!platform_ok(d))
			continue;
		if (mt && (!strcmp(mt, MT_INDEX) || !strcmp(mt, MT_DOCKER_LIST))) {
			json_object *sub = load_blob_json(dir, json_str(d, "digest")), *m;

			if (!sub)
				return NULL;
			m = pick_manifest(dir, sub, NULL, depth + 1);
			if (m)
				json_object_get(m);
			json_object_put(sub);
			return m;
		}
		return json_object_get(d);
	}
	if (ref)
		lfs_err("%s: no image named \"%s\" in index.json", dir, ref);
	else
		lfs_err("%s: no linux/amd64 image in index.json", dir);
	return NULL;
}

int oci_import(struct store *st, const char *dir, const char *ref, const char *name,
	       char id_out[LFS_DIGEST_HEX + 1])
{
	char *ip = xasprintf("%s/index.json", dir);
	json_object *index = json_load(ip), *desc = NULL, *man = NULL, *cfg = NULL;
	json_object *layers, *rootfs, *ids, *newids;
	int r = -1;
	size_t n;

	free(ip);
	if (!index)
		return -1;
	desc = pick_manifest(dir, index, ref, 0);
	if (!desc)
		goto out;
	man = load_blob_json(dir, json_str(desc, "digest"));
	if (!man)
		goto out;
	{
		json_object *c;

		if (!json_object_object_get_ex(man, "config", &c)) {
			lfs_err("%s: manifest has no config", dir);
			goto out;
		}
		cfg = load_blob_json(dir, json_str(c, "digest"));
		if (!cfg)
			goto out;
	}
	if (!json_object_object_get_ex(man, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		lfs_err("%s: manifest has no layers", dir);
		goto out;
	}
	n = json_object_array_length(layers);
	if (json_object_object_get_ex(cfg, "rootfs", &rootfs) &&
	    json_object_object_get_ex(rootfs, "diff_ids", &ids) &&
	    json_object_is_type(ids, json_type_array) && json_object_array_length(ids) != n) {
		lfs_err("%s: config lists %zu layers but the manifest %zu", dir,
			json_object_array_length(ids), n);
		goto out;
	}
	newids = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(layers, i);
		const char *mt = json_str(l, "mediaType");
		char *bp, dig[LFS_DIGEST_HEX + 1];

		if (mt && strstr(mt, "nondistributable") == NULL && strstr(mt, "tar") == NULL) {
			lfs_err("%s: layer %zu has unsupported media type %s", dir, i, mt);
			json_object_put(newids);
			goto out;
		}
		bp = blob_path(dir, json_str(l, "digest"));
		if (!bp) {
			json_object_put(newids);
			goto out;
		}
		if (store_add_layer_tar(st, bp, dig)) {
			free(bp);
			json_object_put(newids);
			goto out;
		}
		free(bp);
		{
			char *d = xasprintf("sha256:%s", dig);

			json_object_array_add(newids, json_object_new_string(d));
			free(d);
		}
	}
	rootfs = json_object_new_object();
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", newids);
	json_object_object_add(cfg, "rootfs", rootfs);
	{
		json_object *h;

		if (!json_object_object_get_ex(cfg, "history", &h)) {
			char *by = xasprintf("layerctl import %s", dir);

			for (size_t i = 0; i < n; i++)
				config_add_history(cfg, by, NULL, false);
			free(by);
		}
	}
	r = image_save(st, cfg, name, id_out);
out:
	json_object_put(index);
	json_object_put(desc);
	json_object_put(man);
	json_object_put(cfg);
	return r;
}

static int write_blob_bytes(const char *dir, const char *bytes, size_t len, char hex[LFS_DIGEST_HEX + 1])
{
	char *p;
	int r;

	sha256_buf(bytes, len, hex);
	p = xasprintf("%s/blobs/sha256/%s", dir, hex);
	r = write_text_atomic(p, bytes, len);
	free(p);
	return r;
}

static json_object *descriptor(const char *mt, const char *hex, uint64_t size)
{
	json_object *d = json_object_new_object();
	char *dg = xasprintf("sha256:%s", hex);

	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	json_object_object_add(d, "digest", json_object_new_string(dg));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)size));
	free(dg);
	return d;
}

int oci_export(struct store *st, const char *id, const char *ref, const char *dir)
{
	json_object *cfg = image_config(st, id), *man = NULL, *layers, *index = NULL, *mans;
	struct strv l = { 0 };
	char *cfgbytes = NULL, *p, hex[LFS_DIGEST_HEX + 1];
	int r = -1;

	if (!cfg)
		return -1;
	if (image_layers(cfg, &l))
		goto out;
	p = xasprintf("%s/blobs/sha256", dir);
	if (mkdir_p(p, 0755)) {
		free(p);
		goto out;
	}
	free(p);
	p = xasprintf("%s/oci-layout", dir);
	{
		const char *s = "{\"imageLayoutVersion\":\"1.0.0\"}";

		r = write_text_atomic(p, s, strlen(s));
	}
	free(p);
	if (r)
		goto out;
	r = -1;
	layers = json_object_new_array();
	man = json_object_new_object();
	json_object_object_add(man, "schemaVersion", json_object_new_int(2));
	json_object_object_add(man, "mediaType", json_object_new_string(MT_MANIFEST));
	/* bottom layer first */
	for (size_t i = l.n; i-- > 0;) {
		char *diff = layer_diff_path(st, l.v[i]);
		char *tmp = xasprintf("%s/blobs/sha256/.tmp-%s", dir, l.v[i]);
		char *dst = xasprintf("%s/blobs/sha256/%s", dir, l.v[i]);
		struct tar_result res;
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0) {
			lfs_err_errno("cannot create %s", tmp);
		} else if (!layer_write_tar(diff, fd, &res, NULL)) {
			close(fd);
			fd = -1;
			if (strcmp(res.digest, l.v[i])) {
				lfs_err("layer %.12s changed on disk (its tar now hashes to %.12s)",
					l.v[i], res.digest);
			} else if (rename(tmp, dst)) {
				lfs_err_errno("cannot create %s", dst);
			} else {
				json_object_array_add(layers, descriptor(MT_LAYER, res.digest,
									 res.tar_size));
				free(diff);
				free(tmp);
				free(dst);
				continue;
			}
		}
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(diff);
		free(tmp);
		free(dst);
		json_object_put(layers);
		goto out;
	}
	p = store_path(st, "images/%s/config.json", id);
	cfgbytes = read_text(p, NULL);
	free(p);
	if (!cfgbytes || write_blob_bytes(dir, cfgbytes, strlen(cfgbytes), hex)) {
		json_object_put(layers);
		goto out;
	}
	json_object_object_add(man, "config", descriptor(MT_CONFIG, hex, strlen(cfgbytes)));
	json_object_object_add(man, "layers", layers);
	{
		char *mb = json_plain(man);
		json_object *d, *ann;
		size_t ml = strlen(mb);

		if (write_blob_bytes(dir, mb, ml, hex)) {
			free(mb);
			goto out;
		}
		free(mb);
		d = descriptor(MT_MANIFEST, hex, ml);
		ann = json_object_new_object();
		json_object_object_add(ann, REF_ANNOTATION, json_object_new_string(ref));
		json_object_object_add(d, "annotations", ann);
		p = xasprintf("%s/index.json", dir);
		if (path_exists(p)) {
			index = json_load(p);
			if (!index) {
				free(p);
				json_object_put(d);
				goto out;
			}
		} else {
			index = json_object_new_object();
			json_object_object_add(index, "schemaVersion", json_object_new_int(2));
			json_object_object_add(index, "mediaType", json_object_new_string(MT_INDEX));
		}
		if (!json_object_object_get_ex(index, "manifests", &mans) ||
		    !json_object_is_type(mans, json_type_array)) {
			mans = json_object_new_array();
			json_object_object_add(index, "manifests", mans);
		}
		/* replace an entry with the same ref name */
		for (size_t i = 0; i < json_object_array_length(mans); i++) {
			json_object *e = json_object_array_get_idx(mans, i), *a;
			const char *rn = NULL;

			if (json_object_object_get_ex(e, "annotations", &a))
				rn = json_str(a, REF_ANNOTATION);
			if (rn && !strcmp(rn, ref)) {
				json_object_array_del_idx(mans, i, 1);
				i--;
			}
		}
		json_object_array_add(mans, d);
		r = json_save(p, index);
		free(p);
	}
out:
	strv_free(&l);
	free(cfgbytes);
	json_object_put(cfg);
	json_object_put(man);
	json_object_put(index);
	return r;
}
