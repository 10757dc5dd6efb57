// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: copy-up of lower objects on open for write, O_TRUNC,
 * truncate, chmod/chown/utimensat, setxattr/removexattr, link and rename.
 * The upper copy keeps data, mode, owner, nanosecond timestamps, user.*
 * xattrs and POSIX ACLs; sparse files keep their holes; racing writers
 * make one copy; a descriptor opened before the copy-up sees the new data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define SPARSE_SIZE	(32LL << 20)
#define BIG_SIZE	(1LL << 20)

LFS_WR_FIXTURE(cu,
	"f file lower-data\n"
	"f meta meta-data\nm meta 0640\nu meta 1234 2345\n"
	"x meta user.a one\nx meta user.b two\nt meta 1234567890 123456789\n"
	"f shadow top\nd dir\nf dir/a A\nd sdir\nm sdir 0710\n"
	"t sdir 1000000000 111111111\ns sl file\np fifo\n"
	"P big 1048576\nz sparse 33554432\nP race 262144",
	"f shadow bottom\nf bfile bottom-data\nm bfile 0604\n"
	"t bfile 1500000000 999999999",
	1)

static void same_meta(struct __test_metadata *_metadata, const char *a,
		      const char *b, int times)
{
	struct stat x, y;

	ASSERT_EQ(0, lstat(a, &x));
	ASSERT_EQ(0, lstat(b, &y));
	EXPECT_EQ(x.st_mode, y.st_mode);
	EXPECT_EQ(x.st_uid, y.st_uid);
	EXPECT_EQ(x.st_gid, y.st_gid);
	EXPECT_EQ(x.st_size, y.st_size);
	if (times) {
		EXPECT_EQ(x.st_mtim.tv_sec, y.st_mtim.tv_sec);
		EXPECT_EQ(x.st_mtim.tv_nsec, y.st_mtim.tv_nsec);
	}
}

LFS_TEST(cu, open_wronly_copies_data)
{
	int fd = open(M("file"), O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pwrite(fd, "L", 1, 0));
	close(fd);
	EXPECT_STREQ("Lower-data", lfs_cat(U("file")));
	EXPECT_STREQ("Lower-data", lfs_cat(M("file")));
	EXPECT_STREQ("lower-data", lfs_cat(L0("file")));
}

LFS_TEST(cu, open_rdwr_without_write)
{
	int fd = open(M("meta"), O_RDWR);

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(S_IFREG, lfs_ftype(U("meta")));
	EXPECT_STREQ("meta-data", lfs_cat(U("meta")));
	EXPECT_EQ(0, lfs_has_xattr(U("meta"), lfs_priv_xattr("metacopy")));
	same_meta(_metadata, L0("meta"), U("meta"), 1);
}

LFS_TEST(cu, metadata_preserved)
{
	int fd = open(M("meta"), O_WRONLY);

	ASSERT_LE(0, fd);
	close(fd);
	same_meta(_metadata, L0("meta"), U("meta"), 1);
	same_meta(_metadata, L0("meta"), M("meta"), 1);
	EXPECT_STREQ("one", lfs_getx(U("meta"), "user.a"));
	EXPECT_STREQ("two", lfs_getx(U("meta"), "user.b"));
	EXPECT_STREQ("one", lfs_getx(M("meta"), "user.a"));
}

LFS_TEST(cu, bottom_layer_metadata_preserved)
{
	int fd = open(M("bfile"), O_RDWR | O_APPEND);

	ASSERT_LE(0, fd);
	close(fd);
	same_meta(_metadata, L1("bfile"), U("bfile"), 1);
	EXPECT_STREQ("bottom-data", lfs_cat(U("bfile")));
}

LFS_TEST(cu, shadowed_copy_is_topmost)
{
	int fd = open(M("shadow"), O_WRONLY | O_APPEND);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "!", 1));
	close(fd);
	EXPECT_STREQ("top!", lfs_cat(U("shadow")));
	EXPECT_STREQ("top!", lfs_cat(M("shadow")));
}

