// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copy-up takes the fastest path the upper filesystem has (issue 3): on a
 * filesystem that can share extents the copy is a clone (reflink), not a
 * copy of the bytes, and holes stay holes.  Run on layerfs and overlayfs;
 * both clone (vfs_clone_file_range) before they fall back to copying, so
 * no difference is expected.
 *
 * The VM's bases (tmpfs, ext4) cannot clone, so the lower l0, the upper
 * and the work directory are on an xfs of the test's own (mkfs.xfs makes
 * reflink=1 by default; -m reflink=1 says so) on a loop device over a
 * sparse file on $LFS_BASE (a copy of one made once per run).  l0 is a
 * bind mount of a directory of that xfs; l1 stays on $LFS_BASE.
 *
 * The lower file has data, a hole, data.  After the copy-up FIEMAP on the
 * upper file must show only extents flagged FIEMAP_EXTENT_SHARED (they are
 * the lower's blocks: the clone path) and nothing in the hole; a write
 * through the union then goes to new blocks (copy on write): the union
 * shows it, the lower file is unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define MIB		(1LL << 20)
#define IMG_SIZE	(64 * MIB)	/* sparse; see xfs_make */
#define FSIZE		(16 * MIB)	/* the lower file */
#define HOLE_OFF	(6 * MIB)	/* its hole: [HOLE_OFF, HOLE_END) */
#define HOLE_END	(10 * MIB)
#define WOFF		(1 * MIB)	/* the 4 KiB written after copy-up */
#define WLEN		4096
#define NEXT		256		/* FIEMAP extents per call */

#define diag(fmt, ...) fprintf(stderr, "# wr_reflink: " fmt "\n", ##__VA_ARGS__)

/* mkfs.xfs makes a 64 MiB filesystem only for fstests (see xfs_make). */
static int run(char *const argv[])
{
	static char *const fstests[] = {
		"TEST_DIR=1", "TEST_DEV=1", "QA_CHECK_FS=1", NULL
	};

	return lfs_run_quiet(argv, fstests);
}

/*
 * The freshly made xfs, made once per run of this program (mkfs.xfs takes
 * seconds under emulation) and copied by each test; removed at exit.  The
 * name starts with t. so run.sh removes it after a killed run.
 */
static pid_t main_pid;
static char tmpl[PATH_MAX];

__attribute__((constructor)) static void tmpl_init(void)
{
	main_pid = getpid();
	snprintf(tmpl, sizeof(tmpl), "%s/t.wr_reflink.%d.xfs", lfs_base(),
		 (int)main_pid);
}

__attribute__((destructor)) static void tmpl_fini(void)
{
	if (getpid() == main_pid)
		unlink(tmpl);
}

/*
 * mkfs.xfs wants 300 MiB and a 64 MiB log (which it zeroes) unless
 * TEST_DIR, TEST_DEV and QA_CHECK_FS are set, as fstests sets them for its
 * small scratch filesystems; the kernel mounts those fine.
 */
static int tmpl_make(void)
{
	char tmp[PATH_MAX + 8];
	char *mkfs[] = { "mkfs.xfs", "-q", "-f", "-m", "reflink=1", "-l",
			 "size=8m", tmp, NULL };
	int fd, r;

	if (!access(tmpl, F_OK))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.new", tmpl);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = ftruncate(fd, IMG_SIZE) ? -errno : 0;
	close(fd);
	if (!r && (r = run(mkfs)))
		diag("mkfs.xfs %s failed", tmp);
	if (!r && rename(tmp, tmpl))
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/* A sparse copy of the template to IMG. */
static int tmpl_copy(const char *img)
{
	static char buf[1 << 16];
	int in, out, r = 0;
	off_t d = 0, h;

	in = open(tmpl, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0 || ftruncate(out, IMG_SIZE))
		r = -errno;
	while (!r && (d = lseek(in, d, SEEK_DATA)) >= 0) {
		h = lseek(in, d, SEEK_HOLE);
		for (; !r && d < h; d += sizeof(buf)) {
			size_t n = h - d < (off_t)sizeof(buf) ?
				   (size_t)(h - d) : sizeof(buf);

			if (pread(in, buf, n, d) != (ssize_t)n ||
			    pwrite(out, buf, n, d) != (ssize_t)n)
				r = -EIO;
		}
		d = h;
	}
	if (!r && errno != ENXIO)
		r = -errno;
	close(in);
	if (out >= 0)
		close(out);
	return r;
}

/* An xfs on a loop device over a copy IMG of the template, at MNT. */
static int xfs_make(const char *img, const char *mnt)
{
	char node[64];
	int fd, r;

	r = tmpl_make();
	if (!r)
		r = tmpl_copy(img);
	if (!r && mkdir(mnt, 0755))
		r = -errno;
	if (r)
		return r;
	fd = lfs_loop_attach(img, node, sizeof(node));
	if (fd < 0) {
		diag("loop for %s: %s", img, strerror(-fd));
		return fd;
	}
	r = mount(node, mnt, "xfs", 0, NULL) ? -errno : 0;
	if (r)
		diag("mount xfs %s on %s: %s", node, mnt, strerror(-r));
	close(fd);	/* the mount holds the loop now; autoclear after */
	return r;
}

/* The expected content at OFF: pattern, zeros in the hole. */
static void expect_buf(char *buf, size_t len, long long off)
{
	if (off >= HOLE_OFF && off < HOLE_END)
		memset(buf, 0, len);
	else
		lfs_pattern(buf, len, off);
}

/* Data, hole, data; the tail first so no preallocation lands in the hole. */
static int make_lower(const char *path)
{
	static char buf[1 << 20];
	long long off;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (off = HOLE_END; !r && off < FSIZE; off += sizeof(buf)) {
		expect_buf(buf, sizeof(buf), off);
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			r = -EIO;
	}
	for (off = 0; !r && off < HOLE_OFF; off += sizeof(buf)) {
		expect_buf(buf, sizeof(buf), off);
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			r = -EIO;
	}
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

/*
 * The first differing offset + 1 between PATH and the lower's content
 * (with WBUF at WOFF when WBUF is set), 0 if equal, or -errno.
 */
static long long differs(const char *path, const char *wbuf)
{
	static char buf[1 << 16], want[1 << 16];
	long long off, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size != FSIZE) {
		close(fd);
		return -EINVAL;
	}
	for (off = 0; off < FSIZE; off += sizeof(buf)) {
		if (pread(fd, buf, sizeof(buf), off) != sizeof(buf)) {
			close(fd);
			return -EIO;
		}
		expect_buf(want, sizeof(want), off);
		if (wbuf && off <= WOFF && WOFF < off + (long long)sizeof(buf))
			memcpy(want + (WOFF - off), wbuf, WLEN);
		for (i = 0; i < (long long)sizeof(buf); i++)
			if (buf[i] != want[i]) {
				close(fd);
				return off + i + 1;
			}
	}
	close(fd);
	return 0;
}

struct xmap {
	long long mapped;	/* bytes in extents below FSIZE */
	long long in_hole;	/* of those, bytes in [HOLE_OFF, HOLE_END) */
	long long unshared;	/* of those, bytes not FIEMAP_EXTENT_SHARED */
	int n;			/* extents */
};

static long long overlap(long long a, long long b, long long c, long long d)
{
	long long lo = a > c ? a : c, hi = b < d ? b : d;

	return hi > lo ? hi - lo : 0;
}

/* FIEMAP of PATH (synced) summed up; 0 or -errno. */
static int fiemap_of(const char *path, struct xmap *x)
{
	size_t sz = sizeof(struct fiemap) + NEXT * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	long long start = 0;
	int fd, r = 0, last = 0;
	unsigned int i;

	memset(x, 0, sizeof(*x));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !fm) {
		r = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while (!last && start < FSIZE) {
		memset(fm, 0, sz);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = NEXT;
		if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
			r = -errno;
			break;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];
			long long a = e->fe_logical, b = a + e->fe_length;
			long long in = overlap(a, b, 0, FSIZE);

			x->n++;
			x->mapped += in;
			x->in_hole += overlap(a, b, HOLE_OFF, HOLE_END);
			if (!(e->fe_flags & FIEMAP_EXTENT_SHARED))
				x->unshared += in;
			last = !!(e->fe_flags & FIEMAP_EXTENT_LAST);
			start = b;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(fm);
	if (!r)
		diag("%s: %d extents, %lld bytes mapped, %lld in the hole, %lld not shared",
		     path, x->n, x->mapped, x->in_hole, x->unshared);
	return r;
}

FIXTURE(rl) {
	struct lfs_wr w;
};

static int has_xfs(void)
{
	char line[128];
	FILE *f = fopen("/proc/filesystems", "re");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "\txfs\n");
	if (f)
		fclose(f);
	return found;
}

static const char *skip_reason(void)
{
	char *v[] = { "mkfs.xfs", "-V", NULL };

	if (access("/dev/loop-control", W_OK))
		return "no /dev/loop-control (loop)";
	if (!has_xfs())
		return "no xfs in this kernel";
	if (run(v))
		return "no mkfs.xfs";
	return NULL;
}

/* The xfs at x/, l0 = x/l0 (bind), the union on x/u, x/w. */
static int fx_build(struct lfs_wr *w)
{
	int r = lfs_wr_setup(w, NULL, "f one 1\n");


	if (!r)
		r = xfs_make(lfs_wd(w, "xfs.img"), lfs_wd(w, "x"));
	if (!r && (mkdir(lfs_wd(w, "x/l0"), 0755) ||
		   mkdir(lfs_wd(w, "x/u"), 0755) ||
		   mkdir(lfs_wd(w, "x/w"), 0755)))
		r = -errno;
	if (!r)
		r = make_lower(lfs_wd(w, "x/l0/big"));
	if (!r && mount(lfs_wd(w, "x/l0"), lfs_wl(w, 0, "%s", ""), NULL,
			MS_BIND, NULL))
		r = -errno;
	if (!r)
		r = lfs_wr_snapshot(w);
	if (!r) {
		r = lfs_wr_mount_at(w, NULL, "x/u", "x/w", 1, NULL);
		w->c.mounted = !r;
	}
	return r;
}

/* The union, then l0, then the xfs (the loop device goes with it). */
static int fx_cleanup(struct lfs_wr *w)
{
	const char *mp[] = { w->c.mnt, lfs_wl(w, 0, "%s", ""),
			     lfs_wd(w, "x") };
	int i, r = 0;

	for (i = 0; i < 3; i++)
		if (umount2(mp[i], 0) && errno != EINVAL && errno != ENOENT) {
			diag("umount %s: %s", mp[i], strerror(errno));
			r = -errno;
		}
	w->c.mounted = 0;
	if (lfs_teardown(&w->c))
		r = -ENOTEMPTY;
	lfs_wr_free(w);
	return r;
}

FIXTURE_SETUP(rl)
{
	const char *why = skip_reason();
	int r;

	if (why)
		SKIP(return, "%s", why);
	r = fx_build(&self->w);
	if (r)
		fx_cleanup(&self->w);
	ASSERT_EQ(0, r) TH_LOG("setup: %s", LFS_ERR(r));
}

FIXTURE_TEARDOWN(rl)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, fx_cleanup(&self->w));
}

