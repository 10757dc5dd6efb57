// SPDX-License-Identifier: GPL-2.0
/* Helpers for the writable-union selftests; see lfs_wr.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lfs_wr.h"

#define diag(fmt, ...) fprintf(stderr, "# lfs_wr: " fmt "\n", ##__VA_ARGS__)

static char wr_buf[24][PATH_MAX];
static int wr_idx;

static const char *wr_vpath(const char *prefix, const char *fmt, va_list ap)
{
	char *b = wr_buf[wr_idx++ % 24];
	int n;

	n = snprintf(b, PATH_MAX, "%s/", prefix);
	vsnprintf(b + n, PATH_MAX - n, fmt, ap);
	return b;
}

const char *lfs_wu(const struct lfs_wr *w, const char *fmt, ...)
{
	char pre[PATH_MAX];
	const char *r;
	va_list ap;

	snprintf(pre, sizeof(pre), "%s/u", w->c.dir);
	va_start(ap, fmt);
	r = wr_vpath(pre, fmt, ap);
	va_end(ap);
	return r;
}

const char *lfs_wl(const struct lfs_wr *w, int layer, const char *fmt, ...)
{
	char pre[PATH_MAX];
	const char *r;
	va_list ap;

	snprintf(pre, sizeof(pre), "%s/l%d", w->c.dir, layer);
	va_start(ap, fmt);
	r = wr_vpath(pre, fmt, ap);
	va_end(ap);
	return r;
}

const char *lfs_wd(const struct lfs_wr *w, const char *fmt, ...)
{
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	r = wr_vpath(w->c.dir, fmt, ap);
	va_end(ap);
	return r;
}

const char *lfs_priv_xattr(const char *what)
{
	static char b[8][64];
	static int i;
	char *p = b[i++ % 8];

	snprintf(p, 64, "trusted.%s.%s", lfs_is_layerfs() ? "layerfs" :
		 "overlay", what);
	return p;
}

const char *lfs_wr_features(void)
{
	return lfs_is_layerfs() ? "" : "redirect_dir=on,index=on,metacopy=on";
}

int lfs_wr_snapshot(struct lfs_wr *w)
{
	int i;

	for (i = 0; i < LFS_WR_NLOWER; i++) {
		free(w->digest[i]);
		w->digest[i] = lfs_tree_digest(lfs_wl(w, i, "%s", ""));
		if (!w->digest[i])
			return -ENOMEM;
	}
	return 0;
}

static void first_diff(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	/* back to the start of the line */
	diag("lower layer changed near: before '%.160s' / after '%.160s'",
	     a, b);
}

int lfs_wr_check_lowers(struct lfs_wr *w)
{
	int i, ret = 0;

	for (i = 0; i < LFS_WR_NLOWER; i++) {
		char *now;

		if (!w->digest[i])
			continue;
		now = lfs_tree_digest(lfs_wl(w, i, "%s", ""));
		if (!now)
			return -ENOMEM;
		if (strcmp(now, w->digest[i])) {
			const char *a = w->digest[i], *b = now;
			size_t k = 0;

			while (a[k] && a[k] == b[k])
				k++;
			while (k && a[k - 1] != '\n')
				k--;
			diag("lower layer l%d changed", i);
			first_diff(a + k, b + k);
			ret = -1;
		}
		free(now);
	}
	return ret;
}

void lfs_wr_free(struct lfs_wr *w)
{
	int i;

	for (i = 0; i < LFS_WR_NLOWER; i++) {
		free(w->digest[i]);
		w->digest[i] = NULL;
	}
}

int lfs_wr_setup(struct lfs_wr *w, const char *spec0, const char *spec1)
{
	int ret;

	memset(w, 0, sizeof(*w));
	ret = lfs_setup(&w->c);
	if (ret)
		return ret;
	if (spec0 && (ret = lfs_wr_build(lfs_wl(w, 0, "%s", ""), spec0)))
		return ret;
	if (spec1 && (ret = lfs_wr_build(lfs_wl(w, 1, "%s", ""), spec1)))
		return ret;
	if (mkdir(lfs_wd(w, "u"), 0755) || mkdir(lfs_wd(w, "w"), 0755))
		return -errno;
	return lfs_wr_snapshot(w);
}

