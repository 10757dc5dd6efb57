// SPDX-License-Identifier: GPL-2.0
/* Image commands: import, images, history, rmi, export, tag, inspect. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "diff.h"
#include "oci.h"
#include "record.h"

#define FAIL(...) do { lfs_err(__VA_ARGS__); return -1; } while (0)

static int check_image_name(const char *name)
{
	if (name && !valid_name(name))
		FAIL("invalid image name \"%s\" (letters, digits and _.:/- only)", name);
	return 0;
}

static json_object *strv_to_json(struct strv *s)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

int cmd_import(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "message", required_argument, NULL, 'm' },
		{ "ref", required_argument, NULL, 'r' },
		{ "cmd", required_argument, NULL, 'c' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *base = NULL, *msg = NULL, *ref = NULL, *wd = NULL, *src, *name;
	struct strv cmd = { 0 }, env = { 0 };
	char id[LFS_DIGEST_HEX + 1], dig[LFS_DIGEST_HEX + 1];
	json_object *cfg = NULL;
	struct stat sb;
	int c, r = -1;

	while ((c = getopt_long(argc, argv, "+b:m:r:c:e:w:h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': base = optarg; break;
		case 'm': msg = optarg; break;
		case 'r': ref = optarg; break;
		case 'c': strv_add(&cmd, optarg); break;
		case 'e': strv_add(&env, optarg); break;
		case 'w': wd = optarg; break;
		case 'h': return help_for("import", 0, NULL);
		default: FAIL("see '%s import --help'", lfs_prog);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		FAIL("usage: %s import [OPTIONS] SOURCE [NAME]", lfs_prog);
	src = argv[optind];
	name = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (check_image_name(name))
		return -1;
	if (strcmp(src, "-") && stat(src, &sb))
		FAIL("cannot import %s: %s", src, strerror(errno));
	if (store_open(&g->st, g->root, true) || store_lock(&g->st))
		return -1;
	if (!strcmp(src, "-")) {
		/* a tar on standard input: spool it into the store's tmp first */
		char *tmp = store_tmpdir(&g->st), *tp;
		int fd;

		if (!tmp)
			return -1;
		tp = xasprintf("%s/stdin.tar", tmp);
		fd = open(tp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		r = fd < 0 ? -1 : 0;
		while (!r) {
			char buf[65536];
			ssize_t n = read(0, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r = n < 0 ? -1 : 0;
				break;
			}
			for (ssize_t off = 0; off < n && !r;) {
				ssize_t w = write(fd, buf + off, n - off);

				if (w < 0 && errno != EINTR)
					r = -1;
				else if (w > 0)
					off += w;
			}
		}
		if (fd >= 0)
			close(fd);
		if (r)
			lfs_err_errno("cannot read the tar from standard input");
		else
			r = store_add_layer_tar(&g->st, tp, dig);
		rm_rf(tmp);
		free(tp);
		free(tmp);
		if (r) {
			store_gc_layers(&g->st);
			return -1;
		}
		if (base) {
			char bid[LFS_DIGEST_HEX + 1];

			if (image_resolve(&g->st, base, bid))
				goto fail;
			cfg = image_config(&g->st, bid);
		} else {
			cfg = new_image_config();
		}
		if (!cfg)
			goto fail;
		goto have_layer;
	}
	if (S_ISDIR(sb.st_mode) && is_oci_layout(src)) {
		if (base)
			FAIL("--base cannot be used with an OCI layout");
		r = oci_import(&g->st, src, ref, name, id);
		goto done;
	}
	if (base) {
		char bid[LFS_DIGEST_HEX + 1];

		if (image_resolve(&g->st, base, bid))
			goto fail;
		cfg = image_config(&g->st, bid);
	} else {
		cfg = new_image_config();
	}
	if (!cfg)
		goto fail;
	if (S_ISDIR(sb.st_mode))
		r = store_add_layer_dir(&g->st, src, dig, NULL);
	else if (S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode) || S_ISFIFO(sb.st_mode) ||
		 S_ISCHR(sb.st_mode))
		r = store_add_layer_tar(&g->st, src, dig);
	else
		lfs_err("cannot import %s: not a folder, a tar or an OCI layout", src);
	if (r)
		goto fail;
