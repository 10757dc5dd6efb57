// SPDX-License-Identifier: GPL-2.0
/*
 * A container's life on an OCI runtime.
 *
 * create: the record, the init layer and empty upper/work folders, built
 * in a temp dir and renamed into place.  start (run, start): the
 * supervisor (layerctl itself, or with -d a process of its own in its own
 * session) enters a mount namespace of its own, mounts the union on
 * containers/NAME/merged (so nothing is left mounted on the host when it
 * exits), writes the bundle, becomes the child subreaper, has the runtime
 * create the container (stdio passed through) and start it, forwards
 * signals, waits for its PID 1, records the exit status and has the
 * runtime delete it.  exec, kill, stop and rm go through the runtime too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "mount.h"
#include "runtime.h"
#include "secure.h"

int lfs_fail_code = 1;

void ctr_opts_free(struct ctr_opts *o)
{
	strv_free(&o->env);
	strv_free(&o->vols);
	strv_free(&o->tmpfs);
	strv_free(&o->cmd);
	strv_free(&o->cap_add);
	strv_free(&o->cap_drop);
}

static json_object *jarray(json_object *o, const char *k)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array))
		return v;
	return NULL;
}

static void env_put(json_object *env, const char *kv)
{
	size_t kl = strcspn(kv, "=");

	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));

		if (e && !strncmp(e, kv, kl) && e[kl] == '=') {
			json_object_array_put_idx(env, i, json_object_new_string(kv));
			return;
		}
	}
	json_object_array_add(env, json_object_new_string(kv));
}

static bool clean_abs_path(const char *p)
{
	if (p[0] != '/' || !strcmp(p, "/"))
		return false;
	for (const char *c = p; *c; c++)
		if (c[0] == '/' && c[1] == '.' && c[2] == '.' && (c[3] == '/' || !c[3]))
			return false;
	return true;
}

/* HOST:DIR[:ro|:rw] -> {host (real path), path, ro} */
static json_object *parse_volume(const char *v)
{
	char *s = xstrdup(v), *c1 = strchr(s, ':'), *c2, real[PATH_MAX];
	bool ro = false;
	json_object *o;

	if (!c1 || c1 == s) {
		lfs_err("invalid volume \"%s\": use HOST:DIR[:ro]", v);
		free(s);
		return NULL;
	}
	*c1++ = 0;
	c2 = strchr(c1, ':');
	if (c2) {
		*c2++ = 0;
		if (!strcmp(c2, "ro")) {
			ro = true;
		} else if (strcmp(c2, "rw")) {
			lfs_err("invalid volume mode \"%s\" in %s: use ro or rw", c2, v);
			free(s);
			return NULL;
		}
	}
	if (!realpath(s, real)) {
		lfs_err("volume %s: %s does not exist", v, s);
		free(s);
		return NULL;
	}
	if (!clean_abs_path(c1)) {
		lfs_err("volume %s: %s must be an absolute path inside the container, not / and without ..",
			v, c1);
		free(s);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "host", json_object_new_string(real));
	json_object_object_add(o, "path", json_object_new_string(c1));
	json_object_object_add(o, "ro", json_object_new_boolean(ro));
	free(s);
	return o;
}

/* --tmpfs DIR[:OPTIONS] -> {path, options} */
static json_object *parse_tmpfs(const char *v)
{
	char *s = xstrdup(v), *c = strchr(s, ':');
	json_object *o;

	if (c)
		*c++ = 0;
	if (!clean_abs_path(s)) {
		lfs_err("--tmpfs %s: %s must be an absolute path inside the container, not / and without ..",
			v, s);
		free(s);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(s));
	json_object_object_add(o, "options", json_object_new_string(c ? c : ""));
	free(s);
	return o;
}