LFS_TEST(cu, o_trunc)
{
	struct stat st;
	int fd = open(M("meta"), O_WRONLY | O_TRUNC);

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, stat(U("meta"), &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(0640, st.st_mode & 07777);
	EXPECT_EQ(1234u, st.st_uid);
	EXPECT_STREQ("", lfs_cat(M("meta")));
	EXPECT_STREQ("one", lfs_getx(U("meta"), "user.a"));
}

LFS_TEST(cu, truncate_shrink_grow)
{
	char buf[64];

	ASSERT_EQ(0, truncate(M("file"), 5));
	EXPECT_STREQ("lower", lfs_cat(U("file")));
	EXPECT_STREQ("lower", lfs_cat(M("file")));
	ASSERT_EQ(0, truncate(M("bfile"), 20));
	ASSERT_EQ(20, lfs_read_file(M("bfile"), buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "bottom-data\0\0\0\0\0\0\0\0\0", 20));
	ASSERT_EQ(20, lfs_read_file(U("bfile"), buf, sizeof(buf)));
}

LFS_TEST(cu, ftruncate_copies_up)
{
	int fd = open(M("dir/a"), O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 0));
	close(fd);
	EXPECT_STREQ("", lfs_cat(U("dir/a")));
	EXPECT_STREQ("A", lfs_cat(L0("dir/a")));
}

