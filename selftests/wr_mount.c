// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: bad upperdir/workdir combinations are refused, and for
 * layerfs the fs_context log (fsopen/fsconfig) says why. A workdir holding
 * only what the filesystem itself left there ("work", overlayfs also
 * "index") from a previous mount of the same union mounts again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(mt, "f file top\nd dir", "f bfile b", 0)

/*
 * Try OPTS (lowerdir=l0:l1 is prepended) with fsopen/fsconfig; return
 * -errno (0 if it mounted). For layerfs a failure must come with a
 * non-empty fs_context message, which is left in LOG.
 */
static int vtry(struct __test_metadata *_metadata, struct lfs_wr *w,
		char *log, size_t loglen, const char *fmt, va_list ap)
{
	char opts[4096], rest[2048];
	const char *step = NULL;
	int r;

	vsnprintf(rest, sizeof(rest), fmt, ap);
	snprintf(opts, sizeof(opts), "lowerdir=%s/l0:%s/l1%s%s", w->c.dir,
		 w->c.dir, *rest ? "," : "", rest);
	r = lfs_fsmount(w->c.mnt, opts, log, loglen, &step);
	if (r) {
		TH_LOG("%s: %s (%s) log: %s", opts, strerror(-r),
		       step ? step : "?", log);
		if (lfs_is_layerfs()) {
			EXPECT_NE(0, strlen(log)) TH_LOG("no fs_context message");
		}
	} else {
		umount2(w->c.mnt, MNT_DETACH);
	}
	return r;
}

static int try_opts(struct __test_metadata *_metadata, struct lfs_wr *w,
		    const char *fmt, ...)
{
	char log[4096];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vtry(_metadata, w, log, sizeof(log), fmt, ap);
	va_end(ap);
	return r;
}

static int try_log(struct __test_metadata *_metadata, struct lfs_wr *w,
		   char *log, size_t loglen, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vtry(_metadata, w, log, loglen, fmt, ap);
	va_end(ap);
	return r;
}

#define TRY(...) try_opts(_metadata, &self->w, __VA_ARGS__)
#define TRY_LOG(log, ...) \
	try_log(_metadata, &self->w, log, sizeof(log), __VA_ARGS__)
#define DIR_ self->w.c.dir

LFS_TEST(mt, good_writable_mount)
{
	EXPECT_EQ(0, TRY("upperdir=%s/u,workdir=%s/w", DIR_, DIR_));
}

LFS_TEST(mt, upper_without_work)
{
	EXPECT_EQ(-EINVAL, TRY("upperdir=%s/u", DIR_));
}

/*
 * overlayfs ignores a workdir without upperdir ("useless in a non-upper
 * mount") and mounts read-only; layerfs refuses the inconsistent options.
 */
LFS_TEST(mt, work_without_upper)
{
	int r = TRY("workdir=%s/w", DIR_);

	if (LAYERFS) {
		EXPECT_EQ(-EINVAL, r);
	} else {
		EXPECT_EQ(0, r);
	}
}

LFS_TEST(mt, work_on_other_filesystem)
{
	ASSERT_EQ(0, lfs_mkdir_p(D("fa"), 0755));
	ASSERT_EQ(0, lfs_mkdir_p(D("fb"), 0755));
	ASSERT_EQ(0, mount("tmpfs", D("fa"), "tmpfs", 0, "size=16m"));
	ASSERT_EQ(0, mount("tmpfs", D("fb"), "tmpfs", 0, "size=16m"));
	ASSERT_EQ(0, mkdir(D("fa/u"), 0755));
	ASSERT_EQ(0, mkdir(D("fb/w"), 0755));
	EXPECT_EQ(-EINVAL, TRY("upperdir=%s/fa/u,workdir=%s/fb/w", DIR_,
			       DIR_));
	/* the same pair on one tmpfs works */
	ASSERT_EQ(0, mkdir(D("fa/w"), 0755));
	EXPECT_EQ(0, TRY("upperdir=%s/fa/u,workdir=%s/fa/w", DIR_, DIR_));
}