char *ctr_create(struct store *st, const struct ctr_opts *s)
{
	char id[LFS_DIGEST_HEX + 1], cid[LFS_DIGEST_HEX + 1], *name, *tmp = NULL, *dst = NULL;
	json_object *cfg = NULL, *ct = NULL, *conf = NULL, *env, *cmd, *vols, *a;
	const char *wd;
	char *now;

	if (store_lock(st))
		return NULL;
	if (image_resolve(st, s->image, id))
		goto fail_unlocked;
	cfg = image_config(st, id);
	if (!cfg)
		goto fail_unlocked;
	json_object_object_get_ex(cfg, "config", &conf);
	random_hex(cid, LFS_DIGEST_HEX);
	name = s->name ? xstrdup(s->name) : xstrndup(cid, 12);
	{
		json_object *old = container_load(st, name);

		if (old) {
			json_object_put(old);
			lfs_err("the name %s is already in use by a container", name);
			free(name);
			goto fail_unlocked;
		}
	}
	ct = json_object_new_object();
	json_object_object_add(ct, "name", json_object_new_string(name));
	json_object_object_add(ct, "id", json_object_new_string(cid));
	json_object_object_add(ct, "image", json_object_new_string(id));
	{
		char *in = image_name_of(st, id);

		json_object_object_add(ct, "image_name", json_object_new_string(in ? in : s->image));
		free(in);
	}
	cmd = json_object_new_array();
	if ((a = jarray(conf, "Entrypoint")))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			json_object_array_add(cmd, json_object_get(json_object_array_get_idx(a, i)));
	if (s->cmd.n) {
		for (size_t i = 0; i < s->cmd.n; i++)
			json_object_array_add(cmd, json_object_new_string(s->cmd.v[i]));
	} else if ((a = jarray(conf, "Cmd"))) {
		for (size_t i = 0; i < json_object_array_length(a); i++)
			json_object_array_add(cmd, json_object_get(json_object_array_get_idx(a, i)));
	}
	json_object_object_add(ct, "cmd", cmd);
	if (!json_object_array_length(cmd)) {
		lfs_err("no command given and image %s has none", s->image);
		goto fail;
	}
	env = json_object_new_array();
	if ((a = jarray(conf, "Env")))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			env_put(env, json_object_get_string(json_object_array_get_idx(a, i)));
	for (size_t i = 0; i < s->env.n; i++)
		env_put(env, s->env.v[i]);
	json_object_object_add(ct, "env", env);
	wd = s->workdir ? s->workdir : json_str(conf, "WorkingDir");
	json_object_object_add(ct, "workdir", json_object_new_string(wd && *wd ? wd : "/"));
	json_object_object_add(ct, "hostname", json_object_new_string(s->hostname ? s->hostname : name));
	vols = json_object_new_array();
	json_object_object_add(ct, "volumes", vols);
	for (size_t i = 0; i < s->vols.n; i++) {
		json_object *v = parse_volume(s->vols.v[i]);

		if (!v)
			goto fail;
		json_object_array_add(vols, v);
	}
	json_object_object_add(ct, "rm", json_object_new_boolean(s->rm));
	json_object_object_add(ct, "network", json_object_new_string(s->network ? s->network : "host"));
	json_object_object_add(ct, "capabilities", caps_to_json(s->caps));
	json_object_object_add(ct, "no_new_privs", json_object_new_boolean(s->no_new_privs));
	json_object_object_add(ct, "no_seccomp", json_object_new_boolean(s->no_seccomp));
	json_object_object_add(ct, "read_only", json_object_new_boolean(s->read_only));
	json_object_object_add(ct, "runtime", json_object_new_string(
		s->runtime ? s->runtime : (getenv("LAYERFS_RUNTIME") && *getenv("LAYERFS_RUNTIME") ?
					   getenv("LAYERFS_RUNTIME") : "crun")));
	if (s->user)
		json_object_object_add(ct, "user", json_object_new_string(s->user));
	if (s->memory > 0)
		json_object_object_add(ct, "memory", json_object_new_int64(s->memory));
	if (s->pids_limit > 0)
		json_object_object_add(ct, "pids_limit", json_object_new_int64(s->pids_limit));
	if (s->cpus > 0)
		json_object_object_add(ct, "cpus", json_object_new_double(s->cpus));
	{
		json_object *tm = json_object_new_array();

		json_object_object_add(ct, "tmpfs", tm);
		for (size_t i = 0; i < s->tmpfs.n; i++) {
			json_object *t = parse_tmpfs(s->tmpfs.v[i]);

			if (!t)
				goto fail;
			json_object_array_add(tm, t);
		}
	}
	now = now_rfc3339();
	json_object_object_add(ct, "created", json_object_new_string(now));
	free(now);
	/* build it in tmp/, then rename into place: never half-made */
	tmp = store_tmpdir(st);
	if (!tmp)
		goto fail;
	{
		const char *sub[] = { "upper", "work", "merged" };

		for (int i = 0; i < 3; i++) {
			char *p = xasprintf("%s/%s", tmp, sub[i]);

			if (mkdir(p, 0755)) {
				lfs_err_errno("cannot create %s", p);
				free(p);
				goto fail;
			}
			free(p);
		}
	}
	if (bundle_init_layer(st, id, tmp, ct))
		goto fail;
	{
		char *p = xasprintf("%s/container.json", tmp);
		int r = json_save(p, ct);

		free(p);
		if (r)
			goto fail;
		p = xasprintf("%s/state.json", tmp);
		r = write_text_atomic(p, "{\"status\":\"created\"}\n", 21);
		free(p);
		if (r)
			goto fail;
	}
	dst = store_path(st, "containers/%s", name);
	if (rename(tmp, dst)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			lfs_err("the name %s is already in use by a container", name);
		else
			lfs_err_errno("cannot create %s", dst);
		goto fail;
	}
	free(dst);
	free(tmp);
	json_object_put(ct);
	json_object_put(cfg);
	store_unlock(st);
	return name;
fail:
	if (tmp)
		rm_rf(tmp);
	free(tmp);
	free(dst);
	free(name);
fail_unlocked:
	json_object_put(ct);
	json_object_put(cfg);
	store_unlock(st);
	return NULL;
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
		json_object *s = container_state_load(st, name);
		const char *status = json_str(s, "status");
		bool done = status && strcmp(status, "running");

		json_object_put(s);
		if (done)
			return;
		{
			json_object *s2 = container_state_load(st, name);
			pid_t sup = (pid_t)json_int(s2, "supervisor", 0);

			json_object_put(s2);
			if (sup <= 0 || (kill(sup, 0) && errno == ESRCH))
				break;
		}
		usleep(20000);
	}
	container_set_state(st, name, "exited", 0, 137);
}


