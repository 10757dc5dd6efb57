// SPDX-License-Identifier: GPL-2.0
/* Common helpers for the layerfs selftests; see lfs_test.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lfs_test.h"

#define diag(fmt, ...) fprintf(stderr, "# lfs: " fmt "\n", ##__VA_ARGS__)

const char *lfs_fstype(void)
{
	const char *t = getenv("LFS_FSTYPE");

	return t && *t ? t : "layerfs";
}

int lfs_is_layerfs(void)
{
	return strcmp(lfs_fstype(), "layerfs") == 0;
}

const char *lfs_base(void)
{
	const char *b = getenv("LFS_BASE");

	return b && *b ? b : "/tmp/lfs";
}

const char *lfs_image(void)
{
	const char *i = getenv("LFS_IMAGE");

	return i && *i ? i : NULL;
}

const char *lfs_opaque_xattr(void)
{
	return lfs_is_layerfs() ? "trusted.layerfs.opaque" :
				  "trusted.overlay.opaque";
}

int lfs_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *p;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int mkparent(const char *path)
{
	char buf[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return lfs_mkdir_p(buf, 0755);
}

int lfs_write_file(const char *path, const void *buf, size_t len)
{
	const char *p = buf;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			ret = -errno;
			break;
		}
		p += n;
		len -= n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

ssize_t lfs_read_file(const char *path, void *buf, size_t len)
{
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		done += n;
	}
	close(fd);
	return done;
}

int lfs_whiteout(const char *path)
{
	if (mknod(path, S_IFCHR | 0000, makedev(0, 0)))
		return -errno;
	return 0;
}

int lfs_set_opaque(const char *path, const char *xattr_name)
{
	if (lsetxattr(path, xattr_name, "y", 1, 0))
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP ? rmdir(path) : unlink(path)) {
		if (errno != ENOENT)
			diag("remove %s: %s", path, strerror(errno));
		return 0;	/* keep going; the caller checks the result */
	}
	return 0;
}

int lfs_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (lstat(path, &st) == 0)
		return -ENOTEMPTY;
	return 0;
}

static char rot_buf[16][PATH_MAX];
static int rot_idx;

static const char *vpath(const char *prefix, const char *fmt, va_list ap)
{
	char *b = rot_buf[rot_idx++ % 16];
	int n;

	n = snprintf(b, PATH_MAX, "%s/", prefix);
	vsnprintf(b + n, PATH_MAX - n, fmt, ap);
	return b;
}

const char *lfs_p(const struct lfs *c, const char *fmt, ...)
{
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	r = vpath(c->dir, fmt, ap);
	va_end(ap);
	return r;
}

const char *lfs_m(const struct lfs *c, const char *fmt, ...)
{
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	r = vpath(c->mnt, fmt, ap);
	va_end(ap);
	return r;
}

int lfs_setup(struct lfs *c)
{
	int i, ret;

	memset(c, 0, sizeof(*c));
	/* A private mount namespace: mounts die with the test process. */
	if (unshare(CLONE_NEWNS)) {
		diag("unshare(CLONE_NEWNS): %s", strerror(errno));
		return -errno;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		diag("make / private: %s", strerror(errno));
		return -errno;
	}
	ret = lfs_mkdir_p(lfs_base(), 0755);
	if (ret) {
		diag("mkdir %s: %s", lfs_base(), strerror(-ret));
		return ret;
	}
	snprintf(c->dir, sizeof(c->dir), "%s/t.XXXXXX", lfs_base());
	if (!mkdtemp(c->dir)) {
		diag("mkdtemp %s: %s", c->dir, strerror(errno));
		return -errno;
	}
	chmod(c->dir, 0755);
	snprintf(c->mnt, sizeof(c->mnt), "%s/mnt", c->dir);
	if (mkdir(c->mnt, 0755))
		return -errno;
	for (i = 0; i < LFS_NLAYERS; i++)
		if (mkdir(lfs_p(c, "l%d", i), 0755))
			return -errno;
	return 0;
}

static int cmp_len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

