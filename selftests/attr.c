// SPDX-License-Identifier: GPL-2.0
/*
 * Attributes seen through a read-only union: stat fields, st_ino
 * uniqueness and stability, st_dev of directories, statfs, xattrs (with
 * our private names hidden) and permission checks as the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

FIXTURE(at) {
	struct lfs c;
};

FIXTURE_SETUP(at)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
}

FIXTURE_TEARDOWN(at)
{
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

#define L(i) lfs_p(&self->c, "l%d", (i))
#define M(...) lfs_m(&self->c, __VA_ARGS__)

static void set_times(struct __test_metadata *_metadata, const char *path,
		      long long sec, long nsec)
{
	struct timespec ts[2] = {
		{ .tv_sec = sec, .tv_nsec = nsec },
		{ .tv_sec = sec + 1000, .tv_nsec = nsec / 3 },
	};

	ASSERT_EQ(0, utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW));
}

static void same_stat(struct __test_metadata *_metadata, const char *u,
		      const char *r, int check_nlink)
{
	struct stat a, b;

	ASSERT_EQ(0, lstat(u, &a));
	ASSERT_EQ(0, lstat(r, &b));
	EXPECT_EQ(b.st_mode, a.st_mode);
	EXPECT_EQ(b.st_uid, a.st_uid);
	EXPECT_EQ(b.st_gid, a.st_gid);
	EXPECT_EQ(b.st_size, a.st_size);
	EXPECT_EQ(b.st_rdev, a.st_rdev);
	if (check_nlink)
		EXPECT_EQ(b.st_nlink, a.st_nlink);
	EXPECT_EQ(b.st_blocks, a.st_blocks);
	EXPECT_EQ(b.st_mtim.tv_sec, a.st_mtim.tv_sec);
	EXPECT_EQ(b.st_mtim.tv_nsec, a.st_mtim.tv_nsec);
	EXPECT_EQ(b.st_atim.tv_sec, a.st_atim.tv_sec);
	EXPECT_EQ(b.st_atim.tv_nsec, a.st_atim.tv_nsec);
	EXPECT_EQ(b.st_ctim.tv_sec, a.st_ctim.tv_sec);
	EXPECT_EQ(b.st_ctim.tv_nsec, a.st_ctim.tv_nsec);
}

LFS_TEST(at, stat_file_equals_real)
{
	ASSERT_EQ(0, lfs_build(L(1), "f f some content\nm f 640\nu f 1234 5678"));
	ASSERT_EQ(0, lfs_build(L(2), "f f lower\nf g x\nm g 4755"));
	set_times(_metadata, lfs_p(&self->c, "l1/f"), 1234567890, 123456789);
	set_times(_metadata, lfs_p(&self->c, "l2/g"), 2000000000, 999999999);
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	same_stat(_metadata, M("f"), lfs_p(&self->c, "l1/f"), 1);
	same_stat(_metadata, M("g"), lfs_p(&self->c, "l2/g"), 1);
}

LFS_TEST(at, stat_special_files_equal_real)
{
	ASSERT_EQ(0, lfs_build(L(0), "s sym target-of-len-19\nc chr 4 5\n"
				     "b blk 7 1\np fifo\nS sock"));
	set_times(_metadata, lfs_p(&self->c, "l0/sym"), 1500000000, 5);
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	same_stat(_metadata, M("sym"), lfs_p(&self->c, "l0/sym"), 1);
	same_stat(_metadata, M("chr"), lfs_p(&self->c, "l0/chr"), 1);
	same_stat(_metadata, M("blk"), lfs_p(&self->c, "l0/blk"), 1);
	same_stat(_metadata, M("fifo"), lfs_p(&self->c, "l0/fifo"), 1);
	same_stat(_metadata, M("sock"), lfs_p(&self->c, "l0/sock"), 1);
}

LFS_TEST(at, stat_dir_from_topmost)
{
	struct stat a, b;

	ASSERT_EQ(0, lfs_build(L(0), "d d\nm d 751\nu d 11 22\nf d/x 0"));
	ASSERT_EQ(0, lfs_build(L(1), "d d\nm d 700\nu d 33 44\nf d/y 1"));
	set_times(_metadata, lfs_p(&self->c, "l0/d"), 1600000000, 424242);
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	ASSERT_EQ(0, stat(M("d"), &a));
	ASSERT_EQ(0, stat(lfs_p(&self->c, "l0/d"), &b));
	EXPECT_EQ(b.st_mode, a.st_mode);
	EXPECT_EQ(b.st_uid, a.st_uid);
	EXPECT_EQ(b.st_gid, a.st_gid);
	EXPECT_EQ(b.st_mtim.tv_sec, a.st_mtim.tv_sec);
	EXPECT_EQ(b.st_mtim.tv_nsec, a.st_mtim.tv_nsec);
}

LFS_TEST(at, hardlinks_in_lower)
{
	struct stat a, b;

	ASSERT_EQ(0, lfs_build(L(1), "f h1 linked"));
	ASSERT_EQ(0, link(lfs_p(&self->c, "l1/h1"), lfs_p(&self->c, "l1/h2")));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	ASSERT_EQ(0, stat(M("h1"), &a));
	ASSERT_EQ(0, stat(M("h2"), &b));
	EXPECT_EQ(2, a.st_nlink);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
}

/* Collect (st_dev, st_ino) of every object below the union root. */
struct idv {
	dev_t dev;
	ino_t ino;
	char name[64];
};