LFS_TEST(cu, chmod)
{
	struct stat st;

	ASSERT_EQ(0, chmod(M("file"), 0600));
	ASSERT_EQ(0, stat(U("file"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, stat(M("file"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_STREQ("lower-data", lfs_cat(M("file")));
}

LFS_TEST(cu, chown)
{
	struct stat st;

	ASSERT_EQ(0, chown(M("bfile"), 4321, 5432));
	ASSERT_EQ(0, stat(U("bfile"), &st));
	EXPECT_EQ(4321u, st.st_uid);
	EXPECT_EQ(5432u, st.st_gid);
	EXPECT_EQ(0604, st.st_mode & 07777);
	EXPECT_STREQ("bottom-data", lfs_cat(M("bfile")));
}

LFS_TEST(cu, utimensat_nanoseconds)
{
	struct timespec ts[2] = { { 1700000000, 987654321 },
				  { 1600000000, 123456789 } };
	struct stat st;

	ASSERT_EQ(0, utimensat(AT_FDCWD, M("file"), ts, 0));
	ASSERT_EQ(0, stat(U("file"), &st));
	EXPECT_EQ(1600000000, st.st_mtim.tv_sec);
	EXPECT_EQ(123456789, st.st_mtim.tv_nsec);
	EXPECT_EQ(1700000000, st.st_atim.tv_sec);
	EXPECT_EQ(987654321, st.st_atim.tv_nsec);
	ASSERT_EQ(0, stat(M("file"), &st));
	EXPECT_EQ(123456789, st.st_mtim.tv_nsec);
}

LFS_TEST(cu, setxattr_copies_up)
{
	ASSERT_EQ(0, setxattr(M("meta"), "user.new", "v", 1, 0));
	EXPECT_STREQ("v", lfs_getx(U("meta"), "user.new"));
	EXPECT_STREQ("one", lfs_getx(U("meta"), "user.a"));
	EXPECT_STREQ("v", lfs_getx(M("meta"), "user.new"));
	EXPECT_STREQ("meta-data", lfs_cat(M("meta")));
	same_meta(_metadata, L0("meta"), U("meta"), 1);
}

LFS_TEST(cu, removexattr_copies_up)
{
	ASSERT_EQ(0, removexattr(M("meta"), "user.a"));
	EXPECT_STREQ("!E61", lfs_getx(U("meta"), "user.a"));	/* ENODATA */
	EXPECT_STREQ("!E61", lfs_getx(M("meta"), "user.a"));
	EXPECT_STREQ("two", lfs_getx(U("meta"), "user.b"));
	EXPECT_STREQ("one", lfs_getx(L0("meta"), "user.a"));
}

LFS_TEST(cu, posix_acl_preserved)
{
	const char *l0 = lfs_wl(&self->w, 0, "%s", "");
	char a[256], b[256];
	ssize_t na, nb;
	int fd, r;

	/* the ACL is set on the lower while the union is not mounted */
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_build(l0, "f acl x"));
	r = lfs_wr_build(l0, "a acl 4242");
	if (r == -EOPNOTSUPP) {
		ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
		SKIP(return, "no POSIX ACLs on %s", lfs_base());
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	fd = open(M("acl"), O_WRONLY);
	ASSERT_LE(0, fd);
	close(fd);
	na = lgetxattr(L0("acl"), "system.posix_acl_access", a, sizeof(a));
	nb = lgetxattr(U("acl"), "system.posix_acl_access", b, sizeof(b));
	ASSERT_LT(0, na);
	ASSERT_EQ(na, nb);
	EXPECT_EQ(0, memcmp(a, b, na));
	nb = getxattr(M("acl"), "system.posix_acl_access", b, sizeof(b));
	ASSERT_EQ(na, nb);
	EXPECT_EQ(0, memcmp(a, b, na));
}

LFS_TEST(cu, posix_acl_set_through_union)
{
	char a[256], b[256];
	ssize_t na, nb;

	/* Build an ACL on a scratch file, then set its bytes via the union */
	if (lfs_wr_build(D("%s", "u"), "f aclsrc x\na aclsrc 777") ==
	    -EOPNOTSUPP)
		SKIP(return, "no POSIX ACLs on %s", lfs_base());
	na = lgetxattr(U("aclsrc"), "system.posix_acl_access", a, sizeof(a));
	ASSERT_LT(0, na);
	ASSERT_EQ(0, setxattr(M("file"), "system.posix_acl_access", a, na, 0))
		TH_LOG("setxattr ACL: %s", strerror(errno));
	nb = lgetxattr(U("file"), "system.posix_acl_access", b, sizeof(b));
	ASSERT_EQ(na, nb);
	EXPECT_EQ(0, memcmp(a, b, na));
	EXPECT_STREQ("lower-data", lfs_cat(M("file")));
}

LFS_TEST(cu, link_copies_up)
{
	struct stat a, b;

	ASSERT_EQ(0, link(M("meta"), M("meta2")));
	ASSERT_EQ(0, stat(U("meta"), &a));
	ASSERT_EQ(0, stat(U("meta2"), &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(2u, a.st_nlink);
	EXPECT_STREQ("meta-data", lfs_cat(M("meta2")));
	EXPECT_STREQ("one", lfs_getx(M("meta2"), "user.a"));
	same_meta(_metadata, L0("meta"), U("meta2"), 1);
}

LFS_TEST(cu, rename_copies_up)
{
	ASSERT_EQ(0, rename(M("meta"), M("renamed")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("meta")));
	EXPECT_STREQ("meta-data", lfs_cat(M("renamed")));
	/* the upper copy may be metadata-only (layerfs, overlay metacopy) */
	if (lfs_has_xattr(U("renamed"), lfs_priv_xattr("metacopy")) != 1)
		EXPECT_STREQ("meta-data", lfs_cat(U("renamed")));
	same_meta(_metadata, L0("meta"), U("renamed"), 1);
	EXPECT_STREQ("two", lfs_getx(U("renamed"), "user.b"));
}

LFS_TEST(cu, dir_chmod_copies_up)
{
	struct stat st, lo;

	ASSERT_EQ(0, chmod(M("sdir"), 0755));
	ASSERT_EQ(0, stat(U("sdir"), &st));
	ASSERT_EQ(0, stat(L0("sdir"), &lo));
	EXPECT_EQ(0755, st.st_mode & 07777);
	EXPECT_EQ(lo.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	ASSERT_EQ(0, chown(M("dir"), 77, 88));
	ASSERT_EQ(0, stat(U("dir"), &st));
	EXPECT_EQ(77u, st.st_uid);
	EXPECT_STREQ("A", lfs_cat(M("dir/a")));
	EXPECT_EQ(-ENOENT, lfs_ftype(U("dir/a")));
}

LFS_TEST(cu, symlink_lchown_copies_up)
{
	char buf[64] = "";
	struct stat st;

	ASSERT_EQ(0, lchown(M("sl"), 99, 98));
	ASSERT_EQ(0, lstat(U("sl"), &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(99u, st.st_uid);
	EXPECT_EQ(4, readlink(U("sl"), buf, sizeof(buf)));
	EXPECT_STREQ("file", buf);
	EXPECT_STREQ("lower-data", lfs_cat(M("sl")));
}

LFS_TEST(cu, fifo_chmod_copies_up)
{
	struct stat st;

	ASSERT_EQ(0, chmod(M("fifo"), 0600));
	ASSERT_EQ(0, lstat(U("fifo"), &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
}

LFS_TEST(cu, big_file_data)
{
	char end[4] = "";
	struct stat st;
	int fd = open(M("big"), O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(3, pwrite(fd, "END", 3, BIG_SIZE));
	close(fd);
	EXPECT_EQ(0, lfs_check_pattern(U("big"), BIG_SIZE));
	EXPECT_EQ(0, lfs_check_pattern(M("big"), BIG_SIZE));
	ASSERT_EQ(0, stat(M("big"), &st));
	EXPECT_EQ(BIG_SIZE + 3, st.st_size);
	fd = open(M("big"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(3, pread(fd, end, 3, BIG_SIZE));
	EXPECT_STREQ("END", end);
	close(fd);
}

LFS_TEST(cu, sparse_holes_kept)
{
	struct stat lo, up;
	off_t hole;
	int fd;

	fd = open(M("sparse"), O_WRONLY);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, stat(L0("sparse"), &lo));
	ASSERT_EQ(0, stat(U("sparse"), &up));
	EXPECT_EQ(SPARSE_SIZE, up.st_size);
	/*
	 * 128 KiB of data in 32 MiB. Copy-up may work in chunks (overlayfs
	 * copies 1 MiB at a time and skips only holes between chunks): the
	 * upper must stay well below the size, at most an eighth.
	 */
	EXPECT_GE(SPARSE_SIZE / 8 / 512, up.st_blocks)
		TH_LOG("lower %lld blocks, upper %lld blocks",
		       (long long)lo.st_blocks, (long long)up.st_blocks);
	fd = open(U("sparse"), O_RDONLY);
	ASSERT_LE(0, fd);
	hole = lseek(fd, 0, SEEK_HOLE);
	EXPECT_GT(SPARSE_SIZE / 2, hole) TH_LOG("first hole at %lld",
						 (long long)hole);
	hole = lseek(fd, SPARSE_SIZE / 4, SEEK_DATA);
	EXPECT_LE(SPARSE_SIZE / 4, hole);
	EXPECT_GE(SPARSE_SIZE / 2, hole);
	close(fd);
	/* through the union the same */
	fd = open(M("sparse"), O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_GT(SPARSE_SIZE / 2, lseek(fd, 0, SEEK_HOLE));
	close(fd);
}

/* Many writers open the same lower file at once: one copy keeps all. */
LFS_TEST(cu, racing_writers_one_copy)
{
	enum { N = 8, CHUNK = 4096 };
	char want[CHUNK], got[CHUNK];
	pid_t pids[N];
	int i, fd, status;
	int *go = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, go);
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			char buf[CHUNK];

			while (!__atomic_load_n(go, __ATOMIC_ACQUIRE))
				;
			fd = open(M("race"), O_WRONLY);
			if (fd < 0)
				_exit(1);
			memset(buf, 'a' + i, CHUNK);
			if (pwrite(fd, buf, CHUNK, (off_t)i * 2 * CHUNK) !=
			    CHUNK)
				_exit(2);
			_exit(close(fd) ? 3 : 0);
		}
	}
	__atomic_store_n(go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, status);
	}
	fd = open(M("race"), O_RDONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2 * N; i++) {
		ASSERT_EQ(CHUNK, pread(fd, got, CHUNK, (off_t)i * CHUNK));
		if (i % 2 == 0)
			memset(want, 'a' + i / 2, CHUNK);
		else
			lfs_pattern(want, CHUNK, (off_t)i * CHUNK);
		EXPECT_EQ(0, memcmp(want, got, CHUNK))
			TH_LOG("chunk %d wrong", i);
	}
	close(fd);
	EXPECT_EQ(0, lfs_check_pattern(L0("race"), 262144));
	/* the upper holds the one file; workdir has no leftovers in work/ */
	EXPECT_EQ(S_IFREG, lfs_ftype(U("race")));
	EXPECT_EQ(0, lfs_count(D("w/work")));
}

/* A descriptor opened read-only before the copy-up reads the new data. */
LFS_TEST(cu, ro_fd_sees_copy_up)
{
	char buf[32] = "";
	int ro, rw;

	ro = open(M("file"), O_RDONLY);
	ASSERT_LE(0, ro);
	ASSERT_EQ(5, pread(ro, buf, 5, 0));
	EXPECT_EQ(0, memcmp(buf, "lower", 5));
	rw = open(M("file"), O_WRONLY);
	ASSERT_LE(0, rw);
	ASSERT_EQ(5, pwrite(rw, "UPPER", 5, 0));
	close(rw);
	memset(buf, 0, sizeof(buf));
	/*
	 * layerfs promises this (the read switches to the upper object);
	 * overlayfs does the same since it stacks file operations (4.19).
	 */
	ASSERT_EQ(10, pread(ro, buf, sizeof(buf), 0));
	EXPECT_STREQ("UPPER-data", buf);
	close(ro);
}

/* The same with a read-only fd of a file whose copy-up was a truncate. */
LFS_TEST(cu, ro_fd_sees_truncate)
{
	struct stat st;
	char buf[32];
	int ro;

	ro = open(M("bfile"), O_RDONLY);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, truncate(M("bfile"), 6));
	EXPECT_EQ(6, pread(ro, buf, sizeof(buf), 0));
	ASSERT_EQ(0, fstat(ro, &st));
	EXPECT_EQ(6, st.st_size);
	close(ro);
}

/* ---- chattr flags (FS_IOC_GETFLAGS/SETFLAGS) ---- */

LFS_WR_FIXTURE(fa,
	"f flagged F\nf plain P\nf g1 G\nh g2 g1\n"
	"d dir\nf dir/a A\nf dir/b B\nd ldir\nf ldir/a A\nf ldir/forged X",
	NULL, 0)

/* The file's chattr flags, or -errno. */
static long get_flags(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), flags = 0, r;

	if (fd < 0)
		return -errno;
	r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
	if (r)
		r = -errno;
	close(fd);
	return r ? r : (long)(unsigned int)flags;
}

/* Set ADD and clear DEL in the file's chattr flags. */
static int change_flags(const char *path, int add, int del)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), flags, r;

	if (fd < 0)
		return -errno;
	r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
	if (!r) {
		flags = (flags | add) & ~del;
		r = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	if (r)
		r = -errno;
	close(fd);
	return r;
}

static int add_flags(const char *path, int add)
{
	return change_flags(path, add, 0);
}

static int del_flags(const char *path, int del)
{
	return change_flags(path, 0, del);
}

static int append_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		r = -errno;
	close(fd);
	return r;
}

/*
 * "flagged" is noatime and nodump in the lower layer.  Both filesystems
 * keep noatime (and sync) on copy-up; layerfs also keeps nodump, dirsync
 * and nocow, which overlayfs drops (Documentation/layerfs.rst).
 */
static int flags_start(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fa) *self)
{
	int r = add_flags(L0("flagged"), FS_NOATIME_FL | FS_NODUMP_FL);

	if (r == -ENOTTY || r == -EOPNOTSUPP)
		SKIP(return -1, "the base has no chattr flags");
	ASSERT_EQ(0, r) TH_LOG("%s", strerror(-r));
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	return 0;
}

LFS_TEST(fa, flags_read_through_union)
{
	long f;

	if (flags_start(_metadata, self))
		return;
	f = get_flags(M("flagged"));
	ASSERT_LE(0, f) TH_LOG("%s", strerror(-f));
	EXPECT_EQ(FS_NOATIME_FL | FS_NODUMP_FL,
		  f & (FS_NOATIME_FL | FS_NODUMP_FL));
	EXPECT_EQ(0, get_flags(M("plain")) & FS_NOATIME_FL);
	EXPECT_EQ(-ENOENT, lfs_ftype(U("flagged")));
}

LFS_TEST(fa, flags_kept_on_copy_up)
{
	long f;

	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, chmod(M("flagged"), 0600));
	f = get_flags(U("flagged"));
	ASSERT_LE(0, f) TH_LOG("%s", strerror(-f));
	EXPECT_TRUE(f & FS_NOATIME_FL);
	EXPECT_EQ(LAYERFS ? FS_NODUMP_FL : 0, f & FS_NODUMP_FL);
	EXPECT_EQ(f, get_flags(M("flagged")));
	EXPECT_STREQ("F", lfs_cat(M("flagged")));
}

LFS_TEST(fa, chattr_through_union_copies_up)
{
	long f;

	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, add_flags(M("plain"), FS_NOATIME_FL));
	f = get_flags(U("plain"));
	ASSERT_LE(0, f) TH_LOG("%s", strerror(-f));
	EXPECT_TRUE(f & FS_NOATIME_FL);
	EXPECT_TRUE(get_flags(M("plain")) & FS_NOATIME_FL);
	EXPECT_FALSE(get_flags(L0("plain")) & FS_NOATIME_FL);
	EXPECT_STREQ("P", lfs_cat(M("plain")));
}

/* chattr +a on a lower file: appends work, other writes do not. */
LFS_TEST(fa, append_only_lower_file)
{
	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, add_flags(M("plain"), FS_APPEND_FL));
	EXPECT_EQ(0, append_str(M("plain"), "+a"));
	EXPECT_EQ(-1, open(M("plain"), O_WRONLY | O_TRUNC));
	EXPECT_EQ(EPERM, errno);
	EXPECT_STREQ("P+a", lfs_cat(M("plain")));
	EXPECT_EQ(0, del_flags(M("plain"), FS_APPEND_FL));
	EXPECT_EQ(0, lfs_write_file(M("plain"), "new", 3));
	EXPECT_STREQ("new", lfs_cat(M("plain")));
}

/*
 * The same through a name of a lower hard-link group: the other name
 * appends, and clears the flag, without a new link of the protected copy.
 */
LFS_TEST(fa, append_only_hard_link_group)
{
	struct stat st;

	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, add_flags(M("g1"), FS_APPEND_FL));
	EXPECT_EQ(0, append_str(M("g2"), "+2"));
	EXPECT_STREQ("G+2", lfs_cat(M("g1")));
	ASSERT_EQ(0, lstat(M("g2"), &st));
	EXPECT_EQ(2u, st.st_nlink);
	EXPECT_EQ(-1, unlink(M("g2")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, del_flags(M("g2"), FS_APPEND_FL));
	EXPECT_EQ(0, unlink(M("g2")));
	ASSERT_EQ(0, lstat(M("g1"), &st));
	EXPECT_EQ(1u, st.st_nlink);
	EXPECT_STREQ("G+2", lfs_cat(M("g1")));
}

static int try_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int neg_errno(int r)
{
	return r ? -errno : 0;
}

static void remount(struct __test_metadata *_metadata,
		    FIXTURE_DATA(fa) *self)
{
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
}

/*
 * An immutable directory, as on ext4: no name in it may be made, removed
 * or renamed, but its files stay writable (also those still below, which
 * need a copy-up into it).
 */
static void immutable_dir(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fa) *self, const char *d,
			  const char *write, const char *after)
{
	EXPECT_TRUE(get_flags(M("%s", d)) & FS_IMMUTABLE_FL);
	EXPECT_EQ(0, lfs_write_file(M("%s/%s", d, write), after,
				    strlen(after)));
	EXPECT_STREQ(after, lfs_cat(M("%s/%s", d, write)));
	EXPECT_EQ(-EPERM, try_create(M("%s/new", d)));
	EXPECT_EQ(-EPERM, neg_errno(mkdir(M("%s/newdir", d), 0755)));
	EXPECT_EQ(-EPERM, neg_errno(unlink(M("%s/%s", d, write))));
	EXPECT_EQ(-EPERM, neg_errno(rename(M("%s/%s", d, write),
					   M("%s/moved", d))));
	EXPECT_EQ(-EPERM, neg_errno(rename(M("%s/%s", d, write),
					   M("moved"))));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("%s/new", d)));
}

