/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of the container's rootfs (rootfs.c): one OCI mount checked
 * and translated into mount(2) flags and data as runc and crun do, paths
 * resolved and created under the container's root with
 * openat2(RESOLVE_IN_ROOT) (so a symlink in the image cannot send a mount
 * outside the root), the mount made there (mounts.c), and the device
 * nodes of a container's /dev (rootfs_devices.c).
 */
#ifndef HULL_VMM_AGENT_MOUNTS_H
#define HULL_VMM_AGENT_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"

struct mount_plan {
	const char *destination; /* as the host wrote it */
	char *rel;               /* cleaned, relative to the root: "dev/pts" */
	const char *type;        /* the filesystem to mount */
	const char *source;
	unsigned long flags;
	unsigned long propagation;
	char *data;
	char *skip_reason; /* set: not mounted, listed in the reply's "skipped" */
	bool optional;     /* a failure skips it instead of failing the request */
	bool make_dev;     /* a tmpfs on /dev: create the standard nodes */
	bool bind;         /* a bind of source, a guest path on the sandbox's share */
};

/* mounts[idx] of a request, checked; strings point into j. */
int mount_plan_parse(json_t *j, size_t idx, struct mount_plan *m, hull_error_t *err);
void mount_plan_release(struct mount_plan *m);

/* "/a/./b//../c/" -> "a/c": a lexical clean that never climbs above the root. */
char *mount_clean_rel(const char *dest);

/* An O_PATH fd on rel (a directory), resolved as if rootfd were "/"; -1 and errno. */
int mount_open_in_root(int rootfd, const char *rel);

/* As mount_open_in_root, creating the directories that are missing. */
int mount_mkdir_in_root(int rootfd, const char *rel, hull_error_t *err);

/* "/proc/self/fd/N": how mount(2) is pointed at an fd. */
void mount_fd_path(int fd, char buf[64]);

/*
 * Mounts m under rootfd with its flags less drop, then sets its
 * propagation.  A bind (m->bind) is made onto a directory or an empty
 * file, as its source is, then remounted with its flags (a bind mount
 * takes ro, nosuid, nodev, noexec only so).  *mounted turns true once the mount exists (a later step
 * may still fail).  An optional mount that the kernel refuses returns 1
 * with errno set and *err untouched.
 */
int mount_in_root(int rootfd, const struct mount_plan *m, unsigned long drop, bool *mounted,
                  hull_error_t *err);

/* The nosuid/nodev/noexec/atime flags path is mounted with, to keep them on a remount. */
unsigned long mount_remount_flags(const char *path);

/* A device node: linux.devices[i], or one of the defaults. */
struct dev_node {
	const char *path; /* "/dev/fuse": in the container, and in the agent's view */
	mode_t mode;      /* S_IFCHR | 0666 */
	dev_t rdev;
	uid_t uid;
	gid_t gid;
};

/*
 * Creates n under rootfd with mknod, its mode, uid and gid; where mknod is
 * not allowed (a user namespace) it bind-mounts the agent's own n->path
 * instead, as runc does.  An existing node is left alone.
 */
int dev_node_make(int rootfd, const struct dev_node *n, hull_error_t *err);

/*
 * runc's default /dev under rootfd: null, zero, full, random, urandom,
 * tty (those not among the n_except paths of except), the ptmx, fd and
 * stdio links.
 */
int dev_populate_defaults(int rootfd, const struct dev_node *except, size_t n_except,
                          hull_error_t *err);

/*
 * The steps of rootfs_plan_apply that need no plan (rootfs_steps.c).
 * Errors name the step ("linux.maskedPaths: ...").
 */

/* The mount holding root made private if it is shared (runc's rootfsParentMountPrivate). */
int rootfs_parent_private(const char *root, hull_error_t *err);

/* pivot_root into root, the old root detached; the working directory is "/". */
int rootfs_pivot(const char *root, hull_error_t *err);

/* stdio that was the agent's /dev/null now uses the container's (runc's reOpenDevNull). */
void rootfs_reopen_dev_null(void);

/* runc's readonlyPath and maskPath: a missing path is left alone. */
int rootfs_readonly_path(const char *path, hull_error_t *err);
int rootfs_mask_path(const char *path, hull_error_t *err);

/* path, a mount, remounted read-only with its other flags kept; what names it in errors. */
int rootfs_remount_readonly(const char *path, const char *what, hull_error_t *err);

#endif
