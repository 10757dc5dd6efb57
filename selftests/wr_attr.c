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
#include <sys/mount.h>
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
			       (struct timespec[2]) { { 5, 0 }, { 5, 0 } },
			       0));
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

/*
 * Upper and work on a tmpfs of their own, of a size and inode count no
 * other filesystem here has, so a statfs of the wrong layer shows: the
 * union is mounted again with <dir>/small/u and <dir>/small/w.
 */
#define SMALL_BLOCKS	768	/* size=3m in 4 KiB pages */
#define SMALL_FILES	777

static int small_upper(struct lfs_wr *w)
{
	char opts[64];
	int r;

	r = lfs_umount(&w->c);
	if (!r)
		r = lfs_mkdir_p(lfs_wd(w, "small"), 0755);
	if (r)
		return r;
	snprintf(opts, sizeof(opts), "size=%dk,nr_inodes=%d",
		 SMALL_BLOCKS * 4, SMALL_FILES);
	if (mount("tmpfs", lfs_wd(w, "small"), "tmpfs", 0, opts) ||
	    mkdir(lfs_wd(w, "small/u"), 0755) ||
	    mkdir(lfs_wd(w, "small/w"), 0755))
		return -errno;
	return lfs_wr_mount_at(w, NULL, "small/u", "small/w", 1, NULL);
}

LFS_TEST(at, statfs_reports_upper)
{
	struct statfs a, b, l;

	ASSERT_EQ(0, small_upper(&self->w));
	ASSERT_EQ(0, statfs(self->w.c.mnt, &a));
	ASSERT_EQ(0, statfs(D("small/u"), &b));
	ASSERT_EQ(0, statfs(D("l0"), &l));
	ASSERT_EQ(4096, b.f_bsize);
	ASSERT_EQ(SMALL_BLOCKS, b.f_blocks);
	ASSERT_EQ(SMALL_FILES, b.f_files);
	ASSERT_NE(l.f_blocks, b.f_blocks);
	EXPECT_EQ(b.f_bsize, a.f_bsize);
	EXPECT_EQ(b.f_frsize, a.f_frsize);
	EXPECT_EQ(b.f_blocks, a.f_blocks);
	EXPECT_EQ(b.f_bfree, a.f_bfree);
	EXPECT_EQ(b.f_bavail, a.f_bavail);
	EXPECT_EQ(b.f_files, a.f_files);
	EXPECT_EQ(b.f_ffree, a.f_ffree);
	EXPECT_EQ(b.f_namelen, a.f_namelen);
	EXPECT_EQ(LAYERFS ? LFS_MAGIC : OVL_MAGIC, (long)a.f_type);
	/* any name in the union, a lower file too, reports the same */
	ASSERT_EQ(0, statfs(M("bfile"), &b));
	EXPECT_EQ(a.f_blocks, b.f_blocks);
	EXPECT_EQ(a.f_files, b.f_files);
}

