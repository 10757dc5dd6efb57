// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - regular files.  Opening a union file opens the real file as a
 * backing file; data then moves between the caller and the real file with
 * no copy and no further lookup (read, write, mmap, splice).
 *
 * Opening for write copies the file up first.  A file opened before a
 * copy-up (by another descriptor) moves over to the upper file at its next
 * operation, so it sees what is written there.
 */
#include <linux/backing-file.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/fadvise.h>
#include <linux/splice.h>
#include <linux/uio.h>

#include "layerfs.h"

struct lfs_file {
	spinlock_t lock;		/* protects realfile, is_upper_data */
	struct file *realfile;
	bool is_upper_data;		/* realfile serves the final data */
	bool fixed;			/* realfile never changes: no refs */
};

/* Flags a caller may change with fcntl() that the real file must follow. */
#define LFS_SYNC_FLAGS	(O_APPEND | O_DIRECT | O_NONBLOCK | O_NDELAY)

static bool lfs_data_is_upper(struct inode *inode)
{
	return lfs_has_upperdata(inode);
}

static int lfs_open_flags(struct file *file)
{
	return (file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC)) |
	       O_LARGEFILE;
}

static struct file *lfs_open_real(struct file *file, const struct path *real)
{
	struct super_block *sb = file_inode(file)->i_sb;
	struct file *realfile;
	const struct cred *old;

	old = lfs_override_creds(sb);
	realfile = backing_file_open(file, lfs_open_flags(file), real,
				     LFS_FS(sb)->creator_cred);
	lfs_revert_creds(old);
	return realfile;
}

int lfs_file_attach(struct file *file, struct inode *inode,
		    struct file *realfile)
{
	struct lfs_file *lf = kmalloc(sizeof(*lf), GFP_KERNEL);

	if (!lf)
		return -ENOMEM;
	spin_lock_init(&lf->lock);
	lf->realfile = realfile;
	lf->is_upper_data = lfs_data_is_upper(inode);
	/* Without an upper layer, or with the data up, nothing can move. */
	lf->fixed = lf->is_upper_data ||
		    !lfs_upper_layer(LFS_FS(inode->i_sb));
	file->private_data = lf;
	if (realfile->f_mode & FMODE_CAN_ODIRECT)
		file->f_mode |= FMODE_CAN_ODIRECT;
	return 0;
}

void lfs_file_detach(struct file *file)
{
	struct lfs_file *lf = file->private_data;

	if (!lf)
		return;
	fput(lf->realfile);
	kfree(lf);
	file->private_data = NULL;
}

/* The real file is already open (O_TMPFILE): nothing more to do. */
int lfs_file_opened(struct inode *inode, struct file *file)
{
	return 0;
}

static int lfs_open(struct inode *inode, struct file *file)
{
	struct file *realfile;
	struct path real;
	int err;

	err = lfs_copy_up_for_open(file->f_path.dentry, file->f_flags);
	if (err)
		return err;
	lfs_data_path(inode, &real);
	realfile = lfs_open_real(file, &real);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	err = lfs_file_attach(file, inode, realfile);
	if (err)
		fput(realfile);
	return err;
}

static int lfs_release(struct inode *inode, struct file *file)
{
	lfs_file_detach(file);
	return 0;
}

/*
 * The data moved up since this file was opened: follow it.  When the upper
 * file cannot be opened the operation fails: the lower file no longer has
 * the data of this file, and a later call tries again.
 */
static int lfs_switch_to_upper(struct file *file, struct lfs_file *lf)
{
	struct inode *inode = file_inode(file);
	struct file *realfile, *old;
	struct path upper;

	lfs_upper_path(inode, &upper);
	realfile = lfs_open_real(file, &upper);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	spin_lock(&lf->lock);
	old = lf->realfile;
	if (lf->is_upper_data) {
		old = realfile;
	} else {
		lf->realfile = realfile;
		lf->is_upper_data = true;
	}
	spin_unlock(&lf->lock);
	fput(old);
	return 0;
}

/*
 * The flags fcntl(F_SETFL) changed on the union file, applied to the real
 * file as setfl() would: the real file must be able to do O_DIRECT and
 * accept the flags (->check_flags), and its iocb flags follow, for they,
 * not f_flags, decide how the real I/O is done.
 */
