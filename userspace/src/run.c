// SPDX-License-Identifier: GPL-2.0
/*
 * Running containers: create, run, start, exec.
 *
 * The container's PID 1 is cloned into new mount, PID, UTS and IPC
 * namespaces.  Inside, it makes its mounts private, mounts the union
 * (image layers under the container's upper folder) through mount.layerfs
 * on ROOT/containers/NAME/merged, adds volumes, /proc, /sys, /tmp and a
 * minimal /dev, pivots into it and execs the command.  All those mounts
 * live only in the container's namespace, so they vanish with it.
 * The layerctl process that started it stays as the supervisor: it
 * forwards signals, waits, records the exit status and passes it on.
 * Start-up errors come back over a close-on-exec pipe as one line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lfs.h"

#define FAIL(...) do { lfs_err(__VA_ARGS__); return -1; } while (0)

int lfs_fail_code = 1;

struct spec {
	const char *name, *image, *workdir, *hostname, *network;
	struct strv env, vols, cmd, cap_add, cap_drop;
	bool rm, detach, no_new_privs;
	uint64_t caps;
};

static void spec_free(struct spec *s)
{
	strv_free(&s->env);
	strv_free(&s->vols);
	strv_free(&s->cmd);
	strv_free(&s->cap_add);
	strv_free(&s->cap_drop);
}

/* --security-opt: only no-new-privileges[:=true|false], as docker spells it */
static int security_opt(struct spec *s, const char *o)
{
	static const char nnp[] = "no-new-privileges";
	size_t n = strlen(nnp);

	if (!strncmp(o, nnp, n) && (!o[n] || ((o[n] == ':' || o[n] == '=') &&
					      (!strcmp(o + n + 1, "true") ||
					       !strcmp(o + n + 1, "false"))))) {
		s->no_new_privs = !o[n] || !strcmp(o + n + 1, "true");
		return 0;
	}
	FAIL("unsupported --security-opt \"%s\" (only no-new-privileges[:true|false])", o);
}

static int parse_spec(const char *cmdname, int argc, char **argv, struct spec *s, bool run)
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
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+v:e:w:dith", lo, NULL)) != -1) {
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

static json_object *jarray_get(json_object *o, const char *k)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array))
		return v;
	return NULL;
}

static void env_set(json_object *env, const char *kv)
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

static bool check_fs(void)
{
	const char *t = lfs_fstype();

	if (!fstype_available(t)) {
		if (!strcmp(t, "layerfs"))
			lfs_err("the layerfs filesystem is not available: module not loaded? (modprobe layerfs, or insmod layerfs.ko)");
		else
			lfs_err("filesystem type %s is not available in this kernel", t);
		return false;
	}
	return true;
}

/*
 * The init layer (like docker's "-init" layer): mount points the image lacks
 * (/proc, /sys, /dev, /tmp, volume targets, the working directory), kept
 * between the image and the container's writable layer so that they never
 * show in diff or commit.
 */
static int make_init_layer(struct store *st, const char *id, const char *tmp, json_object *ct)
{
	static const char *const fixed[] = { "proc", "sys", "dev", "tmp" };
	struct lower_stack ls = { 0 };
	json_object *cfg = image_config(st, id), *vols;
	struct strv l = { 0 }, paths = { 0 };
	char *init = xasprintf("%s/init", tmp);
	int r = -1;

	if (!cfg || image_layers(cfg, &l))
		goto out;
	for (size_t i = 0; i < l.n; i++)
		strv_addn(&ls.dirs, layer_diff_path(st, l.v[i]));
	if (mkdir(init, 0755)) {
		lfs_err_errno("cannot create %s", init);
		goto out;
	}
	for (size_t i = 0; i < 4; i++)
		strv_add(&paths, fixed[i]);
	if (json_str(ct, "workdir"))
		strv_add(&paths, json_str(ct, "workdir"));
	vols = jarray_get(ct, "volumes");
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		json_object *v = json_object_array_get_idx(vols, i);
		const char *host = json_str(v, "host");

		if (host && !is_dir(host))
			strv_addn(&paths, xasprintf("%s\n", json_str(v, "path")));	/* a file */
		else
			strv_add(&paths, json_str(v, "path"));
	}
	for (size_t i = 0; i < paths.n; i++) {
		char *rel = paths.v[i], *low, *full;
		size_t n = strlen(rel);
		bool file = n && rel[n - 1] == '\n';

		if (file)
			rel[--n] = 0;
		while (*rel == '/')
			rel++;
		if (!*rel)
			continue;
		low = lower_lookup(&ls, rel, NULL);
		if (low) {
			free(low);
			continue;
		}
		full = xasprintf("%s/%s", init, rel);
		if (file) {
			char *slash = strrchr(full, '/');
			int fd;

			*slash = 0;
			mkdir_p(full, 0755);
			*slash = '/';
			fd = open(full, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		} else {
			mkdir_p(full, 0755);
		}
		free(full);
	}
	r = 0;
out:
	json_object_put(cfg);
	strv_free(&l);
	strv_free(&ls.dirs);
	strv_free(&paths);
	free(init);
	return r;
}