/* Is @path under one of the container's volumes or tmpfs mounts (not in the union)? */
static bool under_mount(json_object *ct, const char *path)
{
	static const char *const keys[] = { "volumes", "tmpfs" };

	for (size_t k = 0; k < 2; k++) {
		json_object *a = jarray(ct, keys[k]);

		for (size_t i = 0; a && i < json_object_array_length(a); i++) {
			const char *p = json_str(json_object_array_get_idx(a, i), "path");
			size_t n = p ? strlen(p) : 0;

			if (n && !strncmp(path, p, n) && (path[n] == '/' || !path[n]))
				return true;
		}
	}
	return false;
}

/* 0: @rel below @rootfd is an executable file; else 127 or 126 (lfs_err set) */
static int exe_at(int rootfd, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	char p[64];
	struct stat st;
	int fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 127 : 126;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || access(p, X_OK)) {
		close(fd);
		return 126;
	}
	close(fd);
	return 0;
}

/*
 * The command must be there before the runtime is asked: its own message
 * would come on the container's stderr, next to ours.  126 / 127 as a
 * shell; 0 when found, or when it may be on a volume (the runtime decides).
 */
static int check_command(int rootfd, json_object *ct, json_object *env, const char *cwd,
			 const char *cmd, const char *what)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int best = 127;

	for (size_t i = 0; env && i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));

		if (e && !strncmp(e, "PATH=", 5))
			path = e + 5;
	}
	if (strchr(cmd, '/')) {
		char *full = cmd[0] == '/' ? xstrdup(cmd) : xasprintf("%s/%s", cwd ? cwd : "/", cmd);

		best = under_mount(ct, full) ? 0 : exe_at(rootfd, full);
		free(full);
	} else {
		char *dirs = xstrdup(path), *save = NULL;

		for (char *d = strtok_r(dirs, ":", &save); d && best; d = strtok_r(NULL, ":", &save)) {
			char *full = xasprintf("%s/%s", d, cmd);
			int r = under_mount(ct, full) ? 0 : exe_at(rootfd, full);

			if (r < best)
				best = r;
			free(full);
		}
		free(dirs);
	}
	if (best == 127)
		lfs_err("command not found in %s: %s", what, cmd);
	else if (best == 126)
		lfs_err("cannot execute %s in %s: permission denied", cmd, what);
	return best;
}

/* ---------------- supervision ---------------- */

static volatile pid_t fwd_pid;

static void forward(int sig)
{
	if (fwd_pid > 0)
		kill(fwd_pid, sig);
}

