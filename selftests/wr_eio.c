// SPDX-License-Identifier: GPL-2.0-only
/*
 * Injected faults, the EIO half (wr_fault.c has ENOSPC): I/O errors from
 * the layers during copy-up, create, rename, rmdir and whiteout creation.
 * The call must fail with EIO, the merged view must be as before, no
 * partial file may be visible, and once the device is fixed the next
 * mount must start with an empty work directory.  Run on layerfs and
 * overlayfs.
 *
 * Each layer that gets faults is an ext4 on a dm device over a loop device
 * backed by a file on $LFS_BASE: l0 (mounted read-only) and the upper with
 * the work directory (up/u, up/w).  l1 stays on $LFS_BASE.  Healthy, the dm
 * table is "linear"; a fault reloads it as "flakey" with no up interval,
 * so every read (error_reads) or write (error_writes) fails from then on.
 * The device mapper and loop devices are driven by their ioctls, not by
 * dmsetup or losetup.
 *
 * ext4 buffers writes, so a write error does not fail the syscall that
 * made the write.  The faults therefore reach the call in three ways:
 *  - reads of the lower layer that are not in the cache (copy-up of data,
 *    of an xattr block, readdir of a directory being removed): caches are
 *    dropped right before, while the objects stay pinned by O_PATH files;
 *  - the fsync that ends a copy-up of data (both filesystems sync the copy
 *    before linking it in), which writes to the failing upper;
 *  - an upper whose journal commit failed: ext4 aborts the journal and
 *    shuts itself down, and from then on every change fails with EIO (the
 *    first journal start after the abort sees EROFS, "Detected aborted
 *    journal"; the test makes that first one itself, outside the union).
 * In all cases both filesystems return EIO; no difference is expected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define BIG		(1 << 20)	/* lower data copied up */
#define IMG_SIZE	(32 << 20)	/* each ext4 */
#define XSIZE		2048		/* an xattr that needs its own block */

#define LOWER_SPEC \
	"f small s\nd dir\nf dir/a A\nf dir/b B\nf gone g\nd ed\n" \
	"d xd\nf xd/in I\nf xa X\n"

#define diag(fmt, ...) fprintf(stderr, "# wr_eio: " fmt "\n", ##__VA_ARGS__)

/* An ext4 on dm (linear or flakey) on loop on a file. */
struct edev {
	char name[64];		/* dm name */
	char node[PATH_MAX];	/* our block device node for it */
	char mnt[PATH_MAX];
	int loopfd;		/* held until dm holds the loop (autoclear) */
	dev_t loop;
	unsigned long long sectors;
	int created, mounted;
};

/* ---- device mapper and loop, by ioctl ---- */

static int dm_cmd(unsigned long cmd, const char *name, unsigned int flags,
		  const char *target, const char *params,
		  unsigned long long sectors, dev_t *dev)
{
	union {
		struct dm_ioctl io;
		char buf[16384];
	} u;
	int fd, r;

	memset(&u, 0, sizeof(u));
	u.io.version[0] = DM_VERSION_MAJOR;
	u.io.data_size = sizeof(u);
	u.io.data_start = sizeof(struct dm_ioctl);
	u.io.flags = flags;
	snprintf(u.io.name, sizeof(u.io.name), "%s", name);
	if (target) {
		struct dm_target_spec *sp = (void *)(u.buf + u.io.data_start);

		u.io.target_count = 1;
		sp->length = sectors;
		snprintf(sp->target_type, sizeof(sp->target_type), "%s",
			 target);
		snprintf((char *)(sp + 1), sizeof(u) - u.io.data_start -
			 sizeof(*sp), "%s", params);
	}
	fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = ioctl(fd, cmd, &u.io) ? -errno : 0;
	close(fd);
	if (!r && dev)
		*dev = (dev_t)u.io.dev;
	return r;
}

