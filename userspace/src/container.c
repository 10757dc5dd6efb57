// SPDX-License-Identifier: GPL-2.0
/*
 * Container records and the commands that need no running process:
 * ps, stop, kill, rm, diff, commit.  A container lives in
 * ROOT/containers/NAME/ with container.json (what to run), state.json
 * (status, pid), upper/ and work/ (its writable layer) and merged/ (the
 * mount point, used inside the container's own mount namespace).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include "lfs.h"

#define FAIL(...) do { lfs_err(__VA_ARGS__); return -1; } while (0)

json_object *container_load(struct store *st, const char *name)
{
	char *p;
	json_object *o;

	if (!valid_name(name))
		return NULL;
	p = store_path(st, "containers/%s/container.json", name);
	if (!path_exists(p)) {
		free(p);
		return NULL;
	}
	o = json_load(p);
	free(p);
	return o;
}

int container_save(struct store *st, const char *name, json_object *c)
{
	char *p = store_path(st, "containers/%s/container.json", name);
	int r = json_save(p, c);

	free(p);
	return r;
}

/* Find a container by name or id prefix. */
int container_find(struct store *st, const char *ref, char **name_out)
{
	char *d;
	DIR *dh;
	struct dirent *de;
	json_object *c = container_load(st, ref);
	int found = 0;

	if (c) {
		json_object_put(c);
		*name_out = xstrdup(ref);
		return 0;
	}
	d = store_path(st, "containers");
	dh = opendir(d);
	free(d);
	*name_out = NULL;
	while (dh && strlen(ref) >= 4 && (de = readdir(dh))) {
		const char *id;

		if (de->d_name[0] == '.')
			continue;
		c = container_load(st, de->d_name);
		id = json_str(c, "id");
		if (id && !strncmp(id, ref, strlen(ref))) {
			free(*name_out);
			*name_out = xstrdup(de->d_name);
			found++;
		}
		json_object_put(c);
	}
	if (dh)
		closedir(dh);
	if (found == 1)
		return 0;
	free(*name_out);
	*name_out = NULL;
	lfs_err(found ? "container id prefix %s is ambiguous" : "no such container: %s", ref);
	return -1;
}

unsigned long long pid_starttime(pid_t pid)
{
	char *p = xasprintf("/proc/%d/stat", (int)pid), *txt, *c;
	unsigned long long v = 0;

	txt = read_text(p, NULL);
	free(p);
	if (!txt)
		return 0;
	c = strrchr(txt, ')');
	if (c) {
		/* field 22 is starttime; after ")" come fields 3.. */
		int field = 2;

		for (c++; *c && field < 21; c++)
			if (*c == ' ')
				field++;
		v = strtoull(c, NULL, 10);
	}
	free(txt);
	lfs_err_clear();
	return v;
}

bool pid_alive(pid_t pid, unsigned long long starttime)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) && errno == ESRCH)
		return false;
	return pid_starttime(pid) == starttime;
}

static json_object *state_load(struct store *st, const char *name)
{
	char *p = store_path(st, "containers/%s/state.json", name);
	json_object *o = path_exists(p) ? json_load(p) : NULL;

	free(p);
	return o;
}

static long long jint(json_object *o, const char *k, long long def)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return def;
	return json_object_get_int64(v);
}

/* 0 = created, 1 = running, 2 = exited */
int container_state(struct store *st, const char *name, pid_t *pid_out)
{
	json_object *s = state_load(st, name);
	const char *status = json_str(s, "status");
	int r = 0;

	if (pid_out)
		*pid_out = 0;
	if (status && !strcmp(status, "running")) {
		pid_t pid = (pid_t)jint(s, "pid", 0);

		if (pid_alive(pid, (unsigned long long)jint(s, "starttime", 0))) {
			r = 1;
			if (pid_out)
				*pid_out = pid;
		} else {
			r = 2;
		}
	} else if (status && !strcmp(status, "exited")) {
		r = 2;
	}
	json_object_put(s);
	return r;
}

int container_set_state(struct store *st, const char *name, const char *status, pid_t pid,
			int exit_code)
{
	json_object *s = state_load(st, name);
	char *p, *now = now_rfc3339();
	int r;

	if (!s)
		s = json_object_new_object();
	json_object_object_add(s, "status", json_object_new_string(status));
	if (!strcmp(status, "running")) {
		json_object_object_add(s, "pid", json_object_new_int(pid));
		json_object_object_add(s, "starttime",
				       json_object_new_int64((int64_t)pid_starttime(pid)));
		json_object_object_add(s, "supervisor", json_object_new_int(getpid()));
		json_object_object_add(s, "started_at", json_object_new_string(now));
	} else if (!strcmp(status, "exited")) {
		json_object_object_add(s, "pid", json_object_new_int(0));
		json_object_object_add(s, "exit_code", json_object_new_int(exit_code));
		json_object_object_add(s, "finished_at", json_object_new_string(now));
	}
	p = store_path(st, "containers/%s/state.json", name);
	r = json_save(p, s);
	free(p);
	free(now);
	json_object_put(s);
	return r;
}

int container_remove(struct store *st, const char *name)
{
	char *dir = store_path(st, "containers/%s", name);
	char *merged = xasprintf("%s/merged", dir);
	struct stat a, b;
	int r;

	/* normally mounted only inside the container's namespace; clean any leftover */
	umount2(merged, MNT_DETACH);
	if (!stat(merged, &a) && !stat(dir, &b) && a.st_dev != b.st_dev) {
		lfs_err("%s is still mounted; not removing", merged);
		free(merged);
		free(dir);
		return -1;
	}
	r = rm_rf(dir);
	free(merged);
	free(dir);
	return r;
}