static void forward_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
				    SIGWINCH, SIGCONT, SIGALRM };
	struct sigaction sa = { .sa_handler = on ? forward : SIG_DFL };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int wait_pid(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 255;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

struct sup {
	struct store *st;
	const char *name;
	json_object *ct;
	struct runtime rt;
	char *dir, *merged, *bundle;
	bool mounted, created;
};

/* Mount, bundle, create and start: the container's PID 1, or -1. */
static pid_t sup_launch(struct sup *s)
{
	const char *id = json_str(s->ct, "id"), *img = json_str(s->ct, "image");
	json_object *cmd = jarray(s->ct, "cmd");
	pid_t pid;
	int rootfd, code;

	lfs_fail_code = 125;
	if (!id || !img || !cmd || !json_object_array_length(cmd)) {
		lfs_err("the record of container %s is incomplete", s->name);
		return -1;
	}
	if (runtime_open(&s->rt, json_str(s->ct, "runtime")))
		return -1;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		lfs_err_errno("cannot make a mount namespace for the container's mounts");
		return -1;
	}
	if (union_mount_container(s->st, s->name, img, s->merged, false))
		return -1;
	s->mounted = true;
	rootfd = open(s->merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		lfs_err_errno("cannot open %s", s->merged);
		return -1;
	}
	{
		char *what = xasprintf("image %s", json_str(s->ct, "image_name") ?
				       json_str(s->ct, "image_name") : "?");

		code = check_command(rootfd, s->ct, jarray(s->ct, "env"), json_str(s->ct, "workdir"),
				     json_object_get_string(json_object_array_get_idx(cmd, 0)), what);
		free(what);
	}
	close(rootfd);
	if (code) {
		lfs_fail_code = code;
		return -1;
	}
	if (mkdir(s->bundle, 0700) && errno != EEXIST) {
		lfs_err_errno("cannot create %s", s->bundle);
		return -1;
	}
	if (bundle_write(s->ct, s->merged, s->bundle))
		return -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	runtime_delete(&s->rt, id, true);	/* a leftover of a supervisor that died */
	lfs_err_clear();
	if (runtime_create(&s->rt, id, s->bundle, &pid))
		return -1;
	s->created = true;
	fwd_pid = pid;
	if (runtime_start(&s->rt, id)) {
		kill(pid, SIGKILL);
		wait_pid(pid);
		return -1;
	}
	container_set_state(s->st, s->name, "running", pid, 0);
	return pid;
}

static void sup_end(struct sup *s)
{
	const char *id = json_str(s->ct, "id");
	char *msg = xstrdup(lfs_errmsg());

	fwd_pid = 0;
	if (s->created)
		runtime_delete(&s->rt, id, true);
	if (s->mounted)
		umount2(s->merged, MNT_DETACH);
	runtime_close(&s->rt);
	free(s->dir);
	free(s->merged);
	free(s->bundle);
	json_object_put(s->ct);
	lfs_err("%s", msg);
	free(msg);
}

/* Supervise: returns the exit status, or -1 (lfs_err, lfs_fail_code). @readyfd: say "" when up. */
static int supervise(struct store *st, const char *name, bool fresh, int readyfd)
{
	struct sup s = { .st = st, .name = name };
	pid_t pid;
	int code;
	bool rm;

	s.ct = container_load(st, name);
	if (!s.ct) {
		lfs_err("no such container: %s", name);
		return -1;
	}
	s.dir = store_path(st, "containers/%s", name);
	s.merged = xasprintf("%s/merged", s.dir);
	s.bundle = xasprintf("%s/bundle", s.dir);
	rm = json_object_get_boolean(json_object_object_get(s.ct, "rm"));
	forward_signals(true);
	pid = sup_launch(&s);
	if (pid < 0) {
		sup_end(&s);
		forward_signals(false);
		if (fresh) {
			char *msg = xstrdup(lfs_errmsg());

			store_lock(st);
			container_remove(st, name);
			store_unlock(st);
			lfs_err("%s", msg);
			free(msg);
		}
		return -1;
	}
	if (readyfd >= 0) {
		if (write(readyfd, "", 1) < 0) {
			/* the parent went away; keep supervising */
		}
		close(readyfd);
	}
	code = wait_pid(pid);
	container_set_state(st, name, "exited", 0, code);
	sup_end(&s);
	forward_signals(false);
	if (rm) {
		store_lock(st);
		container_remove(st, name);
		store_unlock(st);
	}
	return code;
}

/* Detached: a supervisor process in its own session keeps the container. */
static int start_detached(struct store *st, const char *name, bool fresh)
{
	int p[2];
	pid_t pid;
	char buf[1024];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC)) {
		lfs_err_errno("pipe");
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		lfs_err_errno("fork");
		return -1;
	}
	if (!pid) {
		char *log = store_path(st, "containers/%s/log", name);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600), nul;
		int r;

		close(p[0]);
		setsid();
		nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		r = supervise(st, name, fresh, p[1]);
		if (r < 0) {
			const char *m = lfs_errmsg();

			if (write(p[1], m, strlen(m)) < 0)
				_exit(1);
			_exit(lfs_fail_code);
		}
		_exit(r);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n > 0 && buf[0]) {
		int status;

		buf[n] = 0;
		lfs_err("%s", buf);
		waitpid(pid, &status, 0);
		lfs_fail_code = WIFEXITED(status) ? WEXITSTATUS(status) : 125;
		return -1;
	}
	if (n <= 0) {
		lfs_err("the container supervisor died while starting %s", name);
		return -1;
	}
	printf("%s\n", name);
	return 0;
}

