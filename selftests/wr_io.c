// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: the data paths of copied-up and new files: fsync,
 * fdatasync, syncfs, fallocate (with PUNCH_HOLE), copy_file_range between
 * union files, O_APPEND, shared writable mmap and O_DIRECT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define SIZE	262144

LFS_WR_FIXTURE(io,
	"P data 262144\nf small hello\nP src 262144",
	"f log line1\n",
	1)

LFS_TEST(io, fsync_fdatasync)
{
	int fd = open(M("small"), O_WRONLY | O_APPEND);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "!", 1));
	EXPECT_EQ(0, fsync(fd));
	EXPECT_EQ(0, fdatasync(fd));
	close(fd);
	fd = open(M("small"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fsync(fd));	/* fsync of a read-only fd is fine */
	close(fd);
	EXPECT_STREQ("hello!", lfs_cat(U("small")));
}

LFS_TEST(io, fsync_dir)
{
	int fd;

	ASSERT_EQ(0, mkdir(M("d"), 0755));
	fd = open(M("d"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fsync(fd));
	close(fd);
	fd = open(self->w.c.mnt, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fsync(fd));
	close(fd);
}

LFS_TEST(io, syncfs)
{
	int fd;

	ASSERT_EQ(0, lfs_write_file(M("n"), "n", 1));
	fd = open(M("n"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, syncfs(fd));
	close(fd);
	sync();
	EXPECT_STREQ("n", lfs_cat(U("n")));
}

LFS_TEST(io, fallocate_extend_and_keep_size)
{
	struct stat st;
	int fd = open(M("small"), O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fallocate(fd, 0, 0, 65536)) TH_LOG("fallocate: %s",
							 strerror(errno));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(65536, st.st_size);
	EXPECT_LE(65536 / 512, st.st_blocks);
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 65536));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(65536, st.st_size);
	close(fd);
	EXPECT_EQ(0, memcmp("hello", lfs_cat(M("small")), 5));
	ASSERT_EQ(0, stat(U("small"), &st));
	EXPECT_EQ(65536, st.st_size);
}

LFS_TEST(io, fallocate_punch_hole)
{
	char buf[4096], zero[4096] = { 0 };
	struct stat before, after;
	int fd = open(M("data"), O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &before));
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       65536, 65536)) TH_LOG("punch: %s",
						     strerror(errno));
	ASSERT_EQ(0, fstat(fd, &after));
	EXPECT_EQ(SIZE, after.st_size);
	EXPECT_GT(before.st_blocks, after.st_blocks);
	ASSERT_EQ(4096, pread(fd, buf, 4096, 65536 + 4096));
	EXPECT_EQ(0, memcmp(buf, zero, 4096));
	EXPECT_EQ(65536, lseek(fd, 0, SEEK_HOLE));
	close(fd);
	/* the rest of the data is intact */
	EXPECT_EQ(0, lfs_check_pattern(M("data"), 65536));
	EXPECT_EQ(0, lfs_check_pattern(L0("data"), SIZE));
}

