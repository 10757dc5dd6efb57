// SPDX-License-Identifier: GPL-2.0
/*
 * Container commands: create run start exec ps stop kill rm logs.  Each
 * parses its command line and calls the runtime layer (lifecycle.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "mount.h"
#include "runtime.h"
#include "secure.h"

#define FAIL(...) do { lfs_err(__VA_ARGS__); return -1; } while (0)

/* 64m, 1g, 512k, 1048576: bytes, or -1 (at least 6 MiB, as docker) */
static int64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	int64_t m = 1;

	switch (*end) {
	case 'k': case 'K': m = 1LL << 10; end++; break;
	case 'm': case 'M': m = 1LL << 20; end++; break;
	case 'g': case 'G': m = 1LL << 30; end++; break;
	case 'b': case 'B': end++; break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (end == s || *end || !(v > 0) || v * m < 6 * (1 << 20) || v * m > 9e18)
		return -1;
	return (int64_t)(v * m);
}

static int security_opt(struct ctr_opts *s, const char *o)
{
	static const char nnp[] = "no-new-privileges";
	size_t n = strlen(nnp);

	if (!strncmp(o, nnp, n) && (!o[n] || ((o[n] == ':' || o[n] == '=') &&
					      (!strcmp(o + n + 1, "true") ||
					       !strcmp(o + n + 1, "false"))))) {
		s->no_new_privs = !o[n] || !strcmp(o + n + 1, "true");
		return 0;
	}
	if (!strcmp(o, "seccomp=unconfined") || !strcmp(o, "seccomp:unconfined")) {
		s->no_seccomp = true;
		return 0;
	}
	FAIL("unsupported --security-opt \"%s\" (only no-new-privileges[:true|false] and seccomp=unconfined)", o);
}

static int parse_spec(const char *cmdname, int argc, char **argv, struct ctr_opts *s, bool run)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "rm", no_argument, NULL, 'r' },
		{ "volume", required_argument, NULL, 'v' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "network", required_argument, NULL, 'N' },
		{ "detach", no_argument, NULL, 'd' },
		{ "cap-add", required_argument, NULL, 'A' },
		{ "cap-drop", required_argument, NULL, 'D' },
		{ "no-new-privileges", no_argument, NULL, 'P' },
		{ "no-new-privs", no_argument, NULL, 'P' },
		{ "security-opt", required_argument, NULL, 'S' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "pids-limit", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "tmpfs", required_argument, NULL, 'T' },
		{ "runtime", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+v:e:w:dithm:u:", lo, NULL)) != -1) {
		switch (c) {
		case 'n': s->name = optarg; break;
		case 'r': s->rm = true; break;
		case 'v': strv_add(&s->vols, optarg); break;
		case 'e':
			if (!strchr(optarg, '=')) {
				const char *v = getenv(optarg);

				if (v) {
					strv_addn(&s->env, xasprintf("%s=%s", optarg, v));
				}
				break;
			}
			if (optarg[0] == '=')
				FAIL("invalid environment variable \"%s\"", optarg);
			strv_add(&s->env, optarg);
			break;
		case 'w': s->workdir = optarg; break;
		case 'H': s->hostname = optarg; break;
		case 'N':
			if (strcmp(optarg, "host") && strcmp(optarg, "none"))
				FAIL("--network takes host or none, not %s", optarg);
			s->network = optarg;
			break;
		case 'd': s->detach = true; break;
		case 'A': strv_add(&s->cap_add, optarg); break;
		case 'D': strv_add(&s->cap_drop, optarg); break;
		case 'P': s->no_new_privs = true; break;
		case 'S':
			if (security_opt(s, optarg))
				return -1;
			break;
		case 'm':
			s->memory = parse_size(optarg);
			if (s->memory <= 0)
				FAIL("invalid --memory \"%s\" (a size: 64m, 1g, bytes; at least 6m)", optarg);
			break;
		case 'C': {
			char *end;

			s->cpus = strtod(optarg, &end);
			if (*end || !(s->cpus > 0) || s->cpus > 1024)
				FAIL("invalid --cpus \"%s\" (a number of CPUs: 0.5, 2)", optarg);
			break;
		}
		case 'p': {
			char *end;

			s->pids_limit = strtoll(optarg, &end, 10);
			if (*end || s->pids_limit <= 0)
				FAIL("invalid --pids-limit \"%s\" (a number of processes)", optarg);
			break;
		}
		case 'u':
			if (!*optarg || optarg[0] == ':' || strchr(optarg, ':') != strrchr(optarg, ':'))
				FAIL("invalid --user \"%s\" (USER[:GROUP], names or numbers)", optarg);
			s->user = optarg;
			break;
		case 'R': s->read_only = true; break;
		case 'T': strv_add(&s->tmpfs, optarg); break;
		case 'X':
			if (!*optarg)
				FAIL("--runtime needs a name (crun, runc) or a path");
			s->runtime = optarg;
			break;
		case 'i': case 't': break;	/* stdio is always attached */
		case 'h': return help_for(cmdname, 0, NULL), 1;
		default: FAIL("see '%s %s --help'", lfs_prog, cmdname);
		}
	}
	if (!run && (s->rm || s->detach))
		FAIL("--rm and -d belong to run");
	if (optind >= argc)
		FAIL("usage: %s %s [OPTIONS] IMAGE [COMMAND [ARG...]]", lfs_prog, cmdname);
	s->image = argv[optind++];
	for (; optind < argc; optind++)
		strv_add(&s->cmd, argv[optind]);
	if (s->name && !valid_name(s->name))
		FAIL("invalid container name \"%s\" (letters, digits and _.:/- only)", s->name);
	if (s->name && strchr(s->name, '/'))
		FAIL("invalid container name \"%s\": no '/' allowed", s->name);
	if (s->workdir && s->workdir[0] != '/')
		FAIL("working directory %s is not absolute", s->workdir);
	if (s->hostname && (!*s->hostname || strlen(s->hostname) > 64))
		FAIL("invalid hostname \"%s\"", s->hostname);
	if (caps_compute(&s->cap_add, &s->cap_drop, &s->caps))
		return -1;
	return 0;
}

