/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * layerfs - parsers of untrusted text: mount options, on-disk markers and
 * xattr name lists.
 *
 * They use nothing but plain C, so the same source is built into the
 * module and into the host fuzz target (selftests/fuzz/).
 */
#ifndef _LAYERFS_PARSE_H
#define _LAYERFS_PARSE_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
typedef unsigned long long u64;
#endif

/* Longest component and path a redirect may hold. */
#define LFS_PARSE_NAME_MAX	255
#define LFS_PARSE_PATH_MAX	4096

size_t lfs_parse_lower_entry(const char *s, char *out, const char **next);
bool lfs_parse_redirect_valid(const char *p, size_t len);
int lfs_parse_origin(const char *buf, size_t len, u64 *ino);

/* Which lower inode a copy came from (lfs_parse_origin_id()). */
struct lfs_origin_id {
	u64 ino;
	u64 gen;			/* the inode's generation */
	unsigned char uuid[16];		/* its filesystem's; 0s for none */
	bool verified;			/* gen and uuid were recorded */
};

int lfs_parse_origin_id(const char *buf, size_t len, struct lfs_origin_id *id);
bool lfs_parse_opaque(const char *val, ssize_t len);

/* Protection flags of trusted.layerfs.protattr. */
#define LFS_PROT_APPEND		1u	/* "a" */
#define LFS_PROT_IMMUTABLE	2u	/* "i" */
#define LFS_PROT_MAX_LEN	2
int lfs_parse_protattr(const char *buf, size_t len, unsigned int *flags);
size_t lfs_format_protattr(unsigned int flags, char *buf);
ssize_t lfs_parse_xattr_list(char *list, size_t len,
			     bool (*keep)(const char *name));
size_t lfs_escape_lower_entry(const char *path, char *out);

#endif /* _LAYERFS_PARSE_H */
