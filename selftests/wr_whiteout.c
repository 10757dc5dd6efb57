// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: unlink and rmdir of lower names leave whiteouts (char
 * device 0/0) in the upper layer, upper-only names leave nothing; rmdir of
 * a merged directory needs it empty in the merged view and cleans the
 * whiteouts inside it; mkdir over a whiteout makes an opaque directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(wo,
	"f file top\nf both top\nd dir\nf dir/a A\nd empty\n"
	"d nest/in\nf nest/in/x X\ns sl file\np fifo",
	"f both bottom\nf bfile b\nd dir\nf dir/b B\nd bdir\nf bdir/y Y\n"
	"d dir/sub\nf dir/sub/z Z",
	1)

static void gone(struct __test_metadata *_metadata, struct lfs_wr *w,
		 const char *dir, const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s/%s", w->c.mnt, dir, name);
	EXPECT_EQ(-ENOENT, lfs_ftype(p)) TH_LOG("%s still there", p);
	snprintf(p, sizeof(p), "%s/%s", w->c.mnt, dir);
	EXPECT_EQ(0, lfs_listed(p, name)) TH_LOG("%s still listed", name);
}

LFS_TEST(wo, unlink_lower_leaves_whiteout)
{
	ASSERT_EQ(0, unlink(M("file")));
	EXPECT_EQ(1, lfs_is_whiteout(U("file")));
	gone(_metadata, &self->w, ".", "file");
	errno = 0;
	EXPECT_EQ(-1, open(M("file"), O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
}

LFS_TEST(wo, unlink_shadowed_name)
{
	ASSERT_EQ(0, unlink(M("both")));
	EXPECT_EQ(1, lfs_is_whiteout(U("both")));
	gone(_metadata, &self->w, ".", "both");
}

LFS_TEST(wo, unlink_bottom_layer_name)
{
	ASSERT_EQ(0, unlink(M("dir/b")));
	EXPECT_EQ(1, lfs_is_whiteout(U("dir/b")));
	gone(_metadata, &self->w, "dir", "b");
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_EQ(2, lfs_count(M("dir")));
}

LFS_TEST(wo, unlink_copied_up_file)
{
	ASSERT_EQ(0, truncate(M("file"), 1));
	EXPECT_EQ(S_IFREG, lfs_ftype(U("file")));
	ASSERT_EQ(0, unlink(M("file")));
	EXPECT_EQ(1, lfs_is_whiteout(U("file")));
	gone(_metadata, &self->w, ".", "file");
}

LFS_TEST(wo, unlink_symlink_and_fifo)
{
	ASSERT_EQ(0, unlink(M("sl")));
	ASSERT_EQ(0, unlink(M("fifo")));
	EXPECT_EQ(1, lfs_is_whiteout(U("sl")));
	EXPECT_EQ(1, lfs_is_whiteout(U("fifo")));
	gone(_metadata, &self->w, ".", "sl");
	EXPECT_STREQ("top", lfs_cat(M("file")));
}

LFS_TEST(wo, unlink_upper_only_no_whiteout)
{
	ASSERT_EQ(0, lfs_write_file(M("new"), "n", 1));
	ASSERT_EQ(0, unlink(M("new")));
	EXPECT_EQ(-ENOENT, lfs_ftype(U("new")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("new")));
	ASSERT_EQ(0, mkdir(M("dir/nd"), 0755));
	ASSERT_EQ(0, rmdir(M("dir/nd")));
	EXPECT_EQ(-ENOENT, lfs_ftype(U("dir/nd")));
}

LFS_TEST(wo, recreate_over_whiteout)
{
	struct stat st;

	ASSERT_EQ(0, unlink(M("both")));
	ASSERT_EQ(0, lfs_write_file(M("both"), "new", 3));
	EXPECT_STREQ("new", lfs_cat(M("both")));
	ASSERT_EQ(0, lstat(U("both"), &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(1, lfs_listed(self->w.c.mnt, "both"));
}

LFS_TEST(wo, symlink_and_mknod_over_whiteout)
{
	ASSERT_EQ(0, unlink(M("file")));
	ASSERT_EQ(0, symlink("dir/a", M("file")));
	EXPECT_STREQ("A", lfs_cat(M("file")));
	ASSERT_EQ(0, unlink(M("both")));
	ASSERT_EQ(0, mknod(M("both"), S_IFIFO | 0600, 0));
	EXPECT_EQ(S_IFIFO, lfs_ftype(M("both")));
	EXPECT_EQ(S_IFIFO, lfs_ftype(U("both")));
}

LFS_TEST(wo, whiteout_survives_remount)
{
	ASSERT_EQ(0, unlink(M("file")));
	ASSERT_EQ(0, unlink(M("dir/b")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	gone(_metadata, &self->w, ".", "file");
	gone(_metadata, &self->w, "dir", "b");
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
}

LFS_TEST(wo, rmdir_merged_not_empty)
{
	errno = 0;
	EXPECT_EQ(-1, rmdir(M("dir")));
	EXPECT_EQ(ENOTEMPTY, errno);
	ASSERT_EQ(0, unlink(M("dir/a")));
	errno = 0;
	EXPECT_EQ(-1, rmdir(M("dir")));
	EXPECT_EQ(ENOTEMPTY, errno);	/* b and sub from the bottom layer */
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
}

LFS_TEST(wo, rmdir_lower_only_not_empty)
{
	errno = 0;
	EXPECT_EQ(-1, rmdir(M("bdir")));
	EXPECT_EQ(ENOTEMPTY, errno);
	EXPECT_EQ(-ENOENT, lfs_ftype(U("bdir")));
}

LFS_TEST(wo, rmdir_after_emptying_merged_dir)
{
	ASSERT_EQ(0, lfs_write_file(M("dir/c"), "C", 1));
	ASSERT_EQ(0, unlink(M("dir/a")));
	ASSERT_EQ(0, unlink(M("dir/b")));
	ASSERT_EQ(0, unlink(M("dir/c")));
	ASSERT_EQ(0, unlink(M("dir/sub/z")));
	ASSERT_EQ(0, rmdir(M("dir/sub")));
	EXPECT_EQ(0, lfs_count(M("dir")));
	ASSERT_EQ(0, rmdir(M("dir"))) TH_LOG("rmdir: %s", strerror(errno));
	gone(_metadata, &self->w, ".", "dir");
	/* the upper dir and its whiteouts are gone, one whiteout instead */
	EXPECT_EQ(1, lfs_is_whiteout(U("dir")));
	EXPECT_EQ(0, lfs_count(D("w/work")));
}

LFS_TEST(wo, rmdir_empty_lower_dir)
{
	ASSERT_EQ(0, rmdir(M("empty")));
	EXPECT_EQ(1, lfs_is_whiteout(U("empty")));
	gone(_metadata, &self->w, ".", "empty");
}

LFS_TEST(wo, rmdir_nested)
{
	ASSERT_EQ(0, unlink(M("nest/in/x")));
	ASSERT_EQ(0, rmdir(M("nest/in")));
	ASSERT_EQ(0, rmdir(M("nest")));
	EXPECT_EQ(1, lfs_is_whiteout(U("nest")));
	gone(_metadata, &self->w, ".", "nest");
}

LFS_TEST(wo, rmdir_upper_dir_with_whiteouts_is_cleaned)
{
	ASSERT_EQ(0, unlink(M("bdir/y")));
	/* the copied-up bdir now holds a whiteout for y */
	EXPECT_EQ(1, lfs_is_whiteout(U("bdir/y")));
	EXPECT_EQ(0, lfs_count(M("bdir")));
	ASSERT_EQ(0, rmdir(M("bdir")));
	EXPECT_EQ(1, lfs_is_whiteout(U("bdir")));
}

LFS_TEST(wo, mkdir_over_whiteout_is_opaque)
{
	ASSERT_EQ(0, unlink(M("bdir/y")));
	ASSERT_EQ(0, rmdir(M("bdir")));
	ASSERT_EQ(0, mkdir(M("bdir"), 0755));
	EXPECT_EQ(0, lfs_count(M("bdir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("bdir/y")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("bdir")));
	EXPECT_STREQ("y", lfs_getx(U("bdir"), lfs_priv_xattr("opaque")));
	/* hidden from the merged view */
	errno = 0;
	EXPECT_EQ(-1, getxattr(M("bdir"), lfs_priv_xattr("opaque"), NULL, 0));
}

LFS_TEST(wo, mkdir_over_whiteout_merged_dir)
{
	ASSERT_EQ(0, unlink(M("dir/a")));
	ASSERT_EQ(0, unlink(M("dir/b")));
	ASSERT_EQ(0, unlink(M("dir/sub/z")));
	ASSERT_EQ(0, rmdir(M("dir/sub")));
	ASSERT_EQ(0, rmdir(M("dir")));
	ASSERT_EQ(0, mkdir(M("dir"), 0700));
	EXPECT_EQ(0, lfs_count(M("dir")));
	EXPECT_STREQ("y", lfs_getx(U("dir"), lfs_priv_xattr("opaque")));
	ASSERT_EQ(0, lfs_write_file(M("dir/new"), "n", 1));
	EXPECT_EQ(1, lfs_count(M("dir")));
	/* the opaque dir stays opaque over a remount */
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(1, lfs_count(M("dir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir/b")));
}

LFS_TEST(wo, mkdir_over_file_whiteout)
{
	ASSERT_EQ(0, unlink(M("both")));
	ASSERT_EQ(0, mkdir(M("both"), 0755));
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("both")));
	EXPECT_EQ(0, lfs_count(M("both")));
}

LFS_TEST(wo, readdir_after_many_unlinks)
{
	int i;

	for (i = 0; i < 50; i++) {
		char line[64];

		snprintf(line, sizeof(line), "f many/f%02d %d", i, i);
		ASSERT_EQ(0, lfs_build(lfs_wl(&self->w, 1, "%s", ""), line));
	}
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	for (i = 0; i < 50; i += 2) {
		char p[32];

		snprintf(p, sizeof(p), "many/f%02d", i);
		ASSERT_EQ(0, unlink(M("%s", p)));
	}
	EXPECT_EQ(25, lfs_count(M("many")));
	EXPECT_EQ(0, lfs_listed(M("many"), "f00"));
	EXPECT_EQ(1, lfs_listed(M("many"), "f01"));
	EXPECT_EQ(25, lfs_count(U("many")));	/* 25 whiteouts */
}

/*
 * AUFS-style markers in the lower layers (selftests/lookup.c aufs.*) under
 * a writable union: the union never creates a ".wh." name (EPERM, so a
 * layer written through layerfs reads the same as a lower layer), and
 * names deleted by markers can be made again.  overlayfs reads the markers
 * as ordinary files: intended difference (Documentation/layerfs.rst).
 */
LFS_WR_FIXTURE(aw,
	"f .wh.gone\nf .wh.gdir\nf odir/.wh..wh..opq\nf odir/new n",
	"f gone g\nd gdir\nf gdir/x X\nf odir/old o\nf keep k",
	1)

LFS_TEST(aw, reserved_names_refused)
{
	int fd = open(M(".wh.new"), O_CREAT | O_WRONLY, 0644);

	if (lfs_is_layerfs()) {
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(-1, mkdir(M(".wh..wh..opq"), 0755));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(-1, rename(M("keep"), M(".wh.keep2")));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(-1, symlink("keep", M("odir/.wh.x")));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(-1, link(M("keep"), M(".wh.k")));
		EXPECT_EQ(EPERM, errno);
		/* Nothing of it reached the upper layer. */
		EXPECT_EQ(-ENOENT, lfs_ftype(U(".wh.new")));
		EXPECT_EQ(-ENOENT, lfs_ftype(U(".wh.keep2")));
		EXPECT_STREQ("k", lfs_cat(M("keep")));
	} else {
		EXPECT_LE(0, fd);
		close(fd);
		EXPECT_EQ(S_IFREG, lfs_ftype(U(".wh.new")));
	}
}

LFS_TEST(aw, recreate_deleted_names)
{
	if (!lfs_is_layerfs()) {
		/* overlayfs shows the deleted names: nothing to recreate. */
		EXPECT_STREQ("g", lfs_cat(M("gone")));
		EXPECT_STREQ("o", lfs_cat(M("odir/old")));
		return;
	}
	EXPECT_EQ(-ENOENT, lfs_ftype(M("gone")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("gdir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("odir/old")));
	ASSERT_EQ(0, lfs_write_file(M("gone"), "again", 5));
	ASSERT_EQ(0, mkdir(M("gdir"), 0755));
	ASSERT_EQ(0, lfs_write_file(M("odir/old"), "o2", 2));
	EXPECT_STREQ("again", lfs_cat(M("gone")));
	/* The directory made again is empty: nothing below shows. */
	EXPECT_EQ(0, lfs_count(M("gdir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("gdir/x")));
	EXPECT_STREQ("o2", lfs_cat(M("odir/old")));
	EXPECT_EQ(2, lfs_count(M("odir")));
	/* And again after a remount, and once removed. */
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("again", lfs_cat(M("gone")));
	EXPECT_EQ(0, lfs_count(M("gdir")));
	ASSERT_EQ(0, unlink(M("gone")));
	ASSERT_EQ(0, rmdir(M("gdir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("gone")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("gdir/x")));
	EXPECT_EQ(0, lfs_listed(self->w.c.mnt, "gdir"));
}

LFS_TEST(aw, rmdir_dir_with_markers)
{
	/* odir shows only "new": removing it empties it in the union. */
	ASSERT_EQ(0, unlink(M("odir/new")));
	if (!lfs_is_layerfs()) {
		/* overlayfs still shows the marker and "old". */
		EXPECT_EQ(2, lfs_count(M("odir")));
		EXPECT_EQ(-1, rmdir(M("odir")));
		EXPECT_EQ(ENOTEMPTY, errno);
		return;
	}
	EXPECT_EQ(0, lfs_count(M("odir")));
	ASSERT_EQ(0, rmdir(M("odir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("odir")));
}

TEST_HARNESS_MAIN