static int lfs_sync_flags(struct file *file, struct file *realfile)
{
	unsigned int want = READ_ONCE(file->f_flags) & LFS_SYNC_FLAGS;
	unsigned int flags = READ_ONCE(realfile->f_flags);
	int err;

	if (likely(!((want ^ flags) & LFS_SYNC_FLAGS)))
		return 0;
	flags = (flags & ~LFS_SYNC_FLAGS) | want;
	if ((flags & O_DIRECT) && !(realfile->f_mode & FMODE_CAN_ODIRECT))
		return -EINVAL;
	if (realfile->f_op->check_flags) {
		err = realfile->f_op->check_flags(flags);
		if (err)
			return err;
	}
	spin_lock(&realfile->f_lock);
	realfile->f_flags = flags;
	realfile->f_iocb_flags = iocb_flags(realfile);
	spin_unlock(&realfile->f_lock);
	return 0;
}

static void lfs_put_real(struct file *file, struct file *realfile)
{
	if (!((struct lfs_file *)file->private_data)->fixed)
		fput(realfile);
}

/*
 * The real file for one operation, with a reference the caller drops (with
 * lfs_put_real()), or an error.  The common case, a file whose real file
 * can never change, takes no reference and no lock.
 */
static struct file *lfs_real_file(struct file *file)
{
	struct lfs_file *lf = file->private_data;
	struct file *realfile;
	int err;

	if (likely(lf->fixed)) {
		realfile = lf->realfile;
	} else {
		if (!READ_ONCE(lf->is_upper_data) &&
		    lfs_data_is_upper(file_inode(file))) {
			err = lfs_switch_to_upper(file, lf);
			if (err)
				return ERR_PTR(err);
		}
		spin_lock(&lf->lock);
		realfile = get_file(lf->realfile);
		spin_unlock(&lf->lock);
	}

	err = lfs_sync_flags(file, realfile);
	if (unlikely(err)) {
		lfs_put_real(file, realfile);
		return ERR_PTR(err);
	}
	return realfile;
}

/* The real file's times are the truth; mirror them after an access. */
static void lfs_file_accessed(struct file *file)
{
	lfs_copyattr(file_inode(file));
}

static void lfs_file_end_write(struct file *file, loff_t pos, ssize_t ret)
{
	lfs_copyattr(file_inode(file));
}

static void lfs_backing_ctx(struct file *file, struct backing_file_ctx *ctx)
{
	ctx->cred = LFS_FS(file_inode(file)->i_sb)->creator_cred;
	ctx->user_file = file;
	ctx->accessed = lfs_file_accessed;
	ctx->end_write = lfs_file_end_write;
}

static bool lfs_is_volatile(struct file *file)
{
	return LFS_FS(file_inode(file)->i_sb)->config.is_volatile;
}

static ssize_t lfs_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	struct backing_file_ctx ctx;
	struct file *realfile;
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	lfs_backing_ctx(file, &ctx);
	realfile = lfs_real_file(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	ret = backing_file_read_iter(realfile, iter, iocb, iocb->ki_flags,
				     &ctx);
	lfs_put_real(file, realfile);
	return ret;
}

static ssize_t lfs_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct backing_file_ctx ctx;
	struct file *realfile;
	int flags = iocb->ki_flags;
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	inode_lock(inode);
	lfs_copyattr(inode);
	/* Set-ID bits go as the caller writes, not as the mounter. */
	ret = file_remove_privs(file);
	if (ret)
		goto out;
	if (lfs_is_volatile(file))
		flags &= ~(IOCB_DSYNC | IOCB_SYNC);
	lfs_backing_ctx(file, &ctx);
	realfile = lfs_real_file(file);
	ret = PTR_ERR_OR_ZERO(realfile);
	if (ret)
		goto out;
	ret = backing_file_write_iter(realfile, iter, iocb, flags, &ctx);
	lfs_put_real(file, realfile);
out:
	inode_unlock(inode);
	return ret;
}

