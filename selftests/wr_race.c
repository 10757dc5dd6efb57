// SPDX-License-Identifier: GPL-2.0
/*
 * Writable union: races between processes, each a bounded stress loop.
 *
 *   rcu_walk_while_inodes_go  path walks in RCU mode (->permission with
 *       MAY_NOT_BLOCK) on union directories whose inodes drop_caches tears
 *       down meanwhile.  Probabilistic: a walker must be between its
 *       lookup of a directory and the permission check on it when the
 *       inode goes; with a deep path, two walkers and drop_caches in a
 *       loop for some seconds it happens many times a run on the VM
 *       (a use of the freed stack is a NULL dereference, or under
 *       SLUB_DEBUG/KFENCE a reported use after free, either fails the run).
 *   metacopy_publication  readers open and read a file while its metadata
 *       is copied up: they must see the lower data, never the sparse upper
 *       file.  Probabilistic too, and the window it aims at is a few
 *       instructions wide: it rarely catches a wrong order, it documents
 *       and guards the promise.
 *   copy_up_waiter_killable  a process waiting for another's copy-up of a
 *       large file dies at once on SIGKILL, and the copier too (between
 *       two pieces), leaving no upper file.  Deterministic (but for the
 *       machine being too fast to copy the file for a second).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lfs_wr.h"

#define DEEP	"a/b/c/d/e/f/g/h"

LFS_WR_FIXTURE(race,
	"d " DEEP "\nf " DEEP "/x top\nd q/b/c/d/e/f/g/h\n",
	"d " DEEP "\nf " DEEP "/y bottom\nd q/b/c/d/e/f/g/h\n",
	0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reap PID: 0 if it exited 0, else its status for the log. */
static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : st;
}

#define NWALK		2
#define WALK_SECS	8.0

/* Walk to the deep files until END; exit 1 on a wrong answer. */
static void walker(const char *x, const char *y, const char *q, double end)
{
	struct stat st;
	long n = 0;

	while (now() < end) {
		if (stat(x, &st) || stat(y, &st) || access(q, X_OK)) {
			fprintf(stderr, "# walker: %s after %ld walks\n",
				strerror(errno), n);
			_exit(1);
		}
		n++;
	}
	fprintf(stderr, "# walker: %ld walks\n", n);
	_exit(0);
}

LFS_TEST(race, rcu_walk_while_inodes_go)
{
	char x[PATH_MAX], y[PATH_MAX], q[PATH_MAX];
	pid_t pid[NWALK];
	double end;
	long drops = 0;
	int i, fd;

	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	/* q/... copied up: upper and two lowers; a/... stays below. */
	ASSERT_EQ(0, lfs_write_file(M("q/b/c/d/e/f/g/h/new"), "n", 1));
	snprintf(x, sizeof(x), "%s", M(DEEP "/x"));
	snprintf(y, sizeof(y), "%s", M(DEEP "/y"));
	snprintf(q, sizeof(q), "%s", M("q/b/c/d/e/f/g/h"));
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	end = now() + WALK_SECS;
	for (i = 0; i < NWALK; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			walker(x, y, q, end);
	}
	while (now() < end) {
		/* 2: dentries and inodes, ours among them. */
		if (pwrite(fd, "2", 1, 0) == 1)
			drops++;
	}
	close(fd);
	TH_LOG("%ld drops", drops);
	for (i = 0; i < NWALK; i++)
		EXPECT_EQ(0, reap(pid[i])) TH_LOG("walker %d", i);
	EXPECT_LT(0, drops);
	EXPECT_STREQ("top", lfs_cat(x));
	EXPECT_STREQ("bottom", lfs_cat(y));
}

#define NPUB	48
#define PUBSIZE	65536

/* Read file *CUR (changed by the parent) until it is NPUB; 1 on a wrong
 * byte. */
static void pub_reader(struct lfs_wr *w, volatile int *cur)
{
	static char want[4096], got[4096];
	long n = 0;
	int i;

	lfs_pattern(want, sizeof(want), 0);
	while ((i = *cur) < NPUB) {
		int fd = open(lfs_m(&w->c, "m/%d", i), O_RDONLY | O_CLOEXEC);

		if (fd < 0 || pread(fd, got, sizeof(got), 0) != sizeof(got) ||
		    memcmp(want, got, sizeof(got))) {
			fprintf(stderr, "# reader: file %d: %s after %ld reads\n",
				i, fd < 0 ? strerror(errno) : "wrong data", n);
			_exit(1);
		}
		close(fd);
		n++;
	}
	fprintf(stderr, "# reader: %ld reads\n", n);
	_exit(0);
}

