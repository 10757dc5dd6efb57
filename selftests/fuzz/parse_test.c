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
	while (*pos) {
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

	test_origin("12345", 0, 12345);
	test_origin("0", 0, 0);
	test_origin("18446744073709551615", 0, 18446744073709551615ULL);
	test_origin("18446744073709551616", 1, 0);
	test_origin("", 1, 0);
	test_origin("12a", 1, 0);
	test_origin("-1", 1, 0);
	test_origin(" 1", 1, 0);

	printf("1..%d\n", n);
	return failed != 0;
}
