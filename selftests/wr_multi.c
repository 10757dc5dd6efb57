// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: several mounts sharing the same lower layers, each with
 * its own upper ("two containers from one image are independent"),
 * discarding an upper to get the original image back, and the volatile
 * option: its marker in the workdir, refused mounts after an unclean
 * shutdown, sync calls.  And a container layer used as an image layer: the
 * upper layer, with the redirects, metacopy files and hard links the union
 * wrote in it, rotated into the lower stack under a fresh upper between
 * steps (what unionmount-testsuite's --ov=N does): every step must read
 * as before it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(mu,
	"f etc/hostname image\nd var/lib\nf var/lib/state 0\nf shared s",
	"f bin/sh shell\nf etc/passwd root",
	0)

/* Mount container N at <dir>/cN with upper uN and workdir wN. */
static int container(struct lfs_wr *w, int n)
{
	char m[16], u[16], wk[16];

	snprintf(m, sizeof(m), "c%d", n);
	snprintf(u, sizeof(u), "u%d", n);
	snprintf(wk, sizeof(wk), "w%d", n);
	if (lfs_mkdir_p(lfs_wd(w, "%s", u), 0755) ||
	    lfs_mkdir_p(lfs_wd(w, "%s", wk), 0755))
		return -EIO;
	return lfs_wr_mount_at(w, m, u, wk, 1, NULL);
}

#define C(n, p) lfs_wd(&self->w, "c%d/%s", n, p)

LFS_TEST(mu, two_containers_independent)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, container(&self->w, 2));
	ASSERT_EQ(0, lfs_write_file(C(1, "etc/hostname"), "one", 3));
	ASSERT_EQ(0, lfs_write_file(C(1, "newfile"), "n", 1));
	EXPECT_STREQ("one", lfs_cat(C(1, "etc/hostname")));
	EXPECT_STREQ("image", lfs_cat(C(2, "etc/hostname")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(2, "newfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(L0("newfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(D("u2/newfile")));
	EXPECT_STREQ("n", lfs_cat(D("u1/newfile")));
}

LFS_TEST(mu, unlink_in_one_visible_in_other)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, container(&self->w, 2));
	ASSERT_EQ(0, unlink(C(1, "bin/sh")));
	ASSERT_EQ(0, unlink(C(1, "var/lib/state")));
	ASSERT_EQ(0, rmdir(C(1, "var/lib")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(1, "bin/sh")));
	EXPECT_STREQ("shell", lfs_cat(C(2, "bin/sh")));
	EXPECT_STREQ("0", lfs_cat(C(2, "var/lib/state")));
}

LFS_TEST(mu, rename_dir_in_one_not_other)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, container(&self->w, 2));
	ASSERT_EQ(0, rename(C(1, "etc"), C(1, "etc.old")));
	EXPECT_STREQ("root", lfs_cat(C(1, "etc.old/passwd")));
	EXPECT_STREQ("root", lfs_cat(C(2, "etc/passwd")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(2, "etc.old")));
}

LFS_TEST(mu, same_file_written_in_four)
{
	char v[8];
	int i;

	for (i = 1; i <= 4; i++)
		ASSERT_EQ(0, container(&self->w, i));
	for (i = 1; i <= 4; i++) {
		int fd = open(C(i, "shared"), O_WRONLY | O_APPEND);

		ASSERT_LE(0, fd);
		snprintf(v, sizeof(v), "%d", i);
		ASSERT_EQ(1, write(fd, v, 1));
		close(fd);
	}
	for (i = 1; i <= 4; i++) {
		snprintf(v, sizeof(v), "s%d", i);
		EXPECT_STREQ(v, lfs_cat(C(i, "shared")));
	}
	EXPECT_STREQ("s", lfs_cat(L0("shared")));
}

