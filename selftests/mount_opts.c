// SPDX-License-Identifier: GPL-2.0
/*
 * Mount option parsing and validation of a read-only union (no upperdir):
 * valid mounts, every error case (with errno and, for layerfs, a clear
 * message in the fs_context log), layer count limits, overlapping layers,
 * "\:" escaping and show_options.
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
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

#define LFS_MAX_LAYERS	1024	/* layerfs's documented limit */
#define OVL_MAX_LAYERS	500	/* overlayfs's OVL_MAX_STACK */

FIXTURE(opts) {
	struct lfs c;
	char log[8192];
};

FIXTURE_SETUP(opts)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
}

FIXTURE_TEARDOWN(opts)
{
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

static int max_layers(void)
{
	return lfs_is_layerfs() ? LFS_MAX_LAYERS : OVL_MAX_LAYERS;
}

/* The current mount's line from /proc/self/mounts, or "" if not mounted. */
static void mounts_line(const char *mnt, char *out, size_t len)
{
	char line[8192], dev[256], mp[4096];
	FILE *f = fopen("/proc/self/mounts", "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %4095s", dev, mp) == 2 &&
		    !strcmp(mp, mnt))
			snprintf(out, len, "%s", line);	/* last one wins */
	fclose(f);
}

/*
 * Mount with OPTS must fail with errno ERR via mount(2) and via the new
 * mount API; with the new API layerfs must explain itself in the
 * fs_context log, and the message must contain WORD (if not NULL).
 * overlayfs reports many errors only with pr_err() to the kernel log
 * (not to the fs_context log), so the message is only required of layerfs.
 */
static void expect_fail(struct __test_metadata *_metadata, struct lfs *c,
			char *log, size_t loglen, const char *opts, int err,
			const char *word)
{
	const char *step = "?";
	char line[8192];
	int ret;

	ret = lfs_mount_opts(c, opts);
	EXPECT_EQ(-err, ret) {
		TH_LOG("mount(2) -o %s: got %s, want %s", opts,
		       strerror(-ret), strerror(err));
	}
	if (ret == 0)
		lfs_umount(c);
	mounts_line(c->mnt, line, sizeof(line));
	EXPECT_STREQ("", line);

	ret = lfs_fsmount(c->mnt, opts, log, loglen, &step);
	EXPECT_EQ(-err, ret) {
		TH_LOG("fsmount -o %s: got %s at %s, want %s", opts,
		       strerror(-ret), step, strerror(err));
	}
	if (ret == 0)
		umount2(c->mnt, 0);
	if (lfs_is_layerfs()) {
		EXPECT_NE(NULL, strstr(log, "e ")) {
			TH_LOG("no error message in the fs_context log for -o %s",
			       opts);
		}
		if (word)
			EXPECT_NE(NULL, strstr(log, word)) {
				TH_LOG("message '%s' does not mention '%s'",
				       log, word);
			}
	}
}

LFS_TEST(opts, two_layers)
{
	struct statfs sfs;
	char buf[64];

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l0"), "f top hello"));
	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l1"), "f bottom world"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	ASSERT_EQ(5, lfs_read_file(lfs_m(&self->c, "top"), buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(5, lfs_read_file(lfs_m(&self->c, "bottom"), buf,
				   sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, "world", 5));
	ASSERT_EQ(0, statfs(self->c.mnt, &sfs));
	EXPECT_EQ(lfs_is_layerfs() ? LFS_MAGIC : OVL_MAGIC,
		  (unsigned long)sfs.f_type);
	ASSERT_EQ(0, lfs_umount(&self->c));
	/* After unmount the mount point is the empty directory again. */
	EXPECT_EQ(-ENOENT, lfs_read_file(lfs_m(&self->c, "top"), buf, 4));
}

