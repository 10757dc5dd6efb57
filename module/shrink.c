// SPDX-License-Identifier: GPL-2.0-only
/*
 * layerfs - giving back the memory of readdir caches and name indexes.
 *
 * Both are rebuilt on demand, so under memory pressure they can go.  Every
 * inode that holds one is on a list of its superblock; the superblock's own
 * shrinker (the one that prunes its dentries and inodes, memcg-aware) asks
 * for them through nr_cached_objects/free_cached_objects.  A cache used
 * since the last pass gets a second chance, a listing an open directory
 * still reads stays, and an inode busy (its lock held) is passed over.
 */
#include <linux/fs.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>

#include "layerfs.h"

/* inode now holds a readdir cache or a name index. */
void lfs_cache_track(struct inode *inode)
{
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	struct lfs_inode *li = LFS_I(inode);

	spin_lock(&lfs->cache_lock);
	if (list_empty(&li->cache_lru)) {
		list_add_tail(&li->cache_lru, &lfs->cache_lru);
		lfs->nr_cached++;
	}
	spin_unlock(&lfs->cache_lock);
}

/* inode is being destroyed; after this the shrinker cannot see it. */
void lfs_cache_untrack(struct inode *inode)
{
	struct lfs_fs *lfs = LFS_FS(inode->i_sb);
	struct lfs_inode *li = LFS_I(inode);

	spin_lock(&lfs->cache_lock);
	if (!list_empty(&li->cache_lru)) {
		list_del_init(&li->cache_lru);
		lfs->nr_cached--;
	}
	spin_unlock(&lfs->cache_lock);
}

long lfs_nr_cached_objects(struct super_block *sb, struct shrink_control *sc)
{
	return READ_ONCE(LFS_FS(sb)->nr_cached);
}

/*
 * Look at the oldest inode on the list.  Returns false when the list is
 * empty; *cache is set when a listing was taken (the name index goes
 * through RCU by itself).
 */
static bool lfs_shrink_one(struct lfs_fs *lfs, struct lfs_dir_cache **cache,
			   bool *freed)
{
	struct lfs_inode *li;

	spin_lock(&lfs->cache_lock);
	li = list_first_entry_or_null(&lfs->cache_lru, struct lfs_inode,
				      cache_lru);
	if (!li) {
		spin_unlock(&lfs->cache_lock);
		return false;
	}
	list_move_tail(&li->cache_lru, &lfs->cache_lru);
	if (test_and_clear_bit(LFS_I_CACHE_REF, &li->flags) ||
	    !mutex_trylock(&li->lock)) {
		spin_unlock(&lfs->cache_lock);
		return true;
	}
	*cache = lfs_dir_cache_steal(li);
	*freed = lfs_name_index_drop(li) || *cache;
	if (!li->dir_cache) {
		list_del_init(&li->cache_lru);
		lfs->nr_cached--;
	}
	mutex_unlock(&li->lock);
	spin_unlock(&lfs->cache_lock);
	return true;
}

long lfs_free_cached_objects(struct super_block *sb, struct shrink_control *sc)
{
	struct lfs_fs *lfs = LFS_FS(sb);
	unsigned long n = sc->nr_to_scan;
	long freed = 0;

	while (n--) {
		struct lfs_dir_cache *cache = NULL;
		bool one = false;

		if (!lfs_shrink_one(lfs, &cache, &one))
			break;
		lfs_dir_cache_free(cache);
		freed += one;
	}
	return freed;
}
