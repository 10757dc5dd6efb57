/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Common helpers for the layerfs selftests.
 *
 * Every test program runs against the filesystem named by $LFS_FSTYPE
 * (layerfs or overlay, default layerfs), builds its layers in a unique
 * scratch directory under $LFS_BASE (default /tmp/lfs) and, for image.c,
 * reads a prebuilt layer tree from $LFS_IMAGE.
 *
 * Helpers return 0 (or a count) on success and -errno on failure and print
 * a "# ..." diagnostic line, so tests can ASSERT_EQ(0, helper(...)).
 */
#ifndef LFS_TEST_H
#define LFS_TEST_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Per-test wall-clock limit: generous because the VM runs under emulation;
 * LFS_TIMEOUT_SCALE (make LFS_TIMEOUT_SCALE=N) multiplies it for slower
 * kernels (make check-debug: KASAN and lockdep under emulation).
 */
#ifndef LFS_TIMEOUT_SCALE
#define LFS_TIMEOUT_SCALE 1
#endif
#define LFS_TIMEOUT	(120 * LFS_TIMEOUT_SCALE)
#define LFS_TIMEOUT_LONG (600 * LFS_TIMEOUT_SCALE)

/* Every test case gets an explicit timeout (the harness default is 30 s). */
#define LFS_TEST(fixture, name) TEST_F_TIMEOUT(fixture, name, LFS_TIMEOUT)
#define LFS_TEST_LONG(fixture, name) \
	TEST_F_TIMEOUT(fixture, name, LFS_TIMEOUT_LONG)

#define LFS_MAGIC	0x4c465331	/* 'LFS1' */
#define OVL_MAGIC	0x794c7630

#define LFS_NLAYERS	4		/* layers made by lfs_setup: l0..l3 */
#define LFS_PATHLEN	512

/* Environment */
const char *lfs_fstype(void);
int lfs_is_layerfs(void);
const char *lfs_base(void);
const char *lfs_image(void);		/* NULL when unset */
const char *lfs_opaque_xattr(void);	/* the opaque name the fstype reads */

/* A test's scratch area: DIR/mnt is the mount point, DIR/l0.. the layers. */
struct lfs {
	char dir[LFS_PATHLEN];
	char mnt[LFS_PATHLEN + 16];
	int mounted;
};

/*
 * Enter a private mount namespace (so a crashed test never leaves mounts
 * behind), create a unique scratch directory with mnt/ and l0..l3/.
 */
int lfs_setup(struct lfs *c);
/* Unmount everything under the scratch dir and remove it. */
int lfs_teardown(struct lfs *c);

/*
 * Path helpers: return one of a few rotating static buffers.
 * lfs_p(c, "l0/a") is "<dir>/l0/a"; lfs_m(c, "a") is "<mnt>/a".
 */
const char *lfs_p(const struct lfs *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *lfs_m(const struct lfs *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Build objects under ROOT from a spec of lines (parents made as needed):
 *   f PATH CONTENT   regular file (content = rest of line; may be empty)
 *   d PATH           directory
 *   s PATH TARGET    symlink
 *   w PATH           whiteout (char device 0/0)
 *   o PATH           opaque directory, xattr name the fstype honours
 *   O PATH           opaque directory, trusted.layerfs.opaque
 *   V PATH           opaque directory, trusted.overlay.opaque
 *   p PATH           fifo
 *   S PATH           unix socket inode
 *   c PATH MAJ MIN   char device;  b PATH MAJ MIN  block device
 *   x PATH NAME VAL  set xattr NAME=VAL on existing PATH
 *   m PATH MODE      chmod (octal);  u PATH UID GID  lchown
 */
int lfs_build(const char *root, const char *spec);

int lfs_mkdir_p(const char *path, mode_t mode);
int lfs_write_file(const char *path, const void *buf, size_t len);
/* Reads at most len bytes; returns bytes read or -errno. */
ssize_t lfs_read_file(const char *path, void *buf, size_t len);
int lfs_whiteout(const char *path);
int lfs_set_opaque(const char *path, const char *xattr_name);
int lfs_rm_rf(const char *path);

/* mount(2) of the union at c->mnt with the given option string. */
int lfs_mount_opts(struct lfs *c, const char *opts);
/* mount(2) with lowerdir=<dir>/l0:<dir>/l1:... (n layers, l0 on top). */
int lfs_mount_n(struct lfs *c, int n);
int lfs_umount(struct lfs *c);

/*
 * Mount with the new API: fsopen(fstype), then for each comma-separated
 * item of OPTS "key=value" (FSCONFIG_SET_STRING) or "key" (SET_FLAG),
 * FSCONFIG_CMD_CREATE, fsmount and move_mount onto MNT (if MNT is NULL,
 * the mount is created and dropped again). On failure returns -errno of
 * the failing step and leaves the fs_context log messages (one per line)
 * in LOG. If STEP is non-NULL it gets the name of the failing call.
 */
int lfs_fsmount(const char *mnt, const char *opts, char *log, size_t loglen,
		const char **step);
/* Same, but every path of LAYERS is given by its own "lowerdir+" call. */
int lfs_fsmount_layers(const char *mnt, char **layers, int n,
		       char *log, size_t loglen, const char **step);

/* Directory listing (without . and ..), sorted by name. */
struct lfs_dent {
	char name[256];
	unsigned char type;
	uint64_t ino;
};
/* Returns the number of entries and a malloc()ed array in *out, or -errno. */
int lfs_list(const char *dir, struct lfs_dent **out);
/* Index of NAME in a sorted list, or -1. */
int lfs_find(const struct lfs_dent *d, int n, const char *name);

/*
 * A textual digest of a tree: every entry's path, type, mode, owner, size,
 * mtime, rdev, symlink target, content hash and xattrs. Two digests are
 * equal iff nothing visible changed. Returns a malloc()ed string or NULL.
 */
char *lfs_tree_digest(const char *root);

/* SHA-256 of a file as 64 hex chars + NUL; 0 or -errno. */
int lfs_sha256_file(const char *path, char hex[65]);

/*
 * Whole content of a (small) file as a string in a rotating static
 * buffer; on error "!E<errno>" (e.g. "!E2" for ENOENT).
 */
const char *lfs_cat(const char *path);
/* lstat type (S_IFREG, ...) or -errno. */
int lfs_ftype(const char *path);
/* 1 if NAME is listed by readdir of DIR, 0 if not, -errno on error. */
int lfs_listed(const char *dir, const char *name);

/* Fill buf with a deterministic pattern that depends on the offset. */
void lfs_pattern(void *buf, size_t len, uint64_t off);

/* Run FN(ARG) in a forked child as uid/gid; returns its exit status. */
int lfs_run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg);

/*
 * The kernel log from now on, for what a filesystem reports only there
 * (overlayfs gives most mount errors and feature fallbacks with pr_err or
 * pr_warn, not in the fs_context log). lfs_kmsg_open() returns a /dev/kmsg
 * descriptor positioned at the end of the log, or -errno. lfs_kmsg_read()
 * puts the texts of the messages logged since (or since its last call on
 * FD) in LOG, one a line, and returns their number or -errno.
 */
int lfs_kmsg_open(void);
int lfs_kmsg_read(int fd, char *log, size_t loglen);

#endif
