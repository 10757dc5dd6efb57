// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - regular files.  Opening a union file opens the real file as a
 * backing file; data then moves between the caller and the real file with
 * no copy and no further lookup (read, write, mmap, splice).
 */
#include <linux/backing-file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/fadvise.h>
#include <linux/splice.h>
#include <linux/uio.h>

#include "layerfs.h"

static struct file *lfs_real_file(struct file *file)
{
	return file->private_data;
}

static int lfs_open(struct inode *inode, struct file *file)
{
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	int flags = file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
	struct file *realfile;
	const struct cred *old;
	struct path real;

	lfs_real_path(inode, &real);
	old = lfs_override_creds(inode->i_sb);
	realfile = backing_file_open(file, flags | O_LARGEFILE, &real,
				     lfs->creator_cred);
	lfs_revert_creds(old);
	if (IS_ERR(realfile))
		return PTR_ERR(realfile);

	file->private_data = realfile;
	if (realfile->f_mode & FMODE_CAN_ODIRECT)
		file->f_mode |= FMODE_CAN_ODIRECT;
	return 0;
}

static int lfs_release(struct inode *inode, struct file *file)
{
	fput(lfs_real_file(file));
	return 0;
}

/* The real file's times are the truth; mirror them after an access. */
static void lfs_file_accessed(struct file *file)
{
	lfs_copyattr(file_inode(file));
}

static void lfs_backing_ctx(struct file *file, struct backing_file_ctx *ctx)
{
	ctx->cred = LFS_FS(file_inode(file)->i_sb)->creator_cred;
	ctx->user_file = file;
	ctx->accessed = lfs_file_accessed;
	ctx->end_write = NULL;
}

static ssize_t lfs_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp;
	struct backing_file_ctx ctx;

	if (!iov_iter_count(iter))
		return 0;
	lfs_backing_ctx(file, &ctx);
	return backing_file_read_iter(lfs_real_file(file), iter, iocb,
				      iocb->ki_flags, &ctx);
}

static ssize_t lfs_splice_read(struct file *in, loff_t *ppos,
			       struct pipe_inode_info *pipe, size_t len,
			       unsigned int flags)
{
	struct backing_file_ctx ctx;

	lfs_backing_ctx(in, &ctx);
	return backing_file_splice_read(lfs_real_file(in), ppos, pipe, len,
					flags, &ctx);
}

static int lfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct backing_file_ctx ctx;

	lfs_backing_ctx(file, &ctx);
	return backing_file_mmap(lfs_real_file(file), vma, &ctx);
}

/* The union file's position and the real file's move together. */
static loff_t lfs_llseek(struct file *file, loff_t offset, int whence)
{
	struct file *realfile = lfs_real_file(file);
	struct inode *inode = file_inode(file);
	loff_t ret;

	if (whence == SEEK_CUR && offset == 0)
		return file->f_pos;

	inode_lock(inode);
	realfile->f_pos = file->f_pos;
	ret = vfs_llseek(realfile, offset, whence);
	file->f_pos = realfile->f_pos;
	inode_unlock(inode);
	return ret;
}

static int lfs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct inode *inode = file_inode(file);
	const struct cred *old;
	int err;

	/* Lower layers are read-only; there is nothing of ours to sync. */
	if (!lfs_upper(inode))
		return 0;
	old = lfs_override_creds(inode->i_sb);
	err = vfs_fsync_range(lfs_real_file(file), start, end, datasync);
	lfs_revert_creds(old);
	return err;
}

static int lfs_fadvise(struct file *file, loff_t offset, loff_t len,
		       int advice)
{
	const struct cred *old;
	int err;

	old = lfs_override_creds(file_inode(file)->i_sb);
	err = vfs_fadvise(lfs_real_file(file), offset, len, advice);
	lfs_revert_creds(old);
	return err;
}

const struct file_operations lfs_file_operations = {
	.open		= lfs_open,
	.release	= lfs_release,
	.llseek		= lfs_llseek,
	.read_iter	= lfs_read_iter,
	.splice_read	= lfs_splice_read,
	.mmap		= lfs_mmap,
	.fsync		= lfs_fsync,
	.fadvise	= lfs_fadvise,
};
