// SPDX-License-Identifier: GPL-2.0
/*
 * What listing directories costs in kernel memory, and who pays: the
 * per-directory cost of a listing stays near what the directory holds,
 * it is charged to the memory cgroup of the process that lists, and the
 * filesystem gives it back under memory pressure (drop_caches, a memcg at
 * its memory.max) instead of running the cgroup out of memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

FIXTURE(mem) {
	struct lfs c;
	char cg[LFS_PATHLEN + 32];	/* cgroup2 mount, "" when none */
	char grp[LFS_PATHLEN + 64];	/* our memcg, "" when none */
};

FIXTURE_SETUP(mem)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
	self->cg[0] = self->grp[0] = '\0';
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static long long read_ll(const char *path, const char *key)
{
	static char buf[8192];
	ssize_t n;
	char *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (!key)
		return atoll(buf);
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t k = strlen(key);

		if (!strncmp(p, key, k) && (p[k] == ' ' || p[k] == ':'))
			return atoll(p + k + 1 + strspn(p + k + 1, " :"));
	}
	return -ENOENT;
}

FIXTURE_TEARDOWN(mem)
{
	char p[LFS_PATHLEN + 96];

	if (self->grp[0]) {
		/* Back to the root group, so ours can go. */
		snprintf(p, sizeof(p), "%s/cgroup.procs", self->cg);
		write_str(p, "0");
		rmdir(self->grp);
	}
	if (self->cg[0])
		umount2(self->cg, MNT_DETACH);
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

/* Read every entry of DIR with getdents64; the entry count or -errno. */
static int list_dir(const char *dir)
{
	char buf[32768];
	int fd = open(dir, O_RDONLY | O_DIRECTORY), n = 0;
	long r;

	if (fd < 0)
		return -errno;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		long off = 0;

		while (off < r) {
			n++;
			off += *(unsigned short *)(buf + off + 16);
		}
	}
	if (r < 0)
		n = -errno;
	close(fd);
	return n;
}

static long long mem_free_kb(void)
{
	return read_ll("/proc/meminfo", "MemFree");
}

/* N directories d0.. in ROOT, each with E hard links to ROOT/f, named by
 * their number padded to LEN characters. */
static int make_dirs(const char *root, int n, int e, int len)
{
	char f[LFS_PATHLEN + 32], d[LFS_PATHLEN + 32], l[LFS_PATHLEN + 300];
	int i, j;

	snprintf(f, sizeof(f), "%s/f", root);
	if (lfs_write_file(f, "x", 1))
		return -EIO;
	for (i = 0; i < n; i++) {
		snprintf(d, sizeof(d), "%s/d%d", root, i);
		if (mkdir(d, 0755))
			return -errno;
		for (j = 0; j < e; j++) {
			snprintf(l, sizeof(l), "%s/%0*d", d, len, j);
			if (link(f, l))
				return -errno;
		}
	}
	return 0;
}

/* List d0..d(n-1) under ROOT; 0, or -1 if one did not give E entries. */
static int list_all(const char *root, int n, int e)
{
	char d[LFS_PATHLEN + 32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(d, sizeof(d), "%s/d%d", root, i);
		if (list_dir(d) != e + 2)
			return -1;
	}
	return 0;
}

#define BOUND_DIRS	1024
#define BOUND_ENTS	4
/*
 * The listings of many small directories: each costs about what it holds
 * (here four names), not a fixed block.  layerfs once took 64 KiB per
 * directory ever listed.
 */
LFS_TEST(mem, small_dirs_cost_what_they_hold)
{
	long long before, after, per_dir;

	ASSERT_EQ(0, make_dirs(lfs_p(&self->c, "l1"), BOUND_DIRS, BOUND_ENTS,
			       8));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	/* Warm everything but the union's listings: the lower directories'
	 * blocks, the union's dentries and inodes. */
	ASSERT_EQ(0, list_all(lfs_p(&self->c, "l1"), BOUND_DIRS, BOUND_ENTS));
	ASSERT_EQ(0, list_all(self->c.mnt, 1, BOUND_ENTS));
	sync();
	before = mem_free_kb();
	ASSERT_EQ(0, list_all(self->c.mnt, BOUND_DIRS, BOUND_ENTS));
	after = mem_free_kb();
	ASSERT_LT(0, before);
	per_dir = (before - after) * 1024 / BOUND_DIRS;
	TH_LOG("listing %d directories of %d names: %lld bytes each",
	       BOUND_DIRS, BOUND_ENTS, per_dir);
	EXPECT_LT(per_dir, 16384);
}

