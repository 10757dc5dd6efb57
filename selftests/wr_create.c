// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: objects created in the merged view land in the upper
 * layer (regular files, directories, fifos, sockets, devices, symlinks,
 * O_TMPFILE), missing parent directories are copied up first, and the
 * lower layers are unchanged (checked by every teardown).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(cr,
	"f file top\nd dir\nf dir/a A\nd deep/er/est\nf deep/er/est/x X\n"
	"m deep/er 0750\nu deep/er 1234 2345\nt deep/er 1111111111 123456789",
	"f bottom b\nd dir\nf dir/b B\nd lowonly/sub\nf lowonly/sub/y Y",
	1)

LFS_TEST(cr, create_file)
{
	int fd = open(M("new"), O_WRONLY | O_CREAT | O_EXCL, 0640);

	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "hello", 5));
	ASSERT_EQ(0, close(fd));
	EXPECT_STREQ("hello", lfs_cat(M("new")));
	EXPECT_STREQ("hello", lfs_cat(U("new")));
	EXPECT_EQ(S_IFREG, lfs_ftype(U("new")));
	EXPECT_EQ(-ENOENT, lfs_ftype(L0("new")));
	EXPECT_EQ(-ENOENT, lfs_ftype(L1("new")));
	EXPECT_EQ(1, lfs_listed(self->w.c.mnt, "new"));
}

LFS_TEST(cr, create_mode_owner)
{
	struct stat st;
	int fd;

	umask(022);
	fd = open(M("m"), O_WRONLY | O_CREAT | O_EXCL, 0666);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, stat(U("m"), &st));
	EXPECT_EQ(0644, st.st_mode & 07777);
	EXPECT_EQ(0u, st.st_uid);
	ASSERT_EQ(0, stat(M("m"), &st));
	EXPECT_EQ(0644, st.st_mode & 07777);
	EXPECT_EQ(1u, st.st_nlink);
}

LFS_TEST(cr, create_excl_over_lower)
{
	errno = 0;
	EXPECT_EQ(-1, open(M("file"), O_WRONLY | O_CREAT | O_EXCL, 0644));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, open(M("bottom"), O_WRONLY | O_CREAT | O_EXCL, 0644));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-ENOENT, lfs_ftype(U("file")));
}

LFS_TEST(cr, mkdir_new)
{
	ASSERT_EQ(0, mkdir(M("nd"), 0751));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("nd")));
	EXPECT_EQ(0, lfs_count(M("nd")));
	ASSERT_EQ(0, lfs_write_file(M("nd/f"), "z", 1));
	EXPECT_STREQ("z", lfs_cat(U("nd/f")));
	/* a brand new dir has nothing below it: no opaque marker needed */
	errno = 0;
	EXPECT_EQ(-1, mkdir(M("dir"), 0755));
	EXPECT_EQ(EEXIST, errno);
}

