// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-crash: workload and checker of scripts/crash-test.sh (power cut
 * during layerfs changes).  Built static by that script, run in the VM by
 * selftests/crash/run.sh.  Not one of the selftests programs: it needs a VM that
 * is killed in the middle.
 *
 *   lfs-crash gen DIR                 write the lower layers DIR/l1, DIR/l2
 *   lfs-crash work MNT SEED           run every operation once, in an order
 *                                     drawn from SEED, on the union at MNT
 *   lfs-crash verify MNT SEED DONE    check the union after the power cut
 *   lfs-crash lowers DIR              check DIR/l1 and DIR/l2 are as made
 *   lfs-crash ops                     print the number of operations
 *   lfs-crash inflight SEED DONE      the operation under way at the cut
 *
 * Every operation owns one directory oNN, present in both lower layers, and
 * touches nothing else, so each can be judged alone.  The workload prints
 * "start N" before and "done N" after each operation, after sync(); a
 * background process calls sync() at random moments too, so a power cut
 * finds the journal holding some intermediate step of an operation.  The
 * checker classifies each operation's names as the state before it, the
 * state after it, or an allowed state in between (for example, unsynced
 * user data partly written); anything else (a partial copy-up, a name
 * missing on both sides of a rename, a hard link split in two, a lower
 * child showing through an opaque directory) is a failure, as is any state
 * but "after" for the first DONE operations of the order.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KiB 1024L
#define MiB (1024L * 1024)
#define WLEN 20000L		/* user write: unaligned, several pages */
#define NEWLEN 3000L		/* a new file's size */
#define CREATELEN (200 * KiB)

enum kind {
	K_WRITE, K_SPARSE, K_CHMOD, K_CHMOD_WRITE, K_TRUNC, K_TRUNC_GROW,
	K_OTRUNC, K_RENAME, K_RENAME_OVER, K_RENAME_DIR, K_RENAME_DIR_INTO,
	K_RENAME_DIR_WRITE, K_XCHG, K_XCHG_DIR, K_UNLINK, K_UNLINK_COPIED,
	K_RMTREE, K_OPAQUE, K_MKDIR_OVER, K_HL_WRITE, K_HL_CHMOD, K_CREATE,
	K_SYMLINK_RENAME, K_RENAME_OVER_WH, K_RENAME_DIR_OVER,
};

static const char *const kind_name[] = {
	"write", "write-sparse", "chmod", "chmod+write", "truncate",
	"truncate-grow", "open-O_TRUNC", "rename", "rename-over",
	"rename-dir", "rename-dir-into", "rename-dir+write", "exchange",
	"exchange-dir-file", "unlink", "write+unlink", "rm-r", "rm-r+mkdir",
	"mkdir-over-file", "hardlink-write", "hardlink-chmod", "create",
	"rename-symlink", "rename-over-whiteout", "rename-dir-over-dir",
};

struct opdef {
	enum kind k;
	long size;
};

static const struct opdef ops[] = {
	{ K_WRITE, 0 }, { K_WRITE, 1 }, { K_WRITE, 4095 },
	{ K_WRITE, 65537 }, { K_WRITE, MiB + 3 }, { K_WRITE, 8 * MiB },
	{ K_WRITE, 24 * MiB }, { K_SPARSE, 8 * MiB }, { K_CHMOD, MiB + 5 },
	{ K_CHMOD_WRITE, 3 * MiB }, { K_TRUNC, 5 * MiB },
	{ K_TRUNC_GROW, 100 * KiB }, { K_OTRUNC, 2 * MiB },
	{ K_RENAME, MiB }, { K_RENAME, 16 * MiB }, { K_RENAME_OVER, 700 * KiB },
	{ K_RENAME_DIR, 0 }, { K_RENAME_DIR_INTO, 0 },
	{ K_RENAME_DIR_WRITE, 0 }, { K_XCHG, 9 * MiB }, { K_XCHG_DIR, 0 },
	{ K_UNLINK, MiB }, { K_UNLINK_COPIED, 4 * MiB }, { K_RMTREE, 0 },
	{ K_OPAQUE, 0 }, { K_MKDIR_OVER, 0 }, { K_HL_WRITE, 2 * MiB },
	{ K_HL_CHMOD, 500 * KiB }, { K_CREATE, 0 }, { K_SYMLINK_RENAME, 0 },
	{ K_RENAME_OVER_WH, 0 }, { K_RENAME_DIR_OVER, 0 },
};

#define NOPS ((int)(sizeof(ops) / sizeof(ops[0])))

/* ---- content: a pseudo-random byte stream per id ---- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned char sbyte(uint32_t id, long off)
{
	return mix(((uint64_t)id << 40) | (uint64_t)(off >> 3)) >> ((off & 7) * 8);
}

/* Where a sparse file has data; elsewhere it reads zeros. */
static int sparse_data(long off)
{
	return off < 64 * KiB || (off >= 6 * MiB && off < 6 * MiB + 64 * KiB);
}

/* A file's contents: stream id over [0,size), zero in holes. */
struct content {
	uint32_t id;
	long size;
	int sparse;
};

static unsigned char cbyte(const struct content *c, long off)
{
	if (off >= c->size || (c->sparse && !sparse_data(off)))
		return 0;
	return sbyte(c->id, off);
}

/* buf = c's bytes [off, off+len), a word of the stream at a time. */
static void cfill(const struct content *c, long off, unsigned char *buf,
		  long len)
{
	long i = 0;

	while (i < len) {
		long o = off + i;
		uint64_t w;
		int b;

		if (o >= c->size || (c->sparse && !sparse_data(o))) {
			buf[i++] = 0;
			continue;
		}
		w = mix(((uint64_t)c->id << 40) | (uint64_t)(o >> 3));
		/* Holes of a sparse file start and end at word boundaries. */
		for (b = o & 7; b < 8 && i < len && off + i < c->size; b++)
			buf[i++] = w >> (b * 8);
	}
}