/* Create the container record; returns its name (allocated) or NULL. */
static char *create_container(struct gopts *g, struct spec *s)
{
	char id[LFS_DIGEST_HEX + 1], cid[LFS_DIGEST_HEX + 1], *name, *tmp = NULL, *dst = NULL;
	json_object *cfg = NULL, *ct = NULL, *conf = NULL, *env, *cmd, *vols, *a;
	const char *wd;
	char *now;

	if (store_open(&g->st, g->root, true) || store_lock(&g->st))
		return NULL;
	if (image_resolve(&g->st, s->image, id))
		goto fail_unlocked;
	cfg = image_config(&g->st, id);
	if (!cfg)
		goto fail_unlocked;
	json_object_object_get_ex(cfg, "config", &conf);
	random_hex(cid, LFS_DIGEST_HEX);
	name = s->name ? xstrdup(s->name) : xstrndup(cid, 12);
	{
		json_object *old = container_load(&g->st, name);

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
		char *in = image_name_of(&g->st, id);

		json_object_object_add(ct, "image_name", json_object_new_string(in ? in : s->image));
		free(in);
	}
	cmd = json_object_new_array();
	if ((a = jarray_get(conf, "Entrypoint")))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			json_object_array_add(cmd, json_object_get(json_object_array_get_idx(a, i)));
	if (s->cmd.n) {
		for (size_t i = 0; i < s->cmd.n; i++)
			json_object_array_add(cmd, json_object_new_string(s->cmd.v[i]));
	} else if ((a = jarray_get(conf, "Cmd"))) {
		for (size_t i = 0; i < json_object_array_length(a); i++)
			json_object_array_add(cmd, json_object_get(json_object_array_get_idx(a, i)));
	}
	json_object_object_add(ct, "cmd", cmd);
	if (!json_object_array_length(cmd)) {
		lfs_err("no command given and image %s has none", s->image);
		goto fail;
	}
	env = json_object_new_array();
	if ((a = jarray_get(conf, "Env")))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			env_set(env, json_object_get_string(json_object_array_get_idx(a, i)));
	for (size_t i = 0; i < s->env.n; i++)
		env_set(env, s->env.v[i]);
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
	now = now_rfc3339();
	json_object_object_add(ct, "created", json_object_new_string(now));
	free(now);
	/* build it in tmp/, then rename into place: never half-made */
	tmp = store_tmpdir(&g->st);
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
	if (make_init_layer(&g->st, id, tmp, ct))
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
	dst = store_path(&g->st, "containers/%s", name);
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
	store_unlock(&g->st);
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
	store_unlock(&g->st);
	return NULL;
}

int cmd_create(struct gopts *g, int argc, char **argv)
{
	struct spec s = { 0 };
	char *name;
	int r = parse_spec("create", argc, argv, &s, false);

	if (r) {
		spec_free(&s);
		return r > 0 ? 0 : -1;
	}
	name = create_container(g, &s);
	spec_free(&s);
	if (!name)
		return -1;
	printf("%s\n", name);
	free(name);
	return 0;
}

