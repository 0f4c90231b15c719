/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rootfs mounts containerd hands a task (CreateTaskRequest.rootfs: the
 * snapshotter's overlay or bind mount), mounted at BUNDLE/rootfs before
 * hull create and unmounted at delete, as the runc shim does.
 */
#ifndef HULL_SHIM_ROOTFS_H
#define HULL_SHIM_ROOTFS_H

#include <stddef.h>

#include "common/error.h"

struct shim_mount {
	char *type;
	char *source;
	char **options;
	size_t n_options;
};

void shim_mount_release(struct shim_mount *m);
/* Decodes a containerd.types.Mount {type = 1, source = 2, target = 3, options = 4}. */
int shim_mount_decode(const void *data, size_t len, struct shim_mount *m, hull_error_t *err);
/*
 * Mounts each at target in order (later ones over earlier ones).  Flag
 * options (ro, nosuid, rbind, ...) become mount flags, the rest the
 * filesystem's data (overlay's lowerdir=..., upperdir=...); a read-only
 * bind is remounted read-only, as a bind mount ignores MS_RDONLY.
 * Nothing stays mounted on failure.
 */
int shim_mount_all(const struct shim_mount *mounts, size_t n, const char *target,
                   hull_error_t *err);
/* Unmounts everything at target (lazily, as a busy rootfs may still be shared). */
int shim_unmount_all(const char *target, hull_error_t *err);

#endif