/* First offset in [from, to) where buf differs from c, or -1. */
static long cdiff(const unsigned char *buf, const struct content *c,
		  long from, long to)
{
	static unsigned char exp[1 << 16];
	long off, n, i;

	for (off = from; off < to; off += n) {
		n = to - off < (long)sizeof(exp) ? to - off : (long)sizeof(exp);
		cfill(c, off, exp, n);
		if (!memcmp(buf + off, exp, n))
			continue;
		for (i = 0; i < n; i++)
			if (buf[off + i] != exp[i])
				return off + i;
	}
	return -1;
}

static uint32_t obj_id(int op, int slot)
{
	return (uint32_t)op * 64 + slot + 1;
}

static uint32_t pat_id(int op)
{
	return obj_id(op, 63) | 1u << 24;
}

/* The user write of an operation on a file of size n: [off, off+WLEN). */
static long write_off(long n)
{
	return n / 3 + 100;
}

/* ---- small helpers ---- */

static char errbuf[512];

static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return -1;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "lfs-crash: %s %s: %s\n", what, path, strerror(errno));
	exit(2);
}

static void pathf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
}

static void mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			die("mkdir", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		die("mkdir", buf);
}

static void write_content(const char *path, const struct content *c,
			  mode_t mode)
{
	static unsigned char buf[1 << 16];
	long off, i, n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		die("create", path);
	for (off = 0; off < c->size; off += n) {
		n = c->size - off < (long)sizeof(buf) ? c->size - off : (long)sizeof(buf);
		if (c->sparse && !sparse_data(off))
			continue;
		for (i = 0; i < n; i++)
			buf[i] = cbyte(c, off + i);
		if (pwrite(fd, buf, n, off) != n)
			die("write", path);
	}
	if (ftruncate(fd, c->size) || fchmod(fd, mode) || close(fd))
		die("finish", path);
}

/* The whole file, or NULL with errno. */
static unsigned char *read_all(const char *path, long *len)
{
	struct stat st;
	unsigned char *buf;
	long got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	if (!buf)
		die("malloc", path);
	while ((n = read(fd, buf + got, st.st_size + 1 - got)) > 0)
		got += n;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}

/* ---- the objects of each operation ---- */

enum { L1 = 1, L2 = 2 };

/* A lower tree: files (size > 0 or 0) with their layer; dirs implied. */
struct tentry {
	int layer;
	const char *path;
	long size;
};

/* Merged in both layers, a subdirectory merged too. */
static const struct tentry tree_a[] = {
	{ L1, "x", 5000 }, { L1, "sub/y", 70000 }, { L2, "z", 1000 },
	{ L2, "big", 2 * MiB + 1 }, { L2, "sub/w", 3000 }, { 0, NULL, 0 },
};

/* In one layer only. */
static const struct tentry tree_b[] = {
	{ L2, "x", MiB }, { L2, "sub/y", 4000 }, { 0, NULL, 0 },
};

/* A tree entry's contents; slot 10 and up are tree entries. */
static struct content tcontent(int op, const struct tentry *t, int i)
{
	struct content c = { obj_id(op, 10 + i), t[i].size, 0 };

	return c;
}

struct gen {
	const char *base;	/* DIR holding l1 and l2 */
	int check;		/* compare instead of writing */
	int errors;
	long entries;		/* names made or checked */
};

static void gen_fail(struct gen *g, const char *fmt, const char *path)
{
	printf("# lowers: %s: %s\n", path, fmt);
	g->errors++;
}

static void gen_dir(struct gen *g, const char *path)
{
	struct stat st;

	g->entries++;
	if (!g->check) {
		mkdirs(path);
		return;
	}
	if (lstat(path, &st) || !S_ISDIR(st.st_mode))
		gen_fail(g, "directory missing", path);
}

static void gen_file(struct gen *g, const char *path, const struct content *c,
		     mode_t mode)
{
	struct stat st;
	unsigned char *buf;
	long n;

	g->entries++;
	if (!g->check) {
		write_content(path, c, mode);
		return;
	}
	if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != mode || st.st_size != c->size) {
		gen_fail(g, "type, mode or size changed", path);
		return;
	}
	buf = read_all(path, &n);
	if (!buf || n != c->size) {
		gen_fail(g, "unreadable", path);
		free(buf);
		return;
	}
	if (cdiff(buf, c, 0, n) >= 0)
		gen_fail(g, "contents changed", path);
	free(buf);
}

static void gen_link(struct gen *g, const char *from, const char *to)
{
	struct stat a, b;

	g->entries++;
	if (!g->check) {
		if (link(from, to))
			die("link", to);
		return;
	}
	if (lstat(from, &a) || lstat(to, &b) || a.st_ino != b.st_ino)
		gen_fail(g, "hard link broken", to);
}

static void gen_symlink(struct gen *g, const char *target, const char *path)
{
	char buf[256];
	ssize_t n;

	g->entries++;
	if (!g->check) {
		if (symlink(target, path))
			die("symlink", path);
		return;
	}
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0 || (buf[n] = 0, strcmp(buf, target)))
		gen_fail(g, "symlink changed", path);
}

/* Make (or check) the tree t under name in the layers of op's directory. */
static void gen_tree(struct gen *g, int op, const char *name,
		     const struct tentry *t)
{
	char p[PATH_MAX];
	int i, l, top, sub;

	for (l = 1; l <= 2; l++) {
		for (top = sub = 0, i = 0; t[i].path; i++) {
			top |= t[i].layer == l;
			sub |= t[i].layer == l && strchr(t[i].path, '/');
		}
		pathf(p, "%s/l%d/o%02d/%s", g->base, l, op, name);
		if (top)
			gen_dir(g, p);
		pathf(p, "%s/l%d/o%02d/%s/sub", g->base, l, op, name);
		if (sub)
			gen_dir(g, p);
	}
	for (i = 0; t[i].path; i++) {
		struct content c = tcontent(op, t, i);

		pathf(p, "%s/l%d/o%02d/%s/%s", g->base, t[i].layer, op, name,
		      t[i].path);
		gen_file(g, p, &c, 0644);
	}
}