LFS_TEST(io, copy_file_range_between_union_files)
{
	loff_t in_off = 4096, out_off = 0;
	ssize_t n, done = 0;
	int in, out;

	in = open(M("src"), O_RDONLY);
	out = open(M("dst"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	ASSERT_LE(0, in);
	ASSERT_LE(0, out);
	while (done < SIZE - 4096) {
		n = copy_file_range(in, &in_off, out, &out_off,
				    SIZE - 4096 - done, 0);
		ASSERT_LT(0, n) TH_LOG("copy_file_range: %s", strerror(errno));
		done += n;
	}
	close(in);
	close(out);
	/* compare dst with src shifted by 4096 */
	{
		char a[4096], b[4096];
		int fa = open(M("src"), O_RDONLY), fb = open(U("dst"), O_RDONLY);
		off_t o;

		ASSERT_LE(0, fa);
		ASSERT_LE(0, fb);
		for (o = 0; o < SIZE - 4096; o += 4096) {
			ASSERT_EQ(4096, pread(fa, a, 4096, o + 4096));
			ASSERT_EQ(4096, pread(fb, b, 4096, o));
			ASSERT_EQ(0, memcmp(a, b, 4096)) TH_LOG("at %lld",
							       (long long)o);
		}
		close(fa);
		close(fb);
	}
}

LFS_TEST(io, copy_file_range_into_lower_file)
{
	loff_t in_off = 0, out_off = 2;
	int in, out;

	in = open(M("small"), O_RDONLY);
	out = open(M("log"), O_WRONLY);
	ASSERT_LE(0, in);
	ASSERT_LE(0, out);
	ASSERT_EQ(5, copy_file_range(in, &in_off, out, &out_off, 5, 0));
	close(in);
	close(out);
	EXPECT_STREQ("lihello", lfs_cat(M("log")));
	EXPECT_STREQ("line1", lfs_cat(L1("log")));
}

LFS_TEST(io, o_append)
{
	int a, b;

	a = open(M("log"), O_WRONLY | O_APPEND);
	ASSERT_LE(0, a);
	ASSERT_EQ(6, write(a, "\nline2", 6));
	b = open(M("log"), O_WRONLY | O_APPEND);
	ASSERT_LE(0, b);
	ASSERT_EQ(6, write(b, "\nline3", 6));
	ASSERT_EQ(6, write(a, "\nline4", 6));
	/* pwrite on O_APPEND appends on Linux too */
	ASSERT_EQ(1, pwrite(b, "\n", 1, 0));
	close(a);
	close(b);
	EXPECT_STREQ("line1\nline2\nline3\nline4\n", lfs_cat(M("log")));
	EXPECT_STREQ("line1\nline2\nline3\nline4\n", lfs_cat(U("log")));
}

LFS_TEST(io, shared_mmap_write)
{
	char buf[16] = "";
	char *p;
	int fd = open(M("data"), O_RDWR);

	ASSERT_LE(0, fd);
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memcpy(p + 100000, "MMAPPED", 7);
	ASSERT_EQ(0, msync(p, SIZE, MS_SYNC));
	ASSERT_EQ(7, pread(fd, buf, 7, 100000));
	EXPECT_STREQ("MMAPPED", buf);
	munmap(p, SIZE);
	close(fd);
	memset(buf, 0, sizeof(buf));
	fd = open(U("data"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(7, pread(fd, buf, 7, 100000));
	EXPECT_STREQ("MMAPPED", buf);
	close(fd);
	EXPECT_EQ(0, lfs_check_pattern(M("data"), 100000));
	EXPECT_EQ(0, lfs_check_pattern(L0("data"), SIZE));
}

LFS_TEST(io, mmap_of_new_file_and_read)
{
	char buf[8] = "";
	char *p;
	int fd = open(M("mm"), O_RDWR | O_CREAT, 0644);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8192));
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memcpy(p + 4096, "page2", 5);
	ASSERT_EQ(0, msync(p, 8192, MS_SYNC));
	munmap(p, 8192);
	close(fd);
	fd = open(M("mm"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, pread(fd, buf, 5, 4096));
	close(fd);
	EXPECT_STREQ("page2", buf);
}

LFS_TEST(io, o_direct_write_read)
{
	struct statfs sf;
	char *wbuf, *rbuf;
	int fd;

	ASSERT_EQ(0, posix_memalign((void **)&wbuf, 4096, 65536));
	ASSERT_EQ(0, posix_memalign((void **)&rbuf, 4096, 65536));
	lfs_pattern(wbuf, 65536, 7);
	ASSERT_EQ(0, statfs(self->w.c.dir, &sf));
	fd = open(M("data"), O_RDWR | O_DIRECT);
	if (fd < 0 && errno == EINVAL)
		ASSERT_TRUE(0) TH_LOG("backing fs (magic %lx) lacks O_DIRECT",
				      (long)sf.f_type);
	ASSERT_LE(0, fd) TH_LOG("open O_DIRECT: %s", strerror(errno));
	ASSERT_EQ(65536, pwrite(fd, wbuf, 65536, 65536)) TH_LOG("%s",
							 strerror(errno));
	ASSERT_EQ(65536, pread(fd, rbuf, 65536, 65536));
	EXPECT_EQ(0, memcmp(wbuf, rbuf, 65536));
	ASSERT_EQ(65536, pread(fd, rbuf, 65536, 0));
	close(fd);
	lfs_pattern(wbuf, 65536, 0);
	EXPECT_EQ(0, memcmp(wbuf, rbuf, 65536));
	/* a buffered reader sees the direct write */
	fd = open(U("data"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(65536, pread(fd, rbuf, 65536, 65536));
	close(fd);
	lfs_pattern(wbuf, 65536, 7);
	EXPECT_EQ(0, memcmp(wbuf, rbuf, 65536));
	free(wbuf);
	free(rbuf);
}

LFS_TEST(io, o_direct_new_file)
{
	char *buf;
	int fd;

	ASSERT_EQ(0, posix_memalign((void **)&buf, 4096, 8192));
	memset(buf, 'd', 8192);
	fd = open(M("direct"), O_RDWR | O_CREAT | O_DIRECT, 0644);
	ASSERT_LE(0, fd) TH_LOG("open O_DIRECT: %s", strerror(errno));
	ASSERT_EQ(8192, write(fd, buf, 8192));
	close(fd);
	EXPECT_EQ('d', lfs_cat(U("direct"))[100]);
	free(buf);
}

LFS_TEST(io, write_past_eof_of_lower)
{
	struct stat st;
	int fd = open(M("small"), O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(3, pwrite(fd, "END", 3, 1 << 20));
	close(fd);
	ASSERT_EQ(0, stat(M("small"), &st));
	EXPECT_EQ((1 << 20) + 3, st.st_size);
	EXPECT_EQ(0, memcmp("hello", lfs_cat(M("small")), 5));
}

/*
 * fcntl(F_SETFL, O_DIRECT) on an open file must switch its I/O to direct,
 * and clearing it back to buffered.  A union passes the flag on to the
 * real file; the observable difference is where the backing filesystem
 * checks alignment (ext4: an unaligned O_DIRECT read is EINVAL; tmpfs
 * takes it).  So each union file must answer as a file of the bare base
 * filesystem does: a lower file still read-only below, and a copied-up
 * file.  Returns in R[0] the result with O_DIRECT set, in R[1] after it is
 * cleared again (bytes read or -errno), and -1 when F_GETFL disagrees.
 */
static int setfl_direct(const char *path, int flags, ssize_t r[2])
{
	static char buf[8192] __attribute__((aligned(4096)));
	int fd = open(path, flags | O_CLOEXEC), fl;

	if (fd < 0)
		return -errno;
	fl = fcntl(fd, F_GETFL);
	if (fcntl(fd, F_SETFL, fl | O_DIRECT) ||
	    !(fcntl(fd, F_GETFL) & O_DIRECT)) {
		close(fd);
		return -1;
	}
	/* An unaligned buffer: direct I/O on a block fs refuses it. */
	r[0] = pread(fd, buf + 1, 4096, 0);
	if (r[0] < 0)
		r[0] = -errno;
	if (fcntl(fd, F_SETFL, fl & ~O_DIRECT) ||
	    (fcntl(fd, F_GETFL) & O_DIRECT)) {
		close(fd);
		return -1;
	}
	r[1] = pread(fd, buf + 1, 4096, 0);
	if (r[1] < 0)
		r[1] = -errno;
	close(fd);
	return 0;
}

LFS_TEST(io, setfl_o_direct_reaches_real_file)
{
	static char data[65536];
	const char *paths[] = { M("data"), M("src") };
	ssize_t bare[2], uni[2];
	unsigned int i;
	int fd;

	lfs_pattern(data, sizeof(data), 0);
	ASSERT_EQ(0, lfs_write_file(D("bare"), data, sizeof(data)));
	ASSERT_EQ(0, setfl_direct(D("bare"), O_RDONLY, bare));
	TH_LOG("bare base: %zd with O_DIRECT, %zd without", bare[0], bare[1]);
	ASSERT_EQ(4096, bare[1]);
	/* src is copied up (opened for write); data stays below. */
	fd = open(M("src"), O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, setfl_direct(paths[i], i ? O_RDWR : O_RDONLY,
					  uni));
		EXPECT_EQ(bare[0], uni[0])
			TH_LOG("%s: %zd with O_DIRECT, bare %zd", paths[i],
			       uni[0], bare[0]);
		EXPECT_EQ(bare[1], uni[1]);
	}
}

TEST_HARNESS_MAIN
