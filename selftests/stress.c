// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: several processes change a writable union at random for a
 * bounded time, every result checked against a model (fsx style).
 *
 * The two lower layers hold a real tree per worker (w<k>/): a merged
 * directory, files of several sizes (one sparse), a file overriding a
 * lower one, a whiteout, an opaque directory, three hard links to one
 * file, symlinks and user.* xattrs.  Each worker owns its w<k>/ alone, so
 * its model is exact without locking: it loads the model from the lower
 * layers themselves (its own small merge of l0 over l1), then does a seeded
 * random sequence of create, pwrite, truncate (grow and shrink), shared
 * mmap writes with msync, rename (over files and empty directories, and
 * the errors POSIX asks for), unlink, link, symlink, mkdir, rmdir,
 * setxattr/removexattr, chmod and readdir.  After every change the names
 * involved are checked: type, mode, size, st_ino (stable across copy-up),
 * st_nlink (lower hard links included),
 * xattrs and the whole content by read(2) and now and then by mmap; a
 * descriptor opened earlier (often before the copy-up) must see the data
 * written since.  One more process walks the whole union at the same time
 * (readdir, lstat, read) and checks that no whiteout or work-directory name
 * ever shows.
 *
 * At the end the merged tree must equal the workers' models (names, types,
 * modes, sizes, contents, symlink targets, xattrs, link counts, which names
 * share an inode), again after a remount, and the lower layers must be
 * unchanged.
 *
 * Environment: LFS_STRESS_SECONDS (default 15), LFS_STRESS_SEED (default:
 * from the clock; printed, so a failing run can be replayed: each worker's
 * sequence depends only on the seed), LFS_STRESS_WORKERS (default 3).
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
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "lfs_wr.h"

#define MAXW		8		/* workers */
#define MAXN		400		/* names per worker */
#define MAXI		2000		/* inodes per worker (never reused) */
#define MAXSZ		(256 * 1024)	/* largest file */
#define MAXX		6		/* user xattrs per inode */
#define PLEN		120		/* path length in a worker's tree */
#define MAXDEPTH	4

/* ---------------------------------------------------------------- */
/* The model of one worker's tree                                    */

enum { T_REG = 'f', T_DIR = 'd', T_LNK = 'l' };

struct minode {
	int type;
	mode_t mode;
	unsigned char *data;		/* T_REG */
	size_t size;
	char target[64];		/* T_LNK */
	int nx;
	char xn[MAXX][24], xv[MAXX][40];
	int nlink;			/* names in the model */
	int lower;			/* a lower object not changed yet */
	ino_t ino;			/* st_ino seen first; 0: not yet */
};

struct mname {
	char path[PLEN];		/* relative to w<k>; "" is the root */
	int ino;			/* index in inodes; -1: free slot */
};

struct model {
	struct mname names[MAXN];
	struct minode inodes[MAXI];
	int ninodes;
};

static struct lfs_wr W;
static int nworkers = 3;
static uint64_t seed;
static time_t deadline;

/* Counters of every process, in memory shared with the parent. */
struct counts {
	long ops[MAXW + 1];
	long checks[MAXW + 1];
	long copyups[MAXW + 1];
};
static struct counts *cnt;

static const char *phase = "";	/* for a signal's report */
static int me;				/* worker index; nworkers = scanner */
static uint64_t rng;
static char oplog[16][200];
static long nop;
static int myns;			/* the namespace a worker changes */

/* Namespace NS: worker NS % nworkers, round NS / nworkers. */
static const char *nsname(int ns)
{
	static char b[4][32];
	static int i;
	char *p = b[i++ % 4];

	snprintf(p, 32, "w%dr%d", ns % nworkers, ns / nworkers);
	return p;
}

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int rn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static void logop(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void logop(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(oplog[nop % 16], sizeof(oplog[0]), fmt, ap);
	va_end(ap);
	nop++;
	cnt->ops[me]++;
}

/* A check failed: say what, the last operations, and stop this worker. */
static void fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	long i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "# stress w%d in %s (seed %llu, op %ld): %s\n", me,
		nsname(myns), (unsigned long long)seed, nop, msg);
	for (i = nop > 16 ? nop - 16 : 0; i < nop; i++)
		fprintf(stderr, "#   op %ld: %s\n", i, oplog[i % 16]);
	fflush(stderr);
	_exit(1);
}

static uint64_t fnv(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static const char *upath(int k, const char *rel)
{
	static char b[4][PATH_MAX];
	static int i;
	char *p = b[i++ % 4];

	snprintf(p, PATH_MAX, "%s/%s%s%s", W.c.mnt, nsname(k),
		 *rel ? "/" : "", rel);
	return p;
}

#define MP(rel) upath(myns, rel)

static int find(struct model *m, const char *path)
{
	int i;

	for (i = 0; i < MAXN; i++)
		if (m->names[i].ino >= 0 && !strcmp(m->names[i].path, path))
			return i;
	return -1;
}

static struct minode *ino_of(struct model *m, const char *path)
{
	int i = find(m, path);

	return i < 0 ? NULL : &m->inodes[m->names[i].ino];
}

/*
 * A read-only descriptor kept open across other operations (op_held);
 * its inode stays in the model while it is open.
 */
static int held_fd = -1, held_ino;

/*
 * A regular file's data in the model: MAXSZ of address space, of which
 * only what was ever written is memory.
 */
static unsigned char *new_data(void)
{
	void *p = mmap(NULL, MAXSZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("out of memory");
	return p;
}

static int inode_room(struct model *m)
{
	int i;

	for (i = 0; i < m->ninodes; i++)
		if (!m->inodes[i].nlink && (held_fd < 0 || i != held_ino))
			return 1;
	return m->ninodes < MAXI;
}

/* The first change of a lower object: the one that copies it up. */
static void changed(struct minode *in)
{
	if (in->lower)
		cnt->copyups[me]++;
	in->lower = 0;
}

/* A fresh inode, in the slot of one no name and no descriptor uses. */
static int new_inode(struct model *m, int type, mode_t mode)
{
	struct minode *in;
	int i;

	for (i = 0; i < m->ninodes; i++)
		if (!m->inodes[i].nlink && (held_fd < 0 || i != held_ino))
			break;
	if (i == MAXI)
		return -1;
	in = &m->inodes[i];
	if (in->data)
		munmap(in->data, MAXSZ);
	memset(in, 0, sizeof(*in));
	in->type = type;
	in->mode = mode;
	in->lower = 1;
	if (type == T_REG)
		in->data = new_data();
	if (i == m->ninodes)
		m->ninodes++;
	return i;
}

static int add_name(struct model *m, const char *path, int ino)
{
	int i;

	for (i = 0; i < MAXN; i++)
		if (m->names[i].ino < 0) {
			snprintf(m->names[i].path, PLEN, "%s", path);
			m->names[i].ino = ino;
			m->inodes[ino].nlink++;
			return i;
		}
	return -1;
}

static void drop_name(struct model *m, int i)
{
	m->inodes[m->names[i].ino].nlink--;
	m->names[i].ino = -1;
}

static int free_names(struct model *m)
{
	int i, n = 0;

	for (i = 0; i < MAXN; i++)
		n += m->names[i].ino < 0;
	return n;
}

/* Is PATH strictly below DIR? ("" is the root.) */
static int below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!n)
		return *path != '\0';
	return !strncmp(path, dir, n) && path[n] == '/';
}