LFS_TEST(cr, mknod_fifo)
{
	struct stat st;

	ASSERT_EQ(0, mknod(M("fifo"), S_IFIFO | 0640, 0));
	ASSERT_EQ(0, lstat(U("fifo"), &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	ASSERT_EQ(0, lstat(M("fifo"), &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	EXPECT_EQ(0640, st.st_mode & 07777);
}

LFS_TEST(cr, mknod_socket_and_bind)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int s;

	ASSERT_EQ(0, mknod(M("sock"), S_IFSOCK | 0644, 0));
	EXPECT_EQ(S_IFSOCK, lfs_ftype(U("sock")));
	/* bind() creates a socket inode through the union too */
	if (strlen(M("bsock")) >= sizeof(sa.sun_path))
		SKIP(return, "path too long for sun_path");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", M("bsock"));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, bind(s, (struct sockaddr *)&sa, sizeof(sa)));
	close(s);
	ASSERT_EQ(0, lstat(U("bsock"), &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

LFS_TEST(cr, mknod_chr_blk)
{
	struct stat st;

	ASSERT_EQ(0, mknod(M("null2"), S_IFCHR | 0666, makedev(1, 3)));
	ASSERT_EQ(0, mknod(M("blk"), S_IFBLK | 0600, makedev(7, 9)));
	ASSERT_EQ(0, lstat(U("null2"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(1, 3), st.st_rdev);
	ASSERT_EQ(0, lstat(U("blk"), &st));
	EXPECT_TRUE(S_ISBLK(st.st_mode));
	EXPECT_EQ(makedev(7, 9), st.st_rdev);
	ASSERT_EQ(0, lstat(M("blk"), &st));
	EXPECT_EQ(makedev(7, 9), st.st_rdev);
	/* the device node works through the union */
	EXPECT_EQ(0, lfs_write_file(M("null2"), "x", 1));
}

LFS_TEST(cr, symlink_new)
{
	char buf[64] = "";

	ASSERT_EQ(0, symlink("dir/a", M("sl")));
	EXPECT_EQ(5, readlink(U("sl"), buf, sizeof(buf)));
	EXPECT_STREQ("dir/a", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, readlink(M("sl"), buf, sizeof(buf)));
	EXPECT_STREQ("A", lfs_cat(M("sl")));
	/* dangling symlink */
	ASSERT_EQ(0, symlink("/nonexistent/x", M("dangle")));
	EXPECT_EQ(S_IFLNK, lfs_ftype(U("dangle")));
}

LFS_TEST(cr, tmpfile_unnamed)
{
	struct stat st;
	int fd;

	fd = open(M("dir"), O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 && errno == EOPNOTSUPP)
		ASSERT_TRUE(0) TH_LOG("O_TMPFILE not supported by %s",
				      lfs_fstype());
	ASSERT_LE(0, fd);
	ASSERT_EQ(3, write(fd, "tmp", 3));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0u, st.st_nlink);
	EXPECT_EQ(3, st.st_size);
	close(fd);
	/* nothing named was left behind in the merged dir */
	EXPECT_EQ(2, lfs_count(M("dir")));
}

LFS_TEST(cr, tmpfile_linkat)
{
	char proc[64];
	int fd;

	fd = open(M("dir"), O_TMPFILE | O_RDWR, 0640);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "data", 4));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ASSERT_EQ(0, linkat(AT_FDCWD, proc, AT_FDCWD, M("dir/named"),
			    AT_SYMLINK_FOLLOW)) TH_LOG("linkat: %s",
						       strerror(errno));
	close(fd);
	EXPECT_STREQ("data", lfs_cat(M("dir/named")));
	EXPECT_STREQ("data", lfs_cat(U("dir/named")));
	EXPECT_EQ(-ENOENT, lfs_ftype(L0("dir/named")));
}

LFS_TEST(cr, tmpfile_linkat_empty_path)
{
	int fd;

	fd = open(M("deep/er"), O_TMPFILE | O_WRONLY, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, write(fd, "ep", 2));
	ASSERT_EQ(0, linkat(fd, "", AT_FDCWD, M("deep/er/t"), AT_EMPTY_PATH))
		TH_LOG("linkat AT_EMPTY_PATH: %s", strerror(errno));
	close(fd);
	EXPECT_STREQ("ep", lfs_cat(U("deep/er/t")));
}

/* Creating inside a lower-only directory copies the parent chain up. */
LFS_TEST(cr, parent_chain_copied_up)
{
	struct stat up, lo;

	EXPECT_EQ(-ENOENT, lfs_ftype(U("deep")));
	ASSERT_EQ(0, lfs_write_file(M("deep/er/est/new"), "n", 1));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("deep")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("deep/er")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("deep/er/est")));
	EXPECT_STREQ("n", lfs_cat(U("deep/er/est/new")));
	/* only the new entry was copied, not its lower siblings */
	EXPECT_EQ(-ENOENT, lfs_ftype(U("deep/er/est/x")));
	EXPECT_STREQ("X", lfs_cat(M("deep/er/est/x")));
	/* the copied-up directory keeps mode, owner and mtime of the lower */
	ASSERT_EQ(0, stat(U("deep/er"), &up));
	ASSERT_EQ(0, stat(L0("deep/er"), &lo));
	EXPECT_EQ(lo.st_mode, up.st_mode);
	EXPECT_EQ(lo.st_uid, up.st_uid);
	EXPECT_EQ(lo.st_gid, up.st_gid);
	EXPECT_EQ(lo.st_mtim.tv_sec, up.st_mtim.tv_sec);
	EXPECT_EQ(lo.st_mtim.tv_nsec, up.st_mtim.tv_nsec);
	/* the copied-up dirs are merged, not opaque */
	EXPECT_EQ(0, lfs_has_xattr(U("deep/er"), lfs_priv_xattr("opaque")));
}

LFS_TEST(cr, parent_chain_bottom_layer)
{
	ASSERT_EQ(0, mkdir(M("lowonly/sub/nd"), 0700));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("lowonly")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("lowonly/sub/nd")));
	EXPECT_STREQ("Y", lfs_cat(M("lowonly/sub/y")));
	EXPECT_EQ(2, lfs_count(M("lowonly/sub")));
}

LFS_TEST(cr, create_in_merged_dir)
{
	ASSERT_EQ(0, lfs_write_file(M("dir/c"), "C", 1));
	EXPECT_EQ(3, lfs_count(M("dir")));
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
	EXPECT_STREQ("C", lfs_cat(U("dir/c")));
	EXPECT_EQ(1, lfs_count(U("dir")));
}

LFS_TEST(cr, new_file_survives_remount)
{
	ASSERT_EQ(0, mkdir(M("keep"), 0755));
	ASSERT_EQ(0, lfs_write_file(M("keep/f"), "kept", 4));
	ASSERT_EQ(0, symlink("keep/f", M("kl")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("kept", lfs_cat(M("keep/f")));
	EXPECT_STREQ("kept", lfs_cat(M("kl")));
	EXPECT_STREQ("top", lfs_cat(M("file")));
}

TEST_HARNESS_MAIN
