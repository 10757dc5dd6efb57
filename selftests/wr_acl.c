// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: POSIX ACLs and security xattrs, with an unprivileged
 * user (uid/gid 1000, umask 022) in a forked child.  ACLs are written as
 * the raw system.posix_acl_* xattrs setfacl(1) writes (the VM has no
 * setfacl); the tables use getfacl's short text ("u::rw-,u:1001:r--,...").
 *
 *  rv  an ACL entry taken away takes the access with it at once: a file
 *      (open) and a directory (path walk, RCU and ref-walk), new in the
 *      upper layer, copied up when granted, granted in the lower layer and
 *      copied up when revoked, or revoked directly in the upper layer;
 *  sg  setting or removing an ACL keeps or clears S_ISGID and moves the
 *      ACL's mask into the mode exactly as the same call on a plain copy
 *      of the file (ref/) does: owner outside the file's group or in it,
 *      file in the lower or the upper layer;
 *  cw  a name created over a whiteout gets the same mode, owner, group,
 *      ACLs and set-group-ID bit as a fresh name in the same directory,
 *      for files, directories, fifos and symlinks, under a default ACL
 *      (minimal or with named entries), a set-group-ID directory, both;
 *  sx  security.* xattrs of a lower file are copied up as the security
 *      modules say (security_inode_copy_up_xattr): what none claims is
 *      kept, an EVM signature bound to the lower inode is dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define USER	1000
#define GRP	50		/* a group USER is only in when given it */

/* ---------------- ACL text <-> xattr ---------------- */

struct ace {
	uint16_t tag, perm;
	uint32_t id;
};

#define ACL_MAX		16
#define NO_ID		0xffffffffu

static const struct {
	char c;
	uint16_t tag, named;
} tags[] = {
	{ 'u', 0x01, 0x02 }, { 'g', 0x04, 0x08 }, { 'm', 0x10, 0 },
	{ 'o', 0x20, 0 },
};

/* One "t:id:rwx" entry; id empty for the owner/group/mask/other. */
static int ace_parse(const char *s, struct ace *e)
{
	char t, perm[4];
	unsigned int id;
	size_t i;

	if (sscanf(s, "%c::%3s", &t, perm) == 2) {
		id = NO_ID;
	} else if (sscanf(s, "%c:%u:%3s", &t, &id, perm) != 3) {
		return -EINVAL;
	}
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (tags[i].c == t)
			break;
	if (i == sizeof(tags) / sizeof(tags[0]) || strlen(perm) != 3)
		return -EINVAL;
	e->tag = id == NO_ID ? tags[i].tag : tags[i].named;
	e->id = id;
	e->perm = (perm[0] == 'r') << 2 | (perm[1] == 'w') << 1 |
		  (perm[2] == 'x');
	return e->tag ? 0 : -EINVAL;
}

/* The xattr value for TEXT (entries in the kernel's order); its size. */
static int acl_encode(const char *text, char *buf, size_t len)
{
	struct ace e[ACL_MAX];
	char copy[256], *tok, *save;
	uint32_t version = 2;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", text);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == ACL_MAX || ace_parse(tok, &e[n]))
			return -EINVAL;
		n++;
	}
	if (4 + n * sizeof(e[0]) > len)
		return -EINVAL;
	memcpy(buf, &version, 4);
	memcpy(buf + 4, e, n * sizeof(e[0]));
	return 4 + n * sizeof(e[0]);
}

static const char *acl_xattr(const char *type)
{
	return type[0] == 'd' ? "system.posix_acl_default" :
				"system.posix_acl_access";
}

/* setfacl --set (TEXT) or setfacl -b/-k (NULL): 0 or -errno. */
static int acl_put(const char *path, const char *type, const char *text)
{
	char buf[4 + ACL_MAX * sizeof(struct ace)];
	int n;

	if (!text)
		return lremovexattr(path, acl_xattr(type)) ? -errno : 0;
	n = acl_encode(text, buf, sizeof(buf));
	if (n < 0)
		return n;
	return lsetxattr(path, acl_xattr(type), buf, n, 0) ? -errno : 0;
}

