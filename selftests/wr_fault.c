// SPDX-License-Identifier: GPL-2.0-only
/*
 * Injected faults: an upper filesystem that runs out of space (a small
 * tmpfs, by blocks or by inodes) during copy-up, create, rename and
 * whiteout creation.  The call must fail with ENOSPC, the merged view must
 * be as before, no partial file may be visible, and the next mount must
 * start with an empty work directory.  Run on layerfs and overlayfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

/* 2 MiB of lower data; the upper tmpfs has 1 MiB and few inodes. */
#define BIG	(2 << 20)

FIXTURE(ft) {
	struct lfs_wr w;
};

FIXTURE_SETUP(ft)
{
	char spec[256];

	snprintf(spec, sizeof(spec),
		 "P big %d\nf small s\nd dir\nf dir/a A\nf dir/b B\nf gone g",
		 BIG);
	ASSERT_EQ(0, lfs_wr_setup(&self->w, spec, "f low L"));
	ASSERT_EQ(0, lfs_mkdir_p(D("small"), 0755));
}

FIXTURE_TEARDOWN(ft)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	if (self->w.c.mounted)
		umount2(self->w.c.mnt, MNT_DETACH);
	self->w.c.mounted = 0;
	umount2(D("small"), MNT_DETACH);
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

/* A fresh small tmpfs for upper and work, then the union over it. */
static int small_union(struct lfs_wr *w, const char *tmpfs_opts)
{
	int r;

	umount2(lfs_wd(w, "small"), MNT_DETACH);
	if (mount("tmpfs", lfs_wd(w, "small"), "tmpfs", 0, tmpfs_opts))
		return -errno;
	if (lfs_mkdir_p(lfs_wd(w, "small/u"), 0755) ||
	    lfs_mkdir_p(lfs_wd(w, "small/w"), 0755))
		return -EIO;
	r = lfs_wr_mount_at(w, NULL, "small/u", "small/w", 1, NULL);
	if (!r)
		w->c.mounted = 1;
	return r;
}

/*
 * Remount the union over the same upper, once the space is back (a mount
 * needs a few inodes for its work directory).
 */
static int remount(struct lfs_wr *w)
{
	int i;

	if (umount2(w->c.mnt, 0))
		return -errno;
	for (i = 0; i < 1000; i++)
		unlink(lfs_wd(w, "small/u/i%d", i));
	w->c.mounted = 0;
	if (lfs_wr_mount_at(w, NULL, "small/u", "small/w", 1, NULL))
		return -EIO;
	w->c.mounted = 1;
	return 0;
}

/* Use up the upper filesystem's inodes. */
static void fill_inodes(struct lfs_wr *w)
{
	int i;

	for (i = 0; i < 1000; i++) {
		int fd = open(lfs_wd(w, "small/u/i%d", i), O_WRONLY | O_CREAT,
			      0644);

		if (fd < 0)
			break;
		close(fd);
	}
}

/* Both keep their staging area in <workdir>/work. */
static int work_entries(struct lfs_wr *w)
{
	return lfs_count(lfs_wd(w, "small/w/work"));
}

LFS_TEST(ft, copy_up_enospc_leaves_lower_view)
{
	int fd, err;

	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	fd = open(M("big"), O_WRONLY | O_APPEND);
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(ENOSPC, err);
	/* No partial copy anywhere: the lower data is what the union shows. */
	EXPECT_EQ(-ENOENT, lfs_ftype(U("big")));
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG));
	EXPECT_EQ(0, work_entries(&self->w));
	EXPECT_EQ(0, remount(&self->w));
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG));
	EXPECT_EQ(0, work_entries(&self->w));
}

LFS_TEST(ft, create_enospc_changes_nothing)
{
	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	fill_inodes(&self->w);
	EXPECT_EQ(-ENOSPC, lfs_write_file(M("newfile"), "n", 1));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("newfile")));
	EXPECT_EQ(-1, mkdir(M("newdir"), 0755));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-ENOENT, lfs_ftype(M("newdir")));
	EXPECT_STREQ("s", lfs_cat(M("small")));
}

LFS_TEST(ft, whiteout_enospc_keeps_file)
{
	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	fill_inodes(&self->w);
	/* Removing a lower file needs a whiteout, which needs an inode. */
	EXPECT_EQ(-1, unlink(M("gone")));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_STREQ("g", lfs_cat(M("gone")));
	EXPECT_EQ(0, remount(&self->w));
	EXPECT_STREQ("g", lfs_cat(M("gone")));
	EXPECT_EQ(0, work_entries(&self->w));
}

LFS_TEST(ft, rename_enospc_keeps_both_names)
{
	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	fill_inodes(&self->w);
	EXPECT_EQ(-1, rename(M("dir"), M("dir2")));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("dir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir2")));
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_EQ(-1, rename(M("low"), M("low2")));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_STREQ("L", lfs_cat(M("low")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("low2")));
	EXPECT_EQ(0, remount(&self->w));
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_STREQ("L", lfs_cat(M("low")));
	EXPECT_EQ(0, work_entries(&self->w));
}

TEST_HARNESS_MAIN