static ssize_t lfs_splice_read(struct file *in, loff_t *ppos,
			       struct pipe_inode_info *pipe, size_t len,
			       unsigned int flags)
{
	struct backing_file_ctx ctx;
	struct file *realfile;
	ssize_t ret;

	lfs_backing_ctx(in, &ctx);
	realfile = lfs_real_file(in);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	ret = backing_file_splice_read(realfile, ppos, pipe, len, flags, &ctx);
	lfs_put_real(in, realfile);
	return ret;
}

static ssize_t lfs_splice_write(struct pipe_inode_info *pipe, struct file *out,
				loff_t *ppos, size_t len, unsigned int flags)
{
	struct inode *inode = file_inode(out);
	struct backing_file_ctx ctx;
	struct file *realfile;
	ssize_t ret;

	inode_lock(inode);
	lfs_copyattr(inode);
	ret = file_remove_privs(out);
	if (!ret) {
		lfs_backing_ctx(out, &ctx);
		realfile = lfs_real_file(out);
		ret = PTR_ERR_OR_ZERO(realfile);
	}
	if (!ret) {
		ret = backing_file_splice_write(pipe, realfile, ppos, len,
						flags, &ctx);
		lfs_put_real(out, realfile);
	}
	inode_unlock(inode);
	return ret;
}

static int lfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct backing_file_ctx ctx;
	struct file *realfile;
	int ret;

	lfs_backing_ctx(file, &ctx);
	realfile = lfs_real_file(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	ret = backing_file_mmap(realfile, vma, &ctx);
	lfs_put_real(file, realfile);
	return ret;
}

/* The union file's position and the real file's move together. */
static loff_t lfs_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	struct file *realfile;
	loff_t ret;

	if (whence == SEEK_CUR && offset == 0)
		return file->f_pos;

	realfile = lfs_real_file(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	inode_lock(inode);
	realfile->f_pos = file->f_pos;
	ret = vfs_llseek(realfile, offset, whence);
	file->f_pos = realfile->f_pos;
	inode_unlock(inode);
	lfs_put_real(file, realfile);
	return ret;
}

/*
 * A metadata-only copy: its data did not change (it is below), what
 * changed is the upper file's metadata.  Sync that, never the lower file.
 */
static int lfs_fsync_meta(struct file *file, int datasync)
{
	struct inode *inode = file_inode(file);
	struct file *upfile;
	const struct cred *old;
	struct path upper;
	int err;

	lfs_upper_path(inode, &upper);
	old = lfs_override_creds(inode->i_sb);
	upfile = dentry_open(&upper, O_RDONLY | O_LARGEFILE, current_cred());
	err = PTR_ERR_OR_ZERO(upfile);
	if (!err) {
		err = vfs_fsync(upfile, datasync);
		fput(upfile);
	}
	lfs_revert_creds(old);
	return err;
}

static int lfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct inode *inode = file_inode(file);
	struct file *realfile;
	const struct cred *old;
	int err;

	/* Lower layers are read-only; volatile unions never sync. */
	if (!lfs_upper(inode) || lfs_is_volatile(file))
		return 0;
	if (!lfs_has_upperdata(inode))
		return lfs_fsync_meta(file, datasync);
	realfile = lfs_real_file(file);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	old = lfs_override_creds(inode->i_sb);
	err = vfs_fsync_range(realfile, start, end, datasync);
	lfs_revert_creds(old);
	lfs_put_real(file, realfile);
	return err;
}

static long lfs_fallocate(struct file *file, int mode, loff_t offset,
			  loff_t len)
{
	struct inode *inode = file_inode(file);
	struct file *realfile;
	const struct cred *old;
	long ret;

	inode_lock(inode);
	ret = file_remove_privs(file);
	if (!ret) {
		realfile = lfs_real_file(file);
		ret = PTR_ERR_OR_ZERO(realfile);
	}
	if (!ret) {
		old = lfs_override_creds(inode->i_sb);
		ret = vfs_fallocate(realfile, mode, offset, len);
		lfs_revert_creds(old);
		lfs_put_real(file, realfile);
		lfs_copyattr(inode);
	}
	inode_unlock(inode);
	return ret;
}

static int lfs_fadvise(struct file *file, loff_t offset, loff_t len,
		       int advice)
{
	struct file *realfile = lfs_real_file(file);
	const struct cred *old;
	int err;

	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	old = lfs_override_creds(file_inode(file)->i_sb);
	err = vfs_fadvise(realfile, offset, len, advice);
	lfs_revert_creds(old);
	lfs_put_real(file, realfile);
	return err;
}