LFS_TEST(race, metacopy_publication)
{
	volatile int *cur;
	pid_t pid[2];
	char spec[32];
	int i;

	for (i = 0; i < NPUB; i++) {
		snprintf(spec, sizeof(spec), "d m\nP m/%d %d\n", i, PUBSIZE);
		ASSERT_EQ(0, lfs_wr_build(lfs_wl(&self->w, 0, "%s", ""),
					  spec));
	}
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	cur = mmap(NULL, sizeof(*cur), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cur);
	*cur = 0;
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			pub_reader(&self->w, cur);
	}
	for (i = 0; i < NPUB; i++) {
		*cur = i;
		usleep(2000);	/* the readers open it below first */
		EXPECT_EQ(0, chmod(M("m/%d", i), 0600));
		usleep(2000);
	}
	*cur = NPUB;
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, reap(pid[i])) TH_LOG("reader %d", i);
	EXPECT_EQ(1, lfs_has_xattr(U("m/0"), lfs_priv_xattr("metacopy")));
	EXPECT_EQ(0, lfs_check_pattern(M("m/%d", NPUB - 1), PUBSIZE));
}

/*
 * Large enough that copying it up takes the VM (software emulation) well
 * over a second, small enough for a tmpfs base in its 1 GiB twice.
 */
#define BIG	(160 << 20)

/* Open NAME for write (the copy-up), then tell the pipe the result. */
static void opener(const char *path, int wfd)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int e = fd < 0 ? errno : 0;

	if (write(wfd, &e, sizeof(e)) != sizeof(e))
		_exit(2);
	_exit(0);
}

/* Is there something to read on FD now? */
static int ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

LFS_TEST_LONG(race, copy_up_waiter_killable)
{
	char spec[32], path[PATH_MAX];
	int pa[2], pb[2], st;
	double t0, dt, ta;
	pid_t a, b;

	snprintf(spec, sizeof(spec), "P big %d\n", BIG);
	ASSERT_EQ(0, lfs_wr_build(lfs_wl(&self->w, 0, "%s", ""), spec));
	ASSERT_EQ(0, lfs_wr_snapshot(&self->w));
	ASSERT_EQ(0, lfs_wr_mount(&self->w));
	snprintf(path, sizeof(path), "%s", M("big"));
	ASSERT_EQ(0, pipe(pa));
	ASSERT_EQ(0, pipe(pb));

	a = fork();
	ASSERT_LE(0, a);
	if (!a)
		opener(path, pa[1]);
	usleep(300000);
	b = fork();
	ASSERT_LE(0, b);
	if (!b)
		opener(path, pb[1]);
	usleep(300000);
	/* Both still in open(): a copying, b waiting for it. */
	ASSERT_FALSE(ready(pa[0]))
		TH_LOG("the copy-up took under 0.6 s: file too small here");
	ASSERT_FALSE(ready(pb[0]));

	t0 = now();
	ASSERT_EQ(0, kill(b, SIGKILL));
	ASSERT_EQ(b, waitpid(b, &st, 0));
	dt = now() - t0;
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	EXPECT_FALSE(ready(pa[0]))
		TH_LOG("the waiter died only after the copy-up ended");
	EXPECT_GT(1.0, dt) TH_LOG("the waiter took %.2f s to die", dt);

	t0 = now();
	ASSERT_EQ(0, kill(a, SIGKILL));
	ASSERT_EQ(a, waitpid(a, &st, 0));
	ta = now() - t0;
	TH_LOG("waiter died in %.3f s, copier in %.3f s", dt, ta);
	EXPECT_GT(5.0, ta) TH_LOG("the copier took %.2f s to die", ta);
	/* A copy-up that did not finish leaves nothing in the upper layer. */
	EXPECT_NE(0, access(U("big"), F_OK));
	EXPECT_EQ(ENOENT, errno);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
}

TEST_HARNESS_MAIN
