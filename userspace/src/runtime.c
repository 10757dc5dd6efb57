// SPDX-License-Identifier: GPL-2.0
/*
 * The OCI runtime's command line (crun by default, runc, or any runtime
 * with their interface): create, start, exec, kill, state and delete, as
 * podman drives crun and containerd runc.  Every call passes --root (the
 * runtime's state, /run/layerfs/NAME, so ours never mix with other users
 * of the runtime) and --log with --log-format json, whose last error is
 * the one line we report when a call fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "runtime.h"

int runtime_open(struct runtime *rt, const char *want)
{
	const char *base;

	if (!want || !*want)
		want = getenv("LAYERFS_RUNTIME");
	if (!want || !*want)
		want = "crun";
	base = strrchr(want, '/') ? strrchr(want, '/') + 1 : want;
	if (!valid_name(base) || strchr(base, ':')) {
		lfs_err("invalid runtime \"%s\"", want);
		return -1;
	}
	rt->name = xstrdup(base);
	rt->path = xstrdup(want);
	rt->state = xasprintf("/run/layerfs/%s", base);
	if (mkdir_p(rt->state, 0700)) {
		runtime_close(rt);
		return -1;
	}
	return 0;
}

void runtime_close(struct runtime *rt)
{
	free(rt->name);
	free(rt->path);
	free(rt->state);
	memset(rt, 0, sizeof(*rt));
}

/* The last "msg" of an error in a json log, or NULL. */
static char *log_error(const char *path)
{
	char *txt = read_text(path, NULL), *save = NULL, *msg = NULL;

	lfs_err_clear();
	for (char *l = txt ? strtok_r(txt, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(l);
		const char *lv = json_str(o, "level"), *m = json_str(o, "msg");

		if (m && lv && (!strcmp(lv, "error") || !strcmp(lv, "fatal"))) {
			free(msg);
			msg = xstrdup(m);
		}
		json_object_put(o);
	}
	free(txt);
	return msg;
}

static int wait_child(pid_t pid)
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

/*
 * Run the runtime with @args.  @attach: stdio is ours (create: the
 * container's; exec: the process's); else its output is read into *out
 * (when out is not NULL) and otherwise dropped.  Returns its exit status,
 * or -1 when it could not run; on a non-zero status lfs_err says why.
 */
static int call(struct runtime *rt, const char *const *args, bool attach, char **out)
{
	char *log = xasprintf("%s/log.XXXXXX", rt->state), buf[4096];
	const char *argv[32];
	size_t n = 0, len = 0;
	int lfd = mkstemp(log), p[2] = { -1, -1 }, rc;
	pid_t pid;
	ssize_t r;

	if (lfd < 0) {
		lfs_err_errno("cannot create a log in %s", rt->state);
		free(log);
		return -1;
	}
	close(lfd);
	argv[n++] = rt->path;
	argv[n++] = "--root";
	argv[n++] = rt->state;
	argv[n++] = "--log";
	argv[n++] = log;
	argv[n++] = "--log-format";
	argv[n++] = "json";
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (!attach && pipe2(p, O_CLOEXEC)) {
		lfs_err_errno("pipe");
		unlink(log);
		free(log);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		lfs_err_errno("fork");
		unlink(log);
		free(log);
		return -1;
	}
	if (!pid) {
		if (!attach) {
			int nul = open("/dev/null", O_RDONLY);

			dup2(nul, 0);
			dup2(p[1], 1);
			dup2(p[1], 2);
		}
		execvp(argv[0], (char **)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (!attach) {
		close(p[1]);
		while ((r = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			len += r;
			if (len == sizeof(buf) - 1)
				len = 0;	/* keep reading; only the start matters */
		}
		close(p[0]);
		buf[len] = 0;
		if (out)
			*out = xstrdup(buf);
	}
	rc = wait_child(pid);
	if (rc) {
		char *m = log_error(log);

		if (!m && !attach && len) {
			while (len && buf[len - 1] == '\n')
				buf[--len] = 0;
			m = xstrdup(strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf);
		}
		if (m)
			lfs_err("%s: %s", rt->name, m);
		else if (rc == 127)
			lfs_err("cannot run the OCI runtime %s (apt-get install %s?)", rt->path, rt->name);
		else
			lfs_err("%s %s failed with status %d", rt->name, args[0], rc);
		free(m);
	}
	unlink(log);
	free(log);
	return rc;
}

int runtime_create(struct runtime *rt, const char *id, const char *bundle, pid_t *pid)
{
	char *pf = xasprintf("%s/pid", bundle), *txt;
	const char *args[] = { "create", "--bundle", bundle, "--pid-file", pf, id, NULL };
	int r;

	unlink(pf);
	r = call(rt, args, true, NULL);
	if (r) {
		free(pf);
		return -1;
	}
	txt = read_text(pf, NULL);
	*pid = txt ? (pid_t)atoi(txt) : 0;
	free(txt);
	free(pf);
	if (*pid <= 0) {
		lfs_err("%s create wrote no pid", rt->name);
		return -1;
	}
	return 0;
}

int runtime_start(struct runtime *rt, const char *id)
{
	const char *args[] = { "start", id, NULL };

	return call(rt, args, false, NULL) ? -1 : 0;
}

int runtime_kill(struct runtime *rt, const char *id, int sig)
{
	char s[16];
	const char *args[] = { "kill", id, s, NULL };

	snprintf(s, sizeof(s), "%d", sig);
	return call(rt, args, false, NULL) ? -1 : 0;
}

char *runtime_state(struct runtime *rt, const char *id)
{
	const char *args[] = { "state", id, NULL };
	char *out = NULL, *st = NULL;
	json_object *o;

	if (call(rt, args, false, &out)) {
		free(out);
		lfs_err_clear();
		return NULL;
	}
	o = out ? json_tokener_parse(out) : NULL;
	if (json_str(o, "status"))
		st = xstrdup(json_str(o, "status"));
	json_object_put(o);
	free(out);
	return st;
}

int runtime_delete(struct runtime *rt, const char *id, bool force)
{
	const char *args[] = { "delete", force ? "--force" : id, force ? id : NULL, NULL };

	return call(rt, args, false, NULL) ? -1 : 0;
}

int runtime_exec(struct runtime *rt, const char *id, const char *process_json)
{
	const char *args[] = { "exec", "--process", process_json, id, NULL };

	return call(rt, args, true, NULL);
}
