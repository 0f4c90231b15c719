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
 */
#ifndef HULL_VMM_VIRTIOFSD_H
#define HULL_VMM_VIRTIOFSD_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/* hypervisor.virtio_fs_extra_args beyond this many are refused. */
#define VIRTIOFSD_MAX_ARGS 64

struct virtiofsd {
	pid_t pid;
	char socket[PATH_MAX];
	const char *sandbox; /* "namespace" or "chroot": the one that started */
};

struct virtiofsd_config {
	const char *binary;      /* /usr/lib/qemu/virtiofsd */
	const char *shared_dir;  /* the rootfs */
	const char *socket;      /* vhost-user socket QEMU connects to */
	const char *cache;       /* auto, always, none; NULL = auto */
	char *const *extra_args; /* appended after hull's own; NULL-terminated, NULL = none */
	const char *log_path;    /* its stderr; NULL = /dev/null */
	bool readonly;           /* share shared_dir read-only, enforced on the host */
};

int virtiofsd_start(const struct virtiofsd_config *c, struct virtiofsd *v, hull_error_t *err);

/* SIGTERM, then SIGKILL after 2 s; removes the socket.  Idempotent. */
void virtiofsd_stop(struct virtiofsd *v);

#endif
