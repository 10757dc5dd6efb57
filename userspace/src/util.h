/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerfs userspace: helpers every part uses: errors, memory, string
 * vectors, files, JSON.  The bottom of the library: it calls no other part.
 *
 * Conventions: functions return 0 (or a value >= 0) on success and -1 on
 * failure after recording a one-line reason with lfs_err(); the command
 * that called them prints that reason once and exits non-zero.
 */
#ifndef LFS_UTIL_H
#define LFS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <json-c/json.h>

#define LFS_DEFAULT_ROOT "/var/lib/layerfs"
#define LFS_XATTR_OPAQUE "trusted.layerfs.opaque"
#define LFS_XATTR_REDIRECT "trusted.layerfs.redirect"
#define LFS_XATTR_METACOPY "trusted.layerfs.metacopy"
#define OVL_XATTR_OPAQUE "trusted.overlay.opaque"
#define OVL_XATTR_REDIRECT "trusted.overlay.redirect"
#define OVL_XATTR_METACOPY "trusted.overlay.metacopy"
#define LFS_WH_PREFIX ".wh."
#define LFS_WH_OPAQUE ".wh..wh..opq"
#define LFS_DIGEST_HEX 64

/* the program's name, for messages (each program defines it) */
extern const char *lfs_prog;

void lfs_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lfs_err_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *lfs_errmsg(void);
void lfs_err_clear(void);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
bool path_exists(const char *path);
bool is_dir(const char *path);
char *read_text(const char *path, size_t *len);
int write_text_atomic(const char *path, const char *data, size_t len);
json_object *json_load(const char *path);
int json_save(const char *path, json_object *obj);
const char *json_str(json_object *obj, const char *key);
char *json_plain(json_object *obj);
void random_hex(char *out, size_t nhex);
char *now_rfc3339(void);
void human_size(uint64_t n, char *out, size_t len);
int copy_file(const char *src, const char *dst, mode_t mode);
bool is_whiteout_st(const struct stat *st);
int need_root(const char *why);
bool dir_is_opaque(const char *path);
bool valid_name(const char *s);
char *self_dir(void);
int open_beneath(int rootfd, const char *rel, int flags, mode_t mode);
struct strv {
	char **v;
	size_t n, cap;
};
void strv_add(struct strv *s, const char *str);
void strv_addn(struct strv *s, char *owned);
void strv_free(struct strv *s);

#endif