int lfs_teardown(struct lfs *c)
{
	char line[4096], *mps[256];
	size_t dlen = strlen(c->dir);
	int n = 0, i, ret = 0;
	FILE *f;

	if (!c->dir[0])
		return 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (f) {
		while (n < 256 && fgets(line, sizeof(line), f)) {
			char mp[4096];

			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
				continue;
			if (!strncmp(mp, c->dir, dlen) && mp[dlen] == '/')
				mps[n++] = strdup(mp);
		}
		fclose(f);
	}
	qsort(mps, n, sizeof(mps[0]), cmp_len_desc);
	for (i = 0; i < n; i++) {
		if (umount2(mps[i], 0) && umount2(mps[i], MNT_DETACH)) {
			diag("umount %s: %s", mps[i], strerror(errno));
			ret = -errno;
		}
		free(mps[i]);
	}
	c->mounted = 0;
	if (lfs_rm_rf(c->dir))
		ret = -ENOTEMPTY;
	return ret;
}

static int build_line(const char *root, char *line)
{
	char *op = strtok(line, " ");
	char *rel = strtok(NULL, " ");
	char *rest = strtok(NULL, "");
	char path[PATH_MAX];
	unsigned int maj, min;
	int ret;

	if (!op || !rel)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (*op != 'x' && *op != 'm' && *op != 'u') {
		ret = mkparent(path);
		if (ret)
			return ret;
	}
	switch (*op) {
	case 'f':
		return lfs_write_file(path, rest ? rest : "",
				      rest ? strlen(rest) : 0);
	case 'd':
		return lfs_mkdir_p(path, 0755);
	case 's':
		if (!rest)
			return -EINVAL;
		return symlink(rest, path) ? -errno : 0;
	case 'w':
		return lfs_whiteout(path);
	case 'o':
	case 'O':
	case 'V':
		ret = lfs_mkdir_p(path, 0755);
		if (ret)
			return ret;
		return lfs_set_opaque(path, *op == 'o' ? lfs_opaque_xattr() :
				      *op == 'O' ? "trusted.layerfs.opaque" :
						   "trusted.overlay.opaque");
	case 'p':
		return mknod(path, S_IFIFO | 0644, 0) ? -errno : 0;
	case 'S':
		return mknod(path, S_IFSOCK | 0755, 0) ? -errno : 0;
	case 'c':
	case 'b':
		if (!rest || sscanf(rest, "%u %u", &maj, &min) != 2)
			return -EINVAL;
		return mknod(path, (*op == 'c' ? S_IFCHR : S_IFBLK) | 0644,
			     makedev(maj, min)) ? -errno : 0;
	case 'x': {
		char *name = rest ? strtok(rest, " ") : NULL;
		char *val = name ? strtok(NULL, "") : NULL;

		if (!name)
			return -EINVAL;
		if (!val)
			val = "";
		return lsetxattr(path, name, val, strlen(val), 0) ? -errno : 0;
	}
	case 'm':
		if (!rest)
			return -EINVAL;
		return chmod(path, strtoul(rest, NULL, 8)) ? -errno : 0;
	case 'u':
		if (!rest || sscanf(rest, "%u %u", &maj, &min) != 2)
			return -EINVAL;
		return lchown(path, maj, min) ? -errno : 0;
	}
	return -EINVAL;
}

int lfs_build(const char *root, const char *spec)
{
	char *copy = strdup(spec), *save = NULL, *line;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char orig[PATH_MAX];

		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line)
			continue;
		snprintf(orig, sizeof(orig), "%s", line);
		ret = build_line(root, line);
		if (ret) {
			diag("build %s: '%s': %s", root, orig, strerror(-ret));
			break;
		}
	}
	free(copy);
	return ret;
}

int lfs_mount_opts(struct lfs *c, const char *opts)
{
	if (mount("none", c->mnt, lfs_fstype(), 0, opts)) {
		int e = errno;

		diag("mount -t %s -o %.200s: %s", lfs_fstype(), opts,
		     strerror(e));
		return -e;
	}
	c->mounted = 1;
	return 0;
}

int lfs_mount_n(struct lfs *c, int n)
{
	char opts[4096];
	int i, len;

	len = snprintf(opts, sizeof(opts), "lowerdir=");
	for (i = 0; i < n; i++)
		len += snprintf(opts + len, sizeof(opts) - len, "%s%s/l%d",
				i ? ":" : "", c->dir, i);
	return lfs_mount_opts(c, opts);
}

int lfs_umount(struct lfs *c)
{
	if (umount2(c->mnt, 0)) {
		int e = errno;

		diag("umount %s: %s", c->mnt, strerror(e));
		return -e;
	}
	c->mounted = 0;
	return 0;
}

