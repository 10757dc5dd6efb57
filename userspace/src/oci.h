/* SPDX-License-Identifier: GPL-2.0 */
/* OCI image layouts in and out of the store (oci.c). */
#ifndef LFS_OCI_H
#define LFS_OCI_H

#include "store.h"

int oci_import(struct store *st, const char *dir, const char *ref, const char *name,
	       char id_out[LFS_DIGEST_HEX + 1]);
int oci_export(struct store *st, const char *id, const char *ref, const char *dir);
bool is_oci_layout(const char *dir);

#endif
