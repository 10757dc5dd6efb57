// SPDX-License-Identifier: GPL-2.0
/*
 * Layers on mounts or filesystems that change what a name or an owner is:
 * an ext4 made with case folding (a directory made case-insensitive with
 * chattr +F, or any directory of such a filesystem) and idmapped mounts
 * (open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP) with the
 * user namespace of a child whose uid_map says 0 -> 1000).  Both
 * filesystems refuse case folding at mount (overlayfs before 6.17 too);
 * overlayfs maps the ids of idmapped layers, layerfs refuses them with
 * EINVAL and a message naming the layer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_test.h"
#include "lfs_wr.h"

#ifndef FS_CASEFOLD_FL
#define FS_CASEFOLD_FL	0x40000000
#endif

FIXTURE(lm) {
	struct lfs c;
	char log[8192];
	int loopfd;
	pid_t child;		/* holds the user namespace of the idmap */
};

FIXTURE_SETUP(lm)
{
	ASSERT_EQ(0, lfs_setup(&self->c));
	self->loopfd = -1;
	self->child = 0;
}

FIXTURE_TEARDOWN(lm)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	EXPECT_EQ(0, lfs_teardown(&self->c));
	if (self->loopfd >= 0)
		close(self->loopfd);
}

#undef D
#undef M
#define D(...) lfs_p(&self->c, __VA_ARGS__)
#define M(...) lfs_m(&self->c, __VA_ARGS__)

/*
 * OPTS (with "%1$s" for the scratch directory) must not mount, with
 * EINVAL; layerfs must name WHAT in the fs_context log.
 */
static void expect_refused(struct __test_metadata *_metadata,
			   FIXTURE_DATA(lm) *self, const char *fmt,
			   const char *what)
{
	char opts[4096];
	const char *step = "?";
	int ret;

	snprintf(opts, sizeof(opts), fmt, self->c.dir);
	ret = lfs_fsmount(self->c.mnt, opts, self->log, sizeof(self->log),
			  &step);
	EXPECT_EQ(-EINVAL, ret) {
		TH_LOG("-o %s: got %s at %s", opts, strerror(-ret), step);
	}
	if (!ret)
		umount2(self->c.mnt, 0);
	if (lfs_is_layerfs())
		EXPECT_NE(NULL, strstr(self->log, what)) {
			TH_LOG("log '%s' does not name %s", self->log, what);
		}
}

/* An ext4 with case folding at D("cf"), with cf/fold (+F) and cf/plain. */
static int make_casefold_fs(FIXTURE_DATA(lm) *self)
{
	char img[LFS_PATHLEN + 16], node[64];
	char *mkfs[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-O", "casefold",
			 "-E", "nodiscard", img, NULL };
	int fd, r, flags = FS_CASEFOLD_FL;

	snprintf(img, sizeof(img), "%s", D("cf.img"));
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 32 << 20))
		return -errno;
	close(fd);
	r = lfs_run_quiet(mkfs, NULL);
	if (r)
		return r;
	self->loopfd = lfs_loop_attach(img, node, sizeof(node));
	if (self->loopfd < 0)
		return self->loopfd;
	if (mkdir(D("cf"), 0755) || mount(node, D("cf"), "ext4", 0, NULL))
		return -errno;
	r = lfs_build(D("cf"), "f fold/.keep\nd plain\nf plain/a A\nd up\nd w");
	if (r)
		return r;
	/* +F needs an empty directory. */
	unlink(D("cf/fold/.keep"));
	fd = open(D("cf/fold"), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	r = ioctl(fd, FS_IOC_SETFLAGS, &flags) ? -errno : 0;
	close(fd);
	if (!r)
		r = lfs_write_file(D("cf/fold/Name"), "N", 1);
	return r;
}

