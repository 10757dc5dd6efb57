// SPDX-License-Identifier: GPL-2.0
/*
 * Layer folders <-> OCI layer tars.
 *
 * A layer folder is in layerfs on-disk format: whiteouts are character
 * devices 0/0, opaque directories carry trusted.layerfs.opaque="y".
 * Its canonical tar is the OCI form of the same tree: entries sorted by
 * byte order, pax format, whiteouts as empty ".wh.NAME" files, opaque
 * directories followed by a ".wh..wh..opq" entry, no user/group names,
 * only mtime, layerfs/overlay private xattrs left out.  The layer id is
 * the sha256 of that tar, so extracting it and writing it again gives the
 * same bytes: export and re-import keep every digest.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "layer.h"

struct sink {
	EVP_MD_CTX *md;
	int fd;
	uint64_t size;
	int err;
};

static la_ssize_t sink_write(struct archive *a, void *cd, const void *buf, size_t n)
{
	struct sink *s = cd;
	const char *p = buf;
	size_t left = n;

	(void)a;
	EVP_DigestUpdate(s->md, buf, n);
	s->size += n;
	while (s->fd >= 0 && left) {
		ssize_t w = write(s->fd, p, left);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->err = errno;
			return -1;
		}
		p += w;
		left -= w;
	}
	return (la_ssize_t)n;
}

struct hl {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct walk {
	struct archive *a;
	struct hl *links;
	size_t nlinks;
	uint64_t content;
	lfs_data_source_fn src;
	void *src_ctx;
	const char *root;
	const char *merged;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool private_xattr(const char *name)
{
	return !strncmp(name, "trusted.layerfs.", 16) || !strncmp(name, "trusted.overlay.", 16);
}

static int add_xattrs(struct archive_entry *e, const char *path)
{
	ssize_t n = llistxattr(path, NULL, 0);
	char *buf, **names;
	size_t cnt = 0;

	if (n <= 0)
		return 0;
	buf = xmalloc(n);
	n = llistxattr(path, buf, n);
	if (n < 0) {
		free(buf);
		return 0;
	}
	names = xcalloc(n, sizeof(char *));
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (!private_xattr(p))
			names[cnt++] = p;
	qsort(names, cnt, sizeof(char *), cmp_str);
	for (size_t i = 0; i < cnt; i++) {
		ssize_t vl = lgetxattr(path, names[i], NULL, 0);
		void *v;

		if (vl < 0)
			continue;
		v = xmalloc(vl);
		vl = lgetxattr(path, names[i], v, vl);
		if (vl >= 0)
			archive_entry_xattr_add_entry(e, names[i], v, vl);
		free(v);
	}
	free(names);
	free(buf);
	return 0;
}

static void set_common(struct archive_entry *e, const char *name, const struct stat *st)
{
	archive_entry_set_pathname(e, name);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

static int put_header(struct walk *w, struct archive_entry *e)
{
	if (archive_write_header(w->a, e) < ARCHIVE_WARN) {
		lfs_err("tar: %s: %s", archive_entry_pathname(e), archive_error_string(w->a));
		return -1;
	}
	return 0;
}

static int put_marker(struct walk *w, const char *name, const struct stat *st, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	set_common(e, name, st);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, 0);
	r = put_header(w, e);
	archive_entry_free(e);
	return r;
}

static int put_data(struct walk *w, const char *path, const char *rel)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t r;

	(void)rel;
	if (fd < 0) {
		lfs_err_errno("cannot open %s", path);
		return -1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (archive_write_data(w->a, buf, r) != r) {
			lfs_err("tar: %s: %s", path, archive_error_string(w->a));
			close(fd);
			return -1;
		}
		w->content += r;
	}
	close(fd);
	if (r < 0) {
		lfs_err_errno("cannot read %s", path);
		return -1;
	}
	return 0;
}

static int walk_dir(struct walk *w, const char *path, const char *rel);

static int walk_entry(struct walk *w, const char *path, const char *rel, const char *dirrel,
		      const char *name)
{
	struct stat st;
	struct archive_entry *e;
	int r = 0;

	if (lstat(path, &st)) {
		lfs_err_errno("cannot stat %s", path);
		return -1;
	}
	if (is_whiteout_st(&st)) {
		char *wh = xasprintf("%s%s%s%s", dirrel, *dirrel ? "/" : "", LFS_WH_PREFIX, name);

		r = put_marker(w, wh, &st, st.st_mode & 07777);
		free(wh);
		return r;
	}
	if (S_ISSOCK(st.st_mode))
		return 0;	/* tar cannot hold sockets */
	e = archive_entry_new();
	set_common(e, rel, &st);
	archive_entry_set_mode(e, st.st_mode);
	add_xattrs(e, path);
	if (S_ISREG(st.st_mode)) {
		char *data = NULL;

		if (st.st_nlink > 1) {
			for (size_t i = 0; i < w->nlinks; i++) {
				if (w->links[i].dev == st.st_dev && w->links[i].ino == st.st_ino) {
					archive_entry_set_hardlink(e, w->links[i].path);
					archive_entry_set_size(e, 0);
					r = put_header(w, e);
					archive_entry_free(e);
					return r;
				}
			}
			w->links = xrealloc(w->links, (w->nlinks + 1) * sizeof(*w->links));
			w->links[w->nlinks++] = (struct hl){ st.st_dev, st.st_ino, xstrdup(rel) };
		}
		if (w->src || w->merged) {
			if (lgetxattr(path, LFS_XATTR_METACOPY, NULL, 0) >= 0 ||
			    lgetxattr(path, OVL_XATTR_METACOPY, NULL, 0) >= 0) {
				/* data-less copy-up: the data is the union's */
				data = w->merged ? xasprintf("%s/%s", w->merged, rel) :
					w->src(w->src_ctx, rel);
				if (!data) {
					archive_entry_free(e);
					return -1;
				}
				struct stat dst;

				if (stat(data, &dst) == 0)
					st.st_size = dst.st_size;
			}
		}
		archive_entry_set_size(e, st.st_size);
		r = put_header(w, e);
		if (!r)
			r = put_data(w, data ? data : path, rel);
		free(data);
	} else if (S_ISLNK(st.st_mode)) {
		char tgt[PATH_MAX];
		ssize_t n = readlink(path, tgt, sizeof(tgt) - 1);

		if (n < 0) {
			lfs_err_errno("cannot read link %s", path);
			archive_entry_free(e);
			return -1;
		}
		tgt[n] = 0;
		archive_entry_set_symlink(e, tgt);
		archive_entry_set_size(e, 0);
		r = put_header(w, e);
	} else if (S_ISDIR(st.st_mode)) {
		bool redirect = lgetxattr(path, LFS_XATTR_REDIRECT, NULL, 0) >= 0 ||
			lgetxattr(path, OVL_XATTR_REDIRECT, NULL, 0) >= 0;

		archive_entry_set_size(e, 0);
		r = put_header(w, e);
		if (!r && redirect) {
			/*
			 * A renamed directory: its lower part lives elsewhere, so
			 * write it out in full from the merged view, as opaque.
			 */
			char *m = xasprintf("%s/%s", rel, LFS_WH_OPAQUE), *mp;

			if (!w->merged) {
				lfs_err("/%s is a renamed directory (redirect) and no merged view was given",
					rel);
				free(m);
				archive_entry_free(e);
				return -1;
			}
			r = put_marker(w, m, &st, 0);
			free(m);
			mp = xasprintf("%s/%s", w->merged, rel);
			if (!r)
				r = walk_dir(w, mp, rel);
			free(mp);
			archive_entry_free(e);
			return r;
		}
		if (!r && dir_is_opaque(path)) {
			char *m = xasprintf("%s/%s", rel, LFS_WH_OPAQUE);

			r = put_marker(w, m, &st, 0);
			free(m);
		}
		if (!r)
			r = walk_dir(w, path, rel);
	} else {
		/* fifo, character or block device */
		archive_entry_set_rdevmajor(e, major(st.st_rdev));
		archive_entry_set_rdevminor(e, minor(st.st_rdev));
		archive_entry_set_size(e, 0);
		r = put_header(w, e);
	}
	archive_entry_free(e);
	return r;
}

