// SPDX-License-Identifier: GPL-2.0
/*
 * mount.layerfs: the mount(8) helper for layerfs.
 *
 *   mount.layerfs SOURCE TARGET [-sfnv] [-N NS] [-o OPTIONS]   (mount(8))
 *   mount.layerfs -o OPTIONS TARGET                          (containers/storage mount_program)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mount.h"

const char *lfs_prog = "mount.layerfs";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: mount.layerfs [SOURCE] TARGET [-sfnv] [-N NAMESPACE] -o OPTIONS\n"
"       mount.layerfs -o OPTIONS TARGET      (containers/storage mount_program)\n"
"\n"
"Mount a layerfs union on TARGET.  Usually run by mount(8):\n"
"  mount -t layerfs none /mnt -o lowerdir=/l1:/l2,upperdir=/u,workdir=/w\n"
"\n"
"Kernel options (passed through with fsopen/fsconfig):\n"
"  lowerdir=A:B:C     lower layers, top first (\\: is a colon in a path); sent as\n"
"                     one lowerdir+ per layer, so hundreds of layers work\n"
"  lowerdir+=PATH     append one lower layer\n"
"  upperdir=DIR,workdir=DIR   writable layer and its work folder\n"
"  volatile, ro, and any other layerfs option\n"
"Options of mount.layerfs (not passed to the kernel):\n"
"  x-layerfs.mkdirs   create upperdir and workdir if missing\n"
"  image=NAME         lower layers = the layers of image NAME in the layerctl store\n"
"  container=NAME     image layers + upper/work folders of layerctl container NAME\n"
"  store=DIR          the layerctl store (default $LAYERFS_ROOT or /var/lib/layerfs)\n"
"Generic: nosuid nodev noexec noatime relatime strictatime nodiratime nosymfollow\n"
"  become mount attributes; defaults, auto, noauto, user, nofail, _netdev, x-* are ignored.\n"
"Flags: -f fake (check everything, do not mount), -v verbose, -s sloppy, -n (no-op),\n"
"  -N NS enter mount namespace NS (a path or pid) first.\n"
"Environment: LAYERFS_FSTYPE=overlay mounts overlayfs instead (testing without the module).\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "options", required_argument, NULL, 'o' },
		{ 0 }
	};
	struct mount_req r = { 0 };
	char *opts = NULL;
	const char *target, *ns = NULL;
	bool fake = false, verbose = false;
	int c;

	while ((c = getopt_long(argc, argv, "sfnvo:t:N:hV", lo, NULL)) != -1) {
		switch (c) {
		case 's': case 'n': break;
		case 'f': fake = true; break;
		case 'v': verbose = true; break;
		case 't': break;	/* layerfs[.subtype]: nothing to do */
		case 'N': ns = optarg; break;
		case 'o': {
			char *n = opts ? xasprintf("%s,%s", opts, optarg) : xstrdup(optarg);

			free(opts);
			opts = n;
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("mount.layerfs (layerfs) 0.1\n"); return 0;
		default:
			fprintf(stderr, "mount.layerfs: see mount.layerfs --help\n");
			return 1;
		}
	}
	if (argc - optind == 1) {
		target = argv[optind];		/* mount_program: options first, no source */
	} else if (argc - optind == 2) {
		target = argv[optind + 1];	/* mount(8): source is ignored */
	} else {
		fprintf(stderr, "mount.layerfs: need a target: mount.layerfs [SOURCE] TARGET -o OPTIONS\n");
		return 1;
	}
	if (ns) {
		char *p = strspn(ns, "0123456789") == strlen(ns) ? xasprintf("/proc/%s/ns/mnt", ns)
								 : xstrdup(ns);
		int fd = open(p, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNS)) {
			fprintf(stderr, "mount.layerfs: cannot enter mount namespace %s: %s\n", p,
				strerror(errno));
			return 1;
		}
		free(p);
		close(fd);
	}
	if (mount_req_parse(&r, opts) || mount_req_resolve(&r) ||
	    mount_req_apply(&r, target, fake, verbose)) {
		fprintf(stderr, "mount.layerfs: %s\n", lfs_errmsg());
		mount_req_free(&r);
		free(opts);
		return 32;	/* mount(8): mount failure */
	}
	mount_req_free(&r);
	free(opts);
	return 0;
}
