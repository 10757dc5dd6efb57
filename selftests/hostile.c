// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile layers (issue 6): layer directories crafted by hand, as an
 * untrusted image could ship them, then mounted.  Private xattrs with odd,
 * overlong, binary and non-UTF-8 values; redirects that loop, climb out,
 * point at nothing or at a non-directory; metacopy without a usable
 * origin; whiteouts and opaque markers in unexpected places; 255-byte
 * names at every level; a 2,000-level deep tree; the same directory given
 * twice; symlink loops; a lower directory that is a mount point.
 *
 * Every case must give either a specific error or a sane view, and the
 * union must unmount afterwards (the VM's console scan and the final rmmod
 * catch oopses and leaks).  layerfs's answer is asserted exactly, as
 * documented in Documentation/layerfs.rst ("Untrusted layers").  overlayfs
 * reads its own trusted.overlay.* markers in other formats (file handles,
 * relative redirects), so for it most cases assert only "an error from a
 * small set, or a view that can be listed and read".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

FIXTURE(h) {
	struct lfs_wr w;
};

/* Empty lowers; each case builds its own layers and then calls arm(). */
FIXTURE_SETUP(h)
{
	ASSERT_EQ(0, lfs_wr_setup(&self->w, NULL, NULL));
}

FIXTURE_TEARDOWN(h)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

#define W	(&self->w)
#define LF	lfs_is_layerfs()
#define L0R	lfs_wl(W, 0, "%s", "")
#define L1R	lfs_wl(W, 1, "%s", "")
#define UR	lfs_wu(W, "%s", "")
#define MR	lfs_m(&self->w.c, "%s", "")

