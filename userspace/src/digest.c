// SPDX-License-Identifier: GPL-2.0
/* sha256 digests (OpenSSL's libcrypto): layer ids, image ids, source digests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "digest.h"

static void hexify(const unsigned char *md, char hex[LFS_DIGEST_HEX + 1])
{
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[LFS_DIGEST_HEX] = 0;
}

void sha256_buf(const void *buf, size_t len, char hex[LFS_DIGEST_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);
	hexify(md, hex);
}

EVP_MD_CTX *sha256_begin(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		fprintf(stderr, "%s: out of memory\n", lfs_prog);
		exit(1);
	}
	return ctx;
}

void sha256_end(EVP_MD_CTX *ctx, char hex[LFS_DIGEST_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hexify(md, hex);
}

int sha256_file(const char *path, char hex[LFS_DIGEST_HEX + 1])
{
	unsigned char buf[65536];
	EVP_MD_CTX *ctx;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0) {
		lfs_err_errno("cannot open %s", path);
		return -1;
	}
	ctx = sha256_begin();
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, r);
	if (r < 0)
		lfs_err_errno("cannot read %s", path);
	close(fd);
	sha256_end(ctx, hex);
	return r < 0 ? -1 : 0;
}