/* Load TARGET PARAMS and make it live (no freeze: we sync ourselves). */
static int dm_set(struct edev *d, const char *target, const char *params)
{
	char p[256];
	int r;

	snprintf(p, sizeof(p), "%u:%u 0%s%s", major(d->loop), minor(d->loop),
		 *params ? " " : "", params);
	r = dm_cmd(DM_TABLE_LOAD, d->name, 0, target, p, d->sectors, NULL);
	if (!r)
		r = dm_cmd(DM_DEV_SUSPEND, d->name, DM_SKIP_LOCKFS_FLAG, NULL,
			   NULL, 0, NULL);
	if (r)
		diag("dm %s: %s %s: %s", d->name, target, p, strerror(-r));
	return r;
}

static int dm_heal(struct edev *d)
{
	return d->created ? dm_set(d, "linear", "") : 0;
}

/* Every read fails from now on (up 0 s, down 1 s, forever down). */
static int dm_fail_reads(struct edev *d)
{
	return dm_set(d, "flakey", "0 1 1 error_reads");
}

static int dm_fail_writes(struct edev *d)
{
	return dm_set(d, "flakey", "0 1 1 error_writes");
}

static int loop_attach(struct edev *d, const char *file)
{
	char node[64];
	struct stat st;

	d->loopfd = lfs_loop_attach(file, node, sizeof(node));
	if (d->loopfd < 0) {
		int r = d->loopfd;

		d->loopfd = -1;
		return r;
	}
	if (fstat(d->loopfd, &st))
		return -errno;
	d->loop = st.st_rdev;
	return 0;
}

/* FILE (IMG_SIZE, ext4) -> loop -> dm NAME (linear), node NODE. */
static int edev_make(struct edev *d, const char *tag, const char *file,
		     const char *node)
{
	char *mkfs[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096",
			 "-I", "256", "-N", "256", "-e", "continue", "-E",
			 "lazy_itable_init=0,lazy_journal_init=0,nodiscard",
			 (char *)file, NULL };
	dev_t dev;
	int fd, r;

	snprintf(d->name, sizeof(d->name), "lfs-eio-%d-%s", getpid(), tag);
	snprintf(d->node, sizeof(d->node), "%s", node);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = ftruncate(fd, IMG_SIZE) ? -errno : 0;
	close(fd);
	if (r)
		return r;
	r = lfs_run_quiet(mkfs, NULL);
	if (r) {
		diag("mke2fs -t ext4 %s failed", file);
		return r;
	}
	r = loop_attach(d, file);
	if (r) {
		diag("loop for %s: %s", file, strerror(-r));
		return r;
	}
	d->sectors = IMG_SIZE / 512;
	r = dm_cmd(DM_DEV_CREATE, d->name, 0, NULL, NULL, 0, &dev);
	if (r) {
		diag("dm create %s: %s", d->name, strerror(-r));
		return r;
	}
	d->created = 1;
	r = dm_set(d, "linear", "");
	if (r)
		return r;
	/* dm holds the loop device now; autoclear detaches it after dm. */
	close(d->loopfd);
	d->loopfd = -1;
	if (mknod(node, S_IFBLK | 0600, dev))
		return -errno;
	return 0;
}

static int edev_mount(struct edev *d, const char *mnt, unsigned long flags,
		      const char *opts)
{
	if (mnt)
		snprintf(d->mnt, sizeof(d->mnt), "%s", mnt);
	if (mount(d->node, d->mnt, "ext4", flags, opts)) {
		diag("mount ext4 %s on %s: %s", d->node, d->mnt,
		     strerror(errno));
		return -errno;
	}
	d->mounted = 1;
	return 0;
}

static int edev_umount(struct edev *d)
{
	if (!d->mounted)
		return 0;
	d->mounted = 0;
	if (umount2(d->mnt, 0) && umount2(d->mnt, MNT_DETACH))
		return -errno;
	return 0;
}

static void edev_destroy(struct edev *d)
{
	int i;

	edev_umount(d);
	for (i = 0; d->created && i < 50; i++) {
		if (!dm_cmd(DM_DEV_REMOVE, d->name, 0, NULL, NULL, 0, NULL)) {
			d->created = 0;
			break;
		}
		usleep(100000);
	}
	if (d->created) {
		dm_cmd(DM_DEV_REMOVE, d->name, DM_DEFERRED_REMOVE, NULL, NULL,
		       0, NULL);
		diag("dm %s still busy; deferred removal", d->name);
	}
	if (d->loopfd >= 0)
		close(d->loopfd);
	d->loopfd = -1;
}