/* lfs_wr_build with a printf-style spec. */
static int buildf(const char *root, const char *fmt, ...)
{
	char spec[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(spec, sizeof(spec), fmt, ap);
	va_end(ap);
	return lfs_wr_build(root, spec);
}

/* The layers are built: snapshot the lowers and mount. */
static int arm(struct lfs_wr *w)
{
	int r = lfs_wr_snapshot(w);

	return r ?: lfs_wr_mount(w);
}

static int setx(const char *path, const char *name, const void *v,
		size_t len)
{
	if (lsetxattr(path, name, v, len, 0))
		return -errno;
	return 0;
}

/*
 * An xattr value as long as the filesystem takes: 64 KiB on tmpfs, about
 * a block on ext4.  Returns the length set, or -errno.
 */
static long setx_long(const char *path, const char *name, char fill)
{
	static const size_t sizes[] = { 65536, 32768, 8192, 4000, 3000, 1000 };
	static char buf[65536];
	size_t i;

	memset(buf, fill, sizeof(buf));
	buf[0] = fill == 'a' ? '/' : fill;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (!lsetxattr(path, name, buf, sizes[i], 0))
			return sizes[i];
	return -errno;
}

/* What a hostile layer may answer instead of a view. */
static int sane_errno(int e)
{
	return e == EIO || e == ENOENT || e == ENOTDIR || e == ELOOP ||
	       e == EINVAL || e == ESTALE || e == ENAMETOOLONG ||
	       e == EPERM || e == EOPNOTSUPP || e == ENODATA || e == EXDEV ||
	       e == EUCLEAN || e == ENXIO || e == EACCES;
}

/*
 * Look at PATH as a user would: lstat, then list a directory (and lstat
 * every entry) or read a file to the end.  Every step must succeed or
 * fail with a sane errno.  Returns 0 or the first -errno.
 */
static int probe(struct __test_metadata *_metadata, const char *path)
{
	char buf[65536], child[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int fd, first = 0;
	ssize_t n;
	DIR *d;

	if (lstat(path, &st)) {
		EXPECT_TRUE(sane_errno(errno)) TH_LOG("lstat %s: %s", path,
						      strerror(errno));
		return -errno;
	}
	if (S_ISREG(st.st_mode)) {
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			EXPECT_TRUE(sane_errno(errno))
				TH_LOG("open %s: %s", path, strerror(errno));
			return -errno;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0) {
			EXPECT_TRUE(sane_errno(errno))
				TH_LOG("read %s: %s", path, strerror(errno));
			first = -errno;
		}
		close(fd);
		return first;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	d = opendir(path);
	if (!d) {
		EXPECT_TRUE(sane_errno(errno)) TH_LOG("opendir %s: %s", path,
						      strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (lstat(child, &st) && !first) {
			EXPECT_TRUE(sane_errno(errno))
				TH_LOG("lstat %s: %s", child, strerror(errno));
			first = -errno;
		}
	}
	closedir(d);
	return first;
}

/* Entries of DIR joined with ',' in name order, or "!E<errno>". */
static const char *ls(const char *dir)
{
	static char bufs[8][4096];
	static int idx;
	char *b = bufs[idx++ % 8];
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

/* lstat errno (0 if it exists). */
static int lerr(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? errno : 0;
}

static unsigned long long ino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* The union comes down cleanly at the end of every case. */
#define UMOUNT_OK()	ASSERT_EQ(0, lfs_umount(&self->w.c))

/* ---- private xattrs with hostile values ------------------------------ */

struct hval {
	const char *tag;
	const char *v;
	size_t len;
};

static const struct hval hvals[] = {
	{ "empty", "", 0 },
	{ "nul", "\0", 1 },
	{ "y_nul", "y\0", 2 },
	{ "yes", "yes", 3 },
	{ "Y", "Y", 1 },
	{ "n", "n", 1 },
	{ "x", "x", 1 },
	{ "binary", "\x00\xff\x01\x7f", 4 },
	{ "non_utf8", "\xc3\x28\xff\xfe", 4 },
	{ "slash", "/", 1 },
	{ "digits_nul", "12\0", 3 },
	{ "long", NULL, 0 },	/* 64 KiB, or the most the fs takes */
};
#define NVALS	(sizeof(hvals) / sizeof(hvals[0]))

static const char * const markers[] = {
	"opaque", "redirect", "origin", "metacopy", "protattr",
};
#define NMARKERS	(sizeof(markers) / sizeof(markers[0]))

static int set_hval(const char *path, const char *name, const struct hval *v)
{
	long r;

	if (v->v)
		return setx(path, name, v->v, v->len);
	r = setx_long(path, name, 'y');
	return r < 0 ? r : 0;
}

/*
 * Every private xattr with every hostile value, on an upper directory that
 * merges with a lower one and on an upper file over a lower file.
 * layerfs: an invalid redirect makes the directory EIO; a metacopy marker
 * without an origin makes the file EIO; everything else is ignored (the
 * opaque marker is "y" and nothing else).
 */
LFS_TEST(h, private_xattr_values)
{
	char d[64], f[64], name[64];
	unsigned int m, i;

	for (m = 0; m < NMARKERS; m++) {
		snprintf(name, sizeof(name), "%s", lfs_priv_xattr(markers[m]));
		for (i = 0; i < NVALS; i++) {
			snprintf(d, sizeof(d), "d_%s_%s", markers[m], hvals[i].tag);
			snprintf(f, sizeof(f), "f_%s_%s", markers[m], hvals[i].tag);
			ASSERT_EQ(0, buildf(L0R, "f %s/low l\nf %s LOW",
					       d, f));
			ASSERT_EQ(0, lfs_mkdir_p(U("%s", d), 0755));
			ASSERT_EQ(0, lfs_write_file(U("%s/up", d), "u", 1));
			ASSERT_EQ(0, lfs_write_file(U("%s", f), "UP", 2));
			ASSERT_EQ(0, set_hval(U("%s", d), name, &hvals[i]))
				TH_LOG("%s on %s", name, d);
			ASSERT_EQ(0, set_hval(U("%s", f), name, &hvals[i]));
		}
	}
	ASSERT_EQ(0, arm(W));
	for (m = 0; m < NMARKERS; m++) {
		for (i = 0; i < NVALS; i++) {
			const char *mk = markers[m];

			snprintf(d, sizeof(d), "d_%s_%s", mk, hvals[i].tag);
			snprintf(f, sizeof(f), "f_%s_%s", mk, hvals[i].tag);
			probe(_metadata, M("%s", d));
			probe(_metadata, M("%s", f));
			if (!strcmp(mk, "opaque")) {
				/* Both read the marker alike: "y" or nothing. */
				EXPECT_STREQ("low,up", ls(M("%s", d))) TH_LOG("%s", d);
				EXPECT_STREQ("UP", lfs_cat(M("%s", f))) TH_LOG("%s", f);
			}
			if (!LF)
				continue;
			if (!strcmp(mk, "redirect")) {
				EXPECT_EQ(EIO, lerr(M("%s", d))) TH_LOG("%s", d);
			} else {
				EXPECT_STREQ("low,up", ls(M("%s", d))) TH_LOG("%s", d);
			}
			if (!strcmp(mk, "metacopy")) {
				EXPECT_EQ(EIO, lerr(M("%s", f))) TH_LOG("%s", f);
			} else {
				EXPECT_STREQ("UP", lfs_cat(M("%s", f))) TH_LOG("%s", f);
				EXPECT_EQ(ino_of(U("%s", f)), ino_of(M("%s", f)));
			}
		}
	}
	/* One broken name does not make the whole directory unlistable. */
	if (LF) {
		EXPECT_EQ(1, lfs_listed(MR, "d_redirect_empty"));
		EXPECT_EQ(1, lfs_listed(MR, "f_metacopy_empty"));
		EXPECT_EQ((int)NMARKERS * 2 * (int)NVALS, lfs_count(MR));
	}
	UMOUNT_OK();
}

/*
 * overlayfs's markers other than opaque mean nothing to layerfs: hostile
 * values of trusted.overlay.{redirect,origin,metacopy} change no view.
 */
LFS_TEST(h, overlay_markers_inert_on_layerfs)
{
	static const char * const ovl[] = {
		"trusted.overlay.redirect", "trusted.overlay.origin",
		"trusted.overlay.metacopy", "trusted.overlay.upper",
		"trusted.overlay.impure", "trusted.overlay.nlink",
	};
	unsigned int m, i;

	if (!LF)
		SKIP(return, "overlayfs reads these markers itself");
	for (m = 0; m < sizeof(ovl) / sizeof(ovl[0]); m++) {
		for (i = 0; i < NVALS; i++) {
			ASSERT_EQ(0, buildf(L0R, "f d%u_%u/low l\nf f%u_%u LOW",
					       m, i, m, i));
			ASSERT_EQ(0, lfs_mkdir_p(U("d%u_%u", m, i), 0755));
			ASSERT_EQ(0, lfs_write_file(U("f%u_%u", m, i), "UP", 2));
			ASSERT_EQ(0, set_hval(U("d%u_%u", m, i), ovl[m], &hvals[i]));
			ASSERT_EQ(0, set_hval(U("f%u_%u", m, i), ovl[m], &hvals[i]));
		}
	}
	ASSERT_EQ(0, arm(W));
	for (m = 0; m < sizeof(ovl) / sizeof(ovl[0]); m++) {
		for (i = 0; i < NVALS; i++) {
			EXPECT_STREQ("low", ls(M("d%u_%u", m, i)))
				TH_LOG("%s=%s", ovl[m], hvals[i].tag);
			EXPECT_STREQ("UP", lfs_cat(M("f%u_%u", m, i)));
		}
	}
	UMOUNT_OK();
}

/* The opaque marker is "y"; our own and overlayfs's name alike. */
LFS_TEST(h, opaque_is_exactly_y)
{
	static const char * const names[] = {
		"trusted.layerfs.opaque", "trusted.overlay.opaque",
	};
	unsigned int n, i;

	for (n = 0; n < 2; n++) {
		for (i = 0; i < NVALS; i++) {
			ASSERT_EQ(0, buildf(L1R, "f o%u_%u/low l", n, i));
			ASSERT_EQ(0, buildf(L0R, "f o%u_%u/mid m", n, i));
			ASSERT_EQ(0, set_hval(L0("o%u_%u", n, i), names[n], &hvals[i]));
		}
		/* The control: "y" in the middle layer hides the bottom. */
		ASSERT_EQ(0, buildf(L1R, "f y%u/low l", n));
		ASSERT_EQ(0, buildf(L0R, "f y%u/mid m", n));
		ASSERT_EQ(0, setx(L0("y%u", n), names[n], "y", 1));
		/* On a regular file and on a symlink it means nothing. */
		ASSERT_EQ(0, buildf(L1R, "f file%u bottom", n));
		ASSERT_EQ(0, buildf(L0R, "f file%u top\ns sl%u file%u",
				       n, n, n));
		ASSERT_EQ(0, setx(L0("file%u", n), names[n], "y", 1));
	}
	ASSERT_EQ(0, arm(W));
	for (n = 0; n < 2; n++) {
		int honoured = LF || n == 1;

		for (i = 0; i < NVALS; i++) {
			EXPECT_STREQ("low,mid", ls(M("o%u_%u", n, i)))
				TH_LOG("%s value #%u", names[n], i);
		}
		EXPECT_STREQ(honoured ? "mid" : "low,mid", ls(M("y%u", n)))
			TH_LOG("%s=y", names[n]);
		EXPECT_STREQ("top", lfs_cat(M("file%u", n)));
		EXPECT_STREQ("top", lfs_cat(M("sl%u", n)));
	}
	UMOUNT_OK();
}

/*
 * Markers on the layer roots: the root is never opaque (nothing above it
 * to hide) and never redirected; hostile values there change nothing.
 */
LFS_TEST(h, markers_on_layer_roots)
{
	unsigned int m;
	int r;

	ASSERT_EQ(0, buildf(L1R, "f bottom b"));
	ASSERT_EQ(0, buildf(L0R, "f middle m"));
	ASSERT_EQ(0, lfs_write_file(U("top"), "t", 1));
	for (m = 0; m < NMARKERS; m++) {
		const char *name = lfs_priv_xattr(markers[m]);
		const char *v = strcmp(markers[m], "opaque") ? "/x/../.." : "y";

		ASSERT_EQ(0, setx(UR, name, v, strlen(v)));
		ASSERT_EQ(0, setx(L0R, name, v, strlen(v)));
	}
	ASSERT_LE(0, setx_long(L1R, lfs_priv_xattr("redirect"), 'a'));
	r = arm(W);
	if (!LF && r) {
		/* overlayfs checks the upper root's origin (index=on). */
		EXPECT_TRUE(sane_errno(-r)) TH_LOG("overlay mount: %d", r);
		return;
	}
	ASSERT_EQ(0, r);
	probe(_metadata, MR);
	if (LF) {
		EXPECT_STREQ("bottom,middle,top", ls(MR));
		ASSERT_EQ(0, lfs_write_file(M("new"), "n", 1));
		EXPECT_STREQ("bottom,middle,new,top", ls(MR));
	}
	UMOUNT_OK();
}

/* ---- redirects ---------------------------------------------------------- */

struct redir {
	const char *tag;
	const char *v;
	size_t len;
	const char *want;	/* layerfs listing of the redirected dir */
};

/* Lower: src/s1, self/o1, file, gone (whited out in l0), \xff\xfe/nu. */
static const struct redir redirs[] = {
	{ "abs", "/src", 4, "s1,sub,up" },
	{ "self", "/self", 5, "o1,up" },
	{ "deep_src", "/src/sub", 8, "s2,up" },
	{ "relative", "src", 3, "!E5" },
	{ "dotdot_lead", "/../src", 7, "!E5" },
	{ "dotdot_tail", "/src/..", 7, "!E5" },
	{ "dotdot_mid", "/src/../src", 11, "!E5" },
	{ "dot", "/./src", 6, "!E5" },
	{ "double_slash", "//src", 5, "!E5" },
	{ "trailing_slash", "/src/", 5, "!E5" },
	{ "root", "/", 1, "!E5" },
	{ "relative_up", "../../etc", 9, "!E5" },
	{ "nul_inside", "/src\0/x", 7, "!E5" },
	{ "nul_tail", "/src\0", 5, "!E5" },
	{ "non_dir", "/file", 5, "up" },
	{ "nothing", "/nothing/here", 13, "up" },
	{ "through_file", "/file/below", 11, "up" },
	{ "whited_out", "/gone", 5, "up" },
	{ "non_utf8", "/\xff\xfe", 3, "nu,up" },
	{ "loop_a", "/loop_b", 7, "lb,up" },	/* a -> b and b -> a */
	{ "loop_b", "/loop_a", 7, "la,up" },
	{ "lower_redirect", "/lr", 3, "e,lr0,up" },
	{ "name_256", NULL, 257, "!E5" },
	{ "path_4095", NULL, 4095, "up" },
	{ "path_4096", NULL, 4096, "!E5" },
	{ "path_long", NULL, 65536, "!E5" },
};
#define NREDIRS	(sizeof(redirs) / sizeof(redirs[0]))

/* "/aaa.../aaa..." of exactly LEN bytes, components of at most 255. */
static void long_path(char *buf, size_t len, size_t comp)
{
	size_t i, c = 0;

	for (i = 0; i < len; i++) {
		if (c == 0 || (c > comp && i + 1 < len)) {
			buf[i] = '/';
			c = 1;
			continue;
		}
		buf[i] = 'a';
		c++;
	}
	/* never end on a slash: that would be an empty component */
	if (buf[len - 1] == '/')
		buf[len - 1] = 'a';
}

static int set_redirect(const char *path, const char *name,
			const struct redir *r)
{
	static char buf[65536];
	long n;

	if (r->v)
		return setx(path, name, r->v, r->len);
	if (r->len == 65536) {
		n = setx_long(path, name, 'a');
		return n < 0 ? n : 0;
	}
	if (r->len == 257) {
		buf[0] = '/';
		memset(buf + 1, 'a', 256);
		return setx(path, name, buf, 257);
	}
	long_path(buf, r->len, 255);
	return setx(path, name, buf, r->len);
}

LFS_TEST(h, redirect_values)
{
	const char *name = lfs_priv_xattr("redirect");
	int skipped[NREDIRS] = { 0 };
	unsigned int i;
	int r;

	ASSERT_EQ(0, buildf(L1R,
			       "f src/s1 1\nf src/sub/s2 2\nf self/o1 1\n"
			       "f file f\nd gone\nf gone/g g\nf \xff\xfe/nu n\n"
			       "f loop_a/la a\nf loop_b/lb b\nf lr/lr1 1\n"
			       "f elsewhere/e e"));
	/*
	 * A redirect in a lower layer is followed for the layers below it,
	 * also when an upper redirect leads there.
	 */
	ASSERT_EQ(0, buildf(L0R, "w gone\nf lr/lr0 0"));
	ASSERT_EQ(0, setx(L0("lr"), name, "/elsewhere", 10));
	for (i = 0; i < NREDIRS; i++) {
		ASSERT_EQ(0, lfs_mkdir_p(U("r_%s", redirs[i].tag), 0755));
		ASSERT_EQ(0, lfs_write_file(U("r_%s/up", redirs[i].tag), "u", 1));
		r = set_redirect(U("r_%s", redirs[i].tag), name, &redirs[i]);
		/* ext4 takes about a block of xattrs, not 4 KiB of value */
		if ((r == -ENOSPC || r == -E2BIG) && redirs[i].len >= 4000) {
			TH_LOG("%s: value not settable here (%s), case not run",
			       redirs[i].tag, strerror(-r));
			skipped[i] = 1;
			continue;
		}
		ASSERT_EQ(0, r) TH_LOG("%s", redirs[i].tag);
	}
	ASSERT_EQ(0, arm(W));
	for (i = 0; i < NREDIRS; i++) {
		const char *dir = M("r_%s", redirs[i].tag);

		probe(_metadata, dir);
		if (LF && !skipped[i]) {
			EXPECT_STREQ(redirs[i].want, ls(dir))
				TH_LOG("redirect %s", redirs[i].tag);
		}
	}
	probe(_metadata, M("src"));
	probe(_metadata, M("lr"));
	/* A valid odd one keeps working through rename and remount. */
	if (LF) {
		/* The redirect targets themselves are untouched. */
		EXPECT_STREQ("s1,sub", ls(M("src")));
		EXPECT_STREQ("e,lr0", ls(M("lr")));
		EXPECT_EQ(ENOENT, lerr(M("gone")));
		ASSERT_EQ(0, rename(M("r_non_utf8"), M("moved")));
		UMOUNT_OK();
		ASSERT_EQ(0, lfs_wr_mount(W));
		EXPECT_STREQ("nu,up", ls(M("moved")));
		EXPECT_STREQ("n", lfs_cat(M("moved/nu")));
	}
	UMOUNT_OK();
}

/*
 * A redirect on a regular file counts only with a valid origin, and must
 * then lead to a non-directory of that inode number.
 */
LFS_TEST(h, redirect_on_files)
{
	char ino[32];

	if (!LF)
		SKIP(return, "overlayfs origins are file handles");
	ASSERT_EQ(0, buildf(L0R, "f real/other OTHER\nd adir\nf plain P"));
	ASSERT_EQ(0, lfs_write_file(U("to_dir"), "UP", 2));
	ASSERT_EQ(0, lfs_write_file(U("to_file"), "UP", 2));
	ASSERT_EQ(0, lfs_write_file(U("no_origin"), "UP", 2));
	ASSERT_EQ(0, lfs_write_file(U("bad_redirect"), "UP", 2));
	snprintf(ino, sizeof(ino), "%llu", ino_of(L0("adir")));
	ASSERT_EQ(0, setx(U("to_dir"), "trusted.layerfs.origin", ino, strlen(ino)));
	ASSERT_EQ(0, setx(U("to_dir"), "trusted.layerfs.redirect", "/adir", 5));
	snprintf(ino, sizeof(ino), "%llu", ino_of(L0("real/other")));
	ASSERT_EQ(0, setx(U("to_file"), "trusted.layerfs.origin", ino, strlen(ino)));
	ASSERT_EQ(0, setx(U("to_file"), "trusted.layerfs.redirect",
			  "/real/other", 11));
	ASSERT_EQ(0, setx(U("no_origin"), "trusted.layerfs.redirect", "/plain", 6));
	ASSERT_EQ(0, setx(U("bad_redirect"), "trusted.layerfs.origin", ino,
			  strlen(ino)));
	ASSERT_EQ(0, setx(U("bad_redirect"), "trusted.layerfs.redirect",
			  "/../x", 5));
	ASSERT_EQ(0, arm(W));
	EXPECT_STREQ("UP", lfs_cat(M("to_dir")));
	EXPECT_EQ(ino_of(U("to_dir")), ino_of(M("to_dir")));
	EXPECT_STREQ("UP", lfs_cat(M("to_file")));
	EXPECT_EQ(ino_of(L0("real/other")), ino_of(M("to_file")));
	EXPECT_STREQ("UP", lfs_cat(M("no_origin")));
	EXPECT_EQ(ino_of(U("no_origin")), ino_of(M("no_origin")));
	EXPECT_EQ(EIO, lerr(M("bad_redirect")));
	UMOUNT_OK();
}

/* ---- origin and metacopy ----------------------------------------------- */

LFS_TEST(h, origin_values)
{
	static const char * const vals[] = {
		"", "abc", "-1", " 12", "12 ", "+12", "0x10", "1e3",
		"18446744073709551616", "99999999999999999999",
		"000000000000000000001", "0",
	};
	unsigned int i, n = sizeof(vals) / sizeof(vals[0]);
	char v[32];

	if (!LF)
		SKIP(return, "overlayfs origins are file handles");
	for (i = 0; i < n + 3; i++) {
		ASSERT_EQ(0, buildf(L0R, "f g%u LOW", i));
		ASSERT_EQ(0, lfs_write_file(U("g%u", i), "UP", 2));
		if (i < n)
			ASSERT_EQ(0, setx(U("g%u", i), "trusted.layerfs.origin",
					  vals[i], strlen(vals[i])));
	}
	/* n: the right number, n+1: off by one, n+2: 64 KiB of digits */
	snprintf(v, sizeof(v), "%llu", ino_of(L0("g%u", n)));
	ASSERT_EQ(0, setx(U("g%u", n), "trusted.layerfs.origin", v, strlen(v)));
	snprintf(v, sizeof(v), "%llu", ino_of(L0("g%u", n + 1)) + 1);
	ASSERT_EQ(0, setx(U("g%u", n + 1), "trusted.layerfs.origin", v, strlen(v)));
	ASSERT_LE(0, setx_long(U("g%u", n + 2), "trusted.layerfs.origin", '1'));
	/* An origin naming a directory, on a file over that directory. */
	ASSERT_EQ(0, buildf(L1R, "d typed"));
	ASSERT_EQ(0, lfs_write_file(U("typed"), "UP", 2));
	snprintf(v, sizeof(v), "%llu", ino_of(L1("typed")));
	ASSERT_EQ(0, setx(U("typed"), "trusted.layerfs.origin", v, strlen(v)));
	ASSERT_EQ(0, arm(W));
	for (i = 0; i < n + 3; i++) {
		EXPECT_STREQ("UP", lfs_cat(M("g%u", i)));
		EXPECT_EQ(i == n ? ino_of(L0("g%u", i)) : ino_of(U("g%u", i)),
			  ino_of(M("g%u", i))) TH_LOG("origin case %u", i);
	}
	EXPECT_STREQ("UP", lfs_cat(M("typed")));
	EXPECT_EQ(ino_of(U("typed")), ino_of(M("typed")));
	UMOUNT_OK();
}

/*
 * A metacopy marker serves the origin's data only when the origin is
 * verified and of the same size; its value is not read.
 */
LFS_TEST(h, metacopy_without_valid_origin)
{
	static const char * const cases[] = {
		"good", "good_binary", "good_long", "no_origin", "wrong_ino",
		"other_size", "origin_dir", "on_dir", "on_symlink",
	};
	unsigned int i, n = sizeof(cases) / sizeof(cases[0]);
	const char *mc = lfs_priv_xattr("metacopy");
	char v[32];

	for (i = 0; i < 7; i++) {
		ASSERT_EQ(0, buildf(L0R, "f %s LOWERDATA", cases[i]));
		ASSERT_EQ(0, lfs_write_file(U("%s", cases[i]),
					    i == 5 ? "up" : "upperdata",
					    i == 5 ? 2 : 9));
		snprintf(v, sizeof(v), "%llu", ino_of(L0("%s", cases[i])) +
			 (i == 4));
		if (i != 3 && LF)
			ASSERT_EQ(0, setx(U("%s", cases[i]), "trusted.layerfs.origin",
					  v, strlen(v)));
	}
	ASSERT_EQ(0, setx(U("good"), mc, "", 0));
	ASSERT_EQ(0, setx(U("good_binary"), mc, "\0\xff\x01", 3));
	ASSERT_LE(0, setx_long(U("good_long"), mc, 'y'));
	for (i = 3; i < 7; i++)
		ASSERT_EQ(0, setx(U("%s", cases[i]), mc, "", 0));
	/* origin_dir: the lower object of that name is a directory */
	ASSERT_EQ(0, lfs_rm_rf(L0("origin_dir")));
	ASSERT_EQ(0, buildf(L0R, "f origin_dir/x x"));
	snprintf(v, sizeof(v), "%llu", ino_of(L0("origin_dir")));
	if (LF)
		ASSERT_EQ(0, setx(U("origin_dir"), "trusted.layerfs.origin", v,
				  strlen(v)));
	/* On a directory and a symlink the marker means nothing. */
	ASSERT_EQ(0, buildf(L0R, "f on_dir/low l\ns on_symlink low"));
	ASSERT_EQ(0, buildf(UR, "f on_dir/up u\ns on_symlink up"));
	ASSERT_EQ(0, setx(U("on_dir"), mc, "", 0));
	ASSERT_EQ(0, setx(U("on_symlink"), mc, "", 0));
	ASSERT_EQ(0, arm(W));
	for (i = 0; i < n; i++)
		probe(_metadata, M("%s", cases[i]));
	if (!LF) {
		UMOUNT_OK();
		return;
	}
	EXPECT_STREQ("LOWERDATA", lfs_cat(M("good")));
	EXPECT_STREQ("LOWERDATA", lfs_cat(M("good_binary")));
	EXPECT_STREQ("LOWERDATA", lfs_cat(M("good_long")));
	EXPECT_EQ(EIO, lerr(M("no_origin")));
	EXPECT_EQ(EIO, lerr(M("wrong_ino")));
	EXPECT_EQ(EIO, lerr(M("other_size")));
	EXPECT_EQ(EIO, lerr(M("origin_dir")));
	EXPECT_STREQ("low,up", ls(M("on_dir")));
	{
		char t[16] = "";

		EXPECT_EQ(2, readlink(M("on_symlink"), t, sizeof(t) - 1));
		EXPECT_STREQ("up", t);
	}
	/*
	 * The unusable names do not poison the directory: it still lists,
	 * them included (their stat is what fails).
	 */
	EXPECT_EQ(1, lfs_listed(MR, "no_origin"));
	EXPECT_EQ(1, lfs_listed(MR, "good"));
	/* Writing the good one copies the lower data up for real. */
	ASSERT_EQ(0, truncate(M("good"), 9));
	EXPECT_STREQ("LOWERDATA", lfs_cat(U("good")));
	UMOUNT_OK();
}

/*
 * A metacopy file in a lower layer takes its data from below, but only
 * from the file its origin names, of its size: without one the name is EIO.
 */
LFS_TEST(h, metacopy_in_lower_unverified)
{
	struct stat st;
	char ino[24];

	ASSERT_EQ(0, buildf(L1R, "f m BOTTOMDATA\nf v BOTTOMDATA\nf s short"));
	ASSERT_EQ(0, buildf(L0R, "f m topdata___\nf v topdata___\nf s topdata___"));
	ASSERT_EQ(0, setx(L0("m"), lfs_priv_xattr("metacopy"), "", 0));
	ASSERT_EQ(0, setx(L0("s"), lfs_priv_xattr("metacopy"), "", 0));
	ASSERT_EQ(0, setx(L0("v"), lfs_priv_xattr("metacopy"), "", 0));
	/* v names the file below; s too, but that one is shorter. */
	ASSERT_EQ(0, stat(L1("v"), &st));
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)st.st_ino);
	ASSERT_EQ(0, setx(L0("v"), lfs_priv_xattr("origin"), ino, strlen(ino)));
	ASSERT_EQ(0, stat(L1("s"), &st));
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)st.st_ino);
	ASSERT_EQ(0, setx(L0("s"), lfs_priv_xattr("origin"), ino, strlen(ino)));
	ASSERT_EQ(0, arm(W));
	if (LF) {
		EXPECT_EQ(EIO, lerr(M("m")));
		EXPECT_EQ(EIO, lerr(M("s")));
		EXPECT_STREQ("BOTTOMDATA", lfs_cat(M("v")));
		EXPECT_EQ(1, lfs_listed(MR, "m"));
	} else {
		probe(_metadata, M("m"));
		probe(_metadata, M("v"));
	}
	UMOUNT_OK();
}

