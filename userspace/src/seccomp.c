// SPDX-License-Identifier: GPL-2.0
/*
 * The default seccomp profile of a container's spec: every system call is
 * allowed but the ones docker's default profile keeps from containers,
 * which fail with EPERM.  A call a capability governs is denied only when
 * the container lacks that capability (so --cap-add SYS_ADMIN allows
 * mount again, as with docker); the rest are always denied.  Only the
 * native architecture is listed: a 32-bit or x32 call kills the process
 * (libseccomp's default for a foreign architecture), so they cannot go
 * around the list.  --security-opt seccomp=unconfined leaves it out.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include "runtime.h"

#define ALWAYS (-1)

static const struct {
	int cap;	/* allowed with this capability; ALWAYS: never */
	const char *names;
} denied[] = {
	{ ALWAYS, "add_key keyctl request_key userfaultfd uselib ustat _sysctl "
		  "nfsservctl lookup_dcookie get_kernel_syms query_module create_module" },
	{ CAP_SYS_ADMIN, "mount umount2 pivot_root unshare setns fsopen fsconfig fsmount "
			 "move_mount open_tree fspick mount_setattr quotactl swapon swapoff bpf" },
	{ CAP_SYS_MODULE, "init_module finit_module delete_module" },
	{ CAP_SYS_BOOT, "reboot kexec_load kexec_file_load" },
	{ CAP_SYS_TIME, "settimeofday clock_settime clock_adjtime" },
	{ CAP_SYS_PTRACE, "ptrace process_vm_readv process_vm_writev" },
	{ CAP_SYS_PACCT, "acct" },
	{ CAP_SYS_RAWIO, "iopl ioperm" },
	{ CAP_SYSLOG, "syslog" },
	{ CAP_SYS_TTY_CONFIG, "vhangup" },
	{ CAP_DAC_READ_SEARCH, "open_by_handle_at" },
	{ CAP_PERFMON, "perf_event_open" },
};

json_object *seccomp_default(uint64_t caps)
{
	json_object *s = json_object_new_object(), *arch = json_object_new_array();
	json_object *names = json_object_new_array(), *rule = json_object_new_object();
	json_object *rules = json_object_new_array();

	json_object_object_add(s, "defaultAction", json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_array_add(arch, json_object_new_string("SCMP_ARCH_X86_64"));
	json_object_object_add(s, "architectures", arch);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		char *l, *save = NULL;

		if (denied[i].cap != ALWAYS && (caps & (1ULL << denied[i].cap)))
			continue;
		l = xstrdup(denied[i].names);
		for (char *n = strtok_r(l, " ", &save); n; n = strtok_r(NULL, " ", &save))
			json_object_array_add(names, json_object_new_string(n));
		free(l);
	}
	json_object_object_add(rule, "names", names);
	json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(rule, "errnoRet", json_object_new_int(1));	/* EPERM */
	json_object_array_add(rules, rule);
	json_object_object_add(s, "syscalls", rules);
	return s;
}
