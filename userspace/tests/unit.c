// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests: option parsing, layer tar round trips, whiteout and
 * opaque conversion, lower-stack lookup and diff on plain folder trees.
 * Needs root for mknod/trusted xattrs (skips those parts otherwise).
 * Usage: unit_tests SCRATCHDIR
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "cmd.h"
#include "diff.h"
#include "layer.h"
#include "mount.h"
#include "oci.h"
#include "runtime.h"
#include "secure.h"
#include "tap.h"

const char *lfs_prog = "unit_tests";
static const char *base;

static char *P(const char *rel)
{
	static char bufs[8][4096];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, 4096, "%s/%s", base, rel);
	return b;
}

static void wfile(const char *rel, const char *content)
{
	FILE *f = fopen(P(rel), "w");

	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void test_options(void)
{
	struct strv v = { 0 };
	struct mount_req r = { 0 };
	char *big;
	size_t len = 0;

	OK(mountopt_split("a,b=\"x,y\",c\\,d,,e", &v) == 0 && v.n == 4, "split options at commas");
	OK(v.n == 4 && !strcmp(v.v[1], "b=x,y"), "double quotes protect commas");
	OK(v.n == 4 && !strcmp(v.v[2], "c\\,d"), "backslash protects commas");
	strv_free(&v);
	OK(mountopt_split("a=\"x", &v) < 0, "unbalanced quote is an error");
	strv_free(&v);
	OK(lowerdir_split("/a:/b\\:c:/d", &v) == 0 && v.n == 3 && !strcmp(v.v[1], "/b:c"),
	   "lowerdir split honours \\: escapes");
	strv_free(&v);
	OK(lowerdir_split("/a::/b", &v) < 0, "empty layer path is an error");
	strv_free(&v);
	OK(lowerdir_split("", &v) < 0, "empty lowerdir is an error");
	strv_free(&v);
	{
		char *e = lowerdir_escape("/x:y\\z,w");

		OK(lowerdir_split(e, &v) == 0 && v.n == 1 && !strcmp(v.v[0], "/x:y\\z,w"),
		   "lowerdir_escape round trips through lowerdir_split");
		free(e);
		strv_free(&v);
	}
	OK(mount_req_parse(&r, "lowerdir=/a:/b,lowerdir+=/c,upperdir=/u,workdir=/w,ro,nosuid,"
			   "defaults,x-systemd.foo,x-layerfs.mkdirs,volatile,redirect_dir=on,noatime") == 0,
	   "parse a full option string");
	OK(r.lowers.n == 3 && !strcmp(r.lowers.v[2], "/c"), "lowerdir and lowerdir+ make 3 layers");
	OK(r.upperdir && !strcmp(r.upperdir, "/u") && r.workdir && !strcmp(r.workdir, "/w"),
	   "upperdir and workdir taken");
	OK(r.ro && (r.attr & MOUNT_ATTR_RDONLY) && (r.attr & MOUNT_ATTR_NOSUID) &&
	   (r.attr & MOUNT_ATTR_NOATIME), "ro, nosuid, noatime become mount attributes");
	OK(r.mkdirs, "x-layerfs.mkdirs recognised");
	OK(r.kopts.n == 2 && !strcmp(r.kopts.v[0], "volatile") &&
	   !strcmp(r.kopts.v[1], "redirect_dir=on"),
	   "kernel options passed through, userspace options stripped");
	mount_req_free(&r);
	memset(&r, 0, sizeof(r));
	OK(mount_req_parse(&r, "lowerdir=/a,uidmapping=0:1000:1") < 0,
	   "fuse-overlayfs uidmapping refused");
	mount_req_free(&r);
	memset(&r, 0, sizeof(r));
	OK(mount_req_parse(&r, "x-layerfs.bogus") < 0, "unknown x-layerfs option refused");
	mount_req_free(&r);
	memset(&r, 0, sizeof(r));
	OK(mount_req_parse(&r, "image=busybox,container=c1,store=/s,lowerdir=/x") == 0 &&
	   !strcmp(r.image, "busybox") && !strcmp(r.container, "c1") && !strcmp(r.store, "/s"),
	   "image=, container=, store= parsed");
	mount_req_free(&r);
	memset(&r, 0, sizeof(r));
	big = xmalloc(500 * 64);
	big[0] = 0;
	strcat(big, "lowerdir=");
	for (int i = 0; i < 500; i++)
		len += sprintf(big + strlen(big), "%s/var/lib/layerfs/layers/%04d/diff", i ? ":" : "", i);
	OK(mount_req_parse(&r, big) == 0 && r.lowers.n == 500, "500 layers split (%zu bytes)", len);
	free(big);
	mount_req_free(&r);
	memset(&r, 0, sizeof(r));
	OK(mount_req_parse(&r, "lowerdir=/a,upperdir=/u") == 0 && mount_req_resolve(&r) < 0 &&
	   strstr(lfs_errmsg(), "workdir"), "upperdir without workdir refused: %s", lfs_errmsg());
	mount_req_free(&r);
}

/* capability names and the kept set of --cap-add/--cap-drop */
static void test_caps(void)
{
	struct strv add = { 0 }, drop = { 0 };
	uint64_t m = 0, back = 0;
	json_object *j;

	OK(caps_default() == 0xa80425fbULL, "default set is docker's (%llx)",
	   (unsigned long long)caps_default());
	OK(cap_from_name("CHOWN") == 0 && cap_from_name("cap_sys_admin") == 21 &&
	   cap_from_name("Net_Raw") == 13 && cap_from_name("CHECKPOINT_RESTORE") == 40,
	   "capability names, any case, with or without CAP_");
	OK(cap_from_name("ALL") == 64 && cap_from_name("NOPE") == -1 && cap_from_name("") == -1,
	   "ALL and unknown names");
	OK(!caps_compute(&add, &drop, &m) && m == caps_default(), "no options: the default");
	strv_add(&add, "SYS_ADMIN");
	strv_add(&drop, "CHOWN");
	OK(!caps_compute(&add, &drop, &m) && m == (caps_default() | 1ULL << 21) - 1,
	   "add SYS_ADMIN, drop CHOWN");
	strv_add(&drop, "all");
	OK(!caps_compute(&add, &drop, &m) && m == 1ULL << 21, "drop ALL, then add");
	strv_add(&add, "ALL");
	OK(!caps_compute(&add, &drop, &m) && m == (1ULL << 41) - 1, "add ALL: every known one");
	j = caps_to_json(caps_default());
	OK(!caps_from_json(j, &back) && back == caps_default() &&
	   json_object_array_length(j) == 14, "record round trip");
	json_object_put(j);
	OK(!caps_from_json(NULL, &back) && back == caps_default(), "old record: the default");
	strv_add(&add, "NO_SUCH");
	OK(caps_compute(&add, &drop, &m) == -1, "unknown name refused");
	lfs_err_clear();
	strv_free(&add);
	strv_free(&drop);
}

static void test_misc(void)
{
	char hex[LFS_DIGEST_HEX + 1];

	sha256_buf("abc", 3, hex);
	OK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	   "sha256 of \"abc\"");
	OK(valid_name("busybox:latest") && valid_name("a/b-c_d.e") && !valid_name("../x") &&
	   !valid_name("") && !valid_name("-x") && !valid_name("a b"), "name validation");
	OK(signal_parse("TERM") == SIGTERM && signal_parse("SIGKILL") == SIGKILL &&
	   signal_parse("9") == 9 && signal_parse("bogus") < 0, "signal names");
}