char *mount_helper_path(void)
{
	const char *e = getenv("LAYERFS_MOUNT_HELPER");
	char *d, *p;

	if (e && *e)
		return xstrdup(e);
	d = self_dir();
	if (d) {
		p = xasprintf("%s/mount.layerfs", d);
		free(d);
		if (!access(p, X_OK))
			return p;
		free(p);
	}
	return xstrdup("mount.layerfs");
}

/*
 * Mount options of a container's union: its init layer and the image's
 * layers under its writable layer, plus $LAYERFS_MOUNT_OPTS (for testing,
 * e.g. redirect_dir=on,metacopy=on with overlay).
 */
char *container_mount_opts(struct store *st, const char *name, const char *lowerdir)
{
	char *dir = store_path(st, "containers/%s", name);
	char *init = xasprintf("%s/init", dir), *ei = lowerdir_escape(init), *opts;
	const char *extra = getenv("LAYERFS_MOUNT_OPTS");

	opts = xasprintf("lowerdir=%s%s%s,upperdir=%s/upper,workdir=%s/work%s%s",
			 is_dir(init) ? ei : "", is_dir(init) ? ":" : "", lowerdir, dir, dir,
			 extra && *extra ? "," : "", extra && *extra ? extra : "");
	free(init);
	free(ei);
	free(dir);
	return opts;
}

/* ---------------- the container's PID 1 ---------------- */

struct child_args {
	struct store *st;
	const char *name;
	json_object *ct;
	char *lowerdir;
	char *helper;
	int errfd;
};

static void __attribute__((noreturn, format(printf, 3, 4)))
child_fail(int errfd, int code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = write(errfd, buf, strlen(buf));
	(void)n;
	_exit(code);
}

/* Run the mount helper, returning its one-line error (or NULL on success). */
char *run_helper(const char *helper, const char *target, const char *opts)
{
	int p[2];
	pid_t pid;
	char buf[1024];
	size_t n = 0;
	ssize_t r;
	int status;

	if (pipe2(p, O_CLOEXEC))
		return xasprintf("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return xasprintf("fork: %s", strerror(errno));
	if (!pid) {
		dup2(p[1], 2);
		execlp(helper, "mount.layerfs", "none", target, "-o", opts, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s", helper, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < sizeof(buf) && (r = read(p[0], buf + n, sizeof(buf) - n - 1)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += r;
	}
	close(p[0]);
	buf[n] = 0;
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;
	return xstrdup(n ? buf : "mount helper failed");
}

/* mkdir -p @rel below @rootfd without following symlinks; returns an O_PATH fd. */
static int make_beneath(int rootfd, const char *rel, bool file)
{
	char *d = xstrdup(rel), *save = NULL, *comp, *next;
	int fd = dup(rootfd);

	for (comp = strtok_r(d, "/", &save); comp && fd >= 0; comp = next) {
		int nfd;

		next = strtok_r(NULL, "/", &save);
		if (!next && file) {
			/* create only if missing: opening a lower file for write would copy it up */
			nfd = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0)
				nfd = openat(fd, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (nfd >= 0)
				close(nfd);
		} else if (mkdirat(fd, comp, 0755) && errno != EEXIST) {
			close(fd);
			fd = -1;
			break;
		}
		nfd = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC | (next || !file ? O_DIRECTORY : 0));
		close(fd);
		fd = nfd;
	}
	free(d);
	return fd;
}

static int mount_at(int fd, const char *src, const char *type, unsigned long flags, const char *data)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return mount(src, p, type, flags, data);
}

