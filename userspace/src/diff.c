// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a stack of layer folders without mounting it, and comparing a
 * container's writable layer (upper folder) with its image.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "diff.h"

/* Does a proper prefix of @rel in @layer hide everything below it? */
static bool blocked(const char *layer, const char *rel, bool *stop_below)
{
	char *p = xstrdup(rel);
	bool r = false;

	*stop_below = false;
	for (char *c = strchr(p, '/'); c; c = strchr(c + 1, '/')) {
		struct stat st;
		char *full;

		*c = 0;
		full = xasprintf("%s/%s", layer, p);
		*c = '/';
		if (lstat(full, &st)) {
			free(full);
			break;	/* nothing here: lower layers decide */
		}
		if (!S_ISDIR(st.st_mode)) {
			free(full);
			r = true;	/* whiteout or non-directory hides the subtree */
			break;
		}
		if (dir_is_opaque(full))
			*stop_below = true;	/* layers below cannot contribute */
		free(full);
	}
	free(p);
	return r;
}

char *lower_lookup(struct lower_stack *ls, const char *rel, struct stat *out)
{
	while (*rel == '/')
		rel++;
	for (size_t i = 0; i < ls->dirs.n; i++) {
		struct stat st;
		char *full;
		bool stop;

		if (blocked(ls->dirs.v[i], rel, &stop))
			return NULL;
		full = xasprintf("%s/%s", ls->dirs.v[i], rel);
		if (!lstat(full, &st)) {
			if (is_whiteout_st(&st)) {
				free(full);
				return NULL;
			}
			if (out)
				*out = st;
			return full;
		}
		free(full);
		if (stop)
			return NULL;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool strv_has(struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return true;
	return false;
}

int lower_list(struct lower_stack *ls, const char *rel, struct strv *names)
{
	struct strv seen = { 0 };

	while (*rel == '/')
		rel++;
	for (size_t i = 0; i < ls->dirs.n; i++) {
		struct stat st;
		char *full;
		bool stop, opaque;
		DIR *d;
		struct dirent *de;

		if (blocked(ls->dirs.v[i], rel, &stop))
			break;
		full = *rel ? xasprintf("%s/%s", ls->dirs.v[i], rel) : xstrdup(ls->dirs.v[i]);
		if (lstat(full, &st)) {
			free(full);
			if (stop)
				break;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			free(full);
			break;
		}
		opaque = dir_is_opaque(full);
		d = opendir(full);
		while (d && (de = readdir(d))) {
			char *e;
			struct stat es;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			    strv_has(&seen, de->d_name))
				continue;
			strv_add(&seen, de->d_name);
			e = xasprintf("%s/%s", full, de->d_name);
			if (!lstat(e, &es) && !is_whiteout_st(&es))
				strv_add(names, de->d_name);
			free(e);
		}
		if (d)
			closedir(d);
		free(full);
		if (opaque || stop)
			break;
	}
	strv_free(&seen);
	if (names->n)
		qsort(names->v, names->n, sizeof(char *), cmp_str);
	return 0;
}

static int diff_dir(const char *upper, const char *rel, struct lower_stack *ls, diff_cb cb,
		    void *ctx)
{
	char *path = *rel ? xasprintf("%s/%s", upper, rel) : xstrdup(upper);
	DIR *d = opendir(path);
	struct dirent *de;
	struct strv names = { 0 };
	int r = 0;

	if (!d) {
		lfs_err_errno("cannot open %s", path);
		free(path);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_add(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n && !r; i++) {
		char *crel = *rel ? xasprintf("%s/%s", rel, names.v[i]) : xstrdup(names.v[i]);
		char *full = xasprintf("%s/%s", path, names.v[i]), *low, *shown;
		struct stat st, lst;

		shown = xasprintf("/%s", crel);
		if (lstat(full, &st)) {
			free(crel);
			free(full);
			free(shown);
			continue;	/* raced with a running container */
		}
		low = lower_lookup(ls, crel, &lst);
		if (is_whiteout_st(&st)) {
			if (low)
				cb(ctx, 'D', shown);
		} else if (S_ISDIR(st.st_mode)) {
			cb(ctx, low ? 'C' : 'A', shown);
			if (low && S_ISDIR(lst.st_mode) && dir_is_opaque(full)) {
				/* the directory was emptied and refilled: what it hides is gone */
				struct strv lnames = { 0 };

				lower_list(ls, crel, &lnames);
				for (size_t j = 0; j < lnames.n; j++) {
					char *u = xasprintf("%s/%s", full, lnames.v[j]);
					struct stat us;

					if (lstat(u, &us)) {
						char *s = xasprintf("%s/%s", shown, lnames.v[j]);

						cb(ctx, 'D', s);
						free(s);
					}
					free(u);
				}
				strv_free(&lnames);
			}
			r = diff_dir(upper, crel, ls, cb, ctx);
		} else {
			cb(ctx, low ? 'C' : 'A', shown);
		}
		free(low);
		free(shown);
		free(full);
		free(crel);
	}
	strv_free(&names);
	free(path);
	return r;
}

int diff_tree(const char *upper, struct lower_stack *ls, diff_cb cb, void *ctx)
{
	return diff_dir(upper, "", ls, cb, ctx);
}