have_layer:
	{
		json_object *rootfs, *ids, *conf;
		char *d = xasprintf("sha256:%s", dig), *by;

		json_object_object_get_ex(cfg, "rootfs", &rootfs);
		json_object_object_get_ex(rootfs, "diff_ids", &ids);
		json_object_array_add(ids, json_object_new_string(d));
		free(d);
		if (!json_object_object_get_ex(cfg, "config", &conf)) {
			conf = json_object_new_object();
			json_object_object_add(cfg, "config", conf);
		}
		if (cmd.n)
			json_object_object_add(conf, "Cmd", strv_to_json(&cmd));
		if (env.n) {
			json_object *e;

			if (!json_object_object_get_ex(conf, "Env", &e) ||
			    !json_object_is_type(e, json_type_array)) {
				e = json_object_new_array();
				json_object_object_add(conf, "Env", e);
			}
			for (size_t i = 0; i < env.n; i++)
				json_object_array_add(e, json_object_new_string(env.v[i]));
		}
		if (wd)
			json_object_object_add(conf, "WorkingDir", json_object_new_string(wd));
		by = xasprintf("layerctl import %s", src);
		config_add_history(cfg, by, msg, false);
		free(by);
	}
	r = image_save(&g->st, cfg, name, id);
done:
	if (!r)
		printf("sha256:%s\n", id);
	else
		store_gc_layers(&g->st);	/* drop layers a failed import left unreferenced */
	json_object_put(cfg);
	strv_free(&cmd);
	strv_free(&env);
	return r;
fail:
	r = -1;
	goto done;
}

static uint64_t image_size(struct store *st, json_object *cfg, size_t *nlayers)
{
	struct strv l = { 0 };
	uint64_t sz = 0;

	image_layers(cfg, &l);
	for (size_t i = 0; i < l.n; i++) {
		json_object *m = layer_meta(st, l.v[i]), *v;

		if (m && json_object_object_get_ex(m, "size", &v))
			sz += json_object_get_int64(v);
		json_object_put(m);
	}
	if (nlayers)
		*nlayers = l.n;
	strv_free(&l);
	return sz;
}

static void short_time(const char *rfc, char *out, size_t len)
{
	snprintf(out, len, "%.19s", rfc ? rfc : "-");
	for (char *c = out; *c; c++)
		if (*c == 'T')
			*c = ' ';
}

