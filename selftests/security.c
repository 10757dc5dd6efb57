// SPDX-License-Identifier: GPL-2.0
/*
 * Security: the union grants an unprivileged user nothing the layers would
 * not.  The layers are built as root; each case then runs its operations
 * in a child that has dropped to uid/gid 1000 with no supplementary
 * groups, an empty bounding set and no capabilities, and checks:
 *
 *  - access to lower files and directories follows their modes and
 *    owners (read, write, execute, list, sticky directories), and a
 *    refused change leaves no trace in the upper layer;
 *  - set-user-ID, set-group-ID and file capabilities go on write,
 *    truncate and chown exactly as on the filesystem below (each case runs
 *    the same operation on a plain copy of the file, "ref/", and compares);
 *  - the private xattrs can be neither read, listed nor set; no whiteout
 *    can be made through the union (mknod 0/0, RENAME_WHITEOUT);
 *  - nothing the merged view hides (whiteouts, opaque directories, the
 *    upper and work directories) is reachable: not by name, not by
 *    re-opening /proc/self/fd, not by file handles, not by "..";
 *  - mounting needs CAP_SYS_ADMIN in the initial user namespace: a user
 *    cannot mount layerfs, not even in a user namespace of its own, where
 *    overlayfs (FS_USERNS_MOUNT) can be mounted: a difference on purpose,
 *    see Documentation/layerfs.rst, "Security";
 *  - fixture cve: the attack of each overlayfs advisory (CVE or security
 *    fix) since 2015, one case each, named after it
 *    (Documentation/guarantees.rst, "Overlayfs advisories").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <grp.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define USER	1000
#define OTHER	1001
#define GROUP	50		/* a group USER is not in */

/* Exit codes of the user child that are not an errno. */
#define E_CREDS	250		/* could not drop privileges */
#define E_CHECK	251		/* a check inside the child failed */
#define E_CHECK2 252		/* another one */
#define E_NOUSERNS 253		/* no user namespace could be made */

/* The executable copy of this program exits with this when run. */
#define EXEC_ENV	"LFS_SECURITY_EXEC_PROBE"
#define EXEC_CODE	42

/*
 * Run with this set, it exits 0 when it holds no permitted capability, 1
 * when it holds some, 2 when it cannot tell.
 */
#define CAPS_ENV	"LFS_SECURITY_CAPS_PROBE"
/* Run with this set, it exits 1 when its effective uid is root, else 0. */
#define EUID_ENV	"LFS_SECURITY_EUID_PROBE"

static int caps_probe(void)
{
	unsigned long long prm = ~0ULL;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapPrm: %llx", &prm) == 1)
			break;
	fclose(f);
	return prm == ~0ULL ? 2 : !!prm;
}

static void __attribute__((constructor)) exec_probe(void)
{
	if (getenv(EXEC_ENV))
		_exit(EXEC_CODE);
	if (getenv(CAPS_ENV))
		_exit(caps_probe());
	if (getenv(EUID_ENV))
		_exit(geteuid() == 0);
}

/*
 * Top layer: files of root and of USER with the modes under test; the
 * bottom layer holds what the top one hides (a whiteout, an opaque dir).
 * Owners before modes: chown clears the set-ID bits.
 */
#define SPEC0								\
	"f secret s\nm secret 600\n"					\
	"f pub p\nm pub 644\n"						\
	"f pub2 q\nm pub2 644\n"					\
	"f open666 o\nm open666 666\n"					\
	"d ro\nf ro/f r\nm ro/f 644\n"					\
	"d priv\nf priv/inner i\nm priv 700\n"				\
	"d sticky\nf sticky/theirs t\nu sticky/theirs 1001 1001\n"	\
	"m sticky 1777\n"						\
	"f sx x\nu sx 1000 1000\nm sx 6755\n"				\
	"f sg x\nu sg 1000 0\nm sg 2664\n"				\
	"f sm x\nu sm 1000 0\nm sm 755\n"				\
	"f fcap x\nu fcap 1000 1000\nm fcap 755\n"			\
	"d gdir\nu gdir 0 50\nm gdir 2777\n"				\
	"f mine m\nu mine 1000 1000\n"					\
	"f prog644 #!/bin/sh\nm prog644 644\n"				\
	"f prog700 #!/bin/sh\nm prog700 700\n"				\
	"w gone\no odir\nf odir/o O\n"				\
	"f acl_me a\na acl_me 1000\nf acl_other a\na acl_other 1001\n"

#define SPEC1 "f gone G\nd odir\nf odir/hidden H\n"

FIXTURE(sec) {
	struct lfs_wr w;
};

/* security.capability = cap_net_raw+ep, as setcap(8) writes it. */
static int set_fcap(const char *path)
{
	struct vfs_cap_data cd;

	memset(&cd, 0, sizeof(cd));
	cd.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
	cd.data[0].permitted = 1u << CAP_NET_RAW;
	return lsetxattr(path, "security.capability", &cd,
			 XATTR_CAPS_SZ_2, 0) ? -errno : 0;
}

/* A copy of this very program, to execute from the union. */
static int copy_self(const char *dst)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	return n < 0 ? -EIO : 0;
}

/* Every way of writing a file, for the set-ID cases. */
enum { W_WRITE, W_OTRUNC, W_FTRUNCATE, W_FALLOCATE, W_COPY_RANGE,
	W_SPLICE, W_PWRITEV2, W_NR };
static const char *const w_names[W_NR] = {
	"write", "open O_TRUNC", "ftruncate", "fallocate", "copy_file_range",
	"splice", "pwritev2",
};

/* sgN (02664, USER:0) and sxN (06755, USER:USER): one of each per way */
static int build_setid_files(const char *root)
{
	char spec[256];
	int i, r;

	for (i = 0; i < W_NR; i++) {
		snprintf(spec, sizeof(spec),
			 "f sg%d xyz\nu sg%d 1000 0\nm sg%d 2664\n"
			 "f sx%d xyz\nu sx%d 1000 1000\nm sx%d 6755\n",
			 i, i, i, i, i, i);
		r = lfs_wr_build(root, spec);
		if (r)
			return r;
	}
	return 0;
}

FIXTURE_SETUP(sec)
{
	struct lfs_wr *w = &self->w;

	ASSERT_EQ(0, lfs_wr_setup(w, SPEC0, SPEC1));
	/* the plain filesystem's answer to every operation */
	ASSERT_EQ(0, lfs_wr_build(lfs_wd(w, "ref"), SPEC0));
	ASSERT_EQ(0, build_setid_files(lfs_wl(w, 0, "%s", "")));
	ASSERT_EQ(0, build_setid_files(lfs_wd(w, "ref")));
	ASSERT_EQ(0, copy_self(lfs_wl(w, 0, "prog")));
	ASSERT_EQ(0, set_fcap(lfs_wl(w, 0, "fcap")));
	ASSERT_EQ(0, set_fcap(lfs_wd(w, "ref/fcap")));
	ASSERT_EQ(0, lfs_wr_snapshot(w));
	ASSERT_EQ(0, lfs_wr_mount(w));
}

FIXTURE_TEARDOWN(sec)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

#define R(...)	lfs_wd(&self->w, "ref/" __VA_ARGS__)

/* ---------------- the unprivileged child ---------------- */

