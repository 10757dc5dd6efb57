// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: hard links. link() to a lower file works and both names
 * are one inode; a lower file with two hard links stays one file in the
 * merged view after copy-up through one name (layerfs promises this;
 * overlayfs does it with index=on), also across a remount.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(hl,
	"f file content\nf h1 linked\nh h2 h1\nd d\nh d/h3 h1\nf n data",
	"f bfile bottom",
	1)

static ino_t ino(const char *p)
{
	struct stat st;

	return lstat(p, &st) ? 0 : st.st_ino;
}

static nlink_t nlink(const char *p)
{
	struct stat st;

	return lstat(p, &st) ? 0 : st.st_nlink;
}

static void append(struct __test_metadata *_metadata, const char *p,
		   const char *s)
{
	int fd = open(p, O_WRONLY | O_APPEND);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", p, strerror(errno));
	ASSERT_EQ((ssize_t)strlen(s), write(fd, s, strlen(s)));
	ASSERT_EQ(0, close(fd));
}

LFS_TEST(hl, link_to_lower_file)
{
	ASSERT_EQ(0, link(M("file"), M("file.l"))) TH_LOG("link: %s",
							  strerror(errno));
	EXPECT_EQ(ino(M("file")), ino(M("file.l")));
	EXPECT_NE(0, ino(M("file")));
	EXPECT_STREQ("content", lfs_cat(M("file.l")));
	EXPECT_EQ(2u, nlink(M("file")));
	EXPECT_EQ(2u, nlink(M("file.l")));
	EXPECT_EQ(ino(U("file")), ino(U("file.l")));
	append(_metadata, M("file.l"), "+");
	EXPECT_STREQ("content+", lfs_cat(M("file")));
}

LFS_TEST(hl, link_to_bottom_layer_file_in_subdir)
{
	ASSERT_EQ(0, link(M("bfile"), M("d/bl")));
	EXPECT_EQ(ino(M("bfile")), ino(M("d/bl")));
	EXPECT_STREQ("bottom", lfs_cat(M("d/bl")));
	append(_metadata, M("bfile"), "!");
	EXPECT_STREQ("bottom!", lfs_cat(M("d/bl")));
}

LFS_TEST(hl, link_new_file_nlink)
{
	ASSERT_EQ(0, lfs_write_file(M("new"), "x", 1));
	EXPECT_EQ(1u, nlink(M("new")));
	ASSERT_EQ(0, link(M("new"), M("new2")));
	EXPECT_EQ(2u, nlink(M("new")));
	ASSERT_EQ(0, unlink(M("new")));
	EXPECT_EQ(1u, nlink(M("new2")));
}

LFS_TEST(hl, lower_links_same_ino)
{
	EXPECT_EQ(ino(M("h1")), ino(M("h2")));
	EXPECT_EQ(ino(M("h1")), ino(M("d/h3")));
	EXPECT_EQ(3u, nlink(M("h1")));
}

LFS_TEST(hl, copy_up_keeps_links_joined)
{
	ino_t before = ino(M("h1"));

	append(_metadata, M("h1"), "+1");
	EXPECT_STREQ("linked+1", lfs_cat(M("h2")));
	EXPECT_STREQ("linked+1", lfs_cat(M("d/h3")));
	append(_metadata, M("h2"), "+2");
	EXPECT_STREQ("linked+1+2", lfs_cat(M("h1")));
	EXPECT_EQ(before, ino(M("h1")));
	EXPECT_EQ(before, ino(M("h2")));
	EXPECT_EQ(before, ino(M("d/h3")));
	EXPECT_STREQ("linked", lfs_cat(L0("h2")));
}

LFS_TEST(hl, copy_up_links_after_remount)
{
	ino_t before = ino(M("h1"));

	append(_metadata, M("h2"), "+x");
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_STREQ("linked+x", lfs_cat(M("h1")));
	EXPECT_STREQ("linked+x", lfs_cat(M("d/h3")));
	EXPECT_EQ(before, ino(M("h1")));
	EXPECT_EQ(ino(M("h1")), ino(M("h2")));
	EXPECT_EQ(ino(M("h1")), ino(M("d/h3")));
	/* a name not looked up before the remount joins too */
	append(_metadata, M("d/h3"), "+y");
	EXPECT_STREQ("linked+x+y", lfs_cat(M("h1")));
}

/* Found by selftests/stress: a new name had a st_ino of its own. */
LFS_TEST(hl, link_to_lower_file_after_remount)
{
	ino_t before;

	ASSERT_EQ(0, link(M("file"), M("d/file.l")));
	before = ino(M("file"));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	/* the new name first: it must find the origin on its own */
	EXPECT_EQ(before, ino(M("d/file.l")));
	EXPECT_EQ(before, ino(M("file")));
	EXPECT_EQ(2u, nlink(M("d/file.l")));
	append(_metadata, M("d/file.l"), "+");
	EXPECT_STREQ("content+", lfs_cat(M("file")));
}