static int is_child(const char *path, const char *dir)
{
	return below(path, dir) && !strchr(path + (*dir ? strlen(dir) + 1 : 0),
					   '/');
}

static int has_children(struct model *m, const char *dir)
{
	int i;

	for (i = 0; i < MAXN; i++)
		if (m->names[i].ino >= 0 && below(m->names[i].path, dir))
			return 1;
	return 0;
}

static int depth(const char *path)
{
	int d = *path ? 1 : 0;

	for (; *path; path++)
		d += *path == '/';
	return d;
}

static void join(char *out, const char *dir, const char *name)
{
	snprintf(out, PLEN, "%s%s%s", dir, *dir ? "/" : "", name);
}

/* ---------------------------------------------------------------- */
/* Loading the model from the lower layers                          */

static int is_opaque(const char *path)
{
	char v[4];
	ssize_t n = lgetxattr(path, "trusted.layerfs.opaque", v, sizeof(v));

	if (n == 1 && v[0] == 'y')
		return 1;
	n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

static void load_xattrs(struct minode *in, const char *path)
{
	char list[1024];
	ssize_t n = llistxattr(path, list, sizeof(list)), i;

	for (i = 0; n > 0 && i < n; i += strlen(list + i) + 1) {
		ssize_t vn;

		if (strncmp(list + i, "user.", 5) || in->nx >= MAXX)
			continue;
		snprintf(in->xn[in->nx], sizeof(in->xn[0]), "%s", list + i);
		vn = lgetxattr(path, list + i, in->xv[in->nx],
			       sizeof(in->xv[0]) - 1);
		if (vn < 0)
			vn = 0;
		in->xv[in->nx][vn] = '\0';
		in->nx++;
	}
}

struct lowerino {
	dev_t dev;
	ino_t ino;
	int idx;
};

/* The model inode of a lower object, shared by its hard links. */
static int lower_inode(struct model *m, const char *path,
		       const struct stat *st, struct lowerino *seen, int *nseen)
{
	struct minode *in;
	int i, idx;

	for (i = 0; i < *nseen; i++)
		if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
			return seen[i].idx;
	idx = new_inode(m, S_ISDIR(st->st_mode) ? T_DIR :
			S_ISLNK(st->st_mode) ? T_LNK : T_REG,
			st->st_mode & 07777);
	in = &m->inodes[idx];
	in->ino = st->st_ino;
	if (S_ISREG(st->st_mode)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		in->size = st->st_size;
		if (fd < 0 || st->st_size > MAXSZ ||
		    pread(fd, in->data, in->size, 0) != (ssize_t)in->size)
			fail("load %s", path);
		close(fd);
	} else if (S_ISLNK(st->st_mode)) {
		if (readlink(path, in->target, sizeof(in->target) - 1) < 0)
			fail("readlink %s", path);
	}
	if (!S_ISLNK(st->st_mode))
		load_xattrs(in, path);
	seen[*nseen].dev = st->st_dev;
	seen[*nseen].ino = st->st_ino;
	seen[(*nseen)++].idx = idx;
	return idx;
}

/*
 * The merged directory REL of worker K, from the layers in MASK (bit i:
 * lower i may contribute): l0 over l1, whiteouts hide, a non-directory
 * or an opaque directory ends the merge.
 */
static void load_dir(struct model *m, int k, const char *rel, int mask,
		     struct lowerino *seen, int *nseen)
{
	char done[64][64];
	int ndone = 0, layer;

	for (layer = 0; layer < LFS_WR_NLOWER; layer++) {
		const char *dpath;
		struct dirent *de;
		DIR *d;

		if (!(mask & (1 << layer)))
			continue;
		dpath = lfs_wl(&W, layer, "%s%s%s", nsname(k),
			       *rel ? "/" : "", rel);
		d = opendir(dpath);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char p[PATH_MAX], child[PLEN];
			struct stat st;
			int i, idx, cmask, l;

			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			for (i = 0; i < ndone; i++)
				if (!strcmp(done[i], de->d_name))
					break;
			if (i < ndone)
				continue;
			snprintf(done[ndone++], 64, "%s", de->d_name);
			snprintf(p, sizeof(p), "%s/%s", dpath, de->d_name);
			if (lstat(p, &st))
				fail("lstat %s", p);
			if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
				continue;	/* whiteout */
			join(child, rel, de->d_name);
			idx = lower_inode(m, p, &st, seen, nseen);
			add_name(m, child, idx);
			if (!S_ISDIR(st.st_mode))
				continue;
			/* The layers below this one that merge into it. */
			cmask = 0;
			for (l = layer; l < LFS_WR_NLOWER; l++) {
				struct stat ls;
				const char *lp;

				if (!(mask & (1 << l)))
					continue;
				lp = lfs_wl(&W, l, "%s/%s", nsname(k), child);
				if (lstat(lp, &ls))
					continue;
				if (!S_ISDIR(ls.st_mode))
					break;
				cmask |= 1 << l;
				if (is_opaque(lp))
					break;
			}
			load_dir(m, k, child, cmask, seen, nseen);
		}
		closedir(d);
		/* An opaque directory hides the rest. */
		if (is_opaque(dpath))
			break;
	}
}

static struct model *load_model(int k)
{
	static struct lowerino seen[MAXI];
	struct model *m = calloc(1, sizeof(*m));
	struct stat st;
	int nseen = 0, i;

	if (!m)
		fail("out of memory");
	for (i = 0; i < MAXN; i++)
		m->names[i].ino = -1;
	if (lstat(lfs_wl(&W, 0, "%s", nsname(k)), &st))
		fail("no l0/%s", nsname(k));
	add_name(m, "", lower_inode(m, lfs_wl(&W, 0, "%s", nsname(k)), &st,
				     seen, &nseen));
	load_dir(m, k, "", 3, seen, &nseen);
	return m;
}

/* ---------------------------------------------------------------- */
/* Records of a tree (model or union) for the final comparison       */

struct rec {
	char key[PLEN + 400];		/* path|type|mode|size|hash|target|x */
	long nlink;			/* -1: not compared */
	unsigned long long id;		/* model inode or st_ino */
};

