/* SPDX-License-Identifier: GPL-2.0 */
/* Capability sets of a container (secure.c): names, docker's default, --cap-add/--cap-drop. */
#ifndef LFS_SECURE_H
#define LFS_SECURE_H

#include "util.h"

uint64_t caps_default(void);
int cap_from_name(const char *name);	/* number, 64 for ALL, -1 */
const char *cap_name(int cap);
/* default, minus DROP, plus ADD; -1 (lfs_err set) on an unknown name */
int caps_compute(const struct strv *add, const struct strv *drop, uint64_t *out);
json_object *caps_to_json(uint64_t m);
int caps_from_json(json_object *a, uint64_t *out);

#endif
