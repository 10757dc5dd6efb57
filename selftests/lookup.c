// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup across the layers of a read-only union: hiding rules, whiteouts,
 * opaque directories, deep merged paths, symlinks, "..", negative lookups
 * and long names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

FIXTURE(lk) {
	struct lfs c;
};

FIXTURE_SETUP(lk)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
}

FIXTURE_TEARDOWN(lk)
{
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

#define L(i) lfs_p(&self->c, "l%d", (i))
#define M(...) lfs_m(&self->c, __VA_ARGS__)

LFS_TEST(lk, upper_hides_lower)
{
	ASSERT_EQ(0, lfs_build(L(0), "f a top\nf d/x topx"));
	ASSERT_EQ(0, lfs_build(L(1), "f a middle\nf d/x midx\nf d/y midy"));
	ASSERT_EQ(0, lfs_build(L(2), "f a bottom\nf d/y boty"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_STREQ("top", lfs_cat(M("a")));
	EXPECT_STREQ("topx", lfs_cat(M("d/x")));
	EXPECT_STREQ("midy", lfs_cat(M("d/y")));
	EXPECT_EQ(1, lfs_listed(self->c.mnt, "a"));
}

LFS_TEST(lk, file_hides_dir)
{
	ASSERT_EQ(0, lfs_build(L(0), "f x i am a file"));
	ASSERT_EQ(0, lfs_build(L(1), "f x/child c"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(S_IFREG, lfs_ftype(M("x")));
	EXPECT_STREQ("i am a file", lfs_cat(M("x")));
	EXPECT_EQ(-ENOTDIR, lfs_ftype(M("x/child")));
}

LFS_TEST(lk, dir_hides_file)
{
	ASSERT_EQ(0, lfs_build(L(0), "f x/child c"));
	ASSERT_EQ(0, lfs_build(L(1), "f x i am a file"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("x")));
	EXPECT_STREQ("c", lfs_cat(M("x/child")));
}

LFS_TEST(lk, file_stops_merge_of_dirs_below)
{
	/* dir (l0) / file (l1) / dir (l2): the file ends the directory stack */
	ASSERT_EQ(0, lfs_build(L(0), "f x/top t"));
	ASSERT_EQ(0, lfs_build(L(1), "f x file"));
	ASSERT_EQ(0, lfs_build(L(2), "f x/deep d"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_STREQ("t", lfs_cat(M("x/top")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("x/deep")));
	EXPECT_EQ(0, lfs_listed(M("x"), "deep"));
}

LFS_TEST(lk, dirs_merge)
{
	ASSERT_EQ(0, lfs_build(L(0), "f d/a 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/b 1"));
	ASSERT_EQ(0, lfs_build(L(2), "f d/c 2"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_STREQ("0", lfs_cat(M("d/a")));
	EXPECT_STREQ("1", lfs_cat(M("d/b")));
	EXPECT_STREQ("2", lfs_cat(M("d/c")));
}

LFS_TEST(lk, whiteout_hides_file)
{
	ASSERT_EQ(0, lfs_build(L(0), "w a\nf keep k"));
	ASSERT_EQ(0, lfs_build(L(1), "f a gone"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("a")));
	EXPECT_EQ(-1, open(M("a"), O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, lfs_listed(self->c.mnt, "a"));
	EXPECT_EQ(1, lfs_listed(self->c.mnt, "keep"));
}

LFS_TEST(lk, whiteout_hides_dir)
{
	ASSERT_EQ(0, lfs_build(L(0), "w d"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/child c\nf d/sub/deeper x"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/child")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/sub/deeper")));
	EXPECT_EQ(0, lfs_listed(self->c.mnt, "d"));
}

LFS_TEST(lk, whiteout_alone_is_invisible)
{
	/* A whiteout with nothing below: still no char device 0/0 shows. */
	ASSERT_EQ(0, lfs_build(L(0), "w ghost\nw d/ghost2\nf d/real r"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("ghost")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/ghost2")));
	EXPECT_EQ(0, lfs_listed(self->c.mnt, "ghost"));
	if (lfs_is_layerfs()) {
		EXPECT_EQ(0, lfs_listed(M("d"), "ghost2"));
	} else {
		/*
		 * Intended difference: overlayfs reads a directory that
		 * exists in one layer only straight from that layer and
		 * lists a whiteout there (stat says ENOENT); layerfs hides
		 * whiteouts everywhere.
		 */
		EXPECT_EQ(1, lfs_listed(M("d"), "ghost2"));
	}
	EXPECT_EQ(1, lfs_listed(M("d"), "real"));
}

LFS_TEST(lk, whiteout_in_middle_layer)
{
	ASSERT_EQ(0, lfs_build(L(0), "f b top-b"));
	ASSERT_EQ(0, lfs_build(L(1), "w a\nw b\nw d/x"));
	ASSERT_EQ(0, lfs_build(L(2), "f a bottom-a\nf b bottom-b\nf d/x 1\nf d/y 2"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("a")));
	/* Above the whiteout a name is visible again. */
	EXPECT_STREQ("top-b", lfs_cat(M("b")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/x")));
	EXPECT_STREQ("2", lfs_cat(M("d/y")));
}

LFS_TEST(lk, char_device_other_than_0_0_is_visible)
{
	/* Only 0/0 is a whiteout; another char device is a normal file. */
	ASSERT_EQ(0, lfs_build(L(0), "c dev 1 3"));
	ASSERT_EQ(0, lfs_build(L(1), "f dev below"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(S_IFCHR, lfs_ftype(M("dev")));
	EXPECT_EQ(1, lfs_listed(self->c.mnt, "dev"));
}

LFS_TEST(lk, opaque_dir_hides_lower)
{
	ASSERT_EQ(0, lfs_build(L(0), "o d\nf d/top t"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/bottom b\nf d/top lower-t"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_STREQ("t", lfs_cat(M("d/top")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/bottom")));
	EXPECT_EQ(0, lfs_listed(M("d"), "bottom"));
}

LFS_TEST(lk, opaque_layerfs_xattr)
{
	ASSERT_EQ(0, lfs_build(L(0), "O d\nf d/top t"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/bottom b"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_STREQ("t", lfs_cat(M("d/top")));
	if (lfs_is_layerfs()) {
		EXPECT_EQ(-ENOENT, lfs_ftype(M("d/bottom")));
	} else {
		/* overlayfs does not know trusted.layerfs.*: d is merged. */
		EXPECT_STREQ("b", lfs_cat(M("d/bottom")));
	}
}

LFS_TEST(lk, opaque_overlay_xattr)
{
	/* layerfs honours overlayfs's opaque name too (docker layers). */
	ASSERT_EQ(0, lfs_build(L(0), "V d\nf d/top t"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/bottom b"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_STREQ("t", lfs_cat(M("d/top")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/bottom")));
}

LFS_TEST(lk, opaque_in_middle_layer)
{
	ASSERT_EQ(0, lfs_build(L(0), "f d/a 0"));
	ASSERT_EQ(0, lfs_build(L(1), "o d\nf d/b 1"));
	ASSERT_EQ(0, lfs_build(L(2), "f d/c 2\nf d/a lower-a"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_STREQ("0", lfs_cat(M("d/a")));
	EXPECT_STREQ("1", lfs_cat(M("d/b")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/c")));
}

LFS_TEST(lk, opaque_value_not_y_is_ignored)
{
	ASSERT_EQ(0, lfs_build(L(0), "d d\nf d/top t"));
	ASSERT_EQ(0, lfs_build(L(0), "x d trusted.overlay.opaque n"));
	if (lfs_is_layerfs())
		ASSERT_EQ(0, lfs_build(L(0), "x d trusted.layerfs.opaque n"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/bottom b"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_STREQ("b", lfs_cat(M("d/bottom")));
}

LFS_TEST(lk, opaque_only_hides_its_own_subtree)
{
	ASSERT_EQ(0, lfs_build(L(0), "o d/sub\nf d/sub/a 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/sub/b 1\nf d/sibling s"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/sub/b")));
	/* d itself is not opaque: its other lower entries stay visible */
	EXPECT_STREQ("s", lfs_cat(M("d/sibling")));
}

LFS_TEST(lk, deep_merged_path)
{
	const char *p = "a/b/c/d/e/f/g/h";
	char spec[256];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(spec, sizeof(spec), "f %s/file%d %d", p, i, i);
		ASSERT_EQ(0, lfs_build(L(i), spec));
	}
	ASSERT_EQ(0, lfs_mount_n(&self->c, 4));
	for (i = 0; i < 4; i++) {
		char want[8];

		snprintf(want, sizeof(want), "%d", i);
		EXPECT_STREQ(want, lfs_cat(M("%s/file%d", p, i)));
	}
	/* Walk it step by step with openat too. */
	{
		int fd = open(self->c.mnt, O_RDONLY | O_DIRECTORY), nfd;
		const char *comp[] = { "a", "b", "c", "d", "e", "f", "g", "h" };

		ASSERT_LE(0, fd);
		for (i = 0; i < 8; i++) {
			nfd = openat(fd, comp[i], O_RDONLY | O_DIRECTORY);
			ASSERT_LE(0, nfd);
			close(fd);
			fd = nfd;
		}
		EXPECT_EQ(0, faccessat(fd, "file3", R_OK, 0));
		close(fd);
	}
}

LFS_TEST(lk, many_layers_bottom_found)
{
	int i;

	for (i = LFS_NLAYERS; i < 16; i++)
		ASSERT_EQ(0, mkdir(L(i), 0755));
	ASSERT_EQ(0, lfs_build(L(15), "f d/deepest bottom"));
	ASSERT_EQ(0, lfs_build(L(7), "d d"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 16));
	EXPECT_STREQ("bottom", lfs_cat(M("d/deepest")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/none")));
}

LFS_TEST(lk, symlink_readlink)
{
	char buf[PATH_MAX];
	ssize_t n;

	ASSERT_EQ(0, lfs_build(L(1), "s link some/target/path\ns dangling /nonexistent/x"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(S_IFLNK, lfs_ftype(M("link")));
	n = readlink(M("link"), buf, sizeof(buf));
	ASSERT_EQ(16, n);
	EXPECT_EQ(0, memcmp(buf, "some/target/path", 16));
	n = readlink(M("dangling"), buf, sizeof(buf));
	ASSERT_EQ(14, n);
	EXPECT_EQ(-1, open(M("dangling"), O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
}

LFS_TEST(lk, symlink_relative_across_layers)
{
	/* The link lives in l1, its target (relative) in l0. */
	ASSERT_EQ(0, lfs_build(L(0), "f b/file from-l0"));
	ASSERT_EQ(0, lfs_build(L(1), "s a/link ../b/file\nd b"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_STREQ("from-l0", lfs_cat(M("a/link")));
}

LFS_TEST(lk, symlink_absolute_into_union)
{
	char spec[1024];

	snprintf(spec, sizeof(spec), "s abs %s/d/file\ns absdir %s/d",
		 self->c.mnt, self->c.mnt);
	ASSERT_EQ(0, lfs_build(L(0), spec));
	ASSERT_EQ(0, lfs_build(L(2), "f d/file abs-target"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/other o"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_STREQ("abs-target", lfs_cat(M("abs")));
	EXPECT_STREQ("o", lfs_cat(M("absdir/other")));
}

LFS_TEST(lk, symlink_to_merged_dir)
{
	ASSERT_EQ(0, lfs_build(L(0), "s ld d\nf d/x 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/y 1"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_STREQ("0", lfs_cat(M("ld/x")));
	EXPECT_STREQ("1", lfs_cat(M("ld/y")));
	EXPECT_EQ(S_IFLNK, lfs_ftype(M("ld")));
	EXPECT_EQ(-1, open(M("ld"), O_RDONLY | O_NOFOLLOW));
	EXPECT_EQ(ELOOP, errno);
}

LFS_TEST(lk, symlink_loop)
{
	ASSERT_EQ(0, lfs_build(L(0), "s loop1 loop2"));
	ASSERT_EQ(0, lfs_build(L(1), "s loop2 loop1"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(-1, open(M("loop1"), O_RDONLY));
	EXPECT_EQ(ELOOP, errno);
}

LFS_TEST(lk, dotdot)
{
	struct stat a, b;

	ASSERT_EQ(0, lfs_build(L(0), "f a/b/c/f 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f a/b/g 1"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	ASSERT_EQ(0, stat(M("a/b/.."), &a));
	ASSERT_EQ(0, stat(M("a"), &b));
	EXPECT_EQ(b.st_ino, a.st_ino);
	EXPECT_EQ(b.st_dev, a.st_dev);
	EXPECT_STREQ("1", lfs_cat(M("a/b/c/../g")));
	EXPECT_STREQ("0", lfs_cat(M("a/./b/c/../c/f")));
	/* ".." of the union root leaves the union. */
	ASSERT_EQ(0, stat(M(".."), &a));
	ASSERT_EQ(0, stat(self->c.dir, &b));
	EXPECT_EQ(b.st_ino, a.st_ino);
	EXPECT_EQ(b.st_dev, a.st_dev);
	/* chdir into the union and climb out with "..". */
	ASSERT_EQ(0, chdir(M("a/b/c")));
	EXPECT_STREQ("1", lfs_cat("../g"));
	EXPECT_STREQ("0", lfs_cat("../../../a/b/c/f"));
	ASSERT_EQ(0, stat("../../../..", &a));
	EXPECT_EQ(b.st_ino, a.st_ino);
}

LFS_TEST(lk, negative_lookups)
{
	int i;

	ASSERT_EQ(0, lfs_build(L(0), "f file x\nd d"));
	ASSERT_EQ(0, lfs_build(L(1), "d d/sub"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	for (i = 0; i < 3; i++) {	/* cached negative answers stay right */
		EXPECT_EQ(-ENOENT, lfs_ftype(M("missing")));
		EXPECT_EQ(-ENOENT, lfs_ftype(M("d/missing")));
		EXPECT_EQ(-ENOENT, lfs_ftype(M("d/sub/missing")));
		EXPECT_EQ(-ENOENT, lfs_ftype(M("missing/x")));
		EXPECT_EQ(-ENOTDIR, lfs_ftype(M("file/x")));
	}
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("d/sub")));
}

LFS_TEST(lk, name_255_bytes)
{
	char n1[256], n2[256], n3[257], spec[600];

	memset(n1, 'a', 255);
	n1[255] = '\0';
	memset(n2, 'b', 255);
	n2[255] = '\0';
	memset(n3, 'c', 256);
	n3[256] = '\0';
	snprintf(spec, sizeof(spec), "f %s top", n1);
	ASSERT_EQ(0, lfs_build(L(0), spec));
	snprintf(spec, sizeof(spec), "f %s/%s deep", n2, n1);
	ASSERT_EQ(0, lfs_build(L(1), spec));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_STREQ("top", lfs_cat(M("%s", n1)));
	EXPECT_STREQ("deep", lfs_cat(M("%s/%s", n2, n1)));
	EXPECT_EQ(1, lfs_listed(self->c.mnt, n1));
	EXPECT_EQ(1, lfs_listed(M("%s", n2), n1));
	EXPECT_EQ(-ENAMETOOLONG, lfs_ftype(M("%s", n3)));
}

LFS_TEST(lk, lower_only_dir_passthrough)
{
	/* A directory that exists in a single (bottom) layer only. */
	ASSERT_EQ(0, lfs_build(L(2), "f only/here/f v\ns only/here/l f"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_STREQ("v", lfs_cat(M("only/here/f")));
	EXPECT_STREQ("v", lfs_cat(M("only/here/l")));
	EXPECT_EQ(2, lfs_listed(M("only/here"), "f") +
		     lfs_listed(M("only/here"), "l"));
}

/*
 * AUFS-style whiteouts and opaque markers, as containers/storage extracts
 * image layers when a mount program is set: ".wh.NAME" deletes NAME from
 * the layers below, ".wh..wh..opq" makes its directory opaque, and no
 * ".wh." name is a name of the union (EPERM, as aufs).  Intended
 * difference: overlayfs reads only character-device whiteouts and opaque
 * xattrs, so there the markers are ordinary files and hide nothing
 * (Documentation/layerfs.rst, "AUFS-style whiteouts").
 */
struct aufs_check {
	const char *path;
	const char *lfs;	/* content; "-" absent, "EPERM", "DIR" */
	const char *ovl;
};

FIXTURE(aufs) {
	struct lfs c;
};

FIXTURE_VARIANT(aufs) {
	const char *layers[3];	/* top first */
	struct aufs_check checks[8];
};

FIXTURE_SETUP(aufs)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
}

FIXTURE_TEARDOWN(aufs)
{
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

FIXTURE_VARIANT_ADD(aufs, file) {
	.layers = { "f .wh.a\nf keep k", "f a gone\nf b below" },
	.checks = { { "a", "-", "gone" }, { "b", "below", "below" },
		    { "keep", "k", "k" }, { ".wh.a", "EPERM", "" } },
};

FIXTURE_VARIANT_ADD(aufs, dir) {
	.layers = { "f .wh.d", "f d/x 1\nf d/sub/y 2" },
	.checks = { { "d", "-", "DIR" }, { "d/x", "-", "1" },
		    { "d/sub/y", "-", "2" } },
};

FIXTURE_VARIANT_ADD(aufs, opaque_dir) {
	.layers = { "f d/.wh..wh..opq\nf d/new n", "f d/old o\nf d/new n0" },
	.checks = { { "d/new", "n", "n" }, { "d/old", "-", "o" },
		    { "d/.wh..wh..opq", "EPERM", "" } },
};

FIXTURE_VARIANT_ADD(aufs, same_layer_file_stays) {
	.layers = { "f .wh.a\nf a new", "f a old" },
	.checks = { { "a", "new", "new" } },
};

FIXTURE_VARIANT_ADD(aufs, same_layer_dir_is_opaque) {
	.layers = { "f .wh.d\nf d/n n", "f d/o o\nf d/n n0" },
	.checks = { { "d/n", "n", "n" }, { "d/o", "-", "o" } },
};

FIXTURE_VARIANT_ADD(aufs, middle_layer) {
	.layers = { "f b top", "f .wh.a\nf .wh.b\nf d/.wh.x",
		    "f a bottom\nf b bottom\nf d/x 1\nf d/y 2" },
	.checks = { { "a", "-", "bottom" }, { "b", "top", "top" },
		    { "d/x", "-", "1" }, { "d/y", "2", "2" } },
};

FIXTURE_VARIANT_ADD(aufs, metadata_names) {
	.layers = { "f .wh..wh.plnk/x y\nf .wh..wh.aufs z\nf keep k",
		    "f .wh.plnk/x below" },
	.checks = { { "keep", "k", "k" }, { ".wh..wh.aufs", "EPERM", "z" },
		    { ".wh.plnk/x", "EPERM", "below" } },
};

FIXTURE_VARIANT_ADD(aufs, bottom_layer) {
	.layers = { "f a top", "f .wh.a\nf .wh.zz" },
	.checks = { { "a", "top", "top" }, { "zz", "-", "-" } },
};

static const char *aufs_got(const char *path)
{
	int type = lfs_ftype(path);

	if (type == -ENOENT)
		return "-";
	if (type == -EPERM)
		return "EPERM";
	if (type == S_IFDIR)
		return "DIR";
	return lfs_cat(path);
}

/* Every name of a listing of dir: none is a reserved ".wh." one. */
static int aufs_reserved_listed(const char *dir)
{
	struct lfs_dent *d;
	int i, n = lfs_list(dir, &d), found = 0;

	for (i = 0; i < n; i++)
		found += !strncmp(d[i].name, ".wh.", 4);
	free(d);
	return n < 0 ? n : found;
}

/*
 * Checked six times: the name index of a directory is built after its
 * first few lookups, and must agree with the searches before it.
 */
LFS_TEST(aufs, markers)
{
	int n, round, i;

	for (n = 0; n < 3 && variant->layers[n]; n++)
		ASSERT_EQ(0, lfs_build(L(n), variant->layers[n]));
	ASSERT_EQ(0, lfs_mount_n(&self->c, n));
	for (round = 0; round < 6; round++) {
		for (i = 0; variant->checks[i].path; i++) {
			const struct aufs_check *k = &variant->checks[i];
			const char *want = lfs_is_layerfs() ? k->lfs : k->ovl;

			EXPECT_STREQ(want, aufs_got(M("%s", k->path)))
				TH_LOG("round %d: %s", round, k->path);
		}
	}
	if (lfs_is_layerfs()) {
		EXPECT_EQ(0, aufs_reserved_listed(self->c.mnt));
		if (lfs_ftype(M("d")) == S_IFDIR)
			EXPECT_EQ(0, aufs_reserved_listed(M("d")));
	}
	/* What a listing shows, lookup finds, and the other way round. */
	for (i = 0; variant->checks[i].path; i++) {
		const char *p = variant->checks[i].path;
		const char *slash = strrchr(p, '/');
		char dir[64] = ".";
		const char *want = lfs_is_layerfs() ? variant->checks[i].lfs :
						      variant->checks[i].ovl;

		if (slash)
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - p), p);
		if (lfs_ftype(M("%s", dir)) != S_IFDIR)
			continue;
		EXPECT_EQ(want[0] != '-' && strcmp(want, "EPERM"),
			  lfs_listed(M("%s", dir), slash ? slash + 1 : p))
			TH_LOG("listing of %s", p);
	}
}

TEST_HARNESS_MAIN

/*
 * A deep stack, every name decided by a different layer: the first layer
 * that has the name (a file, a directory or a whiteout) decides it.  After a
 * few lookups layerfs answers from its name index of the lower layers
 * (module/nameidx.c), so this checks that index against the plain rules,
 * for names present, absent and whiteout-hidden, first cold then warm.
 */
#define DEEP_LAYERS 12
#define DEEP_NAMES 120

/* What layer i holds for name k: 0 nothing, 1 file, 2 whiteout, 3 dir. */
static int deep_kind(int i, int k)
{
	return ((k * 7 + i * 3) % 11 + (k % 5 == 0 ? 3 : 0)) % 4 *
	       (((k + i) % 3) == 0);
}

static void deep_expect(int k, int *kind, int *layer)
{
	int i;

	*kind = 0;
	*layer = -1;
	/* Names past DEEP_NAMES exist in no layer. */
	for (i = 0; k < DEEP_NAMES && i < DEEP_LAYERS; i++) {
		int kd = deep_kind(i, k);

		if (kd) {
			*kind = kd;
			*layer = i;
			return;
		}
	}
}

LFS_TEST(lk, deep_stack_matches_rules)
{
	char spec[64], want[16];
	int i, k, pass;

	for (i = 0; i < DEEP_LAYERS; i++) {
		ASSERT_EQ(0, lfs_mkdir_p(L(i), 0755));
		for (k = 0; k < DEEP_NAMES; k++) {
			switch (deep_kind(i, k)) {
			case 1:
				snprintf(spec, sizeof(spec), "f n%d L%d", k, i);
				ASSERT_EQ(0, lfs_build(L(i), spec));
				break;
			case 2:
				ASSERT_EQ(0, lfs_whiteout(lfs_p(&self->c,
								"l%d/n%d", i, k)));
				break;
			case 3:
				snprintf(spec, sizeof(spec), "f n%d/in%d D%d", k, i, i);
				ASSERT_EQ(0, lfs_build(L(i), spec));
				break;
			}
		}
	}
	ASSERT_EQ(0, lfs_mount_n(&self->c, DEEP_LAYERS));
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < DEEP_NAMES + 20; k++) {
			int kind, layer;

			deep_expect(k, &kind, &layer);
			if (kind == 1) {
				snprintf(want, sizeof(want), "L%d", layer);
				EXPECT_STREQ(want, lfs_cat(M("n%d", k)));
			} else if (kind == 3) {
				snprintf(want, sizeof(want), "D%d", layer);
				EXPECT_EQ(S_IFDIR, lfs_ftype(M("n%d", k)));
				EXPECT_STREQ(want,
					     lfs_cat(M("n%d/in%d", k, layer)));
			} else {
				EXPECT_EQ(-ENOENT, lfs_ftype(M("n%d", k)))
					TH_LOG("n%d (pass %d)", k, pass);
			}
		}
	}
}