static void xattr_str(char *out, size_t len, int nx, char xn[][24],
		      char xv[][40])
{
	int order[MAXX], i, j, n = 0;

	for (i = 0; i < nx; i++)
		order[i] = i;
	for (i = 0; i < nx; i++)
		for (j = i + 1; j < nx; j++)
			if (strcmp(xn[order[j]], xn[order[i]]) < 0) {
				int t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
	out[0] = '\0';
	for (i = 0; i < nx; i++)
		n += snprintf(out + n, len - n, "%s=%s;", xn[order[i]],
			      xv[order[i]]);
}

static int model_recs(struct model *m, struct rec *r)
{
	int i, n = 0;

	for (i = 0; i < MAXN; i++) {
		struct minode *in;
		char x[300];

		if (m->names[i].ino < 0)
			continue;
		in = &m->inodes[m->names[i].ino];
		xattr_str(x, sizeof(x), in->nx, in->xn, in->xv);
		snprintf(r[n].key, sizeof(r[n].key),
			 "%s|%c|%o|%zu|%llx|%s|%s", m->names[i].path,
			 in->type, in->type == T_LNK ? 0777 : in->mode,
			 in->type == T_DIR ? 0 : in->type == T_LNK ?
			 strlen(in->target) : in->size,
			 in->type == T_REG ? (unsigned long long)
			 fnv(in->data, in->size) : 0ULL, in->target, x);
		r[n].nlink = in->type == T_DIR ? -1 : in->nlink;
		r[n].id = m->names[i].ino;
		n++;
	}
	return n;
}

/* The actual records of the subtree ROOT/REL, appended at R[*n]. */
static int tree_recs(const char *root, const char *rel, struct rec *r,
		     int *n, int max)
{
	char p[PATH_MAX], x[300], list[1024], tgt[64] = "";
	char xn[MAXX][24], xv[MAXX][40];
	unsigned long long h = 0;
	struct stat st;
	ssize_t ln, i;
	int nx = 0;

	snprintf(p, sizeof(p), "%s%s%s", root, *rel ? "/" : "", rel);
	if (lstat(p, &st) || *n >= max)
		return -1;
	if (S_ISREG(st.st_mode)) {
		unsigned char *buf = malloc(MAXSZ + 1);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		ssize_t got = fd < 0 ? -1 : pread(fd, buf, MAXSZ + 1, 0);

		if (fd >= 0)
			close(fd);
		h = got < 0 ? 0 : fnv(buf, got);
		free(buf);
	} else if (S_ISLNK(st.st_mode)) {
		if (readlink(p, tgt, sizeof(tgt) - 1) < 0)
			snprintf(tgt, sizeof(tgt), "!E%d", errno);
	}
	ln = llistxattr(p, list, sizeof(list));
	for (i = 0; ln > 0 && i < ln; i += strlen(list + i) + 1) {
		ssize_t vn;

		if (strncmp(list + i, "user.", 5) || nx >= MAXX)
			continue;
		snprintf(xn[nx], sizeof(xn[0]), "%s", list + i);
		vn = lgetxattr(p, list + i, xv[nx], sizeof(xv[0]) - 1);
		xv[nx][vn < 0 ? 0 : vn] = '\0';
		nx++;
	}
	xattr_str(x, sizeof(x), nx, xn, xv);
	snprintf(r[*n].key, sizeof(r[*n].key), "%s|%c|%o|%lld|%llx|%s|%s",
		 rel, S_ISDIR(st.st_mode) ? T_DIR : S_ISLNK(st.st_mode) ?
		 T_LNK : S_ISREG(st.st_mode) ? T_REG : '?',
		 st.st_mode & 07777, S_ISDIR(st.st_mode) ? 0LL :
		 (long long)st.st_size, h, tgt, x);
	r[*n].nlink = st.st_nlink;
	r[*n].id = st.st_ino;
	(*n)++;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(p);
		struct dirent *de;

		if (!d)
			return -1;
		while ((de = readdir(d))) {
			char child[PLEN];

			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			join(child, rel, de->d_name);
			if (tree_recs(root, child, r, n, max)) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	}
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->key,
		      ((const struct rec *)b)->key);
}

/* Compare; prints up to 10 differences as diagnostics; 0 if equal. */
static int compare_recs(int k, struct rec *want, int nw, struct rec *got,
			int ng)
{
	int i, j, bad = 0;

	qsort(want, nw, sizeof(*want), cmp_rec);
	qsort(got, ng, sizeof(*got), cmp_rec);
	for (i = 0, j = 0; i < nw || j < ng;) {
		int c = i >= nw ? 1 : j >= ng ? -1 :
			strcmp(want[i].key, got[j].key);

		if (c && bad++ < 10) {
			if (c < 0)
				printf("#  %s want %s (not there)\n", nsname(k),
				       want[i].key);
			else
				printf("#  %s got  %s (not in the model)\n",
				       nsname(k), got[j].key);
		}
		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0) {
			j++;
			continue;
		}
		if (want[i].nlink >= 0 && want[i].nlink != got[j].nlink &&
		    bad++ < 10)
			printf("#  %s %s: st_nlink %ld, want %ld\n", nsname(k),
			       want[i].key, got[j].nlink, want[i].nlink);
		i++;
		j++;
	}
	if (bad)
		return bad;
	/* Names share an inode in the union iff they do in the model. */
	for (i = 0; i < nw; i++)
		for (j = i + 1; j < nw; j++)
			if ((want[i].id == want[j].id) !=
			    (got[i].id == got[j].id) && bad++ < 10)
				printf("#  %s %.40s and %.40s: %s inode in the union\n",
				       nsname(k), want[i].key, want[j].key,
				       want[i].id == want[j].id ?
				       "not the same" : "the same");
	return bad;
}

/* Compare worker K's part of the union with model M. */
static int check_tree(int k, struct model *m)
{
	static struct rec want[MAXN], got[MAXN + 64];
	int nw = model_recs(m, want), ng = 0;
	char root[PATH_MAX];

	snprintf(root, sizeof(root), "%s/%s", W.c.mnt, nsname(k));
	if (tree_recs(root, "", got, &ng, MAXN + 64)) {
		printf("#  %s: walking the union failed (%s)\n", nsname(k),
		       strerror(errno));
		return 1;
	}
	return compare_recs(k, want, nw, got, ng);
}

/* The model as a file, so the parent can check what a worker left. */
static void save_model(struct model *m, const char *path)
{
	FILE *f = fopen(path, "w");
	int i, j;

	if (!f)
		fail("save model: %s", strerror(errno));
	fprintf(f, "%d\n", m->ninodes);
	for (i = 0; i < m->ninodes; i++) {
		struct minode *in = &m->inodes[i];

		fprintf(f, "%c %o %zu %d %lu %d [%s]\n", in->type, in->mode,
			in->size, in->nlink, (unsigned long)in->ino, in->nx,
			in->target);
		for (j = 0; j < in->nx; j++)
			fprintf(f, "%s %s\n", in->xn[j], in->xv[j]);
		if (in->type == T_REG && in->nlink > 0 &&
		    fwrite(in->data, 1, in->size, f) != in->size)
			fail("save model data");
		if (in->type == T_REG)
			fputc('\n', f);
	}
	for (i = 0; i < MAXN; i++)
		if (m->names[i].ino >= 0)
			fprintf(f, "%d [%s]\n", m->names[i].ino,
				m->names[i].path);
	if (fclose(f))
		fail("save model: %s", strerror(errno));
}

static struct model *read_model(const char *path)
{
	struct model *m = calloc(1, sizeof(*m));
	FILE *f = fopen(path, "r");
	char line[PLEN + 16];
	int i, j, ino;