LFS_TEST(mu, discard_upper_shows_image)
{
	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, lfs_write_file(C(1, "etc/hostname"), "changed", 7));
	ASSERT_EQ(0, lfs_write_file(C(1, "added"), "a", 1));
	ASSERT_EQ(0, unlink(C(1, "bin/sh")));
	ASSERT_EQ(0, umount(D("c1")));
	/* the change persists with the same upper ... */
	ASSERT_EQ(0, container(&self->w, 1));
	EXPECT_STREQ("changed", lfs_cat(C(1, "etc/hostname")));
	ASSERT_EQ(0, umount(D("c1")));
	/* ... and is gone with a fresh one */
	ASSERT_EQ(0, lfs_rm_rf(D("u1")));
	ASSERT_EQ(0, lfs_rm_rf(D("w1")));
	ASSERT_EQ(0, container(&self->w, 1));
	EXPECT_STREQ("image", lfs_cat(C(1, "etc/hostname")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(1, "added")));
	EXPECT_STREQ("shell", lfs_cat(C(1, "bin/sh")));
}

/*
 * The same union mounted twice, as container engines do (a build mounts a
 * mounted container layer again): layerfs gives the second mount the
 * superblock of the first, so both see every change at once.  Intended
 * difference: overlayfs with index=on refuses (EBUSY); without it, it
 * mounts a second superblock whose caches go stale (undefined results),
 * so the tests use index=on there (Documentation/layerfs.rst).
 */