static int cache_drop(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "3", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

static int sync_fs(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = syncfs(fd) ? -errno : 0;
	close(fd);
	return r;
}

/* ---- the fixture ---- */

#define UPPER_OPTS	"errors=remount-ro,commit=600"

FIXTURE(eio) {
	struct lfs_wr w;
	struct edev lo, up;
	char *view;		/* digest of the merged view before faults */
};

static const char *skip_reason(void)
{
	if (access("/dev/mapper/control", W_OK))
		return "no /dev/mapper/control (dm-mod)";
	if (access("/dev/loop-control", W_OK))
		return "no /dev/loop-control (loop)";
	return NULL;
}

static int set_big_xattr(const char *path)
{
	char v[XSIZE];

	memset(v, 'x', sizeof(v));
	return lsetxattr(path, "user.big", v, sizeof(v), 0) ? -errno : 0;
}

static int mount_union(struct lfs_wr *w)
{
	int r = lfs_wr_mount_at(w, NULL, "up/u", "up/w", 1, NULL);

	w->c.mounted = !r;
	return r;
}

/* l0 and the upper on their own ext4s, the union, its view. */
static int fx_build(FIXTURE_DATA(eio) *self)
{
	struct lfs_wr *w = &self->w;
	char spec[128];
	int r;

	r = lfs_wr_setup(w, NULL, "f one 1\nd dir\nf dir/c C\n");
	if (r)
		return r;
	/* l0: build it on its ext4, then read-only from here on. */
	r = edev_make(&self->lo, "lo", D("lo.img"), D("lo.dev"));
	if (!r)
		r = edev_mount(&self->lo, L0("%s", ""), 0, NULL);
	snprintf(spec, sizeof(spec), "P big %d\n", BIG);
	if (!r)
		r = lfs_wr_build(L0("%s", ""), LOWER_SPEC);
	if (!r)
		r = lfs_wr_build(L0("%s", ""), spec);
	if (!r)
		r = set_big_xattr(L0("xa"));
	if (!r)
		r = set_big_xattr(L0("xd"));
	if (!r)
		r = edev_umount(&self->lo);
	if (!r)
		r = edev_mount(&self->lo, NULL, MS_RDONLY, NULL);
	if (!r)
		r = lfs_wr_snapshot(w);
	/* The upper: u, w and x (for faults outside the union). */
	if (!r)
		r = lfs_mkdir_p(D("up"), 0755);
	if (!r)
		r = edev_make(&self->up, "up", D("up.img"), D("up.dev"));
	if (!r)
		r = edev_mount(&self->up, D("up"), 0, UPPER_OPTS);
	if (!r && (mkdir(D("up/u"), 0755) || mkdir(D("up/w"), 0755) ||
		   mkdir(D("up/x"), 0755)))
		r = -errno;
	if (!r)
		r = mount_union(w);
	if (!r) {
		self->view = lfs_tree_digest(w->c.mnt);
		if (!self->view)
			r = -EIO;
	}
	/* A clean journal and nothing of l0 in the cache. */
	if (!r)
		r = sync_fs(D("up"));
	if (!r)
		r = cache_drop();
	return r;
}

static void fx_cleanup(FIXTURE_DATA(eio) *self)
{
	dm_heal(&self->lo);
	dm_heal(&self->up);
	if (self->w.c.mounted)
		umount2(self->w.c.mnt, 0);
	self->w.c.mounted = 0;
	edev_destroy(&self->up);
	edev_destroy(&self->lo);
	free(self->view);
	self->view = NULL;
}

FIXTURE_SETUP(eio)
{
	const char *why = skip_reason();
	int r;

	self->lo.loopfd = -1;
	self->up.loopfd = -1;
	if (why)
		SKIP(return, "%s", why);
	r = fx_build(self);
	if (r) {
		fx_cleanup(self);
		lfs_teardown(&self->w.c);
		lfs_wr_free(&self->w);
	}
	ASSERT_EQ(0, r) TH_LOG("setup: %s", LFS_ERR(r));
}

FIXTURE_TEARDOWN(eio)
{
	dm_heal(&self->lo);
	dm_heal(&self->up);
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	fx_cleanup(self);
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

/* Shorthands: the upper directory and the work directory's staging area. */
#define UP(...)	lfs_wd(&self->w, "up/u/" __VA_ARGS__)
#define WORK()	lfs_wd(&self->w, "up/w/work")

/*
 * After the fault: fix the devices, mount the union again (the upper ext4
 * too, so a shut-down upper comes back), and compare with the view before.
 */
static int heal_and_remount(FIXTURE_DATA(eio) *self)
{
	struct lfs_wr *w = &self->w;
	int r;

	r = dm_heal(&self->lo);
	if (!r)
		r = dm_heal(&self->up);
	if (r)
		return r;
	if (umount2(w->c.mnt, 0))
		return -errno;
	w->c.mounted = 0;
	r = edev_umount(&self->up);
	if (!r)
		r = edev_mount(&self->up, NULL, 0, UPPER_OPTS);
	if (!r)
		r = mount_union(w);
	return r;
}

/*
 * Names, types, modes, owners, sizes, times, xattrs and contents of the
 * merged tree as before the fault.  overlayfs differs on purpose: it marks
 * the upper parent "impure" (an xattr) before it copies up, and the mark
 * stays when the copy-up fails, so the merged parent's ctime moves; for
 * overlay the ctimes are left out.  layerfs leaves the parent alone.
 */
static int view_unchanged(FIXTURE_DATA(eio) *self)
{
	char *now = lfs_tree_digest(self->w.c.mnt);
	char *was = strdup(self->view);
	int r = -EIO;

	if (now && was) {
		if (!LAYERFS) {
			lfs_digest_strip(now, "ctime", NULL);
			lfs_digest_strip(was, "ctime", NULL);
		}
		r = lfs_same_digest(was, now, "after the fault");
	}
	free(now);
	free(was);
	return r;
}

/* errno of a call returning -1 on failure, 0 when it succeeded. */
#define ERRNO_OF(call)	((call) < 0 ? errno : 0)

static int open_err(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Copy-up of data fails half way: the rest of the lower file is unreadable. */
LFS_TEST(eio, copy_up_data_lower_read_eio)
{
	char buf[65536];
	int fd, i;

	/* The first 256 KiB in the cache: the copy gets that far. */
	fd = open(L0("big"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < 4; i++)
		ASSERT_EQ((ssize_t)sizeof(buf), read(fd, buf, sizeof(buf)));
	close(fd);
	ASSERT_EQ(0, dm_fail_reads(&self->lo));

	EXPECT_EQ(EIO, open_err(M("big"), O_WRONLY));
	EXPECT_EQ(EIO, open_err(M("big"), O_RDWR | O_APPEND));
	/* Nothing of the partial copy anywhere. */
	EXPECT_EQ(-ENOENT, lfs_ftype(UP("big")));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));

	ASSERT_EQ(0, heal_and_remount(self));
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG));
	EXPECT_EQ(0, view_unchanged(self));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));
	/* And the copy-up works now. */
	EXPECT_EQ(0, open_err(M("big"), O_WRONLY));
	EXPECT_EQ(0, lfs_check_pattern(UP("big"), BIG));
}

