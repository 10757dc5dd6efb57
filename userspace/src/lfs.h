/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layerfs userspace: shared declarations for mount.layerfs and layerctl.
 *
 * Conventions: functions return 0 (or a value >= 0) on success and -1 on
 * failure after recording a one-line reason with lfs_err(); the command
 * that called them prints that reason once and exits non-zero.
 */
#ifndef LFS_H
#define LFS_H

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

/* ---- util.c ---- */
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
int sha256_file(const char *path, char hex[LFS_DIGEST_HEX + 1]);
void sha256_buf(const void *buf, size_t len, char hex[LFS_DIGEST_HEX + 1]);
/* incremental: sha256_begin, EVP_DigestUpdate(ctx, ...), sha256_end (frees ctx) */
typedef struct evp_md_ctx_st EVP_MD_CTX;
EVP_MD_CTX *sha256_begin(void);
void sha256_end(EVP_MD_CTX *ctx, char hex[LFS_DIGEST_HEX + 1]);
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

/* ---- secure.c: what a container process keeps of root's privileges ---- */
uint64_t caps_default(void);
int cap_from_name(const char *name);	/* number, 64 for ALL, -1 */
const char *cap_name(int cap);
/* default, minus DROP, plus ADD; -1 (lfs_err set) on an unknown name */
int caps_compute(const struct strv *add, const struct strv *drop, uint64_t *out);
json_object *caps_to_json(uint64_t m);
int caps_from_json(json_object *a, uint64_t *out);
/*
 * In the container process, right before execve: descriptors above 2
 * close-on-exec, capabilities outside KEEP gone from every set, and
 * no_new_privs if asked.  -1 with a message in ERR on failure.
 */
int secure_exec_setup(uint64_t keep, bool no_new_privs, char *err, size_t errlen);

/* ---- layer.c: canonical tar <-> layer folder ---- */
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