/* A new file of 1 MiB takes 256 pages and one inode of the upper tmpfs. */
LFS_TEST(at, statfs_tracks_upper_usage)
{
	struct statfs a, b;
	char buf[1 << 16];
	int fd, i;

	ASSERT_EQ(0, small_upper(&self->w));
	ASSERT_EQ(0, statfs(self->w.c.mnt, &a));
	fd = open(M("fill"), O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	memset(buf, 1, sizeof(buf));
	for (i = 0; i < 16; i++)
		ASSERT_EQ((ssize_t)sizeof(buf), write(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	ASSERT_EQ(0, statfs(self->w.c.mnt, &b));
	EXPECT_EQ(a.f_bfree - 256, b.f_bfree);
	EXPECT_EQ(a.f_ffree - 1, b.f_ffree);
	ASSERT_EQ(0, unlink(M("fill")));
	ASSERT_EQ(0, statfs(self->w.c.mnt, &b));
	EXPECT_EQ(a.f_bfree, b.f_bfree);
	EXPECT_EQ(a.f_ffree, b.f_ffree);
}

/*
 * Each lower on a filesystem of its own: two fresh tmpfs mounts number
 * their inodes alike, so real inode numbers of l0 and l1 collide, and the
 * upper is on the base, a third filesystem. st_ino must be composed to
 * stay unique within the union, and stay the same over a remount and a
 * copy-up. layerfs composes whenever the layers span filesystems;
 * overlayfs only with xino=on (off by default in the VM's kernel).
 */
LFS_WR_FIXTURE(xi, NULL, NULL, 0)

static const char *const xi_names[] = {
	".", "a", "b", "c", "d", "d/x", "d/y", "only0", "only1", "only1/z",
};

#define XI_N ARRAY_SIZE(xi_names)

static int xi_mount(struct lfs_wr *w)
{
	return lfs_wr_mount_at(w, NULL, NULL, NULL, 1,
			       lfs_is_layerfs() ? NULL : "xino=on");
}

static int xi_build(struct lfs_wr *w)
{
	int i, r;

	for (i = 0; i < LFS_WR_NLOWER; i++)
		if (mount("tmpfs", lfs_wd(w, "l%d", i), "tmpfs", 0, "size=8m"))
			return -errno;
	r = lfs_wr_build(lfs_wd(w, "l0"),
			 "f a A\nf c C0\nd d\nf d/x X\nd only0");
	if (!r)
		r = lfs_wr_build(lfs_wd(w, "l1"),
				 "f b B\nf c C1\nd d\nf d/y Y\nd only1\n"
				 "f only1/z Z");
	if (!r)
		r = lfs_wr_snapshot(w);
	return r ?: xi_mount(w);
}

/* Number of real inode numbers of l0 that l1 uses too. */
static int xi_collisions(struct lfs_wr *w)
{
	int i, j, n = 0;
	struct stat a, b;

	for (i = 0; i < (int)XI_N; i++) {
		if (lstat(lfs_wl(w, 0, "%s", xi_names[i]), &a))
			continue;
		for (j = 0; j < (int)XI_N; j++)
			if (!lstat(lfs_wl(w, 1, "%s", xi_names[j]), &b) &&
			    a.st_ino == b.st_ino)
				n++;
	}
	return n;
}

/*
 * st_ino of every name in the union (EXTRA more names after xi_names),
 * checked to be unique, on the union's st_dev, and what readdir gives as
 * d_ino.
 */
static void xi_collect(struct __test_metadata *_metadata, struct lfs_wr *w,
		       const char *const *extra, int nextra, ino_t *ino)
{
	int n = XI_N + nextra, i, j;
	struct lfs_dent *d;
	struct stat st;
	dev_t dev = 0;

	for (i = 0; i < n; i++) {
		const char *name = i < (int)XI_N ? xi_names[i] :
						   extra[i - XI_N];

		ASSERT_EQ(0, lstat(lfs_m(&w->c, "%s", name), &st))
			TH_LOG("%s: %s", name, strerror(errno));
		if (!i)
			dev = st.st_dev;
		EXPECT_EQ(dev, st.st_dev) TH_LOG("%s", name);
		ino[i] = st.st_ino;
		for (j = 0; j < i; j++) {
			EXPECT_NE(ino[j], ino[i])
				TH_LOG("%s and %s: st_ino %llu", name,
				       j < (int)XI_N ? xi_names[j] :
						       extra[j - XI_N],
				       (unsigned long long)ino[i]);
		}
	}
	for (i = 0; i < n; i++) {
		const char *name = i < (int)XI_N ? xi_names[i] :
						   extra[i - XI_N];
		const char *slash = strrchr(name, '/');
		char dir[64] = ".";
		int k, m;

		if (!i)
			continue;
		if (slash)
			snprintf(dir, sizeof(dir), "%.*s",
				 (int)(slash - name), name);
		m = lfs_list(lfs_m(&w->c, "%s", dir), &d);
		ASSERT_LE(0, m);
		k = lfs_find(d, m, slash ? slash + 1 : name);
		EXPECT_LE(0, k) TH_LOG("%s not listed", name);
		EXPECT_EQ(ino[i], k >= 0 ? d[k].ino : 0)
			TH_LOG("d_ino of %s", name);
		free(d);
	}
}

static void xi_same(struct __test_metadata *_metadata, const ino_t *was,
		    const ino_t *now, int n, const char *when)
{
	int i;

	for (i = 0; i < n; i++) {
		EXPECT_EQ(was[i], now[i])
			TH_LOG("%s %s: st_ino %llu then %llu", when,
			       i < (int)XI_N ? xi_names[i] : "(new)",
			       (unsigned long long)was[i],
			       (unsigned long long)now[i]);
	}
}

LFS_TEST(xi, ino_unique_and_stable_over_filesystems)
{
	static const char *const made[] = { "n", "nd", "d/n" };
	ino_t a[XI_N + 3], b[XI_N + 3];

	ASSERT_EQ(0, xi_build(&self->w));
	ASSERT_LT(0, xi_collisions(&self->w));
	xi_collect(_metadata, &self->w, NULL, 0, a);

	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, xi_mount(&self->w));
	xi_collect(_metadata, &self->w, NULL, 0, b);
	xi_same(_metadata, a, b, XI_N, "remount");

	/* copy-ups: metadata only, data, and of directories */
	ASSERT_EQ(0, chmod(M("a"), 0600));
	ASSERT_EQ(0, truncate(M("b"), 0));
	ASSERT_EQ(0, lfs_write_file(M("c"), "new", 3));
	ASSERT_EQ(0, chmod(M("d/y"), 0600));
	ASSERT_EQ(0, lchown(M("only1/z"), 7, 7));
	ASSERT_EQ(0, chmod(M("only0"), 0700));
	ASSERT_EQ(S_IFREG, lfs_ftype(U("only1/z")));
	ASSERT_EQ(S_IFREG, lfs_ftype(U("c")));
	ASSERT_EQ(0, lfs_write_file(M("n"), "n", 1));
	ASSERT_EQ(0, mkdir(M("nd"), 0755));
	ASSERT_EQ(0, lfs_write_file(M("d/n"), "n", 1));
	xi_collect(_metadata, &self->w, made, 3, b);
	xi_same(_metadata, a, b, XI_N, "copy-up");

	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, xi_mount(&self->w));
	xi_collect(_metadata, &self->w, made, 3, a);
	xi_same(_metadata, b, a, XI_N + 3, "copy-up and remount");
	EXPECT_STREQ("new", lfs_cat(M("c")));
}

TEST_HARNESS_MAIN
