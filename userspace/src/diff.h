/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a stack of layer folders without mounting; diff of an upper folder (diff.c). */
#ifndef LFS_DIFF_H
#define LFS_DIFF_H

#include "util.h"

struct lower_stack {
	struct strv dirs;	/* lower layer folders, top first */
};
/* Look @rel up in the merged lower stack; returns the real path or NULL. */
char *lower_lookup(struct lower_stack *ls, const char *rel, struct stat *st);
/* List merged names in the lower stack directory @rel. */
int lower_list(struct lower_stack *ls, const char *rel, struct strv *names);
typedef void (*diff_cb)(void *ctx, char kind, const char *path);
int diff_tree(const char *upper, struct lower_stack *ls, diff_cb cb, void *ctx);

#endif