	if (!m || !f || fscanf(f, "%d\n", &m->ninodes) != 1)
		goto bad;
	for (i = 0; i < MAXN; i++)
		m->names[i].ino = -1;
	for (i = 0; i < m->ninodes; i++) {
		struct minode *in = &m->inodes[i];
		unsigned long ino_l;
		char type;

		if (!fgets(line, sizeof(line), f) ||
		    sscanf(line, "%c %o %zu %d %lu %d", &type, &in->mode,
			   &in->size, &in->nlink, &ino_l, &in->nx) != 6)
			goto bad;
		in->type = type;
		in->ino = ino_l;
		if (strchr(line, '[')) {
			snprintf(in->target, sizeof(in->target), "%s",
				 strchr(line, '[') + 1);
			*strrchr(in->target, ']') = '\0';
		}
		/* Line by line: binary data follows. */
		for (j = 0; j < in->nx; j++)
			if (!fgets(line, sizeof(line), f) ||
			    sscanf(line, "%23s %39s", in->xn[j], in->xv[j]) < 1)
				goto bad;
		if (in->type != T_REG)
			continue;
		in->data = malloc(in->size + 1);
		if (in->nlink > 0 &&
		    fread(in->data, 1, in->size, f) != in->size)
			goto bad;
		fgetc(f);
	}
	for (i = 0; i < MAXN && fscanf(f, "%d [", &ino) == 1; i++) {
		char *e;

		if (!fgets(line, sizeof(line), f) || !(e = strrchr(line, ']')))
			goto bad;
		*e = '\0';
		snprintf(m->names[i].path, PLEN, "%s", line);
		m->names[i].ino = ino;
	}
	fclose(f);
	return m;
bad:
	printf("# cannot read the model %s\n", path);
	if (f)
		fclose(f);
	return NULL;
}

/* ---------------------------------------------------------------- */
/* A worker's checks                                                  */

static void check_xattrs(const char *p, struct minode *in)
{
	char list[1024], x[300], got[300];
	char xn[MAXX][24], xv[MAXX][40];
	ssize_t n = llistxattr(p, list, sizeof(list)), i;
	int nx = 0;

	if (n < 0)
		fail("listxattr %s: %s", p, strerror(errno));
	for (i = 0; i < n; i += strlen(list + i) + 1) {
		ssize_t vn;

		if (strncmp(list + i, "user.", 5))
			continue;
		if (nx >= MAXX)
			fail("%s: more than %d user xattrs", p, MAXX);
		snprintf(xn[nx], sizeof(xn[0]), "%s", list + i);
		vn = lgetxattr(p, list + i, xv[nx], sizeof(xv[0]) - 1);
		if (vn < 0)
			fail("getxattr %s %s: %s", p, list + i,
			     strerror(errno));
		xv[nx][vn] = '\0';
		nx++;
	}
	xattr_str(x, sizeof(x), in->nx, in->xn, in->xv);
	xattr_str(got, sizeof(got), nx, xn, xv);
	if (strcmp(x, got))
		fail("%s: xattrs '%s', want '%s'", p, got, x);
	cnt->checks[me]++;
}

static void check_data(const char *what, struct minode *in,
		       const unsigned char *got, size_t n)
{
	size_t i;

	if (n != in->size)
		fail("%s: %zu bytes, want %zu", what, n, in->size);
	if (!memcmp(got, in->data, n))
		return;
	for (i = 0; i < n && got[i] == in->data[i]; i++)
		;
	fail("%s: byte %zu is 0x%02x, want 0x%02x (size %zu)", what, i,
	     got[i], in->data[i], n);
}

/* The content of an open file by pread and by mmap. */
static void check_fd(int fd, const char *what, struct minode *in, int map)
{
	static unsigned char buf[MAXSZ + 1];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	char w[300];

	if (n < 0)
		fail("read %s: %s", what, strerror(errno));
	snprintf(w, sizeof(w), "read %s", what);
	check_data(w, in, buf, n);
	cnt->checks[me]++;
	if (map && in->size) {
		void *p = mmap(NULL, in->size, PROT_READ, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED)
			fail("mmap %s: %s", what, strerror(errno));
		snprintf(w, sizeof(w), "mmap read %s", what);
		phase = w;
		check_data(w, in, p, in->size);
		phase = "";
		munmap(p, in->size);
		cnt->checks[me]++;
	}
}

/* Everything about one path, present or absent in the model. */
static void check_path(struct model *m, const char *rel)
{
	struct minode *in = ino_of(m, rel);
	const char *p = MP(rel);
	struct stat st;
	int type;

	cnt->checks[me]++;
	if (lstat(p, &st)) {
		if (errno == ENOENT && !in)
			return;
		fail("lstat %s: %s%s", rel, strerror(errno),
		     in ? "" : " (want ENOENT)");
	}
	if (!in)
		fail("%s exists (mode 0%o), want ENOENT", rel, st.st_mode);
	type = S_ISDIR(st.st_mode) ? T_DIR : S_ISLNK(st.st_mode) ? T_LNK :
	       S_ISREG(st.st_mode) ? T_REG : '?';
	if (type != in->type)
		fail("%s: type %c, want %c", rel, type, in->type);
	if (in->type != T_LNK && (st.st_mode & 07777) != in->mode)
		fail("%s: mode 0%o, want 0%o", rel, st.st_mode & 07777,
		     in->mode);
	if (in->ino && st.st_ino != in->ino)
		fail("%s: st_ino %lu, was %lu", rel, (unsigned long)st.st_ino,
		     (unsigned long)in->ino);
	in->ino = st.st_ino;
	if (in->type == T_REG && st.st_nlink != (nlink_t)in->nlink)
		fail("%s: st_nlink %lu, want %d", rel,
		     (unsigned long)st.st_nlink, in->nlink);
	if (in->type == T_LNK) {
		char t[64] = "";

		if (readlink(p, t, sizeof(t) - 1) < 0 || strcmp(t, in->target))
			fail("%s: symlink to '%s', want '%s'", rel, t,
			     in->target);
		return;
	}
	check_xattrs(p, in);
	if (in->type == T_REG) {
		int fd = open(p, O_RDONLY | O_CLOEXEC);

		if ((size_t)st.st_size != in->size)
			fail("%s: st_size %lld, want %zu", rel,
			     (long long)st.st_size, in->size);
		if (fd < 0)
			fail("open %s: %s", rel, strerror(errno));
		check_fd(fd, rel, in, rn(4) == 0);
		close(fd);
	}
}

/* readdir of a directory: exactly the model's children, right d_type. */
static void check_readdir(struct model *m, const char *rel)
{
	char seen[MAXN];
	struct dirent *de;
	DIR *d = opendir(MP(rel));
	int i;

	if (!d)
		fail("opendir %s: %s", rel, strerror(errno));
	memset(seen, 0, sizeof(seen));
	while ((de = readdir(d))) {
		char child[PLEN];
		struct minode *in;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		join(child, rel, de->d_name);
		i = find(m, child);
		if (i < 0)
			fail("readdir %s lists '%s', not in the model", rel,
			     de->d_name);
		if (seen[i]++)
			fail("readdir %s lists '%s' twice", rel, de->d_name);
		in = &m->inodes[m->names[i].ino];
		if (de->d_type != (in->type == T_DIR ? DT_DIR :
				   in->type == T_LNK ? DT_LNK : DT_REG))
			fail("readdir %s: '%s' has d_type %d", rel,
			     de->d_name, de->d_type);
	}
	closedir(d);
	for (i = 0; i < MAXN; i++)
		if (m->names[i].ino >= 0 && is_child(m->names[i].path, rel) &&
		    !seen[i])
			fail("readdir %s misses '%s'", rel, m->names[i].path);
	cnt->checks[me]++;
}