static void gen_op(struct gen *g, int op)
{
	const struct opdef *o = &ops[op];
	char p[PATH_MAX], q[PATH_MAX];
	struct content c1 = { obj_id(op, 1), o->size, o->k == K_SPARSE };
	struct content c2 = { obj_id(op, 2), o->size / 3 + 17, 0 };
	const char *b = g->base;
	int l;

	for (l = 1; l <= 2; l++) {
		pathf(p, "%s/l%d/o%02d", b, l, op);
		gen_dir(g, p);
	}
	switch (o->k) {
	case K_WRITE: case K_SPARSE: case K_CHMOD_WRITE: case K_TRUNC:
	case K_UNLINK_COPIED:
		pathf(p, "%s/l2/o%02d/f", b, op);
		gen_file(g, p, &c1, 0644);
		break;
	case K_CHMOD: case K_TRUNC_GROW: case K_OTRUNC:
		pathf(p, "%s/l1/o%02d/f", b, op);
		gen_file(g, p, &c1, 0644);
		break;
	case K_RENAME: case K_UNLINK:
		pathf(p, "%s/l2/o%02d/a", b, op);
		gen_file(g, p, &c1, 0644);
		break;
	case K_RENAME_OVER: case K_XCHG:
		pathf(p, "%s/l1/o%02d/a", b, op);
		gen_file(g, p, &c1, 0644);
		pathf(p, "%s/l2/o%02d/c", b, op);
		gen_file(g, p, &c2, 0644);
		break;
	case K_RENAME_DIR: case K_RMTREE: case K_OPAQUE:
		gen_tree(g, op, "d", tree_a);
		break;
	case K_RENAME_DIR_INTO:
		gen_tree(g, op, "d", tree_b);
		pathf(p, "%s/l1/o%02d/p", b, op);
		gen_dir(g, p);
		pathf(p, "%s/l1/o%02d/p/q", b, op);
		c1.size = 1000;
		gen_file(g, p, &c1, 0644);
		break;
	case K_RENAME_DIR_WRITE: case K_RENAME_DIR_OVER:
		gen_tree(g, op, "d", tree_b);
		if (o->k == K_RENAME_DIR_OVER) {
			for (l = 1; l <= 2; l++) {
				pathf(p, "%s/l%d/o%02d/e", b, l, op);
				gen_dir(g, p);
			}
		}
		break;
	case K_XCHG_DIR:
		gen_tree(g, op, "d", tree_b);
		pathf(p, "%s/l1/o%02d/a", b, op);
		c1.size = 50 * KiB;
		gen_file(g, p, &c1, 0644);
		break;
	case K_MKDIR_OVER:
		pathf(p, "%s/l2/o%02d/a", b, op);
		c1.size = 10 * KiB;
		gen_file(g, p, &c1, 0644);
		break;
	case K_HL_WRITE: case K_HL_CHMOD:
		l = o->k == K_HL_WRITE ? 1 : 2;
		pathf(p, "%s/l%d/o%02d/h1", b, l, op);
		gen_file(g, p, &c1, 0644);
		pathf(q, "%s/l%d/o%02d/h2", b, l, op);
		gen_link(g, p, q);
		break;
	case K_CREATE:
		pathf(p, "%s/l2/o%02d/other", b, op);
		c1.size = 100;
		gen_file(g, p, &c1, 0644);
		break;
	case K_SYMLINK_RENAME:
		pathf(p, "%s/l1/o%02d/s", b, op);
		snprintf(q, sizeof(q), "target-%02d", op);
		gen_symlink(g, q, p);
		break;
	case K_RENAME_OVER_WH:
		pathf(p, "%s/l1/o%02d/a", b, op);
		c1.size = 20 * KiB;
		gen_file(g, p, &c1, 0644);
		pathf(p, "%s/l2/o%02d/c", b, op);
		c2.size = 30 * KiB;
		gen_file(g, p, &c2, 0644);
		break;
	}
}

static long count_tree(const char *path)
{
	struct dirent *de;
	long n = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char p[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (de->d_type == DT_DIR) {
			pathf(p, "%s/%s", path, de->d_name);
			n += count_tree(p);
		}
	}
	closedir(d);
	return n;
}

static int cmd_gen(const char *base, int check)
{
	struct gen g = { base, check, 0, 0 };
	char p[PATH_MAX];
	long found;
	int op;

	for (op = 0; op < NOPS; op++)
		gen_op(&g, op);
	if (!check)
		return 0;
	pathf(p, "%s/l1", base);
	found = count_tree(p);
	pathf(p, "%s/l2", base);
	found += count_tree(p);
	if (found != g.entries) {
		printf("# lowers: %ld names, expected %ld\n", found, g.entries);
		g.errors++;
	}
	printf("%s - lower layers unchanged (%ld names, contents, modes, links)\n",
	       g.errors ? "not ok" : "ok", g.entries);
	return g.errors ? 1 : 0;
}

/* ---- the workload ---- */

static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(1, buf, n) < 0)
		exit(2);
}

