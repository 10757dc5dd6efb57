/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime layer: a container handed to an OCI runtime (crun, runc).
 *   bundle.c    the mounts every container gets (one table), its init layer,
 *               and the runtime-spec config.json / process.json
 *   seccomp.c   the default seccomp profile of the spec
 *   runtime.c   the runtime's command line: create start exec kill state delete
 *   lifecycle.c a container's life: create its record and layers, supervise
 *               it (mount, bundle, create, start, wait, delete), exec, signal,
 *               remove
 */
#ifndef LFS_RUNTIME_H
#define LFS_RUNTIME_H

#include "record.h"

/* What create/run ask for; becomes the container record. */
struct ctr_opts {
	const char *name, *image, *workdir, *hostname, *network, *user, *runtime;
	struct strv env, vols, tmpfs, cmd, cap_add, cap_drop;
	bool rm, detach, no_new_privs, read_only, no_seccomp;
	uint64_t caps;
	int64_t memory, pids_limit;	/* 0: no limit */
	double cpus;			/* 0: no limit */
};
void ctr_opts_free(struct ctr_opts *o);

/* ---- bundle.c ---- */
/* A mount every container gets. */
struct ctr_mount {
	const char *dest, *type, *source, *options;
	bool point;	/* a mount point the init layer makes when the image lacks it */
	mode_t mode;	/* its mode there (0: 0755) */
};
extern const struct ctr_mount ctr_mounts[];
extern const size_t ctr_nmounts;
/* The init layer in @dir/init: the mount points (table, volumes, tmpfs, workdir) image @id lacks. */
int bundle_init_layer(struct store *st, const char *id, const char *dir, json_object *ct);
/* The container's process: args, env, cwd, user, capabilities, no_new_privs. */
json_object *bundle_process(json_object *ct, const char *rootfs, json_object *args,
			    const struct strv *env, const char *cwd);
/* config.json in @bundle for container record @ct whose root is @rootfs. */
int bundle_write(json_object *ct, const char *rootfs, const char *bundle);

/* ---- seccomp.c ---- */
json_object *seccomp_default(uint64_t caps);

/* ---- runtime.c ---- */
struct runtime {
	char *name;	/* crun, runc */
	char *path;	/* what we execute */
	char *state;	/* its --root: /run/layerfs/NAME */
};
/* @want: NULL for $LAYERFS_RUNTIME, else crun */
int runtime_open(struct runtime *rt, const char *want);
void runtime_close(struct runtime *rt);
/* create: stdio is the container's; the pid of its process in *pid */
int runtime_create(struct runtime *rt, const char *id, const char *bundle, pid_t *pid);
int runtime_start(struct runtime *rt, const char *id);
int runtime_kill(struct runtime *rt, const char *id, int sig);
/* "created", "running", "stopped", or NULL when the runtime does not know it */
char *runtime_state(struct runtime *rt, const char *id);
int runtime_delete(struct runtime *rt, const char *id, bool force);
/* exec: the process described in @process_json; returns its exit status */
int runtime_exec(struct runtime *rt, const char *id, const char *process_json);

/* ---- lifecycle.c ---- */
/* the exit status of a failed command (125, 126, 127 for container start-up) */
extern int lfs_fail_code;
/* New container from @o; its name (allocated) or NULL. */
char *ctr_create(struct store *st, const struct ctr_opts *o);
/*
 * Run container @name until it exits; returns its exit status or -1
 * (lfs_err set, lfs_fail_code 125/126/127).  @fresh: remove it when
 * start-up fails.  @detach: in a supervisor of its own; prints the name.
 */
int ctr_start(struct store *st, const char *name, bool fresh, bool detach);
int ctr_exec(struct store *st, const char *name, const struct strv *env, const char *cwd,
	     int argc, char **argv);
int ctr_signal(struct store *st, const char *name, int sig);
int ctr_stop(struct store *st, const char *name, int secs);
int ctr_remove(struct store *st, const char *name, bool force);
int signal_parse(const char *s);

#endif
