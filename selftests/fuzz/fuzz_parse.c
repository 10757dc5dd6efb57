// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target over every parser of untrusted text in layerfs, built
 * from the module's own source (module/parse.c):
 *   0  the lowerdir list (mount option)
 *   1  redirect values (on-disk, trusted.layerfs.redirect)
 *   2  origin values (on-disk, trusted.layerfs.origin)
 *   3  opaque values (on-disk, trusted.layerfs.opaque and
 *      trusted.overlay.opaque)
 *   4  listxattr name lists, filtered of private names (xattr.c)
 *   5  show_options escaping of a layer path, which must parse back to
 *      the same path (a remount with what /proc/mounts shows)
 * The metacopy marker's value is never read (only its presence counts),
 * and index entries are found by name, so neither has a parser.
 *
 * The first input byte picks the parser; the rest is its input.  Besides
 * "does not crash" (ASan/UBSan), each parser's result is checked against
 * properties that must hold for every input.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static void fuzz_lower_list(const char *s)
{
	size_t total = strlen(s);
	char *out = malloc(total + 1);
	const char *pos = s, *next;

	while (pos) {
		size_t n = lfs_parse_lower_entry(pos, out, &next);

		assert(n <= strlen(pos));
		assert(strlen(out) == n);
		/* Always progress, never past the end; NULL after the last. */
		assert(!next || next > pos);
		assert(!next || next <= s + total);
		pos = next;
	}
	free(out);
}

static void fuzz_redirect(const char *p, size_t len)
{
	if (!lfs_parse_redirect_valid(p, len))
		return;
	/* Whatever is accepted is a clean absolute path. */
	assert(len > 0 && p[0] == '/');
	assert(!memchr(p, '\0', len));
	assert(!(len >= 2 && !memcmp(p + len - 2, "/.", 2)));
	for (size_t i = 0; i + 1 < len; i++)
		assert(!(p[i] == '/' && p[i + 1] == '/'));
}

static void fuzz_origin(const char *p, size_t len)
{
	u64 ino = 0;

	if (lfs_parse_origin(p, len, &ino))
		return;
	for (size_t i = 0; i < len; i++)
		assert(p[i] >= '0' && p[i] <= '9');
}

static void fuzz_origin_id(const char *p, size_t len)
{
	struct lfs_origin_id id;

	if (lfs_parse_origin_id(p, len, &id))
		return;
	/* Verified records have exactly two colons, old ones none. */
	assert(id.verified == (memchr(p, ':', len) != NULL));
}

static void fuzz_opaque(const char *p, size_t len)
{
	/* as getxattr into one byte answers: the length, or -ERANGE */
	ssize_t got = len > 1 ? -ERANGE : (ssize_t)len;

	assert(lfs_parse_opaque(p, got) == (len == 1 && p[0] == 'y'));
}

/* A record parses only as what formatting its flags gives back. */
static void fuzz_protattr(const char *p, size_t len)
{
	unsigned int flags = 0;
	char back[LFS_PROT_MAX_LEN];
	size_t n;

	if (lfs_parse_protattr(p, len, &flags))
		return;
	assert(flags && !(flags & ~(LFS_PROT_APPEND | LFS_PROT_IMMUTABLE)));
	n = lfs_format_protattr(flags, back);
	assert(n == len);
	for (size_t i = 0; i < len; i++)
		assert(memchr(back, p[i], n));
}

static bool keep_public(const char *name)
{
	return strncmp(name, "trusted.layerfs.", 16) &&
	       strncmp(name, "trusted.overlay.", 16);
}

static size_t count_public(const char *list, size_t len, size_t *bytes)
{
	size_t n = 0, i = 0;

	*bytes = 0;
	while (i < len) {
		size_t l = strnlen(list + i, len - i) + 1;

		if (keep_public(list + i)) {
			n++;
			*bytes += l;
		}
		i += l;
	}
	return n;
}

static void fuzz_xattr_list(const char *p, size_t len)
{
	char *list = malloc(len + 1);
	size_t want_n, want_bytes, got_bytes, i;
	ssize_t res;

	memcpy(list, p, len);
	res = lfs_parse_xattr_list(list, len, keep_public);
	if (len && p[len - 1]) {
		assert(res == -EIO);
		free(list);
		return;
	}
	want_n = count_public(p, len, &want_bytes);
	assert(res >= 0 && (size_t)res == want_bytes);
	/* what is left is exactly the public names, in order */
	assert(count_public(list, res, &got_bytes) == want_n);
	assert(got_bytes == (size_t)res);
	for (i = 0; i < (size_t)res; i += strlen(list + i) + 1)
		assert(keep_public(list + i));
	free(list);
}

static void fuzz_escape(const char *s)
{
	size_t len = strlen(s), n;
	char *esc = malloc(2 * len + 1), *back = malloc(2 * len + 1);
	const char *next;

	n = lfs_escape_lower_entry(s, esc);
	assert(n == strlen(esc) && n <= 2 * len);
	if (len) {
		/* the escaped path is one entry, and it is the path */
		assert(lfs_parse_lower_entry(esc, back, &next) == len);
		assert(!next && !strcmp(back, s));
	}
	free(esc);
	free(back);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		fuzz_lower_list(s);
		break;
	case 1:
		fuzz_redirect(s, size - 1);
		break;
	case 2:
		fuzz_origin(s, size - 1);
		fuzz_origin_id(s, size - 1);
		break;
	case 3:
		fuzz_opaque(s, size - 1);
		fuzz_protattr(s, size - 1);
		break;
	case 4:
		fuzz_xattr_list(s, size - 1);
		break;
	default:
		fuzz_escape(s);
		break;
	}
	free(s);
	return 0;
}