/* Check a call's result: errno E (0: success) wanted. */
static void expect(int ret, int want, const char *what, const char *a,
		   const char *b)
{
	int got = ret < 0 ? errno : 0;

	cnt->checks[me]++;
	if (got != want)
		fail("%s %s%s%s: %s, want %s", what, a, b ? " -> " : "",
		     b ? b : "", got ? strerror(got) : "success",
		     want ? strerror(want) : "success");
}

/* ---------------------------------------------------------------- */
/* A worker's operations                                              */

static const char *const pool[] = {
	"n0", "n1", "n2", "n3", "n4", "n5", "a", "big", "d0", "d1", "f1",
	"h1", "h2", "sym", "gone", "d2", "x",
};

/* A random existing name of a type in TYPES (root excluded unless R). */
static int pick(struct model *m, const char *types, int root)
{
	int cand[MAXN], n = 0, i;

	for (i = 0; i < MAXN; i++) {
		struct mname *nm = &m->names[i];

		if (nm->ino < 0 || (!root && !*nm->path))
			continue;
		if (strchr(types, m->inodes[nm->ino].type))
			cand[n++] = i;
	}
	return n ? cand[rn(n)] : -1;
}

/* A random path: an existing directory plus a name from the pool. */
static void pick_new(struct model *m, char *out)
{
	int d = pick(m, "d", 1);

	if (depth(m->names[d].path) >= MAXDEPTH)
		d = find(m, "");
	join(out, m->names[d].path, pool[rn(sizeof(pool) / sizeof(*pool))]);
}

static void fill(unsigned char *p, size_t n)
{
	uint64_t x = rnd();
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(i & 7))
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = x >> ((i & 7) * 8);
	}
}

static void set_size(struct minode *in, size_t size)
{
	if (size > in->size)
		memset(in->data + in->size, 0, size - in->size);
	in->size = size;
}

static void op_write(struct model *m)
{
	static unsigned char buf[65536];
	int i = pick(m, "f", 0), fd;
	struct minode *in;
	size_t off, len;

	if (i < 0)
		return;
	in = &m->inodes[m->names[i].ino];
	off = rn(3) ? rn(MAXSZ - 1) : in->size;
	if (off >= MAXSZ)
		off = MAXSZ - 1;
	len = 1 + rn(rn(4) ? 4096 : sizeof(buf));
	if (off + len > MAXSZ)
		len = MAXSZ - off;
	fill(buf, len);
	logop("pwrite %s off %zu len %zu", m->names[i].path, off, len);
	fd = open(MP(m->names[i].path), O_WRONLY | O_CLOEXEC);
	expect(fd, 0, "open for write", m->names[i].path, NULL);
	if (pwrite(fd, buf, len, off) != (ssize_t)len)
		fail("pwrite %s: %s", m->names[i].path, strerror(errno));
	if (rn(8) == 0 && fsync(fd))
		fail("fsync %s: %s", m->names[i].path, strerror(errno));
	close(fd);
	changed(in);
	if (off > in->size)
		set_size(in, off);
	memcpy(in->data + off, buf, len);
	if (off + len > in->size)
		in->size = off + len;
	check_path(m, m->names[i].path);
}

static void op_truncate(struct model *m)
{
	int i = pick(m, "f", 0), r, fd = -1;
	struct minode *in;
	size_t size;

	if (i < 0)
		return;
	in = &m->inodes[m->names[i].ino];
	switch (rn(4)) {
	case 0:
		size = 0;
		break;
	case 1:
		size = in->size / 2;
		break;
	case 2:
		size = in->size + rn(8192);
		break;
	default:
		size = rn(MAXSZ);
	}
	if (size > MAXSZ)
		size = MAXSZ;
	logop("truncate %s %zu (was %zu)", m->names[i].path, size, in->size);
	if (rn(2)) {
		r = truncate(MP(m->names[i].path), size);
	} else {
		fd = open(MP(m->names[i].path), O_RDWR | O_CLOEXEC);
		expect(fd, 0, "open rw", m->names[i].path, NULL);
		r = ftruncate(fd, size);
	}
	expect(r, 0, "truncate", m->names[i].path, NULL);
	changed(in);
	set_size(in, size);
	if (fd >= 0) {
		check_fd(fd, m->names[i].path, in, 1);
		close(fd);
	}
	check_path(m, m->names[i].path);
}