LFS_TEST(hl, chmod_via_one_link_seen_by_other)
{
	struct stat st;

	ASSERT_EQ(0, chmod(M("h1"), 0600));
	ASSERT_EQ(0, stat(M("h2"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_STREQ("linked", lfs_cat(M("h2")));
}

LFS_TEST(hl, unlink_one_lower_link)
{
	ASSERT_EQ(0, unlink(M("h2")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("h2")));
	EXPECT_STREQ("linked", lfs_cat(M("h1")));
	append(_metadata, M("h1"), "+");
	EXPECT_STREQ("linked+", lfs_cat(M("d/h3")));
}

LFS_TEST(hl, rename_one_link_keeps_join)
{
	ASSERT_EQ(0, rename(M("h1"), M("d/renamed")));
	append(_metadata, M("d/renamed"), "+r");
	EXPECT_STREQ("linked+r", lfs_cat(M("h2")));
	EXPECT_EQ(ino(M("h2")), ino(M("d/renamed")));
}

/*
 * Found by selftests/stress: the union inode's link count, which the VFS
 * checks before link(), fell to 0 while a name was still there, and link()
 * to that name failed with ENOENT.  Names of a lower hard-link group, one
 * new link, then all names but one removed.
 */
LFS_TEST(hl, link_after_unlinking_other_names)
{
	ASSERT_EQ(0, link(M("h1"), M("new")));
	ASSERT_EQ(0, unlink(M("h2")));
	ASSERT_EQ(0, unlink(M("d/h3")));
	ASSERT_EQ(0, unlink(M("new")));
	EXPECT_EQ(0, link(M("h1"), M("again")));
	EXPECT_STREQ("linked", lfs_cat(M("again")));
	EXPECT_EQ(ino(M("h1")), ino(M("again")));
}

/* The same after a remount, the group's names looked up from the index. */
LFS_TEST(hl, link_after_remount_and_unlinks)
{
	append(_metadata, M("h1"), "+");
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(ino(M("h1")), ino(M("h2")));
	EXPECT_EQ(ino(M("h1")), ino(M("d/h3")));
	ASSERT_EQ(0, unlink(M("h2")));
	ASSERT_EQ(0, unlink(M("d/h3")));
	EXPECT_EQ(0, link(M("h1"), M("again")));
	EXPECT_STREQ("linked+", lfs_cat(M("again")));
}

/* The link count of every name of the group h1, h2, d/h3, with a remount. */
static void group_nlink(struct __test_metadata *_metadata,
			FIXTURE_DATA(hl) *self, const char **names,
			nlink_t want)
{
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; names[i]; i++)
			EXPECT_EQ(want, nlink(M("%s", names[i])))
				TH_LOG("%s%s", names[i],
				       pass ? " after a remount" : "");
		ASSERT_EQ(0, lfs_umount(&self->w.c));
		ASSERT_EQ(0, lfs_wr_mount(&self->w));
	}
}

/*
 * st_nlink of a lower hard-link group counts the names in the union, lower
 * and upper, through copy-up, unlink, link and rename, and after remounts
 * (overlayfs with index=on counts them as well).
 */
LFS_TEST(hl, group_nlink_exact)
{
	const char *all[] = { "h1", "h2", "d/h3", NULL };
	const char *after_unlink[] = { "h1", "d/h3", NULL };
	const char *after_link[] = { "h1", "d/h3", "new", NULL };
	const char *after_rename[] = { "h1", "moved", "new", NULL };
	const char *last[] = { "moved", NULL };

	group_nlink(_metadata, self, all, 3);
	ASSERT_EQ(0, chmod(M("h1"), 0600));
	group_nlink(_metadata, self, all, 3);
	ASSERT_EQ(0, unlink(M("h2")));
	group_nlink(_metadata, self, after_unlink, 2);
	ASSERT_EQ(0, link(M("d/h3"), M("new")));
	group_nlink(_metadata, self, after_link, 3);
	ASSERT_EQ(0, rename(M("d/h3"), M("moved")));
	group_nlink(_metadata, self, after_rename, 3);
	ASSERT_EQ(0, unlink(M("h1")));
	ASSERT_EQ(0, unlink(M("new")));
	group_nlink(_metadata, self, last, 1);
	EXPECT_STREQ("linked", lfs_cat(M("moved")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("h2")));
}

/* A name of the group replaced by a rename is one name fewer. */
LFS_TEST(hl, group_nlink_rename_over_member)
{
	const char *left[] = { "h1", "d/h3", NULL };

	ASSERT_EQ(0, rename(M("n"), M("h2")));
	EXPECT_STREQ("data", lfs_cat(M("h2")));
	group_nlink(_metadata, self, left, 2);
	EXPECT_EQ(1u, nlink(M("h2")));
}

static int stat_nlink_as_user(void *path)
{
	struct stat st;

	return lstat(path, &st) ? 255 : (int)st.st_nlink;
}

/*
 * The first lookup after a remount by a user who may not read trusted.*
 * xattrs: the group's count must still come from the copy's record (read
 * with the mounter's credentials), or a later unlink could take the union
 * inode's count to 0 while a name is left.
 */
LFS_TEST(hl, group_nlink_first_seen_by_user)
{
	ASSERT_EQ(0, chmod(M("h1"), 0644));
	ASSERT_EQ(0, link(M("h1"), M("c")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(4, lfs_run_as(1000, 1000, stat_nlink_as_user,
				(void *)M("h2")));
	ASSERT_EQ(0, unlink(M("h1")));
	ASSERT_EQ(0, unlink(M("h2")));
	EXPECT_EQ(2u, nlink(M("c")));
	EXPECT_EQ(0, link(M("c"), M("e")));
	EXPECT_EQ(3u, nlink(M("d/h3")));
}

/* Unlinking a name before any copy-up counts too, also after a remount. */
LFS_TEST(hl, group_nlink_unlink_before_copy_up)
{
	const char *left[] = { "h1", "h2", NULL };

	ASSERT_EQ(0, unlink(M("d/h3")));
	group_nlink(_metadata, self, left, 2);
	EXPECT_STREQ("linked", lfs_cat(M("h2")));
	EXPECT_STREQ("linked", lfs_cat(L0("d/h3")));
}

/*
 * Copies of files held in the index of the work directory.  overlay
 * (index=on) indexes copied-up directories there too, which layerfs does
 * not have: only regular files are compared.
 */
static int index_entries(FIXTURE_DATA(hl) *self)
{
	const char *dir = D("w/index");
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode))
			n++;
	closedir(d);
	return n;
}

static void remount(struct __test_metadata *_metadata, FIXTURE_DATA(hl) *self)
{
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
}

/*
 * The index entry of a copied-up hard-link group goes with the group's
 * last name (unlink or a rename over it), and is kept as long as a
 * lower name still needs it, across a remount.
 */
LFS_TEST(hl, index_gone_with_last_name)
{
	append(_metadata, M("h1"), "+");
	ASSERT_EQ(0, unlink(M("h1")));
	remount(_metadata, self);
	EXPECT_EQ(1, index_entries(self));
	EXPECT_STREQ("linked+", lfs_cat(M("h2")));
	EXPECT_STREQ("linked+", lfs_cat(M("d/h3")));
	ASSERT_EQ(0, unlink(M("h2")));
	EXPECT_EQ(1, index_entries(self));
	ASSERT_EQ(0, rename(M("n"), M("d/h3")));
	EXPECT_EQ(0, index_entries(self));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	EXPECT_EQ(0, index_entries(self));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(0, index_entries(self));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("h1")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("h2")));
	EXPECT_STREQ("data", lfs_cat(M("d/h3")));
}