static bool is_wh(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && is_whiteout_st(&st);
}

static void make_tree(const char *root)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/etc/sub", root);
	mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/opq", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/hello", root);
	FILE *f = fopen(p, "w");

	fputs("hello\n", f);
	fclose(f);
	setxattr(p, "user.test", "v", 1, 0);
	{
		char q[4096];

		snprintf(q, sizeof(q), "%s/etc/hardlink", root);
		link(p, q);
		snprintf(q, sizeof(q), "%s/etc/link", root);
		symlink("hello", q);
		snprintf(q, sizeof(q), "%s/etc/fifo", root);
		mkfifo(q, 0600);
		snprintf(q, sizeof(q), "%s/etc/gone", root);
		mknod(q, S_IFCHR, makedev(0, 0));
		snprintf(q, sizeof(q), "%s/opq", root);
		setxattr(q, LFS_XATTR_OPAQUE, "y", 1, 0);
		snprintf(q, sizeof(q), "%s/etc/sub/x", root);
		f = fopen(q, "w");
		fputs("x", f);
		fclose(f);
		chmod(q, 0640);
		lchown(q, 1234, 5678);
	}
}

static void test_layers(void)
{
	struct tar_result a, b;
	int fd;
	char v[8];

	make_tree(P("t1"));
	fd = open(P("t1.tar"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	OK(layer_write_tar(P("t1"), fd, &a, NULL) == 0, "write canonical tar: %s",
	   lfs_errmsg());
	close(fd);
	OK(layer_write_tar(P("t1"), -1, &b, NULL) == 0 && !strcmp(a.digest, b.digest),
	   "canonical tar is deterministic");
	mkdir(P("t2"), 0755);
	{
		char raw[LFS_DIGEST_HEX + 1];

		OK(layer_extract_file(P("t1.tar"), P("t2"), raw) == 0, "extract canonical tar: %s",
		   lfs_errmsg());
		OK(!strcmp(raw, a.digest), "extract hashes the tar as given: %s", raw);
	}
	{
		/* blocks after the end of the archive are part of the file as given */
		char raw[LFS_DIGEST_HEX + 1], file[LFS_DIGEST_HEX + 1];
		int pfd;

		copy_file(P("t1.tar"), P("padded.tar"), 0644);
		pfd = open(P("padded.tar"), O_WRONLY | O_APPEND);
		OK(pfd >= 0 && ftruncate(pfd, lseek(pfd, 0, SEEK_END) + 300000) == 0, "pad a tar");
		close(pfd);
		mkdir(P("t3"), 0755);
		OK(layer_extract_file(P("padded.tar"), P("t3"), raw) == 0 &&
		   sha256_file(P("padded.tar"), file) == 0 && !strcmp(raw, file),
		   "extract hashes a padded tar to its last byte");
	}
	OK(layer_write_tar(P("t2"), -1, &b, NULL) == 0 && !strcmp(a.digest, b.digest),
	   "extract + rewrite gives the same digest");
	OK(is_wh(P("t2/etc/gone")), "whiteout survives the round trip as char 0/0");
	OK(lgetxattr(P("t2/opq"), LFS_XATTR_OPAQUE, v, sizeof(v)) == 1 && v[0] == 'y',
	   "opaque dir survives the round trip");
	{
		struct stat s1, s2, s3;

		OK(!lstat(P("t2/etc/hello"), &s1) && !lstat(P("t2/etc/hardlink"), &s2) &&
		   s1.st_ino == s2.st_ino, "hard link kept");
		OK(!lstat(P("t2/etc/sub/x"), &s3) && s3.st_uid == 1234 && s3.st_gid == 5678 &&
		   (s3.st_mode & 07777) == 0640, "owner and mode kept");
		OK(lgetxattr(P("t2/etc/hello"), "user.test", v, sizeof(v)) == 1, "user xattr kept");
	}
	/* the tar itself holds OCI markers */
	{
		struct archive *ar = archive_read_new();
		struct archive_entry *e;
		bool wh = false, opq = false, dev = false;

		archive_read_support_format_all(ar);
		archive_read_open_filename(ar, P("t1.tar"), 10240);
		while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
			const char *n = archive_entry_pathname(e);

			if (!strcmp(n, "etc/.wh.gone"))
				wh = true;
			if (!strcmp(n, "opq/.wh..wh..opq"))
				opq = true;
			if (archive_entry_filetype(e) == AE_IFCHR)
				dev = true;
		}
		archive_read_free(ar);
		OK(wh && opq && !dev, "tar has .wh.gone and opq/.wh..wh..opq, no char 0/0");
	}
}

/* A foreign OCI layer with whiteouts, written by libarchive (ustar, ./ prefixes). */
static void test_oci_whiteouts(void)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	const char *names[] = { "./", "./dir/", "./dir/.wh..wh..opq", "./dir/new", "./.wh.gone",
				"./keep", "./late/.wh..wh..opq" };
	char v[8];

	archive_write_set_format_ustar(a);
	archive_write_add_filter_gzip(a);
	archive_write_open_filename(a, P("oci.tar.gz"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t l = strlen(names[i]);

		e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_mode(e, names[i][l - 1] == '/' ? AE_IFDIR | 0755 : AE_IFREG | 0644);
		archive_entry_set_size(e, 0);
		archive_entry_set_mtime(e, 1000000, 0);
		archive_write_header(a, e);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	mkdir(P("o1"), 0755);
	{
		char raw[LFS_DIGEST_HEX + 1], file[LFS_DIGEST_HEX + 1];

		OK(layer_extract_file(P("oci.tar.gz"), P("o1"), raw) == 0, "extract gzip OCI layer: %s",
		   lfs_errmsg());
		OK(sha256_file(P("oci.tar.gz"), file) == 0 && !strcmp(raw, file),
		   "the digest of a gzip layer is that of the compressed file, to its last byte");
	}
	OK(is_wh(P("o1/gone")), ".wh.gone became a whiteout");
	OK(!path_exists(P("o1/.wh.gone")), "no .wh. file left behind");
	OK(lgetxattr(P("o1/dir"), LFS_XATTR_OPAQUE, v, sizeof(v)) == 1, ".wh..wh..opq made dir opaque");
	OK(lgetxattr(P("o1/late"), LFS_XATTR_OPAQUE, v, sizeof(v)) == 1,
	   "opaque marker before its directory entry still works");
	OK(path_exists(P("o1/dir/new")) && path_exists(P("o1/keep")), "regular files extracted");

	/* hostile entries */
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, P("evil.tar"));
	e = archive_entry_new();
	archive_entry_set_pathname(e, "../escaped");
	archive_entry_set_mode(e, AE_IFREG | 0644);
	archive_entry_set_size(e, 0);
	archive_write_header(a, e);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	mkdir(P("o2"), 0755);
	OK(layer_extract_file(P("evil.tar"), P("o2"), NULL) < 0 && !path_exists(P("escaped")),
	   "../ entry refused: %s", lfs_errmsg());

	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, P("evil2.tar"));
	e = archive_entry_new();
	archive_entry_set_pathname(e, "lnk");
	archive_entry_set_mode(e, AE_IFLNK | 0777);
	archive_entry_set_symlink(e, base);
	archive_write_header(a, e);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "lnk/.wh..wh..opq");
	archive_entry_set_mode(e, AE_IFREG | 0644);
	archive_entry_set_size(e, 0);
	archive_write_header(a, e);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "x");
	archive_entry_set_mode(e, AE_IFREG | 0644);
	archive_entry_set_size(e, 0);
	archive_entry_xattr_add_entry(e, "trusted.layerfs.redirect", "/etc", 4);
	archive_write_header(a, e);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	mkdir(P("o3"), 0755);
	layer_extract_file(P("evil2.tar"), P("o3"), NULL);
	OK(lgetxattr(base, LFS_XATTR_OPAQUE, v, sizeof(v)) < 0,
	   "opaque marker through a symlink does not escape the layer");
	OK(lgetxattr(P("o3/x"), LFS_XATTR_REDIRECT, v, sizeof(v)) < 0,
	   "private trusted.layerfs xattrs from a tar are dropped");
}