int lfs_wr_mount_at(struct lfs_wr *w, const char *mnt, const char *upper,
		    const char *work, int features, const char *extra)
{
	char opts[4096], mp[PATH_MAX];
	const char *f = features ? lfs_wr_features() : "";

	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/l0:%s/l1,upperdir=%s/%s,workdir=%s/%s%s%s%s%s",
		 w->c.dir, w->c.dir, w->c.dir, upper ? upper : "u",
		 w->c.dir, work ? work : "w", *f ? "," : "", f,
		 extra && *extra ? "," : "", extra ? extra : "");
	if (!mnt)
		return lfs_mount_opts(&w->c, opts);
	snprintf(mp, sizeof(mp), "%s/%s", w->c.dir, mnt);
	lfs_mkdir_p(mp, 0755);
	if (mount("none", mp, lfs_fstype(), 0, opts)) {
		int e = errno;

		diag("mount -t %s -o %.300s at %s: %s", lfs_fstype(), opts,
		     mp, strerror(e));
		return -e;
	}
	return 0;
}

int lfs_wr_mount(struct lfs_wr *w)
{
	return lfs_wr_mount_at(w, NULL, NULL, NULL, 1, NULL);
}

static int make_pattern_file(const char *path, off_t size, int sparse)
{
	static char buf[65536];
	off_t off;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (sparse) {
		off_t mid = (size / 2) & ~(off_t)65535;
		off_t offs[2] = { 0, mid };
		int i;

		for (i = 0; i < 2; i++) {
			size_t n = size - offs[i] < 65536 ? size - offs[i] :
				   65536;

			lfs_pattern(buf, n, offs[i]);
			if (pwrite(fd, buf, n, offs[i]) != (ssize_t)n)
				ret = -EIO;
		}
		if (!ret && ftruncate(fd, size))
			ret = -errno;
	} else {
		for (off = 0; off < size && !ret; off += sizeof(buf)) {
			size_t n = size - off < (off_t)sizeof(buf) ?
				   (size_t)(size - off) : sizeof(buf);

			lfs_pattern(buf, n, off);
			if (pwrite(fd, buf, n, off) != (ssize_t)n)
				ret = -EIO;
		}
	}
	close(fd);
	return ret;
}

static int set_acl(const char *path, unsigned int uid)
{
	/* posix_acl_xattr_header + entries, little endian, sorted by tag */
	struct { uint16_t tag, perm; uint32_t id; } e[5] = {
		{ 0x01, 6, 0xffffffff },	/* ACL_USER_OBJ */
		{ 0x02, 6, uid },		/* ACL_USER */
		{ 0x04, 4, 0xffffffff },	/* ACL_GROUP_OBJ */
		{ 0x10, 6, 0xffffffff },	/* ACL_MASK */
		{ 0x20, 4, 0xffffffff },	/* ACL_OTHER */
	};
	char buf[4 + sizeof(e)];
	uint32_t version = 2;

	memcpy(buf, &version, 4);
	memcpy(buf + 4, e, sizeof(e));
	if (lsetxattr(path, "system.posix_acl_access", buf, sizeof(buf), 0))
		return -errno;
	return 0;
}

static int wr_line(const char *root, const char *line)
{
	char op, a[PATH_MAX], b[PATH_MAX], path[PATH_MAX * 2];
	long long x, y;

	op = line[0];
	if (!strchr("htPza", op) || line[1] != ' ')
		return lfs_build(root, line);
	if (sscanf(line + 2, "%4095s %4095s", a, b) < 1)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", root, a);
	switch (op) {
	case 'h': {
		char tgt[PATH_MAX * 2];

		snprintf(tgt, sizeof(tgt), "%s/%s", root, b);
		return link(tgt, path) ? -errno : 0;
	}
	case 't': {
		struct timespec ts[2];

		if (sscanf(line + 2, "%*s %lld %lld", &x, &y) != 2)
			return -EINVAL;
		ts[0].tv_sec = ts[1].tv_sec = x;
		ts[0].tv_nsec = ts[1].tv_nsec = y;
		return utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) ?
		       -errno : 0;
	}
	case 'P':
	case 'z':
		if (sscanf(line + 2, "%*s %lld", &x) != 1)
			return -EINVAL;
		return make_pattern_file(path, x, op == 'z');
	case 'a':
		if (sscanf(line + 2, "%*s %lld", &x) != 1)
			return -EINVAL;
		return set_acl(path, x);
	}
	return -EINVAL;
}