/* Mount cgroup2 and make a memory cgroup of our own; 0 or -errno. */
static int make_memcg(FIXTURE_DATA(mem) *self)
{
	char p[LFS_PATHLEN + 96];
	int err;

	snprintf(self->cg, sizeof(self->cg), "%s/cg", self->c.dir);
	if (mkdir(self->cg, 0755) || mount("cgroup2", self->cg, "cgroup2", 0,
					   NULL)) {
		err = -errno;
		self->cg[0] = '\0';
		return err;
	}
	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", self->cg);
	err = write_str(p, "+memory");
	if (err)
		return err;
	snprintf(self->grp, sizeof(self->grp), "%s/lfs-mem-%d", self->cg,
		 getpid());
	if (mkdir(self->grp, 0755)) {
		err = -errno;
		self->grp[0] = '\0';
		return err;
	}
	return 0;
}

static long long memcg_get(FIXTURE_DATA(mem) *self, const char *file,
			   const char *key)
{
	char p[LFS_PATHLEN + 128];

	snprintf(p, sizeof(p), "%s/%s", self->grp, file);
	return read_ll(p, key);
}

static int memcg_set(FIXTURE_DATA(mem) *self, const char *file,
		     const char *val)
{
	char p[LFS_PATHLEN + 128];

	snprintf(p, sizeof(p), "%s/%s", self->grp, file);
	return write_str(p, val);
}

#define CG_DIRS		256
#define CG_ENTS		64
#define CG_NAMELEN	150
/*
 * A process in a memory cgroup lists big directories: the listings are
 * charged to its cgroup, drop_caches gives them back, and at a memory.max
 * below what all the listings take the cgroup reclaims them rather than
 * going out of memory.
 */
LFS_TEST(mem, listings_charged_and_reclaimed)
{
	long long c0, c1, c2, names = (long long)CG_DIRS * CG_ENTS * CG_NAMELEN;
	char max[32];

	ASSERT_EQ(0, make_dirs(lfs_p(&self->c, "l1"), CG_DIRS, CG_ENTS,
			       CG_NAMELEN));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	ASSERT_EQ(0, list_all(lfs_p(&self->c, "l1"), CG_DIRS, CG_ENTS));
	ASSERT_EQ(0, make_memcg(self));
	ASSERT_EQ(0, memcg_set(self, "cgroup.procs", "0"));

	c0 = memcg_get(self, "memory.current", NULL);
	ASSERT_LE(0, c0);
	ASSERT_EQ(0, list_all(self->c.mnt, CG_DIRS, CG_ENTS));
	c1 = memcg_get(self, "memory.current", NULL);
	TH_LOG("memcg listed: slab_unreclaimable %lld slab_reclaimable %lld kernel %lld anon %lld file %lld",
	       memcg_get(self, "memory.stat", "slab_unreclaimable"),
	       memcg_get(self, "memory.stat", "slab_reclaimable"),
	       memcg_get(self, "memory.stat", "kernel"),
	       memcg_get(self, "memory.stat", "anon"),
	       memcg_get(self, "memory.stat", "file"));
	ASSERT_EQ(0, write_str("/proc/sys/vm/drop_caches", "2"));
	c2 = memcg_get(self, "memory.current", NULL);
	TH_LOG("memcg: %lld before, %lld after listing %lld bytes of names, %lld after drop_caches",
	       c0, c1, names, c2);
	TH_LOG("memcg now: slab_unreclaimable %lld slab_reclaimable %lld kernel %lld anon %lld file %lld",
	       memcg_get(self, "memory.stat", "slab_unreclaimable"),
	       memcg_get(self, "memory.stat", "slab_reclaimable"),
	       memcg_get(self, "memory.stat", "kernel"),
	       memcg_get(self, "memory.stat", "anon"),
	       memcg_get(self, "memory.stat", "file"));
	if (lfs_is_layerfs()) {
		/* Charged to the lister, and given back. */
		EXPECT_LE(names / 2, c1 - c0);
		EXPECT_LE((c1 - c0) / 2, c1 - c2);
	}
	/*
	 * overlayfs lists a single-layer directory straight from the real
	 * one and keeps no listing to charge or give back (and charges none
	 * of its merged-directory caches): nothing to measure before the
	 * limit below.
	 */

	/* Room for about half of the listings. */
	snprintf(max, sizeof(max), "%lld", c2 + names / 2);
	ASSERT_EQ(0, memcg_set(self, "memory.max", max));
	ASSERT_EQ(0, list_all(self->c.mnt, CG_DIRS, CG_ENTS));
	ASSERT_EQ(0, list_all(self->c.mnt, CG_DIRS, CG_ENTS));
	EXPECT_EQ(0, memcg_get(self, "memory.events", "oom_kill"));
	EXPECT_EQ(0, memcg_get(self, "memory.events", "oom"));
	if (lfs_is_layerfs())	/* the listings did reach the limit */
		EXPECT_LT(0, memcg_get(self, "memory.events", "max"));
	EXPECT_GE(atoll(max), memcg_get(self, "memory.current", NULL));
}

TEST_HARNESS_MAIN
