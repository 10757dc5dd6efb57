// SPDX-License-Identifier: GPL-2.0-only
/*
 * Injected faults: an upper filesystem that runs out of space (a small
 * tmpfs, by blocks or by inodes) during copy-up, create, rename and
 * whiteout creation.  The call must fail with ENOSPC, the merged view must
 * be as before, no partial file may be visible, and the next mount must
 * start with an empty work directory.  Run on layerfs and overlayfs.
 *
 * The fixture "steps" runs operations that take several steps in the
 * upper layer (copy-up of parents, of the object, a whiteout, a rename)
 * with room for 0, 1, 2, ... more inodes, so the fault hits every step in
 * turn, not only the first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
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

/* Both fixtures: the union, then the small upper filesystem, go. */
static void small_teardown(struct __test_metadata *_metadata,
			   struct lfs_wr *w)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(w));
	if (w->c.mounted)
		umount2(w->c.mnt, MNT_DETACH);
	w->c.mounted = 0;
	umount2(lfs_wd(w, "small"), MNT_DETACH);
	EXPECT_EQ(0, lfs_teardown(&w->c));
	lfs_wr_free(w);
}

FIXTURE_TEARDOWN(ft)
{
	small_teardown(_metadata, &self->w);
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
	if (umount2(w->c.mnt, 0))
		return -errno;
	w->c.mounted = 0;
	if (lfs_rm_rf(lfs_wd(w, "small/fill")) &&
	    lfs_ftype(lfs_wd(w, "small/fill")) != -ENOENT)
		return -EIO;
	if (lfs_wr_mount_at(w, NULL, "small/u", "small/w", 1, NULL))
		return -EIO;
	w->c.mounted = 1;
	return 0;
}

/*
 * Use up the upper filesystem's inodes but ROOM, with files beside the
 * layers (small/fill), so that the merged view stays as it was.
 */
static int fill_inodes(struct lfs_wr *w, int room)
{
	int i;

	if (mkdir(lfs_wd(w, "small/fill"), 0755))
		return -errno;
	for (i = 0; ; i++) {
		int fd = open(lfs_wd(w, "small/fill/%d", i),
			      O_WRONLY | O_CREAT, 0644);

		if (fd < 0)
			break;
		close(fd);
	}
	if (errno != ENOSPC)
		return -errno;
	while (room-- > 0 && i > 0)
		unlink(lfs_wd(w, "small/fill/%d", --i));
	return 0;
}

/* Both keep their staging area in <workdir>/work. */
static int work_entries(struct lfs_wr *w)
{
	return lfs_count(lfs_wd(w, "small/w/work"));
}

/*
 * The merged view without ctimes and directory sizes: copying a
 * directory up gives it a new ctime (no call can set one) and the size of
 * the upper directory, which a failed operation may leave behind.  With
 * FIELD also that one ("mtime": an operation that succeeded at another
 * time).
 */
static char *view(struct lfs_wr *w, const char *field)
{
	char *d = lfs_tree_digest(w->c.mnt);

	if (d) {
		lfs_digest_strip(d, "ctime", NULL);
		lfs_digest_strip(d, "size", " mode=40");
		/* and its link count: 1 once merged (layerfs.rst) */
		lfs_digest_strip(d, "nlink", " mode=40");
		if (field)
			lfs_digest_strip(d, field, NULL);
	}
	return d;
}

/* A field the next comparisons leave out (NULL: none); see view(). */
static const char *view_skip;

/* 0 if the merged view is still BEFORE (the differences printed if not). */
static int view_is(struct lfs_wr *w, const char *before, const char *what)
{
	char *now = view(w, view_skip);
	int r = lfs_same_digest(before, now, what);

	free(now);
	return r;
}

/*
 * After a failed call: the view as before, nothing in work/, and the
 * same once the space is back and the union is mounted again.
 */
static int unchanged_after_remount(struct __test_metadata *_metadata,
				   struct lfs_wr *w, const char *before)
{
	EXPECT_EQ(0, view_is(w, before, "after the fault"));
	EXPECT_EQ(0, work_entries(w));
	ASSERT_EQ(0, remount(w)) {
		return -1;
	}
	EXPECT_EQ(0, view_is(w, before, "remounted"));
	EXPECT_EQ(0, work_entries(w));
	return 0;
}

