/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place that knows about kernel API differences.
 *
 * layerfs targets the 6.12 LTS kernel.  Calls whose shape changed between
 * releases go through the wrappers here, so the rest of the module is
 * written against a single API.
 */
#ifndef _LAYERFS_COMPAT_H
#define _LAYERFS_COMPAT_H

#include <linux/cred.h>

/* 6.13 renamed the cheap, non-refcounting cred override. */
static inline const struct cred *lfs_compat_override_creds(const struct cred *c)
{
	return override_creds(c);
}

static inline void lfs_compat_revert_creds(const struct cred *old)
{
	revert_creds(old);
}

#endif /* _LAYERFS_COMPAT_H */
