/* SPDX-License-Identifier: GPL-2.0 */
/* Container records and their state (record.c): files in the store, no mounts, no processes. */
#ifndef LFS_RECORD_H
#define LFS_RECORD_H

#include "store.h"

enum { CT_CREATED, CT_RUNNING, CT_EXITED };

json_object *container_load(struct store *st, const char *name);
int container_save(struct store *st, const char *name, json_object *c);
/* Find a container by name or id prefix. */
int container_find(struct store *st, const char *ref, char **name_out);
json_object *container_state_load(struct store *st, const char *name);
/* CT_CREATED, CT_RUNNING (its PID 1 in *pid_out) or CT_EXITED */
int container_state(struct store *st, const char *name, pid_t *pid_out);
int container_set_state(struct store *st, const char *name, const char *status,
			pid_t pid, int exit_code);
/* Delete the container's folder; refused while its union is mounted here. */
int container_remove(struct store *st, const char *name);
bool pid_alive(pid_t pid, unsigned long long starttime);
unsigned long long pid_starttime(pid_t pid);
/* the command line of record @c, joined with spaces */
void container_cmdline(json_object *c, char *buf, size_t len);
long long json_int(json_object *o, const char *k, long long def);

#endif