struct changes {
	char buf[4096];
};

static void collect(void *ctx, char kind, const char *path)
{
	struct changes *c = ctx;
	size_t n = strlen(c->buf);

	snprintf(c->buf + n, sizeof(c->buf) - n, "%c %s\n", kind, path);
}

static void test_diff(void)
{
	struct lower_stack ls = { 0 };
	struct strv names = { 0 };
	struct changes ch = { "" };
	struct stat st;
	char *p;

	/* L2 (bottom): a, d/x, d/y, e/z, f; L1 (top): b, whiteout of f, d/w */
	mkdir_p(P("L2/d"), 0755);
	mkdir_p(P("L2/e"), 0755);
	mkdir_p(P("L1/d"), 0755);
	wfile("L2/a", "a");
	wfile("L2/d/x", "x");
	wfile("L2/d/y", "y");
	wfile("L2/e/z", "z");
	wfile("L2/f", "f");
	wfile("L1/b", "b");
	wfile("L1/d/w", "w");
	mknod(P("L1/f"), S_IFCHR, makedev(0, 0));
	strv_add(&ls.dirs, P("L1"));
	strv_add(&ls.dirs, P("L2"));
	p = lower_lookup(&ls, "d/x", &st);
	OK(p && strstr(p, "/L2/d/x"), "lookup finds a file in the bottom layer");
	free(p);
	p = lower_lookup(&ls, "f", NULL);
	OK(!p, "whiteout in the top layer hides f");
	free(p);
	lower_list(&ls, "d", &names);
	OK(names.n == 3 && !strcmp(names.v[0], "w") && !strcmp(names.v[2], "y"),
	   "merged listing of d has w, x, y");
	strv_free(&names);
	lower_list(&ls, "", &names);
	OK(names.n == 4, "merged root lists a b d e (f whited out): %zu", names.n);
	strv_free(&names);

	/* upper: new file n, changed a, deleted d/x, deleted b, e opaque (refilled), new dir g */
	mkdir_p(P("U/d"), 0755);
	mkdir_p(P("U/e"), 0755);
	mkdir_p(P("U/g"), 0755);
	wfile("U/n", "n");
	wfile("U/a", "changed");
	wfile("U/g/h", "h");
	wfile("U/e/new", "new");
	setxattr(P("U/e"), LFS_XATTR_OPAQUE, "y", 1, 0);
	mknod(P("U/d/x"), S_IFCHR, makedev(0, 0));
	mknod(P("U/b"), S_IFCHR, makedev(0, 0));
	OK(diff_tree(P("U"), &ls, collect, &ch) == 0, "diff runs");
	OK(!strcmp(ch.buf, "C /a\nD /b\nC /d\nD /d/x\nC /e\nD /e/z\nA /e/new\nA /g\nA /g/h\nA /n\n"),
	   "diff lists exactly the changes:\n%s", ch.buf);
	strv_free(&ls.dirs);
}