static int collect(const char *mnt, const char **names, int n,
		   struct idv *out)
{
	int i;

	for (i = 0; i < n; i++) {
		struct stat st;
		char p[1024];

		snprintf(p, sizeof(p), "%s/%s", mnt, names[i]);
		if (lstat(p, &st))
			return -errno;
		out[i].dev = st.st_dev;
		out[i].ino = st.st_ino;
		snprintf(out[i].name, sizeof(out[i].name), "%s", names[i]);
	}
	return 0;
}

/* No two objects share (st_dev, st_ino); see below for st_dev. */
static void all_unique(struct __test_metadata *_metadata, struct idv *v,
		       int n)
{
	int i, j, dups = 0;

	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			if (v[i].ino != v[j].ino || v[i].dev != v[j].dev)
				continue;
			dups++;
			fprintf(stderr, "# %s and %s share st_ino %llu\n",
				v[i].name, v[j].name,
				(unsigned long long)v[i].ino);
		}
	}
	EXPECT_EQ(0, dups);
}

static const char *objs[] = {
	".", "a", "b", "c", "d", "d/x", "d/y", "d/z", "e", "e/x", "s", "f0",
	"f1", "f2",
};

#define NOBJS ((int)(sizeof(objs) / sizeof(objs[0])))

static void build_objs(struct __test_metadata *_metadata, struct lfs *c)
{
	/* Create the same sequence in each layer so inode numbers on fresh
	 * filesystems line up. */
	ASSERT_EQ(0, lfs_build(lfs_p(c, "l0"), "f a 0\nd d\nf d/x 0\nf f0 0"));
	ASSERT_EQ(0, lfs_build(lfs_p(c, "l1"), "f b 1\nd d\nf d/y 1\nd e\nf e/x 1\nf f1 1"));
	ASSERT_EQ(0, lfs_build(lfs_p(c, "l2"), "f c 2\nd d\nf d/z 2\ns s c\nf f2 2"));
}

LFS_TEST(at, st_ino_unique_same_fs)
{
	struct idv v[NOBJS];

	build_objs(_metadata, &self->c);
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	ASSERT_EQ(0, collect(self->c.mnt, objs, NOBJS, v));
	all_unique(_metadata, v, NOBJS);
}

LFS_TEST(at, st_ino_unique_colliding_layers)
{
	struct stat r0, r1;
	struct idv v[NOBJS];
	int i, bad = 0;

	/* Each layer its own fresh tmpfs: real inode numbers collide. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mount("tmpfs", lfs_p(&self->c, "l%d", i), "tmpfs",
				   0, "mode=755,size=4m"));
	build_objs(_metadata, &self->c);
	ASSERT_EQ(0, lstat(lfs_p(&self->c, "l0/a"), &r0));
	ASSERT_EQ(0, lstat(lfs_p(&self->c, "l1/b"), &r1));
	ASSERT_EQ(r0.st_ino, r1.st_ino) {
		TH_LOG("precondition: tmpfs inode numbers did not collide");
	}
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	ASSERT_EQ(0, collect(self->c.mnt, objs, NOBJS, v));
	all_unique(_metadata, v, NOBJS);
	/*
	 * layerfs reports one st_dev for every object of the union, so st_ino
	 * alone is unique. Intended difference: overlayfs without usable
	 * xino bits reports per-layer st_dev for non-directories and only
	 * the (st_dev, st_ino) pair is unique (checked above).
	 */
	if (!lfs_is_layerfs())
		return;
	for (i = 1; i < NOBJS; i++)
		if (v[0].dev != v[i].dev)
			fprintf(stderr, "# %s: st_dev differs from the root\n",
				v[i].name), bad++;
	EXPECT_EQ(0, bad);
}