/* Milliseconds since boot, for the log. */
static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void order(unsigned long seed, int *perm)
{
	uint64_t s = seed;
	int i, j, t;

	for (i = 0; i < NOPS; i++)
		perm[i] = i;
	for (i = NOPS - 1; i > 0; i--) {
		s = mix(s);
		j = s % (i + 1);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

static void xcall(int rc, const char *what, const char *path)
{
	if (rc)
		die(what, path);
}

/* Open for write (copy-up) and write the op's pattern, fsync. */
static void do_write(const char *path, int op, long fsize)
{
	static unsigned char buf[WLEN];
	long off = write_off(fsize), i;
	int fd;

	for (i = 0; i < WLEN; i++)
		buf[i] = sbyte(pat_id(op), off + i);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		die("open for write", path);
	if (pwrite(fd, buf, WLEN, off) != WLEN)
		die("pwrite", path);
	xcall(fsync(fd) || close(fd), "fsync", path);
}

/* A new file holding len bytes of the op's pattern. */
static void do_create(const char *path, int op, long len, int flags)
{
	unsigned char *buf = malloc(len);
	long i;
	int fd;

	for (i = 0; i < len; i++)
		buf[i] = sbyte(pat_id(op), i);
	fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
	if (fd < 0)
		die("create", path);
	if (write(fd, buf, len) != len)
		die("write", path);
	xcall(fsync(fd) || close(fd), "fsync", path);
	free(buf);
}

static void do_rmtree(const char *d)
{
	static const char *const names[] = { "x", "z", "big", "sub/y", "sub/w" };
	char p[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pathf(p, "%s/%s", d, names[i]);
		xcall(unlink(p), "unlink", p);
	}
	pathf(p, "%s/sub", d);
	xcall(rmdir(p), "rmdir", p);
	xcall(rmdir(d), "rmdir", d);
}

static void run_op(const char *mnt, int op)
{
	const struct opdef *o = &ops[op];
	char p[PATH_MAX], q[PATH_MAX], dir[PATH_MAX];

	pathf(dir, "%s/o%02d", mnt, op);
	switch (o->k) {
	case K_WRITE: case K_SPARSE:
		pathf(p, "%s/f", dir);
		do_write(p, op, o->size);
		break;
	case K_CHMOD:
		pathf(p, "%s/f", dir);
		xcall(chmod(p, 0600), "chmod", p);
		break;
	case K_CHMOD_WRITE:
		pathf(p, "%s/f", dir);
		xcall(chmod(p, 0755), "chmod", p);
		do_write(p, op, o->size);
		break;
	case K_TRUNC: case K_TRUNC_GROW:
		pathf(p, "%s/f", dir);
		xcall(truncate(p, o->k == K_TRUNC ? 2 * MiB + 7 : 3 * MiB),
		      "truncate", p);
		break;
	case K_OTRUNC:
		pathf(p, "%s/f", dir);
		do_create(p, op, NEWLEN, O_TRUNC);
		break;
	case K_RENAME: case K_SYMLINK_RENAME:
		pathf(p, "%s/%s", dir, o->k == K_RENAME ? "a" : "s");
		pathf(q, "%s/%s", dir, o->k == K_RENAME ? "b" : "t");
		xcall(rename(p, q), "rename", p);
		break;
	case K_RENAME_OVER:
		pathf(p, "%s/a", dir);
		pathf(q, "%s/c", dir);
		xcall(rename(p, q), "rename", p);
		break;
	case K_RENAME_DIR: case K_RENAME_DIR_OVER:
		pathf(p, "%s/d", dir);
		pathf(q, "%s/e", dir);
		xcall(rename(p, q), "rename", p);
		break;
	case K_RENAME_DIR_INTO:
		pathf(p, "%s/d", dir);
		pathf(q, "%s/p/d", dir);
		xcall(rename(p, q), "rename", p);
		break;
	case K_RENAME_DIR_WRITE:
		pathf(p, "%s/d", dir);
		pathf(q, "%s/e", dir);
		xcall(rename(p, q), "rename", p);
		pathf(p, "%s/e/x", dir);
		do_write(p, op, MiB);
		break;
	case K_XCHG: case K_XCHG_DIR:
		pathf(p, "%s/a", dir);
		pathf(q, "%s/%s", dir, o->k == K_XCHG ? "c" : "d");
		xcall(renameat2(AT_FDCWD, p, AT_FDCWD, q, RENAME_EXCHANGE),
		      "exchange", p);
		break;
	case K_UNLINK:
		pathf(p, "%s/a", dir);
		xcall(unlink(p), "unlink", p);
		break;
	case K_UNLINK_COPIED:
		pathf(p, "%s/f", dir);
		do_write(p, op, o->size);
		xcall(unlink(p), "unlink", p);
		break;
	case K_RMTREE: case K_OPAQUE:
		pathf(p, "%s/d", dir);
		do_rmtree(p);
		if (o->k == K_RMTREE)
			break;
		xcall(mkdir(p, 0755), "mkdir", p);
		pathf(p, "%s/d/n", dir);
		do_create(p, op, NEWLEN, O_EXCL);
		break;
	case K_MKDIR_OVER:
		pathf(p, "%s/a", dir);
		xcall(unlink(p), "unlink", p);
		xcall(mkdir(p, 0755), "mkdir", p);
		pathf(p, "%s/a/n", dir);
		do_create(p, op, 0, O_EXCL);
		break;
	case K_HL_WRITE:
		pathf(p, "%s/h1", dir);
		do_write(p, op, o->size);
		break;
	case K_HL_CHMOD:
		pathf(p, "%s/h1", dir);
		xcall(chmod(p, 0600), "chmod", p);
		break;
	case K_CREATE:
		pathf(p, "%s/n", dir);
		do_create(p, op, CREATELEN, O_EXCL);
		break;
	case K_RENAME_OVER_WH:
		pathf(p, "%s/a", dir);
		xcall(unlink(p), "unlink", p);
		pathf(q, "%s/c", dir);
		xcall(rename(q, p), "rename", q);
		break;
	}
}

/* sync() at random moments, so the journal commits mid-operation. */
static pid_t start_syncer(unsigned long seed)
{
	pid_t pid = fork();
	uint64_t s = seed ^ 0xabcdef;

	if (pid)
		return pid;
	for (;;) {
		s = mix(s);
		usleep(s % 10000);
		sync();
	}
}

static __attribute__((noreturn)) void cmd_work(const char *mnt, unsigned long seed)
{
	int perm[NOPS], i;

	order(seed, perm);
	start_syncer(seed);
	say("# LFS-CRASH-WORK %d ops\n", NOPS);
	for (i = 0; i < NOPS; i++) {
		say("start %d o%02d %s %ld\n", i, perm[i],
		    kind_name[ops[perm[i]].k], now_ms());
		run_op(mnt, perm[i]);
		sync();
		say("done %d %ld\n", i + 1, now_ms());
	}
	say("# LFS-CRASH-ALLDONE\n");
	for (;;)
		pause();
}

/* ---- the checker ---- */

enum state { ST_BAD = -1, ST_BEFORE, ST_MID, ST_DONE };
static const char *const state_name[] = { "before", "in between", "after" };

/* Is path absent (0), present (1)?  Anything else is an error. */
static int present(const char *path, struct stat *st)
{
	struct stat dummy;

	if (!lstat(path, st ? st : &dummy))
		return 1;
	if (errno == ENOENT)
		return 0;
	return bad("lstat %s: %s", path, strerror(errno));
}

/* The file holds exactly c, with mode. */
static int file_is(const char *path, const struct content *c, mode_t mode)
{
	unsigned char *buf;
	struct stat st;
	long n, i;

	if (lstat(path, &st) || !S_ISREG(st.st_mode))
		return bad("%s: not a regular file", path);
	if ((st.st_mode & 07777) != mode)
		return bad("%s: mode %o, expected %o", path, st.st_mode & 07777, mode);
	buf = read_all(path, &n);
	if (!buf)
		return bad("%s: read: %s", path, strerror(errno));
	if (n != c->size) {
		free(buf);
		return bad("%s: size %ld, expected %ld", path, n, c->size);
	}
	i = cdiff(buf, c, 0, n);
	free(buf);
	if (i >= 0)
		return bad("%s: byte %ld differs (a partial or wrong copy)", path, i);
	return 0;
}

/*
 * A file of contents c that had WLEN bytes of the op's pattern written at
 * write_off(c->size), fsynced: before, after, or in between (the unsynced
 * write partly there, per byte; zeros only past the old end).  Anything
 * else, e.g. zeros where old data belongs, is a broken copy-up.
 */
static int cls_write(const char *path, const struct content *c, int op,
		     mode_t mode)
{
	long off = write_off(c->size), end = off + WLEN;
	long nsize = c->size > end ? c->size : end, n, i;
	int orig = 1, done = 1, st = ST_BAD;
	unsigned char *buf;
	struct stat sb;

	if (lstat(path, &sb) || !S_ISREG(sb.st_mode))
		return bad("%s: missing or not a regular file", path);
	if ((sb.st_mode & 07777) != mode)
		return bad("%s: mode %o, expected %o", path, sb.st_mode & 07777, mode);
	buf = read_all(path, &n);
	if (!buf)
		return bad("%s: read: %s", path, strerror(errno));
	if (n != c->size && n != nsize) {
		free(buf);
		return bad("%s: size %ld, expected %ld or %ld", path, n, c->size, nsize);
	}
	/* Outside the write: the old data, zeros past its end. */
	i = cdiff(buf, c, 0, off < n ? off : n);
	if (i < 0 && end < n)
		i = cdiff(buf, c, end, n);
	if (i >= 0) {
		free(buf);
		return bad("%s: byte %ld is not the old data (size %ld): a partial copy",
			   path, i, n);
	}
	/* The write itself: each byte old, new, or zero past the old end. */
	for (i = off; i < end && i < n; i++) {
		unsigned char o = cbyte(c, i), d = sbyte(pat_id(op), i);

		if (buf[i] != o)
			orig = 0;
		if (buf[i] != d)
			done = 0;
		if (buf[i] != o && buf[i] != d && !(i >= c->size && !buf[i]))
			break;
	}
	free(buf);
	if (i < end && i < n)
		return bad("%s: byte %ld is neither old data nor the write (size %ld)",
			   path, i, n);
	if (orig && n == c->size)
		st = ST_BEFORE;
	else if (done && n == nsize)
		st = ST_DONE;
	else
		st = ST_MID;
	return st;
}

/* A new file of the op's pattern: absent, empty, partly or fully there. */
static int cls_new(const char *path, int op, long len)
{
	struct content p = { pat_id(op), len, 0 };
	unsigned char *buf;
	long n, i;
	int r;

	r = present(path, NULL);
	if (r <= 0)
		return r < 0 ? ST_BAD : ST_BEFORE;
	buf = read_all(path, &n);
	if (!buf)
		return bad("%s: read: %s", path, strerror(errno));
	for (i = 0; i < n; i++)
		if (buf[i] != cbyte(&p, i) && buf[i])
			break;
	free(buf);
	if (n > len || i < n)
		return bad("%s: byte %ld is not what was written", path, i);
	return n == len && !file_is(path, &p, 0644) ? ST_DONE : ST_MID;
}

/* Directory listing: names (not . ..), sorted, joined by ' '. */
static int listing(const char *path, char *out, size_t size)
{
	struct dirent **ents;
	int n, i;
	size_t len = 0;

	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0)
		return bad("scandir %s: %s", path, strerror(errno));
	out[0] = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, ".."))
			len += snprintf(out + len, size - len, "%s%s",
					len ? " " : "", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return 0;
}