LFS_TEST(ft, copy_up_enospc_leaves_lower_view)
{
	char *before;
	int fd, err;

	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	before = view(&self->w, NULL);
	fd = open(M("big"), O_WRONLY | O_APPEND);
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(ENOSPC, err);
	/* No partial copy anywhere: the lower data is what the union shows. */
	EXPECT_EQ(-ENOENT, lfs_ftype(U("big")));
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG));
	unchanged_after_remount(_metadata, &self->w, before);
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG));
	free(before);
}

LFS_TEST(ft, create_enospc_changes_nothing)
{
	char *before;

	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	before = view(&self->w, NULL);
	ASSERT_EQ(0, fill_inodes(&self->w, 0));
	EXPECT_EQ(-ENOSPC, lfs_write_file(M("newfile"), "n", 1));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("newfile")));
	EXPECT_EQ(-1, mkdir(M("newdir"), 0755));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-ENOENT, lfs_ftype(M("newdir")));
	EXPECT_STREQ("s", lfs_cat(M("small")));
	unchanged_after_remount(_metadata, &self->w, before);
	free(before);
}

LFS_TEST(ft, whiteout_enospc_keeps_file)
{
	char *before;

	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	before = view(&self->w, NULL);
	ASSERT_EQ(0, fill_inodes(&self->w, 0));
	/* Removing a lower file needs a whiteout, which needs an inode. */
	EXPECT_EQ(-1, unlink(M("gone")));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_STREQ("g", lfs_cat(M("gone")));
	EXPECT_EQ(-1, rmdir(M("dir")));
	EXPECT_EQ(ENOTEMPTY, errno);
	unchanged_after_remount(_metadata, &self->w, before);
	EXPECT_STREQ("g", lfs_cat(M("gone")));
	EXPECT_EQ(-ENOENT, lfs_ftype(U("gone")));
	free(before);
}

LFS_TEST(ft, rename_enospc_keeps_both_names)
{
	char *before;

	ASSERT_EQ(0, small_union(&self->w, "size=1m,nr_inodes=64"));
	before = view(&self->w, NULL);
	ASSERT_EQ(0, fill_inodes(&self->w, 0));
	EXPECT_EQ(-1, rename(M("dir"), M("dir2")));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("dir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir2")));
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_EQ(-1, rename(M("low"), M("low2")));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_STREQ("L", lfs_cat(M("low")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("low2")));
	/* Nothing half-made in the upper layer either. */
	EXPECT_EQ(-ENOENT, lfs_ftype(U("low2")));
	EXPECT_EQ(-ENOENT, lfs_ftype(U("dir2")));
	unchanged_after_remount(_metadata, &self->w, before);
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_STREQ("L", lfs_cat(M("low")));
	free(before);
}

/* ---- ENOSPC at every step of multi-step operations ---- */

/* Lower data of the step tests: "dir" and "deep" are merged directories. */
#define STEPS_L0 "d dir\nf dir/a A\nf dir/b B\nd deep\nd deep/e\n" \
		 "d deep/sub\nf deep/sub/x X\nf gone g\nf low L"
#define STEPS_L1 "f dir/c C\nf deep/y Y"
/* More inodes than any operation here needs: the loop must end. */
#define STEPS_MAX 24

FIXTURE(steps) {
	struct lfs_wr w;
};

/* OP changes the union; PREP (may be NULL) runs before the space is cut. */
FIXTURE_VARIANT(steps) {
	int (*prep)(struct lfs *c);
	int (*op)(struct lfs *c);
};

static int sys_ret(int r)
{
	return r < 0 ? -errno : 0;
}

static int op_rename_lower_dir(struct lfs *c)
{
	return sys_ret(rename(lfs_m(c, "dir"), lfs_m(c, "dir2")));
}

static int op_rename_lower_file(struct lfs *c)
{
	return sys_ret(rename(lfs_m(c, "deep/sub/x"), lfs_m(c, "deep/x2")));
}

static int op_rename_over_lower(struct lfs *c)
{
	return sys_ret(rename(lfs_m(c, "dir/a"), lfs_m(c, "dir/c")));
}

static int op_unlink_nested(struct lfs *c)
{
	return sys_ret(unlink(lfs_m(c, "deep/sub/x")));
}

static int op_rmdir_lower(struct lfs *c)
{
	return sys_ret(rmdir(lfs_m(c, "deep/e")));
}

static int op_link_lower(struct lfs *c)
{
	return sys_ret(link(lfs_m(c, "deep/sub/x"), lfs_m(c, "dir/x3")));
}

static int op_chmod_nested(struct lfs *c)
{
	return sys_ret(chmod(lfs_m(c, "deep/sub/x"), 0600));
}

