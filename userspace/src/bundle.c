// SPDX-License-Identifier: GPL-2.0
/*
 * A container's OCI runtime bundle: config.json, whose root is the
 * container's union, and the one table of mounts every container gets.
 * The same table makes the init layer (mount points the image lacks, kept
 * below the writable layer so they never show in diff or commit) and the
 * spec's mounts, so the two never disagree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "diff.h"
#include "runtime.h"
#include "secure.h"

const struct ctr_mount ctr_mounts[] = {
	{ "/proc", "proc", "proc", "nosuid,noexec,nodev", true, 0 },
	{ "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k", true, 0 },
	{ "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620", false, 0 },
	{ "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k", false, 0 },
	{ "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev", false, 0 },
	{ "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro", true, 0 },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro", false, 0 },
	{ "/tmp", "tmpfs", "tmpfs", "nosuid,nodev,mode=1777", true, 01777 },
};
const size_t ctr_nmounts = sizeof(ctr_mounts) / sizeof(ctr_mounts[0]);

static json_object *jarray(json_object *o, const char *k)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array))
		return v;
	return NULL;
}

/* Make @rel (a folder, or a file when @file) in @init unless the image has it. */
static void init_point(struct lower_stack *ls, const char *init, const char *rel, bool file,
		       mode_t mode)
{
	char *low, *full;

	while (*rel == '/')
		rel++;
	if (!*rel)
		return;
	low = lower_lookup(ls, rel, NULL);
	if (low) {
		free(low);
		return;
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
		if (mode)
			chmod(full, mode);	/* runc gives a tmpfs the mode of its mount point */
	}
	free(full);
}

int bundle_init_layer(struct store *st, const char *id, const char *dir, json_object *ct)
{
	struct lower_stack ls = { 0 };
	json_object *vols = jarray(ct, "volumes"), *tmpfs = jarray(ct, "tmpfs");
	char *init = xasprintf("%s/init", dir);
	int r = -1;

	if (image_layer_dirs(st, id, &ls.dirs))
		goto out;
	if (mkdir(init, 0755)) {
		lfs_err_errno("cannot create %s", init);
		goto out;
	}
	for (size_t i = 0; i < ctr_nmounts; i++)
		if (ctr_mounts[i].point)
			init_point(&ls, init, ctr_mounts[i].dest, false, ctr_mounts[i].mode);
	if (json_str(ct, "workdir"))
		init_point(&ls, init, json_str(ct, "workdir"), false, 0);
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		json_object *v = json_object_array_get_idx(vols, i);
		const char *host = json_str(v, "host");

		init_point(&ls, init, json_str(v, "path"), host && !is_dir(host), 0);
	}
	for (size_t i = 0; tmpfs && i < json_object_array_length(tmpfs); i++)
		init_point(&ls, init, json_str(json_object_array_get_idx(tmpfs, i), "path"), false,
			   01777);
	r = 0;
out:
	strv_free(&ls.dirs);
	free(init);
	return r;
}

static json_object *jstrings(const char *csv)
{
	json_object *a = json_object_new_array();
	char *s = xstrdup(csv), *save = NULL;

	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_object_array_add(a, json_object_new_string(t));
	free(s);
	return a;
}

static json_object *mount_obj(const char *dest, const char *type, const char *src, json_object *opts)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", opts);
	return m;
}

static json_object *spec_mounts(json_object *ct)
{
	json_object *a = json_object_new_array(), *vols = jarray(ct, "volumes"), *tmpfs = jarray(ct, "tmpfs");

	for (size_t i = 0; i < ctr_nmounts; i++) {
		const struct ctr_mount *m = &ctr_mounts[i];

		json_object_array_add(a, mount_obj(m->dest, m->type, m->source, jstrings(m->options)));
	}
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
		json_object *v = json_object_array_get_idx(vols, i), *o = json_object_new_array();

		json_object_array_add(o, json_object_new_string("rbind"));
		json_object_array_add(o, json_object_new_string(
			json_object_get_boolean(json_object_object_get(v, "ro")) ? "ro" : "rw"));
		json_object_array_add(a, mount_obj(json_str(v, "path"), "bind", json_str(v, "host"), o));
	}
	for (size_t i = 0; tmpfs && i < json_object_array_length(tmpfs); i++) {
		json_object *t = json_object_array_get_idx(tmpfs, i);
		const char *o = json_str(t, "options");
		char *all = xasprintf("nosuid,nodev%s%s", o && *o ? "," : "", o ? o : "");

		json_object_array_add(a, mount_obj(json_str(t, "path"), "tmpfs", "tmpfs", jstrings(all)));
		free(all);
	}
	return a;
}

