// SPDX-License-Identifier: GPL-2.0
/*
 * mount.layerfs option handling and the mount itself.
 *
 * Options are split at commas (double quotes and "\," protect commas),
 * lowerdir=A:B:C is split at unescaped colons ("\:" is a colon inside a
 * path) and passed as one "lowerdir+" per layer through fsconfig(2), so
 * neither the 256-byte fsconfig string limit nor mount(2)'s one-page data
 * limit bounds the number of layers.  Userspace-only options are stripped;
 * generic mount flags become mount attributes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../module/parse.h"
#include "mount.h"
#include "record.h"

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif

const char *lfs_fstype(void)
{
	const char *t = getenv("LAYERFS_FSTYPE");

	return t && *t ? t : "layerfs";
}

bool fstype_available(const char *fstype)
{
	char *txt = read_text("/proc/filesystems", NULL), *line, *save = NULL;
	bool found = false;

	if (!txt)
		return true;	/* cannot tell: let the mount say */
	for (line = strtok_r(txt, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strrchr(line, '\t');

		found = !strcmp(tab ? tab + 1 : line, fstype);
	}
	free(txt);
	lfs_err_clear();
	return found;
}

int mountopt_split(const char *opts, struct strv *out)
{
	size_t n = strlen(opts);
	char *cur = xmalloc(n + 1);
	size_t len = 0;
	bool q = false;

	for (const char *c = opts;; c++) {
		if (*c == '\\' && c[1]) {
			cur[len++] = *c++;
			cur[len++] = *c;
			continue;
		}
		if (*c == '"') {
			q = !q;
			continue;
		}
		if (!*c || (*c == ',' && !q)) {
			cur[len] = 0;
			if (len)
				strv_add(out, cur);
			len = 0;
			if (!*c)
				break;
			continue;
		}
		cur[len++] = *c;
	}
	free(cur);
	if (q) {
		lfs_err("unbalanced quote in options");
		return -1;
	}
	return 0;
}

static char *unescape(const char *s)
{
	char *o = xmalloc(strlen(s) + 1), *p = o;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*p++ = *s;
	}
	*p = 0;
	return o;
}

/* The kernel's grammar (module/parse.c): "\:" is a colon, "\\" a backslash. */
int lowerdir_split(const char *val, struct strv *out)
{
	char *cur = xmalloc(strlen(val) + 1);
	const char *next = val;

	if (!*val) {
		free(cur);
		lfs_err("lowerdir is empty");
		return -1;
	}
	while (next) {
		if (!lfs_parse_lower_entry(next, cur, &next)) {
			free(cur);
			lfs_err("lowerdir has an empty layer path");
			return -1;
		}
		strv_add(out, cur);
	}
	free(cur);
	return 0;
}

char *lowerdir_escape(const char *path)
{
	char *o = xmalloc(strlen(path) * 2 + 1);

	lfs_escape_lower_entry(path, o);
	return o;
}

struct flagopt {
	const char *name;
	unsigned long set, clear;
};