/*
 * chattr +i on a merged directory: its files are still writable through
 * the union, also after a remount.  Both filesystems keep the flag in a
 * record (trusted.*.protattr) rather than on the upper directory, which
 * would refuse the copy-up of its files.
 */
LFS_TEST(fa, immutable_dir_files_stay_writable)
{
	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, add_flags(M("dir"), FS_IMMUTABLE_FL));
	immutable_dir(_metadata, self, "dir", "a", "A1");
	EXPECT_FALSE(get_flags(U("dir")) & FS_IMMUTABLE_FL);
	EXPECT_EQ(1, lfs_has_xattr(U("dir"), lfs_priv_xattr("protattr")));
	remount(_metadata, self);
	immutable_dir(_metadata, self, "dir", "b", "B1");
	EXPECT_STREQ("A1", lfs_cat(M("dir/a")));
	ASSERT_EQ(0, del_flags(M("dir"), FS_IMMUTABLE_FL));
	EXPECT_EQ(0, get_flags(M("dir")) & FS_IMMUTABLE_FL);
	EXPECT_EQ(0, lfs_has_xattr(U("dir"), lfs_priv_xattr("protattr")));
	EXPECT_EQ(0, try_create(M("dir/new")));
	EXPECT_EQ(0, unlink(M("dir/a")));
}