static int op_open_write_nested(struct lfs *c)
{
	int fd = open(lfs_m(c, "deep/sub/x"), O_WRONLY | O_APPEND);

	if (fd < 0)
		return -errno;
	if (write(fd, "+", 1) != 1) {
		int e = errno;

		close(fd);
		return -e;
	}
	return sys_ret(close(fd));
}

static int op_symlink_nested(struct lfs *c)
{
	return sys_ret(symlink("x", lfs_m(c, "deep/sub/s")));
}

static int prep_unlink_gone(struct lfs *c)
{
	return sys_ret(unlink(lfs_m(c, "gone")));
}

static int op_mkdir_over_whiteout(struct lfs *c)
{
	return sys_ret(mkdir(lfs_m(c, "gone"), 0755));
}

static int op_create_over_whiteout(struct lfs *c)
{
	return lfs_write_file(lfs_m(c, "gone"), "n", 1);
}

static int prep_copy_up_dir(struct lfs *c)
{
	return sys_ret(chmod(lfs_m(c, "dir"), 0750));
}

static int op_exchange(struct lfs *c)
{
	return sys_ret(renameat2(AT_FDCWD, lfs_m(c, "dir/b"), AT_FDCWD,
				 lfs_m(c, "low"), RENAME_EXCHANGE));
}

/*
 * deep/sub becomes empty in the union (its one lower name deleted), with a
 * mode of its own: its upper copy holds a whiteout, so a rename over it
 * first swaps it for an empty directory.  A failure after that swap must
 * give it back, not leave an empty stand-in (root's, 0700, as it was).
 */
static int prep_empty_dir_with_whiteout(struct lfs *c)
{
	if (unlink(lfs_m(c, "deep/sub/x")) ||
	    chmod(lfs_m(c, "deep/sub"), 0751) ||
	    chown(lfs_m(c, "deep/sub"), 1234, 5678) ||
	    chmod(lfs_m(c, "dir"), 0750))
		return -errno;
	return 0;
}

static int op_rename_over_emptied_dir(struct lfs *c)
{
	return sys_ret(rename(lfs_m(c, "dir"), lfs_m(c, "deep/sub")));
}

FIXTURE_VARIANT_ADD(steps, rename_lower_dir) { .op = op_rename_lower_dir };
FIXTURE_VARIANT_ADD(steps, rename_lower_file) { .op = op_rename_lower_file };
FIXTURE_VARIANT_ADD(steps, rename_over_lower) { .op = op_rename_over_lower };
FIXTURE_VARIANT_ADD(steps, unlink_nested) { .op = op_unlink_nested };
FIXTURE_VARIANT_ADD(steps, rmdir_lower) { .op = op_rmdir_lower };
FIXTURE_VARIANT_ADD(steps, link_lower) { .op = op_link_lower };
FIXTURE_VARIANT_ADD(steps, chmod_nested) { .op = op_chmod_nested };
FIXTURE_VARIANT_ADD(steps, open_write_nested) { .op = op_open_write_nested };
FIXTURE_VARIANT_ADD(steps, symlink_nested) { .op = op_symlink_nested };
FIXTURE_VARIANT_ADD(steps, mkdir_over_whiteout) {
	.prep = prep_unlink_gone, .op = op_mkdir_over_whiteout };
FIXTURE_VARIANT_ADD(steps, create_over_whiteout) {
	.prep = prep_unlink_gone, .op = op_create_over_whiteout };
FIXTURE_VARIANT_ADD(steps, rename_over_emptied_dir) {
	.prep = prep_empty_dir_with_whiteout,
	.op = op_rename_over_emptied_dir };
FIXTURE_VARIANT_ADD(steps, exchange) {
	.prep = prep_copy_up_dir, .op = op_exchange };

FIXTURE_SETUP(steps)
{
	ASSERT_EQ(0, lfs_wr_setup(&self->w, STEPS_L0, STEPS_L1));
	ASSERT_EQ(0, lfs_mkdir_p(D("small"), 0755));
}

FIXTURE_TEARDOWN(steps)
{
	small_teardown(_metadata, &self->w);
}

/*
 * A fresh small upper with the union over it and PREP done, then every
 * free inode of the upper filesystem taken but ROOM.  Returns the view
 * before the operation in *before.
 */
static int steps_start(struct lfs_wr *w, const FIXTURE_VARIANT(steps) *v,
		       int room, char **before)
{
	int r;

	if (w->c.mounted && umount2(w->c.mnt, 0))
		return -errno;
	w->c.mounted = 0;
	r = small_union(w, "size=4m,nr_inodes=96");
	if (r)
		return r;
	if (v->prep && v->prep(&w->c))
		return -EIO;
	*before = view(w, NULL);
	if (!*before)
		return -EIO;
	return fill_inodes(w, room);
}

