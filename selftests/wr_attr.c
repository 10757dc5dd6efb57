// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: attributes. st_ino and st_dev of a file stay the same
 * when it is copied up (by chmod or by a write), also over a remount;
 * mtime/ctime change as on any filesystem; st_nlink is right for new
 * files, directories and links; statfs reports the upper filesystem.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(at,
	"f file data\nt file 1000000000 1\nf f2 data2\nd dir\nf dir/a A\n"
	"t dir 1000000000 2\ns sl file",
	"f bfile b\nd dir\nf dir/b B",
	1)

static struct stat st_of(const char *p)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	lstat(p, &st);
	return st;
}

LFS_TEST(at, ino_stable_chmod)
{
	struct stat a = st_of(M("file")), b;

	ASSERT_NE(0, a.st_ino);
	ASSERT_EQ(0, chmod(M("file"), 0600));
	b = st_of(M("file"));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	b = st_of(M("file"));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
}

LFS_TEST(at, ino_stable_write)
{
	struct stat a = st_of(M("bfile")), b;
	int fd;

	fd = open(M("bfile"), O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	/* fstat of the open file agrees with stat of the name */
	ASSERT_EQ(0, fstat(fd, &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	ASSERT_EQ(1, write(fd, "x", 1));
	close(fd);
	b = st_of(M("bfile"));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(a.st_ino, st_of(M("bfile")).st_ino);
}

LFS_TEST(at, ino_stable_dir_copy_up)
{
	struct stat a = st_of(M("dir")), b;

	ASSERT_EQ(0, lfs_write_file(M("dir/new"), "n", 1));
	b = st_of(M("dir"));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
}

LFS_TEST(at, ino_stable_symlink_copy_up)
{
	struct stat a = st_of(M("sl"));

	ASSERT_EQ(0, lchown(M("sl"), 7, 7));
	EXPECT_EQ(a.st_ino, st_of(M("sl")).st_ino);
}

LFS_TEST(at, ino_unique_after_copy_up)
{
	ASSERT_EQ(0, chmod(M("file"), 0600));
	ASSERT_EQ(0, lfs_write_file(M("new"), "n", 1));
	EXPECT_NE(st_of(M("file")).st_ino, st_of(M("f2")).st_ino);
	EXPECT_NE(st_of(M("new")).st_ino, st_of(M("f2")).st_ino);
	EXPECT_NE(st_of(M("new")).st_ino, st_of(M("file")).st_ino);
	EXPECT_NE(st_of(M("bfile")).st_ino, st_of(M("file")).st_ino);
}

LFS_TEST(at, times_on_write)
{
	struct timespec now;
	struct stat st;
	int fd;

	clock_gettime(CLOCK_REALTIME, &now);
	fd = open(M("file"), O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	/* opening for write (the copy-up) does not change mtime */
	EXPECT_EQ(1000000000, st.st_mtim.tv_sec);
	EXPECT_EQ(1, st.st_mtim.tv_nsec);
	ASSERT_EQ(1, write(fd, "D", 1));
	close(fd);
	st = st_of(M("file"));
	EXPECT_LE(now.tv_sec - 2, st.st_mtim.tv_sec);
	EXPECT_LE(now.tv_sec - 2, st.st_ctim.tv_sec);
	EXPECT_GE(now.tv_sec + 60, st.st_mtim.tv_sec);
	EXPECT_EQ(st.st_mtim.tv_sec, st_of(U("file")).st_mtim.tv_sec);
}

LFS_TEST(at, ctime_on_chmod_mtime_kept)
{
	struct timespec now;
	struct stat st;

	clock_gettime(CLOCK_REALTIME, &now);
	ASSERT_EQ(0, chmod(M("file"), 0640));
	st = st_of(M("file"));
	EXPECT_EQ(1000000000, st.st_mtim.tv_sec);
	EXPECT_EQ(1, st.st_mtim.tv_nsec);
	EXPECT_LE(now.tv_sec - 2, st.st_ctim.tv_sec);
}

LFS_TEST(at, dir_mtime_on_create_and_unlink)
{
	struct timespec now;
	struct stat st;

	clock_gettime(CLOCK_REALTIME, &now);
	ASSERT_EQ(0, lfs_write_file(M("dir/new"), "n", 1));
	st = st_of(M("dir"));
	EXPECT_LE(now.tv_sec - 2, st.st_mtim.tv_sec);
	ASSERT_EQ(0, utimensat(AT_FDCWD, M("dir"),
			       (struct timespec[2]){ { 5, 0 }, { 5, 0 } }, 0));
	ASSERT_EQ(0, unlink(M("dir/b")));
	st = st_of(M("dir"));
	EXPECT_LE(now.tv_sec - 2, st.st_mtim.tv_sec);
}

LFS_TEST(at, nlink_new_objects)
{
	ASSERT_EQ(0, lfs_write_file(M("n"), "n", 1));
	EXPECT_EQ(1u, st_of(M("n")).st_nlink);
	ASSERT_EQ(0, mkdir(M("nd"), 0755));
	EXPECT_EQ(2u, st_of(M("nd")).st_nlink);
	ASSERT_EQ(0, mkdir(M("nd/sub"), 0755));
	EXPECT_EQ(3u, st_of(M("nd")).st_nlink);
	ASSERT_EQ(0, link(M("n"), M("nd/n2")));
	EXPECT_EQ(2u, st_of(M("n")).st_nlink);
	ASSERT_EQ(0, unlink(M("n")));
	EXPECT_EQ(1u, st_of(M("nd/n2")).st_nlink);
}

LFS_TEST(at, nlink_lower_file_after_copy_up)
{
	EXPECT_EQ(1u, st_of(M("file")).st_nlink);
	ASSERT_EQ(0, truncate(M("file"), 1));
	EXPECT_EQ(1u, st_of(M("file")).st_nlink);
	ASSERT_EQ(0, link(M("bfile"), M("bl")));
	EXPECT_EQ(2u, st_of(M("bl")).st_nlink);
	EXPECT_EQ(2u, st_of(M("bfile")).st_nlink);
}

LFS_TEST(at, statfs_reports_upper)
{
	struct statfs a, b;

	ASSERT_EQ(0, statfs(self->w.c.mnt, &a));
	ASSERT_EQ(0, statfs(U("."), &b));
	EXPECT_EQ(b.f_bsize, a.f_bsize);
	EXPECT_EQ(b.f_blocks, a.f_blocks);
	EXPECT_EQ(b.f_files, a.f_files);
	/* free space of the upper, allowing for concurrent activity */
	EXPECT_GE(b.f_bfree + 1024, a.f_bfree);
	EXPECT_LE(b.f_bfree, a.f_bfree + 1024);
	EXPECT_EQ(LAYERFS ? LFS_MAGIC : OVL_MAGIC, (long)a.f_type);
}

LFS_TEST(at, statfs_tracks_upper_usage)
{
	struct statfs a, b;
	char *buf = calloc(1, 4 << 20);
	int fd;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, statfs(self->w.c.mnt, &a));
	fd = open(M("fill"), O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	memset(buf, 1, 4 << 20);
	ASSERT_EQ(4 << 20, write(fd, buf, 4 << 20));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	free(buf);
	ASSERT_EQ(0, statfs(self->w.c.mnt, &b));
	EXPECT_GT(a.f_bfree, b.f_bfree);
}

TEST_HARNESS_MAIN
