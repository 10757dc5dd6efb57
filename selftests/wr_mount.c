// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: bad upperdir/workdir combinations are refused, and for
 * layerfs the fs_context log (fsopen/fsconfig) says why. A workdir holding
 * only what the filesystem itself left there ("work", overlayfs also
 * "index") from a previous mount of the same union mounts again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(mt, "f file top\nd dir", "f bfile b", 0)

/*
 * Try OPTS (lowerdir=l0:l1 is prepended) with fsopen/fsconfig; return
 * -errno (0 if it mounted). For layerfs a failure must come with a
 * non-empty fs_context message.
 */
static int try_opts(struct __test_metadata *_metadata, struct lfs_wr *w,
		    const char *fmt, ...)
{
	char opts[4096], rest[2048], log[4096] = "";
	const char *step = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	snprintf(opts, sizeof(opts), "lowerdir=%s/l0:%s/l1%s%s", w->c.dir,
		 w->c.dir, *rest ? "," : "", rest);
	r = lfs_fsmount(w->c.mnt, opts, log, sizeof(log), &step);
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

#define TRY(...) try_opts(_metadata, &self->w, __VA_ARGS__)
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

TEST_HARNESS_MAIN