static int walk_dir(struct walk *w, const char *path, const char *rel)
{
	DIR *d = opendir(path);
	struct dirent *de;
	struct strv names = { 0 };
	int r = 0;

	if (!d) {
		lfs_err_errno("cannot open directory %s", path);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strv_add(&names, de->d_name);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n && !r; i++) {
		char *p = xasprintf("%s/%s", path, names.v[i]);
		char *rp = *rel ? xasprintf("%s/%s", rel, names.v[i]) : xstrdup(names.v[i]);

		r = walk_entry(w, p, rp, rel, names.v[i]);
		free(p);
		free(rp);
	}
	strv_free(&names);
	return r;
}

int layer_write_tar(const char *dir, int out_fd, struct tar_result *res,
		    const struct tar_opts *opts)
{
	struct sink s = { .fd = out_fd };
	struct walk w = { .root = dir };

	if (opts) {
		w.src = opts->src;
		w.src_ctx = opts->ctx;
		w.merged = opts->merged;
	}
	int r;

	if (!is_dir(dir)) {
		lfs_err("%s: not a directory", dir);
		return -1;
	}
	s.md = sha256_begin();
	w.a = archive_write_new();
	archive_write_set_format_pax_restricted(w.a);
	archive_write_set_bytes_per_block(w.a, 10240);
	archive_write_set_bytes_in_last_block(w.a, 1);
	if (archive_write_open(w.a, &s, NULL, sink_write, NULL) != ARCHIVE_OK) {
		lfs_err("tar: %s", archive_error_string(w.a));
		archive_write_free(w.a);
		EVP_MD_CTX_free(s.md);
		return -1;
	}
	r = walk_dir(&w, dir, "");
	if (archive_write_close(w.a) != ARCHIVE_OK && !r) {
		if (s.err) {
			errno = s.err;
			lfs_err_errno("cannot write tar");
		} else {
			lfs_err("tar: %s", archive_error_string(w.a));
		}
		r = -1;
	}
	archive_write_free(w.a);
	sha256_end(s.md, res->digest);
	for (size_t i = 0; i < w.nlinks; i++)
		free(w.links[i].path);
	free(w.links);
	if (r)
		return -1;
	res->tar_size = s.size;
	res->content_size = w.content;
	return 0;
}