static int lfs_flush(struct file *file, fl_owner_t id)
{
	struct file *realfile = lfs_real_file(file);
	const struct cred *old;
	int err = 0;

	if (IS_ERR(realfile))
		return PTR_ERR(realfile);
	if (realfile->f_op->flush) {
		old = lfs_override_creds(file_inode(file)->i_sb);
		err = realfile->f_op->flush(realfile, id);
		lfs_revert_creds(old);
	}
	lfs_put_real(file, realfile);
	return err;
}

/* Both real files of a copy or a clone, or an error and neither. */
static int lfs_real_files(struct file *in, struct file **real_in,
			  struct file *out, struct file **real_out)
{
	*real_in = lfs_real_file(in);
	if (IS_ERR(*real_in))
		return PTR_ERR(*real_in);
	*real_out = lfs_real_file(out);
	if (IS_ERR(*real_out)) {
		lfs_put_real(in, *real_in);
		return PTR_ERR(*real_out);
	}
	return 0;
}

static ssize_t lfs_copy_file_range(struct file *in, loff_t pos_in,
				   struct file *out, loff_t pos_out,
				   size_t len, unsigned int flags)
{
	struct inode *inode = file_inode(out);
	struct file *real_in, *real_out;
	const struct cred *old;
	ssize_t ret;

	inode_lock(inode);
	ret = file_remove_privs(out);
	if (ret)
		goto out;
	ret = lfs_real_files(in, &real_in, out, &real_out);
	if (ret)
		goto out;
	old = lfs_override_creds(inode->i_sb);
	ret = vfs_copy_file_range(real_in, pos_in, real_out, pos_out, len,
				  flags);
	lfs_revert_creds(old);
	lfs_put_real(out, real_out);
	lfs_put_real(in, real_in);
	lfs_copyattr(inode);
out:
	inode_unlock(inode);
	return ret;
}

/*
 * A clone changes the data as a write does: set-ID bits go, decided with
 * the caller's credentials (the mounter's would keep them), under the
 * inode lock.  A dedupe leaves the data as it is, and the bits too.
 */
static loff_t lfs_remap_file_range(struct file *in, loff_t pos_in,
				   struct file *out, loff_t pos_out,
				   loff_t len, unsigned int remap_flags)
{
	struct inode *inode = file_inode(out);
	struct file *real_in, *real_out;
	const struct cred *old;
	loff_t ret;

	if (remap_flags & ~(REMAP_FILE_DEDUP | REMAP_FILE_ADVISORY))
		return -EINVAL;
	inode_lock(inode);
	if (!(remap_flags & REMAP_FILE_DEDUP)) {
		ret = file_remove_privs(out);
		if (ret)
			goto out;
	}
	ret = lfs_real_files(in, &real_in, out, &real_out);
	if (ret)
		goto out;
	old = lfs_override_creds(inode->i_sb);
	if (remap_flags & REMAP_FILE_DEDUP)
		ret = vfs_dedupe_file_range_one(real_in, pos_in, real_out,
						pos_out, len, remap_flags);
	else
		ret = vfs_clone_file_range(real_in, pos_in, real_out, pos_out,
					   len, remap_flags);
	lfs_revert_creds(old);
	lfs_put_real(out, real_out);
	lfs_put_real(in, real_in);
	lfs_copyattr(inode);
out:
	inode_unlock(inode);
	return ret;
}

const struct file_operations lfs_file_operations = {
	.open		= lfs_open,
	.release	= lfs_release,
	.llseek		= lfs_llseek,
	.read_iter	= lfs_read_iter,
	.write_iter	= lfs_write_iter,
	.splice_read	= lfs_splice_read,
	.splice_write	= lfs_splice_write,
	.mmap		= lfs_mmap,
	.fsync		= lfs_fsync,
	.fallocate	= lfs_fallocate,
	.fadvise	= lfs_fadvise,
	.flush		= lfs_flush,
	.copy_file_range = lfs_copy_file_range,
	.remap_file_range = lfs_remap_file_range,
};