struct op {
	const char *p, *q;
	int flags;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* Drop to USER: no groups, no capabilities, none to regain. */
static int drop_privileges(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int c;

	for (c = 0; prctl(PR_CAPBSET_READ, c) >= 0; c++)
		if (prctl(PR_CAPBSET_DROP, c))
			return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -1;
	if (setgroups(0, NULL) || setresgid(USER, USER, USER) ||
	    setresuid(USER, USER, USER))
		return -1;
	/* as a process started by the user (the uid change cleared it) */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -1;
	if (syscall(SYS_capget, &h, d))
		return -1;
	if (d[0].effective || d[0].permitted || d[1].effective ||
	    d[1].permitted || getuid() != USER || getegid() != USER)
		return -1;
	return 0;
}

/* Run FN(O) as USER in a child; its exit code (an errno, 0, or E_*). */
static int as_user(int (*fn)(struct op *), struct op *o)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (drop_privileges())
			_exit(E_CREDS);
		_exit(fn(o));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int rc(int r)
{
	return r < 0 ? errno : 0;
}

static int op_open(struct op *o)
{
	int fd = open(o->p, o->flags, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_write(struct op *o)
{
	int fd = open(o->p, O_WRONLY);

	if (fd < 0)
		return errno;
	if (write(fd, "w", 1) != 1) {
		close(fd);
		return errno;
	}
	return close(fd) ? errno : 0;
}

static int op_truncate(struct op *o) { return rc(truncate(o->p, 0)); }
static int op_chown(struct op *o) { return rc(chown(o->p, o->uid, o->gid)); }
static int op_chmod(struct op *o) { return rc(chmod(o->p, o->mode)); }
static int op_mkdir(struct op *o) { return rc(mkdir(o->p, o->mode)); }
static int op_unlink(struct op *o) { return rc(unlink(o->p)); }
static int op_rmdir(struct op *o) { return rc(rmdir(o->p)); }
static int op_rename(struct op *o) { return rc(rename(o->p, o->q)); }
static int op_link(struct op *o) { return rc(link(o->p, o->q)); }
static int op_symlink(struct op *o) { return rc(symlink("x", o->p)); }
static int op_utimes(struct op *o)
{
	struct timespec t[2] = { { 1, 0 }, { 1, 0 } };

	return rc(utimensat(AT_FDCWD, o->p, o->flags ? NULL : t, 0));
}

static int op_mknod(struct op *o)
{
	return rc(mknod(o->p, o->mode, makedev(o->uid, o->gid)));
}

static int op_listdir(struct op *o)
{
	int n = lfs_count(o->p);

	return n < 0 ? -n : 0;
}

static int op_stat(struct op *o)
{
	struct stat st;

	return rc(lstat(o->p, &st));
}

static int op_getxattr(struct op *o)
{
	char v[256];

	return rc(lgetxattr(o->p, o->q, v, sizeof(v)));
}

static int op_setxattr(struct op *o)
{
	return rc(lsetxattr(o->p, o->q, "y", 1, o->flags));
}

static int op_removexattr(struct op *o)
{
	return rc(lremovexattr(o->p, o->q));
}

/* No trusted.* name at all in what listxattr gives a user. */
static int op_list_no_trusted(struct op *o)
{
	char list[4096];
	ssize_t n = llistxattr(o->p, list, sizeof(list)), i;

	if (n < 0)
		return errno;
	for (i = 0; i < n; i += strlen(list + i) + 1)
		if (!strncmp(list + i, "trusted.", 8))
			return E_CHECK;
	return 0;
}

static int op_exec(struct op *o)
{
	char *argv[] = { (char *)o->p, NULL };
	char *envp[] = { EXEC_ENV "=1", NULL };

	execve(o->p, argv, envp);
	return errno;
}

/* ---------------- helpers on the root side ---------------- */

static struct stat st_of(const char *p)
{
	struct stat st;

	memset(&st, 0xff, sizeof(st));
	lstat(p, &st);
	return st;
}

#define MODE(p)	(st_of(p).st_mode & 07777)

/* The upper layer holds nothing: a refused change left no trace. */
#define EXPECT_UPPER_EMPTY()						\
	EXPECT_EQ(0, lfs_count(D("u"))) TH_LOG("upper not empty")

/* Run OP as USER on the union's NAME and on ref/NAME: same result. */
static void same_as_ref(struct __test_metadata *_metadata,
			struct lfs_wr *w, int (*fn)(struct op *),
			struct op o, const char *name, int want)
{
	char m[PATH_MAX], r[PATH_MAX];
	struct stat sm, sr;

	snprintf(m, sizeof(m), "%s/%s", w->c.mnt, name);
	snprintf(r, sizeof(r), "%s/ref/%s", w->c.dir, name);
	o.p = r;
	ASSERT_EQ(want, as_user(fn, &o)) TH_LOG("ref/%s", name);
	o.p = m;
	ASSERT_EQ(want, as_user(fn, &o)) TH_LOG("union %s", name);
	ASSERT_EQ(0, lstat(m, &sm));
	ASSERT_EQ(0, lstat(r, &sr));
	EXPECT_EQ(sr.st_mode, sm.st_mode)
		TH_LOG("%s: mode %o in the union, %o on the filesystem below",
		       name, sm.st_mode, sr.st_mode);
	EXPECT_EQ(sr.st_uid, sm.st_uid);
	EXPECT_EQ(sr.st_gid, sm.st_gid);
}

/* ---------------- permissions ---------------- */

LFS_TEST(sec, user_access_follows_modes)
{
	struct op o = { .flags = O_RDONLY };

	o.p = M("secret");
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	o.p = M("pub");
	EXPECT_EQ(0, as_user(op_open, &o));
	o.flags = O_WRONLY;
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	o.flags = O_RDWR | O_TRUNC;
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	o.p = M("ro/f");
	EXPECT_EQ(EACCES, as_user(op_write, &o));
	o.p = M("priv");
	EXPECT_EQ(EACCES, as_user(op_listdir, &o));
	o.p = M("priv/inner");
	EXPECT_EQ(EACCES, as_user(op_stat, &o));
	o.p = M("ro");
	EXPECT_EQ(0, as_user(op_listdir, &o));
	EXPECT_UPPER_EMPTY();
	/* what the user owns is the user's */
	o.p = M("mine");
	EXPECT_EQ(0, as_user(op_write, &o));
	EXPECT_EQ(USER, st_of(U("mine")).st_uid);
}

/* A POSIX ACL grants or denies through the union as it does below. */
LFS_TEST(sec, acls_as_below)
{
	struct op o = { 0 };

	if (lfs_has_xattr(L0("acl_me"), "system.posix_acl_access") != 1)
		SKIP(return, "no POSIX ACLs on %s", lfs_base());
	same_as_ref(_metadata, &self->w, op_write, o, "acl_me", 0);
	same_as_ref(_metadata, &self->w, op_write, o, "acl_other", EACCES);
	EXPECT_EQ(-ENOENT, lfs_ftype(U("acl_other")));
	EXPECT_EQ(1, lfs_has_xattr(U("acl_me"), "system.posix_acl_access"));
}

LFS_TEST(sec, user_exec_follows_modes)
{
	struct op o = { 0 };

	o.p = M("prog");
	EXPECT_EQ(EXEC_CODE, as_user(op_exec, &o));
	o.p = M("prog644");
	EXPECT_EQ(EACCES, as_user(op_exec, &o));
	o.p = M("prog700");
	EXPECT_EQ(EACCES, as_user(op_exec, &o));
	EXPECT_UPPER_EMPTY();
}

LFS_TEST(sec, user_cannot_create_in_readonly_dir)
{
	struct op o = { .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0755 };

	o.p = M("ro/new");
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	EXPECT_EQ(EACCES, as_user(op_mkdir, &o));
	EXPECT_EQ(EACCES, as_user(op_symlink, &o));
	o.mode = S_IFIFO | 0644;
	EXPECT_EQ(EACCES, as_user(op_mknod, &o));
	o.p = M("mine");
	o.q = M("ro/new");
	EXPECT_EQ(EACCES, as_user(op_link, &o));
	EXPECT_EQ(EACCES, as_user(op_rename, &o));
	o.p = M("newtop");		/* the union's root is 0755 root */
	EXPECT_EQ(EACCES, as_user(op_mkdir, &o));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("ro/new")));
	EXPECT_UPPER_EMPTY();
}

LFS_TEST(sec, user_cannot_delete_in_readonly_dir)
{
	struct op o = { 0 };

	o.p = M("ro/f");
	EXPECT_EQ(EACCES, as_user(op_unlink, &o));
	o.q = M("ro/g");
	EXPECT_EQ(EACCES, as_user(op_rename, &o));
	o.p = M("ro");
	EXPECT_EQ(EACCES, as_user(op_rmdir, &o));
	o.p = M("pub");
	EXPECT_EQ(EACCES, as_user(op_unlink, &o));
	EXPECT_STREQ("r", lfs_cat(M("ro/f")));
	EXPECT_UPPER_EMPTY();
}

/* /tmp-like: everybody may create, nobody may remove another's file. */
LFS_TEST(sec, sticky_dir)
{
	struct op o = { .flags = O_WRONLY | O_CREAT | O_EXCL };

	o.p = M("sticky/theirs");
	EXPECT_EQ(EPERM, as_user(op_unlink, &o));
	o.q = M("sticky/moved");
	EXPECT_EQ(EPERM, as_user(op_rename, &o));
	EXPECT_STREQ("t", lfs_cat(M("sticky/theirs")));
	EXPECT_NE(1, lfs_is_whiteout(U("sticky/theirs")));
	o.p = M("sticky/mine");
	EXPECT_EQ(0, as_user(op_open, &o));
	EXPECT_EQ(USER, st_of(M("sticky/mine")).st_uid);
	EXPECT_EQ(0, as_user(op_unlink, &o));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("sticky/mine")));
	/* still sticky after the copy-up */
	EXPECT_EQ(01777, MODE(U("sticky")));
}

