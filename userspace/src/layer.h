/* SPDX-License-Identifier: GPL-2.0 */
/* Layer folders <-> canonical OCI layer tars (layer.c, libarchive). */
#ifndef LFS_LAYER_H
#define LFS_LAYER_H

#include "digest.h"

/* Hook used by commit to find the data of a metadata-only copy-up. */
typedef char *(*lfs_data_source_fn)(void *ctx, const char *rel);
struct tar_opts {
	lfs_data_source_fn src;	/* data of metacopy files (when no merged view) */
	void *ctx;
	/* the union's merged view of the same tree: metacopy data and renamed
	 * (redirect) directories are read from there, the latter in full */
	const char *merged;
};
struct tar_result {
	char digest[LFS_DIGEST_HEX + 1];	/* sha256 of the tar, hex */
	uint64_t tar_size;	/* bytes of tar */
	uint64_t content_size;	/* bytes of regular file data */
};
/* Write the canonical OCI layer tar of @dir to @out_fd (-1: digest only). */
int layer_write_tar(const char *dir, int out_fd, struct tar_result *res,
		    const struct tar_opts *opts);
/*
 * Extract an (OCI) layer tar file (plain or compressed) into @dir in layerfs
 * on-disk format; @raw (if not NULL) gets the sha256 of the file as given.
 */
int layer_extract_file(const char *tarfile, const char *dir, char raw[LFS_DIGEST_HEX + 1]);

#endif