int lfs_wr_build(const char *root, const char *spec)
{
	char *copy = strdup(spec), *save = NULL, *line;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line)
			continue;
		ret = wr_line(root, line);
		if (ret) {
			diag("build %s: '%s': %s", root, line, strerror(-ret));
			break;
		}
	}
	free(copy);
	return ret;
}

int lfs_is_whiteout(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

int lfs_has_xattr(const char *path, const char *name)
{
	if (lgetxattr(path, name, NULL, 0) >= 0)
		return 1;
	if (errno == ENODATA)
		return 0;
	return -errno;
}

const char *lfs_getx(const char *path, const char *name)
{
	static char b[8][1024];
	static int i;
	char *p = b[i++ % 8];
	ssize_t n = lgetxattr(path, name, p, 1023);

	if (n < 0)
		snprintf(p, 1024, "!E%d", errno);
	else
		p[n] = '\0';
	return p;
}

int lfs_count(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

long long lfs_check_pattern(const char *path, size_t size)
{
	static char want[65536], got[65536];
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (off < size) {
		size_t n = size - off < sizeof(got) ? size - off : sizeof(got);
		ssize_t r = pread(fd, got, n, off);
		size_t k;

		if (r < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		lfs_pattern(want, n, off);
		for (k = 0; k < (size_t)r; k++)
			if (want[k] != got[k])
				break;
		if (k < n) {
			close(fd);
			return off + k + 1;
		}
		off += n;
	}
	close(fd);
	return 0;
}

int lfs_run_quiet(char *const argv[], char *const env[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		for (; env && *env; env++)
			putenv(*env);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int lfs_loop_attach(const char *file, char *node, size_t len)
{
	struct loop_config cfg = { .info.lo_flags = LO_FLAGS_AUTOCLEAR };
	int ctl, ffd, lfd, n, i, r = -EBUSY;

	for (i = 0; i < 20 && r == -EBUSY; i++) {
		ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
		if (ctl < 0)
			return -errno;
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		close(ctl);
		if (n < 0)
			return -errno;
		snprintf(node, len, "/dev/loop%d", n);
		lfd = open(node, O_RDWR | O_CLOEXEC);
		if (lfd < 0)
			return -errno;
		ffd = open(file, O_RDWR | O_CLOEXEC);
		if (ffd < 0) {
			close(lfd);
			return -errno;
		}
		cfg.fd = ffd;
		r = ioctl(lfd, LOOP_CONFIGURE, &cfg) ? -errno : 0;
		close(ffd);
		if (!r)
			return lfd;
		close(lfd);	/* lost a race for that loop device */
	}
	return r;
}

void lfs_digest_strip(char *digest, const char *field, const char *only)
{
	char pat[32], *line = digest;

	snprintf(pat, sizeof(pat), " %s=", field);
	while (*line) {
		size_t n = strcspn(line, "\n");
		char save = line[n], *p, *e;

		line[n] = '\0';
		p = strstr(line, pat);
		if (p && (!only || strstr(line, only))) {
			e = strchr(p + 1, ' ');
			if (!e)
				e = line + n;
			line[n] = save;
			memmove(p, e, strlen(e) + 1);
			n -= e - p;
		} else {
			line[n] = save;
		}
		line += n + !!line[n];
	}
}

/* The lines of A that B does not have, as diagnostics after "-" or "+". */
static void print_missing(const char *a, const char *b, char sign)
{
	while (*a) {
		int n = strcspn(a, "\n");
		const char *p = b;
		int found = 0;

		while (*p && !found) {
			int m = strcspn(p, "\n");

			found = m == n && !strncmp(a, p, n);
			p += m + !!p[m];
		}
		if (!found)
			fprintf(stderr, "#   %c %.*s\n", sign, n, a);
		a += n + !!a[n];
	}
}

int lfs_same_digest(const char *was, const char *now, const char *what)
{
	if (!was || !now)
		return -EIO;
	if (!strcmp(was, now))
		return 0;
	diag("%s: merged view differs (-expected, +got):", what);
	print_missing(was, now, '-');
	print_missing(now, was, '+');
	return -1;
}