/*
 * A metadata-only copy-up (chmod, metacopy) and the copy-up of a directory
 * for a rename (redirect) read the lower xattrs; the xattr block is not in
 * the cache and cannot be read.
 */
LFS_TEST(eio, copy_up_xattr_lower_read_eio)
{
	int pa = open(M("xa"), O_PATH | O_CLOEXEC);
	int pd = open(M("xd"), O_PATH | O_CLOEXEC);

	ASSERT_LE(0, pa);
	ASSERT_LE(0, pd);
	/* The inodes stay (pinned), their xattr blocks go. */
	ASSERT_EQ(0, cache_drop());
	ASSERT_EQ(0, dm_fail_reads(&self->lo));

	EXPECT_EQ(EIO, ERRNO_OF(chmod(M("xa"), 0600)));
	EXPECT_EQ(EIO, ERRNO_OF(rename(M("xd"), M("xd2"))));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));

	close(pa);
	close(pd);
	ASSERT_EQ(0, heal_and_remount(self));
	EXPECT_EQ(0, view_unchanged(self));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("xd2")));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));
	EXPECT_EQ(0, chmod(M("xa"), 0600));
	EXPECT_EQ(0, rename(M("xd"), M("xd2")));
	EXPECT_STREQ("I", lfs_cat(M("xd2/in")));
}

