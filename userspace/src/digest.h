/* SPDX-License-Identifier: GPL-2.0 */
/* sha256 digests (digest.c, libcrypto): only what builds and checks layers needs it. */
#ifndef LFS_DIGEST_H
#define LFS_DIGEST_H

#include "util.h"

int sha256_file(const char *path, char hex[LFS_DIGEST_HEX + 1]);
void sha256_buf(const void *buf, size_t len, char hex[LFS_DIGEST_HEX + 1]);
/* incremental: sha256_begin, EVP_DigestUpdate(ctx, ...), sha256_end (frees ctx) */
typedef struct evp_md_ctx_st EVP_MD_CTX;
EVP_MD_CTX *sha256_begin(void);
void sha256_end(EVP_MD_CTX *ctx, char hex[LFS_DIGEST_HEX + 1]);

#endif