/*
 * The tree t at path: 1 complete and unchanged, 0 absent, 2 a subset
 * (allowed only when subset is set: a removal under way), -1 otherwise.
 */
static int cls_tree(const char *path, int op, const struct tentry *t,
		    int subset)
{
	char p[PATH_MAX], l[1024];
	struct stat st;
	int i, r, seen = 0, want = 0, sub_seen = 0;

	r = present(path, &st);
	if (r <= 0)
		return r;
	if (!S_ISDIR(st.st_mode))
		return bad("%s: not a directory", path);
	for (i = 0; t[i].path; i++) {
		struct content c = tcontent(op, t, i);

		want++;
		pathf(p, "%s/%s", path, t[i].path);
		r = present(p, NULL);
		if (r < 0)
			return -1;
		if (!r)
			continue;
		if (file_is(p, &c, 0644))
			return -1;
		seen++;
		sub_seen |= !!strchr(t[i].path, '/');
	}
	/* Nothing else is listed: no whiteout, no stranger. */
	if (listing(path, l, sizeof(l)))
		return -1;
	for (char *s = strtok(l, " "); s; s = strtok(NULL, " ")) {
		for (i = 0; t[i].path; i++)
			if (!strncmp(t[i].path, s, strlen(s)) &&
			    (t[i].path[strlen(s)] == 0 || t[i].path[strlen(s)] == '/'))
				break;
		if (!t[i].path)
			return bad("%s: unexpected name \"%s\"", path, s);
	}
	pathf(p, "%s/sub", path);
	r = present(p, NULL);
	if (r < 0)
		return -1;
	if (r && listing(p, l, sizeof(l)) == 0 && !sub_seen && l[0])
		return bad("%s/sub: unexpected names \"%s\"", path, l);
	if (seen == want && r)
		return 1;
	if (subset)
		return 2;
	return bad("%s: %d of %d names (a directory lost its lower contents)",
		   path, seen, want);
}