/* chmod, chown and times of another's file: refused, nothing copied up. */
LFS_TEST(sec, user_cannot_change_root_file)
{
	struct op o = { .mode = 0777, .uid = USER, .gid = USER };

	o.p = M("pub");
	EXPECT_EQ(EPERM, as_user(op_chmod, &o));
	EXPECT_EQ(EPERM, as_user(op_chown, &o));
	EXPECT_EQ(EPERM, as_user(op_utimes, &o));	/* explicit times */
	o.flags = 1;
	EXPECT_EQ(EACCES, as_user(op_utimes, &o));	/* "now": needs write */
	o.q = "user.k";
	EXPECT_EQ(EACCES, as_user(op_setxattr, &o));
	EXPECT_EQ(EACCES, as_user(op_truncate, &o));
	EXPECT_EQ(0644, MODE(M("pub")));
	EXPECT_EQ(0, st_of(M("pub")).st_uid);
	EXPECT_UPPER_EMPTY();
	/* a world-writable file may be written and touched, not chmodded */
	o.p = M("open666");
	EXPECT_EQ(0, as_user(op_utimes, &o));
	EXPECT_EQ(EPERM, as_user(op_chmod, &o));
	EXPECT_EQ(0666, MODE(M("open666")));
	EXPECT_EQ(0, st_of(U("open666")).st_uid);
}

/* ---------------- set-ID bits and file capabilities ---------------- */

LFS_TEST(sec, setid_cleared_on_write)
{
	struct op o = { 0 };

	same_as_ref(_metadata, &self->w, op_write, o, "sx", 0);
	EXPECT_EQ(0755, MODE(M("sx")));
	EXPECT_EQ(0755, MODE(U("sx")));
	EXPECT_EQ(06755, MODE(L0("sx")));
}

LFS_TEST(sec, setid_cleared_on_truncate)
{
	struct op o = { 0 };

	same_as_ref(_metadata, &self->w, op_truncate, o, "sx", 0);
	EXPECT_EQ(0755, MODE(M("sx")));
	EXPECT_EQ(0, st_of(M("sx")).st_size);
}

LFS_TEST(sec, setid_cleared_on_chown_by_owner)
{
	struct op o = { .uid = USER, .gid = USER };

	same_as_ref(_metadata, &self->w, op_chown, o, "sx", 0);
	EXPECT_EQ(0755, MODE(M("sx")));
	EXPECT_EQ(0755, MODE(U("sx")));
}

LFS_TEST(sec, setid_cleared_on_chown_by_root)
{
	ASSERT_EQ(0, chown(R("sx"), OTHER, OTHER));
	ASSERT_EQ(0, chown(M("sx"), OTHER, OTHER));
	EXPECT_EQ(MODE(R("sx")), MODE(M("sx")));
	EXPECT_EQ(0755, MODE(M("sx")));
	EXPECT_EQ(OTHER, st_of(U("sx")).st_uid);
}

/*
 * Set-group-ID without group execute, owned by a group the writer is not
 * in: the kernel clears it for the writer, who lacks CAP_FSETID.  The
 * union writes the upper file with the mounter's credentials, which have
 * CAP_FSETID: it must decide with the caller's.
 */
LFS_TEST(sec, sgid_cleared_for_non_member_write)
{
	struct op o = { 0 };

	same_as_ref(_metadata, &self->w, op_write, o, "sg", 0);
	EXPECT_EQ(0664, MODE(M("sg")));
}

static int op_write_way(struct op *o)
{
	int fd = open(o->p, o->flags == W_OTRUNC ? O_WRONLY | O_TRUNC : O_RDWR);
	struct iovec iov = { .iov_base = "w", .iov_len = 1 };
	loff_t in = 0, out = 1;
	int p[2], r = 0;

	if (fd < 0)
		return errno;
	switch (o->flags) {
	case W_WRITE:
		r = write(fd, "w", 1) == 1 ? 0 : -1;
		break;
	case W_FTRUNCATE:
		r = ftruncate(fd, 1);
		break;
	case W_FALLOCATE:
		r = fallocate(fd, 0, 0, 8192);
		break;
	case W_COPY_RANGE:
		r = copy_file_range(fd, &in, fd, &out, 1, 0) == 1 ? 0 : -1;
		break;
	case W_SPLICE:
		if (pipe(p) || write(p[1], "w", 1) != 1)
			return E_CHECK;
		r = splice(p[0], NULL, fd, &out, 1, 0) == 1 ? 0 : -1;
		break;
	case W_PWRITEV2:
		r = pwritev2(fd, &iov, 1, 0, RWF_DSYNC) == 1 ? 0 : -1;
		break;
	}
	r = r ? errno : 0;
	close(fd);
	return r;
}

/*
 * Every way of writing clears set-user-ID, and set-group-ID without group
 * execute for a non-member, on a lower file (copy-up) as below.
 */
LFS_TEST(sec, setid_cleared_by_every_write_path)
{
	struct op o = { 0 };
	char name[16];

	for (o.flags = 0; o.flags < W_NR; o.flags++) {
		TH_LOG("%s", w_names[o.flags]);
		snprintf(name, sizeof(name), "sx%d", o.flags);
		same_as_ref(_metadata, &self->w, op_write_way, o, name, 0);
		EXPECT_EQ(0755, MODE(M("%s", name)));
		snprintf(name, sizeof(name), "sg%d", o.flags);
		same_as_ref(_metadata, &self->w, op_write_way, o, name, 0);
		EXPECT_EQ(0664, MODE(M("%s", name)));
		EXPECT_EQ(0664, MODE(U("%s", name)));
	}
}

/* chmod g+s on a file of a group the owner is not in: silently dropped. */
LFS_TEST(sec, chmod_sgid_dropped_for_non_member)
{
	struct op o = { .mode = 02755 };

	same_as_ref(_metadata, &self->w, op_chmod, o, "sm", 0);
	EXPECT_EQ(0755, MODE(M("sm")));
	o.mode = 04755;			/* set-user-ID on one's own file: kept */
	same_as_ref(_metadata, &self->w, op_chmod, o, "sm", 0);
	EXPECT_EQ(04755, MODE(M("sm")));
}

/*
 * New objects in a set-group-ID directory of a group the user is not in:
 * they get that group; a new directory inherits set-group-ID, a new file
 * asking for it (with group execute) does not get it.
 */
LFS_TEST(sec, setgid_dir_inheritance)
{
	struct op o = { .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 02755 };
	mode_t um = umask(0);

	same_as_ref(_metadata, &self->w, op_open, o, "gdir/f", 0);
	EXPECT_EQ(GROUP, st_of(M("gdir/f")).st_gid);
	EXPECT_EQ(0, MODE(M("gdir/f")) & S_ISGID);
	same_as_ref(_metadata, &self->w, op_mkdir, o, "gdir/d", 0);
	EXPECT_EQ(GROUP, st_of(M("gdir/d")).st_gid);
	EXPECT_EQ(S_ISGID, MODE(M("gdir/d")) & S_ISGID);
	umask(um);
}

/* File capabilities are the modern set-user-ID: gone on write and chown. */
LFS_TEST(sec, file_caps_removed_on_write)
{
	struct op o = { 0 };

	ASSERT_EQ(1, lfs_has_xattr(M("fcap"), "security.capability"));
	same_as_ref(_metadata, &self->w, op_write, o, "fcap", 0);
	EXPECT_EQ(0, lfs_has_xattr(R("fcap"), "security.capability"));
	EXPECT_EQ(0, lfs_has_xattr(M("fcap"), "security.capability"));
	EXPECT_EQ(0, lfs_has_xattr(U("fcap"), "security.capability"));
	EXPECT_EQ(1, lfs_has_xattr(L0("fcap"), "security.capability"));
}

