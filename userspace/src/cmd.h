/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layerctl commands: thin files (cmd_image.c, cmd_ctr.c, cmd_layer.c)
 * that parse a command line and call the library.
 */
#ifndef LFS_CMD_H
#define LFS_CMD_H

#include "store.h"

struct gopts {
	const char *root;
	struct store st;
};
int cmd_import(struct gopts *g, int argc, char **argv);
int cmd_images(struct gopts *g, int argc, char **argv);
int cmd_history(struct gopts *g, int argc, char **argv);
int cmd_rmi(struct gopts *g, int argc, char **argv);
int cmd_export(struct gopts *g, int argc, char **argv);
int cmd_tag(struct gopts *g, int argc, char **argv);
int cmd_inspect(struct gopts *g, int argc, char **argv);
int cmd_ls(struct gopts *g, int argc, char **argv);
int cmd_create(struct gopts *g, int argc, char **argv);
int cmd_run(struct gopts *g, int argc, char **argv);
int cmd_start(struct gopts *g, int argc, char **argv);
int cmd_exec(struct gopts *g, int argc, char **argv);
int cmd_ps(struct gopts *g, int argc, char **argv);
int cmd_stop(struct gopts *g, int argc, char **argv);
int cmd_kill(struct gopts *g, int argc, char **argv);
int cmd_rm(struct gopts *g, int argc, char **argv);
int cmd_logs(struct gopts *g, int argc, char **argv);
int cmd_diff(struct gopts *g, int argc, char **argv);
int cmd_commit(struct gopts *g, int argc, char **argv);

/* help texts: print and return 0 */
int help_for(const char *cmd, int argc, char **argv);

#endif
