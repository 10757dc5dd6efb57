// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: xattrs set through the union are stored on the upper;
 * the private names (trusted.layerfs.* / trusted.overlay.*) can neither be
 * read nor set through it, and neither whiteouts nor opaque markers nor
 * redirects can be forged through it: each forging test would fail if the
 * forged object hid lower content (checked after a remount, when the
 * filesystem reads its on-disk markers afresh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

LFS_WR_FIXTURE(xa,
	"f file top\nx file user.low L\nf both top\nd dir\nf dir/a A\n"
	"o odir\nf odir/o O",
	"f both bottom\nd dir\nf dir/b B\nd odir\nf odir/hidden H\n"
	"d bdir\nf bdir/y Y",
	1)

static void remount(struct __test_metadata *_metadata, struct lfs_wr *w)
{
	ASSERT_EQ(0, lfs_umount(&w->c));
	ASSERT_EQ(0, lfs_wr_mount(w));
}

LFS_TEST(xa, user_xattr_on_new_file)
{
	ASSERT_EQ(0, lfs_write_file(M("n"), "n", 1));
	ASSERT_EQ(0, setxattr(M("n"), "user.k", "val", 3, 0));
	EXPECT_STREQ("val", lfs_getx(U("n"), "user.k"));
	EXPECT_STREQ("val", lfs_getx(M("n"), "user.k"));
	ASSERT_EQ(0, removexattr(M("n"), "user.k"));
	EXPECT_STREQ("!E61", lfs_getx(U("n"), "user.k"));
}

LFS_TEST(xa, user_xattr_on_lower_dir)
{
	ASSERT_EQ(0, setxattr(M("dir"), "user.d", "dv", 2, 0));
	EXPECT_STREQ("dv", lfs_getx(U("dir"), "user.d"));
	EXPECT_STREQ("dv", lfs_getx(M("dir"), "user.d"));
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
	EXPECT_EQ(0, lfs_has_xattr(U("dir"), lfs_priv_xattr("opaque")));
	remount(_metadata, &self->w);
	EXPECT_STREQ("dv", lfs_getx(M("dir"), "user.d"));
	EXPECT_EQ(2, lfs_count(M("dir")));
}

LFS_TEST(xa, flags_create_replace)
{
	errno = 0;
	EXPECT_EQ(-1, setxattr(M("file"), "user.low", "x", 1, XATTR_CREATE));
	EXPECT_EQ(EEXIST, errno);
	errno = 0;
	EXPECT_EQ(-1, setxattr(M("file"), "user.none", "x", 1, XATTR_REPLACE));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(0, setxattr(M("file"), "user.low", "R", 1, XATTR_REPLACE));
	EXPECT_STREQ("R", lfs_getx(U("file"), "user.low"));
	EXPECT_STREQ("L", lfs_getx(L0("file"), "user.low"));
}

LFS_TEST(xa, large_value)
{
	char v[3000], r[3000];

	memset(v, 'q', sizeof(v));
	ASSERT_EQ(0, setxattr(M("file"), "user.big", v, sizeof(v), 0));
	ASSERT_EQ((ssize_t)sizeof(r), lgetxattr(U("file"), "user.big", r,
						sizeof(r)));
	EXPECT_EQ(0, memcmp(v, r, sizeof(v)));
}

LFS_TEST(xa, trusted_non_private_allowed)
{
	ASSERT_EQ(0, setxattr(M("file"), "trusted.other", "t", 1, 0))
		TH_LOG("%s", strerror(errno));
	EXPECT_STREQ("t", lfs_getx(U("file"), "trusted.other"));
	EXPECT_STREQ("t", lfs_getx(M("file"), "trusted.other"));
}

LFS_TEST(xa, list_hides_private)
{
	char list[4096];
	ssize_t n, i;

	ASSERT_EQ(0, chmod(M("file"), 0600));	/* metacopy/origin on upper */
	ASSERT_EQ(0, lfs_write_file(M("odir/new"), "n", 1));
	n = listxattr(M("file"), list, sizeof(list));
	ASSERT_LE(0, n);
	for (i = 0; i < n; i += strlen(list + i) + 1) {
		EXPECT_NE(0, strncmp(list + i, "trusted.layerfs.", 16))
			TH_LOG("listed %s", list + i);
		EXPECT_NE(0, strncmp(list + i, "trusted.overlay.", 16))
			TH_LOG("listed %s", list + i);
	}
	n = listxattr(M("odir"), list, sizeof(list));
	ASSERT_LE(0, n);
	for (i = 0; i < n; i += strlen(list + i) + 1)
		EXPECT_EQ(NULL, strstr(list + i, "opaque"));
}

LFS_TEST(xa, get_private_refused)
{
	char v[64];

	errno = 0;
	EXPECT_EQ(-1, getxattr(M("odir"), lfs_priv_xattr("opaque"), v,
			       sizeof(v)));
	EXPECT_TRUE(errno == ENODATA || errno == EOPNOTSUPP ||
		    errno == EPERM) TH_LOG("errno %d", errno);
	ASSERT_EQ(0, chmod(M("file"), 0600));
	errno = 0;
	EXPECT_EQ(-1, getxattr(M("file"), lfs_priv_xattr("origin"), v,
			       sizeof(v)));
	EXPECT_EQ(-1, getxattr(M("file"), lfs_priv_xattr("metacopy"), v,
			       sizeof(v)));
}

/*
 * Setting a private name through the union: layerfs refuses it. overlayfs
 * (since 6.7) accepts it as an "escaped" xattr, stored on the upper as
 * trusted.overlay.overlay.NAME, which is data, not a marker. Either way the
 * real marker must not appear on the upper and nothing may be hidden.
 */
static void set_private(struct __test_metadata *_metadata, const char *p,
			const char *name, const char *val)
{
	int r = setxattr(p, name, val, strlen(val), 0);

	if (lfs_is_layerfs()) {
		EXPECT_EQ(-1, r);
		EXPECT_TRUE(errno == EPERM || errno == EOPNOTSUPP ||
			    errno == EINVAL) TH_LOG("errno %d", errno);
	}
}

/* Setting the opaque marker through the union must not hide dir/b. */
LFS_TEST(xa, set_private_opaque_refused)
{
	set_private(_metadata, M("dir"), lfs_priv_xattr("opaque"), "y");
	EXPECT_NE(1, lfs_has_xattr(U("dir"), lfs_priv_xattr("opaque")));
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
	remount(_metadata, &self->w);
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
	EXPECT_EQ(2, lfs_count(M("dir")));
}

/*
 * layerfs also honours trusted.overlay.opaque (for layers written by
 * overlayfs), so it must refuse that name through the union as well;
 * whatever the setxattr returns, the lower content must stay visible.
 */
LFS_TEST(xa, set_overlay_opaque_cannot_hide)
{
	setxattr(M("dir"), "trusted.overlay.opaque", "y", 1, 0);
	if (LAYERFS)
		EXPECT_NE(1, lfs_has_xattr(U("dir"), "trusted.overlay.opaque"));
	remount(_metadata, &self->w);
	EXPECT_STREQ("B", lfs_cat(M("dir/b")));
	EXPECT_EQ(2, lfs_count(M("dir")));
}

/* The same on a directory that exists in the bottom layer only. */
LFS_TEST(xa, set_opaque_on_lower_only_dir_cannot_hide)
{
	set_private(_metadata, M("bdir"), lfs_priv_xattr("opaque"), "y");
	setxattr(M("bdir"), "trusted.overlay.opaque", "y", 1, 0);
	setxattr(M("bdir"), "trusted.layerfs.opaque", "y", 1, 0);
	if (LAYERFS)
		EXPECT_NE(1, lfs_has_xattr(U("bdir"), "trusted.overlay.opaque"));
	EXPECT_NE(1, lfs_has_xattr(U("bdir"), lfs_priv_xattr("opaque")));
	remount(_metadata, &self->w);
	EXPECT_STREQ("Y", lfs_cat(M("bdir/y")));
	EXPECT_EQ(1, lfs_count(M("bdir")));
}

LFS_TEST(xa, set_private_redirect_refused)
{
	char val[64];

	ASSERT_EQ(0, mkdir(M("fake"), 0755));
	snprintf(val, sizeof(val), "/bdir");
	set_private(_metadata, M("fake"), lfs_priv_xattr("redirect"), val);
	EXPECT_NE(1, lfs_has_xattr(U("fake"), lfs_priv_xattr("redirect")));
	remount(_metadata, &self->w);
	EXPECT_EQ(0, lfs_count(M("fake")));
	EXPECT_STREQ("Y", lfs_cat(M("bdir/y")));
}

LFS_TEST(xa, remove_private_refused)
{
	errno = 0;
	/* (overlayfs: the escaped name does not exist, ENODATA) */
	EXPECT_EQ(-1, removexattr(M("odir"), lfs_priv_xattr("opaque")));
	remount(_metadata, &self->w);
	EXPECT_EQ(-ENOENT, lfs_ftype(M("odir/hidden")));
	EXPECT_STREQ("O", lfs_cat(M("odir/o")));
}

/*
 * mknod of a char device 0/0 (the on-disk whiteout) through the union:
 * overlayfs refuses it with EPERM. Whatever a filesystem does, it must
 * not leave something that later acts as a whiteout: if the mknod works,
 * the name must stay visible as the device the caller made, also after a
 * remount (a forged whiteout would make it vanish).
 */
static void forge(struct __test_metadata *_metadata, struct lfs_wr *w,
		  const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	int r;

	snprintf(p, sizeof(p), "%s/%s", w->c.mnt, name);
	r = mknod(p, S_IFCHR | 0600, makedev(0, 0));
	if (!lfs_is_layerfs()) {
		EXPECT_EQ(-1, r);
		EXPECT_EQ(EPERM, errno);
	}
	if (r) {
		EXPECT_EQ(-ENOENT, lfs_ftype(p));
		return;
	}
	ASSERT_EQ(0, lstat(p, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0, lfs_umount(&w->c));
	ASSERT_EQ(0, lfs_wr_mount(w));
	ASSERT_EQ(0, lstat(p, &st)) TH_LOG("%s vanished: forged whiteout",
					   name);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

LFS_TEST(xa, forge_whiteout_new_name)
{
	forge(_metadata, &self->w, "newdev");
	EXPECT_STREQ("top", lfs_cat(M("both")));
}

LFS_TEST(xa, forge_whiteout_over_lower_name)
{
	ASSERT_EQ(0, unlink(M("both")));
	forge(_metadata, &self->w, "both");
}

LFS_TEST(xa, forge_whiteout_then_rename_over_lower)
{
	struct stat st;

	if (mknod(M("wo"), S_IFCHR | 0600, makedev(0, 0))) {
		EXPECT_FALSE(LAYERFS && errno != EPERM);
		EXPECT_STREQ("B", lfs_cat(M("dir/b")));
		return;
	}
	/* replacing dir/b by the device must show the device, not ENOENT */
	ASSERT_EQ(0, rename(M("wo"), M("dir/b")));
	remount(_metadata, &self->w);
	ASSERT_EQ(0, lstat(M("dir/b"), &st)) TH_LOG("dir/b vanished");
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

/*
 * Private xattrs of lower objects (put there by another tool, or a layer
 * written by the other filesystem) are never copied up: the copy-up may
 * write its own markers but must not carry the lower's values, which
 * would otherwise be read as this union's own origin, redirect or opaque
 * marker after a remount. Other trusted.* xattrs are copied.
 */
#define PX_XATTRS(p)							\
	"x " p " trusted.layerfs.origin 99999\n"			\
	"x " p " trusted.layerfs.foo lf\n"				\
	"x " p " trusted.overlay.origin forged\n"			\
	"x " p " trusted.overlay.foo of\n"				\
	"x " p " trusted.other keep\n"

LFS_WR_FIXTURE(px,
	"f chm C\n" PX_XATTRS("chm") "f wr W\n" PX_XATTRS("wr")
	"d dir\n" PX_XATTRS("dir") "f dir/a A\n",
	"d dir\nf dir/b B\nd bdir\n" PX_XATTRS("bdir") "f bdir/y Y\n",
	1)

/*
 * The upper copy UP of lower object LOW: private names unknown to the
 * filesystem are absent, its own origin (if any) is not the forged value.
 * overlayfs's private namespace is trusted.overlay.* only: it copies
 * trusted.layerfs.* as the plain trusted xattrs they are to it; layerfs
 * keeps both namespaces private (it reads overlayfs's markers too).
 */
static void px_check(struct __test_metadata *_metadata, const char *up,
		     const char *low)
{
	struct stat st;
	char ino[32];

	ASSERT_EQ(0, lstat(low, &st));
	EXPECT_STREQ("keep", lfs_getx(up, "trusted.other"));
	EXPECT_EQ(0, lfs_has_xattr(up, "trusted.overlay.foo"));
	EXPECT_STRNE("forged", lfs_getx(up, "trusted.overlay.origin"));
	if (lfs_is_layerfs()) {
		EXPECT_EQ(0, lfs_has_xattr(up, "trusted.layerfs.foo"));
		EXPECT_EQ(0, lfs_has_xattr(up, "trusted.overlay.origin"));
		/*
		 * A copied file records its lower inode (INO:GEN:UUID); a
		 * directory none.
		 */
		snprintf(ino, sizeof(ino), "%llu:",
			 (unsigned long long)st.st_ino);
		if (S_ISDIR(st.st_mode)) {
			EXPECT_STREQ("!E61",
				     lfs_getx(up, "trusted.layerfs.origin"));
		} else {
			EXPECT_EQ(0, strncmp(ino, lfs_getx(up, "trusted.layerfs.origin"),
					     strlen(ino)));
		}
	} else {
		EXPECT_STREQ("lf", lfs_getx(up, "trusted.layerfs.foo"));
		EXPECT_STREQ("99999", lfs_getx(up, "trusted.layerfs.origin"));
	}
	/* the lower keeps them all (the teardown checks every byte) */
	EXPECT_STREQ("forged", lfs_getx(low, "trusted.overlay.origin"));
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_ino;
}

/*
 * Copy-up by chmod (metadata only), by a write, of a directory by a new
 * name in it and of a bottom-layer directory by a change below it; then
 * a remount, which reads the upper's markers afresh, shows the same.
 */
LFS_TEST(px, private_xattrs_not_copied_up)
{
	ino_t chm = ino_of(M("chm")), wr = ino_of(M("wr"));

	ASSERT_NE(0, chm);
	ASSERT_EQ(0, chmod(M("chm"), 0600));
	ASSERT_EQ(0, lfs_write_file(M("wr"), "new", 3));
	ASSERT_EQ(0, lfs_write_file(M("dir/n"), "n", 1));
	ASSERT_EQ(0, lchown(M("bdir/y"), 7, 7));
	px_check(_metadata, U("chm"), L0("chm"));
	px_check(_metadata, U("wr"), L0("wr"));
	px_check(_metadata, U("dir"), L0("dir"));
	px_check(_metadata, U("bdir"), L1("bdir"));

	remount(_metadata, &self->w);
	EXPECT_STREQ("C", lfs_cat(M("chm")));
	EXPECT_STREQ("new", lfs_cat(M("wr")));
	EXPECT_EQ(chm, ino_of(M("chm")));
	EXPECT_EQ(wr, ino_of(M("wr")));
	EXPECT_EQ(3, lfs_count(M("dir")));
	EXPECT_STREQ("Y", lfs_cat(M("bdir/y")));
	EXPECT_STREQ("keep", lfs_getx(M("chm"), "trusted.other"));
	EXPECT_STREQ("keep", lfs_getx(M("bdir"), "trusted.other"));
}

TEST_HARNESS_MAIN
