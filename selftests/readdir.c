// SPDX-License-Identifier: GPL-2.0
/*
 * Merged readdir of a read-only union: every name once, whiteouts and
 * opaque directories respected, d_type, "." and "..", tiny getdents
 * buffers, telldir/seekdir/rewinddir and 100k entries over four layers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"

FIXTURE(rd) {
	struct lfs c;
};

FIXTURE_SETUP(rd)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
}

FIXTURE_TEARDOWN(rd)
{
	EXPECT_EQ(0, lfs_teardown(&self->c));
}

#define L(i) lfs_p(&self->c, "l%d", (i))
#define M(...) lfs_m(&self->c, __VA_ARGS__)

struct d64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* The list of DIR as "name:type name:type ..." (sorted, without . ..). */
static char *names(const char *dir)
{
	struct lfs_dent *d;
	int n = lfs_list(dir, &d), i;
	size_t len = 1;
	char *out;

	if (n < 0) {
		out = malloc(32);
		snprintf(out, 32, "!E%d", -n);
		return out;
	}
	for (i = 0; i < n; i++)
		len += strlen(d[i].name) + 6;
	out = malloc(len);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%s:%d", i ? " " : "", d[i].name,
			d[i].type);
	free(d);
	return out;
}

#define EXPECT_LIST(want, dir) do {				\
		char *__got = names(dir);			\
		EXPECT_STREQ(want, __got);			\
		free(__got);					\
	} while (0)

