// SPDX-License-Identifier: GPL-2.0
/*
 * A union without upperdir is read-only: every write-type call fails with
 * EROFS and the lower layers are byte-for-byte unchanged afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

FIXTURE(ro) {
	struct lfs c;
	char *digest[3];
};

static const char *spec[3] = {
	"f file top\nd dir\nf dir/a 0\nd emptydir\ns link file\nw gone\n"
	"x file user.attr v",
	"f file mid\nf lowfile low\nf dir/b 1\nd lowdir\nf lowdir/x 1\n"
	"d emptydir",
	"f gone bottom\nf dir/c 2\nf big 0123456789abcdef",
};

FIXTURE_SETUP(ro)
{
	int i;

	ASSERT_EQ(0, lfs_setup(&self->c));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l%d", i), spec[i]));
		self->digest[i] = lfs_tree_digest(lfs_p(&self->c, "l%d", i));
		ASSERT_NE(NULL, self->digest[i]);
	}
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
}

FIXTURE_TEARDOWN(ro)
{
	int i;

	for (i = 0; i < 3; i++)
		free(self->digest[i]);
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

#define M(...) lfs_m(&self->c, __VA_ARGS__)

/* The layers must not have changed in any visible way. */
static void unchanged(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ro) *self)
{
	int i;

	for (i = 0; i < 3; i++) {
		char *now = lfs_tree_digest(lfs_p(&self->c, "l%d", i));

		ASSERT_NE(NULL, now);
		EXPECT_STREQ(self->digest[i], now);
		free(now);
	}
}

/* EXPR must fail (-1) with EROFS; then the layers are checked. */
#define EXPECT_EROFS(expr) do {						\
		errno = 0;						\
		EXPECT_EQ(-1, (long)(expr));				\
		EXPECT_EQ(EROFS, errno) {				\
			TH_LOG("%s: %s", #expr, strerror(errno));	\
		}							\
	} while (0)

LFS_TEST(ro, open_wronly)
{
	EXPECT_EROFS(open(M("file"), O_WRONLY));
	EXPECT_EROFS(open(M("lowfile"), O_WRONLY));
	EXPECT_EROFS(open(M("dir/c"), O_WRONLY | O_APPEND));
	unchanged(_metadata, self);
}

LFS_TEST(ro, open_rdwr)
{
	EXPECT_EROFS(open(M("file"), O_RDWR));
	EXPECT_EROFS(open(M("big"), O_RDWR | O_DIRECT));
	unchanged(_metadata, self);
}