LFS_TEST(at, st_ino_stable_across_remount)
{
	struct idv a[NOBJS], b[NOBJS];
	int i, changed = 0;

	build_objs(_metadata, &self->c);
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	ASSERT_EQ(0, collect(self->c.mnt, objs, NOBJS, a));
	ASSERT_EQ(0, lfs_umount(&self->c));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	ASSERT_EQ(0, collect(self->c.mnt, objs, NOBJS, b));
	for (i = 0; i < NOBJS; i++) {
		if (a[i].ino == b[i].ino)
			continue;
		changed++;
		fprintf(stderr, "# %s: st_ino %llu then %llu\n", a[i].name,
			(unsigned long long)a[i].ino,
			(unsigned long long)b[i].ino);
	}
	EXPECT_EQ(0, changed);
}

LFS_TEST(at, st_ino_stable_under_cache_pressure)
{
	struct idv a[NOBJS], b[NOBJS];
	int i, fd;

	build_objs(_metadata, &self->c);
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	ASSERT_EQ(0, collect(self->c.mnt, objs, NOBJS, a));
	/* Drop dentries and inodes, then look everything up again. */
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, write(fd, "2\n", 2));
	close(fd);
	ASSERT_EQ(0, collect(self->c.mnt, objs, NOBJS, b));
	for (i = 0; i < NOBJS; i++)
		EXPECT_EQ(a[i].ino, b[i].ino);
}

LFS_TEST(at, dir_st_dev_is_union)
{
	struct stat root, d, e, real;

	ASSERT_EQ(0, lfs_build(L(0), "f d/x 0\nd single"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/y 1\nd e"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	ASSERT_EQ(0, stat(self->c.mnt, &root));
	ASSERT_EQ(0, stat(M("d"), &d));
	ASSERT_EQ(0, stat(M("e"), &e));
	ASSERT_EQ(0, stat(L(0), &real));
	EXPECT_EQ(root.st_dev, d.st_dev);
	EXPECT_EQ(root.st_dev, e.st_dev);
	EXPECT_NE(real.st_dev, root.st_dev);
	ASSERT_EQ(0, stat(M("single"), &e));
	EXPECT_EQ(root.st_dev, e.st_dev);
}

/* A tmpfs of BLOCKS 4 KiB pages and FILES inodes over layer I. */
static int small_layer(const struct lfs *c, int i, int blocks, int files)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "size=%dk,nr_inodes=%d", blocks * 4,
		 files);
	return mount("tmpfs", lfs_p(c, "l%d", i), "tmpfs", 0, opts) ?
	       -errno : 0;
}

/*
 * A read-only union has no upper: layerfs and overlayfs both report the
 * statfs of the top lower layer (the real directory of the union's root;
 * overlayfs through ovl_path_real()), with their own f_type. The two
 * lowers are tmpfs mounts of sizes and inode counts of their own, and the
 * union is mounted in both orders, so reporting another layer would show.
 */