static const struct flagopt attrs[] = {
	{ "nosuid", MOUNT_ATTR_NOSUID, 0 }, { "suid", 0, MOUNT_ATTR_NOSUID },
	{ "nodev", MOUNT_ATTR_NODEV, 0 }, { "dev", 0, MOUNT_ATTR_NODEV },
	{ "noexec", MOUNT_ATTR_NOEXEC, 0 }, { "exec", 0, MOUNT_ATTR_NOEXEC },
	{ "noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
	{ "relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
	{ "strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
	{ "nodiratime", MOUNT_ATTR_NODIRATIME, 0 }, { "diratime", 0, MOUNT_ATTR_NODIRATIME },
	{ "nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 },
};

/* Options only userspace cares about (mount(8), fstab) */
static bool ignored_opt(const char *k)
{
	static const char *const ign[] = { "defaults", "auto", "noauto", "user", "nouser",
		"users", "owner", "group", "nofail", "_netdev", "rw", "noacl", "static_nlink",
		"fast_ino", "fsync=1", NULL };

	if (!strncmp(k, "x-", 2) && strncmp(k, "x-layerfs.", 10))
		return true;
	if (!strncmp(k, "comment=", 8) || !strncmp(k, "plugins=", 8))
		return true;
	for (int i = 0; ign[i]; i++)
		if (!strcmp(k, ign[i]))
			return true;
	return false;
}

static const char *own_val(const char *opt, const char *key)
{
	size_t kl = strlen(key);
	const char *p = opt;

	if (!strncmp(p, "x-layerfs.", 10))
		p += 10;
	if (!strncmp(p, key, kl) && p[kl] == '=')
		return p + kl + 1;
	return NULL;
}

int mount_req_parse(struct mount_req *r, const char *opts)
{
	struct strv items = { 0 };
	const char *v;

	if (opts && mountopt_split(opts, &items))
		return -1;
	for (size_t i = 0; i < items.n; i++) {
		char *o = items.v[i];
		bool done = false;

		if (!strncmp(o, "lowerdir=", 9)) {
			if (lowerdir_split(o + 9, &r->lowers))
				goto fail;
			continue;
		}
		if (!strncmp(o, "lowerdir+=", 10)) {
			if (!o[10]) {
				lfs_err("lowerdir+ is empty");
				goto fail;
			}
			strv_addn(&r->lowers, unescape(o + 10));
			continue;
		}
		if (!strncmp(o, "upperdir=", 9)) {
			free(r->upperdir);
			r->upperdir = unescape(o + 9);
			continue;
		}
		if (!strncmp(o, "workdir=", 8)) {
			free(r->workdir);
			r->workdir = unescape(o + 8);
			continue;
		}
		if (!strcmp(o, "x-layerfs.mkdirs") || !strcmp(o, "mkdirs")) {
			r->mkdirs = true;
			continue;
		}
		if ((v = own_val(o, "image"))) {
			free(r->image);
			r->image = xstrdup(v);
			continue;
		}
		if ((v = own_val(o, "container"))) {
			free(r->container);
			r->container = xstrdup(v);
			continue;
		}
		if ((v = own_val(o, "store"))) {
			free(r->store);
			r->store = xstrdup(v);
			continue;
		}
		if (!strncmp(o, "x-layerfs.", 10)) {
			lfs_err("unknown option %s", o);
			goto fail;
		}
		if (!strncmp(o, "uidmapping=", 11) || !strncmp(o, "gidmapping=", 11) ||
		    !strncmp(o, "squash_to", 9)) {
			lfs_err("option %.*s (fuse-overlayfs id mapping) is not supported by layerfs",
				(int)strcspn(o, "="), o);
			goto fail;
		}
		if (!strcmp(o, "fsync=0")) {
			strv_add(&r->kopts, "volatile");
			continue;
		}
		if (!strcmp(o, "remount")) {
			r->remount = true;
			continue;
		}
		if (!strcmp(o, "ro")) {
			r->ro = true;
			r->attr |= MOUNT_ATTR_RDONLY;
			continue;
		}
		if (!strcmp(o, "rw")) {
			r->ro = false;
			r->attr &= ~MOUNT_ATTR_RDONLY;
			continue;
		}
		if (ignored_opt(o))
			continue;
		for (size_t k = 0; k < sizeof(attrs) / sizeof(attrs[0]); k++) {
			if (!strcmp(o, attrs[k].name)) {
				r->attr &= ~attrs[k].clear;
				r->attr |= attrs[k].set;
				done = true;
			}
		}
		if (!done)
			strv_add(&r->kopts, o);
	}
	strv_free(&items);
	return 0;
fail:
	strv_free(&items);
	return -1;
}

int mount_req_resolve(struct mount_req *r)
{
	struct store st = { 0 };
	char id[LFS_DIGEST_HEX + 1];

	if (r->image || r->container) {
		json_object *ct = NULL;
		const char *img;
		int rc;

		if (store_open(&st, r->store, false))
			return -1;
		if (r->container) {
			ct = container_load(&st, r->container);
			if (!ct) {
				lfs_err("no such container: %s", r->container);
				store_close(&st);
				return -1;
			}
			if (r->upperdir || r->workdir) {
				lfs_err("container= brings its own upperdir and workdir");
				json_object_put(ct);
				store_close(&st);
				return -1;
			}
			r->upperdir = store_path(&st, "containers/%s/upper", r->container);
			r->workdir = store_path(&st, "containers/%s/work", r->container);
		}
		if (r->image) {
			if (image_resolve(&st, r->image, id)) {
				json_object_put(ct);
				store_close(&st);
				return -1;
			}
			img = id;
		} else {
			img = json_str(ct, "image");
		}
		/* image layers go below any lowerdir given explicitly */
		rc = img ? image_layer_dirs(&st, img, &r->lowers) : -1;
		json_object_put(ct);
		store_close(&st);
		if (rc)
			return -1;
	}
	if (!r->lowers.n && !r->remount) {
		lfs_err("no lower layers: give lowerdir=, lowerdir+=, image= or container=");
		return -1;
	}
	if (!r->upperdir != !r->workdir) {
		lfs_err("%s needs %s too", r->upperdir ? "upperdir" : "workdir",
			r->upperdir ? "workdir" : "upperdir");
		return -1;
	}
	if (r->mkdirs && r->upperdir) {
		if (mkdir_p(r->upperdir, 0755) || mkdir_p(r->workdir, 0755))
			return -1;
	}
	return 0;
}

void mount_req_free(struct mount_req *r)
{
	strv_free(&r->kopts);
	strv_free(&r->lowers);
	free(r->upperdir);
	free(r->workdir);
	free(r->image);
	free(r->container);
	free(r->store);
}

/* The fs_context's messages ("e ...", "w ...", "i ..."): errors joined, others shown if verbose. */
static char *fs_messages(int fd, bool verbose)
{
	char buf[4096], *out = NULL;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		if (n <= 0)
			break;
		buf[n] = 0;
		while (n && buf[n - 1] == '\n')
			buf[--n] = 0;
		if (buf[0] == 'e' && buf[1] == ' ') {
			char *o = out ? xasprintf("%s; %s", out, buf + 2) : xstrdup(buf + 2);

			free(out);
			out = o;
		} else if (verbose) {
			fprintf(stderr, "mount.layerfs: kernel: %s\n", buf);
		}
	}
	return out;
}

static int fs_fail(int fd, const char *what, const char *target, bool verbose)
{
	int e = errno;
	char *m = fs_messages(fd, verbose);

	if (m)
		lfs_err("cannot mount %s on %s: %s: %s (%s)", lfs_fstype(), target, what,
			strerror(e), m);
	else
		lfs_err("cannot mount %s on %s: %s: %s", lfs_fstype(), target, what, strerror(e));
	free(m);
	return -1;
}

static int legacy_mount(struct mount_req *r, const char *target, bool fake)
{
	size_t len = 1;
	char *data, *p;
	unsigned long flags = 0;
	long page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < r->lowers.n; i++)
		len += strlen(r->lowers.v[i]) * 2 + 1;
	len += 32 + (r->upperdir ? strlen(r->upperdir) * 2 : 0) +
		(r->workdir ? strlen(r->workdir) * 2 : 0);
	for (size_t i = 0; i < r->kopts.n; i++)
		len += strlen(r->kopts.v[i]) + 1;
	data = xmalloc(len + 64);
	p = data;
	p += sprintf(p, "lowerdir=");
	for (size_t i = 0; i < r->lowers.n; i++) {
		char *e = lowerdir_escape(r->lowers.v[i]);

		p += sprintf(p, "%s%s", i ? ":" : "", e);
		free(e);
	}
	if (r->upperdir)
		p += sprintf(p, ",upperdir=%s,workdir=%s", r->upperdir, r->workdir);
	for (size_t i = 0; i < r->kopts.n; i++)
		p += sprintf(p, ",%s", r->kopts.v[i]);
	if ((long)strlen(data) >= page) {
		lfs_err("options are %zu bytes, more than mount(2) takes (%ld) and this kernel has no fsopen(2)",
			strlen(data), page - 1);
		free(data);
		return -1;
	}
	if (r->attr & MOUNT_ATTR_RDONLY) flags |= MS_RDONLY;
	if (r->attr & MOUNT_ATTR_NOSUID) flags |= MS_NOSUID;
	if (r->attr & MOUNT_ATTR_NODEV) flags |= MS_NODEV;
	if (r->attr & MOUNT_ATTR_NOEXEC) flags |= MS_NOEXEC;
	if (r->attr & MOUNT_ATTR_NOATIME) flags |= MS_NOATIME;
	if (r->attr & MOUNT_ATTR_NODIRATIME) flags |= MS_NODIRATIME;
	if (r->remount)
		flags |= MS_REMOUNT;
	if (!fake && mount("none", target, lfs_fstype(), flags, r->remount ? NULL : data)) {
		lfs_err_errno("cannot mount %s on %s", lfs_fstype(), target);
		free(data);
		return -1;
	}
	free(data);
	return 0;
}

/* Is path (resolved) the directory dir or below it? */
static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/*
 * The kernel cannot tell where a new union will be mounted; a mount point
 * inside one of its own layers is harmless there but almost certainly a
 * mistake, so it is refused here.
 */
static int check_target_outside_layers(struct mount_req *r, const char *target)
{
	char *t = realpath(target, NULL), *l = NULL;
	int ret = 0;

	if (!t)
		return 0;	/* the mount itself reports a missing target */
	for (size_t i = 0; i <= r->lowers.n && !ret; i++) {
		const char *dir = i < r->lowers.n ? r->lowers.v[i] : r->upperdir;

		if (!dir || !(l = realpath(dir, NULL)))
			continue;
		if (path_within(t, l)) {
			lfs_err("mount point %s is inside layer %s", target, dir);
			ret = -1;
		}
		free(l);
	}
	free(t);
	return ret;
}

int mount_req_apply(struct mount_req *r, const char *target, bool fake, bool verbose)
{
	const char *t = lfs_fstype();
	int fd, mfd;

	if (r->remount)
		return legacy_mount(r, target, fake);
	if (check_target_outside_layers(r, target))
		return -1;
	fd = fsopen(t, FSOPEN_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOSYS)
			return legacy_mount(r, target, fake);
		if (errno == ENODEV) {
			lfs_err("filesystem type %s is not known to the kernel%s", t,
				strcmp(t, "layerfs") ? "" :
				" (module not loaded? modprobe layerfs, or insmod layerfs.ko)");
			return -1;
		}
		if (errno == EPERM && need_root("mounting needs CAP_SYS_ADMIN"))
			return -1;
		lfs_err_errno("fsopen(%s)", t);
		return -1;
	}
	if (fsconfig(fd, FSCONFIG_SET_STRING, "source", t, 0))
		return fs_fail(fd, "source", target, verbose), close(fd), -1;
	for (size_t i = 0; i < r->lowers.n; i++) {
		if (verbose)
			printf("mount.layerfs: lowerdir+=%s\n", r->lowers.v[i]);
		if (fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", r->lowers.v[i], 0)) {
			char *w = xasprintf("lowerdir+=%s", r->lowers.v[i]);

			fs_fail(fd, w, target, verbose);
			free(w);
			close(fd);
			return -1;
		}
	}
	if (r->upperdir) {
		if (verbose)
			printf("mount.layerfs: upperdir=%s workdir=%s\n", r->upperdir, r->workdir);
		if (fsconfig(fd, FSCONFIG_SET_STRING, "upperdir", r->upperdir, 0))
			return fs_fail(fd, "upperdir", target, verbose), close(fd), -1;
		if (fsconfig(fd, FSCONFIG_SET_STRING, "workdir", r->workdir, 0))
			return fs_fail(fd, "workdir", target, verbose), close(fd), -1;
	}
	for (size_t i = 0; i < r->kopts.n; i++) {
		char *k = xstrdup(r->kopts.v[i]), *eq = strchr(k, '=');
		int rc;

		if (verbose)
			printf("mount.layerfs: %s\n", r->kopts.v[i]);
		if (eq) {
			char *val;

			*eq = 0;
			val = unescape(eq + 1);
			rc = fsconfig(fd, FSCONFIG_SET_STRING, k, val, 0);
			free(val);
		} else {
			rc = fsconfig(fd, FSCONFIG_SET_FLAG, k, NULL, 0);
		}
		free(k);
		if (rc) {
			fs_fail(fd, r->kopts.v[i], target, verbose);
			close(fd);
			return -1;
		}
	}
	if (r->ro && fsconfig(fd, FSCONFIG_SET_FLAG, "ro", NULL, 0))
		return fs_fail(fd, "ro", target, verbose), close(fd), -1;
	if (fake) {
		close(fd);
		return 0;
	}
	if (fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		return fs_fail(fd, "create", target, verbose), close(fd), -1;
	mfd = fsmount(fd, FSMOUNT_CLOEXEC, (unsigned int)r->attr);
	if (mfd < 0)
		return fs_fail(fd, "fsmount", target, verbose), close(fd), -1;
	if (verbose) {
		char *m = fs_messages(fd, true);

		free(m);
	}
	close(fd);
	if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH)) {
		lfs_err_errno("cannot mount %s on %s", t, target);
		close(mfd);
		return -1;
	}
	close(mfd);
	return 0;
}

