// SPDX-License-Identifier: GPL-2.0
/*
 * Layers from an ext4 image made on the host with mke2fs -d from the tree
 * of mklayers.sh ($LFS_IMAGE: /mnt/img in the VM, or a mklayers.sh output
 * directory on the host). The union top:mid:base is mounted read-only and
 * its merged view checked against what mklayers.sh put in the layers.
 * Without $LFS_IMAGE every case FAILS: a missing image must not pass
 * silently.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

FIXTURE(img) {
	struct lfs c;
	char layers[LFS_PATHLEN];
	char opts[3 * LFS_PATHLEN + 64];
};

FIXTURE_SETUP(img)
{
	const char *img = lfs_image();

	ASSERT_NE(NULL, img) {
		TH_LOG("LFS_IMAGE is not set (run mklayers.sh and point LFS_IMAGE at its output)");
	}
	ASSERT_EQ(0, lfs_setup(&self->c));
	snprintf(self->layers, sizeof(self->layers), "%s/layers", img);
	ASSERT_EQ(S_IFDIR, lfs_ftype(self->layers)) {
		TH_LOG("%s is not a mklayers.sh tree", self->layers);
	}
	snprintf(self->opts, sizeof(self->opts),
		 "lowerdir=%s/top:%s/mid:%s/base", self->layers, self->layers,
		 self->layers);
}

FIXTURE_TEARDOWN(img)
{
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

#define M(...) lfs_m(&self->c, __VA_ARGS__)

/* Verify every line of layers.sha256; returns the number of bad files. */
static int verify_sums(const char *img, int *count)
{
	char path[4096], line[4096 + 80], hex[65], want[65], rel[4096];
	int bad = 0;
	FILE *f;

	*count = 0;
	snprintf(path, sizeof(path), "%s/layers.sha256", img);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%64s %4095s", want, rel) != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s", img, rel);
		(*count)++;
		if (lfs_sha256_file(path, hex) || strcmp(hex, want)) {
			fprintf(stderr, "# checksum mismatch: %s\n", rel);
			bad++;
		}
	}
	fclose(f);
	return bad;
}

/* The sha256 that layers.sha256 lists for REL, or "" */
static const char *listed_sum(const char *img, const char *rel)
{
	static char want[65];
	char path[4096], line[4096 + 80], r[4096];
	FILE *f;

	want[0] = '\0';
	snprintf(path, sizeof(path), "%s/layers.sha256", img);
	f = fopen(path, "re");
	if (!f)
		return want;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%64s %4095s", want, r) == 2 && !strcmp(r, rel))
			break;
		else
			want[0] = '\0';
	fclose(f);
	return want;
}

static char *names(const char *dir)
{
	struct lfs_dent *d;
	int n = lfs_list(dir, &d), i;
	char *out = calloc(1, 4096);

	if (n < 0) {
		snprintf(out, 4096, "!E%d", -n);
		return out;
	}
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), 4096 - strlen(out), "%s%s",
			 i ? " " : "", d[i].name);
	free(d);
	return out;
}

#define EXPECT_NAMES(want, dir) do {				\
		char *__got = names(dir);			\
		EXPECT_STREQ(want, __got);			\
		free(__got);					\
	} while (0)

LFS_TEST(img, checksums_intact)
{
	int n;

	EXPECT_EQ(0, verify_sums(lfs_image(), &n));
	EXPECT_LT(15, n);
}

LFS_TEST(img, merged_listing)
{
	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	EXPECT_NAMES("bin data dev etc hello.txt link-abs link-rel opaque-l "
		     "opaque-o owned shared usr", self->c.mnt);
	EXPECT_NAMES("alternatives config hostname os-release", M("etc"));
	EXPECT_NAMES("from-base from-mid from-top", M("shared"));
	EXPECT_NAMES("fifo null", M("dev"));
}

LFS_TEST(img, merged_contents)
{
	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	EXPECT_STREQ("top-config\n", lfs_cat(M("etc/config")));
	EXPECT_STREQ("base-host\n", lfs_cat(M("etc/hostname")));
	EXPECT_STREQ("NAME=layerfs-test-base\n", lfs_cat(M("etc/os-release")));
	EXPECT_STREQ("hello from top\n", lfs_cat(M("hello.txt")));
	EXPECT_STREQ("mid-lib\n", lfs_cat(M("usr/lib/libx.so")));
	EXPECT_STREQ("base\n", lfs_cat(M("shared/from-base")));
	EXPECT_STREQ("mid\n", lfs_cat(M("shared/from-mid")));
	EXPECT_STREQ("top\n", lfs_cat(M("shared/from-top")));
}

LFS_TEST(img, whiteouts)
{
	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("removed-file")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("removed-dir")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("removed-dir/x")));
	/* ...while the layers below still hold them */
	{
		char p[LFS_PATHLEN + 32];

		snprintf(p, sizeof(p), "%s/base/removed-file", self->layers);
		EXPECT_EQ(S_IFREG, lfs_ftype(p));
		snprintf(p, sizeof(p), "%s/top/removed-dir", self->layers);
		EXPECT_EQ(S_IFCHR, lfs_ftype(p));
	}
}

LFS_TEST(img, opaque_dirs)
{
	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	/* trusted.overlay.opaque: honoured by both */
	EXPECT_NAMES("new1", M("opaque-o"));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("opaque-o/old1")));
	if (lfs_is_layerfs()) {
		EXPECT_NAMES("new", M("opaque-l"));
		EXPECT_EQ(-ENOENT, lfs_ftype(M("opaque-l/old1")));
	} else {
		/* overlayfs ignores trusted.layerfs.opaque */
		EXPECT_NAMES("new old1", M("opaque-l"));
	}
}