/* The ACL as text in a rotating buffer: "" for none, "!E<errno>". */
static const char *acl_get(const char *path, const char *type)
{
	static char out[8][256];
	static int k;
	char buf[4 + ACL_MAX * sizeof(struct ace)], *o = out[k++ % 8];
	struct ace e;
	ssize_t n, i;
	size_t j;

	n = lgetxattr(path, acl_xattr(type), buf, sizeof(buf));
	if (n < 0) {
		if (errno == ENODATA)
			return "";
		snprintf(o, 256, "!E%d", errno);
		return o;
	}
	o[0] = '\0';
	for (i = 4; i + (ssize_t)sizeof(e) <= n; i += sizeof(e)) {
		char id[16] = "";

		memcpy(&e, buf + i, sizeof(e));
		for (j = 0; j < sizeof(tags) / sizeof(tags[0]); j++)
			if (tags[j].tag == e.tag || tags[j].named == e.tag)
				break;
		if (e.id != NO_ID)
			snprintf(id, sizeof(id), "%u", e.id);
		snprintf(o + strlen(o), 256 - strlen(o), "%s%c:%s:%c%c%c",
			 o[0] ? "," : "",
			 j < sizeof(tags) / sizeof(tags[0]) ? tags[j].c : '?',
			 id, e.perm & 4 ? 'r' : '-', e.perm & 2 ? 'w' : '-',
			 e.perm & 1 ? 'x' : '-');
	}
	return o;
}

/* A skip, not a pass, where the base filesystem has no ACLs at all. */
static int base_has_acls(const char *dir)
{
	char p[PATH_MAX];
	int r;

	snprintf(p, sizeof(p), "%s/.aclprobe", dir);
	if (lfs_write_file(p, "", 0))
		return 0;
	r = acl_put(p, "access", "u::rw-,u:1:r--,g::r--,m::r--,o::---");
	unlink(p);
	return r != -EOPNOTSUPP;
}

/* ---------------- the user child ---------------- */

struct act {
	int (*fn)(const struct act *a);
	const char *p;
	const char *type, *text;	/* for u_setacl */
	mode_t mode;			/* for u_make */
	gid_t extra;			/* a supplementary group, or 0 */
};