/*
 * The union of container @name: its init layer and its image's layers
 * under its writable layer (plus $LAYERFS_MOUNT_OPTS, for testing, e.g.
 * redirect_dir=on,metacopy=on with overlay), mounted on @target.
 */
int union_mount_container(struct store *st, const char *name, const char *image,
			  const char *target, bool ro)
{
	struct mount_req r = { 0 };
	char *dir = store_path(st, "containers/%s", name);
	char *init = xasprintf("%s/init", dir);
	const char *extra = getenv("LAYERFS_MOUNT_OPTS");
	int ret = -1;

	if (extra && *extra && mount_req_parse(&r, extra))
		goto out;
	if (is_dir(init))
		strv_add(&r.lowers, init);
	if (image_layer_dirs(st, image, &r.lowers))
		goto out;
	r.upperdir = xasprintf("%s/upper", dir);
	r.workdir = xasprintf("%s/work", dir);
	if (ro) {
		r.ro = true;
		r.attr |= MOUNT_ATTR_RDONLY;
	}
	ret = mount_req_apply(&r, target, false, false);
	if (ret)
		lfs_err("cannot mount the container's filesystem: %s", lfs_errmsg());
out:
	mount_req_free(&r);
	free(init);
	free(dir);
	return ret;
}

int union_fs_check(void)
{
	const char *t = lfs_fstype();

	if (fstype_available(t))
		return 0;
	if (!strcmp(t, "layerfs"))
		lfs_err("the layerfs filesystem is not available: module not loaded? (modprobe layerfs, or insmod layerfs.ko)");
	else
		lfs_err("filesystem type %s is not available in this kernel", t);
	return -1;
}