int cmd_create(struct gopts *g, int argc, char **argv)
{
	struct ctr_opts s = { 0 };
	char *name;
	int r = parse_spec("create", argc, argv, &s, false);

	if (r) {
		ctr_opts_free(&s);
		return r > 0 ? 0 : -1;
	}
	name = store_open(&g->st, g->root, true) ? NULL : ctr_create(&g->st, &s);
	ctr_opts_free(&s);
	if (!name)
		return -1;
	printf("%s\n", name);
	free(name);
	return 0;
}

int cmd_run(struct gopts *g, int argc, char **argv)
{
	struct ctr_opts s = { 0 };
	char *name;
	int r = parse_spec("run", argc, argv, &s, true);

	if (r) {
		ctr_opts_free(&s);
		return r > 0 ? 0 : -1;
	}
	if (need_root("containers need mounts and namespaces") || union_fs_check() ||
	    store_open(&g->st, g->root, true)) {
		ctr_opts_free(&s);
		return -1;
	}
	name = ctr_create(&g->st, &s);
	if (!name) {
		ctr_opts_free(&s);
		return -1;
	}
	r = ctr_start(&g->st, name, true, s.detach);
	free(name);
	ctr_opts_free(&s);
	return r;
}

int cmd_start(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "detach", no_argument, NULL, 'd' }, { "attach", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { 0 } };
	bool detach = false;
	char *name;
	int c, r;

	while ((c = getopt_long(argc, argv, "+dah", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("start", 0, NULL);
		if (c == 'd')
			detach = true;
		else if (c != 'a')
			FAIL("see '%s start --help'", lfs_prog);
	}
	if (argc - optind != 1)
		FAIL("usage: %s start [-d] CONTAINER", lfs_prog);
	if (store_open(&g->st, g->root, false) ||
	    container_find(&g->st, argv[optind], &name))
		return -1;
	if (container_state(&g->st, name, NULL) == CT_RUNNING) {
		lfs_err("container %s is already running", name);
		free(name);
		return -1;
	}
	if (union_fs_check()) {
		free(name);
		return -1;
	}
	r = ctr_start(&g->st, name, false, detach);
	free(name);
	return r;
}

int cmd_exec(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' }, { 0 } };
	struct strv env = { 0 };
	const char *wd = NULL;
	char *name;
	int c, r;

	while ((c = getopt_long(argc, argv, "+e:w:ith", lo, NULL)) != -1) {
		switch (c) {
		case 'h': return help_for("exec", 0, NULL);
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				FAIL("invalid environment variable \"%s\"", optarg);
			strv_add(&env, optarg);
			break;
		case 'w': wd = optarg; break;
		case 'i': case 't': break;
		default: FAIL("see '%s exec --help'", lfs_prog);
		}
	}
	if (argc - optind < 2)
		FAIL("usage: %s exec [-e K=V] [-w DIR] CONTAINER COMMAND [ARG...]", lfs_prog);
	if (store_open(&g->st, g->root, false) ||
	    container_find(&g->st, argv[optind], &name)) {
		strv_free(&env);
		return -1;
	}
	r = ctr_exec(&g->st, name, &env, wd, argc - optind - 1, argv + optind + 1);
	free(name);
	strv_free(&env);
	return r;
}

int cmd_ps(struct gopts *g, int argc, char **argv)
{
	char *d;
	DIR *dh;
	struct dirent *de;
	struct strv names = { 0 };
	bool quiet = false;
	int c;
	static const struct option lo[] = {
		{ "all", no_argument, NULL, 'a' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { 0 } };

	while ((c = getopt_long(argc, argv, "+aqh", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("ps", 0, NULL);
		if (c == 'q')
			quiet = true;
		else if (c != 'a')
			FAIL("see '%s ps --help'", lfs_prog);
	}
	if (optind != argc)
		FAIL("ps takes no arguments");
	if (store_open(&g->st, g->root, true))
		return -1;
	d = store_path(&g->st, "containers");
	dh = opendir(d);
	free(d);
	while (dh && (de = readdir(dh)))
		if (de->d_name[0] != '.')
			strv_add(&names, de->d_name);
	if (dh)
		closedir(dh);
	if (!quiet)
		printf("%-20s %-12s %-20s %-16s %s\n", "NAME", "ID", "IMAGE", "STATUS", "COMMAND");
	for (size_t i = 0; i < names.n; i++) {
		json_object *ct = container_load(&g->st, names.v[i]), *s;
		char cmd[256], status[64];
		int stt;

		if (!ct)
			continue;
		if (quiet) {
			printf("%s\n", names.v[i]);
			json_object_put(ct);
			continue;
		}
		stt = container_state(&g->st, names.v[i], NULL);
		s = container_state_load(&g->st, names.v[i]);
		if (stt == 1)
			snprintf(status, sizeof(status), "running (pid %lld)", json_int(s, "pid", 0));
		else if (stt == 2)
			snprintf(status, sizeof(status), "exited (%lld)", json_int(s, "exit_code", -1));
		else
			snprintf(status, sizeof(status), "created");
		container_cmdline(ct, cmd, sizeof(cmd));
		printf("%-20s %.12s %-20s %-16s %s\n", names.v[i], json_str(ct, "id"),
		       json_str(ct, "image_name") ? json_str(ct, "image_name") : "-", status, cmd);
		json_object_put(s);
		json_object_put(ct);
	}
	strv_free(&names);
	return 0;
}

int cmd_stop(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "time", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' }, { 0 } };
	int c, secs = 10, r = 0;

	while ((c = getopt_long(argc, argv, "+t:h", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("stop", 0, NULL);
		if (c == 't')
			secs = atoi(optarg);
		else
			FAIL("see '%s stop --help'", lfs_prog);
	}
	if (optind >= argc)
		FAIL("usage: %s stop [-t SECONDS] CONTAINER...", lfs_prog);
	if (store_open(&g->st, g->root, false))
		return -1;
	for (int i = optind; i < argc && !r; i++) {
		char *name;

		if (container_find(&g->st, argv[i], &name))
			return -1;
		if (ctr_stop(&g->st, name, secs)) {
			free(name);
			return -1;
		}
		printf("%s\n", name);
		free(name);
	}
	return r;
}

int cmd_kill(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "signal", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' }, { 0 } };
	int c, sig = SIGKILL;

	while ((c = getopt_long(argc, argv, "+s:h", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("kill", 0, NULL);
		if (c == 's') {
			sig = signal_parse(optarg);
			if (sig < 0)
				FAIL("unknown signal %s", optarg);
		} else {
			FAIL("see '%s kill --help'", lfs_prog);
		}
	}
	if (optind >= argc)
		FAIL("usage: %s kill [-s SIGNAL] CONTAINER...", lfs_prog);
	if (store_open(&g->st, g->root, false))
		return -1;
	for (int i = optind; i < argc; i++) {
		char *name;

		if (container_find(&g->st, argv[i], &name))
			return -1;
		if (ctr_signal(&g->st, name, sig)) {
			free(name);
			return -1;
		}
		printf("%s\n", name);
		free(name);
	}
	return 0;
}

int cmd_rm(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, { 0 } };
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+fh", lo, NULL)) != -1) {
		if (c == 'h')
			return help_for("rm", 0, NULL);
		if (c == 'f')
			force = true;
		else
			FAIL("see '%s rm --help'", lfs_prog);
	}
	if (optind >= argc)
		FAIL("usage: %s rm [-f] CONTAINER...", lfs_prog);
	if (store_open(&g->st, g->root, false))
		return -1;
	for (int i = optind; i < argc; i++) {
		char *name;

		if (container_find(&g->st, argv[i], &name))
			return -1;
		if (ctr_remove(&g->st, name, force)) {
			free(name);
			return -1;
		}
		printf("%s\n", name);
		free(name);
	}
	return 0;
}

int cmd_logs(struct gopts *g, int argc, char **argv)
{
	char *name, *p, buf[65536];
	int fd;
	ssize_t n;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_for("logs", 0, NULL);
	if (argc != 2)
		FAIL("usage: %s logs CONTAINER", lfs_prog);
	if (store_open(&g->st, g->root, false) || container_find(&g->st, argv[1], &name))
		return -1;
	p = store_path(&g->st, "containers/%s/log", name);
	free(name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return 0;	/* never ran detached: no log */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			break;
	close(fd);
	return 0;
}