static void read_log(int fd, char *log, size_t loglen)
{
	size_t used = strlen(log);
	char msg[1024];

	for (;;) {
		ssize_t n = read(fd, msg, sizeof(msg) - 1);

		if (n <= 0)
			break;
		msg[n] = '\0';
		diag("fs_context log: %s", msg);
		if (log && used + n + 2 < loglen) {
			memcpy(log + used, msg, n);
			used += n;
			log[used++] = '\n';
			log[used] = '\0';
		}
	}
}

static int fs_finish(int fd, const char *mnt, char *log, size_t loglen,
		     const char **step)
{
	int mfd, e;

	if (fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		e = errno;
		if (step)
			*step = "fsconfig(CMD_CREATE)";
		goto fail;
	}
	mfd = fsmount(fd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0) {
		e = errno;
		if (step)
			*step = "fsmount";
		goto fail;
	}
	read_log(fd, log, loglen);
	close(fd);
	if (mnt && move_mount(mfd, "", AT_FDCWD, mnt,
			      MOVE_MOUNT_F_EMPTY_PATH)) {
		e = errno;
		if (step)
			*step = "move_mount";
		close(mfd);
		return -e;
	}
	close(mfd);
	return 0;
fail:
	read_log(fd, log, loglen);
	close(fd);
	return -e;
}

int lfs_fsmount(const char *mnt, const char *opts, char *log, size_t loglen,
		const char **step)
{
	char *copy, *save = NULL, *item;
	int fd, e;

	if (log && loglen)
		log[0] = '\0';
	fd = fsopen(lfs_fstype(), FSOPEN_CLOEXEC);
	if (fd < 0) {
		if (step)
			*step = "fsopen";
		return -errno;
	}
	copy = strdup(opts);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int r;

		if (eq) {
			*eq = '\0';
			r = fsconfig(fd, FSCONFIG_SET_STRING, item, eq + 1, 0);
		} else {
			r = fsconfig(fd, FSCONFIG_SET_FLAG, item, NULL, 0);
		}
		if (r) {
			e = errno;
			if (step)
				*step = "fsconfig(SET)";
			free(copy);
			read_log(fd, log, loglen);
			close(fd);
			return -e;
		}
	}
	free(copy);
	return fs_finish(fd, mnt, log, loglen, step);
}

int lfs_fsmount_layers(const char *mnt, char **layers, int n,
		       char *log, size_t loglen, const char **step)
{
	int fd, i, e;

	if (log && loglen)
		log[0] = '\0';
	fd = fsopen(lfs_fstype(), FSOPEN_CLOEXEC);
	if (fd < 0) {
		if (step)
			*step = "fsopen";
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", layers[i],
			     0)) {
			e = errno;
			if (step)
				*step = "fsconfig(lowerdir+)";
			diag("lowerdir+ #%d (%s): %s", i, layers[i],
			     strerror(e));
			read_log(fd, log, loglen);
			close(fd);
			return -e;
		}
	}
	return fs_finish(fd, mnt, log, loglen, step);
}

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct lfs_dent *)a)->name,
		      ((const struct lfs_dent *)b)->name);
}

int lfs_list(const char *dir, struct lfs_dent **out)
{
	struct lfs_dent *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	d = opendir(dir);
	if (!d)
		return -errno;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v) {
				closedir(d);
				return -ENOMEM;
			}
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n].type = de->d_type;
		v[n].ino = de->d_ino;
		n++;
	}
	if (errno) {
		int e = errno;

		closedir(d);
		free(v);
		return -e;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_dent);
	*out = v;
	return n;
}

int lfs_find(const struct lfs_dent *d, int n, const char *name)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2, r = strcmp(d[mid].name, name);

		if (!r)
			return mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---- tree digest ---- */