/* The same when the only copies were those the unlinks made. */
LFS_TEST(hl, index_gone_after_unlinks_alone)
{
	ASSERT_EQ(0, unlink(M("h2")));
	ASSERT_EQ(0, unlink(M("d/h3")));
	EXPECT_EQ(1, index_entries(self));
	ASSERT_EQ(0, unlink(M("h1")));
	EXPECT_EQ(0, index_entries(self));
	remount(_metadata, self);
	EXPECT_EQ(0, index_entries(self));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("h1")));
	EXPECT_STREQ("linked", lfs_cat(L0("h1")));
}

/*
 * A cut after the last name's removal reached the upper layer and before
 * the index entry went: the next mount removes the entry.  Made by hand:
 * the last name's upper link is replaced by a whiteout while unmounted.
 */
LFS_TEST(hl, index_orphan_removed_at_mount)
{
	append(_metadata, M("h1"), "+");
	ASSERT_EQ(0, unlink(M("h2")));
	ASSERT_EQ(0, unlink(M("d/h3")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(1, index_entries(self));
	ASSERT_EQ(0, unlink(U("h1")));
	ASSERT_EQ(0, lfs_whiteout(U("h1")));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(0, index_entries(self));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("h1")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("h2")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("d/h3")));
}

TEST_HARNESS_MAIN