/* What an immutable file refuses, through the union as on ext4. */
static void immutable_file(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fa) *self, const char *f,
			   const char *data)
{
	EXPECT_TRUE(get_flags(M("%s", f)) & FS_IMMUTABLE_FL);
	EXPECT_STREQ(data, lfs_cat(M("%s", f)));
	EXPECT_EQ(-1, open(M("%s", f), O_WRONLY));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-EPERM, append_str(M("%s", f), "x"));
	EXPECT_EQ(-EPERM, neg_errno(truncate(M("%s", f), 0)));
	EXPECT_EQ(-EPERM, neg_errno(chmod(M("%s", f), 0600)));
	EXPECT_EQ(-EPERM, neg_errno(unlink(M("%s", f))));
	EXPECT_EQ(-EPERM, neg_errno(rename(M("%s", f), M("moved"))));
	EXPECT_EQ(-EPERM, neg_errno(link(M("%s", f), M("linked"))));
	EXPECT_EQ(-EPERM, neg_errno(setxattr(M("%s", f), "user.x", "1", 1,
					     0)));
	EXPECT_STREQ(data, lfs_cat(M("%s", f)));
}

/*
 * chattr +i on a lower file: refused changes as on a plain filesystem,
 * after a remount too; the upper copy has the record, not the flag.
 */