LFS_TEST(rd, merged_names_once)
{
	ASSERT_EQ(0, lfs_build(L(0), "f a 0\nf b 0\nf c 0\nd sub"));
	ASSERT_EQ(0, lfs_build(L(1), "f b 1\nf c 1\nf d 1\nf sub/x 1"));
	ASSERT_EQ(0, lfs_build(L(2), "f c 2\nf d 2\nf e 2\nf sub/y 2"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_LIST("a:8 b:8 c:8 d:8 e:8 sub:4", self->c.mnt);
	EXPECT_LIST("x:8 y:8", M("sub"));
}

LFS_TEST(rd, whiteouts_hidden)
{
	ASSERT_EQ(0, lfs_build(L(0), "w b\nw lonely\nw d/x\nf d/z 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f a 1\nf b 1\nf d/x 1\nf d/y 1"));
	ASSERT_EQ(0, lfs_build(L(2), "w a\nf b 2"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	/* a: the whiteout in l2 is below a; b: hidden; lonely: invisible */
	EXPECT_LIST("a:8 d:4", self->c.mnt);
	EXPECT_LIST("y:8 z:8", M("d"));
}

LFS_TEST(rd, all_entries_whited_out)
{
	ASSERT_EQ(0, lfs_build(L(0), "w d/x\nw d/y\nd d"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/x 1\nf d/y 1"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_LIST("", M("d"));
	EXPECT_EQ(1, lfs_listed(M("d"), "."));
	EXPECT_EQ(1, lfs_listed(M("d"), ".."));
}

LFS_TEST(rd, opaque_respected)
{
	ASSERT_EQ(0, lfs_build(L(0), "o d\nf d/top 0"));
	ASSERT_EQ(0, lfs_build(L(1), "o d\nf d/mid 1\nf e/mid 1"));
	ASSERT_EQ(0, lfs_build(L(2), "f d/low 2\nf e/low 2"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_LIST("top:8", M("d"));
	EXPECT_LIST("low:8 mid:8", M("e"));
	ASSERT_EQ(0, lfs_umount(&self->c));
	/* Opaque in the middle: the top layer still merges with it. */
	{
		char opts[1200];

		snprintf(opts, sizeof(opts), "lowerdir=%s/l1:%s/l2",
			 self->c.dir, self->c.dir);
		ASSERT_EQ(0, lfs_mount_opts(&self->c, opts));
	}
	EXPECT_LIST("mid:8", M("d"));
}

LFS_TEST(rd, d_type_every_kind)
{
	static const char *spec0 =
		"f reg x\nd dir\ns lnk reg\nc chr 1 3\nb blk 7 0\np fifo\nS sock\n"
		"f m/reg x\nd m/dir\ns m/lnk reg\nc m/chr 1 3\nb m/blk 7 0\n"
		"p m/fifo\nS m/sock";

	ASSERT_EQ(0, lfs_build(L(0), spec0));
	/* The same names of another kind below must not leak their type. */
	ASSERT_EQ(0, lfs_build(L(1),
		"d reg\nf dir x\nf lnk\nd chr\nf blk\nd fifo\nf sock\n"
		"d m/reg\nf m/dir x\nf m/lnk\nd m/chr\nf m/blk\nd m/fifo\n"
		"f m/sock\nf m/other"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	/* root and m are merged with l1 */
	EXPECT_LIST("blk:6 chr:2 dir:4 fifo:1 lnk:10 m:4 reg:8 sock:12",
		    self->c.mnt);
	EXPECT_LIST("blk:6 chr:2 dir:4 fifo:1 lnk:10 other:8 reg:8 sock:12",
		    M("m"));
	/* And the types agree with lstat through the union. */
	EXPECT_EQ(S_IFSOCK, lfs_ftype(M("m/sock")));
	EXPECT_EQ(S_IFBLK, lfs_ftype(M("m/blk")));
	EXPECT_EQ(S_IFIFO, lfs_ftype(M("fifo")));
}

LFS_TEST(rd, d_type_single_layer_dir)
{
	ASSERT_EQ(0, lfs_build(L(1),
		"f only/reg x\nd only/dir\ns only/lnk reg\nc only/chr 1 3\n"
		"p only/fifo\nS only/sock\nb only/blk 7 0"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_LIST("blk:6 chr:2 dir:4 fifo:1 lnk:10 reg:8 sock:12",
		    M("only"));
}

static int dots(const char *dir, struct __test_metadata *_metadata)
{
	struct stat st, pst;
	struct dirent *de;
	char parent[4096];
	int seen = 0;
	DIR *d;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	if (stat(dir, &st) || stat(parent, &pst))
		return -1;
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".")) {
			seen |= (seen & 1) ? 4 : 1;
			EXPECT_EQ(DT_DIR, de->d_type);
			EXPECT_EQ(st.st_ino, de->d_ino);
		} else if (!strcmp(de->d_name, "..")) {
			seen |= (seen & 2) ? 4 : 2;
			EXPECT_EQ(DT_DIR, de->d_type);
		}
	}
	closedir(d);
	return seen;
}

LFS_TEST(rd, dot_and_dotdot)
{
	ASSERT_EQ(0, lfs_build(L(0), "f a/b/f 0\nf single/x 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f a/b/g 1"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	EXPECT_EQ(3, dots(self->c.mnt, _metadata));
	EXPECT_EQ(3, dots(M("a"), _metadata));
	EXPECT_EQ(3, dots(M("a/b"), _metadata));
	EXPECT_EQ(3, dots(M("single"), _metadata));
}

LFS_TEST(rd, d_ino_matches_stat)
{
	struct lfs_dent *d;
	int n, i;

	ASSERT_EQ(0, lfs_build(L(0), "f a 0\nd sub\nf sub/x 0\ns l a"));
	ASSERT_EQ(0, lfs_build(L(1), "f b 1\nf sub/y 1\nd sub2"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	n = lfs_list(self->c.mnt, &d);
	ASSERT_EQ(5, n);
	for (i = 0; i < n; i++) {
		struct stat st;

		ASSERT_EQ(0, lstat(M("%s", d[i].name), &st));
		EXPECT_EQ(st.st_ino, d[i].ino) {
			TH_LOG("%s: d_ino %llu st_ino %llu", d[i].name,
			       (unsigned long long)d[i].ino,
			       (unsigned long long)st.st_ino);
		}
	}
	free(d);
}

/* Build a merged dir of N short names over three layers (+ whiteouts). */
static void build_spread(struct __test_metadata *_metadata, struct lfs *c,
			 int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char p[64];

		snprintf(p, sizeof(p), "%s/l%d/d/n%03d", c->dir, i % 3, i);
		if (i == 0)
			ASSERT_EQ(0, lfs_build(c->dir,
				"d l0/d\nd l1/d\nd l2/d\nf l2/d/zz1 hidden\n"
				"w l0/d/zz1\nf l1/d/n002 dup"));
		ASSERT_EQ(0, mknod(p, S_IFREG | 0644, 0) ? -errno : 0);
	}
	ASSERT_EQ(0, lfs_mount_n(c, 3));
}

static char *getdents_all(int fd, size_t bufsz, int *count)
{
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap), *buf = malloc(bufsz);
	int calls = 0;

	*count = 0;
	out[0] = '\0';
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, bufsz);
		long off = 0;

		if (n < 0) {
			snprintf(out, cap, "!E%d", errno);
			break;
		}
		if (n == 0)
			break;
		calls++;
		while (off < n) {
			struct d64 *e = (struct d64 *)(buf + off);
			size_t l = strlen(e->name);

			if (len + l + 2 >= cap)
				out = realloc(out, cap *= 2);
			memcpy(out + len, e->name, l);
			len += l;
			out[len++] = '\n';
			out[len] = '\0';
			(*count)++;
			off += e->reclen;
		}
	}
	free(buf);
	if (*count && calls != *count && bufsz < 48)
		*count = -calls;	/* more than one entry per call */
	return out;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the lines of S in place order; returns a new string. */
static char *sorted(const char *s)
{
	char *copy = strdup(s), *lines[4096], *save = NULL, *l, *out;
	int n = 0, i;

	for (l = strtok_r(copy, "\n", &save); l && n < 4096;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(char *), cmp_line);
	out = calloc(1, strlen(s) + 2);
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	free(copy);
	return out;
}

LFS_TEST(rd, getdents_tiny_buffer)
{
	char *big, *tiny, *sb, *st;
	int nbig, ntiny, fd;

	build_spread(_metadata, &self->c, 300);
	fd = open(M("d"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	big = getdents_all(fd, 65536, &nbig);
	close(fd);
	/* All names are <= 4 bytes: 24-byte records, so 47 bytes hold one. */
	fd = open(M("d"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	tiny = getdents_all(fd, 47, &ntiny);
	close(fd);
	EXPECT_EQ(302, nbig);	/* 300 names + . + .. ; zz1 whited out */
	EXPECT_EQ(nbig, ntiny);
	sb = sorted(big);
	st = sorted(tiny);
	EXPECT_STREQ(sb, st);
	EXPECT_EQ(NULL, strstr(sb, "zz1"));
	free(big);
	free(tiny);
	free(sb);
	free(st);
}

LFS_TEST(rd, getdents_buffer_too_small)
{
	char buf[16];
	int fd;

	ASSERT_EQ(0, lfs_build(L(0), "f d/a 0"));
	ASSERT_EQ(0, lfs_build(L(1), "f d/b 0"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 2));
	fd = open(M("d"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_getdents64, fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing was consumed: a real buffer still gets every entry. */
	{
		int n;
		char *all = getdents_all(fd, 4096, &n);

		EXPECT_EQ(4, n);
		free(all);
	}
	close(fd);
}

LFS_TEST(rd, telldir_seekdir)
{
	long pos[400];
	char name[400][8];
	struct dirent *de;
	int n = 0, i;
	DIR *d;

	build_spread(_metadata, &self->c, 300);
	d = opendir(M("d"));
	ASSERT_NE(NULL, d);
	for (;;) {
		long p = telldir(d);

		de = readdir(d);
		if (!de)
			break;
		ASSERT_GT(400, n);
		pos[n] = p;
		snprintf(name[n], sizeof(name[n]), "%s", de->d_name);
		n++;
	}
	ASSERT_EQ(302, n);
	/* Jump around: backwards, forwards, every 7th. */
	for (i = n - 1; i >= 0; i -= 7) {
		seekdir(d, pos[i]);
		de = readdir(d);
		ASSERT_NE(NULL, de);
		EXPECT_STREQ(name[i], de->d_name);
		if (i + 1 < n) {
			de = readdir(d);
			ASSERT_NE(NULL, de);
			EXPECT_STREQ(name[i + 1], de->d_name);
		}
	}
	closedir(d);
	/* Positions stay valid in a new open of the same directory. */
	d = opendir(M("d"));
	ASSERT_NE(NULL, d);
	seekdir(d, pos[150]);
	de = readdir(d);
	ASSERT_NE(NULL, de);
	EXPECT_STREQ(name[150], de->d_name);
	closedir(d);
}

LFS_TEST(rd, rewinddir_round_trip)
{
	char *first, *second;
	struct dirent *de;
	size_t cap = 8192;
	DIR *d;
	int pass;

	build_spread(_metadata, &self->c, 200);
	d = opendir(M("d"));
	ASSERT_NE(NULL, d);
	first = calloc(1, cap);
	second = calloc(1, cap);
	for (pass = 0; pass < 2; pass++) {
		char *out = pass ? second : first;
		int k = 0;

		while ((de = readdir(d))) {
			strcat(out, de->d_name);
			strcat(out, " ");
			/* stop half way through the first pass */
			if (pass == 0 && ++k == 100)
				break;
		}
		if (pass == 0) {
			rewinddir(d);
			first[0] = '\0';
			while ((de = readdir(d))) {
				strcat(first, de->d_name);
				strcat(first, " ");
			}
			rewinddir(d);
		}
	}
	EXPECT_STREQ(first, second);
	EXPECT_NE(NULL, strstr(first, "n199 "));
	closedir(d);
	free(first);
	free(second);
}

LFS_TEST(rd, lseek_dir_rewind_and_eof)
{
	int fd, n1, n2, n3;
	char *a, *b, *c;

	build_spread(_metadata, &self->c, 50);
	fd = open(M("d"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	a = getdents_all(fd, 4096, &n1);
	/* At EOF: getdents keeps returning 0 entries. */
	b = getdents_all(fd, 4096, &n2);
	EXPECT_EQ(0, n2);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	c = getdents_all(fd, 4096, &n3);
	EXPECT_EQ(n1, n3);
	EXPECT_STREQ(a, c);
	EXPECT_EQ(52, n1);
	close(fd);
	free(a);
	free(b);
	free(c);
}

LFS_TEST(rd, empty_merged_dir)
{
	ASSERT_EQ(0, lfs_build(L(0), "d e"));
	ASSERT_EQ(0, lfs_build(L(1), "d e"));
	ASSERT_EQ(0, lfs_build(L(2), "d e"));
	ASSERT_EQ(0, lfs_mount_n(&self->c, 3));
	EXPECT_LIST("", M("e"));
	EXPECT_EQ(1, lfs_listed(M("e"), "."));
}

LFS_TEST(rd, readdir_from_two_fds)
{
	struct dirent *de;
	DIR *d1, *d2;
	int n1 = 0, n2 = 0;

	build_spread(_metadata, &self->c, 120);
	d1 = opendir(M("d"));
	d2 = opendir(M("d"));
	ASSERT_NE(NULL, d1);
	ASSERT_NE(NULL, d2);
	/* Interleaved reads of two opens are independent. */
	for (;;) {
		int got = 0;

		if ((de = readdir(d1))) {
			n1++;
			got = 1;
		}
		if ((de = readdir(d2))) {
			n2++;
			got = 1;
		}
		if ((de = readdir(d2))) {
			n2++;
			got = 1;
		}
		if (!got)
			break;
	}
	EXPECT_EQ(122, n1);
	EXPECT_EQ(122, n2);
	closedir(d1);
	closedir(d2);
}

#define BIG_PER_LAYER	25000
#define BIG_SHARED	1000
#define BIG_WHITEOUTS	500

LFS_TEST_LONG(rd, entries_100k)
{
	char p[512], *buf;
	int fd, i, l, total = 0, dups = 0, bad = 0;
	unsigned char *seen;
	size_t bufsz = 1 << 16;

	for (l = 0; l < 4; l++) {
		ASSERT_EQ(0, lfs_mkdir_p(lfs_p(&self->c, "l%d/big", l), 0755));
		for (i = 0; i < BIG_PER_LAYER; i++) {
			snprintf(p, sizeof(p), "%s/l%d/big/%d", self->c.dir, l,
				 l * BIG_PER_LAYER + i);
			ASSERT_EQ(0, mknod(p, S_IFREG | 0644, 0));
		}
		for (i = 0; i < BIG_SHARED; i++) {
			snprintf(p, sizeof(p), "%s/l%d/big/s%d", self->c.dir, l,
				 i);
			ASSERT_EQ(0, mknod(p, S_IFREG | 0644, 0));
		}
	}
	/* l0 whites out the first BIG_WHITEOUTS names of l3 */
	for (i = 0; i < BIG_WHITEOUTS; i++) {
		snprintf(p, sizeof(p), "%s/l0/big/%d", self->c.dir,
			 3 * BIG_PER_LAYER + i);
		ASSERT_EQ(0, lfs_whiteout(p));
	}
	ASSERT_EQ(0, lfs_mount_n(&self->c, 4));
	seen = calloc(4 * BIG_PER_LAYER + BIG_SHARED, 1);
	buf = malloc(bufsz);
	fd = open(M("big"), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, bufsz), off = 0;

		ASSERT_LE(0, n);
		if (n == 0)
			break;
		while (off < n) {
			struct d64 *e = (struct d64 *)(buf + off);
			char *end;
			long v;

			off += e->reclen;
			if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
				continue;
			if (e->name[0] == 's')
				v = 4 * BIG_PER_LAYER +
				    strtol(e->name + 1, &end, 10);
			else
				v = strtol(e->name, &end, 10);
			if (*end || v < 0 || v >= 4 * BIG_PER_LAYER + BIG_SHARED ||
			    e->type != DT_REG) {
				bad++;
				continue;
			}
			if (seen[v]++)
				dups++;
			total++;
		}
	}
	close(fd);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, dups);
	EXPECT_EQ(4 * BIG_PER_LAYER + BIG_SHARED - BIG_WHITEOUTS, total);
	for (i = 0; i < BIG_WHITEOUTS; i++)
		EXPECT_EQ(0, seen[3 * BIG_PER_LAYER + i]);
	/* Spot-check lookups agree with the listing. */
	EXPECT_EQ(S_IFREG, lfs_ftype(M("big/%d", 3 * BIG_PER_LAYER +
					BIG_WHITEOUTS)));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("big/%d", 3 * BIG_PER_LAYER)));
	EXPECT_EQ(S_IFREG, lfs_ftype(M("big/s%d", BIG_SHARED - 1)));
	free(seen);
	free(buf);
}

TEST_HARNESS_MAIN