LFS_TEST(opts, leftmost_layer_on_top)
{
	char buf[64];
	int i;

	for (i = 0; i < 4; i++) {
		char spec[64];

		snprintf(spec, sizeof(spec), "f name layer%d\nf only%d x", i, i);
		ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l%d", i), spec));
	}
	ASSERT_EQ(0, lfs_mount_n(&self->c, 4));
	ASSERT_EQ(6, lfs_read_file(lfs_m(&self->c, "name"), buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "layer0", 6));
	for (i = 0; i < 4; i++) {
		struct stat st;

		EXPECT_EQ(0, stat(lfs_m(&self->c, "only%d", i), &st));
	}
	ASSERT_EQ(0, lfs_umount(&self->c));
	/* Reverse order: the other end wins. */
	{
		char opts[2048];
		const char *d = self->c.dir;

		snprintf(opts, sizeof(opts),
			 "lowerdir=%s/l3:%s/l2:%s/l1:%s/l0", d, d, d, d);
		ASSERT_EQ(0, lfs_mount_opts(&self->c, opts));
	}
	ASSERT_EQ(6, lfs_read_file(lfs_m(&self->c, "name"), buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "layer3", 6));
}

LFS_TEST(opts, single_lower_without_upper)
{
	char opts[1024];
	int ret;

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l0"), "f a 1"));
	snprintf(opts, sizeof(opts), "lowerdir=%s", lfs_p(&self->c, "l0"));
	ret = lfs_mount_opts(&self->c, opts);
	if (lfs_is_layerfs()) {
		/*
		 * Intended difference: layerfs accepts a single lower layer
		 * without upperdir (a read-only view of one image layer);
		 * overlayfs needs at least two.
		 */
		ASSERT_EQ(0, ret);
		EXPECT_EQ(0, access(lfs_m(&self->c, "a"), R_OK));
	} else {
		EXPECT_EQ(-EINVAL, ret);
	}
}

LFS_TEST(opts, no_lowerdir)
{
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    "", EINVAL, "lowerdir");
}

LFS_TEST(opts, empty_lowerdir)
{
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    "lowerdir=", EINVAL, NULL);
}

LFS_TEST(opts, missing_path)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "lowerdir=%s:%s/nonexistent",
		 lfs_p(&self->c, "l0"), self->c.dir);
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, ENOENT, "nonexistent");
}

LFS_TEST(opts, non_directory)
{
	char opts[1024];

	ASSERT_EQ(0, lfs_build(self->c.dir, "f plainfile data"));
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s/plainfile",
		 lfs_p(&self->c, "l0"), self->c.dir);
	/*
	 * layerfs gives the specific ENOTDIR; overlayfs answers EINVAL
	 * ("not a directory" in the kernel log).
	 */
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, lfs_is_layerfs() ? ENOTDIR : EINVAL, "plainfile");
}

LFS_TEST(opts, empty_entry_middle)
{
	char opts[1024];
	struct stat st;
	int ret;

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l0"), "f a 1"));
	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l1"), "f b 2"));
	snprintf(opts, sizeof(opts), "lowerdir=%s::%s",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l1"));
	if (lfs_is_layerfs()) {
		/* An empty entry is an error: layerfs has no data-only layers. */
		expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
			    opts, EINVAL, NULL);
		return;
	}
	/*
	 * Intended difference: overlayfs reads "::" as the separator of
	 * data-only lower layers, whose names are not visible in the union.
	 */
	ret = lfs_mount_opts(&self->c, opts);
	if (ret) {
		/* ...and refuses them without metacopy support (6.12's
		 * Debian kernel: "lower data-only dirs require metacopy").
		 */
		ASSERT_EQ(-EINVAL, ret);
		return;
	}
	EXPECT_EQ(0, stat(lfs_m(&self->c, "a"), &st));
	EXPECT_EQ(-1, stat(lfs_m(&self->c, "b"), &st));
	EXPECT_EQ(ENOENT, errno);
}

LFS_TEST(opts, trailing_colon)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "lowerdir=%s:%s:",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l1"));
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, EINVAL, NULL);
}

LFS_TEST(opts, leading_colon)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "lowerdir=:%s:%s",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l1"));
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, EINVAL, NULL);
}

LFS_TEST(opts, unknown_option)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "lowerdir=%s:%s,bogusopt=1",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l1"));
	/* The generic fs_parser message names the option for both. */
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, EINVAL, "bogusopt");
	if (!lfs_is_layerfs())
		EXPECT_NE(NULL, strstr(self->log, "bogusopt"));
}

/* Two-character names so that 1025 layers fit in one page of options. */
static void layer_name(int i, char out[3])
{
	static const char a[] =
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

	out[0] = a[i / 62];
	out[1] = a[i % 62];
	out[2] = '\0';
}