/* NAME or ID in the container's /etc/passwd or /etc/group: its number, or -1. */
static long long id_lookup(const char *rootfs, const char *file, const char *name, long long *gid)
{
	char *p = xasprintf("%s/etc/%s", rootfs, file), *txt = read_text(p, NULL), *save = NULL;
	long long r = -1;

	free(p);
	lfs_err_clear();
	for (char *l = txt ? strtok_r(txt, "\n", &save) : NULL; l && r < 0; l = strtok_r(NULL, "\n", &save)) {
		char *f[4] = { 0 }, *c = l;

		for (int i = 0; i < 4 && c; i++) {
			f[i] = c;
			c = strchr(c, ':');
			if (c)
				*c++ = 0;
		}
		if (f[2] && !strcmp(f[0], name)) {
			r = atoll(f[2]);
			if (gid && f[3])
				*gid = atoll(f[3]);
		}
	}
	free(txt);
	return r;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* --user USER[:GROUP], names looked up in the container's files */
static json_object *process_user(json_object *ct, const char *rootfs)
{
	const char *u = json_str(ct, "user");
	json_object *o = json_object_new_object();
	long long uid = 0, gid = 0;

	if (u && *u) {
		char *s = xstrdup(u), *g = strchr(s, ':');

		if (g)
			*g++ = 0;
		if (all_digits(s)) {
			uid = atoll(s);
		} else {
			uid = id_lookup(rootfs, "passwd", s, &gid);
			if (uid < 0) {
				lfs_err("user %s is not in the container's /etc/passwd", s);
				free(s);
				json_object_put(o);
				return NULL;
			}
		}
		if (g && all_digits(g)) {
			gid = atoll(g);
		} else if (g) {
			gid = id_lookup(rootfs, "group", g, NULL);
			if (gid < 0) {
				lfs_err("group %s is not in the container's /etc/group", g);
				free(s);
				json_object_put(o);
				return NULL;
			}
		}
		free(s);
	}
	json_object_object_add(o, "uid", json_object_new_int64(uid));
	json_object_object_add(o, "gid", json_object_new_int64(gid));
	return o;
}

static json_object *caps_obj(uint64_t caps)
{
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < 3; i++) {
		json_object *a = json_object_new_array();

		for (int c = 0; c < 64; c++)
			if ((caps & (1ULL << c)) && cap_name(c)) {
				char *n = xasprintf("CAP_%s", cap_name(c));

				json_object_array_add(a, json_object_new_string(n));
				free(n);
			}
		json_object_object_add(o, sets[i], a);
	}
	json_object_object_add(o, "inheritable", json_object_new_array());
	json_object_object_add(o, "ambient", json_object_new_array());
	return o;
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

json_object *bundle_process(json_object *ct, const char *rootfs, json_object *args,
			    const struct strv *extra, const char *cwd)
{
	json_object *p = json_object_new_object(), *env = json_object_new_array(), *user;
	json_object *cenv = jarray(ct, "env");
	const char *hn = json_str(ct, "hostname");
	uint64_t caps;

	user = process_user(ct, rootfs);
	if (!user || caps_from_json(json_object_object_get(ct, "capabilities"), &caps)) {
		json_object_put(user);
		json_object_put(p);
		json_object_put(env);
		return NULL;
	}
	for (size_t i = 0; cenv && i < json_object_array_length(cenv); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(cenv, i));

		if (e && strchr(e, '='))
			env_put(env, e);
	}
	for (size_t i = 0; extra && i < extra->n; i++)
		env_put(env, extra->v[i]);
	if (hn) {
		char *h = xasprintf("HOSTNAME=%s", hn);

		env_put(env, h);
		free(h);
	}
	{
		bool path = false, home = false;

		for (size_t i = 0; i < json_object_array_length(env); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(env, i));

			path |= !strncmp(e, "PATH=", 5);
			home |= !strncmp(e, "HOME=", 5);
		}
		if (!path)
			env_put(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
		if (!home)
			env_put(env, "HOME=/root");
	}
	json_object_object_add(p, "terminal", json_object_new_boolean(0));
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", json_object_get(args));
	json_object_object_add(p, "env", env);
	json_object_object_add(p, "cwd", json_object_new_string(cwd && *cwd ? cwd : "/"));
	json_object_object_add(p, "capabilities", caps_obj(caps));
	json_object_object_add(p, "noNewPrivileges",
			       json_object_new_boolean(json_object_get_boolean(
				       json_object_object_get(ct, "no_new_privs"))));
	return p;
}