LFS_TEST(sec, file_caps_removed_on_chown)
{
	struct op o = { .uid = USER, .gid = USER };

	same_as_ref(_metadata, &self->w, op_chown, o, "fcap", 0);
	EXPECT_EQ(0, lfs_has_xattr(R("fcap"), "security.capability"));
	EXPECT_EQ(0, lfs_has_xattr(M("fcap"), "security.capability"));
	EXPECT_EQ(0, lfs_has_xattr(U("fcap"), "security.capability"));
}

/*
 * Opening a file for write changes nothing yet: its capabilities stay, as
 * on the plain filesystem, also when only its metadata was up (chmod) and
 * the open brings the data up (whose write into the upper file would drop
 * them by itself).
 */
LFS_TEST(sec, file_caps_kept_by_data_copy_up)
{
	const char *paths[] = { R("fcap"), M("fcap") };
	unsigned int i;
	int fd;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, chmod(paths[i], 0750));
		fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", paths[i], strerror(errno));
		close(fd);
		EXPECT_EQ(1, lfs_has_xattr(paths[i], "security.capability"))
			TH_LOG("%s lost its capabilities", paths[i]);
	}
	EXPECT_EQ(0, lfs_has_xattr(U("fcap"), lfs_priv_xattr("metacopy")));
	EXPECT_EQ(1, lfs_has_xattr(U("fcap"), "security.capability"));
	EXPECT_STREQ("x", lfs_cat(M("fcap")));
}

/* ---------------- private metadata ---------------- */

LFS_TEST(sec, user_private_xattrs)
{
	static const char *const names[] = {
		"trusted.layerfs.opaque", "trusted.overlay.opaque",
		"trusted.layerfs.redirect", "trusted.overlay.redirect",
	};
	struct op o = { 0 };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		o.q = names[i];
		o.p = M("odir");
		EXPECT_EQ(ENODATA, as_user(op_getxattr, &o)) TH_LOG("%s", o.q);
		o.p = M("mine");	/* even on one's own file */
		EXPECT_EQ(EPERM, as_user(op_setxattr, &o)) TH_LOG("%s", o.q);
		EXPECT_EQ(EPERM, as_user(op_removexattr, &o));
	}
	o.p = M("odir");
	EXPECT_EQ(0, as_user(op_list_no_trusted, &o));
	o.p = M("mine");
	o.q = "user.ok";		/* the control: a user xattr is fine */
	EXPECT_EQ(0, as_user(op_setxattr, &o));
	EXPECT_STREQ("y", lfs_getx(U("mine"), "user.ok"));
	EXPECT_EQ(0, lfs_has_xattr(U("mine"), "trusted.layerfs.opaque"));
	EXPECT_EQ(0, lfs_has_xattr(U("mine"), "trusted.overlay.opaque"));
	EXPECT_STREQ("!E2", lfs_cat(M("odir/hidden")));
}

/*
 * As root (wr_xattr covers the fstype's own names): layerfs interprets
 * both trusted.layerfs.* and trusted.overlay.*, so both are private.
 */