/*
 * Make N layers DIR/L/xx, each with "x" (content: its index) and "fNNNN".
 * Returns a malloc()ed "lowerdir=xx:yy:..." of relative names.
 */
static char *make_layers(struct __test_metadata *_metadata, struct lfs *c,
			 int n)
{
	char *opts = malloc(16 + 3 * n);
	int i, len;

	ASSERT_NE(NULL, opts);
	ASSERT_EQ(0, lfs_mkdir_p(lfs_p(c, "L"), 0755));
	len = sprintf(opts, "lowerdir=");
	for (i = 0; i < n; i++) {
		char nm[3], spec[64];

		layer_name(i, nm);
		snprintf(spec, sizeof(spec), "f x %d\nf f%04d", i, i);
		ASSERT_EQ(0, lfs_build(lfs_p(c, "L/%s", nm), spec));
		len += sprintf(opts + len, "%s%s", i ? ":" : "", nm);
	}
	return opts;
}

static void check_many(struct __test_metadata *_metadata, struct lfs *c,
		       int n)
{
	struct lfs_dent *d;
	char buf[16];
	int cnt;

	ASSERT_EQ(1, lfs_read_file(lfs_m(c, "x"), buf, sizeof(buf)));
	EXPECT_EQ('0', buf[0]);
	cnt = lfs_list(c->mnt, &d);
	ASSERT_EQ(n + 1, cnt);
	snprintf(buf, sizeof(buf), "f%04d", n - 1);
	EXPECT_LE(0, lfs_find(d, cnt, buf));
	free(d);
}

static void many_layers(struct __test_metadata *_metadata, struct lfs *c,
			int n)
{
	char *opts = make_layers(_metadata, c, n);
	int ret;

	ASSERT_GT(4096, strlen(opts));
	/* Relative layer paths: resolved against the mounter's cwd. */
	ASSERT_EQ(0, chdir(lfs_p(c, "L")));
	ret = lfs_mount_opts(c, opts);
	free(opts);
	if (n <= max_layers()) {
		ASSERT_EQ(0, ret);
		check_many(_metadata, c, n);
		ASSERT_EQ(0, lfs_umount(c));
	} else {
		ASSERT_EQ(-EINVAL, ret);
	}
}

LFS_TEST(opts, layers_500)
{
	many_layers(_metadata, &self->c, 500);
}

LFS_TEST(opts, layers_501)
{
	/* Intended difference: 501 is over overlayfs's limit, not ours. */
	many_layers(_metadata, &self->c, 501);
}

LFS_TEST(opts, layers_1024)
{
	many_layers(_metadata, &self->c, 1024);
}

LFS_TEST(opts, layers_1025)
{
	many_layers(_metadata, &self->c, 1025);
}

/* "lowerdir+" with one absolute path per fsconfig call. */
static void many_layers_plus(struct __test_metadata *_metadata,
			     struct lfs *c, char *log, size_t loglen, int n)
{
	char **paths = calloc(n, sizeof(char *));
	const char *step = "?";
	char *opts;
	int i, ret;

	ASSERT_NE(NULL, paths);
	opts = make_layers(_metadata, c, n);
	free(opts);
	for (i = 0; i < n; i++) {
		char nm[3];

		layer_name(i, nm);
		ASSERT_LT(0, asprintf(&paths[i], "%s/L/%s", c->dir, nm));
	}
	ret = lfs_fsmount_layers(c->mnt, paths, n, log, loglen, &step);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	if (n <= max_layers()) {
		ASSERT_EQ(0, ret) {
			TH_LOG("failed at %s: %s", step, log);
		}
		check_many(_metadata, c, n);
		ASSERT_EQ(0, umount2(c->mnt, 0));
	} else {
		ASSERT_EQ(-EINVAL, ret);
		if (lfs_is_layerfs())
			EXPECT_NE(NULL, strstr(log, "e ")) {
				TH_LOG("no message for too many layers");
			}
	}
}