static void setup_dev(int errfd, int rootfd)
{
	static const struct { const char *n; unsigned maj, min; } nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const struct { const char *l, *t; } links[] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" }, { "core", "/proc/kcore" },
	};
	int fd = make_beneath(rootfd, "dev", false), dfd;

	if (fd < 0 || mount_at(fd, "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k"))
		child_fail(errfd, 125, "cannot mount /dev in the container: %s", strerror(errno));
	close(fd);
	dfd = openat(rootfd, "dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		child_fail(errfd, 125, "cannot open the container's /dev: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknodat(dfd, nodes[i].n, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) == 0) {
			fchmodat(dfd, nodes[i].n, 0666, 0);
			continue;
		}
		/* no mknod (e.g. in a user namespace): bind the host's node */
		char *h = xasprintf("/dev/%s", nodes[i].n);
		int nfd = openat(dfd, nodes[i].n, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);

		if (nfd >= 0) {
			close(nfd);
			nfd = openat(dfd, nodes[i].n, O_PATH | O_CLOEXEC);
			mount_at(nfd, h, NULL, MS_BIND, NULL);
			close(nfd);
		}
		free(h);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i].t, dfd, links[i].l)) {
			/* not fatal */
		}
	if (!mkdirat(dfd, "pts", 0755)) {
		fd = openat(dfd, "pts", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (mount_at(fd, "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
			     "newinstance,ptmxmode=0666,mode=620"))
			mount_at(fd, "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666");
		close(fd);
	}
	if (!mkdirat(dfd, "shm", 01777)) {
		fd = openat(dfd, "shm", O_PATH | O_DIRECTORY | O_CLOEXEC);
		mount_at(fd, "shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k");
		close(fd);
	}
	/* the terminal as /dev/console, if there is one */
	if (isatty(0)) {
		char *tty = ttyname(0);
		int cfd = openat(dfd, "console", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		if (cfd >= 0 && tty) {
			close(cfd);
			cfd = openat(dfd, "console", O_PATH | O_CLOEXEC);
			mount_at(cfd, tty, NULL, MS_BIND, NULL);
		}
		if (cfd >= 0)
			close(cfd);
	}
	close(dfd);
}

static void set_env(json_object *env, struct strv *extra)
{
	clearenv();
	for (size_t i = 0; env && i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));

		if (e && strchr(e, '='))
			putenv(xstrdup(e));
	}
	for (size_t i = 0; extra && i < extra->n; i++)
		putenv(xstrdup(extra->v[i]));
	if (!getenv("PATH"))
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	if (!getenv("HOME"))
		setenv("HOME", "/root", 1);
}

static void __attribute__((noreturn)) exec_cmd(int errfd, json_object *cmdj, const char *name)
{
	size_t n = json_object_array_length(cmdj);
	char **argv = xcalloc(n + 1, sizeof(char *));

	for (size_t i = 0; i < n; i++)
		argv[i] = xstrdup(json_object_get_string(json_object_array_get_idx(cmdj, i)));
	execvp(argv[0], argv);
	if (errno == ENOENT)
		child_fail(errfd, 127, "command not found in %s: %s", name, argv[0]);
	if (errno == EACCES)
		child_fail(errfd, 126, "cannot execute %s in %s: permission denied", argv[0], name);
	child_fail(errfd, 126, "cannot execute %s in %s: %s", argv[0], name, strerror(errno));
}

/* The container's privileges as its record says, right before execve. */
static void secure_or_fail(int errfd, int code, json_object *ct)
{
	char err[256];
	uint64_t keep;

	if (caps_from_json(json_object_object_get(ct, "capabilities"), &keep))
		child_fail(errfd, code, "%s", lfs_errmsg());
	if (secure_exec_setup(keep, json_object_get_boolean(json_object_object_get(ct, "no_new_privs")),
			      err, sizeof(err)))
		child_fail(errfd, code, "%s", err);
}

/* --network none: a new network namespace with only the loopback, up */
static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