/* The op directory lists exactly one of the allowed sets of names. */
static int names_are(const char *dir, const char *const *allowed)
{
	char l[1024];

	if (listing(dir, l, sizeof(l)))
		return -1;
	for (; *allowed; allowed++)
		if (!strcmp(l, *allowed))
			return 0;
	return bad("%s lists \"%s\"", dir, l);
}

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Hard links still one file: a write through one name shows in the other. */
static int one_file(const char *a, const char *b)
{
	struct stat sa, sb;
	unsigned char x = 0x5a, y = 0;
	int fd;

	if (stat(a, &sa) || stat(b, &sb))
		return bad("stat %s: %s", a, strerror(errno));
	if (sa.st_ino != sb.st_ino || sa.st_mode != sb.st_mode)
		return bad("%s and %s: inode %lu/%lu mode %o/%o: the hard link split",
			   a, b, (unsigned long)sa.st_ino, (unsigned long)sb.st_ino,
			   sa.st_mode, sb.st_mode);
	fd = open(b, O_WRONLY);
	if (fd < 0 || pwrite(fd, &x, 1, 0) != 1 || close(fd))
		return bad("write %s: %s", b, strerror(errno));
	fd = open(a, O_RDONLY);
	if (fd < 0 || pread(fd, &y, 1, 0) != 1 || close(fd))
		return bad("read %s: %s", a, strerror(errno));
	if (y != x)
		return bad("a write through %s does not show in %s: the hard link split",
			   b, a);
	return 0;
}

static int check_rename(const char *dir, const char *from, const char *to,
			const struct content *c)
{
	char p[PATH_MAX], q[PATH_MAX];
	int a, b;

	pathf(p, "%s/%s", dir, from);
	pathf(q, "%s/%s", dir, to);
	a = present(p, NULL);
	b = present(q, NULL);
	if (a < 0 || b < 0)
		return ST_BAD;
	if (a == b)
		return bad("%s and %s: %s", from, to, a ? "both present" : "both missing");
	if (file_is(a ? p : q, c, 0644))
		return ST_BAD;
	return a ? ST_BEFORE : ST_DONE;
}

