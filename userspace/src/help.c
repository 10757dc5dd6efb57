// SPDX-License-Identifier: GPL-2.0
/* layerctl help texts. */
#include <stdio.h>
#include <string.h>
#include "cmd.h"

static const struct {
	const char *cmd, *text;
} helps[] = {
	{ "import",
"Usage: layerctl import [OPTIONS] SOURCE [NAME]\n"
"Import SOURCE as an image: a root filesystem folder, a tar (plain, gzip, zstd,\n"
"xz, bzip2; - for standard input), or an OCI image layout folder (oci-layout +\n"
"index.json + blobs).\n"
"OCI whiteouts (.wh.NAME, .wh..wh..opq) become layerfs whiteouts and opaque dirs.\n"
"  --base IMAGE   put the new layer on top of IMAGE's layers (folder or tar)\n"
"  -r, --ref REF  pick the manifest named REF in an OCI layout's index.json\n"
"  -c, --cmd ARG  image command (repeat for each argument; default /bin/sh)\n"
"  -e, --env K=V  add to the image environment\n"
"  -w, --workdir DIR   working directory of the image\n"
"  -m, --message MSG   comment for the history entry\n"
"Prints the image id.\n" },
	{ "images",
"Usage: layerctl images [-q]\n"
"List images: name, id, creation time, number of layers and size.\n" },
	{ "history",
"Usage: layerctl history IMAGE\n"
"Show the layers of IMAGE top to bottom with their size, source (the digest of\n"
"the tar or OCI blob a layer was imported from, - for folders and commits) and\n"
"what created each.\n" },
	{ "rmi",
"Usage: layerctl rmi IMAGE...\n"
"Remove image names; an image whose last name goes is deleted, and layers no\n"
"image uses any more are deleted.  Refused while a container uses the image.\n" },
	{ "export",
"Usage: layerctl export [--ref REF] IMAGE DIR\n"
"Write IMAGE as an OCI image layout in DIR (created, or an existing layout is\n"
"added to).  Layers are uncompressed tars whose digest is the layer id; REF is\n"
"the org.opencontainers.image.ref.name annotation (default: the image's tag).\n" },
	{ "tag",
"Usage: layerctl tag IMAGE NAME\nGive IMAGE another name.\n" },
	{ "ls",
"Usage: layerctl ls IMAGE [DIR]\n"
"List DIR (default /) of IMAGE as the union shows it, read from the layer\n"
"folders without mounting: whiteouts and opaque directories applied.\n" },
	{ "inspect",
"Usage: layerctl inspect IMAGE|CONTAINER\nPrint the image config or container record as JSON.\n" },
	{ "create",
"Usage: layerctl create [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
"Create a container (its own writable layer) without starting it.\n"
"  --name NAME          container name (default: the first 12 digits of its id)\n"
"  -v, --volume HOST:DIR[:ro]   bind HOST (must exist) on DIR in the container\n"
"  -e, --env K=V        environment variable (K alone: take it from here)\n"
"  -w, --workdir DIR    working directory in the container\n"
"  --hostname NAME      hostname (default: the container name)\n"
"  --network host|none  share the host's network (default) or have only a loopback\n"
"  --cap-add CAP, --cap-drop CAP   keep or drop a capability (ALL: every one);\n"
"                       default: docker's set (CHOWN DAC_OVERRIDE FSETID FOWNER\n"
"                       MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE\n"
"                       SYS_CHROOT KILL AUDIT_WRITE); drops apply before adds\n"
"  --no-new-privs, --security-opt no-new-privileges[:true|false]\n"
"                       set-ID bits and file capabilities grant nothing\n"
"  --security-opt seccomp=unconfined   no seccomp filter (default: docker's\n"
"                       denials, e.g. keyctl, kexec, and mount or unshare without\n"
"                       SYS_ADMIN, fail with EPERM)\n"
"  --memory SIZE        memory limit (64m, 1g; no swap beyond it): a process past\n"
"                       it is killed\n"
"  --cpus N             CPU quota (0.5: half a CPU)\n"
"  --pids-limit N       at most N processes: further forks fail\n"
"  -u, --user USER[:GROUP]   run as USER (name from the image's /etc/passwd, or uid)\n"
"  --read-only          the container's root is read-only (/tmp, /dev stay writable)\n"
"  --tmpfs DIR[:OPTS]   a tmpfs on DIR (OPTS: tmpfs options, e.g. size=64m)\n"
"  --runtime NAME|PATH  the OCI runtime (crun, runc; default $LAYERFS_RUNTIME,\n"
"                       else crun)\n"
"The command gets no descriptor but 0, 1 and 2.\n" },
	{ "run",
"Usage: layerctl run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
"Create a container and run COMMAND (default: the image's) as its PID 1: the\n"
"container's layerfs union (image layers under its writable layer) is the root\n"
"of an OCI runtime bundle, and the runtime (crun, runc) runs it in new mount,\n"
"PID, UTS, IPC and cgroup namespaces.  Stdio is attached, signals are\n"
"forwarded and the exit status is passed on (125: start-up failed, 126:\n"
"cannot execute, 127: command not found in the image).\n"
"  --name NAME, -v HOST:DIR[:ro], -e K=V, -w DIR, --hostname NAME,\n"
"  --network host|none, --cap-add CAP, --cap-drop CAP, --no-new-privs,\n"
"  --security-opt OPT, --memory SIZE, --cpus N, --pids-limit N, --user U[:G],\n"
"  --read-only, --tmpfs DIR[:OPTS], --runtime NAME   as for create\n"
"  --rm                 remove the container when it exits (volumes are kept)\n"
"  -d, --detach         run in the background; output goes to the container's log\n" },
	{ "start",
"Usage: layerctl start [-d] CONTAINER\n"
"Start a stopped container again, with its writable layer as it was left.\n"
"Attached like run unless -d is given.\n" },
	{ "exec",
"Usage: layerctl exec [-e K=V] [-w DIR] CONTAINER COMMAND [ARG...]\n"
"Run COMMAND in a running container (the runtime's exec), with its user,\n"
"capability set, no_new_privs setting and seccomp filter and no descriptor but\n"
"0, 1 and 2; passes its exit status on.\n" },
	{ "ps",
"Usage: layerctl ps [-a] [-q]\nList containers with their status (all of them; -a is accepted).\n" },
	{ "stop",
"Usage: layerctl stop [-t SECONDS] CONTAINER...\n"
"Send SIGTERM, and SIGKILL after SECONDS (default 10) if still running.\n" },
	{ "kill",
"Usage: layerctl kill [-s SIGNAL] CONTAINER...\nSend SIGNAL (default KILL) to the container's PID 1 (the runtime's kill).\n" },
	{ "rm",
"Usage: layerctl rm [-f] CONTAINER...\n"
"Delete containers and their writable layers.  A running container is refused\n"
"unless -f (which kills it).  Volumes are never deleted.\n" },
	{ "logs",
"Usage: layerctl logs CONTAINER\n"
"Print the output of a container run with -d (or started with start -d).\n" },
	{ "diff",
"Usage: layerctl diff CONTAINER\n"
"List the container's changes against its image, read from its writable layer:\n"
"  A /path  added    C /path  changed (or a parent of a change)    D /path  deleted\n" },
	{ "commit",
"Usage: layerctl commit [-m MESSAGE] [-c ARG]... CONTAINER [IMAGE]\n"
"Turn the container's writable layer into a new read-only layer on top of its\n"
"image's layers (deletions kept as whiteouts) and save it as IMAGE, with a\n"
"history entry.  -c replaces the image command.  Renamed directories and\n"
"metadata-only copy-ups are read through the union.  Prints the new image id.\n" },
};

static const char *overview =
"Usage: layerctl [--root DIR] COMMAND [ARGS...]\n"
"Containers on layerfs: images made of shared read-only layers, containers with\n"
"their own writable layer.\n"
"\n"
"Images:     import  images  history  ls  rmi  export  tag  inspect\n"
"Containers: create  run  start  exec  ps  logs  stop  kill  rm  diff  commit\n"
"\n"
"  --root DIR   store (default $LAYERFS_ROOT, else /var/lib/layerfs)\n"
"  --help       this text; 'layerctl COMMAND --help' for a command\n"
"Environment: LAYERFS_ROOT, LAYERFS_FSTYPE (overlay: use overlayfs, for testing),\n"
"LAYERFS_RUNTIME (the OCI runtime of new containers: crun, runc or a path;\n"
"default crun), LAYERFS_MOUNT_OPTS (extra mount options for containers).\n";

int help_for(const char *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cmd) {
		for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
			if (!strcmp(helps[i].cmd, cmd)) {
				fputs(helps[i].text, stdout);
				return 0;
			}
		}
	}
	fputs(overview, stdout);
	return 0;
}
