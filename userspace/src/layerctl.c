// SPDX-License-Identifier: GPL-2.0
/* layerctl: a small container runner on layerfs. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "runtime.h"

const char *lfs_prog = "layerctl";

static const struct {
	const char *name;
	int (*fn)(struct gopts *g, int argc, char **argv);
} cmds[] = {
	{ "import", cmd_import }, { "images", cmd_images }, { "history", cmd_history },
	{ "rmi", cmd_rmi }, { "export", cmd_export }, { "tag", cmd_tag },
	{ "inspect", cmd_inspect }, { "ls", cmd_ls }, { "create", cmd_create }, { "run", cmd_run },
	{ "start", cmd_start }, { "exec", cmd_exec }, { "ps", cmd_ps }, { "stop", cmd_stop },
	{ "kill", cmd_kill }, { "rm", cmd_rm }, { "diff", cmd_diff }, { "logs", cmd_logs }, { "commit", cmd_commit },
};

int main(int argc, char **argv)
{
	struct gopts g = { 0 };
	int i = 1, r;

	g.st.lockfd = -1;
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return help_for(NULL, 0, NULL);
		if (!strcmp(argv[i], "--version")) {
			printf("layerctl (layerfs) 0.1\n");
			return 0;
		}
		if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			g.root = argv[i + 1];
			i += 2;
			continue;
		}
		if (!strncmp(argv[i], "--root=", 7)) {
			g.root = argv[i] + 7;
			i++;
			continue;
		}
		fprintf(stderr, "layerctl: unknown option %s (see layerctl --help)\n", argv[i]);
		return 1;
	}
	if (i >= argc) {
		help_for(NULL, 0, NULL);
		return 1;
	}
	if (!strcmp(argv[i], "help"))
		return help_for(i + 1 < argc ? argv[i + 1] : NULL, 0, NULL);
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(cmds[k].name, argv[i]))
			continue;
		optind = 0;
		opterr = 0;
		r = cmds[k].fn(&g, argc - i, argv + i);
		fflush(stdout);
		if (r < 0) {
			fprintf(stderr, "layerctl: %s: %s\n", cmds[k].name, lfs_errmsg());
			return lfs_fail_code;
		}
		return r;
	}
	fprintf(stderr, "layerctl: unknown command %s (see layerctl --help)\n", argv[i]);
	return 1;
}
