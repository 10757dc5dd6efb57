// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: rename of files and directories, RENAME_NOREPLACE and
 * RENAME_EXCHANGE. Renaming a directory that exists in a lower layer works
 * on layerfs (a redirect makes its lower contents follow, persistently);
 * overlayfs needs redirect_dir=on for that and fails with EXDEV without it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#define RENAME_EXCHANGE		(1 << 1)
#endif

LFS_WR_FIXTURE(rn,
	"f file top\nf both top\nf f2 two\nd dir\nf dir/a A\nd dir/sub\n"
	"f dir/sub/s S\nd other\nf other/o O\nd empty",
	"f both bottom\nf bfile bottom\nd dir\nf dir/b B\nd bdir\nf bdir/y Y",
	1)

static int rename2(const char *a, const char *b, unsigned int flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

LFS_TEST(rn, file_same_dir)
{
	ASSERT_EQ(0, rename(M("file"), M("file.new")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("file")));
	EXPECT_EQ(0, lfs_listed(self->w.c.mnt, "file"));
	EXPECT_STREQ("top", lfs_cat(M("file.new")));
	EXPECT_EQ(1, lfs_is_whiteout(U("file")));
}

LFS_TEST(rn, file_across_dirs)
{
	ASSERT_EQ(0, rename(M("dir/b"), M("other/b")));
	EXPECT_STREQ("B", lfs_cat(M("other/b")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir/b")));
	EXPECT_EQ(S_IFREG, lfs_ftype(U("other/b")));
	EXPECT_EQ(2, lfs_count(M("dir")));	/* a, sub */
	EXPECT_EQ(2, lfs_count(M("other")));
}

LFS_TEST(rn, file_over_lower_file)
{
	ASSERT_EQ(0, rename(M("file"), M("both")));
	EXPECT_STREQ("top", lfs_cat(M("both")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("file")));
	ASSERT_EQ(0, rename(M("bfile"), M("f2")));
	EXPECT_STREQ("bottom", lfs_cat(M("f2")));
	EXPECT_EQ(0, lfs_listed(self->w.c.mnt, "bfile"));
}

LFS_TEST(rn, file_over_upper_file)
{
	ASSERT_EQ(0, lfs_write_file(M("up1"), "1", 1));
	ASSERT_EQ(0, lfs_write_file(M("up2"), "2", 1));
	ASSERT_EQ(0, rename(M("up1"), M("up2")));
	EXPECT_STREQ("1", lfs_cat(M("up2")));
	EXPECT_EQ(-ENOENT, lfs_ftype(U("up1")));	/* no whiteout needed */
	ASSERT_EQ(0, rename(M("up2"), M("file")));
	EXPECT_STREQ("1", lfs_cat(M("file")));
}

LFS_TEST(rn, upper_file_over_whiteout)
{
	ASSERT_EQ(0, unlink(M("both")));
	ASSERT_EQ(0, rename(M("file"), M("both")));
	EXPECT_STREQ("top", lfs_cat(M("both")));
	EXPECT_EQ(S_IFREG, lfs_ftype(U("both")));
}

LFS_TEST(rn, noreplace_existing)
{
	errno = 0;
	EXPECT_EQ(-1, rename2(M("file"), M("both"), RENAME_NOREPLACE));
	EXPECT_EQ(EEXIST, errno);
	errno = 0;
	EXPECT_EQ(-1, rename2(M("file"), M("bfile"), RENAME_NOREPLACE));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_STREQ("top", lfs_cat(M("file")));
	EXPECT_STREQ("bottom", lfs_cat(M("bfile")));
}

LFS_TEST(rn, noreplace_new_and_whiteout)
{
	EXPECT_EQ(0, rename2(M("file"), M("fresh"), RENAME_NOREPLACE));
	EXPECT_STREQ("top", lfs_cat(M("fresh")));
	ASSERT_EQ(0, unlink(M("bfile")));
	/* a whited-out name does not exist: NOREPLACE succeeds */
	EXPECT_EQ(0, rename2(M("fresh"), M("bfile"), RENAME_NOREPLACE));
	EXPECT_STREQ("top", lfs_cat(M("bfile")));
}

LFS_TEST(rn, exchange_two_lower_files)
{
	ASSERT_EQ(0, rename2(M("file"), M("bfile"), RENAME_EXCHANGE))
		TH_LOG("RENAME_EXCHANGE: %s", strerror(errno));
	EXPECT_STREQ("bottom", lfs_cat(M("file")));
	EXPECT_STREQ("top", lfs_cat(M("bfile")));
	/* both names are in the upper now */
	EXPECT_NE(-ENOENT, lfs_ftype(U("file")));
	EXPECT_NE(-ENOENT, lfs_ftype(U("bfile")));
}

LFS_TEST(rn, exchange_file_and_dir)
{
	ASSERT_EQ(0, rename2(M("f2"), M("other"), RENAME_EXCHANGE))
		TH_LOG("RENAME_EXCHANGE file/dir: %s", strerror(errno));
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("f2")));
	EXPECT_STREQ("O", lfs_cat(M("f2/o")));
	EXPECT_STREQ("two", lfs_cat(M("other")));
	/* the exchange survives a remount (the dir's redirect persists) */
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("O", lfs_cat(M("f2/o")));
	EXPECT_STREQ("two", lfs_cat(M("other")));
}

LFS_TEST(rn, exchange_upper_and_lower_file)
{
	ASSERT_EQ(0, lfs_write_file(M("up"), "u", 1));
	ASSERT_EQ(0, rename2(M("up"), M("both"), RENAME_EXCHANGE));
	EXPECT_STREQ("u", lfs_cat(M("both")));
	EXPECT_STREQ("top", lfs_cat(M("up")));
}

/* The directory exists in both lower layers (merged). */
LFS_TEST(rn, lower_dir)
{
	ASSERT_EQ(0, rename(M("dir"), M("moved"))) TH_LOG("rename dir: %s",
							  strerror(errno));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir")));
	EXPECT_EQ(0, lfs_listed(self->w.c.mnt, "dir"));
	EXPECT_STREQ("A", lfs_cat(M("moved/a")));
	EXPECT_STREQ("B", lfs_cat(M("moved/b")));
	EXPECT_STREQ("S", lfs_cat(M("moved/sub/s")));
	EXPECT_EQ(3, lfs_count(M("moved")));
	EXPECT_EQ(1, lfs_is_whiteout(U("dir")));
	EXPECT_EQ(1, lfs_has_xattr(U("moved"), lfs_priv_xattr("redirect")))
		TH_LOG("no %s on the upper dir", lfs_priv_xattr("redirect"));
}

LFS_TEST(rn, lower_only_dir_across_dirs)
{
	ASSERT_EQ(0, rename(M("bdir"), M("other/deeper"))) TH_LOG("%s",
							   strerror(errno));
	EXPECT_STREQ("Y", lfs_cat(M("other/deeper/y")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("bdir")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("Y", lfs_cat(M("other/deeper/y")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("bdir")));
}

/*
 * Without redirect_dir overlayfs refuses to rename a lower directory with
 * EXDEV (and userspace falls back to copying): the difference layerfs is
 * built to remove. layerfs has no such option and always renames.
 */
LFS_TEST(rn, lower_dir_without_redirect_option)
{
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount_at(&self->w, NULL, NULL, NULL, 0,
				     LAYERFS ? NULL : "redirect_dir=off"));
	errno = 0;
	if (!LAYERFS) {
		EXPECT_EQ(-1, rename(M("dir"), M("moved")));
		EXPECT_EQ(EXDEV, errno);
		EXPECT_STREQ("B", lfs_cat(M("dir/b")));
		return;
	}
	ASSERT_EQ(0, rename(M("dir"), M("moved")));
	EXPECT_STREQ("B", lfs_cat(M("moved/b")));
}

LFS_TEST(rn, renamed_dir_after_remount)
{
	ASSERT_EQ(0, rename(M("dir"), M("moved")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir")));
	EXPECT_STREQ("A", lfs_cat(M("moved/a")));
	EXPECT_STREQ("B", lfs_cat(M("moved/b")));
	EXPECT_STREQ("S", lfs_cat(M("moved/sub/s")));
	/* writes into the renamed dir land under the new upper name */
	ASSERT_EQ(0, truncate(M("moved/b"), 0));
	EXPECT_EQ(S_IFREG, lfs_ftype(U("moved/b")));
	EXPECT_STREQ("", lfs_cat(M("moved/b")));
}

LFS_TEST(rn, dir_and_back)
{
	ASSERT_EQ(0, rename(M("dir"), M("tmpname")));
	ASSERT_EQ(0, rename(M("tmpname"), M("dir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("tmpname")));
	EXPECT_EQ(0, lfs_listed(self->w.c.mnt, "tmpname"));
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
	EXPECT_EQ(3, lfs_count(M("dir")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(3, lfs_count(M("dir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("tmpname")));
}

LFS_TEST(rn, dir_with_whiteouts_keeps_them_hidden)
{
	ASSERT_EQ(0, unlink(M("dir/b")));
	ASSERT_EQ(0, unlink(M("dir/sub/s")));
	ASSERT_EQ(0, rename(M("dir"), M("moved")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("moved/b")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("moved/sub/s")));
	EXPECT_EQ(0, lfs_listed(M("moved"), "b"));
	EXPECT_EQ(2, lfs_count(M("moved")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("moved/b")));
	EXPECT_EQ(0, lfs_count(M("moved/sub")));
	EXPECT_STREQ("A", lfs_cat(M("moved/a")));
}

LFS_TEST(rn, subdir_of_renamed_dir)
{
	ASSERT_EQ(0, rename(M("dir"), M("moved")));
	ASSERT_EQ(0, rename(M("moved/sub"), M("sub2")));
	EXPECT_STREQ("S", lfs_cat(M("sub2/s")));
	EXPECT_EQ(2, lfs_count(M("moved")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("S", lfs_cat(M("sub2/s")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("moved/sub")));
}

LFS_TEST(rn, dir_over_empty_lower_dir)
{
	ASSERT_EQ(0, rename(M("bdir"), M("empty")));
	EXPECT_STREQ("Y", lfs_cat(M("empty/y")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("bdir")));
}

LFS_TEST(rn, dir_over_nonempty_dir)
{
	errno = 0;
	EXPECT_EQ(-1, rename(M("bdir"), M("other")));
	EXPECT_EQ(ENOTEMPTY, errno);
	EXPECT_STREQ("O", lfs_cat(M("other/o")));
	EXPECT_STREQ("Y", lfs_cat(M("bdir/y")));
}

LFS_TEST(rn, new_dir)
{
	ASSERT_EQ(0, mkdir(M("nd"), 0755));
	ASSERT_EQ(0, lfs_write_file(M("nd/f"), "f", 1));
	ASSERT_EQ(0, rename(M("nd"), M("other/nd2")));
	EXPECT_STREQ("f", lfs_cat(M("other/nd2/f")));
	EXPECT_STREQ("f", lfs_cat(U("other/nd2/f")));
	EXPECT_EQ(-ENOENT, lfs_ftype(U("nd")));
}

LFS_TEST(rn, create_in_renamed_dir)
{
	ASSERT_EQ(0, rename(M("bdir"), M("nb")));
	ASSERT_EQ(0, lfs_write_file(M("nb/new"), "n", 1));
	EXPECT_EQ(2, lfs_count(M("nb")));
	EXPECT_STREQ("n", lfs_cat(U("nb/new")));
	ASSERT_EQ(0, unlink(M("nb/y")));
	EXPECT_EQ(1, lfs_count(M("nb")));
}

TEST_HARNESS_MAIN
