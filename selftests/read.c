// SPDX-License-Identifier: GPL-2.0
/*
 * Read paths of a read-only union: read, pread, large files, mmap (private
 * and shared), sendfile and splice, SEEK_DATA/SEEK_HOLE and readlink.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

#define BIG_SIZE	(16u << 20)

FIXTURE(rd) {
	struct lfs c;
};

FIXTURE_SETUP(rd)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
}

FIXTURE_TEARDOWN(rd)
{
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

#define L(i) lfs_p(&self->c, "l%d", (i))
#define M(...) lfs_m(&self->c, __VA_ARGS__)

/* Write a pattern file of SIZE bytes at PATH. */
static int pattern_file(const char *path, size_t size)
{
	char *buf = malloc(1 << 20);
	size_t off = 0;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || !buf) {
		free(buf);
		return -errno;
	}
	while (off < size) {
		size_t n = size - off < (1u << 20) ? size - off : 1u << 20;

		lfs_pattern(buf, n, off);
		if (write(fd, buf, n) != (ssize_t)n) {
			ret = -EIO;
			break;
		}
		off += n;
	}
	close(fd);
	free(buf);
	return ret;
}

/* Check that BUF holds the pattern for [off, off+len). */
static int is_pattern(const void *buf, size_t len, uint64_t off)
{
	char *want = malloc(len);
	int ok;

	lfs_pattern(want, len, off);
	ok = !memcmp(want, buf, len);
	free(want);
	return ok;
}

LFS_TEST(rd, read_small_and_shadowed)
{
	char buf[64];
	ssize_t n;
	int fd;

	ASSERT_EQ(0, lfs_build(L(0), "f a from-top"));
	ASSERT_EQ(0, lfs_build(L(1), "f a from-mid\nf b mid-b"));
	ASSERT_EQ(0, lfs_build(L(2), "f b low-b\nf c low-c"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_STREQ("from-top", lfs_cat(M("a")));
	EXPECT_STREQ("mid-b", lfs_cat(M("b")));
	EXPECT_STREQ("low-c", lfs_cat(M("c")));
	fd = open(M("c"), O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, 3);
	ASSERT_EQ(3, n);
	EXPECT_EQ(0, memcmp(buf, "low", 3));
	n = read(fd, buf, sizeof(buf));
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, memcmp(buf, "-c", 2));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED));
	close(fd);
}

LFS_TEST(rd, pread_offsets)
{
	char buf[8192];
	int fd, i;

	ASSERT_EQ(0, pattern_file(lfs_p(&self->c, "l1/p"), 1 << 20));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("p"), O_RDONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < 64; i++) {
		off_t off = ((off_t)i * 104729) % (1 << 20);
		size_t len = 1 + (i * 131) % sizeof(buf);
		ssize_t want = off + (off_t)len > (1 << 20) ?
				(1 << 20) - off : (off_t)len;

		ASSERT_EQ(want, pread(fd, buf, len, off));
		EXPECT_TRUE(is_pattern(buf, want, off));
	}
	/* pread does not move the file offset */
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, pread(fd, buf, 10, 1 << 20));
	EXPECT_EQ(0, pread(fd, buf, 10, 5 << 20));
	EXPECT_EQ(-1, pread(fd, buf, 10, -1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

LFS_TEST(rd, large_file_content)
{
	size_t chunk = 65536 + 4093, off = 0;	/* odd size: unaligned reads */
	char *buf = malloc(chunk);
	struct stat st;
	int fd;

	ASSERT_EQ(0, pattern_file(lfs_p(&self->c, "l2/big"), BIG_SIZE));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	ASSERT_EQ(0, stat(M("big"), &st));
	ASSERT_EQ(BIG_SIZE, st.st_size);
	fd = open(M("big"), O_RDONLY);
	ASSERT_LE(0, fd);
	while (off < BIG_SIZE) {
		ssize_t n = read(fd, buf, chunk);

		ASSERT_LT(0, n);
		ASSERT_TRUE(is_pattern(buf, n, off)) {
			TH_LOG("mismatch in [%zu, %zu)", off, off + n);
		}
		off += n;
	}
	EXPECT_EQ(0, read(fd, buf, chunk));
	EXPECT_EQ(BIG_SIZE, off);
	close(fd);
	free(buf);
}

LFS_TEST(rd, mmap_private)
{
	size_t size = 3 << 20;
	char *p;
	int fd;

	ASSERT_EQ(0, pattern_file(lfs_p(&self->c, "l1/m"), size));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("m"), O_RDONLY);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(is_pattern(p, size, 0));
	/* Private writes stay private. */
	memset(p, 'X', 4096);
	munmap(p, size);
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(is_pattern(p, size, 0));
	munmap(p, size);
	/* An offset mapping sees the right page. */
	p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 1 << 20);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(is_pattern(p, 8192, 1 << 20));
	munmap(p, 8192);
	close(fd);
	EXPECT_TRUE(is_pattern(lfs_cat(lfs_p(&self->c, "l1/m")), 4095, 0));
}

