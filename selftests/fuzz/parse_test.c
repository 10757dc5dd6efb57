// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the module's parsers (module/parse.c), with known
 * inputs and answers.  Prints TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

static int failed, n;

static void check(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++n, what);
	if (!ok)
		failed++;
}

/* Split list with lfs_parse_lower_entry, join entries with '|'. */
static void split(const char *list, char *out, size_t size)
{
	char entry[256];
	const char *pos = list, *next;

	out[0] = '\0';
	while (pos) {
		size_t len = lfs_parse_lower_entry(pos, entry, &next);

		if (out[0])
			strncat(out, "|", size - strlen(out) - 1);
		strncat(out, len ? entry : "<empty>", size - strlen(out) - 1);
		pos = next;
	}
}

static void test_lower(const char *list, const char *want)
{
	char got[1024], what[1200];

	split(list, got, sizeof(got));
	snprintf(what, sizeof(what), "lowerdir \"%s\" splits as %s", list, want);
	check(!strcmp(got, want), what);
	if (strcmp(got, want))
		printf("# got %s\n", got);
}

static void test_redirect(const char *p, int want)
{
	char what[300];

	snprintf(what, sizeof(what), "redirect \"%s\" is %s", p,
		 want ? "valid" : "refused");
	check(lfs_parse_redirect_valid(p, strlen(p)) == want, what);
}

static void test_origin(const char *p, int want_err, unsigned long long want)
{
	char what[300];
	u64 ino = 0;
	int err = lfs_parse_origin(p, strlen(p), &ino);

	snprintf(what, sizeof(what), "origin \"%s\" %s", p,
		 want_err ? "refused" : "parsed");
	check(want_err ? err == -EINVAL : (!err && ino == want), what);
}

static void test_protattr(const char *p, int want_err, unsigned int want)
{
	unsigned int flags = 0;
	char what[300];
	int err = lfs_parse_protattr(p, strlen(p), &flags);

	snprintf(what, sizeof(what), "protattr \"%s\" %s", p,
		 want_err ? "refused" : "parsed");
	check(want_err ? err == -EINVAL : (!err && flags == want), what);
}

static void test_origin_id(const char *p, int want_err, bool verified,
			   unsigned long long ino, unsigned long long gen,
			   unsigned char uuid0)
{
	struct lfs_origin_id id;
	char what[300];
	int err = lfs_parse_origin_id(p, strlen(p), &id);

	snprintf(what, sizeof(what), "origin id \"%s\" %s", p,
		 want_err ? "refused" : "parsed");
	check(want_err ? err == -EINVAL :
	      (!err && id.verified == verified && id.ino == ino &&
	       id.gen == gen && id.uuid[0] == uuid0), what);
}

static bool keep(const char *name)
{
	return strncmp(name, "trusted.layerfs.", 16) != 0;
}

static void test_xattr_list(const char *in, size_t len, const char *want,
			    ssize_t want_len)
{
	char buf[256], what[300];
	ssize_t got;

	memcpy(buf, in, len);
	got = lfs_parse_xattr_list(buf, len, keep);
	snprintf(what, sizeof(what), "xattr list of %zu bytes filters to %zd",
		 len, want_len);
	check(got == want_len && (got < 0 || !memcmp(buf, want, got)), what);
}

static void test_escape(const char *path, const char *want)
{
	char out[256], back[256], what[300];
	const char *next;

	lfs_escape_lower_entry(path, out);
	lfs_parse_lower_entry(out, back, &next);
	snprintf(what, sizeof(what), "\"%s\" escapes as \"%s\" and back",
		 path, want);
	check(!strcmp(out, want) && !strcmp(back, path) && !next, what);
}