/* ---- whiteouts and the work directory -------------------------------- */

LFS_TEST(h, whiteouts_in_odd_places)
{
	char longname[256];
	struct stat st;

	memset(longname, 'w', 255);
	longname[255] = '\0';
	ASSERT_EQ(0, buildf(L1R, "f base_hidden x\nf lowfile x\nw bottom_wh\n"
			    "w solo/wh\nf dd/x 1\nf dd/y/z 2\nf oddwh x\nf %s x",
			    longname));
	ASSERT_EQ(0, buildf(L0R, "w lowfile"));
	ASSERT_EQ(0, buildf(UR, "w base_hidden\nw nothing\nw dd\nc near 0 1\n"
			    "w oddwh\nm oddwh 0777\nu oddwh 1234 1234\nw %s",
			    longname));
	ASSERT_EQ(0, arm(W));
	/* Every whiteout hides its name wherever it is; 0/1 is a device. */
	EXPECT_STREQ("near,solo", ls(MR));
	EXPECT_EQ(ENOENT, lerr(M("base_hidden")));
	EXPECT_EQ(ENOENT, lerr(M("lowfile")));
	EXPECT_EQ(ENOENT, lerr(M("bottom_wh")));
	EXPECT_EQ(ENOENT, lerr(M("nothing")));
	EXPECT_EQ(ENOENT, lerr(M("oddwh")));
	EXPECT_EQ(ENOENT, lerr(M("%s", longname)));
	EXPECT_EQ(ENOENT, lerr(M("dd")));
	EXPECT_EQ(ENOENT, lerr(M("dd/x")));
	ASSERT_EQ(0, lstat(M("near"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(0, 1), st.st_rdev);
	/* A whiteout as the only entry of a one-layer directory. */
	if (LF) {
		EXPECT_STREQ("", ls(M("solo")));
		EXPECT_EQ(0, rmdir(M("solo")));
		EXPECT_EQ(ENOENT, lerr(M("solo")));
	} else {
		probe(_metadata, M("solo"));
	}
	/* Names under whiteouts can be made again, empty and opaque. */
	ASSERT_EQ(0, mkdir(M("dd"), 0755));
	EXPECT_STREQ("", ls(M("dd")));
	ASSERT_EQ(0, lfs_write_file(M("dd/new"), "n", 1));
	EXPECT_STREQ("new", ls(M("dd")));
	ASSERT_EQ(0, lfs_write_file(M("nothing"), "N", 1));
	EXPECT_STREQ("N", lfs_cat(M("nothing")));
	ASSERT_EQ(0, lfs_write_file(M("%s", longname), "L", 1));
	EXPECT_STREQ("L", lfs_cat(M("%s", longname)));
	UMOUNT_OK();
	ASSERT_EQ(0, lfs_wr_mount(W));
	EXPECT_STREQ("new", ls(M("dd")));
	UMOUNT_OK();
}

/*
 * The work directory is the union's own: anything there layerfs did not
 * put there refuses the mount with a message, rather than being trusted
 * or deleted.  overlayfs cleans up what it finds instead.
 */
LFS_TEST(h, hostile_workdir)
{
	static const struct {
		const char *spec;
		int err;
	} cases[] = {
		{ "w junk", EINVAL },		/* a stray whiteout */
		{ "w work", ENOTDIR },		/* work is not a directory */
		{ "f index x", ENOTDIR },
		{ "d work/a/b/c/d/e/f/g/h/i/j/k/l", ELOOP }, /* not our leftovers */
		{ "w work/x", 0 },		/* a leftover: cleaned */
		{ "f work/a/b x", 0 },
	};
	unsigned int i;
	int r;

	ASSERT_EQ(0, buildf(L0R, "f f x"));
	ASSERT_EQ(0, lfs_wr_snapshot(W));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, lfs_rm_rf(D("w")));
		ASSERT_EQ(0, lfs_mkdir_p(D("w"), 0755));
		ASSERT_EQ(0, buildf(D("w"), "%s", cases[i].spec));
		r = lfs_wr_mount(W);
		if (LF) {
			EXPECT_EQ(-cases[i].err, r) TH_LOG("workdir %s", cases[i].spec);
		} else if (r) {
			EXPECT_TRUE(sane_errno(-r)) TH_LOG("%s: %d", cases[i].spec, r);
		}
		if (!r) {
			EXPECT_STREQ("f", ls(MR));
			UMOUNT_OK();
		}
	}
}