LFS_TEST(fa, immutable_file_semantics)
{
	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, add_flags(M("plain"), FS_IMMUTABLE_FL));
	immutable_file(_metadata, self, "plain", "P");
	EXPECT_FALSE(get_flags(U("plain")) & FS_IMMUTABLE_FL);
	EXPECT_EQ(1, lfs_has_xattr(U("plain"), lfs_priv_xattr("protattr")));
	remount(_metadata, self);
	immutable_file(_metadata, self, "plain", "P");
	ASSERT_EQ(0, del_flags(M("plain"), FS_IMMUTABLE_FL));
	EXPECT_EQ(0, lfs_write_file(M("plain"), "new", 3));
	EXPECT_STREQ("new", lfs_cat(M("plain")));
	EXPECT_EQ(0, lfs_has_xattr(U("plain"), lfs_priv_xattr("protattr")));
}

/* chattr +a: appends only, after a remount too, kept as a record. */
LFS_TEST(fa, append_only_semantics_after_remount)
{
	int pass;

	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, add_flags(M("plain"), FS_APPEND_FL));
	for (pass = 0; pass < 2; pass++) {
		EXPECT_TRUE(get_flags(M("plain")) & FS_APPEND_FL);
		EXPECT_EQ(0, append_str(M("plain"), "+"));
		EXPECT_EQ(-1, open(M("plain"), O_WRONLY));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(-EPERM, neg_errno(truncate(M("plain"), 0)));
		EXPECT_EQ(-EPERM, neg_errno(chmod(M("plain"), 0600)));
		EXPECT_EQ(-EPERM, neg_errno(unlink(M("plain"))));
		EXPECT_FALSE(get_flags(U("plain")) & FS_APPEND_FL);
		EXPECT_EQ(1, lfs_has_xattr(U("plain"),
					   lfs_priv_xattr("protattr")));
		remount(_metadata, self);
	}
	EXPECT_STREQ("P++", lfs_cat(M("plain")));
	EXPECT_EQ(0, del_flags(M("plain"), FS_APPEND_FL));
	EXPECT_EQ(0, unlink(M("plain")));
}

