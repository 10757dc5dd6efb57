// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-xattr: get, set, remove and list extended attributes in the test VM,
 * whose busybox has no setfattr/getfattr.  Built static on the host.
 *
 *   lfs-xattr set PATH NAME VALUE
 *   lfs-xattr get PATH NAME
 *   lfs-xattr rm PATH NAME
 *   lfs-xattr list PATH
 *
 * Acts on the path itself, never following a final symlink.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

static int usage(void)
{
	fprintf(stderr,
		"usage: lfs-xattr set PATH NAME VALUE | get PATH NAME |\n"
		"       rm PATH NAME | list PATH\n");
	return 2;
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "lfs-xattr: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n, i;

	if (argc == 5 && !strcmp(argv[1], "set")) {
		if (lsetxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0))
			return fail("set", argv[2]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "get")) {
		n = lgetxattr(argv[2], argv[3], buf, sizeof(buf) - 1);
		if (n < 0)
			return fail("get", argv[2]);
		buf[n] = '\0';
		printf("%s\n", buf);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "rm")) {
		if (lremovexattr(argv[2], argv[3]))
			return fail("rm", argv[2]);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "list")) {
		n = llistxattr(argv[2], buf, sizeof(buf));
		if (n < 0)
			return fail("list", argv[2]);
		for (i = 0; i < n; i += strlen(buf + i) + 1)
			printf("%s\n", buf + i);
		return 0;
	}
	return usage();
}