/* ---- extraction ---- */

/* Normalise an entry name: strip "./" and leading "/". */
static const char *norm_name(const char *n)
{
	for (;;) {
		if (n[0] == '/')
			n++;
		else if (n[0] == '.' && n[1] == '/')
			n += 2;
		else
			break;
	}
	return n;
}

static int mark_opaque(int rootfd, const char *dirrel)
{
	char *d = xstrdup(dirrel), *save = NULL, *comp;
	int fd = dup(rootfd);

	/* walk down component by component, creating what is missing, never following a symlink */
	for (comp = strtok_r(d, "/", &save); comp && fd >= 0; comp = strtok_r(NULL, "/", &save)) {
		int nfd;

		if (mkdirat(fd, comp, 0755) && errno != EEXIST)
			break;
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = nfd;
	}
	if (fd < 0 || comp) {
		lfs_err_errno("opaque marker: cannot open directory %s", *dirrel ? dirrel : "/");
		if (fd >= 0)
			close(fd);
		free(d);
		return -1;
	}
	free(d);
	if (fsetxattr(fd, LFS_XATTR_OPAQUE, "y", 1, 0)) {
		lfs_err_errno("cannot set %s on %s", LFS_XATTR_OPAQUE, *dirrel ? dirrel : "/");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void strip_private_xattrs(struct archive_entry *e)
{
	const char *name;
	const void *val;
	size_t sz;
	struct { char *n; void *v; size_t s; } keep[64];
	int nk = 0, total;
	bool drop = false;

	total = archive_entry_xattr_reset(e);
	if (!total)
		return;
	while (archive_entry_xattr_next(e, &name, &val, &sz) == ARCHIVE_OK) {
		if (private_xattr(name)) {
			drop = true;
			continue;
		}
		if (nk < 64) {
			keep[nk].n = xstrdup(name);
			keep[nk].v = xmalloc(sz);
			memcpy(keep[nk].v, val, sz);
			keep[nk].s = sz;
			nk++;
		}
	}
	if (drop) {
		archive_entry_xattr_clear(e);
		for (int i = 0; i < nk; i++)
			archive_entry_xattr_add_entry(e, keep[i].n, keep[i].v, keep[i].s);
	}
	for (int i = 0; i < nk; i++) {
		free(keep[i].n);
		free(keep[i].v);
	}
}

static int extract(struct archive *in, const char *dir)
{
	struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	int rootfd, r = 0, flags, cwdfd;
	struct strv opaques = { 0 };

	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cwdfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || cwdfd < 0 || fchdir(rootfd)) {
		lfs_err_errno("cannot enter %s", dir);
		if (rootfd >= 0)
			close(rootfd);
		if (cwdfd >= 0)
			close(cwdfd);
		archive_write_free(out);
		return -1;
	}
	/* names are made relative to the layer folder we are in */
	flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
		ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
		ARCHIVE_EXTRACT_UNLINK;
	archive_write_disk_set_options(out, flags);
	archive_write_disk_set_standard_lookup(out);
	for (;;) {
		int rr = archive_read_next_header(in, &e);
		const char *name, *base;
		char *dirrel = NULL, *full = NULL;

		if (rr == ARCHIVE_EOF)
			break;
		if (rr < ARCHIVE_WARN) {
			lfs_err("cannot read archive: %s", archive_error_string(in));
			r = -1;
			break;
		}
		name = norm_name(archive_entry_pathname(e));
		if (!*name || !strcmp(name, ".") || !strcmp(name, "./"))
			continue;	/* the layer root itself */
		base = strrchr(name, '/');
		/* a trailing slash on directories */
		if (base && !base[1]) {
			char *t = xstrdup(name);

			t[strlen(t) - 1] = 0;
			full = t;
			name = full;
			base = strrchr(name, '/');
		}
		dirrel = base ? xstrndup(name, base - name) : xstrdup("");
		base = base ? base + 1 : name;
		if (!strcmp(base, LFS_WH_OPAQUE)) {
			/* applied after extraction: libarchive may still touch the dir */
			strv_add(&opaques, dirrel);
			free(dirrel);
			free(full);
			continue;
		}
		if (!strncmp(base, LFS_WH_PREFIX, strlen(LFS_WH_PREFIX))) {
			const char *target = base + strlen(LFS_WH_PREFIX);
			char *np;

			if (!*target || !strcmp(target, ".") || !strcmp(target, "..") ||
			    strchr(target, '/')) {
				lfs_err("invalid whiteout entry %s", archive_entry_pathname(e));
				free(dirrel);
				free(full);
				r = -1;
				break;
			}
			np = xasprintf("%s%s%s", dirrel, *dirrel ? "/" : "", target);
			archive_entry_set_pathname(e, np);
			free(np);
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_perm(e, archive_entry_perm(e));
			archive_entry_set_rdev(e, makedev(0, 0));
			archive_entry_set_size(e, 0);
			archive_entry_set_hardlink(e, NULL);
			archive_entry_set_symlink(e, NULL);
			archive_entry_xattr_clear(e);
		} else {
			char *np = xstrdup(name);

			archive_entry_set_pathname(e, np);
			free(np);
			if (archive_entry_hardlink(e)) {
				char *hp = xstrdup(norm_name(archive_entry_hardlink(e)));

				archive_entry_set_hardlink(e, hp);
				free(hp);
			}
			strip_private_xattrs(e);
		}
		free(dirrel);
		free(full);
		rr = archive_write_header(out, e);
		if (rr < ARCHIVE_WARN) {
			lfs_err("cannot extract %s: %s", archive_entry_pathname(e),
				archive_error_string(out));
			r = -1;
			break;
		}
		if (archive_entry_size(e) > 0 && !archive_entry_hardlink(e)) {
			const void *buf;
			size_t sz;
			la_int64_t off;

			while ((rr = archive_read_data_block(in, &buf, &sz, &off)) == ARCHIVE_OK) {
				if (archive_write_data_block(out, buf, sz, off) < ARCHIVE_WARN) {
					lfs_err("cannot write %s: %s", archive_entry_pathname(e),
						archive_error_string(out));
					r = -1;
					break;
				}
			}
			if (r)
				break;
			if (rr < ARCHIVE_WARN) {
				lfs_err("cannot read archive: %s", archive_error_string(in));
				r = -1;
				break;
			}
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
			lfs_err("cannot extract %s: %s", archive_entry_pathname(e),
				archive_error_string(out));
			r = -1;
			break;
		}
	}
	if (archive_write_close(out) != ARCHIVE_OK && !r) {
		lfs_err("cannot finish extraction: %s", archive_error_string(out));
		r = -1;
	}
	archive_write_free(out);
	for (size_t i = 0; i < opaques.n && !r; i++)
		r = mark_opaque(rootfd, opaques.v[i]);
	strv_free(&opaques);
	if (fchdir(cwdfd) && !r) {
		lfs_err_errno("cannot return to the working directory");
		r = -1;
	}
	close(cwdfd);
	close(rootfd);
	return r;
}

/* The input as given (compressed or not), hashed as libarchive reads it. */
struct source {
	int fd;
	EVP_MD_CTX *md;
	char buf[65536];
};

static la_ssize_t source_read(struct archive *a, void *cd, const void **buf)
{
	struct source *s = cd;
	ssize_t n;

	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	EVP_DigestUpdate(s->md, s->buf, n);
	*buf = s->buf;
	return n;
}

int layer_extract_file(const char *tarfile, const char *dir, char raw[LFS_DIGEST_HEX + 1])
{
	struct source *s = xmalloc(sizeof(*s));
	struct archive *a = archive_read_new();
	char hex[LFS_DIGEST_HEX + 1];
	const void *rest;
	int r = -1;

	s->fd = open(tarfile, O_RDONLY | O_CLOEXEC);
	s->md = sha256_begin();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (s->fd < 0)
		lfs_err_errno("cannot open %s", tarfile);
	else if (archive_read_open(a, s, NULL, source_read, NULL) != ARCHIVE_OK)
		lfs_err("%s: not a tar archive: %s", tarfile, archive_error_string(a));
	else
		r = extract(a, dir);
	/* what libarchive left unread (the end-of-archive blocks) is part of the input too */
	while (!r && source_read(a, s, &rest) > 0)
		;
	archive_read_free(a);
	sha256_end(s->md, hex);
	if (raw)
		memcpy(raw, hex, sizeof(hex));
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return r;
}
