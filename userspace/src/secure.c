// SPDX-License-Identifier: GPL-2.0
/*
 * What a container process keeps of root's privileges.
 *
 * Just before the container's command is executed (by run, start and
 * exec alike) its process gives up every capability outside a set: by
 * default docker's (CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
 * SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL,
 * AUDIT_WRITE), changed by --cap-add/--cap-drop.  The rest leaves the
 * bounding set (so no later execve of a set-user-ID or file-capability
 * program brings it back), the effective and permitted sets; the
 * inheritable and ambient sets are emptied.  Root's execve then gives the
 * command exactly the kept set.  With --no-new-privs, PR_SET_NO_NEW_PRIVS
 * makes set-ID bits and file capabilities inert for good.  Every
 * descriptor above 2 is marked close-on-exec, so nothing layerctl or its
 * caller had open reaches the container.
 *
 * Raw prctl/capset: the kernel interface is small and stable, and
 * libcap would be one more library to install in the VM.
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
#include "lfs.h"

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

/* Every descriptor above 2 closes when the command is executed. */
static int cloexec_from_3(void)
{
	DIR *d;
	struct dirent *e;

	if (!syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC))
		return 0;
	/* kernels before 5.11: walk /proc/self/fd */
	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (isdigit((unsigned char)e->d_name[0]) && fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

int secure_exec_setup(uint64_t keep, bool no_new_privs, char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int c;

	if (cloexec_from_3()) {
		snprintf(err, errlen, "cannot close inherited descriptors: %s", strerror(errno));
		return -1;
	}
	/* the bounding set first: dropping from it needs CAP_SETPCAP */
	for (c = 0; c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++) {
		if ((keep & (1ULL << c)) || prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
			continue;
		snprintf(err, errlen, "cannot drop capability %s: %s",
			 cap_name(c) ? cap_name(c) : "?", strerror(errno));
		return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (syscall(SYS_capget, &h, d)) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	d[0].permitted &= (uint32_t)keep;
	d[1].permitted &= (uint32_t)(keep >> 32);
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d)) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}