static int container_main(void *arg)
{
	struct child_args *a = arg;
	char *dir = store_path(a->st, "containers/%s", a->name);
	char *merged = xasprintf("%s/merged", dir), *opts, *err;
	json_object *vols, *v;
	const char *wd = json_str(a->ct, "workdir"), *hn = json_str(a->ct, "hostname");
	int rootfd, fd;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		child_fail(a->errfd, 125, "cannot make mounts private: %s", strerror(errno));
	opts = container_mount_opts(a->st, a->name, a->lowerdir);
	err = run_helper(a->helper, merged, opts);
	if (err)
		child_fail(a->errfd, 125, "cannot mount the container's filesystem: %s", err);
	rootfd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		child_fail(a->errfd, 125, "cannot open %s: %s", merged, strerror(errno));
	/* volumes */
	vols = jarray_get(a->ct, "volumes");
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		const char *host, *path;
		struct stat hs;
		bool ro;

		v = json_object_array_get_idx(vols, i);
		host = json_str(v, "host");
		path = json_str(v, "path");
		ro = json_object_get_boolean(json_object_object_get(v, "ro"));
		if (!host || !path || stat(host, &hs))
			child_fail(a->errfd, 125, "volume %s: %s", host ? host : "?", strerror(errno));
		fd = make_beneath(rootfd, path, !S_ISDIR(hs.st_mode));
		if (fd < 0)
			child_fail(a->errfd, 125, "volume %s: cannot create %s in the container: %s",
				   host, path, strerror(errno));
		if (mount_at(fd, host, NULL, MS_BIND | MS_REC, NULL))
			child_fail(a->errfd, 125, "volume %s: cannot mount on %s: %s", host, path,
				   strerror(errno));
		close(fd);
		/* reopen: the path now leads to the bind mount itself */
		fd = make_beneath(rootfd, path, !S_ISDIR(hs.st_mode));
		if (ro && (fd < 0 || mount_at(fd, NULL, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL)))
			child_fail(a->errfd, 125, "volume %s: cannot make read-only: %s", host,
				   strerror(errno));
		close(fd);
	}
	fd = make_beneath(rootfd, "proc", false);
	if (fd < 0 || mount_at(fd, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		child_fail(a->errfd, 125, "cannot mount /proc in the container: %s", strerror(errno));
	close(fd);
	fd = make_beneath(rootfd, "sys", false);
	if (fd < 0 || (mount_at(fd, "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) &&
		       mount_at(fd, "/sys", NULL, MS_BIND | MS_REC, NULL)))
		child_fail(a->errfd, 125, "cannot mount /sys in the container: %s", strerror(errno));
	close(fd);
	fd = make_beneath(rootfd, "tmp", false);
	if (fd < 0 || mount_at(fd, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
		child_fail(a->errfd, 125, "cannot mount /tmp in the container: %s", strerror(errno));
	close(fd);
	setup_dev(a->errfd, rootfd);
	close(rootfd);
	if (json_str(a->ct, "network") && !strcmp(json_str(a->ct, "network"), "none"))
		loopback_up();
	if (hn && sethostname(hn, strlen(hn)))
		child_fail(a->errfd, 125, "cannot set the hostname: %s", strerror(errno));
	if (chdir(merged))
		child_fail(a->errfd, 125, "cannot enter %s: %s", merged, strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) || chdir("/"))
			child_fail(a->errfd, 125, "cannot detach the old root: %s", strerror(errno));
	} else if (errno == EINVAL) {
		/*
		 * pivot_root cannot move the initramfs (rootfs): then move the
		 * union over / and chroot into it, as runc's --no-pivot does.
		 */
		if (mount(".", "/", NULL, MS_MOVE, NULL) || chroot(".") || chdir("/"))
			child_fail(a->errfd, 125, "cannot enter the container's root: %s",
				   strerror(errno));
	} else {
		child_fail(a->errfd, 125, "cannot enter the container's root: %s", strerror(errno));
	}
	if (wd && strcmp(wd, "/")) {
		if (mkdir_p(wd, 0755) || chdir(wd))
			child_fail(a->errfd, 125, "working directory %s: %s", wd, strerror(errno));
	}
	set_env(jarray_get(a->ct, "env"), NULL);
	if (hn)
		setenv("HOSTNAME", hn, 1);
	secure_or_fail(a->errfd, 125, a->ct);
	{
		char *what = xasprintf("image %s", json_str(a->ct, "image_name") ?
				       json_str(a->ct, "image_name") : "?");

		exec_cmd(a->errfd, jarray_get(a->ct, "cmd"), what);
	}
}

/* ---------------- supervision ---------------- */

static volatile pid_t fwd_pid;

static void forward(int sig)
{
	if (fwd_pid > 0)
		kill(fwd_pid, sig);
}

static const int fwd_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
				SIGCONT, SIGALRM };

static void forward_signals(pid_t pid)
{
	struct sigaction sa = { .sa_handler = forward };

	fwd_pid = pid;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fwd_sigs) / sizeof(fwd_sigs[0]); i++)
		sigaction(fwd_sigs[i], &sa, NULL);
}

