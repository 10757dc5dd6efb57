// SPDX-License-Identifier: GPL-2.0
/*
 * The container record store.  A container lives in ROOT/containers/NAME/
 * with container.json (what to run), state.json (status, pid, exit code),
 * init/ (mount points the image lacks), upper/ and work/ (its writable
 * layer), merged/ (where its supervisor mounts the union, in a mount
 * namespace of its own), bundle/ (the OCI runtime bundle) and log.
 * Records only: nothing here mounts or runs anything.
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
#include "record.h"

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

json_object *container_state_load(struct store *st, const char *name)
{
	char *p = store_path(st, "containers/%s/state.json", name);
	json_object *o = path_exists(p) ? json_load(p) : NULL;

	free(p);
	return o;
}

long long json_int(json_object *o, const char *k, long long def)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return def;
	return json_object_get_int64(v);
}

/* 0 = created, 1 = running, 2 = exited */
int container_state(struct store *st, const char *name, pid_t *pid_out)
{
	json_object *s = container_state_load(st, name);
	const char *status = json_str(s, "status");
	int r = 0;

	if (pid_out)
		*pid_out = 0;
	if (status && !strcmp(status, "running")) {
		pid_t pid = (pid_t)json_int(s, "pid", 0);

		if (pid_alive(pid, (unsigned long long)json_int(s, "starttime", 0))) {
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
	json_object *s = container_state_load(st, name);
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


void container_cmdline(json_object *c, char *buf, size_t len)
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