/* ---- names and depth ------------------------------------------------ */

#define NAME_LEVELS	14	/* 14 * 256 + a 255-byte file < PATH_MAX */

static void name255(char *buf, char c)
{
	memset(buf, c, 255);
	buf[255] = '\0';
}

/* ROOT/<255 a>/<255 b>/... LEVELS deep, then a 255-byte file of FILL. */
static int make_long_chain(const char *root, int levels, char fill)
{
	char path[PATH_MAX], n[256];
	int i, len = snprintf(path, sizeof(path), "%s", root);

	for (i = 0; i < levels; i++) {
		name255(n, 'a' + i);
		len += snprintf(path + len, sizeof(path) - len, "/%s", n);
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
	}
	name255(n, fill);
	snprintf(path + len, sizeof(path) - len, "/%s", n);
	return lfs_write_file(path, n, 3);
}

/* <mnt>/<chain of LEVELS names>[/<255 x FILL>] in a static buffer */
static const char *chain_path(const char *root, int levels, char fill)
{
	static char path[2][PATH_MAX];
	static int idx;
	char *p = path[idx++ % 2], n[256];
	int i, len = snprintf(p, PATH_MAX, "%s", root);

	for (i = 0; i < levels; i++) {
		name255(n, 'a' + i);
		len += snprintf(p + len, PATH_MAX - len, "/%s", n);
	}
	if (fill) {
		name255(n, fill);
		snprintf(p + len, PATH_MAX - len, "/%s", n);
	}
	return p;
}

