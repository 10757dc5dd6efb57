// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: what a crash between two steps of a change leaves.  A
 * power cut can stop a change after any step the upper filesystem has
 * committed; here the later step is made to fail instead (an immutable
 * directory in the work area), and the union is mounted again, as after
 * the next boot.  scripts/crash-test.sh kills a VM at random moments; this
 * pins the windows too narrow for it to hit reliably.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(cs, "f h1 linked\nh h2 h1\nf other x", "f bottom y", 1)

/* Set or clear FS_IMMUTABLE_FL on a directory; 0 or -errno. */
static int immutable(const char *path, int on)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY), flags, err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		err = -errno;
	if (!err) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags))
			err = -errno;
	}
	close(fd);
	return err;
}

static int append(const char *p, const char *s)
{
	int fd = open(p, O_WRONLY | O_APPEND), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		err = -errno;
	close(fd);
	return err;
}

/*
 * Copy-up of a lower file with two links: its copy must be findable from
 * the other name (the index) before the name it was opened by shows it.
 * If recording the copy in the index cannot be done, as after a crash
 * before that step, the write fails, or both names still show one file
 * after the remount; never one name with the new data, one with the old.
 */
LFS_TEST(cs, hardlink_copy_up_index_step_fails)
{
	const char *index = D("w/index");
	int werr, err;

	if (access(index, F_OK))
		SKIP(return, "no %s (index off)", index);
	err = immutable(index, 1);
	if (err == -EOPNOTSUPP || err == -ENOTTY)
		SKIP(return, "the base filesystem has no immutable flag");
	ASSERT_EQ(0, err) TH_LOG("chattr +i %s: %s", index, strerror(-err));
	werr = append(M("h1"), "+1");
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, immutable(index, 0));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	TH_LOG("the write through h1 with the index immutable: %s",
	       werr ? strerror(-werr) : "done");
	/* h2 first: nothing in the new mount has seen h1's copy yet. */
	EXPECT_STREQ(werr ? "linked" : "linked+1", lfs_cat(M("h2")));
	EXPECT_STREQ(werr ? "linked" : "linked+1", lfs_cat(M("h1")));
	/* Still one file: a write through one name shows in the other. */
	ASSERT_EQ(0, append(M("h2"), "+2"));
	EXPECT_STREQ(werr ? "linked+2" : "linked+1+2", lfs_cat(M("h1")));
	EXPECT_STREQ(lfs_cat(M("h1")), lfs_cat(M("h2")));
}

/* Copies of files in the index (overlay also indexes directories there). */
static int index_files(const char *index)
{
	DIR *d = opendir(index);
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

/*
 * The index entry of a hard-link group goes after the group's last name.
 * If removing the entry cannot be done, as after a crash before that
 * step, the names are gone all the same and the next mount removes the
 * entry, which serves no name any more.  overlayfs changes its index
 * before the name and refuses the unlink instead: there each name is
 * gone if and only if its unlink succeeded, and the entry stays as long
 * as a name does.
 */
LFS_TEST(cs, hardlink_index_removal_step_fails)
{
	const char *index = D("w/index");
	int err, gone1, gone2;

	if (access(index, F_OK))
		SKIP(return, "no %s (index off)", index);
	ASSERT_EQ(0, append(M("h1"), "+1"));
	err = immutable(index, 1);
	if (err == -EOPNOTSUPP || err == -ENOTTY)
		SKIP(return, "the base filesystem has no immutable flag");
	ASSERT_EQ(0, err) TH_LOG("chattr +i %s: %s", index, strerror(-err));
	gone1 = !unlink(M("h1"));
	gone2 = !unlink(M("h2"));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, immutable(index, 0));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	if (LAYERFS) {
		EXPECT_TRUE(gone1 && gone2);
	}
	EXPECT_EQ(gone1 ? -ENOENT : S_IFREG, lfs_ftype(M("h1")));
	EXPECT_EQ(gone2 ? -ENOENT : S_IFREG, lfs_ftype(M("h2")));
	if (!gone1)
		EXPECT_STREQ("linked+1", lfs_cat(M("h1")));
	if (!gone2)
		EXPECT_STREQ("linked+1", lfs_cat(M("h2")));
	EXPECT_EQ(gone1 && gone2 ? 0 : 1, index_files(index));
}

TEST_HARNESS_MAIN
