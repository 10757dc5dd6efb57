// SPDX-License-Identifier: GPL-2.0
/* Small helpers: errors, memory, paths, files, JSON, digests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "util.h"

static char errbuf[1024];

void lfs_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
}

void lfs_err_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", strerror(e));
	errno = e;
}

const char *lfs_errmsg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

void lfs_err_clear(void)
{
	errbuf[0] = 0;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", lfs_prog);
		exit(1);
	}
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", lfs_prog);
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", lfs_prog);
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", lfs_prog);
		exit(1);
	}
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", lfs_prog);
		exit(1);
	}
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, "%s: out of memory\n", lfs_prog);
		exit(1);
	}
	va_end(ap);
	return s;
}

void strv_add(struct strv *s, const char *str)
{
	strv_addn(s, str ? xstrdup(str) : NULL);
}

void strv_addn(struct strv *s, char *owned)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(char *));
	}
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);

	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = 0;
		if (mkdir(p, mode) && errno != EEXIST) {
			lfs_err_errno("cannot create %s", p);
			free(p);
			return -1;
		}
		*c = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST) {
		lfs_err_errno("cannot create %s", p);
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) && errno != ENOENT ? -1 : 0;
	return unlink(path) && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		lfs_err_errno("cannot remove %s", path);
		return -1;
	}
	if (nftw(path, rm_cb, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT)) {
		lfs_err_errno("cannot remove %s", path);
		return -1;
	}
	return 0;
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *read_text(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0) {
		lfs_err_errno("cannot open %s", path);
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			lfs_err_errno("cannot read %s", path);
			free(buf);
			close(fd);
			return NULL;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= w;
	}
	return 0;
}

int write_text_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		lfs_err_errno("cannot create %s", tmp);
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) || fsync(fd) || close(fd)) {
		lfs_err_errno("cannot write %s", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		lfs_err_errno("cannot rename %s", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

json_object *json_load(const char *path)
{
	char *txt = read_text(path, NULL);
	json_object *o;
	enum json_tokener_error jerr;

	if (!txt)
		return NULL;
	o = json_tokener_parse_verbose(txt, &jerr);
	free(txt);
	if (!o)
		lfs_err("%s: invalid JSON: %s", path, json_tokener_error_desc(jerr));
	return o;
}

char *json_plain(json_object *obj)
{
	return xstrdup(json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int json_save(const char *path, json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	return write_text_atomic(path, s, strlen(s));
}

const char *json_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void random_hex(char *out, size_t nhex)
{
	unsigned char b[64];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t nb = (nhex + 1) / 2;

	if (nb > sizeof(b))
		nb = sizeof(b);
	if (fd < 0 || read(fd, b, nb) != (ssize_t)nb) {
		/* fall back to something unique enough */
		unsigned long long x = (unsigned long long)time(NULL) ^
			((unsigned long long)getpid() << 32) ^ (uintptr_t)out;
		for (size_t i = 0; i < nb; i++)
			b[i] = (unsigned char)(x >> ((i % 8) * 8)) ^ (unsigned char)i;
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < nhex; i++)
		out[i] = "0123456789abcdef"[(b[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[nhex] = 0;
}

char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

void human_size(uint64_t n, char *out, size_t len)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	double d = n;
	int i = 0;

	while (d >= 1000 && i < 4) {
		d /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(out, len, "%lluB", (unsigned long long)n);
	else
		snprintf(out, len, "%.3g%s", d, u[i]);
}

int copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	ssize_t r;

	if (in < 0) {
		lfs_err_errno("cannot open %s", src);
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		lfs_err_errno("cannot create %s", dst);
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0) {
		if (write_all(out, buf, r)) {
			lfs_err_errno("cannot write %s", dst);
			close(in);
			close(out);
			return -1;
		}
	}
	close(in);
	if (r < 0 || close(out)) {
		lfs_err_errno("cannot copy %s", src);
		return -1;
	}
	return 0;
}

bool is_whiteout_st(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 && minor(st->st_rdev) == 0;
}

/* -1 with "must be run as root (WHY)" unless we are root */
int need_root(const char *why)
{
	if (geteuid() == 0)
		return 0;
	lfs_err("must be run as root (%s)", why);
	return -1;
}

static bool xattr_is_y(const char *path, const char *name)
{
	char v[8];
	ssize_t n = lgetxattr(path, name, v, sizeof(v));

	return n == 1 && v[0] == 'y';
}

bool dir_is_opaque(const char *path)
{
	return xattr_is_y(path, LFS_XATTR_OPAQUE) || xattr_is_y(path, OVL_XATTR_OPAQUE);
}

/* Names of images and containers: [A-Za-z0-9][A-Za-z0-9_.:/-]*, no "..". */
bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 128 || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
				(*s >= '0' && *s <= '9')))
		return false;
	if (strstr(s, ".."))
		return false;
	for (const char *c = s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("_.:/-", *c))
			continue;
		return false;
	}
	return true;
}

char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	return xstrdup(buf);
}

/* Open @rel below @rootfd without following any symlink or leaving it. */
int open_beneath(int rootfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}
