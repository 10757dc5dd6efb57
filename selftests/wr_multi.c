// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: several mounts sharing the same lower layers, each with
 * its own upper ("two containers from one image are independent"),
 * discarding an upper to get the original image back, and the volatile
 * option.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(mu,
	"f etc/hostname image\nd var/lib\nf var/lib/state 0\nf shared s",
	"f bin/sh shell\nf etc/passwd root",
	0)

/* Mount container N at <dir>/cN with upper uN and workdir wN. */
static int container(struct lfs_wr *w, int n)
{
	char m[16], u[16], wk[16];

	snprintf(m, sizeof(m), "c%d", n);
	snprintf(u, sizeof(u), "u%d", n);
	snprintf(wk, sizeof(wk), "w%d", n);
	if (lfs_mkdir_p(lfs_wd(w, "%s", u), 0755) ||
	    lfs_mkdir_p(lfs_wd(w, "%s", wk), 0755))
		return -EIO;
	return lfs_wr_mount_at(w, m, u, wk, 1, NULL);
}

#define C(n, p) lfs_wd(&self->w, "c%d/%s", n, p)

LFS_TEST(mu, two_containers_independent)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, container(&self->w, 2));
	ASSERT_EQ(0, lfs_write_file(C(1, "etc/hostname"), "one", 3));
	ASSERT_EQ(0, lfs_write_file(C(1, "newfile"), "n", 1));
	EXPECT_STREQ("one", lfs_cat(C(1, "etc/hostname")));
	EXPECT_STREQ("image", lfs_cat(C(2, "etc/hostname")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(2, "newfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(L0("newfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(D("u2/newfile")));
	EXPECT_STREQ("n", lfs_cat(D("u1/newfile")));
}

LFS_TEST(mu, unlink_in_one_visible_in_other)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, container(&self->w, 2));
	ASSERT_EQ(0, unlink(C(1, "bin/sh")));
	ASSERT_EQ(0, unlink(C(1, "var/lib/state")));
	ASSERT_EQ(0, rmdir(C(1, "var/lib")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(1, "bin/sh")));
	EXPECT_STREQ("shell", lfs_cat(C(2, "bin/sh")));
	EXPECT_STREQ("0", lfs_cat(C(2, "var/lib/state")));
}

LFS_TEST(mu, rename_dir_in_one_not_other)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, container(&self->w, 2));
	ASSERT_EQ(0, rename(C(1, "etc"), C(1, "etc.old")));
	EXPECT_STREQ("root", lfs_cat(C(1, "etc.old/passwd")));
	EXPECT_STREQ("root", lfs_cat(C(2, "etc/passwd")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(2, "etc.old")));
}

LFS_TEST(mu, same_file_written_in_four)
{
	char v[8];
	int i;

	for (i = 1; i <= 4; i++)
		ASSERT_EQ(0, container(&self->w, i));
	for (i = 1; i <= 4; i++) {
		int fd = open(C(i, "shared"), O_WRONLY | O_APPEND);

		ASSERT_LE(0, fd);
		snprintf(v, sizeof(v), "%d", i);
		ASSERT_EQ(1, write(fd, v, 1));
		close(fd);
	}
	for (i = 1; i <= 4; i++) {
		snprintf(v, sizeof(v), "s%d", i);
		EXPECT_STREQ(v, lfs_cat(C(i, "shared")));
	}
	EXPECT_STREQ("s", lfs_cat(L0("shared")));
}

LFS_TEST(mu, discard_upper_shows_image)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, lfs_write_file(C(1, "etc/hostname"), "changed", 7));
	ASSERT_EQ(0, lfs_write_file(C(1, "added"), "a", 1));
	ASSERT_EQ(0, unlink(C(1, "bin/sh")));
	ASSERT_EQ(0, umount(D("c1")));
	/* the change persists with the same upper ... */
	ASSERT_EQ(0, container(&self->w, 1));
	EXPECT_STREQ("changed", lfs_cat(C(1, "etc/hostname")));
	ASSERT_EQ(0, umount(D("c1")));
	/* ... and is gone with a fresh one */
	ASSERT_EQ(0, lfs_rm_rf(D("u1")));
	ASSERT_EQ(0, lfs_rm_rf(D("w1")));
	ASSERT_EQ(0, container(&self->w, 1));
	EXPECT_STREQ("image", lfs_cat(C(1, "etc/hostname")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(1, "added")));
	EXPECT_STREQ("shell", lfs_cat(C(1, "bin/sh")));
}

LFS_TEST(mu, same_upper_twice_refused_or_isolated)
{
	int r;

	ASSERT_EQ(0, container(&self->w, 1));
	/* a second mount on the same upper/work is refused (in use) */
	r = lfs_wr_mount_at(&self->w, "c9", "u1", "w1", 1, NULL);
	EXPECT_NE(0, r);
	EXPECT_TRUE(r == -EBUSY || r == -EINVAL) TH_LOG("got %d", r);
}

LFS_TEST(mu, volatile_mount_works)
{
	ASSERT_EQ(0, lfs_wr_mount_at(&self->w, NULL, NULL, NULL, 1,
				     "volatile"));
	ASSERT_EQ(0, lfs_write_file(M("etc/hostname"), "vol", 3));
	ASSERT_EQ(0, mkdir(M("vd"), 0755));
	ASSERT_EQ(0, unlink(M("bin/sh")));
	EXPECT_STREQ("vol", lfs_cat(U("etc/hostname")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("vd")));
	EXPECT_EQ(1, lfs_is_whiteout(U("bin/sh")));
	/* syncs are allowed and do nothing harmful */
	sync();
	EXPECT_EQ(0, lfs_umount(&self->w.c));
}

TEST_HARNESS_MAIN