LFS_TEST(mu, same_union_twice_shared)
{
	struct stat a, b;
	int r;

	ASSERT_EQ(0, container(&self->w, 1));
	r = lfs_wr_mount_at(&self->w, "c9", "u1", "w1", 1, NULL);
	if (!lfs_is_layerfs()) {
		EXPECT_EQ(-EBUSY, r);
		return;
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, stat(C(1, "."), &a));
	ASSERT_EQ(0, stat(C(9, "."), &b));
	EXPECT_EQ(a.st_dev, b.st_dev);
	/* Listed once in each before the changes: caches are shared too. */
	EXPECT_EQ(1, lfs_listed(C(9, "bin"), "sh"));
	ASSERT_EQ(0, lfs_write_file(C(1, "etc/hostname"), "one", 3));
	ASSERT_EQ(0, lfs_write_file(C(1, "newfile"), "n", 1));
	ASSERT_EQ(0, unlink(C(1, "bin/sh")));
	ASSERT_EQ(0, rename(C(1, "shared"), C(1, "moved")));
	EXPECT_STREQ("one", lfs_cat(C(9, "etc/hostname")));
	EXPECT_STREQ("n", lfs_cat(C(9, "newfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(9, "bin/sh")));
	EXPECT_EQ(0, lfs_listed(C(9, "bin"), "sh"));
	EXPECT_STREQ("s", lfs_cat(C(9, "moved")));
	/* Either can go first; the other keeps working. */
	ASSERT_EQ(0, umount(D("c1")));
	ASSERT_EQ(0, lfs_write_file(C(9, "after"), "a", 1));
	EXPECT_STREQ("a", lfs_cat(D("u1/after")));
	ASSERT_EQ(0, umount(D("c9")));
	/* Then the union mounts afresh, with everything kept. */
	ASSERT_EQ(0, container(&self->w, 1));
	EXPECT_STREQ("one", lfs_cat(C(1, "etc/hostname")));
	EXPECT_EQ(-ENOENT, lfs_ftype(C(1, "bin/sh")));
}

/* Mount at c9 with upper u1 and workdir w1 and the given lowers/extra. */
static int other_union(struct lfs_wr *w, const char *lowers,
		       const char *extra)
{
	char opts[2048];
	const char *f = lfs_wr_features();

	snprintf(opts, sizeof(opts),
		 "lowerdir=%s,upperdir=%s,workdir=%s%s%s%s",
		 lowers, lfs_wd(w, "u1"), lfs_wd(w, "w1"), *f ? "," : "", f,
		 extra);
	lfs_mkdir_p(lfs_wd(w, "c9"), 0755);
	return mount("none", lfs_wd(w, "c9"), lfs_fstype(), 0, opts) ?
	       -errno : 0;
}

/* The same upper and work directories with anything else: refused. */
LFS_TEST(mu, same_upper_other_union_refused)
{
	char lowers[1024];

	ASSERT_EQ(0, container(&self->w, 1));
	snprintf(lowers, sizeof(lowers), "%s", D("l1"));
	EXPECT_EQ(-EBUSY, other_union(&self->w, lowers, ""));
	snprintf(lowers, sizeof(lowers), "%s:%s", D("l1"), D("l0"));
	EXPECT_EQ(-EBUSY, other_union(&self->w, lowers, ""));
	snprintf(lowers, sizeof(lowers), "%s:%s", D("l0"), D("l1"));
	EXPECT_EQ(-EBUSY, other_union(&self->w, lowers, ",volatile"));
	EXPECT_EQ(-ENOENT, lfs_ftype(D("c9/etc")));
	/* The first mount is untouched. */
	EXPECT_STREQ("image", lfs_cat(C(1, "etc/hostname")));
}

#ifndef FSCONFIG_CMD_CREATE_EXCL
#define FSCONFIG_CMD_CREATE_EXCL 8
#endif

/*
 * A mount of the same union that would not pass a fresh mount's checks
 * does not share it: the same directories reached through a read-only
 * bind, and a caller who asked for a new superblock (CREATE_EXCL).
 */
LFS_TEST(mu, same_union_other_paths_not_shared)
{
	char lowers[1024];
	int fd;

	ASSERT_EQ(0, container(&self->w, 1));
	ASSERT_EQ(0, lfs_mkdir_p(D("ro"), 0755));
	ASSERT_EQ(0, mount(self->w.c.dir, D("ro"), NULL, MS_BIND, NULL));
	ASSERT_EQ(0, mount(NULL, D("ro"), NULL,
			   MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	snprintf(lowers, sizeof(lowers), "lowerdir=%s:%s,upperdir=%s,workdir=%s",
		 D("l0"), D("l1"), D("ro/u1"), D("ro/w1"));
	lfs_mkdir_p(D("c9"), 0755);
	EXPECT_NE(0, mount("none", D("c9"), lfs_fstype(), 0, lowers));
	EXPECT_EQ(-ENOENT, lfs_ftype(D("c9/etc")));
	EXPECT_EQ(0, umount(D("ro")));

	fd = fsopen(lfs_fstype(), FSOPEN_CLOEXEC);
	ASSERT_LE(0, fd);
	snprintf(lowers, sizeof(lowers), "%s:%s", D("l0"), D("l1"));
	ASSERT_EQ(0, fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir", lowers, 0));
	ASSERT_EQ(0, fsconfig(fd, FSCONFIG_SET_STRING, "upperdir", D("u1"), 0));
	ASSERT_EQ(0, fsconfig(fd, FSCONFIG_SET_STRING, "workdir", D("w1"), 0));
	if (!lfs_is_layerfs())
		ASSERT_EQ(0, fsconfig(fd, FSCONFIG_SET_STRING, "index", "on", 0));
	EXPECT_EQ(-1, fsconfig(fd, FSCONFIG_CMD_CREATE_EXCL, NULL, NULL, 0));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
	EXPECT_STREQ("image", lfs_cat(C(1, "etc/hostname")));
}

/* A read-only union refuses a second, writable, mount of itself. */
LFS_TEST(mu, same_union_read_only_first)
{
	char opts[2048];
	const char *f = lfs_wr_features();
	int r;

	ASSERT_EQ(0, lfs_mkdir_p(D("u1"), 0755));
	ASSERT_EQ(0, lfs_mkdir_p(D("w1"), 0755));
	ASSERT_EQ(0, lfs_mkdir_p(D("c1"), 0755));
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s:%s,upperdir=%s,workdir=%s%s%s", D("l0"), D("l1"),
		 D("u1"), D("w1"), *f ? "," : "", f);
	ASSERT_EQ(0, mount("none", D("c1"), lfs_fstype(), MS_RDONLY, opts));
	r = lfs_wr_mount_at(&self->w, "c9", "u1", "w1", 1, NULL);
	EXPECT_EQ(-EBUSY, r);
	EXPECT_EQ(-EROFS, lfs_write_file(C(1, "x"), "x", 1));
	if (lfs_is_layerfs()) {
		/* A read-only second mount shares it. */
		EXPECT_EQ(0, mount("none", D("c9"), lfs_fstype(), MS_RDONLY,
				   opts));
		EXPECT_STREQ("image", lfs_cat(C(9, "etc/hostname")));
	}
}

/*
 * The marker a volatile mount keeps in its workdir WK (a path relative to
 * the scratch dir) while it is mounted: layerfs makes <workdir>/volatile
 * (a directory), overlayfs <workdir>/work/incompat/volatile/dirty (a
 * file). A marker found at mount means the union was not unmounted
 * cleanly, so the upper may hold any mix of old and new data.
 */
static const char *marker(struct lfs_wr *w, const char *wk)
{
	if (lfs_is_layerfs())
		return lfs_wd(w, "%s/volatile", wk);
	return lfs_wd(w, "%s/work/incompat/volatile/dirty", wk);
}

/* What a crash leaves of a volatile mount: the marker, made by hand. */
static int make_marker(struct lfs_wr *w, const char *wk)
{
	if (lfs_is_layerfs())
		return mkdir(marker(w, wk), 0700) ? -errno : 0;
	if (lfs_mkdir_p(lfs_wd(w, "%s/work/incompat/volatile", wk), 0700))
		return -EIO;
	return lfs_write_file(marker(w, wk), "", 0);
}

/*
 * Mount the union with workdir WK (upper u) and EXTRA options through the
 * new mount API; -errno if refused, with the reason in LOG: the fs_context
 * messages, and for overlayfs (which reports it with pr_err) the kernel
 * log.
 */
static int mount_log(struct lfs_wr *w, const char *wk, const char *extra,
		     char *log, size_t loglen)
{
	char opts[4096];
	size_t used;
	int kmsg, r;

	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/l0:%s/l1,upperdir=%s/u,workdir=%s/%s%s%s%s%s",
		 w->c.dir, w->c.dir, w->c.dir, w->c.dir, wk,
		 *lfs_wr_features() ? "," : "", lfs_wr_features(),
		 extra ? "," : "", extra ? extra : "");
	kmsg = lfs_kmsg_open();
	if (kmsg < 0)
		return kmsg;
	r = lfs_fsmount(w->c.mnt, opts, log, loglen, NULL);
	used = strlen(log);
	lfs_kmsg_read(kmsg, log + used, loglen - used);
	close(kmsg);
	if (!r)
		w->c.mounted = 1;
	return r;
}

/* How each says that it found the marker (the string in its source). */
static const char *volatile_msg(void)
{
	if (lfs_is_layerfs())
		return "was mounted volatile and not unmounted cleanly";
	return "incompat feature 'volatile' cannot be mounted";
}

/*
 * The marker is there exactly while a volatile union is mounted: not for
 * a plain mount, made by a volatile one, which writes to the upper as
 * usual. At a clean unmount layerfs syncs the upper and removes the
 * marker, so the next mount works and shows the changes. overlayfs keeps
 * its marker and refuses every later mount of that workdir until it is
 * removed by hand, clean unmount or not (its documented behaviour).
 */
LFS_TEST(mu, volatile_marker_while_mounted)
{
	char log[8192];

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(-ENOENT, lfs_ftype(marker(&self->w, "w")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));

	ASSERT_EQ(0, lfs_wr_mount_at(&self->w, NULL, NULL, NULL, 1,
				     "volatile"));
	EXPECT_EQ(LAYERFS ? S_IFDIR : S_IFREG,
		  lfs_ftype(marker(&self->w, "w")));
	ASSERT_EQ(0, lfs_write_file(M("etc/hostname"), "vol", 3));
	ASSERT_EQ(0, mkdir(M("vd"), 0755));
	ASSERT_EQ(0, unlink(M("bin/sh")));
	EXPECT_STREQ("vol", lfs_cat(U("etc/hostname")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(U("vd")));
	EXPECT_EQ(1, lfs_is_whiteout(U("bin/sh")));
	ASSERT_EQ(0, lfs_umount(&self->w.c));

	if (LAYERFS) {
		EXPECT_EQ(-ENOENT, lfs_ftype(marker(&self->w, "w")));
	} else {
		EXPECT_EQ(S_IFREG, lfs_ftype(marker(&self->w, "w")));
		EXPECT_EQ(-EINVAL, mount_log(&self->w, "w", NULL, log,
					     sizeof(log)));
		EXPECT_NE(NULL, strstr(log, volatile_msg())) TH_LOG("%s", log);
		ASSERT_EQ(0, lfs_rm_rf(D("w/work/incompat/volatile")));
	}
	ASSERT_EQ(0, mount_log(&self->w, "w", NULL, log, sizeof(log)))
		TH_LOG("%s", log);
	EXPECT_STREQ("vol", lfs_cat(M("etc/hostname")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("vd")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("bin/sh")));
	EXPECT_EQ(-ENOENT, lfs_ftype(marker(&self->w, "w")));
}

/*
 * A workdir whose marker outlived its mount (the machine crashed while a
 * volatile union was mounted) is refused by both, volatile or not, with
 * a message saying why; removing the marker (accepting what the upper
 * holds) lets it mount again.
 */
LFS_TEST(mu, volatile_unclean_refused)
{
	char log[8192];

	ASSERT_EQ(0, lfs_wr_mount_at(&self->w, NULL, NULL, NULL, 1,
				     "volatile"));
	ASSERT_EQ(0, lfs_write_file(M("etc/hostname"), "vol", 3));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	/*
	 * layerfs removed its marker at that clean unmount: put it back as
	 * a crash would have left it (overlayfs's is still there).
	 */
	if (LAYERFS)
		ASSERT_EQ(0, make_marker(&self->w, "w"));
	ASSERT_EQ(LAYERFS ? S_IFDIR : S_IFREG,
		  lfs_ftype(marker(&self->w, "w")));

	EXPECT_EQ(-EINVAL, mount_log(&self->w, "w", NULL, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, volatile_msg())) TH_LOG("%s", log);
	EXPECT_EQ(-EINVAL, mount_log(&self->w, "w", "volatile", log,
				     sizeof(log)));
	EXPECT_NE(NULL, strstr(log, volatile_msg())) TH_LOG("%s", log);
	/* the marker stays until someone decides the upper is fine */
	EXPECT_EQ(LAYERFS ? S_IFDIR : S_IFREG,
		  lfs_ftype(marker(&self->w, "w")));
	EXPECT_STREQ("vol", lfs_cat(U("etc/hostname")));

	ASSERT_EQ(0, lfs_rm_rf(LAYERFS ? marker(&self->w, "w") :
			       D("w/work/incompat/volatile")));
	ASSERT_EQ(0, mount_log(&self->w, "w", NULL, log, sizeof(log)))
		TH_LOG("%s", log);
	EXPECT_STREQ("vol", lfs_cat(M("etc/hostname")));
}

/* The same for a fresh workdir given a marker by hand, never mounted. */
LFS_TEST(mu, volatile_marker_in_fresh_workdir_refused)
{
	char log[8192];

	ASSERT_EQ(0, lfs_mkdir_p(D("w2"), 0755));
	ASSERT_EQ(0, make_marker(&self->w, "w2"));
	EXPECT_EQ(-EINVAL, mount_log(&self->w, "w2", NULL, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, volatile_msg())) TH_LOG("%s", log);
	EXPECT_EQ(0, lfs_count(D("u")));
}

/*
 * A volatile union skips syncing the upper, but the calls succeed:
 * fsync, fdatasync, sync_file_range, syncfs and a directory's fsync all
 * return 0.
 */
LFS_TEST(mu, volatile_sync_calls_return_0)
{
	int fd, dfd;

	ASSERT_EQ(0, lfs_wr_mount_at(&self->w, NULL, NULL, NULL, 1,
				     "volatile"));
	fd = open(M("etc/hostname"), O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "v", 1));
	EXPECT_EQ(0, fsync(fd)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, fdatasync(fd)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
				     SYNC_FILE_RANGE_WRITE |
				     SYNC_FILE_RANGE_WAIT_AFTER))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, syncfs(fd)) TH_LOG("%s", strerror(errno));
	close(fd);
	fd = open(M("new"), O_WRONLY | O_CREAT | O_SYNC, 0644);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, write(fd, "n", 1));
	close(fd);
	dfd = open(M("etc"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, dfd);
	EXPECT_EQ(0, fsync(dfd)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, syncfs(dfd)) TH_LOG("%s", strerror(errno));
	close(dfd);
	sync();
	EXPECT_STREQ("imagev", lfs_cat(U("etc/hostname")));
	EXPECT_STREQ("n", lfs_cat(U("new")));
	EXPECT_EQ(0, lfs_umount(&self->w.c));
}

/* ---- the upper layer rotated into the lower stack ------------------- */

LFS_WR_FIXTURE(ro,
	"f file :xxx:yyy:zzz\nf other O\nd dir\nf dir/a A\nd dir/pop\n"
	"f dir/pop/b :aaa:bbb:ccc\nd dst\nf dst/d D\nf hl one\nh hl2 hl",
	"f file bottom\nd dir\nf dir/b1 B1\nd dir/pop\nf dir/pop/c C",
	0)

/*
 * (Re)mount with upper u<n> and workdir w<n> over u<n-1>:...:u1:l0:l1: the
 * previous uppers become the top lower layers, the newest first.
 */
static int rotate(struct lfs_wr *w, int n)
{
	char opts[4096];
	const char *f = lfs_wr_features();
	int i, len;

	if (w->c.mounted && lfs_umount(&w->c))
		return -EIO;
	if (lfs_mkdir_p(lfs_wd(w, "u%d", n), 0755) ||
	    lfs_mkdir_p(lfs_wd(w, "w%d", n), 0755))
		return -EIO;
	len = snprintf(opts, sizeof(opts), "lowerdir=");
	for (i = n - 1; i >= 1; i--)
		len += snprintf(opts + len, sizeof(opts) - len, "%s/u%d:",
				w->c.dir, i);
	snprintf(opts + len, sizeof(opts) - len,
		 "%s/l0:%s/l1,upperdir=%s/u%d,workdir=%s/w%d%s%s", w->c.dir,
		 w->c.dir, w->c.dir, n, w->c.dir, n, *f ? "," : "", f);
	return lfs_mount_opts(&w->c, opts);
}

/* The names of a union directory, sorted, comma-separated. */
static const char *names(const char *dir)
{
	static char bufs[4][1024];
	static int idx;
	char *b = bufs[idx++ % 4];
	struct lfs_dent *v;
	int n, i;

	n = lfs_list(dir, &v);
	if (n < 0) {
		snprintf(b, sizeof(bufs[0]), "!E%d", -n);
		return b;
	}
	b[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strncat(b, ",", sizeof(bufs[0]) - strlen(b) - 1);
		strncat(b, v[i].name, sizeof(bufs[0]) - strlen(b) - 1);
	}
	free(v);
	return b;
}

static long nlink_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -errno : (long)st.st_nlink;
}

/* unionmount-testsuite rename-file: away and back, one rotation each. */
LFS_TEST(ro, file_renamed_away_and_back)
{
	ASSERT_EQ(0, rotate(&self->w, 1));
	ASSERT_EQ(0, rename(M("file"), M("no_file")));
	ASSERT_EQ(0, rotate(&self->w, 2));
	EXPECT_STREQ(":xxx:yyy:zzz", lfs_cat(M("no_file")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("file")));
	ASSERT_EQ(0, rename(M("no_file"), M("file")));
	ASSERT_EQ(0, rotate(&self->w, 3));
	EXPECT_STREQ(":xxx:yyy:zzz", lfs_cat(M("file")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("no_file")));
	EXPECT_STREQ("dir,dst,file,hl,hl2,other", names(self->w.c.mnt));
	/* Written now, the data comes up from the bottom of the chain. */
	ASSERT_EQ(0, truncate(M("file"), 4));
	EXPECT_STREQ(":xxx", lfs_cat(M("file")));
	ASSERT_EQ(0, rotate(&self->w, 4));
	EXPECT_STREQ(":xxx", lfs_cat(M("file")));
}

/* A metadata change only (a metacopy file), then more on top of it. */
LFS_TEST(ro, chmod_rename_chmod)
{
	struct stat st;

	ASSERT_EQ(0, rotate(&self->w, 1));
	ASSERT_EQ(0, chmod(M("file"), 0600));
	ASSERT_EQ(0, rotate(&self->w, 2));
	EXPECT_STREQ(":xxx:yyy:zzz", lfs_cat(M("file")));
	ASSERT_EQ(0, rename(M("file"), M("dst/file")));
	ASSERT_EQ(0, rotate(&self->w, 3));
	ASSERT_EQ(0, chmod(M("dst/file"), 0640));
	ASSERT_EQ(0, rotate(&self->w, 4));
	EXPECT_STREQ(":xxx:yyy:zzz", lfs_cat(M("dst/file")));
	ASSERT_EQ(0, lstat(M("dst/file"), &st));
	EXPECT_EQ(0640, st.st_mode & 07777);
	EXPECT_EQ(12, st.st_size);
	EXPECT_STREQ("d,file", names(M("dst")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("file")));
}

/* unionmount-testsuite hard-link, rename-hard-link. */
LFS_TEST(ro, hard_link_of_lower_file)
{
	struct stat a, b;

	ASSERT_EQ(0, rotate(&self->w, 1));
	ASSERT_EQ(0, link(M("other"), M("other_link")));
	ASSERT_EQ(0, rotate(&self->w, 2));
	EXPECT_STREQ("O", lfs_cat(M("other")));
	EXPECT_STREQ("O", lfs_cat(M("other_link")));
	ASSERT_EQ(0, lstat(M("other"), &a));
	ASSERT_EQ(0, lstat(M("other_link"), &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(2, a.st_nlink);
	ASSERT_EQ(0, rename(M("other_link"), M("dst/moved_link")));
	ASSERT_EQ(0, rotate(&self->w, 3));
	EXPECT_STREQ("O", lfs_cat(M("dst/moved_link")));
	EXPECT_STREQ("O", lfs_cat(M("other")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("other_link")));
	/*
	 * The copy made for that rename was linked in w2's index, which
	 * does not travel with the layer: from here on the two names are
	 * two files, as on overlayfs.
	 */
}

/* A lower hard-link pair: one name renamed, then both read. */
LFS_TEST(ro, lower_hard_links_renamed)
{
	ASSERT_EQ(0, rotate(&self->w, 1));
	ASSERT_EQ(0, rename(M("hl2"), M("hl3")));
	ASSERT_EQ(0, rotate(&self->w, 2));
	EXPECT_STREQ("one", lfs_cat(M("hl")));
	EXPECT_STREQ("one", lfs_cat(M("hl3")));
	EXPECT_EQ(2, nlink_of(M("hl")));
	EXPECT_EQ(2, nlink_of(M("hl3")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("hl2")));
}

/* unionmount-testsuite rename-dir, rename-pop-dir, rename-move-dir. */
LFS_TEST(ro, dir_renamed_twice)
{
	ASSERT_EQ(0, rotate(&self->w, 1));
	ASSERT_EQ(0, rename(M("dir"), M("dir2")));
	ASSERT_EQ(0, rotate(&self->w, 2));
	EXPECT_STREQ("a,b1,pop", names(M("dir2")));
	EXPECT_STREQ("b,c", names(M("dir2/pop")));
	EXPECT_STREQ(":aaa:bbb:ccc", lfs_cat(M("dir2/pop/b")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir")));
	/* Into another directory, then a child renamed out of it. */
	ASSERT_EQ(0, rename(M("dir2"), M("dst/dir3")));
	ASSERT_EQ(0, rotate(&self->w, 3));
	EXPECT_STREQ("a,b1,pop", names(M("dst/dir3")));
	ASSERT_EQ(0, rename(M("dst/dir3/pop/b"), M("b_out")));
	ASSERT_EQ(0, rename(M("dst/dir3/pop"), M("pop_out")));
	ASSERT_EQ(0, rotate(&self->w, 4));
	EXPECT_STREQ(":aaa:bbb:ccc", lfs_cat(M("b_out")));
	EXPECT_STREQ("c", names(M("pop_out")));
	EXPECT_STREQ("a,b1", names(M("dst/dir3")));
	EXPECT_STREQ("B1", lfs_cat(M("dst/dir3/b1")));
	EXPECT_STREQ("b_out,dst,file,hl,hl2,other,pop_out", names(self->w.c.mnt));
	/* A new name where the old directory was is a new, empty one. */
	ASSERT_EQ(0, mkdir(M("dir"), 0755));
	ASSERT_EQ(0, rotate(&self->w, 5));
	EXPECT_STREQ("", names(M("dir")));
	EXPECT_STREQ("a,b1", names(M("dst/dir3")));
}

TEST_HARNESS_MAIN