LFS_TEST(sec, root_both_private_namespaces)
{
	char v[64];

	if (!LAYERFS)
		SKIP(return, "overlayfs interprets trusted.overlay.* only");
	errno = 0;
	EXPECT_EQ(-1, lgetxattr(M("odir"), "trusted.overlay.opaque", v,
				sizeof(v)));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, lgetxattr(M("odir"), "trusted.layerfs.opaque", v,
				sizeof(v)));
	EXPECT_EQ(-1, lsetxattr(M("mine"), "trusted.overlay.origin", "y", 1,
				0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, lsetxattr(M("mine"), "trusted.layerfs.anything", "y", 1,
				0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_NE(1, lfs_has_xattr(U("mine"), "trusted.overlay.origin"));
}

LFS_TEST(sec, no_whiteout_through_union)
{
	struct op o = { .mode = S_IFCHR | 0644 };

	/* as the user: mknod of any device needs CAP_MKNOD */
	o.p = M("sticky/wo");
	EXPECT_EQ(EPERM, as_user(op_mknod, &o));
	/* as root: the whiteout device is refused by both filesystems */
	errno = 0;
	EXPECT_EQ(-1, mknod(M("wo"), S_IFCHR | 0644, makedev(0, 0)));
	EXPECT_EQ(EPERM, errno);
	/* RENAME_WHITEOUT: needs CAP_MKNOD; refused through a union */
	errno = 0;
	EXPECT_EQ(-1, renameat2(AT_FDCWD, M("pub"), AT_FDCWD, M("pub3"),
				RENAME_WHITEOUT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_STREQ("p", lfs_cat(M("pub")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("wo")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("sticky/wo")));
	EXPECT_UPPER_EMPTY();
}

/* ---------------- what the view hides stays hidden ---------------- */

LFS_TEST(sec, hidden_names_unreachable)
{
	static const char *const hidden[] = {
		"gone", "odir/hidden", "pub", "work", "index", "u", "w", "l0",
	};
	struct op o = { .flags = O_RDONLY };
	size_t i;

	ASSERT_EQ(0, unlink(M("pub")));		/* a whiteout in the upper */
	ASSERT_EQ(1, lfs_is_whiteout(U("pub")));
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		o.p = M("%s", hidden[i]);
		EXPECT_EQ(ENOENT, as_user(op_stat, &o)) TH_LOG("%s", hidden[i]);
		EXPECT_EQ(-ENOENT, lfs_ftype(o.p)) TH_LOG("root: %s", hidden[i]);
		EXPECT_EQ(0, lfs_listed(M("."), hidden[i]));
	}
	EXPECT_EQ(0, lfs_listed(M("odir"), "hidden"));
	o.p = M("pub");
	o.flags = O_WRONLY | O_CREAT | O_EXCL;
	EXPECT_EQ(EACCES, as_user(op_open, &o));	/* root dir: 0755 */
}

/*
 * A descriptor opened read-only cannot be reopened for writing through
 * /proc/self/fd: the magic link leads back to the union's inode and its
 * permission check; its target names the merged path, not a layer.
 */
static int op_proc_reopen(struct op *o)
{
	char p[64], target[PATH_MAX];
	int fd = open(o->p, O_RDONLY), wfd;
	ssize_t n;

	if (fd < 0)
		return E_CHECK;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return E_CHECK;
	target[n] = 0;
	if (strcmp(target, o->p))
		return E_CHECK2;
	wfd = open(p, o->flags);
	if (wfd >= 0)
		return 0;
	return errno;
}

LFS_TEST(sec, proc_fd_reopen_checks_union)
{
	struct op o = { .flags = O_WRONLY };

	o.p = M("pub");
	EXPECT_EQ(EACCES, as_user(op_proc_reopen, &o));
	o.flags = O_RDWR | O_APPEND;
	EXPECT_EQ(EACCES, as_user(op_proc_reopen, &o));
	o.p = M("ro/f");
	o.flags = O_WRONLY | O_TRUNC;
	EXPECT_EQ(EACCES, as_user(op_proc_reopen, &o));
	EXPECT_STREQ("p", lfs_cat(M("pub")));
	EXPECT_UPPER_EMPTY();
	o.p = M("mine");			/* the owner may */
	o.flags = O_WRONLY;
	EXPECT_EQ(0, as_user(op_proc_reopen, &o));
}

/* A mapped file shows its merged path in /proc/self/maps. */
static int op_maps(struct op *o)
{
	int fd = open(o->p, O_RDONLY);
	char line[PATH_MAX + 256];
	int found = 0;
	void *m;
	FILE *f;

	if (fd < 0)
		return errno;
	m = mmap(NULL, 1, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return errno;
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, o->q))
			return E_CHECK;		/* a layer's path leaked */
		if (strstr(line, o->p))
			found = 1;
	}
	fclose(f);
	return found ? 0 : E_CHECK2;
}

LFS_TEST(sec, proc_maps_show_union_path)
{
	struct op o = { 0 };

	o.p = M("pub");
	o.q = L0("pub");
	EXPECT_EQ(0, as_user(op_maps, &o));
	ASSERT_EQ(0, truncate(M("pub"), 1));	/* copied up, data too */
	o.q = U("pub");
	EXPECT_EQ(0, as_user(op_maps, &o));
}

/* ".." leads to what the merged view's parent is, never into a layer. */
static int op_dotdot(struct op *o)
{
	struct stat a, b;

	if (stat(o->p, &a) || stat(o->q, &b))
		return errno;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? 0 : E_CHECK;
}

LFS_TEST(sec, dotdot_stays_in_view)
{
	struct op o = { 0 };

	o.p = M("..");
	o.q = D(".");
	EXPECT_EQ(0, as_user(op_dotdot, &o));
	o.p = M("ro/..");
	o.q = M(".");
	EXPECT_EQ(0, as_user(op_dotdot, &o));
	o.p = M("odir/../ro/..");
	EXPECT_EQ(0, as_user(op_dotdot, &o));
	EXPECT_NE(st_of(M("ro")).st_dev, st_of(L0("ro")).st_dev);
}

/*
 * File handles: open_by_handle_at needs CAP_DAC_READ_SEARCH (a user gets
 * EPERM); as root, a handle of what the union hides (the upper's whiteout,
 * a lower file under an opaque directory, the work directory), taken on
 * the filesystem below, opens nothing through the union.
 */
struct fh {
	struct file_handle h;
	unsigned char buf[MAX_HANDLE_SZ];
};

static int handle_of(const char *path, struct fh *fh)
{
	int mnt_id;

	fh->h.handle_bytes = MAX_HANDLE_SZ;
	return name_to_handle_at(AT_FDCWD, path, &fh->h, &mnt_id, 0) ?
		-errno : 0;
}

static int op_open_handle(struct op *o)
{
	struct fh fh;
	int mfd = open(o->q, O_RDONLY | O_DIRECTORY), fd;

	if (mfd < 0 || handle_of(o->p, &fh))
		return E_CHECK;
	fd = open_by_handle_at(mfd, &fh.h, O_RDONLY | o->flags);
	if (fd >= 0)
		return 0;
	return errno;
}

LFS_TEST(sec, file_handles)
{
	char below[4][PATH_MAX], mnt[PATH_MAX], l0[PATH_MAX];
	struct op o = { 0 };
	int mfd, fd, r;
	struct fh fh;
	size_t i;

	ASSERT_EQ(0, unlink(M("pub")));
	ASSERT_EQ(1, lfs_is_whiteout(U("pub")));
	snprintf(below[0], PATH_MAX, "%s", U("pub"));
	snprintf(below[1], PATH_MAX, "%s", L1("odir/hidden"));
	snprintf(below[2], PATH_MAX, "%s", D("w/work"));
	snprintf(below[3], PATH_MAX, "%s", L0("gone"));
	snprintf(mnt, PATH_MAX, "%s", M("."));
	snprintf(l0, PATH_MAX, "%s", L0("."));
	mfd = open(mnt, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, mfd);
	for (i = 0; i < 4; i++) {
		r = handle_of(below[i], &fh);
		if (r == -EOPNOTSUPP)
			SKIP(goto out, "no file handles on %s", lfs_base());
		ASSERT_EQ(0, r) TH_LOG("%s", below[i]);
		errno = 0;
		fd = open_by_handle_at(mfd, &fh.h, O_PATH);
		EXPECT_EQ(-1, fd) TH_LOG("%s opened through the union",
					 below[i]);
		if (fd >= 0)
			close(fd);
	}
	/* a handle of a union object, if the union makes them at all */
	r = handle_of(M("ro/f"), &fh);
	if (LAYERFS)
		EXPECT_EQ(-EOPNOTSUPP, r);
	if (!r) {
		fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
		if (fd >= 0) {
			struct stat a, b;

			EXPECT_EQ(0, fstat(fd, &a));
			EXPECT_EQ(0, stat(M("ro/f"), &b));
			EXPECT_EQ(b.st_ino, a.st_ino);
			close(fd);
		}
	}
	/* as the user: no handle is opened at all, not even in a layer */
	o.p = below[1];
	o.q = mnt;
	EXPECT_EQ(EPERM, as_user(op_open_handle, &o));
	o.q = l0;
	o.p = L0("ro");
	o.flags = O_DIRECTORY;
	EXPECT_EQ(EPERM, as_user(op_open_handle, &o));
out:
	close(mfd);
}

/* ---------------- mounting ---------------- */

static int op_mount(struct op *o)
{
	return rc(mount("none", o->p, lfs_fstype(), 0, o->q));
}

static int op_fsopen(struct op *o)
{
	int fd = syscall(SYS_fsopen, lfs_fstype(), 0);

	(void)o;
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

LFS_TEST(sec, user_cannot_mount)
{
	struct op o = { 0 };
	char opts[1024];

	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/l0:%s/l1,upperdir=%s/umine,workdir=%s/w2",
		 self->w.c.dir, self->w.c.dir, self->w.c.dir, self->w.c.dir);
	ASSERT_EQ(0, lfs_wr_build(D("umine"), "d x\nu x 1000 1000\n"));
	o.p = D("umine/x");
	o.q = opts;
	EXPECT_EQ(EPERM, as_user(op_mount, &o));
	EXPECT_EQ(EPERM, as_user(op_fsopen, &o));
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		r = -1;
	close(fd);
	return r;
}

/* In a new user and mount namespace, ID 0 mapped to ourselves. */
static int enter_userns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", map))
		return -1;
	if (write_file("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return write_file("/proc/self/gid_map", map);
}

static int userns_mount(struct op *o)
{
	char path[PATH_MAX], buf[8] = "";

	if (enter_userns())
		return E_NOUSERNS;
	if (mount("none", o->p, lfs_fstype(), 0, o->q))
		return errno;
	/* mounted: the union shows the layers */
	snprintf(path, sizeof(path), "%s/pub", o->p);
	if (lfs_read_file(path, buf, sizeof(buf) - 1) != 1 || buf[0] != 'p')
		return E_CHECK;
	return 0;
}

static int run_in_userns(int (*fn)(struct op *), struct op *o, int as_root)
{
	pid_t pid;
	int status;

	if (!as_root)
		return as_user(fn, o);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn(o));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * layerfs has no FS_USERNS_MOUNT: a union is a set of trusted decisions
 * (which layer hides what, private xattrs, copy-up as the mounter), and
 * granting them to whoever can make a user namespace is a new attack
 * surface for no need of ours (containers are started by root).
 * overlayfs (since 5.11) can be mounted there.
 */
LFS_TEST(sec, userns_mount)
{
	struct op o = { 0 };
	char opts[1024];
	int r, root = 0;

	snprintf(opts, sizeof(opts), "lowerdir=%s/l0:%s/l1", self->w.c.dir,
		 self->w.c.dir);
	ASSERT_EQ(0, lfs_mkdir_p(D("umnt"), 0755));
	o.p = D("umnt");
	o.q = opts;
	r = run_in_userns(userns_mount, &o, 0);
	if (r == E_NOUSERNS) {
		/* unprivileged user namespaces are off: root makes one */
		TH_LOG("no unprivileged user namespaces; made by root");
		root = 1;
		r = run_in_userns(userns_mount, &o, 1);
	}
	if (r == E_NOUSERNS)
		SKIP(return, "cannot create a user namespace");
	if (LAYERFS) {
		EXPECT_EQ(EPERM, r) TH_LOG("layerfs mounted in a user namespace");
	} else {
		EXPECT_EQ(0, r) TH_LOG("overlay in a user namespace%s: %s",
				       root ? " (made by root)" : "",
				       r < 134 ? strerror(r) : "?");
	}
	EXPECT_EQ(0, lfs_count(D("umnt")));
}

/* ---------------- overlayfs advisories ---------------- */

/*
 * Each case below attacks the union the way an overlayfs advisory (a CVE
 * or a security fix) attacked overlayfs; Documentation/guarantees.rst,
 * "Overlayfs advisories", says which case stands for which advisory.  The
 * cases make their own layers and mount in the test (some prepare the
 * layers first).
 */
#define CVE_SPEC0							\
	"f suidroot x\nm suidroot 4755\n"				\
	"f pub p\nm pub 644\n"						\
	"f secret s\nm secret 600\n"					\
	"d rootdir\n"							\
	"d pubdir\nf pubdir/hl1 H\nm pubdir/hl1 666\n"			\
	"h pubdir/hl2 pubdir/hl1\nf pubdir/rootf r\nm pubdir/rootf 600\n"	\
	"m pubdir 777\n"							\
	"d noread\nf noread/known k\nm noread 711\n"			\
	"d mnoread\nf mnoread/a A\nm mnoread 711\n"			\
	"d gdir\nu gdir 0 50\nm gdir 2777\n"				\
	"f mine m\nu mine 1000 1000\n"					\
	"d sub\nf sub/under U\n"

#define CVE_SPEC1 "d mnoread\nf mnoread/b B\nm mnoread 711\n"

FIXTURE(cve) {
	struct lfs_wr w;
};

FIXTURE_SETUP(cve)
{
	ASSERT_EQ(0, lfs_wr_setup(&self->w, CVE_SPEC0, CVE_SPEC1));
}

FIXTURE_TEARDOWN(cve)
{
	EXPECT_EQ(0, lfs_wr_check_lowers(&self->w));
	EXPECT_EQ(0, lfs_teardown(&self->w.c));
	lfs_wr_free(&self->w);
}

/*
 * CVE-2015-1328 (Ubuntu): what a user creates through the union is the
 * user's, and only where the union's directory lets the user write.
 */
LFS_TEST(cve, 2015_1328_create_as_caller)
{
	struct op o = { .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0755 };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("rootdir/new");
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	EXPECT_EQ(EACCES, as_user(op_mkdir, &o));
	o.p = M("new");
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	EXPECT_UPPER_EMPTY();
	o.p = M("pubdir/new");
	EXPECT_EQ(0, as_user(op_open, &o));
	o.p = M("pubdir/newdir");
	EXPECT_EQ(0, as_user(op_mkdir, &o));
	EXPECT_EQ(USER, st_of(U("pubdir/new")).st_uid);
	EXPECT_EQ(USER, st_of(U("pubdir/new")).st_gid);
	EXPECT_EQ(USER, st_of(U("pubdir/newdir")).st_uid);
	/* the parent copied up on the way stays root's */
	EXPECT_EQ(0, st_of(U("pubdir")).st_uid);
	EXPECT_EQ(0777, MODE(U("pubdir")));
}

/*
 * "ovl: override creds with the ones from the superblock mounter"
 * (2016): copy-up and whiteouts were made with the caller's credentials
 * and capabilities raised for the occasion.  A user's write to root's
 * world-writable file copies it up as root's, with its mode; a user's
 * unlink of root's file in a world-writable directory leaves a
 * whiteout; nothing more.
 */
LFS_TEST(cve, 2016_mounter_creds_copy_up_and_whiteout)
{
	struct op o = { 0 };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("pubdir/hl1");
	EXPECT_EQ(0, as_user(op_write, &o));
	EXPECT_EQ(0, st_of(U("pubdir/hl1")).st_uid);
	EXPECT_EQ(0, st_of(U("pubdir/hl1")).st_gid);
	EXPECT_EQ(0666, MODE(U("pubdir/hl1")));
	o.p = M("pubdir/rootf");
	EXPECT_EQ(0, as_user(op_unlink, &o));
	EXPECT_EQ(1, lfs_is_whiteout(U("pubdir/rootf")));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("pubdir/rootf")));
	EXPECT_EQ(0, lfs_listed(M("pubdir"), "rootf"));
	EXPECT_EQ(0777, MODE(U("pubdir")));
	EXPECT_EQ(0, st_of(U("pubdir")).st_uid);
}