static void join_cmd(json_object *c, char *buf, size_t len)
{
	json_object *cmd;
	size_t n = 0;

	buf[0] = 0;
	if (!json_object_object_get_ex(c, "cmd", &cmd))
		return;
	for (size_t i = 0; i < json_object_array_length(cmd) && n + 1 < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " " : "",
			      json_object_get_string(json_object_array_get_idx(cmd, i)));
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
		s = state_load(&g->st, names.v[i]);
		if (stt == 1)
			snprintf(status, sizeof(status), "running (pid %lld)", jint(s, "pid", 0));
		else if (stt == 2)
			snprintf(status, sizeof(status), "exited (%lld)", jint(s, "exit_code", -1));
		else
			snprintf(status, sizeof(status), "created");
		join_cmd(ct, cmd, sizeof(cmd));
		printf("%-20s %.12s %-20s %-16s %s\n", names.v[i], json_str(ct, "id"),
		       json_str(ct, "image_name") ? json_str(ct, "image_name") : "-", status, cmd);
		json_object_put(s);
		json_object_put(ct);
	}
	strv_free(&names);
	return 0;
}

int signal_parse(const char *s)
{
	static const struct { const char *n; int s; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT },
		{ "STOP", SIGSTOP }, { "WINCH", SIGWINCH }, { "ALRM", SIGALRM }, { "PIPE", SIGPIPE },
	};
	char *end;
	long v = strtol(s, &end, 10);

	if (*s && !*end)
		return v > 0 && v < 65 ? (int)v : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(s, sigs[i].n))
			return sigs[i].s;
	return -1;
}

/* Wait up to @ms for the container process to go away. */
static bool wait_gone(struct store *st, const char *name, int ms)
{
	for (int i = 0; i < ms / 20; i++) {
		if (container_state(st, name, NULL) != 1)
			return true;
		usleep(20000);
	}
	return container_state(st, name, NULL) != 1;
}

/* After the process is gone, give its supervisor a moment to record the exit. */
static void settle_state(struct store *st, const char *name)
{
	for (int i = 0; i < 100; i++) {
		json_object *s = state_load(st, name);
		const char *status = json_str(s, "status");
		bool done = status && strcmp(status, "running");

		json_object_put(s);
		if (done)
			return;
		{
			json_object *s2 = state_load(st, name);
			pid_t sup = (pid_t)jint(s2, "supervisor", 0);

			json_object_put(s2);
			if (sup <= 0 || (kill(sup, 0) && errno == ESRCH))
				break;
		}
		usleep(20000);
	}
	container_set_state(st, name, "exited", 0, 137);
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
		pid_t pid;

		if (container_find(&g->st, argv[i], &name))
			return -1;
		if (container_state(&g->st, name, &pid) != 1) {
			lfs_err("container %s is not running", name);
			free(name);
			return -1;
		}
		kill(pid, SIGTERM);
		if (!wait_gone(&g->st, name, secs * 1000)) {
			kill(pid, SIGKILL);
			wait_gone(&g->st, name, 5000);
		}
		settle_state(&g->st, name);
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
		pid_t pid;

		if (container_find(&g->st, argv[i], &name))
			return -1;
		if (container_state(&g->st, name, &pid) != 1) {
			lfs_err("container %s is not running", name);
			free(name);
			return -1;
		}
		if (kill(pid, sig)) {
			lfs_err_errno("cannot signal container %s", name);
			free(name);
			return -1;
		}
		if (sig == SIGKILL && wait_gone(&g->st, name, 5000))
			settle_state(&g->st, name);
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
		pid_t pid;

		if (container_find(&g->st, argv[i], &name))
			return -1;
		if (container_state(&g->st, name, &pid) == 1) {
			if (!force) {
				lfs_err("container %s is running (stop it first, or use rm -f)", name);
				free(name);
				return -1;
			}
			kill(pid, SIGKILL);
			if (!wait_gone(&g->st, name, 10000)) {
				lfs_err("container %s did not die", name);
				free(name);
				return -1;
			}
			settle_state(&g->st, name);
		}
		if (store_lock(&g->st) || container_remove(&g->st, name)) {
			free(name);
			return -1;
		}
		store_unlock(&g->st);
		printf("%s\n", name);
		free(name);
	}
	return 0;
}

static int load_stack(struct store *st, json_object *ct, struct lower_stack *ls,
		      json_object **cfg_out)
{
	const char *img = json_str(ct, "image");
	json_object *cfg;
	struct strv l = { 0 };

	if (!img)
		FAIL("container record has no image");
	cfg = image_config(st, img);
	if (!cfg)
		FAIL("the container's image %.12s is missing from the store", img);
	if (image_layers(cfg, &l)) {
		json_object_put(cfg);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++)
		strv_addn(&ls->dirs, layer_diff_path(st, l.v[i]));
	strv_free(&l);
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
	char *low = image_lowerdir(st, json_str(ct, "image")), *opts, *err, *tmp, *mnt;

	if (!low)
		return NULL;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		lfs_err_errno("cannot make a private mount namespace");
		free(low);
		return NULL;
	}
	tmp = store_tmpdir(st);
	if (!tmp) {
		free(low);
		return NULL;
	}
	opts = container_mount_opts(st, name, low);
	mnt = xasprintf("%s,ro", opts);
	free(opts);
	{
		char *helper = mount_helper_path();

		err = run_helper(helper, tmp, mnt);
		free(helper);
	}
	free(mnt);
	free(low);
	if (err) {
		lfs_err("cannot mount the container's filesystem: %s", err);
		free(err);
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
			if (container_state(&g->st, name, &pid) == 1) {
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
		join_cmd(ct, cmdline, sizeof(cmdline));
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