/* rmdir of a lower directory must read it to know it is empty. */
LFS_TEST(eio, rmdir_lower_read_eio)
{
	int pe = open(M("ed"), O_PATH | O_CLOEXEC);

	ASSERT_LE(0, pe);
	ASSERT_EQ(0, cache_drop());
	ASSERT_EQ(0, dm_fail_reads(&self->lo));

	EXPECT_EQ(EIO, ERRNO_OF(rmdir(M("ed"))));
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("ed")));
	/* No whiteout, no opaque directory. */
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));

	close(pe);
	ASSERT_EQ(0, heal_and_remount(self));
	EXPECT_EQ(0, view_unchanged(self));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));
	EXPECT_EQ(0, rmdir(M("ed")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("ed")));
}

/* The copied data cannot be written: the fsync that ends a copy-up fails. */
LFS_TEST(eio, copy_up_data_upper_write_eio)
{
	ASSERT_EQ(0, dm_fail_writes(&self->up));

	EXPECT_EQ(EIO, open_err(M("big"), O_WRONLY));
	EXPECT_EQ(-ENOENT, lfs_ftype(UP("big")));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));
	/* The union still shows the lower data. */
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG));

	ASSERT_EQ(0, heal_and_remount(self));
	EXPECT_EQ(0, view_unchanged(self));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));
	EXPECT_EQ(0, open_err(M("big"), O_WRONLY));
	EXPECT_EQ(0, lfs_check_pattern(UP("big"), BIG));
}

/*
 * A write to the upper fails at a journal commit; ext4 aborts the journal
 * and shuts down.  Every change through the union then fails with EIO.
 */