LFS_TEST(opts, lowerdir_plus_three)
{
	char *paths[3];
	const char *step = "?";
	char buf[16];
	int i;

	for (i = 0; i < 3; i++) {
		char spec[32];

		snprintf(spec, sizeof(spec), "f x %d\nf f%d", i, i);
		ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l%d", i), spec));
		paths[i] = strdup(lfs_p(&self->c, "l%d", i));
	}
	ASSERT_EQ(0, lfs_fsmount_layers(self->c.mnt, paths, 3, self->log,
					sizeof(self->log), &step)) {
		TH_LOG("failed at %s: %s", step, self->log);
	}
	ASSERT_EQ(1, lfs_read_file(lfs_m(&self->c, "x"), buf, sizeof(buf)));
	EXPECT_EQ('0', buf[0]);
	EXPECT_EQ(0, access(lfs_m(&self->c, "f2"), F_OK));
	for (i = 0; i < 3; i++)
		free(paths[i]);
}

LFS_TEST(opts, lowerdir_plus_1024)
{
	many_layers_plus(_metadata, &self->c, self->log, sizeof(self->log),
			 1024);
}

LFS_TEST(opts, lowerdir_plus_1025)
{
	many_layers_plus(_metadata, &self->c, self->log, sizeof(self->log),
			 1025);
}

/*
 * Overlapping layers: layerfs reports EINVAL with a message naming both
 * layers (invalfc); overlayfs answers ELOOP ("overlapping lowerdir path").
 */
static int overlap_errno(void)
{
	return lfs_is_layerfs() ? EINVAL : ELOOP;
}

LFS_TEST(opts, overlap_nested)
{
	char opts[1024];

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l0"), "f sub/f 1"));
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s/sub",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l0"));
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, overlap_errno(), "overlap");
}

LFS_TEST(opts, overlap_parent_below)
{
	char opts[1024];

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l0"), "f sub/f 1"));
	snprintf(opts, sizeof(opts), "lowerdir=%s/sub:%s",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l0"));
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, overlap_errno(), "overlap");
}

LFS_TEST(opts, same_layer_twice)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "lowerdir=%s:%s",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l0"));
	expect_fail(_metadata, &self->c, self->log, sizeof(self->log),
		    opts, overlap_errno(), "l0");
}

LFS_TEST(opts, mountpoint_inside_layer)
{
	char opts[1024];
	int ret;

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l1"), "d inner\nf f 1"));
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l1"));
	ret = mount("none", lfs_p(&self->c, "l1/inner"), lfs_fstype(), 0,
		    opts);
	/*
	 * The kernel is never told where a new superblock will be mounted,
	 * so neither layerfs nor overlayfs can refuse this in mount(2).  It
	 * is harmless: the layers are private clones that do not see the
	 * union mounted on top of them, so the union shows the real (empty)
	 * directory and no path loops.  mount.layerfs refuses it before
	 * calling the kernel (Documentation/layerfs.rst).
	 */
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, access(lfs_p(&self->c, "l1/inner/f"), F_OK));
	/* No loop: the union's inner is the real, empty directory below. */
	EXPECT_EQ(-1, access(lfs_p(&self->c, "l1/inner/inner/f"), F_OK));
	EXPECT_EQ(0, umount2(lfs_p(&self->c, "l1/inner"), 0));
}

LFS_TEST(opts, escaped_colon)
{
	char opts[1024], line[8192], want[1024];
	char buf[16];

	ASSERT_EQ(0, lfs_build(self->c.dir, "f a:b/colonfile yes"));
	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l1"), "f below 1"));
	snprintf(opts, sizeof(opts), "lowerdir=%s/a\\:b:%s", self->c.dir,
		 lfs_p(&self->c, "l1"));
	ASSERT_EQ(0, lfs_mount_opts(&self->c, opts));
	ASSERT_EQ(3, lfs_read_file(lfs_m(&self->c, "colonfile"), buf,
				   sizeof(buf)));
	EXPECT_EQ(0, access(lfs_m(&self->c, "below"), F_OK));
	/* /proc/mounts shows the "\:" with its backslash octal-escaped. */
	mounts_line(self->c.mnt, line, sizeof(line));
	snprintf(want, sizeof(want), "lowerdir=%s/a\\134:b:%s", self->c.dir,
		 lfs_p(&self->c, "l1"));
	EXPECT_NE(NULL, strstr(line, want)) {
		TH_LOG("mounts: %s want %s", line, want);
	}
}