LFS_TEST(h, names_255_at_every_level)
{
	char n[300], x[256], y[256], z[256], want[PATH_MAX];
	const char *mnt = self->w.c.mnt;
	int i, r;

	ASSERT_EQ(0, make_long_chain(L0R, NAME_LEVELS, 'X'));
	ASSERT_EQ(0, make_long_chain(L1R, NAME_LEVELS, 'Y'));
	ASSERT_EQ(0, arm(W));
	name255(x, 'X');
	name255(y, 'Y');
	name255(z, 'Z');
	for (i = 0; i < NAME_LEVELS; i++) {
		name255(n, 'a' + i);
		EXPECT_STREQ(n, ls(chain_path(mnt, i, 0))) TH_LOG("level %d", i);
	}
	snprintf(want, sizeof(want), "%s,%s", x, y);
	EXPECT_STREQ(want, ls(chain_path(mnt, NAME_LEVELS, 0)));
	EXPECT_STREQ("XXX", lfs_cat(chain_path(mnt, NAME_LEVELS, 'X')));
	/* copy-up through 14 levels of 255-byte names */
	ASSERT_EQ(0, lfs_write_file(chain_path(mnt, NAME_LEVELS, 'Y'), "new", 3));
	EXPECT_STREQ("new", lfs_cat(chain_path(mnt, NAME_LEVELS, 'Y')));
	EXPECT_STREQ("new", lfs_cat(chain_path(UR, NAME_LEVELS, 'Y')));
	/* 256 bytes is one too many, in every call */
	memset(n, 'n', 256);
	n[256] = '\0';
	EXPECT_EQ(ENAMETOOLONG, lerr(M("%s", n)));
	errno = 0;
	EXPECT_EQ(-1, mkdir(M("%s", n), 0755));
	EXPECT_EQ(ENAMETOOLONG, errno);
	/*
	 * Rename the deepest merged directory: its redirect is a 3.5 KiB path
	 * of 255-byte names.  ext4 may not take a value that long next to
	 * the other xattrs (ENOSPC); tmpfs must.
	 */
	snprintf(want, sizeof(want), "%s", chain_path(mnt, NAME_LEVELS, 0));
	r = rename(want, chain_path(mnt, NAME_LEVELS - 1, 'Z')) ? -errno : 0;
	if (r == -ENOSPC || r == -E2BIG || (!LF && r == -EXDEV)) {
		TH_LOG("rename: %s", strerror(-r));
	} else {
		ASSERT_EQ(0, r);
		UMOUNT_OK();
		ASSERT_EQ(0, lfs_wr_mount(W));
		snprintf(want, sizeof(want), "%s,%s", x, y);
		EXPECT_STREQ(want, ls(chain_path(mnt, NAME_LEVELS - 1, 'Z')));
	}
	UMOUNT_OK();
}