/* Run A->fn as USER (with A->extra as its one supplementary group). */
static int as_user(const struct act *a)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (!pid) {
		gid_t g = a->extra;

		if (setgroups(g ? 1 : 0, &g) || setresgid(USER, USER, USER) ||
		    setresuid(USER, USER, USER))
			_exit(250);
		umask(022);
		_exit(a->fn(a));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int u_read(const struct act *a)
{
	int fd = open(a->p, O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int u_setacl(const struct act *a)
{
	return -acl_put(a->p, a->type, a->text);
}

/* Make a->p of the type in a->mode, as create/mkdir/mknod/symlink do. */
static int u_make(const struct act *a)
{
	int fd;

	switch (a->mode & S_IFMT) {
	case S_IFREG:
		fd = open(a->p, O_WRONLY | O_CREAT | O_EXCL, a->mode & 07777);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	case S_IFDIR:
		return mkdir(a->p, a->mode & 07777) ? errno : 0;
	case S_IFLNK:
		return symlink("target", a->p) ? errno : 0;
	default:
		return mknod(a->p, a->mode, 0) ? errno : 0;
	}
}

static struct stat st_of(const char *p)
{
	struct stat st;

	memset(&st, 0xff, sizeof(st));
	lstat(p, &st);
	return st;
}

/* ---------------- rv: revoking takes the access away ---------------- */

enum { RV_UPPER, RV_LOWER, RV_LOWER_ACL, RV_DIRECT };

/* f is readable by its group only, d searchable by its group only. */
#define RV_OBJS "f f x\nm f 640\nd d\nf d/f x\nm d/f 644\nm d 750\n"
#define RV_GRANT_F	"u::rw-,u:1000:r--,g::r--,m::r--,o::---"
#define RV_GRANT_D	"u::rwx,u:1000:r-x,g::r-x,m::r-x,o::---"
/* what setfacl -x u:1000 writes: the rest, which is the mode again */
#define RV_REVOKE_F	"u::rw-,g::r--,o::---"
#define RV_REVOKE_D	"u::rwx,g::r-x,o::---"

FIXTURE(rv) {
	struct lfs_wr w;
};

FIXTURE_VARIANT(rv) {
	int where;
};

/* new upper objects, granted and revoked through the union */
FIXTURE_VARIANT_ADD(rv, upper) { .where = RV_UPPER };
/* lower objects, copied up by the grant */
FIXTURE_VARIANT_ADD(rv, lower) { .where = RV_LOWER };
/* granted in the lower layer: read without copy-up, copied up by revoke */
FIXTURE_VARIANT_ADD(rv, lower_acl) { .where = RV_LOWER_ACL };
/* revoked by a setfacl directly in the upper layer */
FIXTURE_VARIANT_ADD(rv, upper_direct) { .where = RV_DIRECT };

FIXTURE_SETUP(rv)
{
	struct lfs_wr *w = &self->w;
	bool lower = variant->where == RV_LOWER ||
		     variant->where == RV_LOWER_ACL;

	ASSERT_EQ(0, lfs_wr_setup(w, lower ? RV_OBJS : NULL, NULL));
	if (!base_has_acls(lfs_wd(w, "%s", "")))
		SKIP(return, "no POSIX ACLs on %s", lfs_base());
	if (variant->where == RV_LOWER_ACL) {
		ASSERT_EQ(0, acl_put(lfs_wl(w, 0, "f"), "a", RV_GRANT_F));
		ASSERT_EQ(0, acl_put(lfs_wl(w, 0, "d"), "a", RV_GRANT_D));
		ASSERT_EQ(0, lfs_wr_snapshot(w));
	}
	ASSERT_EQ(0, lfs_wr_mount(w));
	if (!lower)
		ASSERT_EQ(0, lfs_wr_build(w->c.mnt, RV_OBJS));
}

FIXTURE_TEARDOWN(rv)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

/* USER's open of f and of d/f (the walk searches d): both WANT. */
static void rv_expect(struct __test_metadata *_metadata, struct lfs_wr *w,
		      int want, const char *when)
{
	struct act a = { .fn = u_read };
	int i;

	/* twice: the second walk finds everything in the dcache (RCU) */
	for (i = 0; i < 2; i++) {
		a.p = lfs_m(&w->c, "f");
		EXPECT_EQ(want, as_user(&a)) TH_LOG("f %s", when);
		a.p = lfs_m(&w->c, "d/f");
		EXPECT_EQ(want, as_user(&a)) TH_LOG("d/f %s", when);
	}
}

LFS_TEST(rv, revoke_takes_access)
{
	bool direct = variant->where == RV_DIRECT;

	if (variant->where != RV_LOWER_ACL) {
		rv_expect(_metadata, &self->w, EACCES, "before the grant");
		ASSERT_EQ(0, acl_put(M("f"), "a", RV_GRANT_F));
		ASSERT_EQ(0, acl_put(M("d"), "a", RV_GRANT_D));
	}
	rv_expect(_metadata, &self->w, 0, "granted");
	EXPECT_STREQ(RV_GRANT_F, acl_get(M("f"), "a"));

	ASSERT_EQ(0, acl_put(direct ? U("f") : M("f"), "a", RV_REVOKE_F));
	ASSERT_EQ(0, acl_put(direct ? U("d") : M("d"), "a", RV_REVOKE_D));
	rv_expect(_metadata, &self->w, EACCES, "revoked");
	/* the union shows the upper's ACL: none left, the mode says it all */
	EXPECT_STREQ("", acl_get(M("f"), "a"));
	EXPECT_STREQ("", acl_get(M("d"), "a"));
	EXPECT_EQ(0640, st_of(M("f")).st_mode & 07777);

	/* and granted again (to a directory, directly also) */
	ASSERT_EQ(0, acl_put(direct ? U("d") : M("d"), "a", RV_GRANT_D));
	ASSERT_EQ(0, acl_put(direct ? U("f") : M("f"), "a", RV_GRANT_F));
	rv_expect(_metadata, &self->w, 0, "granted again");
}

/* ---------------- sg: setfacl and S_ISGID ---------------- */

FIXTURE(sg) {
	struct lfs_wr w;
};

FIXTURE_VARIANT(sg) {
	bool lower;		/* the object is in the lower layer */
	bool dir;		/* a directory, else a file */
	gid_t extra;		/* GRP: the owner is in the file's group */
	const char *pre;	/* access ACL the object has first, or NULL */
	const char *type;	/* "a" or "d" */
	const char *text;	/* what the owner sets; NULL removes */
};

#define SG_NAMED	"u::rwx,u:1001:r-x,g::rwx,m::r-x,o::---"
#define SG_MINIMAL	"u::rw-,g::r--,o::---"

/* a named entry: the mask (r-x) becomes the group bits, S_ISGID goes */
FIXTURE_VARIANT_ADD(sg, named_lower) {
	.lower = true, .type = "a", .text = SG_NAMED };
FIXTURE_VARIANT_ADD(sg, named_upper) { .type = "a", .text = SG_NAMED };
/* an ACL that is only a mode: no ACL stays, the mode changes */
FIXTURE_VARIANT_ADD(sg, minimal_lower) {
	.lower = true, .type = "a", .text = SG_MINIMAL };
FIXTURE_VARIANT_ADD(sg, minimal_upper) { .type = "a", .text = SG_MINIMAL };
/* an owner in the group keeps S_ISGID */
FIXTURE_VARIANT_ADD(sg, in_group_lower) {
	.lower = true, .extra = GRP, .type = "a", .text = SG_NAMED };
FIXTURE_VARIANT_ADD(sg, in_group_upper) {
	.extra = GRP, .type = "a", .text = SG_NAMED };
/* removing an ACL: tmpfs clears S_ISGID, ext4 keeps it */
FIXTURE_VARIANT_ADD(sg, remove_lower) {
	.lower = true, .pre = SG_NAMED, .type = "a" };
FIXTURE_VARIANT_ADD(sg, remove_upper) { .pre = SG_NAMED, .type = "a" };
/* a default ACL is no access change: S_ISGID stays everywhere */
FIXTURE_VARIANT_ADD(sg, default_lower) {
	.lower = true, .dir = true, .type = "d", .text = SG_NAMED };
FIXTURE_VARIANT_ADD(sg, default_upper) {
	.dir = true, .type = "d", .text = SG_NAMED };

/* USER's object o, group GRP, 02770; chown before chmod (which it clears) */
#define SG_FILE	"f o x\nu o 1000 50\nm o 2770\n"
#define SG_DIR	"d o\nu o 1000 50\nm o 2770\n"

FIXTURE_SETUP(sg)
{
	struct lfs_wr *w = &self->w;
	const char *spec = variant->dir ? SG_DIR : SG_FILE;

	ASSERT_EQ(0, lfs_wr_setup(w, variant->lower ? spec : NULL, NULL));
	if (!base_has_acls(lfs_wd(w, "%s", "")))
		SKIP(return, "no POSIX ACLs on %s", lfs_base());
	ASSERT_EQ(0, lfs_wr_build(lfs_wd(w, "ref"), spec));
	/* root sets the first ACL: CAP_FSETID keeps S_ISGID */
	if (variant->pre) {
		ASSERT_EQ(0, acl_put(lfs_wd(w, "ref/o"), "a", variant->pre));
		if (variant->lower)
			ASSERT_EQ(0, acl_put(lfs_wl(w, 0, "o"), "a",
					     variant->pre));
	}
	ASSERT_EQ(0, lfs_wr_snapshot(w));
	ASSERT_EQ(0, lfs_wr_mount(w));
	if (!variant->lower) {
		ASSERT_EQ(0, lfs_wr_build(w->c.mnt, spec));
		if (variant->pre)
			ASSERT_EQ(0, acl_put(lfs_m(&w->c, "o"), "a",
					     variant->pre));
	}
}

FIXTURE_TEARDOWN(sg)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

LFS_TEST(sg, setfacl_as_on_plain_fs)
{
	struct act a = { .fn = u_setacl, .type = variant->type,
			 .text = variant->text, .extra = variant->extra };
	mode_t mref, mm;
	int rref;

	ASSERT_EQ(st_of(D("ref/o")).st_mode, st_of(M("o")).st_mode);
	ASSERT_NE(0, st_of(M("o")).st_mode & S_ISGID);
	a.p = D("ref/o");
	rref = as_user(&a);
	a.p = M("o");
	EXPECT_EQ(rref, as_user(&a));
	mref = st_of(D("ref/o")).st_mode;
	mm = st_of(M("o")).st_mode;
	/*
	 * overlayfs clears S_ISGID on any change of the access ACL by an
	 * owner outside the group, also a removal, which ext4 (unlike
	 * tmpfs) does not do on its own; layerfs does what the filesystem
	 * below does (Documentation/layerfs.rst, "Security").
	 */
	if (!LAYERFS && !variant->text && !variant->extra)
		mref &= ~S_ISGID;
	EXPECT_EQ(mref, mm) TH_LOG("mode %o in the union, %o on %s", mm, mref,
				   lfs_base());
	EXPECT_EQ(mm, st_of(U("o")).st_mode);
	EXPECT_STREQ(acl_get(D("ref/o"), "a"), acl_get(M("o"), "a"));
	EXPECT_STREQ(acl_get(D("ref/o"), "d"), acl_get(M("o"), "d"));
	EXPECT_STREQ(acl_get(U("o"), "a"), acl_get(M("o"), "a"));
}

/* ---------------- cw: creation over a whiteout ---------------- */

FIXTURE(cw) {
	struct lfs_wr w;
};

FIXTURE_VARIANT(cw) {
	const char *dacl;	/* the parent's default ACL, or NULL */
	bool sgid;		/* the parent is set-group-ID, group GRP */
};

/* "the private file": 0640 whatever the umask */
FIXTURE_VARIANT_ADD(cw, default_acl_minimal) {
	.dacl = "u::rwx,g::r-x,o::---" };
FIXTURE_VARIANT_ADD(cw, default_acl_named) {
	.dacl = "u::rwx,u:1001:rwx,g::r-x,m::rwx,o::r--" };
FIXTURE_VARIANT_ADD(cw, setgid_dir) { .sgid = true };
FIXTURE_VARIANT_ADD(cw, setgid_dir_default_acl) {
	.dacl = "u::rwx,u:1001:r-x,g::rwx,m::rwx,o::---", .sgid = true };

static const mode_t cw_kinds[] = {
	S_IFREG | 0666, S_IFDIR | 0777, S_IFIFO | 0666, S_IFLNK | 0777,
};

/* p/x<N> exist below, to be whited out; p/y<N> are fresh names. */
FIXTURE_SETUP(cw)
{
	struct lfs_wr *w = &self->w;
	char spec[256];

	snprintf(spec, sizeof(spec),
		 "d p\nf p/x0 x\nf p/x1 x\nf p/x2 x\nf p/x3 x\n%s",
		 variant->sgid ? "u p 0 50\nm p 2777\n" : "m p 777\n");
	ASSERT_EQ(0, lfs_wr_setup(w, spec, NULL));
	if (variant->dacl) {
		if (!base_has_acls(lfs_wd(w, "%s", "")))
			SKIP(return, "no POSIX ACLs on %s", lfs_base());
		ASSERT_EQ(0, acl_put(lfs_wl(w, 0, "p"), "d", variant->dacl));
		ASSERT_EQ(0, lfs_wr_snapshot(w));
	}
	ASSERT_EQ(0, lfs_wr_mount(w));
}

FIXTURE_TEARDOWN(cw)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

LFS_TEST(cw, over_whiteout_as_fresh_name)
{
	struct act a = { .fn = u_make };
	struct stat sx, sy;
	size_t i;

	for (i = 0; i < sizeof(cw_kinds) / sizeof(cw_kinds[0]); i++) {
		ASSERT_EQ(0, unlink(M("p/x%zu", i)));
		ASSERT_EQ(1, lfs_is_whiteout(U("p/x%zu", i)));
		a.mode = cw_kinds[i];
		a.p = M("p/x%zu", i);
		ASSERT_EQ(0, as_user(&a)) TH_LOG("over whiteout, %o", a.mode);
		a.p = M("p/y%zu", i);
		ASSERT_EQ(0, as_user(&a)) TH_LOG("fresh name, %o", a.mode);
		sx = st_of(M("p/x%zu", i));
		sy = st_of(M("p/y%zu", i));
		EXPECT_EQ(sy.st_mode, sx.st_mode)
			TH_LOG("%o: over a whiteout %o, fresh %o", a.mode,
			       sx.st_mode, sy.st_mode);
		EXPECT_EQ((uid_t)USER, sx.st_uid);
		EXPECT_EQ(sy.st_uid, sx.st_uid);
		EXPECT_EQ(sy.st_gid, sx.st_gid) TH_LOG("%o", a.mode);
		if (S_ISLNK(a.mode))
			continue;
		EXPECT_STREQ(acl_get(M("p/y%zu", i), "a"),
			     acl_get(M("p/x%zu", i), "a")) TH_LOG("%o", a.mode);
		EXPECT_STREQ(acl_get(M("p/y%zu", i), "d"),
			     acl_get(M("p/x%zu", i), "d")) TH_LOG("%o", a.mode);
		EXPECT_STREQ(acl_get(M("p/x%zu", i), "a"),
			     acl_get(U("p/x%zu", i), "a"));
	}
	/* the anchors: what the directory gives a fresh name */
	if (variant->sgid) {
		EXPECT_EQ((gid_t)GRP, st_of(M("p/y0")).st_gid);
		EXPECT_NE(0, st_of(M("p/y1")).st_mode & S_ISGID);
	}
	if (variant->dacl && !strcmp(variant->dacl, "u::rwx,g::r-x,o::---"))
		EXPECT_EQ(0640, st_of(M("p/y0")).st_mode & 07777);
	/* the directory made over a whiteout hides what was below */
	EXPECT_EQ(0, lfs_count(M("p/x1")));
}

/* ---------------- sx: security xattrs on copy-up ---------------- */

LFS_WR_FIXTURE(sx, "f f x\nx f security.lfstest kept\nd d\n"
		   "x d security.lfstest kept\nf sig x\nf psig x\n", NULL, 0)

/*
 * With no security module claiming security.lfstest, the copy-up filter
 * (security_inode_copy_up_xattr) must keep it, on a file and a directory.
 */
LFS_TEST(sx, security_xattr_copied_up)
{
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	ASSERT_EQ(0, chmod(M("f"), 0600));
	ASSERT_EQ(0, lfs_write_file(M("d/new"), "n", 1));
	EXPECT_STREQ("kept", lfs_getx(U("f"), "security.lfstest"));
	EXPECT_STREQ("kept", lfs_getx(U("d"), "security.lfstest"));
	EXPECT_STREQ("kept", lfs_getx(M("f"), "security.lfstest"));
}

/* The active security modules, from securityfs (mounted if need be). */
static int lsm_active(const char *name)
{
	char buf[512] = "", *tok, *save;

	mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	if (lfs_read_file("/sys/kernel/security/lsm", buf, sizeof(buf) - 1) < 0)
		return 0;
	for (tok = strtok_r(buf, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

/*
 * EVM, active in the distribution kernel without any policy or key,
 * filters security.evm on copy-up: a signature over the lower inode
 * (type 3, EVM_IMA_XATTR_DIGSIG) would not verify on the copy and is
 * dropped; a portable one (type 5) is kept.
 */
LFS_TEST(sx, evm_signature_filtered_on_copy_up)
{
	char sig[8] = { 3, 2 }, psig[8] = { 5, 2 };

	if (!lsm_active("evm"))
		SKIP(return, "EVM is not active");
	ASSERT_EQ(0, lsetxattr(L0("sig"), "security.evm", sig, sizeof(sig),
			       0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, lsetxattr(L0("psig"), "security.evm", psig,
			       sizeof(psig), 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	ASSERT_EQ(0, chmod(M("sig"), 0600));
	ASSERT_EQ(0, chmod(M("psig"), 0600));
	EXPECT_EQ(0, lfs_has_xattr(U("sig"), "security.evm"));
	EXPECT_EQ(1, lfs_has_xattr(U("psig"), "security.evm"));
}

TEST_HARNESS_MAIN