static void test_store(void)
{
	struct store st = { 0 };
	char d1[LFS_DIGEST_HEX + 1], d2[LFS_DIGEST_HEX + 1], id[LFS_DIGEST_HEX + 1], id2[LFS_DIGEST_HEX + 1];
	json_object *cfg;


	OK(store_open(&st, P("store"), true) == 0, "create a store");
	OK(store_add_layer_dir(&st, P("t1"), d1, NULL) == 0, "add a layer from a folder");
	OK(store_add_layer_tar(&st, P("t1.tar"), d2) == 0 && !strcmp(d1, d2),
	   "the same content from a tar gets the same digest");
	cfg = layer_meta(&st, d1);
	OK(cfg && !json_str(cfg, "source_digest"), "a layer first added from a folder has no source_digest");
	json_object_put(cfg);
	{
		char d3[LFS_DIGEST_HEX + 1], gz[LFS_DIGEST_HEX + 1], *want = NULL;

		OK(store_add_layer_tar(&st, P("oci.tar.gz"), d3) == 0 && sha256_file(P("oci.tar.gz"), gz) == 0,
		   "add a layer from a gzip tar");
		want = xasprintf("sha256:%s", gz);
		cfg = layer_meta(&st, d3);
		OK(strcmp(d3, gz) && json_str(cfg, "source_digest") && !strcmp(json_str(cfg, "source_digest"), want),
		   "its layer.json keeps the digest of the gzip file as source_digest");
		json_object_put(cfg);
		free(want);
	}
	cfg = new_image_config();
	{
		json_object *rootfs, *ids;
		char *s = xasprintf("sha256:%s", d1);

		json_object_object_get_ex(cfg, "rootfs", &rootfs);
		json_object_object_get_ex(rootfs, "diff_ids", &ids);
		json_object_array_add(ids, json_object_new_string(s));
		free(s);
	}
	OK(image_save(&st, cfg, "img:1", id) == 0, "save an image");
	OK(image_resolve(&st, "img:1", id2) == 0 && !strcmp(id, id2), "resolve by name");
	OK(image_resolve(&st, id + 0, id2) == 0, "resolve by full id");
	{
		char pre[13];

		snprintf(pre, sizeof(pre), "%.12s", id);
		OK(image_resolve(&st, pre, id2) == 0 && !strcmp(id, id2), "resolve by id prefix");
	}
	OK(image_resolve(&st, "nope", id2) < 0 && strstr(lfs_errmsg(), "no such image"),
	   "unknown image: %s", lfs_errmsg());
	{
		struct strv dirs = { 0 };

		OK(!image_layer_dirs(&st, id, &dirs) && dirs.n == 1 && strstr(dirs.v[0], d1) &&
		   is_dir(dirs.v[0]), "the image's layer folders");
		strv_free(&dirs);
	}
	json_object_put(cfg);
	store_close(&st);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: unit_tests SCRATCHDIR\n");
		return 2;
	}
	base = argv[1];
	rm_rf(base);
	mkdir_p(base, 0755);
	test_options();
	test_misc();
	test_caps();
	if (geteuid() != 0) {
		SKIP("layer, whiteout, diff and store tests need root (mknod, trusted xattrs)");
		return tap_failed ? 1 : 0;
	}
	test_layers();
	test_oci_whiteouts();
	test_diff();
	test_store();
	rm_rf(base);
	return tap_failed ? 1 : 0;
}