static char **dg_lines;
static size_t dg_n, dg_cap;
static size_t dg_root_len;

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int dg_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	char line[8192], xl[4096], val[4096], tgt[PATH_MAX];
	uint64_t h = 0xcbf29ce484222325ULL;
	int len;
	ssize_t xn, i;

	(void)flag;
	(void)ftw;
	if (S_ISREG(st->st_mode)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		char buf[65536];
		ssize_t n;

		if (fd >= 0) {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				h = fnv(h, buf, n);
			close(fd);
		} else {
			h = 0;
		}
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(path, tgt, sizeof(tgt));

		if (n > 0)
			h = fnv(h, tgt, n);
	}
	len = snprintf(line, sizeof(line),
		       "%s mode=%o uid=%u gid=%u size=%lld nlink=%lu rdev=%lx mtime=%lld.%09ld ctime=%lld.%09ld h=%llx",
		       path + dg_root_len, st->st_mode, st->st_uid, st->st_gid,
		       (long long)st->st_size, (unsigned long)st->st_nlink,
		       (unsigned long)st->st_rdev,
		       (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		       (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
		       (unsigned long long)h);
	xn = llistxattr(path, xl, sizeof(xl));
	for (i = 0; xn > 0 && i < xn; i += strlen(xl + i) + 1) {
		ssize_t vn = lgetxattr(path, xl + i, val, sizeof(val));

		len += snprintf(line + len, sizeof(line) - len, " x:%s=%llx",
				xl + i, vn >= 0 ? (unsigned long long)
				fnv(0xcbf29ce484222325ULL, val, vn) : 0ULL);
	}
	if (dg_n == dg_cap) {
		dg_cap = dg_cap ? dg_cap * 2 : 256;
		dg_lines = realloc(dg_lines, dg_cap * sizeof(*dg_lines));
		if (!dg_lines)
			return -1;
	}
	dg_lines[dg_n++] = strdup(line);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *lfs_tree_digest(const char *root)
{
	size_t total = 1, i;
	char *out, *p;

	dg_lines = NULL;
	dg_n = dg_cap = 0;
	dg_root_len = strlen(root);
	if (nftw(root, dg_one, 64, FTW_PHYS))
		return NULL;
	qsort(dg_lines, dg_n, sizeof(*dg_lines), cmp_str);
	for (i = 0; i < dg_n; i++)
		total += strlen(dg_lines[i]) + 1;
	out = p = malloc(total);
	if (!out)
		return NULL;
	for (i = 0; i < dg_n; i++) {
		p = stpcpy(p, dg_lines[i]);
		*p++ = '\n';
		free(dg_lines[i]);
	}
	*p = '\0';
	free(dg_lines);
	dg_lines = NULL;
	return out;
}

/* ---- SHA-256 (FIPS 180-4), small and slow, for checking images ---- */

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		     ((e & f) ^ (~e & g)) + K256[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

int lfs_sha256_file(const char *path, char hex[65])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	unsigned char buf[65536 + 128];
	uint64_t total = 0;
	size_t have = 0, off;
	ssize_t n;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + have, 65536);
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		total += n;
		have += n;
		for (off = 0; off + 64 <= have; off += 64)
			sha_block(h, buf + off);
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	close(fd);
	buf[have++] = 0x80;
	while (have % 64 != 56)
		buf[have++] = 0;
	for (i = 7; i >= 0; i--)
		buf[have++] = (unsigned char)((total * 8) >> (8 * i));
	for (off = 0; off < have; off += 64)
		sha_block(h, buf + off);
	for (i = 0; i < 8; i++)
		sprintf(hex + 8 * i, "%08x", h[i]);
	return 0;
}

const char *lfs_cat(const char *path)
{
	static char bufs[8][4096];
	static int idx;
	char *b = bufs[idx++ % 8];
	ssize_t n = lfs_read_file(path, b, sizeof(bufs[0]) - 1);

	if (n < 0)
		snprintf(b, sizeof(bufs[0]), "!E%d", (int)-n);
	else
		b[n] = '\0';
	return b;
}

int lfs_ftype(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	return st.st_mode & S_IFMT;
}

int lfs_listed(const char *dir, const char *name)
{
	struct dirent *de;
	int found = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!strcmp(de->d_name, name))
			found++;
	closedir(d);
	return found;
}

void lfs_pattern(void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t x = (off + i) * 0x9e3779b97f4a7c15ULL;

		p[i] = (unsigned char)(x >> 56) ^ (unsigned char)((off + i) >> 12);
	}
}

int lfs_run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid))
			_exit(125);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int lfs_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int lfs_kmsg_read(int fd, char *log, size_t loglen)
{
	size_t used = 0;
	char rec[8192];
	int n = 0;

	if (loglen)
		log[0] = '\0';
	for (;;) {
		ssize_t len = read(fd, rec, sizeof(rec) - 1);
		char *msg, *end;

		if (len < 0 && errno == EPIPE)
			continue;	/* records overwritten: go on */
		if (len < 0 && errno == EAGAIN)
			return n;
		if (len < 0)
			return -errno;
		if (len == 0)
			return n;
		rec[len] = '\0';
		/* "prio,seq,usec,flags;text\n" then " KEY=value" lines */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		n++;
		if (used + strlen(msg) + 2 <= loglen)
			used += sprintf(log + used, "%s\n", msg);
	}
}