LFS_TEST(mt, work_inside_upper)
{
	ASSERT_EQ(0, mkdir(D("u/wk"), 0755));
	EXPECT_EQ(-EINVAL, TRY("upperdir=%s/u,workdir=%s/u/wk", DIR_, DIR_));
}

LFS_TEST(mt, upper_inside_work)
{
	ASSERT_EQ(0, mkdir(D("w/up"), 0755));
	EXPECT_EQ(-EINVAL, TRY("upperdir=%s/w/up,workdir=%s/w", DIR_, DIR_));
}

LFS_TEST(mt, upper_equals_work)
{
	EXPECT_EQ(-EINVAL, TRY("upperdir=%s/u,workdir=%s/u", DIR_, DIR_));
}

/*
 * upperdir inside a lower layer: layerfs refuses it at mount. overlayfs
 * mounts (it only traps the overlap on lookup, with ELOOP), which we
 * check as the documented difference.
 */
LFS_TEST(mt, upper_inside_lower)
{
	int r;

	ASSERT_EQ(0, mkdir(D("l1/up"), 0755));
	ASSERT_EQ(0, mkdir(D("l1/wk"), 0755));
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	r = TRY("upperdir=%s/l1/up,workdir=%s/l1/wk", DIR_, DIR_);
	if (LAYERFS) {
		EXPECT_EQ(-EINVAL, r);
	} else {
		EXPECT_TRUE(r == 0 || r == -EINVAL || r == -ELOOP)
			TH_LOG("overlay: %d", r);
		/*
		 * overlay mounted and wrote its upper/work metadata into
		 * the lower tree (l1/up, l1/wk): accept that change.
		 */
		EXPECT_EQ(0, lfs_wr_snapshot(&self->w));
	}
}

/* A lower layer inside upperdir: refused (overlayfs: ELOOP). */
LFS_TEST(mt, lower_inside_upper)
{
	char opts[4096], log[4096] = "";
	int r;

	ASSERT_EQ(0, lfs_mkdir_p(D("u/low"), 0755));
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/u/low:%s/l1,upperdir=%s/u,workdir=%s/w",
		 DIR_, DIR_, DIR_, DIR_);
	r = lfs_fsmount(self->w.c.mnt, opts, log, sizeof(log), NULL);
	if (!r)
		umount2(self->w.c.mnt, MNT_DETACH);
	TH_LOG("%s: %d log: %s", opts, r, log);
	if (LAYERFS) {
		EXPECT_EQ(-EINVAL, r);
		EXPECT_NE(0, strlen(log));
	} else {
		EXPECT_TRUE(r == -ELOOP || r == -EINVAL || r == -EBUSY)
			TH_LOG("overlay: %d", r);
	}
}

LFS_TEST(mt, upper_is_file)
{
	int r;

	ASSERT_EQ(0, lfs_write_file(D("ufile"), "x", 1));
	r = TRY("upperdir=%s/ufile,workdir=%s/w", DIR_, DIR_);
	EXPECT_TRUE(r == -EINVAL || r == -ENOTDIR) TH_LOG("got %d", r);
}

LFS_TEST(mt, work_is_file)
{
	int r;

	ASSERT_EQ(0, lfs_write_file(D("wfile"), "x", 1));
	r = TRY("upperdir=%s/u,workdir=%s/wfile", DIR_, DIR_);
	EXPECT_TRUE(r == -EINVAL || r == -ENOTDIR) TH_LOG("got %d", r);
}

LFS_TEST(mt, upper_missing)
{
	int r = TRY("upperdir=%s/nonexistent,workdir=%s/w", DIR_, DIR_);

	EXPECT_EQ(-ENOENT, r);
}

/*
 * A workdir holding files of someone else: layerfs refuses it (it would
 * have to delete them). overlayfs only manages work/ and index/ in it and
 * mounts: the documented difference.
 */
LFS_TEST(mt, work_not_empty)
{
	int r;

	ASSERT_EQ(0, lfs_write_file(D("w/junk"), "j", 1));
	r = TRY("upperdir=%s/u,workdir=%s/w", DIR_, DIR_);
	if (LAYERFS) {
		EXPECT_TRUE(r == -EINVAL || r == -ENOTEMPTY) TH_LOG("got %d", r);
	} else {
		EXPECT_EQ(0, r);
	}
	EXPECT_STREQ("j", lfs_cat(D("w/junk")));
}

