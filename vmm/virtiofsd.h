/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtiofsd, which shares the container's rootfs with the guest: hull
 * starts it before QEMU and stops it after.  Its namespace sandbox is
 * tried first; where that cannot start (a container without the
 * privileges to make namespaces, as some CI hosts), chroot is used, and
 * that is logged once at info level.
 *
 * virtiofsd 7.2 has no read-only option, so a read-only share is made
 * read-only on the host: virtiofsd starts in a mount namespace of its
 * own where the shared directory is a recursive read-only bind mount of
 * itself.  A guest that remounts its root read-write, or mounts the
 * share again, still gets EROFS from the host.  The namespace (and the
 * mount) goes away with virtiofsd; the host's mounts are untouched.
 * Where no mount namespace can be made, a read-only share fails to
 * start (naming the directory) rather than being shared writable.
 *
 * With a container (virtiofsd_config.container), shared_dir is an empty
 * directory: in virtiofsd's mount namespace a small tmpfs is mounted on
 * it (read-only at its top), holding <id>/rootfs, a bind of the
 * container's rootfs, and <id>/mounts/<N>, a bind of the source of
 * config.json's mounts[N] (a directory, or a file bound onto an empty
 * file).  Read-only pieces are read-only binds, so the guest cannot write
 * through them however it mounts the share.  Nothing of it is in the
 * host's mount table; it all goes with virtiofsd.  docs/mounts.md.
 */
#ifndef HULL_VMM_VIRTIOFSD_H
#define HULL_VMM_VIRTIOFSD_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/* hypervisor.virtio_fs_extra_args beyond this many are refused. */
#define VIRTIOFSD_MAX_ARGS 64

/* One host path on the share, as <id>/mounts/<index>. */
struct virtiofsd_bind {
	const char *source;      /* a directory or a file */
	const char *destination; /* in the container: made in a read-only rootfs first */
	unsigned index;          /* its place in config.json's mounts */
	bool readonly;
	bool recursive; /* rbind: its submounts too */
};

/* A container's pieces on the share. */
struct virtiofsd_container {
	const char *id;
	const char *rootfs;
	bool readonly; /* the rootfs */
	const struct virtiofsd_bind *binds;
	size_t n_binds;
	/* the other mounts' destinations, made as directories in a read-only rootfs */
	const char *const *mount_dirs;
	size_t n_mount_dirs;
};

struct virtiofsd {
	pid_t pid;
	char socket[PATH_MAX];
	const char *sandbox; /* "namespace" or "chroot": the one that started */
	char shared_dir[PATH_MAX];
	dev_t share_dev; /* the share's tmpfs (with a container); 0: none */
};

struct virtiofsd_config {
	const char *binary;      /* /usr/lib/qemu/virtiofsd */
	const char *shared_dir;  /* the rootfs */
	const char *socket;      /* vhost-user socket QEMU connects to */
	const char *cache;       /* auto, always, none; NULL = auto */
	char *const *extra_args; /* appended after hull's own; NULL-terminated, NULL = none */
	const char *log_path;    /* its stderr; NULL = /dev/null */
	bool readonly;           /* share shared_dir read-only, enforced on the host */
	/* non-NULL: shared_dir is the share's empty mount point, holding this container */
	const struct virtiofsd_container *container;
};

int virtiofsd_start(const struct virtiofsd_config *c, struct virtiofsd *v, hull_error_t *err);

/*
 * Adds c's pieces to a running share (one started with a container), from
 * a child that enters virtiofsd's mount namespace: how a pod's later
 * containers join.  The sources are opened on the host first.
 */
int virtiofsd_share_add(const struct virtiofsd *v, const struct virtiofsd_container *c,
                        hull_error_t *err);

/* "<id>/rootfs" (index < 0) or "<id>/mounts/<index>": a piece's path in the share. */
int virtiofsd_share_path(char *buf, size_t size, const char *id, long index);

/* SIGTERM, then SIGKILL after 2 s; removes the socket.  Idempotent. */
void virtiofsd_stop(struct virtiofsd *v);

#endif
