// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - parsers of untrusted text: lowerdir lists (and their inverse,
 * for show_options), redirect, origin and opaque values, and the xattr name
 * lists of the real filesystems.  Pure functions over (pointer, length);
 * see parse.h.
 */
#include "parse.h"

/*
 * One entry of a colon-separated layer list, unescaped into out (which has
 * room for strlen(s) + 1 bytes): "\:" is a colon, "\\" a backslash, and a
 * backslash before anything else stands for that character.  Returns the
 * entry's length (0 for an empty entry) and sets *next to what follows the
 * separator, or to NULL when no separator follows (the last entry), so an
 * empty entry after a trailing colon is told from an escaped colon at the
 * end of the last path.
 */
size_t lfs_parse_lower_entry(const char *s, char *out, const char **next)
{
	size_t n = 0;

	for (; *s && *s != ':'; s++) {
		if (*s == '\\' && s[1])
			s++;
		out[n++] = *s;
	}
	out[n] = '\0';
	*next = *s ? s + 1 : NULL;
	return n;
}

/*
 * A redirect is "/a/b/c": absolute from the layer root, at least one
 * component, none empty, "." or "..", none longer than a name may be, no
 * NUL inside, and shorter than a path may be.
 */
bool lfs_parse_redirect_valid(const char *p, size_t len)
{
	size_t i, comp = 0;

	if (!len || len >= LFS_PARSE_PATH_MAX || p[0] != '/')
		return false;
	for (i = 1; i <= len; i++) {
		if (i == len || p[i] == '/') {
			const char *c = p + i - comp;

			if (!comp || comp > LFS_PARSE_NAME_MAX ||
			    (comp == 1 && c[0] == '.') ||
			    (comp == 2 && c[0] == '.' && c[1] == '.'))
				return false;
			comp = 0;
			continue;
		}
		if (!p[i])
			return false;
		comp++;
	}
	return true;
}

/* An origin is an inode number in decimal, nothing else. */
int lfs_parse_origin(const char *buf, size_t len, u64 *ino)
{
	u64 v = 0;
	size_t i;

	if (!len || len > 20)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)buf[i] - '0';

		if (d > 9 || v > (~(u64)0 - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*ino = v;
	return 0;
}

/*
 * The protection flags record: "a" (append-only) and "i" (immutable), each
 * at most once, in any order, and nothing else (not even empty: no flags
 * is no record).  flags gets LFS_PROT_* bits.
 */
int lfs_parse_protattr(const char *buf, size_t len, unsigned int *flags)
{
	unsigned int f = 0, bit;
	size_t i;

	if (!len || len > LFS_PROT_MAX_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (buf[i] == 'a')
			bit = LFS_PROT_APPEND;
		else if (buf[i] == 'i')
			bit = LFS_PROT_IMMUTABLE;
		else
			return -EINVAL;
		if (f & bit)
			return -EINVAL;
		f |= bit;
	}
	*flags = f;
	return 0;
}

/* The record for flags into buf (LFS_PROT_MAX_LEN bytes): its length. */
size_t lfs_format_protattr(unsigned int flags, char *buf)
{
	size_t len = 0;

	if (flags & LFS_PROT_APPEND)
		buf[len++] = 'a';
	if (flags & LFS_PROT_IMMUTABLE)
		buf[len++] = 'i';
	return len;
}

/*
 * An opaque marker is exactly "y".  val/len are what getxattr gave for a
 * one-byte buffer: a longer value is -ERANGE, so "yes" is not opaque.
 */
static int lfs_parse_hex(const char *p, size_t len, unsigned char *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];
		int v = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return -EINVAL;
		if (i % 2)
			out[i / 2] |= v;
		else
			out[i / 2] = v << 4;
	}
	return 0;
}

/*
 * An origin record is "INO:GEN:UUID": the lower inode's number and
 * generation in decimal and its filesystem's uuid as 32 lowercase hex
 * digits (nothing when the filesystem has none).  A record of the inode
 * number alone was written by older versions: it parses, unverified.
 */
int lfs_parse_origin_id(const char *buf, size_t len, struct lfs_origin_id *id)
{
	const char *c1 = memchr(buf, ':', len), *c2;
	size_t ulen;

	memset(id, 0, sizeof(*id));
	if (!c1)
		return lfs_parse_origin(buf, len, &id->ino);
	c2 = memchr(c1 + 1, ':', len - (c1 + 1 - buf));
	if (!c2)
		return -EINVAL;
	ulen = len - (c2 + 1 - buf);
	if (lfs_parse_origin(buf, c1 - buf, &id->ino) ||
	    lfs_parse_origin(c1 + 1, c2 - c1 - 1, &id->gen) ||
	    (ulen && ulen != 2 * sizeof(id->uuid)) ||
	    lfs_parse_hex(c2 + 1, ulen, id->uuid))
		return -EINVAL;
	id->verified = true;
	return 0;
}

bool lfs_parse_opaque(const char *val, ssize_t len)
{
	return len == 1 && val[0] == 'y';
}

/*
 * Squeeze the names keep() refuses out of a listxattr result (names each
 * followed by a NUL), in place.  Returns the new length, or -EIO when the
 * list does not end with a NUL.
 */
ssize_t lfs_parse_xattr_list(char *list, size_t len,
			     bool (*keep)(const char *name))
{
	char *s = list;

	while (s < list + len) {
		size_t slen = strnlen(s, list + len - s) + 1;

		if (s + slen > list + len)
			return -EIO;
		if (keep(s)) {
			s += slen;
			continue;
		}
		memmove(s, s + slen, list + len - (s + slen));
		len -= slen;
	}
	return len;
}

/*
 * The inverse of lfs_parse_lower_entry(): path with a backslash before
 * every colon and backslash, into out (room for 2 * strlen(path) + 1).
 * Returns the length written.
 */
size_t lfs_escape_lower_entry(const char *path, char *out)
{
	size_t n = 0;

	for (; *path; path++) {
		if (*path == ':' || *path == '\\')
			out[n++] = '\\';
		out[n++] = *path;
	}
	out[n] = '\0';
	return n;
}