int main(void)
{
	char big[300];

	test_lower("/a:/b:/c", "/a|/b|/c");
	test_lower("/a\\:b:/c", "/a:b|/c");
	test_lower("/a\\\\:/c", "/a\\|/c");
	test_lower("/a::/c", "/a|<empty>|/c");
	test_lower(":/a", "<empty>|/a");
	test_lower("/only", "/only");
	test_lower("/a\\", "/a\\");
	/* a trailing colon ends in an empty entry; an escaped one does not */
	test_lower("/a:", "/a|<empty>");
	test_lower("/a\\:", "/a:");
	test_lower("/a:/b\\:", "/a|/b:");
	test_lower(":", "<empty>|<empty>");

	test_redirect("/a/b", 1);
	test_redirect("/a", 1);
	test_redirect("/", 0);
	test_redirect("", 0);
	test_redirect("a/b", 0);
	test_redirect("/a//b", 0);
	test_redirect("/a/", 0);
	test_redirect("/a/./b", 0);
	test_redirect("/a/../b", 0);
	test_redirect("/..", 0);
	test_redirect("/...", 1);
	memset(big, 'x', sizeof(big));
	big[0] = '/';
	big[257] = '\0';
	test_redirect(big, 0);		/* a 256-byte component */
	big[256] = '\0';
	test_redirect(big, 1);		/* a 255-byte component */
	check(!lfs_parse_redirect_valid("/a\0b", 4), "redirect with NUL refused");

	test_origin_id("12345", 0, false, 12345, 0, 0);
	test_origin_id("12:34:", 0, true, 12, 34, 0);
	test_origin_id("12:34:0f0102030405060708090a0b0c0d0e0f", 0, true, 12,
		       34, 0x0f);
	test_origin_id("12:34", 1, false, 0, 0, 0);
	test_origin_id("12:34:0f01", 1, false, 0, 0, 0);
	test_origin_id("12:34:0F0102030405060708090a0b0c0d0e0f", 1, false, 0,
		       0, 0);
	test_origin_id(":34:", 1, false, 0, 0, 0);
	test_origin_id("12::", 1, false, 0, 0, 0);
	test_origin_id("12:34:0f0102030405060708090a0b0c0d0e0f:", 1, false, 0,
		       0, 0);
	test_origin("12345", 0, 12345);
	test_origin("0", 0, 0);
	test_origin("18446744073709551615", 0, 18446744073709551615ULL);
	test_origin("18446744073709551616", 1, 0);
	test_origin("", 1, 0);
	test_origin("12a", 1, 0);
	test_origin("-1", 1, 0);
	test_protattr("a", 0, LFS_PROT_APPEND);
	test_protattr("i", 0, LFS_PROT_IMMUTABLE);
	test_protattr("ia", 0, LFS_PROT_APPEND | LFS_PROT_IMMUTABLE);
	test_protattr("ai", 0, LFS_PROT_APPEND | LFS_PROT_IMMUTABLE);
	test_protattr("", 1, 0);
	test_protattr("aa", 1, 0);
	test_protattr("x", 1, 0);
	test_protattr("aix", 1, 0);
	test_origin(" 1", 1, 0);

	check(lfs_parse_opaque("y", 1), "opaque \"y\"");
	check(!lfs_parse_opaque("n", 1), "opaque \"n\" is not");
	check(!lfs_parse_opaque("y", 0), "opaque empty is not");
	check(!lfs_parse_opaque("y", -ERANGE), "opaque \"yes\" (ERANGE) is not");
	check(!lfs_parse_opaque("y", -ENODATA), "opaque absent is not");

	test_xattr_list("user.a\0trusted.layerfs.opaque\0user.b", 37,
			"user.a\0user.b", 14);
	test_xattr_list("trusted.layerfs.x\0", 18, "", 0);
	test_xattr_list("", 0, "", 0);
	test_xattr_list("user.a\0user.b", 13, "", -EIO);

	test_escape("/a/b", "/a/b");
	test_escape("/a:b", "/a\\:b");
	test_escape("/a\\", "/a\\\\");
	test_escape("::", "\\:\\:");

	printf("1..%d\n", n);
	return failed != 0;
}