/* ---- store.c ---- */
struct store {
	char *root;
	int lockfd;
};
int store_open(struct store *st, const char *root, bool create);
int store_lock(struct store *st);
void store_unlock(struct store *st);
void store_close(struct store *st);
char *store_path(struct store *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *store_tmpdir(struct store *st);
/* Add the layer in folder @dir (copied in through its canonical tar). */
int store_add_layer_dir(struct store *st, const char *dir, char digest_out[LFS_DIGEST_HEX + 1],
			const struct tar_opts *opts);
/*
 * Add a layer from a tar file (any compression); a new layer records the
 * sha256 of the file as given as source_digest in its layer.json.
 */
int store_add_layer_tar(struct store *st, const char *tarfile, char digest_out[LFS_DIGEST_HEX + 1]);
char *layer_diff_path(struct store *st, const char *digest_hex);
json_object *layer_meta(struct store *st, const char *digest_hex);
/* Images: config is an OCI image config; returns image id hex. */
int image_save(struct store *st, json_object *config, const char *name, char id_out[LFS_DIGEST_HEX + 1]);
/* Resolve a name or id prefix; returns 0 and fills id, or -1 (lfs_err set). */
int image_resolve(struct store *st, const char *ref, char id_out[LFS_DIGEST_HEX + 1]);
json_object *image_config(struct store *st, const char *id);
json_object *store_repos(struct store *st);
int store_repos_save(struct store *st, json_object *repos);
/* Layer digests of an image, top layer first, hex without "sha256:". */
int image_layers(json_object *config, struct strv *out);
/* lowerdir value (top first, colons escaped) for an image. */
char *image_lowerdir(struct store *st, const char *id);
int store_gc_layers(struct store *st);
char *image_name_of(struct store *st, const char *id);
json_object *new_image_config(void);
void config_add_history(json_object *config, const char *created_by, const char *comment, bool empty);

/* ---- container records (container.c) ---- */
json_object *container_load(struct store *st, const char *name);
int container_save(struct store *st, const char *name, json_object *c);
int container_find(struct store *st, const char *ref, char **name_out);
int container_state(struct store *st, const char *name, pid_t *pid_out);
bool pid_alive(pid_t pid, unsigned long long starttime);
unsigned long long pid_starttime(pid_t pid);
int container_set_state(struct store *st, const char *name, const char *status,
			pid_t pid, int exit_code);

/* ---- mountopt.c: option handling shared by mount.layerfs ---- */
struct mount_req {
	struct strv kopts;	/* key[=value] passed to the kernel, in order */
	struct strv lowers;	/* split lower layers, top first */
	char *upperdir, *workdir;
	unsigned long attr;	/* MOUNT_ATTR_* */
	bool ro, mkdirs, remount;
	char *image, *container, *store;
	const char *fstype;
};
/* Split a mount option string at commas, honouring double quotes. */
int mountopt_split(const char *opts, struct strv *out);
/* Split lowerdir value at unescaped colons, unescaping "\:" and "\\". */
int lowerdir_split(const char *val, struct strv *out);
char *lowerdir_escape(const char *path);
int mount_req_parse(struct mount_req *r, const char *opts);
int mount_req_resolve(struct mount_req *r);
int mount_req_apply(struct mount_req *r, const char *target, bool fake, bool verbose);
void mount_req_free(struct mount_req *r);
const char *lfs_fstype(void);
bool fstype_available(const char *fstype);

/* ---- diff.c ---- */
struct lower_stack {
	struct strv dirs;	/* lower layer folders, top first */
};
/* Look @rel up in the merged lower stack; returns the real path or NULL. */
char *lower_lookup(struct lower_stack *ls, const char *rel, struct stat *st);
/* List merged names in the lower stack directory @rel. */
int lower_list(struct lower_stack *ls, const char *rel, struct strv *names);
typedef void (*diff_cb)(void *ctx, char kind, const char *path);
int diff_tree(const char *upper, struct lower_stack *ls, diff_cb cb, void *ctx);

/* ---- commands (layerctl) ---- */
struct gopts {
	const char *root;
	struct store st;
};
int cmd_import(struct gopts *g, int argc, char **argv);
int cmd_images(struct gopts *g, int argc, char **argv);
int cmd_history(struct gopts *g, int argc, char **argv);
int cmd_rmi(struct gopts *g, int argc, char **argv);
int cmd_export(struct gopts *g, int argc, char **argv);
int cmd_tag(struct gopts *g, int argc, char **argv);
int cmd_inspect(struct gopts *g, int argc, char **argv);
int cmd_create(struct gopts *g, int argc, char **argv);
int cmd_run(struct gopts *g, int argc, char **argv);
int cmd_start(struct gopts *g, int argc, char **argv);
int cmd_exec(struct gopts *g, int argc, char **argv);
int cmd_ps(struct gopts *g, int argc, char **argv);
int cmd_stop(struct gopts *g, int argc, char **argv);
int cmd_kill(struct gopts *g, int argc, char **argv);
int cmd_rm(struct gopts *g, int argc, char **argv);
int cmd_diff(struct gopts *g, int argc, char **argv);
int cmd_commit(struct gopts *g, int argc, char **argv);
int cmd_ls(struct gopts *g, int argc, char **argv);
int cmd_logs(struct gopts *g, int argc, char **argv);

/* oci.c */
int oci_import(struct store *st, const char *dir, const char *ref, const char *name,
	       char id_out[LFS_DIGEST_HEX + 1]);
int oci_export(struct store *st, const char *id, const char *ref, const char *dir);
bool is_oci_layout(const char *dir);

/* run.c helpers used by container.c */
char *run_helper(const char *helper, const char *target, const char *opts);
char *container_mount_opts(struct store *st, const char *name, const char *lowerdir);
int container_remove(struct store *st, const char *name);
char *mount_helper_path(void);
int signal_parse(const char *s);

/* help texts: print and return 0 */
int help_for(const char *cmd, int argc, char **argv);
extern const char *lfs_prog;

#endif
