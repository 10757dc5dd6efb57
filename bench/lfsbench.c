// SPDX-License-Identifier: GPL-2.0
/*
 * lfsbench - the timing driver of `make bench` (runs in the test VM).
 *
 * usage: lfsbench LABEL COMMAND ARGS...
 *
 * A timed command prints one line
 *	BENCH LABEL value=<v> unit=<u>
 * where the value is a cost (time per operation or per pass: lower is
 * better).  LABEL is passed through unchanged ("base=.. case=.. ..").
 * With LABEL "-" nothing is printed (set-up helpers).
 *
 * Timed commands:
 *   lookup DIR PREFIX N EXIST  lstat DIR/PREFIX0..N-1; all must
 *                              exist (EXIST 1) or none (0)     us/op
 *   readdir DIR PASSES [N]     open+getdents64+close, per pass;
 *                              N: the names expected (no . ..)  ms
 *   seqread FILE BUFKIB        read(2) the whole file           ms
 *   randread FILE COUNT        4 KiB pread at random offsets    us/op
 *   mmapread FILE              mmap, touch every page, munmap   ms
 *   openwrite FILE             open(O_WRONLY)+close             ms
 *   chmod FILE                 chmod 0640                       us
 *   create DIR PREFIX N        open(O_CREAT|O_EXCL), 100 bytes  us/op
 *   rename DIR FROM TO N       rename FROMi -> TOi              us/op
 *   unlink DIR PREFIX N        unlink PREFIXi                   us/op
 *   exec CMD ARGS...           fork, exec, wait                 ms
 *   cstart N MNT TYPE SRC OPTS mount, fork+chroot+exec /bin/true,
 *                              wait, umount; TYPE "bind" binds SRC
 *                                                               ms/start
 * Set-up commands:
 *   mkfiles DIR PREFIX N BYTES   N files of BYTES bytes
 *   mkfile FILE MIB              one file of MIB MiB (non-zero data)
 *   mount TYPE SRC MNT OPTS      mount(2) (TYPE "bind": a bind mount)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *label;

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "lfsbench: %s %s: %s\n", what, arg ? arg : "",
		strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void report(uint64_t ns, uint64_t count, const char *unit)
{
	double div = 1.0;

	if (label[0] == '-' && label[1] == '\0')
		return;
	if (!strncmp(unit, "us", 2))
		div = 1e3;
	else if (!strncmp(unit, "ms", 2))
		div = 1e6;
	printf("BENCH %s value=%.3f unit=%s\n", label,
	       (double)ns / div / (double)(count ? count : 1), unit);
	fflush(stdout);
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "lfsbench: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		die("open", dir);
	return fd;
}

static void cmd_lookup(const char *dir, const char *prefix, long n, long exist)
{
	int dfd = open_dir(dir);
	char name[256];
	struct stat st;
	uint64_t t;
	long i, found = 0;

	t = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%ld", prefix, i);
		if (!fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
			found++;
		else if (errno != ENOENT)
			die("stat", name);
	}
	t = now_ns() - t;
	close(dfd);
	if (found != (exist ? n : 0)) {
		fprintf(stderr, "lfsbench: lookup %s/%s*: %ld of %ld found\n",
			dir, prefix, found, n);
		exit(1);
	}
	report(t, (uint64_t)n, "us/op");
}

static void cmd_readdir(const char *dir, long passes, long expect)
{
	static char buf[65536];
	uint64_t t, total = 0;
	long p, entries = 0, first = -1;

	for (p = 0; p < passes; p++) {
		long nr;
		int fd;

		t = now_ns();
		fd = open_dir(dir);
		entries = 0;
		for (;;) {
			nr = syscall(SYS_getdents64, fd, buf, sizeof(buf));
			if (nr < 0)
				die("getdents64", dir);
			if (nr == 0)
				break;
			for (long off = 0; off < nr;) {
				struct dirent64 *d = (void *)(buf + off);

				if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
					entries++;
				off += d->d_reclen;
			}
		}
		close(fd);
		total += now_ns() - t;
		if (first < 0)
			first = entries;
		else if (first != entries) {
			fprintf(stderr, "lfsbench: readdir %s: %ld then %ld entries\n",
				dir, first, entries);
			exit(1);
		}
	}
	if (expect >= 0 && entries != expect) {
		fprintf(stderr, "lfsbench: readdir %s: %ld entries, not %ld\n",
			dir, entries, expect);
		exit(1);
	}
	report(total, (uint64_t)passes, "ms");
}

static void cmd_seqread(const char *file, long kib)
{
	size_t len = (size_t)kib * 1024;
	char *buf = malloc(len);
	uint64_t t;
	ssize_t r;
	int fd;

	if (!buf)
		die("malloc", NULL);
	t = now_ns();
	fd = open(file, O_RDONLY);
	if (fd < 0)
		die("open", file);
	while ((r = read(fd, buf, len)) > 0)
		;
	if (r < 0)
		die("read", file);
	close(fd);
	t = now_ns() - t;
	free(buf);
	report(t, 1, "ms");
}

static void cmd_randread(const char *file, long count)
{
	char buf[4096];
	struct stat st;
	uint64_t t, pages;
	long i;
	int fd = open(file, O_RDONLY);

	if (fd < 0)
		die("open", file);
	if (fstat(fd, &st))
		die("fstat", file);
	pages = (uint64_t)st.st_size / 4096;
	if (!pages)
		die("empty", file);
	t = now_ns();
	for (i = 0; i < count; i++) {
		off_t off = (off_t)(xorshift() % pages) * 4096;

		if (pread(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf))
			die("pread", file);
	}
	t = now_ns() - t;
	close(fd);
	report(t, (uint64_t)count, "us/op");
}

static void cmd_mmapread(const char *file)
{
	volatile unsigned long sum = 0;
	struct stat st;
	unsigned char *p;
	uint64_t t;
	int fd;

	t = now_ns();
	fd = open(file, O_RDONLY);
	if (fd < 0)
		die("open", file);
	if (fstat(fd, &st))
		die("fstat", file);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap", file);
	for (off_t off = 0; off < st.st_size; off += 4096)
		sum += p[off];
	munmap(p, (size_t)st.st_size);
	close(fd);
	t = now_ns() - t;
	report(t, 1, "ms");
}

static void cmd_openwrite(const char *file)
{
	uint64_t t = now_ns();
	int fd = open(file, O_WRONLY);

	if (fd < 0)
		die("open", file);
	close(fd);
	report(now_ns() - t, 1, "ms");
}

static void cmd_chmod(const char *file)
{
	uint64_t t = now_ns();

	if (chmod(file, 0640))
		die("chmod", file);
	report(now_ns() - t, 1, "us");
}

static void write_file(int dfd, const char *name, const char *buf, size_t len)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0)
		die("create", name);
	while (len) {
		ssize_t w = write(fd, buf, len > 1048576 ? 1048576 : len);

		if (w <= 0)
			die("write", name);
		len -= (size_t)w;
		buf += w;
	}
	close(fd);
}

static void cmd_create(const char *dir, const char *prefix, long n)
{
	static const char data[100] = "layerfs benchmark file\n";
	int dfd = open_dir(dir);
	char name[256];
	uint64_t t;
	long i;

	t = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%ld", prefix, i);
		write_file(dfd, name, data, sizeof(data));
	}
	t = now_ns() - t;
	close(dfd);
	report(t, (uint64_t)n, "us/op");
}

static void cmd_rename(const char *dir, const char *from, const char *to, long n)
{
	int dfd = open_dir(dir);
	char a[256], b[256];
	uint64_t t;
	long i;

	t = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "%s%ld", from, i);
		snprintf(b, sizeof(b), "%s%ld", to, i);
		if (renameat(dfd, a, dfd, b))
			die("rename", a);
	}
	t = now_ns() - t;
	close(dfd);
	report(t, (uint64_t)n, "us/op");
}

static void cmd_unlink(const char *dir, const char *prefix, long n)
{
	int dfd = open_dir(dir);
	char name[256];
	uint64_t t;
	long i;

	t = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%ld", prefix, i);
		if (unlinkat(dfd, name, 0))
			die("unlink", name);
	}
	t = now_ns() - t;
	close(dfd);
	report(t, (uint64_t)n, "us/op");
}

static int run_wait(char *const argv[], const char *root)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		if (root && (chroot(root) || chdir("/")))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid", argv[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void cmd_exec(char *const argv[])
{
	uint64_t t = now_ns();
	int rc = run_wait(argv, NULL);

	t = now_ns() - t;
	if (rc) {
		fprintf(stderr, "lfsbench: %s exited with %d\n", argv[0], rc);
		exit(1);
	}
	report(t, 1, "ms");
}

static void do_mount(const char *type, const char *src, const char *mnt,
		     const char *opts)
{
	int r;

	if (!strcmp(type, "bind"))
		r = mount(src, mnt, NULL, MS_BIND, NULL);
	else
		r = mount(src, mnt, type, 0, opts);
	if (r)
		die("mount", mnt);
}

static void cmd_cstart(long n, const char *mnt, const char *type,
		       const char *src, const char *opts)
{
	char *const argv[] = { "/bin/true", NULL };
	uint64_t t;
	long i;

	t = now_ns();
	for (i = 0; i < n; i++) {
		do_mount(type, src, mnt, opts);
		if (run_wait(argv, mnt)) {
			fprintf(stderr, "lfsbench: /bin/true in %s failed\n", mnt);
			exit(1);
		}
		if (umount2(mnt, 0))
			die("umount", mnt);
	}
	t = now_ns() - t;
	report(t, (uint64_t)n, "ms/start");
}

static void cmd_mkfiles(const char *dir, const char *prefix, long n, long bytes)
{
	char *buf = calloc(1, (size_t)bytes + 1);
	int dfd = open_dir(dir);
	char name[256];
	long i;

	if (!buf)
		die("calloc", NULL);
	memset(buf, 'x', (size_t)bytes);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%ld", prefix, i);
		write_file(dfd, name, buf, (size_t)bytes);
	}
	close(dfd);
	free(buf);
}

static void cmd_mkfile(const char *file, long mib)
{
	size_t len = 1048576;
	char *buf = malloc(len);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long i;

	if (!buf)
		die("malloc", NULL);
	if (fd < 0)
		die("create", file);
	for (i = 0; i < mib; i++) {
		for (size_t j = 0; j < len; j += 8)
			*(uint64_t *)(buf + j) = xorshift();
		if (write(fd, buf, len) != (ssize_t)len)
			die("write", file);
	}
	close(fd);
	free(buf);
}

#define NEED(k) do { if (argc < (k)) goto usage; } while (0)

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 3)
		goto usage;
	label = argv[1];
	cmd = argv[2];
	argv += 3;
	argc -= 3;
	if (!strcmp(cmd, "lookup")) {
		NEED(4);
		cmd_lookup(argv[0], argv[1], num(argv[2]), num(argv[3]));
	} else if (!strcmp(cmd, "readdir")) {
		NEED(2);
		cmd_readdir(argv[0], num(argv[1]), argc > 2 ? num(argv[2]) : -1);
	} else if (!strcmp(cmd, "seqread")) {
		NEED(2);
		cmd_seqread(argv[0], num(argv[1]));
	} else if (!strcmp(cmd, "randread")) {
		NEED(2);
		cmd_randread(argv[0], num(argv[1]));
	} else if (!strcmp(cmd, "mmapread")) {
		NEED(1);
		cmd_mmapread(argv[0]);
	} else if (!strcmp(cmd, "openwrite")) {
		NEED(1);
		cmd_openwrite(argv[0]);
	} else if (!strcmp(cmd, "chmod")) {
		NEED(1);
		cmd_chmod(argv[0]);
	} else if (!strcmp(cmd, "create")) {
		NEED(3);
		cmd_create(argv[0], argv[1], num(argv[2]));
	} else if (!strcmp(cmd, "rename")) {
		NEED(4);
		cmd_rename(argv[0], argv[1], argv[2], num(argv[3]));
	} else if (!strcmp(cmd, "unlink")) {
		NEED(3);
		cmd_unlink(argv[0], argv[1], num(argv[2]));
	} else if (!strcmp(cmd, "exec")) {
		NEED(1);
		cmd_exec(argv);
	} else if (!strcmp(cmd, "cstart")) {
		NEED(5);
		cmd_cstart(num(argv[0]), argv[1], argv[2], argv[3], argv[4]);
	} else if (!strcmp(cmd, "mkfiles")) {
		NEED(4);
		cmd_mkfiles(argv[0], argv[1], num(argv[2]), num(argv[3]));
	} else if (!strcmp(cmd, "mkfile")) {
		NEED(2);
		cmd_mkfile(argv[0], num(argv[1]));
	} else if (!strcmp(cmd, "mount")) {
		NEED(4);
		do_mount(argv[0], argv[1], argv[2], argv[3]);
	} else {
		goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "usage: lfsbench LABEL COMMAND ARGS... (see the source)\n");
	return 2;
}