static int check_op(const char *mnt, int op)
{
	const struct opdef *o = &ops[op];
	struct content c1 = { obj_id(op, 1), o->size, o->k == K_SPARSE };
	struct content c2 = { obj_id(op, 2), o->size / 3 + 17, 0 };
	char dir[PATH_MAX], p[PATH_MAX], q[PATH_MAX];
	struct stat st;
	int r, s;

	pathf(dir, "%s/o%02d", mnt, op);
	pathf(p, "%s/f", dir);
	switch (o->k) {
	case K_WRITE: case K_SPARSE:
		if (names_are(dir, NAMES("f")))
			return ST_BAD;
		return cls_write(p, &c1, op, 0644);
	case K_CHMOD:
		if (names_are(dir, NAMES("f")) || lstat(p, &st))
			return ST_BAD;
		s = (st.st_mode & 07777) == 0600 ? ST_DONE : ST_BEFORE;
		return file_is(p, &c1, s == ST_DONE ? 0600 : 0644) ? ST_BAD : s;
	case K_CHMOD_WRITE:
		if (names_are(dir, NAMES("f")) || lstat(p, &st))
			return ST_BAD;
		if ((st.st_mode & 07777) == 0644)
			return file_is(p, &c1, 0644) ? ST_BAD : ST_BEFORE;
		s = cls_write(p, &c1, op, 0755);
		return s == ST_BEFORE ? ST_MID : s;
	case K_TRUNC: case K_TRUNC_GROW:
		if (names_are(dir, NAMES("f")) || lstat(p, &st))
			return ST_BAD;
		if (st.st_size == o->size)
			return file_is(p, &c1, 0644) ? ST_BAD : ST_BEFORE;
		c1.size = o->k == K_TRUNC ? 2 * MiB + 7 : 3 * MiB;
		if (o->k == K_TRUNC)
			return file_is(p, &c1, 0644) ? ST_BAD : ST_DONE;
		/* Grown: the old data, then zeros. */
		{
			unsigned char *buf;
			long n, i;

			buf = read_all(p, &n);
			if (!buf || n != 3 * MiB)
				return bad("%s: size %ld", p, buf ? n : -1L);
			c1.size = o->size;
			i = cdiff(buf, &c1, 0, n);
			free(buf);
			if (i >= 0)
				return bad("%s: byte %ld wrong after growing", p, i);
		}
		return ST_DONE;
	case K_OTRUNC:
		if (names_are(dir, NAMES("f")))
			return ST_BAD;
		if (!file_is(p, &c1, 0644))
			return ST_BEFORE;
		return cls_new(p, op, NEWLEN);
	case K_RENAME:
		if (names_are(dir, NAMES("a", "b")))
			return ST_BAD;
		return check_rename(dir, "a", "b", &c1);
	case K_SYMLINK_RENAME: {
		char t[64], want[64];
		ssize_t n;

		if (names_are(dir, NAMES("s", "t")))
			return ST_BAD;
		pathf(p, "%s/s", dir);
		r = present(p, NULL);
		if (!r)
			pathf(p, "%s/t", dir);
		n = readlink(p, t, sizeof(t) - 1);
		snprintf(want, sizeof(want), "target-%02d", op);
		if (n < 0 || (t[n] = 0, strcmp(t, want)))
			return bad("%s: not the symlink", p);
		return r ? ST_BEFORE : ST_DONE;
	}
	case K_RENAME_OVER:
		pathf(q, "%s/c", dir);
		pathf(p, "%s/a", dir);
		if (names_are(dir, NAMES("a c", "c")))
			return ST_BAD;
		if (present(p, NULL))
			return file_is(p, &c1, 0644) || file_is(q, &c2, 0644) ?
			       ST_BAD : ST_BEFORE;
		return file_is(q, &c1, 0644) ? ST_BAD : ST_DONE;
	case K_RENAME_OVER_WH:
		c1.size = 20 * KiB;
		c2.size = 30 * KiB;
		pathf(p, "%s/a", dir);
		pathf(q, "%s/c", dir);
		if (names_are(dir, NAMES("a c", "c", "a")))
			return ST_BAD;
		if (!present(q, NULL))
			return file_is(p, &c2, 0644) ? ST_BAD : ST_DONE;
		if (file_is(q, &c2, 0644))
			return ST_BAD;
		if (!present(p, NULL))
			return ST_MID;	/* the whiteout is made, not the rename */
		return file_is(p, &c1, 0644) ? ST_BAD : ST_BEFORE;
	case K_XCHG:
		pathf(p, "%s/a", dir);
		pathf(q, "%s/c", dir);
		if (names_are(dir, NAMES("a c")))
			return ST_BAD;
		if (!file_is(p, &c1, 0644))
			return file_is(q, &c2, 0644) ? ST_BAD : ST_BEFORE;
		return file_is(p, &c2, 0644) || file_is(q, &c1, 0644) ?
		       ST_BAD : ST_DONE;
	case K_XCHG_DIR:
		c1.size = 50 * KiB;
		pathf(p, "%s/a", dir);
		pathf(q, "%s/d", dir);
		if (names_are(dir, NAMES("a d")) || lstat(p, &st))
			return ST_BAD;
		if (S_ISREG(st.st_mode))
			return file_is(p, &c1, 0644) ||
			       cls_tree(q, op, tree_b, 0) != 1 ? ST_BAD : ST_BEFORE;
		return file_is(q, &c1, 0644) ||
		       cls_tree(p, op, tree_b, 0) != 1 ? ST_BAD : ST_DONE;
	case K_RENAME_DIR: case K_RENAME_DIR_OVER: {
		const struct tentry *t = o->k == K_RENAME_DIR ? tree_a : tree_b;
		int a, b;

		pathf(p, "%s/d", dir);
		pathf(q, "%s/e", dir);
		if (names_are(dir, o->k == K_RENAME_DIR ? NAMES("d", "e") :
			      NAMES("d e", "e")))
			return ST_BAD;
		a = cls_tree(p, op, t, 0);
		if (a < 0)
			return ST_BAD;
		if (a == 1) {
			if (o->k == K_RENAME_DIR_OVER &&
			    (listing(q, p, sizeof(p)) || p[0]))
				return bad("%s/e: not empty before the rename", dir);
			return ST_BEFORE;
		}
		b = cls_tree(q, op, t, 0);
		return b == 1 ? ST_DONE : bad("%s: e is not the full d", dir);
	}
	case K_RENAME_DIR_INTO: {
		struct content cq = { obj_id(op, 1), 1000, 0 };
		int a, b;

		pathf(p, "%s/p/q", dir);
		if (names_are(dir, NAMES("d p", "p")) || file_is(p, &cq, 0644))
			return ST_BAD;
		pathf(p, "%s/d", dir);
		pathf(q, "%s/p/d", dir);
		a = cls_tree(p, op, tree_b, 0);
		b = cls_tree(q, op, tree_b, 0);
		if (a < 0 || b < 0)
			return ST_BAD;
		if (a + b != 1)
			return bad("d and p/d: %s", a ? "both" : "neither");
		pathf(p, "%s/p", dir);
		if (names_are(p, a ? NAMES("q") : NAMES("d q")))
			return ST_BAD;
		return a ? ST_BEFORE : ST_DONE;
	}
	case K_RENAME_DIR_WRITE: {
		struct content cx = tcontent(op, tree_b, 0);
		int a;

		pathf(p, "%s/d", dir);
		if (names_are(dir, NAMES("d", "e")))
			return ST_BAD;
		a = cls_tree(p, op, tree_b, 0);
		if (a < 0)
			return ST_BAD;
		if (a == 1)
			return ST_BEFORE;
		pathf(q, "%s/e/sub/y", dir);
		{
			struct content cy = tcontent(op, tree_b, 1);

			if (file_is(q, &cy, 0644))
				return ST_BAD;
		}
		pathf(q, "%s/e", dir);
		if (names_are(q, NAMES("sub x")))
			return ST_BAD;
		pathf(q, "%s/e/x", dir);
		s = cls_write(q, &cx, op, 0644);
		return s == ST_BEFORE ? ST_MID : s;
	}
	case K_UNLINK:
		pathf(p, "%s/a", dir);
		if (names_are(dir, NAMES("", "a")))
			return ST_BAD;
		if (!present(p, NULL))
			return ST_DONE;
		return file_is(p, &c1, 0644) ? ST_BAD : ST_BEFORE;
	case K_UNLINK_COPIED:
		if (names_are(dir, NAMES("", "f")))
			return ST_BAD;
		if (!present(p, NULL))
			return ST_DONE;
		s = cls_write(p, &c1, op, 0644);
		return s == ST_DONE ? ST_MID : s;
	case K_RMTREE:
		pathf(p, "%s/d", dir);
		if (names_are(dir, NAMES("", "d")))
			return ST_BAD;
		r = cls_tree(p, op, tree_a, 1);
		return r < 0 ? ST_BAD : r == 0 ? ST_DONE : r == 1 ? ST_BEFORE : ST_MID;
	case K_OPAQUE: {
		char l[256];

		pathf(p, "%s/d", dir);
		if (names_are(dir, NAMES("", "d")))
			return ST_BAD;
		r = present(p, &st);
		if (r < 0)
			return ST_BAD;
		if (!r)
			return ST_MID;
		if (!S_ISDIR(st.st_mode))
			return bad("%s: not a directory", p);
		if (listing(p, l, sizeof(l)))
			return ST_BAD;
		if (strstr(l, "n")) {
			/* The new directory: opaque, only the new file. */
			if (strcmp(l, "n"))
				return bad("%s: the new directory lists \"%s\": not opaque", p, l);
			pathf(p, "%s/d/n", dir);
			return cls_new(p, op, NEWLEN);
		}
		r = cls_tree(p, op, tree_a, 1);
		return r < 0 ? ST_BAD : r == 1 ? ST_BEFORE : ST_MID;
	}
	case K_MKDIR_OVER: {
		char l[256];

		c1.size = 10 * KiB;
		pathf(p, "%s/a", dir);
		if (names_are(dir, NAMES("", "a")))
			return ST_BAD;
		r = present(p, &st);
		if (r <= 0)
			return r < 0 ? ST_BAD : ST_MID;
		if (S_ISREG(st.st_mode))
			return file_is(p, &c1, 0644) ? ST_BAD : ST_BEFORE;
		if (!S_ISDIR(st.st_mode) || listing(p, l, sizeof(l)))
			return bad("%s: not a file, not a directory", p);
		if (!strcmp(l, ""))
			return ST_MID;
		if (strcmp(l, "n"))
			return bad("%s lists \"%s\"", p, l);
		return ST_DONE;
	}
	case K_HL_WRITE: case K_HL_CHMOD:
		pathf(p, "%s/h1", dir);
		pathf(q, "%s/h2", dir);
		if (names_are(dir, NAMES("h1 h2")) || lstat(p, &st))
			return ST_BAD;
		if (o->k == K_HL_WRITE) {
			s = cls_write(p, &c1, op, 0644);
			r = cls_write(q, &c1, op, 0644);
		} else {
			s = (st.st_mode & 07777) == 0600 ? ST_DONE : ST_BEFORE;
			r = file_is(p, &c1, s == ST_DONE ? 0600 : 0644) ? ST_BAD : s;
			if (r != ST_BAD)
				r = file_is(q, &c1, s == ST_DONE ? 0600 : 0644) ?
				    ST_BAD : s;
		}
		if (s == ST_BAD || r == ST_BAD)
			return ST_BAD;
		if (s != r)
			return bad("h1 is %s, h2 is %s: the hard link split",
				   state_name[s], state_name[r]);
		/* Last: this writes to the union. */
		return one_file(p, q) ? ST_BAD : s;
	case K_CREATE: {
		struct content co = { obj_id(op, 1), 100, 0 };

		pathf(p, "%s/other", dir);
		if (names_are(dir, NAMES("other", "n other")) ||
		    file_is(p, &co, 0644))
			return ST_BAD;
		pathf(p, "%s/n", dir);
		return cls_new(p, op, CREATELEN);
	}
	}
	return bad("unknown op");
}

