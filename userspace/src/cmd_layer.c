// SPDX-License-Identifier: GPL-2.0
/* Commands on a container's writable layer: diff and commit. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "cmd.h"
#include "diff.h"
#include "layer.h"
#include "mount.h"
#include "record.h"

#define FAIL(...) do { lfs_err(__VA_ARGS__); return -1; } while (0)

static int load_stack(struct store *st, json_object *ct, struct lower_stack *ls,
		      json_object **cfg_out)
{
	const char *img = json_str(ct, "image");
	json_object *cfg;

	if (!img)
		FAIL("container record has no image");
	cfg = image_config(st, img);
	if (!cfg)
		FAIL("the container's image %.12s is missing from the store", img);
	if (image_layer_dirs(st, img, &ls->dirs)) {
		json_object_put(cfg);
		return -1;
	}
	if (cfg_out)
		*cfg_out = cfg;
	else
		json_object_put(cfg);
	return 0;
}

static void print_change(void *ctx, char kind, const char *path)
{
	(void)ctx;
	printf("%c %s\n", kind, path);
}

int cmd_diff(struct gopts *g, int argc, char **argv)
{
	struct lower_stack ls = { 0 };
	json_object *ct;
	char *name, *upper;
	int r;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_for("diff", 0, NULL);
	if (argc != 2)
		FAIL("usage: %s diff CONTAINER", lfs_prog);
	if (store_open(&g->st, g->root, false) || container_find(&g->st, argv[1], &name))
		return -1;
	ct = container_load(&g->st, name);
	if (!ct || load_stack(&g->st, ct, &ls, NULL)) {
		free(name);
		json_object_put(ct);
		return -1;
	}
	upper = store_path(&g->st, "containers/%s/upper", name);
	r = diff_tree(upper, &ls, print_change, NULL);
	free(upper);
	free(name);
	strv_free(&ls.dirs);
	json_object_put(ct);
	return r;
}

/* metacopy: the data of a metadata-only copy-up is in the lower layers */
static char *metacopy_data(void *ctx, const char *rel)
{
	struct lower_stack *ls = ctx;
	struct stat st;
	char *p = lower_lookup(ls, rel, &st);

	if (!p || !S_ISREG(st.st_mode)) {
		free(p);
		lfs_err("metadata-only copy-up /%s has no data in the image", rel);
		return NULL;
	}
	return p;
}

/* Does the writable layer hold renamed directories or data-less copy-ups? */
static bool has_special(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool r = false;

	if (!d)
		return false;
	while (!r && (de = readdir(d))) {
		char *p;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (!lstat(p, &st)) {
			if (S_ISDIR(st.st_mode))
				r = lgetxattr(p, LFS_XATTR_REDIRECT, NULL, 0) >= 0 ||
					lgetxattr(p, OVL_XATTR_REDIRECT, NULL, 0) >= 0 || has_special(p);
			else if (S_ISREG(st.st_mode))
				r = lgetxattr(p, LFS_XATTR_METACOPY, NULL, 0) >= 0 ||
					lgetxattr(p, OVL_XATTR_METACOPY, NULL, 0) >= 0;
		}
		free(p);
	}
	closedir(d);
	return r;
}

/*
 * The union's view of a stopped container, for commit: mounted read-only in
 * a mount namespace of our own, so it vanishes when we exit.
 */
static char *mount_merged_view(struct store *st, const char *name, json_object *ct)
{
	char *tmp;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		lfs_err_errno("cannot make a private mount namespace");
		return NULL;
	}
	tmp = store_tmpdir(st);
	if (!tmp)
		return NULL;
	if (union_mount_container(st, name, json_str(ct, "image"), tmp, true)) {
		rmdir(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
}

int cmd_commit(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "message", required_argument, NULL, 'm' }, { "cmd", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { 0 } };
	const char *msg = NULL, *newname = NULL;
	struct strv cmdv = { 0 };
	struct lower_stack ls = { 0 };
	json_object *ct = NULL, *cfg = NULL;
	char *name = NULL, *upper = NULL, *merged = NULL, dig[LFS_DIGEST_HEX + 1], id[LFS_DIGEST_HEX + 1];
	bool own_mount = false;
	int c, r = -1;

	while ((c = getopt_long(argc, argv, "+m:c:h", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("commit", 0, NULL);
		if (c == 'm')
			msg = optarg;
		else if (c == 'c')
			strv_add(&cmdv, optarg);
		else
			FAIL("see '%s commit --help'", lfs_prog);
	}
	if (argc - optind < 1 || argc - optind > 2)
		FAIL("usage: %s commit [-m MESSAGE] [-c CMD]... CONTAINER [IMAGE]", lfs_prog);
	newname = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (newname && !valid_name(newname))
		FAIL("invalid image name \"%s\"", newname);
	if (store_open(&g->st, g->root, false) || store_lock(&g->st) ||
	    container_find(&g->st, argv[optind], &name))
		return -1;
	ct = container_load(&g->st, name);
	if (!ct || load_stack(&g->st, ct, &ls, &cfg))
		goto out;
	upper = store_path(&g->st, "containers/%s/upper", name);
	{
		struct tar_opts to = { .src = metacopy_data, .ctx = &ls };
		pid_t pid;
		int rr;

		if (has_special(upper)) {
			/* renamed directories and data-less copy-ups are read through the union */
			if (container_state(&g->st, name, &pid) == CT_RUNNING) {
				merged = xasprintf("/proc/%d/root", (int)pid);
			} else {
				merged = mount_merged_view(&g->st, name, ct);
				if (!merged)
					goto out;
				own_mount = true;
			}
			to.merged = merged;
		}
		rr = store_add_layer_dir(&g->st, upper, dig, &to);
		if (own_mount) {
			umount2(merged, MNT_DETACH);
			rmdir(merged);
		}
		if (rr)
			goto out;
	}
	{
		json_object *rootfs, *ids, *conf, *cmd;
		char *d = xasprintf("sha256:%s", dig), by[512], cmdline[400];

		json_object_object_get_ex(cfg, "rootfs", &rootfs);
		json_object_object_get_ex(rootfs, "diff_ids", &ids);
		json_object_array_add(ids, json_object_new_string(d));
		free(d);
		if (!json_object_object_get_ex(cfg, "config", &conf)) {
			conf = json_object_new_object();
			json_object_object_add(cfg, "config", conf);
		}
		if (cmdv.n) {
			cmd = json_object_new_array();
			for (size_t i = 0; i < cmdv.n; i++)
				json_object_array_add(cmd, json_object_new_string(cmdv.v[i]));
			json_object_object_add(conf, "Cmd", cmd);
			json_object_object_del(conf, "Entrypoint");
		}
		container_cmdline(ct, cmdline, sizeof(cmdline));
		snprintf(by, sizeof(by), "layerctl commit %s: %s", name, cmdline);
		config_add_history(cfg, by, msg, false);
	}
	r = image_save(&g->st, cfg, newname, id);
	if (!r)
		printf("sha256:%s\n", id);
	else
		store_gc_layers(&g->st);
out:
	free(merged);
	free(upper);
	free(name);
	strv_free(&ls.dirs);
	strv_free(&cmdv);
	json_object_put(ct);
	json_object_put(cfg);
	return r;
}

