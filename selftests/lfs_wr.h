/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the writable-union selftests (wr_*.c), on top of lfs_test.h.
 *
 * A writable fixture has two lower layers, <dir>/l0 (top) and <dir>/l1,
 * an upper layer <dir>/u and a workdir <dir>/w, all on $LFS_BASE, and is
 * mounted as lowerdir=l0:l1,upperdir=u,workdir=w. For overlay the features
 * layerfs has by default (redirect_dir=on,index=on,metacopy=on) are added
 * so the comparison is fair; layerfs takes no such options.
 *
 * The lower trees are digested (contents, modes, owners, times, xattrs)
 * when the fixture is built and compared again in its teardown: every test
 * thereby checks that the lower layers are byte-for-byte unchanged.
 */
#ifndef LFS_WR_H
#define LFS_WR_H

#include <sys/types.h>

#include "lfs_test.h"

#define LFS_WR_NLOWER	2

struct lfs_wr {
	struct lfs c;
	char *digest[LFS_WR_NLOWER];
};

/*
 * lfs_setup, then build l0 from SPEC0 and l1 from SPEC1 (either may be
 * NULL) with lfs_wr_build, make u/ and w/ and snapshot the lowers.
 */
int lfs_wr_setup(struct lfs_wr *w, const char *spec0, const char *spec1);
/* (Re)take the digests of the lower layers; call after changing them. */
int lfs_wr_snapshot(struct lfs_wr *w);
/* 0 if every lower tree still matches its digest; else -1 with a diag. */
int lfs_wr_check_lowers(struct lfs_wr *w);
void lfs_wr_free(struct lfs_wr *w);

/*
 * lfs_build with a few more line types:
 *   h PATH TARGET     hard link PATH -> TARGET (both relative to ROOT)
 *   t PATH SEC NSEC   atime = mtime = SEC.NSEC (nofollow)
 *   P PATH SIZE       regular file of SIZE bytes of lfs_pattern data
 *   z PATH SIZE       sparse file of SIZE bytes: 64 KiB of pattern at 0 and
 *                     at SIZE/2 (rounded down to 64 KiB), holes elsewhere
 *   a PATH UID        POSIX access ACL u::rw-,u:UID:rw-,g::r--,m::rw-,o::r--
 */
int lfs_wr_build(const char *root, const char *spec);

/* Overlay feature options for a fair comparison ("" for layerfs). */
const char *lfs_wr_features(void);
/*
 * Mount the union at c.mnt: lowerdir=l0:l1,upperdir=<dir>/UPPER,
 * workdir=<dir>/WORK (NULL: "u" and "w"), with lfs_wr_features() when
 * FEATURES is set, plus EXTRA (may be NULL). mnt may be NULL for c.mnt,
 * else a path relative to <dir> (created if missing).
 */
int lfs_wr_mount_at(struct lfs_wr *w, const char *mnt, const char *upper,
		    const char *work, int features, const char *extra);
int lfs_wr_mount(struct lfs_wr *w);

/* Rotating path buffers: <dir>/u/..., <dir>/l<N>/..., <dir>/... */
const char *lfs_wu(const struct lfs_wr *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *lfs_wl(const struct lfs_wr *w, int layer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *lfs_wd(const struct lfs_wr *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "trusted.layerfs.WHAT" or "trusted.overlay.WHAT" by fstype. */
const char *lfs_priv_xattr(const char *what);
/* 1 if PATH (lstat) is a char device 0/0, 0 if not, -errno on error. */
int lfs_is_whiteout(const char *path);
/* 1 if xattr NAME exists on PATH (no follow), 0 if not, -errno else. */
int lfs_has_xattr(const char *path, const char *name);
/* lgetxattr as a NUL-terminated string in a rotating buffer, "!E<n>". */
const char *lfs_getx(const char *path, const char *name);
/* Number of entries of a directory (without . and ..) or -errno. */
int lfs_count(const char *dir);
/* Compare a file's content with lfs_pattern(off 0); 0 if equal, else
 * the first differing offset + 1, or -errno. */
long long lfs_check_pattern(const char *path, size_t size);

/*
 * Remove " FIELD=value" from the lines of an lfs_tree_digest() that
 * contain ONLY (NULL: from every line), e.g. "ctime", which no copy-up
 * can preserve.
 */
void lfs_digest_strip(char *digest, const char *field, const char *only);
/* 0 if two digests are equal, else -1 with the differing lines printed. */
int lfs_same_digest(const char *was, const char *now, const char *what);

/* Pretty errno for TH_LOG. */
#define LFS_ERR(r) ((r) < 0 ? strerror(-(r)) : "ok")

/*
 * The standard writable fixture: FX with lowers built from S0/S1, mounted
 * by setup when MOUNT is non-zero; the teardown checks the lowers.
 */
#define LFS_WR_FIXTURE(fx, s0, s1, mount)				\
	FIXTURE(fx) {							\
		struct lfs_wr w;					\
	};								\
	FIXTURE_SETUP(fx)						\
	{								\
		ASSERT_EQ(0, lfs_wr_setup(&self->w, s0, s1));		\
		if (mount)						\
			ASSERT_EQ(0, lfs_wr_mount(&self->w));		\
	}								\
	FIXTURE_TEARDOWN(fx)						\
	{								\
		EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));		\
		EXPECT_EQ(0, lfs_teardown(&self->w.c));			\
		lfs_wr_free(&self->w);					\
	}

/*
 * Run a program with its stdout on /dev/null and ENV ("K=V" strings, NULL
 * ended, or NULL) added: 0 when it exits 0, else -EIO (-errno when it
 * could not be waited for).
 */
int lfs_run_quiet(char *const argv[], char *const env[]);
/* A free loop device over FILE (autoclear), named in NODE: its fd or -errno. */
int lfs_loop_attach(const char *file, char *node, size_t len);

/* Shorthands inside tests of an LFS_WR_FIXTURE. */
#define M(...)	lfs_m(&self->w.c, __VA_ARGS__)
#define U(...)	lfs_wu(&self->w, __VA_ARGS__)
#define L0(...)	lfs_wl(&self->w, 0, __VA_ARGS__)
#define L1(...)	lfs_wl(&self->w, 1, __VA_ARGS__)
#define D(...)	lfs_wd(&self->w, __VA_ARGS__)
#define LAYERFS	lfs_is_layerfs()

#endif