LFS_TEST(rd, mmap_shared_read)
{
	size_t size = (1 << 20) + 123;	/* partial last page */
	char *p;
	int fd;

	ASSERT_EQ(0, pattern_file(lfs_p(&self->c, "l0/s"), size));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("s"), O_RDONLY);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(is_pattern(p, size, 0));
	/* The tail of the last page beyond EOF reads as zeroes. */
	EXPECT_EQ(0, p[size]);
	munmap(p, size);
	/* A shared writable mapping of a read-only open is refused. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	close(fd);
}

LFS_TEST(rd, sendfile_to_pipe)
{
	size_t size = 200000, done = 0;
	char *buf = malloc(size);
	int fd, pfd[2];
	off_t off = 0;

	ASSERT_EQ(0, pattern_file(lfs_p(&self->c, "l1/sf"), size));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("sf"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pfd));
	while (done < size) {
		ssize_t n = sendfile(pfd[1], fd, &off, 32768), r, got = 0;

		ASSERT_LT(0, n);
		while (got < n) {
			r = read(pfd[0], buf + done + got, n - got);
			ASSERT_LT(0, r);
			got += r;
		}
		done += n;
	}
	EXPECT_EQ((off_t)size, off);
	EXPECT_TRUE(is_pattern(buf, size, 0));
	/* With a NULL offset, sendfile uses and moves the file offset. */
	ASSERT_EQ(1000, lseek(fd, 1000, SEEK_SET));
	ASSERT_EQ(100, sendfile(pfd[1], fd, NULL, 100));
	ASSERT_EQ(100, read(pfd[0], buf, 100));
	EXPECT_TRUE(is_pattern(buf, 100, 1000));
	EXPECT_EQ(1100, lseek(fd, 0, SEEK_CUR));
	close(fd);
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
}

LFS_TEST(rd, splice_to_pipe)
{
	size_t size = 300000, done = 0;
	char *buf = malloc(size);
	int fd, pfd[2];
	loff_t off = 0;

	ASSERT_EQ(0, pattern_file(lfs_p(&self->c, "l2/sp"), size));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	fd = open(M("sp"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pfd));
	while (done < size) {
		ssize_t n = splice(fd, &off, pfd[1], NULL, 40000, 0), r, got = 0;

		ASSERT_LT(0, n);
		while (got < n) {
			r = read(pfd[0], buf + done + got, n - got);
			ASSERT_LT(0, r);
			got += r;
		}
		done += n;
	}
	EXPECT_TRUE(is_pattern(buf, size, 0));
	EXPECT_EQ(0, splice(fd, &off, pfd[1], NULL, 100, 0));
	close(fd);
	close(pfd[0]);
	close(pfd[1]);
	free(buf);
}