/*
 * CVE-2015-8660: overlayfs copied a file up and changed it with the
 * mounter's rights before checking the caller's.  Every refused change
 * of root's set-user-ID file leaves it as it was, not even copied up.
 */
LFS_TEST(cve, 2015_8660_setattr_before_copy_up)
{
	struct op o = { .mode = 06777, .uid = USER, .gid = USER };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("suidroot");
	EXPECT_EQ(EPERM, as_user(op_chmod, &o));
	EXPECT_EQ(EPERM, as_user(op_chown, &o));
	EXPECT_EQ(EPERM, as_user(op_utimes, &o));	/* explicit times */
	o.flags = 1;
	EXPECT_EQ(EACCES, as_user(op_utimes, &o));	/* "now" */
	EXPECT_EQ(EACCES, as_user(op_truncate, &o));
	o.q = "user.k";
	EXPECT_EQ(EACCES, as_user(op_setxattr, &o));
	EXPECT_EQ(04755, MODE(M("suidroot")));
	EXPECT_EQ(0, st_of(M("suidroot")).st_uid);
	EXPECT_UPPER_EMPTY();
}

/*
 * CVE-2016-1575 (Ubuntu): a set-group-ID file of another group made in
 * a group-writable set-group-ID directory.  The new file gets the
 * directory's group, and chmod g+s by its owner, not a member, drops the
 * bit, before and after the copy-up of the directory.
 */
LFS_TEST(cve, 2016_1575_sgid_dir_non_member)
{
	struct op o = { .flags = O_WRONLY | O_CREAT | O_EXCL };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("gdir/f");
	EXPECT_EQ(0, as_user(op_open, &o));
	EXPECT_EQ(GROUP, st_of(M("gdir/f")).st_gid);
	EXPECT_EQ(USER, st_of(M("gdir/f")).st_uid);
	o.mode = 02755;
	EXPECT_EQ(0, as_user(op_chmod, &o));
	EXPECT_EQ(0755, MODE(M("gdir/f")));
	EXPECT_EQ(0755, MODE(U("gdir/f")));
	EXPECT_EQ(02777, MODE(U("gdir")));
}

static int op_exchange(struct op *o)
{
	return rc(renameat2(AT_FDCWD, o->p, AT_FDCWD, o->q, RENAME_EXCHANGE));
}

/*
 * CVE-2016-6197: unlink and rename went ahead on an upper object that
 * was no longer the one at that name (a crash with a self hard link).
 * A user renames a file over its own hard link (a no-op) and unlinks it;
 * then root replaces copied-up objects in the upper layer beneath the
 * union: unlink and rename of those names fail or work, never crash, and
 * never remove what now stands at the upper name by mistake.
 */
LFS_TEST(cve, 2016_6197_unlink_rename_stale_upper)
{
	struct op o = { .flags = O_WRONLY | O_CREAT | O_EXCL };
	int r;

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("pubdir/a");
	ASSERT_EQ(0, as_user(op_open, &o));
	o.q = M("pubdir/b");
	EXPECT_EQ(0, as_user(op_link, &o));
	EXPECT_EQ(0, as_user(op_rename, &o));
	EXPECT_EQ(S_IFREG, lfs_ftype(M("pubdir/a")));
	EXPECT_EQ(S_IFREG, lfs_ftype(M("pubdir/b")));
	EXPECT_EQ(0, as_user(op_unlink, &o));
	EXPECT_EQ(-ENOENT, lfs_ftype(M("pubdir/a")));
	EXPECT_EQ(S_IFREG, lfs_ftype(M("pubdir/b")));

	/* root: the upper file of "pub" replaced beneath the union */
	ASSERT_EQ(0, chmod(M("pub"), 0640));		/* copied up */
	ASSERT_EQ(0, lfs_write_file(U("stranger"), "S", 1));
	ASSERT_EQ(0, rename(U("stranger"), U("pub")));
	r = unlink(M("pub")) ? errno : 0;
	EXPECT_TRUE(r == 0 || r == ESTALE) TH_LOG("unlink: %s", strerror(r));
	if (r)
		EXPECT_STREQ("S", lfs_cat(U("pub")));
	/* and "secret", renamed */
	ASSERT_EQ(0, chmod(M("secret"), 0640));
	ASSERT_EQ(0, lfs_write_file(U("stranger"), "T", 1));
	ASSERT_EQ(0, rename(U("stranger"), U("secret")));
	r = rename(M("secret"), M("moved")) ? errno : 0;
	EXPECT_TRUE(r == 0 || r == ESTALE) TH_LOG("rename: %s", strerror(r));
	if (r)
		EXPECT_STREQ("T", lfs_cat(U("secret")));
}

/*
 * CVE-2016-6198: rename of a name over another name of the same file
 * went on to work on the wrong real inode (a crash).  Lower hard links
 * are one file in the union: renaming one over the other, or exchanging
 * them, is a no-op, before and after the copy-up.
 */