int cmd_images(struct gopts *g, int argc, char **argv)
{
	json_object *repos;
	bool quiet = false;
	int c;
	char *d;
	DIR *dh;
	struct dirent *de;
	static const struct option lo[] = {
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' }, { 0 } };

	while ((c = getopt_long(argc, argv, "+qh", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("images", 0, NULL);
		if (c == 'q')
			quiet = true;
		else
			FAIL("see '%s images --help'", lfs_prog);
	}
	if (optind != argc)
		FAIL("images takes no arguments");
	if (store_open(&g->st, g->root, true))
		return -1;
	repos = store_repos(&g->st);
	if (!repos)
		return -1;
	if (!quiet)
		printf("%-30s %-12s %-19s %6s %8s\n", "NAME", "IMAGE ID", "CREATED", "LAYERS", "SIZE");
	d = store_path(&g->st, "images");
	dh = opendir(d);
	free(d);
	while (dh && (de = readdir(dh))) {
		json_object *cfg;
		bool named = false;
		char t[32], sz[32];
		size_t nl;

		if (strlen(de->d_name) != LFS_DIGEST_HEX)
			continue;
		cfg = image_config(&g->st, de->d_name);
		if (!cfg)
			continue;
		short_time(json_str(cfg, "created"), t, sizeof(t));
		human_size(image_size(&g->st, cfg, &nl), sz, sizeof(sz));
		json_object_object_foreach(repos, k, v) {
			const char *s = json_object_get_string(v);

			if (s && strlen(s) == 71 && !strcmp(s + 7, de->d_name)) {
				named = true;
				if (quiet)
					printf("%s\n", k);
				else
					printf("%-30s %.12s %-19s %6zu %8s\n", k, de->d_name, t, nl, sz);
			}
		}
		if (!named) {
			if (quiet)
				printf("%.12s\n", de->d_name);
			else
				printf("%-30s %.12s %-19s %6zu %8s\n", "<none>", de->d_name, t, nl, sz);
		}
		json_object_put(cfg);
	}
	if (dh)
		closedir(dh);
	json_object_put(repos);
	return 0;
}

/* A layer's size and the first 12 digits of its source digest, for history. */
static void layer_info(struct store *st, const char *hex, char sz[32], char src[16])
{
	json_object *m = layer_meta(st, hex), *v;
	const char *sd = json_str(m, "source_digest");

	if (m && json_object_object_get_ex(m, "size", &v))
		human_size(json_object_get_int64(v), sz, 32);
	snprintf(src, 16, "%.12s", sd && !strncmp(sd, "sha256:", 7) ? sd + 7 : "-");
	json_object_put(m);
}

int cmd_history(struct gopts *g, int argc, char **argv)
{
	char id[LFS_DIGEST_HEX + 1];
	json_object *cfg, *hist;
	struct strv l = { 0 };
	size_t li = 0, n;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_for("history", 0, NULL);
	if (argc != 2)
		FAIL("usage: %s history IMAGE", lfs_prog);
	if (store_open(&g->st, g->root, false) || image_resolve(&g->st, argv[1], id))
		return -1;
	cfg = image_config(&g->st, id);
	if (!cfg || image_layers(cfg, &l))
		return -1;
	printf("%-12s %-19s %8s  %-12s  %s\n", "LAYER", "CREATED", "SIZE", "SOURCE", "CREATED BY");
	if (!json_object_object_get_ex(cfg, "history", &hist) ||
	    !json_object_is_type(hist, json_type_array))
		hist = NULL;
	n = hist ? json_object_array_length(hist) : 0;
	/* newest history entry first; non-empty entries take layers from the top */
	for (size_t i = n; i-- > 0;) {
		json_object *h = json_object_array_get_idx(hist, i), *e;
		bool empty = json_object_object_get_ex(h, "empty_layer", &e) &&
			json_object_get_boolean(e);
		const char *by = json_str(h, "created_by"), *cm = json_str(h, "comment");
		char t[32], sz[32] = "0B", lid[16] = "-", src[16] = "-";

		short_time(json_str(h, "created"), t, sizeof(t));
		if (!empty && li < l.n) {
			snprintf(lid, sizeof(lid), "%.12s", l.v[li]);
			layer_info(&g->st, l.v[li], sz, src);
			li++;
		}
		printf("%-12s %-19s %8s  %-12s  %s%s%s%s\n", lid, t, sz, src, by ? by : "",
		       cm ? " (" : "", cm ? cm : "", cm ? ")" : "");
	}
	for (; li < l.n; li++) {	/* layers without history */
		char sz[32] = "?", src[16];

		layer_info(&g->st, l.v[li], sz, src);
		printf("%.12s %-19s %8s  %-12s  %s\n", l.v[li], "-", sz, src, "<missing>");
	}
	strv_free(&l);
	json_object_put(cfg);
	return 0;
}

/* Name of a container using image @id, or NULL. */
static char *image_user(struct store *st, const char *id)
{
	char *d = store_path(st, "containers");
	DIR *dh = opendir(d);
	struct dirent *de;
	char *user = NULL;

	free(d);
	while (dh && (de = readdir(dh)) && !user) {
		json_object *c;
		const char *img;

		if (de->d_name[0] == '.')
			continue;
		c = container_load(st, de->d_name);
		img = json_str(c, "image");
		if (img && !strcmp(img, id))
			user = xstrdup(de->d_name);
		json_object_put(c);
	}
	if (dh)
		closedir(dh);
	return user;
}

/* Remove the image name (or id) @ref; the image goes with its last name. */
static int rmi_one(struct store *st, const char *ref)
{
	char id[LFS_DIGEST_HEX + 1], *user, *alt;
	json_object *repos;
	int names = 0, r;
	bool by_name = false;

	if (image_resolve(st, ref, id))
		return -1;
	repos = store_repos(st);
	if (!repos)
		return -1;
	/* the exact key that resolved, if it is a name */
	alt = xasprintf("%s:latest", ref);
	{
		const char *keys[] = { ref, alt };

		for (int k = 0; k < 2 && !by_name; k++) {
			const char *v = json_str(repos, keys[k]);

			if (v && strlen(v) == 71 && !strcmp(v + 7, id)) {
				json_object_object_del(repos, keys[k]);
				by_name = true;
			}
		}
	}
	free(alt);
	{
		char *only = NULL;

		json_object_object_foreach(repos, k, v) {
			const char *s = json_object_get_string(v);

			if (s && strlen(s) == 71 && !strcmp(s + 7, id)) {
				names++;
				free(only);
				only = xstrdup(k);
			}
		}
		/* by id: fine when one name is left, which goes with it */
		if (!by_name && names > 1) {
			free(only);
			lfs_err("image %.12s has several names; remove them by name", id);
			json_object_put(repos);
			return -1;
		}
		if (!by_name && names == 1) {
			json_object_object_del(repos, only);
			names = 0;
		}
		free(only);
	}
	if (!names && (user = image_user(st, id))) {
		lfs_err("image %s is used by container %s (remove it first)", ref, user);
		free(user);
		json_object_put(repos);
		return -1;
	}
	r = store_repos_save(st, repos);
	json_object_put(repos);
	if (!r && !names) {
		char *p = store_path(st, "images/%s", id);

		r = rm_rf(p);
		free(p);
	}
	if (!r)
		printf("Deleted: %s\n", ref);
	return r;
}

int cmd_rmi(struct gopts *g, int argc, char **argv)
{
	int r = 0;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_for("rmi", 0, NULL);
	if (argc < 2)
		FAIL("usage: %s rmi IMAGE...", lfs_prog);
	if (store_open(&g->st, g->root, false) || store_lock(&g->st))
		return -1;
	for (int i = 1; i < argc && !r; i++)
		r = rmi_one(&g->st, argv[i]);
	/* the layers of images removed before a failing one go too */
	if (store_gc_layers(&g->st))
		r = -1;
	return r;
}

int cmd_export(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ref", required_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' }, { 0 } };
	const char *ref = NULL;
	char id[LFS_DIGEST_HEX + 1], *tag = NULL;
	int c, r;
	bool existed;

	while ((c = getopt_long(argc, argv, "+r:h", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("export", 0, NULL);
		if (c == 'r')
			ref = optarg;
		else
			FAIL("see '%s export --help'", lfs_prog);
	}
	if (argc - optind != 2)
		FAIL("usage: %s export [--ref REF] IMAGE DIR", lfs_prog);
	if (store_open(&g->st, g->root, false) || image_resolve(&g->st, argv[optind], id))
		return -1;
	if (!ref) {
		const char *colon = strrchr(argv[optind], ':'), *slash = strrchr(argv[optind], '/');

		if (colon && (!slash || colon > slash) && strncmp(argv[optind], "sha256:", 7))
			tag = xstrdup(colon + 1);
		else
			tag = xstrdup("latest");
		ref = tag;
	}
	existed = path_exists(argv[optind + 1]);
	if (existed && !is_dir(argv[optind + 1])) {
		free(tag);
		FAIL("%s exists and is not a folder", argv[optind + 1]);
	}
	if (existed && !is_oci_layout(argv[optind + 1])) {
		char *d = argv[optind + 1];
		int empty = 1;
		DIR *dh = opendir(d);
		struct dirent *de;

		while (dh && (de = readdir(dh)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = 0;
		if (dh)
			closedir(dh);
		if (!empty) {
			free(tag);
			FAIL("%s is neither empty nor an OCI layout", d);
		}
	}
	r = oci_export(&g->st, id, ref, argv[optind + 1]);
	if (r && !existed)
		rm_rf(argv[optind + 1]);
	if (!r)
		printf("sha256:%s\n", id);
	free(tag);
	return r;
}

int cmd_tag(struct gopts *g, int argc, char **argv)
{
	char id[LFS_DIGEST_HEX + 1];
	json_object *repos;
	char *v;
	int r;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_for("tag", 0, NULL);
	if (argc != 3)
		FAIL("usage: %s tag IMAGE NAME", lfs_prog);
	if (check_image_name(argv[2]))
		return -1;
	if (store_open(&g->st, g->root, false) || store_lock(&g->st) ||
	    image_resolve(&g->st, argv[1], id))
		return -1;
	repos = store_repos(&g->st);
	if (!repos)
		return -1;
	v = xasprintf("sha256:%s", id);
	json_object_object_add(repos, argv[2], json_object_new_string(v));
	free(v);
	r = store_repos_save(&g->st, repos);
	json_object_put(repos);
	return r;
}

int cmd_inspect(struct gopts *g, int argc, char **argv)
{
	char id[LFS_DIGEST_HEX + 1];
	json_object *o;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_for("inspect", 0, NULL);
	if (argc != 2)
		FAIL("usage: %s inspect IMAGE|CONTAINER", lfs_prog);
	if (store_open(&g->st, g->root, false))
		return -1;
	o = container_load(&g->st, argv[1]);
	if (!o) {
		if (image_resolve(&g->st, argv[1], id))
			FAIL("no such image or container: %s", argv[1]);
		o = image_config(&g->st, id);
		if (!o)
			return -1;
	}
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

/* List a directory of an image's merged tree, read from the layer folders (no mount). */
int cmd_ls(struct gopts *g, int argc, char **argv)
{
	char id[LFS_DIGEST_HEX + 1];
	struct lower_stack ls = { 0 };
	struct strv names = { 0 };
	const char *dir;
	struct stat st;
	char *p;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_for("ls", 0, NULL);
	if (argc < 2 || argc > 3)
		FAIL("usage: %s ls IMAGE [DIR]", lfs_prog);
	dir = argc == 3 ? argv[2] : "/";
	if (store_open(&g->st, g->root, false) || image_resolve(&g->st, argv[1], id))
		return -1;
	if (image_layer_dirs(&g->st, id, &ls.dirs))
		return -1;
	while (*dir == '/')
		dir++;
	if (*dir) {
		p = lower_lookup(&ls, dir, &st);
		if (!p || !S_ISDIR(st.st_mode)) {
			free(p);
			strv_free(&ls.dirs);
			FAIL("/%s: no such directory in image %s", dir, argv[1]);
		}
		free(p);
	}
	lower_list(&ls, dir, &names);
	for (size_t i = 0; i < names.n; i++)
		printf("%s\n", names.v[i]);
	strv_free(&names);
	strv_free(&ls.dirs);
	return 0;
}
