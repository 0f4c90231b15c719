/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json's bind mounts, on the sandbox's virtio-fs share
 * (docs/mounts.md): which mounts are binds and what virtiofsd binds for
 * them on the host (vmm/virtiofsd.h), and the mounts as the guest agent
 * gets them, each bind's source rewritten to its place on the share.
 */
#ifndef HULL_RUNTIME_MOUNTS_SHARE_H
#define HULL_RUNTIME_MOUNTS_SHARE_H

#include <jansson.h>

#include "common/error.h"
#include "runtime/oci_spec.h"
#include "vmm/virtiofsd.h"

/* A container's pieces for virtiofsd; binds and its strings are owned (or point into spec). */
struct mounts_share {
	struct virtiofsd_container container;
	struct virtiofsd_bind *binds;
	const char **mount_dirs;
};

/* mounts[i] is a bind: type "bind", or a "bind"/"rbind" option (as runc decides). */
bool mounts_share_is_bind(const json_t *mount);

/*
 * spec's root and bind mounts for container id.  A bind's source must be
 * an absolute path that exists (errors name mounts[i].source); "ro" (the
 * last of ro/rw) makes it read-only on the host too, "rbind" takes its
 * submounts.  With a read-only root, the other mounts' destinations that
 * are not beneath an earlier mount's (/run, not /dev/pts) are listed for
 * virtiofsd to make in the rootfs, as runc makes them before its read-only
 * remount.  Strings point into spec, which must outlive s.
 */
int mounts_share_plan(const char *id, const struct hull_spec *spec, struct mounts_share *s,
                      hull_error_t *err);
void mounts_share_release(struct mounts_share *s);

/*
 * A copy of mounts with each bind's source the guest path of its piece,
 * share_path/<id>/mounts/<i>, and "shared": true; NULL when out of memory.
 */
json_t *mounts_share_guest_mounts(const char *id, const json_t *mounts, const char *share_path);

#endif
