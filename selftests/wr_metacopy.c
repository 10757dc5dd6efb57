// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: metadata-only copy-up. chmod/chown/utimensat/setxattr of
 * a lower file make an upper file that carries the metadata and the
 * metacopy marker (layerfs: trusted.layerfs.metacopy, overlay with
 * metacopy=on: trusted.overlay.metacopy) but no data; the data is read
 * from the lower until the first open for write copies it and drops the
 * marker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define SIZE	262144

LFS_WR_FIXTURE(mc,
	"P data 262144\nm data 0644\nx data user.k v\n"
	"P other 262144\nh other2 other",
	"P bottom 262144",
	1)

/* The upper file is metadata only: marker set, (almost) no blocks. */
static void is_metacopy(struct __test_metadata *_metadata, const char *up)
{
	struct stat st;

	ASSERT_EQ(0, lstat(up, &st)) TH_LOG("no upper file %s", up);
	EXPECT_EQ(SIZE, st.st_size);
	EXPECT_EQ(1, lfs_has_xattr(up, lfs_priv_xattr("metacopy")))
		TH_LOG("%s: no %s", up, lfs_priv_xattr("metacopy"));
	/* at most an xattr block, far from the 256 KiB of data */
	EXPECT_GT(65536 / 512, st.st_blocks)
		TH_LOG("upper has %lld blocks", (long long)st.st_blocks);
}

static void is_full_copy(struct __test_metadata *_metadata, const char *up)
{
	struct stat st;

	ASSERT_EQ(0, lstat(up, &st));
	EXPECT_EQ(0, lfs_has_xattr(up, lfs_priv_xattr("metacopy")));
	EXPECT_LE(SIZE / 512, st.st_blocks);
	EXPECT_EQ(0, lfs_check_pattern(up, SIZE));
}