#define UP(...)	lfs_wd(&self->w, "x/u/" __VA_ARGS__)

/* The lower file as made: data, a hole, data, nothing shared yet. */
static void lower_as_made(struct __test_metadata *_metadata, const char *path)
{
	struct xmap x;

	ASSERT_EQ(0, fiemap_of(path, &x));
	ASSERT_EQ(FSIZE - (HOLE_END - HOLE_OFF), x.mapped);
	ASSERT_EQ(0, x.in_hole);
}

/*
 * Open NAME for writing through the union (the data copy-up), then check
 * the upper copy is a clone with the hole kept, and a write through the
 * union is copied on write.
 */
static void clone_checks(struct __test_metadata *_metadata,
			 FIXTURE_DATA(rl) *self, const char *name)
{
	const char *up = UP("%s", name);
	char wbuf[WLEN];
	struct xmap x;
	int fd;

	fd = open(M("%s", name), O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", name, strerror(errno));
	close(fd);
	EXPECT_EQ(0, lfs_has_xattr(up, lfs_priv_xattr("metacopy")));

	/* A clone: every data extent shared with the lower; the hole kept. */
	ASSERT_EQ(0, fiemap_of(up, &x));
	EXPECT_EQ(FSIZE - (HOLE_END - HOLE_OFF), x.mapped);
	EXPECT_EQ(0, x.in_hole);
	EXPECT_EQ(0, x.unshared) TH_LOG("copy-up did not clone");
	EXPECT_EQ(0, differs(up, NULL));
	EXPECT_EQ(0, differs(M("%s", name), NULL));

	/* Copy on write: the union shows the write, the lower does not. */
	memset(wbuf, 'W', sizeof(wbuf));
	fd = open(M("%s", name), O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(WLEN, pwrite(fd, wbuf, WLEN, WOFF));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	EXPECT_EQ(0, differs(M("%s", name), wbuf));
	EXPECT_EQ(0, differs(up, wbuf));
	EXPECT_EQ(0, differs(L0("%s", name), NULL));
	ASSERT_EQ(0, fiemap_of(up, &x));
	EXPECT_EQ(WLEN, x.unshared) TH_LOG("the write was not copied on write");
	EXPECT_EQ(0, x.in_hole);
}

/* A full copy-up (open for write) clones. */
LFS_TEST(rl, copy_up_clones_keeps_hole)
{
	lower_as_made(_metadata, L0("big"));
	clone_checks(_metadata, self, "big");
}

/* The data copy-up of a metadata-only copy (chmod first) clones too. */
LFS_TEST(rl, metacopy_data_copy_up_clones)
{
	struct stat st;

	lower_as_made(_metadata, L0("big"));
	ASSERT_EQ(0, chmod(M("big"), 0600));
	ASSERT_EQ(1, lfs_has_xattr(UP("big"), lfs_priv_xattr("metacopy")));
	ASSERT_EQ(0, stat(UP("big"), &st));
	EXPECT_EQ(0, st.st_blocks) TH_LOG("metadata-only copy has data");
	clone_checks(_metadata, self, "big");
	ASSERT_EQ(0, stat(M("big"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
}

/*
 * A clone onto a set-ID file changes its data as a write does, so the
 * kernel drops the set-ID bits of a caller without CAP_FSETID (and, for
 * set-group-ID, outside the file's group).  Through the union the real
 * clone runs as the mounter, who keeps them: the union must drop them
 * with the caller's credentials first.  Each case is checked on the bare
 * xfs too, the reference both unions must match.
 */
/* 0 if the two files have the same content, else -1 (or -errno). */
static int differs_small(const char *a, const char *b)
{
	char x[65], y[65];
	int r = lfs_sha256_file(a, x);

	if (!r)
		r = lfs_sha256_file(b, y);
	return r ? r : strcmp(x, y) ? -1 : 0;
}

struct clone_case {
	const char *name;
	mode_t mode;		/* of the destination, owner 1000 group 0 */
	mode_t gone;		/* the bit the clone must drop */
	int range;		/* FICLONERANGE rather than FICLONE */
};

static const struct clone_case clone_cases[] = {
	{ "setuid_ficlone", 04755, S_ISUID, 0 },
	{ "setgid_ficlonerange", 02775, S_ISGID, 1 },
};

struct clone_arg {
	const char *src, *dst;
	int range;
};

/* As uid 1000: clone src onto dst; 0 or an errno. */
static int clone_as_user(void *p)
{
	const struct clone_arg *a = p;
	struct file_clone_range r = { .src_length = 0 };
	int in = open(a->src, O_RDONLY | O_CLOEXEC);
	int out = open(a->dst, O_WRONLY | O_CLOEXEC);
	int err;

	if (in < 0 || out < 0)
		return errno;
	r.src_fd = in;
	err = a->range ? ioctl(out, FICLONERANGE, &r) : ioctl(out, FICLONE, in);
	return err ? errno : 0;
}

/* src (0644) and dst (MODE, 1000:0) of 64 KiB each; dst's mode after. */
static int clone_onto(const char *src, const char *dst,
		      const struct clone_case *cc, mode_t *after)
{
	struct clone_arg a = { src, dst, cc->range };
	static char buf[65536];
	struct stat st;
	int r;

	lfs_pattern(buf, sizeof(buf), 3);
	if (lfs_write_file(src, buf, sizeof(buf)) ||
	    lfs_write_file(dst, buf + 1, sizeof(buf) - 1) ||
	    chown(dst, 1000, 0) || chmod(dst, cc->mode) || chmod(src, 0644))
		return -errno;
	if (stat(dst, &st) || (st.st_mode & 07777) != cc->mode)
		return -EPERM;
	r = lfs_run_as(1000, 1000, clone_as_user, &a);
	if (r)
		return r > 0 ? -r : r;
	if (stat(dst, &st))
		return -errno;
	*after = st.st_mode & 07777;
	return 0;
}

LFS_TEST(rl, clone_drops_setid_bits)
{
	unsigned int i;

	for (i = 0; i < sizeof(clone_cases) / sizeof(clone_cases[0]); i++) {
		const struct clone_case *cc = &clone_cases[i];
		mode_t bare = 0, uni = 0;
		int r;

		r = clone_onto(lfs_wd(&self->w, "x/%s.src", cc->name),
			       lfs_wd(&self->w, "x/%s.dst", cc->name), cc,
			       &bare);
		ASSERT_EQ(0, r) TH_LOG("%s on bare xfs: %s", cc->name,
				       LFS_ERR(r));
		EXPECT_EQ(cc->mode & ~cc->gone, bare)
			TH_LOG("%s: bare xfs left %o", cc->name, bare);
		r = clone_onto(M("%s.src", cc->name), M("%s.dst", cc->name),
			       cc, &uni);
		ASSERT_EQ(0, r) TH_LOG("%s through the union: %s", cc->name,
				       LFS_ERR(r));
		EXPECT_EQ(bare, uni)
			TH_LOG("%s: union left %o, bare xfs %o", cc->name,
			       uni, bare);
		EXPECT_EQ(0, differs_small(M("%s.dst", cc->name),
					   M("%s.src", cc->name)));
	}
}

TEST_HARNESS_MAIN