static int wait_status(pid_t pid)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, 0);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return 255;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* Read the start-up error pipe: empty = exec succeeded. */
static char *read_err(int fd)
{
	char buf[1024];
	size_t n = 0;
	ssize_t r;

	while (n + 1 < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n - 1)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += r;
	}
	buf[n] = 0;
	return n ? xstrdup(buf) : NULL;
}

/*
 * Start container @name; @fresh: it was just created by run (remove it if
 * start-up fails).  Returns the exit status to pass on, or -1.
 * With @readyfd >= 0 (detached), report start-up on it instead of stderr.
 */
static int start_and_wait(struct gopts *g, const char *name, bool fresh, int readyfd)
{
	struct child_args a = { .st = &g->st, .name = name };
	char *stack, *err;
	int p[2], code;
	pid_t pid;
	bool rm;

	a.ct = container_load(&g->st, name);
	if (!a.ct) {
		lfs_err("no such container: %s", name);
		return -1;
	}
	rm = json_object_get_boolean(json_object_object_get(a.ct, "rm"));
	a.lowerdir = image_lowerdir(&g->st, json_str(a.ct, "image"));
	if (!a.lowerdir)
		goto fail;
	a.helper = mount_helper_path();
	if (pipe2(p, O_CLOEXEC)) {
		lfs_err_errno("pipe");
		goto fail;
	}
	a.errfd = p[1];
	stack = xmalloc(1 << 20);
	{
		const char *net = json_str(a.ct, "network");
		int fl = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;

		if (net && !strcmp(net, "none"))
			fl |= CLONE_NEWNET;
		pid = clone(container_main, stack + (1 << 20), fl, &a);
	}
	if (pid < 0) {
		lfs_err_errno("cannot create the container's namespaces");
		close(p[0]);
		close(p[1]);
		free(stack);
		goto fail;
	}
	forward_signals(pid);
	close(p[1]);
	err = read_err(p[0]);
	close(p[0]);
	free(stack);
	if (err) {
		code = wait_status(pid);
		lfs_err("%s", err);
		lfs_fail_code = code == 127 || code == 126 ? code : 125;
		free(err);
		goto fail;
	}
	container_set_state(&g->st, name, "running", pid, 0);
	if (readyfd >= 0) {
		if (write(readyfd, "", 1) < 0) {
			/* the parent went away; keep supervising */
		}
		close(readyfd);
	}
	code = wait_status(pid);
	fwd_pid = 0;
	container_set_state(&g->st, name, "exited", 0, code);
	if (rm) {
		store_lock(&g->st);
		container_remove(&g->st, name);
		store_unlock(&g->st);
	}
	free(a.lowerdir);
	free(a.helper);
	json_object_put(a.ct);
	return code;
fail:
	if (fresh) {
		char *msg = xstrdup(lfs_errmsg());

		store_lock(&g->st);
		container_remove(&g->st, name);
		store_unlock(&g->st);
		lfs_err("%s", msg);
		free(msg);
	}
	free(a.lowerdir);
	free(a.helper);
	json_object_put(a.ct);
	return -1;
}