LFS_TEST(lm, casefold_layers_refused)
{
	ASSERT_EQ(0, lfs_build(D("l1"), "f a 1"));
	ASSERT_EQ(0, make_casefold_fs(self));
	/* The layer is case-insensitive indeed. */
	ASSERT_STREQ("N", lfs_cat(D("cf/fold/NAME")));

	expect_refused(_metadata, self, "lowerdir=%1$s/cf/fold:%1$s/l1",
		       "cf/fold");
	expect_refused(_metadata, self, "lowerdir=%1$s/l1:%1$s/cf/fold",
		       "cf/fold");
	/* Any directory of it could be made +F later. */
	expect_refused(_metadata, self, "lowerdir=%1$s/cf/plain:%1$s/l1",
		       "cf/plain");
	expect_refused(_metadata, self,
		       "lowerdir=%1$s/l1,upperdir=%1$s/cf/up,workdir=%1$s/cf/w",
		       "cf/up");
}

/* A child in a new user namespace mapping 0 to 1000; its ns fd. */
static int make_userns(FIXTURE_DATA(lm) *self)
{
	char p[64];
	int pipefd[2], fd, r;
	char c;

	if (pipe(pipefd))
		return -errno;
	self->child = fork();
	if (self->child < 0)
		return -errno;
	if (!self->child) {
		close(pipefd[0]);
		if (unshare(CLONE_NEWUSER))
			_exit(1);
		c = 'u';
		if (write(pipefd[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	r = read(pipefd[0], &c, 1) == 1 ? 0 : -ECHILD;
	close(pipefd[0]);
	if (r)
		return r;
	snprintf(p, sizeof(p), "/proc/%d/uid_map", self->child);
	r = lfs_write_file(p, "0 1000 1", 8);
	snprintf(p, sizeof(p), "/proc/%d/setgroups", self->child);
	if (!r)
		r = lfs_write_file(p, "deny", 4);
	snprintf(p, sizeof(p), "/proc/%d/gid_map", self->child);
	if (!r)
		r = lfs_write_file(p, "0 1000 1", 8);
	if (r)
		return r;
	snprintf(p, sizeof(p), "/proc/%d/ns/user", self->child);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* SRC, idmapped through the child's namespace, mounted on DST. */
static int idmap_mount(FIXTURE_DATA(lm) *self, const char *src,
		       const char *dst)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	int ns = make_userns(self), fd, r = 0;

	if (ns < 0)
		return ns;
	fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0) {
		close(ns);
		return -errno;
	}
	attr.userns_fd = ns;
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) ||
	    move_mount(fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH))
		r = -errno;
	close(fd);
	close(ns);
	return r;
}

LFS_TEST(lm, idmapped_layers)
{
	char opts[4096];
	struct stat st;
	int ret;

	ASSERT_EQ(0, lfs_build(D("l1"), "f a 1\nd up\nd w"));
	ASSERT_EQ(0, mkdir(D("idm"), 0755));
	ASSERT_EQ(0, idmap_mount(self, D("l1"), D("idm")));
	/* The mount maps indeed: root's file shows as 1000's. */
	ASSERT_EQ(0, stat(D("idm/a"), &st));
	ASSERT_EQ(1000, st.st_uid);

	if (lfs_is_layerfs()) {
		/*
		 * layerfs does not pass the layer's idmap to every call on
		 * the real objects (Documentation/layerfs.rst), so it
		 * refuses such a layer.
		 */
		expect_refused(_metadata, self, "lowerdir=%1$s/idm:%1$s/l0",
			       "idm");
		expect_refused(_metadata, self,
			       "lowerdir=%1$s/l0,upperdir=%1$s/idm/up,workdir=%1$s/idm/w",
			       "idm/up");
		return;
	}
	/* overlayfs maps the ids of an idmapped layer. */
	snprintf(opts, sizeof(opts), "lowerdir=%s/idm:%s/l0", self->c.dir,
		 self->c.dir);
	ret = lfs_mount_opts(&self->c, opts);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, stat(M("a"), &st));
	EXPECT_EQ(1000, st.st_uid);
}

TEST_HARNESS_MAIN