/* A colon at the very end of the last path, escaped, is part of it. */
LFS_TEST(opts, escaped_colon_at_end)
{
	char opts[1024];

	ASSERT_EQ(0, lfs_build(self->c.dir, "f b:/endfile yes"));
	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l1"), "f below 1"));
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s/b\\:",
		 lfs_p(&self->c, "l1"), self->c.dir);
	ASSERT_EQ(0, lfs_mount_opts(&self->c, opts));
	EXPECT_STREQ("yes", lfs_cat(lfs_m(&self->c, "endfile")));
	EXPECT_STREQ("1", lfs_cat(lfs_m(&self->c, "below")));
}

LFS_TEST(opts, proc_mounts_shows_lowerdir)
{
	char opts[1024], line[8192], fstype[64], dev[64];

	snprintf(opts, sizeof(opts), "lowerdir=%s:%s:%s",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l1"),
		 lfs_p(&self->c, "l2"));
	ASSERT_EQ(0, lfs_mount_opts(&self->c, opts));
	mounts_line(self->c.mnt, line, sizeof(line));
	ASSERT_EQ(2, sscanf(line, "%63s %*s %63s", dev, fstype));
	EXPECT_STREQ("none", dev);
	EXPECT_STREQ(lfs_fstype(), fstype);
	EXPECT_NE(NULL, strstr(line, opts)) {
		TH_LOG("mounts: %s want %s", line, opts);
	}
	/* No upperdir: the union is read-only. */
	EXPECT_NE(NULL, strstr(line, " ro,")) {
		TH_LOG("not ro: %s", line);
	}
	EXPECT_EQ(NULL, strstr(line, "upperdir"));
}

LFS_TEST(opts, relative_paths_shown_as_given)
{
	char line[8192];

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l1"), "f rel 1"));
	ASSERT_EQ(0, chdir(self->c.dir));
	ASSERT_EQ(0, lfs_mount_opts(&self->c, "lowerdir=l0:l1"));
	EXPECT_EQ(0, access(lfs_m(&self->c, "rel"), F_OK));
	mounts_line(self->c.mnt, line, sizeof(line));
	EXPECT_NE(NULL, strstr(line, "lowerdir=l0:l1")) {
		TH_LOG("mounts: %s", line);
	}
	/* Changing cwd after the mount changes nothing. */
	ASSERT_EQ(0, chdir("/"));
	EXPECT_EQ(0, access(lfs_m(&self->c, "rel"), F_OK));
}

LFS_TEST(opts, same_layers_mounted_twice)
{
	char opts[1024];
	char buf[16];

	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l0"), "f shared s"));
	ASSERT_EQ(0, lfs_mkdir_p(lfs_p(&self->c, "mnt2"), 0755));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s",
		 lfs_p(&self->c, "l0"), lfs_p(&self->c, "l1"));
	ASSERT_EQ(0, mount("none", lfs_p(&self->c, "mnt2"), lfs_fstype(), 0,
			   opts));
	EXPECT_EQ(1, lfs_read_file(lfs_p(&self->c, "mnt2/shared"), buf, 16));
	EXPECT_EQ(1, lfs_read_file(lfs_m(&self->c, "shared"), buf, 16));
	EXPECT_EQ(0, umount2(lfs_p(&self->c, "mnt2"), 0));
}

LFS_TEST(opts, fsconfig_error_messages)
{
	const char *step = "?";
	char opts[1024];
	int ret;

	/* A valid mount through the new API works and logs no error. */
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s", lfs_p(&self->c, "l0"),
		 lfs_p(&self->c, "l1"));
	ret = lfs_fsmount(self->c.mnt, opts, self->log, sizeof(self->log),
			  &step);
	ASSERT_EQ(0, ret) {
		TH_LOG("step %s: %s", step, self->log);
	}
	EXPECT_EQ(NULL, strstr(self->log, "e "));
	ASSERT_EQ(0, umount2(self->c.mnt, 0));
	/* A missing lowerdir fails at CMD_CREATE, with a message for layerfs */
	ret = lfs_fsmount(self->c.mnt, "", self->log, sizeof(self->log),
			  &step);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("fsconfig(CMD_CREATE)", step);
	if (lfs_is_layerfs())
		EXPECT_NE(NULL, strstr(self->log, "lowerdir"));
}

TEST_HARNESS_MAIN