static void check_statfs(struct __test_metadata *_metadata,
			 const struct lfs *c, int top, long blocks,
			 long files)
{
	struct statfs u, r;
	struct statvfs v;

	ASSERT_EQ(0, statfs(c->mnt, &u));
	ASSERT_EQ(0, statfs(lfs_p(c, "l%d", top), &r));
	ASSERT_EQ(blocks, r.f_blocks);
	ASSERT_EQ(files, r.f_files);
	EXPECT_EQ(lfs_is_layerfs() ? LFS_MAGIC : OVL_MAGIC,
		  (unsigned long)u.f_type);
	EXPECT_EQ(4096, u.f_bsize);
	EXPECT_EQ(r.f_frsize, u.f_frsize);
	EXPECT_EQ(blocks, u.f_blocks);
	EXPECT_EQ(r.f_bfree, u.f_bfree);
	EXPECT_EQ(r.f_bavail, u.f_bavail);
	EXPECT_EQ(files, u.f_files);
	EXPECT_EQ(r.f_ffree, u.f_ffree);
	EXPECT_EQ(255, u.f_namelen);
	/* a file of the other layer: the same, the union's statfs */
	ASSERT_EQ(0, statfs(lfs_m(c, "%s", top ? "a" : "b"), &r));
	EXPECT_EQ(u.f_type, r.f_type);
	EXPECT_EQ(blocks, r.f_blocks);
	ASSERT_EQ(0, statvfs(c->mnt, &v));
	EXPECT_TRUE(v.f_flag & ST_RDONLY);
}