#define DEEP		2000

/* First entry of the directory FD (not . or ..): 1, 0 if empty, -errno. */
static int first_entry(int fd, char *name, unsigned char *type)
{
	int r = 0, dfd = dup(fd);
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(name, 256, "%s", de->d_name);
		*type = de->d_type;
		if (*type == DT_UNKNOWN && !fstatat(fd, name, &st,
						    AT_SYMLINK_NOFOLLOW))
			*type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		r = 1;
		break;
	}
	if (!de && errno)
		r = -errno;
	closedir(d);
	return r;
}

/* rm -rf for trees deeper than PATH_MAX: no recursion, two descriptors. */
static int rm_deep(const char *path)
{
	char **stack = NULL, name[256];
	size_t depth = 0;
	unsigned char type;
	int fd, nfd, r = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return unlink(path) ? -errno : 0;
	}
	for (;;) {
		r = first_entry(fd, name, &type);
		if (r < 0)
			break;
		if (r && type == DT_DIR) {
			nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (nfd < 0) {
				r = -errno;
				break;
			}
			close(fd);
			fd = nfd;
			stack = realloc(stack, (depth + 1) * sizeof(*stack));
			stack[depth++] = strdup(name);
			continue;
		}
		if (r) {
			if (unlinkat(fd, name, 0)) {
				r = -errno;
				break;
			}
			continue;
		}
		if (!depth)
			break;
		nfd = openat(fd, "..", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = nfd;
		if (fd < 0 || unlinkat(fd, stack[--depth], AT_REMOVEDIR)) {
			r = -errno;
			depth++;
			break;
		}
		free(stack[depth]);
	}
	if (fd >= 0)
		close(fd);
	while (depth)
		free(stack[--depth]);
	free(stack);
	if (r)
		return r;
	return rmdir(path) ? -errno : 0;
}