static void op_mmap_write(struct model *m)
{
	static unsigned char buf[65536];
	int i = pick(m, "f", 0), fd;
	struct minode *in;
	size_t off, len;
	unsigned char *p;

	if (i < 0)
		return;
	in = &m->inodes[m->names[i].ino];
	if (!in->size)
		return;
	off = rn(in->size);
	len = 1 + rn(in->size - off < sizeof(buf) ? in->size - off :
		      sizeof(buf));
	fill(buf, len);
	logop("mmap write %s off %zu len %zu (size %zu)", m->names[i].path,
	      off, len, in->size);
	fd = open(MP(m->names[i].path), O_RDWR | O_CLOEXEC);
	expect(fd, 0, "open rw", m->names[i].path, NULL);
	p = mmap(NULL, in->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		fail("mmap %s: %s", m->names[i].path, strerror(errno));
	/* What the mapping shows before the write is the file too. */
	check_data("mmap before write", in, p, in->size);
	memcpy(p + off, buf, len);
	if (msync(p, in->size, MS_SYNC))
		fail("msync %s: %s", m->names[i].path, strerror(errno));
	munmap(p, in->size);
	changed(in);
	memcpy(in->data + off, buf, len);
	check_fd(fd, m->names[i].path, in, 0);
	close(fd);
	check_path(m, m->names[i].path);
}

static void op_create(struct model *m)
{
	static unsigned char buf[32768];
	char path[PLEN];
	int exists, fd, idx;
	size_t len;

	pick_new(m, path);
	exists = find(m, path) >= 0;
	if (!exists && (free_names(m) < 2 || !inode_room(m)))
		return;
	len = rn(3) ? rn(sizeof(buf)) : 0;
	logop("create %s len %zu", path, len);
	fd = open(MP(path), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	expect(fd, exists ? EEXIST : 0, "create", path, NULL);
	if (exists)
		return;
	fill(buf, len);
	if (write(fd, buf, len) != (ssize_t)len)
		fail("write %s: %s", path, strerror(errno));
	close(fd);
	idx = new_inode(m, T_REG, 0644);
	m->inodes[idx].lower = 0;
	memcpy(m->inodes[idx].data, buf, len);
	m->inodes[idx].size = len;
	add_name(m, path, idx);
	check_path(m, path);
}

static void op_mkdir_symlink(struct model *m, int dir)
{
	char path[PLEN], tgt[40];
	int exists, idx;

	pick_new(m, path);
	exists = find(m, path) >= 0;
	if (!exists && (free_names(m) < 2 || !inode_room(m)))
		return;
	snprintf(tgt, sizeof(tgt), "t%u/%s", rn(100), pool[rn(5)]);
	logop("%s %s", dir ? "mkdir" : "symlink", path);
	expect(dir ? mkdir(MP(path), 0755) : symlink(tgt, MP(path)),
	       exists ? EEXIST : 0, dir ? "mkdir" : "symlink", path, NULL);
	if (exists)
		return;
	idx = new_inode(m, dir ? T_DIR : T_LNK, dir ? 0755 : 0777);
	m->inodes[idx].lower = 0;
	if (!dir)
		snprintf(m->inodes[idx].target, sizeof(m->inodes[0].target),
			 "%s", tgt);
	add_name(m, path, idx);
	check_path(m, path);
	if (dir)
		check_readdir(m, path);
}

static void op_unlink(struct model *m)
{
	int i = pick(m, "fld", 0), isdir;
	char path[PLEN];

	if (i < 0)
		return;
	snprintf(path, PLEN, "%s", m->names[i].path);
	isdir = m->inodes[m->names[i].ino].type == T_DIR;
	/* Mostly files: a directory answers EISDIR. */
	if (isdir && rn(4))
		return;
	logop("unlink %s", path);
	expect(unlink(MP(path)), isdir ? EISDIR : 0, "unlink", path, NULL);
	if (isdir)
		return;
	drop_name(m, i);
	check_path(m, path);
}

static void op_rmdir(struct model *m)
{
	int i = pick(m, rn(4) ? "d" : "fl", 0), want;
	char path[PLEN];

	if (i < 0)
		return;
	snprintf(path, PLEN, "%s", m->names[i].path);
	want = m->inodes[m->names[i].ino].type != T_DIR ? ENOTDIR :
	       has_children(m, path) ? ENOTEMPTY : 0;
	logop("rmdir %s", path);
	expect(rmdir(MP(path)), want, "rmdir", path, NULL);
	if (want)
		return;
	drop_name(m, i);
	check_path(m, path);
}

static void op_link(struct model *m)
{
	int i = pick(m, "f", 0), exists;
	char path[PLEN], src[PLEN];

	if (i < 0)
		return;
	snprintf(src, PLEN, "%s", m->names[i].path);
	pick_new(m, path);
	exists = find(m, path) >= 0;
	if (!exists && free_names(m) < 2)
		return;
	logop("link %s %s", src, path);
	expect(link(MP(src), MP(path)), exists ? EEXIST : 0, "link", src,
	       path);
	if (exists)
		return;
	add_name(m, path, m->names[i].ino);
	changed(&m->inodes[m->names[i].ino]);
	check_path(m, src);
	check_path(m, path);
}

/* Which side of a rename PATH is on: 1 SRC (or below), 2 DST, 0 neither. */
static int side(const char *path, const char *src, const char *dst)
{
	if (!strcmp(path, src) || below(path, src))
		return 1;
	if (!strcmp(path, dst) || below(path, dst))
		return 2;
	return 0;
}

/*
 * rename(2)/renameat2(2) with FLAGS on the model, in the order the VFS
 * checks; returns the errno wanted, and changes the model if APPLY.
 */
static int model_rename(struct model *m, const char *src, const char *dst,
			unsigned int flags, int apply)
{
	int s = find(m, src), d = find(m, dst), i, ddir = 0;
	int sdir = m->inodes[m->names[s].ino].type == T_DIR;
	char moved[MAXN];

	if ((flags & RENAME_NOREPLACE) && d >= 0)
		return EEXIST;
	if ((flags & RENAME_EXCHANGE) && d < 0)
		return ENOENT;
	if (!strcmp(src, dst))
		return 0;
	if (sdir && below(dst, src))
		return EINVAL;
	if (d >= 0 && below(src, dst))
		return flags & RENAME_EXCHANGE ? EINVAL : ENOTEMPTY;
	if (d >= 0) {
		ddir = m->inodes[m->names[d].ino].type == T_DIR;
		if (m->names[s].ino == m->names[d].ino)
			return 0;	/* hard links of one file: no-op */
	}
	if (d >= 0 && !(flags & RENAME_EXCHANGE)) {
		if (sdir && !ddir)
			return ENOTDIR;
		if (!sdir && ddir)
			return EISDIR;
		if (ddir && has_children(m, dst))
			return ENOTEMPTY;
		if (apply)
			drop_name(m, d);
	}
	if (!apply)
		return 0;
	changed(&m->inodes[m->names[s].ino]);
	if (d >= 0 && (flags & RENAME_EXCHANGE))
		changed(&m->inodes[m->names[d].ino]);
	for (i = 0; i < MAXN; i++)
		moved[i] = m->names[i].ino < 0 ? 0 :
			   side(m->names[i].path, src, dst);
	for (i = 0; i < MAXN; i++) {
		const char *from = moved[i] == 1 ? src : dst;
		const char *to = moved[i] == 1 ? dst : src;
		char np[PLEN * 2];

		if (!moved[i])
			continue;
		snprintf(np, sizeof(np), "%s%s", to,
			 m->names[i].path + strlen(from));
		snprintf(m->names[i].path, PLEN, "%s", np);
	}
	return 0;
}

static void check_subtree(struct model *m, const char *dir)
{
	int i;

	for (i = 0; i < MAXN; i++)
		if (m->names[i].ino >= 0 && below(m->names[i].path, dir))
			check_path(m, m->names[i].path);
}

/* How much deeper than PATH its subtree goes. */
static int subtree_depth(struct model *m, const char *path)
{
	int i, d = 0;

	for (i = 0; i < MAXN; i++)
		if (m->names[i].ino >= 0 && below(m->names[i].path, path) &&
		    depth(m->names[i].path) - depth(path) > d)
			d = depth(m->names[i].path) - depth(path);
	return d;
}

static void op_rename(struct model *m)
{
	static const unsigned int fl[] = {
		0, 0, 0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_EXCHANGE
	};
	int i = pick(m, "fld", 0), want, r;
	unsigned int flags = fl[rn(sizeof(fl) / sizeof(*fl))];
	char src[PLEN], dst[PLEN];

	if (i < 0)
		return;
	snprintf(src, PLEN, "%s", m->names[i].path);
	/* Over an existing name half the time. */
	if (rn(2) || flags == RENAME_EXCHANGE) {
		int j = pick(m, "fld", 0);

		snprintf(dst, PLEN, "%s", m->names[j].path);
	} else {
		pick_new(m, dst);
	}
	/* Keep paths short: nothing may end up deeper than MAXDEPTH. */
	if (depth(dst) + subtree_depth(m, src) > MAXDEPTH ||
	    depth(src) + subtree_depth(m, dst) > MAXDEPTH)
		return;
	want = model_rename(m, src, dst, flags, 0);
	logop("rename%s %s %s (want %s)", flags == RENAME_EXCHANGE ?
	      " exchange" : flags ? " noreplace" : "", src, dst,
	      want ? strerror(want) : "ok");
	r = flags ? renameat2(AT_FDCWD, MP(src), AT_FDCWD, MP(dst), flags) :
		    rename(MP(src), MP(dst));
	expect(r, want, "rename", src, dst);
	if (want)
		return;
	model_rename(m, src, dst, flags, 1);
	check_path(m, src);
	check_path(m, dst);
	if (ino_of(m, dst) && ino_of(m, dst)->type == T_DIR) {
		check_readdir(m, dst);
		check_subtree(m, dst);
	}
	if (ino_of(m, src) && ino_of(m, src)->type == T_DIR) {
		check_readdir(m, src);
		check_subtree(m, src);
	}
}

static void op_xattr(struct model *m)
{
	int i = pick(m, "fd", 1), j, r, k;
	struct minode *in;
	char name[24], val[40];

	if (i < 0)
		return;
	in = &m->inodes[m->names[i].ino];
	changed(in);
	snprintf(name, sizeof(name), "user.s%u", rn(4));
	for (j = 0; j < in->nx && strcmp(in->xn[j], name); j++)
		;
	if (rn(3)) {
		if (j == in->nx && in->nx >= MAXX)
			return;
		snprintf(val, sizeof(val), "v%llx", (unsigned long long)rnd());
		logop("setxattr %s %s=%s", m->names[i].path, name, val);
		r = lsetxattr(MP(m->names[i].path), name, val, strlen(val), 0);
		expect(r, 0, "setxattr", m->names[i].path, name);
		if (j == in->nx)
			in->nx++;
		snprintf(in->xn[j], sizeof(in->xn[0]), "%s", name);
		snprintf(in->xv[j], sizeof(in->xv[0]), "%s", val);
	} else {
		/* Often a lower object's own xattr. */
		if (in->nx && rn(2)) {
			j = rn(in->nx);
			snprintf(name, sizeof(name), "%s", in->xn[j]);
		}
		logop("removexattr %s %s", m->names[i].path, name);
		r = lremovexattr(MP(m->names[i].path), name);
		expect(r, j < in->nx ? 0 : ENODATA, "removexattr",
		       m->names[i].path, name);
		if (j < in->nx) {
			for (k = j; k + 1 < in->nx; k++) {
				memcpy(in->xn[k], in->xn[k + 1], sizeof(in->xn[0]));
				memcpy(in->xv[k], in->xv[k + 1], sizeof(in->xv[0]));
			}
			in->nx--;
		}
	}
	check_path(m, m->names[i].path);
}

static void op_chmod(struct model *m)
{
	static const mode_t fm[] = { 0600, 0640, 0644, 0755 };
	int i = pick(m, "fd", 0);
	struct minode *in;
	mode_t mode;

	if (i < 0)
		return;
	in = &m->inodes[m->names[i].ino];
	mode = in->type == T_DIR ? (rn(2) ? 0755 : 0700) : fm[rn(4)];
	logop("chmod %s 0%o", m->names[i].path, mode);
	expect(chmod(MP(m->names[i].path), mode), 0, "chmod",
	       m->names[i].path, NULL);
	changed(in);
	in->mode = mode;
	check_path(m, m->names[i].path);
}

/*
 * A read-only descriptor kept open across other operations, usually
 * opened before the file's copy-up: it must always read what the model
 * says, even after its name is gone.
 */
/*
 * A mapping of such a descriptor: on layerfs it shows the data written
 * since.  overlayfs maps the file the descriptor was opened on, so after a
 * copy-up the lower file: a documented overlayfs limitation
 * (Documentation/filesystems/overlayfs.rst, "Non-standard behavior").
 */
static int held_map(void)
{
	return lfs_is_layerfs();
}

static void op_held(struct model *m)
{
	int i;

	if (held_fd >= 0) {
		check_fd(held_fd, "held descriptor", &m->inodes[held_ino],
			 held_map() && rn(2));
		if (rn(2))
			return;
		close(held_fd);
		held_fd = -1;
	}
	i = pick(m, "f", 0);
	if (i < 0)
		return;
	logop("hold %s", m->names[i].path);
	held_fd = open(MP(m->names[i].path), O_RDONLY | O_CLOEXEC);
	expect(held_fd, 0, "open", m->names[i].path, NULL);
	held_ino = m->names[i].ino;
	check_fd(held_fd, m->names[i].path, &m->inodes[held_ino], 0);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fail("signal %d (%s) at %p while %s", sig, strsignal(sig),
	     si->si_addr, phase);
}

static int round_no, nrounds = 1;

/*
 * Every round's namespaces stay to the end (the last checks cover them
 * all), and a namespace grows to at most MAXN names of up to MAXSZ bytes:
 * about 40 MiB in practice.  Fewer, longer rounds when the base is small
 * (the VM's tmpfs is half its memory), so that a long run never ends in
 * ENOSPC; half the free space is left for the lowers and the models.
 */
static int rounds_that_fit(int want)
{
	const unsigned long long per_ns = 40ULL << 20;
	struct statvfs sv;
	unsigned long long room;
	int fit;

	if (statvfs(lfs_base(), &sv))
		return want;
	room = (unsigned long long)sv.f_bavail * sv.f_frsize / 2;
	fit = room / (per_ns * nworkers);
	if (fit < 1)
		fit = 1;
	if (fit < want)
		printf("# %d rounds, not %d: %llu MiB free on the base\n",
		       fit, want, room * 2 >> 20);
	return fit < want ? fit : want;
}

static void worker(int k)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
				.sa_flags = SA_SIGINFO };
	struct model *m;
	char path[PATH_MAX];

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	me = k;
	myns = k + nworkers * round_no;
	rng = (seed * 0x9e3779b97f4a7c15ULL + myns + 1) * 0xff51afd7ed558ccdULL;
	umask(0);
	m = load_model(myns);
	while (time(NULL) < deadline) {
		unsigned int r = rn(100);
		int i;

		if (r < 18)
			op_write(m);
		else if (r < 26)
			op_truncate(m);
		else if (r < 34)
			op_mmap_write(m);
		else if (r < 42)
			op_create(m);
		else if (r < 48)
			op_unlink(m);
		else if (r < 58)
			op_rename(m);
		else if (r < 63)
			op_link(m);
		else if (r < 67)
			op_mkdir_symlink(m, 1);
		else if (r < 70)
			op_mkdir_symlink(m, 0);
		else if (r < 74)
			op_rmdir(m);
		else if (r < 81)
			op_xattr(m);
		else if (r < 85)
			op_chmod(m);
		else if (r < 91)
			op_held(m);
		else if ((i = pick(m, "d", 1)) >= 0 && rn(2))
			check_readdir(m, m->names[i].path);
		else if ((i = pick(m, "fld", 0)) >= 0)
			check_path(m, m->names[i].path);
	}
	if (held_fd >= 0) {
		check_fd(held_fd, "held descriptor", &m->inodes[held_ino],
			 held_map());
		close(held_fd);
	}
	snprintf(path, sizeof(path), "%s/model.%d", W.c.dir, myns);
	save_model(m, path);
	_exit(0);
}