LFS_TEST(mt, work_with_own_leftovers_remounts)
{
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	ASSERT_EQ(0, lfs_write_file(M("x"), "x", 1));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	EXPECT_EQ(S_IFDIR, lfs_ftype(D("w/work")));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("x", lfs_cat(M("x")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	/*
	 * Leftovers inside work/ (a crashed copy-up: a file, a directory
	 * with its children, a whiteout) are removed by the next mount.
	 * Two levels: the deepest either filesystem leaves there.
	 */
	ASSERT_EQ(0, lfs_write_file(D("w/work/#tmp"), "partial", 7));
	ASSERT_EQ(0, lfs_mkdir_p(D("w/work/#d/e"), 0755));
	ASSERT_EQ(0, lfs_write_file(D("w/work/#d/f"), "f", 1));
	ASSERT_EQ(0, lfs_whiteout(D("w/work/#wh")));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("x", lfs_cat(M("x")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("#tmp")));
	EXPECT_EQ(-ENOENT, lfs_ftype(D("w/work/#tmp")));
	EXPECT_EQ(-ENOENT, lfs_ftype(D("w/work/#d")));
	EXPECT_EQ(-ENOENT, lfs_ftype(D("w/work/#wh")));
	EXPECT_EQ(0, lfs_count(D("w/work")));
}

LFS_TEST(mt, upper_on_readonly_mount)
{
	ASSERT_EQ(0, lfs_mkdir_p(D("ro"), 0755));
	ASSERT_EQ(0, mkdir(D("ro/u"), 0755));
	ASSERT_EQ(0, mkdir(D("ro/w"), 0755));
	ASSERT_EQ(0, mount(D("ro"), D("ro"), NULL, MS_BIND, NULL));
	ASSERT_EQ(0, mount(NULL, D("ro"), NULL,
			   MS_BIND | MS_REMOUNT | MS_RDONLY, NULL));
	EXPECT_EQ(-EINVAL, TRY("upperdir=%s/ro/u,workdir=%s/ro/w", DIR_,
			       DIR_));
}

LFS_TEST(mt, lower_equals_upper)
{
	int r = TRY("upperdir=%s/l0,workdir=%s/w", DIR_, DIR_);

	if (LAYERFS) {
		EXPECT_EQ(-EINVAL, r);
	} else {
		EXPECT_TRUE(r == -EINVAL || r == -ELOOP || r == -EBUSY)
			TH_LOG("overlay: %d", r);
	}
}

/*
 * What the upper filesystem can do is probed at mount. ramfs (6.12) has
 * O_TMPFILE and d_type but no xattrs, no RENAME_WHITEOUT (simple_rename)
 * and no file handles. layerfs needs trusted.* xattrs for its markers and
 * refuses, naming the first feature it misses. overlayfs mounts with the
 * xattr features off, as it logs: redirect_dir=nofollow (renaming a lower
 * directory is EXDEV), no metacopy, no index, and whiteouts made by mknod
 * and a plain rename.
 */
LFS_TEST(mt, upper_on_ramfs)
{
	char log[4096];
	int kmsg, r;

	ASSERT_EQ(0, lfs_mkdir_p(D("r"), 0755));
	ASSERT_EQ(0, mount("ramfs", D("r"), "ramfs", 0, NULL));
	ASSERT_EQ(0, mkdir(D("r/u"), 0755));
	ASSERT_EQ(0, mkdir(D("r/w"), 0755));
	ASSERT_EQ(-1, setxattr(D("r/w"), "trusted.probe", "y", 1, 0));
	ASSERT_EQ(EOPNOTSUPP, errno);
	if (LAYERFS) {
		r = TRY_LOG(log, "upperdir=%s/r/u,workdir=%s/r/w", DIR_, DIR_);
		EXPECT_EQ(-EINVAL, r);
		EXPECT_NE(NULL, strstr(log, "no trusted.* xattrs"))
			TH_LOG("log: %s", log);
		EXPECT_EQ(0, lfs_count(D("r/u")));
		return;
	}
	kmsg = lfs_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, lfs_wr_mount_at(&self->w, NULL, "r/u", "r/w", 1, NULL));
	EXPECT_LT(0, lfs_kmsg_read(kmsg, log, sizeof(log)));
	close(kmsg);
	EXPECT_NE(NULL, strstr(log, "failed to set xattr on upper"))
		TH_LOG("kernel log: %s", log);
	EXPECT_NE(NULL, strstr(log, "does not support RENAME_WHITEOUT"))
		TH_LOG("kernel log: %s", log);
	ASSERT_EQ(0, lfs_write_file(M("file"), "new", 3));
	EXPECT_STREQ("new", lfs_cat(D("r/u/file")));
	ASSERT_EQ(0, unlink(M("bfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("bfile")));
	EXPECT_EQ(1, lfs_is_whiteout(D("r/u/bfile")));
	EXPECT_EQ(-1, rename(M("dir"), M("dir2")));
	EXPECT_EQ(EXDEV, errno);
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("dir")));
}

/* d_type of the one entry of DIR as its filesystem lists it, or -errno. */
static int only_dtype(const char *dir)
{
	struct lfs_dent *d;
	int n = lfs_list(dir, &d), type;

	if (n < 0)
		return n;
	type = n == 1 ? d[0].type : -EEXIST;
	free(d);
	return type;
}

/*
 * An ext4 made without the filetype feature lists every name as
 * DT_UNKNOWN (it has xattrs, O_TMPFILE and RENAME_WHITEOUT). layerfs
 * tells whiteouts from other names in a listing by d_type and refuses
 * it. overlayfs warns ("upper fs needs to support d_type") and mounts,
 * and then a removed lower name is still listed (its whiteout), though
 * it cannot be looked up.
 */
LFS_TEST(mt, upper_without_d_type)
{
	char *mkfs[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-O", "^filetype",
			 "-E", "nodiscard", (char *)D("e.img"), NULL };
	char node[64], log[4096];
	int fd, kmsg, r;

	fd = open(D("e.img"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 32 << 20));
	close(fd);
	ASSERT_EQ(0, lfs_run_quiet(mkfs, NULL));
	fd = lfs_loop_attach(D("e.img"), node, sizeof(node));
	ASSERT_LE(0, fd) TH_LOG("loop: %s", LFS_ERR(fd));
	ASSERT_EQ(0, lfs_mkdir_p(D("e"), 0755));
	r = mount(node, D("e"), "ext4", 0, NULL);
	close(fd);	/* the mount holds the loop device; autoclear */
	ASSERT_EQ(0, r) TH_LOG("mount %s: %s", node, strerror(errno));
	ASSERT_EQ(0, mkdir(D("e/u"), 0755));
	ASSERT_EQ(0, mkdir(D("e/w"), 0755));
	ASSERT_EQ(0, lfs_write_file(D("e/w/probe"), "", 0));
	ASSERT_EQ(DT_UNKNOWN, only_dtype(D("e/w")));
	ASSERT_EQ(0, unlink(D("e/w/probe")));
	if (LAYERFS) {
		r = TRY_LOG(log, "upperdir=%s/e/u,workdir=%s/e/w", DIR_, DIR_);
		EXPECT_EQ(-EINVAL, r);
		EXPECT_NE(NULL, strstr(log, "does not support d_type"))
			TH_LOG("log: %s", log);
		EXPECT_EQ(0, lfs_count(D("e/u")));
		return;
	}
	kmsg = lfs_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, lfs_wr_mount_at(&self->w, NULL, "e/u", "e/w", 1, NULL));
	EXPECT_LT(0, lfs_kmsg_read(kmsg, log, sizeof(log)));
	close(kmsg);
	EXPECT_NE(NULL, strstr(log, "upper fs needs to support d_type"))
		TH_LOG("kernel log: %s", log);
	ASSERT_EQ(0, unlink(M("bfile")));
	EXPECT_EQ(1, lfs_is_whiteout(D("e/u/bfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("bfile")));
	EXPECT_EQ(1, lfs_listed(self->w.c.mnt, "bfile"));
}

TEST_HARNESS_MAIN