/* ROOT/d/d/.../d (LEVELS) with FILE=CONTENT at the bottom. */
static int make_deep(const char *root, int levels, const char *file,
		     const char *content)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY), nfd, i, r = 0;

	for (i = 0; fd >= 0 && i < levels; i++) {
		if (mkdirat(fd, "d", 0755) && errno != EEXIST)
			break;
		nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		close(fd);
		fd = nfd;
	}
	if (fd < 0 || i < levels)
		return -errno ?: -EIO;
	nfd = openat(fd, file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (nfd < 0 || write(nfd, content, strlen(content)) < 0)
		r = -errno;
	if (nfd >= 0)
		close(nfd);
	close(fd);
	return r;
}

/*
 * Walk ROOT/TOP/d/d/... down LEVELS directories in all (TOP counts as the
 * first); every EVERY levels the listing must be just "d" (the level
 * holding SIDE also lists it).  Returns the descriptor of the bottom or
 * -errno, and logs the level that failed.
 */
static int walk_deep(struct __test_metadata *_metadata, const char *root,
		     const char *top, int levels, int every, int side_at)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY), nfd, i;
	const char *name = top;
	char e[256];
	unsigned char t;

	for (i = 1; fd >= 0 && i <= levels; i++, name = "d") {
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		close(fd);
		fd = nfd;
		if (fd < 0) {
			TH_LOG("level %d: %s", i, strerror(errno));
			return -errno;
		}
		if (i % every == 0 && i < levels && i != side_at) {
			EXPECT_EQ(1, first_entry(fd, e, &t));
			EXPECT_STREQ("d", e) TH_LOG("level %d", i);
		}
	}
	return fd;
}

static const char *read_at(int dfd, const char *name)
{
	static char buf[64];
	int fd = openat(dfd, name, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		snprintf(buf, sizeof(buf), "!E%d", errno);
		return buf;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	return buf;
}

LFS_TEST_LONG(h, tree_2000_levels)
{
	const char *mnt = self->w.c.mnt;
	int fd, wfd;

	const char *f = lfs_wr_features();
	char opts[1024];

	/*
	 * Lowers of their own, checked by walking them at the end: nftw (the
	 * fixture's lower check) cannot go this deep.
	 */
	ASSERT_EQ(0, lfs_mkdir_p(D("deep0"), 0755));
	ASSERT_EQ(0, lfs_mkdir_p(D("deep1"), 0755));
	ASSERT_EQ(0, make_deep(D("deep0"), DEEP, "leaf", "deep"));
	ASSERT_EQ(0, make_deep(D("deep1"), 10, "side", "s"));
	snprintf(opts, sizeof(opts),
		 "lowerdir=%1$s/deep0:%1$s/deep1,upperdir=%1$s/u,workdir=%1$s/w%2$s%3$s",
		 self->w.c.dir, *f ? "," : "", f);
	ASSERT_EQ(0, lfs_mount_opts(&self->w.c, opts));

	/* lookup and readdir all the way down */
	fd = walk_deep(_metadata, mnt, "d", DEEP, 100, 10);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("deep", read_at(fd, "leaf"));
	/* copy-up of the deepest file: 2,000 directories first */
	wfd = openat(fd, "leaf", O_WRONLY | O_APPEND);
	ASSERT_LE(0, wfd);
	ASSERT_EQ(2, write(wfd, "er", 2));
	close(wfd);
	close(fd);
	fd = walk_deep(_metadata, UR, "d", DEEP, 500, 0);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("deeper", read_at(fd, "leaf"));
	close(fd);
	/* rename the top: a redirect, and the whole tree follows */
	ASSERT_EQ(0, rename(M("d"), M("e")));
	fd = walk_deep(_metadata, mnt, "e", DEEP, 250, 10);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("deeper", read_at(fd, "leaf"));
	close(fd);
	/* rm -r through the union: 2,000 whiteouts and opaque dirs */
	ASSERT_EQ(0, rm_deep(M("e")));
	EXPECT_STREQ("", ls(MR));
	UMOUNT_OK();
	ASSERT_EQ(0, lfs_mount_opts(&self->w.c, opts));
	EXPECT_STREQ("", ls(MR));
	UMOUNT_OK();
	/* the lower tree is whole */
	fd = walk_deep(_metadata, D("deep0"), "d", DEEP, 1000, 0);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("deep", read_at(fd, "leaf"));
	close(fd);
	ASSERT_EQ(0, rm_deep(D("deep0")));
	ASSERT_EQ(0, rm_deep(D("deep1")));
	ASSERT_EQ(0, rm_deep(D("u")));
	ASSERT_EQ(0, rm_deep(D("w")));
}

/* ---- mount options ---------------------------------------------------- */

/*
 * The same directory twice, under any name: layerfs refuses with EINVAL
 * (and says which), overlayfs with ELOOP.  A path that is a symlink loop
 * is ELOOP, a dangling one ENOENT, for both.
 */
LFS_TEST(h, same_folder_twice_and_bad_paths)
{
	static const struct {
		const char *fmt;
		int lfs_err;
	} cases[] = {
		{ "lowerdir=%1$s/l0:%1$s/l1:%1$s/l0", EINVAL },
		{ "lowerdir=%1$s/l0:%1$s/alias", EINVAL },
		{ "lowerdir=%1$s/l0:%1$s/bind", EINVAL },
		{ "lowerdir=%1$s/l0/:%1$s/l1/../l0", EINVAL },
		/* (not l0: overlayfs makes work/ in a workdir it refuses) */
		{ "lowerdir=%1$s/lw,upperdir=%1$s/alias2,workdir=%1$s/w", EINVAL },
		{ "lowerdir=%1$s/lw,upperdir=%1$s/u,workdir=%1$s/alias2", EINVAL },
		{ "lowerdir=%1$s/loop1", ELOOP },
		{ "lowerdir=%1$s/l0:%1$s/dangling", ENOENT },
	};
	unsigned int i;
	char opts[1024];
	int r;

	ASSERT_EQ(0, symlink("l0", D("alias")));
	ASSERT_EQ(0, lfs_mkdir_p(D("lw"), 0755));
	ASSERT_EQ(0, symlink("lw", D("alias2")));
	ASSERT_EQ(0, symlink("loop2", D("loop1")));
	ASSERT_EQ(0, symlink("loop1", D("loop2")));
	ASSERT_EQ(0, symlink("nowhere", D("dangling")));
	ASSERT_EQ(0, lfs_mkdir_p(D("bind"), 0755));
	ASSERT_EQ(0, mount(L0R, D("bind"), NULL, MS_BIND, NULL));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(opts, sizeof(opts), cases[i].fmt, self->w.c.dir);
		r = lfs_mount_opts(&self->w.c, opts);
		if (!r)
			lfs_umount(&self->w.c);
		if (LF || cases[i].lfs_err != EINVAL) {
			EXPECT_EQ(-cases[i].lfs_err, r) TH_LOG("%s", opts);
		} else {
			EXPECT_TRUE(r < 0 && sane_errno(-r)) TH_LOG("%s: %d", opts, r);
		}
	}
	ASSERT_EQ(0, umount2(D("bind"), 0));
}