LFS_TEST(ro, open_creat)
{
	EXPECT_EROFS(open(M("newfile"), O_WRONLY | O_CREAT, 0644));
	EXPECT_EROFS(open(M("dir/newfile"), O_RDONLY | O_CREAT, 0644));
	EXPECT_EROFS(open(M("gone"), O_RDWR | O_CREAT | O_EXCL, 0644));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("newfile")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, open_trunc)
{
	EXPECT_EROFS(open(M("big"), O_RDONLY | O_TRUNC));
	EXPECT_EROFS(open(M("file"), O_WRONLY | O_TRUNC));
	EXPECT_STREQ("0123456789abcdef", lfs_cat(M("big")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, open_tmpfile)
{
	EXPECT_EROFS(open(M("dir"), O_TMPFILE | O_RDWR, 0600));
	unchanged(_metadata, self);
}

LFS_TEST(ro, creat_call)
{
	EXPECT_EROFS(creat(M("created"), 0644));
	EXPECT_EROFS(creat(M("file"), 0644));
	unchanged(_metadata, self);
}

LFS_TEST(ro, mkdir_call)
{
	EXPECT_EROFS(mkdir(M("newdir"), 0755));
	EXPECT_EROFS(mkdir(M("dir/sub"), 0755));
	EXPECT_EROFS(mkdir(M("gone"), 0755));
	unchanged(_metadata, self);
}

LFS_TEST(ro, mknod_call)
{
	EXPECT_EROFS(mknod(M("fifo"), S_IFIFO | 0644, 0));
	EXPECT_EROFS(mknod(M("chr"), S_IFCHR | 0644, makedev(1, 3)));
	EXPECT_EROFS(mknod(M("reg"), S_IFREG | 0644, 0));
	EXPECT_EROFS(mknod(M("wh"), S_IFCHR, makedev(0, 0)));
	unchanged(_metadata, self);
}

LFS_TEST(ro, symlink_call)
{
	EXPECT_EROFS(symlink("file", M("newlink")));
	EXPECT_EROFS(symlink("x", M("lowdir/newlink")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, link_call)
{
	EXPECT_EROFS(link(M("file"), M("hardlink")));
	EXPECT_EROFS(link(M("lowfile"), M("dir/hardlink")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, unlink_call)
{
	EXPECT_EROFS(unlink(M("file")));
	EXPECT_EROFS(unlink(M("lowfile")));
	EXPECT_EROFS(unlink(M("link")));
	EXPECT_EROFS(unlink(M("dir/c")));
	EXPECT_STREQ("top", lfs_cat(M("file")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, rmdir_call)
{
	EXPECT_EROFS(rmdir(M("emptydir")));
	EXPECT_EROFS(rmdir(M("lowdir")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("emptydir")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, rename_call)
{
	EXPECT_EROFS(rename(M("file"), M("renamed")));
	EXPECT_EROFS(rename(M("lowfile"), M("file")));
	EXPECT_EROFS(rename(M("dir"), M("dir2")));
	EXPECT_EROFS(rename(M("dir/c"), M("c")));
	EXPECT_EROFS(renameat2(AT_FDCWD, M("file"), AT_FDCWD, M("lowfile"),
			       RENAME_EXCHANGE));
	EXPECT_EROFS(renameat2(AT_FDCWD, M("file"), AT_FDCWD, M("new"),
			       RENAME_NOREPLACE));
	unchanged(_metadata, self);
}

LFS_TEST(ro, truncate_call)
{
	EXPECT_EROFS(truncate(M("big"), 0));
	EXPECT_EROFS(truncate(M("file"), 100));
	EXPECT_EQ(16, strlen(lfs_cat(M("big"))));
	unchanged(_metadata, self);
}

LFS_TEST(ro, chmod_call)
{
	int fd;

	EXPECT_EROFS(chmod(M("file"), 0600));
	EXPECT_EROFS(chmod(M("dir"), 0700));
	EXPECT_EROFS(fchmodat(AT_FDCWD, M("lowfile"), 0777, 0));
	fd = open(M("lowfile"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EROFS(fchmod(fd, 0600));
	close(fd);
	unchanged(_metadata, self);
}

LFS_TEST(ro, chown_call)
{
	int fd;

	EXPECT_EROFS(chown(M("file"), 1000, 1000));
	EXPECT_EROFS(lchown(M("link"), 1000, 1000));
	EXPECT_EROFS(chown(M("lowdir"), -1, 1000));
	fd = open(M("big"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EROFS(fchown(fd, 1000, -1));
	close(fd);
	unchanged(_metadata, self);
}

LFS_TEST(ro, utimensat_call)
{
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	int fd;

	EXPECT_EROFS(utimensat(AT_FDCWD, M("file"), ts, 0));
	EXPECT_EROFS(utimensat(AT_FDCWD, M("lowfile"), NULL, 0));
	EXPECT_EROFS(utimensat(AT_FDCWD, M("link"), ts, AT_SYMLINK_NOFOLLOW));
	fd = open(M("dir"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EROFS(futimens(fd, NULL));
	close(fd);
	unchanged(_metadata, self);
}

LFS_TEST(ro, setxattr_call)
{
	EXPECT_EROFS(setxattr(M("file"), "user.new", "v", 1, 0));
	EXPECT_EROFS(setxattr(M("file"), "user.attr", "w", 1, XATTR_REPLACE));
	EXPECT_EROFS(setxattr(M("dir"), "trusted.foo", "v", 1, 0));
	EXPECT_EROFS(lsetxattr(M("lowfile"), "user.x", "v", 1, 0));
	unchanged(_metadata, self);
}

LFS_TEST(ro, removexattr_call)
{
	char buf[8];

	EXPECT_EROFS(removexattr(M("file"), "user.attr"));
	EXPECT_EROFS(lremovexattr(M("lowfile"), "user.none"));
	EXPECT_EQ(1, getxattr(M("file"), "user.attr", buf, sizeof(buf)));
	unchanged(_metadata, self);
}

LFS_TEST(ro, fallocate_call)
{
	int fd;

	/*
	 * A writable fd cannot be had (open fails with EROFS, checked
	 * above); fallocate on a read-only fd is EBADF.
	 */
	EXPECT_EROFS(open(M("big"), O_WRONLY));
	fd = open(M("big"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, 1 << 20));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, 4));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	close(fd);
	unchanged(_metadata, self);
}

LFS_TEST(ro, whiteouts_stay_hidden_and_unchanged)
{
	/* Trying to recreate a whited-out name does not touch it. */
	EXPECT_EROFS(open(M("gone"), O_WRONLY | O_CREAT, 0644));
	EXPECT_EROFS(mkdir(M("gone"), 0755));
	EXPECT_EROFS(symlink("x", M("gone")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("gone")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, remount_rw_refused)
{
	int ret;

	ret = mount(NULL, self->c.mnt, NULL, MS_REMOUNT, NULL);
	/* Without upperdir the union cannot become writable. */
	EXPECT_EQ(-1, ret);
	if (!lfs_is_layerfs())
		EXPECT_EQ(EROFS, errno);
	EXPECT_EROFS(mkdir(M("afterremount"), 0755));
	EXPECT_EROFS(open(M("file"), O_WRONLY));
	/* A read-only remount is fine. */
	EXPECT_EQ(0, mount(NULL, self->c.mnt, NULL, MS_REMOUNT | MS_RDONLY,
			   NULL));
	EXPECT_STREQ("top", lfs_cat(M("file")));
	unchanged(_metadata, self);
}

LFS_TEST(ro, reads_do_not_change_layers)
{
	struct lfs_dent *d;
	char buf[64];
	int n;

	EXPECT_STREQ("top", lfs_cat(M("file")));
	EXPECT_STREQ("low", lfs_cat(M("lowfile")));
	n = lfs_list(M("dir"), &d);
	EXPECT_EQ(3, n);
	free(d);
	EXPECT_EQ(4, readlink(M("link"), buf, sizeof(buf)));
	EXPECT_EQ(1, getxattr(M("file"), "user.attr", buf, sizeof(buf)));
	unchanged(_metadata, self);
}

TEST_HARNESS_MAIN