/* ---------------------------------------------------------------- */
/* The scanner: every name of the union, concurrently with the workers */

static void scan(const char *dir, int level)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return;
		fail("scan: opendir %s: %s", dir, strerror(errno));
	}
	while ((de = readdir(d)) && time(NULL) < deadline) {
		char p[PATH_MAX], buf[4096];
		struct stat st;
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strncmp(de->d_name, "#", 1))
			fail("scan: %s/%s: a work-directory name", dir,
			     de->d_name);
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		cnt->ops[me]++;
		/* Names come and go under it: a race is no error. */
		if (lstat(p, &st)) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			fail("scan: lstat %s: %s", p, strerror(errno));
		}
		cnt->checks[me]++;
		if (S_ISCHR(st.st_mode))
			fail("scan: %s is a character device (a whiteout?)",
			     p);
		if (S_ISDIR(st.st_mode) && level < 8) {
			scan(p, level + 1);
		} else if (S_ISREG(st.st_mode)) {
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
				fail("scan: open %s: %s", p, strerror(errno));
			if (fd >= 0 && pread(fd, buf, sizeof(buf), rn(4096)) < 0 &&
			    errno != EISDIR)
				fail("scan: read %s: %s", p, strerror(errno));
			if (fd >= 0)
				close(fd);
		}
	}
	closedir(d);
}