/* Detached: a supervisor process in its own session keeps the container. */
static int start_detached(struct gopts *g, const char *name, bool fresh)
{
	int p[2];
	pid_t pid;
	char buf[1024];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC)) {
		lfs_err_errno("pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		lfs_err_errno("fork");
		return -1;
	}
	if (!pid) {
		char *log = store_path(&g->st, "containers/%s/log", name);
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
		r = start_and_wait(g, name, fresh, p[1]);
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

int cmd_run(struct gopts *g, int argc, char **argv)
{
	struct spec s = { 0 };
	char *name;
	int r = parse_spec("run", argc, argv, &s, true);

	if (r) {
		spec_free(&s);
		return r > 0 ? 0 : -1;
	}
	if (need_root("containers need mounts and namespaces") || !check_fs()) {
		spec_free(&s);
		return -1;
	}
	name = create_container(g, &s);
	if (!name) {
		spec_free(&s);
		return -1;
	}
	fflush(stdout);
	r = s.detach ? start_detached(g, name, true) : start_and_wait(g, name, true, -1);
	free(name);
	spec_free(&s);
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
	if (container_state(&g->st, name, NULL) == 1) {
		lfs_err("container %s is already running", name);
		free(name);
		return -1;
	}
	if (!check_fs()) {
		free(name);
		return -1;
	}
	fflush(stdout);
	r = detach ? start_detached(g, name, false) : start_and_wait(g, name, false, -1);
	free(name);
	return r;
}

int cmd_exec(struct gopts *g, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' }, { 0 } };
	const char *nsn[] = { "ipc", "uts", "net", "pid", "mnt" };
	int nsfd[5], c, p[2], code, rootfd;
	struct strv env = { 0 };
	const char *wd = NULL;
	json_object *ct, *cmdj;
	char *name, *err;
	pid_t pid, child;

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
	    container_find(&g->st, argv[optind], &name))
		return -1;
	if (container_state(&g->st, name, &pid) != 1) {
		lfs_err("container %s is not running", name);
		free(name);
		return -1;
	}
	ct = container_load(&g->st, name);
	for (int i = 0; i < 5; i++) {
		char *p2 = xasprintf("/proc/%d/ns/%s", (int)pid, nsn[i]);

		nsfd[i] = open(p2, O_RDONLY | O_CLOEXEC);
		free(p2);
		if (nsfd[i] < 0) {
			lfs_err_errno("cannot enter container %s", name);
			return -1;
		}
	}
	{
		/* the container's root as its PID 1 sees it (pivoted, or moved over /) */
		char *rp = xasprintf("/proc/%d/root", (int)pid);

		rootfd = open(rp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(rp);
		if (rootfd < 0) {
			lfs_err_errno("cannot enter container %s", name);
			return -1;
		}
	}
	for (int i = 0; i < 5; i++) {
		if (setns(nsfd[i], 0)) {
			lfs_err_errno("cannot enter the %s namespace of %s", nsn[i], name);
			return -1;
		}
		close(nsfd[i]);
	}
	if (fchdir(rootfd) || chroot(".") || chdir("/")) {
		lfs_err_errno("cannot enter the root of %s", name);
		return -1;
	}
	close(rootfd);
	cmdj = json_object_new_array();
	for (int i = optind + 1; i < argc; i++)
		json_object_array_add(cmdj, json_object_new_string(argv[i]));
	if (pipe2(p, O_CLOEXEC)) {
		lfs_err_errno("pipe");
		return -1;
	}
	fflush(stdout);
	child = fork();
	if (child < 0) {
		lfs_err_errno("fork");
		return -1;
	}
	if (!child) {
		const char *w = wd ? wd : json_str(ct, "workdir");

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (chdir("/") || (w && chdir(w)))
			child_fail(p[1], 126, "working directory %s: %s", w, strerror(errno));
		set_env(jarray_get(ct, "env"), &env);
		if (json_str(ct, "hostname"))
			setenv("HOSTNAME", json_str(ct, "hostname"), 1);
		secure_or_fail(p[1], 126, ct);
		{
			char *what = xasprintf("container %s", name);

			exec_cmd(p[1], cmdj, what);
		}
	}
	forward_signals(child);
	close(p[1]);
	err = read_err(p[0]);
	close(p[0]);
	code = wait_status(child);
	if (err) {
		lfs_err("%s", err);
		lfs_fail_code = code;
		free(err);
		free(name);
		return -1;
	}
	free(name);
	strv_free(&env);
	json_object_put(cmdj);
	json_object_put(ct);
	return code;
}