static int cmd_verify(const char *mnt, unsigned long seed, int done)
{
	int perm[NOPS], pos[NOPS], count[3] = { 0, 0, 0 }, failed = 0, i;

	order(seed, perm);
	for (i = 0; i < NOPS; i++)
		pos[perm[i]] = i;
	for (i = 0; i < NOPS; i++) {
		int s;

		errbuf[0] = 0;
		s = check_op(mnt, i);
		if (s >= 0 && pos[i] < done && s != ST_DONE) {
			bad("synced (done %d) but shows the state %s", pos[i] + 1,
			    state_name[s]);
			s = ST_BAD;
		}
		if (s < 0) {
			printf("# FAIL o%02d %s (position %d): %s\n", i,
			       kind_name[ops[i].k], pos[i] + 1, errbuf);
			failed++;
			continue;
		}
		count[s]++;
		printf("# o%02d %-20s position %2d: %s\n", i, kind_name[ops[i].k],
		       pos[i] + 1, state_name[s]);
	}
	printf("%s - union consistent after the power cut: %d ops after, %d in between, %d before, %d wrong (%d confirmed done)\n",
	       failed ? "not ok" : "ok", count[ST_DONE], count[ST_MID],
	       count[ST_BEFORE], failed, done);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "inflight")) {
		int perm[NOPS], done = atoi(argv[3]);

		order(strtoul(argv[2], NULL, 0), perm);
		if (done >= 0 && done < NOPS)
			printf("o%02d %s\n", perm[done], kind_name[ops[perm[done]].k]);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "ops")) {
		printf("%d\n", NOPS);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "gen"))
		return cmd_gen(argv[2], 0);
	if (argc == 3 && !strcmp(argv[1], "lowers"))
		return cmd_gen(argv[2], 1);
	if (argc == 4 && !strcmp(argv[1], "work"))
		cmd_work(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "verify"))
		return cmd_verify(argv[2], strtoul(argv[3], NULL, 0),
				  atoi(argv[4]));
	fprintf(stderr, "usage: lfs-crash gen DIR | lowers DIR | work MNT SEED |\n"
		"       verify MNT SEED DONE\n");
	return 2;
}