/* ---- symlinks, mount points ----------------------------------------- */

LFS_TEST(h, symlink_loops)
{
	char spec[8192], target[4096], buf[4200];
	int i, len = 0;

	len += snprintf(spec + len, sizeof(spec) - len,
			"s loop_a loop_b\ns loop_b loop_a\ns self self\n"
			"s dir_loop dir_loop/x\ns to_root .\nf target T\n");
	for (i = 0; i < 45; i++)
		len += snprintf(spec + len, sizeof(spec) - len, "s c%d c%d\n",
				i, i + 1);
	snprintf(spec + len, sizeof(spec) - len, "s c45 target\n");
	ASSERT_EQ(0, buildf(L0R, "%s", spec));
	memset(target, 't', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	ASSERT_EQ(0, symlink(target, L1("long")));
	ASSERT_EQ(0, arm(W));
	EXPECT_EQ(ELOOP, open(M("loop_a"), O_RDONLY) < 0 ? errno : 0);
	EXPECT_EQ(ELOOP, open(M("self"), O_RDONLY) < 0 ? errno : 0);
	EXPECT_EQ(ELOOP, open(M("dir_loop"), O_RDONLY) < 0 ? errno : 0);
	EXPECT_EQ(ELOOP, open(M("c0"), O_RDONLY) < 0 ? errno : 0);
	EXPECT_STREQ("T", lfs_cat(M("c10")));	/* 36 links: fine */
	snprintf(buf, sizeof(buf), "%s", "to_root");
	for (i = 0; i < 41; i++)
		strcat(buf, "/to_root");
	EXPECT_EQ(ELOOP, lerr(M("%s", buf)));
	EXPECT_EQ(S_IFLNK, lfs_ftype(M("loop_a")));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(6, readlink(M("loop_a"), buf, sizeof(buf)));
	EXPECT_STREQ("loop_b", buf);
	EXPECT_EQ(4095, readlink(M("long"), buf, sizeof(buf)));
	/* copy-up of a looping symlink, and its removal */
	ASSERT_EQ(0, lchown(M("loop_a"), 12, 34));
	EXPECT_EQ(S_IFLNK, lfs_ftype(U("loop_a")));
	ASSERT_EQ(0, lchown(M("long"), 12, 34));
	EXPECT_EQ(4095, readlink(U("long"), buf, sizeof(buf)));
	ASSERT_EQ(0, unlink(M("self")));
	EXPECT_EQ(ENOENT, lerr(M("self")));
	UMOUNT_OK();
}

/*
 * A lower directory that is a mount point shows what is under the mount
 * (the layers are private clones of one mount each); a layer given as the
 * mount's root shows the mounted tree.  Both fstypes alike.
 */
LFS_TEST(h, lower_dir_is_a_mount_point)
{
	char opts[1024];

	ASSERT_EQ(0, buildf(L0R, "f mp/under u"));
	ASSERT_EQ(0, buildf(L1R, "f mp/l1file x"));
	ASSERT_EQ(0, lfs_wr_snapshot(W));
	ASSERT_EQ(0, mount("tmpfs", L0("mp"), "tmpfs", 0, "size=1m"));
	ASSERT_EQ(0, lfs_write_file(L0("mp/inmount"), "i", 1));
	ASSERT_EQ(0, lfs_wr_mount(W));
	EXPECT_STREQ("l1file,under", ls(M("mp")));
	ASSERT_EQ(0, lfs_write_file(M("mp/new"), "n", 1));
	EXPECT_STREQ("i", lfs_cat(L0("mp/inmount")));
	UMOUNT_OK();
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s", L0("mp"), L1R);
	ASSERT_EQ(0, lfs_mount_opts(&self->w.c, opts));
	EXPECT_STREQ("inmount,mp", ls(MR));
	UMOUNT_OK();
	ASSERT_EQ(0, umount2(L0("mp"), 0));
}

/* ---- the upper layer changed under a mounted union ------------------ */

/*
 * Changing a layer while it is mounted is not supported, but must not
 * crash: here the redirect of a renamed directory is emptied behind the
 * union's back, then a merged child of it is renamed (which builds the
 * child's redirect from the parent's).
 */
LFS_TEST(h, redirect_changed_while_mounted)
{
	static const struct hval vals[] = {
		{ "empty", "", 0 }, { "relative", "x", 1 },
		{ "dotdot", "/..", 3 }, { "removed", NULL, 0 },
	};
	const char *name = lfs_priv_xattr("redirect");
	unsigned int i;
	int r;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, buildf(L0R, "f a%u/b/f f", i));
	ASSERT_EQ(0, arm(W));
	for (i = 0; i < 4; i++) {
		r = rename(M("a%u", i), M("moved%u", i)) ? -errno : 0;
		if (!LF && r == -EXDEV)
			continue;
		ASSERT_EQ(0, r);
		EXPECT_STREQ("f", ls(M("moved%u/b", i)));
		if (vals[i].v) {
			ASSERT_EQ(0, setx(U("moved%u", i), name, vals[i].v,
					  vals[i].len));
		} else {
			ASSERT_EQ(0, lremovexattr(U("moved%u", i), name));
		}
		r = rename(M("moved%u/b", i), M("moved%u/c", i)) ? -errno : 0;
		if (LF) {
			EXPECT_EQ(-EIO, r) TH_LOG("%s", vals[i].tag);
		} else if (r) {
			EXPECT_TRUE(sane_errno(-r)) TH_LOG("%s: %d", vals[i].tag, r);
		}
		probe(_metadata, M("moved%u", i));
	}
	UMOUNT_OK();
}

TEST_HARNESS_MAIN