int ctr_start(struct store *st, const char *name, bool fresh, bool detach)
{
	fflush(stdout);
	return detach ? start_detached(st, name, fresh) : supervise(st, name, fresh, -1);
}

static int running_pid(struct store *st, const char *name, pid_t *pid)
{
	if (container_state(st, name, pid) != CT_RUNNING) {
		lfs_err("container %s is not running", name);
		return -1;
	}
	return 0;
}

int ctr_exec(struct store *st, const char *name, const struct strv *env, const char *cwd,
	     int argc, char **argv)
{
	struct runtime rt = { 0 };
	json_object *ct, *args, *proc = NULL;
	char *root, *pf = NULL, *what;
	int rootfd, r = -1;
	pid_t pid;

	if (running_pid(st, name, &pid))
		return -1;
	ct = container_load(st, name);
	if (!ct || runtime_open(&rt, json_str(ct, "runtime"))) {
		json_object_put(ct);
		return -1;
	}
	if (!cwd)
		cwd = json_str(ct, "workdir");
	root = xasprintf("/proc/%d/root", (int)pid);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	args = json_object_new_array();
	for (int i = 0; i < argc; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	what = xasprintf("container %s", name);
	if (rootfd < 0) {
		lfs_err_errno("cannot enter container %s", name);
	} else {
		json_object *penv;

		proc = bundle_process(ct, root, args, env, cwd);
		penv = proc ? json_object_object_get(proc, "env") : NULL;
		r = proc ? check_command(rootfd, ct, penv, cwd, argv[0], what) : -1;
		if (r > 0)
			lfs_fail_code = r;
		close(rootfd);
	}
	if (!r) {
		pf = store_path(st, "containers/%s/bundle/exec-%d.json", name, (int)getpid());
		r = json_save(pf, proc);
	}
	if (!r) {
		forward_signals(false);
		r = runtime_exec(&rt, json_str(ct, "id"), pf);
		unlink(pf);
	} else {
		r = -1;
	}
	free(pf);
	free(what);
	free(root);
	json_object_put(args);
	json_object_put(proc);
	json_object_put(ct);
	runtime_close(&rt);
	return r;
}

static int rt_signal(struct store *st, const char *name, int sig)
{
	struct runtime rt = { 0 };
	json_object *ct = container_load(st, name);
	int r = -1;

	if (ct && !runtime_open(&rt, json_str(ct, "runtime"))) {
		r = runtime_kill(&rt, json_str(ct, "id"), sig);
		if (r)
			lfs_err("cannot signal container %s: %s", name, lfs_errmsg());
		runtime_close(&rt);
	}
	json_object_put(ct);
	return r;
}

int ctr_signal(struct store *st, const char *name, int sig)
{
	pid_t pid;

	if (running_pid(st, name, &pid) || rt_signal(st, name, sig))
		return -1;
	if (sig == SIGKILL && wait_gone(st, name, 5000))
		settle_state(st, name);
	return 0;
}

int ctr_stop(struct store *st, const char *name, int secs)
{
	pid_t pid;

	if (running_pid(st, name, &pid) || rt_signal(st, name, SIGTERM))
		return -1;
	if (!wait_gone(st, name, secs * 1000)) {
		rt_signal(st, name, SIGKILL);
		wait_gone(st, name, 5000);
	}
	settle_state(st, name);
	return 0;
}

int ctr_remove(struct store *st, const char *name, bool force)
{
	struct runtime rt = { 0 };
	json_object *ct;
	pid_t pid;
	int r;

	if (container_state(st, name, &pid) == CT_RUNNING) {
		if (!force) {
			lfs_err("container %s is running (stop it first, or use rm -f)", name);
			return -1;
		}
		if (rt_signal(st, name, SIGKILL))
			kill(pid, SIGKILL);
		if (!wait_gone(st, name, 10000)) {
			lfs_err("container %s did not die", name);
			return -1;
		}
		settle_state(st, name);
	}
	/* the runtime's state of a container whose supervisor died */
	ct = container_load(st, name);
	if (ct && json_str(ct, "id") && !runtime_open(&rt, json_str(ct, "runtime"))) {
		char *s = runtime_state(&rt, json_str(ct, "id"));

		if (s)
			runtime_delete(&rt, json_str(ct, "id"), true);
		free(s);
		runtime_close(&rt);
	}
	json_object_put(ct);
	if (store_lock(st))
		return -1;
	r = container_remove(st, name);
	store_unlock(st);
	return r;
}