LFS_TEST(eio, upper_shut_down_eio)
{
	int fd, first;

	ASSERT_EQ(0, dm_fail_writes(&self->up));
	ASSERT_EQ(0, lfs_write_file(D("up/x/s"), "s", 1));
	sync_fs(D("up"));	/* the commit fails; its result varies */
	/* The first change after the abort: EROFS, then shut down. */
	fd = open(D("up/x/t"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	first = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	ASSERT_TRUE(first == EROFS || first == EIO)
		TH_LOG("create on the upper after a failed commit: %s",
		       first ? strerror(first) : "succeeded");

	EXPECT_EQ(EIO, open_err(M("newfile"), O_WRONLY | O_CREAT));
	EXPECT_EQ(EIO, ERRNO_OF(mkdir(M("newdir"), 0755)));
	EXPECT_EQ(EIO, ERRNO_OF(symlink("x", M("newlink"))));
	EXPECT_EQ(EIO, ERRNO_OF(mknod(M("newfifo"), S_IFIFO | 0644, 0)));
	EXPECT_EQ(EIO, ERRNO_OF(unlink(M("gone"))));		/* whiteout */
	EXPECT_EQ(EIO, ERRNO_OF(rmdir(M("ed"))));		/* whiteout */
	EXPECT_EQ(EIO, ERRNO_OF(rename(M("small"), M("small2"))));
	EXPECT_EQ(EIO, ERRNO_OF(rename(M("dir"), M("dir2")))); /* redirect */
	EXPECT_EQ(EIO, ERRNO_OF(link(M("small"), M("hard"))));
	EXPECT_EQ(EIO, ERRNO_OF(chmod(M("small"), 0600)));	/* metacopy */
	EXPECT_EQ(EIO, ERRNO_OF(truncate(M("small"), 0)));
	EXPECT_EQ(EIO, ERRNO_OF(lsetxattr(M("small"), "user.k", "v", 1, 0)));
	EXPECT_EQ(EIO, open_err(M("big"), O_WRONLY));		/* data */

	/* Names as before, nothing half made. */
	EXPECT_EQ(-ENOENT, lfs_ftype(M("newfile")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("newdir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("small2")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("dir2")));
	EXPECT_STREQ("g", lfs_cat(M("gone")));
	EXPECT_STREQ("s", lfs_cat(M("small")));
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_EQ(S_IFDIR, lfs_ftype(M("ed")));
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG));

	ASSERT_EQ(0, heal_and_remount(self));
	EXPECT_EQ(0, view_unchanged(self));
	EXPECT_EQ(0, lfs_count(UP("")));
	EXPECT_EQ(0, lfs_count(WORK()));
	/* The upper works again. */
	EXPECT_EQ(0, unlink(M("gone")));
	EXPECT_EQ(0, rename(M("dir"), M("dir2")));
	EXPECT_STREQ("A", lfs_cat(M("dir2/a")));
}

/*
 * A lookup that failed on a read error is not remembered: once the lower
 * layer reads again, the names are there (no negative entry was cached,
 * and a create does not go through over an existing lower name).
 */
LFS_TEST(eio, failed_lookup_not_cached)
{
	struct stat st;
	int e1, e2;

	ASSERT_EQ(0, cache_drop());
	ASSERT_EQ(0, dm_fail_reads(&self->lo));
	e1 = ERRNO_OF(stat(M("small"), &st));
	e2 = ERRNO_OF(stat(M("dir/a"), &st));
	/* The union root pins l0's root inode, not its directory block. */
	EXPECT_EQ(EIO, e1);
	EXPECT_EQ(EIO, e2);
	EXPECT_EQ(EIO, open_err(M("small"), O_WRONLY | O_CREAT | O_EXCL));
	EXPECT_EQ(0, lfs_count(UP("")));
	ASSERT_EQ(0, dm_heal(&self->lo));

	/* Same mount, no remount: the names come back. */
	EXPECT_STREQ("s", lfs_cat(M("small")));
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_EQ(EEXIST, open_err(M("small"), O_WRONLY | O_CREAT | O_EXCL));
	EXPECT_EQ(0, view_unchanged(self));
	EXPECT_EQ(0, lfs_count(UP("")));
}

/* Write requests the block device NODE has completed, or -1. */
static long long dev_writes(const char *node)
{
	char sys[64];
	long long v[5];
	struct stat st;
	FILE *f;
	int n;

	if (stat(node, &st))
		return -1;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/stat",
		 major(st.st_rdev), minor(st.st_rdev));
	f = fopen(sys, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3],
		   &v[4]);
	fclose(f);
	return n == 5 ? v[4] : -1;
}

/*
 * Not a fault, but this fixture has what it needs: an upper filesystem on
 * a device of its own, whose journal commits only when asked (commit=600).
 * fsync of a file whose metadata only was copied up (chmod) must make the
 * upper file's change durable: a journal commit, writes on the upper's
 * device.  Syncing the lower file (on l0's device, read-only) instead
 * writes nothing there.
 */
LFS_TEST(eio, fsync_of_metacopy_writes_upper)
{
	long long before, after;
	int fd;

	fd = open(M("small"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, chmod(M("small"), 0600));
	EXPECT_EQ(1, lfs_has_xattr(D("up/u/small"),
				   lfs_priv_xattr("metacopy")));
	before = dev_writes(self->up.node);
	ASSERT_LE(0, before);
	EXPECT_EQ(0, fsync(fd));
	after = dev_writes(self->up.node);
	close(fd);
	EXPECT_LT(before, after)
		TH_LOG("fsync wrote nothing to the upper's device");
}

TEST_HARNESS_MAIN