LFS_TEST_LONG(steps, enospc_at_every_step)
{
	char *before = NULL, *want, *got;
	int room, r = -1;

	/* What the operation does with room to spare. */
	ASSERT_EQ(0, steps_start(&self->w, variant, STEPS_MAX, &before));
	ASSERT_EQ(0, variant->op(&self->w.c));
	want = view(&self->w, "mtime");
	ASSERT_NE(NULL, want);
	free(before);
	for (room = 0; room < STEPS_MAX; room++) {
		ASSERT_EQ(0, steps_start(&self->w, variant, room, &before));
		r = variant->op(&self->w.c);
		if (!r)
			break;
		/* Failed: as before, nothing half-made, here or remounted. */
		EXPECT_EQ(-ENOSPC, r) TH_LOG("room %d: %s", room, LFS_ERR(r));
		if (unchanged_after_remount(_metadata, &self->w, before))
			return;
		if (_metadata->exit_code)
			TH_LOG("with room for %d inodes", room);
		free(before);
		before = NULL;
	}
	/* The fault hit at least the first step, and the loop got through. */
	ksft_print_msg("ENOSPC with room for 0..%d inodes, then done\n",
		       room - 1);
	EXPECT_LT(0, room);
	ASSERT_EQ(0, r) TH_LOG("still failing with room for %d inodes", room);
	got = view(&self->w, "mtime");
	EXPECT_EQ(0, lfs_same_digest(want, got, "succeeded"));
	free(got);
	free(want);
	free(before);
}

/*
 * The rename over an emptied directory again, with the last step alone
 * failing: two inodes of room (the stand-in directory, the whiteout at
 * the old name) and tmpfs's xattr space (which the markers use too) cut
 * by a padding xattr beside the layers, in steps of 64 bytes, so that for
 * some padding the stand-in and its marker fit and the whiteout does not.
 * Each failure must leave the directory as it was.
 */
FIXTURE(emptied) {
	struct lfs_wr w;
};

FIXTURE_SETUP(emptied)
{
	ASSERT_EQ(0, lfs_wr_setup(&self->w, STEPS_L0, STEPS_L1));
	ASSERT_EQ(0, lfs_mkdir_p(D("small"), 0755));
}

FIXTURE_TEARDOWN(emptied)
{
	small_teardown(_metadata, &self->w);
}

/* Take BYTES of the upper tmpfs's xattr space; 0, or -errno. */
static int pad_ispace(struct lfs_wr *w, size_t bytes)
{
	char *v;
	int r;

	if (!bytes)
		return 0;
	v = calloc(1, bytes);
	if (!v)
		return -ENOMEM;
	r = lsetxattr(lfs_wd(w, "small/fill/0"), "user.pad", v, bytes, 0) ?
	    -errno : 0;
	free(v);
	return r;
}

LFS_TEST_LONG(emptied, rename_over_it_fails_last)
{
	const FIXTURE_VARIANT(steps) v = {
		.prep = prep_empty_dir_with_whiteout,
		.op = op_rename_over_emptied_dir,
	};
	char *before = NULL;
	int pad, r, failed = 0;

	/*
	 * overlayfs swaps in its stand-in the same way but does not swap
	 * back: after such a failure the directory is as before but its
	 * parent keeps the mtime of the swap.  Left out for overlayfs.
	 */
	if (!LAYERFS)
		view_skip = "mtime";
	for (pad = 0; pad <= 2048; pad += 64) {
		ASSERT_EQ(0, steps_start(&self->w, &v, 2, &before));
		if (view_skip) {
			free(before);
			before = view(&self->w, view_skip);
			ASSERT_NE(NULL, before);
		}
		if (pad_ispace(&self->w, pad)) {
			free(before);
			break;
		}
		r = v.op(&self->w.c);
		if (r) {
			failed++;
			EXPECT_EQ(-ENOSPC, r) TH_LOG("pad %d: %s", pad,
						     LFS_ERR(r));
			if (unchanged_after_remount(_metadata, &self->w,
						    before))
				return;
			if (_metadata->exit_code) {
				TH_LOG("with %d bytes of padding", pad);
				free(before);
				return;
			}
		}
		free(before);
		before = NULL;
	}
	ksft_print_msg("%d of the paddings made the rename fail\n", failed);
	EXPECT_LT(0, failed);
}

TEST_HARNESS_MAIN