LFS_TEST(cve, 2016_6198_rename_over_own_hard_link)
{
	struct op o = { 0 };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	ASSERT_EQ(st_of(M("pubdir/hl1")).st_ino, st_of(M("pubdir/hl2")).st_ino);
	o.p = M("pubdir/hl1");
	o.q = M("pubdir/hl2");
	EXPECT_EQ(0, as_user(op_rename, &o));
	EXPECT_EQ(0, as_user(op_exchange, &o));
	EXPECT_STREQ("H", lfs_cat(M("pubdir/hl1")));
	EXPECT_STREQ("H", lfs_cat(M("pubdir/hl2")));
	EXPECT_EQ(0, as_user(op_write, &o));		/* copy-up */
	EXPECT_EQ(0, as_user(op_rename, &o));
	EXPECT_EQ(0, as_user(op_exchange, &o));
	EXPECT_STREQ("w", lfs_cat(M("pubdir/hl1")));
	EXPECT_STREQ("w", lfs_cat(M("pubdir/hl2")));
	EXPECT_EQ(2, st_of(M("pubdir/hl1")).st_nlink);
}

/*
 * CVE-2018-6559 (Ubuntu): the names in a directory the user may search
 * but not read were listed through the union.  Lower-only and merged,
 * before and after the copy-up of the directory: no listing, while a
 * known name stays reachable.
 */
LFS_TEST(cve, 2018_6559_unreadable_dir_not_listed)
{
	struct op o = { 0 };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("noread/known");
	EXPECT_EQ(0, as_user(op_stat, &o));
	o.p = M("mnoread/b");
	EXPECT_EQ(0, as_user(op_stat, &o));
	o.p = M("noread");
	EXPECT_EQ(EACCES, as_user(op_listdir, &o));
	o.p = M("mnoread");
	EXPECT_EQ(EACCES, as_user(op_listdir, &o));
	ASSERT_EQ(0, lfs_write_file(M("mnoread/new"), "n", 1));
	ASSERT_EQ(0, lfs_write_file(M("noread/new"), "n", 1));
	EXPECT_EQ(0711, MODE(U("mnoread")));
	EXPECT_EQ(EACCES, as_user(op_listdir, &o));
	o.p = M("noread");
	EXPECT_EQ(EACCES, as_user(op_listdir, &o));
}

static int op_fcntl_noatime(struct op *o)
{
	int fd = open(o->p, O_RDONLY), r;

	if (fd < 0)
		return errno;
	r = fcntl(fd, F_SETFL, O_NOATIME) ? errno : 0;
	close(fd);
	return r;
}

/*
 * CVE-2020-16120 ("ovl: check permission to open real file", "ovl: do
 * not fail because of O_NOATIME"): opening a file through the union is
 * checked with the caller's rights; O_NOATIME is the owner's only.
 */
LFS_TEST(cve, 2020_16120_open_checked_as_caller)
{
	struct op o = { .flags = O_RDONLY };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("secret");
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	o.p = M("suidroot");
	o.flags = O_RDWR;
	EXPECT_EQ(EACCES, as_user(op_open, &o));
	o.p = M("pub");
	o.flags = O_RDONLY | O_NOATIME;
	EXPECT_EQ(EPERM, as_user(op_open, &o));
	EXPECT_EQ(EPERM, as_user(op_fcntl_noatime, &o));
	EXPECT_UPPER_EMPTY();
	o.p = M("mine");
	EXPECT_EQ(0, as_user(op_open, &o));
	EXPECT_EQ(0, as_user(op_fcntl_noatime, &o));
}

/* FS_IOC_GETFLAGS and SETFLAGS, without <linux/fs.h> (it clashes). */
#define IOC_GETFLAGS	_IOR('f', 1, long)
#define IOC_SETFLAGS	_IOW('f', 2, long)
#define FL_IMMUTABLE	0x00000010
#define FL_APPEND	0x00000020
#define FL_NOATIME	0x00000080

static int op_setflags(struct op *o)
{
	int fd = open(o->p, O_RDONLY), fl = 0, r;

	if (fd < 0)
		return errno;
	if (ioctl(fd, IOC_GETFLAGS, &fl)) {
		close(fd);
		return E_CHECK;
	}
	fl |= o->flags;
	r = ioctl(fd, IOC_SETFLAGS, &fl) ? errno : 0;
	close(fd);
	return r;
}

/*
 * CVE-2020-16120 ("ovl: call security hook in ovl_real_ioctl") and the
 * earlier FS_IOC_SETFLAGS fixes: the flags ioctl reached the real file
 * with the mounter's rights.  Only the owner may change flags, immutable
 * and append-only need CAP_LINUX_IMMUTABLE, and a refused change copies
 * nothing up.
 */
LFS_TEST(cve, 2020_16120_setflags_checked_as_caller)
{
	struct op o = { .flags = FL_NOATIME };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("pub");
	EXPECT_EQ(EPERM, as_user(op_setflags, &o));
	o.flags = FL_IMMUTABLE;
	EXPECT_EQ(EPERM, as_user(op_setflags, &o));
	o.p = M("mine");
	EXPECT_EQ(EPERM, as_user(op_setflags, &o));
	o.flags = FL_APPEND;
	EXPECT_EQ(EPERM, as_user(op_setflags, &o));
	EXPECT_UPPER_EMPTY();
	o.flags = FL_NOATIME;			/* the owner may */
	EXPECT_EQ(0, as_user(op_setflags, &o));
	EXPECT_EQ(S_IFREG, lfs_ftype(U("mine")));
	EXPECT_STREQ("m", lfs_cat(M("mine")));
}

/*
 * CVE-2021-3493 (Ubuntu): security.capability set through the union
 * reached the upper layer unchecked.  A user may not set it, not even on
 * the user's own file, and nothing is copied up; root's goes through.
 */
static int op_set_fcap(struct op *o)
{
	return -set_fcap(o->p);
}

LFS_TEST(cve, 2021_3493_fcaps_need_cap_setfcap)
{
	struct op o = { 0 };

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	o.p = M("mine");
	EXPECT_EQ(EPERM, as_user(op_set_fcap, &o));
	EXPECT_UPPER_EMPTY();
	EXPECT_EQ(0, lfs_has_xattr(M("mine"), "security.capability"));
	ASSERT_EQ(0, set_fcap(M("mine")));
	EXPECT_EQ(1, lfs_has_xattr(U("mine"), "security.capability"));
}

static int userns_mount_locked(struct op *o)
{
	char path[PATH_MAX];

	if (enter_userns())
		return E_NOUSERNS;
	if (mount("none", o->p, lfs_fstype(), 0, o->q))
		return errno;
	/* mounted: what the locked mount covers must not show */
	snprintf(path, sizeof(path), "%s/sub/under", o->p);
	return access(path, F_OK) ? E_CHECK2 : E_CHECK;
}

/*
 * CVE-2021-3732 ("ovl: prevent private clone if bind mount is not
 * allowed"): a union over a layer with a mount on it, made in a user
 * namespace where that mount is locked, showed what the mount covers.
 * layerfs is not mounted there at all (EPERM); overlayfs refuses the
 * layer (EINVAL).
 */
LFS_TEST(cve, 2021_3732_layer_with_locked_mount)
{
	struct op o = { 0 };
	char opts[1024];
	int r;

	snprintf(opts, sizeof(opts), "lowerdir=%s/l0:%s/l1", self->w.c.dir,
		 self->w.c.dir);
	ASSERT_EQ(0, lfs_mkdir_p(D("umnt"), 0755));
	ASSERT_EQ(0, mount("tmpfs", L0("sub"), "tmpfs", 0, "size=1m"));
	EXPECT_EQ(-ENOENT, lfs_ftype(L0("sub/under")));
	o.p = D("umnt");
	o.q = opts;
	r = run_in_userns(userns_mount_locked, &o, 0);
	if (r == E_NOUSERNS)
		r = run_in_userns(userns_mount_locked, &o, 1);
	EXPECT_EQ(0, umount(L0("sub")));
	if (r == E_NOUSERNS)
		SKIP(return, "cannot create a user namespace");
	EXPECT_EQ(LAYERFS ? EPERM : EINVAL, r)
		TH_LOG("%s", r == E_CHECK ? "the covered file shows" :
		       r < 134 ? strerror(r) : "?");
	EXPECT_EQ(0, lfs_count(D("umnt")));
}

/*
 * A user namespace that maps MAP ("first-inside first-outside count",
 * uids and gids), held by a child for as long as it takes to open it:
 * its descriptor, or -errno.
 */