static void scanner(void)
{
	me = nworkers;
	rng = seed + 12345 + round_no;
	while (time(NULL) < deadline)
		scan(W.c.mnt, 0);
	_exit(0);
}

/* ---------------------------------------------------------------- */
/* The lower layers                                                   */

static char *lower_spec(int layer)
{
	size_t cap = 1024 * nworkers * nrounds, len = 0;
	char *s = malloc(cap);
	int k;

	s[0] = '\0';
	for (k = 0; k < nworkers * nrounds; k++) {
		if (layer == 1)
			len += snprintf(s + len, cap - len,
				"d %1$s\n"
				"f %1$s/a bottom a, hidden\n"
				"x %1$s/a user.lo hidden\n"
				"P %1$s/big 100000\n"
				"x %1$s/big user.b v%1$s\n"
				"d %1$s/d0\n"
				"P %1$s/d0/f0 5000\n"
				"P %1$s/d0/f1 70000\n"
				"f %1$s/d0/e/deep deep\n"
				"f %1$s/d1/x x\n"
				"f %1$s/gone gone\n"
				"f %1$s/d2/hidden hidden\n"
				"z %1$s/sparse 200000\n"
				"s %1$s/sym a\n"
				"P %1$s/h1 9000\n"
				"f %1$s/small 1\n",
				nsname(k));
		else
			len += snprintf(s + len, cap - len,
				"d %1$s\n"
				"x %1$s user.root r%1$s\n"
				"f %1$s/a top a\n"
				"x %1$s/a user.top t\n"
				"d %1$s/d0\n"
				"P %1$s/d0/f2 3000\n"
				"x %1$s/d0 user.dx dv\n"
				"s %1$s/d0/ln ../h2\n"
				"w %1$s/gone\n"
				"o %1$s/d2\n"
				"f %1$s/d2/y y\n"
				"P %1$s/h2 12000\n"
				"h %1$s/h3 %1$s/h2\n"
				"h %1$s/d0/h4 %1$s/h2\n"
				"x %1$s/h2 user.h linked\n"
				"f %1$s/small 22\n",
				nsname(k));
	}
	return s;
}

static int ntests = 5, tno;

static void tap(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tno);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Compare namespaces FROM..TO-1 of the union with their model files. */
static int check_all(int from, int to, const char *when)
{
	int k, bad = 0;

	for (k = from; k < to; k++) {
		char path[PATH_MAX];
		struct model *m;

		snprintf(path, sizeof(path), "%s/model.%d", W.c.dir, k);
		m = read_model(path);
		if (!m) {
			bad++;
			continue;
		}
		if (check_tree(k, m)) {
			printf("#  %s differs from its model %s\n", nsname(k),
			       when);
			bad++;
		}
		for (int i = 0; i < m->ninodes; i++)
			free(m->inodes[i].data);
		free(m);
	}
	return bad;
}

static int run_workers(void)
{
	pid_t pids[MAXW + 1];
	int k, bad = 0;

	fflush(stdout);
	for (k = 0; k <= nworkers; k++) {
		pids[k] = fork();
		if (pids[k] < 0)
			return -1;
		if (!pids[k]) {
			if (k < nworkers)
				worker(k);
			scanner();
		}
	}
	for (k = 0; k <= nworkers; k++) {
		int st;

		if (waitpid(pids[k], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			printf("# %s %d ended with status 0x%x\n",
			       k < nworkers ? "worker" : "scanner", k, st);
			bad++;
		}
	}
	return bad;
}

int main(void)
{
	const char *e;
	long secs = 15, ops = 0, checks = 0, copyups = 0;
	int k, bad_start = 0, bad_run = 0, bad_end = 0, bad_remount = 0;
	time_t t0;

	e = getenv("LFS_STRESS_SECONDS");
	if (e && *e)
		secs = atol(e);
	e = getenv("LFS_STRESS_WORKERS");
	if (e && *e)
		nworkers = atoi(e);
	if (nworkers < 1 || nworkers > MAXW)
		nworkers = 3;
	e = getenv("LFS_STRESS_SEED");
	seed = e && *e ? strtoull(e, NULL, 0) :
	       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", ntests);
	printf("# stress on %s at %s: %d workers, %ld s, LFS_STRESS_SEED=%llu\n",
	       lfs_fstype(), lfs_base(), nworkers, secs,
	       (unsigned long long)seed);
	/* Rounds of about 5 s, each in namespaces of its own. */
	nrounds = secs / 5 < 1 ? 1 : secs / 5 > 12 ? 12 : secs / 5;
	nrounds = rounds_that_fit(nrounds);
	cnt = mmap(NULL, sizeof(*cnt), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cnt == MAP_FAILED ||
	    lfs_wr_setup(&W, lower_spec(0), lower_spec(1)) ||
	    lfs_wr_mount(&W)) {
		printf("Bail out! cannot set up the union\n");
		return 1;
	}

	t0 = time(NULL);
	me = MAXW;
	for (round_no = 0; round_no < nrounds; round_no++) {
		int first = round_no * nworkers, last = first + nworkers;

		/* The models the workers start from are what the union shows. */
		for (k = first; k < last; k++) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/model.%d", W.c.dir, k);
			save_model(load_model(k), path);
		}
		bad_start += check_all(first, last, "at the start");
		/* The workers and the scanner. */
		deadline = t0 + secs * (round_no + 1) / nrounds;
		if (run_workers()) {
			bad_run++;
			break;
		}
		bad_end += check_all(first, last, "at the end of its round");
		/* A remount between rounds; what the rounds left stays. */
		if (lfs_umount(&W.c) || lfs_wr_mount(&W)) {
			bad_remount++;
			break;
		}
		bad_remount += check_all(first, last, "after a remount");
	}
	for (k = 0; k < nworkers; k++) {
		ops += cnt->ops[k];
		checks += cnt->checks[k];
		copyups += cnt->copyups[k];
	}
	printf("# stress: %ld ops, %ld checks in %lld s on %s, %d rounds (%ld lower objects changed; scanner: %ld lookups, %ld checks)\n",
	       ops, checks, (long long)(time(NULL) - t0), lfs_fstype(),
	       nrounds, copyups, cnt->ops[nworkers], cnt->checks[nworkers]);
	for (k = 0; k < nworkers; k++)
		printf("#   w%d: %ld ops, %ld checks\n", k, cnt->ops[k],
		       cnt->checks[k]);
	tap(!bad_start,
	    "each round starts from a merged view that matches the lowers' model");
	tap(!bad_run, "%d workers and a scanner: every result as the model says",
	    nworkers);
	tap(!bad_run && !bad_end,
	    "the merged tree at the end of each round matches the models");
	/* Every round's result, after all the later rounds and remounts. */
	tap(!bad_run && !bad_remount &&
	    !check_all(0, nworkers * nrounds, "after all rounds"),
	    "the merged tree after each remount matches the models");

	/* 5: nothing written below. */
	if (lfs_umount(&W.c))
		printf("# umount failed\n");
	tap(!lfs_wr_check_lowers(&W), "the lower layers are unchanged");
	lfs_teardown(&W.c);
	lfs_wr_free(&W);
	return 0;
}