/*
 * A lower directory that is immutable in its layer: writing a file in it
 * copies the directory up, which must stay immutable in the union.  The
 * flags come from the lower object's real flags only: a protattr record
 * in a lower layer is not believed, nor copied up.
 */
LFS_TEST(fa, immutable_lower_dir_copy_up_keeps_flag)
{
	const char *rec = lfs_priv_xattr("protattr");
	int r;

	ASSERT_EQ(0, lsetxattr(L0("ldir/forged"), rec, "i", 1, 0));
	r = add_flags(L0("ldir"), FS_IMMUTABLE_FL);
	if (r == -ENOTTY || r == -EOPNOTSUPP)
		SKIP(return, "the base has no chattr flags");
	ASSERT_EQ(0, r);
	if (flags_start(_metadata, self))
		goto out;
	EXPECT_EQ(0, get_flags(M("ldir/forged")) & FS_IMMUTABLE_FL);
	immutable_dir(_metadata, self, "ldir", "a", "A1");
	EXPECT_EQ(0, lfs_write_file(M("ldir/forged"), "Y", 1));
	EXPECT_EQ(0, lfs_has_xattr(U("ldir/forged"), rec));
	EXPECT_FALSE(get_flags(U("ldir")) & FS_IMMUTABLE_FL);
	EXPECT_EQ(1, lfs_has_xattr(U("ldir"), rec));
	remount(_metadata, self);
	immutable_dir(_metadata, self, "ldir", "a", "A2");
	EXPECT_STREQ("Y", lfs_cat(M("ldir/forged")));
out:
	/* The lowers unchanged; then the flag goes, so they can be removed. */
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, del_flags(L0("ldir"), FS_IMMUTABLE_FL));
	EXPECT_EQ(0, lfs_wr_snapshot(&self->w));
}

