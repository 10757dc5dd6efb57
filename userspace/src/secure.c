// SPDX-License-Identifier: GPL-2.0
/*
 * What a container process keeps of root's privileges.
 *
 * A container keeps a set of capabilities: by default docker's (CHOWN,
 * DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP,
 * SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE), changed by
 * --cap-add/--cap-drop.  The set goes into the runtime spec as the
 * bounding, effective and permitted sets (inheritable and ambient empty);
 * the runtime applies it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "secure.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Capability names by number (capability.h as of Linux 6.12). */
static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
	"KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
	"NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
	"SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
	"AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE",
	"MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
	"PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))
#define CAPS_ALL ((NCAPS >= 64 ? 0 : (1ULL << NCAPS)) - 1)

uint64_t caps_default(void)
{
	static const int keep[] = {
		CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER,
		CAP_MKNOD, CAP_NET_RAW, CAP_SETGID, CAP_SETUID, CAP_SETFCAP,
		CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,
		CAP_AUDIT_WRITE,
	};
	uint64_t m = 0;

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		m |= 1ULL << keep[i];
	return m;
}

/* "NET_ADMIN", "cap_net_admin" -> its number; "ALL" -> 64; else -1. */
int cap_from_name(const char *name)
{
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	if (!strcasecmp(name, "ALL"))
		return 64;
	for (int i = 0; i < NCAPS; i++)
		if (!strcasecmp(name, cap_names[i]))
			return i;
	return -1;
}

const char *cap_name(int cap)
{
	return cap >= 0 && cap < NCAPS ? cap_names[cap] : NULL;
}

/*
 * The default set, then every --cap-drop, then every --cap-add (so
 * "--cap-drop ALL --cap-add CHOWN" keeps CHOWN alone, as with docker).
 */
int caps_compute(const struct strv *add, const struct strv *drop, uint64_t *out)
{
	uint64_t m = caps_default();

	for (int pass = 0; pass < 2; pass++) {
		const struct strv *l = pass ? add : drop;

		for (size_t i = 0; l && i < l->n; i++) {
			int c = cap_from_name(l->v[i]);
			uint64_t bit = c == 64 ? CAPS_ALL : 1ULL << c;

			if (c < 0) {
				lfs_err("unknown capability \"%s\"", l->v[i]);
				return -1;
			}
			m = pass ? m | bit : m & ~bit;
		}
	}
	*out = m;
	return 0;
}

/* Names of the set bits, for the container record. */
json_object *caps_to_json(uint64_t m)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < NCAPS; i++)
		if (m & (1ULL << i))
			json_object_array_add(a, json_object_new_string(cap_names[i]));
	return a;
}

/* From the record; a record without the field gets the default. */
int caps_from_json(json_object *a, uint64_t *out)
{
	uint64_t m = 0;

	if (!a || !json_object_is_type(a, json_type_array)) {
		*out = caps_default();
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(a, i));
		int c = n ? cap_from_name(n) : -1;

		if (c < 0 || c == 64) {
			lfs_err("invalid capability \"%s\" in the container record", n ? n : "?");
			return -1;
		}
		m |= 1ULL << c;
	}
	*out = m;
	return 0;
}