LFS_TEST(rd, seek_data_hole)
{
	static const off_t data[][2] = {
		{ 0, 65536 }, { 1 << 20, (1 << 20) + 65536 },
		{ 3 << 20, (3 << 20) + 4096 },
	};
	off_t size = 4 << 20, o;
	char buf[65536];
	int fd, rfd, i, whence;

	fd = open(lfs_p(&self->c, "l1/sparse"), O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++) {
		lfs_pattern(buf, data[i][1] - data[i][0], data[i][0]);
		ASSERT_EQ(data[i][1] - data[i][0],
			  pwrite(fd, buf, data[i][1] - data[i][0], data[i][0]));
	}
	ASSERT_EQ(0, ftruncate(fd, size));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("sparse"), O_RDONLY);
	rfd = open(lfs_p(&self->c, "l1/sparse"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, rfd);
	/* Every answer of the union equals the real file's answer. */
	for (whence = SEEK_DATA; whence <= SEEK_HOLE; whence++) {
		for (o = 0; o <= size + 4096; o += 32768) {
			off_t a, b;
			int ea, eb;

			errno = 0;
			a = lseek(fd, o, whence);
			ea = errno;
			errno = 0;
			b = lseek(rfd, o, whence);
			eb = errno;
			EXPECT_EQ(b, a) {
				TH_LOG("%s at %lld: union %lld real %lld",
				       whence == SEEK_DATA ? "SEEK_DATA" :
				       "SEEK_HOLE", (long long)o,
				       (long long)a, (long long)b);
			}
			EXPECT_EQ(eb, ea);
		}
	}
	/* Beyond EOF: ENXIO for both. */
	EXPECT_EQ(-1, lseek(fd, size + 1, SEEK_DATA));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, lseek(fd, size, SEEK_HOLE));
	EXPECT_EQ(ENXIO, errno);
	/* The data read through the union is right, holes are zeroes. */
	ASSERT_EQ(4096, pread(fd, buf, 4096, (1 << 20) + 8192));
	EXPECT_TRUE(is_pattern(buf, 4096, (1 << 20) + 8192));
	ASSERT_EQ(4096, pread(fd, buf, 4096, 2 << 20));
	for (i = 0; i < 4096; i++)
		if (buf[i])
			break;
	EXPECT_EQ(4096, i);
	close(fd);
	close(rfd);
}

LFS_TEST(rd, lseek_set_cur_end)
{
	char buf[16];
	int fd;

	ASSERT_EQ(0, lfs_build(L(1), "f f 0123456789"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("f"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(10, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(4, lseek(fd, -6, SEEK_END));
	EXPECT_EQ(6, lseek(fd, 2, SEEK_CUR));
	ASSERT_EQ(4, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "6789", 4));
	EXPECT_EQ(100, lseek(fd, 100, SEEK_SET));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(-1, lseek(fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

LFS_TEST(rd, readlink_variants)
{
	char buf[256];
	int dfd;

	ASSERT_EQ(0, lfs_build(L(0), "s dir/l1 ../target-of-link\nd dir"));
	ASSERT_EQ(0, lfs_build(L(1), "s dir/l2 /abs/path/x\nf regular r"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	ASSERT_EQ(17, readlink(M("dir/l1"), buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "../target-of-link", 17));
	/* A short buffer truncates without NUL. */
	memset(buf, '#', sizeof(buf));
	ASSERT_EQ(5, readlink(M("dir/l2"), buf, 5));
	EXPECT_EQ(0, memcmp(buf, "/abs/#", 6));
	dfd = open(M("dir"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(11, readlinkat(dfd, "l2", buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "/abs/path/x", 11));
	close(dfd);
	/* readlink of a non-symlink is EINVAL */
	EXPECT_EQ(-1, readlink(M("regular"), buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	/* lstat size of a symlink is the target length */
	{
		struct stat st;

		ASSERT_EQ(0, lstat(M("dir/l1"), &st));
		EXPECT_EQ(17, st.st_size);
	}
}

LFS_TEST(rd, read_directory_is_eisdir)
{
	char buf[16];
	int fd;

	ASSERT_EQ(0, lfs_build(L(0), "d d"));
	ASSERT_EQ(0, lfs_build(L(1), "d d"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("d"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EISDIR, errno);
	close(fd);
}

LFS_TEST(rd, read_device_nodes)
{
	char buf[16];
	int fd;

	ASSERT_EQ(0, lfs_build(L(1), "c null 1 3\nc zero 1 5"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	/* Device nodes in a layer open the device. */
	fd = open(M("null"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);
	fd = open(M("zero"), O_RDONLY);
	ASSERT_LE(0, fd);
	memset(buf, 1, sizeof(buf));
	EXPECT_EQ(16, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, buf[0] | buf[15]);
	close(fd);
}

LFS_TEST(rd, concurrent_opens_independent_offsets)
{
	char a[8], b[8];
	int fd1, fd2;

	ASSERT_EQ(0, lfs_build(L(2), "f f abcdefghijklmnop"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	fd1 = open(M("f"), O_RDONLY);
	fd2 = open(M("f"), O_RDONLY);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(4, read(fd1, a, 4));
	ASSERT_EQ(2, read(fd2, b, 2));
	ASSERT_EQ(4, read(fd1, a + 4, 4));
	EXPECT_EQ(0, memcmp(a, "abcdefgh", 8));
	ASSERT_EQ(2, read(fd2, b + 2, 2));
	EXPECT_EQ(0, memcmp(b, "abcd", 4));
	close(fd1);
	close(fd2);
}

TEST_HARNESS_MAIN