LFS_TEST(img, symlinks)
{
	char buf[256];

	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	ASSERT_EQ(10, readlink(M("link-rel"), buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "etc/config", 10));
	EXPECT_STREQ("top-config\n", lfs_cat(M("link-rel")));
	ASSERT_EQ(13, readlink(M("link-abs"), buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "/etc/hostname", 13));
	/* mid's link resolves to base's file through the union */
	EXPECT_STREQ("#!/bin/sh\necho base tool\n",
		     lfs_cat(M("etc/alternatives/tool")));
}

LFS_TEST(img, attributes)
{
	struct stat st, real;

	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	ASSERT_EQ(0, lstat(M("owned"), &st));
	EXPECT_EQ(1000, st.st_uid);
	EXPECT_EQ(1000, st.st_gid);
	EXPECT_EQ(S_IFREG | 0640, st.st_mode);
	ASSERT_EQ(0, lstat(M("bin/tool"), &st));
	EXPECT_EQ(S_IFREG | 0755, st.st_mode);
	ASSERT_EQ(0, lstat(M("hello.txt"), &st));
	{
		char p[LFS_PATHLEN + 32];

		snprintf(p, sizeof(p), "%s/top/hello.txt", self->layers);
		ASSERT_EQ(0, lstat(p, &real));
	}
	EXPECT_EQ(real.st_mtim.tv_sec, st.st_mtim.tv_sec);
	EXPECT_EQ(real.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	EXPECT_EQ(real.st_size, st.st_size);
	ASSERT_EQ(0, lstat(M("dev/null"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(1, 3), st.st_rdev);
	ASSERT_EQ(0, lstat(M("dev/fifo"), &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

LFS_TEST(img, xattrs)
{
	char buf[64];

	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	ASSERT_EQ(3, getxattr(M("usr/lib/libx.so"), "user.layer", buf,
			      sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "mid", 3));
	/* top's etc/config hides mid's, with its xattr */
	EXPECT_EQ(-1, getxattr(M("etc/config"), "user.layer", buf,
			       sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, getxattr(M("usr/lib/libx.so"), "trusted.overlay.secret",
			       buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, getxattr(M("opaque-o"), "trusted.overlay.opaque",
			       buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	if (lfs_is_layerfs()) {
		EXPECT_EQ(-1, getxattr(M("usr/lib/libx.so"),
				       "trusted.layerfs.secret", buf,
				       sizeof(buf)));
		EXPECT_EQ(ENODATA, errno);
		EXPECT_EQ(-1, getxattr(M("opaque-l"), "trusted.layerfs.opaque",
				       buf, sizeof(buf)));
		EXPECT_EQ(ENODATA, errno);
	}
}

LFS_TEST(img, blob_checksum_through_union)
{
	char hex[65];

	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	ASSERT_EQ(0, lfs_sha256_file(M("data/blob"), hex));
	EXPECT_STREQ(listed_sum(lfs_image(), "layers/base/data/blob"), hex);
	ASSERT_EQ(0, lfs_sha256_file(M("etc/config"), hex));
	EXPECT_STREQ(listed_sum(lfs_image(), "layers/top/etc/config"), hex);
}

LFS_TEST(img, sparse_seek)
{
	char real[LFS_PATHLEN + 32];
	int fd, rfd, w;
	off_t o;

	snprintf(real, sizeof(real), "%s/base/data/sparse", self->layers);
	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	fd = open(M("data/sparse"), O_RDONLY);
	rfd = open(real, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, rfd);
	for (w = SEEK_DATA; w <= SEEK_HOLE; w++)
		for (o = 0; o < (4 << 20); o += 65536)
			EXPECT_EQ(lseek(rfd, o, w), lseek(fd, o, w));
	close(fd);
	close(rfd);
}

LFS_TEST(img, tmpfs_layer_over_image)
{
	char opts[4 * LFS_PATHLEN + 64];

	ASSERT_EQ(0, mount("tmpfs", lfs_p(&self->c, "l0"), "tmpfs", 0,
			   "mode=755"));
	ASSERT_EQ(0, lfs_build(lfs_p(&self->c, "l0"),
		"w hello.txt\nf etc/config from-tmpfs\nf newfile n"));
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s", lfs_p(&self->c, "l0"),
		 self->opts + strlen("lowerdir="));
	ASSERT_EQ(0, lfs_mount_opts(&self->c, opts));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("hello.txt")));
	EXPECT_STREQ("from-tmpfs", lfs_cat(M("etc/config")));
	EXPECT_STREQ("n", lfs_cat(M("newfile")));
	EXPECT_STREQ("base-host\n", lfs_cat(M("etc/hostname")));
}

static int walk_read(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	char buf[65536];
	int fd;

	(void)flag;
	(void)ftw;
	if (!S_ISREG(st->st_mode))
		return 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return 0;
}

LFS_TEST(img, layers_unchanged_after_use)
{
	char *before, *after;
	int n;

	before = lfs_tree_digest(self->layers);
	ASSERT_NE(NULL, before);
	ASSERT_EQ(0, lfs_mount_opts(&self->c, self->opts));
	ASSERT_EQ(0, nftw(self->c.mnt, walk_read, 32, FTW_PHYS));
	/* write attempts are refused */
	EXPECT_EQ(-1, open(M("etc/config"), O_WRONLY));
	EXPECT_EQ(EROFS, errno);
	EXPECT_EQ(-1, unlink(M("hello.txt")));
	EXPECT_EQ(EROFS, errno);
	ASSERT_EQ(0, lfs_umount(&self->c));
	after = lfs_tree_digest(self->layers);
	ASSERT_NE(NULL, after);
	EXPECT_STREQ(before, after);
	EXPECT_EQ(0, verify_sums(lfs_image(), &n));
	free(before);
	free(after);
}

TEST_HARNESS_MAIN
