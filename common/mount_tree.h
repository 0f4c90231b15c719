/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detached mount trees (open_tree, mount_setattr, openat2; common/mount_tree.c):
 * a bind source cloned off the host's tree, made read-only, and paths opened
 * inside a tree as if it were "/", so that no symbolic link of a
 * container's rootfs leads out of it.
 */
#ifndef HULL_COMMON_MOUNT_TREE_H
#define HULL_COMMON_MOUNT_TREE_H

#include <stdbool.h>

/* A detached tree read-only (its submounts too when recursive); -1 (errno) on failure. */
int mount_tree_readonly(int tree, bool recursive);

/* source cloned, detached, read-only if asked; its type in *dir; the tree's fd or -1 (errno). */
int mount_tree_clone(const char *source, bool recursive, bool readonly, bool *dir);

/* rel opened with flags inside tree, resolved as if tree were "/"; -1 (errno) on failure. */
int mount_tree_open_in(int tree, const char *rel, int flags);

#endif