static int userns_fd(const char *map)
{
	int ready[2], go[2], fd = -EIO;
	char path[64], c;
	pid_t pid;

	if (pipe(ready) || pipe(go))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(ready[0]);
		close(go[1]);
		if (unshare(CLONE_NEWUSER) || write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(read(go[0], &c, 1) < 0);
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		if (!write_file(path, map)) {
			snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
			if (!write_file(path, map)) {
				snprintf(path, sizeof(path), "/proc/%d/ns/user",
					 pid);
				fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd < 0)
					fd = -errno;
			}
		}
	}
	close(go[1]);
	close(ready[0]);
	waitpid(pid, NULL, 0);
	return fd;
}

static int op_exec_euid(struct op *o)
{
	char *argv[] = { (char *)o->p, NULL };
	char *envp[] = { EUID_ENV "=1", NULL };

	execve(o->p, argv, envp);
	return errno;
}

/* An idmapped bind mount of FROM at TO through the namespace of MAP. */
static int idmapped_bind(const char *from, const char *to, const char *map)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP };
	int ns = userns_fd(map), t, r = 0;

	if (ns < 0)
		return ns;
	t = open_tree(AT_FDCWD, from, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0) {
		close(ns);
		return -errno;
	}
	a.userns_fd = ns;
	if (mount_setattr(t, "", AT_EMPTY_PATH, &a, sizeof(a)) ||
	    move_mount(t, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH))
		r = -errno;
	close(t);
	close(ns);
	return r;
}

/*
 * CVE-2023-0386 ("ovl: fail on invalid uid/gid mapping at copy up"): a
 * set-user-ID file whose owner the layer's mount does not map (shown as
 * the overflow uid) was copied up as owned by its raw owner, root.  Here
 * the lower layer is an idmapped mount that maps uid 1000 only: root's
 * set-user-ID program there must not make its caller root, and root's
 * world-writable set-user-ID file must not become root's in the upper
 * layer.
 * overlayfs refuses to change such a file (EACCES: its owner is unmapped)
 * and would refuse its copy-up (EOVERFLOW).  layerfs does not support
 * idmapped layers and refuses the mount (EINVAL): it would show the raw
 * owners (see Documentation/layerfs.rst).
 */
LFS_TEST(cve, 2023_0386_unmapped_owner_copy_up)
{
	struct op o = { .flags = 1 };
	char opts[2048];
	struct stat st;
	int r;

	ASSERT_EQ(0, lfs_wr_build(lfs_wl(&self->w, 0, "%s", ""),
				  "f suidw x\nm suidw 4777\n"));
	ASSERT_EQ(0, copy_self(L0("suidprog")));
	ASSERT_EQ(0, chmod(L0("suidprog"), 04755));
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_mkdir_p(D("idl0"), 0755));
	r = idmapped_bind(L0("."), D("idl0"), "1000 1000 1");
	ASSERT_EQ(0, r) TH_LOG("idmapped mount: %s", strerror(-r));
	ASSERT_EQ(65534, st_of(D("idl0/suidw")).st_uid);
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/idl0:%s/l1,upperdir=%s/u,workdir=%s/w%s%s",
		 self->w.c.dir, self->w.c.dir, self->w.c.dir, self->w.c.dir,
		 *lfs_wr_features() ? "," : "", lfs_wr_features());
	r = lfs_mount_opts(&self->w.c, opts);
	if (LAYERFS) {
		EXPECT_EQ(-EINVAL, r);
	} else {
		ASSERT_EQ(0, r);
	}
	if (!r) {
		EXPECT_EQ(65534, st_of(M("suidw")).st_uid);
		/* root's set-user-ID program, root unmapped: no root */
		o.p = M("suidprog");
		EXPECT_EQ(0, as_user(op_exec_euid, &o))
			TH_LOG("set-user-ID of an unmapped root made root");
		o.p = M("suidw");
		r = as_user(op_utimes, &o);
		EXPECT_TRUE(r == EACCES || r == EOVERFLOW)
			TH_LOG("touch: %s", r < 134 ? strerror(r) : "?");
		EXPECT_EQ(0, chmod(M("mine"), 0600));	/* a mapped owner */
		st = st_of(U("suidw"));
		EXPECT_FALSE(st.st_uid == 0 && (st.st_mode & S_ISUID))
			TH_LOG("a set-user-ID file of root in the upper layer");
		EXPECT_EQ(-ENOENT, lfs_ftype(U("suidw")));
		EXPECT_EQ(0, lfs_umount(&self->w.c));
	}
	EXPECT_EQ(0, umount(D("idl0")));
	if (!LAYERFS)
		return;
	/* layerfs refuses an idmapped upper (and work) directory too */
	ASSERT_EQ(0, lfs_mkdir_p(D("uw/u"), 0755));
	ASSERT_EQ(0, lfs_mkdir_p(D("uw/w"), 0755));
	ASSERT_EQ(0, lfs_mkdir_p(D("iduw"), 0755));
	ASSERT_EQ(0, idmapped_bind(D("uw"), D("iduw"), "1000 1000 1"));
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/l0:%s/l1,upperdir=%s/iduw/u,workdir=%s/iduw/w",
		 self->w.c.dir, self->w.c.dir, self->w.c.dir, self->w.c.dir);
	EXPECT_EQ(-EINVAL, lfs_mount_opts(&self->w.c, opts));
	EXPECT_EQ(0, umount(D("iduw")));
}

/* security.capability v3: valid only in namespaces whose root is ROOTID. */
static int set_fcap_v3(const char *path, uid_t rootid)
{
	struct vfs_ns_cap_data cd;

	memset(&cd, 0, sizeof(cd));
	cd.magic_etc = VFS_CAP_REVISION_3 | VFS_CAP_FLAGS_EFFECTIVE;
	cd.data[0].permitted = 1u << CAP_NET_RAW;
	cd.rootid = rootid;
	return lsetxattr(path, "security.capability", &cd, XATTR_CAPS_SZ_3,
			 0) ? -errno : 0;
}

/* Executed by USER with a full bounding set: 1 if it got capabilities. */
static int exec_caps_probe(void *path)
{
	char *argv[] = { path, NULL };
	char *envp[] = { CAPS_ENV "=1", NULL };

	execve(path, argv, envp);
	return 3;
}

/*
 * CVE-2023-2640 and CVE-2023-32629 (Ubuntu, "GameOver(lay)"): copy-up
 * and setxattr wrote security.capability to the upper layer unchecked,
 * so capabilities valid only in a user namespace became valid on the
 * host.  A copy-up keeps a namespaced (v3) capability exactly as it is
 * below: executed by uid 1000 on the host it gives nothing, while a
 * plain (v2) one, which root set, still works after its copy-up.
 */
LFS_TEST(cve, 2023_2640_32629_ns_fcaps_copy_up)
{
	char a[64], b[64];
	ssize_t na, nb;

	ASSERT_EQ(0, copy_self(L0("capv3")));
	ASSERT_EQ(0, lchown(L0("capv3"), USER, USER));
	ASSERT_EQ(0, set_fcap_v3(L0("capv3"), USER));
	ASSERT_EQ(0, copy_self(L0("capv2")));
	ASSERT_EQ(0, set_fcap(L0("capv2")));
	na = lgetxattr(L0("capv3"), "security.capability", a, sizeof(a));
	ASSERT_EQ(XATTR_CAPS_SZ_3, na);
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	EXPECT_EQ(1, lfs_run_as(USER, USER, exec_caps_probe, (void *)M("capv2")));
	EXPECT_EQ(0, lfs_run_as(USER, USER, exec_caps_probe, (void *)M("capv3")));
	/* metadata copy-ups, as touch makes them */
	ASSERT_EQ(0, utimensat(AT_FDCWD, M("capv3"), NULL, 0));
	ASSERT_EQ(0, utimensat(AT_FDCWD, M("capv2"), NULL, 0));
	ASSERT_EQ(S_IFREG, lfs_ftype(U("capv3")));
	nb = lgetxattr(U("capv3"), "security.capability", b, sizeof(b));
	ASSERT_EQ(na, nb);
	EXPECT_EQ(0, memcmp(a, b, na));
	EXPECT_EQ(0, lfs_run_as(USER, USER, exec_caps_probe, (void *)M("capv3")));
	EXPECT_EQ(1, lfs_run_as(USER, USER, exec_caps_probe, (void *)M("capv2")));
}

TEST_HARNESS_MAIN