LFS_TEST(mc, chmod_is_metacopy)
{
	struct stat st;

	ASSERT_EQ(0, chmod(M("data"), 0600));
	is_metacopy(_metadata, U("data"));
	ASSERT_EQ(0, stat(U("data"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, stat(M("data"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(SIZE, st.st_size);
	EXPECT_EQ(0, lfs_check_pattern(M("data"), SIZE));
}

LFS_TEST(mc, chown_is_metacopy)
{
	struct stat st;

	ASSERT_EQ(0, chown(M("bottom"), 1001, 1002));
	is_metacopy(_metadata, U("bottom"));
	ASSERT_EQ(0, stat(M("bottom"), &st));
	EXPECT_EQ(1001u, st.st_uid);
	EXPECT_EQ(0, lfs_check_pattern(M("bottom"), SIZE));
}

LFS_TEST(mc, utimes_is_metacopy)
{
	struct timespec ts[2] = { { 5, 5 }, { 1234, 567891234 } };
	struct stat st;

	ASSERT_EQ(0, utimensat(AT_FDCWD, M("data"), ts, 0));
	is_metacopy(_metadata, U("data"));
	ASSERT_EQ(0, stat(M("data"), &st));
	EXPECT_EQ(1234, st.st_mtim.tv_sec);
	EXPECT_EQ(567891234, st.st_mtim.tv_nsec);
	EXPECT_EQ(0, lfs_check_pattern(M("data"), SIZE));
}

LFS_TEST(mc, setxattr_is_metacopy)
{
	ASSERT_EQ(0, setxattr(M("data"), "user.n", "w", 1, 0));
	is_metacopy(_metadata, U("data"));
	EXPECT_STREQ("w", lfs_getx(M("data"), "user.n"));
	EXPECT_STREQ("v", lfs_getx(M("data"), "user.k"));
	EXPECT_EQ(0, lfs_check_pattern(M("data"), SIZE));
}

LFS_TEST(mc, open_for_write_copies_data)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, chmod(M("data"), 0600));
	is_metacopy(_metadata, U("data"));
	fd = open(M("data"), O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
	is_full_copy(_metadata, U("data"));
	ASSERT_EQ(0, stat(U("data"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_STREQ("v", lfs_getx(U("data"), "user.k"));
}

LFS_TEST(mc, write_after_metacopy)
{
	char buf[4];
	int fd;

	ASSERT_EQ(0, chown(M("data"), 5, 6));
	fd = open(M("data"), O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, pwrite(fd, "WXYZ", 4, SIZE - 4));
	close(fd);
	EXPECT_EQ(0, lfs_has_xattr(U("data"), lfs_priv_xattr("metacopy")));
	EXPECT_EQ(0, lfs_check_pattern(U("data"), SIZE - 4));
	ASSERT_EQ(4, pread(fd = open(M("data"), O_RDONLY), buf, 4, SIZE - 4));
	close(fd);
	EXPECT_EQ(0, memcmp(buf, "WXYZ", 4));
}

LFS_TEST(mc, truncate_after_metacopy)
{
	struct stat st;

	ASSERT_EQ(0, chmod(M("data"), 0640));
	ASSERT_EQ(0, truncate(M("data"), 1000));
	EXPECT_EQ(0, lfs_has_xattr(U("data"), lfs_priv_xattr("metacopy")));
	ASSERT_EQ(0, stat(U("data"), &st));
	EXPECT_EQ(1000, st.st_size);
	EXPECT_EQ(0, lfs_check_pattern(U("data"), 1000));
	EXPECT_EQ(0, lfs_check_pattern(M("data"), 1000));
}

LFS_TEST(mc, metacopy_survives_remount)
{
	struct stat st;

	ASSERT_EQ(0, chmod(M("data"), 0604));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	is_metacopy(_metadata, U("data"));
	ASSERT_EQ(0, stat(M("data"), &st));
	EXPECT_EQ(0604, st.st_mode & 07777);
	EXPECT_EQ(0, lfs_check_pattern(M("data"), SIZE));
	/* and the data copy-up still works after the remount */
	ASSERT_EQ(0, truncate(M("data"), SIZE));
	is_full_copy(_metadata, U("data"));
}

LFS_TEST(mc, mmap_read_of_metacopy)
{
	char want[4096];
	void *p;
	int fd;

	ASSERT_EQ(0, chmod(M("data"), 0600));
	fd = open(M("data"), O_RDONLY);
	ASSERT_LE(0, fd);
	p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	lfs_pattern(want, sizeof(want), SIZE - 4096);
	EXPECT_EQ(0, memcmp(want, (char *)p + SIZE - 4096, 4096));
	munmap(p, SIZE);
	close(fd);
	is_metacopy(_metadata, U("data"));
}

/* The marker is private: not listed, not readable through the union. */
LFS_TEST(mc, marker_hidden)
{
	char list[4096];
	ssize_t n, i;

	ASSERT_EQ(0, chmod(M("data"), 0600));
	n = listxattr(M("data"), list, sizeof(list));
	ASSERT_LE(0, n);
	for (i = 0; i < n; i += strlen(list + i) + 1)
		EXPECT_EQ(NULL, strstr(list + i, "metacopy"))
			TH_LOG("listed: %s", list + i);
	errno = 0;
	EXPECT_EQ(-1, getxattr(M("data"), lfs_priv_xattr("metacopy"), list,
			       sizeof(list)));
	EXPECT_TRUE(errno == ENODATA || errno == EOPNOTSUPP ||
		    errno == EPERM) TH_LOG("errno %d", errno);
}

/* chmod of one of two lower hard links: the data still reads right. */
LFS_TEST(mc, metacopy_of_hardlinked_lower)
{
	ASSERT_EQ(0, chmod(M("other"), 0600));
	EXPECT_EQ(0, lfs_check_pattern(M("other"), SIZE));
	EXPECT_EQ(0, lfs_check_pattern(M("other2"), SIZE));
	ASSERT_EQ(0, truncate(M("other2"), SIZE));
	EXPECT_EQ(0, lfs_check_pattern(M("other"), SIZE));
	EXPECT_EQ(0, lfs_check_pattern(M("other2"), SIZE));
}

/*
 * fsync and fdatasync of a file whose metadata only was copied up, on a
 * descriptor opened before (its real file is the lower one) and after:
 * both succeed, and the file stays a metadata-only copy.  That the fsync
 * reaches the upper file is shown on a device of its own in
 * wr_eio.c:eio.fsync_of_metacopy_writes_upper.
 */
LFS_TEST(mc, fsync_of_metacopy)
{
	int fd, fd2;

	fd = open(M("data"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, chmod(M("data"), 0600));
	is_metacopy(_metadata, U("data"));
	fd2 = open(M("data"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, fsync(fd));
	EXPECT_EQ(0, fdatasync(fd));
	EXPECT_EQ(0, fsync(fd2));
	EXPECT_EQ(0, fdatasync(fd2));
	close(fd);
	close(fd2);
	is_metacopy(_metadata, U("data"));
	EXPECT_EQ(0, lfs_check_pattern(M("data"), SIZE));
}

TEST_HARNESS_MAIN