/* docker's masked and read-only paths of /proc and /sys */
static const char *const masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap",
};
static const char *const readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static json_object *jlist(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *ns_list(json_object *ct)
{
	static const char *const always[] = { "pid", "ipc", "uts", "mount", "cgroup" };
	json_object *a = json_object_new_array();
	const char *net = json_str(ct, "network");

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		json_object *n = json_object_new_object();

		json_object_object_add(n, "type", json_object_new_string(always[i]));
		json_object_array_add(a, n);
	}
	if (net && !strcmp(net, "none")) {
		json_object *n = json_object_new_object();

		json_object_object_add(n, "type", json_object_new_string("network"));
		json_object_array_add(a, n);
	}
	return a;
}

static json_object *dev_rule(bool allow, const char *type, long long major, long long minor)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "allow", json_object_new_boolean(allow));
	if (type)
		json_object_object_add(d, "type", json_object_new_string(type));
	if (major >= 0)
		json_object_object_add(d, "major", json_object_new_int64(major));
	if (minor >= 0)
		json_object_object_add(d, "minor", json_object_new_int64(minor));
	json_object_object_add(d, "access", json_object_new_string("rwm"));
	return d;
}

/* cgroup limits (--memory, --cpus, --pids-limit) and the device list */
static json_object *resources(json_object *ct)
{
	static const int devs[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 },
				       { 5, 0 }, { 5, 1 }, { 5, 2 } };
	json_object *r = json_object_new_object(), *d = json_object_new_array();
	int64_t mem = json_int(ct, "memory", 0), pids = json_int(ct, "pids_limit", 0);
	double cpus = json_object_get_double(json_object_object_get(ct, "cpus"));

	json_object_array_add(d, dev_rule(false, NULL, -1, -1));
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		json_object_array_add(d, dev_rule(true, "c", devs[i][0], devs[i][1]));
	json_object_array_add(d, dev_rule(true, "c", 136, -1));	/* /dev/pts/N */
	json_object_object_add(r, "devices", d);
	if (mem > 0) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "limit", json_object_new_int64(mem));
		json_object_object_add(m, "swap", json_object_new_int64(mem));	/* no swap */
		json_object_object_add(r, "memory", m);
	}
	if (cpus > 0) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "quota", json_object_new_int64((int64_t)(cpus * 100000)));
		json_object_object_add(c, "period", json_object_new_int64(100000));
		json_object_object_add(r, "cpu", c);
	}
	if (pids > 0) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "limit", json_object_new_int64(pids));
		json_object_object_add(r, "pids", p);
	}
	return r;
}

int bundle_write(json_object *ct, const char *rootfs, const char *bundle)
{
	json_object *spec = json_object_new_object(), *root = json_object_new_object();
	json_object *linux = json_object_new_object(), *proc;
	const char *id = json_str(ct, "id");
	char *cg, *p;
	uint64_t caps;
	int r;

	proc = bundle_process(ct, rootfs, jarray(ct, "cmd"), NULL, json_str(ct, "workdir"));
	if (!proc || caps_from_json(json_object_object_get(ct, "capabilities"), &caps)) {
		json_object_put(proc);
		json_object_put(spec);
		json_object_put(root);
		json_object_put(linux);
		return -1;
	}
	json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(spec, "process", proc);
	json_object_object_add(root, "path", json_object_new_string(rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(
		json_object_get_boolean(json_object_object_get(ct, "read_only"))));
	json_object_object_add(spec, "root", root);
	json_object_object_add(spec, "hostname", json_object_new_string(
		json_str(ct, "hostname") ? json_str(ct, "hostname") : "layerfs"));
	json_object_object_add(spec, "mounts", spec_mounts(ct));
	json_object_object_add(linux, "namespaces", ns_list(ct));
	cg = xasprintf("/layerfs/%.12s", id ? id : "unknown");
	json_object_object_add(linux, "cgroupsPath", json_object_new_string(cg));
	free(cg);
	json_object_object_add(linux, "resources", resources(ct));
	json_object_object_add(linux, "maskedPaths", jlist(masked, sizeof(masked) / sizeof(masked[0])));
	json_object_object_add(linux, "readonlyPaths",
			       jlist(readonly, sizeof(readonly) / sizeof(readonly[0])));
	if (!json_object_get_boolean(json_object_object_get(ct, "no_seccomp")))
		json_object_object_add(linux, "seccomp", seccomp_default(caps));
	json_object_object_add(spec, "linux", linux);
	p = xasprintf("%s/config.json", bundle);
	r = json_save(p, spec);
	free(p);
	json_object_put(spec);
	return r;
}
