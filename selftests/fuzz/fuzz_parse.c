// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target over every parser of untrusted text in layerfs: the
 * lowerdir list, redirect values and origin values.  The parsers are built
 * from the module's own source (module/parse.c).
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

	while (*pos) {
		size_t n = lfs_parse_lower_entry(pos, out, &next);

		assert(n <= strlen(pos));
		assert(strlen(out) == n);
		/* Always progress, never past the end. */
		assert(next > pos);
		assert(next <= s + total);
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

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		fuzz_lower_list(s);
		break;
	case 1:
		fuzz_redirect(s, size - 1);
		break;
	default:
		fuzz_origin(s, size - 1);
		break;
	}
	free(s);
	return 0;
}