/*
 * An upper directory given a real +i outside the union (the union not
 * mounted) is immutable in the union and, since its lower files can no
 * longer be copied up into it, read-only there (both filesystems); a
 * chattr -i through the union clears it (layerfs only).  A guard of the
 * documented choice (Documentation/layerfs.rst), not a regression test.
 */
LFS_TEST(fa, real_flag_on_upper_dir_honoured)
{
	long f;

	if (flags_start(_metadata, self))
		return;
	ASSERT_EQ(0, lfs_write_file(M("dir/a"), "A1", 2));
	ASSERT_EQ(0, lfs_umount(&self->w.c));
	ASSERT_EQ(0, add_flags(U("dir"), FS_IMMUTABLE_FL));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_TRUE(get_flags(M("dir")) & FS_IMMUTABLE_FL);
	EXPECT_EQ(-EPERM, try_create(M("dir/new")));
	EXPECT_EQ(-EPERM, lfs_write_file(M("dir/b"), "B1", 2));
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
	EXPECT_EQ(0, lfs_write_file(M("dir/a"), "A2", 2));
	/*
	 * overlayfs removes its record before it clears the real flag, which
	 * the real flag refuses (EPERM): only the upper itself can clear it.
	 * layerfs clears the real flag first (Documentation/layerfs.rst).
	 */
	if (!LAYERFS) {
		EXPECT_EQ(-EPERM, del_flags(M("dir"), FS_IMMUTABLE_FL));
		ASSERT_EQ(0, lfs_umount(&self->w.c));
		ASSERT_EQ(0, del_flags(U("dir"), FS_IMMUTABLE_FL));
		ASSERT_EQ(0, lfs_wr_mount(&self->w));
	} else {
		EXPECT_EQ(0, del_flags(M("dir"), FS_IMMUTABLE_FL));
	}
	f = get_flags(U("dir"));
	EXPECT_LE(0, f);
	if (f > 0 && (f & FS_IMMUTABLE_FL))
		del_flags(U("dir"), FS_IMMUTABLE_FL);
	EXPECT_EQ(0, f & FS_IMMUTABLE_FL);
	EXPECT_EQ(0, lfs_write_file(M("dir/b"), "B1", 2));
	EXPECT_EQ(0, try_create(M("dir/new")));
}

TEST_HARNESS_MAIN