LFS_TEST(at, statfs_of_union)
{
	char opts[2 * LFS_PATHLEN + 32];

	ASSERT_EQ(0, small_layer(&self->c, 0, 768, 555));
	ASSERT_EQ(0, small_layer(&self->c, 1, 1280, 666));
	ASSERT_EQ(0, lfs_build(L(0), "f a 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f b 1\nf c 2"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	check_statfs(_metadata, &self->c, 0, 768, 555);
	ASSERT_EQ(0, lfs_umount(&self->c));
	snprintf(opts, sizeof(opts), "lowerdir=%s/l1:%s/l0", self->c.dir,
		 self->c.dir);
	ASSERT_EQ(0, lfs_mount_opts(&self->c, opts));
	check_statfs(_metadata, &self->c, 1, 1280, 666);
}

LFS_TEST(at, user_xattr_passthrough)
{
	char buf[256], list[1024];
	ssize_t n;

	ASSERT_EQ(0, lfs_build(L(1), "f f x\nx f user.color blue\n"
				     "x f user.empty\nd d\nx d user.dir dv"));
	ASSERT_EQ(0, lfs_build(L(0), "f d/other o"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	n = getxattr(M("f"), "user.color", buf, sizeof(buf));
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, memcmp(buf, "blue", 4));
	EXPECT_EQ(0, getxattr(M("f"), "user.empty", buf, sizeof(buf)));
	EXPECT_EQ(4, getxattr(M("f"), "user.color", NULL, 0));
	EXPECT_EQ(-1, getxattr(M("f"), "user.color", buf, 2));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(-1, getxattr(M("f"), "user.none", buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	n = listxattr(M("f"), list, sizeof(list));
	ASSERT_LT(0, n);
	EXPECT_EQ(n, listxattr(M("f"), NULL, 0));
	{
		int found = 0;
		ssize_t i;

		for (i = 0; i < n; i += strlen(list + i) + 1)
			found += !strcmp(list + i, "user.color") +
				 !strcmp(list + i, "user.empty");
		EXPECT_EQ(2, found);
	}
	/* d is merged (l0 + l1); its xattr is l0's d, which has none. */
	EXPECT_EQ(-1, getxattr(M("d"), "user.dir", buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
}

static int listed_xattr(const char *path, const char *name)
{
	char list[4096];
	ssize_t n = llistxattr(path, list, sizeof(list)), i;
	int found = 0;

	if (n < 0)
		return -errno;
	for (i = 0; i < n; i += strlen(list + i) + 1)
		if (!strncmp(list + i, name, strlen(name)))
			found++;
	return found;
}

LFS_TEST(at, private_layerfs_xattrs_hidden)
{
	char buf[64];

	ASSERT_EQ(0, lfs_build(L(0), "O d\nf d/a 0\nx d user.keep k\n"
				     "f f 0\nx f trusted.layerfs.origin zzz\n"
				     "x f trusted.other t"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/b 1"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(1, listed_xattr(M("d"), "user.keep"));
	EXPECT_EQ(1, listed_xattr(M("f"), "trusted.other"));
	EXPECT_EQ(1, getxattr(M("f"), "trusted.other", buf, sizeof(buf)));
	if (lfs_is_layerfs()) {
		EXPECT_EQ(0, listed_xattr(M("d"), "trusted.layerfs."));
		EXPECT_EQ(0, listed_xattr(M("f"), "trusted.layerfs."));
		EXPECT_EQ(-1, getxattr(M("d"), "trusted.layerfs.opaque", buf,
				       sizeof(buf)));
		EXPECT_EQ(ENODATA, errno);
		EXPECT_EQ(-1, getxattr(M("f"), "trusted.layerfs.origin", buf,
				       sizeof(buf)));
		EXPECT_EQ(ENODATA, errno);
	} else {
		/* overlayfs knows nothing of trusted.layerfs.*: plain xattrs */
		EXPECT_EQ(1, listed_xattr(M("f"), "trusted.layerfs.origin"));
		EXPECT_EQ(3, getxattr(M("f"), "trusted.layerfs.origin", buf,
				      sizeof(buf)));
	}
}

LFS_TEST(at, private_overlay_xattrs_hidden)
{
	char buf[64];

	ASSERT_EQ(0, lfs_build(L(0), "V d\nf d/a 0\nx d user.keep k\n"
				     "f f 0\nx f trusted.overlay.foo bar"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/b 1"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	/* Both hide overlayfs's private namespace. */
	EXPECT_EQ(1, listed_xattr(M("d"), "user.keep"));
	EXPECT_EQ(0, listed_xattr(M("d"), "trusted.overlay."));
	EXPECT_EQ(0, listed_xattr(M("f"), "trusted.overlay."));
	EXPECT_EQ(-1, getxattr(M("d"), "trusted.overlay.opaque", buf,
			       sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, getxattr(M("f"), "trusted.overlay.foo", buf,
			       sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
}

static int try_open(void *arg)
{
	int fd = open(arg, O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_stat(void *arg)
{
	struct stat st;

	return stat(arg, &st) ? errno : 0;
}

LFS_TEST(at, perm_checks_as_caller)
{
	ASSERT_EQ(0, lfs_build(L(1), "f secret s\nm secret 600\n"
				     "f public p\nm public 644\n"
				     "f mine m\nm mine 400\nu mine 1000 1000\n"
				     "f d/inner i\nm d 700"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(EACCES, lfs_run_as(1000, 1000, try_open, (void *)M("secret")));
	EXPECT_EQ(0, lfs_run_as(1000, 1000, try_open, (void *)M("public")));
	EXPECT_EQ(0, lfs_run_as(1000, 1000, try_open, (void *)M("mine")));
	EXPECT_EQ(EACCES, lfs_run_as(1001, 1001, try_open, (void *)M("mine")));
	EXPECT_EQ(EACCES, lfs_run_as(1000, 1000, try_stat,
				     (void *)M("d/inner")));
	/* root reads everything */
	EXPECT_EQ(0, try_open((void *)M("secret")));
}

LFS_TEST(at, layers_accessed_with_mounter_creds)
{
	/*
	 * The bottom layer's root is 0700 root: an unprivileged caller cannot
	 * reach its files directly, but through the union (whose root takes
	 * the top layer's 0755) a 0644 file is readable: the layer is
	 * accessed with the mounter's credentials, checks on the union inode
	 * are the caller's.
	 */
	ASSERT_EQ(0, lfs_build(L(1), "f pub p\nm pub 644\nf d/f x"));
	ASSERT_EQ(0, chmod(L(1), 0700));
	ASSERT_EQ(0, chmod(L(0), 0755));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(EACCES, lfs_run_as(1000, 1000, try_open,
				     (void *)lfs_p(&self->c, "l1/pub")));
	EXPECT_EQ(0, lfs_run_as(1000, 1000, try_open, (void *)M("pub")));
	EXPECT_EQ(0, lfs_run_as(1000, 1000, try_open, (void *)M("d/f")));
}

static int try_access_w(void *arg)
{
	return access(arg, W_OK) ? errno : 0;
}

LFS_TEST(at, access_checks)
{
	ASSERT_EQ(0, lfs_build(L(1), "f rw x\nm rw 666\nf ro x\nm ro 444"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(0, access(M("rw"), R_OK));
	/* Writable by mode, but the union is read-only. */
	EXPECT_EQ(-1, access(M("rw"), W_OK));
	EXPECT_EQ(EROFS, errno);
	EXPECT_EQ(EROFS, lfs_run_as(1000, 1000, try_access_w, (void *)M("rw")));
	EXPECT_EQ(-1, access(M("ro"), X_OK));
	EXPECT_EQ(EACCES, errno);
}

TEST_HARNESS_MAIN
